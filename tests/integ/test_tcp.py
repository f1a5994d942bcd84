# SPDX-License-Identifier: MIT
# test_tcp.py - TCP through tether: bulk transfers both ways, many
# connections, refused connections, half-close; every byte checksummed
import hashlib
import json
import os
import shutil
import sys

import pytest

from topology import (V4_SERVER, V6_SERVER, PORT_HTTP, PORT_ECHO,
                      PORT_HALFCLOSE, PORT_CLOSED, PORT_IPERF4, PORT_IPERF6)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from tt_servers import tt_data  # noqa: E402

FAMILIES = pytest.mark.parametrize("server", [V4_SERVER, V6_SERVER],
                                   ids=["v4", "v6"])


def url(server, path):
    host = f"[{server}]" if ":" in server else server
    return f"http://{host}:{PORT_HTTP}/{path}"


CURL = "curl -sS -g --fail --max-time 150"


@FAMILIES
def test_tcp_download_big_file_checksum_matches(tether, files, server):
    _, sha, size = files["big"]
    script = (f"exec 3>&1; {{ {CURL} -o - {url(server, 'big')}; "
              f"echo CURLRC $? >&3; }} | sha256sum | sed 's/^/SHA /'")
    res = tether.spawn(script)
    assert res.rc == 0, res
    assert res.lines("CURLRC ") == [["0"]], res
    assert res.lines("SHA ")[0][0] == sha, res


@FAMILIES
def test_tcp_upload_big_file_server_checksum_matches(tether, files, server):
    path, sha, size = files["big"]
    script = (f"exec 3>&1; {{ {CURL} -T {path} {url(server, 'upload')}; "
              f"echo CURLRC $? >&3; }} | sed 's/^/REPLY /'")
    res = tether.spawn(script)
    assert res.rc == 0, res
    assert res.lines("CURLRC ") == [["0"]], res
    assert res.lines("REPLY ") == [[sha, str(size)]], res


@FAMILIES
def test_tcp_200_parallel_connections_all_echo(tether, server):
    res = tether.spawn(tether.tool("tt_client.py", "echo-many", server,
                                   PORT_ECHO, 200, 3000))
    assert res.rc == 0, res
    r = res.results[0]
    assert r["ok"] == r["count"] == 200, json.dumps(r, indent=1)


@FAMILIES
def test_tcp_closed_port_is_refused_not_timed_out(tether, server):
    res = tether.spawn(tether.tool("tt_client.py", "connect", server,
                                   PORT_CLOSED))
    assert res.rc == 0, res
    r = res.results[0]
    assert r["result"] == "ECONNREFUSED", r
    # A bound against a hang (the client gives up after 10 s), not speed
    assert r["elapsed"] < 3, r


@FAMILIES
def test_tcp_half_close_client_still_gets_whole_reply(tether, server):
    size, seed = 8 << 20, 42
    res = tether.spawn(tether.tool("tt_client.py", "halfclose", server,
                                   PORT_HALFCLOSE, size, seed))
    assert res.rc == 0, res
    r = res.results[0]
    assert r.get("length") == size, r
    assert r["sha256"] == hashlib.sha256(tt_data(size, seed)).hexdigest()


@FAMILIES
def test_tcp_iperf3_run_completes(tether, server):
    if not shutil.which("iperf3"):
        pytest.skip("iperf3 not installed")
    port = PORT_IPERF4 if server == V4_SERVER else PORT_IPERF6
    res = tether.spawn(f"iperf3 -c {server} -p {port} -t 2 -J "
                       f"--connect-timeout 5000", timeout=60)
    assert res.rc == 0, res
    out = json.loads(res.out[res.out.index("{"):])
    assert "error" not in out, out["error"]
    assert out["end"]["sum_received"]["bytes"] > 0


@pytest.mark.parametrize("threads", ["1", "3"])
def test_tcp_threads_queues_and_many_connections(tether, files, threads):
    """--threads N: a tap with N queues (multi-queue from 2), one loop per
    queue; 200 connections spread over the queues all echo, and a
    download arrives intact by SHA-256, whichever loop owns it. Service
    frames (ARP, NDP) reach loop 0 from any queue: the echo needs them"""
    _, sha, _ = files["big"]
    script = ("ip -d link show | sed -n 's/.*numqueues \\([0-9]*\\).*/"
              "QUEUES \\1/p'; "
              + tether.tool("tt_client.py", "echo-many", V4_SERVER,
                            PORT_ECHO, 200, 3000) + "; "
              + tether.tool("tt_client.py", "echo-many", V6_SERVER,
                            PORT_ECHO, 100, 3000) + "; "
              f"{CURL} -o - {url(V4_SERVER, 'big')} | sha256sum | "
              "sed 's/^/SHA /'")
    res = tether.spawn(script, opts=["--threads", threads])
    assert res.rc == 0, res
    if threads == "1":
        assert res.lines("QUEUES ") == [], res      # not multi-queue
    else:
        assert res.lines("QUEUES ") == [[threads]], res
    for r in res.results:
        assert r["ok"] == r["count"], json.dumps(r, indent=1)
    assert len(res.results) == 2, res
    assert res.lines("SHA ")[0][0] == sha, res
