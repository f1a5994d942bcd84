// SPDX-License-Identifier: MIT
/* ctl.c - the control socket (-c PATH): forwarding rules, flows, stats */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/usock.h"
#include "flow/flow.h"
#include "fwd/fwd.h"
#include "l2/ingress_stats.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loops.h"

/*
 * DOC: pesto's protocol, version 1 (doc/control.md has it whole). A
 * request is lines of text, the first "tether-ctl 1":
 *	add PROTO ADDR FIRST LAST TFIRST [TADDR] a run-time rule
 *	del PROTO ADDR FIRST LAST		the run-time rule that equals it
 *	clear					every run-time rule
 *	show | flows [json] | stats [json]	one of these, last
 * PROTO is tcp or udp, ADDR an address or "*" (every address). The
 * changes of one request are made all or none: deletions first (each
 * must match a rule), then additions (each must bind); on a failure
 * what was done is undone, and the running set is as before. The reply
 * is "tether-ctl 1", then "ok" and what was asked for, or "error" and
 * one line saying why.
 */

static struct {
	struct usock srv;
	const struct conf_fwd *conf;
} ctl;

/**
 * struct ctl_out - a reply being written
 * @p:		buffer
 * @len:	bytes written
 * @size:	its size
 * @full:	something didn't fit
 */
struct ctl_out {
	char *p;
	size_t len;
	size_t size;
	bool full;
};

static void __attribute__((format(printf, 2, 3)))
ctl_printf(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

static size_t ctl_error(struct ctl_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t ctl_error(struct ctl_out *o, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	o->len = 0;
	o->full = false;
	ctl_printf(o, "%s %d\nerror %s\n", CTL_HELLO, CTL_PROTO_VERSION, why);
	return o->len;
}

/* ---- one change -------------------------------------------------------- */

/* "ADDR" or "*", as the rule's address part */
static int ctl_addr(const char *s, struct fwd_rule_rt *r)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcmp(s, "*")) {
		r->has_addr = false;
		return 0;
	}
	r->has_addr = true;
	if (inet_pton(AF_INET, s, &a4) == 1)
		inany_from_v4(&r->addr, a4);
	else if (inet_pton(AF_INET6, s, &a6) == 1)
		inany_from_v6(&r->addr, &a6);
	else
		return -EINVAL;
	return 0;
}

static int ctl_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || end == s || !n || n > 65535 || *s == '-' ||
	    *s == '+')
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

/* One "add" or "del" line's words into @ch; Return: NULL or why not */
static const char *ctl_rule(char **w, int n, struct ctl_change *ch)
{
	struct fwd_rule_rt *r = &ch->r;

	if (ch->op == CTL_ADD ? n != 6 && n != 7 : n != 5)
		return "wrong number of words";
	if (!strcmp(w[1], "tcp"))
		r->kind = FWD_TCP_IN;
	else if (!strcmp(w[1], "udp"))
		r->kind = FWD_UDP_IN;
	else
		return "protocol must be tcp or udp";
	if (ctl_addr(w[2], r))
		return "bad address";
	if (ctl_port(w[3], &r->first) || ctl_port(w[4], &r->last) ||
	    r->last < r->first)
		return "bad port range";
	if (ch->op == CTL_DEL)
		return NULL;
	if (ctl_port(w[5], &r->tfirst) ||
	    (unsigned)r->tfirst + (r->last - r->first) > 65535)
		return "bad target port";
	if (n == 7) {
		struct fwd_rule_rt t = { 0 };

		if (ctl_addr(w[6], &t) || !t.has_addr ||
		    inany_is_unspec(&t.addr) || inany_is_multicast(&t.addr))
			return "bad target address";
		r->has_taddr = true;
		r->taddr = t.addr;
	}
	return NULL;
}

static bool ctl_rule_eq(const struct fwd_rule_rt *a,
			const struct fwd_rule_rt *b)
{
	return a->kind == b->kind && a->has_addr == b->has_addr &&
	       (!a->has_addr || inany_equals(&a->addr, &b->addr)) &&
	       a->first == b->first && a->last == b->last;
}

