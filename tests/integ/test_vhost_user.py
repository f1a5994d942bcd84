# SPDX-License-Identifier: MIT
# test_vhost_user.py - passt --vhost-user: a real QEMU guest, and a
# front-end of our own that breaks the rules
"""
The topology and guest of test_vm.py, with QEMU on -netdev vhost-user
(guest memory a shared memfd, vectors=0 under TCG: tests/guest/run-vm.sh
--vhost-user). The hostile tests use vuclient.py, a front-end written
here: it shares a memfd of its own and plays the guest on the rings.
"""

import json
import struct
import subprocess
import time

import pytest

from conftest import DNS_NAME
from test_vm import (FWD_PORT, GUEST_MAC, check_dhcp, cpu_seconds, guest,
                     listening, passt, passt_bin, run_vm, serve_from_guest)
from tether import wait_until
from topology import (V4_GW, V4_HOST, V4_SERVER, V6_SERVER, PORT_HTTP,
                      PORT_SHA, kill_tree)
import vuclient as vu

__all__ = ["guest", "passt", "passt_bin"]     # fixtures, used by name

GUEST_MAC_B = bytes.fromhex(GUEST_MAC.replace(":", ""))

# virtio-net features the guest must have negotiated: checksums and TSO
# both ways, mergeable buffers, VERSION_1
OFFLOADS = {0: "CSUM", 1: "GUEST_CSUM", 7: "GUEST_TSO4", 8: "GUEST_TSO6",
            11: "HOST_TSO4", 12: "HOST_TSO6", 15: "MRG_RXBUF",
            32: "VERSION_1"}

GUEST_ALL = f"""
echo "TT FEATURES $(cat /sys/class/net/eth0/device/features)"
echo "TT RESOLV $(tr '\\n' ' ' < /etc/resolv.conf)"
ping -c 2 -W 3 {V4_SERVER} >/dev/null 2>&1 && echo "TT PING4 ok"
ping6 -c 2 -W 3 {V6_SERVER} >/dev/null 2>&1 && echo "TT PING6 ok"
echo "TT DNS $(nslookup {DNS_NAME} 2>&1 | awk '/^Address: / {{ print $2 }}' | tr '\\n' ' ')"
timeout 60 wget -q -O /tmp/fn http://{DNS_NAME}:{PORT_HTTP}/small &&
	echo "TT SHANAME $(sha256sum /tmp/fn | cut -d' ' -f1)"
echo "TT BIGSHA4 $(timeout 120 wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum | cut -d' ' -f1)"
echo "TT BIGSHA6 $(timeout 120 wget -q -O - "http://[{V6_SERVER}]:{PORT_HTTP}/big" | sha256sum | cut -d' ' -f1)"
dd if=/dev/urandom of=/tmp/up bs=1M count=64 2>/dev/null
echo "TT UPSHA $(sha256sum /tmp/up | cut -d' ' -f1)"
echo "TT UP4 $(timeout 120 nc {V4_SERVER} {PORT_SHA} < /tmp/up)"
echo "TT UP6 $(timeout 120 nc {V6_SERVER} {PORT_SHA} < /tmp/up)"
"""


def features_of(vm):
    """The device's negotiated feature bits, as a set of numbers"""
    bits = vm.one("FEATURES")
    return {i for i, c in enumerate(bits) if c == "1"}


