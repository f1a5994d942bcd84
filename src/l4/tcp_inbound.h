/* SPDX-License-Identifier: MIT */
/* tcp_inbound.h - connections accepted on forwarded ports, via the tap */
#ifndef TETHER_TCP_INBOUND_H
#define TETHER_TCP_INBOUND_H

#include <stdint.h>
#include <time.h>

#include "lib/inany.h"
#include "loop.h"

int tcp_inbound_accept(struct loop *lp, int fd, const union inany *peer,
		       uint16_t pport, const union inany *gdst, uint16_t gport);

#endif /* TETHER_TCP_INBOUND_H */
