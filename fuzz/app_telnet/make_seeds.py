#!/usr/bin/env python3
"""Writes the Telnet fuzz seeds (format: src/app/telnet/fuzz.cpp: [flags][len16be][bytes]...,
flags bit 0 = to client, bit 3 = byte at a time): a negotiated session with a character-mode
login (RFC 854/855, RFC 1091 terminal type, RFC 1073 NAWS), a failed login, and a malformed
subnegotiation. Usage: make_seeds.py OUT_DIR"""
import os, struct, sys

IAC, SB, SE, WILL, DO = 255, 250, 240, 251, 253


def rec(flags, b):
    return bytes([flags]) + struct.pack(">H", len(b)) + b


def session(ok):
    s = rec(1, bytes([IAC, DO, 24, IAC, WILL, 1, IAC, WILL, 3]))
    s += rec(0, bytes([IAC, WILL, 24, IAC, DO, 1, IAC, DO, 3, IAC, WILL, 31]))
    s += rec(1, bytes([IAC, SB, 24, 1, IAC, SE]))
    s += rec(0, bytes([IAC, SB, 24, 0]) + b"VT100" + bytes([IAC, SE]))
    s += rec(0, bytes([IAC, SB, 31, 0, 80, 0, 24, IAC, SE]))
    s += rec(1, b"\r\nhvac-3 login: ")
    s += rec(8, b"maint\r\n")
    s += rec(1, b"\r\nPassword: ")
    s += rec(8, b"secret\r\0")
    s += rec(1, b"\r\nLast login: today\r\n# " if ok else b"\r\nLogin incorrect\r\n")
    return s + (rec(0, b"uptime\r\n") if ok else b"")


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {"login_ok": session(True), "login_failed": session(False),
         "bad_subneg": rec(0, bytes([IAC, SB, 24, 0]) + b"A" * 300 + bytes([IAC, 1]))
         + bytes([2]) + struct.pack(">H", 16) + rec(0, bytes([IAC, IAC, IAC]))}
for name, blob in seeds.items():
    open(os.path.join(out, name), "wb").write(blob)
