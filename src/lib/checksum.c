// SPDX-License-Identifier: MIT
/* checksum.c - Internet checksum (RFC 1071) and pseudo-headers */
#include <string.h>

#include "lib/checksum.h"

/*
 * Sum 64 bits at a time into a 128-bit-safe accumulator: the one's
 * complement sum is byte-order independent (RFC 1071 section 2(B)), so
 * native loads are fine as long as the final fold is byte-swapped back on
 * little-endian hosts.
 */
static uint64_t sum_native(const uint8_t *p, size_t len, uint64_t acc)
{
	uint64_t v, s = acc;

	while (len >= 32) {
		uint64_t a, b, c, d;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		s += a; s += (s < a);
		s += b; s += (s < b);
		s += c; s += (s < c);
		s += d; s += (s < d);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&v, p, 8);
		s += v; s += (s < v);
		p += 8;
		len -= 8;
	}
	v = 0;
	memcpy(&v, p, len);
	s += v; s += (s < v);
	return s;
}

static uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

/* Convert a native-order folded sum to a network-order 32-bit partial sum */
static uint32_t native_to_net(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = ((s & 0xff) << 8) | (s >> 8);
#endif
	return s;
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	uint64_t acc = sum_native(buf, len, 0);
	uint64_t total = (uint64_t)sum + native_to_net(fold64(acc));

	return fold64(total);
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_iov(const struct iovec *iov, int cnt, size_t skip, uint32_t sum)
{
	uint64_t total = sum;
	size_t off = 0;	/* bytes summed so far: odd means swap */
	int i;

	for (i = 0; i < cnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		uint32_t s;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		p += skip;
		len -= skip;
		skip = 0;
		s = csum_partial(p, len, 0);
		if (off & 1) {
			s = (s & 0xffff) + (s >> 16);
			s = (s & 0xffff) + (s >> 16);
			s = ((s & 0xff) << 8) | (s >> 8);
		}
		total += s;
		off += len;
	}
	return fold64(total);
}

uint32_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto,
		      uint16_t l4len)
{
	uint32_t s = 0;
	uint32_t a = ntohl(src.s_addr), b = ntohl(dst.s_addr);

	s += a >> 16;
	s += a & 0xffff;
	s += b >> 16;
	s += b & 0xffff;
	s += proto;
	s += l4len;
	return s;
}

uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
		      uint8_t proto, uint32_t l4len)
{
	uint32_t s = csum_partial(src, 16, 0);

	s = csum_partial(dst, 16, s);
	s += l4len >> 16;
	s += l4len & 0xffff;
	s += proto;
	return s;
}

uint16_t csum_ip4_hdr(const void *iph, size_t len)
{
	return csum_fold(csum_partial(iph, len, 0));
}