/* The id of the run-time rule equal to @r, 0 if none */
static uint32_t ctl_find(const struct fwd_rule_rt *r)
{
	struct fwd_rule_rt o;
	uint32_t id;
	unsigned i;

	for (i = 0; fwd_rt_get(i, &o, &id); i++) {
		if (ctl_rule_eq(&o, r))
			return id;
	}
	return 0;
}

/* ---- the changes of a request, all or none ------------------------------ */

/**
 * struct ctl_undo - what a request did, to be undone if it fails
 * @removed:	rules taken out (to be put back)
 * @nremoved:	how many
 * @added:	ids of rules added (to be removed)
 * @nadded:	how many
 */
struct ctl_undo {
	struct fwd_rule_rt removed[FWD_RT_COUNT_MAX];
	unsigned nremoved;
	uint32_t added[CTL_LINES_MAX];
	unsigned nadded;
};

static void ctl_rollback(struct loop *lp, struct ctl_undo *u)
{
	uint32_t id;
	unsigned i;

	while (u->nadded)
		fwd_rt_del(lp, u->added[--u->nadded]);
	for (i = 0; i < u->nremoved; i++) {
		if (fwd_rt_add(lp, &u->removed[i], &id))
			warn("control: rule %s %u-%u couldn't be put back",
			     fwd_opt_name(u->removed[i].kind),
			     u->removed[i].first, u->removed[i].last);
	}
}

static void ctl_take_out(struct loop *lp, struct ctl_undo *u, uint32_t id,
			 const struct fwd_rule_rt *r)
{
	u->removed[u->nremoved++] = *r;
	fwd_rt_del(lp, id);
}

/* Apply @ch[0..@n); Return: 0, or -1 with the error reply in @o */
static int ctl_apply(struct loop *lp, const struct ctl_change *ch, int n,
		     struct ctl_out *o)
{
	static struct ctl_undo u;
	struct fwd_rule_rt r;
	uint32_t id;
	int i, rc;

	u.nremoved = u.nadded = 0;
	for (i = 0; i < n; i++) {		/* deletions first, checked */
		if (ch[i].op == CTL_CLEAR) {
			while (fwd_rt_get(0, &r, &id))
				ctl_take_out(lp, &u, id, &r);
		} else if (ch[i].op == CTL_DEL) {
			if (!(id = ctl_find(&ch[i].r))) {
				ctl_rollback(lp, &u);
				ctl_error(o, "no such rule added at run time: "
					  "%s ports %u-%u (rules of the command "
					  "line stay)",
					  fwd_opt_name(ch[i].r.kind),
					  ch[i].r.first, ch[i].r.last);
				return -1;
			}
			ctl_take_out(lp, &u, id, &ch[i].r);
		}
	}
	for (i = 0; i < n; i++) {
		if (ch[i].op != CTL_ADD)
			continue;
		rc = fwd_rt_add(lp, &ch[i].r, &id);
		if (rc) {
			ctl_rollback(lp, &u);
			ctl_error(o, "%s ports %u-%u: %s", fwd_opt_name(
				  ch[i].r.kind), ch[i].r.first, ch[i].r.last,
				  rc == -EADDRINUSE ? "already forwarded by "
				  "another rule" : rc == -ENOSPC ? "too many "
				  "rules" : strerror(-rc));
			return -1;
		}
		u.added[u.nadded++] = id;
	}
	if (n)
		info("control: %d change%s applied", n, n == 1 ? "" : "s");
	return 0;
}

/* ---- what can be shown ------------------------------------------------- */

