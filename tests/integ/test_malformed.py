# SPDX-License-Identifier: MIT
# test_malformed.py - garbage frames from the guest don't hurt tether
#
# While a big download (v4) and a big upload (v6) run inside the
# namespace, tt_fuzz.py writes bursts of malformed frames into the tap
# from an AF_PACKET socket, i.e. straight at tether. Afterwards both
# transfers must have completed with the right checksums, and new TCP
# connections and UDP exchanges must still work: tether survived and kept
# its state. Destinations in the garbage are the topology's own addresses.
import os
import shlex

from topology import (V4_HOST, V6_HOST, V4_GW, V6_GW, V4_SERVER, V6_SERVER,
                      PORT_HTTP, PORT_ECHO)

BURSTS = 5      # at most; at least one, more while the transfers run


def test_malformed_frames_dont_disturb_transfers_or_tether(tether, topo,
                                                           files):
    count = int(os.environ.get("TT_FUZZ_COUNT") or 20000)
    path, sha, size = files["big"]
    curl = "curl -sS -g --fail --max-time 240 --limit-rate 32M"
    fuzz = tether.tool("tt_fuzz.py", "--ifname", topo.ifname,
                       "--count", count, "--max-seconds", 60,
                       "--src4", V4_HOST, "--src6", V6_HOST,
                       "--dst4", V4_SERVER, "--dst4", V4_GW,
                       "--dst6", V6_SERVER, "--dst6", V6_GW,
                       "--ports", PORT_ECHO, "--ports", PORT_HTTP)
    after = [tether.tool("tt_client.py", "echo-many", s, PORT_ECHO, 20, 5000)
             for s in (V4_SERVER, V6_SERVER)] + \
        [tether.tool("tt_client.py", "udp-echo", s, PORT_ECHO, 1, 1000, 30000)
         for s in (V4_SERVER, V6_SERVER)]
    script = f"""
exec 3>&1
{{ {curl} -o - http://{V4_SERVER}:{PORT_HTTP}/big; echo CURLRC $? >&3; }} |
    sha256sum | sed 's/^/DOWN /' &
DOWN=$!
{curl} -T {shlex.quote(path)} http://[{V6_SERVER}]:{PORT_HTTP}/up |
    sed 's/^/UP /' &
UP=$!
sleep 0.5
MAC=$(ip neigh show {V4_GW} | sed -n 's/.* lladdr \\([0-9a-f:]*\\).*/\\1/p')
echo "GWMAC $MAC"
i=0
while [ $i -lt {BURSTS} ]; do
    {fuzz} --seed $i ${{MAC:+--dst-mac $MAC}}
    i=$((i + 1))
    kill -0 $DOWN 2>/dev/null || kill -0 $UP 2>/dev/null || break
done
wait
echo BURSTS $i
{chr(10).join(after)}
"""
    res = tether.spawn(script, timeout=400)
    assert res.rc == 0, res
    r = res.results
    fz = [x for x in r if "generated" in x]
    assert fz and all(x["sent"] > x["generated"] // 2 for x in fz), res

    assert res.lines("CURLRC ") == [["0"]], res
    assert res.lines("DOWN ")[0][0] == sha, res
    assert res.lines("UP ") == [[sha, str(size)]], res

    echo = [x for x in r if "ok" in x]
    assert [x["ok"] for x in echo] == [20, 20], echo
    udp = [x for x in r if "results" in x]
    assert len(udp) == 2 and \
        all(y["status"] == "ok" for x in udp for y in x["results"]), udp
