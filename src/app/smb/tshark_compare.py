#!/usr/bin/env python3
"""Agreement of wardwatch's smb / smtp / ftp EVE records with tshark's on captures.

  SMB2: one record per SMB2 request tshark dissects: (command number, file name of a CREATE
        request, else ""); wardwatch: one per smb tx with a request. READ, WRITE, GET_INFO and
        SET_INFO are left out on both sides: as Suricata, wardwatch logs a file's reads or
        writes as one transaction, no QUERY_INFO, and SET_INFO only for a rename or a delete.
  SMTP: one record per client command tshark dissects (smtp.req.command, upper case);
        wardwatch: the commands its transactions imply are not logged one by one, so SMTP is
        compared on (mail_from, rcpt_to) envelopes: tshark's MAIL FROM / RCPT TO arguments.
  FTP:  one record per command: (ftp.request.command, ftp.request.arg; PASS arg masked).
Agreement = multiset intersection / tshark's records.
usage: tshark_compare.py WARDWATCH PCAP...
"""
import collections, json, os, subprocess, sys, tempfile

SMB2_CMDS = ["NEGOTIATE_PROTOCOL", "SESSION_SETUP", "SESSION_LOGOFF", "TREE_CONNECT",
             "TREE_DISCONNECT", "CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL",
             "CANCEL", "KEEPALIVE", "FIND", "CHANGE_NOTIFY", "GET_INFO", "SET_INFO",
             "OPLOCK_BREAK"]
NOT_ONE_BY_ONE = {8, 9, 16, 17}  # READ, WRITE, GET_INFO, SET_INFO


def tshark(pcap, filt, fields):
    cmd = ["tshark", "-r", pcap, "-Y", filt, "-T", "fields", "-E", "occurrence=a",
           "-E", "separator=\t", "-E", "aggregator=\x1f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [l.split("\t") for l in out.split("\n") if l.strip()]


def eve(ww, pcap):
    d = tempfile.mkdtemp()
    subprocess.run([ww, "analyze", "-r", pcap, "-l", d], capture_output=True)
    evs = []
    with open(os.path.join(d, "eve.json"), errors="replace") as f:
        for l in f:
            evs.append(json.loads(l))
    return evs


def smb(ww, pcap):
    ts = collections.Counter()
    for row in tshark(pcap, "smb2.flags.response==0", ["smb2.cmd", "smb2.filename"]):
        cmds = [int(c) for c in row[0].split("\x1f") if c]
        names = [n for n in (row[1].split("\x1f") if len(row) > 1 else []) if n]
        for c in cmds:
            name = names.pop(0) if c == 5 and names else ""
            if c not in NOT_ONE_BY_ONE:
                ts[(c, name)] += 1
    ws = collections.Counter()
    for e in eve(ww, pcap):
        s = e.get("smb")
        if e.get("event_type") != "smb" or not s or s.get("encrypted"):
            continue
        name = s.get("command", "").replace("SMB2_COMMAND_", "")
        if name not in SMB2_CMDS:
            continue
        c = SMB2_CMDS.index(name)
        if c in NOT_ONE_BY_ONE:
            continue
        if c != 5 and "status" in s and not s.get("_req", True):
            continue
        name = s.get("filename", s.get("directory", "")) if c == 5 else ""
        ws[(c, "" if name == "<share_root>" else name)] += 1
    return ts, ws


def smtp(ww, pcap):
    ts = collections.Counter()
    for row in tshark(pcap, "smtp.req.command", ["smtp.req.command", "smtp.req.parameter"]):
        c = row[0].upper()
        p = row[1] if len(row) > 1 else ""
        if c in ("MAIL", "RCPT"):
            a = p.split(":", 1)[1].strip().split(" ")[0] if ":" in p else ""
            ts[(c, a)] += 1
        elif c in ("EHLO", "HELO"):
            ts[("HELO", p.strip())] += 1
    ws = collections.Counter()
    helos = set()
    for e in eve(ww, pcap):
        s = e.get("smtp")
        if e.get("event_type") != "smtp" or not s:
            continue
        if s.get("mail_from"):
            ws[("MAIL", s["mail_from"])] += 1
        for r in s.get("rcpt_to", []):
            ws[("RCPT", r)] += 1
        if s.get("helo"):
            helos.add((e["flow_id"], s["helo"]))
    for _, h in helos:
        ws[("HELO", h)] += 1
    return ts, ws


def ftp(ww, pcap):
    ts = collections.Counter()
    for row in tshark(pcap, "ftp.request.command", ["ftp.request.command", "ftp.request.arg"]):
        c = row[0].upper()
        a = row[1] if len(row) > 1 else ""
        ts[(c, "" if c == "PASS" else a)] += 1
    ws = collections.Counter()
    for e in eve(ww, pcap):
        s = e.get("ftp")
        if e.get("event_type") != "ftp" or not s or not s.get("command"):
            continue
        c = s["command"].upper()
        ws[(c, "" if c == "PASS" else s.get("command_data", ""))] += 1
    return ts, ws


def main():
    ww, pcaps = sys.argv[1], sys.argv[2:]
    for p in pcaps:
        base = os.path.basename(p)
        fn = smb if base.startswith("smb") else smtp if base.startswith("smtp") else ftp
        ts, ws = fn(ww, p)
        hit = sum((ts & ws).values())
        tot = sum(ts.values())
        pct = 100.0 * hit / tot if tot else 100.0
        print(f"{base:28s} {fn.__name__:5s} tshark={tot:4d} matched={hit:4d} "
              f"agreement={pct:6.2f}%  wardwatch_extra={sum((ws - ts).values())}")
        if os.environ.get("DETAILS"):
            for k, v in (ts - ws).items():
                print("   missing", k, v)
            for k, v in (ws - ts).items():
                print("   extra", k, v)


if __name__ == "__main__":
    main()
