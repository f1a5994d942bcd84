// SPDX-License-Identifier: MIT
/* vu_msg.c - vhost-user: check and apply the front-end's messages */

/*
 * DOC: every message is checked before it changes anything: the version
 * bits, a payload of exactly the size its request has, the number of
 * file descriptors it must carry, queue indices, ring sizes, features we
 * offered, a memory table that vu_mem_check() accepts. Anything else
 * (an unknown request, a feature we didn't offer, a log base, which
 * would be live migration) is an error: the caller drops the front-end
 * with one line saying which message, and waits for a new one. Nothing a
 * message carries is kept unchecked, and the fds it brought are either
 * kept (memory, kick, call) or closed before returning.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <string.h>
#include <unistd.h>

#include "link/vu_msg.h"

#define BIT(n)	(1ull << (n))

uint64_t vu_features(void)
{
	return BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MRG_RXBUF) |
	       BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |
	       BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |
	       BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6) |
	       BIT(VIRTIO_RING_F_INDIRECT_DESC) |
	       BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VU_F_PROTOCOL_FEATURES);
}

uint64_t vu_proto_features(void)
{
	return BIT(VU_PROTO_MQ) | BIT(VU_PROTO_REPLY_ACK) |
	       BIT(VU_PROTO_RESET_DEVICE);
}

static const char *const vu_names[] = {
	[VU_GET_FEATURES] = "GET_FEATURES",
	[VU_SET_FEATURES] = "SET_FEATURES",
	[VU_SET_OWNER] = "SET_OWNER",
	[VU_RESET_OWNER] = "RESET_OWNER",
	[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VU_SET_LOG_BASE] = "SET_LOG_BASE",
	[VU_SET_LOG_FD] = "SET_LOG_FD",
	[VU_SET_VRING_NUM] = "SET_VRING_NUM",
	[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VU_SET_VRING_BASE] = "SET_VRING_BASE",
	[VU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VU_SET_VRING_KICK] = "SET_VRING_KICK",
	[VU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VU_SET_VRING_ERR] = "SET_VRING_ERR",
	[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VU_SEND_RARP] = "SEND_RARP",
	[VU_RESET_DEVICE] = "RESET_DEVICE",
};

const char *vu_msg_name(uint32_t request)
{
	if (request < sizeof(vu_names) / sizeof(vu_names[0]) &&
	    vu_names[request])
		return vu_names[request];
	return "unknown request";
}

static void ring_fds_close(struct vu_ring *r)
{
	if (r->kick >= 0)
		close(r->kick);
	if (r->call >= 0)
		close(r->call);
	r->kick = r->call = -1;
}

void vu_dev_init(struct vu_dev *d)
{
	int q;

	memset(d, 0, sizeof(*d));
	d->hdr_len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	for (q = 0; q < VU_QUEUES; q++)
		d->ring[q].kick = d->ring[q].call = -1;
}

void vu_dev_reset(struct vu_dev *d)
{
	int q;

	for (q = 0; q < VU_QUEUES; q++)
		ring_fds_close(&d->ring[q]);
	vu_mem_unmap(&d->mem);
	vu_dev_init(d);
}

bool vu_ring_ready(const struct vu_dev *d, int q)
{
	const struct vu_ring *r = &d->ring[q];

	return r->started && r->enabled && r->desc && !r->broken;
}

int vu_msg_check_hdr(const struct vu_msg *m)
{
	if ((m->flags & VU_FLAG_VERSION_MASK) != VU_VERSION ||
	    m->flags & VU_FLAG_REPLY || m->size > VU_PAYLOAD_MAX)
		return -EPROTO;
	return 0;
}

/* Payload sizes: fixed per request, -1 where it varies */
static int payload_size(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES: case VU_SET_OWNER: case VU_RESET_OWNER:
	case VU_GET_PROTOCOL_FEATURES: case VU_GET_QUEUE_NUM:
	case VU_RESET_DEVICE:
		return 0;
	case VU_SET_FEATURES: case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_KICK: case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR: case VU_SEND_RARP: case VU_SET_LOG_FD:
		return 8;
	case VU_SET_VRING_NUM: case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE: case VU_SET_VRING_ENABLE:
		return 8;			/* index, num */
	case VU_SET_VRING_ADDR:
		return 40;
	default:
		return -1;
	}
}

static uint32_t u32_at(const struct vu_msg *m, size_t off)
{
	uint32_t v;

	memcpy(&v, m->payload.bytes + off, sizeof(v));
	return v;
}

