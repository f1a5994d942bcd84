# SPDX-License-Identifier: MIT
# test_follow.py - the host's network changes under a running tether
"""
Each test builds a topology of its own (topology.py's, under another
prefix), because it changes HOST: its uplink address, its default route,
its uplinks, its resolv.conf. tether runs in HOST as the unprivileged
user, as everywhere; the changes are made by the test, as root, the way
a DHCP client, a VPN or NetworkManager would.

        REMOTE  Pr  192.0.2.1/24, 2001:db8::1/64        (the first uplink)
                Pr2 203.0.113.1/24, 2001:db8:2::1/64    (a second one)
                lo  198.51.100.1, 2001:db8:1::1         (the servers)
        HOST    Ph  192.0.2.2/24, 2001:db8::2/64        default via Pr
                Ph2 (made by the tests that need it)

What must follow, and how fast (README, "Following the host"): the
namespace's addresses and routes with --config-net, within a second (the
scripts poll for at most 10 s); a DHCP client at its renewal, half of the
60 s lease (polled for 60 s); SLAAC at once (an RA is sent on the change).
"""

import itertools
import os
import shutil
import sys

import pytest

from conftest import GUEST_SRC, make_topology, run_as
from tether import Running, Tether
from topology import (PORT_ECHO, PORT_HOSTLO, PORT_HTTP, V4_GW, V4_HOST,
                      V4_SERVER, V6_GW, V6_HOST, V6_SERVER, run)
import test_vm
from test_vm import Passt, run_vm

guest = test_vm.guest           # the VM test's fixtures, shared
passt_bin = test_vm.passt_bin

_seq = itertools.count()

CURL = "curl -sS -g --fail --max-time 60"
NEW4, NEW6 = "192.0.2.3", "2001:db8::3"          # same subnets
UP2_V4, UP2_GW4 = "203.0.113.2", "203.0.113.1"   # the second uplink
UP2_V6, UP2_GW6 = "2001:db8:2::2", "2001:db8:2::1"
PFX6, PFX6_GW = "2001:db8:5::2", "2001:db8:5::1"   # a new IPv6 prefix
LOCAL4 = "169.254.2.1"


def url(server, path):
    host = f"[{server}]" if ":" in server else server
    return f"http://{host}:{PORT_HTTP}/{path}"


def wait_for(cond, what, tries=100, step="0.1"):
    """Shell: poll cond (a shell test) at most tries times, then print
    'TT WAITED what ok|timeout'"""
    return (f"i=0; until {cond}; do i=$((i+1)); [ $i -ge {tries} ] && "
            f"break; sleep {step}; done; "
            f"if {cond}; then echo 'TT WAITED {what} ok'; else "
            f"echo 'TT WAITED {what} timeout'; fi; ")


def sha_line(tag, server, extra=""):
    """Shell: download 'big' from server, print 'TT tag SHA'"""
    return (f"echo \"TT {tag} $({CURL} {extra} -o - {url(server, 'big')} | "
            f"sha256sum | cut -d' ' -f1)\"; ")


def banner_line(tag, addr):
    """Shell: the host-loopback banner through the gateway mapping"""
    return (f"echo \"TT {tag} $(timeout 10 {sys.executable} -c "
            f"'import socket; s = socket.create_connection((\"{addr}\", "
            f"{PORT_HOSTLO}), 5); print(s.recv(100).decode().split()[0])' "
            f"2>&1)\"; ")


@pytest.fixture
def ftopo(workdir, files):
    """A topology of this test's own, HOST set up as a real host would
    be for address changes (promote_secondaries, as systemd sets it)"""
    def promote(t):
        for k in ("all", "default", t.ifname):
            t.ns_run(t.host, ["sysctl", "-qw",
                              f"net.ipv4.conf.{k}.promote_secondaries=1"],
                     check=False)
    yield from make_topology(workdir, files, suffix=f"f{next(_seq)}",
                             prepare=promote)


@pytest.fixture
def ftether(ftopo, tether_bin, workdir):
    t = Tether(tether_bin, run_as(), workdir, netns=ftopo.host,
               tools=os.path.join(workdir, "tools"), py=sys.executable)
    yield t
    t.cleanup()


