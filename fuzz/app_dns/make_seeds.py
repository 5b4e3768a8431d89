#!/usr/bin/env python3
"""Writes the DNS fuzz seeds (format: see src/app/dns/fuzz.cpp)."""
import os, struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
os.makedirs(here, exist_ok=True)

def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\0"

def rr(nm, t, rdata, ttl=60):
    return nm + struct.pack(">HHIH", t, 1, ttl, len(rdata)) + rdata

def msg(id_, flags, q, answers=(), auth=()):
    h = struct.pack(">HHHHHH", id_, flags, 1, len(answers), len(auth), 0)
    return h + name(q[0]) + struct.pack(">HH", q[1], 1) + b"".join(answers) + b"".join(auth)

ptr = b"\xc0\x0c"
query = msg(0x1234, 0x0100, ("www.example.com", 1))
answer = msg(0x1234, 0x8180, ("www.example.com", 1), [
    rr(ptr, 5, b"\x03web\xc0\x10"), rr(ptr, 1, bytes([192, 0, 2, 1])),
    rr(ptr, 28, bytes(15) + b"\x01"), rr(ptr, 15, b"\x00\x0a\x04mail\xc0\x10"),
    rr(ptr, 16, b"\x05hello"), rr(ptr, 33, b"\x00\x01\x00\x02\x01\xbb\x00"),
    rr(ptr, 65, b"\x00\x01\x00"), rr(ptr, 12, name("ptr.example"))],
    [rr(ptr, 6, b"\x02ns\xc0\x10\x04host\xc0\x10" + struct.pack(">IIIII", 1, 2, 3, 4, 5))])
nx = msg(0x9999, 0x8183, ("nothere.example", 28))
loop = struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x01a\xc0\x0c" + b"\x00\x01\x00\x01"

def rec(direction, payload, flags=0):
    return struct.pack(">BH", direction | flags, len(payload)) + payload

def frame(m):
    return struct.pack(">H", len(m)) + m

seeds = {
    "udp_pair": b"\x00" + rec(0, query) + rec(1, answer),
    "udp_nxdomain": b"\x00" + rec(0, msg(0x9999, 0x0100, ("nothere.example", 28))) + rec(1, nx),
    "udp_loop": b"\x00" + rec(0, query) + rec(0, loop),
    "tcp_pair": b"\x01" + rec(0, frame(query) + frame(query), 8) + rec(1, frame(answer)),
    "tcp_gap": b"\x01" + rec(0, frame(query)) + struct.pack(">BH", 2, 30) + rec(0, frame(query)),
}
for n, data in seeds.items():
    with open(os.path.join(here, n), "wb") as f:
        f.write(data)
