# SPDX-License-Identifier: MIT
# test_fwd.py - port forwarding: -t/-u into the namespace, -T/-U out of it,
# the loopback fast path, "auto", remapping, exclusions, start-up errors
"""
Topology as in topology.py. tether runs in HOST as the unprivileged user;
servers and clients come from this file itself, run as a script
("python3 test_fwd.py SUBCOMMAND ..."), copied where that user can read it:

  in the namespace   srv-tcp / srv-udp, started by tether's command
  in HOST            clients on loopback (the fast path), servers for -T/-U
  in REMOTE          clients from 198.51.100.1 / 2001:db8:1::1 (the tap
                     path: the server must see that address)

Every transfer is checksummed; every wait is bounded.
"""

import hashlib
import json
import os
import random
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

# ---- the tool: servers and clients ------------------------------------

CHUNK = 1 << 20
TIMEOUT = 60


def tt_stream(size, seed):
    """Deterministic bytes: size of them, in chunks"""
    rng = random.Random(seed)
    left = size
    while left:
        n = min(left, CHUNK)
        yield rng.randbytes(n)
        left -= n


def tt_sha(size, seed):
    h = hashlib.sha256()
    for c in tt_stream(size, seed):
        h.update(c)
    return h.hexdigest()


def result(**kw):
    print("TTRESULT " + json.dumps(kw), flush=True)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def plain(addr):
    """IPv4-mapped IPv6 as dotted quad"""
    return addr[7:] if addr.startswith("::ffff:") else addr


def read_line(s, limit=256):
    buf = b""
    while not buf.endswith(b"\n") and len(buf) < limit:
        c = s.recv(1)
        if not c:
            break
        buf += c
    return buf.decode(errors="replace").strip()


def serve_tcp_conn(c, peer, lport):
    """One connection: a command line, then the answer"""
    try:
        c.settimeout(TIMEOUT)
        cmd = read_line(c).split()
        if not cmd:
            return
        if cmd[0] == "PEER":
            c.sendall(f"PEER {plain(peer[0])} {peer[1]} {lport}\n".encode())
        elif cmd[0] == "PING":
            c.sendall(f"PONG {lport}\n".encode())
        elif cmd[0] == "SINK":
            h, n = hashlib.sha256(), 0
            while True:
                d = c.recv(CHUNK)
                if not d:
                    break
                h.update(d)
                n += len(d)
            c.sendall(f"SHA {h.hexdigest()} {n}\n".encode())
        elif cmd[0] == "ECHO":
            left = int(cmd[1])
            while left:
                d = c.recv(min(left, CHUNK))
                if not d:
                    break
                c.sendall(d)
                left -= len(d)
        elif cmd[0] == "RST":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        elif cmd[0] == "WAIT":
            c.sendall(b"WAITING\n")
            try:
                d = c.recv(100)
                what = "data" if d else "eof"
            except ConnectionResetError:
                what = "reset"
            except OSError as e:
                what = type(e).__name__
            print(f"WAITRESULT {what}", flush=True)
        elif cmd[0] == "SOURCE":
            for chunk in tt_stream(int(cmd[1]), int(cmd[2])):
                c.sendall(chunk)
    except OSError:
        pass
    finally:
        c.close()


def listen_tcp(addr, port):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(addr) == socket.AF_INET6 and addr == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((addr, port))
    s.listen(512)
    return s


def cmd_srv_tcp(addr, life, *ports):
    """TCP servers on addr:port for each port; exit after life seconds"""
    socks = [listen_tcp(addr, int(p)) for p in ports]
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    print(f"READY {time.time():.3f}", flush=True)
    deadline = time.monotonic() + float(life)
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            try:
                c, peer = key.fileobj.accept()
            except OSError:
                continue
            lport = key.fileobj.getsockname()[1]
            threading.Thread(target=serve_tcp_conn, args=(c, peer, lport),
                             daemon=True).start()
    for s in socks:
        s.close()
    print(f"EXIT {time.time():.3f}", flush=True)


def cmd_srv_udp(addr, life, *ports):
    """UDP servers: each datagram comes back as 'PEER addr port lport|' +
    its payload"""
    socks = []
    for p in ports:
        s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        if family_of(addr) == socket.AF_INET6 and addr == "::":
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind((addr, int(p)))
        socks.append(s)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    print(f"READY {time.time():.3f}", flush=True)
    deadline = time.monotonic() + float(life)
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                d, peer = s.recvfrom(65535)
                hdr = f"PEER {plain(peer[0])} {peer[1]} {s.getsockname()[1]}|"
                s.sendto(hdr.encode() + d, peer)
            except OSError:
                pass
    print(f"EXIT {time.time():.3f}", flush=True)


def connect(addr, port, src=None, timeout=TIMEOUT):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((addr, int(port)))
    return s


def cmd_peer(addr, port, src=""):
    """Which address and port does the server see us from?"""
    try:
        s = connect(addr, port, src or None)
        s.sendall(b"PEER\n")
        words = read_line(s).split()
        result(ok=True, peer=words[1], pport=int(words[2]),
               lport=int(words[3]), local=list(s.getsockname()[:2]))
    except OSError as e:
        result(ok=False, error=str(e))


def cmd_ping(addr, port, timeout="10"):
    """One connection: PING, expect PONG and the server's port"""
    t0 = time.monotonic()
    try:
        s = connect(addr, port, timeout=float(timeout))
        s.sendall(b"PING\n")
        words = read_line(s).split()
        result(ok=words[:1] == ["PONG"], port=int(words[1]) if
               len(words) > 1 else None, elapsed=time.monotonic() - t0)
    except OSError as e:
        result(ok=False, error=type(e).__name__, errno=e.errno,
               elapsed=time.monotonic() - t0)


def cmd_many(addr, port, count):
    """count connections in a row, each PING / PONG, then closed"""
    ok, errors = 0, []
    for _ in range(int(count)):
        try:
            s = connect(addr, port, timeout=10)
            s.sendall(b"PING\n")
            if read_line(s).startswith("PONG"):
                ok += 1
            s.close()
        except OSError as e:
            errors.append(str(e))
    result(ok=ok, count=int(count), errors=errors[:5])


