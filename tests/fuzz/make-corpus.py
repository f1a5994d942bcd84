#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# make-corpus.py - write the seed corpora under tests/fuzz/corpus/: small,
# meaningful inputs for each target (rerun after changing it)
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_MAC = bytes([2, 0, 0, 0, 0, 2])
OUR_MAC = bytes([0x9a, 0x55] * 3)
BCAST = b"\xff" * 6
G4, GW4, R4 = bytes([192, 0, 2, 2]), bytes([192, 0, 2, 254]), \
    bytes([192, 0, 2, 1])
G6 = bytes.fromhex("20010db8000000000000000000000002")
R6 = bytes.fromhex("20010db8000000000000000000000001")
LL6 = bytes.fromhex("fe800000000000000000000000000002")
ALLR6 = bytes.fromhex("ff020000000000000000000000000002")


def eth(dst, t, payload):
    return dst + GUEST_MAC + struct.pack("!H", t) + payload


def ip4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64,
                    proto, 0, src, dst)
    return h + l4


def ip6(src, dst, nh, l4, hop=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(l4), nh, hop, src,
                       dst) + l4


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def tcp(sp, dp, seq, ack, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, off << 4, flags,
                       65535, 0, 0) + opts + data


def dhcp(msgtype):
    b = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x1234, 0,
                    0x8000, b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                    GUEST_MAC + b"\0" * 10, b"", b"")
    return b + b"\x63\x82\x53\x63" + bytes([53, 1, msgtype, 55, 3, 1, 3, 6,
                                            255])


def frames(*fs, csum_ok=1):
    out = bytes([csum_ok])
    for f in fs:
        out += struct.pack("!H", len(f)) + f
    return out


def ingress():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, GUEST_MAC, G4,
                      b"\0" * 6, GW4)
    syn = tcp(40000, 80, 1000, 0, 0x02,
              opts=b"\x02\x04\x05\xb4\x01\x03\x03\x07")
    solicit = bytes([1, 0, 0, 1]) + struct.pack("!HH", 1, 10) + \
        b"\0\x03\0\x01" + GUEST_MAC
    rs = bytes([133, 0, 0, 0, 0, 0, 0, 0])
    ns = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + R6
    return {
        "arp": frames(eth(BCAST, 0x0806, arp)),
        "dhcp_discover": frames(eth(BCAST, 0x0800, ip4(
            b"\0" * 4, b"\xff" * 4, 17, udp(68, 67, dhcp(1))))),
        "dhcp_request": frames(eth(BCAST, 0x0800, ip4(
            b"\0" * 4, b"\xff" * 4, 17, udp(68, 67, dhcp(3))))),
        "icmp_echo": frames(eth(OUR_MAC, 0x0800, ip4(
            G4, R4, 1, bytes([8, 0, 0, 0, 0, 1, 0, 1]) + b"ping"))),
        "udp": frames(eth(OUR_MAC, 0x0800, ip4(
            G4, R4, 17, udp(5000, 7, b"hello")))),
        "udp6": frames(eth(OUR_MAC, 0x86dd, ip6(
            G6, R6, 17, udp(5000, 7, b"hello")))),
        "tcp_syn_data": frames(
            eth(OUR_MAC, 0x0800, ip4(G4, R4, 6, syn)),
            eth(OUR_MAC, 0x0800, ip4(G4, R4, 6, tcp(40000, 80, 1001, 1,
                                                     0x10))),
            eth(OUR_MAC, 0x0800, ip4(G4, R4, 6, tcp(40000, 80, 1001, 1,
                                                     0x18, b"GET /\r\n"))),
            eth(OUR_MAC, 0x0800, ip4(G4, R4, 6, tcp(40000, 80, 1008, 1,
                                                     0x11)))),
        "tcp6_syn": frames(eth(OUR_MAC, 0x86dd, ip6(G6, R6, 6, syn))),
        "dhcpv6_solicit": frames(eth(OUR_MAC, 0x86dd, ip6(
            LL6, bytes.fromhex("ff020000000000000000000000010002"), 17,
            udp(546, 547, solicit)))),
        "ndp_rs": frames(eth(OUR_MAC, 0x86dd, ip6(LL6, ALLR6, 58, rs, 255))),
        "ndp_ns": frames(eth(OUR_MAC, 0x86dd, ip6(G6, R6, 58, ns, 255))),
        "dns_query": frames(eth(OUR_MAC, 0x0800, ip4(
            G4, bytes([192, 0, 2, 253]), 17, udp(5353, 53,
                b"\x12\x34\x01\x00\x00\x01\0\0\0\0\0\0"
                b"\x07example\x03com\x00\x00\x01\x00\x01")))),
    }


