# SPDX-License-Identifier: MIT
# paths.py - run one shell script through each path under test

"""A path runs a shell script "inside the namespace" of one contender:

  tether, pasta   TOOL --config-net [flags] -- sh -c SCRIPT, as uid --uid,
                  started in HOST (TOOL is build/pasta or /usr/bin/pasta)
  slirp           unshare -Urn sleep (as --uid, in HOST), slirp4netns
                  --configure --mtu=M --disable-host-loopback PID tap0,
                  then nsenter -t PID -n sh -c SCRIPT
  veth            ip netns exec NS (or NS1500) sh -c SCRIPT: routed by
                  HOST's kernel, no user-space hop: the physical limit
  loopback        ip netns exec HOST sh -c SCRIPT: plain loopback, the
                  limit for the spliced (-t/-T) loopback paths

Scripts talk to the harness through files in their run directory: the
shell function sp NAME creates sync.NAME and waits (bounded) for
sync.NAME.ack. On each such sync point the harness takes a sample: the
translator's CPU time and memory, and TcpRetransSegs in REMOTE, HOST and
the namespace. Workloads may hook extra work onto a sync point (e.g. run
a client in HOST while the namespace's server waits).
"""

import json
import os
import select
import socket
import time

from .procs import BASE_ENV, children_of, proc_mem, proc_stat
from .topo import comm_of, retrans_segs, wait_for


class RunFailed(Exception):
    pass


def prelude(rundir, max_wait_s):
    """Shell prelude: $D and the sync-point function sp."""
    loops = int(max_wait_s * 100)
    return (f'D="{rundir}"\n'
            'sp() { : > "$D/sync.$1"; i=0; '
            'while [ ! -e "$D/sync.$1.ack" ] && '
            f'[ $i -lt {loops} ]; do sleep 0.01; i=$((i+1)); done; }}\n')


