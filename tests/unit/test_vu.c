// SPDX-License-Identifier: MIT
/* test_vu.c - unit tests for vhost-user: memory table, split rings,
 * messages */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "link/vu_mem.h"
#include "link/vu_msg.h"
#include "link/vu_ring.h"

#define GPA	0x10000ull
#define UVA	0x7f0000000000ull
#define MEMSZ	(256 * 1024)
#define NUM	16

static uint8_t ram[MEMSZ] __attribute__((aligned(4096)));
static struct vu_mem mem;
static struct vu_ring r;

/* Ring layout in ram: descriptors at 0, avail at 0x1000, used at 0x2000 */
static void ring_init(unsigned num)
{
	struct vu_region_desc d = { GPA, MEMSZ, UVA, 0 };

	memset(ram, 0, sizeof(ram));
	memset(&mem, 0, sizeof(mem));
	assert_int_equal(vu_mem_raw(&mem, &d, ram), 0);
	memset(&r, 0, sizeof(r));
	r.kick = r.call = -1;
	r.num = (uint16_t)num;
	r.desc_uva = UVA;
	r.avail_uva = UVA + 0x1000;
	r.used_uva = UVA + 0x2000;
	assert_int_equal(vu_ring_map(&r, &mem), 0);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	r.desc[i].addr = addr;
	r.desc[i].len = len;
	r.desc[i].flags = flags;
	r.desc[i].next = next;
}

static void avail(uint16_t head)
{
	r.avail->ring[r.avail->idx % r.num] = head;
	r.avail->idx++;
}

static void test_mem_check(void **state)
{
	struct vu_region_desc d[2] = { { 0, 4096, 0, 0 }, { 4096, 4096, 0, 0 } };

	(void)state;
	assert_int_equal(vu_mem_check(d, 2), 0);
	d[1].gpa = 100;				/* overlaps */
	assert_int_equal(vu_mem_check(d, 2), -EINVAL);
	d[1].gpa = UINT64_MAX - 10;		/* wraps */
	assert_int_equal(vu_mem_check(d, 2), -EINVAL);
	d[1].gpa = 8192;
	d[1].size = 0;
	assert_int_equal(vu_mem_check(d, 2), -EINVAL);
	assert_int_equal(vu_mem_check(d, 0), -EINVAL);
	assert_int_equal(vu_mem_check(d, VU_MEM_REGIONS + 1), -EINVAL);
}

static void test_mem_translate(void **state)
{
	uint8_t other[4096];
	struct vu_region_desc d2 = { GPA + MEMSZ, sizeof(other), UVA + MEMSZ,
				     0 };
	uint64_t got;
	uint8_t *p;

	(void)state;
	ring_init(NUM);
	assert_int_equal(vu_mem_raw(&mem, &d2, other), 0);
	p = vu_mem_gpa(&mem, GPA + 10, 100, &got);
	assert_ptr_equal(p, ram + 10);
	assert_int_equal(got, 100);
	/* Cut at the end of the region, the rest in the next one */
	p = vu_mem_gpa(&mem, GPA + MEMSZ - 8, 100, &got);
	assert_ptr_equal(p, ram + MEMSZ - 8);
	assert_int_equal(got, 8);
	p = vu_mem_gpa(&mem, GPA + MEMSZ, 92, &got);
	assert_ptr_equal(p, other);
	assert_null(vu_mem_gpa(&mem, GPA - 1, 1, &got));
	assert_null(vu_mem_gpa(&mem, GPA + MEMSZ + sizeof(other), 1, &got));
	assert_null(vu_mem_gpa(&mem, GPA, 0, &got));
	/* User addresses: all in one region or nothing */
	assert_ptr_equal(vu_mem_uva(&mem, UVA, MEMSZ), ram);
	assert_null(vu_mem_uva(&mem, UVA + MEMSZ - 8, 16));
	assert_null(vu_mem_uva(&mem, UVA - 8, 16));
}

