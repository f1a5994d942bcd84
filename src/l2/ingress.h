/* SPDX-License-Identifier: MIT */
/* ingress.h - validate guest frames and sort them to L2 services and L4 */
#ifndef TETHER_INGRESS_H
#define TETHER_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "l2/pkt.h"
#include "link/frame.h"
#include "loop.h"

void ingress_init(struct loop *lp, const struct conf_ip4 *ip4,
		  const struct conf_ip6 *ip6);
/* ingress_conf_set() - the families served and DHCP's addresses, again
 * (following the host) */
void ingress_conf_set(struct loop *lp, const struct conf_ip4 *ip4,
		      const struct conf_ip6 *ip6);

/*
 * The translators, registered at start-up (by main): @n packets of one
 * flow, in order (TCP, UDP: same addresses and ports, consecutive in the
 * batch; ICMP: one at a time). Packets of a kind with no translator are
 * dropped, counted as "service off".
 */
typedef void ingress_l4_fn(struct loop *lp, const struct pkt *p, int n);
enum ingress_l4 {
	INGRESS_TCP,
	INGRESS_UDP,
	INGRESS_ICMP,		/* ICMP and ICMPv6 that isn't NDP */
	INGRESS_L4_NUM_,
};
void ingress_register(struct loop *lp, enum ingress_l4 which,
		      ingress_l4_fn *fn);
/*
 * ingress_batch() - handle @n frames read in one wake-up. Consecutive
 * TCP (and UDP) packets of the same flow are handed to the translator
 * together, so one connection's burst becomes one sendmsg().
 */
void ingress_batch(struct loop *lp, const struct frame *f, int n);
/*
 * ingress_pass_on() - for translators: @n packets of no flow of @lp's, that
 * would not open one here, go to the next loop (see ingress.c).
 * Return: true if they went (or were dropped on the way), false if every
 * loop had them already, or there is one loop: handle them here
 */
bool ingress_pass_on(struct loop *lp, const struct pkt *p, int n);

#endif /* TETHER_INGRESS_H */