def cmd_hold(addr, port, count, secs):
    """count connections open at once, each echoing a line, all kept open
    for secs, then each echoing another and closed"""
    conns, ok, errors = [], 0, []

    def echo(s, line):
        s.sendall(line)
        return read_line(s) == line.decode().strip()
    for i in range(int(count)):
        try:
            s = connect(addr, port, timeout=10)
            s.sendall(b"ECHO 12\n")
            if echo(s, f"A{i:04}\n".encode()):
                conns.append(s)
        except OSError as e:
            errors.append(str(e))
    time.sleep(float(secs))
    for i, s in enumerate(conns):
        try:
            if echo(s, f"B{i:04}\n".encode()):
                ok += 1
            s.close()
        except OSError as e:
            errors.append(str(e))
    result(ok=ok, count=int(count), errors=errors[:5])


def sink(s, size, seed):
    """Upload on @s (SINK): the server's (sha, length) of what it got"""
    s.sendall(b"SINK\n")
    for chunk in tt_stream(size, seed):
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    words = read_line(s).split()
    return words[1], int(words[2])


def source(s, size, seed, delay=0.0):
    """Download on @s (SOURCE), reading from @delay s after asking: our
    (sha, length) of what we got"""
    s.sendall(f"SOURCE {size} {seed}\n".encode())
    time.sleep(delay)
    h, n = hashlib.sha256(), 0
    while True:
        d = s.recv(CHUNK)
        if not d:
            break
        h.update(d)
        n += len(d)
    return h.hexdigest(), n


def cmd_bulk(addr, port, size, seed):
    """Upload size bytes (server checksums them), then download as many
    (we checksum them)"""
    size, seed = int(size), int(seed)
    out = {"expect": tt_sha(size, seed)}
    t0 = time.monotonic()
    s = connect(addr, port)
    out["up_sha"], out["up_len"] = sink(s, size, seed)
    s.close()
    out["up_s"] = time.monotonic() - t0

    t0 = time.monotonic()
    s = connect(addr, port)
    out["down_sha"], out["down_len"] = source(s, size, seed)
    s.close()
    out["down_s"] = time.monotonic() - t0
    result(**out)


def cmd_echo(addr, port, size, seed, timeout="20"):
    """Send size bytes while reading them back, never half-closing: a
    stalled direction can't be rescued by an EOF"""
    size, seed = int(size), int(seed)
    s = connect(addr, port, timeout=float(timeout))
    s.sendall(f"ECHO {size}\n".encode())
    got = {"n": 0, "h": hashlib.sha256(), "err": None}

    def reader():
        try:
            while got["n"] < size:
                d = s.recv(CHUNK)
                if not d:
                    break
                got["h"].update(d)
                got["n"] += len(d)
        except OSError as e:
            got["err"] = str(e)
    t = threading.Thread(target=reader)
    t0 = time.monotonic()
    t.start()
    try:
        for chunk in tt_stream(size, seed):
            s.sendall(chunk)
    except OSError as e:
        got["err"] = str(e)
    t.join(float(timeout) + 5)
    result(ok=got["n"] == size and got["h"].hexdigest() == tt_sha(size,
                                                                    seed),
           n=got["n"], error=got["err"], elapsed=time.monotonic() - t0)
    s.close()


def cmd_reset(addr, port, who):
    """who=server: the server resets, what do we see? who=client: we
    reset, after the server is waiting (it prints what it saw)"""
    t0 = time.monotonic()
    try:
        s = connect(addr, port, timeout=10)
        if who == "server":
            s.sendall(b"RST\n")
            d = s.recv(100)
            what = "data" if d else "eof"
        else:
            s.sendall(b"WAIT\n")
            what = read_line(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        s.close()
    except ConnectionResetError:
        what = "reset"
    except OSError as e:
        what = type(e).__name__
    result(seen=what, elapsed=time.monotonic() - t0)


def cmd_udp(addr, port, src="", payload="hello", timeout="5"):
    """One datagram, the reply: who the server saw, who answered"""
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.settimeout(float(timeout))
    if src:
        s.bind((src, 0))
    try:
        s.sendto(payload.encode(), (addr, int(port)))
        d, frm = s.recvfrom(65535)
        hdr, body = d.split(b"|", 1)
        w = hdr.decode().split()
        result(ok=body == payload.encode(), peer=w[1], pport=int(w[2]),
               lport=int(w[3]), local_port=s.getsockname()[1],
               reply_from=[plain(frm[0]), frm[1]])
    except (OSError, ValueError, IndexError) as e:
        result(ok=False, error=str(e))


def cmd_parbulk(addr, port, count, size, delay="0"):
    """count transfers at once, half uploads (the server checksums them),
    half downloads (we do, reading from delay s on): ok counts the intact
    ones"""
    count, size, delay = int(count), int(size), float(delay)
    ok, errors, lock = [0], [], threading.Lock()

    def one(i):
        try:
            s = connect(addr, port, timeout=60)
            got = sink(s, size, i) if i % 2 else source(s, size, i, delay)
            good = got == (tt_sha(size, i), size)
            s.close()
        except (OSError, IndexError, ValueError) as e:
            good = False
            with lock:
                errors.append(str(e))
        if good:
            with lock:
                ok[0] += 1
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    result(ok=ok[0], count=count, errors=errors[:5])


COMMANDS = {"srv-tcp": cmd_srv_tcp, "srv-udp": cmd_srv_udp,
            "peer": cmd_peer, "ping": cmd_ping, "many": cmd_many,
            "bulk": cmd_bulk, "echo": cmd_echo, "reset": cmd_reset,
            "udp": cmd_udp, "parbulk": cmd_parbulk, "hold": cmd_hold}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
    sys.exit(0)

# ---- the tests ----------------------------------------------------------

import pytest  # noqa: E402

from tether import Running, wait_until  # noqa: E402
from topology import (V4_HOST, V6_HOST, V4_SERVER, V6_SERVER,  # noqa: E402
                      kill_tree, run)

BIG = int(os.environ.get("TT_BIG_MB") or 64) << 20
LIFE = 120          # s, servers in the namespace


@pytest.fixture(scope="module")
def tool(workdir):
    """This file, where the unprivileged user can read it"""
    dst = os.path.join(workdir, "tt_fwd.py")
    shutil.copy(os.path.abspath(__file__), dst)
    os.chmod(dst, 0o755)
    return dst


def host_run(topo, ns, tool, *args, timeout=120):
    """Run the tool in a namespace as root; its TTRESULT dict"""
    p = run(topo.ns_argv(ns, [sys.executable, tool] + [str(a) for a in
                                                       args]),
            timeout=timeout, check=False)
    for line in p.stdout.splitlines():
        if line.startswith("TTRESULT "):
            return json.loads(line.split(" ", 1)[1])
    raise AssertionError(f"no result from {args}: {p.stdout} {p.stderr}")


class HostServer:
    """A server of this file in HOST (for -T / -U), stopped on exit"""

    def __init__(self, topo, tool, kind, addr, *ports):
        self.p = subprocess.Popen(
            topo.ns_argv(topo.host, [sys.executable, tool, kind, addr,
                                     str(LIFE)] + [str(p) for p in ports]),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=20) or \
                not self.p.stdout.readline().startswith("READY"):
            self.close()
            raise AssertionError(f"{kind} {addr} {ports} did not start")

    def close(self):
        kill_tree(self.p.pid)
        self.p.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ns_server(tool, kind, ports, life=LIFE, addr="::"):
    return f"python3 {tool} {kind} {addr} {life} " + \
        " ".join(str(p) for p in ports)


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


# -- inbound through the tap: the server sees the real client -----------

@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_fwd_remote_tcp_client_seen_with_real_address(tether, topo, tool,
                                                      fam):
    dst, src = (V4_HOST, V4_SERVER) if fam == "v4" else (V6_HOST, V6_SERVER)
    r = Running(tether, ["-t", "24001"],
                ns_server(tool, "srv-tcp", [24001]))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.remote, tool, "peer", dst, 24001, src)
        assert res["ok"], res
        assert res["peer"] == src, res
        assert res["pport"] == res["local"][1], res
        res = host_run(topo, topo.remote, tool, "bulk", dst, 24001, 8 << 20,
                       11)
        assert res["up_sha"] == res["expect"] == res["down_sha"], res
        res = host_run(topo, topo.remote, tool, "echo", dst, 24001, 8 << 20,
                       1)
        assert res["ok"], res
    finally:
        r.stop()


