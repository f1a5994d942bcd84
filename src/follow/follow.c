// SPDX-License-Identifier: MIT
/* follow.c - the host's addresses, routes and resolvers, followed live */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "conf/conf.h"
#include "flow/flow.h"
#include "follow/follow.h"
#include "l2/arp.h"
#include "l2/dhcp.h"
#include "l2/dhcpv6.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l2/ingress.h"
#include "l2/ndp.h"
#include "l4/icmp.h"
#include "l4/nat.h"
#include "l4/tcp.h"
#include "l4/udp.h"
#include "lib/inany.h"
#include "lib/log.h"
#include "lib/util.h"
#include "loops.h"
#include "nl/netlink.h"
#include "ns/ns.h"

/*
 * DOC: following the host. Three fds, opened before the sandbox, feed one
 * path: a rtnetlink socket notified of link, address and route changes in
 * the host's namespace; an inotify watch on resolv.conf; a timerfd. Any
 * notification (arm the timer FOLLOW_SETTLE_MS ahead: a DHCP client or a
 * VPN changes several things in a row) ends, when the timer fires, in one
 * refresh: the host is read again (conf_refresh(), from the command
 * line's own values, so options pin what they name), and what the guest
 * sees is made to match:
 *   - with --config-net, the namespace's addresses and routes
 *     (ns_net_follow(): stale ones removed, new ones added, IPv6 without
 *     DAD), local mode left and entered again with it;
 *   - the services: DHCP's options and address (its lease is
 *     CONF_FOLLOW_LEASE_S, so a guest renews within half of it and takes
 *     the new address after a NAK), DHCPv6, router advertisements (sent
 *     at once; a prefix or resolver that went, with zero lifetimes);
 *   - the address mappings and the DNS forwarder (l4/nat.c), what ARP,
 *     ingress and the guest's learnt addresses start from, the scope of
 *     link-local IPv6 destinations;
 *   - flows whose host socket is bound to an address the host no longer
 *     has are ended (TCP: RST to the guest), others are not touched.
 * A refresh that finds nothing changed changes nothing. The state here is
 * the host's, one per process, like the configuration it changes.
 *
 * resolv.conf: the name /etc/resolv.conf points to (through symlinks) is
 * watched in its directory, so that a new file renamed over it (what
 * dhclient, resolvconf, NetworkManager and systemd-resolved do) is seen;
 * it is read by a helper outside our sandbox (sandbox_reader(): a process
 * that can read that one name and nothing else), since the sandbox leaves
 * us no file to open. A file mounted over /etc/resolv.conf (ip netns
 * exec, containers) can't be replaced, only rewritten: then the file,
 * opened at start-up, is watched itself and read again through its fd.
 */

#define FOLLOW_ADDRS	256	/* host addresses compared per refresh */
#define RESOLV_MAX	65536	/* bytes of resolv.conf read */

enum follow_fd { FL_NETLINK, FL_INOTIFY, FL_TIMER };

/**
 * struct follow - what following the host holds
 * @c:		configuration, changed in place by refreshes
 * @watch:	notifications (host namespace)
 * @req:	requests (host namespace)
 * @tfd:	settle timer
 * @ifd:	inotify, -1 if resolv.conf isn't watched
 * @wd_dir:	watch on resolv.conf's directory (-1: none)
 * @wd_file:	watch on the file itself, when it is a mount point (-1)
 * @reader:	the helper reading resolv.conf by name (-1: none)
 * @rfd:	resolv.conf mounted over /etc/resolv.conf, open (-1: none)
 * @rname:	its name in its directory
 * @resolv_dirty: read it again at the next refresh
 * @rbuf:	its contents
 * @rlen:	their length
 * @rok:	@rbuf holds what was read (else: no resolvers)
 * @addr:	the host's addresses at the last refresh
 * @addr_af:	their families
 * @naddr:	how many (-1: unknown)
 * @armed:	the settle timer runs
 */
static struct follow {
	struct conf *c;
	struct nl_handle watch;
	struct nl_handle req;
	int tfd;
	int ifd;
	int wd_dir;
	int wd_file;
	int reader;
	int rfd;
	char rname[NAME_MAX + 1];
	bool resolv_dirty;
	char rbuf[RESOLV_MAX];
	size_t rlen;
	bool rok;
	uint8_t addr[FOLLOW_ADDRS][16] __attribute__((aligned(8)));
	int addr_af[FOLLOW_ADDRS];
	int naddr;
	bool armed;
} fl = {
	.tfd = -1, .ifd = -1, .wd_dir = -1, .wd_file = -1, .reader = -1,
	.rfd = -1, .naddr = -1,
};

