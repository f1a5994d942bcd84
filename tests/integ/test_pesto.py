# SPDX-License-Identifier: MIT
# test_pesto.py - the control socket (-c PATH) and the pesto client
# (issue 14, 2): rules added, deleted, replaced, cleared and shown on a
# running pasta and passt, atomically, while a transfer through a rule of
# the command line runs undisturbed; flows and counters listed
import json
import os
import subprocess

from tether import Running, Tether, wait_until
from topology import run
from conftest import run_as

SIZE = 64 << 20


class Pesto:
    """build/pesto, run as the unprivileged user in HOST"""

    def __init__(self, tether, tether_bin, workdir):
        self.t = Tether(os.path.join(os.path.dirname(
            os.path.abspath(tether_bin)), "pesto"), run_as(), workdir,
            netns=tether.netns)

    def __call__(self, *args):
        p = subprocess.run(self.t.argv([str(a) for a in args]),
                           env=self.t.env(), capture_output=True, text=True,
                           timeout=30)
        return p


def ns_script(tools, done):
    """Servers in the namespace, dual-stack: banner 8001, sha 8002, UDP
    echo 8003; tt_servers.py says READY once they listen"""
    return (f"python3 {tools}/tt_servers.py --addr :: "
            "--banner 8001 --tag ns --sha 8002 --udp-echo 8003 "
            "--lifetime 300 & "
            f"for i in $(seq 1200); do [ -e {done} ] && break; sleep 0.1; "
            "done; kill $!")


def client(topo, tools, ns, *args, timeout=180):
    p = run(topo.ns_argv(ns, ["python3", f"{tools}/tt_client.py"] +
                         [str(a) for a in args]), timeout=timeout,
            check=False)
    for line in p.stdout.splitlines():
        if line.startswith("TTRESULT "):
            return json.loads(line[len("TTRESULT "):])
    raise AssertionError(p.stdout + p.stderr)


