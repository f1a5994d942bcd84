# SPDX-License-Identifier: MIT
# test_slirp.py - the slirp4netns personality (issue 14, 1), driven the way
# Podman and RootlessKit drive slirp4netns: a namespace made by the
# unprivileged user, build/slirp4netns attached to it with -c, exit and
# ready fds, slirp4netns's fixed addressing
import json
import os
import select
import subprocess

import pytest

from tether import Tether, wait_until
from topology import (V4_SERVER, V6_SERVER, PORT_HOSTLO, PORT_HTTP, run)
from conftest import DNS_NAME, run_as

CURL = "curl -sS -g --fail --max-time 150"

# What Podman 4.3 and RootlessKit 1.1 look for in slirp4netns --help
PROBED = ("--disable-host-loopback", "--mtu", "--enable-sandbox",
          "--enable-seccomp", "--cidr", "--outbound-addr", "--enable-ipv6",
          "--netns-type", "--api-socket", "--userns-path")


def slirp_bin(tether_bin):
    return os.path.join(os.path.dirname(os.path.abspath(tether_bin)),
                        "slirp4netns")


class Slirp:
    """A user + network namespace the unprivileged user made in HOST (as
    Podman's is), and build/slirp4netns attached to it"""

    def __init__(self, topo, tether_bin, workdir):
        self.t = Tether(slirp_bin(tether_bin), run_as(), workdir,
                        netns=topo.host)
        self.ns = self.t.popen(self.t.user_argv(
            ["unshare", "--user", "--map-root-user", "--net", "sleep",
             "300"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        own = os.readlink("/proc/self/ns/user")
        assert wait_until(lambda: os.path.exists(f"/proc/{self.ns.pid}/ns/"
                                                 "user") and
                          os.readlink(f"/proc/{self.ns.pid}/ns/user") != own,
                          20)
        self.pid = self.ns.pid
        self.proc = None
        self.exit_w = None

    def start(self, opts, target=None, tap="tap0"):
        """slirp4netns OPTS [-e] [-r] TARGET TAP; waits for the ready fd"""
        exit_r, self.exit_w = os.pipe()
        ready_r, ready_w = os.pipe()
        args = list(opts) + ["-e", str(exit_r), "-r", str(ready_w),
                             target or str(self.pid), tap]
        self.proc = self.t.popen(self.t.argv(args),
                                 pass_fds=(exit_r, ready_w))
        os.close(exit_r)
        os.close(ready_w)
        # "1" once ready; EOF if it died first
        readable, _, _ = select.select([ready_r], [], [], 30)
        got = os.read(ready_r, 16) if readable else b""
        os.close(ready_r)
        assert got == b"1", self.t.finish(self.proc, 1)
        return self

    def sh(self, script, timeout=180):
        """Run a shell script inside the namespace; Result"""
        argv = self.t.user_argv(["nsenter", "-t", str(self.pid), "-U", "-n",
                                 "--preserve-credentials", "sh", "-c",
                                 script])
        p = subprocess.run(argv, env=self.t.env(), capture_output=True,
                           text=True, timeout=timeout)
        return p

    def tool(self, *args):
        p = self.sh(self.t.tool("tt_client.py", *args) if self.t.tools
                    else "")
        for line in p.stdout.splitlines():
            if line.startswith("TTRESULT "):
                return json.loads(line[len("TTRESULT "):])
        raise AssertionError(f"no result: {p.stdout} {p.stderr}")

    def server(self, *args):
        """tt_servers.py inside the namespace, until READY"""
        p = self.t.popen(self.t.user_argv(
            ["nsenter", "-t", str(self.pid), "-U", "-n",
             "--preserve-credentials", "python3",
             os.path.join(self.t.tools, "tt_servers.py"), "--lifetime",
             "300"] + [str(a) for a in args]))
        sel = select.select([p.stdout], [], [], 20)[0]
        assert sel and "READY" in p.stdout.readline(), p.stderr.read()
        return p

    def user_tool(self, *args):
        """tt_client.py in HOST as the unprivileged user (outside the
        namespace): its result"""
        p = subprocess.run(self.t.user_argv(
            ["python3", os.path.join(self.t.tools, "tt_client.py")] +
            [str(a) for a in args]), env=self.t.env(), capture_output=True,
            text=True, timeout=180)
        for line in p.stdout.splitlines():
            if line.startswith("TTRESULT "):
                return json.loads(line[len("TTRESULT "):])
        raise AssertionError(f"no result: {p.stdout} {p.stderr}")

    def api(self, path, req):
        return self.user_tool("slirp-api", path, json.dumps(req))

    def stop_by_exit_fd(self, timeout=10):
        os.close(self.exit_w)
        self.exit_w = None
        return self.t.finish(self.proc, timeout)

    def cleanup(self):
        if self.exit_w is not None:
            os.close(self.exit_w)
        self.t.cleanup()


@pytest.fixture
def slirp(topo, tether_bin, workdir):
    s = Slirp(topo, tether_bin, workdir)
    s.t.tools = os.path.join(workdir, "tools")
    s.t.py = "python3"
    yield s
    s.cleanup()


def test_slirp_help_and_version_say_what_clients_probe(tether_bin, workdir):
    t = Tether(slirp_bin(tether_bin), run_as(), workdir)
    res = t.run(["--help"], timeout=10)
    assert res.rc == 0, res
    assert res.out.startswith("Usage: slirp4netns [OPTION]... PID|PATH "
                              "[TAPNAME]"), res
    for opt in PROBED:
        assert opt in res.out, (opt, res)
    res = t.run(["--version"], timeout=10)
    assert res.rc == 0, res
    assert res.out.splitlines()[0].startswith("slirp4netns version 1."), res
    res = t.run([], timeout=10)
    assert res.rc == 1 and "missing PID|PATH" in res.err, res
    assert len(res.err.strip().splitlines()) == 1, res


def test_slirp_configures_slirp4netns_addressing(slirp, files):
    """-c -6 --mtu 65520: 10.0.2.100/24 via 10.0.2.2, IPv6 by RA in
    fd00::/64 via fe80::2, lo up; ready fd says 1; 64 MiB both families
    with the right SHA-256; the exit fd closing ends it with status 0"""
    slirp.start(["-c", "-6", "--mtu", "65520"])
    p = slirp.sh("ip -j addr show tap0; echo; ip -j -4 route; echo; "
                 "ip -j link show lo")
    addr, route, lo = [json.loads(x) for x in p.stdout.split("\n\n")]
    info = {(a["family"], a["local"], a["prefixlen"])
            for a in addr[0]["addr_info"]}
    assert ("inet", "10.0.2.100", 24) in info, addr
    assert addr[0]["mtu"] == 65520, addr
    assert {"dst": "default", "gateway": "10.0.2.2"}.items() <= \
        route[0].items(), route
    assert "UP" in lo[0]["flags"], lo

    def slaac():
        out = slirp.sh("ip -j -6 addr show tap0 scope global; echo; "
                       "ip -j -6 route show default").stdout
        a, r = [json.loads(x) for x in out.split("\n\n")]
        got = [i["local"] for x in a for i in x.get("addr_info", [])
               if i.get("local", "").startswith("fd00::") and
               not i.get("tentative")]
        return got and r and r[0].get("gateway") == "fe80::2"
    assert wait_until(slaac, 20), slirp.sh("ip -6 addr; ip -6 route").stdout

    _, sha, _ = files["big"]
    for server in (V4_SERVER, f"[{V6_SERVER}]"):
        p = slirp.sh(f"{CURL} -o - http://{server}:{PORT_HTTP}/big | "
                     "sha256sum")
        assert p.stdout.split()[:1] == [sha], (server, p.stdout, p.stderr)

    res = slirp.stop_by_exit_fd()
    assert res.rc == 0, res


def test_slirp_gateway_is_host_loopback_unless_disabled(topo, tether_bin,
                                                        workdir):
    """10.0.2.2 and fd00::2 reach the host's loopback; with
    --disable-host-loopback a connection there is refused, and never
    leaves for the host's network"""
    for opts, want in (([], "hostlo"), (["--disable-host-loopback"], None)):
        s = Slirp(topo, tether_bin, workdir)
        s.t.tools = os.path.join(workdir, "tools")
        s.t.py = "python3"
        try:
            s.start(["-c", "-6"] + opts)
            for addr in ("10.0.2.2", "fd00::2"):
                if addr == "fd00::2":
                    wait_until(lambda: "fd00::" in s.sh(
                        "ip -6 addr show tap0 scope global").stdout, 20)
                r = s.tool("banner", addr, PORT_HOSTLO, "tcp")
                if want:
                    assert r.get("banner", "").split()[:1] == [want], (addr, r)
                else:
                    assert r.get("error") == "ECONNREFUSED", (addr, r)
            res = s.stop_by_exit_fd()
            assert res.rc == 0, res
        finally:
            s.cleanup()


def test_slirp_dns_address_forwards_to_host_resolver(slirp, dns):
    slirp.start(["-c"])
    r = slirp.tool("dns", "10.0.2.3", DNS_NAME, "A")
    assert r.get("rcode") == 0 and r.get("addrs") == [V4_SERVER], r
    with open(dns) as f:
        assert f"QUERY {DNS_NAME} A" in f.read()


def test_slirp_netns_type_path_with_userns_path(slirp):
    """Podman's form: --netns-type=path PATH, --userns-path"""
    pid = slirp.pid
    slirp.start(["-c", "--netns-type=path",
                 f"--userns-path=/proc/{pid}/ns/user",
                 "--macaddress", "02:00:00:00:00:99"],
                target=f"/proc/{pid}/ns/net", tap="eth7")
    p = slirp.sh("ip -j addr show eth7")
    link = json.loads(p.stdout)[0]
    assert link["address"] == "02:00:00:00:00:99", link
    assert any(a["local"] == "10.0.2.100" for a in link["addr_info"]), link
    res = slirp.stop_by_exit_fd()
    assert res.rc == 0, res


def test_slirp_cidr_moves_every_address(slirp):
    slirp.start(["-c", "--cidr", "10.11.12.0/24"])
    p = slirp.sh("ip -j -4 addr show tap0; echo; ip -j -4 route")
    addr, route = [json.loads(x) for x in p.stdout.split("\n\n")]
    assert addr[0]["addr_info"][0]["local"] == "10.11.12.100", addr
    assert route[0]["gateway"] == "10.11.12.2", route
    r = slirp.tool("banner", "10.11.12.2", PORT_HOSTLO, "tcp")
    assert r.get("banner", "").split()[:1] == ["hostlo"], r


def test_slirp_exits_when_the_namespace_goes(slirp):
    slirp.start(["-c"])
    slirp.ns.kill()
    slirp.ns.wait(timeout=10)
    res = slirp.t.finish(slirp.proc, 10)
    assert res.rc == 0, res


def add_req(proto, host_port, guest_port, host_addr="0.0.0.0"):
    """Podman 4.3's add_hostfwd"""
    return {"execute": "add_hostfwd",
            "arguments": {"proto": proto, "host_addr": host_addr,
                          "host_port": host_port, "guest_addr": "",
                          "guest_port": guest_port}}


def test_slirp_api_socket_forwards_while_running(slirp, topo, workdir):
    """-a: the API socket (owner-only) adds TCP and UDP forwards that
    serve loopback and remote clients (the real source address kept), a
    64 MiB upload checked by SHA-256, lists them, removes one (its port
    closes, the other stays), and refuses what slirp4netns refuses, in
    its words"""
    path = os.path.join(workdir, "rw", "slirp-api.sock")
    slirp.start(["-c", "-a", path])
    assert os.stat(path).st_mode & 0o777 == 0o600
    slirp.server("--addr", "0.0.0.0", "--banner", 8001, "--tag", "ns",
                 "--sha", 8002, "--udp-echo", 8003)

    r = slirp.api(path, add_req("tcp", 28001, 8001))
    assert r["reply"] == {"return": {"id": 1}}, r
    r = slirp.api(path, add_req("tcp", 28002, 8002))
    assert r["reply"] == {"return": {"id": 2}}, r
    r = slirp.api(path, add_req("udp", 28003, 8003, host_addr="127.0.0.1"))
    assert r["reply"] == {"return": {"id": 3}}, r

    # From the host's loopback: the gateway's address; from REMOTE: its own
    r = slirp.user_tool("banner", "127.0.0.1", 28001, "tcp")
    assert r.get("banner") == "ns 10.0.2.2", r
    p = run(topo.ns_argv(topo.remote, [
        "python3", os.path.join(slirp.t.tools, "tt_client.py"), "banner",
        "192.0.2.2", "28001", "tcp"]), check=False)
    assert "ns 192.0.2.1" in p.stdout, p.stdout + p.stderr
    r = slirp.user_tool("sha-upload", "127.0.0.1", 28002, 64 << 20, 7)
    assert r.get("reply") == f"{r.get('local')} {64 << 20}", r
    r = slirp.user_tool("udp-echo", "127.0.0.1", 28003, 100, 1400)
    assert [x["status"] for x in r["results"]] == ["ok", "ok"], r

    r = slirp.api(path, {"execute": "list_hostfwd"})
    entries = r["reply"]["entries"]
    assert [(e["id"], e["proto"], e["host_addr"], e["host_port"],
             e["guest_addr"], e["guest_port"]) for e in entries] == [
        (1, "tcp", "0.0.0.0", 28001, "10.0.2.100", 8001),
        (2, "tcp", "0.0.0.0", 28002, "10.0.2.100", 8002),
        (3, "udp", "127.0.0.1", 28003, "10.0.2.100", 8003)], r

    r = slirp.api(path, {"execute": "remove_hostfwd",
                         "arguments": {"id": 1}})
    assert r["reply"] == {"return": {}}, r
    r = slirp.user_tool("connect", "127.0.0.1", 28001)
    assert r["result"] == "ECONNREFUSED", r
    r = slirp.user_tool("connect", "127.0.0.1", 28002)
    assert r["result"] == "connected", r

    for req, desc in (
            (add_req("tcp", 28002, 80),
             "bad request: add_hostfwd: slirp_add_hostfwd failed"),
            (add_req("sctp", 28009, 80),
             "bad request: add_hostfwd: bad arguments.proto"),
            ({"execute": "remove_hostfwd", "arguments": {"id": 1}},
             "bad request: remove_hostfwd: bad arguments.id"),
            ({"execute": "shutdown"}, "bad request: unknown execute")):
        r = slirp.api(path, req)
        assert r["reply"]["error"]["desc"].startswith(desc), (req, r)

    res = slirp.stop_by_exit_fd()
    assert res.rc == 0, res


def test_slirp_api_socket_is_the_files_mode_only(slirp, workdir):
    """As slirp4netns's: mode 0600, and whoever can open it is served
    (root too, as the benchmark's client is); the control socket (-c),
    tether's own, checks the peer's uid besides (test_pesto.py)"""
    path = os.path.join(workdir, "rw", "slirp-api-root.sock")
    slirp.start(["-c", "-a", path])
    assert os.stat(path).st_mode & 0o777 == 0o600
    p = run(["python3", os.path.join(slirp.t.tools, "tt_client.py"),
             "slirp-api", path, '{"execute":"list_hostfwd"}'], check=False)
    assert '"entries": []' in p.stdout, p.stdout
    r = slirp.api(path, {"execute": "list_hostfwd"})
    assert r["reply"] == {"entries": []}, r


def test_slirp_bad_options_one_line(tether_bin, workdir):
    t = Tether(slirp_bin(tether_bin), run_as(), workdir)
    for args, why in ((["--cidr", "10.0.2.0/30", "1"], "invalid --cidr"),
                      (["--netns-type", "foo", "1"], "invalid --netns-type"),
                      (["--target-type", "bess", "1"], "not supported"),
                      (["-e", "x", "1"], "invalid --exit-fd")):
        res = t.run(args, timeout=10)
        assert res.rc == 1 and why in res.err, (args, res)
        assert len(res.err.strip().splitlines()) == 1, res
