# SPDX-License-Identifier: MIT
# topology.py - network namespaces, links and servers for the integration tests
"""
Every name carries a per-run prefix P = "tt" + pid, so parallel runs don't
collide; everything is torn down at the end of the session (also on
failure and Ctrl-C).

        netns P-host  ("HOST")                    netns P-remote ("REMOTE")
 +--------------------------------------+     +------------------------------+
 |  tether --config-net, as uid 1500    |     |  lo  198.51.100.1/32         |
 |  +--------------------------------+  |     |      2001:db8:1::1/128       |
 |  | user+net namespace of tether   |  |     |   http    :8080 (GET, PUT)   |
 |  |  tap "Ph": HOST's addresses,   |  |     |   echo    :7001 tcp + udp    |
 |  |  routes, MTU 65520; lo up      |  |     |   sha     :7002 (upload)     |
 |  |  (the test's commands run here)|  |     |   halfcl. :7003              |
 |  +---------------+----------------+  |     |   iperf3  :5201 v4 :5202 v6  |
 |        tap fd    |  host sockets     |     |   nothing :7999 (closed)     |
 |               tether                 |     |                              |
 |                  |                   |     |                              |
 |  Ph 192.0.2.2/24 | 2001:db8::2/64 ----veth---- Pr 192.0.2.1/24           |
 |  default via 192.0.2.1, 2001:db8::1  |     |      2001:db8::1/64          |
 |  lo: banner server 127.0.0.1:7020,   |     |                              |
 |      [::1]:7020 (tcp + udp),         |     |                              |
 |      tag "hostlo"                    |     |                              |
 +--------------------------------------+     +------------------------------+

Only these addresses are ever used. REMOTE's servers bind to the server
addresses on its lo (198.51.100.1, 2001:db8:1::1) only, so a connection
to the gateway address 192.0.2.1:7020 can only succeed through tether's
gateway -> host loopback mapping.
"""

import os
import selectors
import signal
import subprocess
import sys
import time

V4_HOST, V4_GW, V4_PLEN = "192.0.2.2", "192.0.2.1", 24
V6_HOST, V6_GW, V6_PLEN = "2001:db8::2", "2001:db8::1", 64
V4_SERVER, V6_SERVER = "198.51.100.1", "2001:db8:1::1"

PORT_HTTP = 8080
PORT_ECHO = 7001
PORT_SHA = 7002
PORT_HALFCLOSE = 7003
PORT_HOSTLO = 7020
PORT_CLOSED = 7999
PORT_IPERF4, PORT_IPERF6 = 5201, 5202

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CMD_TIMEOUT = 30


def run(argv, check=True, timeout=CMD_TIMEOUT, **kw):
    """subprocess.run with a timeout, text output, and a useful error"""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.run(argv, timeout=timeout, text=True, **kw)
    if check and p.returncode:
        raise RuntimeError(f"{' '.join(argv)}: exit {p.returncode}: "
                           f"{p.stderr.strip()}")
    return p