static uint64_t u64_at(const struct vu_msg *m, size_t off)
{
	uint64_t v;

	memcpy(&v, m->payload.bytes + off, sizeof(v));
	return v;
}

static void reply_u64(const struct vu_msg *m, struct vu_msg *r, uint64_t v)
{
	r->request = m->request;
	r->flags = VU_VERSION | VU_FLAG_REPLY;
	r->size = 8;
	memcpy(r->payload.bytes, &v, 8);
}

static void reply_state(const struct vu_msg *m, struct vu_msg *r,
			uint32_t idx, uint32_t num)
{
	r->request = m->request;
	r->flags = VU_VERSION | VU_FLAG_REPLY;
	r->size = 8;
	memcpy(r->payload.bytes, &idx, 4);
	memcpy(r->payload.bytes + 4, &num, 4);
}

/* The memory table: regions, their fds, rings translated again */
static int set_mem_table(struct vu_dev *d, const struct vu_msg *m,
			 const int *fds, int nfds, struct vu_changes *ch)
{
	struct vu_region_desc rd[VU_MEM_REGIONS];
	uint32_t n;
	int i, rc;

	if (m->size < 8)
		return -EPROTO;
	n = u32_at(m, 0);
	if (n < 1 || n > VU_MEM_REGIONS || m->size != 8 + 32 * n ||
	    (int)n != nfds)
		return -EPROTO;
	for (i = 0; i < (int)n; i++) {
		rd[i].gpa = u64_at(m, 8 + 32 * (size_t)i);
		rd[i].size = u64_at(m, 16 + 32 * (size_t)i);
		rd[i].uva = u64_at(m, 24 + 32 * (size_t)i);
		rd[i].offset = u64_at(m, 32 + 32 * (size_t)i);
	}
	rc = vu_mem_map(&d->mem, rd, (int)n, fds);
	if (rc)
		return rc;
	for (i = 0; i < VU_QUEUES; i++) {
		struct vu_ring *r = &d->ring[i];

		if (r->desc_uva && vu_ring_map(r, &d->mem))
			return -EINVAL;
	}
	ch->rings = true;
	return 0;
}

/* Kick, call, err: queue index, maybe no fd (polling: refused for kicks) */
static int set_ring_fd(struct vu_dev *d, const struct vu_msg *m, int *fds,
		       int nfds, struct vu_changes *ch)
{
	uint64_t v = u64_at(m, 0);
	uint64_t q = v & VU_VRING_IDX_MASK;
	bool nofd = v & VU_VRING_NOFD;
	struct vu_ring *r;
	int fd;

	if (q >= VU_QUEUES || v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD) ||
	    nfds != (nofd ? 0 : 1))
		return -EPROTO;
	r = &d->ring[q];
	fd = nofd ? -1 : fds[0];
	if (!nofd)
		fds[0] = -1;	/* ours now, or closed below */

	switch (m->request) {
	case VU_SET_VRING_KICK:
		if (nofd)
			return -EPROTO;	/* we never poll rings */
		if (r->kick >= 0)
			close(r->kick);
		r->kick = fd;
		r->started = true;
		if (!(d->features & BIT(VU_F_PROTOCOL_FEATURES)))
			r->enabled = true;
		ch->kick |= 1u << q;
		ch->rings = true;
		return 0;
	case VU_SET_VRING_CALL:
		if (r->call >= 0)
			close(r->call);
		r->call = fd;
		return 0;
	default:		/* VU_SET_VRING_ERR: we never report errors */
		if (fd >= 0)
			close(fd);
		return 0;
	}
}

static int set_features(struct vu_dev *d, uint64_t f, struct vu_changes *ch)
{
	int q;

	if (f & ~vu_features())
		return -EINVAL;
	d->features = f;
	d->hdr_len = f & (BIT(VIRTIO_F_VERSION_1) |
			  BIT(VIRTIO_NET_F_MRG_RXBUF)) ?
		     sizeof(struct virtio_net_hdr_mrg_rxbuf) :
		     sizeof(struct virtio_net_hdr);
	for (q = 0; q < VU_QUEUES; q++)
		d->ring[q].event_idx = !!(f & BIT(VIRTIO_RING_F_EVENT_IDX));
	ch->features = true;
	return 0;
}

/* Rings to their state before any message, memory kept */
static void rings_reset(struct vu_dev *d, struct vu_changes *ch)
{
	int q;

	for (q = 0; q < VU_QUEUES; q++) {
		ring_fds_close(&d->ring[q]);
		vu_ring_reset(&d->ring[q]);
		d->ring[q].event_idx =
			!!(d->features & BIT(VIRTIO_RING_F_EVENT_IDX));
		ch->kick |= 1u << q;
	}
	ch->rings = true;
}