def uplink2(t):
    """A second veth pair between HOST and REMOTE, up, addressed, with no
    route through it yet"""
    h2, r2 = f"{t.ifname}2"[:15], f"{t.peer}2"[:15]
    run(["ip", "link", "add", h2, "netns", t.host, "type", "veth", "peer",
         "name", r2, "netns", t.remote])
    t.ip(t.host, "addr", "add", f"{UP2_V4}/24", "dev", h2)
    t.ip(t.host, "addr", "add", f"{UP2_V6}/64", "dev", h2, "nodad")
    t.ip(t.remote, "addr", "add", f"{UP2_GW4}/24", "dev", r2)
    t.ip(t.remote, "addr", "add", f"{UP2_GW6}/64", "dev", r2, "nodad")
    t.ip(t.host, "link", "set", h2, "up")
    t.ip(t.remote, "link", "set", r2, "up")
    return h2


def tt(run_, key, timeout=60):
    return run_.wait_line(f"TT {key} ", timeout=timeout)


def test_follow_address_change_reaches_namespace(ftopo, ftether, files):
    """HOST's uplink addresses change (new ones added, old ones removed,
    as a DHCP client does): the namespace has the new ones and not the
    old within a second, a download from REMOTE over each family after
    the change is intact, the gateway still reaches HOST's loopback, and
    a connection made from the old address is reset, not left hanging"""
    t, sha = ftopo, files["big"][1]
    ifn = t.ifname
    old = os.path.join(t.workdir, "rw", f"{t.prefix}-old")
    hold = (f"timeout 30 {sys.executable} -c 'import socket, sys\n"
            f"s = socket.create_connection((\"{V4_SERVER}\", {PORT_ECHO}), 5)\n"
            f"s.settimeout(25)\n"
            f"try:\n"
            f"    d = s.recv(10); print(\"TT OLD eof\" if not d else \"TT OLD data\")\n"
            f"except OSError as e:\n"
            f"    print(\"TT OLD\", e.__class__.__name__)\n"
            f"sys.stdout.flush()' > {old} & ")
    script = (hold + "sleep 0.5; echo 'TT READY x'; " +
              wait_for(f"ip -4 -o addr show dev {ifn} | grep -q ' {NEW4}/' "
                       f"&& ! ip -4 -o addr show dev {ifn} | grep -q "
                       f"' {V4_HOST}/' && ip -6 -o addr show dev {ifn} | "
                       f"grep -q ' {NEW6}/' && ! ip -6 -o addr show dev "
                       f"{ifn} | grep -q ' {V6_HOST}/'", "addrs") +
              f"echo \"TT ADDRS $(ip -o addr show dev {ifn} scope global | "
              f"awk '{{print $4}}' | tr '\\n' ' ')\"; " +
              sha_line("SHA4", V4_SERVER) + sha_line("SHA6", V6_SERVER) +
              banner_line("HOSTLO", V4_GW) + f"wait; cat {old}")
    r = Running(ftether, [], script)
    tt(r, "READY", 30)
    t.ip(t.host, "addr", "add", f"{NEW4}/24", "dev", ifn)
    t.ip(t.host, "addr", "add", f"{NEW6}/64", "dev", ifn, "nodad")
    t.ip(t.host, "addr", "del", f"{V4_HOST}/24", "dev", ifn)
    t.ip(t.host, "addr", "del", f"{V6_HOST}/64", "dev", ifn)
    assert tt(r, "WAITED") == ["addrs", "ok"], r.stop()
    addrs = tt(r, "ADDRS")
    assert f"{NEW4}/24" in addrs and f"{NEW6}/64" in addrs, r.stop()
    assert tt(r, "SHA4") == [sha], r.stop()
    assert tt(r, "SHA6") == [sha], r.stop()
    assert tt(r, "HOSTLO") == ["hostlo"], r.stop()
    assert tt(r, "OLD") == ["ConnectionResetError"], r.stop()
    r.stop()


