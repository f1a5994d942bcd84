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
        # vhost-user's two-part frames: vouched checksums, shared memory,
        # cut after 54 bytes (the IPv4 and TCP headers), the rest a tail
        "tcp_split": frames(
            eth(OUR_MAC, 0x0800, ip4(G4, R4, 6, syn)),
            eth(OUR_MAC, 0x0800, ip4(G4, R4, 6, tcp(40000, 80, 1001, 1,
                                                     0x18, b"x" * 3000))),
            csum_ok=1 | 2 | 4 | (5 << 3)),
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


def slirp_api():
    """slirp_api target: one request, as Podman and RootlessKit send"""
    return {n: s.encode() for n, s in {
        "add": '{"execute":"add_hostfwd","arguments":{"proto":"tcp",'
               '"host_addr":"0.0.0.0","host_port":8080,"guest_addr":"",'
               '"guest_port":80}}\n',
        "add_udp": '{"execute": "add_hostfwd", "arguments": {"proto": '
                   '"udp", "host_port": 5353, "guest_addr": "10.0.2.100", '
                   '"guest_port": 53}}',
        "list": '{"execute":"list_hostfwd"}',
        "remove": '{"execute":"remove_hostfwd","arguments":{"id":1}}',
        "escapes": '{"execute":"add_\\u0068ostfwd","arguments":{"proto":'
                   '"t\\u0063p","x":[1],"host_port":1e3}}',
        "nested": '{"a":{"b":{"c":{"d":{"e":1}}}},"execute":true}',
        "bad": '{"execute":"list_hostfwd",}'}.items()}


def ctl():
    """ctl target: a control socket request, as pesto sends"""
    return {n: s.encode() for n, s in {
        "add": "tether-ctl 1\nadd tcp 0.0.0.0 8080 8080 80\n"
               "add tcp :: 8080 8080 80\n",
        "replace": "tether-ctl 1\nclear\nadd udp * 5000 5010 6000\n",
        "del": "tether-ctl 1\ndel tcp 127.0.0.1 22 22\nshow\n",
        "flows": "tether-ctl 1\nflows json\n",
        "stats": "tether-ctl 1\nstats\n",
        "bad": "tether-ctl 2\nadd tcp x 0 99999 1\n"}.items()}


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


def dhcp_svc():
    """DHCP target: addressing byte, then the UDP payload"""
    def opt(code, val):
        return bytes([code, len(val)]) + val
    base = dhcp(3)[:-1]                      # a REQUEST, without the END
    return {
        "discover": b"\x00" + dhcp(1),
        "request": b"\x00" + base + opt(50, G4) + opt(54, GW4) +
                   opt(61, b"\x01" + GUEST_MAC) + opt(12, b"guest") +
                   opt(57, b"\x05\xdc") + b"\xff",
        "renew_unicast": b"\x01" + dhcp(3),
        "inform": b"\x01" + dhcp(8),
        "release": b"\x01" + dhcp(7),
        "overload": b"\x00" + base + opt(52, b"\x03") + b"\xff",
        "bootp": b"\x00" + dhcp(1)[:236],
    }


def dhcpv6_svc():
    """DHCPv6 target: destination byte, then the UDP payload"""
    def opt(code, val):
        return struct.pack("!HH", code, len(val)) + val
    duid = opt(1, struct.pack("!HH", 3, 1) + GUEST_MAC)
    ia = opt(3, struct.pack("!III", 1, 0, 0) +
             opt(5, G6 + struct.pack("!II", 0, 0)))
    oro = opt(6, struct.pack("!HHH", 23, 24, 39))
    elapsed = opt(8, b"\0\0")
    sid = opt(2, struct.pack("!HH", 3, 1) + OUR_MAC)
    return {
        "solicit": b"\x00" + bytes([1, 0, 0, 1]) + duid + ia + oro + elapsed,
        "request": b"\x00" + bytes([3, 0, 0, 2]) + duid + sid + ia + oro,
        "renew": b"\x01" + bytes([5, 0, 0, 3]) + duid + sid + ia,
        "confirm": b"\x00" + bytes([4, 0, 0, 4]) + duid + ia,
        "info_request": b"\x00" + bytes([11, 0, 0, 5]) + duid + oro,
        "rapid_commit": b"\x00" + bytes([1, 0, 0, 6]) + duid + ia +
                        opt(14, b""),
    }


