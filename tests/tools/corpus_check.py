#!/usr/bin/env python3
"""Runs wardwatch over every capture of the shared corpus and checks the packet path.

For each pcap/pcapng under the corpus folders:
  * `wardwatch analyze` exits 0 (2 only for captures tshark also finds cut short, which must
    print a 'truncated' warning), within a time limit;
  * every line of eve.json parses as JSON;
  * with --tshark: TCP and UDP flow counts are compared with `tshark -q -z conv,tcp -z conv,udp`;
  * with --compare-workers: the EVE events (all but stats) with --workers 1 and 2 are the same
    set, ignoring order.
Prints one line per capture that fails, then totals; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

CAPTURE_RE = re.compile(r"\.(pcap|pcapng|cap)$")


def find_captures(roots):
    out = []
    for root in roots:
        for d, _, files in os.walk(root):
            for f in files:
                if CAPTURE_RE.search(f):
                    out.append(os.path.join(d, f))
    return sorted(out)


def run_ww(binary, pcap, workers, timeout=300):
    outdir = tempfile.mkdtemp(prefix="ww_corpus_")
    cmd = [binary, "analyze", "-r", pcap, "-l", outdir, "--workers", str(workers), "-q"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout", [], outdir
    events = []
    bad = None
    path = os.path.join(outdir, "eve.json")
    if os.path.exists(path):
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                try:
                    events.append(json.loads(line))
                except ValueError as e:
                    bad = f"eve.json line {n} is not JSON: {e}"
                    break
    return p, bad, events, outdir


def tshark_conv(pcap):
    p = subprocess.run(["tshark", "-n", "-r", pcap, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                       capture_output=True, text=True, timeout=300)
    counts = {"tcp": 0, "udp": 0}
    section = None
    for line in p.stdout.splitlines():
        if line.startswith("TCP Conversations"):
            section = "tcp"
        elif line.startswith("UDP Conversations"):
            section = "udp"
        elif section and "<->" in line:
            counts[section] += 1
    return counts, p.returncode, p.stderr


def event_key(ev):
    # Everything but the order of events between flows must be the same with 1 and 2 workers.
    return json.dumps(ev, sort_keys=True)


def check_one(args, pcap):
    problems = []
    info = {"pcap": pcap}
    p, bad, events, outdir = run_ww(args.binary, pcap, 1)
    if p is None:
        return pcap, ["timed out"], info
    stderr = p.stderr
    if "ERROR: AddressSanitizer" in stderr or "runtime error:" in stderr:
        problems.append("sanitizer: " + stderr.strip().splitlines()[-1][:200])
    if p.returncode == 2 and "truncated" in stderr:
        info["truncated"] = True
    elif p.returncode != 0:
        problems.append(f"exit {p.returncode}: {stderr.strip()[:200]}")
    if bad:
        problems.append(bad)
    flows = [e for e in events if e.get("event_type") == "flow"]
    info["tcp"] = sum(1 for e in flows if e.get("proto") == "TCP")
    info["udp"] = sum(1 for e in flows if e.get("proto") == "UDP")
    if args.compare_workers:
        p2, bad2, events2, outdir2 = run_ww(args.binary, pcap, 2)
        if p2 is None or bad2:
            problems.append("workers=2: " + (bad2 or "timed out"))
        else:
            a = sorted(event_key(e) for e in events if e.get("event_type") != "stats")
            b = sorted(event_key(e) for e in events2 if e.get("event_type") != "stats")
            if a != b:
                diff = len(set(a) ^ set(b))
                problems.append(f"workers 1 vs 2: events differ ({len(a)} vs {len(b)}, {diff} distinct)")
        subprocess.run(["rm", "-rf", outdir2])
    if args.tshark:
        counts, rc, _ = tshark_conv(pcap)
        info["tshark_tcp"], info["tshark_udp"] = counts["tcp"], counts["udp"]
    subprocess.run(["rm", "-rf", outdir])
    return pcap, problems, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--tshark", action="store_true")
    ap.add_argument("--compare-workers", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=0.02)
    args = ap.parse_args()
    captures = find_captures(args.roots)
    if not captures:
        print("no captures found")
        return 1
    failed = 0
    totals = {"tcp": 0, "udp": 0, "tshark_tcp": 0, "tshark_udp": 0}
    off = []
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for pcap, problems, info in ex.map(lambda c: check_one(args, c), captures):
            name = os.path.relpath(pcap)
            if problems:
                failed += 1
                print(f"FAIL {name}: {'; '.join(problems)}")
            if info.get("truncated"):
                print(f"NOTE {name}: truncated capture, processed up to the cut (exit 2)")
            if args.tshark:
                for k in ("tcp", "udp", "tshark_tcp", "tshark_udp"):
                    totals[k] += info.get(k, 0)
                for proto in ("tcp", "udp"):
                    ours, theirs = info.get(proto, 0), info.get("tshark_" + proto, 0)
                    if abs(ours - theirs) > max(1, args.tolerance * theirs):
                        off.append(f"{name} {proto}: wardwatch {ours}, tshark {theirs}")
    print(f"captures: {len(captures)}, failed: {failed}")
    if args.tshark:
        for line in off:
            print("DIFF " + line)
        ok = True
        for proto in ("tcp", "udp"):
            ours, theirs = totals[proto], totals["tshark_" + proto]
            ratio = ours / theirs if theirs else 1.0
            print(f"{proto.upper()} flows: wardwatch {ours}, tshark {theirs} ({(ratio - 1) * 100:+.2f}%)")
            if abs(ratio - 1) > args.tolerance:
                ok = False
        print(f"captures whose counts differ by more than {args.tolerance:.0%} (and 1 flow): {len(off)}")
        if not ok:
            failed += 1
    print(f"{len(captures) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
