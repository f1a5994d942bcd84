/* SPDX-License-Identifier: MIT */
/* fwd_spec.h - port forwarding specs (-t -u -T -U): parsed, not applied */
#ifndef TETHER_FWD_SPEC_H
#define TETHER_FWD_SPEC_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/inany.h"

/*
 * DOC: grammar of one SPEC (one option argument)
 *
 *   SPEC   := "none" | [PREFIX "/"] ITEM { "," ITEM }
 *   PREFIX := ADDR | ADDR "%" IFNAME | "%" IFNAME | "*" ["%" IFNAME]
 *   ITEM   := "all" [":" TADDR] | "auto" | PORTS [":" [TADDR "/"] TPORTS]
 *           | "~" PORTS
 *   PORTS  := PORT ["-" PORT]          (ascending, 1..65535)
 *   TPORTS := PORT ["-" PORT]          (same size as PORTS when a range)
 *   TADDR  := an address on the other side to send to (instead of the
 *             guest's own), IPv6 with or without brackets
 *
 * PREFIX ends at the first '/' if what comes before it is an address,
 * "*", "%IF" or one of those with "%IF" (so "::1/8080" needs no brackets,
 * and "8080:10.0.0.2/80" has no PREFIX); IPv6 may be bracketed
 * ("[::]/8080", as Podman writes it). Exclusions ("~") win over inclusions wherever they appear.
 * "all", or exclusions alone, include every port but the excluded ones;
 * "auto" alone does the same, and with port ranges only those are
 * candidates. For such implicit specs (@implicit) the caller removes the
 * host's ephemeral range with fwd_spec_exclude(). A port may be included
 * only once within a spec.
 */

#define FWD_PORTS	65536
#define FWD_TADDR_MAX	16	/* target addresses in one spec */

enum fwd_mode {
	FWD_MODE_NONE,	/* nothing forwarded */
	FWD_MODE_AUTO,	/* candidate ports, forwarded while bound on the
			 * other side (scanned) */
	FWD_MODE_ALL,	/* every included port; a port that can't be bound
			 * is skipped */
	FWD_MODE_LIST,	/* explicit ports; every bind must succeed */
	FWD_MODE_NUM_,
};

extern const char *const fwd_mode_str[FWD_MODE_NUM_];

/**
 * struct fwd_spec - one parsed SPEC
 * @mode:	see enum fwd_mode
 * @implicit:	ports were not listed: "every port" minus exclusions
 * @has_addr:	bind to @addr (otherwise the wildcard of enabled families)
 * @addr:	listening address
 * @ifname:	SO_BINDTODEVICE for listeners ("" for none)
 * @map:	bitmap of included ports, bit n: map[n / 8] & (1 << (n % 8))
 * @delta:	target port = port + delta[port] (mod 65536)
 * @tidx:	target address of a port: 0 the guest's own, else
 *		@taddr[tidx - 1]
 * @taddr:	target addresses given (TADDR)
 * @ntaddr:	how many
 */
struct fwd_spec {
	enum fwd_mode mode;
	bool implicit;
	bool has_addr;
	union inany addr;
	char ifname[IFNAMSIZ];
	uint8_t map[FWD_PORTS / 8];
	uint16_t delta[FWD_PORTS];
	uint8_t tidx[FWD_PORTS];
	union inany taddr[FWD_TADDR_MAX];
	unsigned ntaddr;
};

int fwd_spec_parse(struct fwd_spec *fs, const char *spec, char *msg,
		   size_t msglen);
void fwd_spec_exclude(struct fwd_spec *fs, unsigned first, unsigned last);
unsigned fwd_spec_count(const struct fwd_spec *fs);
unsigned fwd_spec_overlap(const struct fwd_spec *a, const struct fwd_spec *b);

/**
 * fwd_spec_has() - is @port included by @fs?
 * @fs:		parsed spec
 * @port:	port number
 *
 * Return: true if @port is forwarded (or, for auto, a candidate)
 */
static inline bool fwd_spec_has(const struct fwd_spec *fs, uint16_t port)
{
	return fs->map[port / 8] & (1U << (port % 8));
}

/**
 * fwd_spec_target() - port on the other side for @port
 * @fs:		parsed spec
 * @port:	included port
 *
 * Return: the target port
 */
static inline uint16_t fwd_spec_target(const struct fwd_spec *fs,
				       uint16_t port)
{
	return (uint16_t)(port + fs->delta[port]);
}

/**
 * fwd_spec_taddr() - where @port goes: an address given, or the guest's
 * @fs:		parsed spec
 * @port:	included port
 *
 * Return: the target address, NULL for the guest's own
 */
static inline const union inany *fwd_spec_taddr(const struct fwd_spec *fs,
						uint16_t port)
{
	return fs->tidx[port] ? &fs->taddr[fs->tidx[port] - 1] : NULL;
}

#endif /* TETHER_FWD_SPEC_H */
