// SPDX-License-Identifier: MIT
/* fwd.c - port forwarding: rules to listening sockets, both directions */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwd/fwd.h"
#include "fwd/fwd_int.h"
#include "sock/nspool.h"
#include "l4/udp.h"
#include "l4/udp_inbound.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loop.h"

/*
 * DOC: every rule of conf->fwd becomes listening sockets: -t/-u on the
 * host, -T/-U inside the namespace (created there, bound from here).
 * Without an address, host listeners are one dual-stack socket (or one
 * of the only family enabled); namespace listeners are bound to
 * 127.0.0.1 and ::1, as only loopback clients are forwarded that way.
 * Explicit ports must all be bound, or we exit; "all" binds what it can;
 * "auto" ports are opened and closed by the scanner (fwd_auto.c). The
 * epoll reference of a listener carries its slot, which gives the rule
 * and port, so an accepted connection knows its target port at once
 * (fwd_conn.c).
 */

#define FWD_NS_BATCH	64	/* namespace sockets opened per ns_call() */

struct fwd_state fwd;

static const char *const fwd_opt[FWD_KIND_NUM_] = {
	[FWD_TCP_IN] = "-t", [FWD_UDP_IN] = "-u",
	[FWD_TCP_OUT] = "-T", [FWD_UDP_OUT] = "-U",
};

/* Namespace sockets opened in batches while many listeners are made */
static struct {
	bool on;
	int fd[2][2][FWD_NS_BATCH];
	int n[2][2];
} nsbulk;

/**
 * fwd_opt_name() - the option of a kind of rule, for messages
 * @kind:	enum conf_fwd_kind
 *
 * Return: "-t", "-u", "-T" or "-U"
 */
const char *fwd_opt_name(unsigned kind)
{
	return kind < FWD_KIND_NUM_ ? fwd_opt[kind] : "?";
}

/**
 * fwd_listener_at() - listener for an epoll reference
 * @idx:	slot
 * @fd:		the fd the event was for
 *
 * Return: the listener, or NULL if the event is stale
 */
struct fwd_listener *fwd_listener_at(uint32_t idx, int fd)
{
	if (idx >= FWD_LISTEN_MAX || fwd.l[idx].fd < 0 || fwd.l[idx].fd != fd)
		return NULL;
	return &fwd.l[idx];
}

static struct fwd_listener *fwd_alloc(void)
{
	struct fwd_listener *l;

	if (fwd.free_head) {
		l = &fwd.l[fwd.free_head - 1];
		fwd.free_head = l->next;
	} else if (fwd.hwm < FWD_LISTEN_MAX) {
		l = &fwd.l[fwd.hwm++];
	} else {
		return NULL;
	}
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	return l;
}

static void fwd_free(struct fwd_listener *l)
{
	l->fd = -1;
	l->next = fwd.free_head;
	fwd.free_head = (uint32_t)(l - fwd.l) + 1;
}

/* A socket in the namespace: from the bulk batch, or the pool */
static int fwd_ns_socket(int af, int type)
{
	int u = type == SOCK_DGRAM, f = af == AF_INET6, n;

	if (!nsbulk.on)
		return nspool_get(af, type);
	if (!nsbulk.n[u][f]) {
		n = nspool_open(af, type, nsbulk.fd[u][f], FWD_NS_BATCH);
		if (n < 0)
			return n;
		nsbulk.n[u][f] = n;
	}
	return nsbulk.fd[u][f][--nsbulk.n[u][f]];
}

/* Leave bulk mode: close what the batches had left */
static void fwd_ns_bulk_end(void)
{
	int u, f;

	for (u = 0; u < 2; u++) {
		for (f = 0; f < 2; f++) {
			while (nsbulk.n[u][f])
				close(nsbulk.fd[u][f][--nsbulk.n[u][f]]);
		}
	}
	nsbulk.on = false;
}

/**
 * struct fwd_bind - where one listening socket of a rule binds
 * @af:		family
 * @v6only:	IPV6_V6ONLY for AF_INET6
 * @addr:	address
 */
struct fwd_bind {
	int af;
	bool v6only;
	union inany addr;
};

/**
 * struct fwd_where - what a rule says about where to listen
 * @has_addr:	one address
 * @addr:	that address
 * @ifname:	SO_BINDTODEVICE ("" for none)
 */
struct fwd_where {
	bool has_addr;
	union inany addr;
	const char *ifname;
};

