/* SPDX-License-Identifier: MIT */
/* tcp.h - TCP translator: guest TCP over the tap <-> host kernel sockets */
#ifndef TETHER_TCP_H
#define TETHER_TCP_H

#include <time.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "loop.h"

/* tcp_init() - tables, socket pools; registers EP_TCP / EP_TCP_TIMER
 * handlers and its post-batch and timer hooks with the loop */
void tcp_init(struct loop *lp, const struct conf_link *link,
	      const struct conf_ip6 *ip6);
/* tcp_scope6_set() - following the host: the interface link-local IPv6
 * destinations are reached through (0: none) */
void tcp_scope6_set(struct loop *lp, unsigned ifindex);

/*
 * tcp_from_tap() - @n segments of one connection (same addresses and
 * ports, in arrival order) from the guest. TCP headers are not yet
 * validated.
 */
void tcp_from_tap(struct loop *lp, const struct pkt *p, int n);

#endif /* TETHER_TCP_H */
