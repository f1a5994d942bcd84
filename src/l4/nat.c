// SPDX-License-Identifier: MIT
/* nat.c - the few address translations "no NAT" still needs */
#include <sys/socket.h>

#include "l4/nat.h"
#include "lib/log.h"

static struct {
	bool v4, v6;
	union inany map_host_lo4, map_host_lo6;
	union inany map_guest4, map_guest6;
	union inany host4, host6;		/* host's own addresses */
	union inany dns_match4, dns_match6;
	union inany dns_host4, dns_host6;
	union inany our4, our6;
	union inany refuse4[2], refuse6[2];
} nat;

static union inany lo4, lo6;

void nat_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6)
{
	struct in_addr l4 = { htonl(INADDR_LOOPBACK) };

	inany_from_v4(&lo4, l4);
	inany_from_v6(&lo6, &in6addr_loopback);

	nat.v4 = ip4->enabled;
	nat.v6 = ip6->enabled;
	inany_from_v4(&nat.map_host_lo4, ip4->map_host_lo);
	inany_from_v6(&nat.map_host_lo6, &ip6->map_host_lo);
	inany_from_v4(&nat.map_guest4, ip4->map_guest);
	inany_from_v6(&nat.map_guest6, &ip6->map_guest);
	inany_from_v4(&nat.host4, ip4->addr);
	inany_from_v6(&nat.host6, &ip6->addr);
	inany_from_v4(&nat.dns_match4, ip4->dns_match);
	inany_from_v6(&nat.dns_match6, &ip6->dns_match);
	inany_from_v4(&nat.dns_host4, ip4->dns_host);
	inany_from_v6(&nat.dns_host6, &ip6->dns_host);
	inany_from_v4(&nat.our4, ip4->our_addr);
	inany_from_v6(&nat.our6, &ip6->our_ll);
	for (int i = 0; i < 2; i++) {
		inany_from_v4(&nat.refuse4[i], ip4->refuse[i]);
		inany_from_v6(&nat.refuse6[i], &ip6->refuse[i]);
	}
}

bool nat_outbound(const union inany *dst, uint16_t port, uint8_t proto,
		  union inany *host_dst)
{
	bool v4 = inany_is_v4(dst);
	const union inany *dns_match = v4 ? &nat.dns_match4 : &nat.dns_match6;
	const union inany *dns_host = v4 ? &nat.dns_host4 : &nat.dns_host6;
	const union inany *mhl = v4 ? &nat.map_host_lo4 : &nat.map_host_lo6;
	const union inany *mg = v4 ? &nat.map_guest4 : &nat.map_guest6;
	const union inany *refuse = v4 ? nat.refuse4 : nat.refuse6;

	if (inany_is_loopback(dst) || inany_is_unspec(dst))
		return false;
	for (int i = 0; i < 2; i++) {
		if (!inany_is_unspec(&refuse[i]) &&
		    inany_equals(dst, &refuse[i]))
			return false;
	}

	if ((port == 53 || port == 853) && !inany_is_unspec(dns_match) &&
	    inany_equals(dst, dns_match) && !inany_is_unspec(dns_host)) {
		*host_dst = *dns_host;
		return true;
	}
	if (!inany_is_unspec(mhl) && inany_equals(dst, mhl)) {
		*host_dst = v4 ? lo4 : lo6;
		return true;
	}
	if (!inany_is_unspec(mg) && inany_equals(dst, mg)) {
		*host_dst = v4 ? nat.host4 : nat.host6;
		return true;
	}
	(void)proto;
	*host_dst = *dst;
	return true;
}

void nat_inbound(const union inany *src, union inany *guest_src)
{
	bool v4 = inany_is_v4(src);
	const union inany *mhl = v4 ? &nat.map_host_lo4 : &nat.map_host_lo6;
	const union inany *mg = v4 ? &nat.map_guest4 : &nat.map_guest6;
	const union inany *host = v4 ? &nat.host4 : &nat.host6;

	if (inany_is_loopback(src) || inany_is_unspec(src)) {
		*guest_src = inany_is_unspec(mhl) ? (v4 ? nat.our4 : nat.our6)
						  : *mhl;
		return;
	}
	if (inany_equals(src, host)) {
		*guest_src = inany_is_unspec(mg) ? (v4 ? nat.our4 : nat.our6)
						 : *mg;
		return;
	}
	*guest_src = *src;
}
