#!/usr/bin/env bash
# FHIR on the corpus capture made with a real FHIR server and clients (generated/fhir_rest.pcap,
# node-fhir-server-core + curl + fhir-kit-client): every HTTP request tshark sees with a FHIR
# media type gives one wardwatch `fhir` event on the same flow, in the same order, with the same
# method and response status, and the interaction/resource type the URI says (checked against
# the FHIR REST rules independently of wardwatch's code); no patient id or search value of the
# URIs appears anywhere in the outputs (default redaction).
set -uo pipefail
bin=$1
corpus=$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpus
pcap=$corpus/generated/fhir_rest.pcap
[ -f "$pcap" ] || { echo "SKIP: $pcap missing"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$bin" analyze -r "$pcap" -l "$t/out" -q || { echo "FAIL: analyze"; exit 1; }
tshark -r "$pcap" -o tcp.reassemble_out_of_order:TRUE -Y 'http.request' -T fields \
  -e frame.number -e tcp.stream -e http.request.method -e http.request.uri -e http.accept \
  -e http.content_type -e tcp.srcport > "$t/req.tsv" 2>/dev/null
tshark -r "$pcap" -o tcp.reassemble_out_of_order:TRUE -Y 'http.response' -T fields \
  -e http.request_in -e http.response.code > "$t/rsp.tsv" 2>/dev/null
python3 - "$t/req.tsv" "$t/rsp.tsv" "$t/out" <<'PY'
import json, os, re, sys
req_tsv, rsp_tsv, out = sys.argv[1:4]
status = {}
for line in open(rsp_tsv):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 2 and f[0]:
        status[f[0]] = int(f[1])
want = []
for line in open(req_tsv):
    frame, stream, method, uri, accept, ctype, cport = (line.rstrip("\n").split("\t") + [""] * 7)[:7]
    if "fhir" not in (accept + ctype).lower():
        continue
    path, _, query = uri.partition("?")
    seg = [s for s in path.split("/") if s]
    # FHIR REST (http://hl7.org/fhir/R4/http.html), written out here on its own.
    rtype = next((s for s in seg if s[:1].isupper()), "")
    rest = seg[seg.index(rtype) + 1:] if rtype else []
    if seg and seg[-1] == "metadata": inter = "capabilities"
    elif not rest: inter = {"GET": "search", "POST": "create"}.get(method, "?")
    elif len(rest) == 1: inter = {"GET": "read", "PUT": "update", "DELETE": "delete"}.get(method, "?")
    else: inter = "?"
    want.append(dict(stream=int(stream), cport=int(cport or 0), method=method, status=status.get(frame, 0),
                     interaction=inter, resource_type=rtype, uri=uri,
                     params=[p.split("=")[0] for p in query.split("&") if p]))
flows, got = {}, []
for line in open(os.path.join(out, "eve.json")):
    e = json.loads(line)
    if e["event_type"] == "fhir":
        got.append(e)
# Events of different flows may be written in another order than their requests were sent
# (a transaction is logged when the bytes that complete it are handed over, with acked
# delivery after the peer's ACK): compare flow by flow (client port), in order within a flow.
want.sort(key=lambda w: w["cport"])
got.sort(key=lambda g: g["src_port"])
if len(got) != len(want):
    sys.exit("FAIL: %d fhir events, tshark sees %d FHIR requests" % (len(got), len(want)))
stream_of = {}
ok = True
for i, (w, g) in enumerate(zip(want, got)):
    f = g["fhir"]
    # one wardwatch flow per tshark stream, in the same order
    if stream_of.setdefault(w["stream"], g["flow_id"]) != g["flow_id"]:
        print("FAIL #%d: flow does not match tshark stream %d" % (i, w["stream"])); ok = False
    for k in ("method", "status", "interaction", "resource_type"):
        if k == "resource_type" and not w[k]:
            continue
        if f.get(k) != w[k]:
            print("FAIL #%d %s %s: %s %r, tshark/URI says %r" % (i, w["method"], w["uri"], k, f.get(k), w[k]))
            ok = False
    if f.get("search_params", []) != w["params"]:
        print("FAIL #%d: search_params %r, URI has %r" % (i, f.get("search_params"), w["params"])); ok = False
# The URIs' patient ids and search values must not appear in any output file.
secrets = set()
for w in want:
    path, _, query = w["uri"].partition("?")
    seg = [s for s in path.split("/") if s]
    for a, b in zip(seg, seg[1:]):
        if a == "Patient": secrets.add(b)
    for p in query.split("&"):
        if "=" in p and p.split("=", 1)[1]:
            secrets.add(p.split("=", 1)[1])
for root, _, files in os.walk(out):
    for fn in files:
        data = open(os.path.join(root, fn), "rb").read().decode("latin-1")
        for s in secrets:
            if re.search(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(s), data):
                print("FAIL: %r in %s" % (s, fn)); ok = False
print("%d FHIR transactions compared with tshark, %d URI values checked absent" % (len(want), len(secrets)))
sys.exit(0 if ok else 1)
PY
