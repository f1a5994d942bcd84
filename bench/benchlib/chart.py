# SPDX-License-Identifier: MIT
# chart.py - one PNG with every figure, drawn by gnuplot

"""Layout: throughput on top (grouped bars per workload, one colour per
path, whiskers min-max); below, latency, connection rate, CPU per GB,
memory and start-up time. Missing bars mean n/a (see the table)."""

import os
import subprocess

COLOURS = {"tether": "#1b9e77", "pasta": "#d95f02", "slirp": "#7570b3",
           "kernel": "#777777"}
TITLES = {"tether": "tether", "pasta": "pasta (Debian)",
          "slirp": "slirp4netns", "kernel": "kernel: veth / plain loopback"}

THROUGHPUT = ["tcp_out", "tcp_in", "tcp_out_1500", "tcp_in_1500", "tcp_p32",
              "udp_out", "udp_1pct", "udp_in", "splice_in", "splice_out"]
SHORT = {"tcp_out": "TCP ns→remote", "tcp_in": "TCP remote→ns",
         "tcp_out_1500": "TCP ns→remote\\nMTU 1500",
         "tcp_in_1500": "TCP remote→ns\\nMTU 1500",
         "tcp_p32": "TCP ns→remote\\n32 streams",
         "udp_out": "UDP ns→remote\\n1400 B, -b 0",
         "udp_1pct": "UDP ns→remote\\n≤ 1% loss",
         "udp_in": "UDP remote→ns\\n1400 B, -b 0",
         "splice_in": "TCP host lo→ns\\n(-t)",
         "splice_out": "TCP ns→host lo\\n(-T)",
         "rr_lat": "latency p50", "conn_rate": "connections",
         "mem_1000": "1000 conns", "startup": "--config-net -- true"}


def _stats(summary, wk, path, key=None):
    s = summary.get(wk, {}).get("paths", {}).get(path, {})
    if key:
        v = s.get(key)
        return [v if v is not None else "NaN"] * 3
    if "median" not in s:
        return ["NaN"] * 3
    return [s["median"], s["min"], s["max"]]


def _datafile(path, rows, groups):
    """rows: [(label, {group: [med, min, max]})]"""
    with open(path, "w") as f:
        for label, vals in rows:
            f.write(f'"{label}"')
            for g in groups:
                f.write(" " + " ".join(str(x) for x in vals.get(
                    g, ["NaN"] * 3)))
            f.write("\n")


def _has_data(datafile):
    with open(datafile) as f:
        for line in f:
            for x in line.rsplit('"', 1)[-1].split():
                if x != "NaN":
                    return True
    return False


def _plot_cmd(datafile, groups, first_xtic=True):
    if not _has_data(datafile):
        return ("set label 1 'n/a' at graph 0.5,0.5 center font ',16'\n"
                "unset ytics\nunset xtics\n"
                "plot [0:1] [0:1] -1 notitle\nunset label 1\n"
                "set yrange [0:*]\nset ytics\nset xtics format ''")
    parts = []
    for i, g in enumerate(groups):
        c = 2 + 3 * i
        xtic = ":xtic(1)" if i == 0 and first_xtic else ""
        parts.append(f"'{datafile}' using {c}:{c + 1}:{c + 2}{xtic} "
                     f"title '{TITLES[g]}' lc rgb '{COLOURS[g]}'")
    return "plot " + ", ".join(parts)


def draw(summary, outdir, subtitle):
    """Write chart.png (and its .dat/.gp sources) into @outdir.

    Return: path of the PNG, or raise RuntimeError with gnuplot's error
    """
    tp_rows = []
    for wk in THROUGHPUT:
        if wk not in summary:
            continue
        base = summary[wk]["baseline"]
        tp_rows.append((SHORT[wk], {
            "tether": _stats(summary, wk, "tether"),
            "pasta": _stats(summary, wk, "pasta"),
            "slirp": _stats(summary, wk, "slirp"),
            "kernel": _stats(summary, wk, base)}))
    files = {}

    def single(name, wk, groups, key=None):
        path = os.path.join(outdir, f"chart-{name}.dat")
        vals = {g: _stats(summary, wk, "veth" if g == "kernel" else g, key)
                for g in groups}
        _datafile(path, [(SHORT.get(wk, wk), vals)], groups)
        files[name] = path

    all4 = ["tether", "pasta", "slirp", "kernel"]
    tools3 = ["tether", "pasta", "slirp"]
    tp = os.path.join(outdir, "chart-throughput.dat")
    _datafile(tp, tp_rows, all4)
    single("latency", "rr_lat", all4)
    single("connrate", "conn_rate", all4)
    single("memory", "mem_1000", tools3)
    single("startup", "startup", ["tether", "pasta"])
    cpu = os.path.join(outdir, "chart-cpu.dat")
    _datafile(cpu, [({"tcp_out": "ns→remote", "tcp_in": "remote→ns"}[wk],
                     {g: _stats(summary, wk, g, "cpu_s_per_gb")
                      for g in tools3})
                    for wk in ("tcp_out", "tcp_in") if wk in summary],
              tools3)

    gp = os.path.join(outdir, "chart.gp")
    png = os.path.join(outdir, "chart.png")
    small = ("set key off\nunset xtics\nset xtics format ''\n"
             "set xrange [-0.6:0.6]\n")
    script = f"""
set terminal pngcairo size 1800,1100 font 'DejaVu Sans,12'
set output '{png}'
set datafile missing 'NaN'
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb '#dddddd'
set errorbars small
set yrange [0:*]
set multiplot title "tether benchmark: bars = median, whiskers = min-max; \
missing bar = n/a (see table)\\n{subtitle}" font ',14'

set origin 0,0.44
set size 1,0.50
set title 'Throughput (Gbit/s, higher is better)'
set key horizontal outside top center
set xtics nomirror font ',11'
{_plot_cmd(tp, all4)}

unset key
set size 0.2,0.42
set origin 0.0,0.0
{small}set title "TCP request/response\\nlatency p50, µs (RTT/2)\\nlower is better" font ',11'
{_plot_cmd(files['latency'], all4, False)}
set origin 0.2,0.0
set title "TCP connections\\nper second\\nhigher is better" font ',11'
{_plot_cmd(files['connrate'], all4, False)}
set origin 0.4,0.0
set xrange [*:*]
set xtics font ',10' format '%h'
set title "translator CPU per GB\\nTCP, s/GB\\nlower is better" font ',11'
{_plot_cmd(cpu, tools3)}
set origin 0.6,0.0
{small}set title "translator RSS, 1000\\nconnections open, MiB\\nlower is better" font ',11'
{_plot_cmd(files['memory'], tools3, False)}
set origin 0.8,0.0
set title "start-up time, ms\\n--config-net -- true\\nlower is better" font ',11'
{_plot_cmd(files['startup'], ['tether', 'pasta'], False)}
unset multiplot
"""
    with open(gp, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip()[-500:])
    return png
