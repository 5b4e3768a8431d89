#!/usr/bin/env bash
# Every corpus capture through the ASan/UBSan build (make sanitize; `make test` builds it):
# no sanitizer report, valid EVE.
set -euo pipefail
source "$(dirname "$0")/../tools/corpus_lib.sh"
corpus=$(ww_corpus_dir)
src=$(ww_source_dir)
asan="${WW_ASAN_BIN:-$src/build-asan/wardwatch}"
if [ ! -x "$asan" ]; then echo "SKIP: no sanitizer build at $asan (run: make sanitize)"; exit 77; fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec python3 "$src/tests/tools/corpus_check.py" "$asan" "$corpus/pcaps" "$corpus/healthcare" \
  "$corpus/generated" "$corpus/suricata-verify" --jobs 2
