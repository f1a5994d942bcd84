# SPDX-License-Identifier: MIT
# test_icmp.py - ping from the namespace reaches the remote server
import pytest

from topology import V4_SERVER, V6_SERVER


@pytest.mark.parametrize("server", [V4_SERVER, V6_SERVER], ids=["v4", "v6"])
def test_ping_remote_server_gets_replies(tether, server):
    res = tether.spawn(f"ping -c 3 -W 2 {server}", timeout=60)
    assert res.rc == 0, res
    assert " 3 received" in res.out, res