/* Read resolv.conf again: the mounted file through its fd, the file by
 * name through the reader helper */
static void resolv_read(void)
{
	static uint8_t msg[1 + RESOLV_MAX];
	ssize_t n;

	if (fl.rfd >= 0) {
		n = pread(fl.rfd, fl.rbuf, sizeof(fl.rbuf), 0);
		if (n < 0) {
			debug("follow: cannot read resolv.conf: %s",
			      strerror(errno));
			return;		/* keep what it said */
		}
		fl.rlen = (size_t)n;
		fl.rok = true;
		return;
	}
	if (fl.reader < 0)
		return;
	if (send(fl.reader, "r", 1, MSG_NOSIGNAL) != 1 ||
	    (n = recv(fl.reader, msg, sizeof(msg), 0)) < 1) {
		warn_rl("follow: the resolv.conf reader is gone (%s): resolver "
			"changes are no longer followed", strerror(errno));
		return;
	}
	if (msg[0]) {
		debug("follow: cannot open %s (%s): keeping what it said",
		      fl.rname, strerror(msg[0]));
		return;
	}
	fl.rlen = (size_t)n - 1;
	memcpy(fl.rbuf, msg + 1, fl.rlen);
	fl.rok = true;
}

/* At start-up, before the sandbox: read it ourselves (the helper is still
 * confining itself, and needn't be waited for) */
static void resolv_read_now(const char *path)
{
	ssize_t n;
	int fd;

	if (fl.rfd >= 0) {
		resolv_read();
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, fl.rbuf, sizeof(fl.rbuf));
	close(fd);
	if (n >= 0) {
		fl.rlen = (size_t)n;
		fl.rok = true;
	}
}

/* Arm the settle timer, unless it runs already */
static void settle(void)
{
	struct itimerspec it = {
		.it_value = { .tv_nsec = FOLLOW_SETTLE_MS * 1000000L },
	};

	if (fl.armed)
		return;
	if (timerfd_settime(fl.tfd, 0, &it, NULL)) {
		warn_rl("follow: cannot arm the settle timer: %s",
			strerror(errno));
		return;
	}
	fl.armed = true;
}

/**
 * follow_inotify_parse() - what a chunk of inotify events says of
 * resolv.conf (see follow.h)
 * @buf:	events as read()
 * @n:		their length
 * @wd_dir:	watch of its directory (-1: none)
 * @wd_file:	watch of the file itself (-1: none)
 * @name:	its name in the directory
 * @reopen:	set if a file by that name was put in the directory
 * @reread:	set if the watched file was written
 */
void follow_inotify_parse(const uint8_t *buf, size_t n, int wd_dir,
			  int wd_file, const char *name, bool *reopen,
			  bool *reread)
{
	size_t off = 0;

	while (off + sizeof(struct inotify_event) <= n) {
		struct inotify_event ev;
		const char *evname = (const char *)buf + off + sizeof(ev);
		size_t len;

		memcpy(&ev, buf + off, sizeof(ev));	/* may be unaligned */
		len = sizeof(ev) + ev.len;
		if (ev.len > n - off - sizeof(ev))
			break;
		if (wd_file >= 0 && ev.wd == wd_file) {
			*reread = true;
		} else if (wd_dir >= 0 && ev.wd == wd_dir && ev.len &&
			   strnlen(evname, ev.len) < ev.len &&
			   !strcmp(evname, name) &&
			   !(ev.mask & (IN_DELETE | IN_MOVED_FROM))) {
			*reopen = true;		/* deleted: keep what it said */
		}
		off += len;
	}
}

/* inotify events: is resolv.conf among them, and how? */
static void inotify_read(void)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	bool reopen = false, reread = false;
	int i;

	for (i = 0; i < 16; i++) {	/* bounded: the rest comes next turn */
		ssize_t n = read(fl.ifd, buf, sizeof(buf));

		if (n <= 0)
			break;
		follow_inotify_parse(buf, (size_t)n, fl.wd_dir, fl.wd_file,
				     fl.rname, &reopen, &reread);
	}
	if (reopen || reread) {
		fl.resolv_dirty = true;
		settle();
	}
}

/* Is @a one of the host's addresses at the last refresh? */
static bool addr_known(const union inany *a)
{
	int i;

	for (i = 0; i < fl.naddr && i < FOLLOW_ADDRS; i++) {
		struct in6_addr a6;
		struct in_addr a4;
		union inany b;

		if (fl.addr_af[i] == AF_INET) {
			memcpy(&a4, fl.addr[i], sizeof(a4));	/* unaligned */
			inany_from_v4(&b, a4);
		} else {
			memcpy(&a6, fl.addr[i], sizeof(a6));
			inany_from_v6(&b, &a6);
		}
		if (inany_equals(a, &b))
			return true;
	}
	return false;
}

