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
  DHCP: (xid, client MAC, message type, host name, requested address), one per DHCP message.
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


def tshark_records(pcap):
    fields = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
              "tcp.dstport", "udp.srcport", "udp.dstport", "http.request.method", "http.host",
              "http.request.uri", "http.response.code", "http.request_in", "dns.id",
              "dns.flags.response", "dns.qry.name", "dns.qry.type", "dns.flags.rcode",
              "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ja3",
              "dhcp.id", "dhcp.hw.mac_addr", "dhcp.option.dhcp", "dhcp.option.hostname",
              "dhcp.option.requested_ip_address"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y",
           "http.request or http.response or dns or (tls.handshake.type == 1 and tcp) or dhcp",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=\x01"]
    for f in fields:
        cmd += ["-e", f]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, errors="replace")
    except subprocess.TimeoutExpired:
        return [], [], [], []
    requests = {}
    statuses = {}
    dns = []
    tls = []
    dhcp = []
    for line in p.stdout.splitlines():
        c = line.split("\t")
        if len(c) < len(fields):
            c += [""] * (len(fields) - len(c))
        (num, s4, s6, d4, d6, tsp, tdp, usp, udp, method, host, uri, code, req_in, did, resp,
         qname, qtype, rcode, hs_type, sni, ja3, xid, mac, mtype, hname, reqip) = c[:len(fields)]
        # Innermost addresses and ports (tunnels: GRE, VXLAN, IP-in-IP); first of the rest.
        s4, s6, d4, d6, tsp, tdp, usp, udp = (last(v) for v in (s4, s6, d4, d6, tsp, tdp, usp, udp))
        method, host, uri, code, req_in, did, resp, qname, qtype, rcode = (
            first(v) for v in (method, host, uri, code, req_in, did, resp, qname, qtype, rcode))
        src, dst = ip_norm(s4 or s6), ip_norm(d4 or d6)
        sp, dp = (tsp, tdp) if tsp else (usp, udp)
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
            ends = tuple(sorted([(src, sp), (dst, dp)]))
            is_resp = resp in ("1", "True")
            name = text_norm(first(qname))
            try:
                qt = int(first(qtype), 0) if qtype else None
            except ValueError:
                qt = None
            rc = int(first(rcode), 0) if (is_resp and rcode) else None
            dns.append((ends, int(did, 0), is_resp, name, qt, rc))
    http = [r + (statuses.get(num),) for num, r in requests.items()]
    return http, dns, tls, dhcp


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
        return [], [], [], []
    http, dns, tls, dhcp = [], [], [], []
    path = os.path.join(outdir, "eve.json")
    if os.path.exists(path):
        with open(path, "rb") as fh:
            for line in fh:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                t = e.get("event_type")
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
                    ends = tuple(sorted([(ip_norm(e["src_ip"]), str(e.get("src_port", ""))),
                                         (ip_norm(e["dest_ip"]), str(e.get("dest_port", "")))]))
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
    subprocess.run(["rm", "-rf", outdir])
    return http, dns, tls, dhcp


def compare(binary, pcap):
    t_http, t_dns, t_tls, t_dhcp = tshark_records(pcap)
    if not t_http and not t_dns and not t_tls and not t_dhcp:
        return pcap, None
    w_http, w_dns, w_tls, w_dhcp = ww_records(binary, pcap)
    out = {}
    for proto, t, w in (("http", t_http, w_http), ("dns", t_dns, w_dns),
                        ("tls", t_tls, w_tls), ("dhcp", t_dhcp, w_dhcp)):
        tc, wc = collections.Counter(t), collections.Counter(w)
        common = tc & wc
        out[proto] = (sum(tc.values()), sum(common.values()), tc - common, wc - common)
    return pcap, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--min", type=float, default=None, help="fail below this agreement (%%)")
    a = ap.parse_args()
    caps = find_captures(a.roots)
    tot = {"http": [0, 0, 0], "dns": [0, 0, 0], "tls": [0, 0, 0], "dhcp": [0, 0, 0]}  # tshark records, agreed, captures
    worst = []
    with ThreadPoolExecutor(a.jobs) as ex:
        for pcap, res in ex.map(lambda p: compare(a.binary, p), caps):
            if res is None:
                continue
            for proto, (n, ok, missing, extra) in res.items():
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
