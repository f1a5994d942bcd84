# SPDX-License-Identifier: MIT
# workloads.py - what is measured, and how each result is read

"""Each workload builds one shell script, runs it through one path and
turns its output into a value (plus extras: loss, CPU per GB, retransmits,
memory). Scripts bracket the measured part with sync points "start" and
"end", so CPU time and retransmit counters cover the transfer only.
"""

import json
import os
import re
import statistics

from .paths import RunFailed, prelude, why
from .topo import (PORT_CONNRATE, PORT_IPERF, PORT_IPERF_LO, PORT_SOCKPERF,
                   PORT_SPLICE_IN, REMOTE_IP)

GBIT = 1e9


class Workload:
    """One measurement, repeated per path and per repetition."""

    def __init__(self, key, title, unit, better="higher", baseline="veth",
                 paths=("tether", "pasta", "slirp", "tslirp", "veth"),
                 mtu=None,
                 fwd=None, fmt="{:.2f}", server=None):
        self.key = key
        self.title = title
        self.unit = unit
        self.better = better
        self.baseline = baseline
        self.paths = paths
        self.mtu = mtu
        self.fwd = fwd
        self.fmt = fmt
        self.server = server    # long-running server this one talks to

    def server_for(self, path):
        return self.server

    def script(self, ctx, path):
        raise NotImplementedError

    def parse(self, ctx, run):
        raise NotImplementedError

    def timeout(self, ctx):
        return ctx.secs + 30

    def hooks(self, ctx, path):
        return {}

    def check(self, ctx, run, rc):
        """Raise RunFailed, with the most telling reason, if @rc says so."""
        if rc != 0:
            raise RunFailed(why(rc, run.output("stderr") +
                                "\n" + _iperf_error(run.output())))

    def fwd_for(self, path):
        return self.fwd if path.tool else None

    def execute(self, ctx, path, rundir):
        """Run once through @path. Return: dict(value=..., extra=...)."""
        server = self.server_for(path)
        if server:
            ctx.topo.check_server(server)
        try:
            return self._execute(ctx, path, rundir)
        except RunFailed:
            # A half-finished test can wedge a server: restart it.
            if server:
                ctx.topo.start_server(server)
            raise

    def _execute(self, ctx, path, rundir):
        script = self.script(ctx, path)
        run = path.start(ctx.prelude(rundir, self.timeout(ctx)) + script,
                         rundir, mtu=self.mtu, fwd=self.fwd_for(path))
        run.hooks = self.hooks(ctx, path)
        try:
            rc = run.wait(self.timeout(ctx))
        finally:
            run.stop()
        self.check(ctx, run, rc)
        res = self.parse(ctx, run)
        res.setdefault("extra", {}).update(_costs(run, res))
        return res


def _window(run):
    a, b = run.samples.get("start"), run.samples.get("end")
    return (a, b) if a and b else (None, None)


def _costs(run, res):
    """CPU seconds (per GB) and retransmits between sync points."""
    out = {}
    a, b = _window(run)
    if not a:
        return out
    out["retx"] = {k: b["retx"][k] - a["retx"][k] for k in a["retx"]
                   if a["retx"][k] is not None and b["retx"][k] is not None}
    if "cpu_s" in a and "cpu_s" in b:
        cpu = b["cpu_s"] - a["cpu_s"]
        out["cpu_s"] = round(cpu, 3)
        nbytes = res.get("extra", {}).get("bytes")
        if nbytes:
            out["cpu_s_per_gb"] = round(cpu / (nbytes / 1e9), 4)
    if "rss_kib" in b:
        out["rss_kib_end"] = b["rss_kib"]
    return out


def _iperf_error(text):
    try:
        return json.loads(text).get("error", "")
    except ValueError:
        return ""


