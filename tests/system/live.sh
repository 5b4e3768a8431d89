#!/usr/bin/env bash
# Live capture on the loopback interface (needs CAP_NET_RAW; skipped otherwise):
# AF_PACKET fanout with 2 workers, BPF filter, SIGHUP reopens eve.json, SIGINT stops cleanly
# with flows flushed and final stats written. Traffic goes to 127.0.0.1 only.
set -uo pipefail
bin=$1
source "$(dirname "$0")/../tools/live_lib.sh"
t=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$t"' EXIT
ww_live_or_skip "$bin" "$t"
port=$((20000 + RANDOM % 20000))
"$bin" run -i lo -f "udp port $port" -l "$t/o" --workers 2 >"$t/out" 2>"$t/err" &
pid=$!
sleep 1
ww_send_udp "$port" $(seq -f "wardwatch-live-test-%g" 0 19)  # 20 sockets: 20 flows
sleep 1.5   # the workers flush their output at least once a second
mv "$t/o/eve.json" "$t/o/eve.json.old"
kill -HUP $pid
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
fail=0
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; cat "$t/err"; fail=1; }
[ -f "$t/o/eve.json" ] || { echo "FAIL: SIGHUP did not reopen eve.json"; fail=1; }
cat "$t/o/eve.json.old" "$t/o/eve.json" > "$t/all.json" 2>/dev/null
python3 - "$t/all.json" "$port" <<'PY' || fail=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
flows = [e for e in ev if e["event_type"] == "flow" and e.get("dest_port") == port]
assert len(flows) == 20, f"expected 20 UDP flows to port {port}, got {len(flows)}"
assert all(f["in_iface"] == "lo" for f in flows)
assert all(f["flow"]["reason"] == "shutdown" for f in flows), "flows flushed at SIGINT"
stats = [e for e in ev if e["event_type"] == "stats"]
assert stats, "final stats event"
cap = stats[-1]["stats"]["capture"]
assert cap["kernel_packets"] >= 20, cap
print("live: 20 flows, kernel_packets", cap["kernel_packets"], "drops", cap["kernel_drops"])
PY
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
