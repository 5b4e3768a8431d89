#!/usr/bin/env bash
# rules/healthcare.rules on the simulator's hospital: silent on the benign background, and each
# attack scenario it covers raises the expected signatures (by sid) from the attacker's host.
set -uo pipefail
bin=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
sim="$build/wardwatch-sim"
[ -x "$sim" ] || { echo "SKIP: $sim not built"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
run() {  # scenario -> $t/<scenario>/eve.json
  "$sim" --scenario "$1" --duration 3m --seed 11 -w "$t/$1.pcap" --labels "$t/$1.labels" >/dev/null 2>&1 &&
    "$bin" analyze -r "$t/$1.pcap" -S "$src/rules/healthcare.rules" -l "$t/$1" -q
}
sids() { python3 -c "
import json, sys
print(' '.join(sorted({str(json.loads(l)['alert']['signature_id']) for l in open(sys.argv[1]) if '\"event_type\":\"alert\"' in l})))" "$1"; }

run benign || { echo "FAIL benign: analyze failed"; exit 1; }
got=$(sids "$t/benign/eve.json")
if [ -z "$got" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL benign: alerts $got"; fi

# scenario : sids that must fire
for spec in "rogue_hl7:9100005 9100006" "exfiltration:9100004 9100011 9100016" "lateral_imaging:9100010"; do
  sc=${spec%%:*}
  run "$sc" || { fail=$((fail + 1)); echo "FAIL $sc: analyze failed"; continue; }
  got=" $(sids "$t/$sc/eve.json") "
  for want in ${spec#*:}; do
    if [[ "$got" == *" $want "* ]]; then pass=$((pass + 1)); else
      fail=$((fail + 1)); echo "FAIL $sc: sid $want did not fire (got:$got)"
    fi
  done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