@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_fwd_remote_udp_client_seen_and_answered(tether, topo, tool, fam):
    dst, src = (V4_HOST, V4_SERVER) if fam == "v4" else (V6_HOST, V6_SERVER)
    r = Running(tether, ["-u", "24002"],
                ns_server(tool, "srv-udp", [24002]))
    try:
        r.wait_line("READY")
        for payload in ("one", "x" * 30000):
            res = host_run(topo, topo.remote, tool, "udp", dst, 24002, src,
                           payload)
            assert res["ok"], res
            assert res["peer"] == src, res
            assert res["pport"] == res["local_port"], res
            assert res["reply_from"] == [dst, 24002], res
    finally:
        r.stop()


def test_fwd_host_loopback_via_tap_with_no_splice(tether, topo, tool):
    """--no-splice: a loopback client appears from the gateway address"""
    r = Running(tether, ["--no-splice", "-t", "24003"],
                ns_server(tool, "srv-tcp", [24003]))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.host, tool, "peer", "127.0.0.1", 24003)
        assert res["ok"], res
        assert res["peer"] == "192.0.2.1", res      # map-host-loopback
        res = host_run(topo, topo.host, tool, "bulk", "127.0.0.1", 24003,
                       8 << 20, 12)
        assert res["up_sha"] == res["expect"] == res["down_sha"], res
    finally:
        r.stop()


# -- the loopback fast path ------------------------------------------------

@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_fwd_host_loopback_spliced_64mib_both_ways(tether, topo, tool, fam):
    lo = "127.0.0.1" if fam == "v4" else "::1"
    ns_addr = V4_HOST if fam == "v4" else V6_HOST
    r = Running(tether, ["-t", "24004"],
                ns_server(tool, "srv-tcp", [24004]))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.host, tool, "peer", lo, 24004)
        assert res["ok"], res
        # spliced: from the namespace's own address, not through the tap
        assert res["peer"] == ns_addr, res
        res = host_run(topo, topo.host, tool, "bulk", lo, 24004, BIG, 13)
        assert res["up_len"] == res["down_len"] == BIG, res
        assert res["up_sha"] == res["expect"] == res["down_sha"], res
        # both ways at once, no EOF to wake a stalled direction up
        for seed in range(3):
            res = host_run(topo, topo.host, tool, "echo", lo, 24004,
                           32 << 20, seed)
            assert res["ok"], res
    finally:
        r.stop()


@pytest.mark.parametrize("reverse", [False, True], ids=["up", "down"])
def test_fwd_spliced_iperf3_never_stalls(tether, topo, reverse):
    """At full speed, no half-second without progress (a lost wake-up
    shows as intervals of 0 bytes until the end)"""
    iperf3 = shutil.which("iperf3")
    if not iperf3:
        pytest.skip("iperf3 not installed")
    r = Running(tether, ["-t", "24014"],
                f"{iperf3} -s -1 -p 24014 & for i in $(seq 100); do "
                f"ss -ltnH 'sport = :24014' | grep -q . && break; "
                f"sleep 0.05; done; echo READY; wait")
    try:
        r.wait_line("READY")
        argv = [iperf3, "-c", "127.0.0.1", "-p", "24014", "-t", "3",
                "-i", "0.5", "-J"] + (["-R"] if reverse else [])
        p = run(topo.ns_argv(topo.host, argv), check=False, timeout=30)
        assert p.returncode == 0, p.stdout[-2000:]
        out = json.loads(p.stdout)
        iv = [i["sum"]["bytes"] for i in out["intervals"]]
        assert iv and min(iv) > 0, \
            f"stalled: bytes per 0.5 s {iv} {out.get('error')}"
    finally:
        r.stop()


