# SPDX-License-Identifier: MIT
# test_cli.py - command line behaviour scripts and clients rely on
import os
import re
import subprocess


def test_version_exits_0_and_prints_to_stdout(tether_cli):
    res = tether_cli.run(["--version"], timeout=20)
    assert res.rc == 0, res
    assert res.out.strip(), res


def test_unknown_option_exits_1_with_one_line_on_stderr(tether_cli):
    res = tether_cli.run(["--no-such-option"], timeout=20)
    assert res.rc == 1, res
    lines = [line for line in res.err.splitlines() if line.strip()]
    # Podman looks for this text to detect options an old pasta lacks
    assert "unrecognized option '--no-such-option'" in res.err, res
    assert len(lines) == 1, res


def test_bad_mtu_value_exits_1(tether_cli):
    res = tether_cli.run(["--config-net", "-m", "70000", "--", "true"],
                         timeout=20)
    assert res.rc == 1, res
    assert res.err.strip(), res


def test_help_exits_0_and_lists_options(tether_cli):
    res = tether_cli.run(["--help"], timeout=20)
    assert res.rc == 0, res
    for opt in ("--config-net", "--netns", "--userns", "--mtu",
                "--foreground", "--version", "--help"):
        assert opt in res.out, f"{opt} missing from --help:\n{res.out}"


def test_options_reference_matches_help(tether_bin):
    """doc/options.md (linked from README) is what --help prints"""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    bindir = os.path.dirname(os.path.abspath(tether_bin))
    got = subprocess.run([os.path.join(repo, "scripts", "gen-options"),
                          bindir], capture_output=True, text=True,
                         timeout=20, check=True).stdout
    with open(os.path.join(repo, "doc", "options.md")) as f:
        assert f.read() == got, \
            "doc/options.md is stale: run 'make doc/options.md'"


def man_text(path):
    """A man page's source with troff's escapes for '-' and fonts undone"""
    with open(path) as f:
        t = f.read()
    for a, b in (("\\-", "-"), ("\\fB", ""), ("\\fR", ""),
                 ("\\fI", ""), ("\\e", "\\")):
        t = t.replace(a, b)
    return t


def help_options(binary):
    """Every -x and --xyz an option line of --help names"""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         timeout=20, check=True).stdout
    opts = set()
    for line in out.splitlines():
        m = re.match(r"^ {0,6}(-\S.*?)(?: {2,}|$)", line)
        if m:
            opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)",
                                   m.group(1)))
    return opts


def test_man_pages_hold_every_option_and_match_help(tether_bin, workdir):
    """doc/man/tether.1 is what gen-man makes of --help (the option lists)
    and holds every option of pasta, passt and slirp4netns; pesto.1 every
    option of pesto; make install puts both, and the personalities' names
    lead to tether.1"""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    bindir = os.path.dirname(os.path.abspath(tether_bin))
    with open(os.path.join(repo, "doc", "man", "tether.1.in")) as f:
        got = subprocess.run([os.path.join(repo, "scripts", "gen-man"),
                              bindir], stdin=f, capture_output=True,
                             text=True, timeout=30, check=True).stdout
    with open(os.path.join(repo, "doc", "man", "tether.1")) as f:
        assert f.read() == got, \
            "doc/man/tether.1 is stale: run 'make doc/man/tether.1'"
    for page, names in (("tether.1", ("pasta", "passt", "slirp4netns")),
                        ("pesto.1", ("pesto",))):
        text = man_text(os.path.join(repo, "doc", "man", page))
        for n in names:
            missing = [o for o in help_options(os.path.join(bindir, n))
                       if o not in text]
            assert not missing, f"{page} lacks {n}'s {missing}"
    if not os.access(bindir, os.W_OK):
        return      # a checkout of another user's: make would write there
    dest = os.path.join(workdir, "install")
    subprocess.run(["make", "-s", "-C", repo, "install", f"DESTDIR={dest}",
                    "PREFIX=/usr", f"BUILD={bindir}"], check=True,
                   capture_output=True, timeout=120)
    man1 = os.path.join(dest, "usr", "share", "man", "man1")
    assert sorted(os.listdir(man1)) == ["passt.1", "pasta.1", "pesto.1",
                                        "slirp4netns.1", "tether.1"]
    with open(os.path.join(man1, "pasta.1")) as f:
        assert f.read().strip() == ".so man1/tether.1"


def test_busy_poll_bad_value_exits_1_with_one_line(tether_cli):
    res = tether_cli.run(["--busy-poll", "lots", "--config-net", "--",
                          "true"], timeout=20)
    assert res.rc == 1, res
    lines = [line for line in res.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "--busy-poll" in lines[0], res


def test_busy_poll_off_still_runs_the_command(tether_cli):
    res = tether_cli.run(["--busy-poll", "0", "--config-net", "--",
                          "sh", "-c", "exit 7"], timeout=20)
    assert res.rc == 7, res


def test_log_file_as_pasta_writes_it(tether_cli, workdir):
    """-l: the file is truncated at start and begins with pasta's header
    line "NAME VERSION: PATH (PID)"; log lines go there, not to stderr"""
    import re
    log = os.path.join(workdir, "rw", "tether.log")
    pids = []
    for _ in range(2):
        res = tether_cli.run(["-l", log, "-d", "--config-net", "--",
                              "sh", "-c", "exit 0"], timeout=30)
        assert res.rc == 0, res
        assert res.err.strip() == "", res   # nothing on stderr
        with open(log) as f:
            lines = f.read().splitlines()
        m = re.fullmatch(r"(pasta|tether) (\S+): (.+) \((\d+)\)", lines[0])
        assert m and m.group(3) == log, lines[:2]
        assert len(lines) > 3, lines       # -d: the run was logged
        # truncated: one header only, the one of this run
        assert sum(1 for line in lines if line.startswith(m.group(1) +
                                                            " ")) == 1
        pids.append(m.group(4))
    assert pids[0] != pids[1]


def test_log_file_start_up_error_still_on_stderr(tether_cli, workdir):
    """A start-up failure with -l: the one line is in the file and on
    stderr too, where whoever started us looks"""
    log = os.path.join(workdir, "rw", "fail.log")
    res = tether_cli.run(["-l", log, "--netns", "/nonexistent/netns",
                          "--config-net"], timeout=30)
    assert res.rc == 1, res
    lines = [line for line in res.err.splitlines() if line.strip()]
    assert len(lines) == 1, res
    with open(log) as f:
        assert lines[0].split(": ", 1)[-1] in f.read(), res


def test_stats_prints_events_by_type(tether):
    """--stats DELAY: a table of the events handled, by type, when there
    were any (pasta 2025_09_19's option)"""
    res = tether.spawn("ping -c 3 -i 0.3 -W 2 192.0.2.1 >/dev/null; "
                       "sleep 1.5", opts=["--stats", "1"])
    assert res.rc == 0, res
    lines = res.err.splitlines()
    heads = [i for i, line in enumerate(lines) if "events:" in line]
    assert heads and heads[0] + 1 < len(lines), res
    names = lines[heads[0]].split("events:", 1)[1].split()
    counts = lines[heads[0] + 1].split()
    assert "tap" in names and len(names) == len(counts), res
    assert all(int(c) > 0 for c in counts), res


def test_stats_bad_value_one_line(tether_cli):
    res = tether_cli.run(["--stats", "0"], timeout=10)
    assert res.rc == 1 and "invalid --stats" in res.err, res
    assert len(res.err.strip().splitlines()) == 1, res