def test_follow_uplink_down_and_another_up(ftopo, ftether, files):
    """HOST's uplink goes down and a second one takes the default routes:
    the namespace gets the second uplink's addresses and gateways, loses
    the first's, and a download after the change is intact"""
    t, sha = ftopo, files["big"][1]
    ifn = t.ifname
    script = ("echo 'TT READY x'; " +
              wait_for(f"ip -4 -o addr show dev {ifn} | grep -q ' {UP2_V4}/'"
                       f" && ip route show default | grep -q 'via {UP2_GW4}'"
                       f" && ! ip -4 -o addr show dev {ifn} | grep -q "
                       f"' {V4_HOST}/' && ip -6 route show default | "
                       f"grep -q 'via {UP2_GW6}'", "uplink2") +
              "echo \"TT ROUTES $(ip route show default) $(ip -6 route "
              "show default)\"; " +
              sha_line("SHA4", V4_SERVER) + sha_line("SHA6", V6_SERVER))
    r = Running(ftether, [], script)
    tt(r, "READY", 30)
    uplink2_if = uplink2(t)
    t.ip(t.host, "link", "set", ifn, "down")
    t.ip(t.host, "route", "replace", "default", "via", UP2_GW4)
    t.ip(t.host, "-6", "route", "replace", "default", "via", UP2_GW6)
    assert tt(r, "WAITED") == ["uplink2", "ok"], r.stop()
    routes = " ".join(tt(r, "ROUTES"))
    assert f"via {UP2_GW4}" in routes and f"via {UP2_GW6}" in routes, \
        r.stop()
    assert tt(r, "SHA4") == [sha], r.stop()
    assert tt(r, "SHA6") == [sha], r.stop()
    assert uplink2_if
    r.stop()


def test_follow_local_mode_left_and_entered_again(ftopo, ftether, files):
    """tether starts on a HOST without any route (local mode: 169.254.2.1
    in the namespace); when the uplink comes, the namespace gets HOST's
    addresses and routes and reaches REMOTE; when it goes again, local
    mode is back and the gateway reaches HOST's loopback again"""
    t, sha = ftopo, files["big"][1]
    ifn = "tap0"        # local mode's name: no template to take it from
    t.ip(t.host, "link", "set", t.ifname, "down")
    t.ip(t.host, "-6", "addr", "flush", "dev", t.ifname)
    local = f"ip -4 -o addr show dev {ifn} | grep -q ' {LOCAL4}/16'"
    script = ("echo \"TT START $(ip -4 -o addr show dev " + ifn +
              " | awk '{print $4}')\"; " +
              banner_line("HOSTLO0", "169.254.2.2") +
              "echo 'TT READY x'; " +
              wait_for(f"ip -4 -o addr show dev {ifn} | grep -q "
                       f"' {V4_HOST}/' && ip route show default | grep -q "
                       f"'via {V4_GW}' && ! {local} && ip -6 route show "
                       f"default | grep -q 'via {V6_GW}'", "online") +
              sha_line("SHA4", V4_SERVER) + sha_line("SHA6", V6_SERVER) +
              banner_line("HOSTLO1", V4_GW) +
              "echo 'TT OFFLINE x'; " +
              wait_for(local + " && ip route show default | grep -q "
                       "'via 169.254.2.2'", "offline") +
              banner_line("HOSTLO2", "169.254.2.2"))
    r = Running(ftether, [], script)
    assert tt(r, "START", 30) == [f"{LOCAL4}/16"], r.stop()
    assert tt(r, "HOSTLO0") == ["hostlo"], r.stop()
    tt(r, "READY")
    t.ip(t.host, "link", "set", t.ifname, "up")
    t.ip(t.host, "-6", "addr", "add", f"{V6_HOST}/64", "dev", t.ifname,
         "nodad")
    t.ip(t.host, "route", "add", "default", "via", V4_GW)
    t.ip(t.host, "-6", "route", "add", "default", "via", V6_GW)
    assert tt(r, "WAITED") == ["online", "ok"], r.stop()
    assert tt(r, "SHA4") == [sha], r.stop()
    assert tt(r, "SHA6") == [sha], r.stop()
    assert tt(r, "HOSTLO1") == ["hostlo"], r.stop()
    tt(r, "OFFLINE")
    t.ip(t.host, "link", "set", t.ifname, "down")
    assert tt(r, "WAITED") == ["offline", "ok"], r.stop()
    assert tt(r, "HOSTLO2") == ["hostlo"], r.stop()
    r.stop()