class Run:
    """One script running through one path: process, pids, samples."""

    def __init__(self, path, rundir):
        self.path = path
        self.rundir = rundir
        self.proc = None
        self.tool_pid = None    # translator process (CPU, memory)
        self.ns_pid = None      # any process in the namespace (counters)
        self.extra_procs = []   # helpers to stop after the run
        self.samples = {}
        self.hooks = {}

    def ns_anchor(self):
        """A process in the namespace: the translator's child that is in
        another network namespace than the translator itself."""
        if self.ns_pid is None and self.tool_pid is not None:
            mine = _netns(self.tool_pid)
            for kid in children_of(self.tool_pid):
                if mine and _netns(kid) not in (None, mine):
                    self.ns_pid = kid
                    break
        return self.ns_pid

    def sample(self, name):
        topo = self.path.topo
        s = {"t": time.monotonic(),
             "retx": {"remote": topo.retrans("remote"),
                      "host": topo.retrans("host"),
                      "ns": retrans_segs(self.ns_anchor())}}
        if self.tool_pid is not None:
            st = proc_stat(self.tool_pid)
            if st:
                s["comm"], s["cpu_s"] = st
            s.update(proc_mem(self.tool_pid))
        self.samples[name] = s
        return s

    def wait(self, timeout):
        """Serve sync points until the script exits, at most @timeout s.

        Return: the script's exit status; raise RunFailed on timeout
        """
        deadline = time.monotonic() + timeout
        done = set()
        while True:
            for f in sorted(os.listdir(self.rundir)):
                if not f.startswith("sync.") or f.endswith(".ack") or \
                   f in done:
                    continue
                done.add(f)
                name = f[5:]
                self.sample(name)
                if name in self.hooks:
                    self.hooks[name](self)
                open(os.path.join(self.rundir, f + ".ack"), "w").close()
            rc = self.proc.poll()
            if rc is not None:
                return rc
            if time.monotonic() > deadline:
                raise RunFailed(f"timed out after {timeout:.0f} s")
            time.sleep(0.005)

    def stop(self):
        procs = self.path.procs
        if self.proc is not None:
            if self.proc.poll() is None:
                procs.kill(self.proc)
            else:
                procs.reap(self.proc)
        for p in self.extra_procs:
            procs.kill(p)
        self.extra_procs = []

    def output(self, name="stdout"):
        try:
            with open(os.path.join(self.rundir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Path:
    """Base: how to start a script in one contender's namespace."""

    kind = "kernel"
    tool = False

    def __init__(self, name, procs, topo, uid):
        self.name = name
        self.procs = procs
        self.topo = topo
        self.uid = uid
        self.broken = None      # why every run would fail, if known

    def as_user(self, *argv):
        return self.topo.nsexec("host", "setpriv", f"--reuid={self.uid}",
                                f"--regid={self.uid}", "--clear-groups",
                                "--", *argv)

    def _spawn_script(self, run, argv):
        out = open(os.path.join(run.rundir, "stdout"), "w")
        err = open(os.path.join(run.rundir, "stderr"), "w")
        run.proc = self.procs.spawn(argv, stdout=out, stderr=err,
                                    env=dict(BASE_ENV, HOME=run.rundir))
        out.close()
        err.close()

    def supports(self, mtu=None, fwd=None):
        return True

    def start(self, script, rundir, mtu=None, fwd=None):
        raise NotImplementedError


class ToolPath(Path):
    """tether or Debian's pasta, in pasta mode with --config-net."""

    kind = "tool"
    tool = True
    NONE_FWD = ["-t", "none", "-u", "none", "-T", "none", "-U", "none"]

    def __init__(self, name, procs, topo, uid, binary):
        super().__init__(name, procs, topo, uid)
        self.binary = binary
        self.flags = []
        self.fwd_none = False

    def probe(self, timeout=15):
        """Find the flags this binary accepts; set self.broken if none."""
        if not os.access(self.binary, os.X_OK):
            self.broken = f"{self.binary} not found (build it first)"
            return
        last = ""
        for quiet, none in ((["--quiet"], True), ([], True),
                            (["--quiet"], False), ([], False)):
            flags = quiet + (self.NONE_FWD if none else [])
            rc, out, err = self.procs.run(self.as_user(
                self.binary, "--config-net", *flags, "--",
                "sh", "-c", "ip -4 addr show | grep -q 192.0.2.1"),
                timeout=timeout, env=BASE_ENV)
            if rc == 0:
                self.flags, self.fwd_none = quiet, none
                return
            last = why(rc, err)
            if rc is None:
                break
        self.broken = f"--config-net -- true fails: {last}"

    def cmdline(self, mtu=None, fwd=None):
        argv = [self.binary, "--config-net", *self.flags]
        if mtu:
            argv += ["-m", str(mtu)]
        fwd = fwd or {}
        for opt in ("-t", "-u", "-T", "-U"):
            if opt in fwd:
                argv += [opt, fwd[opt]]
            elif self.fwd_none:
                argv += [opt, "none"]
        return argv

    def start(self, script, rundir, mtu=None, fwd=None):
        run = Run(self, rundir)
        self._spawn_script(run, self.as_user(
            *self.cmdline(mtu, fwd), "--", "sh", "-c", script))
        run.tool_pid = run.proc.pid
        return run


class SlirpPath(Path):
    """slirp4netns, set up the way rootless Podman and Docker use it."""

    kind = "tool"
    tool = True

    def __init__(self, name, procs, topo, uid, binary="slirp4netns"):
        super().__init__(name, procs, topo, uid)
        self.binary = binary

    def supports(self, mtu=None, fwd=None):
        # --disable-host-loopback: the namespace can't reach HOST's lo.
        return not (fwd and ("-T" in fwd or "-U" in fwd))

    def start(self, script, rundir, mtu=None, fwd=None):
        run = Run(self, rundir)
        try:
            self._start(run, script, mtu, fwd)
        except BaseException:
            run.stop()
            raise
        return run

    def _start(self, run, script, mtu, fwd):
        rundir = run.rundir
        sleeper = self.procs.spawn(self.as_user("unshare", "-Urn", "sleep",
                                                "86400"))
        run.extra_procs.append(sleeper)
        wait_for(lambda: comm_of(sleeper.pid) == "sleep", 5,
                 "unshare -Urn sleeper")
        rfd, wfd = os.pipe()
        api = os.path.join(rundir, "api.sock")
        log = open(os.path.join(rundir, "slirp.log"), "w")
        slirp = self.procs.spawn(self.as_user(
            self.binary, "--configure", f"--mtu={mtu or 65520}",
            "--disable-host-loopback", f"--ready-fd={wfd}",
            f"--api-socket={api}", str(sleeper.pid), "tap0"),
            pass_fds=(wfd,), stdout=log, stderr=log)
        log.close()
        os.close(wfd)
        run.extra_procs.insert(0, slirp)
        try:
            ready, _, _ = select.select([rfd], [], [], 10)
            if not ready or os.read(rfd, 16)[:1] != b"1":
                raise RunFailed("slirp4netns not ready")
        finally:
            os.close(rfd)
        if fwd and "-t" in fwd:
            port = int(fwd["-t"])
            self._api(api, {"execute": "add_hostfwd", "arguments": {
                "proto": "tcp", "host_addr": "127.0.0.1",
                "host_port": port, "guest_port": port}})
        run.tool_pid = slirp.pid
        run.ns_pid = sleeper.pid
        self._spawn_script(run, ["nsenter", "-t", str(sleeper.pid), "-n",
                                 "sh", "-c", script])

    @staticmethod
    def _api(path, req):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(path)
            s.sendall(json.dumps(req).encode())
            s.shutdown(socket.SHUT_WR)
            reply = s.recv(4096).decode(errors="replace")
        if "error" in reply:
            raise RunFailed(f"slirp4netns API: {reply.strip()}")


class VethPath(Path):
    """A plain namespace routed through HOST: the kernel's own path."""

    def supports(self, mtu=None, fwd=None):
        return not fwd

    def start(self, script, rundir, mtu=None, fwd=None):
        run = Run(self, rundir)
        key = "ns1500" if mtu == 1500 else "ns"
        run.ns_pid = self.topo.anchor[key]
        self._spawn_script(run, self.topo.nsexec(key, "sh", "-c", script))
        return run


class LoopbackPath(Path):
    """Client and server on 127.0.0.1 in HOST: the limit for splicing."""

    def start(self, script, rundir, mtu=None, fwd=None):
        run = Run(self, rundir)
        run.ns_pid = self.topo.anchor["host"]
        self._spawn_script(run, self.topo.nsexec("host", "sh", "-c", script))
        return run


def _netns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def why(rc, err):
    lines = [x for x in err.strip().splitlines()
             if "syslog" not in x and x.strip()]
    tail = lines[-1] if lines else ""
    if rc is None:
        return "timed out " + tail
    return f"exit {rc}" + (f": {tail}" if tail else "")

