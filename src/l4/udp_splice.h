/* SPDX-License-Identifier: MIT */
/* udp_splice.h - loopback UDP forwarding, socket to socket */
#ifndef TETHER_UDP_SPLICE_H
#define TETHER_UDP_SPLICE_H

#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

#include "l4/udp_inbound.h"
#include "lib/inany.h"
#include "loop.h"

void udp_splice_init(void);
void udp_splice_send(const struct udp_fwd *f, const union inany *peer,
		     uint16_t pport, const struct iovec *iov, int n,
		     const struct timespec *now);
void udp_splice_sock_handler(union ep_ref ref, uint32_t events,
			     const struct timespec *now);
void udp_splice_listener_gone(uint32_t lidx);

#endif /* TETHER_UDP_SPLICE_H */
