#!/usr/bin/env python3
"""Field-by-field agreement of wardwatch's app-layer EVE records with tshark's (issue 5).

For every capture under the given folders, both tools are run and reduced to records:
  HTTP: (client ip, client port, server ip, server port, method, host, uri, status), one per
        request tshark dissects (status from the response whose http.request_in is it);
  DNS:  (endpoints, id, query|response, first query name, query type, rcode of responses), one
        per DNS message tshark dissects;
  TLS:  (client ip, client port, server ip, server port, SNI, JA3 hash), one per ClientHello
        tshark dissects over TCP (wardwatch: one `tls` event per session, with `sni` and
        `ja3.hash`), including TLS started by STARTTLS, AUTH TLS or HTTP CONNECT;
  DHCP: (xid, client MAC, message type, host name, requested address), one per DHCP message;
  SMB2: (endpoints, command, file name of a CREATE), one per SMB2 request tshark dissects,
        READ, WRITE, GET_INFO and SET_INFO left out on both sides (as Suricata, wardwatch logs
        a file's reads or writes as one transaction, no QUERY_INFO, and SET_INFO only for a
        rename or a delete); encrypted SMB3 is not counted;
  SMTP: (endpoints, HELO|MAIL|RCPT, argument), one per MAIL FROM and RCPT TO command and
        one per EHLO/HELO name and connection (wardwatch: a transaction's mail_from and
        rcpt_to, its helo once per connection);
  FTP:  (endpoints, command, argument; PASS's argument left out), one per command.
Host names are compared lower case without a port (wardwatch's `hostname`, tshark's
`http.host`). Agreement per protocol = records of tshark also produced by wardwatch (multiset
intersection) / records of tshark. Prints per-protocol totals and the captures with the most
misses; --details lists missing/extra records. Exit 0 (a report, not a gate) unless --min is
given and an agreement is below it.
"""
import argparse
import collections
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

CAPTURE_RE = re.compile(r"\.(pcap|pcapng|cap)$")
RRTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "NULL": 10, "PTR": 12, "HINFO": 13, "MX": 15,
           "TXT": 16, "AAAA": 28, "SRV": 33, "NAPTR": 35, "DNAME": 39, "OPT": 41, "DS": 43,
           "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "NSEC3": 50, "SVCB": 64, "HTTPS": 65,
           "SPF": 99, "TSIG": 250, "IXFR": 251, "AXFR": 252, "ANY": 255, "CAA": 257}
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
          "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"]


def find_captures(roots):
    out = []
    for root in roots:
        if os.path.isfile(root):
            out.append(root)
        for d, _, files in os.walk(root):
            out += [os.path.join(d, f) for f in files if CAPTURE_RE.search(f)]
    return sorted(out)


def host_norm(h):
    h = (h or "").strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.split(":")[0]


def ip_norm(a):
    """One text per address: tshark writes IPv6 compressed, EVE (as Suricata 7) expanded."""
    try:
        return ipaddress.ip_address(a).compressed
    except ValueError:
        return a or ""


def text_norm(s):
    """Binary text compared loosely: tshark prints stray bytes as U+FFFD (one per maximal
    invalid subpart), wardwatch's EVE as U+0080..U+00FF (one per byte); a run of non-ASCII or
    control characters becomes one '?' on both sides."""
    return re.sub(r"[^\x20-\x7e]+", "?", (s or "").lower())


def first(v):
    return v.split("\x01")[0] if v else ""


def last(v):
    return v.split("\x01")[-1] if v else ""


TSHARK_FILTERS = {"http": "http.request or http.response", "dns": "dns",
                  "tls": "(tls.handshake.type == 1 and tcp)", "dhcp": "dhcp", "smb2": "smb2",
                  "smtp": "smtp.req.command", "ftp": "ftp.request.command"}