static void test_mem_map_short_file(void **state)
{
	struct vu_region_desc d = { 0, 2 * 4096, 0x1000, 0 };
	struct vu_mem m = { 0 };
	int fd = memfd_create("t", MFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	assert_int_equal(vu_mem_map(&m, &d, 1, &fd), -EINVAL);
	assert_int_equal(m.n, 0);
	assert_int_equal(ftruncate(fd, 3 * 4096), 0);
	d.offset = 4096;
	assert_int_equal(vu_mem_map(&m, &d, 1, &fd), 0);
	assert_int_equal(m.n, 1);
	vu_mem_unmap(&m);
	close(fd);
}

static void test_ring_map_checks(void **state)
{
	(void)state;
	ring_init(NUM);
	r.num = 3;
	assert_int_equal(vu_ring_map(&r, &mem), -EINVAL);
	r.num = NUM;
	r.desc_uva = UVA + 8;			/* misaligned */
	assert_int_equal(vu_ring_map(&r, &mem), -EINVAL);
	r.desc_uva = UVA + MEMSZ - 16;		/* leaves memory */
	assert_int_equal(vu_ring_map(&r, &mem), -EINVAL);
	assert_null(r.desc);
}

static void test_ring_chain(void **state)
{
	struct vu_chain c;

	(void)state;
	ring_init(NUM);
	desc(3, GPA + 0x4000, 12, VRING_DESC_F_NEXT, 5);
	desc(5, GPA + 0x5000, 1500, 0, 0);
	avail(3);
	assert_int_equal(vu_ring_avail(&r), 1);
	assert_int_equal(vu_ring_pop(&r, &mem, false, &c), 0);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.len, 1512);
	assert_ptr_equal(c.iov[1].iov_base, ram + 0x5000);
	assert_int_equal(vu_ring_avail(&r), 0);

	vu_ring_push(&r, 3, 0);
	assert_int_equal(r.used->idx, 0);	/* not before publishing */
	assert_true(vu_ring_publish(&r));
	assert_int_equal(r.used->idx, 1);
	assert_int_equal(r.used->ring[0].id, 3);
}

static void test_ring_bad_chains(void **state)
{
	struct vu_chain c;

	(void)state;
	ring_init(NUM);
	desc(0, GPA + 0x4000, 100, VRING_DESC_F_NEXT, 0);	/* loop */
	desc(1, 0xdead00000000ull, 100, 0, 0);			/* nowhere */
	desc(2, GPA + 0x4000, 100, VRING_DESC_F_WRITE, 0);	/* direction */
	desc(3, GPA + 0x4000, UINT32_MAX, 0, 0);		/* too long */
	desc(4, GPA + 0x4000, 100, VRING_DESC_F_NEXT, 99);	/* next > num */
	desc(5, GPA + 0x8000, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT,
	     0);						/* indirect+next */
	desc(6, GPA + 0x8000, 24, VRING_DESC_F_INDIRECT, 0);	/* len % 16 */
	desc(7, GPA + 0x8000, 16, VRING_DESC_F_INDIRECT, 0);	/* nested */
	memcpy(ram + 0x8000, &(struct vring_desc){ GPA + 0x8000, 16,
		VRING_DESC_F_INDIRECT, 0 }, 16);
	for (int i = 0; i < 8; i++)
		avail((uint16_t)i);
	assert_int_equal(vu_ring_avail(&r), 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(vu_ring_pop(&r, &mem, false, &c), -EINVAL);
		assert_int_equal(c.head, i);
		assert_int_equal(c.n, 0);
	}
	assert_false(r.broken);
}

