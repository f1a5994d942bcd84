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

#endif /* TETHER_NETLINK_H */
