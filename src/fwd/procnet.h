/* SPDX-License-Identifier: MIT */
/* procnet.h - read bound ports from /proc/net/{tcp,tcp6,udp,udp6} */
#ifndef TETHER_PROCNET_H
#define TETHER_PROCNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROCNET_TCP_LISTEN	0x0a	/* TCP_LISTEN in the "st" column */
#define PROCNET_UDP_UNCONN	0x07	/* TCP_CLOSE: bound, not connected */

/* Called for every socket in the state that matters (listening TCP,
 * unconnected UDP) with its local port and inode */
typedef void (*procnet_fn)(uint16_t port, uint32_t ino, void *arg);

/**
 * struct procnet_parser - line assembly across reads
 * @line:	current line so far
 * @len:	bytes in @line
 * @lineno:	lines completed (the first one is the header)
 * @overflow:	the current line is too long: ignore it
 */
struct procnet_parser {
	char line[256];
	size_t len;
	unsigned lineno;
	bool overflow;
};

bool procnet_line(const char *line, size_t len, uint16_t *port,
		  unsigned *state, uint32_t *ino);
void procnet_feed(struct procnet_parser *p, const char *buf, size_t n,
		  unsigned state, procnet_fn fn, void *arg);
int procnet_scan(int fd, unsigned state, procnet_fn fn, void *arg);

#endif /* TETHER_PROCNET_H */
