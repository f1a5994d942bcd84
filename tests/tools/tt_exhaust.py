#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tt_exhaust.py - resource exhaustion from the guest, and what measures it
#
#   tt_exhaust.py serve --addr A... [--answer P] [--silent P]
#                 [--firehose P] [--mute P] [--lifetime S]
#       servers for the floods, in REMOTE: --answer accepts and closes at
#       once, --silent listens with a backlog of 0 and never accepts (so
#       SYNs past the first are dropped), --firehose sends to every client
#       until it stops reading, --mute accepts and never reads or sends.
#       One thread, non-blocking; prints READY; exits after --lifetime.
#   tt_exhaust.py flood --ifname IF --mode syn|udp|icmp --src A...
#                 --dst A... [--ports LO:HI] [--sports LO:HI]
#                 [--count N] [--seconds S] [--dir D]
#       as root of tether's namespace: frames written straight into the
#       tap with an AF_PACKET socket, as fast as Python can, to every
#       (destination, port) of the lists in turn, from every source
#       address and port in turn (ICMP: the "ports" are echo ids). Frames
#       that come back are counted by kind (RST, SYN-ACK, ICMP errors...).
#   tt_exhaust.py hold --addr A --port P --count N --seconds S
#                 --mode noread|nosend [--dir D]
#       N connections that are opened and then never read (the guest's
#       window closes) or never written, kept S seconds, then closed.
#       With --check ADDR:PORT, while they are held: what a new UDP flow
#       and a new echo to ADDR get back (a reply, or an ICMP error).
#   tt_exhaust.py probe --proto tcp|udp|icmp --addr A [--port P]
#                 [--seconds S]
#       a well-behaved exchange (TCP echo of 1000 bytes, UDP echo, ping)
#       tried until it works: how long that took.
#
# With --dir, flood and hold write DIR/ready, wait for DIR/start, and
# write DIR/done when finished (hold also DIR/held once all are open).
# Each prints "TTRESULT <json>". Every loop is bounded in count and time.
# Destinations are only what the command line names: the test passes
# addresses of its own namespaces.

import argparse
import errno
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_IP, ETH_IP6 = 0x0800, 0x86dd
TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58
PACKET_OUTGOING = 4
WAIT_START = 60         # s for DIR/start
COUNT_MAX = 2000000     # frames, whatever --count says
SECONDS_MAX = 60        # s, whatever --seconds says


def result(**kw):
    print("TTRESULT " + json.dumps(kw), flush=True)


def touch(d, name):
    if d:
        with open(os.path.join(d, name), "w"):
            pass


def wait_start(d):
    if not d:
        return
    touch(d, "ready")
    path = os.path.join(d, "start")
    deadline = time.monotonic() + WAIT_START
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit("no start")
        time.sleep(0.02)


def span(text):
    """"7001,7999,20000:20999" -> the list of those numbers"""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


# ---- serve ----------------------------------------------------------------

def cmd_serve(a):
    sel = select.epoll()
    listeners = {}
    for addr in a.addr:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        for port, kind, backlog in ((a.answer, "answer", 4096),
                                    (a.silent, "silent", 0),
                                    (a.firehose, "firehose", 1024),
                                    (a.mute, "mute", 1024)):
            if not port:
                continue
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.listen(backlog)
            s.setblocking(False)
            listeners[s.fileno()] = (s, kind)
            if kind != "silent":
                sel.register(s.fileno(), select.EPOLLIN)
    print("READY", flush=True)
    clients = {}
    junk = b"\xa5" * 65536
    deadline = time.monotonic() + a.lifetime
    while time.monotonic() < deadline:
        for fd, ev in sel.poll(0.5):
            if fd in listeners:
                ls, kind = listeners[fd]
                for _ in range(256):
                    try:
                        c, _ = ls.accept()
                    except OSError:
                        break
                    if kind == "answer":
                        c.close()
                        continue
                    c.setblocking(False)
                    clients[c.fileno()] = (c, kind)
                    sel.register(c.fileno(), select.EPOLLOUT
                                 if kind == "firehose" else select.EPOLLRDHUP)
                continue
            c, kind = clients[fd]
            if ev & (select.EPOLLERR | select.EPOLLHUP | select.EPOLLRDHUP):
                sel.unregister(fd)
                del clients[fd]
                c.close()
                continue
            try:
                c.send(junk)
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                    sel.unregister(fd)
                    del clients[fd]
                    c.close()