def test_fwd_host_lo_to_ns_lo(tether, topo, tool):
    r = Running(tether, ["--host-lo-to-ns-lo", "-t", "24005"],
                ns_server(tool, "srv-tcp", [24005], addr="127.0.0.1"))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.host, tool, "peer", "127.0.0.1", 24005)
        assert res["ok"], res
        assert res["peer"] == "127.0.0.1", res
    finally:
        r.stop()


@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_fwd_ns_to_host_loopback_64mib_both_ways(tether, topo, tool, fam):
    lo = "127.0.0.1" if fam == "v4" else "::1"
    with HostServer(topo, tool, "srv-tcp", lo, 24006):
        script = (f"python3 {tool} peer {lo} 24006; "
                  f"python3 {tool} bulk {lo} 24006 {BIG} 14")
        res = tether.spawn(script, opts=["-T", "24006"])
    assert res.rc == 0, res
    peer, bulk = res.results
    assert peer["ok"] and peer["peer"] == lo, res
    assert bulk["up_len"] == bulk["down_len"] == BIG, bulk
    assert bulk["up_sha"] == bulk["expect"] == bulk["down_sha"], bulk


def test_fwd_ns_to_host_echo_no_stall(tether, topo, tool):
    with HostServer(topo, tool, "srv-tcp", "127.0.0.1", 24010):
        script = "; ".join(f"python3 {tool} echo 127.0.0.1 24010 "
                           f"{32 << 20} {seed}" for seed in range(3))
        res = tether.spawn(script, opts=["-T", "24010"])
    assert res.rc == 0, res
    assert len(res.results) == 3, res
    assert all(r["ok"] for r in res.results), res



def pipe_budget():
    """Pipes tether may hold: an eighth of the user's pipe-user-pages-soft
    in 16-page pipes (at least 16), as tcp_splice.c computes it"""
    with open("/proc/sys/fs/pipe-user-pages-soft") as f:
        soft = int(f.read())
    pages = soft // 4 if soft else (64 << 20) // 4096
    return max(pages // 2 // 16, 16)


class PipeWatch:
    """Samples, every 50 ms while in use, the most pipes held by the
    tether whose command line forwards -T @port: pipes it holds both ends
    of. That leaves out its stdin, stdout and stderr (pipes or not,
    depending on who runs the tests) and, in pasta mode, the write end of
    the pipe the spawned command waits on, which tether holds from before
    the pipe pool is filled until the command is released.

    Reading a process's fds is not atomic (list, then one readlink each),
    so a sample taken while pipes are closed and opened could count an old
    pipe and its successor both. A sample counts only when two reads in a
    row give the same fds with the same targets: every pipe has an inode
    of its own, so each pipe counted was open from its first reading to
    its second, and all of them at once between the two reads"""

    def __init__(self, port):
        self.tag = f"-T\x00{port}".encode()
        self.peak = 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.watch)

    @staticmethod
    def fds(pid):
        d = f"/proc/{pid}/fd"
        return {fd: os.readlink(f"{d}/{fd}") for fd in os.listdir(d)
                if int(fd) > 2}

    def watch(self):
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if self.tag not in f.read():
                            continue
                    a = self.fds(pid)
                    if a != self.fds(pid):
                        continue
                except (OSError, ValueError):
                    continue
                ends = [t for t in a.values() if t.startswith("pipe:")]
                n = sum(1 for t in set(ends) if ends.count(t) == 2)
                self.peak = max(self.peak, n)
            time.sleep(0.05)

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join(5)


def test_fwd_spliced_pipes_stay_within_the_users_budget(tether, topo, tool):
    """Many spliced connections at once (issue 10, 7): 300 held open, 100
    transferring. tether's pipes stay within its share of the user's pipe
    budget (idle connections hold none), and every transfer completes
    intact"""
    count, size = 100, 1 << 20
    with HostServer(topo, tool, "srv-tcp", "127.0.0.1", 24012), \
            PipeWatch(24012) as w:
        res = tether.spawn(f"python3 {tool} hold 127.0.0.1 24012 300 "
                           f"4 & python3 {tool} parbulk 127.0.0.1 "
                           f"24012 {count} {size}; wait",
                           opts=["-T", "24012"], timeout=150)
    assert res.rc == 0, res
    assert len(res.results) == 2, res
    for r in res.results:
        assert r["ok"] == r["count"], r
    assert 0 < w.peak <= pipe_budget(), \
        f"{w.peak} pipes open, budget {pipe_budget()} pipes"


def test_fwd_spliced_transfers_wait_for_a_pipe_and_complete(tether, topo,
                                                           tool):
    """With a user pipe budget that gives tether only 16 pipes, 40 spliced
    transfers of 8 MiB at once, the 20 downloads not read for 2 s: their
    data outgrows the socket buffers and stays in pipes, so directions that
    find none wait for one. Every transfer still completes intact, and no
    more than 16 pipes are open"""
    path = "/proc/sys/fs/pipe-user-pages-soft"
    try:
        with open(path) as f:
            old = f.read().strip()
        with open(path, "w") as f:
            f.write("2048")     # a quarter, halved, in 16-page pipes: 16
    except OSError:
        pytest.skip("can't set fs.pipe-user-pages-soft here")
    try:
        with HostServer(topo, tool, "srv-tcp", "127.0.0.1", 24013), \
                PipeWatch(24013) as w:
            res = tether.spawn(f"python3 {tool} parbulk 127.0.0.1 24013 "
                               f"40 {8 << 20} 2", opts=["-T", "24013"],
                               timeout=150)
    finally:
        with open(path, "w") as f:
            f.write(old)
    assert res.rc == 0, res
    r = res.results[0]
    assert r["ok"] == r["count"] == 40, r
    assert "connections wait for one" in res.err, res     # queue used
    assert 0 < w.peak <= 16, f"{w.peak} pipes open, budget 16 pipes"

