// SPDX-License-Identifier: MIT
/*
 * fuzz_netlink.c - rtnetlink replies, as the kernel answers discovery of
 * the host's routes, addresses and links (conf/discover.c) and the copy of
 * addresses and routes into the namespace (nl/netlink.c, nl/nl_copy.c)
 *
 * The real sockets are opened, but libmnl's send and receive are wrapped
 * at link time (LDFLAGS below): every request tether builds is checked for
 * a sane length and dropped, and every read returns the next chunk of the
 * fuzz input, with the sequence number of the request it answers (unless
 * the input asks to keep its own) so that the fuzzer needn't guess it.
 *
 * Input: an operation byte, a flags byte, then chunks, each a 2-byte
 * big-endian length and that many bytes (a short last one takes what is
 * left). Reads past the last chunk time out, as a silent kernel would.
 */
/* LDFLAGS: -Wl,--wrap=mnl_socket_sendto -Wl,--wrap=mnl_socket_recvfrom */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "fuzz.h"
#include "conf/conf_int.h"
#include "nl/netlink.h"
#include "../unit/l2test.h"

#define FZ_REQ_MAX	512	/* NL_REQ_BYTES: no request is longer */

static const uint8_t *fz_data;
static size_t fz_size, fz_off;
static uint32_t fz_seq;
static bool fz_keep_seq;
static struct nl_handle fz_h[2];

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl,
				 const void *buf, size_t len);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t bufsiz);

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl,
				 const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	(void)nl;
	if (len < sizeof(*nlh) || len > FZ_REQ_MAX || nlh->nlmsg_len != len)
		fz_abort("netlink request of a bad length");
	fz_seq = nlh->nlmsg_seq;
	return (ssize_t)len;
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t bufsiz)
{
	size_t len, off;

	(void)nl;
	if (fz_off + 2 > fz_size) {
		errno = EAGAIN;
		return -1;
	}
	len = rd16(fz_data + fz_off);
	fz_off += 2;
	if (len > fz_size - fz_off)
		len = fz_size - fz_off;
	if (len > bufsiz)
		len = bufsiz;
	memcpy(buf, fz_data + fz_off, len);
	fz_off += len;
	for (off = 0; !fz_keep_seq && off + sizeof(struct nlmsghdr) <= len;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)((uint8_t *)buf +
							   off);

		nlh->nlmsg_seq = fz_seq;
		nlh->nlmsg_pid = 0;
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			break;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return (ssize_t)len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct conf c;

	(void)argc;
	(void)argv;
	if (!t_netns())
		fz_abort("cannot make a network namespace of our own");
	fz_check_isolated();
	t_conf(&c);
	t_start(&c, false);		/* logging, as tether has it */
	if (nl_open(&fz_h[0]) || nl_open(&fz_h[1]))
		fz_abort("cannot open netlink sockets");
	return 0;
}

static void fz_discover(void)
{
	static struct conf c;

	memset(&c, 0, sizeof(c));
	c.mode = MODE_PASTA;
	c.ip4.enabled = c.ip6.enabled = true;
	conf_discover(&c);
	conf_derive(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t gw[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	int af, plen, rc = 0;
	uint8_t a[16], mac[6] = { 2, 0, 0, 0, 0, 3 };
	char name[IFNAMSIZ];
	unsigned ifi, mtu;

	if (size < 2)
		return 0;
	fz_data = data;
	fz_size = size;
	fz_off = 2;
	fz_keep_seq = data[1] & 1;
	af = data[1] & 2 ? AF_INET6 : AF_INET;
	switch (data[0] % 10) {
	case 0:
		fz_discover();
		break;
	case 1:
		rc = nl_default_route(&fz_h[0], af, &ifi, a);
		break;
	case 2:
		rc = nl_any_route_if(&fz_h[0], af, &ifi);
		break;
	case 3:
		rc = nl_addr_get(&fz_h[0], af, 2, data[1] & 4, a, &plen);
		break;
	case 4:
		rc = nl_link_get(&fz_h[0], 2, name, &mtu, mac);
		if (!rc && strnlen(name, IFNAMSIZ) == IFNAMSIZ)
			fz_abort("interface name not terminated");
		break;
	case 5:
		rc = nl_ifindex(&fz_h[0], "eth0", &ifi);
		break;
	case 6:
		rc = nl_addr_copy(&fz_h[0], 2, &fz_h[1], 3, af);
		break;
	case 7:
		rc = nl_route_copy(&fz_h[0], 2, &fz_h[1], 3, af);
		break;
	case 8:		/* the acknowledgements of what we ask */
		rc = nl_link_set(&fz_h[1], 3, 1500, mac, true);
		rc |= nl_link_txqlen(&fz_h[1], 3, 1000);
		rc |= nl_addr_add(&fz_h[1], 3, af, gw, 64);
		break;
	case 9:
		rc = nl_route_add_default(&fz_h[1], 3, af, gw);
		break;
	}
	(void)rc;
	return 0;
}