def tshark_records(pcap, protos):
    fields = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
              "tcp.dstport", "udp.srcport", "udp.dstport", "http.request.method", "http.host",
              "http.request.uri", "http.response.code", "http.request_in", "dns.id",
              "dns.flags.response", "dns.qry.name", "dns.qry.type", "dns.flags.rcode",
              "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ja3",
              "dhcp.id", "dhcp.hw.mac_addr", "dhcp.option.dhcp", "dhcp.option.hostname",
              "dhcp.option.requested_ip_address", "smb2.cmd", "smb2.flags.response",
              "smb2.filename", "smtp.req.command", "smtp.req.parameter",
              "ftp.request.command", "ftp.request.arg", "ip.flags.mf", "icmp.type",
              "icmpv6.type", "ip.reassembled.length"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y", " or ".join(TSHARK_FILTERS[p] for p in protos),
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=\x01"]
    for f in fields:
        cmd += ["-e", f]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, errors="replace")
    except subprocess.TimeoutExpired:
        return {}
    requests = {}
    statuses = {}
    dns = []
    tls = []
    dhcp = []
    smb, smtp, ftp = [], [], []
    skipped = collections.Counter()
    ftp_frames = []  # (frame number, ends, [(command, argument)])
    for line in p.stdout.splitlines():
        c = line.split("\t")
        if len(c) < len(fields):
            c += [""] * (len(fields) - len(c))
        (num, s4, s6, d4, d6, tsp, tdp, usp, udp, method, host, uri, code, req_in, did, resp,
         qname, qtype, rcode, hs_type, sni, ja3, xid, mac, mtype, hname, reqip,
         s2cmd, s2resp, s2name, scmd, sparam, fcmd, farg, mf, icmp4, icmp6, reasm) = c[:len(fields)]
        # Not messages on the wire: a datagram quoted in an ICMP error (tshark dissects the
        # quoted header and payload), and a fragment (more-fragments set) that completes no
        # reassembly: the first fragment of a datagram whose other IP fragments were never
        # captured (tshark dissects the part it has; wardwatch, as Suricata, waits for the
        # reassembled datagram). A datagram tshark reassembled is compared (on the frame that
        # completed it, ip.reassembled.length). Counted apart, not compared.
        if icmp4 or icmp6:
            skipped["quoted in an ICMP error"] += 1
            continue
        if last(mf) in ("1", "True") and not reasm:
            skipped["IP fragment never reassembled"] += 1
            continue
        # Innermost addresses and ports (tunnels: GRE, VXLAN, IP-in-IP); first of the rest.
        s4, s6, d4, d6, tsp, tdp, usp, udp = (last(v) for v in (s4, s6, d4, d6, tsp, tdp, usp, udp))
        method, host, uri, code, req_in, did, resp, qname, qtype, rcode = (
            first(v) for v in (method, host, uri, code, req_in, did, resp, qname, qtype, rcode))
        src, dst = ip_norm(s4 or s6), ip_norm(d4 or d6)
        sp, dp = (tsp, tdp) if tsp else (usp, udp)
        ends = tuple(sorted([(src, sp), (dst, dp)]))
        if s2cmd:
            smb += smb2_requests(ends, s2cmd, s2resp, s2name)
        if scmd:
            smtp += smtp_commands(ends, scmd, sparam)
        if fcmd:
            args = farg.split("\x01") if farg else []
            ftp_frames.append((num, ends, [(fc, args[i] if i < len(args) else "")
                                           for i, fc in enumerate(fcmd.split("\x01"))]))
        if xid and mtype:
            dhcp.append((int(first(xid), 0), first(mac).lower(), int(first(mtype), 0),
                         text_norm(first(hname)), first(reqip)))
        if ja3 and "1" in hs_type.split("\x01") and tsp:
            # One per ClientHello (a frame with two: both).
            snis = sni.split("\x01") if sni else []
            for i, j in enumerate(ja3.split("\x01")):
                tls.append((src, sp, dst, dp, snis[i].lower() if i < len(snis) else "", j))
        if method:
            requests[num] = (src, sp, dst, dp, method, host_norm(host), text_norm(uri))
        if code and req_in:
            statuses[req_in] = int(first(code))
        if did:
            is_resp = resp in ("1", "True")
            # tshark shows the root name (empty) as "<Root>"; EVE's rrname is "".
            name = text_norm("" if first(qname) == "<Root>" else first(qname))
            try:
                qt = int(first(qtype), 0) if qtype else None
            except ValueError:
                qt = None
            rc = int(first(rcode), 0) if (is_resp and rcode) else None
            dns.append((ends, int(did, 0), is_resp, name, qt, rc))
    http = [r + (statuses.get(num),) for num, r in requests.items()]
    ftp = ftp_lines(pcap, ftp_frames)
    # HELO/EHLO: one per name and connection (wardwatch carries the greeting in each of the
    # connection's transactions; a client repeating EHLO with the same name is one record).
    seen = set()
    smtp = [r for r in smtp if r[1] != "HELO" or not (r in seen or seen.add(r))]
    return {"http": http, "dns": dns, "tls": tls, "dhcp": dhcp, "smb2": smb, "smtp": smtp,
            "ftp": ftp, "skipped": skipped}


