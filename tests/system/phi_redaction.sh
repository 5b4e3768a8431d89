#!/usr/bin/env bash
# No patient name or identifier in anything wardwatch writes, with the default configuration:
# the simulator's `hospital` scenario (HL7, DICOM and FHIR background plus every attack, patient
# exfiltration included) is analysed with the healthcare rule pack, then every file of the log
# directory is searched for the simulator's patient names (the name lists of
# tools/sim/proto/hl7.cpp, read from the source so the test follows them) and for the record
# numbers (MRN...) and FHIR Patient ids present in the capture. The same run with
# `app-layer.redact-phi: no` must find them (the search works, the switch works).
set -uo pipefail
bin=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
sim="$build/wardwatch-sim"
[ -x "$sim" ] || { echo "SKIP: $sim not built"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$sim" --scenario hospital --duration 4m --seed 5 --bulk 0.05 -w "$t/h.pcap" >/dev/null 2>&1 ||
  { echo "FAIL: simulator"; exit 1; }
"$bin" analyze -r "$t/h.pcap" -S "$src/rules/healthcare.rules" -l "$t/default" -q ||
  { echo "FAIL: analyze (default config)"; exit 1; }
printf 'app-layer:\n  redact-phi: no\n' > "$t/lab.yaml"
"$bin" analyze -r "$t/h.pcap" -c "$t/lab.yaml" -S "$src/rules/healthcare.rules" -l "$t/lab" -q ||
  { echo "FAIL: analyze (redact-phi: no)"; exit 1; }

python3 - "$src/tools/sim/proto/hl7.cpp" "$t/h.pcap" "$t/default" "$t/lab" <<'PY'
import os, re, sys
hl7_src, pcap, default_dir, lab_dir = sys.argv[1:5]
text = open(hl7_src).read()
names = set()
for arr in ("kFamily", "kGiven"):
    body = re.search(r"const char\* %s\[\] = \{(.*?)\};" % arr, text, re.S)
    if not body:
        sys.exit("FAIL: %s not found in %s" % (arr, hl7_src))
    names.update(re.findall(r'"([A-Z]+)"', body.group(1)))
if len(names) < 30:
    sys.exit("FAIL: only %d names read from %s" % (len(names), hl7_src))
cap = open(pcap, "rb").read()
mrns = set(m.decode() for m in re.findall(rb"MRN[0-9]{7}", cap))
if len(mrns) < 20:
    sys.exit("FAIL: only %d MRNs in the capture" % len(mrns))
name_re = re.compile(r"\b(%s)\b" % "|".join(sorted(names)))
mrn_re = re.compile(r"MRN[0-9]{7}")
# FHIR Patient ids are the MRN digits: in a URL (Patient/123..., patient=123...) or an id field.
ids = set(m[3:] for m in mrns)
id_re = re.compile(r"(?:[/=]|\"id\":\")([0-9]{7})\b")

def scan(d):
    hits = {}
    files = 0
    for root, _, fs in os.walk(d):
        for f in fs:
            files += 1
            p = os.path.join(root, f)
            data = open(p, "rb").read().decode("latin-1")
            for m in name_re.finditer(data):
                hits.setdefault(("name", m.group(1)), p)
            for m in mrn_re.finditer(data):
                hits.setdefault(("mrn", m.group(0)), p)
            for m in id_re.finditer(data):
                if m.group(1) in ids:
                    hits.setdefault(("fhir id", m.group(1)), p)
    return files, hits

files, hits = scan(default_dir)
lab_files, lab_hits = scan(lab_dir)
print("default config: %d files searched for %d names and %d MRNs: %d hits" %
      (files, len(names), len(mrns), len(hits)))
print("redact-phi: no: %d files: %d hits (%s)" %
      (lab_files, len(lab_hits), ", ".join(sorted({k[0] for k in lab_hits}))))
ok = True
for (kind, v), p in sorted(hits.items())[:20]:
    print("FAIL: %s %s in %s" % (kind, v, os.path.relpath(p, default_dir)))
    ok = False
if files == 0:
    print("FAIL: no output file"); ok = False
for kind in ("name", "mrn", "fhir id"):
    if not any(k[0] == kind for k in lab_hits):
        print("FAIL: with redact-phi: no, no %s found: the search cannot see leaks" % kind)
        ok = False
sys.exit(0 if ok else 1)
PY