def test_follow_transfer_survives_unrelated_change(ftopo, ftether, files):
    """A long download over HOST's address goes on, intact, while another
    address comes and goes on the uplink (the namespace gets it, then
    loses it) and the default route is replaced by the same one"""
    t, sha = ftopo, files["big"][1]
    ifn = t.ifname
    script = ("echo 'TT READY x'; " +
              sha_line("SHA4", V4_SERVER, "--limit-rate 12M") +
              "echo \"TT EXTRA $(cat /tmp/extra 2>/dev/null)\"")
    # the extra address, as the namespace saw it, is recorded by a
    # background poll in the same namespace
    script = (
        f"( i=0; while [ $i -lt 100 ]; do ip -4 -o addr show dev {ifn} | "
        f"grep -q ' 192.0.2.77/' && echo seen > /tmp/extra && break; "
        f"i=$((i+1)); sleep 0.1; done ) & " + script)
    r = Running(ftether, ["--no-splice"], script)
    tt(r, "READY", 30)
    t.ip(t.host, "addr", "add", "192.0.2.77/24", "dev", ifn)
    t.ip(t.host, "-6", "addr", "add", "2001:db8::77/64", "dev", ifn, "nodad")
    run(["sleep", "1.5"])
    t.ip(t.host, "addr", "del", "192.0.2.77/24", "dev", ifn)
    t.ip(t.host, "-6", "addr", "del", "2001:db8::77/64", "dev", ifn)
    t.ip(t.host, "route", "replace", "default", "via", V4_GW)
    assert tt(r, "SHA4", 120) == [sha], r.stop()
    assert tt(r, "EXTRA") == ["seen"], r.stop()
    r.stop()


def test_follow_off_keeps_start_up_config(ftopo, ftether):
    """--no-follow-host: the namespace keeps what it was given"""
    t = ftopo
    ifn = t.ifname
    script = ("echo 'TT READY x'; sleep 2; echo \"TT ADDRS $(ip -4 -o addr "
              f"show dev {ifn} | awk '{{print $4}}')\"")
    r = Running(ftether, ["--no-follow-host"], script)
    tt(r, "READY", 30)
    t.ip(t.host, "addr", "add", f"{NEW4}/24", "dev", ifn)
    t.ip(t.host, "addr", "del", f"{V4_HOST}/24", "dev", ifn)
    assert tt(r, "ADDRS") == [f"{V4_HOST}/24"], r.stop()
    r.stop()


APPLY = """#!/bin/sh
# udhcpc's script: the lease on the interface, nothing else
case "$1" in
deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
	ip -4 addr flush dev "$interface"
	ip -4 addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip -4 route replace default via "${router%% *}"
	echo "TT LEASE $1 $ip $lease"
	;;
nak) echo "TT LEASE nak" ;;
esac
exit 0
"""


# How HOST's network changes under a DHCP/SLAAC guest, and what the guest
# must end up with: "move" (the address within its subnet, a new IPv6
# prefix), "uplink" (the uplink goes down, a second one takes the default
# routes), "offline" (no route at all when tether starts: local mode; then
# the uplink comes). Each: (before tether starts, the change, the guest's
# first IPv4 address, its IPv4 address after, the IPv6 prefix after, the
# prefix deprecated after or None)
def _move(t):
    t.ip(t.remote, "-6", "addr", "add", f"{PFX6_GW}/64", "dev", t.peer,
         "nodad")
    t.ip(t.host, "addr", "add", f"{NEW4}/24", "dev", t.ifname)
    t.ip(t.host, "-6", "addr", "add", f"{PFX6}/64", "dev", t.ifname, "nodad")
    t.ip(t.host, "addr", "del", f"{V4_HOST}/24", "dev", t.ifname)
    t.ip(t.host, "-6", "addr", "del", f"{V6_HOST}/64", "dev", t.ifname)
    t.ip(t.host, "-6", "route", "replace", "default", "via", PFX6_GW)


def _uplink(t):
    uplink2(t)
    t.ip(t.host, "link", "set", t.ifname, "down")
    t.ip(t.host, "route", "replace", "default", "via", UP2_GW4)
    t.ip(t.host, "-6", "route", "replace", "default", "via", UP2_GW6)


def _offline_before(t):
    t.ip(t.host, "link", "set", t.ifname, "down")
    t.ip(t.host, "-6", "addr", "flush", "dev", t.ifname)


def _online(t):
    t.ip(t.host, "link", "set", t.ifname, "up")
    t.ip(t.host, "-6", "addr", "add", f"{V6_HOST}/64", "dev", t.ifname,
         "nodad")
    t.ip(t.host, "route", "add", "default", "via", V4_GW)
    t.ip(t.host, "-6", "route", "add", "default", "via", V6_GW)


