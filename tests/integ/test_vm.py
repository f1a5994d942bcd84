# SPDX-License-Identifier: MIT
# test_vm.py - passt mode: a real QEMU guest, and the stream socket directly
"""
The topology of topology.py, plus, for this module:

  HOST   /etc/netns/HOST/resolv.conf: "nameserver 127.0.0.1", so that
         HOST's resolver is on loopback (as with systemd-resolved);
         tt_dns.py answers there (A/AAAA for vm.tt.example)
         passt -f -s <workdir>/rw/passt-N.sock, as uid 1500
  QEMU   (root, no namespace needed: it only connects to the socket)
         -netdev stream -> virtio-net -> busybox guest from
         tests/guest/build-initramfs.sh, which runs udhcpc, waits for
         SLAAC, runs a test script and prints "TT ..." lines on ttyS0

        REMOTE 198.51.100.1 / 2001:db8:1::1 (http :8080)
           |  veth
        HOST 192.0.2.2/24, 2001:db8::2/64 --- passt --- socket --- QEMU

A guest boots in about 10 s here (TCG, no KVM). Every wait is bounded.
Without qemu-system-x86, linux-image-amd64, busybox-static and cpio the
guest tests skip, or fail when TT_REQUIRE_VM is set (for CI).
"""

import hashlib
import ipaddress
import os
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from tether import Tether, check_sanitizer, wait_until
from topology import (V4_GW, V4_HOST, V4_PLEN, V4_SERVER, V6_HOST,
                      V6_SERVER, PORT_ECHO, PORT_HTTP, PORT_SHA, kill_tree,
                      pid_alive, run)
from conftest import DNS_NAME, GUEST_SRC, run_as

VM_BOOT_TIMEOUT = 150          # s, a whole guest run
FWD_PORT = 18081
GUEST_MAC = "52:54:00:12:34:56"
OUR_MAC = bytes.fromhex("9a559a559a55")


# ---- fixtures ----------------------------------------------------------

@pytest.fixture(scope="module")
def passt_bin(tether_bin):
    """build/passt next to the binary under test (a link to it)"""
    p = os.path.join(os.path.dirname(tether_bin), "passt")
    if not os.path.exists(p):
        pytest.fail(f"{p} not found: make builds it next to {tether_bin}")
    return p


