# SPDX-License-Identifier: MIT
# test_runas.py - started as root, tether gives up root (--runas)
#
# As pasta does: root in the initial user namespace switches to nobody
# (or the --runas user) before creating or joining any namespace, and
# drops its supplementary groups. These tests start the binary as the
# real root in HOST (no setpriv) and read /proc/PID/status while it runs.
# Not root, a --runas other than oneself is refused with one line.
import os
import signal
import subprocess
import sys

import pytest

from conftest import run_as
from tether import Tether, wait_until
from topology import PORT_ECHO, V4_SERVER, run

NOBODY = 65534
ALL_CAPS_ZERO = "0000000000000000"


def in_init_userns():
    with open("/proc/self/uid_map") as f:
        return f.read().split() == ["0", "0", "4294967295"]


@pytest.fixture
def root_tether(topo, tether_bin, workdir):
    """The binary under test, run in HOST as the real root"""
    if os.geteuid() != 0 or not in_init_userns():
        pytest.skip("needs the real root (not root of a user namespace)")
    t = Tether(tether_bin, None, workdir, netns=topo.host,
               tools=os.path.join(workdir, "tools"), py=sys.executable)
    yield t
    t.cleanup()


def status(pid):
    """/proc/PID/status as {field: [values]}"""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def passt_argv(tether_bin, workdir, name, extra=()):
    passt = os.path.join(os.path.dirname(tether_bin), "passt")
    sock = os.path.join(workdir, "rw", f"{name}.sock")
    return sock, [passt, "-f", "-s", sock] + list(extra)


def running_status(t, p, sock):
    """Wait until passt listens on @sock; Return: its status"""
    assert wait_until(lambda: os.path.exists(sock) or p.poll() is not None,
                      20), t.finish(p, 1)
    assert p.poll() is None, t.finish(p, 1)
    return status(p.pid)


def check_ids(st, uid, gid):
    assert st["Uid"] == [str(uid)] * 4, st["Uid"]
    assert st["Gid"] == [str(gid)] * 4, st["Gid"]
    assert st["Groups"] == [], st["Groups"]


def test_root_passt_runs_as_nobody_without_capabilities(root_tether,
                                                        tether_bin, workdir):
    t = root_tether
    sock, argv = passt_argv(tether_bin, workdir, "runas-nobody")
    p = t.popen(t.user_argv(argv))
    st = running_status(t, p, sock)
    check_ids(st, NOBODY, NOBODY)
    for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert st[cap] == [ALL_CAPS_ZERO], (cap, st[cap])
    assert os.stat(sock).st_uid == NOBODY, "socket not bound as nobody"
    p.send_signal(signal.SIGTERM)
    t.finish(p, 10)


def test_root_passt_runas_user(root_tether, tether_bin, workdir):
    t = root_tether
    sock, argv = passt_argv(tether_bin, workdir, "runas-1500",
                            ["--runas", "1500"])
    p = t.popen(t.user_argv(argv))
    st = running_status(t, p, sock)
    check_ids(st, 1500, 1500)
    assert st["CapEff"] == [ALL_CAPS_ZERO], st["CapEff"]
    p.send_signal(signal.SIGTERM)
    t.finish(p, 10)


def test_root_pasta_spawn_runs_as_nobody_and_works(root_tether, workdir):
    """Spawning, the switch comes before the user namespace is created:
    nobody owns it, and the tap, the command and traffic still work"""
    t = root_tether
    out = os.path.join(workdir, "rw", "runas-spawn.out")
    if os.path.exists(out):
        os.unlink(out)
    echo = t.tool("tt_client.py", "udp-echo", V4_SERVER, PORT_ECHO, 1, 1400)
    script = f"{echo} > {out}.tmp && mv {out}.tmp {out}; exec sleep 60"
    p = t.popen(t.argv(["-f", "--config-net", "--", "sh", "-c", script]))
    assert wait_until(lambda: os.path.exists(out) or p.poll() is not None,
                      60), t.finish(p, 1)
    assert p.poll() is None, t.finish(p, 1)
    st = status(p.pid)
    check_ids(st, NOBODY, NOBODY)
    # Its capabilities are those of a user namespace nobody owns
    assert os.readlink(f"/proc/{p.pid}/ns/user") != \
        os.readlink("/proc/self/ns/user")
    with open(f"/proc/{p.pid}/uid_map") as f:
        assert f.read().split() == ["0", str(NOBODY), "1"]
    with open(out) as f:
        text = f.read()
    assert '"status": "ok"' in text and "timeout" not in text, text
    p.send_signal(signal.SIGTERM)
    res = t.finish(p, 20)
    assert res.rc == 128 + signal.SIGTERM, res


