# SPDX-License-Identifier: MIT
# test_exhaustion_log.py - a guest can't flood tether's log
#
# From tether's namespace, an AF_PACKET flood of UDP datagrams to the
# HOST subnet's broadcast address (which tether refuses to send on the
# host's network, with a warning each time) and of SYNs past a tiny fd
# budget (refused, with a warning each time). Each warning is printed at
# most 5 times a second, plus one "(N similar messages suppressed)" line.
import time

from topology import V4_HOST, V4_GW, V4_SERVER
from exhaust import log_shapes, PORT_ANSWER, remote_setup

SECONDS = 4
BCAST = "192.0.2.255"   # HOST's subnet: tether drops, never forwards


def test_guest_triggered_warnings_are_rate_limited(tether, topo):
    remote_setup(topo)
    flood = [tether.tool("tt_exhaust.py", "flood", "--ifname", topo.ifname,
                         "--gw", V4_GW, "--mode", mode, "--src", V4_HOST,
                         "--dst", dst, "--ports", ports, "--sports",
                         "1024:65535", "--count", 400000, "--seconds",
                         SECONDS)
             for mode, dst, ports in (("udp", BCAST, "1:1000"),
                                      ("syn", V4_SERVER, str(PORT_ANSWER)))]
    t0 = time.monotonic()
    p = tether.popen(tether.user_argv(
        ["prlimit", "--nofile=260:260", tether.binary, "--config-net",
         "--", "sh", "-c", " && ".join(flood)]))
    res = tether.finish(p, 120)
    elapsed = time.monotonic() - t0
    assert res.rc == 0, res
    udp, syn = res.results
    assert udp["sent"] > 10000 and syn["sent"] > 10000, res
    shapes = log_shapes(res.err)
    bcast = sum(n for k, n in shapes.items() if "broadcast/multicast" in k)
    nofd = sum(n for k, n in shapes.items() if "no fd for a new flow" in k)
    supp = sum(n for k, n in shapes.items() if "suppressed" in k)
    print(f"{udp['sent']} broadcasts, {syn['sent']} SYNs in {elapsed:.1f} s:"
          f" {bcast} + {nofd} warnings, {supp} 'suppressed' lines; {shapes}")
    # said, but not once per frame: 5 lines a second, each
    assert 0 < bcast <= 5 * (SECONDS + 2), shapes
    assert 0 < nofd <= 5 * (SECONDS + 2), shapes
    assert supp > 0, shapes
    assert sum(shapes.values()) <= 100 + 12 * (elapsed + 2), shapes
