#!/usr/bin/env bash
# suricata-verify subset (../shared/corpus/suricata-verify) through tools/verify/run.
# Passes when the runner works; the pass rate is printed as information (not enforced yet).
set -euo pipefail
source "$(dirname "$0")/../tools/corpus_lib.sh"
bin=$1
corpus=$(ww_corpus_dir)
src=$(ww_source_dir)
if [ ! -d "$corpus/suricata-verify/tests" ]; then echo "SKIP: no suricata-verify tests"; exit 77; fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
python3 "$src/tools/verify/run" "$corpus/suricata-verify" --bin "$bin" --jobs 2 | tee "$out"
last=$(tail -n 1 "$out")
if ! [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
  echo "runner did not finish with a summary line"; exit 1
fi
p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
total=$((p + f + s)); run=$((p + f))
python3 -c "print('pass rate: {:.1f}% of {} run tests; skipped {:.1f}% of {}'.format(100*$p/max($run,1), $run, 100*$s/max($total,1), $total))"
# Issue 4's bar (85% of run tests, < 25% skipped) is met since session 5; a floor a little
# under the current figure (372 passed claiming Suricata 8.0.7 on 2026-11-29, end of session 5,
# docs/conformance.md) so that a regression fails CI. Raise it as conformance improves.
floor=${WW_VERIFY_FLOOR:-366}
if [ "$p" -lt "$floor" ]; then echo "FAIL: $p tests passed, fewer than the floor of $floor"; exit 1; fi
