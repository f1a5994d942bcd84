// SPDX-License-Identifier: MIT
/* test_pcap.c - --pcap: file header and record layout, link headers left
 * out, batches larger than one writev(), truncation, write errors */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "link/pcap.h"

#define STRIDE	4	/* as EGRESS_IOV_MAX */

static int mfd = -1;	/* our own view of the capture file */
static uint8_t big[300000];

/* Fresh capture into a memfd; keep a dup to read it back */
static void start(void)
{
	int fd = memfd_create("pcap-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	if (mfd >= 0)
		close(mfd);
	mfd = dup(fd);
	assert_true(mfd >= 0);
	assert_int_equal(pcap_start(fd), 0);
	assert_true(pcap_on());
}

static size_t file_len(void)
{
	off_t end = lseek(mfd, 0, SEEK_END);

	assert_true(end >= 0);
	return (size_t)end;
}

static uint32_t u32_at(size_t off)
{
	uint32_t v;

	assert_int_equal(pread(mfd, &v, 4, (off_t)off), 4);
	return v;
}

static uint16_t u16_at(size_t off)
{
	uint16_t v;

	assert_int_equal(pread(mfd, &v, 2, (off_t)off), 2);
	return v;
}

/*
 * Check the record at @off: lengths, a timestamp near now, the bytes.
 * Return: offset of the next record
 */
static size_t check_rec(size_t off, const uint8_t *want, size_t len,
			size_t caplen)
{
	uint8_t got[2048];
	struct timespec now;
	uint32_t sec;

	clock_gettime(CLOCK_REALTIME, &now);
	sec = u32_at(off);
	assert_true(sec <= (uint32_t)now.tv_sec &&
		    sec + 5 >= (uint32_t)now.tv_sec);
	assert_true(u32_at(off + 4) < 1000000000U);
	assert_int_equal(u32_at(off + 8), caplen);
	assert_int_equal(u32_at(off + 12), len);
	if (want && caplen <= sizeof(got)) {
		assert_int_equal(pread(mfd, got, caplen, (off_t)off + 16),
				 (ssize_t)caplen);
		assert_memory_equal(got, want, caplen);
	}
	return off + 16 + caplen;
}

static void test_file_header(void **state)
{
	(void)state;
	start();
	assert_int_equal(file_len(), 24);
	assert_int_equal(u32_at(0), 0xa1b23c4d);	/* ns timestamps */
	assert_int_equal(u16_at(4), 2);
	assert_int_equal(u16_at(6), 4);
	assert_int_equal(u32_at(8), 0);
	assert_int_equal(u32_at(12), 0);
	assert_int_equal(u32_at(16), PCAP_SNAPLEN);
	assert_true(PCAP_SNAPLEN > 65535 + 64);		/* GSO frames */
	assert_int_equal(u32_at(20), 1);		/* Ethernet */
	pcap_stop();
	assert_false(pcap_on());
}

static void test_rx_frames(void **state)
{
	uint8_t a[60], b[1514];
	struct frame f[2] = {
		{ .data = a, .len = sizeof(a) },
		{ .data = b, .len = sizeof(b) },
	};
	size_t off;

	(void)state;
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	b[0] = 1;
	b[sizeof(b) - 1] = 2;
	start();
	pcap_rx(f, 2);
	off = check_rec(24, a, sizeof(a), sizeof(a));
	off = check_rec(off, b, sizeof(b), sizeof(b));
	assert_int_equal(file_len(), off);
	pcap_stop();
}

/* Frames for the guest: the first iovec of each slot (a virtio-net
 * header) is left out, the rest is one record per frame */
static void test_tx_skips_link_header(void **state)
{
	uint8_t vnet[12], eth[14], ip[20], pay[7], whole[41];
	struct iovec iov[2 * STRIDE];
	int cnt[2] = { 4, 2 };
	size_t off;

	(void)state;
	memset(vnet, 0xee, sizeof(vnet));
	memset(eth, 0x11, sizeof(eth));
	memset(ip, 0x45, sizeof(ip));
	memset(pay, 0x77, sizeof(pay));
	iov[0] = (struct iovec){ vnet, sizeof(vnet) };
	iov[1] = (struct iovec){ eth, sizeof(eth) };
	iov[2] = (struct iovec){ ip, sizeof(ip) };
	iov[3] = (struct iovec){ pay, sizeof(pay) };
	iov[STRIDE] = (struct iovec){ vnet, sizeof(vnet) };
	iov[STRIDE + 1] = (struct iovec){ eth, sizeof(eth) };
	memcpy(whole, eth, 14);
	memcpy(whole + 14, ip, 20);
	memcpy(whole + 34, pay, 7);

	start();
	pcap_tx(iov, cnt, 2, STRIDE, 1);
	off = check_rec(24, whole, sizeof(whole), sizeof(whole));
	off = check_rec(off, eth, sizeof(eth), sizeof(eth));
	assert_int_equal(file_len(), off);

	/* No link header: every iovec is frame */
	cnt[0] = 3;
	start();
	pcap_tx(iov + 1, cnt, 1, STRIDE, 0);
	off = check_rec(24, whole, sizeof(whole), sizeof(whole));
	pcap_stop();
}

/* More frames than one writev() takes: all of them, in order */
static void test_many_frames(void **state)
{
	static uint8_t data[600][64];
	static struct frame f[600];
	size_t off = 24;
	int i;

	(void)state;
	for (i = 0; i < 600; i++) {
		memset(data[i], i & 0xff, sizeof(data[i]));
		data[i][0] = (uint8_t)(i >> 8);
		f[i].data = data[i];
		f[i].len = 20 + (size_t)i % 44;
	}
	start();
	pcap_rx(f, 600);
	for (i = 0; i < 600; i++)
		off = check_rec(off, data[i], f[i].len, f[i].len);
	assert_int_equal(file_len(), off);
	pcap_stop();
}

/* A frame longer than the snap length: cut, original length kept */
static void test_snaplen_cut(void **state)
{
	struct iovec iov[STRIDE] = {
		{ big, 100000 }, { big + 100000, sizeof(big) - 100000 },
	};
	int cnt = 2;

	(void)state;
	start();
	pcap_tx(iov, &cnt, 1, STRIDE, 0);
	check_rec(24, NULL, sizeof(big), PCAP_SNAPLEN);
	assert_int_equal(file_len(), 24 + 16 + PCAP_SNAPLEN);
	pcap_stop();
}

/* A write error stops the capture; nothing else happens */
static void test_write_error_stops(void **state)
{
	uint8_t a[60] = { 0 };
	struct frame f = { .data = a, .len = sizeof(a) };
	int fd;

	(void)state;
	start();
	assert_int_equal(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	pcap_rx(&f, 1);
	assert_false(pcap_on());
	pcap_rx(&f, 1);			/* off: a no-op */
	assert_int_equal(file_len(), 24);

	/* Can't write the header: an error, nothing captured */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pcap_start(fd), -EBADF);
	assert_false(pcap_on());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_header),
		cmocka_unit_test(test_rx_frames),
		cmocka_unit_test(test_tx_skips_link_header),
		cmocka_unit_test(test_many_frames),
		cmocka_unit_test(test_snaplen_cut),
		cmocka_unit_test(test_write_error_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
