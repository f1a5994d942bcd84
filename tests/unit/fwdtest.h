/* SPDX-License-Identifier: MIT */
/* fwdtest.h - what the port scanners' unit tests share: a callback that
 * records the (port, inode) pairs a scan reports */
#ifndef TETHER_FWDTEST_H
#define TETHER_FWDTEST_H

#include <stdint.h>

#define SEEN_MAX	64

/* What the last scan reported; @n counts past SEEN_MAX too */
static struct {
	uint16_t port[SEEN_MAX];
	uint32_t ino[SEEN_MAX];
	int n;
} seen;

static void cb(uint16_t port, uint32_t ino, void *arg)
{
	(void)arg;
	if (seen.n < SEEN_MAX) {
		seen.port[seen.n] = port;
		seen.ino[seen.n] = ino;
	}
	seen.n++;
}

#endif /* TETHER_FWDTEST_H */
