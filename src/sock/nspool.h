/* SPDX-License-Identifier: MIT */
/* nspool.h - sockets opened inside pasta's namespace ahead of need */
#ifndef TETHER_NSPOOL_H
#define TETHER_NSPOOL_H

#include <stdbool.h>

/*
 * DOC: a socket belongs to the network namespace it was created in, and
 * only creating it needs us there: bind(), connect() and listen() work
 * from anywhere. Entering the namespace costs a clone() (ns_call()), so
 * sockets for new spliced connections come from small pools, refilled
 * once a second by nspool_refill(), and callers that need many at once
 * (listeners) get them in one call with nspool_open().
 */

void nspool_init(bool tcp4, bool tcp6, bool udp4, bool udp6);
int nspool_get(int af, int type);
int nspool_open(int af, int type, int *fds, int n);
void nspool_refill(void);

#endif /* TETHER_NSPOOL_H */
