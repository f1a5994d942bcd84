# SPDX-License-Identifier: MIT
# vm.py - the VM rows: one QEMU guest (TCG) through each VM back-end

"""A guest (tests/guest: Debian's kernel, busybox) boots once per path and
repetition, on HOST's side, and runs bench/vmbench.c against servers in
REMOTE: a source (TCP into the guest), a sink (out of it) and an echo
(1-byte round trips, p50 and p99). The paths:

  tether-vu      build/passt --vhost-user (QEMU -netdev vhost-user, shared
                 memfd memory, vectors=0)
  tether-stream  build/passt on the stream socket (-netdev stream)
  passt          Debian's /usr/bin/passt, stream socket
  qemu-user      QEMU's own -netdev user (libslirp), no translator

The translators run as --uid in HOST; QEMU runs in HOST too (root: it
only needs the socket, and -netdev user needs HOST's routes). There is
no KVM here: the guest's CPU is emulated and bounds every figure, so only
the ratios between paths of one run mean anything (bench/README.md).
"""

import os
import re
import shutil
import statistics
import subprocess
import time

from .procs import proc_stat
from .topo import REMOTE_IP, wait_for

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(HERE)
GUEST_SRC = os.path.join(REPO, "tests", "guest")
PORT_SOURCE, PORT_SINK, PORT_ECHO = 5301, 5302, 5303
RR_COUNT = 2000
VM_PATHS = ("tether-vu", "tether-stream", "passt", "qemu-user")
ROWS = (("vm_in", "VM: TCP remote -> guest", "Mbit/s", "higher"),
        ("vm_out", "VM: TCP guest -> remote", "Mbit/s", "higher"),
        ("vm_rr_p50", "VM: 1-byte round trip p50", "us", "lower"),
        ("vm_rr_p99", "VM: 1-byte round trip p99", "us", "lower"))


def missing():
    """Why the VM rows can't run here, or None"""
    for t in ("qemu-system-x86_64", "busybox", "cpio", "cc"):
        if not shutil.which(t):
            return f"{t} not installed (apt-get install qemu-system-x86 " \
                "busybox-static cpio gcc)"
    if not any(f.startswith("vmlinuz-") for f in os.listdir("/boot")):
        return "no kernel in /boot (apt-get install linux-image-amd64)"
    return None


class VmBench:
    def __init__(self, procs, topo, workdir, uid, tether, passt, secs):
        self.procs, self.topo, self.uid = procs, topo, uid
        self.secs = secs
        self.dir = os.path.join(workdir, "vm")
        self.bins = {"tether-vu": tether, "tether-stream": tether,
                     "passt": passt}
        self.broken = {}
        if not (passt and os.access(passt, os.X_OK)):
            self.broken["passt"] = f"{passt} not installed"

    def prepare(self):
        os.makedirs(self.dir, mode=0o777, exist_ok=True)
        os.chmod(self.dir, 0o777)
        rc, _, err = self.procs.run(
            [os.path.join(GUEST_SRC, "build-initramfs.sh"),
             os.path.join(self.dir, "guest")], timeout=180)
        if rc != 0:
            raise RuntimeError(f"guest build failed: {err.strip()[-300:]}")
        src = os.path.join(HERE, "vmbench.c")
        for out, extra in (("vmbench-guest", ["-static"]), ("vmbench", [])):
            r = subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror",
                                "-std=c11", "-D_GNU_SOURCE"] + extra +
                               ["-o", os.path.join(self.dir, out), src],
                               capture_output=True, text=True, timeout=60)
            if r.returncode:
                raise RuntimeError(f"vmbench.c: {r.stderr.strip()}")
        os.rename(os.path.join(self.dir, "vmbench-guest"),
                  os.path.join(self.dir, "guest", "vmbench"))
        host = os.path.join(self.dir, "vmbench")
        for key, port, mode in (("vm_source", PORT_SOURCE, "source"),
                                ("vm_sink", PORT_SINK, "sink"),
                                ("vm_echo", PORT_ECHO, "echo")):
            self.topo.add_server(key, "remote", port, [host, mode, str(port)])
        with open(os.path.join(self.dir, "guest.sh"), "w") as f:
            f.write(f"vmbench in {REMOTE_IP} {PORT_SOURCE} {self.secs}\n"
                    f"vmbench out {REMOTE_IP} {PORT_SINK} {self.secs}\n"
                    f"vmbench rr {REMOTE_IP} {PORT_ECHO} {RR_COUNT}\n")

    def _translator(self, path, sock, log):
        argv = [self.bins[path], "-f", "-s", sock] + \
            (["--vhost-user"] if path == "tether-vu" else [])
        if path != "passt":
            argv += ["--no-follow-host"]
        p = self.procs.spawn(self.topo.nsexec(
            "host", "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
            "--clear-groups", *argv), stdout=log, stderr=log)
        wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 10,
                 f"{path} socket")
        if p.poll() is not None:
            raise RuntimeError(f"{path} exited at start-up")
        return p

    def run_one(self, path, rep):
        """Boot the guest through @path once. Return: {row: value}"""
        if path in self.broken:
            raise RuntimeError(self.broken[path])
        for key in ("vm_source", "vm_sink", "vm_echo"):
            self.topo.check_server(key)
        sock = os.path.join(self.dir, f"{path}-{rep}.sock")
        logname = os.path.join(self.dir, f"{path}-{rep}.log")
        tr = None
        with open(logname, "w") as log:
            if path != "qemu-user":
                tr = self._translator(path, sock, log)
            argv = [os.path.join(GUEST_SRC, "run-vm.sh"), "--guest",
                    os.path.join(self.dir, "guest"), "--script",
                    os.path.join(self.dir, "guest.sh"), "--add",
                    os.path.join(self.dir, "guest", "vmbench"),
                    "--timeout", str(60 + 4 * self.secs)]
            argv += {"tether-vu": ["--socket", sock, "--vhost-user"],
                     "qemu-user": ["--user-net"]}.get(path,
                                                      ["--socket", sock])
            t0 = time.monotonic()
            rc, out, err = self.procs.run(self.topo.nsexec("host", *argv),
                                          timeout=90 + 4 * self.secs)
            cpu = None
            if tr is not None:
                st = proc_stat(tr.pid)
                cpu = st[1] if st else None
                self.procs.kill(tr)
        res = {}
        for m in re.finditer(r"TT RESULT (\w+) ([\d.]+)(?: ([\d.]+))?", out):
            if m.group(1) == "rr":
                res["vm_rr_p50"] = float(m.group(2))
                res["vm_rr_p99"] = float(m.group(3))
            else:
                res[f"vm_{m.group(1)}"] = float(m.group(2))
        if not res:
            tail = (out + err).strip().splitlines()[-3:]
            raise RuntimeError(f"no result (rc {rc}): {' | '.join(tail)}")
        res["_wall_s"] = round(time.monotonic() - t0, 1)
        if cpu is not None:
            res["_cpu_s"] = round(cpu, 2)
        return res


