# SPDX-License-Identifier: MIT
# test_lifecycle.py - tether's life follows the namespace's
#
# Spawn mode: tether returns the command's exit status (128 + N when the
# command is killed by signal N). Attach mode: tether daemonizes (its
# stdout closes, the parent returns 0), configures the tap in the target
# namespace, and exits by itself once that namespace is gone.
import json
import os
import signal
import subprocess

from tether import wait_until
from topology import V4_HOST, pid_alive, descendants, run


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def test_spawn_returns_command_exit_status(tether):
    res = tether.spawn("exit 7", timeout=60)
    assert res.rc == 7, res


def test_spawn_command_killed_by_signal_gives_128_plus_signal(tether):
    p = tether.popen(tether.argv(["--config-net", "--", "sleep", "300"]))
    sleeper = wait_until(lambda: [c for c in descendants(p.pid)
                                  if comm(c) == "sleep"], 20)
    assert sleeper, tether.finish(p, 1)
    os.kill(sleeper[0], signal.SIGKILL)
    res = tether.finish(p, 20)
    assert res.rc == 128 + signal.SIGKILL, res


def start_namespace(tether):
    """A user+net namespace owned by the unprivileged user, kept by sleep"""
    p = tether.popen(tether.user_argv(["unshare", "--user", "--map-root-user",
                                       "--net", "sleep", "300"]),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    own = os.readlink("/proc/self/ns/net")

    def ready():
        try:
            return comm(p.pid) == "sleep" and \
                os.readlink(f"/proc/{p.pid}/ns/net") != own
        except OSError:
            return False
    assert wait_until(ready, 20), "unshare sleep did not start"
    return p


def check_attach(tether, topo, workdir, args, name):
    ns = start_namespace(tether)
    pidfile = os.path.join(workdir, "rw", f"{name}.pid")
    argv = ["--config-net", "-P", pidfile] + \
        [a.replace("PID", str(ns.pid)) for a in args]
    # communicate() returns only once every holder of the stdout/stderr
    # pipes closed them: i.e. the daemon let go of the terminal
    res = tether.run(argv, timeout=30)
    assert not res.timed_out, f"stdout/stderr not closed: daemonized?\n{res}"
    assert res.rc == 0, res

    assert wait_until(lambda: os.path.exists(pidfile) and
                      open(pidfile).read().strip(), 10), "no PID file"
    daemon = int(open(pidfile).read())
    tether.track_pid(daemon)
    assert pid_alive(daemon), "daemon not running"

    links = json.loads(run(["nsenter", "-t", str(ns.pid), "-n", "ip", "-j",
                            "addr", "show"]).stdout)
    tap = [link for link in links if link["ifname"] == topo.ifname]
    assert tap, f"no {topo.ifname} in the namespace: {links}"
    assert V4_HOST in [a["local"] for a in tap[0]["addr_info"]]

    ns.kill()
    ns.wait(timeout=10)
    assert wait_until(lambda: not pid_alive(daemon), 10), \
        "tether still running 10 s after its namespace went away"


def test_attach_to_pid_daemonizes_and_exits_with_namespace(tether, topo,
                                                           workdir):
    check_attach(tether, topo, workdir, ["PID"], "pid")


def test_attach_netns_path_userns_exits_with_namespace(tether, topo,
                                                       workdir):
    check_attach(tether, topo, workdir,
                 ["--userns", "/proc/PID/ns/user",
                  "--netns", "/proc/PID/ns/net"], "path")


def test_attach_foreground_exits_0_when_namespace_goes(tether, topo):
    ns = start_namespace(tether)
    p = tether.popen(tether.argv(["--config-net", "-f", str(ns.pid)]))
    assert wait_until(lambda: run(["nsenter", "-t", str(ns.pid), "-n", "ip",
                                   "link", "show", topo.ifname],
                                  check=False).returncode == 0, 20), \
        tether.finish(p, 1)
    assert p.poll() is None, tether.finish(p, 1)
    ns.kill()
    ns.wait(timeout=10)
    res = tether.finish(p, 10)
    assert res.rc == 0, res
