// SPDX-License-Identifier: MIT
/* dhcpv6.c - DHCPv6 server for the single guest: the host's own address */

/**
 * DOC: Theory of operation
 *
 * Like the DHCPv4 server, stateless with a single binding: the one IA_NA
 * address we give is the host's global address (c->ip6.addr), with
 * infinite lifetimes, so the guest ends up with it as a /128 next to what
 * SLAAC makes from the Router Advertisement's prefix. RFC 8415 section 16
 * says which messages to drop; then:
 *
 *   SOLICIT                  -> ADVERTISE (REPLY with Rapid Commit, 14)
 *   REQUEST, RENEW, REBIND   -> REPLY with the address
 *   CONFIRM                  -> REPLY: Success, or NotOnLink if an
 *                               address isn't in our prefix
 *   INFORMATION-REQUEST      -> REPLY with DNS and domains only
 *   RELEASE                  -> REPLY: Success (nothing to release)
 *   DECLINE and the rest     -> ignored
 *
 * Replies carry our DUID (DUID-LL from our MAC), the client's DUID
 * echoed, DNS servers (23) and the domain search list (24) when
 * configured, and the FQDN (39) with --fqdn. They go from our link-local
 * address to the client's source, port 546, to the MAC it came from.
 *
 * The guest is untrusted: every option header and length is checked
 * against the enclosing one before use.
 */

#include <errno.h>
#include <string.h>

#include "l2/dhcp.h"
#include "l2/dhcpv6.h"
#include "l2/egress.h"
#include "lib/log.h"
#include "lib/util.h"

enum dhcpv6_msg {
	SOLICIT = 1, ADVERTISE, REQUEST, CONFIRM, RENEW, REBIND, REPLY,
	RELEASE, DECLINE, RECONFIGURE, INFORMATION_REQUEST,
};

enum dhcpv6_opt {
	OPT_CLIENTID = 1, OPT_SERVERID = 2, OPT_IA_NA = 3, OPT_IAADDR = 5,
	OPT_PREFERENCE = 7, OPT_STATUS = 13, OPT_RAPID_COMMIT = 14,
	OPT_DNS = 23, OPT_DOMAINS = 24, OPT_FQDN = 39,
};

enum dhcpv6_status {
	ST_SUCCESS = 0, ST_NO_ADDRS = 2, ST_NOT_ON_LINK = 4,
};

#define D6_HDR_LEN	4	/* message type, transaction id */
#define D6_OPT_HDR	4	/* option code, length */
#define D6_IA_NA_LEN	12	/* IAID, T1, T2 */
#define D6_IAADDR_LEN	24	/* address, preferred, valid */
#define D6_DUID_MAX	130	/* RFC 8415 11.1: type + 128 bytes */
#define D6_IA_MAX	4	/* IA_NAs answered per message */
#define D6_ADDR_MAX	4	/* stale addresses returned per IA */
#define D6_INFINITY	0xffffffff
#define D6_UDP_HDR	8

/**
 * struct d6_opt - an option inside a checked range
 * @code:	option code
 * @v:		value
 * @len:	value length, within the enclosing range
 */
struct d6_opt {
	uint16_t code;
	const uint8_t *v;
	size_t len;
};

/**
 * struct d6_req - what we use from a message, after validation
 * @type:	message type
 * @xid:	transaction id (3 bytes)
 * @client_id:	Client Identifier (1), or @client_id_len 0
 * @server_id:	Server Identifier (2), or @server_id_len 0
 * @ia:		IA_NA options (3), the first D6_IA_MAX
 * @n_ia:	how many
 * @rapid:	Rapid Commit (14) present
 */
struct d6_req {
	int type;
	const uint8_t *xid;
	const uint8_t *client_id;
	size_t client_id_len;
	const uint8_t *server_id;
	size_t server_id_len;
	struct d6_opt ia[D6_IA_MAX];
	int n_ia;
	bool rapid;
};

/**
 * struct d6_out - reply being written
 * @p:		start of the DHCPv6 message
 * @len:	bytes written
 * @cap:	room
 */
struct d6_out {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static struct {
	const struct conf_ip6 *ip6;	/* read-only after start-up */
	const struct conf_svc *svc;
	bool ready;
	uint8_t duid[10];
} d6;

/**
 * dhcpv6_init() - keep the configuration, make our DUID
 * @c:		configuration, read-only after start-up
 */
void dhcpv6_init(const struct conf *c)
{
	memset(&d6, 0, sizeof(d6));
	d6.ip6 = &c->ip6;
	d6.svc = &c->svc;
	d6.ready = c->svc.dhcpv6 && c->ip6.enabled;
	wr16(d6.duid, 3);		/* DUID-LL, RFC 8415 11.4 */
	wr16(d6.duid + 2, 1);		/* Ethernet */
	memcpy(d6.duid + 4, c->link.our_mac, 6);
}

/*
 * Next option in [*pos, end): Return: true with @o filled, false at the
 * end; *bad set if an option runs past @end
 */
static bool d6_next(const uint8_t **pos, const uint8_t *end,
		    struct d6_opt *o, bool *bad)
{
	const uint8_t *p = *pos;
	size_t len;