def skip_or_fail(why):
    """Missing guest tools skip the test, unless TT_REQUIRE_VM is set (CI
    installs them: a silent skip there would hide the VM tests)"""
    if os.environ.get("TT_REQUIRE_VM"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def guest(workdir):
    """Kernel and initramfs of the test guest, built from Debian packages"""
    missing = [t for t in ("qemu-system-x86_64", "cpio", "gzip", "busybox")
               if not shutil.which(t)]
    if missing:
        skip_or_fail(f"missing {' '.join(missing)}: apt-get install "
                     f"qemu-system-x86 cpio busybox-static")
    if not any(f.startswith("vmlinuz-") for f in os.listdir("/boot")):
        skip_or_fail("no kernel in /boot: apt-get install linux-image-amd64")
    out = os.path.join(workdir, "guest")
    p = run([os.path.join(GUEST_SRC, "build-initramfs.sh"), out],
            check=False, timeout=120)
    assert p.returncode == 0, f"guest build failed:\n{p.stderr}"
    return out


class Passt:
    """passt in HOST as the unprivileged user, logging to a file"""
    count = 0

    def __init__(self, binary, topo, workdir):
        self.t = Tether(binary, run_as(), workdir, netns=topo.host)
        Passt.count += 1
        self.sock = os.path.join(workdir, "rw", f"passt-{Passt.count}.sock")
        self.log = os.path.join(workdir, "rw", f"passt-{Passt.count}.log")
        self.proc = None

    def start(self, *args, wait_socket=True, **kw):
        with open(self.log, "w") as f:
            self.proc = self.t.popen(self.t.argv(list(args)), stdout=f,
                                     stderr=subprocess.STDOUT, **kw)
        if wait_socket:
            ok = wait_until(lambda: os.path.exists(self.sock) or
                            self.proc.poll() is not None, 10)
            assert ok and self.proc.poll() is None, \
                f"passt did not start:\n{self.output()}"
        return self

    def listen(self, *args):
        return self.start("-f", "-s", self.sock, *args)

    def output(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                kill_tree(self.proc.pid)
        self.t.cleanup()
        check_sanitizer(self.output(), "passt")


@pytest.fixture
def passt(passt_bin, topo, workdir):
    made = []

    def make():
        p = Passt(passt_bin, topo, workdir)
        made.append(p)
        return p
    yield make
    for p in made:
        p.stop()


# ---- running a guest ---------------------------------------------------

class VM:
    """One guest run: its console lines, and the TT markers in them"""

    def __init__(self, lines, rc):
        self.lines, self.rc = lines, rc

    def tt(self, key):
        """Rest of each "TT KEY ..." line"""
        out = []
        for line in self.lines:
            i = line.find("TT " + key + " ")
            if i >= 0:
                out.append(line[i + len(key) + 4:].strip())
            elif line.strip().endswith("TT " + key):
                out.append("")
        return out

    def one(self, key):
        v = self.tt(key)
        assert v, f"no 'TT {key}' line from the guest:\n{self}"
        return v[-1]

    def __str__(self):
        return "\n".join(self.lines[-60:])


def run_vm(guest, sock, workdir, script, on_line=None,
           timeout=VM_BOOT_TIMEOUT, vhost_user=False, started=None,
           extra=()):
    """Boot the guest on passt's socket, run script; on_line(line) is
    called for each console line (to act on markers), started(popen) once
    QEMU runs. vhost_user: -netdev vhost-user, not stream; extra: more
    run-vm.sh options. Return a VM."""
    path = os.path.join(workdir, "rw", "guest-test.sh")
    with open(path, "w") as f:
        f.write(script)
    argv = [os.path.join(GUEST_SRC, "run-vm.sh"), "--socket", sock,
            "--guest", guest, "--script", path, "--mac", GUEST_MAC,
            "--timeout", str(timeout)] + (["--vhost-user"] if vhost_user
                                          else []) + list(extra)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    if started:
        started(p)
    lines = []
    deadline = time.monotonic() + timeout + 15
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)

    def got(raw):
        lines.append(raw.decode(errors="replace").rstrip("\r"))
        if on_line:
            on_line(lines[-1])

    # Raw reads, split here: a buffered readline() may take several lines
    # from the pipe at once and leave the rest where select() can't see
    # them, so a marker would wait for the guest's next output
    buf = b""
    try:
        while time.monotonic() < deadline:
            if not sel.select(timeout=1):
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                got(raw)
        if buf:
            got(buf)
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        if p.poll() is None:
            kill_tree(p.pid)
            p.wait(timeout=10)
        p.stdout.close()
    return VM(lines, rc)


def sha_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_dhcp(vm):
    """DHCP gave the host's address, gateway and MTU 65520"""
    lease = vm.one("DHCP")
    kv = dict(w.split("=", 1) for w in lease.split()[1:] if "=" in w)
    assert kv.get("ip") == V4_HOST, lease
    assert kv.get("mask") == str(V4_PLEN), lease
    assert kv.get("router") == V4_GW, lease
    assert kv.get("mtu") == "65520", lease
    assert kv.get("lease") == "60", lease   # following the host
    assert vm.one("NET") == f"{V4_HOST}/{V4_PLEN} mtu 65520", vm.one("NET")
    assert any(r.startswith(f"default via {V4_GW}")
               for r in vm.tt("ROUTE4")), vm.tt("ROUTE4")
    return kv


# ---- tests with a guest ------------------------------------------------

GUEST_SERVICES = f"""
echo "TT RESOLV $(tr '\\n' ' ' < /etc/resolv.conf)"
ping -c 2 -W 3 {V4_SERVER} >/dev/null 2>&1 && echo "TT PING4 ok"
ping6 -c 2 -W 3 {V6_SERVER} >/dev/null 2>&1 && echo "TT PING6 ok"
timeout 60 wget -q -O /tmp/f4 http://{V4_SERVER}:{PORT_HTTP}/small &&
	echo "TT SHA4 $(sha256sum /tmp/f4 | cut -d' ' -f1)"
timeout 60 wget -q -O /tmp/f6 "http://[{V6_SERVER}]:{PORT_HTTP}/small" &&
	echo "TT SHA6 $(sha256sum /tmp/f6 | cut -d' ' -f1)"
echo "TT DNS $(nslookup {DNS_NAME} 2>&1 | awk '/^Address: / {{ print $2 }}' | tr '\\n' ' ')"
timeout 60 wget -q -O /tmp/fn http://{DNS_NAME}:{PORT_HTTP}/small &&
	echo "TT SHANAME $(sha256sum /tmp/fn | cut -d' ' -f1)"
echo "TT BIGSHA $(timeout 120 wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum | cut -d' ' -f1)"
dd if=/dev/urandom of=/tmp/up bs=1M count=8 2>/dev/null
echo "TT UPSHA $(sha256sum /tmp/up | cut -d' ' -f1)"
echo "TT UP4 $(timeout 120 nc {V4_SERVER} {PORT_SHA} < /tmp/up)"
echo "TT UP6 $(timeout 120 nc {V6_SERVER} {PORT_SHA} < /tmp/up)"
"""


def test_vm_guest_gets_service(guest, passt, dns, files, workdir):
    """A QEMU guest on passt: DHCP (host's address, gateway, MTU 65520),
    SLAAC, ping, downloads and uploads over IPv4 and IPv6 with matching
    SHA-256, a name through the DNS forwarder"""
    p = passt().listen()
    vm = run_vm(guest, p.sock, workdir, GUEST_SERVICES)
    assert p.alive(), p.output()

    kv = check_dhcp(vm)
    assert kv.get("dns") == V4_GW, \
        f"loopback resolver: the gateway should be advertised: {kv}"
    assert "tt.example" in kv.get("search", ""), kv
    a6 = vm.one("ADDR6")
    assert a6 != "none", f"no IPv6 address from SLAAC:\n{vm}"
    assert ipaddress.ip_interface(a6).network == \
        ipaddress.ip_interface(f"{V6_HOST}/64").network, a6

    assert vm.tt("PING4") == ["ok"], vm
    assert vm.tt("PING6") == ["ok"], vm
    small = files["small"][1]
    assert vm.one("SHA4") == small, vm
    assert vm.one("SHA6") == small, vm
    assert vm.one("BIGSHA") == files["big"][1], vm
    assert set(vm.one("DNS").split()) >= {V4_SERVER, V6_SERVER}, vm
    assert vm.one("SHANAME") == small, vm
    up = f"{vm.one('UPSHA')} {8 << 20}"
    assert vm.one("UP4") == up, vm
    assert vm.one("UP6") == up, vm
    with open(dns) as f:
        assert f"QUERY {DNS_NAME} A" in f.read()
    assert vm.one("EXIT") == "0", vm


def listening(topo, port):
    out = topo.ns_run(topo.host, ["ss", "-ltnH", f"sport = :{port}"],
                      check=False).stdout
    return bool(out.strip())


FETCH = r"""
import hashlib, socket, sys, time
addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
h, got = hashlib.sha256(), 0
s = socket.create_connection((addr, port), timeout=30)
while got < size:
    d = s.recv(65536)
    if not d:
        break
    h.update(d)
    got += len(d)
s.close()
print(h.hexdigest(), got)
"""


def test_vm_tcp_forward_into_guest(guest, passt, topo, workdir):
    """-t: a server in the guest, reached from REMOTE through HOST's
    address"""
    p = passt().listen("-t", str(FWD_PORT))
    if not wait_until(lambda: listening(topo, FWD_PORT), 3):
        pytest.skip("passt -t opens no listener yet (port forwarding, "
                    "issue 3)")
    serve_from_guest(guest, p, topo, workdir, 256 * 1024)


def serve_from_guest(guest, p, topo, workdir, size, vhost_user=False):
    """A server in the guest on FWD_PORT sends @size random bytes; REMOTE
    fetches them through HOST's address (passt -t): same SHA-256"""
    script = f"""
dd if=/dev/urandom of=/tmp/payload bs=1024 count={size // 1024} 2>/dev/null
echo "TT PAYLOAD $(sha256sum /tmp/payload | cut -d' ' -f1)"
echo "TT LISTENING"
timeout 60 nc -l -p {FWD_PORT} < /tmp/payload
echo "TT SERVED $?"
"""
    fetched = {}

    def on_line(line):
        if line.endswith("TT LISTENING"):
            time.sleep(0.5)     # nc is started right after the marker
            for _ in range(10):
                r = topo.ns_run(topo.remote, [sys.executable, "-c", FETCH,
                                              V4_HOST, str(FWD_PORT),
                                              str(size)], check=False,
                                timeout=60)
                if r.returncode == 0 and r.stdout.split()[1] != "0":
                    break
                time.sleep(1)
            fetched["out"] = r.stdout + r.stderr

    vm = run_vm(guest, p.sock, workdir, script, on_line=on_line,
                vhost_user=vhost_user)
    assert p.alive(), p.output()
    out = fetched.get("out", "")
    assert out.split()[:2] == [vm.one("PAYLOAD"), str(size)], \
        f"{out}\n{vm}"


# ---- malformed streams, then a real guest ------------------------------

def connect(path, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def closed_by_peer(s, timeout=5):
    """True if passt closes the connection (EOF or reset) in time"""
    s.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def frame_bytes(n, seed):
    r = __import__("random").Random(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def test_vm_malformed_stream_then_guest(guest, passt, files, workdir):
    """Bad lengths, truncated frames and random bytes reset only that
    connection; a second client is refused while one is connected; then
    a real guest still gets DHCP, ping and HTTP"""
    p = passt().listen()

    # Impossible lengths: the connection is reset
    for length in (0, 1, 13, 65536, 0x7fffffff, 0xffffffff):
        s = connect(p.sock)
        s.sendall(struct.pack("!I", length) + b"\0" * 64)
        assert closed_by_peer(s), f"length {length} not reset"
        s.close()
        assert p.alive(), p.output()

    # A good frame, then an impossible length in the same write
    s = connect(p.sock)
    s.sendall(struct.pack("!I", 60) + b"\xff" * 60 +
              struct.pack("!I", 70000) + b"\0" * 100)
    assert closed_by_peer(s)
    s.close()

    # Truncated frames: prefix cut, frame cut, then the client goes away
    for data in (b"\0\0", struct.pack("!I", 1500) + b"\1" * 700,
                 struct.pack("!I", 65535) + b"\2" * 65000):
        s = connect(p.sock)
        s.sendall(data)
        time.sleep(0.1)
        s.close()
        assert p.alive(), p.output()

    # Random bytes, many times: reset or garbage frames, never a crash
    for seed in range(30):
        s = connect(p.sock)
        try:
            s.sendall(frame_bytes(1000 + seed * 997, seed))
        except OSError:
            pass
        time.sleep(0.02)
        s.close()
    # Well-framed garbage (random Ethernet payloads of legal lengths)
    s = connect(p.sock)
    for seed in range(200):
        n = 14 + (seed * 331) % 1500
        s.sendall(struct.pack("!I", n) + frame_bytes(n, 1000 + seed))
    assert not closed_by_peer(s, timeout=1), "well-framed input was reset"

    # A second client while one is connected: accepted and closed
    s2 = connect(p.sock)
    assert closed_by_peer(s2)
    s2.close()
    s.close()
    assert p.alive(), p.output()

    # Still serving: a real guest
    vm = run_vm(guest, p.sock, workdir, f"""
ping -c 2 -W 3 {V4_SERVER} >/dev/null 2>&1 && echo "TT PING4 ok"
timeout 60 wget -q -O /tmp/f4 http://{V4_SERVER}:{PORT_HTTP}/small &&
	echo "TT SHA4 $(sha256sum /tmp/f4 | cut -d' ' -f1)"
""")
    assert p.alive(), p.output()
    check_dhcp(vm)
    assert vm.tt("PING4") == ["ok"], vm
    assert vm.one("SHA4") == files["small"][1], vm


# ---- the stream socket without QEMU ------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


MAC = bytes.fromhex(GUEST_MAC.replace(":", ""))


def dhcp_discover(xid):
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0,
                        0x8000, b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                        MAC, b"", b"", 0x63825363)
    bootp += bytes([53, 1, 1, 55, 4, 1, 3, 6, 26, 80, 0, 255])
    bootp += b"\0" * (300 - len(bootp))
    src, dst = b"\0" * 4, b"\xff" * 4
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                     0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + MAC + b"\x08\x00" + ip + udp


def dhcpv6_solicit(xid):
    src = ipaddress.ip_address("fe80::5054:ff:fe12:3456").packed
    dst = ipaddress.ip_address("ff02::1:2").packed
    duid = struct.pack("!HH", 3, 1) + MAC
    msg = struct.pack("!I", (1 << 24) | xid)
    msg += struct.pack("!HH", 1, len(duid)) + duid
    msg += struct.pack("!HHIII", 3, 12, 0x1234, 0, 0)
    msg += struct.pack("!HH", 14, 0)
    udp = struct.pack("!HHHH", 546, 547, 8 + len(msg), 0) + msg
    c = csum(src + dst + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!IHBB", 0x60000000, len(udp), 17, 1) + src + dst
    return b"\x33\x33\x00\x01\x00\x02" + MAC + b"\x86\xdd" + ip + udp


def read_frames(s, want, timeout=5):
    """Read length-prefixed frames until want(frame) or timeout"""
    buf = b""
    deadline = time.monotonic() + timeout
    s.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        if not d:
            return None
        buf += d
        while len(buf) >= 4:
            n = struct.unpack("!I", buf[:4])[0]
            assert 14 <= n <= 65535, f"bad length {n} from passt"
            if len(buf) < 4 + n:
                break
            f, buf = buf[4:4 + n], buf[4 + n:]
            if want(f):
                return f
    return None


def bootp_opts(f):
    opts, i = {}, 14 + 20 + 8 + 240
    while i < len(f) and f[i] != 255:
        if f[i] == 0:
            i += 1
            continue
        opts[f[i]] = f[i + 2:i + 2 + f[i + 1]]
        i += 2 + f[i + 1]
    return opts


def udp4_frame(src, sport, dst, dport, payload):
    """Ethernet + IPv4 + UDP from the guest, checksums filled"""
    sa, da = socket.inet_aton(src), socket.inet_aton(dst)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(sa + da + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64,
                     17, 0, sa, da)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return OUR_MAC + MAC + b"\x08\x00" + ip + udp


def stream_frames(s, quiet=2.0, limit=60):
    """Every length-prefixed frame until @quiet s without data (or EOF)"""
    buf, out = b"", []
    deadline = time.monotonic() + limit
    s.settimeout(quiet)
    while time.monotonic() < deadline:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
        i = 0
        while len(buf) - i >= 4:
            n = struct.unpack("!I", buf[i:i + 4])[0]
            assert 14 <= n <= 65535, f"bad length {n}: framing lost"
            if len(buf) - i < 4 + n:
                break
            out.append(buf[i + 4:i + 4 + n])
            i += 4 + n
        buf = buf[i:]
    return out, buf


def echo_payload(f):
    """UDP payload of an echo reply to port 40000 on the guest, or None"""
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
        return None
    assert f[:6] == MAC and f[6:12] == OUR_MAC, f[:14].hex()
    ihl = (f[14] & 0xf) * 4
    ip = f[14:14 + ihl]
    udp = f[14 + ihl:14 + struct.unpack("!H", f[16:18])[0]]
    assert csum(ip) == 0, "bad IPv4 header checksum"
    assert csum(ip[12:20] + struct.pack("!BBH", 0, 17, len(udp)) + udp) == 0, \
        "bad UDP checksum: frame corrupted"
    if udp[:4] != struct.pack("!HH", PORT_ECHO, 40000):
        return None
    return udp[8:]


def test_vm_stalled_reader_doesnt_block_loop(passt, topo):
    """A client that stops reading mid-frame: passt keeps serving its
    other sockets (a second client is refused at once, not after the
    old 5 s wait and link reset); once the client reads again every
    frame is whole, the replies match what was sent (SHA-256), and the
    link is still up"""
    p = passt().listen()
    s = connect(p.sock, timeout=10)
    # 60 KB echoes: far more than passt's socket buffer (2 * wmem_max)
    with open("/proc/sys/net/core/wmem_max") as f:
        count = min(2 * int(f.read()) // 60000 + 60, 600)
    sent = {}
    try:
        for k in range(count):
            pl = struct.pack("!I", k) + os.urandom(60000 - 4)
            sent[k] = hashlib.sha256(pl).hexdigest()
            fr = udp4_frame(V4_HOST, 40000, V4_SERVER, PORT_ECHO, pl)
            s.sendall(struct.pack("!I", len(fr)) + fr)
            time.sleep(0.002)
    except OSError as e:
        raise AssertionError(f"passt stopped reading us ({e}):\n"
                             f"{p.output()}")
    time.sleep(0.5)             # the last echoes are in

    t0 = time.monotonic()
    s2 = connect(p.sock)
    assert closed_by_peer(s2, timeout=2), \
        f"a second client wasn't refused within 2 s: loop blocked\n" \
        f"{p.output()}"
    s2.close()
    assert time.monotonic() - t0 < 2.5

    frames, rest = stream_frames(s)
    assert not rest, f"{len(rest)} bytes of a cut frame: link reset?"
    got = [pl for pl in map(echo_payload, frames) if pl is not None]
    assert got, f"no echo came back:\n{p.output()}"
    for pl in got:
        k = struct.unpack("!I", pl[:4])[0]
        assert hashlib.sha256(pl).hexdigest() == sent.get(k), \
            f"echo {k} corrupted"
    assert len(got) < count, "nothing dropped: the socket never filled"

    # Not reset: the same connection still carries an echo
    pl = struct.pack("!I", 1 << 20) + b"still here"
    fr = udp4_frame(V4_HOST, 40000, V4_SERVER, PORT_ECHO, pl)
    s.sendall(struct.pack("!I", len(fr)) + fr)
    r = read_frames(s, lambda f: echo_payload(f) == pl, timeout=5)
    assert r, f"the link was reset:\n{p.output()}"
    s.close()
    assert p.alive(), p.output()


def cpu_seconds(pid):
    """utime + stime of @pid, in seconds"""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lowest_free_fd(pid):
    """The fd number the next open() of @pid would get (fewest of 3 looks)"""
    low = []
    for _ in range(3):
        fds = {int(x) for x in os.listdir(f"/proc/{pid}/fd")}
        low.append(min(set(range(len(fds) + 1)) - fds))
        time.sleep(0.1)
    return min(low)


def test_vm_listener_out_of_fds_doesnt_spin(passt):
    """passt out of file descriptors with a second client pending: the
    listener pauses (little CPU) instead of failing accept() in a busy
    loop, and takes the client once an fd is free again"""
    import resource

    def connected(p, n):
        return wait_until(lambda: p.output().count("QEMU client connected")
                          >= n or not p.alive(), 5) and p.alive()

    # How many fds passt holds with one client (it raises soft to hard)
    probe = passt().listen()
    s1 = connect(probe.sock)
    assert connected(probe, 1), probe.output()
    limit = lowest_free_fd(probe.proc.pid)  # ip netns exec, setpriv exec
    s1.close()
    probe.stop()

    def low():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    p = passt()
    p.start("-f", "-s", p.sock, preexec_fn=low)
    pid = p.proc.pid
    s1 = connect(p.sock)
    assert connected(p, 1), f"limit {limit}:\n{p.output()}"
    s2 = connect(p.sock)        # waits in the backlog: no fd to take it
    time.sleep(0.2)
    cpu = cpu_seconds(pid)
    time.sleep(2)
    cpu = cpu_seconds(pid) - cpu
    assert cpu < 0.5, f"{cpu:.2f} s CPU in 2 s: accept() spins\n" \
        f"{p.output()[-2000:]}"
    assert "Too many open files" in p.output(), p.output()

    s1.close()                  # an fd is free again: s2 is the guest
    assert connected(p, 2), p.output()
    f = dhcp_discover(0x5a5a5a5a)
    s2.sendall(struct.pack("!I", len(f)) + f)
    r = read_frames(s2, lambda f: f[12:14] == b"\x08\x00" and f[23] == 17
                    and f[34:38] == b"\x00\x43\x00\x44")
    assert r, f"no DHCP reply to the second client:\n{p.output()}"
    s2.close()
    assert p.alive(), p.output()


def test_vm_fd_one_off_dhcp(passt):
    """-F: an inherited connected socket (as QEMU 10.1 passes it): DHCP
    and DHCPv6 answer over it, and passt exits 0 when it's closed"""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = theirs.fileno()
    p = passt().start("-f", "-F", str(fd), wait_socket=False,
                      pass_fds=(fd,))
    theirs.close()
    time.sleep(0.5)
    assert p.alive(), p.output()

    f = dhcp_discover(0x7e7e7e7e)
    ours.sendall(struct.pack("!I", len(f)) + f)
    r = read_frames(ours, lambda f: f[12:14] == b"\x08\x00" and f[23] == 17
                    and f[34:38] == b"\x00\x43\x00\x44")
    assert r, f"no DHCP reply:\n{p.output()}"
    assert r[6:12] == OUR_MAC
    assert r[42 + 4:42 + 8] == b"\x7e\x7e\x7e\x7e"
    assert socket.inet_ntoa(r[42 + 16:42 + 20]) == V4_HOST
    o = bootp_opts(r)
    assert o[53] == b"\x05"                     # rapid commit: ACK
    assert 80 in o
    assert socket.inet_ntoa(o[3]) == V4_GW
    assert struct.unpack("!H", o[26])[0] == 65520
    assert struct.unpack("!I", o[51])[0] == 60  # lease: following the host

    f = dhcpv6_solicit(0x424242)
    ours.sendall(struct.pack("!I", len(f)) + f)
    r = read_frames(ours, lambda f: f[12:14] == b"\x86\xdd" and f[20] == 17
                    and f[54:58] == b"\x02\x23\x02\x22")
    assert r, f"no DHCPv6 reply:\n{p.output()}"
    m = r[62:]
    assert m[0] == 7 and m[1:4] == b"\x42\x42\x42"   # REPLY (rapid)
    assert ipaddress.ip_address(V6_HOST).packed in m

    ours.close()
    assert wait_until(lambda: not p.alive(), 10), "passt didn't exit"
    assert p.proc.returncode == 0, p.output()


def test_vm_daemon_default_socket(passt_bin, topo, workdir):
    """Without -f: the parent exits 0 once the default socket
    /tmp/passt_N.socket listens; -P holds the daemon's PID"""
    t = Tether(passt_bin, run_as(), workdir, netns=topo.host)
    pidfile = os.path.join(workdir, "rw", "passt-daemon.pid")
    pid = path = None
    try:
        r = t.run(["-P", pidfile], timeout=20)
        assert r.rc == 0, str(r)
        m = re.search(r"UNIX domain socket bound at (\S+)", r.out + r.err)
        assert m, str(r)
        path = m.group(1)
        assert re.fullmatch(r"/tmp/passt_\d+\.socket", path), path
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
        assert pid_alive(pid)
        s = connect(path)       # accepts a client
        s.close()
        assert pid_alive(pid)
    finally:
        if pid and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_until(lambda: not pid_alive(pid), 5)
        t.cleanup()
        if path and os.path.exists(path):
            os.unlink(path)


def test_vm_one_off_and_socket_in_use(passt):
    """--one-off: exit 0 when the guest goes away (not when something
    only probes the socket); a second passt on a socket path where one
    listens refuses to start"""
    p = passt().listen("--one-off")
    q = passt()
    q.sock = p.sock
    q.start("-f", "-s", p.sock, wait_socket=False)
    assert wait_until(lambda: not q.alive(), 10)
    assert q.proc.returncode == 1, q.output()
    assert "in use" in q.output(), q.output()

    # A client that never sends anything only probed (as q just did)
    s = connect(p.sock)
    time.sleep(0.3)
    s.close()
    time.sleep(0.3)
    assert p.alive(), p.output()

    s = connect(p.sock)
    f = dhcp_discover(1)
    s.sendall(struct.pack("!I", len(f)) + f)
    time.sleep(0.3)
    assert p.alive(), p.output()
    s.close()
    assert wait_until(lambda: not p.alive(), 10), "--one-off didn't exit"
    assert p.proc.returncode == 0, p.output()


# ---- the same services in a pasta namespace without --config-net -------

UDHCPC_SCRIPT = """#!/bin/sh
[ "$1" = bound ] && echo "LEASE ip=$ip mask=$mask router=$router mtu=$mtu"
exit 0
"""

DHCPV6_CLIENT = r"""
import socket, struct, sys, time
ifname = sys.argv[1]
idx = socket.if_nametoindex(ifname)
duid = struct.pack("!HH6s", 3, 1, bytes.fromhex("5254000a0b0c"))
msg = struct.pack("!I", (1 << 24) | 0x0a0b0c)
msg += struct.pack("!HH", 1, len(duid)) + duid
msg += struct.pack("!HHIII", 3, 12, 77, 0, 0) + struct.pack("!HH", 14, 0)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s.bind(("::", 546))
s.settimeout(1)
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    try:
        s.sendto(msg, ("ff02::1:2", 547, 0, idx))
        r = s.recv(4096)
    except OSError:
        time.sleep(0.5)     # link-local still tentative, or no reply yet
        continue
    if r[0] != 7 or r[1:4] != msg[1:4]:
        continue
    i = 4
    while i + 4 <= len(r):
        code, n = struct.unpack("!HH", r[i:i + 4])
        if code == 3:
            j = i + 16
            while j + 4 <= i + 4 + n:
                c2, n2 = struct.unpack("!HH", r[j:j + 4])
                if c2 == 5:
                    print("IAADDR", socket.inet_ntop(socket.AF_INET6,
                                                     r[j + 4:j + 20]))
                j += 4 + n2
        i += 4 + n
    sys.exit(0)
sys.exit(1)
"""


def test_vm_services_in_pasta_namespace(tether, topo, workdir):
    """pasta without --config-net: busybox udhcpc in the namespace gets
    the host's address, gateway and MTU; a DHCPv6 client gets the
    host's global address"""
    if not shutil.which("busybox"):
        skip_or_fail("busybox missing: apt-get install busybox-static")
    script = os.path.join(workdir, "rw", "udhcpc.sh")
    client = os.path.join(workdir, "rw", "dhcpv6_client.py")
    with open(script, "w") as f:
        f.write(UDHCPC_SCRIPT)
    with open(client, "w") as f:
        f.write(DHCPV6_CLIENT)
    os.chmod(script, 0o755)
    os.chmod(client, 0o644)
    ifn = topo.ifname
    r = tether.run(["--", "sh", "-c",
                    f"ip link set {ifn} up && "
                    f"busybox udhcpc -i {ifn} -q -n -t 5 -T 1 -O mtu "
                    f"-s {script} && {sys.executable} {client} {ifn}"],
                   timeout=60)
    assert r.rc == 0, str(r)
    lease = [w for w in r.out.split() if "=" in w]
    assert f"ip={V4_HOST}" in lease, str(r)
    assert f"mask={V4_PLEN}" in lease, str(r)
    assert f"router={V4_GW}" in lease, str(r)
    assert "mtu=65520" in lease, str(r)
    assert r.lines("IAADDR") == [[V6_HOST]], str(r)
