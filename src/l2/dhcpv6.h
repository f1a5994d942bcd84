/* SPDX-License-Identifier: MIT */
/* dhcpv6.h - DHCPv6 server for the single guest: the host's own address */
#ifndef TETHER_DHCPV6_H
#define TETHER_DHCPV6_H

#include <stdbool.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "loop.h"

#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547

/* dhcpv6_init() - keep @c (read-only) and derive our DUID from our MAC */
void dhcpv6_init(const struct conf *c);

/*
 * dhcpv6_from_tap() - a UDP packet from the guest to port 547: answer it
 * @p:		validated packet (UDP header at p->l4)
 *
 * Return: true if consumed (answered, ignored or dropped as malformed),
 * false if DHCPv6 is disabled
 */
bool dhcpv6_from_tap(struct loop *lp, const struct pkt *p);

#endif /* TETHER_DHCPV6_H */