def procnet():
    head = b"  sl  local_address rem_address   st tx_queue rx_queue tr " \
        b"tm->when retrnsmt   uid  timeout inode\n"
    line = b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 " \
        b"00:00000000 00000000  1000        0 12345 1 0000000000000000 " \
        b"100 0 0 10 0\n"
    line6 = b"   0: 00000000000000000000000001000000:0050 " \
        b"00000000000000000000000000000000:0000 0A 00000000:00000000 " \
        b"00:00000000 00000000  1000        0 23456 1\n"
    return {"tcp": b"\x10" + head + line, "tcp6": b"\x07" + head + line6,
            "two": b"\xff" + head + line + line}


def fwd_spec():
    return {n: s.encode() for n, s in {
        "list": "22,80:8080,443", "range": "1000-2000:3000-4000",
        "auto": "auto", "all": "all", "exclude": "~22,~1000-1100",
        "addr": "127.0.0.1/8080", "addr6": "::1%lo/80",
        "none": "none"}.items()}


def nlmsg(t, flags, seq, payload):
    return struct.pack("=IHHII", 16 + len(payload), t, flags, seq, 0) + \
        payload


def sockdiag():
    def diag(fam, state, port, ino):
        sock_id = struct.pack("!HH", port, 0) + b"\0" * 32 + \
            struct.pack("=III", 0, 0, 0)
        return struct.pack("=BBBB", fam, state, 0, 0) + sock_id + \
            struct.pack("=IIIII", 0, 0, 0, 1000, ino)
    done = nlmsg(3, 2, 1, struct.pack("=i", 0))
    return {
        "tcp4": b"\x00" + nlmsg(20, 2, 1, diag(2, 10, 8080, 111)) + done,
        "tcp6": b"\x01" + nlmsg(20, 2, 1, diag(10, 10, 443, 222)) + done,
        "udp4": b"\x02" + nlmsg(20, 2, 1, diag(2, 7, 53, 333)) + done,
        "error": b"\x00" + nlmsg(2, 0, 1, struct.pack("=i", -2) +
                                 b"\0" * 16),
    }


def resolv():
    return {
        "plain": b"nameserver 192.0.2.1\nnameserver 2001:db8::1\n"
                 b"search example.com example.org\n",
        "comments": b"# generated\n; x\ndomain example.net\n"
                    b"nameserver 127.0.0.53\noptions edns0\n",
        "long": b"search " + b"a" * 300 + b"\nnameserver ::1\n",
    }


def stream():
    f = ingress()["arp"][3:]
    one = struct.pack("!I", len(f)) + f
    return {"one_frame": b"\xff" + one, "cut_small": b"\x02" + one * 3,
            "bad_length": b"\x10" + struct.pack("!I", 0x7fffffff) + f,
            "zero_length": b"\x08" + struct.pack("!I", 0) + one}


def main():
    for target, seeds in (("ingress", ingress()), ("procnet", procnet()),
                          ("fwd_spec", fwd_spec()),
                          ("sockdiag", sockdiag()), ("resolv", resolv()),
                          ("stream", stream())):
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
