#!/usr/bin/env python3
"""Writes fuzz seeds (see src/app/<proto>/fuzz.cpp for the format) from corpus captures:
each TCP connection's payloads in capture order as [dir, len16be, bytes] records.
Used by the hl7 and dicom drivers. Usage: make_tcp_seeds.py OUT_DIR STEP PCAP..."""
import os, struct, sys


def conversations(path):
    data = open(path, 'rb').read()
    off, convs, client = 24, {}, {}
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 34 or pkt[12:14] != b'\x08\x00' or pkt[23] != 6:
            continue
        ihl = (pkt[14] & 15) * 4
        tot = struct.unpack('>H', pkt[16:18])[0]
        t = pkt[14 + ihl:14 + tot]
        a, b = pkt[26:30] + t[0:2], pkt[30:34] + t[2:4]
        key = min(a, b) + max(a, b)
        if key not in client:
            client[key] = a
            convs[key] = []
        payload = t[(t[12] >> 4) * 4:]
        if payload:
            convs[key].append((0 if a == client[key] else 1, payload))
    return convs.values()


out, step = sys.argv[1], int(sys.argv[2])
for path in sys.argv[3:]:
    for n, conv in enumerate(conversations(path)):
        if not conv:
            continue
        blob = bytes([step - 1])
        for d, p in conv:
            for i in range(0, len(p), 65535):
                c = p[i:i + 65535]
                blob += bytes([d]) + struct.pack('>H', len(c)) + c
        name = os.path.basename(path).rsplit('.', 1)[0] + f'-{n}'
        open(os.path.join(out, name), 'wb').write(blob)