def _last_json(run, what):
    """The JSON object a helper printed as its last line of output"""
    try:
        return json.loads(run.output().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RunFailed(f"{what} printed no result")


def _iperf_json(text):
    try:
        d = json.loads(text)
    except ValueError:
        raise RunFailed("iperf3 printed no JSON")
    if "error" in d:
        raise RunFailed(f"iperf3: {d['error']}")
    return d


class IperfTcp(Workload):
    """iperf3 TCP, client in the namespace, server in REMOTE."""

    def __init__(self, key, title, reverse=False, streams=1, **kw):
        kw.setdefault("server", "iperf")
        super().__init__(key, title, "Gbit/s", **kw)
        self.reverse = reverse
        self.streams = streams

    def script(self, ctx, path):
        opts = (" -R" if self.reverse else "") + \
            (f" -P {self.streams}" if self.streams > 1 else "")
        return ("sp start\n"
                f"iperf3 -c {REMOTE_IP} -p {PORT_IPERF} -t {ctx.secs} -J "
                f"--connect-timeout 3000{opts}\n"
                "rc=$?; sp end; exit $rc\n")

    def parse(self, ctx, run):
        return _tcp_result(run.output())


def _tcp_result(text):
    """Throughput received, bytes and sender retransmits from iperf3 -J."""
    end = _iperf_json(text)["end"]
    recv = end["sum_received"]
    return {"value": recv["bits_per_second"] / GBIT,
            "extra": {"bytes": recv["bytes"],
                      "sender_retransmits":
                          end["sum_sent"].get("retransmits")}}


class IperfUdp(IperfTcp):
    """iperf3 UDP, 1400-byte datagrams, namespace to REMOTE.

    4 MiB socket buffers (-w): with them the kernel path loses nothing
    even at -b 0 here, so loss is the translator's, not the receiver's.
    """

    def script(self, ctx, path):
        opts = " -R" if self.reverse else ""
        return ("sp start\n"
                f"iperf3 -c {REMOTE_IP} -p {PORT_IPERF} -t {ctx.secs} -J "
                f"--connect-timeout 3000 -u -l 1400 -b {ctx.udp_rate} -w 4M"
                f"{opts}\n"
                "rc=$?; sp end; exit $rc\n")

    def parse(self, ctx, run):
        end = _iperf_json(run.output())["end"]
        recv = end.get("sum_received") or end["sum"]
        return {"value": recv["bits_per_second"] / GBIT,
                "extra": {"bytes": recv["bytes"],
                          "loss_pct": recv.get("lost_percent"),
                          "sent_gbit": end.get("sum_sent", {}).get(
                              "bits_per_second", 0) / GBIT}}


# Runs inside the namespace: the highest offered UDP rate that loses at
# most MAXLOSS %, found by bisection (RFC 2544's throughput, with a loss
# tolerance). One unlimited probe first: a lossless path needs no search.
UDP_SEARCH = r"""
import json, subprocess, sys, time
SERVER, PORT, SECS, STEPS, MAXLOSS = "%s", %d, %d, %d, %.2f
def probe(rate):
    why = "?"
    # a busy server (still closing the last test) or a test cut short:
    # try again, a bounded number of times
    for attempt in range(20):
        r = subprocess.run(["iperf3", "-c", SERVER, "-p", str(PORT),
                            "-t", str(SECS), "-J", "--connect-timeout",
                            "3000", "-u", "-l", "1400", "-b",
                            str(int(rate)), "-w", "4M"],
                           capture_output=True, text=True,
                           timeout=SECS + 30)
        try:
            d = json.loads(r.stdout)
            if "error" in d:
                raise ValueError("iperf3: " + d["error"])
            end = d["end"]
            recv = end.get("sum_received") or end["sum"]
            p = {"offered": rate,
                 "sent": end["sum_sent"]["bits_per_second"],
                 "got": recv["bits_per_second"], "bytes": recv["bytes"],
                 "loss": recv["lost_percent"]}
        except (ValueError, KeyError, TypeError) as e:
            why = str(e) or "iperf3 printed no JSON"
            if attempt >= 3 and "busy" not in why:
                break
            time.sleep(0.3)
            continue
        probes.append(p)
        return p
    sys.exit("UDP probe failed: " + why)
probes = []
p = probe(0)
best = p if p["loss"] <= MAXLOSS else None
# Overloaded, a path delivers about its most; offering far more than it
# delivered only loses. Searching up to 1.5 x what it delivered, rather
# than up to what the sender made (often twice that), puts the probes
# where the answer is: with 7 steps, within 1/128 of that range.
lo, hi = 0.0, min(p["sent"], 1.5 * p["got"])
for i in range(STEPS if p["loss"] > MAXLOSS else 0):
    q = probe((lo + hi) / 2)
    if q["loss"] <= MAXLOSS:
        lo = q["offered"]
        if not best or q["got"] > best["got"]:
            best = q
    else:
        hi = q["offered"]
print(json.dumps({"best": best, "unlimited_loss": p["loss"],
                  "bytes": sum(q["bytes"] for q in probes),
                  "probes": probes}))
"""


class IperfUdpSearch(Workload):
    """UDP, 1400-byte datagrams, namespace to REMOTE: the highest rate
    carried with at most 1 % loss (bisection over the offered rate).

    The unlimited run (IperfUdp) measures overload; a tap has no
    back-pressure (the tun driver drops when its ring is full), so any
    translator that is slower than a sender with a core of its own loses
    the difference, while veth is lossless there only because its sender
    does the receiver's work itself. This row asks what a path carries
    without losing: RFC 2544's throughput, with a 1 % tolerance.
    """

    PROBE_S = 1
    STEPS = 7
    MAXLOSS = 1.0

    def __init__(self, key, title, **kw):
        super().__init__(key, title, "Gbit/s", server="iperf", **kw)

    def timeout(self, ctx):
        return (self.STEPS + 1) * (self.PROBE_S + 35) + 30

    def script(self, ctx, path):
        code = UDP_SEARCH % (REMOTE_IP, PORT_IPERF, self.PROBE_S,
                             self.STEPS, self.MAXLOSS)
        return ("sp start\n"
                "python3 - <<'UDP_SEARCH_EOF'\n" + code +
                "UDP_SEARCH_EOF\n"
                "rc=$?; sp end; exit $rc\n")

    def parse(self, ctx, run):
        d = _last_json(run, "UDP search")
        best = d["best"]
        return {"value": best["got"] / GBIT if best else 0.0,
                "extra": {"bytes": d["bytes"],
                          "loss_pct": best["loss"] if best else None,
                          "unlimited_loss_pct": d["unlimited_loss"],
                          "probes": len(d["probes"])}}


class SpliceIn(IperfTcp):
    """Host 127.0.0.1 -> namespace (-t PORT): server in the namespace."""

    def __init__(self, key, title, **kw):
        super().__init__(key, title, baseline="loopback",
                         paths=("tether", "pasta", "slirp", "tslirp",
                                "loopback"),
                         fwd={"-t": str(PORT_SPLICE_IN)}, **kw)

    def server_for(self, path):
        # Translators: a one-off server inside the namespace.
        return None if path.kind == "tool" else "iperf_lo"

    def script(self, ctx, path):
        if path.kind != "tool":
            return super().script(ctx, path).replace(
                f"-c {REMOTE_IP} -p {PORT_IPERF}",
                f"-c 127.0.0.1 -p {PORT_IPERF_LO}")
        return (f"timeout {ctx.secs + 20} "
                f"iperf3 -s -1 -p {PORT_SPLICE_IN} >/dev/null 2>&1 &\n"
                "S=$!; i=0\n"
                f"while ! ss -Hltn 'sport = :{PORT_SPLICE_IN}' | grep -q . "
                "&& [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done\n"
                "sp start; wait $S\n")

    def hooks(self, ctx, path):
        if path.kind != "tool":
            return {}
        return {"start": lambda run: self._client(ctx, run)}

    def _client(self, ctx, run):
        """Client in HOST, while the namespace's server waits."""
        rc, out, err = ctx.procs.run(ctx.topo.nsexec(
            "host", "iperf3", "-c", "127.0.0.1", "-p", str(PORT_SPLICE_IN),
            "-t", str(ctx.secs), "-J", "--connect-timeout", "3000"),
            timeout=ctx.secs + 20)
        run.client_out = out
        with open(os.path.join(run.rundir, "client.log"), "w") as f:
            f.write(f"rc {rc}\n{out}\n{err}")
        run.sample("end")
        if rc != 0 or _iperf_error(out):
            run.client_err = (f"iperf3: {_iperf_error(out)}"
                              if _iperf_error(out) else why(rc, err))
            ctx.procs.kill(run.proc)    # the server would wait in vain

    def check(self, ctx, run, rc):
        if getattr(run, "client_err", None):
            raise RunFailed(run.client_err)
        super().check(ctx, run, rc)

    def parse(self, ctx, run):
        if run.path.kind != "tool":
            return super().parse(ctx, run)
        return _tcp_result(getattr(run, "client_out", ""))


class SpliceOut(IperfTcp):
    """Namespace -> host 127.0.0.1 (-T PORT): server on HOST's loopback."""

    def __init__(self, key, title, **kw):
        super().__init__(key, title, baseline="loopback",
                         paths=("tether", "pasta", "slirp", "tslirp",
                                "loopback"),
                         fwd={"-T": str(PORT_IPERF_LO)}, server="iperf_lo",
                         **kw)

    def script(self, ctx, path):
        return super().script(ctx, path).replace(
            f"-c {REMOTE_IP} -p {PORT_IPERF}",
            f"-c 127.0.0.1 -p {PORT_IPERF_LO}")


class Latency(Workload):
    """sockperf TCP ping-pong, server in REMOTE: p50 of RTT/2."""

    def __init__(self, key, title, **kw):
        super().__init__(key, title, "us", better="lower", fmt="{:.1f}",
                         server="sockperf", **kw)

    def script(self, ctx, path):
        return ("sp start\n"
                f"sockperf ping-pong --tcp -i {REMOTE_IP} -p {PORT_SOCKPERF} "
                f"-t {ctx.secs} 2>&1\n"
                "rc=$?; sp end; exit $rc\n")

    def parse(self, ctx, run):
        text = run.output()
        p50 = re.search(r"percentile 50\.000 =\s*([0-9.]+)", text)
        avg = re.search(r"avg-latency=([0-9.]+)", text)
        p99 = re.search(r"percentile 99\.000 =\s*([0-9.]+)", text)
        if not p50:
            raise RunFailed("sockperf printed no percentiles")
        return {"value": float(p50.group(1)),
                "extra": {"avg_us": float(avg.group(1)) if avg else None,
                          "p99_us": float(p99.group(1)) if p99 else None}}


class ConnRate(Workload):
    """Short connections per second: connect, 1 byte each way, close."""

    def __init__(self, key, title, **kw):
        super().__init__(key, title, "conn/s", fmt="{:.0f}",
                         server="connrate", **kw)

    def script(self, ctx, path):
        return ("sp start\n"
                f"{ctx.connrate} -c {REMOTE_IP} -p {PORT_CONNRATE} "
                f"-n 1000000 -t {ctx.secs}\n"
                "rc=$?; sp end; exit $rc\n")

    def parse(self, ctx, run):
        d = _last_json(run, "connrate")
        if d["errors"] and not d["conns"]:
            raise RunFailed(f"connrate: {d['first_error']}")
        return {"value": d["rate"], "extra": {"conns": d["conns"],
                                              "errors": d["errors"]}}


class Memory(Workload):
    """Translator's VmRSS with 1000 TCP connections open through it."""

    COUNT = 1000

    def __init__(self, key, title, **kw):
        super().__init__(key, title, "MiB", better="lower", fmt="{:.1f}",
                         paths=("tether", "pasta", "slirp", "tslirp"),
                         server="connrate", **kw)

    def timeout(self, ctx):
        return 60

    def script(self, ctx, path):
        return ("sp start\n"
                f"{ctx.connrate} -c {REMOTE_IP} -p {PORT_CONNRATE} "
                f"-n {self.COUNT} -t 30 -H \"$D/sync.held\"\n"
                "rc=$?; sp end; exit $rc\n")

    def parse(self, ctx, run):
        held = run.samples.get("held", {})
        start = run.samples.get("start", {})
        if "rss_kib" not in held:
            raise RunFailed("no memory sample while connections were held")
        try:
            n = json.loads(run.output().strip().splitlines()[-1])["held"]
        except (ValueError, IndexError, KeyError):
            n = None
        if n != self.COUNT:
            raise RunFailed(f"only {n} of {self.COUNT} connections opened")
        return {"value": held["rss_kib"] / 1024,
                "extra": {"rss_idle_mib": start.get("rss_kib", 0) / 1024,
                          "hwm_mib": held.get("hwm_kib", 0) / 1024}}


class Startup(Workload):
    """Wall time of TOOL --config-net -- true, median of N, as uid."""

    def __init__(self, key, title, **kw):
        super().__init__(key, title, "ms", better="lower", fmt="{:.1f}",
                         paths=("tether", "pasta"), **kw)

    def timeout(self, ctx):
        return ctx.startup_n * 12 + 10

    def execute(self, ctx, path, rundir):
        # bash's $EPOCHREALTIME: no fork for the clock itself.
        loop = ("for i in $(seq %d); do t0=$EPOCHREALTIME; "
                "timeout -k 2 10 %s --config-net -- true >/dev/null 2>&1; "
                "rc=$?; t1=$EPOCHREALTIME; "
                "[ $rc = 0 ] || { echo FAIL $i $rc; exit 1; }; "
                "echo $t0 $t1; done" % (ctx.startup_n, path.binary))
        rc, out, err = ctx.procs.run(path.as_user("bash", "-c", loop),
                                     timeout=self.timeout(ctx))
        fail = re.search(r"^FAIL (\d+) (\d+)$", out, re.M)
        if fail:
            n, code = fail.group(1), int(fail.group(2))
            raise RunFailed(f"start-up {n} of {ctx.startup_n}: " + {
                124: "still running after 10 s (ended by SIGTERM)",
                137: "still running after 10 s, ignored SIGTERM "
                     "(SIGKILLed)"}.get(code, f"exit {code}"))
        if rc != 0:
            raise RunFailed(why(rc, err))
        ms = [(float(b) - float(a)) * 1000 for a, b in
              (line.split() for line in out.splitlines())]
        return {"value": statistics.median(ms),
                "extra": {"min_ms": min(ms), "max_ms": max(ms),
                          "n": len(ms)}}


def all_workloads():
    """Every workload, in the order one repetition runs them."""
    return [
        IperfTcp("tcp_out", "TCP ns->remote"),
        IperfTcp("tcp_in", "TCP remote->ns", reverse=True),
        IperfTcp("tcp_out_1500", "TCP ns->remote, MTU 1500", mtu=1500),
        IperfTcp("tcp_in_1500", "TCP remote->ns, MTU 1500", reverse=True,
                 mtu=1500),
        IperfTcp("tcp_p32", "TCP ns->remote, 32 streams", streams=32),
        IperfUdp("udp_out", "UDP ns->remote, 1400 B"),
        IperfUdpSearch("udp_1pct", "UDP ns->remote, <=1% loss"),
        IperfUdp("udp_in", "UDP remote->ns, 1400 B", reverse=True),
        SpliceIn("splice_in", "TCP host lo->ns (-t)"),
        SpliceOut("splice_out", "TCP ns->host lo (-T)"),
        Latency("rr_lat", "TCP req/resp latency p50"),
        ConnRate("conn_rate", "TCP connections/s"),
        Memory("mem_1000", "RSS, 1000 conns open"),
        Startup("startup", "start-up, --config-net -- true"),
    ]


class Context:
    """What workloads need: processes, topology, settings."""

    def __init__(self, procs, topo, secs, udp_rate, startup_n, connrate):
        self.procs = procs
        self.topo = topo
        self.secs = secs
        self.udp_rate = udp_rate
        self.startup_n = startup_n
        self.connrate = connrate

    @staticmethod
    def prelude(rundir, max_wait_s):
        return prelude(rundir, max_wait_s)

