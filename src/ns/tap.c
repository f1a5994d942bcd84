// SPDX-License-Identifier: MIT
/* tap.c - create the tap in the namespace; --config-net addresses, routes */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "lib/log.h"
#include "nl/netlink.h"
#include "ns/ns.h"
#include "ns/ns_priv.h"

/* UDP segmentation offload (Linux 6.2), newer than some uapi headers */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

#ifndef TAP_TXQLEN
#define TAP_TXQLEN	4096	/* frames; the kernel's default is 1000 */
#endif

/**
 * struct tap_open_arg - work done inside the namespace by tap_open_ns()
 * @c:		configuration
 * @nq:		queues wanted (IFF_MULTI_QUEUE if more than one)
 * @fd:		the tap's queues (out)
 * @nfd:	how many were opened (out): @nq, or 1 if the kernel has
 *		no multi-queue taps
 * @name:	its name as the kernel gave it (out)
 * @nl:		netlink handle opened in the namespace (out)
 * @udp_gso:	the kernel takes UDP GSO frames from us (out)
 * @err:	-errno of the failed step (out)
 * @step:	what failed (out)
 */
struct tap_open_arg {
	const struct conf *c;
	unsigned nq;
	int *fd;
	unsigned nfd;
	char name[IFNAMSIZ];
	struct nl_handle nl;
	bool udp_gso;
	int err;
	const char *step;
};

/*
 * Checksum and TCP segmentation offload: the namespace may send us 64 KiB
 * TCP segments with the checksum left undone, and take the same from us,
 * whatever the MTU (see link/tun.c). Without it frames still carry the
 * virtio-net header, with no offload flags.
 *
 * UDP segmentation (USO, Linux 6.2): the same for UDP, both ways. A
 * program in the namespace that sends with UDP_SEGMENT (QUIC stacks do)
 * hands us up to 64 KiB of datagrams in one frame, which go on with one
 * UDP_SEGMENT send; and we may write runs of datagrams as one frame.
 * Return: true if UDP GSO frames may be written to the tap
 */
static bool tap_offload(int fd)
{
	const unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int hdrsz = sizeof(struct virtio_net_hdr);

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz))	/* 10 is the default */
		debug("tap header size: %s", strerror(errno));
	if (!ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6))
		return true;
	if (ioctl(fd, TUNSETOFFLOAD, tso) && ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM))
		debug("tap offloads not available: %s", strerror(errno));
	return false;
}

/* Write @val to /proc/sys/net/@fam/conf/@dev/@key, or say why not */
static void sysctl_set(const char *dev, const char *fam, const char *key,
		       const char *val)
{
	char path[64 + IFNAMSIZ];
	int rc;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam, dev,
		 key);
	if ((rc = ns_write_file(path, val)))
		debug("cannot set %s on %s: %s", key, dev, strerror(-rc));
}

/* One queue of the tap @name (created by the first): Return: fd or -errno */
static int tap_queue_open(char name[IFNAMSIZ], short flags, const char **step)
{
	struct ifreq ifr = { .ifr_flags = flags };
	int fd, e;

	*step = "open /dev/net/tun";
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	*step = "create the tap";
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		e = -errno;
		close(fd);
		return e;
	}
	snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

/*
 * Inside the namespace: /dev/net/tun, the tap, a netlink socket, DAD off.
 * More than one queue: a multi-queue tap, a queue per loop; the tun driver
 * sends each flow's frames to the queue we last wrote that flow's on
 */
