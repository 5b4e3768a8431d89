#!/usr/bin/env bash
# Memory stays bounded under floods: a SYN flood from 1M distinct sources and a flood of
# fragments that never complete, each against small memcaps. Peak RSS must stay under the
# configured memcaps plus a fixed overhead, and the evictions must be counted in stats.
set -uo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
N=${WW_FLOOD_PACKETS:-1000000}
OVERHEAD_MB=64   # binary, libraries, thread stacks, EVE buffers, hash arrays
fail=0
cat > "$t/ww.yaml" <<'YAML'
stats-interval: 0
decoder: {ipv4-checksum: no}
flow: {memcap: 16mb, hash-size: 65536}
defrag: {memcap: 4mb}
stream: {memcap: 16mb}
outputs:
  eve-log:
    types: [stats]
YAML
CAPS_MB=$((16 + 4 + 16))
for kind in synflood fragflood; do
  python3 "$src/tests/tools/mkpcap.py" $kind "$t/$kind.pcap" "$N"
  for w in 1 2; do
    rm -rf "$t/o"
    /usr/bin/time -f "%M" -o "$t/rss" "$bin" analyze -r "$t/$kind.pcap" -l "$t/o" -c "$t/ww.yaml" \
      --workers $w -q || { echo "FAIL $kind w$w: exit $?"; fail=1; continue; }
    rss_mb=$(( $(cat "$t/rss") / 1024 ))
    python3 - "$t/o/eve.json" "$kind" "$w" "$rss_mb" "$((CAPS_MB + OVERHEAD_MB))" <<'PY' || fail=1
import json, sys
path, kind, w, rss, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
st = [json.loads(l) for l in open(path)][-1]["stats"]
if kind == "synflood":
    ev, what = st["flow"]["emerg_evictions"], "flow.emerg_evictions"
    seen = st["flow"]["total"]
else:
    ev, what = st["defrag"]["memcap_evictions"] + st["defrag"].get("max_frag_hits", 0), "defrag evictions"
    seen = st["defrag"]["ipv4"]["fragments"]
print(f"{kind} workers={w}: peak RSS {rss} MB (limit {limit} MB), {what} {ev}, seen {seen}")
assert rss <= limit, f"peak RSS {rss} MB over {limit} MB"
assert ev > 0, f"{what} not counted"
PY
  done
done
[ $fail = 0 ] && echo "4 passed, 0 failed" || echo "some failed"
exit $fail
