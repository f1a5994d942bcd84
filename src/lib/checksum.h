/* SPDX-License-Identifier: MIT */
/* checksum.h - Internet checksum (RFC 1071) and pseudo-headers */
#ifndef TETHER_CHECKSUM_H
#define TETHER_CHECKSUM_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* csum_partial() - add @len bytes at @buf to 32-bit partial sum @sum */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* csum_fold() - fold and complement: the checksum as a host-order value,
 * to be stored with wr16() */
uint16_t csum_fold(uint32_t sum);
/* csum_iov() - partial sum over an iovec array, handling odd boundaries */
uint32_t csum_iov(const struct iovec *iov, int cnt, size_t skip, uint32_t sum);

/*
 * All partial sums are of big-endian 16-bit words, as host integers.
 * Pseudo-header partial sums for TCP/UDP/ICMPv6 (RFC 793, RFC 8200 8.1) */
uint32_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto,
		      uint16_t l4len);
uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
		      uint8_t proto, uint32_t l4len);

/* csum_ip4_hdr() - checksum for an IPv4 header (checksum field zero) */
uint16_t csum_ip4_hdr(const void *iph, size_t len);

#endif /* TETHER_CHECKSUM_H */
