# SPDX-License-Identifier: MIT
# report.py - medians, ranges, ratios, issue-5 targets; table and JSON

import json
import statistics

LABEL = {"tether": "tether", "pasta": "pasta", "slirp": "slirp4netns",
         "tslirp": "tether-s4n", "veth": "veth", "loopback": "loopback"}


def _median_of(dicts, key):
    vals = [d[key] for d in dicts if isinstance(d.get(key), (int, float))]
    return statistics.median(vals) if vals else None


def summarise(workloads, runs, paths):
    """Medians and ranges per workload and path, and the ratios."""
    out = {}
    for w in workloads:
        entry = {"title": w.title, "unit": w.unit, "better": w.better,
                 "baseline": w.baseline, "paths": {}}
        for p in w.paths:
            if p not in paths:
                continue
            mine = [r for r in runs if r["workload"] == w.key and
                    r["path"] == p]
            ok = [r for r in mine if r["ok"]]
            s = {"runs": len(mine), "ok": len(ok)}
            if ok:
                vals = [r["value"] for r in ok]
                med = statistics.median(vals)
                # Stability: worst run over the median (1 = steady).
                worst = (min(vals) / med if w.better == "higher" else
                         med / max(vals)) if med and max(vals) else None
                s.update(median=med, min=min(vals), max=max(vals),
                         values=vals, stability=worst)
                extras = [r.get("extra", {}) for r in ok]
                for key in ("loss_pct", "cpu_s_per_gb", "cpu_s", "avg_us",
                            "p99_us", "rss_idle_mib", "hwm_mib",
                            "sender_retransmits"):
                    m = _median_of(extras, key)
                    if m is not None:
                        s[key] = m
                retx = [e.get("retx", {}) for e in extras]
                s["retx"] = {k: _median_of(retx, k)
                             for k in ("remote", "host", "ns")
                             if _median_of(retx, k) is not None}
            errs = [r["error"] for r in mine if not r["ok"]]
            if errs:
                s["error"] = errs[0]
            entry["paths"][p] = s
        base = entry["paths"].get(w.baseline, {}).get("median")
        pasta = entry["paths"].get("pasta", {}).get("median")
        slirp = entry["paths"].get("slirp", {}).get("median")
        for p, s in entry["paths"].items():
            if "median" not in s:
                continue
            if base:
                s["x_kernel"] = s["median"] / base
            if pasta:
                s["x_pasta"] = s["median"] / pasta
            if slirp and p == "tslirp":
                s["x_slirp"] = s["median"] / slirp
        out[w.key] = entry
    for key, ref in (("tcp_out_1500", "tcp_out"), ("tcp_in_1500", "tcp_in")):
        if key in out and ref in out:
            for p, s in out[key]["paths"].items():
                own = out[ref]["paths"].get(p, {}).get("median")
                if "median" in s and own:
                    s["x_own_65520"] = s["median"] / own
    return out


def _f(v, fmt="{:.2f}"):
    return "-" if v is None else fmt.format(v)


def table(summary, workloads):
    """The text table: one line per workload and path."""
    fmts = {w.key: w.fmt for w in workloads}
    lines = [f"{'workload':<36} {'path':<11} {'median':>9} {'min-max':>19} "
             f"{'xkernel':>7} {'xpasta':>6} {'stable':>7} "
             f"{'retx R/H/N':>14}  notes",
             "-" * 126]
    for key, e in summary.items():
        title = f"{e['title']} ({e['unit']})"
        fmt = fmts.get(key, "{:.2f}")
        for p, s in e["paths"].items():
            if "median" not in s:
                why = s.get("error", "not run")
                lines.append(f"{title:<36} {LABEL[p]:<11} {'n/a':>9}  "
                             f"{why[:75]}")
                title = ""
                continue
            rng = f"{_f(s['min'], fmt)}-{_f(s['max'], fmt)}"
            r = s.get("retx", {})
            retx = "/".join(_f(r.get(k), "{:.0f}")
                            for k in ("remote", "host", "ns")) if r else ""
            notes = []
            if s.get("loss_pct") is not None:
                notes.append(f"loss {s['loss_pct']:.2f}%")
            if s.get("cpu_s_per_gb") is not None:
                notes.append(f"cpu {s['cpu_s_per_gb']:.2f} s/GB")
            if s.get("x_slirp") is not None:
                notes.append(f"x slirp4netns: {s['x_slirp']:.2f}")
            if s.get("x_own_65520") is not None:
                notes.append(f"x own 65520: {s['x_own_65520']:.2f}")
            if s.get("rss_idle_mib") is not None:
                notes.append(f"idle {s['rss_idle_mib']:.1f} MiB")
            if s["ok"] < s["runs"]:
                notes.append(f"{s['runs'] - s['ok']} of {s['runs']} failed")
            lines.append(
                f"{title:<36} {LABEL[p]:<11} {_f(s['median'], fmt):>9} "
                f"{rng:>19} {_f(s.get('x_kernel')):>7} "
                f"{_f(s.get('x_pasta')):>6} "
                f"{_f(s.get('stability')):>7} {retx:>14}  "
                + ", ".join(notes))
            title = ""
    return "\n".join(lines)


