/* SPDX-License-Identifier: MIT */
/* inany.h - one address type for IPv4 (as IPv4-mapped IPv6) and IPv6 */
#ifndef TETHER_INANY_H
#define TETHER_INANY_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/**
 * union inany - an IPv6 address, or an IPv4 address stored as ::ffff:a.b.c.d
 * @a6:		IPv6 view
 * @v4:		IPv4 view: 10 zero bytes, 2 0xff bytes, then the address
 */
union inany {
	struct in6_addr a6;
	struct {
		uint8_t zero[10];
		uint8_t one[2];
		struct in_addr a4;
	} v4;
	uint32_t w[4];
};
_Static_assert(sizeof(union inany) == 16, "inany size");

/* sockaddr large enough for either family */
union sockaddr_inany {
	struct sockaddr sa;
	struct sockaddr_in sa4;
	struct sockaddr_in6 sa6;
};

static inline void inany_from_v4(union inany *a, struct in_addr v4)
{
	memset(a->v4.zero, 0, sizeof(a->v4.zero));
	a->v4.one[0] = a->v4.one[1] = 0xff;
	a->v4.a4 = v4;
}

static inline void inany_from_v6(union inany *a, const struct in6_addr *v6)
{
	a->a6 = *v6;
}

static inline bool inany_is_v4(const union inany *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == htonl(0xffff);
}

static inline const struct in_addr *inany_v4(const union inany *a)
{
	return inany_is_v4(a) ? &a->v4.a4 : NULL;
}

static inline int inany_af(const union inany *a)
{
	return inany_is_v4(a) ? AF_INET : AF_INET6;
}

static inline bool inany_equals(const union inany *a, const union inany *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static inline bool inany_is_unspec(const union inany *a)
{
	if (inany_is_v4(a))
		return a->v4.a4.s_addr == INADDR_ANY;
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

static inline bool inany_is_loopback(const union inany *a)
{
	if (inany_is_v4(a))
		return (ntohl(a->v4.a4.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

static inline bool inany_is_multicast(const union inany *a)
{
	if (inany_is_v4(a))
		return IN_MULTICAST(ntohl(a->v4.a4.s_addr)) ||
		       a->v4.a4.s_addr == INADDR_BROADCAST;
	return IN6_IS_ADDR_MULTICAST(&a->a6);
}

/* Fill a sockaddr for @a:@port; returns its length. */
static inline socklen_t inany_to_sockaddr(union sockaddr_inany *sa,
					  const union inany *a, uint16_t port,
					  uint32_t scope_id)
{
	memset(sa, 0, sizeof(*sa));
	if (inany_is_v4(a)) {
		sa->sa4.sin_family = AF_INET;
		sa->sa4.sin_addr = a->v4.a4;
		sa->sa4.sin_port = htons(port);
		return sizeof(sa->sa4);
	}
	sa->sa6.sin6_family = AF_INET6;
	sa->sa6.sin6_addr = a->a6;
	sa->sa6.sin6_port = htons(port);
	sa->sa6.sin6_scope_id = scope_id;
	return sizeof(sa->sa6);
}

/* Read a sockaddr into @a and @port; IPv4-mapped IPv6 becomes IPv4. */
static inline void inany_from_sockaddr(union inany *a, uint16_t *port,
				       const union sockaddr_inany *sa)
{
	if (sa->sa.sa_family == AF_INET) {
		inany_from_v4(a, sa->sa4.sin_addr);
		if (port)
			*port = ntohs(sa->sa4.sin_port);
	} else {
		inany_from_v6(a, &sa->sa6.sin6_addr);
		if (port)
			*port = ntohs(sa->sa6.sin6_port);
	}
}

/* inany_ntop() - text form, IPv4 dotted for mapped addresses */
static inline const char *inany_ntop(const union inany *a, char *buf,
				     socklen_t len)
{
	if (inany_is_v4(a))
		return inet_ntop(AF_INET, &a->v4.a4, buf, len);
	return inet_ntop(AF_INET6, &a->a6, buf, len);
}

#define INANY_STRLEN INET6_ADDRSTRLEN

#endif /* TETHER_INANY_H */