# ---- flood ----------------------------------------------------------------

def addr_bytes(x):
    return ipaddress.ip_address(x).packed


class Frames:
    """Frames toward tether: Ethernet to its MAC, from the guest's"""

    def __init__(self, mac, gw_mac):
        self.head4 = gw_mac + mac + struct.pack("!H", ETH_IP)
        self.head6 = gw_mac + mac + struct.pack("!H", ETH_IP6)
        self.ipid = 0

    def ip(self, src, dst, proto, l4):
        if len(src) == 4:
            self.ipid = (self.ipid + 1) & 0xffff
            h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4),
                            self.ipid, 0x4000, 64, proto, 0, src, dst)
            h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
            return self.head4 + h + l4
        h = struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, src, dst)
        return self.head6 + h + l4

    @staticmethod
    def pseudo(src, dst, proto, n):
        if len(src) == 4:
            return src + dst + struct.pack("!xBH", proto, n)
        return src + dst + struct.pack("!IxxxB", n, proto)

    def syn(self, src, dst, sport, dport, seq):
        opts = b"\x02\x04\x05\xb4\x01\x03\x03\x07"    # MSS 1460, WS 7
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 7 << 4, 0x02,
                          64240, 0, 0) + opts
        c = csum(self.pseudo(src, dst, TCP, len(seg)) + seg)
        return self.ip(src, dst, TCP, seg[:16] + struct.pack("!H", c) +
                       seg[18:])

    def udp(self, src, dst, sport, dport, data):
        seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
        c = csum(self.pseudo(src, dst, UDP, len(seg)) + seg) or 0xffff
        return self.ip(src, dst, UDP, seg[:6] + struct.pack("!H", c) +
                       seg[8:])

    def echo(self, src, dst, ident, seq):
        v6 = len(src) == 16
        msg = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, seq) + \
            b"tt_exhaust" * 4
        c = csum((self.pseudo(src, dst, ICMP6, len(msg)) if v6 else b"") +
                 msg)
        return self.ip(src, dst, ICMP6 if v6 else ICMP,
                       msg[:2] + struct.pack("!H", c) + msg[4:])


def classify(f, seen):
    """Count a frame from tether by what it is"""
    if len(f) < 14:
        return
    t = struct.unpack("!H", f[12:14])[0]
    if t == ETH_IP and len(f) >= 34:
        proto, l4 = f[23], f[14 + (f[14] & 15) * 4:]
    elif t == ETH_IP6 and len(f) >= 54:
        proto, l4 = f[20], f[54:]
    else:
        k = "other"
        seen[k] = seen.get(k, 0) + 1
        return
    if proto == TCP and len(l4) >= 14:
        fl = l4[13]
        k = "rst" if fl & 0x04 else "synack" if fl & 0x12 == 0x12 else "tcp"
    elif proto == UDP:
        k = "udp"
    elif proto in (ICMP, ICMP6) and l4:
        k = {(ICMP, 0): "echo_reply", (ICMP, 3): "unreach",
             (ICMP6, 129): "echo_reply", (ICMP6, 1): "unreach"}.get(
                 (proto, l4[0]), f"icmp{l4[0]}")
        if k == "unreach" and len(l4) > 1:
            k = f"unreach{l4[1]}"
    else:
        k = f"proto{proto}"
    seen[k] = seen.get(k, 0) + 1


def gw_mac(ifname, gw):
    """tether's MAC: the guest's neighbour entry for the gateway"""
    fam = socket.AF_INET6 if ":" in gw else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", (gw, 9))     # resolves the neighbour; tether drops
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if fam == socket.AF_INET:
            with open("/proc/net/arp") as f:
                for line in f.read().splitlines()[1:]:
                    w = line.split()
                    if w[0] == gw and w[5] == ifname and \
                            w[3] != "00:00:00:00:00:00":
                        return bytes.fromhex(w[3].replace(":", ""))
        time.sleep(0.05)
    sys.exit(f"no neighbour entry for {gw}")