def test_root_attach_runas_owner_of_namespace(root_tether, tether, topo):
    """Attaching to a namespace uid 1500 owns, as --runas 1500"""
    if run_as() != 1500:
        pytest.skip("needs TT_RUN_AS=1500")
    ns = tether.popen(tether.user_argv(["unshare", "--user",
                                        "--map-root-user", "--net",
                                        "sleep", "300"]),
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the pid is "ip netns exec" until it execs setpriv, then unshare:
    # only a user namespace of its own says unshare got that far
    own = os.readlink("/proc/self/ns/user")
    assert wait_until(lambda: os.path.exists(f"/proc/{ns.pid}/ns/user") and
                      os.readlink(f"/proc/{ns.pid}/ns/user") != own, 20)
    t = root_tether
    p = t.popen(t.argv(["-f", "--runas", "1500", "--config-net",
                        str(ns.pid)]))
    assert wait_until(lambda: p.poll() is not None or
                      run(["nsenter", "-t", str(ns.pid), "-n", "ip", "link",
                           "show", topo.ifname], check=False).returncode == 0,
                      20), t.finish(p, 1)
    assert p.poll() is None, t.finish(p, 1)
    check_ids(status(p.pid), 1500, 1500)
    ns.kill()
    ns.wait(timeout=10)
    res = t.finish(p, 10)
    assert res.rc == 0, res


def test_unprivileged_runas_other_user_fails(tether, tether_bin, workdir):
    sock, argv = passt_argv(tether_bin, workdir, "runas-other",
                            ["--runas", "1501"])
    res = tether.finish(tether.popen(tether.user_argv(argv)), 10)
    assert res.rc == 1, res
    assert "cannot switch to group 1501 (--runas)" in res.err, res
    assert len(res.err.strip().splitlines()) == 1, res


@pytest.fixture
def root_netns(topo):
    """A network namespace of the test's own, made by root (ip netns add),
    so that only root or a --runas 0 tether may enter it"""
    name = f"{topo.prefix}-nso"
    run(["ip", "netns", "add", name])
    yield name
    run(["ip", "netns", "del", name], check=False)


def test_root_netns_only_as_nobody_fails_clearly(root_tether, root_netns):
    """As root, --netns-only to a namespace root made: nobody (the default
    switch) can't enter it, and the one line says so and what to do"""
    res = root_tether.run(["-f", "--netns-only", "--netns",
                           f"/run/netns/{root_netns}", "--config-net"],
                          timeout=30)
    assert res.rc == 1, res
    assert "cannot enter the network namespace" in res.err, res
    assert "--runas" in res.err, res


def test_root_netns_only_runas_0_is_confined_and_works(root_tether, topo,
                                                        root_netns):
    """--runas 0 --netns-only (no user namespace anywhere): tether stays
    root but confined like every other mode, and the namespace gets
    working networking"""
    t = root_tether
    p = t.popen(t.argv(["-f", "--runas", "0", "--netns-only", "--netns",
                        f"/run/netns/{root_netns}", "--config-net"]))
    assert wait_until(lambda: p.poll() is not None or
                      status(p.pid).get("Seccomp") == ["2"], 20), \
        t.finish(p, 1)
    st = status(p.pid)
    check_ids(st, 0, 0)
    assert st["NoNewPrivs"] == ["1"], st
    # CAP_SYS_ADMIN, CAP_NET_BIND_SERVICE; CAP_NET_ADMIN: --config-net
    # while following the host
    caps = (1 << 21) | (1 << 10) | (1 << 12)
    assert int(st["CapEff"][0], 16) == caps, st
    assert st["CapBnd"] == [ALL_CAPS_ZERO], st
    assert os.listdir(f"/proc/{p.pid}/root") == [], "root not empty"
    echo = [sys.executable, os.path.join(t.tools, "tt_client.py"),
            "udp-echo", V4_SERVER, str(PORT_ECHO), "1", "1400"]
    assert wait_until(lambda: run(["ip", "-n", root_netns, "link", "show",
                                   topo.ifname], check=False)
                      .returncode == 0, 20), t.finish(p, 1)
    out = run(["ip", "netns", "exec", root_netns] + echo, check=False)
    assert '"status": "ok"' in out.stdout, (out.stdout, out.stderr)
    p.send_signal(signal.SIGTERM)
    res = t.finish(p, 20)
    assert res.rc == 0, res             # attached: a clean exit on SIGTERM