def test_vu_guest_gets_service(guest, passt, dns, files, workdir):
    """A QEMU guest on vhost-user: DHCP (address, gateway, MTU 65520),
    SLAAC, ping, DNS through the forwarder, 64 MiB down and up over IPv4
    and IPv6 with matching SHA-256, offloads negotiated both ways"""
    p = passt().listen("--vhost-user")
    vm = run_vm(guest, p.sock, workdir, GUEST_ALL, vhost_user=True)
    assert p.alive(), p.output()

    check_dhcp(vm)
    assert vm.one("ADDR6") != "none", f"no IPv6 address from SLAAC:\n{vm}"
    missing = [n for b, n in OFFLOADS.items() if b not in features_of(vm)]
    assert not missing, f"not negotiated: {missing}\n{vm}"
    assert vm.tt("PING4") == ["ok"], vm
    assert vm.tt("PING6") == ["ok"], vm
    assert set(vm.one("DNS").split()) >= {V4_SERVER, V6_SERVER}, vm
    assert vm.one("SHANAME") == files["small"][1], vm
    assert vm.one("BIGSHA4") == files["big"][1], vm
    assert vm.one("BIGSHA6") == files["big"][1], vm
    up = f"{vm.one('UPSHA')} {64 << 20}"
    assert vm.one("UP4") == up, vm
    assert vm.one("UP6") == up, vm
    assert vm.one("EXIT") == "0", vm
    out = p.output()
    assert "vhost-user front-end connected" in out, out


def test_vu_tcp_forward_into_guest(guest, passt, topo, workdir):
    """-t: a server in the guest, reached from REMOTE through HOST"""
    p = passt().listen("--vhost-user", "-t", str(FWD_PORT))
    assert wait_until(lambda: listening(topo, FWD_PORT), 5), p.output()
    serve_from_guest(guest, p, topo, workdir, 4 << 20, vhost_user=True)


def test_vu_qemu_killed_then_next_served(guest, passt, files, workdir):
    """QEMU killed (SIGKILL) in the middle of a download: everything it
    gave is released, and a second QEMU gets full service"""
    p = passt().listen("--vhost-user")
    script = f"""
echo "TT DOWNLOADING"
timeout 120 wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum
echo "TT NOT KILLED"
"""
    qemu = {}

    def on_line(line):
        if line.endswith("TT DOWNLOADING"):
            time.sleep(2)               # the transfer is under way
            kill_tree(qemu["p"].pid)

    vm = run_vm(guest, p.sock, workdir, script, on_line=on_line,
                vhost_user=True, started=lambda q: qemu.update(p=q))
    assert not vm.tt("NOT KILLED"), vm
    assert wait_until(lambda: "front-end disconnected" in p.output(), 10), \
        p.output()
    assert p.alive(), p.output()
    # Nothing of the first guest's is kept: its memory is unmapped
    maps = open(f"/proc/{p.proc.pid}/maps").read()
    assert "memfd:" not in maps, maps

    script = f"""
echo "TT BIGSHA $(timeout 120 wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum | cut -d' ' -f1)"
"""
    vm = run_vm(guest, p.sock, workdir, script, vhost_user=True)
    check_dhcp(vm)
    assert vm.one("BIGSHA") == files["big"][1], vm
    assert p.alive(), p.output()


def test_vu_back_end_restarted_qemu_reconnects(guest, passt, files,
                                               workdir):
    """tether killed and started again on the same socket while the guest
    runs: QEMU reconnects (reconnect=, as libvirt sets it), sets the
    device up again, and the guest's traffic resumes"""
    p = passt().listen("--vhost-user")
    sock = p.sock
    script = f"""
echo "TT SHA1 $(timeout 60 wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/small | sha256sum | cut -d' ' -f1)"
echo "TT PHASE1"
sleep 6
i=0
while [ $i -lt 30 ]; do
	s=$(timeout 10 wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/small | sha256sum | cut -d' ' -f1)
	[ "$s" = "{files["small"][1]}" ] && break
	sleep 1
	i=$((i + 1))
done
echo "TT SHA2 $s"
"""
    second = {}

    def on_line(line):
        if line.endswith("TT PHASE1"):
            p.proc.kill()
            p.proc.wait(timeout=10)
            q = passt()
            q.sock = sock
            second["p"] = q.listen("--vhost-user")

    vm = run_vm(guest, sock, workdir, script, on_line=on_line,
                vhost_user=True, extra=["--reconnect", "1"])
    assert vm.one("SHA1") == files["small"][1], vm
    q = second.get("p")
    assert q is not None, vm
    assert vm.one("SHA2") == files["small"][1], f"{vm}\n{q.output()}"
    assert "front-end connected" in q.output(), q.output()
    assert q.alive(), q.output()


