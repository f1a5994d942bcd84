# SPDX-License-Identifier: MIT
# conftest.py - pytest fixtures: topology, test files, the binary under test
"""
Environment knobs:
  TETHER_BIN     binary under test (default <repo>/build/pasta)
  TT_RUN_AS      uid tether runs as (default 1500), or "current"
  TT_PREFIX      name prefix for namespaces (default "tt" + pid)
  TT_BIG_MB      size of the big transfers in MiB (default 64)
  TT_FUZZ_COUNT  frames per malformed-frame burst (default 20000)
  TT_KEEP        if set, keep the temporary directory
Needs root (to build the topology); tests/run-integ takes care of that.
"""

import hashlib
import os
import shutil
import signal
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tether import Tether  # noqa: E402
from topology import Topology, V4_SERVER, V6_SERVER, kill_tree  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.path.join(REPO, "tests", "tools")
NEEDED = ("ip", "setpriv", "nsenter", "unshare", "sysctl", "ss", "ping")
GUEST_SRC = os.path.join(REPO, "tests", "guest")
DNS_NAME = "vm.tt.example"      # what the dns fixture's resolver answers


def env_int(name, default):
    return int(os.environ.get(name) or default)


def run_as():
    v = os.environ.get("TT_RUN_AS", "1500")
    return None if v in ("", "current") else int(v)


def pytest_configure(config):
    # SIGTERM (e.g. from a CI timeout) should tear down like Ctrl-C does
    def term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, term)


@pytest.fixture(scope="session")
def workdir():
    """World-readable scratch directory; rw/ is writable by everyone"""
    d = tempfile.mkdtemp(prefix="tether-integ-")
    os.chmod(d, 0o755)
    rw = os.path.join(d, "rw")
    os.mkdir(rw)
    os.chmod(rw, 0o1777)
    # Copy the tools where the unprivileged user can surely read them
    shutil.copytree(TOOLS, os.path.join(d, "tools"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for root, dirs, files in os.walk(d):
        for n in dirs:
            os.chmod(os.path.join(root, n), 0o755)
        for n in files:
            os.chmod(os.path.join(root, n), 0o755)
    os.chmod(rw, 0o1777)
    yield d
    if not os.environ.get("TT_KEEP"):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def tether_bin():
    b = os.environ.get("TETHER_BIN") or os.path.join(REPO, "build", "pasta")
    b = os.path.abspath(b)
    if not os.path.exists(b):
        pytest.fail(f"binary under test {b} not found: run make, "
                    f"or set TETHER_BIN")
    return b


@pytest.fixture(scope="session")
def files(workdir):
    """Test files served over HTTP: name -> (path, sha256, size)"""
    d = os.path.join(workdir, "files")
    os.mkdir(d)
    os.chmod(d, 0o755)
    out = {}
    for name, size in (("big", env_int("TT_BIG_MB", 64) << 20),
                       ("small", 100000)):
        path = os.path.join(d, name)
        h = hashlib.sha256()
        with open(path, "wb") as f:
            left = size
            while left:
                chunk = os.urandom(min(left, 1 << 22))
                h.update(chunk)
                f.write(chunk)
                left -= len(chunk)
        os.chmod(path, 0o644)
        out[name] = (path, h.hexdigest(), size)
    return out


def make_topology(workdir, files, suffix="", iperf3=None, prepare=None):
    """A topology.py topology named by TT_PREFIX (+ suffix), its servers
    started (iperf3's if given), torn down when the generator ends;
    prepare(t), if given, runs between the namespaces and the servers.
    Skips the test where it can't be built"""
    if os.geteuid() != 0:
        pytest.skip("needs root to build the namespaces: use tests/run-integ")
    missing = [t for t in NEEDED if not shutil.which(t)]
    if missing:
        pytest.skip(f"missing tools: {' '.join(missing)}")
    prefix = (os.environ.get("TT_PREFIX") or f"tt{os.getpid()}") + suffix
    t = Topology(prefix, workdir, os.path.join(workdir, "tools"))
    t.create()
    try:
        if prepare:
            prepare(t)
        t.start_servers(os.path.dirname(files["big"][0]), iperf3=iperf3)
        yield t
    finally:
        t.destroy()


@pytest.fixture(scope="session")
def topo(workdir, files):
    yield from make_topology(workdir, files, iperf3=shutil.which("iperf3"))


@pytest.fixture
def tether(topo, tether_bin, workdir):
    """The binary under test, run in HOST as the unprivileged user"""
    t = Tether(tether_bin, run_as(), workdir, netns=topo.host,
               tools=os.path.join(workdir, "tools"), py=sys.executable)
    yield t
    t.cleanup()


@pytest.fixture
def tether_cli(tether_bin, workdir):
    """The binary under test without any namespace (CLI checks)"""
    t = Tether(tether_bin, run_as() if os.geteuid() == 0 else None, workdir)
    yield t
    t.cleanup()


@pytest.fixture(scope="module")
def dns(topo, workdir):
    """HOST's resolver on its loopback: resolv.conf and tt_dns.py"""
    d = f"/etc/netns/{topo.host}"
    created = not os.path.isdir(d)
    try:
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.1\nsearch tt.example\n")
    except OSError as e:
        # run-integ as an ordinary user: /etc belongs to the real root
        pytest.skip(f"cannot give HOST its own resolv.conf ({e})")
    log = os.path.join(workdir, "rw", "dns.log")
    p = topo.start(topo.host, [sys.executable,
                               os.path.join(GUEST_SRC, "tt_dns.py"),
                               "--addr", "127.0.0.1", "--log", log,
                               "--record", f"{DNS_NAME}={V4_SERVER}",
                               "--record", f"{DNS_NAME}={V6_SERVER}"],
                   wait_for="READY")
    yield log
    kill_tree(p.pid)
    os.unlink(os.path.join(d, "resolv.conf"))
    if created:
        shutil.rmtree(d, ignore_errors=True)
