/* SPDX-License-Identifier: MIT */
/* guest.h - what we know of the guest: its MAC and addresses, as learnt
 * from the frames it sends (or fixed by the configuration) */
#ifndef TETHER_GUEST_H
#define TETHER_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "lib/inany.h"

/* guest_init() - first guesses: the configured (host's) addresses, MAC
 * unknown (broadcast); -a pins an address against learning */
void guest_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6);
/*
 * guest_addrs_moved() - following the host: the guest is given (or will
 * take at its next DHCP renewal) the host's new addresses; take them as
 * its own until it is seen using others
 */
void guest_addrs_moved(const struct conf_ip4 *ip4,
		       const struct conf_ip6 *ip6);

/* guest_mac_set() - the guest's MAC, as its frames' source says */
void guest_mac_set(const uint8_t mac[6]);
/* guest_mac() - its MAC into @mac, broadcast until one is known */
void guest_mac(uint8_t mac[6]);
/* guest_mac_is() - is @mac the guest's? */
bool guest_mac_is(const uint8_t mac[6]);

/* guest_addr() - the guest's address of family @af (observed or set) */
void guest_addr(int af, union inany *a);
/* guest_addr_seen() - ingress saw the guest use @a as source */
void guest_addr_seen(const union inany *a);

/* guest_forget() - a new peer behind the link: its MAC is unknown again
 * (addresses stay: a new QEMU client is still configured for them) */
void guest_forget(void);

#endif /* TETHER_GUEST_H */
