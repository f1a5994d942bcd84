#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tt_client.py - test clients run inside tether's namespace
#
# Each sub-command prints one line "TTRESULT <json>" on stdout, which the
# pytest harness parses; it exits 0 even when the check failed (the json
# says what happened), and non-zero only for a usage error. Every network
# operation has a timeout, every loop is bounded.
#
#   echo-many ADDR PORT COUNT SIZE   COUNT parallel TCP connections, each
#                                    sends SIZE bytes, checks the echo and
#                                    closes
#   udp-echo ADDR PORT SIZE...       one datagram per size, echo checked
#   udp-burst ADDR PORT SEED SPEC    ask the echo server for a burst of
#                                    datagrams (tt_servers.burst_sizes),
#                                    check each one whole and in bounds
#   udp-gso ADDR PORT SEG N          one UDP_SEGMENT send of N datagrams
#                                    of SEG bytes to the echo server,
#                                    each echo checked
#   sha-upload ADDR PORT SIZE SEED   send tt_data(SIZE, SEED), shut down
#                                    the write side, read the server's sha
#   halfclose ADDR PORT SIZE SEED    ask for SIZE bytes, shut down the
#                                    write side, read the reply to EOF
#   connect ADDR PORT                one TCP connect: errno and time taken
#   banner ADDR PORT tcp|udp         read the banner of a banner server
#   dns SERVER NAME A|AAAA           one UDP query: rcode and addresses
#   slirp-api PATH JSON              one request on slirp4netns's API
#                                    socket, as Podman sends it: the reply

import errno
import hashlib
import json
import os
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tt_servers import burst_datagrams, tt_data  # noqa: E402

TIMEOUT = 60


def result(**kw):
    print("TTRESULT " + json.dumps(kw), flush=True)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def err_name(e):
    """ECONNREFUSED, ETIMEDOUT...; "timeout" for a socket timeout"""
    if isinstance(e, socket.timeout):
        return "timeout"
    if getattr(e, "errno", None):
        return errno_name(e.errno)
    return type(e).__name__


def errno_name(n):
    return errno.errorcode.get(n, str(n))


def connect(addr, port, timeout=TIMEOUT):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def read_all(s, hasher=None, limit=1 << 20):
    buf = bytearray()
    n = 0
    while True:
        d = s.recv(1 << 18)
        if not d:
            return bytes(buf), n
        n += len(d)
        if hasher:
            hasher.update(d)
        elif len(buf) < limit:
            buf += d


class Conn:
    def __init__(self, idx, addr, port, size):
        self.idx = idx
        self.out = tt_data(size, idx)
        self.sent = 0
        self.got = bytearray()
        self.err = None
        self.done = False
        self.s = socket.socket(family_of(addr), socket.SOCK_STREAM)
        self.s.setblocking(False)
        try:
            self.s.connect((addr, port))
        except BlockingIOError:
            pass


