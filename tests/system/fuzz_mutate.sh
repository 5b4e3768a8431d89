#!/usr/bin/env bash
# Every fuzz target (src/<dir>/fuzz.cpp) for a bounded time under ASan/UBSan: the sanitizer
# build's replay drivers (`make test` builds them) replay the project's seeds, then run random
# mutations of them for WW_FUZZ_SECONDS each (default 8). No crash, leak or sanitizer report.
# (Coverage-guided libFuzzer runs: `make fuzz`, clang.) A report leaves the failing input in
# the test's directory and prints the seed to rerun it.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
asan=$(cd "${WW_ASAN_DIR:-$src/build-asan}" 2>/dev/null && pwd)
secs=${WW_FUZZ_SECONDS:-8}
drivers=$(ls "$asan"/fuzz/fuzz_replay_* 2>/dev/null)
if [ -z "$drivers" ]; then echo "SKIP: no sanitizer fuzz drivers in $asan (make build-asan-bin)"; exit 77; fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
work=$(mktemp -d)
pass=0 fail=0
run_one() {
  local d=$1 name=${1##*/fuzz_replay_}
  mkdir -p "$work/$name"
  if (cd "$work/$name" && "$d" --mutate "$secs" "$src/fuzz/$name/seeds" "$src/fuzz/$name/crashers" \
        >"$work/$name/log" 2>&1); then
    echo "PASS $name: $(tail -1 "$work/$name/log")"
  else
    echo "FAIL $name:"; tail -30 "$work/$name/log"
    return 1
  fi
}
# Two at a time (CI has two cores).
set -- $drivers
while [ $# -gt 0 ]; do
  run_one "$1" & p1=$!
  p2=
  if [ $# -gt 1 ]; then run_one "$2" & p2=$!; fi
  if wait $p1; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  if [ -n "$p2" ]; then if wait $p2; then pass=$((pass + 1)); else fail=$((fail + 1)); fi; shift; fi
  shift
done
[ $fail = 0 ] && rm -rf "$work" || echo "failing inputs under $work"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