static void fwd_where_of(unsigned kind, unsigned rule, struct fwd_where *w)
{
	if (fwd_rule_is_rt(rule)) {
		const struct fwd_rule_rt *r = fwd_rule_rt_at(rule);

		w->has_addr = r->has_addr;
		w->addr = r->addr;
		w->ifname = "";
	} else {
		const struct fwd_spec *fs = fwd_rule(kind, rule);

		w->has_addr = fs->has_addr;
		w->addr = fs->addr;
		w->ifname = fs->ifname;
	}
}

/* Sockets a rule needs for each port; Return: how many (0 to 2) */
static int fwd_binds(unsigned kind, const struct fwd_where *fs,
		     struct fwd_bind b[2])
{
	struct in_addr lo4 = { htonl(INADDR_LOOPBACK) }, any4 = { 0 };
	int n = 0;

	memset(b, 0, 2 * sizeof(*b));
	if (fs->has_addr) {
		b[0].af = inany_af(&fs->addr);
		b[0].v6only = true;
		b[0].addr = fs->addr;
		return 1;
	}
	if (fwd_kind_ns(kind)) {
		if (fwd.v4) {
			b[n].af = AF_INET;
			inany_from_v4(&b[n++].addr, lo4);
		}
		if (fwd.v6) {
			b[n].af = AF_INET6;
			b[n].v6only = true;
			inany_from_v6(&b[n++].addr, &in6addr_loopback);
		}
		return n;
	}
	if (fwd.v6) {
		b[0].af = AF_INET6;
		b[0].v6only = !fwd.v4;
		inany_from_v6(&b[0].addr, &in6addr_any);
	} else {
		b[0].af = AF_INET;
		inany_from_v4(&b[0].addr, any4);
	}
	return 1;
}

/* One listening socket (@strict: may use the fd reserve);
 * Return: fd, or -errno */
static int fwd_sock(unsigned kind, const struct fwd_where *fs,
		    const struct fwd_bind *b, uint16_t port, bool strict)
{
	int type = fwd_kind_udp(kind) ? SOCK_DGRAM : SOCK_STREAM, one = 1;
	int v6only = b->v6only, fd, rc = 0;
	union sockaddr_inany sa;
	socklen_t sl;

	if (fwd_kind_ns(kind))
		fd = fwd_ns_socket(b->af, type);
	else
		fd = socket(b->af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fwd_kind_ns(kind) ? fd : -errno;
	if (!strict && fd >= fwd.fd_cap) {
		close(fd);
		return -EMFILE;
	}

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (b->af == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			sizeof(v6only))) ||
	    (fs->ifname[0] &&
	     setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, fs->ifname,
			(socklen_t)strlen(fs->ifname))) ||
	    (fwd.freebind && fs->has_addr &&
	     (b->af == AF_INET6 ?
	      setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) :
	      setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)))))
		rc = -errno;
	sl = inany_to_sockaddr(&sa, &b->addr, port, 0);
	if (!rc && b->af == AF_INET6 && inany_is_v4(&b->addr))
		rc = -EAFNOSUPPORT;
	if (!rc && bind(fd, &sa.sa, sl))
		rc = -errno;
	if (!rc && type == SOCK_DGRAM)
		udp_sock_rcvbuf(fd);
	if (!rc && type == SOCK_STREAM && listen(fd, SOMAXCONN))
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* Register a bound socket as listener (@kind, @rule, @port) */
static int fwd_add(struct loop *lp, unsigned kind, unsigned rule,
		   uint16_t port, int af,
		   int fd)
{
	enum ep_type t = fwd_kind_udp(kind) ? EP_UDP_LISTEN : EP_TCP_LISTEN;
	struct fwd_listener *l = fwd_alloc();
	struct stat st;
	uint32_t idx;
	int rc;

	if (!l) {
		warn_rl("all %u listening sockets in use: port %u not "
			"forwarded", FWD_LISTEN_MAX, port);
		close(fd);
		return -ENOSPC;
	}
	idx = (uint32_t)(l - fwd.l);
	rc = loop_add(lp, fd, EPOLLIN, ep_ref_make(t, fd, idx));
	if (rc) {
		close(fd);
		fwd_free(l);
		return rc;
	}
	l->fd = fd;
	l->ino = fstat(fd, &st) ? 0 : (uint32_t)st.st_ino;
	l->port = port;
	l->kind = (uint8_t)kind;
	l->rule = (uint8_t)rule;
	l->af = (uint8_t)af;
	l->next = fwd.head[kind][port];
	fwd.head[kind][port] = idx + 1;
	fwd.count++;
	return 0;
}

/* Not worth failing an explicit rule for: that family isn't there */
static bool fwd_family_missing(int rc)
{
	return rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT;
}

