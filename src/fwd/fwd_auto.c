// SPDX-License-Identifier: MIT
/* fwd_auto.c - "auto" forwarding: follow what is bound on the other side */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fwd/fwd_int.h"
#include "fwd/procnet.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"
#include "ns/ns.h"

/*
 * DOC: an "auto" rule listens on a candidate port while its target port
 * is bound on the other side: -t/-u follow the namespace, -T/-U the host.
 * Every FWD_SCAN_MS we read the other side's /proc/net/{tcp,tcp6} (TCP
 * sockets in LISTEN) and, for UDP rules, {udp,udp6} (unconnected bound
 * sockets) as well as the TCP listeners (servers such as iperf3 use both
 * protocols on one port). Files of the namespace were opened from inside
 * it at start-up: reading them later needs no namespace switch.
 *
 * A port bound only because we listen there for the opposite direction
 * must not be forwarded back: /proc/net gives each socket's inode, and
 * sockets that are our own listeners (fwd_is_ours()) are skipped. A port
 * that fails to bind is not tried again for FWD_RETRY_TICKS scans.
 */

#define FWD_RETRY_TICKS	20	/* scans before retrying failed ports */
#define FWD_SIDE_HOST	0
#define FWD_SIDE_NS	1

/**
 * struct fwd_scan_arg - what the /proc/net callback needs to know
 * @side:	FWD_SIDE_HOST or FWD_SIDE_NS
 * @udp:	the file lists UDP sockets
 */
struct fwd_scan_arg {
	unsigned side;
	bool udp;
};

/**
 * struct fwd_scan - scanner state
 * @fd:		/proc/net files per side, [0] TCP, [1] UDP, then [v6]; -1
 * @need:	side must be scanned
 * @any:	some rule is "auto"
 * @ticks:	scans done
 * @seen_tcp:	per side, ports with a TCP listener (not ours)
 * @seen_udp:	per side, ports with an unconnected UDP socket (not ours)
 * @failed:	per kind, ports that didn't bind recently
 */
static struct fwd_scan {
	int fd[2][2][2];
	bool need[2];
	bool any;
	unsigned ticks;
	uint8_t seen_tcp[2][FWD_PORTS / 8];
	uint8_t seen_udp[2][FWD_PORTS / 8];
	uint8_t failed[FWD_KIND_NUM_][FWD_PORTS / 8];
} sc;

static const char *const procnet_path[2][2] = {
	{ "/proc/net/tcp", "/proc/net/tcp6" },
	{ "/proc/net/udp", "/proc/net/udp6" },
};

static bool bit_get(const uint8_t *m, unsigned n)
{
	return m[n / 8] & (1U << (n % 8));
}

static void bit_set(uint8_t *m, unsigned n)
{
	m[n / 8] |= (uint8_t)(1U << (n % 8));
}

/* Open the four files of the side we're on (runs in the netns too) */
static int fwd_auto_open(void *arg)
{
	int (*fd)[2] = arg;
	unsigned u, v6;

	for (u = 0; u < 2; u++) {
		for (v6 = 0; v6 < 2; v6++)
			fd[u][v6] = open(procnet_path[u][v6],
					 O_RDONLY | O_CLOEXEC);
	}
	return 0;
}

/* A bound socket in the other side's table */
static void fwd_seen(uint16_t port, uint32_t ino, void *arg)
{
	const struct fwd_scan_arg *a = arg;
	unsigned ours;

	if (a->side == FWD_SIDE_NS)
		ours = a->udp ? FWD_UDP_OUT : FWD_TCP_OUT;
	else
		ours = a->udp ? FWD_UDP_IN : FWD_TCP_IN;
	if (fwd_is_ours(ours, port, ino))
		return;
	bit_set(a->udp ? sc.seen_udp[a->side] : sc.seen_tcp[a->side], port);
}

