#!/usr/bin/env python3
"""Writes the HTTP fuzz seeds (record format: see src/app/http/fuzz.cpp)."""
import gzip, os, struct, zlib

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
os.makedirs(here, exist_ok=True)

def rec(direction, payload, close=False, bytewise=False, gap=0):
    flags = direction | (4 if close else 0) | (8 if bytewise else 0) | (2 if gap else 0)
    if gap:
        return struct.pack(">BH", flags, gap)
    return struct.pack(">BH", flags, len(payload)) + payload

body = b"<html>" + b"x" * 200 + b"</html>"
gz = gzip.compress(body)
seeds = {
    "get_200": rec(0, b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: seed\r\n\r\n")
    + rec(1, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"),
    "post_chunked": rec(0, b"POST /api HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", bytewise=True)
    + rec(1, b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
    "pipelined": rec(0, b"GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\nGET /c HTTP/1.0\r\n\r\n")
    + rec(1, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.0 404 NF\r\n\r\nuntil close", close=True),
    "gzip": rec(0, b"GET / HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n")
    + rec(1, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(gz) + gz),
    "deflate_raw": rec(0, b"GET / HTTP/1.1\r\n\r\n")
    + rec(1, b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n" + zlib.compress(body)[2:-4], close=True),
    "connect": rec(0, b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n")
    + rec(1, b"HTTP/1.1 200 Connection established\r\n\r\n") + rec(0, b"\x16\x03\x01\x00\x05hello"),
    "upgrade_100": rec(0, b"PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
    + rec(1, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching\r\nUpgrade: websocket\r\n\r\n\x81\x00"),
    "uri_tricks": rec(0, b"GET /a/%252e%252e/../../b%zz?q=%41 HTTP/1.1\r\nHost: [::1]:8080\r\nX: a\r\n  folded\r\n\r\n"),
    "gap": rec(0, b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc") + rec(0, b"", gap=50)
    + rec(0, b"x" * 47 + b"GET / HTTP/1.1\r\n\r\n"),
    "garbage": rec(0, bytes(range(256))) + rec(1, bytes(range(255, -1, -1))),
    "multipart": rec(0, b"POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=\"b1\"\r\n"
                     b"Content-Length: 120\r\n\r\n--b1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n"
                     b"--b1\r\nContent-Disposition: form-data; filename=\"f.txt\"\r\n\r\n--b\r\n--b1--\r\n",
                     bytewise=True)
    + rec(1, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    "evasions": rec(0, b"GET /e HTTP/1.1\r\n\r\nGET /f HTTP/1.1\r\n\r\nGET /g\r\n")
    + rec(1, b"HTTP/1.1 304 ok\r\nContent-Length: 4\r\n\r\nbodyHTTP/1.1 2 ok\r\nTransfer-Encoding: chunked x\r\n"
          b"Content-Disposition: attachment; filename*=UTF-8''e%41.txt\r\nContent-Encoding: deflate,\r\n"
          b"Content-Length: 4\r\n\r\nplainno status line", close=True),
    # First byte 0x41: UDP (bit 6) and a to-client record (bit 0).
    "ssdp_udp": rec(0x41, b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nLOCATION: http://10.0.0.1/\r\n\r\n")
    + rec(0x40, b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n\r\n"),
}
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
