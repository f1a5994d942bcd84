# SPDX-License-Identifier: MIT
# tether.py - run the binary under test the way a rootless user would
"""
The binary under test is $TETHER_BIN (default <repo>/build/pasta). It runs
in HOST as an unprivileged user:

    ip netns exec HOST setpriv --reuid=UID --regid=UID --clear-groups \\
        --inh-caps=-all $TETHER_BIN ARGS...

UID is $TT_RUN_AS (default 1500). With TT_RUN_AS=current (what
tests/run-integ sets when it had to create its own user namespace, where
only one uid is mapped) it runs as the current user, without setpriv.

Every run is bounded by a timeout (the whole process tree is killed when it
expires), stdin is /dev/null, stdout and stderr are captured. Any sanitizer
report in the output fails the test (AddressSanitizer/UBSan builds).
"""

import json
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import time

from topology import CLEAN_PATH, kill_tree, pid_alive

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "UndefinedBehaviorSanitizer")


def check_sanitizer(text, what):
    for mark in SANITIZER_MARKS:
        if mark in text:
            raise AssertionError(f"sanitizer report from {what}:\n{text}")


def tail(text, n=30):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


class Result:
    """Outcome of one run: rc (None on timeout), out, err, TTRESULT dicts"""

    def __init__(self, argv, rc, out, err, timed_out=False):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.timed_out = timed_out

    @property
    def results(self):
        return [json.loads(line.split(" ", 1)[1])
                for line in self.out.splitlines()
                if line.startswith("TTRESULT ")]

    def lines(self, prefix):
        """Words after prefix on the stdout lines that start with it"""
        return [line[len(prefix):].split() for line in self.out.splitlines()
                if line.startswith(prefix)]

    def __str__(self):
        state = "timed out" if self.timed_out else f"exit {self.rc}"
        return (f"{shlex.join(self.argv)}: {state}\n--- stdout (tail):\n"
                f"{tail(self.out)}\n--- stderr (tail):\n{tail(self.err)}")

    __repr__ = __str__


class Tether:
    def __init__(self, binary, run_as, workdir, netns=None, tools=None,
                 py=None):
        self.netns = netns
        self.tools = tools
        self.py = py
        self.run_as = run_as
        self.workdir = workdir
        self.procs = []
        self.pids = []
        self.binary = self._reachable(binary)

    # -- command lines ------------------------------------------------

    def priv(self):
        if self.run_as is None:
            return []
        u = str(self.run_as)
        return ["setpriv", f"--reuid={u}", f"--regid={u}", "--clear-groups",
                "--inh-caps=-all"]

    def user_argv(self, argv):
        """argv run in HOST as the unprivileged user"""
        ns = ["ip", "netns", "exec", self.netns] if self.netns else []
        return ns + self.priv() + list(argv)

    def argv(self, args):
        return self.user_argv([self.binary] + list(args))

    def env(self):
        e = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": self.workdir,
             "TMPDIR": "/tmp", "SHELL": "/bin/sh"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                  "TETHER_THREADS"):
            if k in os.environ:
                e[k] = os.environ[k]
        return e

    def _reachable(self, binary):
        """The binary, or a copy in workdir if the user can't execute it"""
        p = subprocess.run(self.user_argv(["test", "-x", binary]),
                           env=self.env(), timeout=30)
        if p.returncode == 0:
            return binary
        d = os.path.join(self.workdir, "bin")
        os.makedirs(d, mode=0o755, exist_ok=True)
        copy = os.path.join(d, os.path.basename(binary))
        shutil.copy2(os.path.realpath(binary), copy)
        os.chmod(copy, 0o755)
        return copy

    def tool(self, name, *args):
        """Shell command line running one of tests/tools/NAME"""
        return shlex.join([self.py, os.path.join(self.tools, name)] +
                          [str(a) for a in args])

    # -- running ------------------------------------------------------

    def popen(self, argv, **kw):
        """Start argv (already complete) tracked for clean-up"""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.Popen(argv, env=self.env(), start_new_session=True,
                             text=True, errors="replace", **kw)
        self.procs.append(p)
        return p

    def finish(self, p, timeout):
        """Wait for p with a bound; kill its tree on timeout"""
        try:
            out, err = p.communicate(timeout=timeout)
            res = Result(p.args, p.returncode, out or "", err or "")
        except subprocess.TimeoutExpired:
            kill_tree(p.pid)
            try:
                out, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                out, err = "", ""
            res = Result(p.args, None, out or "", err or "", timed_out=True)
        print(res)     # pytest shows it in full when the test fails
        check_sanitizer(res.out + res.err, "tether")
        return res

    def run(self, args, timeout=120):
        """Run tether with args, wait (bounded), return a Result"""
        return self.finish(self.popen(self.argv(args)), timeout)

    def spawn(self, script, timeout=180, opts=()):
        """tether --config-net [opts] -- sh -c script"""
        return self.run(["--config-net"] + list(opts) +
                        ["--", "sh", "-c", script], timeout=timeout)

    def track_pid(self, pid):
        self.pids.append(pid)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                kill_tree(p.pid)
            try:
                p.communicate(timeout=5)
            except (subprocess.TimeoutExpired, ValueError):
                pass
        for pid in self.pids:
            if pid_alive(pid):
                kill_tree(pid, signal.SIGKILL)
        self.procs, self.pids = [], []


def wait_until(pred, timeout, step=0.1):
    """Poll pred() until true or timeout; return its last value"""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


class Running:
    """tether in the background, its command's stdout read line by line"""

    def __init__(self, tether, args, script, config_net=True):
        self.t = tether
        net = ["--config-net"] if config_net else []
        self.p = tether.popen(tether.argv(net + list(args) +
                                          ["--", "sh", "-c", script]))
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.lines = []
        self.buf = ""   # read but not yet split into lines

    def wait_line(self, prefix, timeout=20):
        """Words after prefix on the next stdout line starting with it

        Reads the pipe itself (os.read) and keeps what it read: with
        readline(), two lines arriving together left the second one in
        the file object's buffer, where select() can't see it.
        """
        deadline = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while True:
            while "\n" in self.buf:
                line, self.buf = self.buf.split("\n", 1)
                self.lines.append(line + "\n")
                if line.startswith(prefix):
                    return line[len(prefix):].split()
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not self.sel.select(timeout=min(0.2, left)):
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            self.buf += data.decode(errors="replace")
        raise AssertionError(f"no '{prefix}' line from tether's command "
                             f"in {timeout} s:\n{''.join(self.lines)}\n"
                             f"{self.stop()}")

    def stop(self):
        if self.p.poll() is None:
            kill_tree(self.p.pid)
        return self.t.finish(self.p, 10)
