#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tt_servers.py - test servers for the tether integration tests
#
# One process runs every server the tests need, on the addresses given
# with --addr (several allowed, v4 and v6). Each server runs in threads;
# the process prints "READY" on stdout once every socket listens, then
# serves until killed (or until --lifetime seconds pass: a bound so that
# a forgotten server never lingers).
#
# Services (ports can be changed; 0 disables one):
#   --http PORT      GET /NAME serves file NAME from --root;
#                    PUT/POST reads the body, replies "<sha256> <length>\n"
#   --echo PORT      TCP echo until EOF
#   --udp-echo PORT  UDP echo, one reply per datagram; a datagram
#                    "BURST SEED SPEC" is answered with burst_datagrams()
#                    back to back instead (SPEC: "1400x40,700,100x30")
#   --sha PORT       TCP: reads until EOF, replies "<sha256> <length>\n"
#   --halfclose PORT TCP: reads "SIZE SEED\n" until EOF, then sends SIZE
#                    bytes of tt_data(SIZE, SEED) and closes
#   --banner PORT    TCP: sends "<tag> <peer-address>\n" then echoes;
#                    UDP on the same port: replies "<tag> " + datagram
#   --tag TAG        tag used by --banner (default: "server")
#
# Only ever binds to the addresses it is given: it never connects anywhere.

import argparse
import hashlib
import http.server
import os
import random
import socket
import socketserver
import sys
import threading
import time

CHUNK = 1 << 18
IO_TIMEOUT = 120  # bound on any single blocking socket operation


def tt_data(size, seed):
    """Deterministic pseudo-random payload, shared with the clients"""
    return random.Random(seed).randbytes(size)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def read_to_eof(sock, hasher=None, limit=None):
    """Read until EOF; feed the hasher or collect; return (bytes, count)"""
    buf = bytearray()
    count = 0
    while True:
        data = sock.recv(CHUNK)
        if not data:
            return bytes(buf), count
        count += len(data)
        if hasher:
            hasher.update(data)
        elif limit is None or len(buf) < limit:
            buf += data


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, addr, port, handler, tag):
        self.address_family = family_of(addr)
        self.tag = tag
        super().__init__((addr, port), handler)

    def handle_error(self, request, client_address):
        # A client reset is a normal event in these tests: keep quiet
        pass


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.settimeout(IO_TIMEOUT)


class EchoHandler(Handler):
    def handle(self):
        while True:
            data = self.request.recv(CHUNK)
            if not data:
                break
            self.request.sendall(data)


class ShaHandler(Handler):
    def handle(self):
        h = hashlib.sha256()
        _, n = read_to_eof(self.request, hasher=h)
        self.request.sendall(f"{h.hexdigest()} {n}\n".encode())


class HalfCloseHandler(Handler):
    def handle(self):
        req, _ = read_to_eof(self.request, limit=4096)
        try:
            size, seed = (int(x) for x in req.split()[:2])
        except ValueError:
            return
        size = max(0, min(size, 1 << 30))
        self.request.sendall(tt_data(size, seed))
        self.request.shutdown(socket.SHUT_WR)


class BannerHandler(Handler):
    def handle(self):
        peer = self.client_address[0]
        self.request.sendall(f"{self.server.tag} {peer}\n".encode())
        EchoHandler.handle(self)


class HTTPHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IO_TIMEOUT

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(self.server.root, name)
        if not name or not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with open(path, "rb") as f:
            self.wfile.flush()
            self.connection.sendfile(f)

    def do_PUT(self):
        h = hashlib.sha256()
        n = 0
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            n = self._read_chunked(h)
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                data = self.rfile.read(min(CHUNK, left))
                if not data:
                    break
                h.update(data)
                n += len(data)
                left -= len(data)
        body = f"{h.hexdigest()} {n}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT

    def _read_chunked(self, h):
        n = 0
        while True:
            line = self.rfile.readline(1024)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline(1024)
                return n
            data = self.rfile.read(size)
            h.update(data)
            n += len(data)
            self.rfile.readline(1024)


class HTTPServer(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, addr, port, root):
        self.address_family = family_of(addr)
        self.root = root
        super().__init__((addr, port), HTTPHandler)

    def handle_error(self, request, client_address):
        pass


def burst_sizes(spec):
    """"1400x3,700" -> [1400, 1400, 1400, 700]"""
    out = []
    for part in spec.split(","):
        size, _, count = part.partition("x")
        out += [int(size)] * int(count or 1)
    return out


def burst_datagrams(seed, spec):
    """Datagram k: its index (4 bytes), then tt_data() of the rest"""
    return [k.to_bytes(4, "big") + tt_data(size - 4, seed * 1000 + k)
            for k, size in enumerate(burst_sizes(spec))]


def udp_server(addr, port, prefix):
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((addr, port))

    def run():
        while True:
            data, peer = s.recvfrom(65535)
            if not prefix and data.startswith(b"BURST "):
                try:
                    _, seed, spec = data.decode().split()
                    burst = burst_datagrams(int(seed), spec)
                except ValueError:
                    continue
                for d in burst:     # built first: sent back to back
                    try:
                        s.sendto(d, peer)
                    except OSError:
                        pass
                continue
            try:
                s.sendto(prefix + data if prefix else data, peer)
            except OSError:
                pass
    return run


def start(target):
    threading.Thread(target=target, daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--addr", action="append", required=True)
    p.add_argument("--root", default=".")
    p.add_argument("--http", type=int, default=0)
    p.add_argument("--echo", type=int, default=0)
    p.add_argument("--udp-echo", type=int, default=0)
    p.add_argument("--sha", type=int, default=0)
    p.add_argument("--halfclose", type=int, default=0)
    p.add_argument("--banner", type=int, default=0)
    p.add_argument("--tag", default="server")
    p.add_argument("--lifetime", type=int, default=3600)
    a = p.parse_args()

    for addr in a.addr:
        if a.http:
            start(HTTPServer(addr, a.http, a.root).serve_forever)
        tcp = ((a.echo, EchoHandler), (a.sha, ShaHandler),
               (a.halfclose, HalfCloseHandler), (a.banner, BannerHandler))
        for port, handler in tcp:
            if port:
                start(TCPServer(addr, port, handler, a.tag).serve_forever)
        if a.udp_echo:
            start(udp_server(addr, a.udp_echo, b""))
        if a.banner:
            start(udp_server(addr, a.banner, a.tag.encode() + b" "))

    print("READY", flush=True)
    time.sleep(a.lifetime)
    sys.exit(0)


if __name__ == "__main__":
    main()