/**
 * fwd_listen() - open the listening sockets of a rule for one port
 * @kind:	enum conf_fwd_kind
 * @rule:	rule index
 * @port:	port
 * @how:	explicit ports may use the fd reserve, and those of the
 *		command line exit with a clear message if they can't be
 *		bound (one family missing is tolerated if another binds)
 *
 * Return: 0 if at least one socket listens, else -errno
 */
int fwd_listen(struct loop *lp, unsigned kind, unsigned rule, uint16_t port,
	       enum fwd_how how)
{
	bool strict = how == FWD_EXPLICIT_DIE;
	int n, i, ok = 0, err = 0, fd, rc;
	struct fwd_where fs;
	struct fwd_bind b[2];

	fwd_where_of(kind, rule, &fs);
	n = fwd_binds(kind, &fs, b);
	for (i = 0; i < n; i++) {
		fd = fwd_sock(kind, &fs, &b[i], port, how != FWD_IMPLICIT);
		rc = fd < 0 ? fd : fwd_add(lp, kind, rule, port, b[i].af, fd);
		if (!rc) {
			ok++;
			continue;
		}
		if (!err || !fwd_family_missing(rc))
			err = rc;
	}
	if (ok && (!err || fwd_family_missing(err)))
		return 0;
	if (strict && err)
		die("Failed to bind port %u (%s) for option '%s %s', exiting",
		    port, strerror(-err), fwd_opt[kind],
		    fwd.rules->spec[kind][rule]);
	if (!ok && !err)
		err = -EAFNOSUPPORT;
	return ok ? 0 : err;
}

/**
 * fwd_unlisten() - close the listening sockets of a rule for one port
 * @kind:	enum conf_fwd_kind
 * @rule:	rule index
 * @port:	port
 */
void fwd_unlisten(struct loop *lp, unsigned kind, unsigned rule, uint16_t port)
{
	uint32_t *pp = &fwd.head[kind][port];

	while (*pp) {
		struct fwd_listener *l = &fwd.l[*pp - 1];
		uint32_t idx = *pp - 1;

		if (l->rule != rule) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		close(l->fd);
		if (l->flags & FWD_L_PAUSED)
			fwd.paused--;
		if (fwd_kind_udp(kind))
			udp_fwd_listener_gone(lp, idx);
		fwd_free(l);
		fwd.count--;
	}
}

/**
 * fwd_listening() - does a rule listen on a port?
 * @kind:	enum conf_fwd_kind
 * @rule:	rule index
 * @port:	port
 *
 * Return: true if it has at least one socket there
 */
bool fwd_listening(unsigned kind, unsigned rule, uint16_t port)
{
	uint32_t i;

	for (i = fwd.head[kind][port]; i; i = fwd.l[i - 1].next) {
		if (fwd.l[i - 1].rule == rule)
			return true;
	}
	return false;
}

/**
 * fwd_is_ours() - is the socket with inode @ino one of our listeners?
 * @kind:	kind of listener it would be
 * @port:	its port
 * @ino:	its inode (from /proc/net)
 *
 * Return: true if so
 */
bool fwd_is_ours(unsigned kind, uint16_t port, uint32_t ino)
{
	uint32_t i;

	for (i = fwd.head[kind][port]; i; i = fwd.l[i - 1].next) {
		if (fwd.l[i - 1].ino == ino)
			return true;
	}
	return false;
}

/**
 * fwd_pause() - stop polling a listener for a while (out of fds): the
 * periodic timer resumes it
 * @l:		listener
 */
void fwd_pause(struct loop *lp, struct fwd_listener *l)
{
	enum ep_type t = fwd_kind_udp(l->kind) ? EP_UDP_LISTEN : EP_TCP_LISTEN;

	if (l->flags & FWD_L_PAUSED)
		return;
	if (loop_mod(lp, l->fd, 0, ep_ref_make(t, l->fd,
					       (uint32_t)(l - fwd.l))))
		return;
	l->flags |= FWD_L_PAUSED;
	fwd.paused++;
}

static void fwd_resume_all(struct loop *lp)
{
	uint32_t i;

	for (i = 0; i < fwd.hwm && fwd.paused; i++) {
		struct fwd_listener *l = &fwd.l[i];
		enum ep_type t;

		if (l->fd < 0 || !(l->flags & FWD_L_PAUSED))
			continue;
		t = fwd_kind_udp(l->kind) ? EP_UDP_LISTEN : EP_TCP_LISTEN;
		loop_mod(lp, l->fd, EPOLLIN, ep_ref_make(t, l->fd, i));
		l->flags &= ~FWD_L_PAUSED;
		fwd.paused--;
	}
}

