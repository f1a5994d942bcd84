#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tt_fuzz.py - malformed-frame generator for tether's tap device
#
# Run inside the namespace tether serves (needs CAP_NET_RAW there, which
# the namespace's root has). Opens an AF_PACKET socket on the tap and
# writes COUNT frames of garbage into it, i.e. towards tether: truncated
# Ethernet/ARP/IP/TCP/UDP/ICMP headers, bad IP lengths, bad IP and L4
# checksums, IPv4 options, fragments, unknown protocols and ethertypes,
# TCP segments for connections that do not exist, IPv6 extension header
# chains, NDP/DHCP junk, random bytes, zero and huge lengths.
#
# Destinations are limited to the test topology's addresses (--dst4,
# --dst6; multicast/broadcast for DHCP/NDP): nothing that tether forwards
# can reach anything but the test's own namespaces. TCP source ports are
# taken from 1-1023 so that no segment hits a live connection of the
# test (whose ports are ephemeral, 32768+).
#
# The run is deterministic for a given --seed, bounded by --count and by
# --max-seconds; it prints "TTRESULT <json>" with counters at the end.

import argparse
import ipaddress
import json
import os
import random
import socket
import struct
import time

ETH_P_ALL = 0x0003
ETH_IP, ETH_ARP, ETH_IP6, ETH_VLAN = 0x0800, 0x0806, 0x86dd, 0x8100
TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58
V6_EXT = (0, 43, 44, 60, 51, 50, 135, 139, 140, 253, 254)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def a4(x):
    return ipaddress.IPv4Address(x).packed


def a6(x):
    return ipaddress.IPv6Address(x).packed