static int tap_open_ns(void *p)
{
	struct tap_open_arg *a = p;
	short flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	int fd;

	a->nfd = 0;
	snprintf(a->name, IFNAMSIZ, "%s", a->c->link.ns_ifname);
	if (a->nq > 1)
		flags |= IFF_MULTI_QUEUE;
	fd = tap_queue_open(a->name, flags, &a->step);
	if (fd == -EINVAL && a->nq > 1) {	/* no multi-queue taps here */
		debug("tap: no multi-queue taps: one queue, one loop");
		snprintf(a->name, IFNAMSIZ, "%s", a->c->link.ns_ifname);
		flags &= (short)~IFF_MULTI_QUEUE;
		a->nq = 1;
		fd = tap_queue_open(a->name, flags, &a->step);
	}
	if (fd < 0)
		return a->err = fd;
	a->fd[a->nfd++] = fd;
	a->udp_gso = tap_offload(fd);
	while (a->nfd < a->nq) {
		fd = tap_queue_open(a->name, flags, &a->step);
		if (fd < 0)
			goto fail;
		a->fd[a->nfd++] = fd;
		if (tap_offload(fd) != a->udp_gso)	/* one device */
			debug("tap: queue %u offloads differ", a->nfd - 1);
	}

	a->step = "open netlink";
	a->err = nl_open(&a->nl);
	if (a->err)
		goto fail;

	/* Addresses are the host's: no duplicate detection, before link up */
	if (a->c->ns.config_net && (a->c->ip6.enabled || a->c->proc.follow))
		sysctl_set(a->name, "ipv6", "accept_dad", "0");
	/* Following the host, an address goes before its successor in the
	 * same subnet is added: the others of the subnet must stay */
	if (a->c->ns.config_net && a->c->proc.follow)
		sysctl_set(a->name, "ipv4", "promote_secondaries", "1");
	return 0;

fail:
	if (fd < 0)
		a->err = fd;
	while (a->nfd)
		close(a->fd[--a->nfd]);
	return a->err;
}

/* die() with a hint for the usual causes */
static void __attribute__((noreturn)) tap_die(const struct tap_open_arg *a)
{
	const char *hint = "";

	if (!strcmp(a->step, "open /dev/net/tun")) {
		if (a->err == -ENOENT || a->err == -ENODEV)
			hint = " (is the tun module loaded?)";
		else if (a->err == -EACCES || a->err == -EPERM)
			hint = " (is the tun module loaded and the node 0666?)";
		die("cannot open /dev/net/tun: %s%s", strerror(-a->err), hint);
	}
	if (!strcmp(a->step, "create the tap")) {
		if (a->err == -EBUSY || a->err == -EEXIST || a->err == -EINVAL)
			hint = " (name taken or invalid? choose one with -I)";
		else if (a->err == -EPERM)
			hint = " (no CAP_NET_ADMIN in the namespace's user "
			       "namespace: join it, or drop --netns-only)";
		die("cannot create tap '%s' in the namespace: %s%s",
		    a->c->link.ns_ifname, strerror(-a->err), hint);
	}
	die("cannot %s in the namespace: %s", a->step, strerror(-a->err));
}

static const char *af_name(int af)
{
	return af == AF_INET ? "IPv4" : "IPv6";
}

/**
 * struct tap_af - one family's view of the configuration
 * @af:		AF_INET or AF_INET6
 * @addr:	guest address (struct in_addr or in6_addr)
 * @prefix_len:	its prefix length
 * @gw:		gateway
 * @ifname:	host template interface ("" if none)
 * @addr_fixed:	-a: only @addr
 * @gw_fixed:	-g: only a default route via @gw
 */
struct tap_af {
	int af;
	const void *addr;
	int prefix_len;
	const void *gw;
	const char *ifname;
	bool addr_fixed;
	bool gw_fixed;
};

/* The family @af of @c, as tap_config_af() and follow_af() read it */
static struct tap_af tap_af_of(const struct conf *c, int af)
{
	if (af == AF_INET)
		return (struct tap_af){
			.af = AF_INET, .addr = &c->ip4.addr,
			.prefix_len = c->ip4.prefix_len, .gw = &c->ip4.gw,
			.ifname = c->ip4.ifname,
			.addr_fixed = c->ip4.addr_fixed,
			.gw_fixed = c->ip4.gw_fixed,
		};
	return (struct tap_af){
		.af = AF_INET6, .addr = &c->ip6.addr,
		.prefix_len = c->ip6.prefix_len, .gw = &c->ip6.gw,
		.ifname = c->ip6.ifname, .addr_fixed = c->ip6.addr_fixed,
		.gw_fixed = c->ip6.gw_fixed,
	};
}

