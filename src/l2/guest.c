// SPDX-License-Identifier: MIT
/* guest.c - what we know of the guest: its MAC and addresses */
#include <string.h>
#include <sys/socket.h>

#include "l2/guest.h"

static const uint8_t guest_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct {
	uint8_t mac[6];
	union inany seen4, seen6;
	bool fixed4, fixed6;
} gs;

void guest_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6)
{
	memcpy(gs.mac, guest_bcast, 6);
	inany_from_v4(&gs.seen4, ip4->addr);
	inany_from_v6(&gs.seen6, &ip6->addr);
	gs.fixed4 = ip4->addr_fixed;
	gs.fixed6 = ip6->addr_fixed;
}

void guest_addrs_moved(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6)
{
	if (!IN6_IS_ADDR_UNSPECIFIED(&ip6->addr) || !ip6->enabled)
		inany_from_v6(&gs.seen6, &ip6->addr);
	if (ip4->addr.s_addr || !ip4->enabled)
		inany_from_v4(&gs.seen4, ip4->addr);
}

void guest_mac_set(const uint8_t mac[6])
{
	memcpy(gs.mac, mac, 6);
}

const uint8_t *guest_mac(void)
{
	return gs.mac;
}

void guest_forget(void)
{
	memcpy(gs.mac, guest_bcast, 6);
}

void guest_addr(int af, union inany *a)
{
	*a = af == AF_INET ? gs.seen4 : gs.seen6;
}

void guest_addr_seen(const union inany *a)
{
	if (inany_is_unspec(a) || inany_is_multicast(a))
		return;
	if (inany_is_v4(a)) {
		if (!gs.fixed4)
			gs.seen4 = *a;
	} else if (!IN6_IS_ADDR_LINKLOCAL(&a->a6) && !gs.fixed6) {
		gs.seen6 = *a;		/* link-local sources are not learnt */
	}
}