SCENARIOS = {
    "move": (None, _move, V4_HOST, NEW4, "2001:db8:5:", "2001:db8::"),
    "uplink": (None, _uplink, V4_HOST, UP2_V4, "2001:db8:2:", "2001:db8::"),
    "offline": (_offline_before, _online, LOCAL4, V4_HOST, "2001:db8::",
                None),
}
# Each of these waits for the guest's own renewal (half a lease, 30 s):
# the sanitizer pass of tests/run-all (TT_SANITIZER) runs one of them, the
# code the others reach being the same, to keep CI well within its time
SCENARIO_IDS = ["move"] if os.environ.get("TT_SANITIZER") else \
    list(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIO_IDS)
def test_follow_dhcp_and_slaac_namespace(ftopo, ftether, files, workdir,
                                         scenario):
    """pasta without --config-net: busybox udhcpc and SLAAC in the
    namespace. HOST's network changes (see SCENARIOS): udhcpc, at its
    renewal, is refused the old address and takes the new one (60 s
    leases); SLAAC takes the new prefix at once and the old one is
    deprecated; downloads after it are intact"""
    if not shutil.which("busybox"):
        pytest.skip("busybox missing: apt-get install busybox-static")
    before, change, first4, new4, pfx6, old6 = SCENARIOS[scenario]
    t, sha = ftopo, files["big"][1]
    if before:
        before(t)
    ifn = "tap0" if scenario == "offline" else t.ifname
    apply = os.path.join(workdir, "rw", "follow-udhcpc.sh")
    with open(apply, "w") as f:
        f.write(APPLY)
    os.chmod(apply, 0o755)
    new6 = (f"ip -6 -o addr show dev {ifn} | grep -v deprecated | "
            f"grep -q ' {pfx6}'")
    if old6:
        new6 += (f" && ip -6 -o addr show dev {ifn} | grep ' {old6}' | "
                 f"grep -q deprecated")
    script = (f"ip link set {ifn} up; "
              f"busybox udhcpc -i {ifn} -f -t 10 -T 1 -A 1 -s {apply} & "
              + wait_for(f"ip -4 -o addr show dev {ifn} | grep -q "
                         f"' {first4}/'" +
                         (f" && ip -6 -o addr show dev {ifn} | grep -q "
                          f"' {old6}'" if old6 else ""), "first",
                         tries=150) +
              "echo 'TT READY x'; " +
              wait_for(new6, "slaac") +
              wait_for(f"ip -4 -o addr show dev {ifn} | grep -q "
                       f"' {new4}/'", "dhcp", tries=600) +
              sha_line("SHA4", V4_SERVER) + sha_line("SHA6", V6_SERVER) +
              "kill %1")
    r = Running(ftether, [], script, config_net=False)
    assert tt(r, "WAITED", 40) == ["first", "ok"], r.stop()
    tt(r, "READY", 5)
    change(t)
    assert tt(r, "WAITED", 30) == ["slaac", "ok"], r.stop()
    assert tt(r, "WAITED", 75) == ["dhcp", "ok"], r.stop()
    assert tt(r, "SHA4", 90) == [sha], r.stop()
    assert tt(r, "SHA6", 90) == [sha], r.stop()
    leases = [ln.split()[2:] for ln in r.lines if ln.startswith("TT LEASE ")]
    assert ["bound", first4, "60"] in leases, r.stop()
    assert ["nak"] in leases, r.stop()
    assert ["bound", new4, "60"] in leases, r.stop()
    r.stop()


VM_FOLLOW = """
udhcpc -i eth0 -s /etc/udhcpc.script -f -t 10 -T 1 -A 1 -O mtu \\
	-O staticroutes &
sleep 1
echo "TT READY"
i=0
while [ $i -lt 300 ]; do
	ip -6 -o addr show dev eth0 | grep -v deprecated |
		grep -q ' @PFX6@' && break
	sleep 0.1; i=$((i + 1))
done
echo "TT NEW6 $(ip -6 -o addr show dev eth0 scope global | grep -v deprecated | awk '{print $4}' | tr '\\n' ' ')"
echo "TT OLD6 $(ip -6 -o addr show dev eth0 | grep ' @OLD6@' | grep -o deprecated)"
i=0
while [ $i -lt 600 ]; do
	ip -4 -o addr show dev eth0 | grep -q ' @NEW4@/' && break
	sleep 0.1; i=$((i + 1))
done
echo "TT NEW4 $(ip -4 -o addr show dev eth0 | awk '{print $4}')"
timeout 60 wget -q -O /tmp/f4 http://@V4S@:@PORT@/small &&
	echo "TT SHA4 $(sha256sum /tmp/f4 | cut -d' ' -f1)"
timeout 60 wget -q -O /tmp/f6 "http://[@V6S@]:@PORT@/small" &&
	echo "TT SHA6 $(sha256sum /tmp/f6 | cut -d' ' -f1)"
kill %1
"""


