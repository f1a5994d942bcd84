/* SPDX-License-Identifier: MIT */
/* sockdiag.h - bound ports through NETLINK_SOCK_DIAG (inet_diag, udp_diag) */
#ifndef TETHER_SOCKDIAG_H
#define TETHER_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd/procnet.h"

/**
 * struct sockdiag - one sock_diag socket: it sees its own netns only
 * @fd:		netlink socket, -1 if none
 * @seq:	sequence number of the last request
 * @dirty:	a dump was left unfinished: drain before the next request
 */
struct sockdiag {
	int fd;
	uint32_t seq;
	bool dirty;
};

/**
 * struct sockdiag_want - what a dump is for, and where its sockets go
 * @family:	AF_INET or AF_INET6 (the request's, checked in each reply)
 * @state:	PROCNET_TCP_LISTEN or PROCNET_UDP_UNCONN (TCP states)
 * @fn:		called with port and inode of each socket in @state
 * @arg:	for @fn
 * @bad:	messages dropped as malformed or unexpected
 */
struct sockdiag_want {
	uint8_t family;
	uint8_t state;
	procnet_fn fn;
	void *arg;
	unsigned bad;
};

int sockdiag_open(struct sockdiag *d);
void sockdiag_close(struct sockdiag *d);
int sockdiag_parse(const void *buf, size_t len, uint32_t seq,
		   struct sockdiag_want *w);
int sockdiag_dump(struct sockdiag *d, int proto, struct sockdiag_want *w);
bool sockdiag_missing(int rc);

#endif /* TETHER_SOCKDIAG_H */
