#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tt_dns.py - a tiny DNS responder for the tests: A/AAAA for a few names
#
# Usage: tt_dns.py --addr 127.0.0.1 [--port 53] --record NAME=ADDR ...
#                  [--lifetime S] [--log FILE]
#
# Answers queries over UDP and TCP (RFC 1035 4.2.2 length prefix) on
# ADDR:PORT: A or AAAA records for the names given (several --record per
# name allowed, IPv4 and IPv6), NOERROR with no answer for a known name
# without that type, NXDOMAIN for anything else. Prints "READY" once it
# listens; every query is logged to --log as "QUERY <name> <type>". Exits
# after --lifetime seconds (a bound: a forgotten server never lingers).
# Binds only to the address given, and never sends a query anywhere.

import argparse
import ipaddress
import socket
import struct
import sys
import threading
import time

TYPE_A, TYPE_AAAA = 1, 28
TYPE_NAMES = {TYPE_A: "A", TYPE_AAAA: "AAAA"}


def parse_question(msg):
    """Return (id, flags, qname, qtype, end of question) or None"""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if qdcount != 1 or flags & 0x8000:
        return None
    labels, i = [], 12
    while True:
        if i >= len(msg):
            return None
        n = msg[i]
        i += 1
        if n == 0:
            break
        if n > 63 or i + n > len(msg):
            return None
        labels.append(msg[i:i + n].decode("ascii", "replace").lower())
        i += n
    if i + 4 > len(msg):
        return None
    qtype, _qclass = struct.unpack("!HH", msg[i:i + 4])
    return qid, flags, ".".join(labels), qtype, i + 4


def answer(msg, records, log):
    q = parse_question(msg)
    if not q:
        return None
    qid, flags, name, qtype, qend = q
    log(f"QUERY {name} {TYPE_NAMES.get(qtype, qtype)}")
    addrs = records.get(name)
    rcode = 0 if addrs is not None else 3      # NXDOMAIN
    answers = []
    for a in addrs or []:
        if (qtype == TYPE_A and a.version == 4) or \
           (qtype == TYPE_AAAA and a.version == 6):
            answers.append(struct.pack("!HHHIH", 0xc00c, qtype, 1, 60,
                                       len(a.packed)) + a.packed)
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    hdr = struct.pack("!HHHHHH", qid, rflags, 1, len(answers), 0, 0)
    return hdr + msg[12:qend] + b"".join(answers)


def serve_udp(sock, records, log):
    while True:
        try:
            msg, peer = sock.recvfrom(4096)
        except OSError:
            return
        r = answer(msg, records, log)
        if r:
            sock.sendto(r, peer)


def serve_tcp_conn(conn, records, log):
    conn.settimeout(10)
    try:
        while True:
            hdr = conn.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                return
            n = struct.unpack("!H", hdr)[0]
            msg = conn.recv(n, socket.MSG_WAITALL)
            r = answer(msg, records, log)
            if not r:
                return
            conn.sendall(struct.pack("!H", len(r)) + r)
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp(sock, records, log):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=serve_tcp_conn, args=(conn, records, log),
                         daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--record", action="append", default=[])
    p.add_argument("--lifetime", type=int, default=1800)
    p.add_argument("--log")
    a = p.parse_args()

    records = {}
    for r in a.record:
        name, addr = r.split("=", 1)
        records.setdefault(name.lower().rstrip("."), []).append(
            ipaddress.ip_address(addr))

    lock = threading.Lock()

    def log(line):
        if a.log:
            with lock, open(a.log, "a") as f:
                f.write(line + "\n")

    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.bind((a.addr, a.port))
    t = socket.socket(fam, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((a.addr, a.port))
    t.listen(16)
    for fn, s in ((serve_udp, u), (serve_tcp, t)):
        threading.Thread(target=fn, args=(s, records, log),
                         daemon=True).start()
    print("READY", flush=True)
    time.sleep(a.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