static bool addr_gone(const union inany *a, void *arg)
{
	(void)arg;
	return !addr_known(a);
}

/* The host's address list again; Return: true if one went since */
static bool addrs_refresh(void)
{
	uint8_t was[FOLLOW_ADDRS][16];
	int was_af[FOLLOW_ADDRS], was_n = fl.naddr, n, i, j;
	bool went = false;

	memcpy(was, fl.addr, sizeof(was));
	memcpy(was_af, fl.addr_af, sizeof(was_af));
	n = nl_addr_list(&fl.req, fl.addr, fl.addr_af, FOLLOW_ADDRS);
	if (n < 0 || n > FOLLOW_ADDRS) {
		if (n > FOLLOW_ADDRS)
			debug("follow: over %d host addresses: flows are not "
			      "checked against them", FOLLOW_ADDRS);
		fl.naddr = -1;
		return false;
	}
	fl.naddr = n;
	for (i = 0; i < was_n; i++) {
		for (j = 0; j < n; j++) {
			if (was_af[i] == fl.addr_af[j] &&
			    !memcmp(was[i], fl.addr[j], 16))
				break;
		}
		if (j == n)
			went = true;
	}
	return went;
}

/* The interface index of @name in the host, 0 if none */
static unsigned host_ifindex(const char *name)
{
	unsigned i = 0;

	if (!name[0] || nl_ifindex(&fl.req, name, &i))
		return 0;
	return i;
}

/* What each loop keeps of the configuration, made current */
static void follow_apply_loop(struct loop *lp, bool went, unsigned chg,
			      unsigned *ended)
{
	struct conf *c = fl.c;
	unsigned e;

	if (went && (e = flow_abort_gone(lp, addr_gone, NULL))) {
		egress_flush(lp);
		*ended += e;
	}
	if (chg) {
		ingress_conf_set(lp, &c->ip4, &c->ip6);
		udp_bcast_set(lp, &c->ip4);
	}
	if (chg & CONF_CHG_IF) {
		const char *ifn = c->ip6.outbound_if[0] ? c->ip6.outbound_if :
							   c->ip6.ifname;
		unsigned idx = host_ifindex(ifn);

		udp_scope6_set(lp, idx);
		icmp_scope6_set(lp, idx);
		tcp_scope6_set(lp, host_ifindex(c->ip6.ifname));
	}
}

/*
 * Read the host again and make the guest's view match. The other loops
 * read the configuration on every packet: they stand still meanwhile, and
 * their own copies of it are made current here too.
 */
static void follow_apply(struct loop *lp)
{
	struct conf *c = fl.c;
	unsigned chg, ended = 0, i;
	bool went;

	loops_pause(lp);
	if (fl.resolv_dirty) {
		fl.resolv_dirty = false;
		resolv_read();
	}
	chg = conf_refresh(c, &fl.req, fl.rok ? fl.rbuf : NULL, fl.rlen);
	went = addrs_refresh();

	if (chg) {
		nat_init(&c->ip4, &c->ip6);
		arp_init(&c->ip4);
		if (chg & (CONF_CHG_IP4 | CONF_CHG_IP6))
			guest_addrs_moved(&c->ip4, &c->ip6);
		dhcp_init(&c->ip4, &c->link, &c->svc);
		dhcpv6_init(c);
		ndp_refresh(lp, &c->ip6, &c->link, &c->ns, &c->svc);
	}
	/* Flows on addresses that went end first, and their RSTs are out
	 * before the namespace loses the address they go to */
	for (i = 0; i < loops_n(lp); i++)
		follow_apply_loop(loops_at(lp, i), went, chg, &ended);
	loops_resume(lp);

	/* Then the namespace: its routes may have changed without the
	 * guest-facing summary changing */
	if (c->mode == MODE_PASTA && c->ns.config_net)
		ns_net_follow(c, &fl.req);

	if (chg || ended)
		debug("follow: host change applied%s%s%s, %u flows ended",
		      chg & (CONF_CHG_IP4 | CONF_CHG_IP6) ? ", addresses" : "",
		      chg & CONF_CHG_DNS ? ", resolvers" : "",
		      chg & CONF_CHG_IF ? ", interface" : "", ended);
}

static void follow_handler(struct loop *lp, union ep_ref ref, uint32_t events)
{
	uint64_t exp;

	(void)events;
	switch (ref.idx) {
	case FL_NETLINK:
		if (nl_watch_read(&fl.watch))
			settle();
		break;
	case FL_INOTIFY:
		inotify_read();
		break;
	case FL_TIMER:
		if (read(fl.tfd, &exp, sizeof(exp)) != sizeof(exp))
			break;
		fl.armed = false;
		follow_apply(lp);
		break;
	default:
		break;
	}
}

