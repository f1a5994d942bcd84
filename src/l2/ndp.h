/* SPDX-License-Identifier: MIT */
/* ndp.h - IPv6 neighbour discovery (NS -> NA) and router advertisements */
#ifndef TETHER_NDP_H
#define TETHER_NDP_H

#include <stdbool.h>
#include <time.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "loop.h"

void ndp_init(struct loop *lp, const struct conf_ip6 *ip6,
	      const struct conf_link *link, const struct conf_ns *ns,
	      const struct conf_svc *svc);
/* ndp_refresh() - following the host: the configuration changed; the
 * guest is told at once (see ndp.c) */
void ndp_refresh(struct loop *lp, const struct conf_ip6 *ip6,
		 const struct conf_link *link, const struct conf_ns *ns,
		 const struct conf_svc *svc);
/* ndp_from_tap() - ICMPv6 types 133..137; Return: true if consumed */
bool ndp_from_tap(struct loop *lp, const struct pkt *p);
/* ndp_timer() - periodic unsolicited Router Advertisements (registered
 * with the loop by ndp_init() when RAs are on) */
void ndp_timer(struct loop *lp);

#endif /* TETHER_NDP_H */
