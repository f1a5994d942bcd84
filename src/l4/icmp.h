/* SPDX-License-Identifier: MIT */
/* icmp.h - ICMP/ICMPv6 echo through ping sockets; errors toward the guest */
#ifndef TETHER_ICMP_H
#define TETHER_ICMP_H

#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "loop.h"

void icmp_init(struct loop *lp, const struct conf_ip6 *ip6,
	       const struct conf_svc *svc);
/* icmp_scope6_set() - following the host: the interface link-local IPv6
 * destinations are reached through (0: none) */
void icmp_scope6_set(struct loop *lp, unsigned ifindex);
/* icmp_from_tap() - an ICMP or ICMPv6 packet that is not NDP */
void icmp_from_tap(struct loop *lp, const struct pkt *p, int n);

/*
 * icmp_error_to_tap() - tell the guest that its packet @orig (the IP
 * header onward, @orig_len bytes, as the guest sent it) failed: ICMP
 * type/code for IPv4 (e.g. 3/3 port unreachable) or ICMPv6 type/code for
 * IPv6 (1/4), sent from @from (the guest-side peer address, or our own).
 * Quotes as much of @orig as fits (RFC 792, RFC 4443 2.4(c)); rate-limited.
 */
void icmp_error_to_tap(struct loop *lp, const union inany *from, uint8_t type,
		       uint8_t code,
		       uint32_t info, const uint8_t *orig, size_t orig_len);

/*
 * icmp_refuse_to_tap() - tell the guest that tether can't take the new
 * flow its packet @p starts (no fd left, or the table full): destination
 * unreachable, "administratively prohibited" (ICMP 3/13, ICMPv6 1/1),
 * from the address it sent to; rate-limited as icmp_error_to_tap()
 */
void icmp_refuse_to_tap(struct loop *lp, const struct pkt *p);

#endif /* TETHER_ICMP_H */