/* A rule in the -t/-u grammar: "-t [::]/8080-8081:80-81" */
static void ctl_rule_text(struct ctl_out *o, const struct fwd_rule_rt *r)
{
	char a[INANY_STRLEN + 2] = "";

	if (r->has_addr) {
		char b[INANY_STRLEN];

		inany_ntop(&r->addr, b, sizeof(b));
		snprintf(a, sizeof(a), inany_is_v4(&r->addr) ? "%s/" :
			 "[%s]/", b);
	}
	ctl_printf(o, "%s %s%u", fwd_opt_name(r->kind), a, r->first);
	if (r->last != r->first)
		ctl_printf(o, "-%u", r->last);
	if (r->tfirst != r->first || r->has_taddr) {
		ctl_printf(o, ":");
		if (r->has_taddr) {
			char t[INANY_STRLEN];

			inany_ntop(&r->taddr, t, sizeof(t));
			ctl_printf(o, inany_is_v4(&r->taddr) ? "%s/" : "[%s]/",
				   t);
		}
		ctl_printf(o, "%u", r->tfirst);
		if (r->last != r->first)
			ctl_printf(o, "-%u", r->tfirst + (r->last - r->first));
	}
}

static void ctl_show(struct ctl_out *o)
{
	struct fwd_rule_rt r;
	unsigned k, i;
	uint32_t id;
	int j;

	ctl_printf(o, "# from the command line\n");
	for (k = 0; k < FWD_KIND_NUM_; k++) {
		for (j = 0; j < ctl.conf->n[k]; j++)
			ctl_printf(o, "%s %s\n", fwd_opt_name(k),
				   ctl.conf->spec[k][j]);
	}
	ctl_printf(o, "# added at run time\n");
	for (i = 0; fwd_rt_get(i, &r, &id); i++) {
		ctl_printf(o, "%u\t", id);
		ctl_rule_text(o, &r);
		ctl_printf(o, "\n");
	}
}

struct ctl_flows {
	struct ctl_out *o;
	bool json;
	unsigned n;
	time_t now;
	unsigned loop;
};

/* A flow's id in listings: unique across loops (loop 0's are its slots) */
static unsigned ctl_flow_id(const struct ctl_flows *w,
			    const struct flow_common *f)
{
	return w->loop * FLOW_SLOTS + flow_idx(f);
}

static void ctl_flow(struct loop *lp, struct flow_common *f, void *arg)
{
	struct ctl_flows *w = arg;
	char g[INANY_STRLEN], r[INANY_STRLEN];
	long idle = (long)((uint32_t)w->now - f->last);
	long age = (long)((uint32_t)w->now - f->born);
	const char *state = flow_state(lp, f);

	inany_ntop(&f->gaddr, g, sizeof(g));
	inany_ntop(&f->raddr, r, sizeof(r));
	idle = MAX(idle, 0L);
	age = MAX(age, 0L);
	if (w->json)
		ctl_printf(w->o, "%s{\"id\":%u,\"kind\":\"%s\",\"guest\":\"%s\","
			   "\"guest_port\":%u,\"remote\":\"%s\","
			   "\"remote_port\":%u,\"age_s\":%ld,\"idle_s\":%ld,"
			   "\"state\":\"%s\",\"bytes_out\":%llu,"
			   "\"bytes_in\":%llu,\"frames_out\":%llu,"
			   "\"frames_in\":%llu,\"loop\":%u}", w->n ? "," : "",
			   ctl_flow_id(w, f),
			   flow_kind_name(f->kind), g, f->gport, r, f->rport,
			   age, idle, state ? state : "",
			   (unsigned long long)f->bytes[FLOW_OUT],
			   (unsigned long long)f->bytes[FLOW_IN],
			   (unsigned long long)f->frames[FLOW_OUT],
			   (unsigned long long)f->frames[FLOW_IN], w->loop);
	else
		ctl_printf(w->o, "%u\t%s\t[%s]:%u\t[%s]:%u\tage %ld s\t"
			   "idle %ld s\t%s\tout %llu B/%llu\tin %llu B/%llu\n",
			   ctl_flow_id(w, f), flow_kind_name(f->kind), g, f->gport,
			   r, f->rport, age, idle, state ? state : "-",
			   (unsigned long long)f->bytes[FLOW_OUT],
			   (unsigned long long)f->frames[FLOW_OUT],
			   (unsigned long long)f->bytes[FLOW_IN],
			   (unsigned long long)f->frames[FLOW_IN]);
	w->n++;
}

