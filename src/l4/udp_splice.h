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

void udp_splice_init(struct loop *lp);
void udp_splice_send(struct loop *lp, const struct udp_fwd *f,
		     const union inany *peer,
		     uint16_t pport, const struct iovec *iov, int n);
void udp_splice_sock_handler(struct loop *lp, union ep_ref ref,
			     uint32_t events);
void udp_splice_listener_gone(struct loop *lp, uint32_t lidx);

#endif /* TETHER_UDP_SPLICE_H */