	if (p >= end)
		return false;
	if ((size_t)(end - p) < D6_OPT_HDR) {
		*bad = true;
		return false;
	}
	len = rd16(p + 2);
	if (len > (size_t)(end - p) - D6_OPT_HDR) {
		*bad = true;
		return false;
	}
	o->code = rd16(p);
	o->v = p + D6_OPT_HDR;
	o->len = len;
	*pos = p + D6_OPT_HDR + len;
	return true;
}

/* Read the top-level options; Return: 0, -EINVAL if malformed */
static int d6_parse(const uint8_t *m, size_t len, struct d6_req *rq)
{
	const uint8_t *pos = m + D6_HDR_LEN, *end = m + len;
	struct d6_opt o;
	bool bad = false;

	memset(rq, 0, sizeof(*rq));
	rq->type = m[0];
	rq->xid = m + 1;
	while (d6_next(&pos, end, &o, &bad)) {
		switch (o.code) {
		case OPT_CLIENTID:
			if (!o.len || o.len > D6_DUID_MAX || rq->client_id)
				return -EINVAL;
			rq->client_id = o.v;
			rq->client_id_len = o.len;
			break;
		case OPT_SERVERID:
			if (!o.len || o.len > D6_DUID_MAX || rq->server_id)
				return -EINVAL;
			rq->server_id = o.v;
			rq->server_id_len = o.len;
			break;
		case OPT_IA_NA:
			if (o.len < D6_IA_NA_LEN)
				return -EINVAL;
			if (rq->n_ia < D6_IA_MAX)
				rq->ia[rq->n_ia++] = o;
			break;
		case OPT_RAPID_COMMIT:
			rq->rapid = true;
			break;
		}
	}
	return bad ? -EINVAL : 0;
}

static bool d6_server_id_is_ours(const struct d6_req *rq)
{
	return rq->server_id_len == sizeof(d6.duid) &&
	       !memcmp(rq->server_id, d6.duid, sizeof(d6.duid));
}

/* RFC 8415 16: should we process this message at all? */
static bool d6_acceptable(const struct d6_req *rq)
{
	switch (rq->type) {
	case SOLICIT:
	case CONFIRM:
	case REBIND:
		return rq->client_id && !rq->server_id;
	case REQUEST:
	case RENEW:
	case RELEASE:
		return rq->client_id && d6_server_id_is_ours(rq);
	case INFORMATION_REQUEST:
		return !rq->server_id || d6_server_id_is_ours(rq);
	default:
		return false;
	}
}

/* Append an option; Return: its value area, NULL if it doesn't fit */
static uint8_t *d6_put(struct d6_out *o, uint16_t code, const void *v,
		       size_t len)
{
	uint8_t *p = o->p + o->len;

	if (o->len + D6_OPT_HDR + len > o->cap)
		return NULL;
	wr16(p, code);
	wr16(p + 2, (uint16_t)len);
	if (v)
		memcpy(p + D6_OPT_HDR, v, len);
	else
		memset(p + D6_OPT_HDR, 0, len);
	o->len += D6_OPT_HDR + len;
	return p + D6_OPT_HDR;
}

/* Close an option opened at @start: its length is what follows */
static void d6_close(struct d6_out *o, size_t start)
{
	wr16(o->p + start + 2, (uint16_t)(o->len - start - D6_OPT_HDR));
}

static bool d6_put_status(struct d6_out *o, uint16_t st, const char *msg)
{
	size_t l = strlen(msg);
	uint8_t *v = d6_put(o, OPT_STATUS, NULL, 2 + l);

	if (!v)
		return false;
	wr16(v, st);
	memcpy(v + 2, msg, l);
	return true;
}

static bool d6_put_iaaddr(struct d6_out *o, const struct in6_addr *a,
			  uint32_t lifetime)
{
	uint8_t *v = d6_put(o, OPT_IAADDR, NULL, D6_IAADDR_LEN);

	if (!v)
		return false;
	memcpy(v, a, 16);
	wr32(v + 16, lifetime);		/* preferred */
	wr32(v + 20, lifetime);		/* valid */
	return true;
}

/*
 * IA_NA for the client's @ia: our address with the configured lifetimes
 * (infinite, or while following the host the lease's, renewed at half
 * of it: the first IA only), the client's other addresses (one the host
 * had before) with zero lifetimes
 * (RFC 8415 18.3.4), NoAddrsAvail if we have nothing for it
 */
static bool d6_put_ia(struct d6_out *o, const struct d6_opt *ia, bool first)
{
	const struct in6_addr *ours = &d6.ip6->addr;
	const uint8_t *pos = ia->v + D6_IA_NA_LEN, *end = ia->v + ia->len;
	bool give = first && !IN6_IS_ADDR_UNSPECIFIED(ours), bad = false;
	size_t start = o->len;
	uint32_t life = d6.svc->lease_s ? d6.svc->lease_s : D6_INFINITY;
	uint32_t t1 = life == D6_INFINITY ? life : life / 2;
	uint32_t t2 = life == D6_INFINITY ? life : life / 5 * 4;
	struct d6_opt a;
	uint8_t *v;
	int stale = 0;

	v = d6_put(o, OPT_IA_NA, NULL, D6_IA_NA_LEN);
	if (!v)
		return false;
	memcpy(v, ia->v, 4);			/* IAID */
	wr32(v + 4, give ? t1 : 0);		/* T1 */
	wr32(v + 8, give ? t2 : 0);		/* T2 */

	if (give && !d6_put_iaaddr(o, ours, life))
		goto full;
	while (give && stale < D6_ADDR_MAX && d6_next(&pos, end, &a, &bad)) {
		if (a.code != OPT_IAADDR || a.len < D6_IAADDR_LEN ||
		    !memcmp(a.v, ours, 16))
			continue;
		if (!d6_put_iaaddr(o, (const struct in6_addr *)a.v, 0))
			goto full;
		stale++;
	}
	if (!give && !d6_put_status(o, ST_NO_ADDRS, "no addresses"))
		goto full;
	d6_close(o, start);
	return true;
full:
	o->len = start;
	return false;
}

/* CONFIRM: are all the client's addresses in our prefix? -1: none given */
static int d6_confirm_on_link(const struct d6_req *rq)
{
	const struct conf_ip6 *ip6 = d6.ip6;
	int i, n = 0, plen = MIN(ip6->prefix_len ? ip6->prefix_len : 64, 128);

	for (i = 0; i < rq->n_ia; i++) {
		const uint8_t *pos = rq->ia[i].v + D6_IA_NA_LEN;
		const uint8_t *end = rq->ia[i].v + rq->ia[i].len;
		struct d6_opt a;
		bool bad = false;

		while (d6_next(&pos, end, &a, &bad)) {
			const uint8_t *ours = ip6->addr.s6_addr;
			int full = plen / 8, rest = plen % 8;

			if (a.code != OPT_IAADDR || a.len < D6_IAADDR_LEN)
				continue;
			n++;
			if (memcmp(a.v, ours, (size_t)full) ||
			    (rest && ((a.v[full] ^ ours[full]) &
				      (0xff << (8 - rest)))))
				return 0;
		}
	}
	return n ? 1 : -1;
}

/* DNS servers and domain list, as configured */
static void d6_put_dns(struct d6_out *o)
{
	const struct conf_svc *svc = d6.svc;
	const struct conf_ip6 *ip6 = d6.ip6;
	uint8_t b[CONF_SEARCH_MAX * 256];
	size_t n = 0;
	int i, r;

	if (svc->dhcp_dns && ip6->dns_n > 0 &&
	    !d6_put(o, OPT_DNS, ip6->dns,
		    sizeof(ip6->dns[0]) *
		    (size_t)MIN(ip6->dns_n, CONF_MAXNS)))
		debug_rl("DHCPv6: DNS servers don't fit, left out");

	for (i = 0; svc->dhcp_search && i < svc->search_n; i++) {
		r = dhcp_name_encode(b + n, sizeof(b) - n, svc->search[i]);
		if (r > 0)
			n += (size_t)r;
	}
	if (n && !d6_put(o, OPT_DOMAINS, b, n))
		debug_rl("DHCPv6: domain list doesn't fit, left out");

	if (svc->fqdn[0]) {
		b[0] = 0;			/* flags: RFC 4704 4.1 */
		r = dhcp_name_encode(b + 1, sizeof(b) - 1, svc->fqdn);
		if (r > 0 && !d6_put(o, OPT_FQDN, b, 1 + (size_t)r))
			debug_rl("DHCPv6: FQDN doesn't fit, left out");
	}
}

/* Fill the reply to @rq; Return: false if there is none to send */
static bool d6_answer(const struct d6_req *rq, struct d6_out *o)
{
	bool addrs = rq->type == SOLICIT || rq->type == REQUEST ||
		     rq->type == RENEW || rq->type == REBIND;
	uint8_t pref = 255;
	int i, on_link;

	o->p[0] = rq->type == SOLICIT && !rq->rapid ? ADVERTISE : REPLY;
	memcpy(o->p + 1, rq->xid, 3);
	o->len = D6_HDR_LEN;

	if (!d6_put(o, OPT_SERVERID, d6.duid, sizeof(d6.duid)) ||
	    (rq->client_id &&
	     !d6_put(o, OPT_CLIENTID, rq->client_id, rq->client_id_len)))
		return false;
	if (rq->type == SOLICIT && rq->rapid)
		d6_put(o, OPT_RAPID_COMMIT, NULL, 0);
	if (o->p[0] == ADVERTISE)	/* 255: take this one, don't wait */
		d6_put(o, OPT_PREFERENCE, &pref, 1);

	switch (rq->type) {
	case CONFIRM:
		on_link = d6_confirm_on_link(rq);
		if (on_link < 0)
			return false;	/* RFC 8415 18.3.3: no addresses */
		d6_put_status(o, on_link ? ST_SUCCESS : ST_NOT_ON_LINK,
			      on_link ? "all on link" : "not on link");
		return true;
	case RELEASE:
		d6_put_status(o, ST_SUCCESS, "released");
		return true;
	}

	if (addrs && rq->type == SOLICIT &&
	    (!rq->n_ia || IN6_IS_ADDR_UNSPECIFIED(&d6.ip6->addr)))
		d6_put_status(o, ST_NO_ADDRS, "no addresses");
	else
		for (i = 0; addrs && i < rq->n_ia; i++)
			if (!d6_put_ia(o, &rq->ia[i], !i))
				debug_rl("DHCPv6: IA_NA doesn't fit");
	d6_put_dns(o);
	return true;
}

/* Headers around the reply in @buf, then queue it to the sender of @p */
static void d6_send(struct loop *lp, const struct pkt *p, uint8_t *buf,
		    size_t dlen)
{
	size_t hdr = ETH_HDR_LEN + IP6_HDR_LEN, udp_len = D6_UDP_HDR + dlen;
	uint8_t *udp = buf + hdr;
	struct iovec iov;
	union inany src;

	inany_from_v6(&src, &d6.ip6->our_ll);
	egress_l2l3(lp, buf, &src, &p->src, IPPROTO_UDP, udp_len);
	memcpy(buf, p->frame + 6, 6);		/* back where it came from */

	wr16(udp, DHCPV6_SERVER_PORT);
	wr16(udp + 2, DHCPV6_CLIENT_PORT);
	wr16(udp + 4, (uint16_t)udp_len);
	wr16(udp + 6, 0);
	iov.iov_base = udp;
	iov.iov_len = udp_len;
	wr16(udp + 6, egress_l4_csum(&src, &p->src, IPPROTO_UDP, &iov, 1,
				     udp_len) ?: 0xffff);

	if (egress_queue_copy(lp, buf, hdr + udp_len))
		debug_rl("DHCPv6: egress queue full, reply dropped");
}

/**
 * dhcpv6_from_tap() - answer a message from the guest to UDP port 547
 * @p:		packet validated by ingress (UDP length consistent)
 *
 * Return: true if consumed (answered, ignored or dropped), false if
 * DHCPv6 is off
 */
bool dhcpv6_from_tap(struct loop *lp, const struct pkt *p)
{
	static uint8_t buf[EGRESS_COPY_MAX];
	size_t hdr = ETH_HDR_LEN + IP6_HDR_LEN + D6_UDP_HDR;
	const uint8_t *m = p->l4 + D6_UDP_HDR;
	struct d6_out o;
	struct d6_req rq;

	if (!d6.ready)
		return false;
	if (p->af != AF_INET6 || p->proto != IPPROTO_UDP ||
	    p->l4_len < D6_UDP_HDR ||
	    rd16(p->l4 + 2) != DHCPV6_SERVER_PORT)
		return false;

	if (p->l4_len < D6_UDP_HDR + D6_HDR_LEN ||
	    d6_parse(m, p->l4_len - D6_UDP_HDR, &rq)) {
		debug_rl("DHCPv6: malformed message, dropped");
		return true;
	}
	if (!d6_acceptable(&rq)) {
		debug_rl("DHCPv6: message type %d not for us, ignored",
			 rq.type);
		return true;
	}

	memset(buf, 0, sizeof(buf));
	o.p = buf + hdr;
	o.cap = sizeof(buf) - hdr;
	if (!d6_answer(&rq, &o))
		return true;
	debug_rl("DHCPv6: message %d from the guest, reply %d", rq.type,
		 o.p[0]);
	d6_send(lp, p, buf, o.len);
	return true;
}