/* Every loop's flows: the others stand still while theirs are read */
static void ctl_flows(struct loop *lp, struct ctl_out *o, bool json)
{
	struct ctl_flows w = { o, json, 0, lp->now.tv_sec, 0 };

	if (json)
		ctl_printf(o, "{\"flows\":[");
	else
		ctl_printf(o, "# id\tkind\tguest side\tremote side\tage\tidle\t"
			   "state\tout bytes/frames\tin bytes/frames\n");
	loops_pause(lp);
	for (w.loop = 0; w.loop < loops_n(lp); w.loop++)
		flow_foreach(loops_at(lp, w.loop), ctl_flow, &w);
	loops_resume(lp);
	if (o->full) {		/* say so, in what room is left */
		o->len = MIN(o->len, o->size - 64);
		o->full = false;
		ctl_printf(o, json ? "],\"truncated\":true}\n" :
			   "# truncated: too many flows to list\n");
		return;
	}
	if (json)
		ctl_printf(o, "],\"truncated\":false}\n");
}

/* The sum over every loop, read while the others stand still */
static void ctl_stats(struct loop *lp, struct ctl_out *o, bool json)
{
	unsigned k, c, i, n = 0, nl = loops_n(lp);
	uint64_t v;

	loops_pause(lp);
	ctl_printf(o, json ? "{\"flows\":{" : "# flows\tlive\tcap\topened\t"
		   "refused\tidle-closed\n");
	for (k = FLOW_NONE + 1; k < FLOW_KIND_NUM_; k++) {
		struct flow_stats s = { 0 };
		unsigned cap = 0;

		for (i = 0; i < nl; i++) {
			const struct flow_stats *l = flow_stats(loops_at(lp, i),
								k);

			s.live += l->live;
			s.opened += l->opened;
			s.refused += l->refused;
			s.idle += l->idle;
			cap += flow_kind_cap_get(loops_at(lp, i), k);
		}
		if (json)
			ctl_printf(o, "%s\"%s\":{\"live\":%u,\"cap\":%u,"
				   "\"opened\":%llu,\"refused\":%llu,"
				   "\"idle_closed\":%llu}", k > 1 ? "," : "",
				   flow_kind_name(k), s.live, cap,
				   (unsigned long long)s.opened,
				   (unsigned long long)s.refused,
				   (unsigned long long)s.idle);
		else
			ctl_printf(o, "%s\t%u\t%u\t%llu\t%llu\t%llu\n",
				   flow_kind_name(k), s.live, cap,
				   (unsigned long long)s.opened,
				   (unsigned long long)s.refused,
				   (unsigned long long)s.idle);
	}
	ctl_printf(o, json ? "},\"frames\":{" : "# frames from the guest\n");
	for (c = IN_PASS + 1; c < IN_CNT_NUM_; c++) {
		for (v = 0, i = 0; i < nl; i++)
			v += ingress_count(loops_at(lp, i), c);
		if (!v)
			continue;
		ctl_printf(o, json ? "%s\"%s\":%llu" : "%s%s\t%llu\n",
			   json && n ? "," : "", ingress_count_name(c),
			   (unsigned long long)v);
		n++;
	}
	loops_resume(lp);
	ctl_printf(o, json ? "},\"listeners\":%u}\n" : "# listeners\t%u\n",
		   fwd_listeners());
}

/* ---- a request --------------------------------------------------------- */