def test_fwd_udp_loopback_both_ways(tether, topo, tool):
    """-u from host loopback and -U to it: source port kept, replies from
    the port the client sent to"""
    with HostServer(topo, tool, "srv-udp", "127.0.0.1", 24008):
        r = Running(tether, ["-u", "24007", "-U", "24008"],
                    ns_server(tool, "srv-udp", [24007]) + " & " +
                    f"sleep 1; python3 {tool} udp 127.0.0.1 24008; wait")
        try:
            r.wait_line("READY")
            res = host_run(topo, topo.host, tool, "udp", "127.0.0.1", 24007)
            assert res["ok"], res
            assert res["peer"] == V4_HOST, res          # spliced
            assert res["pport"] == res["local_port"], res
            assert res["reply_from"] == ["127.0.0.1", 24007], res
            out = r.wait_line("TTRESULT ")
            res = json.loads(" ".join(out))
            assert res["ok"], res
            assert res["peer"] == "127.0.0.1", res
            assert res["pport"] == res["local_port"], res
            assert res["reply_from"] == ["127.0.0.1", 24008], res
        finally:
            r.stop()


# -- resets and refusals -------------------------------------------------

PATHS = pytest.mark.parametrize("path", ["splice", "tap"])


def client_ns(topo, path):
    """Where the client runs and what it connects to, per path"""
    return (topo.host, "127.0.0.1") if path == "splice" else \
        (topo.remote, V4_HOST)


@PATHS
def test_fwd_server_reset_reaches_client(tether, topo, tool, path):
    r = Running(tether, ["-t", "24051"], ns_server(tool, "srv-tcp", [24051]))
    try:
        r.wait_line("READY")
        ns, addr = client_ns(topo, path)
        res = host_run(topo, ns, tool, "reset", addr, 24051, "server")
        assert res["seen"] == "reset" and res["elapsed"] < 5, res
    finally:
        r.stop()


@PATHS
def test_fwd_client_reset_reaches_server(tether, topo, tool, path):
    r = Running(tether, ["-t", "24052"], ns_server(tool, "srv-tcp", [24052]))
    try:
        r.wait_line("READY")
        ns, addr = client_ns(topo, path)
        res = host_run(topo, ns, tool, "reset", addr, 24052, "client")
        assert res["seen"] == "WAITING", res
        assert r.wait_line("WAITRESULT ", timeout=10) == ["reset"]
    finally:
        r.stop()


def test_fwd_reset_crosses_ns_to_host(tether, topo, tool):
    with HostServer(topo, tool, "srv-tcp", "127.0.0.1", 24053):
        res = tether.spawn(f"python3 {tool} reset 127.0.0.1 24053 server",
                           opts=["-T", "24053"])
    assert res.rc == 0, res
    assert res.results[0]["seen"] == "reset", res


@PATHS
def test_fwd_nothing_listening_client_is_reset_at_once(tether, topo, tool,
                                                       path):
    """Our listener accepts; nobody behind it: RST, not a hang"""
    r = Running(tether, ["-t", "24054"], "echo READY; sleep 60")
    try:
        r.wait_line("READY")
        ns, addr = client_ns(topo, path)
        res = host_run(topo, ns, tool, "reset", addr, 24054, "server")
        assert res["seen"] in ("reset", "eof"), res
        assert res["elapsed"] < 3, res
    finally:
        r.stop()


# -- listening addresses and families --------------------------------------

def test_fwd_spec_address_binds_only_there(tether, topo, tool):
    r = Running(tether, ["-t", "127.0.0.1/24061"],
                ns_server(tool, "srv-tcp", [24061]))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.host, tool, "ping", "127.0.0.1", 24061)
        assert res["ok"], res
        res = host_run(topo, topo.remote, tool, "ping", V4_HOST, 24061, 3)
        assert not res["ok"] and res["errno"] == 111, res
    finally:
        r.stop()


def test_fwd_freebind_listens_on_an_address_the_host_lacks(tether, topo,
                                                           tool):
    """QEMU's -netdev passt passes --freebind: an ADDR/ listener may bind
    an address the host doesn't have yet, and serves once it appears"""
    addr = "192.0.2.77"
    res = tether.run(["--quiet", "--config-net", "-t", f"{addr}/24063",
                      "--", "true"],
                     timeout=30)
    assert res.rc == 1 and len(res.err.strip().splitlines()) == 1, res
    r = Running(tether, ["--freebind", "-t", f"{addr}/24063"],
                ns_server(tool, "srv-tcp", [24063]))
    ip = ["ip", "addr", "add", f"{addr}/32", "dev", "lo"]
    try:
        r.wait_line("READY")
        run(topo.ns_argv(topo.host, ip), timeout=30)
        res = host_run(topo, topo.host, tool, "ping", addr, 24063)
        assert res["ok"], res
    finally:
        r.stop()
        ip[1:3] = ["addr", "del"]
        run(topo.ns_argv(topo.host, ip), timeout=30, check=False)


def test_fwd_spec_interface_binds_only_there(tether, topo, tool):
    r = Running(tether, ["-t", "%lo/24062"],
                ns_server(tool, "srv-tcp", [24062]))
    try:
        r.wait_line("READY")
        for lo in ("127.0.0.1", "::1"):
            res = host_run(topo, topo.host, tool, "ping", lo, 24062)
            assert res["ok"], res
        res = host_run(topo, topo.remote, tool, "ping", V4_HOST, 24062, 3)
        assert not res["ok"], res
    finally:
        r.stop()


def test_fwd_ipv4_only_listens_on_ipv4_only(tether, topo, tool):
    r = Running(tether, ["-4", "-t", "24063"],
                ns_server(tool, "srv-tcp", [24063], addr="0.0.0.0"))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.host, tool, "ping", "127.0.0.1", 24063)
        assert res["ok"], res
        res = host_run(topo, topo.host, tool, "ping", "::1", 24063, 3)
        assert not res["ok"] and res["errno"] == 111, res
    finally:
        r.stop()