def ndp_svc():
    """NDP target: source/destination/hop-limit byte, then ICMPv6"""
    slla = bytes([1, 1]) + GUEST_MAC
    rs = bytes([133, 0, 0, 0, 0, 0, 0, 0])
    ns = bytes([135, 0, 0, 0, 0, 0, 0, 0])
    na = bytes([136, 0, 0, 0, 0x60, 0, 0, 0])
    ll = bytes.fromhex("fe800000000000000000000000000001")
    return {
        "rs": b"\x00" + rs, "rs_slla": b"\x00" + rs + slla,
        "ns_gw": b"\x04" + ns + ll + slla,
        "ns_dad": b"\x0a" + ns + G6,
        "na": b"\x0c" + na + G6 + bytes([2, 1]) + GUEST_MAC,
        "redirect": b"\x04" + bytes([137, 0, 0, 0, 0, 0, 0, 0]) + ll + R6,
        "bad_hoplimit": b"\x10" + rs + slla,
        "zero_len_opt": b"\x04" + ns + ll + bytes([1, 0]) + b"\0" * 6,
    }


def rta(t, val):
    n = 4 + len(val)
    return struct.pack("=HH", n, t) + val + b"\0" * ((4 - n % 4) % 4)


def netlink():
    """netlink target: operation, flags (1: keep the input's sequence
    numbers, 2: IPv6, 4: link-local), then length-prefixed replies"""
    def msg(t, payload, flags=2):
        return nlmsg(t, flags, 0, payload)

    def route(fam, gw, oif=2, dst=b"", dlen=0, extra=b""):
        r = struct.pack("=BBBBBBBBI", fam, dlen, 0, 0, 254, 3, 0, 1, 0)
        a = rta(15, struct.pack("=I", 254)) + rta(4, struct.pack("=I", oif))
        if gw:
            a += rta(5, gw)
        if dst:
            a += rta(1, dst)
        return msg(24, r + a + extra)

    def addr(fam, a, plen, idx=2, scope=0):
        return msg(20, struct.pack("=BBBBI", fam, plen, 0, scope, idx) +
                   rta(1, a) + rta(2, a) + rta(8, struct.pack("=I", 0x80)))

    def link(idx=2, name=b"eth0\0", mtu=1500):
        return msg(16, struct.pack("=BBHiII", 0, 0, 1, idx, 0x1043, 0) +
                   rta(3, name) + rta(4, struct.pack("=I", mtu)) +
                   rta(1, GUEST_MAC), flags=0)

    done = msg(3, struct.pack("=i", 0))
    ack = nlmsg(2, 0x100, 0, struct.pack("=i", 0) + b"\0" * 16)

    def err(e):
        return nlmsg(2, 0, 0, struct.pack("=i", e) + b"\0" * 16)

    def chunks(op, flags, *cs):
        return bytes([op, flags]) + b"".join(
            struct.pack("!H", len(c)) + c for c in cs)
    gw6 = bytes.fromhex("fe800000000000000000000000000001")
    nh = struct.pack("=HBBi", 8 + 20, 0, 0, 2) + rta(5, gw6)
    nh2 = struct.pack("=HBBi", 8 + 20, 0, 0, 3) + rta(5, gw6)
    mp = route(10, None, extra=rta(9, nh + nh2))
    return {
        "discover": chunks(
            0, 0, route(2, R4) + done, link() + ack,
            addr(2, G4, 24) + done, route(10, gw6) + done, link() + ack,
            addr(10, G6, 64) + done, addr(10, LL6, 64, scope=253) + done),
        "route4": chunks(1, 0, route(2, R4) + route(2, R4, 3) + done),
        "route6_multipath": chunks(1, 2, mp + done),
        "any_route": chunks(2, 0, route(2, None, dst=G4, dlen=24) + done),
        "addr4": chunks(3, 0, addr(2, G4, 24) + addr(2, R4, 8, 3) + done),
        "addr6_ll": chunks(3, 6, addr(10, LL6, 64, scope=253) + done),
        "link": chunks(4, 0, link() + ack),
        "link_long_name": chunks(4, 0, link(name=b"x" * 40) + ack),
        "ifindex_error": chunks(5, 0, err(-19)),
        "addr_copy": chunks(6, 2, addr(10, G6, 64) + addr(10, R6, 64) + done,
                            ack, err(-17)),
        "route_copy": chunks(7, 0, route(2, R4) + route(
            2, None, dst=G4, dlen=24) + done, ack, err(-101), ack),
        "acks": chunks(8, 0, ack, ack, err(-1)),
        "default": chunks(9, 2, ack),
        "own_seq": chunks(1, 1, route(2, R4) + done),
    }


