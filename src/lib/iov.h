/* SPDX-License-Identifier: MIT */
/* iov.h - copying out of scattered buffers */
#ifndef TETHER_IOV_H
#define TETHER_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

/*
 * iov_to_buf() - copy at most @len bytes of @cnt buffers, from @skip bytes
 * in, to @buf. Return: bytes copied
 */
static inline size_t iov_to_buf(const struct iovec *iov, int cnt,
				size_t skip, void *buf, size_t len)
{
	uint8_t *d = buf;
	size_t done = 0;
	int i;

	for (i = 0; i < cnt && done < len; i++) {
		size_t l = iov[i].iov_len, n;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = l - skip < len - done ? l - skip : len - done;
		memcpy(d + done, (const uint8_t *)iov[i].iov_base + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

#endif /* TETHER_IOV_H */