def ftp_lines(pcap, frames):
    """FTP commands as lines: tshark dissects each TCP segment on its own, so a command line
    sent in several segments (RFC 959: a command ends at CRLF) reads as one command per
    segment; a segment that does not end its line is joined with the next one of the flow
    (its first 'command' continues the line). Segment ends come from a second tshark pass."""
    if not frames:
        return []
    ends_line = {}
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "ftp.request.command", "-T", "fields",
           "-e", "frame.number", "-e", "tcp.payload"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, errors="replace")
        for line in p.stdout.splitlines():
            num, _, payload = line.partition("\t")
            ends_line[num] = payload.replace(":", "").lower().endswith("0a")
    except subprocess.TimeoutExpired:
        pass
    out = []  # [ends, command, argument]
    open_line = {}  # ends -> index in out of a command whose line is not ended yet
    for num, ends, cmds in frames:
        for i, (fc, arg) in enumerate(cmds):
            at = open_line.pop(ends, None) if i == 0 else None
            if at is not None:  # continues the command line of the previous segment
                out[at][2] += fc + (" " + arg if arg else "")
            else:
                out.append([ends, fc.upper(), arg])
                at = len(out) - 1
            if i == len(cmds) - 1 and not ends_line.get(num, True):
                open_line[ends] = at
    return [(ends, c, "" if c == "PASS" else text_norm(a)) for ends, c, a in out]


SMB2_CMDS = ["NEGOTIATE_PROTOCOL", "SESSION_SETUP", "SESSION_LOGOFF", "TREE_CONNECT",
             "TREE_DISCONNECT", "CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL",
             "CANCEL", "KEEPALIVE", "FIND", "CHANGE_NOTIFY", "GET_INFO", "SET_INFO",
             "OPLOCK_BREAK"]
SMB2_NOT_ONE_BY_ONE = {8, 9, 16, 17}  # READ, WRITE, GET_INFO, SET_INFO
SMTP_NO_ARG = {"DATA", "QUIT", "RSET", "STARTTLS", "NOOP", "TURN"}


def smb2_requests(ends, cmds, resps, names):
    """One record per SMB2 request of a frame (compounded requests share it); a CREATE takes
    the next file name of the frame."""
    out = []
    cmds = [int(x, 0) for x in cmds.split("\x01") if x]
    resps = resps.split("\x01") if resps else []
    names = [n for n in names.split("\x01") if n] if names else []
    for i, c in enumerate(cmds):
        if i < len(resps) and resps[i] in ("1", "True"):
            continue
        name = names.pop(0) if c == 5 and names else ""
        if c not in SMB2_NOT_ONE_BY_ONE:
            out.append((ends, c, text_norm(name)))
    return out


def smtp_commands(ends, cmds, params):
    """EHLO/HELO, MAIL FROM and RCPT TO of a frame (pipelined commands share it): arguments
    are matched to the commands that take one."""
    out = []
    params = params.split("\x01") if params else []
    for c in cmds.split("\x01"):
        c = c.upper()
        p = "" if c in SMTP_NO_ARG or not params else params.pop(0)
        if c in ("MAIL", "RCPT"):
            a = p.split(":", 1)[1].strip().split(" ")[0] if ":" in p else ""
            out.append((ends, c, text_norm(a)))
        elif c in ("EHLO", "HELO"):
            out.append((ends, "HELO", text_norm(p.strip())))
    return out


