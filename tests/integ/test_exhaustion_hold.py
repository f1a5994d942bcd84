# SPDX-License-Identifier: MIT
# test_exhaustion_hold.py - a guest that opens more connections than
# tether has fds for and then never reads them (its window closes while
# the server keeps sending) or never sends on them
#
# tether runs under a low fd limit. Connections past its fd budget are
# refused at once (RST: ECONNREFUSED), a new UDP flow and a new echo get
# ICMP "administratively prohibited" while the fds are held, the log says
# so at a limited rate, nothing piles up in tether (RSS), and once the
# guest closes them the fds come back and a download is intact.
import pytest

from topology import V4_SERVER, PORT_ECHO
from exhaust import (run_flood, check_common, remote_setup, PORT_FIREHOSE,
                     PORT_MUTE)

LIMIT = 300             # RLIMIT_NOFILE: a budget of ~46 sockets for flows
COUNT = 80              # connections: more than the budget
FD_SLACK = 8
RSS_SLACK_KB = 24 << 10
RECOVER_S = 5           # the guest closes them all: at once


@pytest.mark.parametrize("mode,port", [("noread", PORT_FIREHOSE),
                                       ("nosend", PORT_MUTE)])
def test_connections_held_past_the_budget(tether, topo, files, workdir,
                                          mode, port):
    remote_setup(topo)
    cmd = ["hold", "--addr", V4_SERVER, "--port", port, "--count", COUNT,
           "--seconds", 4, "--mode", mode,
           "--check", f"{V4_SERVER}:{PORT_ECHO}"]
    probe = ["probe", "--proto", "tcp", "--addr", V4_SERVER, "--port",
             PORT_ECHO, "--seconds", 30]
    ms = run_flood(tether, workdir, files, cmd, probe, LIMIT, FD_SLACK,
                   fd_back_bound=10)
    for m in ms:
        r = m.flood
        # the budget's worth connect, the rest is refused cleanly
        assert 20 <= r["connected"] < COUNT, m
        assert set(r["errors"]) == {"ECONNREFUSED"}, m
        assert r["connected"] + r["errors"]["ECONNREFUSED"] == COUNT, m
        # no fd for a new UDP flow or echo: ICMP admin prohibited
        assert r["checks"] == {"udp": "EHOSTUNREACH",
                               "icmp": "unreach13"}, m
        if mode == "noread":
            assert r["unread_bytes"] > 0, m
        # held, not leaked: fds up by the budget at most
        assert m.fd_peak <= m.fd_base + (LIMIT - 128), m
    assert any("no fd for a new flow" in k for k in ms[0].log_shapes), ms
    check_common(ms, FD_SLACK, RSS_SLACK_KB, RECOVER_S)
