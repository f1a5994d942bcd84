// SPDX-License-Identifier: MIT
/* fwd_spec.c - parse port forwarding specs into a port bitmap and targets */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/fwd_spec.h"
#include "lib/util.h"

#define SPEC_LEN_MAX	4096	/* longer arguments are refused */

const char *const fwd_mode_str[FWD_MODE_NUM_] = {
	[FWD_MODE_NONE] = "none", [FWD_MODE_AUTO] = "auto",
	[FWD_MODE_ALL] = "all", [FWD_MODE_LIST] = "list",
};

/**
 * struct spec_state - parsing state for one SPEC
 * @excl:	bitmap of excluded ports
 * @all:	"all" seen
 * @autom:	"auto" seen
 * @incl:	at least one port range included
 * @msg:	caller's message buffer
 * @msglen:	its size
 */
struct spec_state {
	uint8_t excl[FWD_PORTS / 8];
	bool all;
	uint8_t all_tidx;
	bool autom;
	bool incl;
	char *msg;
	size_t msglen;
};

static void bit_set(uint8_t *map, unsigned n)
{
	map[n / 8] |= (uint8_t)(1U << (n % 8));
}

static void bit_clear(uint8_t *map, unsigned n)
{
	map[n / 8] &= (uint8_t)~(1U << (n % 8));
}

static bool bit_test(const uint8_t *map, unsigned n)
{
	return map[n / 8] & (1U << (n % 8));
}

/* Write a reason into the caller's buffer; Return: -EINVAL */
__attribute__((format(printf, 2, 3)))
static int fail(struct spec_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->msg && st->msglen) {
		va_start(ap, fmt);
		vsnprintf(st->msg, st->msglen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/**
 * parse_port() - a decimal port number, 1..65535, at *@p
 * @p:		cursor, advanced past the digits
 * @port:	result
 *
 * Return: 0, or -EINVAL if there are no digits or the value is out of range
 */
static int parse_port(const char **p, unsigned *port)
{
	const char *s = *p;
	unsigned v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s - '0');
		if (++n > 5)
			return -EINVAL;
		s++;
	}
	if (!n || v < 1 || v > 65535)
		return -EINVAL;
	*p = s;
	*port = v;
	return 0;
}

/**
 * parse_range() - PORT ["-" PORT] at *@p, ascending
 * @p:		cursor, advanced past the range
 * @first:	first port
 * @last:	last port (= @first for a single port)
 *
 * Return: 0 or -EINVAL
 */
static int parse_range(const char **p, unsigned *first, unsigned *last)
{
	const char *s = *p;

	if (parse_port(&s, first))
		return -EINVAL;
	*last = *first;
	if (*s == '-') {
		s++;
		if (parse_port(&s, last) || *last < *first)
			return -EINVAL;
	}
	*p = s;
	return 0;
}

/* An address, IPv6 possibly bracketed; Return: 0 or -EINVAL */
static int parse_addr(const char *s, union inany *a)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct in6_addr a6;
	struct in_addr a4;
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']' &&
	    n - 2 < sizeof(buf)) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -EINVAL;
		inany_from_v6(a, &a6);
		return 0;
	}
	if (inet_pton(AF_INET, s, &a4) == 1) {
		inany_from_v4(a, a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		inany_from_v6(a, &a6);
		return 0;
	}
	return -EINVAL;
}

/**
 * parse_prefix() - ADDR, ADDR%IFNAME, %IFNAME or *[%IFNAME] before the '/'
 * @fs:		spec to fill (@has_addr, @addr, @ifname)
 * @st:		state, for messages
 * @pre:	NUL-terminated prefix, modified
 *
 * Return: 0 or -EINVAL
 */
static int parse_prefix(struct fwd_spec *fs, struct spec_state *st, char *pre)
{
	char *pct = strchr(pre, '%');

	if (pct) {
		*pct = '\0';
		if (!pct[1])
			return fail(st, "empty interface name after '%%'");
		if (strlen(pct + 1) >= IFNAMSIZ)
			return fail(st, "interface name '%s' too long",
				    pct + 1);
		if (strchr(pct + 1, '%'))
			return fail(st, "bad interface name '%s'", pct + 1);
		strcpy(fs->ifname, pct + 1);
	}
	if (!*pre) {
		if (!pct)
			return fail(st, "empty address before '/'");
		return 0;
	}
	if (!strcmp(pre, "*"))
		return 0;
	if (parse_addr(pre, &fs->addr))	/* [IPv6] too, as Podman writes */
		return fail(st, "invalid address '%s'", pre);
	fs->has_addr = true;
	return 0;
}