def cmd_flood(a):
    with open(f"/sys/class/net/{a.ifname}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    fr = Frames(mac, gw_mac(a.ifname, a.gw))
    srcs = [addr_bytes(x) for x in a.src]
    dsts = [addr_bytes(x) for x in a.dst]
    ports, sports = span(a.ports), span(a.sports)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((a.ifname, 0))
    s.setblocking(False)
    wait_start(a.dir)

    count = min(a.count, COUNT_MAX)
    seen, errs, sent, i = {}, {}, 0, 0
    t0 = time.monotonic()
    deadline = t0 + min(a.seconds, SECONDS_MAX)
    dests = len(dsts) * len(ports)
    while i < count:
        if i % 64 == 0:
            if time.monotonic() > deadline:
                break
            drain(s, seen, 256)
        # walk every destination, and every source port, in turn
        d = i % dests
        dst, port = dsts[d % len(dsts)], ports[d // len(dsts)]
        cands = [x for x in srcs if len(x) == len(dst)]
        src = cands[(i // dests) % len(cands)]
        sport = sports[(i // len(cands)) % len(sports)]
        if a.mode == "syn":
            f = fr.syn(src, dst, sport, port, (i * 2654435761) & 0xffffffff)
        elif a.mode == "udp":
            f = fr.udp(src, dst, sport, port, b"tt_exhaust %d" % i)
        else:
            f = fr.echo(src, dst, port, i & 0xffff)
        i += 1
        try:
            s.send(f)
            sent += 1
        except OSError as e:
            n = errno.errorcode.get(e.errno, str(e.errno))
            errs[n] = errs.get(n, 0) + 1
            if e.errno in (errno.ENOBUFS, errno.EAGAIN):
                time.sleep(0.0005)
    elapsed = time.monotonic() - t0
    # what tether still answers with, for a moment after the flood
    end = time.monotonic() + a.linger
    while time.monotonic() < end:
        select.select([s], [], [], 0.05)
        drain(s, seen, 4096)
    s.close()
    result(mode=a.mode, generated=i, sent=sent, errors=errs, seen=seen,
           destinations=dests, elapsed=round(elapsed, 2),
           pps=round(sent / elapsed) if elapsed else 0)
    touch(a.dir, "done")


def drain(s, seen, bound):
    for _ in range(bound):
        try:
            f, addr = s.recvfrom(65536)
        except OSError:
            return
        if addr[2] != PACKET_OUTGOING:
            classify(f, seen)


# ---- hold -----------------------------------------------------------------

def cmd_hold(a):
    wait_start(a.dir)
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    socks, errs = [], {}
    t0 = time.monotonic()
    for _ in range(min(a.count, 4096)):
        s = socket.socket(fam, socket.SOCK_STREAM)
        if a.mode == "noread":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        try:
            s.connect((a.addr, a.port))
            socks.append(s)
        except OSError as e:
            n = "timeout" if isinstance(e, socket.timeout) else \
                errno.errorcode.get(e.errno, str(e.errno))
            errs[n] = errs.get(n, 0) + 1
            s.close()
        if time.monotonic() - t0 > SECONDS_MAX:
            break
    opened = round(time.monotonic() - t0, 2)
    touch(a.dir, "held")
    t1 = time.monotonic()
    checks = refuse_checks(a.check) if a.check else {}
    time.sleep(max(0, min(a.seconds, SECONDS_MAX) - (time.monotonic() - t1)))
    queued = 0
    if a.mode == "noread":
        for s in socks:     # what the kernel holds for us, unread
            try:
                queued += len(s.recv(1 << 20, socket.MSG_PEEK |
                                     socket.MSG_DONTWAIT))
            except OSError:
                pass
    for s in socks:
        s.close()
    result(mode=a.mode, connected=len(socks), errors=errs, open_s=opened,
           unread_bytes=queued, checks=checks)
    touch(a.dir, "done")


def refuse_checks(target):
    """While the fds are held: what a new UDP flow and a new echo get
    (tether has no fd for them: ICMP unreachable, or an echo reply if it
    still had one)"""
    addr, _, port = target.rpartition(":")
    out = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(1)
        u.connect((addr, int(port)))
        try:
            u.send(b"refuse check")
            u.recv(2048)
            out["udp"] = "reply"
        except OSError as e:
            # the ICMP error, reported on the connected socket
            try:
                u.send(b"again")
                u.recv(2048)
                out["udp"] = "reply"
            except OSError as e2:
                e = e2 if e2.errno else e
            out["udp"] = "timeout" if isinstance(e, socket.timeout) else \
                errno.errorcode.get(e.errno, str(e.errno))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW,
                       socket.IPPROTO_ICMP) as s:
        ident = (os.getpid() + 1) & 0xffff
        msg = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"refuse check"
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        s.sendto(msg, (addr, 0))
        out["icmp"] = "timeout"
        end = time.monotonic() + 1
        while time.monotonic() < end:
            if not select.select([s], [], [], 0.05)[0]:
                continue
            b = s.recv(2048)
            b = b[(b[0] & 15) * 4:]
            if len(b) >= 8 and b[0] == 0 and \
                    struct.unpack("!H", b[4:6])[0] == ident:
                out["icmp"] = "reply"
                break
            if len(b) >= 36 and b[0] == 3 and b[17] == ICMP:
                out["icmp"] = f"unreach{b[1]}"
                break
    return out


# ---- probe ----------------------------------------------------------------

def probe_once(a, fam):
    if a.proto == "tcp":
        with socket.create_connection((a.addr, a.port), timeout=1) as s:
            data = os.urandom(1000)
            s.sendall(data)
            got = b""
            while len(got) < len(data):
                b = s.recv(4096)
                if not b:
                    break
                got += b
            return got == data
    if a.proto == "udp":
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            data = os.urandom(100)
            s.sendto(data, (a.addr, a.port))
            return s.recvfrom(2048)[0] == data
    v6 = fam == socket.AF_INET6
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    with socket.socket(fam, socket.SOCK_RAW, proto) as s:
        ident, want = os.getpid() & 0xffff, 129 if v6 else 0
        msg = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, 1) + \
            b"probe"
        if not v6:
            msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        s.sendto(msg, (a.addr, 0))
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            if not select.select([s], [], [], 0.05)[0]:
                continue
            b = s.recv(2048)
            if not v6:
                b = b[(b[0] & 15) * 4:]
            if len(b) >= 8 and b[0] == want and \
                    struct.unpack("!H", b[4:6])[0] == ident:
                return True
        return False


def cmd_probe(a):
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    t0 = time.monotonic()
    tries, last = 0, None
    while time.monotonic() - t0 < min(a.seconds, SECONDS_MAX):
        tries += 1
        try:
            if probe_once(a, fam):
                result(probe=a.proto, ok=True, tries=tries,
                       after=round(time.monotonic() - t0, 2))
                return
            last = "mismatch or no reply"
        except OSError as e:
            last = "timeout" if isinstance(e, socket.timeout) else \
                errno.errorcode.get(e.errno, str(e.errno))
            time.sleep(0.1)
    result(probe=a.proto, ok=False, tries=tries, last=last,
           after=round(time.monotonic() - t0, 2))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--addr", action="append", required=True)
    for k in ("answer", "silent", "firehose", "mute"):
        sv.add_argument("--" + k, type=int, default=0)
    sv.add_argument("--lifetime", type=float, default=1800)
    fl = sub.add_parser("flood")
    fl.add_argument("--ifname", required=True)
    fl.add_argument("--gw", required=True)
    fl.add_argument("--mode", choices=("syn", "udp", "icmp"), required=True)
    fl.add_argument("--src", action="append", required=True)
    fl.add_argument("--dst", action="append", required=True)
    fl.add_argument("--ports", default="1:1")
    fl.add_argument("--sports", default="40000:40999")
    fl.add_argument("--count", type=int, default=100000)
    fl.add_argument("--seconds", type=float, default=8)
    fl.add_argument("--linger", type=float, default=0.5)
    fl.add_argument("--dir")
    ho = sub.add_parser("hold")
    ho.add_argument("--addr", required=True)
    ho.add_argument("--port", type=int, required=True)
    ho.add_argument("--count", type=int, required=True)
    ho.add_argument("--seconds", type=float, default=5)
    ho.add_argument("--mode", choices=("noread", "nosend"), required=True)
    ho.add_argument("--check", help="ADDR:PORT: a UDP flow and an echo "
                    "to ADDR while all are held")
    ho.add_argument("--dir")
    pr = sub.add_parser("probe")
    pr.add_argument("--proto", choices=("tcp", "udp", "icmp"),
                    required=True)
    pr.add_argument("--addr", required=True)
    pr.add_argument("--port", type=int, default=0)
    pr.add_argument("--seconds", type=float, default=30)
    a = p.parse_args()
    {"serve": cmd_serve, "flood": cmd_flood, "hold": cmd_hold,
     "probe": cmd_probe}[a.cmd](a)


if __name__ == "__main__":
    main()