def test_vu_one_off_exits_with_front_end(passt):
    """--one-off: the front-end leaving ends tether, status 0"""
    p = passt().listen("--vhost-user", "--one-off")
    c = vu.VuClient(p.sock)
    c.setup()
    c.sync()
    c.close()
    assert wait_until(lambda: not p.alive(), 5), p.output()
    assert p.proc.returncode == 0, p.output()


def test_vu_print_capabilities(passt_bin):
    """--print-capabilities: what libvirt reads (the backend program
    conventions of vhost-user.rst)"""
    r = subprocess.run([passt_bin, "--print-capabilities"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"type": "net"}, r.stdout


# ---- a front-end that breaks the rules ----------------------------------

def still_serving(p):
    """A new, well-behaved front-end gets answers"""
    c = vu.VuClient(p.sock)
    try:
        return c.u64(vu.GET_FEATURES) & (1 << vu.F_VERSION_1) != 0
    finally:
        c.close()


def bad_messages():
    """(name, function of a connected client that sends one bad thing)"""
    hdr = struct.pack
    return [
        ("version 2", lambda c: c.send_raw(hdr("<III", vu.GET_FEATURES, 2, 0))),
        ("reply flag", lambda c: c.send_raw(hdr("<III", vu.GET_FEATURES, 5, 0))),
        ("huge payload", lambda c: c.send_raw(hdr("<III", vu.SET_FEATURES, 1,
                                                  1 << 20))),
        ("unknown request", lambda c: c.send(99, bytes(8))),
        ("short SET_FEATURES", lambda c: c.send(vu.SET_FEATURES, bytes(4))),
        ("unoffered feature", lambda c: c.send(vu.SET_FEATURES,
                                               hdr("<Q", 1 << 63))),
        ("memory table: 2 regions, 1 fd", lambda c: c.send(
            vu.SET_MEM_TABLE, hdr("<II", 2, 0) + bytes(64), fds=[c.memfd])),
        ("memory table: region past the file", lambda c: c.mem_table(
            size=vu.MEM_SIZE * 4)),
        ("memory table: no fd", lambda c: c.mem_table(fds=[])),
        ("ring size 3", lambda c: c.send(vu.SET_VRING_NUM,
                                         hdr("<II", 0, 3))),
        ("ring index 7", lambda c: c.send(vu.SET_VRING_NUM,
                                          hdr("<II", 7, 256))),
        ("ring outside memory", lambda c: (c.mem_table(), c.send(
            vu.SET_VRING_NUM, hdr("<II", 1, 256)), c.send(
            vu.SET_VRING_ADDR, hdr("<IIQQQQ", 1, 0, 0x1000, 0x3000, 0x2000,
                                   0)))),
        ("kick without fd", lambda c: c.send(vu.SET_VRING_KICK,
                                             hdr("<Q", 1 | 0x100))),
        ("fds on GET_FEATURES", lambda c: c.send(vu.GET_FEATURES,
                                                 fds=[c.kick[0]])),
        ("log base", lambda c: c.send(6, bytes(16), fds=[c.memfd])),
    ]


@pytest.mark.parametrize("name,bad", bad_messages(),
                         ids=[n for n, _ in bad_messages()])
def test_vu_malformed_message_resets_that_client(passt, name, bad):
    """Each malformed or hostile message drops that front-end with one
    line, and the next one is served"""
    p = passt().listen("--vhost-user")
    c = vu.VuClient(p.sock)
    try:
        bad(c)
        assert c.closed_by_peer(5), f"{name}: connection kept\n{p.output()}"
    finally:
        c.close()
    assert p.alive(), p.output()
    assert still_serving(p), p.output()
    out = p.output()
    assert "front-end sent a" in out or "disconnected" in out, out


def test_vu_cut_message_then_close(passt):
    """Half a message, then the front-end goes: nothing left behind"""
    p = passt().listen("--vhost-user")
    c = vu.VuClient(p.sock)
    c.send_raw(struct.pack("<II", vu.SET_FEATURES, 1))
    c.close()
    assert wait_until(lambda: "disconnected" in p.output(), 5), p.output()
    assert still_serving(p), p.output()


def test_vu_hostile_rings(passt):
    """Chains that loop, leave memory, nest indirect tables or claim 4 GiB
    are given back empty; a valid ARP request after them is answered in
    the receive ring; an index that jumps past the ring size stops that
    ring (one line), without spinning or crashing"""
    p = passt().listen("--vhost-user")
    c = vu.VuClient(p.sock)
    c.setup()
    c.sync()
    offs = c.post_rx(16)

    # 0: loops onto itself; 1: outside memory; 2: 4 GiB; 3: nested
    # indirect; 4: a device-writable buffer on the transmit queue
    tab = c.buf()
    c.mem[tab:tab + 16] = struct.pack("<QIHH", c.gpa(tab), 16, vu.D_INDIRECT, 0)
    bad = [(c.gpa(c.buf()), 100, vu.D_NEXT, 0),
           (0xdead00000000, 1500, 0, 0),
           (c.gpa(c.buf()), 0xffffffff, 0, 0),
           (c.gpa(tab), 16, vu.D_INDIRECT, 0),
           (c.gpa(c.buf()), 100, vu.D_WRITE, 0)]
    for i, (addr, length, flags, nxt) in enumerate(bad):
        c.desc_write(1, i, addr, length, flags, nxt)
        c.avail_add(1, i)
    c.do_kick(1)
    used = c.wait_used(1, len(bad))
    assert sorted(used) == [(i, 0) for i in range(len(bad))], used

    c.send_frame(vu.arp_request(GUEST_MAC_B, V4_HOST, V4_GW), head=10)
    assert c.wait_used(1, 1) == [(10, 0)]
    frames = c.rx_frames(offs)
    assert frames, f"no ARP reply\n{p.output()}"
    f = frames[0]
    assert f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02", f.hex()
    assert f[0:6] == GUEST_MAC_B, f.hex()

    # The available index jumps 1000 ahead of a 256-entry ring
    cpu0 = cpu_seconds(p.proc.pid)
    c.avail_set_idx(1, c.avail_idx[1] + 1000)
    c.do_kick(1)
    assert wait_until(lambda: "impossible indices" in p.output(), 5), \
        p.output()
    for _ in range(20):
        c.do_kick(1)
        time.sleep(0.05)
    assert cpu_seconds(p.proc.pid) - cpu0 < 1.0, "spinning on a bad ring"
    assert p.output().count("impossible indices") == 1, p.output()
    assert p.alive(), p.output()

    # Set up again by the front-end (as on a guest's device reset): works
    c.ring_setup(1)
    c.sync()
    c.send_frame(vu.arp_request(GUEST_MAC_B, V4_HOST, V4_GW), head=0)
    assert c.wait_used(1, 1) == [(0, 0)], p.output()
    assert c.rx_frames(offs), p.output()
    c.close()
    assert still_serving(p), p.output()


def test_vu_guest_stops_reading(passt, topo):
    """A guest that posts no receive buffers: frames for it are dropped,
    tether stays responsive and nothing grows"""
    p = passt().listen("--vhost-user")
    c = vu.VuClient(p.sock)
    c.setup()
    c.sync()
    for i in range(64):         # ARP requests, never an answer read
        c.send_frame(vu.arp_request(GUEST_MAC_B, V4_HOST, V4_GW),
                     head=i % 128)
        c.wait_used(1, 1)
    assert p.alive(), p.output()
    c.sync()                    # still answers its front-end
    c.close()
    assert still_serving(p), p.output()

