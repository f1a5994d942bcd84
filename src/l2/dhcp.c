// SPDX-License-Identifier: MIT
/* dhcp.c - DHCPv4 server for the single guest: the host's own address */

/**
 * DOC: Theory of operation
 *
 * There is one client and one lease: the guest gets the host's address
 * (c->ip4.addr) forever, or, following the host, for CONF_FOLLOW_LEASE_S
 * at a time: when the host's address changes, the guest's next renewal
 * asks for the old one, is refused (NAK) and starts again with the new
 * one; dhcp_init() is called again with the new configuration. We are stateless: DISCOVER gets an OFFER (or an
 * ACK when the client asks for Rapid Commit, RFC 4039), REQUEST an ACK
 * (or a NAK if it asks for another address), INFORM an ACK without a
 * lease, a plain BOOTP request (no option 53) a BOOTREPLY. DECLINE and
 * RELEASE change nothing. Everything we hand out comes from the read-only
 * configuration, so the options are encoded once, in dhcp_init().
 *
 * Options in a reply (RFC 2131 4.3.1, RFC 2132): 53 first, then 54 and
 * 51 (and 80) which must be there, then those the client listed in its
 * parameter request list (55) in its order, then the rest. What doesn't
 * fit the client's maximum message size (57, at least 576) is left out.
 * The message is padded to the 300 bytes BOOTP relays expect.
 *
 * The request is untrusted: the fixed header and every option length are
 * checked against the UDP payload; option overload (52) is ignored, so
 * sname and file are never parsed.
 */

#include <errno.h>
#include <string.h>

#include "l2/dhcp.h"
#include "l2/egress.h"
#include "lib/log.h"
#include "lib/util.h"

/* BOOTP message layout (RFC 951, RFC 2131 2) */
#define BOOTP_OP		0
#define BOOTP_HTYPE		1
#define BOOTP_HLEN		2
#define BOOTP_XID		4
#define BOOTP_FLAGS		10
#define BOOTP_CIADDR		12
#define BOOTP_YIADDR		16
#define BOOTP_GIADDR		24
#define BOOTP_CHADDR		28
#define BOOTP_COOKIE		236
#define BOOTP_OPTS		240
#define BOOTP_MIN_LEN		300	/* RFC 1542 2.1: relays may drop less */
#define BOOTP_FLAG_BROADCAST	0x8000
#define BOOTREQUEST		1
#define BOOTREPLY		2
#define DHCP_COOKIE		0x63825363

enum dhcp_msg {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK,
	DHCPNAK, DHCPRELEASE, DHCPINFORM,
};

enum dhcp_opt_code {
	OPT_PAD = 0, OPT_NETMASK = 1, OPT_ROUTER = 3, OPT_DNS = 6,
	OPT_HOSTNAME = 12, OPT_DOMAIN = 15, OPT_MTU = 26,
	OPT_REQ_ADDR = 50, OPT_LEASE = 51, OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53, OPT_SERVER_ID = 54, OPT_PRL = 55,
	OPT_MAX_SIZE = 57, OPT_RAPID_COMMIT = 80, OPT_FQDN = 81,
	OPT_SEARCH = 119, OPT_ROUTES = 121, OPT_END = 255,
};

#define DHCP_OPT_POOL		4096	/* encoded options from the conf */
#define DHCP_UDP_HDR		8
#define DHCP_MIN_MAX_SIZE	576	/* RFC 2131 2: every client takes it */
#define DHCP_FQDN_FLAG_E	0x04	/* RFC 4702 2.1: wire-format name */

/**
 * struct dhcp_req - what we use from a request, after validation
 * @msg:	option 53, 0 for plain BOOTP
 * @prl:	parameter request list (55), NULL if none
 * @prl_len:	its length
 * @req_addr:	option 50, INADDR_ANY if absent
 * @server_id:	option 54, INADDR_ANY if absent
 * @max_size:	largest IP datagram the client takes (57)
 * @rapid:	option 80 present
 */
struct dhcp_req {
	int msg;
	const uint8_t *prl;
	size_t prl_len;
	struct in_addr req_addr;
	struct in_addr server_id;
	size_t max_size;
	bool rapid;
};

/**
 * struct dhcp_out - options being written into a reply
 * @p:		start of the options area
 * @len:	bytes written
 * @cap:	room, the end option excluded
 * @done:	options already written, by code
 */
