/* SPDX-License-Identifier: MIT */
/* nat.h - the few address translations "no NAT" still needs */
#ifndef TETHER_NAT_H
#define TETHER_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "lib/inany.h"

void nat_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6);

/*
 * nat_outbound() - where a guest packet to @dst:@port really goes on the
 * host: the map-host-loopback address becomes 127.0.0.1 / ::1, the
 * map-guest-addr address becomes the host's own address, DNS to the
 * dns-forward address goes to the host resolver; anything else unchanged.
 * Return: false if the packet must be dropped (loopback, unspecified, an
 * address that stands for nothing: conf_ip4.refuse)
 */
bool nat_outbound(const union inany *dst, uint16_t port, uint8_t proto,
		  union inany *host_dst);

/*
 * nat_inbound() - the source address the guest should see for a host-side
 * peer @src: 127.0.0.1 / ::1 appear as the map-host-loopback address (our
 * own tap-side address if none), the host's own address as map-guest-addr.
 */
void nat_inbound(const union inany *src, union inany *guest_src);

#endif /* TETHER_NAT_H */
