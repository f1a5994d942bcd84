/* SPDX-License-Identifier: MIT */
/* tcp_splice.h - loopback fast path: two sockets joined by splice(2) */
#ifndef TETHER_TCP_SPLICE_H
#define TETHER_TCP_SPLICE_H

#include <stdint.h>

#include "lib/inany.h"

void tcp_splice_init(void);
int tcp_splice_new(int fd, const union inany *peer, uint16_t pport, int tfd,
		   const union inany *dst, uint16_t port);

#endif /* TETHER_TCP_SPLICE_H */