struct dhcp_out {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool done[256];
};

static struct {
	const struct conf_ip4 *ip4;	/* changed only between batches */
	struct in_addr server;		/* our server identifier */
	struct in_addr server_was;	/* the one before the host changed */
	bool ready;
	bool has[256];
	uint16_t off[256];
	uint16_t len[256];
	uint8_t pool[DHCP_OPT_POOL];
	size_t used;
} dh;

/**
 * dhcp_name_encode() - a domain name as uncompressed DNS labels
 * @buf:	output
 * @size:	room at @buf
 * @name:	"host.example" or "host.example.", "" for the root
 *
 * Return: bytes written, -EINVAL for an empty or over-long label or name,
 * -ENOSPC if @size is too small
 */
int dhcp_name_encode(uint8_t *buf, size_t size, const char *name)
{
	size_t n = 0, total = strlen(name);

	if (total && name[total - 1] == '.')
		total--;
	if (total > 253)
		return -EINVAL;
	while (total) {
		const char *dot = memchr(name, '.', total);
		size_t l = dot ? (size_t)(dot - name) : total;

		if (!l || l > 63)
			return -EINVAL;
		if (n + 1 + l + 1 > size)
			return -ENOSPC;
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, name, l);
		n += l;
		name += l;
		total -= l;
		if (dot) {
			name++;
			total--;
			if (!total)
				return -EINVAL;	/* "a..": empty label */
		}
	}
	if (n + 1 > size)
		return -ENOSPC;
	buf[n++] = 0;
	return (int)n;
}

/* Store option @code for every reply; Return: 0 or -ENOSPC */
static int opt_set(uint8_t code, const void *data, size_t len)
{
	if (dh.used + len > sizeof(dh.pool))
		return -ENOSPC;
	memcpy(dh.pool + dh.used, data, len);
	dh.has[code] = true;
	dh.off[code] = (uint16_t)dh.used;
	dh.len[code] = (uint16_t)len;
	dh.used += len;
	return 0;
}

static int opt_set_addr(uint8_t code, struct in_addr a)
{
	return opt_set(code, &a.s_addr, 4);
}

static int opt_set_u32(uint8_t code, uint32_t v)
{
	uint8_t b[4];

	wr32(b, v);
	return opt_set(code, b, sizeof(b));
}

static bool gw_on_link(const struct conf_ip4 *ip4)
{
	uint32_t mask = ip4->prefix_len ?
			~0U << (32 - ip4->prefix_len) : 0;

	return !((ntohl(ip4->addr.s_addr) ^ ntohl(ip4->gw.s_addr)) & mask);
}

/* RFC 3442: a route to the gateway itself, then the default through it */
static int opt_set_routes(struct in_addr gw)
{
	uint8_t r[14] = { 32 };

	memcpy(r + 1, &gw.s_addr, 4);		/* 32: gw/32 ... */
	memset(r + 5, 0, 4);			/* ... on-link */
	r[9] = 0;				/* 0.0.0.0/0 ... */
	memcpy(r + 10, &gw.s_addr, 4);		/* ... via gw */
	return opt_set(OPT_ROUTES, r, sizeof(r));
}

/* Options 15 and 119 from the search list */
static int opt_set_search(const struct conf_svc *svc)
{
	uint8_t b[CONF_SEARCH_MAX * 256];
	size_t n = 0;
	int i, r, rc = 0;

	for (i = 0; i < svc->search_n; i++) {
		r = dhcp_name_encode(b + n, sizeof(b) - n, svc->search[i]);
		if (r < 0) {
			warn("DHCP: search domain '%s' is not a valid name, "
			     "not advertised", svc->search[i]);
			continue;
		}
		if (!n && strlen(svc->search[i]) < 256)
			rc |= opt_set(OPT_DOMAIN, svc->search[i],
				      strlen(svc->search[i]));
		n += (size_t)r;
	}
	if (n)
		rc |= opt_set(OPT_SEARCH, b, n);
	return rc;
}

static int opt_set_fqdn(const char *fqdn)
{
	uint8_t b[3 + 256] = { DHCP_FQDN_FLAG_E, 0xff, 0xff };
	int r = dhcp_name_encode(b + 3, sizeof(b) - 3, fqdn);

	if (r < 0) {
		warn("DHCP: --fqdn '%s' is not a valid name, not sent", fqdn);
		return 0;
	}
	return opt_set(OPT_FQDN, b, 3 + (size_t)r);
}

