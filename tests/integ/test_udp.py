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
