#!/usr/bin/env bash
# Live rule reload (issue 4): `wardwatch run -S FILE` on the loopback interface; SIGHUP rebuilds
# the rule set in the background and the workers switch to it; a broken rule file keeps the
# running rules (error logged, detect.reload_failures counted). Needs CAP_NET_RAW (skipped
# otherwise). Traffic goes to 127.0.0.1 only.
set -uo pipefail
bin=$1
source "$(dirname "$0")/../tools/live_lib.sh"
t=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$t"' EXIT
ww_live_or_skip "$bin" "$t"
port=$((20000 + RANDOM % 20000))
send() { ww_send_udp "$port" "$@"; }
rule() { echo "alert udp any any -> any $port (msg:\"$1\"; content:\"$2\"; sid:$3;)"; }
wait_log() {  # wait_log PATTERN: until the probe's stderr has it (10 s at most)
  for _ in $(seq 100); do grep -q "$1" "$t/err" && return 0; sleep 0.1; done
  echo "FAIL: no '$1' in the log"; cat "$t/err"; return 1
}
rule first AAA 1 > "$t/r.rules"
"$bin" run -i lo -f "udp port $port" -l "$t/o" --workers 2 -S "$t/r.rules" >"$t/out" 2>"$t/err" &
pid=$!
sleep 1
fail=0
send AAA-before
rule second BBB 2 > "$t/r.rules"
kill -HUP $pid
wait_log "reload: new detection content" || fail=1
sleep 0.3   # idle workers tick every 100 ms or so: they take the new rules
send BBB-after AAA-after
echo 'alert udp any any -> any any (msg:"broken"; content:"CCC" sid:3;)' > "$t/r.rules"
kill -HUP $pid
wait_log "reload failed" || fail=1
send BBB-kept
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
pid=
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; cat "$t/err"; fail=1; }
cat "$t"/o/eve.json* > "$t/all.json"
python3 - "$t/all.json" <<'PY' || fail=1
import json, sys, base64
ev = [json.loads(l) for l in open(sys.argv[1])]
alerts = sorted(e["alert"]["signature_id"] for e in ev if e["event_type"] == "alert")
# sid 1 before the reload; sid 2 after it (twice: once more after the failed reload);
# sid 1 no longer after the reload.
assert alerts == [1, 2, 2], alerts
det = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]["detect"]
assert det["reloads"] == 1 and det["reload_failures"] == 1, det
print("reload: alerts", alerts, "reloads", det["reloads"], "failures", det["reload_failures"])
PY
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
