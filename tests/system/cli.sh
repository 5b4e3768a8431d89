#!/usr/bin/env bash
# The command line: exit codes, error messages, EVE output, truncated input.
set -uo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
mk="python3 $src/tests/tools/mkpcap.py"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
check() {  # name, expected exit code, command...
  local name=$1 want=$2
  shift 2
  "$@" >"$t/out" 2>"$t/err"
  local rc=$?
  if [ "$rc" = "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $rc, want $want"; cat "$t/err" | head -5
  fi
}
has() {  # name, file, pattern
  if grep -q -- "$3" "$2"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: '$3' not in $2"; head -5 "$2"
  fi
}

$mk tcp "$t/tcp.pcap"
$mk udp "$t/udp.pcap" 5

check version 0 "$bin" --version
has version "$t/out" "wardwatch "
check help 0 "$bin" --help
has help "$t/out" "analyze"
check no-subcommand 2 "$bin"
check bad-option 2 "$bin" analyze -r "$t/tcp.pcap" --no-such-option
check missing-read 2 "$bin" analyze -l "$t/o"
check bad-workers 2 "$bin" analyze -r "$t/tcp.pcap" -l "$t/o" --workers 0
check missing-file 2 "$bin" analyze -r "$t/nope.pcap" -l "$t/o"
has missing-file-msg "$t/err" "nope.pcap: no such file"
check directory-as-file 2 "$bin" analyze -r "$t" -l "$t/o"
echo "not a pcap" > "$t/text.pcap"
check not-a-pcap 2 "$bin" analyze -r "$t/text.pcap" -l "$t/o"
has not-a-pcap-msg "$t/err" "text.pcap"
printf 'flow:\n  memcap: lots\n' > "$t/bad.yaml"
check bad-config 2 "$bin" analyze -r "$t/tcp.pcap" -l "$t/o" -c "$t/bad.yaml"
has bad-config-msg "$t/err" "bad.yaml:2"
check missing-config 2 "$bin" analyze -r "$t/tcp.pcap" -l "$t/o" -c "$t/none.yaml"
check bad-bpf 2 "$bin" run -i lo -f "tcp port" -l "$t/o"
has bad-bpf-msg "$t/err" "BPF"
if [ "$(id -u)" != 0 ]; then
  chmod 000 "$t/udp.pcap"
  check unreadable 2 "$bin" analyze -r "$t/udp.pcap" -l "$t/o"
  chmod 644 "$t/udp.pcap"
fi

# A good run: one TCP flow, one UDP flow per datagram, valid JSON, Suricata field names.
check analyze 0 "$bin" analyze -r "$t/tcp.pcap" -r "$t/udp.pcap" -l "$t/o" --workers 1
has summary "$t/out" "EVE:"
python3 - "$t/o/eve.json" <<'PY' && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL eve-content"; }
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
flows = [e for e in ev if e["event_type"] == "flow"]
tcp = [f for f in flows if f["proto"] == "TCP"]
udp = [f for f in flows if f["proto"] == "UDP"]
assert len(tcp) == 1 and len(udp) == 5, (len(tcp), len(udp))
f = tcp[0]
assert (f["src_ip"], f["src_port"], f["dest_ip"], f["dest_port"]) == ("10.77.0.10", 40000, "10.77.0.20", 80), f
assert f["flow"]["pkts_toserver"] == 5 and f["flow"]["pkts_toclient"] == 3, f
assert f["tcp"]["tcp_flags_ts"] == "1b" and f["tcp"]["tcp_flags_tc"] == "1b", f
assert f["timestamp"] == "2024-03-01T10:00:00.000000+0000", f["timestamp"]
assert any(e["event_type"] == "stats" for e in ev)
PY

# A truncated capture: processed up to the cut, warned about, exit 2, events still written.
$mk truncate "$t/tcp.pcap" "$t/cut.pcap" 30
check truncated 2 "$bin" analyze -r "$t/cut.pcap" -l "$t/cut"
has truncated-msg "$t/err" "truncated"
has truncated-eve "$t/cut/eve.json" '"event_type":"flow"'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
