#!/usr/bin/env bash
# Every corpus capture: exit 0 (or 2 with a warning for a cut capture), valid EVE JSON, TCP/UDP
# flow counts within 2% of tshark's conversations overall, same flow events with 1 and 2 workers.
set -euo pipefail
source "$(dirname "$0")/../tools/corpus_lib.sh"
bin=$1
corpus=$(ww_corpus_dir)
src=$(ww_source_dir)
if ! command -v tshark >/dev/null; then echo "SKIP: tshark not installed (scripts/setup installs it)"; exit 77; fi
exec python3 "$src/tests/tools/corpus_check.py" "$bin" "$corpus/pcaps" "$corpus/healthcare" \
  "$corpus/generated" "$corpus/suricata-verify" --tshark --compare-workers --jobs 2