/* The rest of the requests: a state (index, num) or none */
static int handle(struct vu_dev *d, const struct vu_msg *m, int *fds,
		  int nfds, struct vu_msg *reply, struct vu_changes *ch)
{
	uint32_t q = m->size >= 4 ? u32_at(m, 0) : 0;
	uint32_t num = m->size >= 8 ? u32_at(m, 4) : 0;
	struct vu_ring *r;

	switch (m->request) {
	case VU_SET_MEM_TABLE:
		return set_mem_table(d, m, fds, nfds, ch);
	case VU_SET_VRING_KICK: case VU_SET_VRING_CALL: case VU_SET_VRING_ERR:
		return set_ring_fd(d, m, fds, nfds, ch);
	}
	if (nfds)
		return -EPROTO;	/* nothing else carries fds we'd take */

	switch (m->request) {
	case VU_GET_FEATURES:
		reply_u64(m, reply, vu_features());
		return 1;
	case VU_SET_FEATURES:
		return set_features(d, u64_at(m, 0), ch);
	case VU_GET_PROTOCOL_FEATURES:
		reply_u64(m, reply, vu_proto_features());
		return 1;
	case VU_SET_PROTOCOL_FEATURES:
		if (u64_at(m, 0) & ~vu_proto_features())
			return -EINVAL;
		d->proto = u64_at(m, 0);
		return 0;
	case VU_GET_QUEUE_NUM:
		reply_u64(m, reply, 1);		/* queue pairs */
		return 1;
	case VU_SET_OWNER:
		return 0;
	case VU_RESET_OWNER: case VU_RESET_DEVICE:
		rings_reset(d, ch);
		return 0;
	}

	if (q >= VU_QUEUES)
		return -EPROTO;
	r = &d->ring[q];
	switch (m->request) {
	case VU_SET_VRING_NUM:
		if (!num || num > VU_RING_MAX || (num & (num - 1)))
			return -EINVAL;
		r->num = (uint16_t)num;
		r->broken = false;
		if (r->desc_uva && vu_ring_map(r, &d->mem))
			r->desc = NULL;	/* SET_VRING_ADDR will follow */
		return 0;
	case VU_SET_VRING_ADDR:
		if (u32_at(m, 4))	/* VHOST_VRING_F_LOG: migration */
			return -EINVAL;
		r->desc_uva = u64_at(m, 8);
		r->used_uva = u64_at(m, 16);
		r->avail_uva = u64_at(m, 24);
		r->broken = false;
		ch->rings = true;
		return vu_ring_map(r, &d->mem);
	case VU_SET_VRING_BASE:
		if (num > 0xffff)
			return -EINVAL;
		r->last_avail = r->used_idx = r->used_shown = (uint16_t)num;
		r->broken = false;
		return 0;
	case VU_GET_VRING_BASE:
		r->started = false;
		if (r->kick >= 0)
			close(r->kick);
		r->kick = -1;
		ch->kick |= 1u << q;
		ch->rings = true;
		reply_state(m, reply, q, r->last_avail);
		return 1;
	case VU_SET_VRING_ENABLE:
		if (num > 1)
			return -EINVAL;
		r->enabled = num;
		ch->rings = true;
		return 0;
	}
	return -EPROTO;
}

int vu_msg_handle(struct vu_dev *d, const struct vu_msg *m, int *fds,
		  int nfds, struct vu_msg *reply, struct vu_changes *ch)
{
	int want = payload_size(m->request), rc, i;

	if (vu_msg_check_hdr(m) || nfds < 0 || nfds > VU_FDS_MAX)
		rc = -EPROTO;
	else if (m->request == VU_SET_LOG_BASE ||
		 m->request == VU_SET_LOG_FD || m->request == VU_SEND_RARP)
		rc = -EOPNOTSUPP;	/* never offered: no migration */
	else if (m->request == VU_SET_MEM_TABLE)
		rc = handle(d, m, fds, nfds, reply, ch);
	else if (want < 0 || m->size != (uint32_t)want)
		rc = -EPROTO;
	else
		rc = handle(d, m, fds, nfds, reply, ch);

	for (i = 0; i < nfds && i < VU_FDS_MAX; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	if (rc == 0 && m->flags & VU_FLAG_NEED_REPLY &&
	    d->proto & BIT(VU_PROTO_REPLY_ACK)) {
		reply_u64(m, reply, 0);
		return 1;
	}
	return rc;
}