# -- rules ----------------------------------------------------------------

def test_fwd_remapped_range_lands_on_right_ports(tether, topo, tool):
    r = Running(tether, ["-t", "24011-24013:25011-25013",
                         "-u", "24011:25011"],
                ns_server(tool, "srv-tcp", [25011, 25012, 25013]) + " & " +
                ns_server(tool, "srv-udp", [25011]) + "; wait")
    try:
        r.wait_line("READY")
        r.wait_line("READY")
        for i in range(3):
            res = host_run(topo, topo.host, tool, "ping", "127.0.0.1",
                           24011 + i)
            assert res["ok"] and res["port"] == 25011 + i, res
            res = host_run(topo, topo.remote, tool, "ping", V4_HOST,
                           24011 + i)
            assert res["ok"] and res["port"] == 25011 + i, res
        res = host_run(topo, topo.remote, tool, "udp", V4_HOST, 24011)
        assert res["ok"] and res["lport"] == 25011, res
        assert res["reply_from"] == [V4_HOST, 24011], res
    finally:
        r.stop()


def test_fwd_all_binds_what_it_can_and_keeps_working(tether, topo, tool):
    """-t all: every non-ephemeral port it can get, without starving
    the loop of file descriptors (ports are taken from 1 up, so ports past
    the fd budget are not forwarded); ports it may not bind are skipped"""
    r = Running(tether, ["-t", "all", "-u", "none", "-T", "none", "-U",
                         "none"],
                ns_server(tool, "srv-tcp", [2121, 2122], life=30))
    try:
        r.wait_line("READY")
        for port in (2121, 2122):
            for ns, addr in ((topo.host, "127.0.0.1"),
                             (topo.remote, V4_HOST)):
                res = host_run(topo, ns, tool, "ping", addr, port)
                assert res["ok"] and res["port"] == port, res
        res = host_run(topo, topo.host, tool, "many", "127.0.0.1", 2121,
                       50)
        assert res["ok"] == 50, res
    finally:
        res = r.stop()
    assert "Failed to bind" not in res.err, res


def test_fwd_excluded_port_not_forwarded(tether, topo, tool):
    ports = [24021, 24022, 24023]
    r = Running(tether, ["-t", "24021-24023,~24022"],
                ns_server(tool, "srv-tcp", ports))
    try:
        r.wait_line("READY")
        for p in ports:
            res = host_run(topo, topo.host, tool, "ping", "127.0.0.1", p, 3)
            if p == 24022:
                assert not res["ok"] and res["errno"] == 111, res
            else:
                assert res["ok"] and res["port"] == p, res
    finally:
        r.stop()


def test_fwd_auto_follows_namespace_within_a_second(tether, topo, tool):
    """Default -t auto: a port bound in the namespace after start is
    forwarded within a second, and released after the server exits"""
    port = 24031
    r = Running(tether, [], "sleep 1; " +
                ns_server(tool, "srv-tcp", [port], life=4) + "; sleep 30")
    try:
        pre = host_run(topo, topo.host, tool, "ping", "127.0.0.1", port, 2)
        assert not pre["ok"], pre
        t_ready = float(r.wait_line("READY")[0])

        def up():
            return host_run(topo, topo.host, tool, "ping", "127.0.0.1",
                            port, 2)["ok"]
        assert wait_until(up, 5, step=0.05), "never forwarded"
        assert time.time() - t_ready < 1.0, "forwarded too late"

        t_exit = float(r.wait_line("EXIT", timeout=10)[0])

        def down():
            res = host_run(topo, topo.host, tool, "ping", "127.0.0.1", port,
                           2)
            return not res["ok"] and res["errno"] == 111
        assert wait_until(down, 5, step=0.05), "never released"
        assert time.time() - t_exit < 1.0, "released too late"
    finally:
        r.stop()


def test_fwd_auto_udp_follows_namespace(tether, topo, tool):
    port = 24033
    r = Running(tether, [], "sleep 1; " +
                ns_server(tool, "srv-udp", [port], life=30))
    try:
        r.wait_line("READY")

        def up():
            return host_run(topo, topo.host, tool, "udp", "127.0.0.1",
                            port, "", "hello", 0.3)["ok"]
        assert wait_until(up, 5, step=0.05), "never forwarded"
    finally:
        r.stop()


def test_fwd_auto_never_forwards_back(tether, topo, tool):
    """-t auto and -T auto together: a host port forwarded into the
    namespace (our listener there) must not come back out, and the other
    way round"""
    with HostServer(topo, tool, "srv-tcp", "127.0.0.1", 24035):
        res = tether.spawn(
            f"sleep 1.2; python3 {tool} ping 127.0.0.1 24035; " +
            ns_server(tool, "srv-tcp", [24036], life=2.5), opts=["-d"])
    assert res.rc == 0, res
    assert res.results[0]["ok"] and res.results[0]["port"] == 24035, res
    assert "auto: -T port 24035 forwarded" in res.err, res
    assert "auto: -t port 24036 forwarded" in res.err, res
    for bad in ("-t port 24035", "-u port 24035", "-T port 24036",
                "-U port 24036"):
        assert f"auto: {bad} forwarded" not in res.err, res


def test_fwd_auto_ns_to_host_follows_host(tether, topo, tool):
    """Default -T auto: a port bound on the host appears in the namespace"""
    with HostServer(topo, tool, "srv-tcp", "127.0.0.1", 24032):
        res = tether.spawn(f"sleep 1.2; python3 {tool} ping 127.0.0.1 24032")
    assert res.rc == 0, res
    assert res.results[0]["ok"] and res.results[0]["port"] == 24032, res


@pytest.mark.parametrize("spec,part", [
    ("70000", "70000"), ("80-70", "80-70"), ("foo", "foo"),
    ("22,22", "22"),
])
def test_fwd_bad_spec_fails_at_once(tether_cli, spec, part):
    res = tether_cli.run(["-t", spec, "--", "true"], timeout=20)
    assert res.rc == 1, res
    lines = [x for x in res.err.splitlines() if x.strip()]
    assert len(lines) == 1 and part in lines[0] and "-t" in lines[0], res