def cli():
    """cli target: personality byte (1: passt, 2: slirp4netns, else
    pasta), then NUL-separated args"""
    def args(passt, *a):
        return bytes([passt]) + b"\0".join(x.encode() for x in a)
    return {
        "podman": args(0, "--config-net", "-t", "none", "-u", "none", "-T",
                       "none", "-U", "none", "--no-map-gw", "--quiet",
                       "--netns", "/run/user/1000/netns/x",
                       "--map-guest-addr", "169.254.1.2"),
        "podman_ports": args(0, "--config-net", "-t", "8080-8081:80-81",
                             "-u", "127.0.0.1/5353", "--dns-forward",
                             "169.254.1.1", "-a", "10.0.2.100", "-n", "24",
                             "-g", "10.0.2.2", "--mtu", "1500", "1234"),
        "rootlesskit": args(0, "--foreground", "--config-net", "--mtu",
                            "65520", "--netns-type=path", "--pid", "/p",
                            "--", "sh", "-c", "true"),
        "libvirt": args(1, "--one-off", "--socket", "/tmp/s", "--pid",
                        "/tmp/p", "--mac-addr", "52:54:00:12:34:56",
                        "-t", "2222:22", "--interface", "eth0",
                        "--address", "192.0.2.2", "--netmask", "24",
                        "--dns", "192.0.2.53", "--search", "example.org"),
        "qemu_fd": args(1, "-f", "--fd", "3", "-4", "--no-dhcpv6",
                        "--no-ndp"),
        "vhost": args(1, "--vhost-user", "-s", "/tmp/v", "--foreground",
                      "--repair-path", "none"),
        "auto_ports": args(0, "-t", "auto", "-u", "~53,auto", "-T", "all",
                           "-d", "--pcap", "/tmp/x.pcap", "--ns-ifname",
                           "eth0", "-6", "--ipv6-only"),
        "bad": args(0, "--mtu", "99999999", "-t", "70000"),
        "podman_slirp": args(2, "--disable-host-loopback", "--mtu=65520",
                             "--enable-sandbox", "--enable-seccomp", "-c",
                             "-e", "3", "-r", "4", "--enable-ipv6",
                             "--cidr=10.0.2.0/24", "--netns-type=path",
                             "/run/user/1000/netns/x", "tap0"),
        "rootlesskit_slirp": args(2, "--mtu", "65520", "-r", "3",
                                  "--api-socket", "/tmp/api.sock",
                                  "--outbound-addr", "eth0",
                                  "--macaddress", "02:00:00:00:00:01",
                                  "--userns-path=/proc/1/ns/user",
                                  "--configure", "1234", "tap0"),
        "help": args(0, "--help"),
    }


VU_GPA, VU_UVA = 0x40000, 0x7f0000000000


