#!/usr/bin/env python3
"""Writes small pcaps for the system tests (no third-party data).

mkpcap.py tcp OUT       one TCP connection: handshake, a request, a response, FIN both ways
mkpcap.py udp OUT N     N UDP datagrams on distinct source ports
mkpcap.py truncate IN OUT BYTES   copies IN without its last BYTES bytes (a cut capture)
mkpcap.py synflood OUT N          N SYNs from N distinct spoofed sources (a flow-table flood)
mkpcap.py fragflood OUT N         N first fragments of N distinct datagrams that never complete
"""
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def tcp(src, dst, sp, dp, seq, ack, flags, payload=b""):
    h = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", bytes(src), bytes(dst), 0, 6, len(h) + len(payload))
    c = csum(pseudo + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp(src, dst, sp, dp, payload):
    h = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0)
    pseudo = struct.pack("!4s4sBBH", bytes(src), bytes(dst), 0, 17, len(h) + len(payload))
    c = csum(pseudo + h + payload) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


def eth(payload):
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + payload


def write(out, frames, t0=1709287200):
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", t0 + i // 10, (i % 10) * 1000, len(fr), len(fr)))
            f.write(fr)


C, S = [10, 77, 0, 10], [10, 77, 0, 20]
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def tcp_session():
    req = b"GET / HTTP/1.1\r\nHost: pacs\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    cs, ss = 1000, 5000
    pk = [
        (C, S, 40000, 80, cs, 0, SYN, b""),
        (S, C, 80, 40000, ss, cs + 1, SYN | ACK, b""),
        (C, S, 40000, 80, cs + 1, ss + 1, ACK, b""),
        (C, S, 40000, 80, cs + 1, ss + 1, PSH | ACK, req),
        (S, C, 80, 40000, ss + 1, cs + 1 + len(req), PSH | ACK, resp),
        (C, S, 40000, 80, cs + 1 + len(req), ss + 1 + len(resp), FIN | ACK, b""),
        (S, C, 80, 40000, ss + 1 + len(resp), cs + 2 + len(req), FIN | ACK, b""),
        (C, S, 40000, 80, cs + 2 + len(req), ss + 2 + len(resp), ACK, b""),
    ]
    return [eth(ipv4(a, b, 6, tcp(a, b, sp, dp, s, k, f, p), i + 1))
            for i, (a, b, sp, dp, s, k, f, p) in enumerate(pk)]


def flood(kind, out, n):
    # One template frame; only the source address (and IP id) change, so checksums are not
    # recomputed per packet: the flood tests run with checksum validation off.
    dst = [10, 77, 0, 20]
    if kind == "synflood":
        frame = bytearray(eth(ipv4([1, 0, 0, 0], dst, 6, tcp([1, 0, 0, 0], dst, 1234, 80, 1, 0, SYN))))
    else:
        payload = b"F" * 64
        ip = bytearray(ipv4([1, 0, 0, 0], dst, 17, udp([1, 0, 0, 0], dst, 5000, 53, payload)))
        ip[6:8] = struct.pack("!H", 0x2000)  # MF set, offset 0: a first fragment
        frame = bytearray(eth(bytes(ip)))
    rec = struct.pack("<IIII", 0, 0, len(frame), len(frame))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        buf = bytearray()
        for i in range(n):
            frame[26:30] = struct.pack("!I", 0x0B000000 + i)  # source 11.x.y.z
            frame[18:20] = struct.pack("!H", i & 0xFFFF)       # IP id
            t = 1709287200 + i // 100000
            buf += struct.pack("<IIII", t, i % 100000 * 10, len(frame), len(frame)) + frame
            if len(buf) > 1 << 20:
                f.write(buf)
                buf.clear()
        f.write(buf)


def main():
    kind = sys.argv[1]
    if kind == "tcp":
        write(sys.argv[2], tcp_session())
    elif kind == "udp":
        n = int(sys.argv[3])
        write(sys.argv[2], [eth(ipv4(C, S, 17, udp(C, S, 10000 + i, 53, b"x" * 20), i + 1))
                            for i in range(n)])
    elif kind in ("synflood", "fragflood"):
        flood(kind, sys.argv[2], int(sys.argv[3]))
    elif kind == "truncate":
        data = open(sys.argv[2], "rb").read()
        open(sys.argv[3], "wb").write(data[: len(data) - int(sys.argv[4])])
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main()