static bool is_zero(const void *a, int af)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, af == AF_INET ? 4 : 16);
}

/* Addresses and routes of one family on the tap @tap_if */
static void tap_config_af(const struct tap_af *f, struct nl_handle *host,
			  struct nl_handle *ns, unsigned tap_if)
{
	unsigned host_if = 0;
	int rc;

	if (f->ifname[0] && (rc = nl_ifindex(host, f->ifname, &host_if)))
		warn("%s: template interface %s not found: %s", af_name(f->af),
		     f->ifname, strerror(-rc));

	if (f->addr_fixed || !host_if) {
		rc = is_zero(f->addr, f->af) ? 0 :
		     nl_addr_add(ns, tap_if, f->af, f->addr, f->prefix_len);
	} else {
		rc = nl_addr_copy(host, host_if, ns, tap_if, f->af);
	}
	if (rc == -EAFNOSUPPORT) {
		warn("%s is disabled in the namespace: not configured",
		     af_name(f->af));
		return;
	}
	if (rc && rc != -EEXIST)
		die("cannot set the %s address in the namespace: %s",
		    af_name(f->af), strerror(-rc));

	if (f->gw_fixed || !host_if) {
		rc = is_zero(f->gw, f->af) ? 0 :
		     nl_route_add_default(ns, tap_if, f->af, f->gw);
	} else {
		rc = nl_route_copy(host, host_if, ns, tap_if, f->af);
	}
	if (rc && rc != -EEXIST)
		die("cannot set %s routes in the namespace: %s (try -g to set "
		    "just a default gateway)", af_name(f->af), strerror(-rc));
}

/* --config-net: MTU, link up, then per family addresses and routes */
static void tap_config_net(const struct conf *c, struct nl_handle *ns,
			   unsigned tap_if)
{
	struct tap_af v4 = tap_af_of(c, AF_INET), v6 = tap_af_of(c, AF_INET6);
	struct nl_handle host = { 0 };
	int rc;

	rc = nl_link_set(ns, tap_if, c->link.mtu, NULL, true);
	if (rc)
		die("cannot set MTU %u and bring up the tap: %s", c->link.mtu,
		    strerror(-rc));
	rc = nl_open(&host);
	if (rc)
		die("cannot open netlink: %s", strerror(-rc));
	if (c->ip4.enabled)
		tap_config_af(&v4, &host, ns, tap_if);
	if (c->ip6.enabled && !c->ns.v6_by_ra)
		tap_config_af(&v6, &host, ns, tap_if);
	nl_close(&host);
}

/**
 * ns_tap_open() - create and set up the tap in the namespace (see ns.h)
 * @c:		configuration
 * @udp_gso:	set if the tap takes UDP GSO frames (see tap_offload())
 * @fds:	its queues' fds, non-blocking (out)
 * @nq:		queues wanted
 *
 * Return: queues opened, @nq or 1 (dies on failure)
 */
