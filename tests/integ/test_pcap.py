# SPDX-License-Identifier: MIT
# test_pcap.py - --pcap FILE: a capture wireshark and tcpdump can read,
# with both directions of the guest link and nothing of the link framing
import ipaddress
import os
import socket
import stat
import struct
import time

import pytest

from tether import Tether, wait_until
from topology import V4_HOST, V4_SERVER, V6_HOST, V6_SERVER, PORT_HTTP
from conftest import run_as
from test_vm import dhcp_discover, read_frames

FAMILIES = pytest.mark.parametrize("server,host", [(V4_SERVER, V4_HOST),
                                                   (V6_SERVER, V6_HOST)],
                                   ids=["v4", "v6"])
MAGIC_US, MAGIC_NS = 0xa1b2c3d4, 0xa1b23c4d
SYN, ACK = 0x02, 0x10


def read_pcap(path):
    """(file header fields, [(sec, frac, caplen, len, frame)]), checked
    for layout: a whole number of records, nothing left over"""
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) >= 24, f"{path}: {len(data)} bytes, no file header"
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (MAGIC_US, MAGIC_NS) else ">"
    hdr = struct.unpack(e + "IHHiIII", data[:24])
    assert hdr[0] in (MAGIC_US, MAGIC_NS), f"bad magic {hdr[0]:#x}"
    recs, off = [], 24
    while off < len(data):
        assert off + 16 <= len(data), "record header cut"
        sec, frac, cap, orig = struct.unpack(e + "IIII", data[off:off + 16])
        assert off + 16 + cap <= len(data), "record data cut"
        recs.append((sec, frac, cap, orig, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return hdr, recs


def parse_tcp(frame):
    """(src, dst, sport, dport, flags, payload bytes) of an Ethernet
    IPv4/IPv6 TCP frame, None for other frames; IP lengths must match"""
    assert len(frame) >= 14, f"runt frame {frame.hex()}"
    etype = struct.unpack("!H", frame[12:14])[0]
    if etype == 0x0800:
        ip = frame[14:]
        assert ip[0] >> 4 == 4 and len(ip) >= 20
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        assert tot <= len(ip), f"IPv4 length {tot} > {len(ip)}"
        proto, l4 = ip[9], ip[ihl:tot]
        src, dst = (str(ipaddress.ip_address(ip[12:16])),
                    str(ipaddress.ip_address(ip[16:20])))
    elif etype == 0x86dd:
        ip = frame[14:]
        assert ip[0] >> 4 == 6 and len(ip) >= 40
        plen = struct.unpack("!H", ip[4:6])[0]
        assert 40 + plen <= len(ip), f"IPv6 length {plen} > {len(ip)}"
        proto, l4 = ip[6], ip[40:40 + plen]
        src, dst = (str(ipaddress.ip_address(ip[8:24])),
                    str(ipaddress.ip_address(ip[24:40])))
    else:
        return None
    if proto != 6:
        return None
    assert len(l4) >= 20, "TCP header cut"
    sport, dport = struct.unpack("!HH", l4[:4])
    doff = (l4[12] >> 4) * 4
    return src, dst, sport, dport, l4[13], len(l4) - doff


@FAMILIES
def test_pcap_tcp_transfer_both_directions(tether, files, workdir, server,
                                           host):
    """pasta --pcap with a small HTTP download: the SYN from the
    namespace's address and the SYN-ACK to it, every frame whole, and
    at least the file's bytes toward the namespace"""
    path = os.path.join(workdir, "rw", f"tcp-{server}.pcap")
    _, sha, size = files["small"]
    h = f"[{server}]" if ":" in server else server
    res = tether.spawn(f"curl -sS -g --fail --max-time 30 -o /dev/null "
                       f"http://{h}:{PORT_HTTP}/small && echo FETCHED",
                       timeout=60, opts=["--pcap", path])
    assert res.rc == 0 and "FETCHED" in res.out, res
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    hdr, recs = read_pcap(path)
    magic, major, minor, _, _, snaplen, linktype = hdr
    assert (major, minor, linktype) == (2, 4, 1), hdr
    assert snaplen > 65535 + 64, hdr        # GSO frames fit whole
    assert recs, "no records"
    now = time.time()
    syn = synack = 0
    down = 0
    for sec, frac, cap, orig, frame in recs:
        assert cap == orig == len(frame), (cap, orig)
        assert abs(sec - now) < 120, f"timestamp {sec} vs {now}"
        assert frac < (10 ** 9 if magic == MAGIC_NS else 10 ** 6)
        t = parse_tcp(frame)
        if not t or PORT_HTTP not in (t[2], t[3]):
            continue
        src, dst, sport, dport, flags, payload = t
        if src == host and dst == server and dport == PORT_HTTP and \
                flags & (SYN | ACK) == SYN:
            syn += 1
        if src == server and dst == host and sport == PORT_HTTP:
            if flags & (SYN | ACK) == SYN | ACK:
                synack += 1
            down += payload
    assert syn >= 1, "no SYN from the namespace in the capture"
    assert synack >= 1, "no SYN-ACK toward the namespace in the capture"
    assert down >= size, f"{down} bytes toward the namespace, file {size}"


def test_pcap_unwritable_path_exits_1_with_one_line(tether_cli, workdir):
    path = os.path.join(workdir, "no-such-dir", "x.pcap")
    res = tether_cli.run(["--pcap", path, "--config-net", "--", "true"],
                         timeout=20)
    assert res.rc == 1, res
    # one line for the error, the last; before it only what start-up
    # says about the host (as an ordinary user the tests run in a
    # namespace without routes: one line about local mode)
    lines = [line for line in res.err.splitlines() if line.strip()]
    assert lines and path in lines[-1], res
    assert not [line for line in lines[:-1] if path in line or
                "capture" in line], res
    assert len(lines) <= 2, res


def test_pcap_passt_mode_frames_without_length_prefix(topo, tether_bin,
                                                      workdir):
    """passt -F: the DHCP DISCOVER we send and the reply appear as bare
    Ethernet frames, byte for byte (no length prefix, no padding)"""
    passt = os.path.join(os.path.dirname(tether_bin), "passt")
    path = os.path.join(workdir, "rw", "passt.pcap")
    t = Tether(passt, run_as(), workdir, netns=topo.host)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        fd = theirs.fileno()
        p = t.popen(t.argv(["-f", "-F", str(fd), "--pcap", path]),
                    pass_fds=(fd,))
        theirs.close()
        discover = dhcp_discover(0x5eca9)
        ours.sendall(struct.pack("!I", len(discover)) + discover)
        reply = read_frames(ours, lambda f: f[12:14] == b"\x08\x00" and
                            f[23] == 17 and
                            f[34:38] == b"\x00\x43\x00\x44")
        assert reply, "no DHCP reply"
        ours.close()
        assert wait_until(lambda: p.poll() is not None, 10), "no exit"
        res = t.finish(p, 10)
        assert res.rc == 0, res
    finally:
        ours.close()
        t.cleanup()

    _, recs = read_pcap(path)
    frames = [r[4] for r in recs]
    for _, _, cap, orig, frame in recs:
        assert cap == orig == len(frame)
    assert discover in frames, [f[:16].hex() for f in frames]
    assert reply in frames, [f[:16].hex() for f in frames]
    assert frames.index(discover) < frames.index(reply)
