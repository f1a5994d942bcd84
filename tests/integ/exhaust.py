# SPDX-License-Identifier: MIT
# exhaust.py - one flood scenario against tether, measured from outside
"""
run_flood() starts tether (under a lowered RLIMIT_NOFILE, with prlimit)
with a script that, inside its namespace:

  1. runs a flood or hold command of tests/tools/tt_exhaust.py, which
     writes DIR/ready, waits for DIR/start, and writes DIR/done;
  2. runs a well-behaved probe (tt_exhaust.py probe) right after: how
     long until tether serves a normal exchange again;
  3. writes DIR/probed, waits (bounded) for DIR/go;
  4. does 1-3 again (a second round: the same flood must not leave more
     fds behind than the first), then downloads /big over HTTP through
     tether and prints its SHA-256.

Meanwhile the harness reads tether's /proc: fds and VmRSS before, the
peak during, and after the flood; the time until the fds are back to the
baseline; the CPU time tether uses over IDLE_S idle seconds once all is
over. Every wait is bounded.
"""

import os
import re
import shutil
import tempfile
import time

from topology import V4_SERVER, PORT_HTTP, descendants

IDLE_S = 3              # s of idle after the flood, CPU time measured
HZ = os.sysconf("SC_CLK_TCK")


def nfds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def settled_fds(pid, p, still=1.5, bound=10):
    """@pid's fd count once it has held still for @still s (at most @bound
    s): the baseline of a process at rest. Right after start-up tether is
    still settling: its first forwarding scan can take sockets from the
    namespace's pool, which its next periodic top-up (500 ms) replaces, so
    a count read at once can be a few fds short of its resting one."""
    n = nfds(pid)
    now = time.monotonic()
    deadline, since = now + bound, now
    while (now < deadline and now - since < still and p.poll() is None):
        time.sleep(0.1)
        m, now = nfds(pid), time.monotonic()
        if m != n:
            n, since = m, now
    return n


def status_field(pid, key):
    """The number in @pid's /proc status line @key ("VmRSS"), or None"""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def threads(pid):
    """Threads of @pid: tether's loops, each with flow tables of its own"""
    return status_field(pid, "Threads") or 1


def rss_kb(pid):
    return status_field(pid, "VmRSS")


def cpu_s(pid):
    """utime + stime of pid, in seconds"""
    with open(f"/proc/{pid}/stat") as f:
        w = f.read().rsplit(")", 1)[1].split()
    return (int(w[11]) + int(w[12])) / HZ


def tether_pid(p, binary):
    """The tether process under p (ip netns exec, setpriv, prlimit exec)"""
    real = os.path.realpath(binary)
    for pid in [p.pid] + descendants(p.pid):
        try:
            if os.path.realpath(f"/proc/{pid}/exe") == real:
                return pid
        except OSError:
            continue
    return None


def wait_path(path, p, bound):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return os.path.exists(path)


def log_shapes(text):
    """tether's log lines by shape (digits blanked): shape -> count"""
    out = {}
    for line in text.splitlines():
        if not line.startswith(("tether:", "pasta:", "passt:")):
            continue
        k = re.sub(r"[0-9]+", "N", line)[:80]
        out[k] = out.get(k, 0) + 1
    return out


class Flood:
    """What one scenario measured"""

    loops = 1

    def __str__(self):
        return (f"fds {self.fd_base}/{self.fd_peak}/{self.fd_after} "
                f"(back in {self.fd_back_s} s), RSS KiB "
                f"{self.rss_base}/{self.rss_peak}/{self.rss_after}, "
                f"idle CPU {self.idle_cpu:.3f} s in {IDLE_S} s, "
                f"flood CPU {self.flood_cpu:.2f} s, loops {self.loops}, "
                f"log lines {self.log_total} (max/shape "
                f"{self.log_max}), run {self.run_s:.1f} s; "
                f"flood {self.flood}; probe {self.probe}")

    __repr__ = __str__


def run_flood(tether, workdir, files, cmd, probe, limit, fd_slack,
              fd_back_bound, flood_bound=40, rounds=2):
    """Run one scenario, @rounds floods in a row in one tether: cmd, probe
    are tt_exhaust.py argument lists (without --dir). Returns the Flood of
    each round, the tether Result as .res of the last"""
    _, sha, _ = files["big"]
    d = tempfile.mkdtemp(dir=os.path.join(workdir, "rw"))
    os.chmod(d, 0o777)
    ms = [Flood() for _ in range(rounds)]
    try:
        script = "set -e\n"
        for r in range(rounds):
            rd = os.path.join(d, str(r))
            os.mkdir(rd)
            os.chmod(rd, 0o777)
            script += (
                f"{tether.tool('tt_exhaust.py', *cmd, '--dir', rd)}\n"
                f"{tether.tool('tt_exhaust.py', *probe)}\n"
                f": > {rd}/probed\n"
                f"i=0; while [ ! -e {rd}/go ] && [ $i -lt 600 ]; do "
                f"sleep 0.1; i=$((i + 1)); done\n")
        script += (f"curl -sS --fail --max-time 60 -o - "
                   f"http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum | "
                   f"sed 's/^/SHA /'\n")
        t_start = time.monotonic()
        p = tether.popen(tether.user_argv(
            ["prlimit", f"--nofile={limit}:{limit}", tether.binary,
             "--config-net", "--", "sh", "-c", script]))
        pid = None
        for r, m in enumerate(ms):
            rd = os.path.join(d, str(r))
            assert wait_path(os.path.join(rd, "ready"), p, 30), \
                tether.finish(p, 10)
            pid = pid or tether_pid(p, tether.binary)
            assert pid, tether.finish(p, 10)
            _measure(m, pid, p, rd, fd_slack, fd_back_bound, flood_bound)
        res = tether.finish(p, 120)
        run_s = time.monotonic() - t_start
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert res.rc == 0, res
    shapes = log_shapes(res.out + res.err)
    for r, m in enumerate(ms):
        m.res = res
        m.run_s = run_s
        m.flood, m.probe = res.results[2 * r], res.results[2 * r + 1]
        m.sha_ok = bool(res.lines("SHA ")) and res.lines("SHA ")[0][0] == sha
        m.log_total = sum(shapes.values())
        m.log_max = max(shapes.values(), default=0)
        m.log_shapes = shapes
        print(f"measured, round {r + 1}: {m}")
    return ms


