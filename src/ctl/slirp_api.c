// SPDX-License-Identifier: MIT
/* slirp_api.c - slirp4netns's API socket: port forwarding while running */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/json.h"
#include "ctl/slirp_api.h"
#include "ctl/usock.h"
#include "fwd/fwd.h"
#include "lib/log.h"
#include "lib/util.h"

/*
 * DOC: slirp4netns's API, as Podman (port_handler=slirp4netns) and
 * RootlessKit (--port-driver=slirp4netns) use it: a UNIX stream socket,
 * one JSON request per connection, answered once the client has shut
 * down its writing side (or after SLIRP_API_REQ_MAX bytes):
 *   {"execute":"add_hostfwd","arguments":{"proto":"tcp"|"udp",
 *    "host_addr":"0.0.0.0","host_port":N,"guest_addr":"","guest_port":M}}
 *	-> {"return":{"id":ID}}
 *   {"execute":"list_hostfwd"}
 *	-> {"entries":[{"id":ID,"proto":...,"guest_port":M},...]}
 *	   (not inside "return": slirp4netns answers so)
 *   {"execute":"remove_hostfwd","arguments":{"id":ID}} -> {"return":{}}
 *   anything wrong -> {"error":{"desc":"bad request: ..."}}
 * with slirp4netns's descriptions, so that what its clients show stays
 * the same; a port that can't be bound says why after slirp4netns's
 * "slirp_add_hostfwd failed". The rules are tether's own run-time
 * forwarding rules (fwd_rt_add()): listeners bound before the reply,
 * connections through the usual forwarding path. The socket is made
 * owner-only (mode 0600), and whoever can open it is served, as by
 * slirp4netns (root too: the benchmark's client is root).
 */

/**
 * struct slirp_api - the API (one per process: it belongs to the
 * slirp4netns personality)
 * @srv:	its socket
 * @guest:	the namespace's address, for "guest_addr"
 */
static struct slirp_api {
	struct usock srv;
	struct in_addr guest;
} api;

/* ---- requests ---------------------------------------------------------- */

/**
 * struct slirp_api_str - a string member as found
 * @have:	it was there
 * @bad:	it was there, but not a string, or too long
 * @s:		its value
 */
struct slirp_api_str {
	bool have;
	bool bad;
	char s[INET_ADDRSTRLEN + 16];
};

/**
 * struct slirp_api_raw - members as found, before the checks
 * @execute:	"execute"
 * @proto:	"arguments.proto"
 * @host_addr:	"arguments.host_addr"
 * @guest_addr:	"arguments.guest_addr"
 * @host_port:	"arguments.host_port", -1 if absent or not a number
 * @guest_port:	"arguments.guest_port", likewise
 * @id:		"arguments.id", likewise
 */
struct slirp_api_raw {
	struct slirp_api_str execute;
	struct slirp_api_str proto;
	struct slirp_api_str host_addr;
	struct slirp_api_str guest_addr;
	int64_t host_port;
	int64_t guest_port;
	int64_t id;
};

static void slirp_api_str(struct slirp_api_str *dst, const struct json_val *v)
{
	dst->have = true;
	dst->bad = v->type != JSON_STRING || strlen(v->s) >= sizeof(dst->s);
	if (!dst->bad)
		strcpy(dst->s, v->s);
}

static int slirp_api_member(void *opaque, const char *path,
			    const struct json_val *v)
{
	struct slirp_api_raw *r = opaque;
	int64_t n = v->type == JSON_INT ? v->n : -1;

	if (!strcmp(path, "execute"))
		slirp_api_str(&r->execute, v);
	else if (!strcmp(path, "arguments.proto"))
		slirp_api_str(&r->proto, v);
	else if (!strcmp(path, "arguments.host_addr"))
		slirp_api_str(&r->host_addr, v);
	else if (!strcmp(path, "arguments.guest_addr"))
		slirp_api_str(&r->guest_addr, v);
	else if (!strcmp(path, "arguments.host_port"))
		r->host_port = n;
	else if (!strcmp(path, "arguments.guest_port"))
		r->guest_port = n;
	else if (!strcmp(path, "arguments.id"))
		r->id = n;
	return 0;		/* other members: ignored, as slirp4netns does */
}

