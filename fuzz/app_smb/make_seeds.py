#!/usr/bin/env python3
"""Cuts a fuzz seed from one TCP stream of a capture (tshark), in the record format of the
app-layer fuzz drivers: [flags u8][len u16be][payload], flags bit 0 = to client.
usage: make_pcap_seed.py PCAP SERVER_PORT STREAM_INDEX MAX_BYTES OUT"""
import struct, subprocess, sys

pcap, port, stream, cap, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
rows = subprocess.run(["tshark", "-r", pcap, "-Y", f"tcp.stream=={stream} && tcp.len>0", "-T",
                       "fields", "-e", "tcp.srcport", "-e", "tcp.payload"],
                      capture_output=True, text=True, check=True).stdout.split("\n")
buf = b""
for row in rows:
    if not row.strip():
        continue
    sp, payload = row.split("\t")
    p = bytes.fromhex(payload.replace(":", ""))[:65535]
    rec = bytes([1 if int(sp) == port else 0]) + struct.pack(">H", len(p)) + p
    if len(buf) + len(rec) > cap:
        break
    buf += rec
open(out, "wb").write(buf)
