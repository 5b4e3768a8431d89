#!/usr/bin/env bash
# Files found by wardwatch vs tshark --export-objects (http, smb, imf, ftp-data, dicom) on the
# corpus captures (issue 7): prints per-protocol objects, found and percent (see
# tests/tools/file_export.py and docs/files.md). It fails when a tool cannot run, when fewer
# than WW_FILE_EXPORT_MIN_ALL percent (default 95: Suricata 7.0.6 finds about 90% of these,
# wardwatch 96.6% on 2026-11-28) of all objects are found, or when WW_FILE_EXPORT_MIN (percent)
# is set and a protocol with 5+ objects is below it.
set -euo pipefail
source "$(dirname "$0")/../tools/corpus_lib.sh"
bin=$1
corpus=$(ww_corpus_dir)
src=$(ww_source_dir)
if ! command -v tshark >/dev/null; then echo "SKIP: tshark not installed (scripts/setup installs it)"; exit 77; fi
min=(--min-all "${WW_FILE_EXPORT_MIN_ALL:-95}")
[ -n "${WW_FILE_EXPORT_MIN:-}" ] && min+=(--min "$WW_FILE_EXPORT_MIN")
exec python3 "$src/tests/tools/file_export.py" "$bin" "$corpus/pcaps" "$corpus/healthcare" \
  "$corpus/generated" --jobs 2 "${min[@]}" "${@:3}"
