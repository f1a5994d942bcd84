/* SPDX-License-Identifier: MIT */
/* netlink.h - rtnetlink through libmnl: discover the host, configure the ns */
#ifndef TETHER_NETLINK_H
#define TETHER_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/**
 * struct nl_handle - one rtnetlink socket and its sequence counter
 * (opened in whatever network namespace the caller is in)
 */
struct nl_handle {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

/* All functions: Return 0 or a negative errno, unless noted */
int nl_open(struct nl_handle *h);
void nl_close(struct nl_handle *h);

/*
 * nl_default_route() - first default route of family @af (multipath:
 * first nexthop): its output interface and gateway (@gw: struct in_addr or
 * struct in6_addr; zeroed if the route has none). -ENOENT if none.
 */
int nl_default_route(struct nl_handle *h, int af, unsigned *ifindex,
		     void *gw);
/* nl_any_route_if() - interface of the first non-link-local route of @af */
int nl_any_route_if(struct nl_handle *h, int af, unsigned *ifindex);

/*
 * nl_addr_get() - first address of family @af on @ifindex: a global one
 * (@linklocal false) or the IPv6 link-local one (@linklocal true).
 */
int nl_addr_get(struct nl_handle *h, int af, unsigned ifindex, bool linklocal,
		void *addr, int *prefix_len);

/* nl_link_get() - name, MTU and MAC of @ifindex (any pointer may be NULL) */
int nl_link_get(struct nl_handle *h, unsigned ifindex, char name[IFNAMSIZ],
		unsigned *mtu, uint8_t mac[6]);
/* nl_ifindex() - if_nametoindex() through this handle's namespace */
int nl_ifindex(struct nl_handle *h, const char *name, unsigned *ifindex);

/* nl_link_txqlen() - set the transmit queue length of a link */
int nl_link_txqlen(struct nl_handle *h, unsigned ifindex, unsigned qlen);
/* nl_link_set() - set @mtu (0: leave), @mac (NULL: leave), bring it up */
int nl_link_set(struct nl_handle *h, unsigned ifindex, unsigned mtu,
		const uint8_t *mac, bool up);

/* nl_addr_add() - add @addr/@prefix_len (IFA_F_NODAD for IPv6) */
int nl_addr_add(struct nl_handle *h, unsigned ifindex, int af,
		const void *addr, int prefix_len);
/*
 * nl_addr_copy() - copy every address of family @af on @src_if (seen
 * through @src) to @dst_if (through @dst), link-local ones excluded,
 * IPv6 ones with IFA_F_NODAD. -EEXIST is not an error.
 */
int nl_addr_copy(struct nl_handle *src, unsigned src_if,
		 struct nl_handle *dst, unsigned dst_if, int af);

/* nl_route_add_default() - default route via @gw on @ifindex */
int nl_route_add_default(struct nl_handle *h, unsigned ifindex, int af,
			 const void *gw);
/*
 * nl_route_copy() - copy the main-table routes of family @af whose output
 * interface is @src_if to @dst_if (gateways kept; routes the kernel adds
 * for addresses, link-local and multicast ones skipped; routes needing
 * their gateway's route are retried after it). -EEXIST is not an error.
 */
int nl_route_copy(struct nl_handle *src, unsigned src_if,
		  struct nl_handle *dst, unsigned dst_if, int af);

/*
 * struct nl_want - what nl_sync() makes an interface carry, when it is not
 * a copy of a host interface's
 * @addr:	address (zero: none)
 * @prefix_len:	its prefix length
 * @gw:		default route via this gateway (zero: no route)
 */
struct nl_want {
	uint8_t addr[16];
	int prefix_len;
	uint8_t gw[16];
};

/*
 * nl_sync() - make @dst_if's addresses and routes of family @af (those
 * nl_addr_copy() and nl_route_copy() would have added) what they would be
 * if copied now: addresses from @addr_if, routes from @route_if, or, for
 * either given as 0, what @want says (NULL: none at all). Stale ones are
 * removed first, then missing ones added; those already right are never
 * touched. Return: 0, or the last error (the rest is still done)
 */
int nl_sync(struct nl_handle *src, unsigned addr_if, unsigned route_if,
	    struct nl_handle *dst, unsigned dst_if, int af,
	    const struct nl_want *want);

/*
 * nl_watch_open() - a non-blocking socket that is notified of link,
 * address and route changes in the current namespace. Return: its fd, or
 * -errno
 */
int nl_watch_open(struct nl_handle *h);
/* nl_watch_read() - drain it; Return: true if anything changed (or may
 * have: notifications were lost) */
bool nl_watch_read(struct nl_handle *h);
/* nl_watch_parse() - what nl_watch_read() asks of each chunk it reads:
 * a whole message of a watched type in it? (kernel data, checked) */
bool nl_watch_parse(const void *buf, size_t n);
/*
 * nl_addr_list() - every address of the namespace, both families, into
 * @out (16 bytes each, IPv4 in the first 4) and @af. Return: the count,
 * @max + 1 if there were more, or -errno
 */
int nl_addr_list(struct nl_handle *h, uint8_t (*out)[16], int *af, int max);

#endif /* TETHER_NETLINK_H */
