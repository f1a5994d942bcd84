# SPDX-License-Identifier: MIT
# test_rootlesskit.py - RootlessKit 1.1 (Docker rootless, nerdctl) with
# --net=slirp4netns --slirp4netns-binary=build/slirp4netns, as the
# unprivileged user in HOST: the child's network and a 64 MiB download by
# SHA-256, and -p served with both port drivers (slirp4netns's API socket,
# and RootlessKit's builtin one)
import os
import shutil

import pytest

from tether import Tether
from topology import PORT_HTTP, V4_SERVER, run
from conftest import run_as

CURL = "curl -sS -g --fail --max-time 150"


@pytest.fixture
def rk(topo, tether_bin, workdir):
    if not shutil.which("rootlesskit") or not shutil.which("newuidmap"):
        pytest.skip("needs rootlesskit and uidmap")
    if os.geteuid() != 0 or run_as() != 1500:
        pytest.skip("needs root and TT_RUN_AS=1500")
    slirp = os.path.join(os.path.dirname(os.path.abspath(tether_bin)),
                         "slirp4netns")
    t = Tether(slirp, run_as(), workdir, netns=topo.host)
    yield t
    t.cleanup()


@pytest.mark.parametrize("driver", ["slirp4netns", "builtin"])
def test_rootlesskit_child_network_and_published_port(rk, files, workdir,
                                                      driver):
    state = os.path.join(workdir, "rw", f"rk-state-{driver}")
    done = os.path.join(workdir, "rw", f"rk-done-{driver}")
    for p in (state, done):
        if os.path.exists(p):
            shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
    _, sha, _ = files["big"]
    www = os.path.dirname(files["big"][0])
    port = 28090 if driver == "builtin" else 28091
    child = (
        "ip -o -4 addr show tap0; "
        f"{CURL} -o - http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum | "
        "sed 's/^/SHA /'; "
        f"busybox httpd -f -p 8080 -h {www} & echo READY; "
        f"for i in $(seq 600); do [ -e {done} ] && break; sleep 0.1; done; "
        "kill $!")
    p = rk.popen(rk.user_argv([
        "rootlesskit", f"--state-dir={state}", "--net=slirp4netns",
        f"--slirp4netns-binary={rk.binary}", "--disable-host-loopback",
        f"--port-driver={driver}", "-p", f"0.0.0.0:{port}:8080/tcp",
        "sh", "-c", child]))
    try:
        fetch = (f"for i in $(seq 100); do curl -sS --fail -o /dev/null "
                 f"http://127.0.0.1:{port}/small 2>/dev/null && break; "
                 f"sleep 0.2; done; {CURL} -o - http://127.0.0.1:{port}/big"
                 " | sha256sum")
        got = run(rk.user_argv(["sh", "-c", fetch]), timeout=180,
                  check=False)
    finally:
        with open(done, "w"):
            pass
    res = rk.finish(p, 60)
    assert res.rc == 0, res
    assert "inet 10.0.2.100/24" in res.out, res
    assert res.lines("SHA ") and res.lines("SHA ")[0][0] == sha, res
    assert got.stdout.split()[:1] == [sha], got.stdout + got.stderr
