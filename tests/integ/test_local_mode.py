# SPDX-License-Identifier: MIT
# test_local_mode.py - a host with no route at all (offline, a sandbox)
"""
Local mode: when the host has no interface with a route, pasta still gives
the namespace IPv4 networking with link-local addresses (169.254.2.1/16,
gateway 169.254.2.2), and the gateway address reaches the host's loopback.

The test builds its own namespace "LONE" with only lo in it, runs a
checksum server on LONE's 127.0.0.1, and tether (as the unprivileged user)
in LONE. Nothing leaves LONE.
"""

import hashlib
import os
import socket
import subprocess
import sys
import threading

import pytest

from tether import Tether
from conftest import run_as
from topology import run

PORT = 7031
SIZE = 4 << 20

CLIENT = r"""
import hashlib, random, socket, sys
size, port = int(sys.argv[1]), int(sys.argv[2])
data = random.Random(7).randbytes(size)
s = socket.create_connection(("169.254.2.2", port), timeout=20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
print("SENT", hashlib.sha256(data).hexdigest())
print("GOT", got.decode().strip())
"""


@pytest.fixture
def lone(workdir):
    """A network namespace with lo only, and a checksum server on its
    127.0.0.1 that answers every connection with the SHA-256 it read"""
    name = f"tt{os.getpid()}-lone"
    run(["ip", "netns", "add", name])
    srv = None
    try:
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        run(["ip", "netns", "exec", name, "sysctl", "-qw",
             "net.ipv4.ping_group_range=0 2147483647"], check=False)
        code = ("import hashlib, socket\n"
                "l = socket.socket()\n"
                "l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                f"l.bind(('127.0.0.1', {PORT})); l.listen(4)\n"
                "print('READY', flush=True)\n"
                "l.settimeout(60)\n"
                "for _ in range(4):\n"
                "    c, _a = l.accept(); c.settimeout(20); "
                "h = hashlib.sha256()\n"
                "    while True:\n"
                "        d = c.recv(65536)\n"
                "        if not d: break\n"
                "        h.update(d)\n"
                "    c.sendall(h.hexdigest().encode() + b'\\n'); c.close()\n")
        srv = subprocess.Popen(["ip", "netns", "exec", name, sys.executable,
                                "-c", code], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True,
                               start_new_session=True)
        ready = {}
        t = threading.Thread(target=lambda: ready.setdefault(
            "line", srv.stdout.readline()))
        t.start()
        t.join(20)
        assert ready.get("line", "").startswith("READY"), "server"
        script = os.path.join(workdir, "tt_local_client.py")
        with open(script, "w") as f:
            f.write(CLIENT)
        os.chmod(script, 0o644)
        yield name, script
    finally:
        if srv:
            srv.kill()
            srv.wait(timeout=10)
        run(["ip", "netns", "del", name], check=False)


def test_local_mode_link_local_ipv4_reaches_host_loopback(lone, tether_bin,
                                                          workdir):
    name, script = lone
    t = Tether(tether_bin, run_as(), workdir, netns=name)
    try:
        cmd = ("ip -4 addr show; ip -4 route show; "
               f"{sys.executable} {script} {SIZE} {PORT}")
        res = t.run(["--config-net", "--", "sh", "-c", cmd], timeout=120)
    finally:
        t.cleanup()
    assert res.rc == 0, res
    assert "inet 169.254.2.1/16" in res.out, res
    assert "default via 169.254.2.2" in res.out, res
    assert "local mode" in res.err, res
    sent = [ln.split()[1] for ln in res.out.splitlines()
            if ln.startswith("SENT ")]
    got = [ln.split()[1] for ln in res.out.splitlines()
           if ln.startswith("GOT ")]
    expect = hashlib.sha256(
        __import__("random").Random(7).randbytes(SIZE)).hexdigest()
    assert sent == got == [expect], res


def test_local_mode_needs_ipv4(lone, tether_bin, workdir):
    """-6 on a host without routes: nothing to serve, one line, exit 1"""
    name, _ = lone
    t = Tether(tether_bin, run_as(), workdir, netns=name)
    try:
        res = t.run(["--quiet", "-6", "--config-net", "--", "true"],
                    timeout=60)
    finally:
        t.cleanup()
    assert res.rc == 1, res
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "IPv6" in lines[0], res
