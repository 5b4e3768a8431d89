#!/usr/bin/env bash
# Agreement of wardwatch's HTTP, DNS, TLS, DHCP, SMB2, SMTP and FTP EVE records with tshark's over the whole corpus
# (issue 5): prints per-protocol agreement (see tests/tools/tshark_compare.py). A report: it
# fails only when wardwatch crashes the comparison, not on the figure itself.
set -euo pipefail
source "$(dirname "$0")/../tools/corpus_lib.sh"
bin=$1
corpus=$(ww_corpus_dir)
src=$(ww_source_dir)
if ! command -v tshark >/dev/null; then echo "SKIP: tshark not installed (scripts/setup installs it)"; exit 77; fi
exec python3 "$src/tests/tools/tshark_compare.py" "$bin" "$corpus/pcaps" "$corpus/healthcare" \
  "$corpus/generated" "$corpus/suricata-verify" --jobs 2 "${@:3}"