def test_fwd_bound_port_fails_at_startup(tether, topo):
    """-t 2222 with 2222 taken on the host: exit 1 at start-up, one line"""
    holder = subprocess.Popen(
        topo.ns_argv(topo.host, [sys.executable, "-c", (
            "import socket, time\n"
            "s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\n"
            "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
            "s.bind(('::', 2222)); s.listen(1)\n"
            "print('READY', flush=True); time.sleep(60)\n")]),
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        start_new_session=True)
    try:
        assert holder.stdout.readline().startswith("READY")
        t0 = time.monotonic()
        res = tether.run(["--config-net", "-t", "2222", "--", "sleep", "20"],
                         timeout=30)
        assert time.monotonic() - t0 < 10, res
        assert res.rc == 1, res
        want = ("Failed to bind port 2222 (Address already in use) for "
                "option '-t 2222', exiting")
        assert [x for x in res.err.splitlines() if want in x], res
        assert len([x for x in res.err.splitlines() if "2222" in x]) == 1, \
            res
    finally:
        kill_tree(holder.pid)
        holder.wait(timeout=10)


def attached_server(tether, tool, port):
    """A server in a user+net namespace of the unprivileged user, which
    tether will attach to; the Popen of unshare (its pid is the target)"""
    p = tether.popen(tether.user_argv(
        ["unshare", "--user", "--map-root-user", "--net", "sh", "-c",
         f"ip link set lo up; exec python3 {tool} srv-tcp 0.0.0.0 {LIFE} "
         f"{port}"]), stderr=subprocess.DEVNULL)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    assert sel.select(timeout=20) and p.stdout.readline().startswith("READY")
    return p


def test_fwd_attach_daemon_forwards_and_reports_bind_failure(tether, topo,
                                                             tool, workdir):
    """Attached to a PID, tether daemonizes: a port that can't be bound
    must still fail the command the user ran, with exit 1"""
    ns = attached_server(tether, tool, 24091)
    holder = subprocess.Popen(
        topo.ns_argv(topo.host, [sys.executable, "-c", (
            "import socket, time\n"
            "s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\n"
            "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
            "s.bind(('::', 24092)); s.listen(1)\n"
            "print('READY', flush=True); time.sleep(60)\n")]),
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        start_new_session=True)
    try:
        assert holder.stdout.readline().startswith("READY")
        res = tether.run(["--config-net", "-t", "24091,24092",
                          str(ns.pid)], timeout=30)
        assert res.rc == 1 and not res.timed_out, res
        assert "Failed to bind port 24092 (Address already in use) for " \
            "option '-t 24091,24092', exiting" in res.err, res

        pidfile = os.path.join(workdir, "rw", "fwd-attach.pid")
        res = tether.run(["--config-net", "-P", pidfile, "-t", "24091",
                          str(ns.pid)], timeout=30)
        assert res.rc == 0 and not res.timed_out, res
        assert wait_until(lambda: os.path.exists(pidfile) and
                          open(pidfile).read().strip(), 10), "no PID file"
        tether.track_pid(int(open(pidfile).read()))
        res = host_run(topo, topo.host, tool, "peer", "127.0.0.1", 24091)
        assert res["ok"] and res["peer"] == V4_HOST, res
        res = host_run(topo, topo.remote, tool, "peer", V4_HOST, 24091,
                       V4_SERVER)
        assert res["ok"] and res["peer"] == V4_SERVER, res
    finally:
        kill_tree(holder.pid)
        holder.wait(timeout=10)
        kill_tree(ns.pid)


# -- passt mode: a fake guest on the stream socket --------------------------

GUEST_MAC = bytes.fromhex("525400123456")
OUR_MAC = bytes.fromhex("9a559a559a55")


def inet_csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp4_frame(src, sport, dst, dport, payload):
    """Ethernet + IPv4 + UDP from the guest, checksums filled"""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = inet_csum(s + d + struct.pack("!BBH", 0, 17, len(udp)) + udp)
    udp = udp[:6] + struct.pack("!H", c or 0xffff) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64,
                     17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", inet_csum(ip)) + ip[12:]
    return OUR_MAC + GUEST_MAC + b"\x08\x00" + ip + udp


def parse_udp4(f):
    """(src, sport, dst, dport, payload) of an IPv4 UDP frame, checked"""
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
        return None
    ihl = (f[14] & 0xf) * 4
    ip, udp = f[14:14 + ihl], f[14 + ihl:14 + struct.unpack("!H", f[16:18])[0]]
    assert inet_csum(ip) == 0, "bad IPv4 header checksum from passt"
    ph = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    assert inet_csum(ph + udp) == 0, "bad UDP checksum from passt"
    sport, dport = struct.unpack("!HH", udp[:4])
    return (socket.inet_ntoa(ip[12:16]), sport, socket.inet_ntoa(ip[16:20]),
            dport, udp[8:])


class StreamGuest:
    """The QEMU side of passt's socket: 4-byte length, then a frame"""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(path)
        self.buf = b""

    def send(self, frame):
        self.s.sendall(struct.pack("!I", len(frame)) + frame)

    def recv_udp(self, dport, timeout=5):
        deadline = time.monotonic() + timeout
        self.s.settimeout(0.2)
        while time.monotonic() < deadline:
            while len(self.buf) >= 4:
                n = struct.unpack("!I", self.buf[:4])[0]
                if len(self.buf) < 4 + n:
                    break
                f, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                u = parse_udp4(f)
                if u and u[3] == dport:
                    return u
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                break
            self.buf += d
        return None


