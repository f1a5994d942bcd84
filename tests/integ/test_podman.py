# SPDX-License-Identifier: MIT
# test_podman.py - Debian 12's Podman 4.3.1, rootless, running tether as its
# slirp4netns (network_cmd_path): the container's network, DNS through
# 10.0.2.3, downloads checked by SHA-256 over IPv4 and IPv6, and -p with
# both port handlers (rootlessport, and slirp4netns's API socket)
#
# Podman runs in HOST as the unprivileged user (uid 1500), entered with
# nsenter (ip netns exec would mount a fresh /sys and hide the cgroup
# mounts from runc), in a mount namespace of its own where HOST's
# resolv.conf is bound over /etc/resolv.conf (and / shared again, as
# rootless Podman wants it, in a peer group of its own). Its storage, runtime
# directory and configuration are the test's own; the image is made
# offline from busybox-static with "podman import".
import os
import shlex
import shutil
import signal
import tarfile
import tempfile

import pytest

from tether import Tether
from topology import (PORT_HTTP, V4_SERVER, V6_SERVER, kill_tree, pid_alive,
                      run)
from conftest import DNS_NAME, run_as

IMAGE = "localhost/ttbox"
BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "cat", "wget", "sha256sum", "nslookup", "ip", "httpd",
           "sleep", "grep", "seq", "echo")


