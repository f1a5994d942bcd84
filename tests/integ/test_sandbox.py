# SPDX-License-Identifier: MIT
# test_sandbox.py - a running tether is confined, in every mode: no new
# privileges, a seccomp filter, the documented capabilities (none for
# passt; CAP_SYS_ADMIN and CAP_NET_BIND_SERVICE in its own namespaces for
# pasta, and CAP_NET_ADMIN there with --config-net while following the
# host), an empty root, no fd but those its options name; and, with a
# test-only build, a call outside the filter kills it and a file open
# through a directory fd kept from before fails under Landlock.
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from tether import Tether, wait_until
from conftest import run_as

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CAP_NET_BIND_SERVICE = 10
CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21
PASTA_CAPS = 1 << CAP_SYS_ADMIN | 1 << CAP_NET_BIND_SERVICE
# --config-net, following the host: the namespace's addresses and routes
# are changed through the netlink socket opened there at start-up
PASTA_FOLLOW_CAPS = PASTA_CAPS | 1 << CAP_NET_ADMIN
SIGSYS = signal.SIGSYS


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f
                    if ":\t" in line)


def sandboxed(pid):
    try:
        return status(pid).get("Seccomp") == "2"
    except OSError:
        return False


def fd_targets(pid):
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return out


# What an fd of a sandboxed tether may be: sockets, pipes, epoll, timers,
# signals, eventfds, inotify, pidfds, the tap, namespaces, /proc/net files
# of auto forwarding, /dev/null (daemon), and the files named in @named.
# Once the old root is detached, the kernel names a file from its own
# mount's root: /dev/net/tun reads "/net/tun", /proc/PID/net/tcp
# "/PID/net/tcp", /dev/null "/null"
ANON = ("socket:[", "pipe:[", "anon_inode:", "net:[")
DEVS = ("/dev/net/tun", "/net/tun", "/dev/null", "/null")
PROCNET = re.compile(r"^(/proc)?/[0-9]+/net/(tcp|udp)6?$")
# Following the host: a resolv.conf mounted over /etc/resolv.conf (ip
# netns exec, a container) is read again through the fd opened at start
RESOLV = re.compile(r"^/.*resolv\.conf$")


def check_confined(pid, caps, named=()):
    st = status(pid)
    assert st["NoNewPrivs"] == "1", st
    assert st["Seccomp"] == "2", st
    assert int(st["CapEff"], 16) == caps, st
    assert int(st["CapPrm"], 16) == caps, st
    assert int(st["CapInh"], 16) == 0, st
    assert int(st["CapAmb"], 16) == 0, st
    assert int(st["CapBnd"], 16) == 0, st
    assert os.listdir(f"/proc/{pid}/root") == [], "root not empty"
    assert os.readlink(f"/proc/{pid}/ns/mnt") != \
        os.readlink("/proc/self/ns/mnt")
    bad = {fd: t for fd, t in fd_targets(pid).items() if fd > 2 and
           not t.startswith(ANON) and t not in DEVS and
           t not in named and not PROCNET.match(t) and not RESOLV.match(t)}
    assert not bad, bad


def tether_pid(p, binary):
    """The tether process under p (ip netns exec, setpriv execs)"""
    real = os.path.realpath(binary)
    for pid in [p.pid] + children(p.pid):
        try:
            if os.path.realpath(f"/proc/{pid}/exe") == real:
                return pid
        except OSError:
            continue
    return None


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                         capture_output=True, text=True).stdout.split()
    res = [int(x) for x in out]
    for c in list(res):
        res += children(c)
    return res


def go_script(d):
    """A command that waits (bounded) for the test to say go"""
    return (f"i=0; while [ ! -e {d}/go ] && [ $i -lt 600 ]; do "
            f"sleep 0.1; i=$((i+1)); done")


@pytest.fixture
def godir(workdir):
    d = os.path.join(workdir, "rw", f"sb-{os.getpid()}-{time.monotonic_ns()}")
    os.makedirs(d)
    os.chmod(d, 0o777)
    yield d


@pytest.mark.parametrize("follow", [True, False],
                         ids=["following", "no-follow-host"])
def test_spawn_is_confined(tether, godir, follow):
    opts = [] if follow else ["--no-follow-host"]
    p = tether.popen(tether.argv(["-f", "--config-net"] + opts +
                                 ["--", "sh", "-c", go_script(godir)]))
    try:
        assert wait_until(lambda: tether_pid(p, tether.binary) and
                          sandboxed(tether_pid(p, tether.binary)), 30), \
            tether.finish(p, 5)
        check_confined(tether_pid(p, tether.binary),
                       PASTA_FOLLOW_CAPS if follow else PASTA_CAPS)
    finally:
        open(os.path.join(godir, "go"), "w").close()
    res = tether.finish(p, 30)
    assert res.rc == 0, res


