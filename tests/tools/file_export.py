#!/usr/bin/env python3
"""Files found by wardwatch vs the objects tshark exports (issue 7).

For every capture under the given folders, tshark --export-objects (http, smb, imf, ftp-data,
dicom) gives the reference files; wardwatch's fileinfo events give SHA-256s. A reference object
counts as found when its SHA-256 is among wardwatch's for that capture. Objects tshark exports
whole while wardwatch (like Suricata) extracts the parts are split first:
  - imf: the whole message (.eml); its attachments (MIME parts with a filename, or any non-text
    part) are the reference, decoded from base64/quoted-printable;
  - http: a multipart/form-data or multipart/mixed body: its parts;
  - dicom: tshark and wardwatch both write a Part 10 file (preamble, DICM, group 0002 meta, the
    data set) but with different meta groups, so a DICOM object is matched by its SOP Instance
    UID (wardwatch's file name, in tshark's file name).
Empty objects are left out. Prints per protocol: objects, found, percent; with --details, each
object not found. Exit 0 unless a tool fails to run (a report, not a gate), or when --min is
given and a protocol with at least 5 objects is under it.
"""
import argparse
import concurrent.futures as cf
import email
import email.policy
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

PROTOS = ["http", "smb", "imf", "ftp-data", "dicom"]
REPORTED = PROTOS + ["smb-pipe"]  # smb-pipe: named pipes, listed apart and left out of "all"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def mime_parts(raw):
    """Decoded leaf parts of a MIME message or multipart body (no text body parts)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        ctype = part.get_content_type()
        disp = (part.get("Content-Disposition") or "").lower()
        if not name and ctype.startswith("text/") and "attachment" not in disp:
            continue
        payload = part.get_payload(decode=True)
        if payload:
            out.append((name or "(part)", payload))
    return out


def http_multipart(data):
    # tshark's export of a multipart body starts with the boundary line.
    if not data.startswith(b"--"):
        return None
    line = data.split(b"\r\n", 1)[0]
    boundary = line[2:].decode("latin-1").strip()
    if not boundary or len(boundary) > 200:
        return None
    parts = []
    for chunk in data.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, body = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if body.endswith(b"\r\n"):
            body = body[:-2]
        # Like Suricata, only parts with a filename are files (form fields are not).
        m = re.search(rb'filename="([^"]*)"', head)
        if m and body:
            parts.append((m.group(1).decode("latin-1"), body))
    return parts


def is_pipe(name):
    """tshark exports SMB named-pipe I/O (DCE/RPC: \\srvsvc, \\svcctl ...) as objects; they are not
    files (Suricata does not extract them either). A pipe is a single component after the share
    root, without an extension: "%5csvcctl", "%5csvcctl(2)"."""
    base = re.sub(r"\(\d+\)$", "", name)
    return base.startswith("%5c") and "%5c" not in base[3:] and "." not in base


def reference(pcap, tmp):
    args = ["tshark", "-n", "-Q", "-r", pcap, "-d", "tcp.port==2575,hl7"]
    dirs = {}
    for proto in PROTOS:
        d = os.path.join(tmp, proto)
        os.makedirs(d, exist_ok=True)
        dirs[proto] = d
        args += ["--export-objects", f"{proto},{d}"]
    r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    objs = []
    for proto, d in dirs.items():
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            items = [(name, data)]
            if proto == "imf":
                items = mime_parts(data)
            elif proto == "http":
                parts = http_multipart(data)
                if parts:
                    items = parts
            if proto == "smb" and is_pipe(name):
                objs.append(("smb-pipe", name, len(data), sha(data)))
                continue
            for n, b in items:
                if b:
                    objs.append((proto, n, len(b), sha(b)))
    return objs


def wardwatch(binary, pcap, tmp):
    out = os.path.join(tmp, "ww")
    subprocess.run([binary, "analyze", "-q", "-r", pcap, "-l", out, "--workers", "1"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    found, names = set(), set()
    path = os.path.join(out, "eve.json")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            if '"fileinfo"' not in line:
                continue
            e = json.loads(line)
            if e.get("event_type") == "fileinfo":
                s = e["fileinfo"].get("sha256")
                if s:
                    found.add(s)
                names.add(e["fileinfo"].get("filename", ""))
    return found, names


def one(binary, pcap):
    with tempfile.TemporaryDirectory() as tmp:
        objs = reference(pcap, tmp)
        if not objs:
            return pcap, [], (set(), set())
        return pcap, objs, wardwatch(binary, pcap, tmp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wardwatch")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--min", type=float, default=None)
    ap.add_argument("--min-all", type=float, default=None,
                    help="fail when the share of all objects found is below this percent")
    a = ap.parse_args()
    pcaps = []
    for d in a.dirs:
        for root, _, files in os.walk(d):
            for f in files:
                if f.endswith((".pcap", ".pcapng", ".cap")):
                    pcaps.append(os.path.join(root, f))
    pcaps.sort()
    total = {p: [0, 0] for p in REPORTED}
    missing = []
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for pcap, objs, found in ex.map(lambda p: one(a.wardwatch, p), pcaps):
            seen = set()
            for proto, name, size, digest in objs:
                if (proto, digest) in seen:  # the same object twice in one capture counts once
                    continue
                seen.add((proto, digest))
                total[proto][0] += 1
                hashes, names = found
                # DICOM: tshark and wardwatch each write their own Part 10 meta group around the
                # same data set, so the files differ; matched by SOP Instance UID (the name).
                uid = name.split("-", 2)[-1].rsplit(".dcm", 1)[0] if proto == "dicom" else None
                if digest in hashes or (uid and uid in names):
                    total[proto][1] += 1
                else:
                    if proto != "smb-pipe":
                        missing.append((proto, os.path.relpath(pcap), name, size))
    print(f"{len(pcaps)} captures")
    print(f"{'protocol':10} {'objects':>8} {'found':>8} {'percent':>8}")
    all_n = all_f = 0
    bad = False
    for p in REPORTED:
        n, f = total[p]
        if p != "smb-pipe":
            all_n += n
            all_f += f
        pct = 100.0 * f / n if n else 0.0
        print(f"{p:10} {n:8} {f:8} {pct:7.1f}%")
        if a.min is not None and n >= 5 and pct < a.min and p != "smb-pipe":
            bad = True
    all_pct = 100.0 * all_f / all_n if all_n else 0.0
    print(f"{'all':10} {all_n:8} {all_f:8} {all_pct:7.1f}%")
    if a.min_all is not None and all_pct < a.min_all:
        print(f"FAIL: {all_pct:.1f}% of tshark's objects found, under {a.min_all}%")
        bad = True
    if a.details:
        for m in missing:
            print("missing", *m)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
