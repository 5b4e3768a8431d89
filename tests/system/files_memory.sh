#!/usr/bin/env bash
# Memory stays bounded with thousands of concurrent partial files (issue 7): a generated capture
# of N never-finished HTTP downloads, all open at once. Checks the file counters of the final
# stats event (every file opened, all TRUNCATED at the end, the open high-water mark), the YARA
# chunk pool held to its memcap (the rest counted as memcap_cut), the per-worker open limit
# (beyond it: open_limit_drop), and the peak RSS against a bound.
set -uo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
N=${WW_FILES_N:-3000}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
python3 "$src/tests/tools/mkfiles_pcap.py" "$t/files.pcap" "$N" 8400 || { echo "FAIL: generator"; exit 1; }
printf 'rule any_file { condition: filesize > 0 }\n' >"$t/any.yar"
# 16 chunks of 64 KiB for the worker; every file has 8400 body bytes, so it wants one chunk.
cat >"$t/a.yaml" <<EOY
files:
  max-open: 4096
  max-per-flow: 64
  yara:
    memcap: 1mb
EOY
cat >"$t/b.yaml" <<EOY
files:
  max-open: 1000
EOY
stat() {  # eve.json dotted.counter -> value from the last stats event
  python3 -c "
import json, sys
last = None
for l in open(sys.argv[1]):
    if '\"event_type\":\"stats\"' in l: last = json.loads(l)['stats']
v = last
for k in sys.argv[2].split('.'): v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if not isinstance(v, dict) else 'missing')" "$1" "$2"; }
expect() {  # file counter op value
  local v; v=$(stat "$1" "$2")
  if [ "$v" = missing ]; then ko "$2 missing"; return; fi
  if python3 -c "import sys; v,o,w=int(sys.argv[1]),sys.argv[2],int(sys.argv[3]); sys.exit(0 if {'==':v==w,'<=':v<=w,'>=':v>=w}[o] else 1)" "$v" "$3" "$4"; then ok; else
    ko "$2 = $v, want $3 $4"; fi
}

/usr/bin/time -f %M -o "$t/rss_a" "$bin" analyze -q -r "$t/files.pcap" --workers 1 -c "$t/a.yaml" \
  --yara "$t/any.yar" -l "$t/a" || ko "analyze (yara) failed"
e="$t/a/eve.json"
expect "$e" files.opened == "$N"
expect "$e" files.truncated == "$N"
expect "$e" files.open_max == "$N"
expect "$e" files.open_limit_drop == 0
expect "$e" files.yara.chunks_max '<=' 16
expect "$e" files.yara.memcap_cut == $((N - 16))
expect "$e" files.yara.scanned == "$N"
n_fi=$(grep -c '"event_type":"fileinfo"' "$e")
[ "$n_fi" = "$N" ] && ok || ko "fileinfo events $n_fi, want $N"
rss=$(cat "$t/rss_a")
# Bound: the file slots (~11 KiB each), 16 chunks and the flows of N connections stay far
# under 512 MiB; an unbounded buffer per file would not.
[ "$rss" -lt $((512 * 1024)) ] && ok || ko "peak RSS ${rss} KiB over 512 MiB"
echo "N=$N peak RSS ${rss} KiB"

"$bin" analyze -q -r "$t/files.pcap" --workers 1 -c "$t/b.yaml" -l "$t/b" || ko "analyze (limit) failed"
e="$t/b/eve.json"
expect "$e" files.open_max == 1000
expect "$e" files.opened == 1000
expect "$e" files.open_limit_drop == $((N - 1000))
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
