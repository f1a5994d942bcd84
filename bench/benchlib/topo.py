# SPDX-License-Identifier: MIT
# topo.py - the benchmark's namespaces, links, servers and counters

"""Topology (all inside network namespaces this script creates):

    NS (veth path) 10.77.0.2 --veth mtu 65520--+
    NS1500         10.77.1.2 --veth mtu 1500---+
                                               |  10.77.0.1, 10.77.1.1
   pasta / tether / slirp4netns run here --> HOST  192.0.2.1/24, 2001:db8:2::1/64
                                               |  forwarding on, no NAT
                                            "wire" veth (mtu --wire-mtu)
                                               |
                                            REMOTE 192.0.2.2 (servers)
                                                   192.0.2.254 (HOST's gateway)

The gateway address is not the server address on purpose: pasta maps the
gateway address to the host's loopback, so traffic to it would never
reach REMOTE.
"""

import os
import time

from .procs import BASE_ENV

REMOTE_IP = "192.0.2.2"
GATEWAY_IP = "192.0.2.254"
HOST_IP = "192.0.2.1"

# Servers started once, in REMOTE (or HOST loopback), for the whole run.
PORT_IPERF = 5201        # REMOTE, TCP and UDP
PORT_IPERF_LO = 5202     # HOST, 127.0.0.1: namespace -> host (-T)
PORT_SPLICE_IN = 5203    # inside the namespace: host -> namespace (-t)
PORT_SOCKPERF = 11111    # REMOTE
PORT_CONNRATE = 7000     # REMOTE


def _snmp_tcp(pid):
    """The kernel's Tcp: counters (as nstat shows them) seen by @pid."""
    try:
        with open(f"/proc/{pid}/net/snmp") as f:
            lines = [line.split() for line in f if line.startswith("Tcp:")]
        return dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))
    except (OSError, IndexError, ValueError):
        return {}


def retrans_segs(pid):
    """TcpRetransSegs in the network namespace of @pid, or None."""
    if pid is None:
        return None
    return _snmp_tcp(pid).get("RetransSegs")


def tcp_listening(pid, port):
    """Is something listening on TCP @port in the namespace of @pid?"""
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and \
                       int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except (OSError, StopIteration, IndexError, ValueError):
            pass
    return False


class Topology:
    """Namespaces HOST, REMOTE, NS, NS1500 with their links and servers."""

    def __init__(self, procs, workdir, wire_mtu=65520, tag=None):
        tag = tag or f"tb{os.getpid()}"
        self.procs = procs
        self.workdir = workdir
        self.wire_mtu = wire_mtu
        self.ns = {k: f"{tag}-{k}" for k in ("host", "remote", "ns", "ns1500")}
        self.anchor = {}        # namespace key -> pid of a sleeper in it
        self.servers = {}       # server key -> (Popen, ns key, port, argv)
        self.created = []

    def _ip(self, *args):
        rc, out, err = self.procs.run(["ip", *args], timeout=10)
        if rc != 0:
            raise RuntimeError(f"ip {' '.join(args)}: {err.strip()}")
        return out

    def _nsexec(self, key, *argv):
        return ["ip", "netns", "exec", self.ns[key], *argv]

    def create(self):
        n = self.ns
        for key in ("host", "remote", "ns", "ns1500"):
            self._ip("netns", "add", n[key])
            self.created.append(n[key])
            self._ip("-n", n[key], "link", "set", "lo", "up")

        self._veth("host", "wire0", "remote", "wire1", self.wire_mtu)
        self._ip("-n", n["host"], "addr", "add", f"{HOST_IP}/24", "dev", "wire0")
        self._ip("-n", n["host"], "addr", "add", "2001:db8:2::1/64",
                 "dev", "wire0", "nodad")
        for a in (f"{REMOTE_IP}/24", f"{GATEWAY_IP}/24"):
            self._ip("-n", n["remote"], "addr", "add", a, "dev", "wire1")
        for a in ("2001:db8:2::2/64", "2001:db8:2::fe/64"):
            self._ip("-n", n["remote"], "addr", "add", a, "dev", "wire1",
                     "nodad")
        self._ip("-n", n["host"], "route", "add", "default", "via", GATEWAY_IP)
        self._ip("-n", n["host"], "-6", "route", "add", "default",
                 "via", "2001:db8:2::fe")

        for key, net, mtu in (("ns", 0, 65520), ("ns1500", 1, 1500)):
            self._veth("host", f"vh{net}", key, "veth0", mtu)
            self._ip("-n", n["host"], "addr", "add", f"10.77.{net}.1/24",
                     "dev", f"vh{net}")
            self._ip("-n", n[key], "addr", "add", f"10.77.{net}.2/24",
                     "dev", "veth0")
            self._ip("-n", n[key], "route", "add", "default",
                     "via", f"10.77.{net}.1")
        self._ip("-n", n["remote"], "route", "add", "10.77.0.0/16",
                 "via", HOST_IP)
        rc, _, err = self.procs.run(self._nsexec(
            "host", "sysctl", "-qw", "net.ipv4.ip_forward=1"), timeout=10)
        if rc != 0:
            raise RuntimeError(f"sysctl ip_forward in HOST: {err.strip()}")

        for key in self.ns:
            p = self.procs.spawn(self._nsexec(key, "sleep", "86400"))
            self.anchor[key] = p.pid
            wait_for(lambda: comm_of(p.pid) == "sleep", 5,
                     f"sleeper in {self.ns[key]}")

    def _veth(self, a, name_a, b, name_b, mtu):
        self._ip("link", "add", name_a, "netns", self.ns[a], "mtu", str(mtu),
                 "type", "veth", "peer", "name", name_b,
                 "netns", self.ns[b], "mtu", str(mtu))
        self._ip("-n", self.ns[a], "link", "set", name_a, "up")
        self._ip("-n", self.ns[b], "link", "set", name_b, "up")

    def destroy(self):
        for name in reversed(self.created):
            self.procs.run(["ip", "netns", "del", name], timeout=10)
        self.created = []

    def retrans(self, key):
        return retrans_segs(self.anchor.get(key))

    # Servers --------------------------------------------------------------

    def add_server(self, key, ns_key, port, argv):
        self.servers[key] = [None, ns_key, port, argv]
        self.start_server(key)

    def start_server(self, key):
        entry = self.servers[key]
        if entry[0] is not None:
            self.procs.kill(entry[0])
        log = open(os.path.join(self.workdir, f"server-{key}.log"), "a")
        entry[0] = self.procs.spawn(self._nsexec(entry[1], *entry[3]),
                                    stdout=log, stderr=log, env=BASE_ENV)
        log.close()
        wait_for(lambda: tcp_listening(self.anchor[entry[1]], entry[2]), 10,
                 f"server {key} listening on port {entry[2]}")

    def check_server(self, key):
        """Restart server @key if it died."""
        if self.servers[key][0].poll() is not None:
            self.start_server(key)

    def nsexec(self, key, *argv):
        return self._nsexec(key, *argv)


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def wait_for(pred, timeout, what):
    """Poll @pred every 10 ms for at most @timeout s; raise if never true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise RuntimeError(f"timed out waiting for {what}")

