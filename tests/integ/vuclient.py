# SPDX-License-Identifier: MIT
# vuclient.py - a vhost-user front-end in Python, for tests: it speaks the
# protocol to tether, shares a memfd of its own as "guest memory", and
# plays the guest's side of both virtqueues there (split rings), well
# behaved or not
"""
Memory layout (one region, GPA == offset + GPA_BASE):

  ring q (0 = receive, 1 = transmit) at q * RING_SPAN:
    descriptors +0, available ring +DESC_BYTES, used ring +AVAIL_SPAN
  buffers from BUF_BASE on, BUF_SIZE bytes each
"""

import errno
import os
import select
import socket
import struct
import time

GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM = 15, 16, 17
SET_VRING_ENABLE = 18

F_CSUM, F_GUEST_CSUM, F_GUEST_TSO4, F_GUEST_TSO6 = 0, 1, 7, 8
F_HOST_TSO4, F_HOST_TSO6, F_MRG_RXBUF = 11, 12, 15
F_INDIRECT, F_EVENT_IDX, F_PROTOCOL, F_VERSION_1 = 28, 29, 30, 32
PROTO_REPLY_ACK = 3

D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4

GPA_BASE = 0x100000
UVA_BASE = 0x7f1200000000
MEM_SIZE = 4 << 20
QSIZE = 256
DESC_BYTES = 16 * QSIZE
AVAIL_SPAN = 0x2000
RING_SPAN = 0x10000
BUF_BASE = 0x40000
BUF_SIZE = 4096
HDR_LEN = 12                    # virtio_net_hdr_mrg_rxbuf


