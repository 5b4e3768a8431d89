#!/usr/bin/env python3
"""Writes the DHCP fuzz seeds (format: src/app/dhcp/fuzz.cpp: [flags][len16be][datagram]...):
a DORA exchange built field by field (RFC 2131 2, RFC 2132 options), an overloaded message and
a truncated one. Usage: make_seeds.py OUT_DIR"""
import os, struct, sys


def msg(op, xid, mac, yiaddr=0, options=b"", file=b"", sname=b""):
    h = struct.pack(">BBBBIHHIIII", op, 1, len(mac), 0, xid, 0, 0x8000, 0, yiaddr, 0, 0)
    h += mac.ljust(16, b"\0") + sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    return h + bytes([99, 130, 83, 99]) + options


def opt(code, val):
    return bytes([code, len(val)]) + val


def rec(d, b):
    return bytes([d]) + struct.pack(">H", len(b)) + b


mac = bytes.fromhex("000b8201fc42")
ip = lambda s: bytes(int(x) for x in s.split("."))
disc = msg(1, 1, mac, options=opt(53, b"\1") + opt(12, b"pump-07") + opt(60, b"MSFT 5.0")
           + opt(55, bytes([1, 3, 6, 15, 31, 33, 43, 44])) + b"\xff")
offer = msg(2, 1, mac, 0xc0a80a0a, opt(53, b"\2") + opt(54, ip("192.168.10.1"))
            + opt(51, struct.pack(">I", 86400)) + opt(1, ip("255.255.255.0"))
            + opt(3, ip("192.168.10.1")) + opt(6, ip("192.168.10.53") + ip("8.8.8.8")) + b"\xff")
req = msg(1, 1, mac, options=opt(53, b"\3") + opt(50, ip("192.168.10.10"))
          + opt(61, b"\1" + mac) + opt(12, b"pump-07") + b"\xff")
ack = offer.replace(opt(53, b"\2"), opt(53, b"\5"))
over = msg(1, 2, mac, options=opt(53, b"\1") + opt(52, b"\3") + opt(12, b"ward") + b"\xff",
           file=opt(12, b"-3") + b"\xff", sname=opt(60, b"GE") + b"\xff")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {"dora": rec(0, disc) + rec(1, offer) + rec(0, req) + rec(1, ack),
         "overload": rec(0, over), "truncated": rec(0, req[:250]) + rec(1, ack[:239])}
for name, blob in seeds.items():
    open(os.path.join(out, name), "wb").write(blob)
