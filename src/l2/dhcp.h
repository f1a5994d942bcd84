/* SPDX-License-Identifier: MIT */
/* dhcp.h - DHCPv4 server for the single guest: the host's own address */
#ifndef TETHER_DHCP_H
#define TETHER_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "loop.h"

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68

/* dhcp_init() - precompute the options we hand out, from @c (kept) */
void dhcp_init(const struct conf_ip4 *ip4, const struct conf_link *link,
	       const struct conf_svc *svc);

/*
 * dhcp_from_tap() - a UDP packet from the guest to port 67: answer it
 * @p:		validated packet (UDP header at p->l4)
 *
 * Return: true if consumed (answered, ignored or dropped as malformed),
 * false if DHCP is disabled or has no address to give
 */
bool dhcp_from_tap(struct loop *lp, const struct pkt *p);

/*
 * dhcp_name_encode() - write @name ("a.example.", "a.example") as DNS
 * labels (RFC 1035 3.1, uncompressed), for DHCP options 119 and 81 and
 * DHCPv6 options 24 and 39
 * Return: bytes written, -EINVAL for an invalid name, -ENOSPC if @size is
 * too small
 */
int dhcp_name_encode(uint8_t *buf, size_t size, const char *name);

#endif /* TETHER_DHCP_H */
