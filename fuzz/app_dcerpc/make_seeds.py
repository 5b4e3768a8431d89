#!/usr/bin/env python3
"""Writes the DCE/RPC fuzz seeds from suricata-verify captures (one TCP stream each, in the
record format of src/app/dcerpc/fuzz.cpp) with ../app_smb/make_seeds.py.
usage: make_seeds.py CORPUS_TESTS_DIR (.../suricata-verify/tests)"""
import os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
tests = sys.argv[1]
cut = os.path.join(here, "..", "app_smb", "make_seeds.py")
seeds = [  # (capture under tests/, server port, tcp stream, seed name)
    ("dcerpc/dcerpc-dce-iface-02/input.pcap", 49302, 0, "mgmt_bind_call"),
    ("dcerpc/dcerpc-dce-stub-data-04/input.pcap", 135, 0, "winreg_calls"),
    ("dcerpc/dcerpc-bind-no-frag-flag/input.pcap", 135, 2, "epm_bind_no_first_frag"),
    ("dcerpc/dcerpc-dce-iface-01/20171220_smb_psexec_mimikatz_ticket_dump-s2.pcap", 49155, 0,
     "svcctl_psexec"),
]
for pcap, port, stream, name in seeds:
    subprocess.run([sys.executable, cut, os.path.join(tests, pcap), str(port), str(stream), "8192",
                    os.path.join(here, "seeds", name)], check=True)
