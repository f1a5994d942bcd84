# SPDX-License-Identifier: MIT
# test_exhaustion_flood.py - a guest that floods as fast as it can: SYNs,
# UDP to 100 000 destinations, echo requests to every id
#
# The frames go straight into the tap from an AF_PACKET socket (root of
# tether's namespace), with tether under a low fd limit so that its fd
# budget runs out. Destinations: REMOTE only (its servers, closed ports,
# and a blackholed address that never answers). Afterwards tether must
# have refused cleanly (RST; ICMP unreachable), logged at a limited rate,
# be idle, be back to its baseline fds and RSS (plus the slack below), and
# serve a normal exchange and an intact download again.
from topology import (V4_HOST, V6_HOST, V4_GW, V4_SERVER, V6_SERVER,
                      PORT_ECHO, PORT_CLOSED)
from exhaust import (run_flood, check_common, remote_setup, V4_DROP,
                     V6_DROP, PORT_ANSWER, PORT_SILENT)

LIMIT = 300             # RLIMIT_NOFILE for tether: a budget of ~100 fds
SPOOF4, SPOOF6 = "192.0.2.200", "2001:db8::200"  # on the tap, not the guest's
FD_SLACK = 8            # fds over the baseline once the flood is over
# RSS: pages of the static tables a flood touches for the first time, at
# most the flow index (12 MiB), the TCP table (8.5 MiB) and the handshake
# ring (0.75 MiB); nothing else
# grows (no allocation on the data path)
RSS_SLACK_KB = 24 << 10
# s until a normal exchange works again: at once for UDP and ICMP (their
# share of the budget), within TCP_EMBRYO_MIN_MS (1 s) for TCP, when a new
# SYN may reset the oldest handshake (README: "Limits")
RECOVER_S = 3
SECONDS = 4             # s of flood, each of two rounds
# UDP bindings and ping sockets may hold a quarter and an eighth of the
# budget (at most LIMIT - 128) until they go idle: tether evicts the
# oldest of them past that, so that TCP keeps the rest
UDP_SHARE = (LIMIT - 128) // 4
PING_SHARE = (LIMIT - 128) // 8


def flood(topo, mode, src, dst, ports, sports, count):
    return ["flood", "--ifname", topo.ifname, "--gw", V4_GW, "--mode", mode,
            *sum((["--src", a] for a in src), []),
            *sum((["--dst", a] for a in dst), []),
            "--ports", ports, "--sports", sports, "--count", count,
            "--seconds", SECONDS]


def probe(proto, addr, port=0):
    return ["probe", "--proto", proto, "--addr", addr, "--port", port,
            "--seconds", 40]


def test_syn_flood(tether, topo, files, workdir):
    """SYNs to a port that answers, one that refuses, a listener that
    never accepts, many closed ports and a blackholed address; from the
    guest's addresses (its kernel resets our SYN-ACKs) and from addresses
    nobody answers for (handshakes that never complete)"""
    remote_setup(topo)
    cmd = flood(topo, "syn", [V4_HOST, V6_HOST, SPOOF4, SPOOF6],
                [V4_SERVER, V6_SERVER, V4_DROP, V6_DROP],
                f"{PORT_ANSWER},{PORT_SILENT},{PORT_CLOSED},20000:20499",
                "1024:65535", 400000)
    ms = run_flood(tether, workdir, files, cmd, probe("tcp", V4_SERVER,
                                                     PORT_ECHO),
                  LIMIT, FD_SLACK, fd_back_bound=30)
    m = ms[0]
    seen = m.flood["seen"]
    assert m.flood["sent"] > 10000, m
    # refused at once, past the budget and by the closed ports: RST
    assert seen.get("rst", 0) > 1000, m
    assert seen.get("synack", 0) > 0, m
    assert any("no fd for a new flow" in k for k in m.log_shapes), m
    check_common(ms, FD_SLACK, RSS_SLACK_KB, RECOVER_S)


def test_syn_flood_handshakes_never_completed(tether, topo, files,
                                             workdir):
    """SYNs to a port that answers, from addresses nobody answers for:
    every one a host connection whose handshake the guest never ends"""
    remote_setup(topo)
    cmd = flood(topo, "syn", [SPOOF4, SPOOF6], [V4_SERVER, V6_SERVER],
                f"{PORT_ANSWER}", "1024:65535", 400000)
    ms = run_flood(tether, workdir, files, cmd, probe("tcp", V4_SERVER,
                                                     PORT_ECHO),
                  LIMIT, FD_SLACK, fd_back_bound=30)
    m = ms[0]
    seen = m.flood["seen"]
    assert m.flood["sent"] > 10000, m
    assert seen.get("rst", 0) > 1000 and seen.get("synack", 0) > 0, m
    assert any("no fd for a new flow" in k for k in m.log_shapes), m
    check_common(ms, FD_SLACK, RSS_SLACK_KB, RECOVER_S)


def test_udp_flood_100000_destinations(tether, topo, files, workdir):
    """UDP to 25 000 ports of four REMOTE addresses (the servers, closed
    ports: ICMP errors back; the blackhole: nothing) from 1000 ports"""
    remote_setup(topo)
    cmd = flood(topo, "udp", [V4_HOST, V6_HOST],
                [V4_SERVER, V6_SERVER, V4_DROP, V6_DROP], "10000:34999",
                "40000:40999", 100000)
    ms = run_flood(tether, workdir, files, cmd, probe("udp", V4_SERVER,
                                                     PORT_ECHO),
                  LIMIT, UDP_SHARE + FD_SLACK, fd_back_bound=10)
    m = ms[0]
    assert m.flood["destinations"] == 100000, m
    assert m.flood["sent"] > 10000, m
    check_common(ms, UDP_SHARE + FD_SLACK, RSS_SLACK_KB, RECOVER_S)


def test_icmp_echo_flood_many_ids(tether, topo, files, workdir):
    """Echo requests to every id, to the servers and the blackhole"""
    remote_setup(topo)
    cmd = flood(topo, "icmp", [V4_HOST, V6_HOST],
                [V4_SERVER, V6_SERVER, V4_DROP, V6_DROP], "1:65535",
                "1:1", 200000)
    ms = run_flood(tether, workdir, files, cmd, probe("icmp", V4_SERVER),
                  LIMIT, PING_SHARE + FD_SLACK, fd_back_bound=10)
    m = ms[0]
    assert m.flood["sent"] > 10000, m
    assert m.flood["seen"].get("echo_reply", 0) > 0, m
    check_common(ms, PING_SHARE + FD_SLACK, RSS_SLACK_KB, RECOVER_S)
