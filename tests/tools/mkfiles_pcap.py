#!/usr/bin/env python3
"""Writes a capture with N concurrent, never-finished HTTP downloads (file tracker memory test).

mkfiles_pcap.py OUT N [BODY_BYTES]

Each of N clients (10.1.x.y) opens a TCP connection to 10.77.0.20:80 and sends a GET; the
server answers 200 with Content-Length: 10000000 and BODY_BYTES (default 8400) bytes of body
in 1400-byte segments (each round acknowledged by the clients), then the capture ends. The phases are interleaved (all handshakes, all
requests, all response segments), so all N files are open at once and end TRUNCATED when the
flows are flushed at the end of the capture. Checksums are valid.
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


def frame(src, dst, sp, dp, seq, ack, flags, payload=b""):
    th = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(th) + len(payload))
    c = csum(pseudo + th + payload)
    th = th[:16] + struct.pack("!H", c) + th[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + th + payload


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    body = int(sys.argv[3]) if len(sys.argv) > 3 else 8400
    S = bytes([10, 77, 0, 20])
    SYN, ACK, PSH = 0x02, 0x10, 0x08
    req = b"GET /big.bin HTTP/1.1\r\nHost: files\r\n\r\n"
    hdr = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n"
    clients = [bytes([10, 1, i // 250, 1 + i % 250]) for i in range(n)]
    cs, ss = 1000, 50000
    t = [0]

    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def put(fr):
            t[0] += 1
            f.write(struct.pack("<IIII", 1709287200 + t[0] // 100000, t[0] % 100000 * 10, len(fr), len(fr)))
            f.write(fr)

        for c in clients:
            put(frame(c, S, 40000, 80, cs, 0, SYN))
            put(frame(S, c, 80, 40000, ss, cs + 1, SYN | ACK))
            put(frame(c, S, 40000, 80, cs + 1, ss + 1, ACK))
        for c in clients:
            put(frame(c, S, 40000, 80, cs + 1, ss + 1, PSH | ACK, req))
        seq = ss + 1
        for c in clients:
            put(frame(S, c, 80, 40000, seq, cs + 1 + len(req), PSH | ACK, hdr))
        # Each client acknowledges what it received after every round, as a receiver does
        # (an IDS hands bytes to its parsers once they are acknowledged).
        def acks(upto):
            for c in clients:
                put(frame(c, S, 40000, 80, cs + 1 + len(req), upto, ACK))
        acks(seq + len(hdr))
        off = 0
        while off < body:
            seg = bytes((off + k) & 0xFF for k in range(min(1400, body - off)))
            for c in clients:
                put(frame(S, c, 80, 40000, seq + len(hdr) + off, cs + 1 + len(req), ACK, seg))
            off += len(seg)
            acks(seq + len(hdr) + off)


if __name__ == "__main__":
    main()
