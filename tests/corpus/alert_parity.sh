#!/usr/bin/env bash
# Alert parity with Suricata 7.0.6 + ET Open (refs/suricata-7.0.6-etopen-alerts.tsv): runs
# wardwatch with all of ET Open (loaded once, one output directory per capture) and prints the
# share of Suricata's (capture, sid) pairs found and the share of extra pairs; fails below 95%
# found or above 5% extra (issue 4's bar).
set -euo pipefail
source "$(dirname "$0")/../tools/corpus_lib.sh"
bin=$1
corpus=$(ww_corpus_dir)
src=$(ww_source_dir)
ref="$corpus/refs/suricata-7.0.6-etopen-alerts.tsv"
if [ ! -f "$ref" ] || [ ! -d "$corpus/rules/et-open" ]; then echo "SKIP: no ET Open reference"; exit 77; fi
exec python3 "$src/tests/tools/alert_parity.py" "$bin" "$corpus" "$ref"