/**
 * dhcp_init() - encode the options we hand out, from the configuration
 * @ip4:	addresses to lease, kept (a refresh calls this again)
 * @link:	the MTU to hand out
 * @svc:	which options, DNS, host name and search list
 */
void dhcp_init(const struct conf_ip4 *ip4, const struct conf_link *link,
	       const struct conf_svc *svc)
{
	struct in_addr mask, was = dh.server_was;
	int rc = 0;

	/* Following the host: a client's lease names the server we were
	 * when it got it, and busybox udhcpc, for one, takes a NAK only from
	 * that server: keep it for NAKs */
	if (dh.server.s_addr && dh.server.s_addr != ip4->our_addr.s_addr)
		was = dh.server;
	memset(&dh, 0, sizeof(dh));
	dh.ip4 = ip4;
	dh.server = ip4->our_addr;
	dh.server_was = was;
	dh.ready = svc->dhcp && ip4->enabled &&
		   ip4->addr.s_addr != INADDR_ANY;
	if (!dh.ready)
		return;

	mask.s_addr = htonl(ip4->prefix_len ?
			    ~0U << (32 - ip4->prefix_len) : 0);
	rc |= opt_set_addr(OPT_NETMASK, mask);
	if (ip4->gw.s_addr != INADDR_ANY) {
		rc |= opt_set_addr(OPT_ROUTER, ip4->gw);
		if (!gw_on_link(ip4))
			rc |= opt_set_routes(ip4->gw);
	}
	if (svc->dhcp_dns && ip4->dns_n > 0)
		rc |= opt_set(OPT_DNS, ip4->dns,
			      sizeof(ip4->dns[0]) *
			      (size_t)MIN(ip4->dns_n, CONF_MAXNS));
	if (svc->hostname[0])
		rc |= opt_set(OPT_HOSTNAME, svc->hostname,
			      strlen(svc->hostname));
	if (svc->dhcp_search)
		rc |= opt_set_search(svc);
	if (link->mtu) {
		uint8_t m[2];

		wr16(m, (uint16_t)MIN(link->mtu, 65535U));
		rc |= opt_set(OPT_MTU, m, sizeof(m));
	}
	rc |= opt_set_u32(OPT_LEASE, svc->lease_s ? svc->lease_s :
			  CONF_LEASE_INFINITE);	/* renewal: half of it */
	rc |= opt_set_addr(OPT_SERVER_ID, ip4->our_addr);
	if (svc->fqdn[0])
		rc |= opt_set_fqdn(svc->fqdn);
	if (rc)
		warn("DHCP: too many options, some are left out");
}

/* Read the options of a request; Return: 0, -EINVAL if malformed */
static int dhcp_parse(const uint8_t *m, size_t len, struct dhcp_req *rq)
{
	size_t i = BOOTP_OPTS;

	memset(rq, 0, sizeof(*rq));
	rq->max_size = DHCP_MIN_MAX_SIZE;
	if (len < BOOTP_OPTS || rd32(m + BOOTP_COOKIE) != DHCP_COOKIE)
		return 0;		/* plain BOOTP: no options */

	while (i < len) {
		uint8_t code = m[i], l;
		const uint8_t *v;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			break;
		if (i + 2 > len || i + 2 + m[i + 1] > len)
			return -EINVAL;
		l = m[i + 1];
		v = m + i + 2;
		i += 2 + (size_t)l;

		if (code == OPT_MSG_TYPE && l == 1)
			rq->msg = v[0];
		else if (code == OPT_PRL && l)
			rq->prl = v, rq->prl_len = l;
		else if (code == OPT_REQ_ADDR && l == 4)
			memcpy(&rq->req_addr, v, 4);
		else if (code == OPT_SERVER_ID && l == 4)
			memcpy(&rq->server_id, v, 4);
		else if (code == OPT_MAX_SIZE && l == 2)
			rq->max_size = MAX(rd16(v), DHCP_MIN_MAX_SIZE);
		else if (code == OPT_RAPID_COMMIT)
			rq->rapid = true;
	}
	return 0;
}