/* An IPv4 address member: absent or "" gives @dflt */
static bool slirp_api_addr(const struct slirp_api_str *m, struct in_addr dflt,
			   struct in_addr *a)
{
	if (m->bad)
		return false;
	if (!m->have || !m->s[0]) {
		*a = dflt;
		return true;
	}
	return inet_pton(AF_INET, m->s, a) == 1;
}

static bool slirp_api_port(int64_t n, uint16_t *port)
{
	if (n < 1 || n > 65535)
		return false;
	*port = (uint16_t)n;
	return true;
}

/* add_hostfwd's arguments into @q; Return: NULL or what is wrong */
static const char *slirp_api_add_args(const struct slirp_api_raw *r,
				      struct in_addr guest,
				      struct slirp_api_req *q)
{
	struct in_addr any = { INADDR_ANY }, ga;

	if (!r->proto.have || r->proto.bad ||
	    (strcmp(r->proto.s, "tcp") && strcmp(r->proto.s, "udp")))
		return "bad request: add_hostfwd: bad arguments.proto";
	q->udp = !strcmp(r->proto.s, "udp");
	if (!slirp_api_addr(&r->host_addr, any, &q->host_addr))
		return "bad request: add_hostfwd: bad arguments.host_addr";
	if (!slirp_api_port(r->host_port, &q->host_port))
		return "bad request: add_hostfwd: bad arguments.host_port";
	/* Only the namespace's own address: tether forwards to the guest,
	 * it doesn't invent hosts behind it */
	if (!slirp_api_addr(&r->guest_addr, guest, &ga) ||
	    (ga.s_addr != INADDR_ANY && ga.s_addr != guest.s_addr))
		return "bad request: add_hostfwd: bad arguments.guest_addr";
	if (!slirp_api_port(r->guest_port, &q->guest_port))
		return "bad request: add_hostfwd: bad arguments.guest_port";
	return NULL;
}

/**
 * slirp_api_parse() - check one request (see slirp_api.h)
 * @buf:	request, not NUL-terminated
 * @len:	its length
 * @guest:	the namespace's address
 * @q:		the request, on success
 * @why:	on failure, slirp4netns's description of it
 *
 * Return: 0 or -EINVAL
 */
int slirp_api_parse(const char *buf, size_t len, struct in_addr guest,
		    struct slirp_api_req *q, const char **why)
{
	struct slirp_api_raw r = {
		.host_port = -1, .guest_port = -1, .id = -1,
	};

	memset(q, 0, sizeof(*q));
	*why = NULL;
	if (json_walk(buf, len, slirp_api_member, &r)) {
		*why = "bad request: cannot parse JSON";
		return -EINVAL;
	}
	if (!r.execute.have || r.execute.bad) {
		*why = "bad request: unknown execute";
		return -EINVAL;
	}
	if (!strcmp(r.execute.s, "add_hostfwd")) {
		q->cmd = SLIRP_API_ADD;
		*why = slirp_api_add_args(&r, guest, q);
	} else if (!strcmp(r.execute.s, "list_hostfwd")) {
		q->cmd = SLIRP_API_LIST;
	} else if (!strcmp(r.execute.s, "remove_hostfwd")) {
		q->cmd = SLIRP_API_REMOVE;
		if (r.id < 1 || r.id > UINT32_MAX)
			*why = "bad request: remove_hostfwd: bad arguments.id";
		q->id = (uint32_t)r.id;
	} else {
		*why = "bad request: unknown execute";
	}
	return *why ? -EINVAL : 0;
}

/**
 * slirp_api_error() - {"error":{"desc":DESC}}
 * @out:	reply buffer
 * @outlen:	its size
 * @desc:	description
 *
 * Return: length of the reply
 */
size_t slirp_api_error(char *out, size_t outlen, const char *desc)
{
	char d[512];
	int n;

	json_str(d, sizeof(d), desc);
	n = snprintf(out, outlen, "{\"error\":{\"desc\":%s}}", d);
	return n < 0 ? 0 : MIN((size_t)n, outlen - 1);
}

