/* SPDX-License-Identifier: MIT */
/* udp_inbound.h - datagrams on forwarded UDP ports: to the guest, or spliced */
#ifndef TETHER_UDP_INBOUND_H
#define TETHER_UDP_INBOUND_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "l2/pkt.h"
#include "lib/inany.h"
#include "loop.h"

/**
 * struct udp_fwd - a forwarded UDP port, as its listening socket sees it
 * @lfd:	listening socket; replies to clients leave through it
 * @lidx:	its index, which flows keep to refer back to it
 * @laf:	its family (AF_INET6 may be dual-stack)
 * @tport:	target port on the other side
 * @splice:	loopback clients go socket to socket, not through the tap
 * @out:	namespace to host (-U): everything is spliced
 * @dst:	splice target address per family, [0] IPv4, [1] IPv6
 *		(unspecified: that family isn't spliced)
 */
struct udp_fwd {
	int lfd;
	uint32_t lidx;
	int laf;
	uint16_t tport;
	bool splice;
	bool splice_all;
	bool out;
	union inany dst[2];
	bool has_gdst;
	union inany gdst;
};

void udp_inbound_init(struct loop *lp);
void udp_fwd_recv(struct loop *lp, const struct udp_fwd *f);
bool udp_inbound_reply(struct loop *lp, const struct pkt *p, int n);
void udp_fwd_listener_gone(struct loop *lp, uint32_t lidx);

/* udp_fwd_sockaddr() - @a:@port for a socket of family @af (IPv4 is
 * written IPv4-mapped for an IPv6 socket); Return: its length */
static inline socklen_t udp_fwd_sockaddr(union sockaddr_inany *sa, int af,
					 const union inany *a, uint16_t port)
{
	if (af == AF_INET6 && inany_is_v4(a)) {
		memset(sa, 0, sizeof(*sa));
		sa->sa6.sin6_family = AF_INET6;
		sa->sa6.sin6_addr = a->a6;
		sa->sa6.sin6_port = htons(port);
		return sizeof(sa->sa6);
	}
	return inany_to_sockaddr(sa, a, port, 0);
}

#endif /* TETHER_UDP_INBOUND_H */
