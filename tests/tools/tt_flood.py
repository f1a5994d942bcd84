#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tt_flood.py - a flood of TCP connects to a silent destination, run inside
# tether's namespace; the harness steps it through files in DIR
#
#   tt_flood.py ADDR PORT COUNT DIR
#
# Writes DIR/ready, waits for DIR/start, opens COUNT non-blocking connects
# to ADDR:PORT (a listener that drops SYNs), and watches them: when each
# one was refused (ECONNREFUSED), connected, or is still pending at the
# bound. Then closes them all, prints "TTRESULT <json>", writes DIR/done and
# waits for DIR/go before exiting. Every wait is bounded.

import errno
import json
import os
import select
import socket
import sys
import time

WAIT_START = 30     # s for DIR/start, and again for DIR/go
WATCH = 30          # s for the connects to resolve


def wait_file(path, bound):
    deadline = time.monotonic() + bound
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.path.exists(path)


def touch(path):
    with open(path, "w"):
        pass


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: tt_flood.py ADDR PORT COUNT DIR")
    addr, port, count, d = (sys.argv[1], int(sys.argv[2]),
                            int(sys.argv[3]), sys.argv[4])
    touch(os.path.join(d, "ready"))
    if not wait_file(os.path.join(d, "start"), WAIT_START):
        sys.exit("no start")

    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    socks, opened, errors = {}, 0, {}
    t0 = time.monotonic()
    for _ in range(count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        opened += 1
        rc = s.connect_ex((addr, port))
        if rc not in (0, errno.EINPROGRESS):
            errors[errno.errorcode.get(rc, str(rc))] = \
                errors.get(errno.errorcode.get(rc, str(rc)), 0) + 1
            s.close()
            continue
        socks[s.fileno()] = s

    ep = select.epoll()
    for fd in socks:
        ep.register(fd, select.EPOLLOUT)
    refused, connected, other = [], [], {}
    deadline = t0 + WATCH
    left = len(socks)
    while left and time.monotonic() < deadline:
        for fd, _ in ep.poll(0.2):
            s = socks[fd]
            ep.unregister(fd)
            left -= 1
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            t = round(time.monotonic() - t0, 2)
            if err == errno.ECONNREFUSED:
                refused.append(t)
            elif err == 0:
                connected.append(t)
            else:
                name = errno.errorcode.get(err, str(err))
                other[name] = other.get(name, 0) + 1
    for s in socks.values():
        s.close()
    refused.sort()
    print("TTRESULT " + json.dumps({
        "opened": opened, "errors": errors, "connected": len(connected),
        "refused": refused, "other": other, "pending": left,
        "elapsed": round(time.monotonic() - t0, 2)}), flush=True)
    touch(os.path.join(d, "done"))
    if not wait_file(os.path.join(d, "go"), WAIT_START):
        sys.exit("no go")


if __name__ == "__main__":
    main()
