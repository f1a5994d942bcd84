/* SPDX-License-Identifier: MIT */
/* udp.h - UDP translator: per-flow host sockets, guest source port kept */
#ifndef TETHER_UDP_H
#define TETHER_UDP_H

#include <time.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "loop.h"

#define UDP_RCVBUF	(4 << 20)	/* asked for; the kernel caps at rmem_max */

void udp_init(struct loop *lp, const struct conf_ip4 *ip4,
	      const struct conf_ip6 *ip6, const struct conf_svc *svc);
/* udp_scope6_set() - following the host: the interface link-local IPv6
 * destinations are reached through (0: none) */
void udp_scope6_set(struct loop *lp, unsigned ifindex);
/* udp_bcast_set() - following the host: the guest subnet's broadcast
 * address moved with its prefix (datagrams to it stay home) */
void udp_bcast_set(struct loop *lp, const struct conf_ip4 *ip4);
void udp_sock_rcvbuf(int fd);
/* udp_from_tap() - @n datagrams of one flow from the guest, in order */
void udp_from_tap(struct loop *lp, const struct pkt *p, int n);

#endif /* TETHER_UDP_H */
