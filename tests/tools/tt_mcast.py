#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tt_mcast.py - broadcast and multicast probes (test_udp_bcast.py)

  tt_mcast.py recv IFNAME ADDR   on the test's REMOTE: listen for the
                                 limited and directed broadcast (port
                                 9999) and the mDNS / SSDP groups on
                                 IFNAME (v4 groups joined on ADDR); print
                                 "GOT PORT TEXT" per datagram, stop at END
                                 or after 20 s
  tt_mcast.py send IFNAME DST    in the namespace: send each probe three
                                 times, then "control" and "END" to DST
                                 (unicast, port 9999)
"""
import select
import socket
import struct
import sys
import time


def recv(ifname, gw):
    idx = socket.if_nametoindex(ifname)
    socks = []

    def v4(port, group=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", port))
        if group:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                         socket.inet_aton(group) + socket.inet_aton(gw))
        socks.append(s)

    def v6(port, group):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::", port))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                     socket.inet_pton(socket.AF_INET6, group) +
                     struct.pack("@I", idx))
        socks.append(s)

    v4(9999); v4(5353, "224.0.0.251"); v4(1900, "239.255.255.250")
    v6(5353, "ff02::fb"); v6(1900, "ff05::c")
    print("READY", flush=True)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 0.5)
        for s in r:
            d, peer = s.recvfrom(2048)
            print("GOT", s.getsockname()[1], d.decode(errors="replace"),
                  flush=True)
            if d == b"END":
                sys.exit(0)


def send(ifname, dst):
    idx = socket.if_nametoindex(ifname)
    def probe(af, dst, port, what):
        s = socket.socket(af, socket.SOCK_DGRAM)
        if af == socket.AF_INET:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        try:
            s.sendto(what.encode(), (dst, port))
            print("SENT", what, flush=True)
        except OSError as e:
            print("NOSEND", what, e.errno, flush=True)
        s.close()
    for _ in range(3):
        probe(socket.AF_INET, "255.255.255.255", 9999, "limited")
        probe(socket.AF_INET, "192.0.2.255", 9999, "directed")
        probe(socket.AF_INET, "224.0.0.251", 5353, "mdns")
        probe(socket.AF_INET, "239.255.255.250", 1900, "ssdp")
        probe(socket.AF_INET6, "ff02::fb", 5353, "mdns6")
        probe(socket.AF_INET6, "ff05::c", 1900, "ssdp6")
        time.sleep(0.2)
    probe(socket.AF_INET, dst, 9999, "control")
    time.sleep(1)
    probe(socket.AF_INET, dst, 9999, "END")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("recv", "send"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (recv if sys.argv[1] == "recv" else send)(sys.argv[2], sys.argv[3])
