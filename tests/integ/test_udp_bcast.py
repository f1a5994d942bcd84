# SPDX-License-Identifier: MIT
# test_udp_bcast.py - the guest can't broadcast or multicast on the host's
# network as the host (issue 10, 3): a receiver on REMOTE, listening on
# the host's link for the limited and directed broadcast and the mDNS and
# SSDP groups, gets only the control datagram sent to it by unicast
import os
import sys

from topology import V4_GW, V4_SERVER

TOOLS = os.path.join(os.path.dirname(__file__), "..", "tools")


def test_guest_broadcast_and_multicast_stay_home(tether, topo):
    p = topo.start(topo.remote, [sys.executable,
                                 os.path.join(TOOLS, "tt_mcast.py"), "recv",
                                 topo.peer, V4_GW], wait_for="READY")
    res = tether.spawn(tether.tool("tt_mcast.py", "send", topo.ifname,
                                   V4_SERVER), timeout=60)
    assert res.rc == 0, res
    out, _ = p.communicate(timeout=25)
    got = [line.split()[2] for line in out.splitlines()
           if line.startswith("GOT")]
    assert "control" in got, (got, res.out)      # the path works
    leaked = [g for g in got if g not in ("control", "END")]
    assert not leaked, f"left on the host's network: {leaked}"
