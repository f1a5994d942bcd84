// SPDX-License-Identifier: MIT
/* fwd_auto.c - "auto" forwarding: follow what is bound on the other side */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd/fwd_int.h"
#include "fwd/procnet.h"
#include "fwd/sockdiag.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"
#include "ns/ns.h"

/*
 * DOC: an "auto" rule listens on a candidate port while its target port
 * is bound on the other side: -t/-u follow the namespace, -T/-U the host.
 * Every FWD_SCAN_MS we list the other side's TCP sockets in LISTEN and,
 * for UDP rules, its unconnected bound UDP sockets as well as the TCP
 * listeners (servers such as iperf3 use both protocols on one port).
 *
 * The lists come from a sock_diag dump (sockdiag.c), which walks only the
 * listening hash for TCP, where /proc/net/tcp walks every connection. The
 * files /proc/net/{tcp,tcp6,udp,udp6} are the fallback, per protocol and
 * family: when the kernel can't do the dump (no inet_diag or udp_diag),
 * for good; after any other error, for that scan (a partial dump plus the
 * file is still the right set: ports are bits). The netlink socket and the
 * files of the namespace were opened from inside it at start-up: using
 * them later needs no namespace switch, and the loop opens nothing.
 *
 * A port bound only because we listen there for the opposite direction
 * must not be forwarded back: both sources give each socket's inode, and
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
 * @diag:	sock_diag socket per side (fd -1 if none)
 * @diag_off:	like @fd: the kernel can't dump these, use the file
 * @need:	side must be scanned
 * @any:	some rule is "auto"
 * @ticks:	scans done
 * @seen_tcp:	per side, ports with a TCP listener (not ours)
 * @seen_udp:	per side, ports with an unconnected UDP socket (not ours)
 * @failed:	per kind, ports that didn't bind recently
 */
static struct fwd_scan {
	int fd[2][2][2];
	struct sockdiag diag[2];
	bool diag_off[2][2][2];
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

/* Open the sock_diag socket and the four files of the side we're on (runs
 * in the netns too): Return: sockdiag_open()'s result */
static int fwd_auto_open(void *arg)
{
	unsigned side = (unsigned)(uintptr_t)arg, u, v6;

	for (u = 0; u < 2; u++) {
		for (v6 = 0; v6 < 2; v6++)
			sc.fd[side][u][v6] = open(procnet_path[u][v6],
						  O_RDONLY | O_CLOEXEC);
	}
	return sockdiag_open(&sc.diag[side]);
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

/* Sockets of one protocol and family by sock_diag; Return: true if done */
static bool fwd_auto_diag(unsigned side, unsigned u, unsigned v6,
			  struct fwd_scan_arg *a)
{
	struct sockdiag_want w = {
		.family = v6 ? AF_INET6 : AF_INET,
		.state = u ? PROCNET_UDP_UNCONN : PROCNET_TCP_LISTEN,
		.fn = fwd_seen, .arg = a,
	};
	int rc;

	if (sc.diag[side].fd < 0 || sc.diag_off[side][u][v6])
		return false;
	rc = sockdiag_dump(&sc.diag[side], u ? IPPROTO_UDP : IPPROTO_TCP, &w);
	if (w.bad)
		debug_rl("auto: %u malformed sock_diag messages dropped",
			 w.bad);
	if (!rc)
		return true;
	if (sockdiag_missing(rc)) {
		static bool told;

		sc.diag_off[side][u][v6] = true;
		if (!told)
			info("auto forwarding: this kernel can't list %s "
			     "sockets through sock_diag (%s): reading %s",
			     u ? "UDP" : "TCP", strerror(-rc),
			     procnet_path[u][v6]);
		else
			debug("auto forwarding: no sock_diag for %s, reading "
			      "%s", side ? "the namespace" : "the host",
			      procnet_path[u][v6]);
		told = true;
	} else {
		warn_rl("auto forwarding: sock_diag dump failed: %s",
			strerror(-rc));
	}
	return false;
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

			if (fwd_auto_diag(side, u, v6, &a) || fd < 0)
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
static void fwd_auto_rule(struct loop *lp, unsigned kind, unsigned rule)
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
				if (fwd_listen(lp, kind, rule, port, FWD_IMPLICIT))
					bit_set(sc.failed[kind], port);
				else
					debug("auto: %s port %u forwarded",
					      fwd_opt_name(kind), port);
			} else if (!want && have) {
				fwd_unlisten(lp, kind, rule, port);
				debug("auto: %s port %u released",
				      fwd_opt_name(kind), port);
			}
		}
	}
}

/**
 * fwd_auto_scan() - read the tables, follow them (periodic)
 * @lp:		the loop
 */
void fwd_auto_scan(struct loop *lp)
{
	unsigned side, k;
	int i;

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
		for (i = 0; i < fwd.rules->n[k]; i++) {
			if (fwd_rule(k, (unsigned)i)->mode == FWD_MODE_AUTO)
				fwd_auto_rule(lp, k, (unsigned)i);
		}
	}
}

/**
 * fwd_auto_init() - open the /proc/net files "auto" rules need, first scan
 */
void fwd_auto_init(struct loop *lp)
{
	unsigned k, side;
	int i;

	memset(sc.fd, -1, sizeof(sc.fd));
	sc.diag[FWD_SIDE_HOST].fd = sc.diag[FWD_SIDE_NS].fd = -1;
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		if (fwd_kind_ns(k) && !fwd.splice)
			continue;
		for (i = 0; i < fwd.rules->n[k]; i++) {
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
			rc = ns_call(fwd_auto_open, (void *)(uintptr_t)side);
		else
			rc = fwd_auto_open((void *)(uintptr_t)side);
		if (rc < 0 && sc.fd[side][0][0] < 0)
			warn("auto forwarding: can't list %s's TCP listeners: "
			     "no sock_diag (%s), no /proc/net/tcp",
			     side ? "the namespace" : "the host",
			     strerror(-rc));
		else if (rc < 0)
			debug("auto forwarding: no sock_diag on %s (%s), "
			      "reading /proc/net", side ? "the namespace" :
			      "the host", strerror(-rc));
	}
	fwd_auto_scan(lp);
}