def cmd_echo_many(addr, port, count, size):
    count = min(int(count), 4096)
    size = int(size)
    port = int(port)
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(count):
        try:
            c = Conn(i, addr, port, size)
        except OSError as e:
            result(ok=0, count=count, errors=[f"socket {i}: {e}"])
            return
        conns.append(c)
        sel.register(c.s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    left = count
    deadline = time.monotonic() + TIMEOUT
    while left and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            c = key.data
            try:
                if ev & selectors.EVENT_WRITE and c.sent < len(c.out):
                    c.sent += c.s.send(c.out[c.sent:])
                    if c.sent == len(c.out):
                        sel.modify(c.s, selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    d = c.s.recv(1 << 16)
                    c.got += d
                    # Done when the whole echo is back (or on EOF): no
                    # half-close here, that has a test of its own
                    if not d or len(c.got) >= len(c.out):
                        c.done = True
            except OSError as e:
                c.err = err_name(e)
                c.done = True
            if c.done:
                sel.unregister(c.s)
                c.s.close()
                left -= 1

    errors = []
    ok = 0
    for c in conns:
        if c.done and not c.err and bytes(c.got) == c.out:
            ok += 1
            continue
        if not c.done:
            why = f"timeout (sent {c.sent}, got {len(c.got)})"
            c.s.close()
        elif c.err:
            why = c.err
        else:
            why = f"echo mismatch (sent {c.sent}, got {len(c.got)})"
        errors.append(f"conn {c.idx}: {why}")
    result(ok=ok, count=count, errors=errors[:10])


def cmd_udp_echo(addr, port, *sizes):
    port = int(port)
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((addr, port))
    out = []
    for i, size in enumerate(int(x) for x in sizes):
        data = tt_data(size, 1000 + i)
        status = "timeout"
        for _ in range(3):
            try:
                s.send(data)
                got = s.recv(65535)
            except socket.timeout:
                continue
            except OSError as e:
                status = errno_name(e.errno)
                break
            status = "ok" if got == data else \
                f"mismatch (got {len(got)} bytes)"
            break
        out.append({"size": size, "status": status})
    result(results=out)


def udp_indexed(s, want, send):
    """Call send(), then read datagrams until every one of @want came back
    whole (each starts with its index, 4 bytes) or 2 s pass; lost ones are
    asked for again with the whole lot, 4 sends at most. Prints the
    result: how many came back, the bad ones, how many sends it took."""
    got, bad, sends = {}, [], 0
    while len(got) < len(want) and sends < 4:
        sends += 1
        try:
            send()
        except OSError as e:
            result(error=errno_name(e.errno))
            return
        while len(got) < len(want):
            try:
                d = s.recv(65535)
            except socket.timeout:
                break
            k = int.from_bytes(d[:4], "big") if len(d) >= 4 else -1
            if not 0 <= k < len(want) or d != want[k]:
                bad.append({"index": k, "len": len(d)})
            else:
                got[k] = True
    result(sent=len(want), received=len(got), bad=bad[:10],
           attempts=sends)


def udp_socket_to(addr, port, *opts):
    """A UDP socket connected to @addr:@port, 4 MiB receive buffer, 2 s
    timeout, and the (level, name, value) options given"""
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    for level, name, value in opts:
        s.setsockopt(level, name, value)
    s.settimeout(2)
    s.connect((addr, int(port)))
    return s


def cmd_udp_burst(addr, port, seed, spec):
    """Bursts arrive back to back: tether may pass runs of them to the
    namespace as one UDP GSO frame, which the kernel splits again. Every
    datagram must come out alone and intact."""
    s = udp_socket_to(addr, port)
    udp_indexed(s, burst_datagrams(int(seed), spec),
                lambda: s.send(f"BURST {seed} {spec}".encode()))


def cmd_udp_gso(addr, port, seg, count):
    """A UDP_SEGMENT send (as QUIC stacks make): with USO on the tap the
    kernel hands tether one frame for all of them. Each echo must be one
    of the datagrams, whole."""
    seg, count = int(seg), int(count)
    want = [k.to_bytes(4, "big") + tt_data(seg - 4, 500 + k)
            for k in range(count)]
    s = udp_socket_to(addr, port, (socket.IPPROTO_UDP,
                                   getattr(socket, "UDP_SEGMENT", 103), seg))
    udp_indexed(s, want, lambda: s.send(b"".join(want)))


def cmd_sha_upload(addr, port, size, seed):
    data = tt_data(int(size), int(seed))
    try:
        s = connect(addr, int(port))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        reply, _ = read_all(s)
        s.close()
    except OSError as e:
        result(error=err_name(e))
        return
    result(local=hashlib.sha256(data).hexdigest(), length=len(data),
           reply=reply.decode(errors="replace").strip())


def cmd_halfclose(addr, port, size, seed):
    h = hashlib.sha256()
    try:
        s = connect(addr, int(port))
        s.sendall(f"{int(size)} {int(seed)}\n".encode())
        s.shutdown(socket.SHUT_WR)
        _, n = read_all(s, hasher=h)
        s.close()
    except OSError as e:
        result(error=err_name(e))
        return
    result(sha256=h.hexdigest(), length=n)


def cmd_connect(addr, port):
    t0 = time.monotonic()
    try:
        s = connect(addr, int(port), timeout=10)
        s.close()
        res = "connected"
    except OSError as e:
        res = err_name(e)
    result(result=res, elapsed=time.monotonic() - t0)


def cmd_banner(addr, port, proto):
    port = int(port)
    try:
        if proto == "udp":
            s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
            s.settimeout(2)
            s.connect((addr, port))
            for _ in range(3):
                s.send(b"hello")
                try:
                    got = s.recv(4096)
                    break
                except socket.timeout:
                    got = b""
            result(banner=got.decode(errors="replace"))
            return
        s = connect(addr, port, timeout=10)
        f = s.makefile("rb")
        line = f.readline(256).decode(errors="replace").strip()
        s.sendall(b"ping\n")
        echo = f.readline(256)
        s.close()
        result(banner=line, echo=echo.decode(errors="replace").strip())
    except OSError as e:
        result(error=err_name(e))


def cmd_dns(server, name, qtype):
    """RFC 1035 query over UDP; answers parsed as far as A/AAAA go"""
    t = {"A": 1, "AAAA": 28}[qtype]
    qid = os.getpid() & 0xffff
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", t, 1)
    s = socket.socket(family_of(server), socket.SOCK_DGRAM)
    s.settimeout(2)
    msg = None
    for _ in range(3):
        try:
            s.sendto(q, (server, 53))
            msg = s.recv(4096)
            break
        except socket.timeout:
            continue
        except OSError as e:
            result(error=err_name(e))
            return
    if not msg or len(msg) < 12 or struct.unpack("!H", msg[:2])[0] != qid:
        result(error="timeout" if not msg else "bad reply")
        return
    flags, qd, an = struct.unpack("!HHH", msg[2:8])
    i = 12
    for _ in range(qd):                  # skip the question
        while i < len(msg) and msg[i]:
            i += 1 + msg[i]
        i += 5
    addrs = []
    for _ in range(an):
        if i < len(msg) and msg[i] & 0xc0 == 0xc0:
            i += 2
        else:
            while i < len(msg) and msg[i]:
                i += 1 + msg[i]
            i += 1
        if i + 10 > len(msg):
            break
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[i:i + 10])
        i += 10
        rd = msg[i:i + rdlen]
        i += rdlen
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntop(socket.AF_INET, rd))
        elif rtype == 28 and rdlen == 16:
            addrs.append(socket.inet_ntop(socket.AF_INET6, rd))
    result(rcode=flags & 0xf, addrs=addrs)


def cmd_slirp_api(path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(req.encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        reply, _ = read_all(s)
    except OSError as e:
        result(error=err_name(e))
        return
    finally:
        s.close()
    try:
        result(reply=json.loads(reply))
    except ValueError:
        result(raw=reply.decode(errors="replace"))


COMMANDS = {
    "echo-many": cmd_echo_many,
    "udp-echo": cmd_udp_echo,
    "udp-burst": cmd_udp_burst,
    "udp-gso": cmd_udp_gso,
    "sha-upload": cmd_sha_upload,
    "halfclose": cmd_halfclose,
    "connect": cmd_connect,
    "banner": cmd_banner,
    "dns": cmd_dns,
    "slirp-api": cmd_slirp_api,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