/* TADDR of an item into @fs->taddr; Return: its tidx, or -EINVAL */
static int parse_taddr(struct fwd_spec *fs, struct spec_state *st,
		       const char *s, const char *item)
{
	union inany a;
	unsigned i;

	if (parse_addr(s, &a) || inany_is_unspec(&a) ||
	    inany_is_multicast(&a))
		return fail(st, "invalid target address '%s' in '%s'", s,
			    item);
	if (fs->has_addr && inany_is_v4(&fs->addr) != inany_is_v4(&a))
		return fail(st, "target address '%s' is of another family "
			    "than the listening address (no NAT between them)",
			    s);
	for (i = 0; i < fs->ntaddr; i++) {
		if (inany_equals(&fs->taddr[i], &a))
			return (int)i + 1;
	}
	if (fs->ntaddr == FWD_TADDR_MAX)
		return fail(st, "more than %d target addresses",
			    FWD_TADDR_MAX);
	fs->taddr[fs->ntaddr++] = a;
	return (int)fs->ntaddr;
}

/**
 * parse_include() - PORTS [":" TPORTS]: include ports, set their targets
 * @fs:		spec
 * @st:		state
 * @item:	the item text
 *
 * Return: 0 or -EINVAL
 */
static int parse_include(struct fwd_spec *fs, struct spec_state *st,
			 const char *item)
{
	unsigned first, last, tfirst, tlast, port;
	const char *p = item, *slash;
	int tidx = 0;

	if (parse_range(&p, &first, &last))
		return fail(st, "invalid port or range '%s' (ports are "
			    "1-65535, ranges ascending)", item);
	tfirst = first;
	if (*p == ':') {
		p++;
		slash = strrchr(p, '/');
		if (slash) {	/* TADDR "/" TPORTS */
			char a[INET6_ADDRSTRLEN + 3];

			if ((size_t)(slash - p) >= sizeof(a))
				return fail(st, "invalid target address in "
					    "'%s'", item);
			memcpy(a, p, (size_t)(slash - p));
			a[slash - p] = '\0';
			if ((tidx = parse_taddr(fs, st, a, item)) < 0)
				return tidx;
			p = slash + 1;
		}
		if (parse_range(&p, &tfirst, &tlast))
			return fail(st, "invalid target port or range in '%s'",
				    item);
		if (tlast != tfirst && tlast - tfirst != last - first)
			return fail(st, "ranges of different sizes in '%s'",
				    item);
		if (tfirst + (last - first) > 65535)
			return fail(st, "target range beyond 65535 in '%s'",
				    item);
	}
	if (*p)
		return fail(st, "unexpected '%s' in '%s'", p, item);

	for (port = first; port <= last; port++) {
		if (bit_test(fs->map, port))
			return fail(st, "port %u given twice", port);
		bit_set(fs->map, port);
		fs->delta[port] = (uint16_t)(tfirst - first);
		fs->tidx[port] = (uint8_t)tidx;
	}
	st->incl = true;
	return 0;
}

/**
 * parse_item() - one comma-separated item
 * @fs:		spec
 * @st:		state
 * @item:	NUL-terminated item text
 *
 * Return: 0 or -EINVAL
 */
static int parse_item(struct fwd_spec *fs, struct spec_state *st,
		      const char *item)
{
	unsigned first, last, port;
	const char *p;

	if (!*item)
		return fail(st, "empty item");
	if (!strcmp(item, "none"))
		return fail(st, "'none' can't be combined with other items");
	if (!strcmp(item, "all") || !strncmp(item, "all:", 4)) {
		int tidx = 0;

		if (st->all)
			return fail(st, "'all' given twice");
		if (item[3] && (tidx = parse_taddr(fs, st, item + 4, item)) < 0)
			return tidx;
		st->all = true;
		st->all_tidx = (uint8_t)tidx;
		return 0;
	}
	if (!strcmp(item, "auto")) {
		if (st->autom)
			return fail(st, "'auto' given twice");
		st->autom = true;
		return 0;
	}
	if (*item != '~')
		return parse_include(fs, st, item);

	p = item + 1;
	if (parse_range(&p, &first, &last) || *p)
		return fail(st, "invalid exclusion '%s'", item);
	for (port = first; port <= last; port++)
		bit_set(st->excl, port);
	return 0;
}

/**
 * resolve_mode() - mode from the items seen; fill implicit ports
 * @fs:		spec
 * @st:		state
 *
 * Return: 0 or -EINVAL
 */
static int resolve_mode(struct fwd_spec *fs, struct spec_state *st)
{
	unsigned port;

	if (st->all && st->autom)
		return fail(st, "'all' and 'auto' can't be combined");
	if (st->all && st->incl)
		return fail(st, "'all' can't be combined with ports");

	if (st->autom)
		fs->mode = FWD_MODE_AUTO;
	else if (st->incl)
		fs->mode = FWD_MODE_LIST;
	else
		fs->mode = FWD_MODE_ALL;	/* "all", or exclusions only */

	if (!st->incl) {
		fs->implicit = true;
		for (port = 1; port < FWD_PORTS; port++) {
			bit_set(fs->map, port);
			fs->tidx[port] = st->all_tidx;
		}
	}
	for (port = 1; port < FWD_PORTS; port++) {
		if (bit_test(st->excl, port))
			fwd_spec_exclude(fs, port, port);
	}
	if (!fwd_spec_count(fs))
		return fail(st, "every port is excluded");
	return 0;
}