def test_attach_daemon_is_confined(tether, workdir):
    sleeper = tether.popen(tether.user_argv(["unshare", "-Urn", "sleep",
                                             "60"]))
    own = os.readlink("/proc/self/ns/net")
    assert wait_until(lambda: os.path.exists(f"/proc/{sleeper.pid}") and
                      os.readlink(f"/proc/{sleeper.pid}/ns/net") != own, 10)
    pidfile = os.path.join(workdir, "rw", f"sb-attach-{os.getpid()}.pid")
    res = tether.run(["--config-net", "-P", pidfile, str(sleeper.pid)],
                     timeout=30)
    assert res.rc == 0, res
    with open(pidfile) as f:
        daemon = int(f.read())
    tether.track_pid(daemon)
    try:
        assert wait_until(lambda: sandboxed(daemon), 10)
        check_confined(daemon, PASTA_FOLLOW_CAPS)
    finally:
        sleeper.kill()
        sleeper.wait(timeout=5)
        os.unlink(pidfile)
    assert wait_until(lambda: not os.path.exists(f"/proc/{daemon}/status")
                      or status(daemon)["State"].startswith("Z"), 10)


def passt_of(tether_bin):
    return os.path.join(os.path.dirname(tether_bin), "passt")


def test_passt_socket_is_confined_in_its_own_user_namespace(
        topo, tether_bin, workdir):
    t = Tether(passt_of(tether_bin), run_as(), workdir, netns=topo.host)
    path = os.path.join(workdir, "rw", f"sb-{os.getpid()}.sock")
    pcap = os.path.join(workdir, "rw", f"sb-{os.getpid()}.pcap")
    try:
        p = t.popen(t.argv(["-f", "-s", path, "-p", pcap]))
        assert wait_until(lambda: tether_pid(p, t.binary) and
                          sandboxed(tether_pid(p, t.binary)), 30), \
            t.finish(p, 5)
        pid = tether_pid(p, t.binary)
        check_confined(pid, 0, named=(pcap,))
        # muvm's "strict" policy: a user namespace of its own
        assert os.readlink(f"/proc/{pid}/ns/user") != \
            os.readlink("/proc/self/ns/user")
        # and it still works: a QEMU-like client gets a DHCP-sized answer
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        s.close()
        p.send_signal(signal.SIGTERM)
        res = t.finish(p, 10)
        assert res.rc in (0, -signal.SIGTERM), res
    finally:
        t.cleanup()


def test_passt_fd_is_confined(topo, tether_bin, workdir):
    t = Tether(passt_of(tether_bin), run_as(), workdir, netns=topo.host)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        fd = theirs.fileno()
        p = t.popen(t.argv(["-f", "-F", str(fd)]), pass_fds=(fd,))
        theirs.close()
        assert wait_until(lambda: tether_pid(p, t.binary) and
                          sandboxed(tether_pid(p, t.binary)), 30), \
            t.finish(p, 5)
        check_confined(tether_pid(p, t.binary), 0)
        ours.close()            # one client: it exits when we go
        res = t.finish(p, 10)
        assert res.rc == 0, res
    finally:
        ours.close()
        t.cleanup()


def test_inherited_fds_are_closed(tether, godir, workdir):
    leak = open(os.path.join(workdir, "rw", f"sb-leak-{os.getpid()}"), "w")
    try:
        p = tether.popen(tether.argv(["-f", "--config-net", "--", "sh",
                                      "-c", go_script(godir)]),
                         pass_fds=(leak.fileno(),))
        try:
            assert wait_until(lambda: tether_pid(p, tether.binary) and
                              sandboxed(tether_pid(p, tether.binary)), 30)
            targets = fd_targets(tether_pid(p, tether.binary)).values()
            assert leak.name not in targets, targets
        finally:
            open(os.path.join(godir, "go"), "w").close()
        assert tether.finish(p, 30).rc == 0
    finally:
        leak.close()


def test_no_sandbox_says_so(tether, godir):
    res = tether.spawn("true", opts=["--no-sandbox"])
    assert res.rc == 0, res
    assert "sandbox off" in res.err, res


# -- the test-only build: triggers compiled out of the release binary --

@pytest.fixture(scope="session")
def sbtest_bin():
    build = os.path.join(REPO, "build-sbtest")
    r = subprocess.run(["make", "-s", f"BUILD={build}", "SANDBOX_TEST=1",
                        "all"], cwd=REPO, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return os.path.join(build, "passt")


def test_release_binary_has_no_trigger(tether_bin):
    with open(os.path.realpath(tether_bin), "rb") as f:
        assert b"TETHER_SANDBOX_TEST" not in f.read()


def run_trigger(topo, binary, workdir, what):
    t = Tether(binary, run_as(), workdir, netns=topo.host)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    env = dict(t.env(), TETHER_SANDBOX_TEST=what)
    try:
        fd = theirs.fileno()
        p = subprocess.Popen(t.argv(["-f", "-d", "-F", str(fd)]), env=env,
                             pass_fds=(fd,), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
        t.procs.append(p)
        theirs.close()
        if what == "landlock":
            assert wait_until(lambda: tether_pid(p, t.binary) and
                              sandboxed(tether_pid(p, t.binary)), 30)
            ours.close()
        return t.finish(p, 30)
    finally:
        ours.close()
        t.cleanup()


def test_call_outside_the_filter_kills(topo, sbtest_bin, workdir):
    res = run_trigger(topo, sbtest_bin, workdir, "seccomp")
    assert "sandbox test: calling uname()" in res.err, res
    assert res.rc in (-SIGSYS, 128 + SIGSYS), res


def test_file_open_fails_under_landlock(topo, sbtest_bin, workdir):
    res = run_trigger(topo, sbtest_bin, workdir, "landlock")
    line = [x for x in res.err.splitlines() if "sandbox test: open" in x]
    assert line and "Permission denied" in line[0], res
    assert res.rc == 0, res
