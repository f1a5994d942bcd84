// SPDX-License-Identifier: MIT
/* pcap.c - --pcap: capture the frames on the guest link, both ways */

/**
 * DOC: Theory of operation
 *
 * The file is classic libpcap format, in host byte order as the format
 * allows (readers tell by the magic number): a 24-byte file header with
 * the nanosecond magic and link type 1 (Ethernet), then for every frame a
 * 16-byte record header (time, captured length, original length) and the
 * frame itself, Ethernet header first. Link framing (the tap's virtio-net
 * header, the QEMU stream's length prefix and padding) is not captured.
 *
 * The file is opened at start-up, before any namespace or sandbox work,
 * by the process that stays on the host side. On the data path, the
 * hooks pay one branch per batch (pcap_on()) when no capture runs. With a
 * capture, a batch of frames becomes one writev(): record headers live in
 * a fixed array and frame data is pointed at, not copied. All frames of a
 * batch share one timestamp. A write error stops the capture with one
 * warning; the data path never notices.
 */

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "link/pcap.h"

#define PCAP_MAGIC_NS	0xa1b23c4d	/* nanosecond timestamps */
#define PCAP_LINKTYPE_ETHERNET	1
#define PCAP_BATCH	256		/* records per writev(), at most */
#define PCAP_IOV	1024		/* UIO_MAXIOV */

/* File header, as libpcap writes it (host byte order) */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/* Record header */
struct pcap_rec_hdr {
	uint32_t sec;
	uint32_t nsec;
	uint32_t caplen;
	uint32_t len;
};

int pcap_fd = -1;

/**
 * struct pcap_state - records gathered for the next writev()
 * @rec:	record headers
 * @nrec:	used entries of @rec
 * @iov:	record headers and frame data, in file order
 * @niov:	used entries of @iov
 * @ts:		timestamp of the current batch
 */
static struct pcap_state {
	struct pcap_rec_hdr rec[PCAP_BATCH];
	int nrec;
	struct iovec iov[PCAP_IOV];
	int niov;
	struct timespec ts;
} pc;

/* Give up on the file: one warning, then nothing more is captured */
static void pcap_fail(int e)
{
	warn("pcap: write failed: %s; capture stopped", strerror(e));
	pcap_stop();
}

/*
 * Write every gathered record; a regular file may take a writev() in part
 * (a full disk, say): go on from where it stopped until done or an error.
 */
static void pcap_write(void)
{
	struct iovec *iov = pc.iov;
	int n = pc.niov;

	while (n && pcap_fd >= 0) {
		ssize_t r = writev(pcap_fd, iov, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			pcap_fail(errno);
			break;
		}
		if (r == 0) {
			pcap_fail(EIO);
			break;
		}
		while (n && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	pc.nrec = pc.niov = 0;
}

/* Gather one frame made of @cnt iovecs; writes first if the arrays are full */
static void pcap_add(const struct iovec *iov, int cnt)
{
	struct pcap_rec_hdr *h;
	size_t len = 0, left;
	int i;

	if (cnt < 0 || cnt > PCAP_IOV - 1)
		return;
	if (pc.nrec == PCAP_BATCH || pc.niov + 1 + cnt > PCAP_IOV)
		pcap_write();
	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;

	h = &pc.rec[pc.nrec++];
	h->sec = (uint32_t)pc.ts.tv_sec;
	h->nsec = (uint32_t)pc.ts.tv_nsec;
	h->len = (uint32_t)MIN(len, (size_t)UINT32_MAX);
	h->caplen = (uint32_t)MIN(len, (size_t)PCAP_SNAPLEN);
	pc.iov[pc.niov].iov_base = h;
	pc.iov[pc.niov++].iov_len = sizeof(*h);

	left = h->caplen;
	for (i = 0; i < cnt && left; i++) {
		size_t l = MIN(iov[i].iov_len, left);

		if (!l)
			continue;
		pc.iov[pc.niov].iov_base = iov[i].iov_base;
		pc.iov[pc.niov++].iov_len = l;
		left -= l;
	}
}

static void pcap_now(void)
{
	clock_gettime(CLOCK_REALTIME, &pc.ts);
}

/* Loops capture from their own threads: one batch of records at a time */
static pthread_mutex_t pcap_mu = PTHREAD_MUTEX_INITIALIZER;

void pcap_rx(const struct frame *f, int n)
{
	int i;

	if (pcap_fd < 0)
		return;
	pthread_mutex_lock(&pcap_mu);
	pcap_now();
	for (i = 0; i < n; i++) {
		struct iovec iov[1 + FRAME_TAIL_MAX];
		int k, t = f[i].tail_len ? MIN(f[i].tail_n, FRAME_TAIL_MAX) : 0;

		iov[0].iov_base = (void *)f[i].data;
		iov[0].iov_len = f[i].len;
		for (k = 0; k < t; k++)
			iov[1 + k] = f[i].tail[k];
		pcap_add(iov, 1 + t);
	}
	pcap_write();
	pthread_mutex_unlock(&pcap_mu);
}

void pcap_tx(const struct iovec *iov, const int *cnt, int n, size_t stride,
	     int skip)
{
	int i;

	if (pcap_fd < 0)
		return;
	pthread_mutex_lock(&pcap_mu);
	pcap_now();
	for (i = 0; i < n; i++)
		pcap_add(iov + (size_t)i * stride + skip, cnt[i] - skip);
	pcap_write();
	pthread_mutex_unlock(&pcap_mu);
}

int pcap_start(int fd)
{
	struct pcap_file_hdr fh = {
		.magic = PCAP_MAGIC_NS,
		.major = 2,
		.minor = 4,
		.snaplen = PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	ssize_t r;

	pcap_stop();
	do
		r = write(fd, &fh, sizeof(fh));
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(fh)) {
		int e = r < 0 ? errno : EIO;

		close(fd);
		return -e;
	}
	pc.nrec = pc.niov = 0;
	pcap_fd = fd;
	return 0;
}

void pcap_stop(void)
{
	if (pcap_fd < 0)
		return;
	close(pcap_fd);
	pcap_fd = -1;
}

void pcap_open(const char *path)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die_perror("cannot open capture file %s", path);
	rc = pcap_start(fd);
	if (rc)
		die("cannot write capture file %s: %s", path, strerror(-rc));
	info("capturing frames to %s", path);
}