/* list_hostfwd's reply */
static size_t slirp_api_list(char *out, size_t outlen)
{
	char host[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];
	struct fwd_rule_rt r;
	size_t n = 0;
	uint32_t id;
	unsigned i;
	int k;

	inet_ntop(AF_INET, &api.guest, guest, sizeof(guest));
	k = snprintf(out, outlen, "{\"entries\":[");
	n = (size_t)k;
	for (i = 0; fwd_rt_get(i, &r, &id) && n < outlen; i++) {
		struct in_addr any = { INADDR_ANY };

		inet_ntop(AF_INET, r.has_addr ? &r.addr.v4.a4 : &any, host,
			  sizeof(host));
		k = snprintf(out + n, outlen - n, "%s{\"id\":%u,\"proto\":"
			     "\"%s\",\"host_addr\":\"%s\",\"host_port\":%u,"
			     "\"guest_addr\":\"%s\",\"guest_port\":%u}",
			     i ? "," : "", id,
			     r.kind == FWD_UDP_IN ? "udp" : "tcp", host,
			     r.first, guest, r.tfirst);
		n += (size_t)MAX(k, 0);
	}
	if (n < outlen)
		n += (size_t)MAX(snprintf(out + n, outlen - n, "]}"), 0);
	return MIN(n, outlen - 1);
}

/* Carry out @q; Return: length of the reply in @out */
static size_t slirp_api_exec(struct loop *lp, const struct slirp_api_req *q,
			     char *out, size_t outlen)
{
	struct fwd_rule_rt r = { 0 };
	char desc[160];
	uint32_t id;
	int rc;

	switch (q->cmd) {
	case SLIRP_API_ADD:
		r.kind = q->udp ? FWD_UDP_IN : FWD_TCP_IN;
		r.has_addr = q->host_addr.s_addr != INADDR_ANY;
		inany_from_v4(&r.addr, q->host_addr);
		r.first = r.last = q->host_port;
		r.tfirst = q->guest_port;
		rc = fwd_rt_add(lp, &r, &id);
		if (rc) {
			snprintf(desc, sizeof(desc), "bad request: add_hostfwd: "
				 "slirp_add_hostfwd failed (%s port %u: %s)",
				 q->udp ? "udp" : "tcp", q->host_port,
				 rc == -EADDRINUSE ? "already forwarded or "
				 "in use" : strerror(-rc));
			return slirp_api_error(out, outlen, desc);
		}
		info("API: %s port %u forwarded to port %u (id %u)",
		     q->udp ? "udp" : "tcp", q->host_port, q->guest_port, id);
		return (size_t)MAX(snprintf(out, outlen,
					    "{\"return\":{\"id\":%u}}", id), 0);
	case SLIRP_API_LIST:
		return slirp_api_list(out, outlen);
	case SLIRP_API_REMOVE:
		if (fwd_rt_del(lp, q->id))
			return slirp_api_error(out, outlen, "bad request: "
					       "remove_hostfwd: bad "
					       "arguments.id");
		info("API: forwarding %u removed", q->id);
		return (size_t)MAX(snprintf(out, outlen, "{\"return\":{}}"),
				   0);
	default:
		return slirp_api_error(out, outlen,
				       "bad request: unknown execute");
	}
}

/* A whole request to its reply */
static size_t slirp_api_answer(struct loop *lp, const char *req, size_t len,
			       char *out, size_t outlen)
{
	struct slirp_api_req q;
	const char *why;

	if (slirp_api_parse(req, len, api.guest, &q, &why))
		return slirp_api_error(out, outlen, why);
	return slirp_api_exec(lp, &q, out, outlen);
}

/**
 * slirp_api_init() - listen on the API socket (see slirp_api.h)
 * @lp:		loop
 * @path:	socket path, "" for none
 * @ip4:	IPv4 configuration: the namespace's address
 */
void slirp_api_init(struct loop *lp, const char *path,
		    const struct conf_ip4 *ip4)
{
	if (!path[0])
		return;
	api.guest = ip4->addr;
	api.srv.any_peer = true;	/* as slirp4netns: the file's mode */
	usock_listen(lp, &api.srv, path, "API socket", slirp_api_answer);
}
