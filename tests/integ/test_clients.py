# SPDX-License-Identifier: MIT
# test_clients.py - the 2026 clients' exact command lines (issue 14, 3),
# where this machine can't run the client itself: newer Podman's pasta
# argv (--pid read as soon as the parent exits, --netns last,
# --map-guest-addr and --map-host-loopback 169.254.1.2), RootlessKit 2's
# --net=pasta argv, muvm's passt --fd, Cuttlefish's vhost-user argv
import json
import os
import socket
import struct
import subprocess

from tether import Running, Tether, wait_until
from topology import PORT_HTTP, V4_SERVER, pid_alive, run

CURL = "curl -sS -g --fail --max-time 150"


def user_ns(tether):
    """An unprivileged user's user+net namespace in HOST, as Podman's
    rootless netns: the holder process"""
    p = tether.popen(tether.user_argv(["unshare", "--user",
                                       "--map-root-user", "--net", "sleep",
                                       "300"]),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    own = os.readlink("/proc/self/ns/user")
    assert wait_until(lambda: os.path.exists(f"/proc/{p.pid}/ns/user") and
                      os.readlink(f"/proc/{p.pid}/ns/user") != own, 20)
    return p


def in_ns(tether, pid, script, timeout=180):
    return run(tether.user_argv(["nsenter", "-t", str(pid), "-U", "-n",
                                 "--preserve-credentials", "sh", "-c",
                                 script]), timeout=timeout, check=False)


def assert_big_download(tether, pid, files):
    """64 MiB from REMOTE inside the namespace of @pid, by SHA-256"""
    _, sha, _ = files["big"]
    q = in_ns(tether, pid, f"{CURL} -o - http://{V4_SERVER}:{PORT_HTTP}/big"
              " | sha256sum")
    assert q.stdout.split()[:1] == [sha], q.stdout + q.stderr


def test_podman_2026_argv_pid_file_read_at_once(tether, files, workdir):
    """container-libs after PR #1004: pasta runs once, in Podman's user
    namespace, with --pid F and --netns last; F must hold the daemon's
    PID when the parent exits (Podman reads it straight away)"""
    ns = user_ns(tether)
    pid_file = os.path.join(workdir, "rw", "podman-pasta.pid")
    if os.path.exists(pid_file):
        os.unlink(pid_file)
    argv = [tether.binary, "--config-net", "-t", "none", "-u", "none",
            "-T", "none", "-U", "none", "--dns-forward", "169.254.1.1",
            "--no-map-gw", "--quiet", "--map-guest-addr", "169.254.1.2",
            "--map-host-loopback", "169.254.1.2", "--pid", pid_file,
            "--netns", f"/proc/{ns.pid}/ns/net"]
    p = run(tether.user_argv(["nsenter", "-t", str(ns.pid), "-U",
                              "--preserve-credentials"] + argv),
            timeout=30, check=False)
    assert p.returncode == 0, p.stderr
    with open(pid_file) as f:        # at once, as Podman does
        daemon = int(f.read().strip())
    tether.track_pid(daemon)
    try:
        assert pid_alive(daemon)
        assert_big_download(tether, ns.pid, files)
    finally:
        ns.kill()
        ns.wait(10)
    assert wait_until(lambda: not pid_alive(daemon), 10)


def test_rootlesskit2_net_pasta_argv(tether, files):
    """RootlessKit 2's --net=pasta: slirp4netns-like addressing through
    pasta's options, --host-lo-to-ns-lo, a PID target"""
    ns = user_ns(tether)
    try:
        p = run(tether.argv([
            "--stderr", "--ns-ifname=tap0", "--mtu=65520", "--config-net",
            "--address=10.0.2.100", "--netmask=24", "--gateway=10.0.2.2",
            "--dns-forward=10.0.2.3", "--ipv4-only", "--tcp-ports=auto",
            "--udp-ports=auto", "--host-lo-to-ns-lo", str(ns.pid)]),
            timeout=30, check=False)
        assert p.returncode == 0, p.stderr
        q = in_ns(tether, ns.pid, "ip -j -4 addr show tap0; echo; "
                  "ip -j -4 route")
        addr, route = [json.loads(x) for x in q.stdout.split("\n\n")]
        assert addr[0]["addr_info"][0]["local"] == "10.0.2.100", addr
        assert addr[0]["mtu"] == 65520, addr
        assert any(r.get("gateway") == "10.0.2.2" for r in route), route
        assert_big_download(tether, ns.pid, files)
    finally:
        ns.kill()
        ns.wait(10)


def test_muvm_passt_fd(tether, tether_bin, workdir):
    """muvm: passt -q -f --fd N on a socketpair it made; tether serves the
    connected socket and exits once the other end closes"""
    passt = Tether(os.path.join(os.path.dirname(os.path.abspath(
        tether_bin)), "passt"), tether.run_as, workdir, netns=tether.netns)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = b.fileno()
    p = passt.popen(passt.argv(["-q", "-f", "--fd", str(fd)]),
                    pass_fds=(fd,))
    b.close()
    try:
        # A frame too short to be anything: dropped, tether stays
        a.sendall(b"\x00\x00\x00\x04abcd")
        assert p.poll() is None
    finally:
        a.close()
    res = passt.finish(p, 10)
    assert not res.timed_out and res.rc == 0, res


def test_cuttlefish_vhost_user_argv_serves(tether, tether_bin, workdir):
    """Cuttlefish's argv (passt --vhost-user --foreground -s SOCK
    --repair-path none ...): the socket appears once tether listens, and
    a vhost-user front-end is answered there"""
    import vuclient
    passt = Tether(os.path.join(os.path.dirname(os.path.abspath(
        tether_bin)), "passt"), tether.run_as, workdir, netns=tether.netns)
    sock = os.path.join(workdir, "rw", "cf-vhost.sock")
    p = passt.popen(passt.argv([
        "--vhost-user", "--foreground", "-s", sock, "--repair-path",
        "none", "-4", "-a", "192.168.97.2", "-g", "192.168.97.1",
        "--map-host-loopback", "192.168.97.1"]))
    try:
        assert wait_until(lambda: os.path.exists(sock) or
                          p.poll() is not None, 10)
        c = vuclient.VuClient(sock)
        try:
            assert c.u64(vuclient.GET_FEATURES) & (1 << vuclient.F_VERSION_1)
        finally:
            c.close()
        assert p.poll() is None
    finally:
        p.terminate()
    res = passt.finish(p, 10)
    assert not res.timed_out and res.rc in (0, -15), res   # our SIGTERM
    assert "front-end connected" in res.err, res


def test_chroot_fallback_accepted(tether):
    """pasta 2026_07_16's --chroot-fallback (where pivot_root fails: not
    here, so the sandbox is the usual one)"""
    res = tether.spawn("echo OK", opts=["--chroot-fallback"])
    assert res.rc == 0 and res.lines("OK") == [[]], res



def test_splice_only_no_tap_ports_reach_loopback(tether, topo, workdir):
    """--splice-only (pasta 2026_01_20): no tap in the namespace, only lo;
    forwarded ports reach its loopback from HOST's loopback and from
    REMOTE alike"""
    tools = os.path.join(workdir, "tools")
    done = os.path.join(workdir, "rw", "splice-only.done")
    script = ("ip -o link | wc -l | sed 's/^/LINKS /'; "
              f"python3 {tools}/tt_servers.py --addr 127.0.0.1 --banner "
              "28710 --tag nslo --udp-echo 28711 --lifetime 300 & "
              f"for i in $(seq 600); do [ -e {done} ] && break; sleep 0.1; "
              "done; kill $!")
    r = Running(tether, ["--splice-only", "-t", "28710", "-u", "28711",
                         "-T", "none", "-U", "none"], script)
    try:
        assert r.wait_line("LINKS ") == ["1"]          # lo alone
        r.wait_line("READY")
        for ns, addr in ((topo.host, "127.0.0.1"), (topo.remote,
                                                    "192.0.2.2")):
            p = run(topo.ns_argv(ns, ["python3", f"{tools}/tt_client.py",
                                      "banner", addr, "28710", "tcp"]),
                    check=False)
            res = json.loads(p.stdout.split("TTRESULT ", 1)[1])
            assert res.get("banner", "").split()[:1] == ["nslo"], (ns, res)
            p = run(topo.ns_argv(ns, ["python3", f"{tools}/tt_client.py",
                                      "udp-echo", addr, "28711", "500"]),
                    check=False)
            res = json.loads(p.stdout.split("TTRESULT ", 1)[1])
            assert res["results"][0]["status"] == "ok", (ns, res)
    finally:
        with open(done, "w"):
            pass
        res = r.stop()
    assert "no tap (--splice-only)" in res.err, res


def libvirt_passt(tether_bin, workdir, tether):
    return Tether(os.path.join(os.path.dirname(os.path.abspath(
        tether_bin)), "passt"), tether.run_as, workdir, netns=tether.netns)


def guest_comes_and_goes(path):
    """A QEMU that sends one frame, then goes (a client that sends
    nothing only probed: --one-off waits on)"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(struct.pack("!I", 60) + b"\xff" * 6 + b"\x52\x54\0\x12\x34"
              b"\x56" + b"\x88\xb5" + b"\0" * 46)
    s.close()


def connect_refused(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return False
    except OSError:
        return True
    finally:
        s.close()


def test_libvirt_9_passt_argv(tether, topo, tether_bin, workdir):
    """libvirt 9.0 (Debian 12): --one-off --socket --mac-addr --mtu
    --interface --log-file --address --netmask --tcp-ports; success is the
    first process exiting 0 with the socket listening; the guest going
    away ends it"""
    passt = libvirt_passt(tether_bin, workdir, tether)
    sock = os.path.join(workdir, "rw", "-1-guest-net0.socket")
    log = os.path.join(workdir, "rw", "libvirt9-passt.log")
    p = run(passt.argv(["--one-off", "--socket", sock, "--mac-addr",
                        "52:54:00:12:34:56", "--mtu", "1500", "--interface",
                        topo.ifname, "--log-file", log, "--address",
                        "192.0.2.2", "--netmask", "24", "--tcp-ports",
                        "28800:22", "--udp-ports", "28801"]),
            timeout=30, check=False)
    assert p.returncode == 0, p.stderr
    assert os.path.exists(sock)
    with open(log) as f:
        assert f.readline().startswith("passt "), log
    guest_comes_and_goes(sock)
    assert wait_until(lambda: connect_refused(sock), 10), \
        "--one-off didn't end with the guest"


def test_libvirt_11_passt_argv_pid_file(tether, tether_bin, workdir):
    """libvirt 10/11: --pid holds the PID that stays (libvirt moves it into
    the VM's cgroup), --hostname and --fqdn, no --mac-addr"""
    passt = libvirt_passt(tether_bin, workdir, tether)
    sock = os.path.join(workdir, "rw", "-2-guest-net0.socket")
    pid_file = os.path.join(workdir, "rw", "-2-guest-net0-passt.pid")
    p = run(passt.argv(["--one-off", "--socket", sock, "--pid", pid_file,
                        "--mtu", "65520", "--hostname", "guest",
                        "--fqdn", "guest.example.org", "--address",
                        "192.0.2.2", "--netmask", "24", "--tcp-ports",
                        "28802"]), timeout=30, check=False)
    assert p.returncode == 0, p.stderr
    with open(pid_file) as f:
        daemon = int(f.read().strip())
    tether.track_pid(daemon)
    assert pid_alive(daemon)
    guest_comes_and_goes(sock)
    assert wait_until(lambda: not pid_alive(daemon), 10)