def build_image_tar(path):
    """A root filesystem of busybox-static and its applets"""
    with tarfile.open(path, "w") as t:
        for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "www"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            t.addfile(info)
        t.add(BUSYBOX, "bin/busybox")
        for a in APPLETS:
            info = tarfile.TarInfo(f"bin/{a}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            t.addfile(info)


class Podman:
    """Rootless Podman in HOST with tether as slirp4netns"""

    def __init__(self, topo, workdir, tether_bin):
        self.topo = topo
        self.base = os.path.join(workdir, "podman")
        self.home = os.path.join(self.base, "home")
        # Short: Podman puts the API socket at $XDG_RUNTIME_DIR/libpod/
        # tmp/<64 hex digits>.net, and a UNIX socket path has 107 bytes
        self.run_dir = tempfile.mkdtemp(prefix="ttpm", dir="/tmp")
        for d in (self.base, self.home, self.run_dir):
            os.makedirs(d, exist_ok=True)
            os.chown(d, 1500, 1500)
        os.chmod(self.run_dir, 0o700)
        slirp = os.path.join(os.path.dirname(os.path.abspath(tether_bin)),
                             "slirp4netns")
        self.slirp = Tether(slirp, 1500, workdir).binary
        self.conf = os.path.join(self.base, "containers.conf")
        with open(self.conf, "w") as f:
            f.write('[containers]\nnetns = "slirp4netns"\n'
                    '[engine]\nruntime = "runc"\n'
                    'cgroup_manager = "cgroupfs"\n'
                    'events_logger = "file"\n'
                    f'network_cmd_path = "{self.slirp}"\n')
        self.storage = os.path.join(self.base, "storage.conf")
        with open(self.storage, "w") as f:
            f.write('[storage]\ndriver = "vfs"\n'
                    f'graphroot = "{self.home}/storage"\n'
                    f'runroot = "{self.run_dir}/storage"\n')

    def argv(self, args):
        env = {"HOME": self.home, "XDG_RUNTIME_DIR": self.run_dir,
               "CONTAINERS_CONF": self.conf,
               "CONTAINERS_STORAGE_CONF": self.storage,
               "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        user = ("exec setpriv --reuid=1500 --regid=1500 --init-groups env " +
                " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) +
                " podman " + shlex.join(args))
        resolv = f"/etc/netns/{self.topo.host}/resolv.conf"
        return ["nsenter", f"--net=/run/netns/{self.topo.host}", "unshare",
                "--mount", "sh", "-c",
                f"mount --bind {resolv} /etc/resolv.conf && "
                f"mount --make-rshared / && {user}"]

    def run(self, *args, timeout=120, check=True):
        p = run(self.argv(list(args)), timeout=timeout, check=False)
        if check:
            assert p.returncode == 0, \
                f"podman {' '.join(args)}: {p.returncode}\n{p.stdout}\n" \
                f"{p.stderr}"
        return p

    def cleanup(self):
        self.run("rm", "-af", "-t", "0", check=False)
        # The pause process holding Podman's user namespace is ours too
        pid_file = os.path.join(self.run_dir, "libpod", "tmp", "pause.pid")
        try:
            with open(pid_file) as f:
                pid = int(f.read().strip())
            if pid_alive(pid):
                kill_tree(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        # and whatever else Podman left running with our runtime
        # directory (a pause process made again after a timeout)
        mark = f"XDG_RUNTIME_DIR={self.run_dir}".encode()
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        kill_tree(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                continue
        shutil.rmtree(self.run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def podman(topo, workdir, tether_bin, dns):
    if os.geteuid() != 0 or run_as() != 1500:
        pytest.skip("needs root and TT_RUN_AS=1500 (Podman runs as uid "
                    "1500)")
    missing = [t for t in ("podman", "runc", "conmon", "newuidmap")
               if not shutil.which(t)]
    if missing or not os.path.exists(BUSYBOX):
        pytest.skip(f"missing: {' '.join(missing) or BUSYBOX}")
    with open("/etc/subuid") as f:
        if not any(line.split(":")[0] in ("tester", "1500")
                   for line in f):
            run(["usermod", "--add-subuids", "200000-265535",
                 "--add-subgids", "200000-265535", "tester"])
    pm = Podman(topo, workdir, tether_bin)
    tar = os.path.join(pm.base, "ttbox.tar")
    build_image_tar(tar)
    os.chmod(tar, 0o644)
    pm.run("import", tar, IMAGE)
    yield pm
    pm.cleanup()


def test_podman_container_network_through_tether(podman, files):
    """The container gets slirp4netns's address from tether (its tap's
    4096-frame queue says it is tether, not slirp4netns), resolves
    through 10.0.2.3, and downloads 64 MiB over IPv4 and IPv6 intact"""
    _, sha, _ = files["big"]
    script = (
        "cat /sys/class/net/tap0/tx_queue_len; "
        "ip -4 -o addr show tap0; grep nameserver /etc/resolv.conf; "
        f"nslookup {DNS_NAME} 10.0.2.3 | grep -A9 Name; "
        f"wget -q -O - http://{V4_SERVER}:{PORT_HTTP}/big | sha256sum; "
        "for i in $(seq 100); do ip -6 addr show tap0 | grep 'inet6 fd00' "
        "| grep -qv tentative && break; sleep 0.1; done; "
        "ip -6 -o addr show tap0 scope global; "
        f"wget -q -O - http://[{V6_SERVER}]:{PORT_HTTP}/big | sha256sum")
    p = podman.run("run", "--rm", "--network",
                   "slirp4netns:enable_ipv6=true,mtu=65520", IMAGE, "sh",
                   "-c", script)
    out = p.stdout
    lines = out.splitlines()
    assert lines[0].strip() == "4096", out
    assert "inet 10.0.2.100/24" in out, out
    assert "nameserver 10.0.2.3" in out, out
    assert f"Address: {V4_SERVER}" in out or f"Address 1: {V4_SERVER}" in out, out
    assert "inet6 fd00::" in out, out
    assert [line.split()[0] for line in lines
            if line.endswith("  -")] == [sha, sha], out


@pytest.mark.parametrize("handler", ["rootlesskit", "slirp4netns"])
def test_podman_publish_served_from_host(podman, topo, files, workdir,
                                         handler):
    """-p with the default rootlessport handler, and with
    port_handler=slirp4netns (the API socket): a download from HOST's
    loopback and one from REMOTE through HOST's address, by SHA-256"""
    name = f"web-{handler}"
    port = 28080 if handler == "rootlesskit" else 28081
    www = os.path.dirname(files["big"][0])
    podman.run("run", "-d", "--name", name, "--network",
               f"slirp4netns:port_handler={handler}", "-p", f"{port}:8080",
               "-v", f"{www}:/www:ro", IMAGE, "httpd", "-f", "-p", "8080",
               "-h", "/www")
    try:
        _, sha, _ = files["big"]
        url = f"http://127.0.0.1:{port}/big"
        fetch = (f"for i in $(seq 50); do curl -sS --fail -o /dev/null "
                 f"{url} 2>/dev/null && break; sleep 0.2; done; "
                 f"curl -sS --fail --max-time 120 {url} | sha256sum")
        p = run(["nsenter", f"--net=/run/netns/{topo.host}", "setpriv",
                 "--reuid=1500", "--regid=1500", "--clear-groups", "sh",
                 "-c", fetch], timeout=180, check=False)
        assert p.stdout.split()[:1] == [sha], p.stdout + p.stderr
        _, sha_s, _ = files["small"]
        p = run(topo.ns_argv(topo.remote, [
            "sh", "-c", f"curl -sS --fail --max-time 60 "
            f"http://192.0.2.2:{port}/small | sha256sum"]), check=False)
        assert p.stdout.split()[:1] == [sha_s], p.stdout + p.stderr
    finally:
        podman.run("rm", "-f", "-t", "0", name, check=False)