def test_fwd_passt_udp_forward_through_stream(tether_bin, topo, tool,
                                              workdir):
    """passt -u: a remote client's datagram reaches the guest from the
    client's address; the guest's reply reaches the client from the
    forwarded port"""
    from conftest import run_as
    from tether import Tether

    passt_bin = os.path.join(os.path.dirname(tether_bin), "passt")
    t = Tether(passt_bin, run_as(), workdir, netns=topo.host)
    sock = os.path.join(workdir, "rw", "fwd-passt.sock")
    p = t.popen(t.argv(["-f", "-s", sock, "-u", "24111:24112"]))
    try:
        assert wait_until(lambda: os.path.exists(sock) or
                          p.poll() is not None, 10), "no socket"
        assert p.poll() is None, t.finish(p, 5)
        g = StreamGuest(sock)
        client = subprocess.Popen(
            topo.ns_argv(topo.remote, [sys.executable, tool, "udp", V4_HOST,
                                       "24111", V4_SERVER, "ping"]),
            stdout=subprocess.PIPE, text=True)
        got = g.recv_udp(24112)
        assert got, "nothing reached the guest"
        src, sport, dst, dport, payload = got
        assert (src, dst, payload) == (V4_SERVER, V4_HOST, b"ping"), got
        reply = f"PEER {src} {sport} {dport}|".encode() + payload
        g.send(udp4_frame(V4_HOST, 24112, src, sport, reply))
        out, _ = client.communicate(timeout=20)
        res = json.loads(out.split("TTRESULT ", 1)[1])
        assert res["ok"], res
        assert res["reply_from"] == [V4_HOST, 24111], res
        assert res["pport"] == res["local_port"], res
    finally:
        kill_tree(p.pid)
        t.finish(p, 10)


def test_fwd_podman_command_line(tether, topo, tool):
    """What Podman runs for 'podman run -p 8080:80' (clients.md): remapped
    port, attach by netns path, daemon; the host's own address shows up as
    --map-guest-addr, loopback is spliced, remote clients keep theirs"""
    ns = tether.popen(tether.user_argv(
        ["unshare", "--user", "--map-root-user", "--net", "sh", "-c",
         f"ip link set lo up; exec python3 {tool} srv-tcp 0.0.0.0 {LIFE} "
         f"80"]), stderr=subprocess.DEVNULL)
    try:
        sel = selectors.DefaultSelector()
        sel.register(ns.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=20) and \
            ns.stdout.readline().startswith("READY")
        res = tether.run(["--config-net", "-t", "8080-8080:80-80",
                          "--dns-forward", "169.254.1.1", "-u", "none",
                          "-T", "none", "-U", "none", "--no-map-gw",
                          "--quiet", "--userns", f"/proc/{ns.pid}/ns/user",
                          "--netns", f"/proc/{ns.pid}/ns/net",
                          "--map-guest-addr", "169.254.1.2"], timeout=30)
        assert res.rc == 0 and not res.timed_out, res
        assert not res.out and not res.err, res        # --quiet
        for ns_, addr, src, seen in (
                (topo.host, "127.0.0.1", "", V4_HOST),
                (topo.host, V4_HOST, "", "169.254.1.2"),
                (topo.remote, V4_HOST, V4_SERVER, V4_SERVER)):
            r = host_run(topo, ns_, tool, "peer", addr, 8080, src)
            assert r["ok"] and r["lport"] == 80, r
            assert r["peer"] == seen, (addr, r)
    finally:
        mark = f"/proc/{ns.pid}/ns/net".encode()
        kill_tree(ns.pid)

        def daemons():
            out = []
            for d in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{d}/cmdline", "rb") as f:
                        if mark in f.read():
                            out.append(int(d))
                except OSError:
                    pass
            return out
        # it should quit with the namespace; never leave it behind
        if not wait_until(lambda: not daemons(), 10):
            for pid in daemons():
                kill_tree(pid)
            raise AssertionError("daemon still running without its netns")


# -- resources ------------------------------------------------------------

def test_fwd_500_spliced_connections_leak_no_fd(tether, topo, tool):
    r = Running(tether, ["-t", "24041"],
                ns_server(tool, "srv-tcp", [24041]))
    try:
        r.wait_line("READY")
        pid = r.p.pid
        with open(f"/proc/{pid}/comm") as f:
            assert f.read().strip() in ("pasta", "tether", "passt")
        res = host_run(topo, topo.host, tool, "many", "127.0.0.1", 24041, 5)
        assert res["ok"] == 5, res
        time.sleep(1.5)                 # pools refilled
        before = fd_count(pid)
        res = host_run(topo, topo.host, tool, "many", "127.0.0.1", 24041,
                       500)
        assert res["ok"] == 500, res
        assert wait_until(lambda: fd_count(pid) == before, 5), \
            f"fds: {before} before, {fd_count(pid)} after"
    finally:
        r.stop()


def test_fwd_idle_instances_leave_the_users_pipe_quota_alone(tether, topo,
                                                             tool):
    """Every pipe slot counts against the user's pipe-user-pages-soft
    (16384 pages) whether it holds data or not, and past it every new pipe
    of that user, in any program, is cut to 2 pages. Five idle instances
    (five containers) must leave the user room for a 1 MiB pipe."""
    runs = [Running(tether, ["-t", str(24050 + i)],
                    ns_server(tool, "srv-tcp", [24050 + i]))
            for i in range(5)]
    try:
        for r in runs:
            r.wait_line("READY")
        time.sleep(1.5)                 # pipe pools topped up
        code = ("import fcntl, os; r, w = os.pipe(); "
                "print(fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20))")
        p = run(tether.user_argv([sys.executable, "-c", code]),
                timeout=30, check=False)
        assert p.returncode == 0 and p.stdout.strip() == str(1 << 20), \
            f"a 1 MiB pipe for the same user: {p.stdout} {p.stderr}"
    finally:
        for r in runs:
            r.stop()


def test_fwd_40_spliced_bulk_connections_at_once(tether, topo, tool):
    """More spliced bulk transfers at once than the pipe budget gives
    large pipes to: all complete, intact"""
    r = Running(tether, ["-t", "24060"], ns_server(tool, "srv-tcp", [24060]))
    try:
        r.wait_line("READY")
        res = host_run(topo, topo.host, tool, "parbulk", "127.0.0.1", 24060,
                       40, 4 << 20)
        assert res["ok"] == 40, res
    finally:
        r.stop()
