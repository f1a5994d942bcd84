// SPDX-License-Identifier: MIT
/* fuzz_vu_msg.c - vhost-user's message checks and device state: a
 * sequence of front-end messages, with file descriptors. The input: 2
 * bytes of length L, L bytes of "guest memory" (written to a memfd that
 * SET_MEM_TABLE may map), then messages, each a byte choosing the fds
 * that come with it (none, memfds, eventfds, a mix), the 12-byte header
 * and the payload its size field claims (cut at the input's end). After
 * each message, a ring the messages made ready is walked as the back-end
 * would. No fd may leak: the count of open fds is checked per input. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "link/vu_msg.h"

#define FZ_MEMFD_SIZE	(64 * 1024)

static int fz_memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_memfd = memfd_create("fuzz-guest", MFD_CLOEXEC);
	if (fz_memfd < 0 || ftruncate(fz_memfd, FZ_MEMFD_SIZE))
		fz_abort("memfd");
	return 0;
}

static int fz_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		fz_abort("/proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The fds a selector byte stands for; Return: how many */
static int fz_fds(uint8_t sel, int *fds)
{
	int n = sel % 4, i;

	for (i = 0; i < n; i++) {
		if (sel & (0x10 << i))
			fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		else
			fds[i] = dup(fz_memfd);
		if (fds[i] < 0)
			fz_abort("fd");
	}
	return n;
}

static void fz_walk(struct vu_dev *d, int q)
{
	static struct vu_chain c;
	int n = vu_ring_avail(&d->ring[q]);

	for (; n > 0; n--) {
		int rc = vu_ring_pop(&d->ring[q], &d->mem, q == VU_RX_Q, &c);
		size_t sum = 0;
		int k;

		if (rc == -EPROTO)
			break;
		for (k = 0; k < c.n; k++)
			sum += ((uint8_t *)c.iov[k].iov_base)[c.iov[k].iov_len - 1];
		(void)sum;
		vu_ring_push(&d->ring[q], c.head, 0);
	}
	vu_ring_publish(&d->ring[q]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vu_dev dev;
	static struct vu_msg m, reply;
	size_t off = 2, len;
	int before = fz_open_fds(), q;

	if (size < 2)
		return 0;
	len = (size_t)(data[0] | data[1] << 8);
	if (len > size - 2)
		len = size - 2;
	if (len > FZ_MEMFD_SIZE)
		len = FZ_MEMFD_SIZE;
	if (pwrite(fz_memfd, data + off, len, 0) != (ssize_t)len)
		fz_abort("pwrite");
	off += len;

	vu_dev_init(&dev);
	while (off + 1 + VU_HDR_LEN <= size) {
		struct vu_changes ch = { 0 };
		int fds[VU_FDS_MAX], nfds;
		size_t body;

		nfds = fz_fds(data[off++], fds);
		memcpy(&m, data + off, VU_HDR_LEN);
		off += VU_HDR_LEN;
		body = m.size < VU_PAYLOAD_MAX ? m.size : VU_PAYLOAD_MAX;
		if (body > size - off)
			body = size - off;
		memset(m.payload.bytes, 0, sizeof(m.payload.bytes));
		memcpy(m.payload.bytes, data + off, body);
		off += body;

		if (vu_msg_handle(&dev, &m, fds, nfds, &reply, &ch) < 0) {
			vu_dev_reset(&dev);	/* the back-end drops it */
			continue;
		}
		for (q = 0; q < VU_QUEUES; q++)
			if (vu_ring_ready(&dev, q))
				fz_walk(&dev, q);
	}
	vu_dev_reset(&dev);
	if (fz_open_fds() != before)
		fz_abort("fd leak");
	return 0;
}
