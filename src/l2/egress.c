// SPDX-License-Identifier: MIT
/* egress.c - build L2/L3 headers toward the guest; queue and flush frames */
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "l2/egress.h"
#include "l2/guest.h"
#include "lib/checksum.h"
#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"
#include "loop.h"

/**
 * struct egress - one loop's frames toward the guest, until the flush
 * @our_mac:	source of every frame (from the configuration)
 * @iov:	EGRESS_IOV_MAX iovecs per frame slot
 * @vh:		virtio-net header of each frame, if the link takes one
 * @cnt:	iovecs used by each frame
 * @n:		frames queued
 * @copy:	room for small frames queued by copy
 * @ncopy:	copies used
 * @ip4_id:	next IPv4 identification
 * @gen:	flushes so far (users of frame memory compare it)
 */
struct egress {
	uint8_t our_mac[6];
	struct iovec iov[EGRESS_FRAMES * EGRESS_IOV_MAX];
	struct virtio_net_hdr vh[EGRESS_FRAMES];
	int cnt[EGRESS_FRAMES];
	int n;
	uint8_t copy[EGRESS_FRAMES][EGRESS_COPY_MAX];
	int ncopy;
	uint16_t ip4_id;
	unsigned gen;
};

void egress_init(struct loop *lp, const struct conf_link *link)
{
	struct egress *eg = loop_state_new(lp->egress, "egress batch");

	memcpy(eg->our_mac, link->our_mac, 6);
}

const uint8_t *egress_our_mac(const struct loop *lp)
{
	return lp->egress->our_mac;
}

size_t egress_l2l3(struct loop *lp, uint8_t *buf, const union inany *src,
		   const union inany *dst, uint8_t proto, size_t l4_len)
{
	struct egress *eg = lp->egress;
	uint8_t *ip = buf + ETH_HDR_LEN;

	guest_mac(buf);
	memcpy(buf + 6, eg->our_mac, 6);

	if (inany_is_v4(src)) {
		wr16(buf + 12, 0x0800);
		ip[0] = 0x45;
		ip[1] = 0;
		wr16(ip + 2, (uint16_t)(IP4_HDR_LEN + l4_len));
		wr16(ip + 4, eg->ip4_id++);
		wr16(ip + 6, 0x4000);		/* DF */
		ip[8] = 255;
		ip[9] = proto;
		wr16(ip + 10, 0);
		memcpy(ip + 12, &src->v4.a4, 4);
		memcpy(ip + 16, &dst->v4.a4, 4);
		wr16(ip + 10, csum_ip4_hdr(ip, IP4_HDR_LEN));
		return ETH_HDR_LEN + IP4_HDR_LEN;
	}

	wr16(buf + 12, 0x86dd);
	wr32(ip, 0x60000000);
	wr16(ip + 4, (uint16_t)l4_len);
	ip[6] = proto;
	ip[7] = 255;
	memcpy(ip + 8, &src->a6, 16);
	memcpy(ip + 24, &dst->a6, 16);
	return ETH_HDR_LEN + IP6_HDR_LEN;
}

/* Pseudo-header partial sum for either family */
static uint32_t egress_pseudo(const union inany *src, const union inany *dst,
			      uint8_t proto, size_t l4_len)
{
	if (inany_is_v4(src))
		return csum_pseudo4(src->v4.a4, dst->v4.a4, proto,
				    (uint16_t)l4_len);
	return csum_pseudo6(&src->a6, &dst->a6, proto, (uint32_t)l4_len);
}

uint16_t egress_l4_csum(const union inany *src, const union inany *dst,
			uint8_t proto, const struct iovec *iov, int cnt,
			size_t l4_len)
{
	return csum_fold(csum_iov(iov, cnt, 0,
				  egress_pseudo(src, dst, proto, l4_len)));
}

uint16_t egress_pseudo_csum(const union inany *src, const union inany *dst,
			    uint8_t proto, size_t l4_len)
{
	return (uint16_t)~csum_fold(egress_pseudo(src, dst, proto, l4_len));
}

bool egress_offload_ok(const struct loop *lp)
{
	const struct link_ops *ops = link_ops(lp);

	return ops && ops->vnet_hdr;
}

bool egress_udp_gso_ok(const struct loop *lp)
{
	const struct link_ops *ops = link_ops(lp);

	return ops && ops->vnet_hdr && ops->udp_gso;
}

/* Fill the virtio-net header the link wants in front of the frame */
static void egress_vnet_hdr(struct virtio_net_hdr *vh,
			    const struct egress_offload *o)
{
	memset(vh, 0, sizeof(*vh));
	if (!o)
		return;
	if (o->csum_start) {
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = o->csum_start;
		vh->csum_offset = o->csum_off;
	}
	if (o->gso_size && o->gso_udp) {
		vh->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		vh->gso_size = o->gso_size;
		vh->hdr_len = (uint16_t)(o->csum_start + 8);
	} else if (o->gso_size) {
		vh->gso_type = o->gso_v6 ? VIRTIO_NET_HDR_GSO_TCPV6
					 : VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = o->gso_size;
		vh->hdr_len = o->csum_start;	/* a hint: headers */
	}
}

int egress_queue_offload(struct loop *lp, const struct iovec *iov, int cnt,
			 const struct egress_offload *o)
{
	struct egress *eg = lp->egress;
	struct iovec *slot = &eg->iov[(size_t)eg->n * EGRESS_IOV_MAX];

	ASSERT(cnt > 0 && cnt <= EGRESS_IOV_USER);
	if (eg->n >= EGRESS_FRAMES)
		return -ENOBUFS;
	if (egress_offload_ok(lp)) {
		egress_vnet_hdr(&eg->vh[eg->n], o);
		slot->iov_base = &eg->vh[eg->n];
		slot->iov_len = sizeof(eg->vh[eg->n]);
		memcpy(slot + 1, iov, sizeof(*iov) * (size_t)cnt);
		cnt++;
	} else {
		ASSERT(!o || (!o->csum_start && !o->gso_size));
		memcpy(slot, iov, sizeof(*iov) * (size_t)cnt);
	}
	eg->cnt[eg->n++] = cnt;
	return 0;
}

int egress_queue(struct loop *lp, const struct iovec *iov, int cnt)
{
	return egress_queue_offload(lp, iov, cnt, NULL);
}

int egress_queue_copy(struct loop *lp, const void *frame, size_t len)
{
	struct egress *eg = lp->egress;
	struct iovec iov;

	if (len > EGRESS_COPY_MAX)
		return -EMSGSIZE;
	if (eg->n >= EGRESS_FRAMES || eg->ncopy >= EGRESS_FRAMES)
		return -ENOBUFS;
	memcpy(eg->copy[eg->ncopy], frame, len);
	iov.iov_base = eg->copy[eg->ncopy++];
	iov.iov_len = len;
	return egress_queue(lp, &iov, 1);
}

int egress_room(const struct loop *lp)
{
	return EGRESS_FRAMES - lp->egress->n;
}

int egress_reserve(struct loop *lp, int frames)
{
	if (egress_room(lp) < MIN(frames, EGRESS_FRAMES))
		egress_flush(lp);
	return egress_room(lp);
}

void egress_flush(struct loop *lp)
{
	struct egress *eg = lp->egress;

	if (!eg->n) {
		eg->gen++;
		return;
	}
	link_tx(lp, eg->iov, eg->cnt, eg->n);
	eg->n = 0;
	eg->ncopy = 0;
	eg->gen++;
}

unsigned egress_flush_gen(const struct loop *lp)
{
	return lp->egress->gen;
}
