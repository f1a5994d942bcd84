/* SPDX-License-Identifier: MIT */
/* vu_msg.h - vhost-user: the front-end's messages and the device state */
#ifndef TETHER_VU_MSG_H
#define TETHER_VU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/vu_mem.h"
#include "link/vu_ring.h"

/* Requests (QEMU docs/interop/vhost-user.rst) */
enum vu_request {
	VU_GET_FEATURES		= 1,
	VU_SET_FEATURES		= 2,
	VU_SET_OWNER		= 3,
	VU_RESET_OWNER		= 4,
	VU_SET_MEM_TABLE	= 5,
	VU_SET_LOG_BASE		= 6,
	VU_SET_LOG_FD		= 7,
	VU_SET_VRING_NUM	= 8,
	VU_SET_VRING_ADDR	= 9,
	VU_SET_VRING_BASE	= 10,
	VU_GET_VRING_BASE	= 11,
	VU_SET_VRING_KICK	= 12,
	VU_SET_VRING_CALL	= 13,
	VU_SET_VRING_ERR	= 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM	= 17,
	VU_SET_VRING_ENABLE	= 18,
	VU_SEND_RARP		= 19,
	VU_RESET_DEVICE		= 34,
};

#define VU_HDR_LEN		12	/* request, flags, size */
#define VU_PAYLOAD_MAX		512	/* larger than any we take */
#define VU_FDS_MAX		VU_MEM_REGIONS	/* per message */
#define VU_VERSION		0x1
#define VU_FLAG_VERSION_MASK	0x3
#define VU_FLAG_REPLY		(1u << 2)
#define VU_FLAG_NEED_REPLY	(1u << 3)
#define VU_VRING_IDX_MASK	0xffull
#define VU_VRING_NOFD		(1ull << 8)

/* Protocol features */
#define VU_PROTO_MQ		0
#define VU_PROTO_REPLY_ACK	3
#define VU_PROTO_RESET_DEVICE	13

#define VU_F_PROTOCOL_FEATURES	30	/* a vhost-user feature bit */

#define VU_RX_Q		0	/* the guest's receive queue: we write */
#define VU_TX_Q		1	/* the guest's transmit queue: we read */
#define VU_QUEUES	2

/**
 * struct vu_msg - one message, header and payload
 * @request:	enum vu_request
 * @flags:	version, reply, need-reply
 * @size:	payload bytes
 * @payload:	the payload, right after the header as on the wire (not
 *		aligned: read and written with memcpy())
 */
struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint8_t bytes[VU_PAYLOAD_MAX];
	} payload;
};
_Static_assert(sizeof(struct vu_msg) == VU_HDR_LEN + VU_PAYLOAD_MAX,
	       "vu_msg: payload right after the header");

/**
 * struct vu_dev - the device as the front-end set it up
 * @features:	negotiated virtio features
 * @proto:	negotiated protocol features
 * @hdr_len:	virtio-net header before each frame: 12, 10 for a legacy
 *		guest without mergeable buffers
 * @mem:	the memory table
 * @ring:	receive and transmit queues
 */
struct vu_dev {
	uint64_t features;
	uint64_t proto;
	size_t hdr_len;
	struct vu_mem mem;
	struct vu_ring ring[VU_QUEUES];
};

/**
 * struct vu_changes - what a message changed, for the back-end to apply
 * @kick:	bit per queue: its kick fd changed (watch the new one)
 * @features:	SET_FEATURES arrived
 * @rings:	a ring started, stopped, was enabled, disabled or moved
 */
struct vu_changes {
	unsigned kick;
	bool features;
	bool rings;
};

/* vu_features() - the virtio features we offer */
uint64_t vu_features(void);
/* vu_proto_features() - the protocol features we offer */
uint64_t vu_proto_features(void);

/* vu_dev_init() - a device before any message: no memory, no rings */
void vu_dev_init(struct vu_dev *d);
/* vu_dev_reset() - forget all of it: unmap memory, close ring fds */
void vu_dev_reset(struct vu_dev *d);

/*
 * vu_msg_check_hdr() - may a message with this header follow? (version,
 * payload size). Return: 0 or -EPROTO
 */
int vu_msg_check_hdr(const struct vu_msg *m);

/*
 * vu_msg_handle() - apply message @m, received with the @nfds fds @fds,
 * which are consumed (kept or closed) whatever the outcome. A reply, if
 * the protocol wants one, is built in @reply. What changed is added to
 * @ch. Return: 1 if @reply is to be sent, 0 if not, -errno if the
 * message is broken or hostile (the caller drops the connection)
 */
int vu_msg_handle(struct vu_dev *d, const struct vu_msg *m, int *fds,
		  int nfds, struct vu_msg *reply, struct vu_changes *ch);

/* vu_msg_name() - the request's name, for logs */
const char *vu_msg_name(uint32_t request);

/* vu_ring_ready() - a ring we may process: started, enabled, mapped */
bool vu_ring_ready(const struct vu_dev *d, int q);

#endif /* TETHER_VU_MSG_H */
