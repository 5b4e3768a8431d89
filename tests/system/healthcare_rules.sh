#!/usr/bin/env bash
# rules/healthcare.rules on the simulator's hospital, one check per rule:
#  - silent on the benign background (no alert of the pack at all);
#  - every rule of the pack has a scenario below (a rule added without one fails the test), and
#    fires on it with the scenario's attacker or victim (a host of its labels) as source or
#    destination of the alert.
set -uo pipefail
bin=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
sim="$build/wardwatch-sim"
[ -x "$sim" ] || { echo "SKIP: $sim not built"; exit 77; }
rules="$src/rules/healthcare.rules"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0 fail=0

# sid -> the simulator scenario it is meant for (docs/simulator.md).
declare -A scenario=(
  [9100001]=hl7_nak_storm    # HL7 negative acknowledgment
  [9100002]=hl7_nak_storm    # HL7 NAK storm
  [9100003]=hl7_external     # HL7 from an external address
  [9100004]=exfiltration     # HL7 with PID to an external address
  [9100005]=rogue_hl7        # order/result from an unexpected sending application
  [9100006]=rogue_hl7        # ADT from an unexpected sending application
  [9100007]=hl7_external     # patient merge/link
  [9100010]=lateral_imaging  # DICOM association from an unknown calling AE
  [9100011]=exfiltration     # DICOM association to an external address
  [9100012]=dicom_external   # DICOM association from an external address
  [9100013]=dicom_recon      # bulk C-FIND at PATIENT root
  [9100014]=dicom_recon      # bulk C-FIND at STUDY root
  [9100015]=dicom_recon      # bulk C-MOVE/C-GET
  [9100016]=exfiltration     # C-STORE to an external address
  [9100017]=dicom_tamper     # C-STORE refused
  [9100018]=dicom_tamper     # N-DELETE / N-ACTION
  [9100019]=dicom_pe         # DICOM file with a PE preamble (HTTP and SMB)
  [9100020]=fhir_bulk_export # FHIR $export
  [9100021]=fhir_bulk_export # FHIR from an external address
  [9100022]=exfiltration     # FHIR to an external address
  [9100023]=fhir_bulk_export # bulk Patient reads
  [9100024]=dicom_exe        # executable inside a DICOM dataset
)

run() {  # scenario -> $t/<scenario>/eve.json, $t/<scenario>.labels
  [ -f "$t/$1/eve.json" ] && return 0
  "$sim" --scenario "$1" --duration 3m --seed 11 -w "$t/$1.pcap" --labels "$t/$1.labels" >/dev/null 2>&1 &&
    "$bin" analyze -r "$t/$1.pcap" -S "$rules" -l "$t/$1" -q
}
# Alerts of `sid` in an EVE file whose source or destination is one of the labels' hosts.
fired() {  # eve labels sid -> count
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
eve, labels, sid = sys.argv[1], sys.argv[2], int(sys.argv[3])
hosts = set()
for line in open(labels):
    if line.strip():
        hosts.update(json.loads(line)["hosts"])
n = 0
for line in open(eve):
    if '"event_type":"alert"' not in line:
        continue
    e = json.loads(line)
    if e["alert"]["signature_id"] == sid and (e["src_ip"] in hosts or e["dest_ip"] in hosts):
        n += 1
print(n)
PY
}

run benign || { echo "FAIL benign: analyze failed"; exit 1; }
got=$(python3 -c "
import json, sys
print(' '.join(sorted({str(json.loads(l)['alert']['signature_id']) for l in open(sys.argv[1]) if '\"event_type\":\"alert\"' in l})))" "$t/benign/eve.json")
if [ -z "$got" ]; then pass=$((pass + 1)); echo "ok   benign: no alert"; else
  fail=$((fail + 1)); echo "FAIL benign: alerts $got"
fi

for sid in $(grep -o 'sid:[0-9]*' "$rules" | cut -d: -f2); do
  sc=${scenario[$sid]:-}
  if [ -z "$sc" ]; then
    fail=$((fail + 1)); echo "FAIL sid $sid: no simulator scenario for it in $(basename "$0")"
    continue
  fi
  if ! run "$sc"; then
    fail=$((fail + 1)); echo "FAIL sid $sid: $sc: simulator or analyze failed"
    continue
  fi
  n=$(fired "$t/$sc/eve.json" "$t/$sc.labels" "$sid")
  if [ "${n:-0}" -gt 0 ]; then pass=$((pass + 1)); echo "ok   sid $sid on $sc ($n alerts)"; else
    fail=$((fail + 1)); echo "FAIL sid $sid did not fire on $sc"
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