unsigned ns_tap_open(const struct conf *c, bool *udp_gso, int *fds,
		     unsigned nq)
{
	struct tap_open_arg a = { .c = c, .nq = nq, .fd = fds };
	unsigned tap_if, lo_if;
	int rc;

	rc = ns_call(tap_open_ns, &a);
	if (rc) {
		if (!a.step && rc == -EPERM && c->proc.runas)
			die("cannot enter the network namespace: %s (as user "
			    "%u, no CAP_SYS_ADMIN over it: --runas its owner, "
			    "or 0 to stay root)", strerror(-rc),
			    (unsigned)c->proc.uid);
		if (!a.step)
			die("cannot enter the network namespace: %s%s",
			    strerror(-rc), rc == -EPERM ?
			    " (no CAP_SYS_ADMIN over it: give --userns, or run "
			    "pasta in its user namespace)" : "");
		tap_die(&a);
	}

	if (!nl_ifindex(&a.nl, "lo", &lo_if) &&
	    (rc = nl_link_set(&a.nl, lo_if, 0, NULL, true)))
		warn("cannot bring up lo in the namespace: %s", strerror(-rc));

	rc = nl_ifindex(&a.nl, a.name, &tap_if);
	if (rc)
		die("tap %s vanished from the namespace: %s", a.name,
		    strerror(-rc));
	/* The tun driver drops a frame when the tap's queue toward us is
	 * full (the sender is never blocked): make it hold what arrives
	 * while the loop is busy for a moment */
	if ((rc = nl_link_txqlen(&a.nl, tap_if, TAP_TXQLEN)))
		debug("tap queue length: %s", strerror(-rc));
	if (c->link.ns_mac_set &&
	    (rc = nl_link_set(&a.nl, tap_if, 0, c->link.ns_mac, false)))
		die("cannot set the tap's MAC address: %s", strerror(-rc));

	if (c->ns.config_net) {
		tap_config_net(c, &a.nl, tap_if);
	} else if ((rc = nl_link_set(&a.nl, tap_if, 0, NULL, true))) {
		die("cannot bring up the tap: %s", strerror(-rc));
	}
	if (c->ns.config_net && c->proc.follow) {
		ns_st.nl = a.nl;	/* ns_net_follow() changes it later */
		ns_st.tap_if = tap_if;
	} else {
		nl_close(&a.nl);
	}
	debug("tap %s ready in the namespace%s%s", a.name,
	     c->ns.config_net ? ", configured" : "",
	     a.udp_gso ? ", UDP GSO both ways" : "");
	*udp_gso = a.udp_gso;
	return a.nfd;
}

/* Follow one family: what tap_config_af() did, made current */
static int follow_af(const struct tap_af *f, bool on, struct nl_handle *host)
{
	struct nl_want w = { .prefix_len = f->prefix_len };
	size_t alen = f->af == AF_INET ? 4 : 16;
	unsigned host_if = 0;

	if (!on)	/* the family is gone from the host: nothing stays */
		return nl_sync(host, 0, 0, &ns_st.nl, ns_st.tap_if, f->af,
			       NULL);
	if (f->ifname[0] && nl_ifindex(host, f->ifname, &host_if))
		host_if = 0;
	memcpy(w.addr, f->addr, alen);
	memcpy(w.gw, f->gw, alen);
	return nl_sync(host, f->addr_fixed ? 0 : host_if,
		       f->gw_fixed ? 0 : host_if, &ns_st.nl, ns_st.tap_if,
		       f->af, &w);
}

/**
 * ns_net_follow() - make the namespace's addresses and routes what
 * --config-net would set now (see ns.h)
 * @c:		configuration, refreshed
 * @host:	netlink handle in the host's namespace
 */
void ns_net_follow(const struct conf *c, struct nl_handle *host)
{
	struct tap_af v4 = tap_af_of(c, AF_INET), v6 = tap_af_of(c, AF_INET6);
	int rc;

	if (!ns_st.nl.sock)
		return;
	if (c->opts.ip4.enabled && (rc = follow_af(&v4, c->ip4.enabled, host)))
		warn("cannot follow the host's IPv4 addresses and routes in "
		     "the namespace: %s", strerror(-rc));
	if (c->opts.ip6.enabled && !c->ns.v6_by_ra &&
	    (rc = follow_af(&v6, c->ip6.enabled, host)))
		warn("cannot follow the host's IPv6 addresses and routes in "
		     "the namespace: %s", strerror(-rc));
}

/* Inside the namespace: lo up */
static int lo_up_ns(void *p)
{
	struct nl_handle nl;
	unsigned lo_if;
	int rc;

	(void)p;
	if ((rc = nl_open(&nl)))
		return rc;
	rc = nl_ifindex(&nl, "lo", &lo_if);
	if (!rc)
		rc = nl_link_set(&nl, lo_if, 0, NULL, true);
	nl_close(&nl);
	return rc;
}

/**
 * ns_lo_up() - --splice-only: only the namespace's lo, brought up
 */
void ns_lo_up(void)
{
	int rc = ns_call(lo_up_ns, NULL);

	if (rc)
		die("cannot bring up lo in the namespace: %s", strerror(-rc));
}