/* Explicit and "all" rules: every port now */
static void fwd_listen_static(struct loop *lp, unsigned kind, unsigned rule)
{
	const struct fwd_spec *fs = fwd_rule(kind, rule);
	bool strict = fs->mode == FWD_MODE_LIST;
	unsigned port, ok = 0, total;
	int rc = 0, err = 0;

	if (fs->mode != FWD_MODE_LIST && fs->mode != FWD_MODE_ALL)
		return;
	total = fwd_spec_count(fs);
	for (port = 1; port < FWD_PORTS; port++) {
		if (!fwd_spec_has(fs, (uint16_t)port))
			continue;
		rc = fwd_listen(lp, kind, rule, (uint16_t)port,
				strict ? FWD_EXPLICIT_DIE : FWD_IMPLICIT);
		if (!rc) {
			ok++;
			continue;
		}
		err = rc;
		if (rc == -EMFILE || rc == -ENFILE || rc == -ENOSPC)
			break;
	}
	if (rc == -EMFILE || rc == -ENFILE)
		warn("%s '%s': %u of %u ports forwarded, then out of file "
		     "descriptors (raise the limit: ulimit -n)", fwd_opt[kind],
		     fwd.rules->spec[kind][rule], ok, total);
	else if (ok < total)
		warn("%s '%s': %u of %u ports forwarded (last error: %s)",
		     fwd_opt[kind], fwd.rules->spec[kind][rule], ok, total,
		     strerror(-err));
	else
		debug("%s '%s': %u ports forwarded", fwd_opt[kind],
		      fwd.rules->spec[kind][rule], ok);
}

/* Periodic: the scanner, pools, idle flows */
static void fwd_timer(struct loop *lp)
{
	if (fwd.paused)
		fwd_resume_all(lp);
	fwd_auto_scan(lp);
	if (fwd.splice)
		nspool_refill();
}

/**
 * fwd_listeners() - listening sockets open now
 *
 * Return: the count
 */
unsigned fwd_listeners(void)
{
	return fwd.count;
}

/* Highest fd for implicit listeners: a quarter of the limit is kept */
static int fwd_fd_cap(void)
{
	struct rlimit rl;
	rlim_t keep;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > INT_MAX)
		return INT_MAX;
	keep = MAX(rl.rlim_cur / 4, (rlim_t)FWD_FD_RESERVE_MIN);
	return rl.rlim_cur > keep ? (int)(rl.rlim_cur - keep) : 0;
}

/* Does any rule of @kind forward something (@explicit: not just auto)? */
static bool fwd_kind_used(const struct conf *c, unsigned kind, bool explicit)
{
	int i;

	for (i = 0; i < c->fwd.n[kind]; i++) {
		enum fwd_mode m = c->fwd.rule[kind][i]->mode;

		if (m != FWD_MODE_NONE && (!explicit || m != FWD_MODE_AUTO))
			return true;
	}
	return false;
}

/**
 * fwd_init() - listeners for every rule, scanner, fast path (see fwd.h)
 * @c:		configuration
 */
void fwd_init(struct loop *lp, const struct conf *c)
{
	bool tcp_in = fwd_kind_used(c, FWD_TCP_IN, false);
	bool udp_in = fwd_kind_used(c, FWD_UDP_IN, false);
	unsigned k;
	int i;

	fwd.rules = &c->fwd;
	fwd.pasta = c->mode == MODE_PASTA;
	fwd.splice = fwd.pasta && c->ns.splice;
	fwd.lo_to_lo = c->ns.host_lo_to_ns_lo || c->ns.splice_only;
	fwd.splice_all = c->ns.splice_only;
	fwd.v4 = c->ip4.enabled;
	fwd.v6 = c->ip6.enabled;
	fwd.freebind = c->fwd.freebind;
	fwd.fd_cap = fwd_fd_cap();

	fwd_conn_init(lp);
	if (fwd.splice) {
		nspool_init(tcp_in && fwd.v4, tcp_in && fwd.v6,
			    udp_in && fwd.v4, udp_in && fwd.v6);
	}

	for (k = 0; k < FWD_KIND_NUM_; k++) {
		if (fwd_kind_ns(k) && (!fwd.pasta || !fwd.splice)) {
			if (fwd_kind_used(c, k, true))
				warn("%s needs the loopback fast path: ignored "
				     "%s", fwd_opt[k], fwd.pasta ?
				     "with --no-splice" : "in passt mode");
			continue;
		}
		nsbulk.on = fwd_kind_ns(k);
		for (i = 0; i < c->fwd.n[k]; i++)
			fwd_listen_static(lp, k, (unsigned)i);
		fwd_ns_bulk_end();
	}
	fwd_auto_init(lp);
	loop_timer_add(lp, fwd_timer, FWD_SCAN_MS);
	debug("forwarding: %u listening sockets", fwd.count);
}