/* Split @line into words; Return: how many (at most @max) */
static int ctl_words(char *line, char **w, int max)
{
	int n = 0;
	char *save;

	for (char *t = strtok_r(line, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

/* A parse failure: the reason into @q->why; Return: -EINVAL */
static int __attribute__((format(printf, 2, 3)))
ctl_bad(struct ctl_req *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->why, sizeof(q->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/**
 * ctl_parse() - check one request (see ctl.h)
 * @req:	request, not NUL-terminated
 * @len:	its length
 * @q:		the request, parsed; @q->why on failure
 *
 * Return: 0 or -EINVAL
 */
int ctl_parse(const char *req, size_t len, struct ctl_req *q)
{
	static char buf[CTL_REQ_MAX + 1];
	char *line, *save, *w[8];
	int lines = 0, nw;
	const char *why;

	memset(q, 0, sizeof(*q));
	if (len > CTL_REQ_MAX)
		return ctl_bad(q, "request too long");
	memcpy(buf, req, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return ctl_bad(q, "request holds a NUL byte");

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		nw = ctl_words(line, w, 8);
		if (!lines) {
			if (nw != 2 || strcmp(w[0], CTL_HELLO) ||
			    strcmp(w[1], "1"))
				return ctl_bad(q, "protocol: this tether speaks "
					       "'%s %d' only", CTL_HELLO,
					       CTL_PROTO_VERSION);
			continue;
		}
		if (!nw)
			continue;
		if (q->query)
			return ctl_bad(q, "nothing may follow '%s'",
				       q->query == CTL_Q_SHOW ? "show" :
				       q->query == CTL_Q_FLOWS ? "flows" :
				       "stats");
		if (!strcmp(w[0], "show") && nw == 1) {
			q->query = CTL_Q_SHOW;
		} else if ((!strcmp(w[0], "flows") ||
			    !strcmp(w[0], "stats")) &&
			   (nw == 1 || (nw == 2 && !strcmp(w[1], "json")))) {
			q->query = w[0][0] == 'f' ? CTL_Q_FLOWS : CTL_Q_STATS;
			q->json = nw == 2;
		} else if ((!strcmp(w[0], "clear") && nw == 1) ||
			   !strcmp(w[0], "add") || !strcmp(w[0], "del")) {
			struct ctl_change *ch = &q->ch[q->n];

			if (q->n == CTL_LINES_MAX)
				return ctl_bad(q, "more than %d changes",
					       CTL_LINES_MAX);
			ch->op = w[0][0] == 'a' ? CTL_ADD :
				 w[0][0] == 'd' ? CTL_DEL : CTL_CLEAR;
			if (ch->op != CTL_CLEAR &&
			    (why = ctl_rule(w, nw, ch)))
				return ctl_bad(q, "line %d: %s", lines + 1,
					       why);
			q->n++;
		} else {
			return ctl_bad(q, "line %d: unknown request '%s'",
				       lines + 1, w[0]);
		}
	}
	if (!lines)
		return ctl_bad(q, "empty request");
	return 0;
}

/**
 * ctl_handle() - one request to its reply (see the DOC above)
 * @lp:		loop
 * @req:	request, not NUL-terminated
 * @len:	its length
 * @out:	reply
 * @outlen:	its size
 *
 * Return: the reply's length
 */
size_t ctl_handle(struct loop *lp, const char *req, size_t len, char *out,
		  size_t outlen)
{
	static struct ctl_req q;
	struct ctl_out o = { out, 0, outlen, false };

	if (ctl_parse(req, len, &q))
		return ctl_error(&o, "%s", q.why);
	if (ctl_apply(lp, q.ch, q.n, &o))
		return o.len;
	ctl_printf(&o, "%s %d\nok\n", CTL_HELLO, CTL_PROTO_VERSION);
	if (q.query == CTL_Q_SHOW)
		ctl_show(&o);
	else if (q.query == CTL_Q_FLOWS)
		ctl_flows(lp, &o, q.json);
	else if (q.query == CTL_Q_STATS)
		ctl_stats(lp, &o, q.json);
	return o.len;
}

/**
 * ctl_init() - the control socket (see ctl.h)
 * @lp:		loop
 * @path:	socket path, "" for none
 * @c:		forwarding configuration: the command line's rules
 */
void ctl_init(struct loop *lp, const char *path, const struct conf_fwd *c)
{
	ctl.conf = c;
	if (!path[0])
		return;
	usock_listen(lp, &ctl.srv, path, "control socket", ctl_handle);
}