def test_pesto_changes_rules_while_a_transfer_runs(tether, topo, tether_bin,
                                                   workdir):
    tools = os.path.join(workdir, "tools")
    sock = os.path.join(workdir, "rw", "ctl-pasta.sock")
    done = os.path.join(workdir, "rw", "ctl-pasta.done")
    pesto = Pesto(tether, tether_bin, workdir)
    r = Running(tether, ["-c", sock, "-t", "28200:8002", "-u", "none",
                         "-T", "none", "-U", "none"],
                ns_script(tools, done))
    try:
        r.wait_line("READY")
        assert wait_until(lambda: os.path.exists(sock), 10)
        assert os.stat(sock).st_mode & 0o777 == 0o600
        # A 64 MiB upload through the command line's rule, from REMOTE
        up = subprocess.Popen(topo.ns_argv(topo.remote, [
            "python3", f"{tools}/tt_client.py", "sha-upload", "192.0.2.2",
            "28200", str(SIZE), "11"]), stdout=subprocess.PIPE, text=True)
        # and a connection held open, for the flow listing
        hold = subprocess.Popen(topo.ns_argv(topo.remote, [
            "python3", "-c", "import socket, time; s = socket."
            "create_connection(('192.0.2.2', 28200), 10); "
            "s.sendall(b'x' * 1000); print('UP', "
            "s.getsockname()[1], flush=True); time.sleep(30)"]),
            stdout=subprocess.PIPE, text=True, start_new_session=True)
        hold_port = int(hold.stdout.readline().split()[1])

        # Podman 6's form, then RootlessKit's (unbracketed IPv6, =)
        p = pesto("--add", "-t", "0.0.0.0/28201:8001", "-t",
                  "[::]/28201:8001", sock)
        assert p.returncode == 0, p.stderr
        p = pesto("-A", "--udp-ports=::/28203:8003", sock)
        assert p.returncode == 0, p.stderr
        res = client(topo, tools, topo.remote, "banner", "192.0.2.2", 28201,
                     "tcp")
        assert res.get("banner") in ("ns 192.0.2.1",         # source kept
                                     "ns ::ffff:192.0.2.1"), res
        res = client(topo, tools, topo.remote, "banner", "2001:db8::2",
                     28201, "tcp")
        assert res.get("banner") == "ns 2001:db8::1", res
        res = client(topo, tools, topo.remote, "udp-echo", "2001:db8::2",
                     28203, 1000)
        assert res["results"][0]["status"] == "ok", res

        p = pesto("-s", sock)
        assert p.returncode == 0, p.stderr
        assert "-t 28200:8002" in p.stdout, p.stdout
        assert "-t 0.0.0.0/28201:8001" in p.stdout, p.stdout
        assert "-t [::]/28201:8001" in p.stdout, p.stdout
        assert "-u [::]/28203:8003" in p.stdout, p.stdout

        # All or none: the second rule can't be bound, the first stays out
        p = pesto("-A", "-t", "28210:8001", "-t", "0.0.0.0/28201", sock)
        assert p.returncode == 1, p
        assert "already forwarded" in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        res = client(topo, tools, topo.remote, "connect", "192.0.2.2", 28210)
        assert res["result"] == "ECONNREFUSED", res

        # Delete one; the rules of the command line can't be deleted
        p = pesto("-D", "-t", "0.0.0.0/28201:8001", sock)
        assert p.returncode == 0, p.stderr
        res = client(topo, tools, topo.remote, "connect", "192.0.2.2", 28201)
        assert res["result"] == "ECONNREFUSED", res
        p = pesto("-D", "-t", "28200", sock)
        assert p.returncode == 1 and "command line" in p.stderr, p.stderr

        # Flows and counters while the upload runs (the held connection's
        # 1000 bytes may still be on their way: a bounded wait)
        def listing():
            q = pesto("--flows", "--json", sock)
            assert q.returncode == 0, q.stderr
            return json.loads(q.stdout)["flows"]

        def held_in():
            return [f for f in listing() if f["kind"] == "tcp" and
                    f["remote_port"] == hold_port and
                    f["bytes_in"] == 1000]
        assert wait_until(held_in, 10), json.dumps(listing()) + str(hold_port)
        flows = listing()
        assert any(f["kind"] == "tcp" and f["guest_port"] == 8002 and
                   f["remote"] == "192.0.2.1" and
                   f["remote_port"] == hold_port and
                   f["state"] == "established" and f["age_s"] >= 0
                   for f in flows), flows
        held = [f for f in flows if f["kind"] == "tcp" and
                f["remote_port"] == hold_port][0]
        assert held["bytes_in"] == 1000 and held["frames_in"] >= 1, held
        assert held["bytes_out"] == 0, held
        p = pesto("--stats", "--json", sock)
        stats = json.loads(p.stdout)
        assert stats["flows"]["tcp"]["live"] >= 1, stats
        assert stats["listeners"] >= 2, stats
        hold.kill()
        hold.wait(10)

        # Replace, then clear
        p = pesto("-t", "28220-28221:8001", sock)
        assert p.returncode == 0, p.stderr
        show = pesto("-s", sock).stdout
        assert "-t 28220-28221:8001-8002" in show, show
        assert "28201" not in show, show
        p = pesto("-C", "HOST", sock)
        assert p.returncode == 0, p.stderr
        show = pesto("-s", sock).stdout
        assert show.rstrip().endswith("# added at run time"), show

        out, _ = up.communicate(timeout=180)
        res = json.loads(out.split("TTRESULT ", 1)[1])
        assert res.get("reply") == f"{res.get('local')} {SIZE}", res
    finally:
        with open(done, "w"):
            pass
        r.stop()


