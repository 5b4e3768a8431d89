#!/usr/bin/env python3
"""Writes hand-made FHIR-over-HTTP seeds for src/app/fhir/fuzz.cpp: [step] then records
[dir, len16be, bytes]. Usage: make_seeds.py OUT_DIR"""
import os, struct, sys

def rec(d, b):
    return bytes([d]) + struct.pack('>H', len(b)) + b

def req(method, uri, headers=b'', body=b''):
    h = b'%s %s HTTP/1.1\r\nHost: ehr01:8080\r\nAccept: application/fhir+json\r\n' % (method, uri)
    h += headers
    if body or method in (b'POST', b'PUT'):
        h += b'Content-Length: %d\r\n' % len(body)
    return h + b'\r\n' + body

def rsp(status, body, ctype=b'application/fhir+json'):
    return (b'HTTP/1.1 %d OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n' %
            (status, ctype, len(body))) + body

bundle = (b'{"resourceType":"Bundle","type":"searchset","total":2,"entry":['
          b'{"resource":{"resourceType":"Observation","id":"1"}},'
          b'{"resource":{"resourceType":"Observation","id":"2"}}]}')
seeds = {
    'read': [(0, req(b'GET', b'/fhir/Patient/123')), (1, rsp(200, b'{"resourceType":"Patient","id":"123"}'))],
    'search': [(0, req(b'GET', b'/fhir/Observation?patient=1&_count=10')), (1, rsp(200, bundle))],
    'create': [(0, req(b'POST', b'/fhir/Observation', b'Content-Type: application/fhir+json\r\n',
                       b'{"resourceType":"Observation"}')),
               (1, rsp(201, b'{}'))],
    'transaction': [(0, req(b'POST', b'/fhir', b'Content-Type: application/fhir+json\r\n',
                            b'{"resourceType":"Bundle","type":"transaction","entry":[{},{}]}')),
                    (1, rsp(200, bundle))],
    'export': [(0, req(b'GET', b'/fhir/Group/g1/$export?_type=Patient', b'Prefer: respond-async\r\n')),
               (1, rsp(202, b''))],
    'xml': [(0, req(b'GET', b'/baseR4/Patient/_history/2?_format=xml')),
            (1, rsp(200, b'<?xml version="1.0"?><Bundle xmlns="http://hl7.org/fhir"/>', b'application/fhir+xml'))],
    'malformed': [(0, req(b'GET', b'/fhir/Observation')), (1, rsp(200, b'{"entry":[{]'))],
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, recs in seeds.items():
    for step, suffix in ((0, ''), (6, '-step7'), (0x80, '-clear')):
        with open(os.path.join(out, name + suffix), 'wb') as f:
            f.write(bytes([step]) + b''.join(rec(d, b) for d, b in recs))