def vring(num, descs, heads, indirect=None):
    """Guest memory for fuzz_vu_ring's layout: descriptors, available
    ring with the heads, then buffers from 0x8000 (GPA 0x48000)"""
    mem = bytearray(0x10000)
    for i, (addr, length, flags, nxt) in enumerate(descs):
        mem[16 * i:16 * i + 16] = struct.pack("<QIHH", addr, length, flags,
                                              nxt)
    a = 16 * num
    mem[a + 2:a + 4] = struct.pack("<H", len(heads))
    for k, h in enumerate(heads):
        mem[a + 4 + 2 * k:a + 6 + 2 * k] = struct.pack("<H", h)
    if indirect:
        mem[0x9000:0x9000 + len(indirect)] = indirect
    return bytes(mem)


def vu_ring():
    """vu_ring target: size exponent, flags, last available (LE), memory"""
    buf = VU_GPA + 0x8000
    one = [(buf, 1526, 0, 0)]
    two = [(buf, 12, 1, 1), (buf + 12, 1514, 0, 0)]
    ind = struct.pack("<QIHH", buf, 12, 1, 1) + \
        struct.pack("<QIHH", buf + 12, 60000, 0, 0)
    return {
        "one": bytes([4, 0, 0, 0]) + vring(16, one, [0]),
        "two": bytes([4, 1, 0, 0]) + vring(16, two, [0]),
        "indirect": bytes([8, 1, 0, 0]) + vring(
            256, [(VU_GPA + 0x9000, 32, 4, 0)], [0], ind),
        "rx": bytes([4, 2, 0, 0]) + vring(16, [(buf, 4096, 2, 0)] * 4,
                                          [0, 1, 2, 3]),
        "wrap": bytes([4, 0, 0xfe, 0xff]) + vring(16, one, [0]),
    }


def vu_msg_one(req, payload=b"", fds=0, flags=1):
    return bytes([fds]) + struct.pack("<III", req, flags, len(payload)) + \
        payload


def vu_msg():
    """vu_msg target: memory length (LE), memory, then messages (fd byte,
    header, payload) as QEMU sends them to set the device up"""
    feats = (1 << 32) | (1 << 15) | (1 << 29) | (1 << 30) | 3
    mem = bytearray(0x4000)
    mem[0:16] = struct.pack("<QIHH", VU_GPA + 0x3000, 1526, 0, 0)
    mem[0x1000 + 2:0x1000 + 6] = struct.pack("<HH", 1, 0)
    region = struct.pack("<IIQQQQ", 1, 0, VU_GPA, 0x10000, VU_UVA, 0)
    msgs = b"".join([
        vu_msg_one(1), vu_msg_one(15),
        vu_msg_one(16, struct.pack("<Q", 8)),
        vu_msg_one(17), vu_msg_one(3), vu_msg_one(2, struct.pack("<Q", feats)),
        vu_msg_one(5, region, fds=1),
        vu_msg_one(8, struct.pack("<II", 1, 256)),
        vu_msg_one(10, struct.pack("<II", 1, 0)),
        vu_msg_one(9, struct.pack("<IIQQQQ", 1, 0, VU_UVA, VU_UVA + 0x2000,
                                  VU_UVA + 0x1000, 0)),
        vu_msg_one(12, struct.pack("<Q", 1), fds=0x11),
        vu_msg_one(13, struct.pack("<Q", 1), fds=0x11),
        vu_msg_one(18, struct.pack("<II", 1, 1)),
        vu_msg_one(11, struct.pack("<II", 1, 0)),
        vu_msg_one(34),
    ])
    return {
        "qemu-setup": struct.pack("<H", len(mem)) + bytes(mem) + msgs,
        "bad-version": b"\0\0" + vu_msg_one(1, flags=2),
        "mem-no-fd": b"\0\0" + vu_msg_one(5, region),
    }


def main():
    for target, seeds in (("ingress", ingress()), ("procnet", procnet()),
                          ("fwd_spec", fwd_spec()),
                          ("sockdiag", sockdiag()), ("resolv", resolv()),
                          ("stream", stream()), ("dhcp", dhcp_svc()),
                          ("dhcpv6", dhcpv6_svc()), ("ndp", ndp_svc()),
                          ("netlink", netlink()), ("cli", cli()),
                          ("slirp_api", slirp_api()), ("ctl", ctl()),
                          ("vu_ring", vu_ring()), ("vu_msg", vu_msg())):
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