/* Write option @code, split in 255-byte parts (RFC 3396) if longer */
static bool out_opt(struct dhcp_out *o, uint8_t code, const uint8_t *v,
		    size_t len)
{
	size_t parts = len ? (len + 254) / 255 : 1;

	if (o->done[code] || o->len + 2 * parts + len > o->cap)
		return false;
	do {
		size_t l = MIN(len, (size_t)255);

		o->p[o->len++] = code;
		o->p[o->len++] = (uint8_t)l;
		if (l) {
			memcpy(o->p + o->len, v, l);
			o->len += l;
			v += l;
		}
		len -= l;
	} while (len);
	o->done[code] = true;
	return true;
}

/* Write a configured option, if we have it and it fits */
static void out_conf_opt(struct dhcp_out *o, uint8_t code)
{
	if (!dh.has[code] || o->done[code])
		return;
	if (!out_opt(o, code, dh.pool + dh.off[code], dh.len[code]))
		debug_rl("DHCP: option %u doesn't fit, left out", code);
}

/* All the options of a reply of type @msg (0: BOOTREPLY) */
static void out_opts(struct dhcp_out *o, const struct dhcp_req *rq,
		     int msg)
{
	static const uint8_t lease_opts[] = { OPT_SERVER_ID, OPT_LEASE };
	size_t i;

	if (msg) {
		uint8_t t = (uint8_t)msg;

		out_opt(o, OPT_MSG_TYPE, &t, 1);
		if (msg == DHCPNAK && dh.server_was.s_addr)
			out_opt(o, OPT_SERVER_ID,
				(const uint8_t *)&dh.server_was, 4);
		out_conf_opt(o, OPT_SERVER_ID);
	}
	if (msg == DHCPNAK)
		return;
	if (rq->msg == DHCPINFORM || !msg)	/* RFC 2131 3.4: no lease */
		o->done[OPT_LEASE] = true;
	for (i = 0; i < ARRAY_SIZE(lease_opts); i++)
		out_conf_opt(o, lease_opts[i]);
	if (msg == DHCPACK && rq->rapid && rq->msg == DHCPDISCOVER)
		out_opt(o, OPT_RAPID_COMMIT, NULL, 0);
	for (i = 0; i < rq->prl_len; i++)
		out_conf_opt(o, rq->prl[i]);
	for (i = 1; i < OPT_END; i++)
		out_conf_opt(o, (uint8_t)i);
}

/* Build and queue the reply of type @msg (0: BOOTREPLY) to request @m */
static void dhcp_reply(struct loop *lp, const uint8_t *m,
		       const struct dhcp_req *rq, int msg)
{
	static uint8_t buf[EGRESS_COPY_MAX];
	const struct conf_ip4 *ip4 = dh.ip4;
	size_t hdr = ETH_HDR_LEN + IP4_HDR_LEN, ip_max, dlen, udp_len;
	union inany src, dst;
	struct iovec iov;
	struct dhcp_out o;
	uint8_t *d = buf + hdr + DHCP_UDP_HDR;
	struct in_addr ciaddr;
	bool bcast;

	memset(buf, 0, sizeof(buf));
	d[BOOTP_OP] = BOOTREPLY;
	d[BOOTP_HTYPE] = 1;
	d[BOOTP_HLEN] = 6;
	memcpy(d + BOOTP_XID, m + BOOTP_XID, 4);
	memcpy(d + BOOTP_FLAGS, m + BOOTP_FLAGS, 2);
	memcpy(d + BOOTP_CIADDR, m + BOOTP_CIADDR, 4);
	if (msg != DHCPNAK && rq->msg != DHCPINFORM)
		memcpy(d + BOOTP_YIADDR, &ip4->addr, 4);
	memcpy(d + BOOTP_GIADDR, m + BOOTP_GIADDR, 4);
	memcpy(d + BOOTP_CHADDR, m + BOOTP_CHADDR, 16);
	wr32(d + BOOTP_COOKIE, DHCP_COOKIE);

	memset(&o, 0, sizeof(o));
	o.p = d + BOOTP_OPTS;
	ip_max = MIN(rq->max_size, sizeof(buf) - ETH_HDR_LEN);
	o.cap = ip_max - IP4_HDR_LEN - DHCP_UDP_HDR - BOOTP_OPTS - 1;
	out_opts(&o, rq, msg);
	o.p[o.len++] = OPT_END;
	dlen = MAX(BOOTP_OPTS + o.len, (size_t)BOOTP_MIN_LEN);

	/* RFC 2131 4.1: where the reply goes */
	memcpy(&ciaddr, m + BOOTP_CIADDR, 4);
	bcast = msg == DHCPNAK || (ciaddr.s_addr == INADDR_ANY &&
				   (rd16(m + BOOTP_FLAGS) & BOOTP_FLAG_BROADCAST));
	inany_from_v4(&src, ip4->our_addr);
	if (bcast)
		inany_from_v4(&dst, (struct in_addr){ INADDR_BROADCAST });
	else if (ciaddr.s_addr != INADDR_ANY)
		inany_from_v4(&dst, ciaddr);
	else
		inany_from_v4(&dst, ip4->addr);

	udp_len = DHCP_UDP_HDR + dlen;
	egress_l2l3(lp, buf, &src, &dst, IPPROTO_UDP, udp_len);
	if (bcast)
		memset(buf, 0xff, 6);
	else
		memcpy(buf, m + BOOTP_CHADDR, 6);

	wr16(buf + hdr, DHCP_SERVER_PORT);
	wr16(buf + hdr + 2, DHCP_CLIENT_PORT);
	wr16(buf + hdr + 4, (uint16_t)udp_len);
	iov.iov_base = buf + hdr;
	iov.iov_len = udp_len;
	wr16(buf + hdr + 6, egress_l4_csum(&src, &dst, IPPROTO_UDP, &iov, 1,
					   udp_len) ?: 0xffff);

	if (egress_queue_copy(lp, buf, hdr + udp_len))
		debug_rl("DHCP: egress queue full, reply dropped");
}

