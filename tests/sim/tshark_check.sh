#!/usr/bin/env bash
# System test for wardwatch-sim: tshark must read a generated capture with no malformed-packet
# or bad-checksum expert info (checksum validation on), and must decode the protocols the
# simulator produces. Exit 77 (skipped) when tshark is not installed.
#   tests/sim/tshark_check.sh build/wardwatch-sim
set -euo pipefail
SIM=${1:-build/wardwatch-sim}
if ! command -v tshark >/dev/null 2>&1; then
  echo "tshark not installed: skipped"
  exit 77
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PCAP=$WORK/hospital.pcap
"$SIM" --scenario hospital --duration 2m --seed 42 --bulk 0.05 -q -w "$PCAP" --labels "$WORK/labels.jsonl"
# Out-of-order segments are part of the simulation; let tshark reassemble across them.
OPTS=(-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE
      -o tcp.reassemble_out_of_order:TRUE)
tshark -r "$PCAP" -q -z expert "${OPTS[@]}" >"$WORK/expert.txt" 2>/dev/null
tshark -r "$PCAP" -q -z io,phs "${OPTS[@]}" >"$WORK/phs.txt" 2>/dev/null
fail=0
if grep -Ei "malformed|bad checksum|checksum.*incorrect|Bad MAC|Checksum +[A-Z]" "$WORK/expert.txt"; then
  echo "FAIL: tshark reports malformed packets or bad checksums (above)"
  fail=1
fi
if grep -q "_ws.malformed" "$WORK/phs.txt"; then
  echo "FAIL: malformed packets in the protocol hierarchy"
  fail=1
fi
for proto in dicom hl7 http dns tls smb2 smtp ftp ftp-data dhcp ntp ssh telnet arp imf json; do
  if ! grep -qE "^ *${proto} " "$WORK/phs.txt"; then
    echo "FAIL: protocol '$proto' missing from the protocol hierarchy"
    fail=1
  fi
done
# IPv4 fragments are reassembled into DNS.
if [ "$(tshark -r "$PCAP" -Y 'ip.flags.mf==1' 2>/dev/null | wc -l)" -eq 0 ]; then
  echo "FAIL: no IPv4 fragments"
  fail=1
fi
if [ "$(wc -l <"$WORK/labels.jsonl")" -lt 14 ]; then
  echo "FAIL: fewer labels than attacks"
  fail=1
fi
if [ $fail -ne 0 ]; then
  cat "$WORK/phs.txt"
  exit 1
fi
echo "tshark check passed: $(grep -c . "$WORK/labels.jsonl") labels, protocols ok, no malformed or bad checksums"
