# SPDX-License-Identifier: MIT
# test_udp.py - UDP datagrams of many sizes echoed through tether
import pytest

from topology import V4_SERVER, V6_SERVER, PORT_ECHO

SIZES = (0, 1, 64, 512, 1400, 1472, 1473, 4000, 9000, 30000, 60000)


@pytest.mark.parametrize("server", [V4_SERVER, V6_SERVER], ids=["v4", "v6"])
def test_udp_echo_datagram_contents_intact(tether, server):
    res = tether.spawn(tether.tool("tt_client.py", "udp-echo", server,
                                   PORT_ECHO, *SIZES))
    assert res.rc == 0, res
    bad = [r for r in res.results[0]["results"] if r["status"] != "ok"]
    assert not bad, bad


# Runs of equal sizes, a shorter one closing a run, sizes too large to be
# segmented (alone), tiny ones: tether may pass runs of replies to the
# namespace as UDP GSO frames (Linux >= 6.2), which its kernel must split
# back into exactly these datagrams
BURST = "1400x20,700,1400x10,1472x8,1473,4000x2,100x30,9000,1200x20"


@pytest.mark.parametrize("server", [V4_SERVER, V6_SERVER], ids=["v4", "v6"])
def test_udp_burst_datagrams_intact(tether, server):
    res = tether.spawn(tether.tool("tt_client.py", "udp-burst", server,
                                   PORT_ECHO, 7, BURST))
    assert res.rc == 0, res
    r = res.results[0]
    assert not r["bad"], r
    assert r["received"] == r["sent"], r


# A program in the namespace sending with UDP_SEGMENT (QUIC stacks do):
# with USO on the tap (Linux >= 6.2) tether gets one frame for all of
# them and must send them on as separate datagrams
@pytest.mark.parametrize("server", [V4_SERVER, V6_SERVER], ids=["v4", "v6"])
@pytest.mark.parametrize("seg,count", [(1200, 40), (1400, 5), (500, 64)])
def test_udp_gso_send_datagrams_intact(tether, server, seg, count):
    res = tether.spawn(tether.tool("tt_client.py", "udp-gso", server,
                                   PORT_ECHO, seg, count))
    assert res.rc == 0, res
    r = res.results[0]
    assert "error" not in r, r
    assert not r["bad"], r
    assert r["received"] == r["sent"], r
