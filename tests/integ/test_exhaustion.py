# SPDX-License-Identifier: MIT
# test_exhaustion.py - fd exhaustion: a flood of guest SYNs to a host that
# never answers, with tether under a low fd limit. Connects past the fd
# budget are refused at once, the others are reset after tether's connect
# timeout, the fds come back, and a download afterwards is intact.
import os
import shutil
import sys
import tempfile
import time

from topology import V4_SERVER, PORT_HTTP
from exhaust import nfds, settled_fds, tether_pid, wait_path

LIMIT = 300             # RLIMIT_NOFILE, soft and hard, for tether
RESERVE = 128           # fds tether keeps out of its budget, at least
COUNT = 250             # connects: more than the budget, fewer than LIMIT
PORT_SILENT = 7098      # listen(0), never accepts: further SYNs dropped
CONNECT_TIMEOUT = 10    # s, tether's own connect timeout
FAST = 3                # s: "refused at once", a bound against a hang
SLACK = 5               # s on top of the timeout, and fds over baseline

# One connection fills the accept queue of listen(0); then the kernel
# drops SYNs without an answer, as a firewall would
SILENT = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(0)
print("READY", flush=True)
time.sleep(600)
"""


def test_tcp_syn_flood_to_silent_host_bounded_fds_and_recovers(
        tether, topo, files, workdir):
    _, sha, _ = files["big"]
    topo.start(topo.remote, [sys.executable, "-c", SILENT, V4_SERVER,
                             str(PORT_SILENT)], wait_for="READY")
    d = tempfile.mkdtemp(dir=os.path.join(workdir, "rw"))
    os.chmod(d, 0o777)
    try:
        script = (tether.tool("tt_flood.py", V4_SERVER, PORT_SILENT, COUNT,
                              d) +
                  f" && curl -sS --fail --max-time 60 -o - "
                  f"http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum | "
                  f"sed 's/^/SHA /'")
        p = tether.popen(tether.user_argv(
            ["prlimit", f"--nofile={LIMIT}:{LIMIT}", tether.binary,
             "--config-net", "--", "sh", "-c", script]))
        assert wait_path(os.path.join(d, "ready"), p, 30), \
            tether.finish(p, 10)
        pid = tether_pid(p, tether.binary)
        assert pid, tether.finish(p, 10)
        base = settled_fds(pid, p)
        with open(os.path.join(d, "start"), "w"):
            pass

        # while the flood runs: tether's fds, never past its reserve
        peak, done = base, os.path.join(d, "done")
        deadline = time.monotonic() + 45
        while (not os.path.exists(done) and time.monotonic() < deadline
               and p.poll() is None):
            peak = max(peak, nfds(pid) or 0)
            time.sleep(0.05)
        # the flood is over: the fds come back to the baseline
        back = None
        deadline = time.monotonic() + SLACK
        while time.monotonic() < deadline:
            n = nfds(pid)
            if n is not None and n <= base + SLACK:
                back = n
                break
            time.sleep(0.1)
        with open(os.path.join(d, "go"), "w"):
            pass
        res = tether.finish(p, 90)
    finally:
        shutil.rmtree(d, ignore_errors=True)

    assert res.rc == 0, res
    r = res.results[0]
    print(f"fds: baseline {base}, peak {peak}, after {back}; {r}")
    assert r["opened"] == COUNT and not r["errors"], r
    assert r["pending"] == 0, r     # nothing left to the kernel's ~127 s
    assert not r["other"], r
    fast = [t for t in r["refused"] if t < FAST]
    late = [t for t in r["refused"] if t >= FAST]
    # past the budget (at most LIMIT - RESERVE sockets): RST at once
    assert len(fast) >= COUNT - (LIMIT - RESERVE), r
    # the rest: tether's connect timeout, not the kernel's
    assert r["connected"] + len(fast) + len(late) == COUNT, r
    assert all(t < CONNECT_TIMEOUT + SLACK for t in late), r
    # the budget keeps fds free for the control paths
    assert peak <= LIMIT - RESERVE // 2, (base, peak)
    assert back is not None, (base, peak)
    assert res.lines("SHA ")[0][0] == sha, res