@pytest.mark.parametrize("scenario", SCENARIO_IDS)
def test_follow_vm_guest(ftopo, passt_bin, guest, files, workdir, scenario):
    """A QEMU guest on passt (busybox udhcpc, SLAAC), HOST's network
    changing as SCENARIOS say: the guest takes the new prefix from the RA
    sent at once (the old one deprecated) and, at its renewal, the new
    IPv4 address (NAK, then a new lease); downloads after it are intact"""
    before, change, first4, new4, pfx6, old6 = SCENARIOS[scenario]
    t = ftopo
    if before:
        before(t)
    p = Passt(passt_bin, t, workdir).listen()
    changed = []

    def on_line(line):
        if "TT READY" in line and not changed:
            changed.append(True)
            change(t)
    script = VM_FOLLOW
    for k, v in (("PFX6", pfx6), ("OLD6", old6 or "none:"), ("NEW4", new4),
                 ("V4S", V4_SERVER), ("V6S", V6_SERVER),
                 ("PORT", str(PORT_HTTP))):
        script = script.replace(f"@{k}@", v)
    try:
        vm = run_vm(guest, p.sock, workdir, script, on_line=on_line)
    finally:
        p.stop()
    small = files["small"][1]
    assert changed, f"the guest never got ready:\n{vm}"
    assert any(d.startswith(f"bound ip={first4} ") for d in vm.tt("DHCP")), \
        str(vm)
    assert any(a.startswith(pfx6) for a in vm.one("NEW6").split()), str(vm)
    if old6:
        assert vm.one("OLD6") == "deprecated", str(vm)
    assert vm.one("NEW4").startswith(f"{new4}/"), str(vm)
    assert any(d.startswith("nak") for d in vm.tt("DHCP")), str(vm)
    assert vm.one("SHA4") == small, str(vm)
    assert vm.one("SHA6") == small, str(vm)


def test_follow_resolver_change_reaches_dns_forwarder(ftopo, ftether,
                                                      workdir):
    """HOST's resolv.conf (a file mounted over /etc/resolv.conf, as ip
    netns exec and containers do) is rewritten to name another resolver:
    DNS the namespace sends to the gateway reaches the new one"""
    t = ftopo
    d = f"/etc/netns/{t.host}"
    try:
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.1\n")
    except OSError as e:
        pytest.skip(f"cannot give HOST its own resolv.conf ({e})")
    dns = os.path.join(GUEST_SRC, "tt_dns.py")
    for addr, answer in (("127.0.0.1", V4_SERVER), ("127.0.0.2", "192.0.2.99")):
        t.start(t.host, [sys.executable, dns, "--addr", addr, "--record",
                         f"vm.tt.example={answer}"], wait_for="READY")
    q = ftether.tool("tt_client.py", "dns", V4_GW, "vm.tt.example", "A")
    script = (f"echo \"TT FIRST $({q})\"; echo 'TT READY x'; "
              f"i=0; while [ $i -lt 50 ]; do r=$({q}); "
              f"echo \"$r\" | grep -q 192.0.2.99 && break; i=$((i+1)); "
              f"sleep 0.1; done; echo \"TT THEN $r\"")
    try:
        r = Running(ftether, [], script)
        assert V4_SERVER in " ".join(tt(r, "FIRST", 30)), r.stop()
        tt(r, "READY")
        with open(os.path.join(d, "resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.2\n")
        assert "192.0.2.99" in " ".join(tt(r, "THEN", 30)), r.stop()
        r.stop()
    finally:
        os.unlink(os.path.join(d, "resolv.conf"))
        try:
            os.rmdir(d)
        except OSError:
            pass
