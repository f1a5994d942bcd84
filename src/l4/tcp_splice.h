/* SPDX-License-Identifier: MIT */
/* tcp_splice.h - loopback fast path: two sockets joined by splice(2) */
#ifndef TETHER_TCP_SPLICE_H
#define TETHER_TCP_SPLICE_H

#include <stdint.h>

#include "lib/inany.h"
#include "loop.h"

void tcp_splice_init(struct loop *lp);
int tcp_splice_new(struct loop *lp, int fd, const union inany *peer,
		   uint16_t pport, int tfd,
		   const union inany *dst, uint16_t port);

#endif /* TETHER_TCP_SPLICE_H */
