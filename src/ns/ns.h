/* SPDX-License-Identifier: MIT */
/* ns.h - pasta's namespaces: spawn or attach, tap creation, quit detection */
#ifndef TETHER_NS_H
#define TETHER_NS_H

#include <stdbool.h>

#include "conf/conf.h"
#include "loop.h"

/*
 * ns_setup() - pasta start-up, part one. NS_SPAWN: create a user namespace
 * (map 0 -> caller's uid/gid, setgroups deny) that tether itself enters,
 * and fork the child into new net, mount, UTS (and PID) namespaces, where
 * it waits until ns_release_child(); /proc is remounted there. Attach:
 * join the target's user namespace (unless --netns-only) and open its
 * network namespace. Either way tether stays in the host's network
 * namespace and keeps an fd for the target one. Dies with one line on
 * failure.
 */
void ns_setup(const struct conf *c);

/* ns_call() - run @fn(@arg) inside the target netns; Return: fn's result */
int ns_call(int (*fn)(void *arg), void *arg);

/*
 * ns_tap_open() - create the tap (IFF_TAP | IFF_NO_PI, non-blocking) named
 * c->link.ns_ifname inside the target netns, bring lo up, set the MAC if
 * --ns-mac-addr; with --config-net copy addresses/routes and set the MTU.
 * *@udp_gso tells if the kernel takes UDP GSO frames on it (Linux 6.2).
 * @nq > 1: a multi-queue tap, its queues' fds in @fds.
 * Return: queues opened, @nq or 1 without multi-queue taps (dies on failure)
 */
unsigned ns_tap_open(const struct conf *c, bool *udp_gso, int *fds,
		     unsigned nq);

/*
 * ns_net_follow() - following the host with --config-net: change the
 * namespace's addresses and routes to what @c (just refreshed) says,
 * through the netlink socket ns_tap_open() kept there; @host is a handle
 * in the host's namespace, to copy from. Problems are warned about.
 */
struct nl_handle;
void ns_net_follow(const struct conf *c, struct nl_handle *host);

/* ns_lo_up() - --splice-only: bring the namespace's lo up, no tap */
void ns_lo_up(void);

/*
 * ns_release_child() - let the spawned command exec (tether is ready).
 * Registers an EP_SIGNAL handler: when the child exits, the loop stops
 * with its exit status (128 + N if killed by signal N).
 */
void ns_release_child(struct loop *lp);

/*
 * ns_quit_watch() - unless --no-netns-quit, stop the loop within a second
 * of the namespace going away (netns file removed, target process gone).
 */
void ns_quit_watch(struct loop *lp, const struct conf *c);
/* ns_quit_stats() - true if the watch stat()s a path at run time */
bool ns_quit_stats(void);
/* ns_netfd() - the target network namespace's fd, -1 if none (passt) */
int ns_netfd(void);

/*
 * ns_child_pid() - pid of the spawned namespace's init, the command's
 * parent (it passes signals on to the command), or 0 (attach modes, or
 * once it has exited)
 */
pid_t ns_child_pid(void);

#endif /* TETHER_NS_H */
