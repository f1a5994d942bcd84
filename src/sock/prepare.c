// SPDX-License-Identifier: MIT
/* prepare.c - host sockets as the configuration wants them */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/inany.h"
#include "sock/prepare.h"

static struct {
	union inany addr4, addr6;
	char if4[IFNAMSIZ], if6[IFNAMSIZ];
} ob;

void sock_prepare_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6)
{
	inany_from_v4(&ob.addr4, ip4->outbound);
	inany_from_v6(&ob.addr6, &ip6->outbound);
	memcpy(ob.if4, ip4->outbound_if, IFNAMSIZ);
	memcpy(ob.if6, ip6->outbound_if, IFNAMSIZ);
}

int sock_prepare(int fd, int af, uint16_t port)
{
	const union inany *a = af == AF_INET ? &ob.addr4 : &ob.addr6;
	const char *ifn = af == AF_INET ? ob.if4 : ob.if6;

	if (ifn[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn,
				 (socklen_t)strlen(ifn)))
		return -errno;
	if (!inany_is_unspec(a) || port) {
		union sockaddr_inany sa;
		socklen_t sl = inany_to_sockaddr(&sa, a, port, 0);

		if (bind(fd, &sa.sa, sl))
			return -errno;
	}
	return 0;
}
