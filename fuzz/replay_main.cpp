// Runs a libFuzzer driver (LLVMFuzzerTestOneInput) over files and directories without
// libFuzzer, so every seed and every crasher ever found is replayed by the normal test suite
// (and under ASan/UBSan in the sanitizer build).
//
//   fuzz_replay_X PATH...                         replay the inputs
//   fuzz_replay_X --mutate SECONDS [--seed N] PATH...
//        then, for SECONDS, feed random mutations of them (bit flips, byte sets, inserts,
//        deletes, duplicated ranges, splices of two inputs, boundary values). gcc has no
//        libFuzzer, so this is what `make test` runs under ASan/UBSan for a bounded time; the
//        coverage-guided runs are `make fuzz` (clang). The mutator is deterministic for a
//        seed: on a sanitizer report the death callback writes the input to ./fuzz-crash-input
//        and prints the seed and iteration; `--seed N --iterations M` runs the same sequence.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// In the sanitizer runtimes (weak: absent from the plain build).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

using Input = std::vector<uint8_t>;
constexpr size_t kMaxInput = 1 << 16;

const Input* g_current = nullptr;  // the mutated input being run
uint64_t g_seed = 0, g_iter = 0;

void on_death() {
  if (!g_current) return;
  if (FILE* f = std::fopen("fuzz-crash-input", "wb")) {
    std::fwrite(g_current->data(), 1, g_current->size(), f);
    std::fclose(f);
  }
  std::fprintf(stderr, "fuzz: report on mutated input %llu of seed %llu (./fuzz-crash-input)\n",
               (unsigned long long)g_iter, (unsigned long long)g_seed);
}

Input mutate(const std::vector<Input>& pool, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % n); };
  Input in = pool[pick(pool.size())];
  int rounds = 1 + int(rng() % 8);
  for (int k = 0; k < rounds; ++k) {
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!in.empty()) in[pick(in.size())] ^= uint8_t(1u << (rng() % 8));
        break;
      case 1:  // set a byte
        if (!in.empty()) in[pick(in.size())] = uint8_t(rng());
        break;
      case 2: {  // boundary value
        static const uint8_t v[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '\r', '\n', ' ', ':', '0'};
        if (!in.empty()) in[pick(in.size())] = v[rng() % sizeof v];
        break;
      }
      case 3: {  // insert random bytes
        size_t at = pick(in.size() + 1), n = 1 + pick(16);
        Input add(n);
        for (auto& b : add) b = uint8_t(rng());
        in.insert(in.begin() + ptrdiff_t(at), add.begin(), add.end());
        break;
      }
      case 4:  // delete a range
        if (!in.empty()) {
          size_t at = pick(in.size()), n = 1 + pick(std::min<size_t>(in.size() - at, 64));
          in.erase(in.begin() + ptrdiff_t(at), in.begin() + ptrdiff_t(at + n));
        }
        break;
      case 5:  // duplicate a range
        if (!in.empty()) {
          size_t at = pick(in.size()), n = 1 + pick(std::min<size_t>(in.size() - at, 256));
          Input dup(in.begin() + ptrdiff_t(at), in.begin() + ptrdiff_t(at + n));
          size_t to = pick(in.size() + 1);
          in.insert(in.begin() + ptrdiff_t(to), dup.begin(), dup.end());
        }
        break;
      default: {  // splice: the head of this input, the tail of another
        const Input& o = pool[pick(pool.size())];
        size_t cut = pick(in.size() + 1), from = pick(o.size() + 1);
        in.resize(cut);
        in.insert(in.end(), o.begin() + ptrdiff_t(from), o.end());
        break;
      }
    }
    if (in.size() > kMaxInput) in.resize(kMaxInput);
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  uint64_t seed = 0, max_iters = 0;
  bool seed_given = false;
  std::vector<Input> pool;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mutate" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
      continue;
    }
    if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
      seed_given = true;
      continue;
    }
    if (a == "--iterations" && i + 1 < argc) {
      max_iters = std::strtoull(argv[++i], nullptr, 10);
      continue;
    }
    std::filesystem::path p(a);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (std::filesystem::exists(p)) {
      files.push_back(p);
    }
    for (auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      Input buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(buf.data(), buf.size());
      pool.push_back(std::move(buf));
    }
  }
  std::printf("replayed %zu inputs\n", pool.size());
  if (pool.empty()) return 1;
  if (seconds <= 0 && max_iters == 0) return 0;
  if (!seed_given) seed = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  std::printf("mutating for %.0f s, seed %llu\n", seconds, (unsigned long long)seed);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  g_seed = seed;
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(on_death);
  std::signal(SIGABRT, [](int) { on_death(); });  // a driver's invariant check (abort)
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t n = 0;
  while ((max_iters == 0 || n < max_iters) &&
         (seconds <= 0 || std::chrono::steady_clock::now() < end)) {
    Input in = mutate(pool, rng);
    g_iter = ++n;
    g_current = &in;
    LLVMFuzzerTestOneInput(in.data(), in.size());
    g_current = nullptr;
  }
  std::printf("ran %llu mutated inputs (seed %llu): no crash\n", (unsigned long long)n,
              (unsigned long long)seed);
  return 0;
}
