# SPDX-License-Identifier: MIT
# test_ns_life.py - pasta's process life: exit status, signals, attach, quit
"""
    HOST (tether runs here, unprivileged)
      |-- spawn: tether -- CMD        new user/net/mount/uts/pid namespaces
      |-- attach: unshare -Urn sleep  tether PID        (daemon, exits when
      |                                                  the sleep is gone)
      `-- Podman-like: unshare -Urm, netns bound to a file on a tmpfs,
          tether --netns FILE          (daemon, exits when FILE goes)
"""
import os
import signal
import time

from tether import wait_until


def gone(pid):
    """Exited (a zombie counts: whoever reaps it may be slow)"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_spawn_exit_status_is_the_commands(tether):
    assert tether.spawn("exit 7", timeout=60).rc == 7


def test_spawn_command_killed_by_signal_gives_128_plus_n(tether):
    assert tether.spawn("kill -TERM $$", timeout=60).rc == 128 + 15
    assert tether.spawn("kill -KILL $$", timeout=60).rc == 128 + 9


def test_spawn_missing_command_exits_127_with_message(tether):
    res = tether.run(["--", "no-such-command-tt"], timeout=60)
    assert res.rc == 127, res
    assert "cannot run 'no-such-command-tt'" in res.err, res


def test_spawn_command_is_root_with_own_pid_namespace(tether):
    res = tether.spawn("id -u; echo pid $$; cat /proc/sys/net/ipv4/"
                       "ping_group_range", timeout=60)
    assert res.rc == 0, res
    lines = res.out.split("\n")
    assert lines[0] == "0", res
    assert lines[1] == "pid 2", res       # under pasta's tiny init
    assert lines[2].split() == ["0", "0"], res


def test_sigterm_to_pasta_reaches_the_command(tether):
    p = tether.popen(tether.argv(["--config-net", "--", "sleep", "60"]))
    time.sleep(1)
    assert p.poll() is None, "pasta exited early"
    t0 = time.monotonic()
    # p.pid may be "ip netns exec": signal its descendant pasta instead
    os.killpg(p.pid, signal.SIGTERM)
    res = tether.finish(p, timeout=10)
    assert res.rc == 128 + 15, res
    assert time.monotonic() - t0 < 5


def test_attach_to_pid_daemonizes_and_quits_when_target_exits(tether, topo,
                                                             workdir):
    sleeper = tether.popen(tether.user_argv(["unshare", "-Urn", "sleep",
                                             "60"]))
    # unshare execs sleep: wait until the pid runs in its own netns
    own = os.readlink("/proc/self/ns/net")
    assert wait_until(lambda: not gone(sleeper.pid) and
                      os.readlink(f"/proc/{sleeper.pid}/ns/net") != own, 10)
    pidfile = os.path.join(workdir, "rw", f"attach-{os.getpid()}.pid")

    t0 = time.monotonic()
    res = tether.run(["--config-net", "-P", pidfile, str(sleeper.pid)],
                     timeout=20)       # returns: stdout/stderr let go
    assert res.rc == 0, res
    assert time.monotonic() - t0 < 10
    with open(pidfile) as f:
        daemon = int(f.read())
    tether.track_pid(daemon)
    assert not gone(daemon)

    out = topo.ns_run(topo.host, ["nsenter", "-t", str(sleeper.pid), "-n",
                                  "ip", "-br", "addr"]).stdout
    assert topo.ifname in out, out

    sleeper.kill()
    sleeper.wait(timeout=5)
    assert wait_until(lambda: gone(daemon), 5), "daemon still running"
    os.unlink(pidfile)


PODMAN_LIKE = """
set -e
mount -t tmpfs tmpfs "$D"
touch "$D/netns"
unshare --net="$D/netns" true
"$BIN" --config-net -q -P "$D/pid" --netns "$D/netns"
echo "rc $?"
echo "addrs $(nsenter --net="$D/netns" ip -br addr | tr '\\n' ' ')"
pid=$(cat "$D/pid")
umount -l "$D/netns"
rm "$D/netns"
i=0
while [ $i -lt 50 ] && [ -d /proc/$pid ] &&
      [ "$(cut -d' ' -f3 /proc/$pid/stat)" != Z ]; do
    sleep 0.1
    i=$((i + 1))
done
echo "waited $i"
"""


def test_netns_file_daemon_quits_when_file_is_removed(tether, topo, workdir):
    d = os.path.join(workdir, "rw", f"netns-{os.getpid()}")
    os.mkdir(d)
    os.chmod(d, 0o777)
    argv = tether.user_argv(["env", f"D={d}", f"BIN={tether.binary}",
                             "unshare", "-Urm", "sh", "-c", PODMAN_LIKE])
    res = tether.finish(tether.popen(argv), timeout=30)
    assert res.rc == 0, res
    words = {line.split()[0]: line.split()[1:]
             for line in res.out.splitlines() if line.strip()}
    assert words["rc"] == ["0"], res
    assert topo.ifname in words["addrs"], res
    assert int(words["waited"][0]) < 30, res   # under 3 s
    os.rmdir(d)