static void fwd_auto_read(unsigned side)
{
	unsigned u, v6;

	memset(sc.seen_tcp[side], 0, sizeof(sc.seen_tcp[side]));
	memset(sc.seen_udp[side], 0, sizeof(sc.seen_udp[side]));
	for (u = 0; u < 2; u++) {
		struct fwd_scan_arg a = { .side = side, .udp = u };

		for (v6 = 0; v6 < 2; v6++) {
			int fd = sc.fd[side][u][v6], rc;

			if (fd < 0)
				continue;
			rc = procnet_scan(fd, u ? PROCNET_UDP_UNCONN :
					  PROCNET_TCP_LISTEN, fwd_seen, &a);
			if (rc)
				warn_rl("can't read %s: %s",
					procnet_path[u][v6], strerror(-rc));
		}
	}
}

/* Open or close listeners of one "auto" rule to match the scan */
static void fwd_auto_rule(unsigned kind, unsigned rule)
{
	unsigned side = fwd_kind_ns(kind) ? FWD_SIDE_HOST : FWD_SIDE_NS;
	const struct fwd_spec *fs = fwd_rule(kind, rule);
	const uint8_t *tcp = sc.seen_tcp[side], *udp = sc.seen_udp[side];
	unsigned byte, bit;

	for (byte = 0; byte < FWD_PORTS / 8; byte++) {
		if (!fs->map[byte])
			continue;
		for (bit = 0; bit < 8; bit++) {
			uint16_t port = (uint16_t)(byte * 8 + bit), t;
			bool want, have;

			if (!port || !(fs->map[byte] & (1U << bit)))
				continue;
			t = fwd_spec_target(fs, port);
			want = bit_get(tcp, t) ||
			       (fwd_kind_udp(kind) && bit_get(udp, t));
			have = fwd_listening(kind, rule, port);
			if (want && !have && !bit_get(sc.failed[kind], port)) {
				if (fwd_listen(kind, rule, port, false))
					bit_set(sc.failed[kind], port);
				else
					debug("auto: %s port %u forwarded",
					      fwd_opt_name(kind), port);
			} else if (!want && have) {
				fwd_unlisten(kind, rule, port);
				debug("auto: %s port %u released",
				      fwd_opt_name(kind), port);
			}
		}
	}
}

/**
 * fwd_auto_scan() - read the tables, follow them (periodic)
 * @now:	current time
 */
void fwd_auto_scan(const struct timespec *now)
{
	unsigned side, k;
	int i;

	(void)now;
	if (!sc.any)
		return;
	if (++sc.ticks % FWD_RETRY_TICKS == 0)
		memset(sc.failed, 0, sizeof(sc.failed));
	for (side = 0; side < 2; side++) {
		if (sc.need[side])
			fwd_auto_read(side);
	}
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		if (fwd_kind_ns(k) && !fwd.splice)
			continue;
		for (i = 0; i < fwd.c->fwd.n[k]; i++) {
			if (fwd_rule(k, (unsigned)i)->mode == FWD_MODE_AUTO)
				fwd_auto_rule(k, (unsigned)i);
		}
	}
}

/**
 * fwd_auto_init() - open the /proc/net files "auto" rules need, first scan
 */
void fwd_auto_init(void)
{
	unsigned k, side;
	int i;

	memset(sc.fd, -1, sizeof(sc.fd));
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		if (fwd_kind_ns(k) && !fwd.splice)
			continue;
		for (i = 0; i < fwd.c->fwd.n[k]; i++) {
			if (fwd_rule(k, (unsigned)i)->mode != FWD_MODE_AUTO)
				continue;
			sc.any = true;
			sc.need[fwd_kind_ns(k) ? FWD_SIDE_HOST :
						 FWD_SIDE_NS] = true;
		}
	}
	if (!sc.any || !fwd.pasta)
		return;
	for (side = 0; side < 2; side++) {
		int rc;

		if (!sc.need[side])
			continue;
		if (side == FWD_SIDE_NS)
			rc = ns_call(fwd_auto_open, sc.fd[side]);
		else
			rc = fwd_auto_open(sc.fd[side]);
		if (rc < 0 || sc.fd[side][0][0] < 0)
			warn("auto forwarding: can't read %s's /proc/net/tcp: "
			     "%s", side ? "the namespace" : "the host",
			     strerror(rc < 0 ? -rc : errno));
	}
	fwd_auto_scan(loop_now());
}
