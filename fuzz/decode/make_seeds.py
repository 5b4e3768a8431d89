#!/usr/bin/env python3
"""Writes the seed corpus for src/decode/fuzz.cpp: byte 0 picks the link type (index into
kLinktypes: 0 Ethernet, 1 raw, 2 NULL, 4 SLL, 5 SLL2), the rest is the frame."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, payload, ident=0x1234, flags_off=0x4000, src=b"\xc0\xa8\x01\x0a", dst=b"\x0a\x00\x00\x01"):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags_off, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64,
                       bytes.fromhex("20010db8000000000000000000000001"),
                       bytes.fromhex("20010db8000000000000000000000002")) + payload


def eth(t, payload):
    return bytes.fromhex("001122334455 66778899aabb") + struct.pack("!H", t) + payload


def tcp_syn():
    opts = bytes.fromhex("020405b4 0402 080a0000000700000000 01 030307")
    return struct.pack("!HHIIBBHHH", 49153, 80, 0x01020304, 0, 0xA0, 0x02, 64240, 0, 0) + opts


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


icmp = bytes.fromhex("08000000123400057069 6e67")
icmp6 = bytes.fromhex("80000000beef00027069 6e67")
inner = ipv4(6, tcp_syn(), src=b"\xc0\xa8\x01\x63")
dgram = udp(12345, 53, bytes(range(40)))

seeds = {
    "eth_ipv4_tcp_syn": b"\x00" + eth(0x0800, ipv4(6, tcp_syn())),
    "eth_ipv4_udp": b"\x00" + eth(0x0800, ipv4(17, udp(1234, 53, b"\x01\x02\x03"))),
    "eth_ipv4_icmp": b"\x00" + eth(0x0800, ipv4(1, icmp)),
    "eth_qinq_ipv6_icmp6": b"\x00" + eth(0x88A8, bytes.fromhex("000a8100 00140086dd")[:4]
                                          + bytes.fromhex("001486dd") + ipv6(58, icmp6)),
    "eth_ipv6_hbh_udp": b"\x00" + eth(0x86DD, ipv6(0, bytes([17, 0, 1, 4, 0, 0, 0, 0]) + udp(546, 547, b"x"))),
    "gre_ipv4": b"\x00" + eth(0x0800, ipv4(47, bytes.fromhex("b0000800 00000000 0000002a 00000001") + inner)),
    "gre_erspan3": b"\x00" + eth(0x0800, ipv4(47, bytes.fromhex("100022eb 00000001") +
                                              bytes.fromhex("20640005 00001000 0000 0001") + bytes(8) +
                                              eth(0x0800, inner))),
    "vxlan": b"\x00" + eth(0x0800, ipv4(17, udp(40000, 4789, bytes.fromhex("0800000000100000") +
                                                eth(0x0800, inner)))),
    "ipip_6in4": b"\x00" + eth(0x0800, ipv4(41, ipv6(6, tcp_syn()))),
    "raw_ipv4_frag0": b"\x01" + ipv4(17, dgram[:16], ident=7, flags_off=0x2000),
    "raw_ipv4_frag1": b"\x01" + ipv4(17, dgram[16:], ident=7, flags_off=2),
    "raw_ipv6_frag0": b"\x01" + ipv6(44, bytes([17, 0, 0, 1, 0, 0, 0, 9]) + dgram[:24]),
    "raw_ipv6_frag1": b"\x01" + ipv6(44, bytes([17, 0, 0, 24, 0, 0, 0, 9]) + dgram[24:]),
    "null_ipv4": b"\x02" + b"\x02\x00\x00\x00" + inner,
    "sll_ipv4": b"\x04" + bytes.fromhex("0000 0001 0006 66778899aabb0000 0800") + inner,
    "sll2_ipv6": b"\x05" + bytes.fromhex("86dd 0000 00000002 0001 04 06 66778899aabb0000") + ipv6(6, tcp_syn()),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(len(seeds), "seeds in", OUT)