def test_pesto_on_passt_and_the_refusals(tether, topo, tether_bin, workdir):
    """passt -c too; a peer of another user, a bad spec, no socket: one
    line each and status 1"""
    sock = os.path.join(workdir, "rw", "ctl-passt.sock")
    qsock = os.path.join(workdir, "rw", "ctl-passt-qemu.sock")
    pesto = Pesto(tether, tether_bin, workdir)
    passt = Tether(os.path.join(os.path.dirname(os.path.abspath(
        tether_bin)), "passt"), run_as(), workdir, netns=topo.host)
    p = passt.popen(passt.argv(["-f", "-s", qsock, "-c", sock]))
    try:
        assert wait_until(lambda: os.path.exists(sock), 10), \
            passt.finish(p, 1)
        q = pesto("--add", "-t", "28301-28302", sock)
        assert q.returncode == 0, q.stderr
        ss = run(topo.ns_argv(topo.host, ["ss", "-Htln"])).stdout
        assert ":28301 " in ss and ":28302 " in ss, ss
        assert "-t 28301-28302" in pesto("-s", sock).stdout

        # root may open the file but is not the user tether serves (as an
        # ordinary user's run, root is that user: nobody else to refuse)
        if os.geteuid() == 0 and run_as() == 1500:
            q = run(topo.ns_argv(topo.host, [os.path.join(
                os.path.dirname(os.path.abspath(tether_bin)), "pesto"),
                "-s", sock]), check=False)
            assert q.returncode == 1, q

        for args, why in ((["-A", "-t", "auto", sock], "explicit ports"),
                          (["-A", "-t", "70000", sock], "invalid -t spec"),
                          (["-A", sock], "need rules"),
                          (["-s", "--json", sock], "--json goes with"),
                          (["-s", sock + ".nope"], "cannot connect")):
            q = pesto(*args)
            assert q.returncode == 1 and why in q.stderr, (args, q.stderr)
            assert len(q.stderr.strip().splitlines()) == 1, q.stderr
        q = pesto("--version")
        assert q.returncode == 0 and q.stdout.startswith("pesto "), q
    finally:
        res = passt.finish(p, 1) if p.poll() is not None else None
        if res is None:
            p.terminate()
            passt.finish(p, 10)


def test_target_address_rules_reach_a_host_behind_the_guest(tether, topo,
                                                            tether_bin,
                                                            workdir):
    """2026's PORTS:TADDR/TPORTS: the connection goes to TADDR in the
    namespace, not to the guest's own address (Podman 6 gives the
    container's address there): on the command line and through pesto,
    from REMOTE (through the tap) and from HOST's loopback (spliced)"""
    tools = os.path.join(workdir, "tools")
    sock = os.path.join(workdir, "rw", "ctl-taddr.sock")
    done = os.path.join(workdir, "rw", "ctl-taddr.done")
    pesto = Pesto(tether, tether_bin, workdir)
    script = ("ip addr add 10.99.0.1/32 dev lo && "
              f"python3 {tools}/tt_servers.py --addr 10.99.0.1 "
              "--banner 8001 --tag behind --lifetime 300 & "
              f"for i in $(seq 600); do [ -e {done} ] && break; "
              "sleep 0.1; done; kill $!")
    r = Running(tether, ["-c", sock, "-t", "28600:10.99.0.1/8001", "-u",
                         "none", "-T", "none", "-U", "none"], script)
    try:
        r.wait_line("READY")
        assert wait_until(lambda: os.path.exists(sock), 10)
        p = pesto("-A", "-t", "0.0.0.0/28601:10.99.0.1/8001", sock)
        assert p.returncode == 0, p.stderr
        assert "-t 0.0.0.0/28601:10.99.0.1/8001" in pesto("-s",
                                                          sock).stdout
        for port in (28600, 28601):
            res = client(topo, tools, topo.remote, "banner", "192.0.2.2",
                         port, "tcp")
            assert res.get("banner") == "behind 192.0.2.1", (port, res)
            res = client(topo, tools, topo.host, "banner", "127.0.0.1",
                         port, "tcp")
            assert res.get("banner", "").startswith("behind "), (port, res)
        p = pesto("-A", "-t", "0.0.0.0/28602:fd00::5/80", sock)
        assert p.returncode == 1 and "family" in p.stderr, p.stderr
    finally:
        with open(done, "w"):
            pass
        r.stop()
