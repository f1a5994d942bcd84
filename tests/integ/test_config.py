# SPDX-License-Identifier: MIT
# test_config.py - the namespace gets HOST's addresses, routes and MTU
import json


def sections(out):
    """Lines "@name JSON" printed by the script -> {name: parsed JSON}"""
    res = {}
    for line in out.splitlines():
        if line.startswith("@"):
            name, _, data = line[1:].partition(" ")
            res[name] = json.loads(data or "[]")
    return res


def global_addrs(link):
    return sorted((a["family"], a["local"], a["prefixlen"])
                  for a in link.get("addr_info", [])
                  if a.get("scope") == "global")


def gateways(routes):
    return sorted((r.get("gateway"), r.get("dev")) for r in routes)


def host_json(topo, *args):
    out = topo.ns_run(topo.host, ["ip", "-j"] + list(args)).stdout
    return json.loads(out or "[]")


SCRIPT = """
echo "@addr $(ip -j addr show)"
echo "@r4 $(ip -j -4 route show default)"
echo "@r6 $(ip -j -6 route show default)"
"""


def test_namespace_has_host_addresses_routes_and_mtu_65520(tether, topo):
    res = tether.spawn(SCRIPT, timeout=60)
    assert res.rc == 0, res
    ns = sections(res.out)
    h = {name: host_json(topo, *args) for name, args in (
        ("addr", ("addr", "show")),
        ("r4", ("-4", "route", "show", "default")),
        ("r6", ("-6", "route", "show", "default")))}
    links = {link["ifname"]: link for link in ns["addr"]}
    host_links = {link["ifname"]: link for link in h["addr"]}

    # The tap is named after HOST's template interface
    assert topo.ifname in links, f"no tap {topo.ifname} in {list(links)}"
    tap = links[topo.ifname]
    assert tap["mtu"] == 65520
    assert "UP" in tap["flags"]
    assert global_addrs(tap) == global_addrs(host_links[topo.ifname])

    lo = links["lo"]
    assert "UP" in lo["flags"]
    assert ("inet", "127.0.0.1", 8) in [(a["family"], a["local"],
                                         a["prefixlen"])
                                        for a in lo["addr_info"]]

    # Same default gateways, through the tap
    assert gateways(ns["r4"]) == gateways(h["r4"]), (ns["r4"], h["r4"])
    assert gateways(ns["r6"]) == gateways(h["r6"]), (ns["r6"], h["r6"])
