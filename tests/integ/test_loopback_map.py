# SPDX-License-Identifier: MIT
# test_loopback_map.py - the gateway address reaches HOST's loopback
#
# HOST's "hostlo" server listens on 127.0.0.1 and ::1 only; REMOTE (which
# owns the gateway addresses) has nothing on that port. So an answer from
# "hostlo" proves tether mapped gateway -> host loopback.
import pytest

from topology import V4_GW, V6_GW, PORT_HOSTLO

CASES = [(V4_GW, "127.0.0.1"), (V6_GW, "::1")]


@pytest.mark.parametrize("gw,lo", CASES, ids=["v4", "v6"])
def test_tcp_to_gateway_reaches_host_loopback(tether, gw, lo):
    res = tether.spawn(tether.tool("tt_client.py", "banner", gw, PORT_HOSTLO,
                                   "tcp"))
    assert res.rc == 0, res
    r = res.results[0]
    assert r.get("banner") == f"hostlo {lo}", r
    assert r["echo"] == "ping", r


@pytest.mark.parametrize("gw,lo", CASES, ids=["v4", "v6"])
def test_udp_to_gateway_reaches_host_loopback(tether, gw, lo):
    res = tether.spawn(tether.tool("tt_client.py", "banner", gw, PORT_HOSTLO,
                                   "udp"))
    assert res.rc == 0, res
    assert res.results[0].get("banner") == "hostlo hello", res