def summarise(runs):
    """{row: {path: {median, min, max, n}}} from the VM run records"""
    out = {}
    for key, title, unit, better in ROWS:
        e = {"title": title, "unit": unit, "better": better, "paths": {}}
        for p in VM_PATHS:
            vals = [r["values"][key] for r in runs
                    if r["path"] == p and r["ok"] and key in r["values"]]
            errs = [r["error"] for r in runs if r["path"] == p and
                    not r["ok"]]
            if vals:
                e["paths"][p] = {"median": statistics.median(vals),
                                 "min": min(vals), "max": max(vals),
                                 "n": len(vals)}
            elif errs:
                e["paths"][p] = {"error": errs[0]}
        out[key] = e
    return out


def table(summary):
    """Text table: each row, each path, and tether-vu's ratio to it"""
    lines = [f"{'VM row (TCG guest: read ratios only)':<36} {'path':<14} "
             f"{'median':>9} {'min-max':>19} {'vu ahead':>9}", "-" * 92]
    for key, e in summary.items():
        vu = e["paths"].get("tether-vu", {}).get("median")
        for p, s in e["paths"].items():
            if "median" not in s:
                lines.append(f"{e['title'] + ' (' + e['unit'] + ')':<36} "
                             f"{p:<14} n/a: {s['error'][:40]}")
                continue
            ratio = ""
            if vu and p != "tether-vu" and s["median"]:
                r = vu / s["median"] if e["better"] == "higher" \
                    else s["median"] / vu
                ratio = f"{r:.2f}x"
            rng = f"{s['min']:.1f}-{s['max']:.1f}"
            lines.append(f"{e['title'] + ' (' + e['unit'] + ')':<36} "
                         f"{p:<14} {s['median']:>9.1f} {rng:>19} "
                         f"{ratio:>9}")
    lines.append("\nvu ahead: how much better tether's vhost-user is than "
                 "that path (> 1: ahead; throughput: ratio of medians, "
                 "latency: inverse)")
    return "\n".join(lines) + "\n"


def verdicts(summary):
    """Issue 13's target: vhost-user ahead of every stream-socket path"""
    out = []
    for key, e in summary.items():
        vu = e["paths"].get("tether-vu", {}).get("median")
        for p in ("tether-stream", "passt"):
            other = e["paths"].get(p, {}).get("median")
            if vu is None or other is None:
                out.append(("n/a", f"{e['title']}: vu vs {p}: not run"))
                continue
            ahead = vu > other if e["better"] == "higher" else vu < other
            out.append(("PASS" if ahead else "FAIL",
                        f"{e['title']}: vhost-user {vu:.1f} vs {p} "
                        f"{other:.1f} {e['unit']}"))
    return out

