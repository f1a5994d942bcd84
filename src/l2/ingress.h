/* SPDX-License-Identifier: MIT */
/* ingress.h - validate guest frames and sort them to L2 services and L4 */
#ifndef TETHER_INGRESS_H
#define TETHER_INGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"

/**
 * struct frame - one received frame, as the link back-end delivered it
 * @data:	Ethernet header onward
 * @len:	bytes
 * @csum_ok:	the link vouches for L4 checksums (offload); else verify
 * @gso_udp:	the link says the frame is UDP GSO (many datagrams behind
 *		one header): their payload size, 0 if not (ingress checks)
 */
struct frame {
	const uint8_t *data;
	size_t len;
	int csum_ok;
	uint16_t gso_udp;
};

void ingress_init(const struct conf *c);
/*
 * ingress_batch() - handle @n frames read in one wake-up. Consecutive
 * TCP (and UDP) packets of the same flow are handed to the translator
 * together, so one connection's burst becomes one sendmsg().
 */
void ingress_batch(const struct frame *f, int n, const struct timespec *now);

#endif /* TETHER_INGRESS_H */