/* Is @buf up to @slash a PREFIX (an address, "*", with or without %IF,
 * or %IF alone), rather than ports with a target address? */
static bool is_prefix(const char *buf, const char *slash)
{
	char pre[INET6_ADDRSTRLEN + IFNAMSIZ + 4], *pct;
	union inany a;
	size_t n = (size_t)(slash - buf);

	if (n >= sizeof(pre))
		return false;
	memcpy(pre, buf, n);
	pre[n] = '\0';
	if ((pct = strchr(pre, '%')))
		*pct = '\0';
	return (!pre[0] && pct) || !strcmp(pre, "*") || !parse_addr(pre, &a);
}

/**
 * fwd_spec_parse() - parse one forwarding SPEC (see DOC in fwd_spec.h)
 * @fs:		result, fully overwritten
 * @spec:	option argument
 * @msg:	buffer for the reason on failure (may be NULL)
 * @msglen:	its size
 *
 * Return: 0, or -EINVAL with a one-line reason naming the bad part in @msg
 */
int fwd_spec_parse(struct fwd_spec *fs, const char *spec, char *msg,
		   size_t msglen)
{
	struct spec_state st = { .msg = msg, .msglen = msglen };
	char buf[SPEC_LEN_MAX], *rest, *slash, *item, *save;
	int rc;

	memset(fs, 0, sizeof(*fs));

	if (strlen(spec) >= sizeof(buf))
		return fail(&st, "longer than %zu characters", sizeof(buf) - 1);
	strcpy(buf, spec);

	rest = buf;
	slash = strchr(buf, '/');
	if (slash && is_prefix(buf, slash)) {
		*slash = '\0';
		rest = slash + 1;
		if ((rc = parse_prefix(fs, &st, buf)))
			return rc;
	} else if (slash && !strchr(buf, ':')) {
		*slash = '\0';		/* not an address: say so */
		return parse_prefix(fs, &st, buf);
	}
	if (!*rest)
		return fail(&st, "no ports given");
	if (!strcmp(rest, "none")) {
		if (slash)
			return fail(&st, "'none' takes no address or "
				    "interface");
		fs->mode = FWD_MODE_NONE;
		return 0;
	}

	/* strtok_r() would merge empty items: walk commas by hand */
	for (item = rest; item; item = save) {
		save = strchr(item, ',');
		if (save)
			*save++ = '\0';
		if ((rc = parse_item(fs, &st, item)))
			return rc;
	}
	return resolve_mode(fs, &st);
}

/**
 * fwd_spec_exclude() - remove ports @first..@last (e.g. the ephemeral range)
 * @fs:		parsed spec
 * @first:	first port to remove
 * @last:	last port to remove, inclusive (clamped to 65535)
 */
void fwd_spec_exclude(struct fwd_spec *fs, unsigned first, unsigned last)
{
	unsigned port;

	for (port = first; port <= last && port < FWD_PORTS; port++) {
		bit_clear(fs->map, port);
		fs->delta[port] = 0;
	}
}

/**
 * fwd_spec_count() - number of included ports
 * @fs:		parsed spec
 *
 * Return: count, 0 for none
 */
unsigned fwd_spec_count(const struct fwd_spec *fs)
{
	unsigned i, n = 0;

	for (i = 0; i < sizeof(fs->map); i++)
		n += (unsigned)__builtin_popcount(fs->map[i]);
	return n;
}

/* Could listeners of @a and @b collide on one port? */
static bool binds_overlap(const struct fwd_spec *a, const struct fwd_spec *b)
{
	if (a->ifname[0] && b->ifname[0] && strcmp(a->ifname, b->ifname))
		return false;
	if (a->has_addr && b->has_addr && !inany_equals(&a->addr, &b->addr))
		return false;
	return true;
}

/**
 * fwd_spec_overlap() - first port that two specs would both listen on
 * @a:		parsed spec
 * @b:		another parsed spec, of the same kind
 *
 * Specs on different addresses or interfaces don't overlap; a wildcard
 * address or no interface overlaps with anything.
 *
 * Return: the lowest port included by both, or 0 if none
 */
unsigned fwd_spec_overlap(const struct fwd_spec *a, const struct fwd_spec *b)
{
	unsigned i;

	if (!binds_overlap(a, b))
		return 0;
	for (i = 0; i < sizeof(a->map); i++) {
		uint8_t both = a->map[i] & b->map[i];

		if (both)
			return i * 8 + (unsigned)__builtin_ctz(both);
	}
	return 0;
}