class VuClient:
    """One connection to tether's vhost-user socket"""

    def __init__(self, path, timeout=5):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.memfd = os.memfd_create("tt-vu-guest")
        os.ftruncate(self.memfd, MEM_SIZE)
        import mmap
        self.mem = mmap.mmap(self.memfd, MEM_SIZE)
        self.kick = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(2)]
        self.call = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(2)]
        self.avail_idx = [0, 0]
        self.used_seen = [0, 0]
        self.next_buf = 0
        self.features = 0

    def close(self):
        for fd in self.kick + self.call + [self.memfd]:
            try:
                os.close(fd)
            except OSError:
                pass
        self.kick, self.call = [], []
        self.s.close()
        try:
            self.mem.close()
        except BufferError:
            pass

    # ---- messages ----------------------------------------------------

    def send(self, req, payload=b"", fds=(), flags=1, need_reply=False):
        hdr = struct.pack("<III", req, flags | (8 if need_reply else 0),
                          len(payload))
        if fds:
            socket.send_fds(self.s, [hdr + payload], list(fds))
        else:
            self.s.sendall(hdr + payload)

    def send_raw(self, data):
        self.s.sendall(data)

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            d = self.s.recv(n - len(b))
            if not d:
                raise ConnectionError("closed")
            b += d
        return b

    def reply(self):
        req, flags, size = struct.unpack("<III", self.recv_exact(12))
        assert flags & 4, f"not a reply: flags {flags:#x}"
        return req, self.recv_exact(size)

    def u64(self, req):
        self.send(req)
        r, p = self.reply()
        assert r == req and len(p) == 8, (r, p)
        return struct.unpack("<Q", p)[0]

    def closed_by_peer(self, timeout=5):
        """True once tether closed the connection (EOF or reset)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.s], [], [], 0.2)
            if not r:
                continue
            try:
                if not self.s.recv(4096):
                    return True
            except ConnectionResetError:
                return True
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE):
                    return True
                raise
        return False

    # ---- set-up --------------------------------------------------------

    def uva(self, off):
        return UVA_BASE + off

    def gpa(self, off):
        return GPA_BASE + off

    def mem_table(self, size=MEM_SIZE, fds=None):
        region = struct.pack("<QQQQ", GPA_BASE, size, UVA_BASE, 0)
        self.send(SET_MEM_TABLE, struct.pack("<II", 1, 0) + region,
                  fds=fds if fds is not None else [self.memfd])

    def ring_base(self, q):
        return q * RING_SPAN

    def setup(self, features=None, ack=True):
        """Everything QEMU does before the guest runs, both rings on"""
        offered = self.u64(GET_FEATURES)
        want = features if features is not None else offered
        self.features = want
        self.send(SET_FEATURES, struct.pack("<Q", want))
        if offered & (1 << F_PROTOCOL):
            self.u64(GET_PROTOCOL_FEATURES)
            self.send(SET_PROTOCOL_FEATURES,
                      struct.pack("<Q", (1 << PROTO_REPLY_ACK) if ack else 0))
        self.send(SET_OWNER)
        self.mem_table()
        for q in (0, 1):
            self.ring_setup(q)
        return offered

    def ring_setup(self, q, num=QSIZE):
        """Set ring q up from scratch, as a driver does after a reset"""
        b = self.ring_base(q)
        self.mem[b:b + RING_SPAN] = bytes(RING_SPAN)
        self.send(SET_VRING_NUM, struct.pack("<II", q, num))
        self.send(SET_VRING_BASE, struct.pack("<II", q, 0))
        self.send(SET_VRING_ADDR, struct.pack(
            "<IIQQQQ", q, 0, self.uva(b), self.uva(b + DESC_BYTES +
                                                   AVAIL_SPAN),
            self.uva(b + DESC_BYTES), 0))
        self.send(SET_VRING_KICK, struct.pack("<Q", q), fds=[self.kick[q]])
        self.send(SET_VRING_CALL, struct.pack("<Q", q), fds=[self.call[q]])
        self.send(SET_VRING_ENABLE, struct.pack("<II", q, 1))
        self.avail_idx[q] = 0
        self.used_seen[q] = 0

    def sync(self):
        """A round trip: every message before was handled"""
        self.u64(GET_QUEUE_NUM)

    # ---- the guest's side of the rings --------------------------------

    def desc_write(self, q, i, addr, length, flags=0, nxt=0):
        off = self.ring_base(q) + 16 * i
        self.mem[off:off + 16] = struct.pack("<QIHH", addr, length, flags, nxt)

    def avail_add(self, q, head):
        b = self.ring_base(q) + DESC_BYTES
        i = self.avail_idx[q] % QSIZE
        self.mem[b + 4 + 2 * i:b + 6 + 2 * i] = struct.pack("<H", head)
        self.avail_idx[q] = (self.avail_idx[q] + 1) & 0xffff
        self.mem[b + 2:b + 4] = struct.pack("<H", self.avail_idx[q])

    def avail_set_idx(self, q, idx):
        b = self.ring_base(q) + DESC_BYTES
        self.mem[b + 2:b + 4] = struct.pack("<H", idx & 0xffff)

    def do_kick(self, q):
        os.eventfd_write(self.kick[q], 1)

    def used_idx(self, q):
        b = self.ring_base(q) + DESC_BYTES + AVAIL_SPAN
        return struct.unpack("<H", self.mem[b + 2:b + 4])[0]

    def used_elems(self, q):
        """New used entries since the last call: (id, len) pairs"""
        b = self.ring_base(q) + DESC_BYTES + AVAIL_SPAN
        out = []
        now = self.used_idx(q)
        while self.used_seen[q] != now:
            i = self.used_seen[q] % QSIZE
            out.append(struct.unpack("<II", self.mem[b + 4 + 8 * i:
                                                     b + 12 + 8 * i]))
            self.used_seen[q] = (self.used_seen[q] + 1) & 0xffff
        return out

    def buf(self):
        """Offset of a fresh buffer"""
        off = BUF_BASE + BUF_SIZE * self.next_buf
        self.next_buf = (self.next_buf + 1) % ((MEM_SIZE - BUF_BASE) //
                                               BUF_SIZE)
        return off

    def post_rx(self, n):
        """n receive buffers, one descriptor each: descriptor i, buffer
        at the offset returned"""
        offs = []
        for i in range(n):
            off = self.buf()
            self.desc_write(0, i, self.gpa(off), BUF_SIZE, D_WRITE)
            self.avail_add(0, i)
            offs.append(off)
        return offs

    def send_frame(self, frame, head=0):
        """One frame on the transmit queue, from descriptor head"""
        off = self.buf()
        data = bytes(HDR_LEN) + frame
        self.mem[off:off + len(data)] = data
        self.desc_write(1, head, self.gpa(off), len(data))
        self.avail_add(1, head)
        self.do_kick(1)

    def wait_used(self, q, n=1, timeout=5):
        """Wait for n used entries on queue q; return them"""
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            got += self.used_elems(q)
            if len(got) < n:
                time.sleep(0.02)
        return got

    def rx_frames(self, offs, timeout=5, want=1):
        """Frames tether wrote into receive buffers (one buffer each)"""
        frames = []
        for head, length in self.wait_used(0, want, timeout):
            off = offs[head]
            frames.append(bytes(self.mem[off + HDR_LEN:off + length]))
        return frames


def arp_request(src_mac, src_ip, dst_ip):
    """An ARP who-has from the guest, as bytes"""
    import ipaddress
    sip = ipaddress.IPv4Address(src_ip).packed
    dip = ipaddress.IPv4Address(dst_ip).packed
    return (b"\xff" * 6 + src_mac + b"\x08\x06" +
            struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src_mac + sip +
            bytes(6) + dip + bytes(18))
