# SPDX-License-Identifier: MIT
# procs.py - start processes, bound them in time, kill everything we started

"""Every process the benchmark starts goes through a Procs registry.

Each one gets its own session (so a whole pipeline can be signalled by
process group), and at exit the registry kills, by id, every process it
started together with all of their descendants that are still around
(pasta's command runs in its own PID namespace and session, so killing
the group alone would not reach it).
"""

import ctypes
import os
import signal
import subprocess
import time

PR_SET_CHILD_SUBREAPER = 36

# Environment for everything we start: no inherited PATH oddities (the
# unprivileged user can't read /root), no locale surprises.
BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C",
    "LC_ALL": "C",
}


def children_of(pid):
    """Direct children of @pid, from /proc (empty list if it's gone)."""
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def descendants_of(pid, limit=4096):
    """All descendants of @pid, breadth first, at most @limit of them."""
    out, todo = [], [pid]
    while todo and len(out) < limit:
        p = todo.pop(0)
        for c in children_of(p):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def proc_stat(pid):
    """(comm, utime+stime in seconds) of @pid, or None if it's gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    comm = data[data.index("(") + 1:data.rindex(")")]
    fields = data[data.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])   # utime, stime
    return comm, ticks / os.sysconf("SC_CLK_TCK")


def proc_mem(pid):
    """{'rss_kib': VmRSS, 'hwm_kib': VmHWM} of @pid, or {} if it's gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_kib"] = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    out["hwm_kib"] = int(line.split()[1])
    except OSError:
        pass
    return out


class Procs:
    """Registry of started processes; kill_all() ends them and their kids."""

    def __init__(self):
        self.live = []
        # Orphans of anything we start get re-parented to us, so that
        # kill_orphans() can find them: nothing we start outlives us.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def kill_orphans(self):
        """Kill (by id) and reap our children that we didn't spawn."""
        ours = {p.pid for p in self.live}
        for pid in children_of(os.getpid()):
            if pid in ours:
                continue
            for x in [pid] + descendants_of(pid):
                try:
                    os.kill(x, signal.SIGKILL)
                except OSError:
                    pass
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                try:
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                except ChildProcessError:
                    break
                time.sleep(0.01)

    def spawn(self, argv, **kw):
        kw.setdefault("env", BASE_ENV)
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.live.append(p)
        return p

    def kill(self, p, grace=1.0):
        """Stop @p and its descendants: SIGTERM, then SIGKILL after @grace s."""
        pids = [p.pid] + descendants_of(p.pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            if _all_gone(p, pids[1:], grace):
                break
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        if p in self.live:
            self.live.remove(p)
        self.kill_orphans()

    def reap(self, p):
        """Forget @p once it has exited; kill what it left behind."""
        if p in self.live:
            self.live.remove(p)
        self.kill_orphans()

    def kill_all(self):
        for p in list(reversed(self.live)):
            self.kill(p, grace=0.5)
        self.kill_orphans()

    def run(self, argv, timeout, **kw):
        """Run @argv to completion, at most @timeout seconds.

        Return: (returncode or None on timeout, stdout, stderr) as text
        """
        p = self.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
        try:
            out, err = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            self.kill(p)
            out, err = p.communicate()
            rc = None
        self.reap(p)
        return rc, out or "", err or ""


def _alive(pid):
    """Running (not gone, not a zombie)?"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _all_gone(p, pids, timeout):
    """Wait at most @timeout s for @p to exit and @pids to disappear."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None and not any(_alive(x) for x in pids):
            return True
        time.sleep(0.02)
    return False