class Fuzzer:
    def __init__(self, args):
        self.r = random.Random(args.seed)
        self.a = args
        self.mac = bytes.fromhex(args.src_mac.replace(":", ""))
        self.gw_mac = bytes.fromhex(args.dst_mac.replace(":", ""))
        self.src4 = [a4(args.src4), a4("0.0.0.0"), a4("127.0.0.1"),
                     a4("192.0.2.99")]
        self.dst4 = [a4(x) for x in args.dst4] + [a4("255.255.255.255"),
                                                 a4("127.0.0.1")]
        self.src6 = [a6(args.src6), a6("::"), a6("::1"),
                     a6("fe80::1234")]
        self.dst6 = [a6(x) for x in args.dst6] + [a6("ff02::1"),
                                                 a6("ff02::2"),
                                                 a6("ff02::1:2"), a6("::1")]
        self.ports = args.ports + [7999, 0, 53, 67, 547, 65535]

    # -- helpers ------------------------------------------------------

    def pick(self, seq, main_weight=0.7):
        """Mostly the first element (the 'real' one), else any"""
        if self.r.random() < main_weight:
            return seq[0]
        return self.r.choice(seq)

    def junk(self, lo, hi):
        return self.r.randbytes(self.r.randint(lo, hi))

    def eth(self, etype, payload):
        dst = self.gw_mac if self.r.random() < 0.8 else \
            self.r.choice([b"\xff" * 6, b"\x33\x33\0\0\0\1",
                           self.r.randbytes(6)])
        src = self.mac if self.a.keep_src_mac or self.r.random() < 0.97 \
            else self.r.randbytes(6)
        return dst + src + struct.pack("!H", etype) + payload

    def maybe_break(self, data):
        """Sometimes truncate, extend or flip bytes in a valid packet"""
        x = self.r.random()
        if x < 0.15 and data:
            return data[:self.r.randrange(len(data))]
        if x < 0.22:
            return data + self.junk(1, 64)
        if x < 0.32 and data:
            b = bytearray(data)
            for _ in range(self.r.randint(1, 4)):
                b[self.r.randrange(len(b))] = self.r.randrange(256)
            return bytes(b)
        return data

    # -- IPv4 ---------------------------------------------------------

    def ip4(self, proto, payload, src=None, dst=None):
        r = self.r
        src = src or self.pick(self.src4)
        dst = dst or self.pick(self.dst4)
        opts = b""
        if r.random() < 0.1:
            opts = r.choice([b"\x01" * 4, b"\0" * 4, b"\x94\x04\0\0",
                             self.junk(1, 40)])
            opts += b"\0" * (-len(opts) % 4)
            opts = opts[:40]
        ihl = 5 + len(opts) // 4
        tot = 20 + len(opts) + len(payload)
        x = r.random()
        if x < 0.08:
            tot = r.choice([0, 1, 19, 20, tot - 1, tot + 1, tot + 1000,
                            65535])
        elif x < 0.12:
            ihl = r.choice([0, 1, 4, 15, ihl + 1])
        frag = 0x4000
        if r.random() < 0.08:
            frag = r.choice([0x2000, 0x2001, 0x0001, 0x1fff, 0x3fff,
                             0x2000 | r.randrange(0x2000)])
        ver = 4 if r.random() < 0.97 else r.randrange(16)
        ttl = r.choice([64, 64, 64, 1, 0, 255])
        h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 15),
                        0, tot & 0xffff, r.randrange(65536), frag, ttl,
                        proto, 0, src, dst) + opts
        c = csum(h)
        if r.random() < 0.08:
            c ^= 1 + r.randrange(0xffff)
        h = h[:10] + struct.pack("!H", c) + h[12:]
        return self.eth(ETH_IP, h + payload)

    def l4sum(self, pseudo, seg, off):
        c = csum(pseudo + seg)
        if self.r.random() < 0.1:
            c ^= 1 + self.r.randrange(0xffff)
        return seg[:off] + struct.pack("!H", c) + seg[off + 2:]

    def tcp_seg(self, src, dst, v6):
        r = self.r
        flags = r.choice([0x02, 0x10, 0x04, 0x01, 0x11, 0x18, 0x14,
                          0x12, 0x03, 0x07, 0x3f, 0xff, 0x00, 0x29])
        sport = r.randint(1, 1023)
        dport = self.pick(self.ports, 0.5)
        opts = b""
        if flags & 0x02 and r.random() < 0.7:
            opts = r.choice([b"\x02\x04\x05\xb4\x01\x03\x03\x07",
                             b"\x02\x04\x00\x00", b"\x03\x03\x0f\x01",
                             b"\x02\x00", b"\x08\x0a" + self.junk(8, 8),
                             b"\x02\xff\xff\xff", b"\x05\x02",
                             self.junk(1, 40)])
            opts += b"\0" * (-len(opts) % 4)
            opts = opts[:40]
        doff = 5 + len(opts) // 4
        if r.random() < 0.08:
            doff = r.choice([0, 1, 4, 15])
        data = b"" if r.random() < 0.5 else self.junk(1, 2000)
        seg = struct.pack("!HHIIBBHHH", sport, dport, r.getrandbits(32),
                          r.getrandbits(32), doff << 4, flags,
                          r.choice([0, 1, 65535, 29200]), 0,
                          r.randrange(65536)) + opts + data
        return self.l4sum(self.pseudo(src, dst, TCP, len(seg), v6), seg, 16)

    def udp_dgram(self, src, dst, v6):
        r = self.r
        data = self.junk(0, 1500) if r.random() < 0.9 else \
            self.junk(1400, 9000)
        ulen = 8 + len(data)
        if r.random() < 0.1:
            ulen = r.choice([0, 1, 7, ulen - 1, ulen + 1, 65535])
        dport = self.pick(self.ports, 0.5)
        seg = struct.pack("!HHHH", r.randint(1, 65535), dport,
                          ulen & 0xffff, 0) + data
        if not v6 and r.random() < 0.1:
            return seg  # checksum 0: "none" for IPv4
        return self.l4sum(self.pseudo(src, dst, UDP, len(seg), v6), seg, 6)

    def icmp_msg(self, src, dst, v6):
        r = self.r
        typ = r.choice([128, 129, 135, 136, 133, 134, 1, 2, 3, 4, 200]) \
            if v6 else r.choice([8, 0, 3, 11, 5, 13, 42])
        body = struct.pack("!HH", r.randrange(65536), r.randrange(65536))
        if v6 and typ in (135, 136):
            body = b"\0" * 4 + self.r.choice(self.dst6[:2])
        if v6 and typ in (133, 134, 135, 136) and r.random() < 0.7:
            # NDP options, including the illegal length 0
            body += bytes([r.choice([1, 2, 3, 5, 25, 99]),
                           r.choice([0, 1, 2, 255])]) + self.junk(0, 30)
        msg = struct.pack("!BBH", typ, r.choice([0, 0, 1, 255]), 0) + \
            body + self.junk(0, 600)
        if v6:
            return self.l4sum(self.pseudo(src, dst, ICMP6, len(msg), v6),
                              msg, 2)
        return self.l4sum(b"", msg, 2)

    @staticmethod
    def pseudo(src, dst, proto, length, v6):
        if v6:
            return src + dst + struct.pack("!IxxxB", length, proto)
        return src + dst + struct.pack("!xBH", proto, length & 0xffff)

    def dhcp(self):
        r = self.r
        msg = struct.pack("!BBBB", 1, 1, 6, 0) + r.randbytes(4) + \
            b"\0" * 20 + self.mac + b"\0" * 202 + b"\x63\x82\x53\x63"
        opts = b"\x35\x01" + bytes([r.choice([1, 3, 7, 8, 0, 99])])
        for _ in range(r.randint(0, 6)):
            opts += bytes([r.randrange(256), r.choice([0, 1, 4, 255])]) + \
                self.junk(0, 8)
        if r.random() < 0.7:
            opts += b"\xff"
        return self.maybe_break(msg + opts)

    def gen_ip4(self):
        r = self.r
        src = self.pick(self.src4)
        dst = self.pick(self.dst4)
        kind = r.random()
        if kind < 0.4:
            proto, pl = TCP, self.tcp_seg(src, dst, False)
        elif kind < 0.7:
            proto, pl = UDP, self.udp_dgram(src, dst, False)
        elif kind < 0.8:
            proto, pl = ICMP, self.icmp_msg(src, dst, False)
        elif kind < 0.87:
            d = self.dhcp()
            seg = struct.pack("!HHHH", 68, 67, 8 + len(d), 0) + d
            return self.ip4(UDP, seg, a4("0.0.0.0"), a4("255.255.255.255"))
        else:
            proto = r.choice([0, 2, 4, 41, 47, 50, 132, 136, 253, 255])
            pl = self.junk(0, 200)
        return self.ip4(proto, self.maybe_break(pl), src, dst)

    # -- IPv6 ---------------------------------------------------------

    def ext_chain(self, final):
        """Random chain of extension headers ending in next header final"""
        r = self.r
        chain = []
        for _ in range(r.choice([0, 0, 1, 2, 3, 8, 30])):
            chain.append(r.choice([0, 43, 44, 60, 60, 51, 135, 139]))
        if chain and r.random() < 0.15:
            chain.append(0)     # hop-by-hop anywhere but first: illegal
        data = b""
        nexts = chain[1:] + [final]
        for typ, nxt in zip(chain, nexts):
            if typ == 44:
                off = r.choice([0, 1, 0x10, 0xfff8])
                more = r.choice([0, 1])
                data += struct.pack("!BBHI", nxt, 0, off | more,
                                    r.getrandbits(32))
                continue
            hlen = r.choice([0, 0, 1, 2, 255])
            body = self.junk(6 + 8 * hlen, 6 + 8 * hlen)
            if typ == 51:  # AH counts 4-octet units, minus 2
                hlen = r.choice([0, 1, 4])
                body = self.junk(4 * (hlen + 2) - 2, 4 * (hlen + 2) - 2)
            data += bytes([nxt, hlen]) + body
        first = chain[0] if chain else final
        return first, data

    def gen_ip6(self):
        r = self.r
        src = self.pick(self.src6)
        dst = self.pick(self.dst6)
        kind = r.random()
        if kind < 0.35:
            final, pl = TCP, self.tcp_seg(src, dst, True)
        elif kind < 0.6:
            final, pl = UDP, self.udp_dgram(src, dst, True)
        elif kind < 0.8:
            final, pl = ICMP6, self.icmp_msg(src, dst, True)
        else:
            final = r.choice([59, 0, 41, 4, 132, 253, 255, 50])
            pl = self.junk(0, 300)
        first, ext = self.ext_chain(final)
        body = ext + self.maybe_break(pl)
        plen = len(body)
        if r.random() < 0.1:
            plen = r.choice([0, 1, plen - 1, plen + 1, plen + 500, 65535])
        ver = 6 if r.random() < 0.97 else r.randrange(16)
        h = struct.pack("!IHBB16s16s", ver << 28, plen & 0xffff, first,
                        r.choice([64, 255, 1, 0]), src, dst)
        return self.eth(ETH_IP6, h + body)

    # -- other frames -------------------------------------------------

    def gen_arp(self):
        r = self.r
        op = r.choice([1, 1, 2, 0, 3, 9])
        hl, pl = (6, 4) if r.random() < 0.85 else \
            (r.randrange(256), r.randrange(256))
        spa = a4(self.a.src4)
        tpa = self.pick(self.dst4)
        p = struct.pack("!HHBBH", r.choice([1, 1, 6, 0]),
                        r.choice([ETH_IP, ETH_IP, ETH_IP6, 0]),
                        hl, pl, op) + self.mac + spa + \
            r.choice([b"\0" * 6, self.gw_mac]) + tpa
        return self.eth(ETH_ARP, self.maybe_break(p))

    def gen_other(self):
        r = self.r
        x = r.random()
        if x < 0.3:  # random bytes, any length
            f = self.junk(0, r.choice([14, 64, 1514, 9000, 65000]))
            if self.a.keep_src_mac and len(f) >= 12:
                f = f[:6] + self.mac + f[12:]
            return f
        if x < 0.45:  # short frames: truncated Ethernet header
            return self.junk(0, 13)
        if x < 0.6:  # unknown ethertypes
            t = r.choice([0x0000, 0x0600, 0x88cc, 0x88e5, 0x8847, 0x9000,
                          0xffff, r.randrange(65536)])
            return self.eth(t, self.junk(0, 200))
        if x < 0.7:  # VLAN-tagged IP
            return self.eth(ETH_VLAN, struct.pack("!HH", 1, ETH_IP) +
                            self.junk(0, 100))
        if x < 0.8:  # truncated IP headers
            t = r.choice([ETH_IP, ETH_IP6])
            return self.eth(t, self.junk(0, 39 if t == ETH_IP6 else 19))
        if x < 0.9:  # huge frames, mostly zero
            n = r.choice([1500, 9000, 32768, 65000, 65534])
            t = r.choice([ETH_IP, ETH_IP6, ETH_ARP])
            return self.eth(t, b"\x45" + b"\0" * n)
        return self.eth(r.choice([ETH_IP, ETH_IP6]), b"")

    def frame(self):
        x = self.r.random()
        if x < 0.35:
            return self.gen_ip4()
        if x < 0.7:
            return self.gen_ip6()
        if x < 0.8:
            return self.gen_arp()
        return self.gen_other()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ifname", required=True)
    p.add_argument("--count", type=int, default=20000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--src4", required=True)
    p.add_argument("--src6", required=True)
    p.add_argument("--dst4", action="append", required=True)
    p.add_argument("--dst6", action="append", required=True)
    p.add_argument("--ports", type=int, action="append", default=[])
    p.add_argument("--src-mac")
    p.add_argument("--dst-mac", default="ff:ff:ff:ff:ff:ff")
    p.add_argument("--keep-src-mac", action="store_true",
                   help="always use --src-mac as source address")
    p.add_argument("--pace", type=int, default=256,
                   help="sleep 1 ms after this many frames")
    a = p.parse_args()
    if not a.src_mac:
        with open(f"/sys/class/net/{a.ifname}/address") as f:
            a.src_mac = f.read().strip()

    count = min(a.count, 1000000)
    fz = Fuzzer(a)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((a.ifname, 0))
    s.setblocking(False)
    sent = errors = 0
    errnos = {}
    deadline = time.monotonic() + a.max_seconds
    generated = 0
    for i in range(count):
        if time.monotonic() > deadline:
            break
        f = fz.frame()
        generated += 1
        try:
            s.send(f)
            sent += 1
        except OSError as e:
            errors += 1
            errnos[e.errno] = errnos.get(e.errno, 0) + 1
        if a.pace and i % a.pace == a.pace - 1:
            time.sleep(0.001)
    s.close()
    print("TTRESULT " + json.dumps({
        "generated": generated, "sent": sent,
        "errors": errors,
        "errnos": {os.strerror(k): v for k, v in errnos.items()}}),
        flush=True)


if __name__ == "__main__":
    main()