/* Watch resolv.conf: its directory (renames), or the file if mounted */
static void resolv_watch(const char *path,
			 int (*reader)(const char *dir, const char *name))
{
	char real[PATH_MAX], *slash;
	struct statx stx;
	bool mounted;
	int rc;

	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	slash = strrchr(real, '/');
	if (!slash || !slash[1] || strlen(slash + 1) >= sizeof(fl.rname))
		return;
	snprintf(fl.rname, sizeof(fl.rname), "%s", slash + 1);
	mounted = !statx(AT_FDCWD, real, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS,
			 &stx) &&
		  (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		  (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);

	fl.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fl.ifd < 0) {
		warn("cannot watch %s (%s): resolver changes won't be "
		     "followed", real, strerror(errno));
		return;
	}
	if (mounted && (fl.rfd = open(real, O_RDONLY | O_CLOEXEC)) >= 0) {
		fl.wd_file = inotify_add_watch(fl.ifd, real,
					       IN_CLOSE_WRITE | IN_MODIFY);
	} else {
		*slash = '\0';
		fl.wd_dir = inotify_add_watch(fl.ifd, real[0] ? real : "/",
					      IN_CLOSE_WRITE | IN_MOVED_TO |
					      IN_CREATE | IN_DELETE |
					      IN_MOVED_FROM);
		if (fl.wd_dir >= 0 &&
		    (rc = reader(real[0] ? real : "/", fl.rname)) < 0) {
			warn("cannot start the resolv.conf reader (%s): "
			     "resolver changes won't be followed",
			     strerror(-rc));
			inotify_rm_watch(fl.ifd, fl.wd_dir);
			fl.wd_dir = -1;
			errno = -rc;
		} else if (fl.wd_dir >= 0) {
			struct timeval tv = { .tv_sec = 1 };

			fl.reader = rc;	/* a stuck helper doesn't stop us */
			setsockopt(rc, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv));
		}
		*slash = '/';
	}
	if (fl.wd_file < 0 && fl.wd_dir < 0) {
		warn("cannot watch %s (%s): resolver changes won't be "
		     "followed", real, strerror(errno));
		return;
	}
	debug("follow: watching %s%s", real, mounted ? " (a mount: the file "
	      "itself)" : " in its directory, read by a helper");
}

/**
 * follow_prepare() - the resolv.conf watch and its reader (see follow.h)
 * @c:		configuration
 * @reader:	starts the resolv.conf reader helper (sandbox_reader())
 */

/**
 * follow_init() - watch the host, unless told not to (see follow.h)
 * @lp:		the loop
 * @c:		configuration, kept and changed in place
 */
void follow_prepare(const struct conf *c,
		    int (*reader)(const char *dir, const char *name))
{
	if (!c->proc.follow)
		return;
	resolv_watch("/etc/resolv.conf", reader);
	resolv_read_now("/etc/resolv.conf");
}

void follow_init(struct loop *lp, struct conf *c)
{
	int fd, rc;

	if (!c->proc.follow)
		return;
	fl.c = c;
	if ((rc = nl_open(&fl.req)) || (fd = nl_watch_open(&fl.watch)) < 0)
		die("cannot open netlink to follow the host's network: %s "
		    "(or keep it fixed with --no-follow-host)",
		    strerror(-(rc ? rc : fd)));
	fl.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fl.tfd < 0)
		die_perror("timerfd for following the host");
	addrs_refresh();

	loop_handler_set(lp, EP_FOLLOW, follow_handler);
	if (loop_add(lp, fd, EPOLLIN, ep_ref_make(EP_FOLLOW, fd, FL_NETLINK)) ||
	    loop_add(lp, fl.tfd, EPOLLIN,
		     ep_ref_make(EP_FOLLOW, fl.tfd, FL_TIMER)) ||
	    (fl.ifd >= 0 && loop_add(lp, fl.ifd, EPOLLIN,
				     ep_ref_make(EP_FOLLOW, fl.ifd,
						 FL_INOTIFY))))
		die("cannot watch the host's network: epoll: %s",
		    strerror(errno));
	debug("follow: following the host's addresses, routes and resolvers "
	      "(--no-follow-host keeps them fixed)");
}

/**
 * follow_sandbox_needs() - what the sandbox must leave (see follow.h)
 *
 * Return: true if following
 */
bool follow_sandbox_needs(void)
{
	return fl.c;
}