DHCP_TYPES = ["", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform"]


def ww_records(binary, pcap):
    outdir = tempfile.mkdtemp(prefix="ww_tshark_")
    # This measures what the parsers extract, so PHI redaction (an output policy that replaces
    # FHIR patient ids and query values in http urls by "[redacted]") is turned off.
    cfg = os.path.join(outdir, "compare.yaml")
    with open(cfg, "w") as fh:
        fh.write("app-layer: {redact-phi: no}\n")
    try:
        subprocess.run([binary, "analyze", "-r", pcap, "-l", outdir, "-c", cfg, "-q"],
                       capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        return {}
    http, dns, tls, dhcp, smb, smtp, ftp, helos = [], [], [], [], [], [], [], set()
    ftp_cut = set()  # FTP records whose command line wardwatch cut (command_truncated)
    path = os.path.join(outdir, "eve.json")
    if os.path.exists(path):
        with open(path, "rb") as fh:
            for line in fh:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                t = e.get("event_type")
                if "src_ip" in e:
                    ends = tuple(sorted([(ip_norm(e["src_ip"]), str(e.get("src_port", ""))),
                                         (ip_norm(e["dest_ip"]), str(e.get("dest_port", "")))]))
                if t == "http":
                    h = e["http"]
                    if "http_method" not in h:
                        continue  # a response picked up without its request
                    http.append((ip_norm(e["src_ip"]), str(e.get("src_port", "")),
                                 ip_norm(e["dest_ip"]),
                                 str(e.get("dest_port", "")), h["http_method"],
                                 host_norm(h.get("hostname")), text_norm(h.get("url", "")),
                                 h.get("status")))
                elif t == "dns":
                    d = e["dns"]
                    is_resp = d.get("type") == "answer"
                    qt = d.get("rrtype")
                    qt = RRTYPES.get(qt, int(qt) if qt and qt.isdigit() else None) if qt else None
                    rc = None
                    if is_resp:
                        r = d.get("rcode", "")
                        rc = RCODES.index(r) if r in RCODES else (int(r) if r.isdigit() else None)
                    dns.append((ends, d.get("id"), is_resp, text_norm(d.get("rrname")), qt,
                                rc))
                elif t == "tls":
                    t_ = e["tls"]
                    if "ja3" not in t_:
                        continue  # no ClientHello seen (picked up mid-way)
                    tls.append((ip_norm(e["src_ip"]), str(e.get("src_port", "")),
                                ip_norm(e["dest_ip"]),
                                str(e.get("dest_port", "")), (t_.get("sni") or "").lower(),
                                t_["ja3"].get("hash", "")))
                elif t == "dhcp":
                    d = e["dhcp"]
                    ty = d.get("dhcp_type")
                    if ty not in DHCP_TYPES:
                        continue  # plain BOOTP (no message type): tshark gives no record
                    dhcp.append((d.get("id"), d.get("client_mac", ""), DHCP_TYPES.index(ty),
                                 text_norm(d.get("hostname")), d.get("requested_ip", "")))
                elif t == "smb":
                    s = e["smb"]
                    name = s.get("command", "").replace("SMB2_COMMAND_", "")
                    if s.get("encrypted") or name not in SMB2_CMDS:
                        continue  # SMB1, or SMB3 encrypted (tshark cannot see the commands)
                    c = SMB2_CMDS.index(name)
                    if c in SMB2_NOT_ONE_BY_ONE:
                        continue
                    fname = s.get("filename", s.get("directory", "")) if c == 5 else ""
                    smb.append((ends, c, text_norm("" if fname == "<share_root>" else fname)))
                elif t == "smtp":
                    s = e["smtp"]
                    if s.get("mail_from"):
                        smtp.append((ends, "MAIL", text_norm(s["mail_from"])))
                    for r in s.get("rcpt_to", []):
                        smtp.append((ends, "RCPT", text_norm(r)))
                    if s.get("helo"):
                        helos.add((e.get("flow_id"), ends, text_norm(s["helo"])))
                elif t == "ftp":
                    s = e["ftp"]
                    if not s.get("command"):
                        continue
                    c = s["command"].upper()
                    ftp.append((ends, c, "" if c == "PASS" else
                                text_norm(s.get("command_data", ""))))
                    if s.get("command_truncated"):
                        ftp_cut.add(ftp[-1])
    smtp += [(ends, "HELO", h) for _, ends, h in helos]
    subprocess.run(["rm", "-rf", outdir])
    return {"http": http, "dns": dns, "tls": tls, "dhcp": dhcp, "smb2": smb, "smtp": smtp,
            "ftp": ftp, "ftp_cut": ftp_cut}


def prefix_matches(missing, extra, cut):
    """FTP: a command line wardwatch cut at its line limit and flagged (EVE command_truncated)
    agrees with tshark's when the same command's kept argument is a prefix of tshark's.
    Takes the matched records out of `missing` and `extra`; returns how many."""
    n = 0
    for t in list(missing):
        for w in list(extra):
            if (w in cut and w[:2] == t[:2] and t[2].startswith(w[2]) and missing[t] > 0
                    and extra[w] > 0):
                k = min(missing[t], extra[w])
                missing[t] -= k
                extra[w] -= k
                n += k
    return n, +missing, +extra


PROTOS = ("http", "dns", "tls", "dhcp", "smb2", "smtp", "ftp")


def compare(binary, pcap, protos):
    t_all = tshark_records(pcap, protos)
    if not any(v for k, v in t_all.items() if k != "skipped"):
        return pcap, None, t_all.get("skipped", collections.Counter())
    w_all = ww_records(binary, pcap)
    out = {}
    for proto in protos:
        tc, wc = collections.Counter(t_all.get(proto, [])), collections.Counter(w_all.get(proto, []))
        common = tc & wc
        missing, extra, cut_ok = tc - common, wc - common, 0
        if proto == "ftp" and missing:
            cut_ok, missing, extra = prefix_matches(missing, extra, w_all.get("ftp_cut", set()))
        out[proto] = (sum(tc.values()), sum(common.values()) + cut_ok, missing, extra, cut_ok)
    return pcap, out, t_all.get("skipped", collections.Counter())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--proto", action="append", choices=PROTOS,
                    help="compare only this protocol (repeatable; default: all)")
    ap.add_argument("--min", type=float, default=None, help="fail below this agreement (%%)")
    a = ap.parse_args()
    caps = find_captures(a.roots)
    protos = tuple(a.proto) if a.proto else PROTOS
    tot = {p: [0, 0, 0] for p in protos}  # tshark records, agreed, captures
    worst = []
    skipped = collections.Counter()
    cut_total = 0
    with ThreadPoolExecutor(a.jobs) as ex:
        for pcap, res, skip in ex.map(lambda p: compare(a.binary, p, protos), caps):
            skipped.update(skip)
            if res is None:
                continue
            for proto, (n, ok, missing, extra, cut_ok) in res.items():
                cut_total += cut_ok
                if n == 0:
                    continue
                tot[proto][0] += n
                tot[proto][1] += ok
                tot[proto][2] += 1
                if ok < n:
                    worst.append((n - ok, proto, pcap, n))
                if a.details and (missing or extra):
                    print(f"== {proto} {pcap}")
                    for r, k in missing.items():
                        print(f"  missing x{k}: {r}")
                    for r, k in extra.items():
                        print(f"  extra   x{k}: {r}")
    worst.sort(reverse=True)
    if worst:
        print("captures with the most tshark records wardwatch did not match:")
        for miss, proto, pcap, n in worst[:15]:
            print(f"  {proto:4} {miss:6}/{n:<6} {pcap}")
    for why, k in sorted(skipped.items()):
        print(f"not compared: {k} tshark frames {why} (not a message on the wire)")
    if "ftp" in protos:
        print(f"FTP: {cut_total} tshark commands agree as a prefix: wardwatch cut the line at "
              "its limit and flagged it (command_truncated)")
    rc = 0
    for proto, (n, ok, ncap) in tot.items():
        pct = 100.0 * ok / n if n else 100.0
        print(f"{proto.upper():4} agreement: {ok}/{n} tshark records = {pct:.1f}% "
              f"({ncap} captures)")
        if a.min is not None and n and pct < a.min:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