static void test_ring_indirect(void **state)
{
	struct vring_desc t[3] = {
		{ GPA + 0x4000, 12, VRING_DESC_F_NEXT, 2 },
		{ 0, 0, 0, 0 },
		{ GPA + 0x6000, 4000, 0, 0 },
	};
	struct vu_chain c;

	(void)state;
	ring_init(NUM);
	memcpy(ram + 0x8000, t, sizeof(t));
	desc(0, GPA + 0x8000, sizeof(t), VRING_DESC_F_INDIRECT, 0);
	avail(0);
	assert_int_equal(vu_ring_pop(&r, &mem, false, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.len, 4012);
	/* A table whose entries loop: bounded by its size */
	t[2].flags = VRING_DESC_F_NEXT;
	t[2].next = 0;
	memcpy(ram + 0x8000, t, sizeof(t));
	avail(0);
	assert_int_equal(vu_ring_pop(&r, &mem, false, &c), -EINVAL);
}

static void test_ring_index_jump(void **state)
{
	struct vu_chain c;

	(void)state;
	ring_init(NUM);
	r.avail->idx = NUM + 1;
	assert_int_equal(vu_ring_avail(&r), -EPROTO);
	assert_true(r.broken);
	assert_int_equal(vu_ring_pop(&r, &mem, false, &c), -EPROTO);
	assert_false(vu_ring_notify_on(&r));

	/* A head past the ring: broken too */
	ring_init(NUM);
	avail(NUM);
	assert_int_equal(vu_ring_pop(&r, &mem, false, &c), -EPROTO);
	assert_true(r.broken);

	/* Wrapping around 65535 is no jump */
	ring_init(NUM);
	r.last_avail = 65530;
	r.avail->idx = 4;
	assert_int_equal(vu_ring_avail(&r), 10);
}

static void test_ring_event_idx(void **state)
{
	uint16_t *used_event, *avail_event;

	(void)state;
	ring_init(NUM);
	r.event_idx = true;
	used_event = (uint16_t *)&r.avail->ring[NUM];
	avail_event = (uint16_t *)&r.used->ring[NUM];

	*used_event = 5;		/* "tell me when entry 5 is used" */
	for (int i = 0; i < 3; i++)
		vu_ring_push(&r, 0, 0);
	assert_false(vu_ring_publish(&r));	/* 0..2: not yet */
	for (int i = 0; i < 3; i++)
		vu_ring_push(&r, 0, 0);
	assert_true(vu_ring_publish(&r));	/* 3..5 crosses it */
	assert_false(vu_ring_publish(&r));	/* nothing new */

	r.last_avail = 7;
	r.avail->idx = 7;
	assert_false(vu_ring_notify_on(&r));
	assert_int_equal(*avail_event, 7);
	r.avail->idx = 8;			/* came meanwhile */
	assert_true(vu_ring_notify_on(&r));

	/* Without event index: the guest's NO_INTERRUPT flag */
	ring_init(NUM);
	r.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vu_ring_push(&r, 0, 0);
	assert_false(vu_ring_publish(&r));
	vu_ring_notify_off(&r);
	assert_int_equal(r.used->flags, VRING_USED_F_NO_NOTIFY);
}

/* ---- messages ---- */

static struct vu_dev dev;
static struct vu_msg m, reply;

static int msg(uint32_t req, const void *payload, uint32_t size, int *fds,
	       int nfds, struct vu_changes *ch)
{
	struct vu_changes dummy = { 0 };

	m.request = req;
	m.flags = VU_VERSION;
	m.size = size;
	if (size)
		memcpy(m.payload.bytes, payload, size);
	return vu_msg_handle(&dev, &m, fds, nfds, &reply, ch ? ch : &dummy);
}

static uint64_t reply_u64(void)
{
	uint64_t v;

	assert_int_equal(reply.flags, VU_VERSION | VU_FLAG_REPLY);
	assert_int_equal(reply.size, 8);
	memcpy(&v, reply.payload.bytes, 8);
	return v;
}

static void test_msg_features(void **state)
{
	uint64_t f;

	(void)state;
	vu_dev_init(&dev);
	assert_int_equal(msg(VU_GET_FEATURES, NULL, 0, NULL, 0, NULL), 1);
	f = reply_u64();
	assert_true(f & (1ull << VIRTIO_F_VERSION_1));
	assert_true(f & (1ull << VIRTIO_NET_F_HOST_TSO4));
	assert_true(f & (1ull << VIRTIO_NET_F_GUEST_TSO6));
	assert_false(f & (1ull << VIRTIO_F_ACCESS_PLATFORM));
	f = 1ull << 63;
	assert_int_equal(msg(VU_SET_FEATURES, &f, 8, NULL, 0, NULL), -EINVAL);
	f = 1ull << VIRTIO_NET_F_CSUM;		/* legacy, no mergeable */
	assert_int_equal(msg(VU_SET_FEATURES, &f, 8, NULL, 0, NULL), 0);
	assert_int_equal(dev.hdr_len, sizeof(struct virtio_net_hdr));
	f = 1ull << VIRTIO_F_VERSION_1;
	assert_int_equal(msg(VU_SET_FEATURES, &f, 8, NULL, 0, NULL), 0);
	assert_int_equal(dev.hdr_len, 12);
	/* Wrong payload sizes */
	assert_int_equal(msg(VU_SET_FEATURES, &f, 4, NULL, 0, NULL), -EPROTO);
	assert_int_equal(msg(VU_GET_FEATURES, &f, 8, NULL, 0, NULL), -EPROTO);
	assert_int_equal(msg(12345, NULL, 0, NULL, 0, NULL), -EPROTO);
}

static void test_msg_reply_ack(void **state)
{
	uint64_t p = 1ull << VU_PROTO_REPLY_ACK;

	(void)state;
	vu_dev_init(&dev);
	assert_int_equal(msg(VU_SET_PROTOCOL_FEATURES, &p, 8, NULL, 0, NULL),
			 0);
	m.request = VU_SET_OWNER;
	m.flags = VU_VERSION | VU_FLAG_NEED_REPLY;
	m.size = 0;
	assert_int_equal(vu_msg_handle(&dev, &m, NULL, 0, &reply,
				       &(struct vu_changes){ 0 }), 1);
	assert_int_equal(reply_u64(), 0);
	p = 1ull << 40;				/* not offered */
	assert_int_equal(msg(VU_SET_PROTOCOL_FEATURES, &p, 8, NULL, 0, NULL),
			 -EINVAL);
}

static void test_msg_ring_fds(void **state)
{
	struct vu_changes ch = { 0 };
	uint32_t st[2] = { VU_TX_Q, 256 };
	uint64_t v = VU_TX_Q;
	int fd[2];

	(void)state;
	vu_dev_init(&dev);
	assert_int_equal(msg(VU_SET_VRING_NUM, st, 8, NULL, 0, NULL), 0);
	st[1] = 100;
	assert_int_equal(msg(VU_SET_VRING_NUM, st, 8, NULL, 0, NULL), -EINVAL);
	st[0] = 2;
	st[1] = 256;
	assert_int_equal(msg(VU_SET_VRING_NUM, st, 8, NULL, 0, NULL), -EPROTO);

	fd[0] = eventfd(0, EFD_CLOEXEC);
	int kick = fd[0];
	assert_int_equal(msg(VU_SET_VRING_KICK, &v, 8, fd, 1, &ch), 0);
	assert_int_equal(fd[0], -1);		/* taken */
	assert_int_equal(dev.ring[VU_TX_Q].kick, kick);
	assert_int_equal(fcntl(kick, F_GETFD) >= 0, 1);
	assert_int_equal(ch.kick, 1u << VU_TX_Q);
	assert_true(dev.ring[VU_TX_Q].started);

	/* Two fds where one is expected: refused, both closed */
	fd[0] = eventfd(0, EFD_CLOEXEC);
	fd[1] = eventfd(0, EFD_CLOEXEC);
	int a = fd[0], b = fd[1];
	assert_int_equal(msg(VU_SET_VRING_CALL, &v, 8, fd, 2, NULL), -EPROTO);
	assert_int_equal(fcntl(a, F_GETFD), -1);
	assert_int_equal(fcntl(b, F_GETFD), -1);

	/* No fd for a kick: we don't poll */
	v = VU_TX_Q | VU_VRING_NOFD;
	assert_int_equal(msg(VU_SET_VRING_KICK, &v, 8, NULL, 0, NULL), -EPROTO);

	/* GET_VRING_BASE stops the ring and closes its kick fd */
	st[0] = VU_TX_Q;
	ch.kick = 0;
	assert_int_equal(msg(VU_GET_VRING_BASE, st, 8, NULL, 0, &ch), 1);
	assert_false(dev.ring[VU_TX_Q].started);
	assert_int_equal(dev.ring[VU_TX_Q].kick, -1);
	assert_int_equal(ch.kick, 1u << VU_TX_Q);
	vu_dev_reset(&dev);
}

static void test_msg_mem_table(void **state)
{
	struct {
		uint32_t n, pad;
		struct vu_region_desc r[2];
	} t = { 1, 0, { { 0x1000, 8192, UVA, 0 } } };
	int fd = memfd_create("t", MFD_CLOEXEC), fds[2];

	(void)state;
	assert_int_equal(ftruncate(fd, 8192), 0);
	vu_dev_init(&dev);
	fds[0] = dup(fd);
	assert_int_equal(msg(VU_SET_MEM_TABLE, &t, 8 + 32, fds, 1, NULL), 0);
	assert_int_equal(dev.mem.n, 1);
	assert_int_equal(fds[0], -1);		/* closed: mapped */
	/* Count and fds disagree */
	fds[0] = dup(fd);
	assert_int_equal(msg(VU_SET_MEM_TABLE, &t, 8 + 64, fds, 1, NULL),
			 -EPROTO);
	t.n = 2;
	fds[0] = dup(fd);
	assert_int_equal(msg(VU_SET_MEM_TABLE, &t, 8 + 32, fds, 1, NULL),
			 -EPROTO);
	/* Overlapping regions */
	t.r[1] = t.r[0];
	fds[0] = dup(fd);
	fds[1] = dup(fd);
	assert_int_equal(msg(VU_SET_MEM_TABLE, &t, 8 + 64, fds, 2, NULL),
			 -EINVAL);
	vu_dev_reset(&dev);
	close(fd);
}

static void test_msg_header(void **state)
{
	(void)state;
	m.flags = 2;
	m.size = 0;
	assert_int_equal(vu_msg_check_hdr(&m), -EPROTO);
	m.flags = VU_VERSION | VU_FLAG_REPLY;
	assert_int_equal(vu_msg_check_hdr(&m), -EPROTO);
	m.flags = VU_VERSION;
	m.size = VU_PAYLOAD_MAX + 1;
	assert_int_equal(vu_msg_check_hdr(&m), -EPROTO);
	m.size = VU_PAYLOAD_MAX;
	assert_int_equal(vu_msg_check_hdr(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_check),
		cmocka_unit_test(test_mem_translate),
		cmocka_unit_test(test_mem_map_short_file),
		cmocka_unit_test(test_ring_map_checks),
		cmocka_unit_test(test_ring_chain),
		cmocka_unit_test(test_ring_bad_chains),
		cmocka_unit_test(test_ring_indirect),
		cmocka_unit_test(test_ring_index_jump),
		cmocka_unit_test(test_ring_event_idx),
		cmocka_unit_test(test_msg_features),
		cmocka_unit_test(test_msg_reply_ack),
		cmocka_unit_test(test_msg_ring_fds),
		cmocka_unit_test(test_msg_mem_table),
		cmocka_unit_test(test_msg_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