/* Pick the reply type for a request; Return: type, 0 BOOTP, -1 none */
static int dhcp_answer(const uint8_t *m, const struct dhcp_req *rq)
{
	const struct conf_ip4 *ip4 = dh.ip4;
	struct in_addr want;

	switch (rq->msg) {
	case 0:
		return 0;
	case DHCPDISCOVER:
		return rq->rapid ? DHCPACK : DHCPOFFER;
	case DHCPREQUEST:
		if (rq->server_id.s_addr != INADDR_ANY &&
		    rq->server_id.s_addr != ip4->our_addr.s_addr &&
		    rq->server_id.s_addr != dh.server_was.s_addr)
			return -1;	/* the client chose another server */
		want = rq->req_addr;
		if (want.s_addr == INADDR_ANY)
			memcpy(&want, m + BOOTP_CIADDR, 4);
		if (want.s_addr != INADDR_ANY &&
		    want.s_addr != ip4->addr.s_addr)
			return DHCPNAK;
		return DHCPACK;
	case DHCPINFORM:		/* RFC 2131 3.4: ACK, no lease */
		return DHCPACK;
	default:			/* DECLINE, RELEASE, server messages */
		return -1;
	}
}

/**
 * dhcp_from_tap() - answer a request from the guest to UDP port 67
 * @p:		packet validated by ingress (UDP length consistent)
 *
 * Return: true if consumed (answered, ignored or dropped), false if DHCP
 * is off or has no address to give
 */
bool dhcp_from_tap(struct loop *lp, const struct pkt *p)
{
	const uint8_t *m = p->l4 + DHCP_UDP_HDR;
	size_t len = p->l4_len - DHCP_UDP_HDR;
	struct dhcp_req rq;
	int msg;

	if (!dh.ready)
		return false;
	if (p->af != AF_INET || p->proto != IPPROTO_UDP ||
	    p->l4_len < DHCP_UDP_HDR || rd16(p->l4 + 2) != DHCP_SERVER_PORT)
		return false;

	if (len < BOOTP_COOKIE || m[BOOTP_OP] != BOOTREQUEST ||
	    m[BOOTP_HTYPE] != 1 || m[BOOTP_HLEN] != 6) {
		debug_rl("DHCP: malformed request (%zu bytes), dropped", len);
		return true;
	}
	if (dhcp_parse(m, len, &rq)) {
		debug_rl("DHCP: option runs past the message, dropped");
		return true;
	}
	msg = dhcp_answer(m, &rq);
	if (msg < 0)
		return true;
	debug_rl("DHCP: message %d from the guest, reply %d", rq.msg, msg);
	dhcp_reply(lp, m, &rq, msg);
	return true;
}