def _measure(m, pid, p, rd, fd_slack, fd_back_bound, flood_bound):
    """One round, from DIR/ready to DIR/go"""
    m.fd_base, m.rss_base = settled_fds(pid, p), rss_kb(pid)
    m.loops = threads(pid)
    cpu0 = cpu_s(pid)
    with open(os.path.join(rd, "start"), "w"):
        pass

    # during: the peaks
    m.fd_peak, m.rss_peak = m.fd_base, m.rss_base
    done = os.path.join(rd, "done")
    deadline = time.monotonic() + flood_bound
    while (not os.path.exists(done) and time.monotonic() < deadline
           and p.poll() is None):
        m.fd_peak = max(m.fd_peak, nfds(pid) or 0)
        m.rss_peak = max(m.rss_peak, rss_kb(pid) or 0)
        time.sleep(0.05)
    t_done = time.monotonic()
    m.flood_cpu = cpu_s(pid) - cpu0

    # after: fds back to the baseline, in a bounded time
    m.fd_back_s = None
    while time.monotonic() < t_done + fd_back_bound and p.poll() is None:
        n = nfds(pid)
        m.fd_peak = max(m.fd_peak, n or 0)
        if n is not None and n <= m.fd_base + fd_slack:
            m.fd_back_s = round(time.monotonic() - t_done, 2)
            break
        time.sleep(0.05)
    wait_path(os.path.join(rd, "probed"), p, 60)
    # idle: no spinning once all is over
    c0 = cpu_s(pid)
    time.sleep(IDLE_S)
    m.idle_cpu = cpu_s(pid) - c0
    m.fd_after, m.rss_after = nfds(pid), rss_kb(pid)
    with open(os.path.join(rd, "go"), "w"):
        pass


def check_common(ms, fd_slack, rss_slack_kb, recover_s):
    """The bounds every scenario shares, over its rounds"""
    first = ms[0]
    for m in ms:
        assert m.sha_ok, m.res               # data intact afterwards
        assert m.probe["ok"] and m.probe["after"] <= recover_s, m
        assert m.fd_back_s is not None, m    # fds back to the baseline
        assert m.fd_after <= first.fd_base + fd_slack, m
        # RSS: the static tables' pages a flood touches first, no more;
        # every loop has tables of its own, and a flood reaches them all
        assert m.rss_after <= first.rss_base + rss_slack_kb * m.loops, m
        # no spinning: under 10% of one CPU once idle (a bound, not speed)
        assert m.idle_cpu <= 0.1 * IDLE_S, m
    # the same flood again: fds where they were. (RSS may still grow by
    # pages of the flow index that new keys hash to: the bound above.)
    for a, b in zip(ms, ms[1:]):
        assert b.fd_after <= a.fd_after + 2, (a, b)
    # each log line at most 5 a second (+1 "suppressed") over the run
    assert first.log_max <= 6 * (first.run_s + 2), first.log_shapes


# ---- the REMOTE side of the floods ----------------------------------------

V4_DROP, V6_DROP = "198.51.100.200", "2001:db8:1::200"   # blackholed
PORT_ANSWER = 7091      # accepts and closes at once
PORT_SILENT = 7092      # listen(0), never accepts: further SYNs dropped
PORT_FIREHOSE = 7093    # sends until the client stops reading
PORT_MUTE = 7094        # accepts, never reads or writes


def remote_setup(topo):
    """Once a session: the flood servers, and addresses REMOTE routes to
    a blackhole (dropped without an answer, as a firewall would)"""
    if getattr(topo, "exhaust_ready", False):
        return
    from topology import V6_SERVER
    topo.ip(topo.remote, "route", "add", "blackhole", f"{V4_DROP}/32")
    topo.ip(topo.remote, "-6", "route", "add", "blackhole", f"{V6_DROP}/128")
    topo.start(topo.remote, [
        tether_py(), os.path.join(topo.tools, "tt_exhaust.py"), "serve",
        "--addr", V4_SERVER, "--addr", V6_SERVER,
        "--answer", str(PORT_ANSWER), "--silent", str(PORT_SILENT),
        "--firehose", str(PORT_FIREHOSE), "--mute", str(PORT_MUTE)],
        wait_for="READY")
    topo.exhaust_ready = True


def tether_py():
    import sys
    return sys.executable