def _get(summary, wk, path, key="median"):
    return summary.get(wk, {}).get("paths", {}).get(path, {}).get(key)


def targets(summary, who="tether"):
    """Issue 5's targets, checked for @who: list of (verdict, text)."""
    out = []

    def ratio(name, wk, key, op, limit, extra_ok=True, extra=""):
        v = _get(summary, wk, who, key)
        if v is None:
            out.append(("n/a", f"{name}: " + (
                f"no {who} figure" if wk in summary else "not run")))
            return
        good = (v >= limit if op == ">=" else v <= limit) and extra_ok
        out.append(("PASS" if good else "FAIL",
                     f"{name}: {v:.2f} (target {op} {limit}){extra}"))

    ratio("TCP ns->remote vs veth", "tcp_out", "x_kernel", ">=", 0.6)
    ratio("TCP remote->ns vs veth", "tcp_in", "x_kernel", ">=", 0.6)
    ratio("TCP host lo->ns vs loopback", "splice_in", "x_kernel", ">=", 0.6)
    ratio("TCP ns->host lo vs loopback", "splice_out", "x_kernel", ">=", 0.6)
    ratio("TCP latency vs veth", "rr_lat", "x_kernel", "<=", 1.3)
    ratio("UDP vs veth, at <= 1% loss", "udp_1pct", "x_kernel", ">=", 0.6)
    if "udp_out" in summary:
        loss = {p: _get(summary, "udp_out", p, "loss_pct")
                for p in ("tether", "pasta", "slirp", "veth")}
        out.append(("note", "UDP unlimited sender (-b 0): loss " + ", ".join(
            f"{LABEL[p]} {_f(v)}%" for p, v in loss.items()
            if v is not None) + "; no tap path can be lossless there "
            "(bench/README.md)"))
    ratio("connection rate vs pasta", "conn_rate", "x_pasta", ">=", 1.5)
    ratio("TCP ns->remote MTU 1500 vs own 65520", "tcp_out_1500",
          "x_own_65520", ">=", 0.7)
    ratio("TCP remote->ns MTU 1500 vs own 65520", "tcp_in_1500",
          "x_own_65520", ">=", 0.7)
    ratio("RSS (1000 conns) vs pasta", "mem_1000", "x_pasta", "<=", 1.0)
    ratio("start-up time vs pasta", "startup", "x_pasta", "<=", 1.0)
    worst = None
    for wk, e in summary.items():
        s = e["paths"].get(who, {})
        mm = s.get("stability")
        if mm is not None and wk not in ("mem_1000", "startup") and \
           (worst is None or mm < worst[0]):
            worst = (mm, wk, s["ok"])
    if worst is None or worst[2] < 3:
        out.append(("n/a", "stability: needs 3 or more repetitions"))
    else:
        out.append(("PASS" if worst[0] >= 0.7 else "FAIL",
                     f"stability: worst run/median {worst[0]:.2f} in "
                     f"{worst[1]} over {worst[2]} runs (target >= 0.7)"))
    return out


def write_json(path, meta, runs, summary, checks, vm=None):
    doc = {"meta": meta, "summary": summary, "targets":
           [{"verdict": v, "text": t} for v, t in checks], "runs": runs}
    if vm:
        doc["vm"] = vm
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
