# wardwatch front door. `make demo` and `make test` are what README.md tells a new user to run.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup configure build build-asan-bin test test-unit test-corpus demo bench clean sanitize fuzz lint

all: build

setup:
	./scripts/setup

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The sanitizer build of the binary runs the corpus under ASan/UBSan (tests/corpus/sanitizer.sh).
test: setup build
	$(MAKE) --no-print-directory build-asan-bin
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

build-asan-bin:
	cmake -S . -B build-asan -G Ninja -DWW_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS) --target wardwatch fuzz_replay_all

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-corpus: build
	cd $(BUILD) && ctest --output-on-failure -L corpus

demo: setup build
	./scripts/demo

bench: build
	./bench/e2e $(PCAP)

sanitize:
	$(MAKE) build BUILD=build-asan CMAKE_FLAGS="-DWW_SANITIZE=ON"

# libFuzzer binaries (clang): build-fuzz/fuzz_<dir>; run e.g.
#   build-fuzz/fuzz_decode -max_total_time=60 fuzz/decode/seeds
fuzz:
	$(MAKE) build BUILD=build-fuzz CMAKE_FLAGS="-DWW_FUZZ=ON -DWW_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++"

lint:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.cpp' 'src/*.h' 'tools/*.cpp' 'tools/*.h')

clean:
	rm -rf $(BUILD)