def descendants(pid):
    """All live descendants of pid (from /proc), deepest last"""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree(pid, sig=signal.SIGKILL):
    """Kill pid and everything below it; ignore what is already gone"""
    for p in [pid] + descendants(pid):
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def pid_alive(pid):
    """True if pid exists and is not a zombie"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Topology:
    """Two namespaces joined by a veth pair, and the servers in them"""

    def __init__(self, prefix, workdir, tools):
        self.prefix = prefix
        self.host = f"{prefix}-host"
        self.remote = f"{prefix}-remote"
        self.ifname = f"{prefix}h"[:15]    # HOST's template interface
        self.peer = f"{prefix}r"[:15]
        self.workdir = workdir
        self.tools = tools
        self.procs = []
        self.created = []

    # -- helpers ------------------------------------------------------

    def ns_argv(self, ns, argv):
        return ["ip", "netns", "exec", ns] + list(argv)

    def ns_run(self, ns, argv, **kw):
        return run(self.ns_argv(ns, argv), **kw)

    def ip(self, ns, *args):
        return run(["ip", "-n", ns] + list(args))

    # -- set-up and tear-down -----------------------------------------

    def create(self):
        try:
            self._create()
        except BaseException:
            self.destroy()
            raise

    def _create(self):
        h, r = self.host, self.remote
        for ns in (h, r):
            run(["ip", "netns", "add", ns])
            self.created.append(ns)
            self.ip(ns, "link", "set", "lo", "up")
            for k in ("net.ipv6.conf.all.accept_dad",
                      "net.ipv6.conf.default.accept_dad"):
                self.ns_run(ns, ["sysctl", "-qw", f"{k}=0"], check=False)
        run(["ip", "link", "add", self.ifname, "netns", h, "type", "veth",
             "peer", "name", self.peer, "netns", r])

        self.ip(h, "addr", "add", f"{V4_HOST}/{V4_PLEN}", "dev", self.ifname)
        self.ip(h, "addr", "add", f"{V6_HOST}/{V6_PLEN}", "dev", self.ifname,
                "nodad")
        self.ip(r, "addr", "add", f"{V4_GW}/{V4_PLEN}", "dev", self.peer)
        self.ip(r, "addr", "add", f"{V6_GW}/{V6_PLEN}", "dev", self.peer,
                "nodad")
        self.ip(r, "addr", "add", f"{V4_SERVER}/32", "dev", "lo")
        self.ip(r, "addr", "add", f"{V6_SERVER}/128", "dev", "lo")
        self.ip(h, "link", "set", self.ifname, "up")
        self.ip(r, "link", "set", self.peer, "up")
        self.ip(h, "route", "add", "default", "via", V4_GW)
        self.ip(h, "-6", "route", "add", "default", "via", V6_GW)

        # What a distribution sets: unprivileged ICMP echo sockets. The
        # sysctl is per network namespace. In a user namespace only the
        # mapped group IDs are accepted: fall back to those.
        rng = "0 2147483647"
        if self.ns_run(h, ["sysctl", "-qw", f"net.ipv4.ping_group_range={rng}"],
                       check=False).returncode:
            self.ns_run(h, ["sysctl", "-qw", "net.ipv4.ping_group_range=0 0"],
                        check=False)
        self._wait_reachable()

    def _wait_reachable(self):
        """Bounded wait until HOST reaches both server addresses"""
        for addr in (V4_SERVER, V6_SERVER):
            for _ in range(50):
                p = self.ns_run(self.host, ["ping", "-c", "1", "-W", "1",
                                            addr], check=False)
                if p.returncode == 0:
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError(f"HOST can't reach {addr}: {p.stdout}")

    def destroy(self):
        """Stop servers, kill whatever runs in the namespaces, delete them"""
        for p in self.procs:
            kill_tree(p.pid)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
        for ns in self.created:
            p = run(["ip", "netns", "pids", ns], check=False)
            for pid in p.stdout.split():
                kill_tree(int(pid))
        for ns in reversed(self.created):
            run(["ip", "netns", "del", ns], check=False)
        self.created = []

    # -- servers ------------------------------------------------------

    def start(self, ns, argv, wait_for=None, timeout=20):
        """Start a long-running process in ns; wait for a line on stdout"""
        p = subprocess.Popen(self.ns_argv(ns, argv), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE if wait_for else
                             subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, text=True)
        self.procs.append(p)
        if wait_for:
            # raw reads of the fd: a buffered readline() could keep the
            # marker where select() doesn't see it (what follows the
            # marker in the same read is not kept for the caller)
            deadline = time.monotonic() + timeout
            sel = selectors.DefaultSelector()
            sel.register(p.stdout, selectors.EVENT_READ)
            seen = b""
            while time.monotonic() < deadline:
                if sel.select(timeout=0.5):
                    chunk = os.read(p.stdout.fileno(), 4096)
                    seen = (seen + chunk)[-4096:]
                    if wait_for.encode() in seen:
                        return p
                    if not chunk:
                        break
            raise RuntimeError(f"{argv[0]} in {ns} did not start")
        return p

    def wait_port(self, ns, proto, addr, port, timeout=10):
        """Bounded wait until something listens on addr:port in ns"""
        flag = "-ltnH" if proto == "tcp" else "-lunH"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.ns_run(ns, ["ss", flag, "src", f"[{addr}]:{port}"
                                   if ":" in addr else f"{addr}:{port}"],
                              check=False).stdout
            if out.strip():
                return
            time.sleep(0.1)
        raise RuntimeError(f"nothing listens on {addr}:{port} in {ns}")

    def start_servers(self, files_dir, iperf3=None):
        py = sys.executable
        srv = os.path.join(self.tools, "tt_servers.py")
        self.start(self.remote, [py, srv, "--addr", V4_SERVER,
                                 "--addr", V6_SERVER, "--root", files_dir,
                                 "--http", str(PORT_HTTP),
                                 "--echo", str(PORT_ECHO),
                                 "--udp-echo", str(PORT_ECHO),
                                 "--sha", str(PORT_SHA),
                                 "--halfclose", str(PORT_HALFCLOSE)],
                   wait_for="READY")
        self.start(self.host, [py, srv, "--addr", "127.0.0.1",
                               "--addr", "::1", "--tag", "hostlo",
                               "--banner", str(PORT_HOSTLO)],
                   wait_for="READY")
        if iperf3:
            for addr, port in ((V4_SERVER, PORT_IPERF4),
                               (V6_SERVER, PORT_IPERF6)):
                self.start(self.remote, [iperf3, "-s", "-B", addr,
                                         "-p", str(port)])
                self.wait_port(self.remote, "tcp", addr, port)
