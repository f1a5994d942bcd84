// SPDX-License-Identifier: MIT
/* guest.c - what we know of the guest: its MAC and addresses */
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "l2/guest.h"

static const uint8_t guest_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/*
 * Every loop reads this, on every frame: the MAC sits in one 64-bit word,
 * and the learnt addresses are read under a sequence count (written
 * rarely, by whichever loop sees a new one, under a mutex)
 */
static struct {
	uint64_t mac;
	uint32_t seq;
	union inany seen4, seen6;
	bool fixed4, fixed6;
	pthread_mutex_t mu;
} gs = { .mu = PTHREAD_MUTEX_INITIALIZER };

static uint64_t mac_word(const uint8_t mac[6])
{
	uint64_t w = 0;

	memcpy(&w, mac, 6);
	return w;
}

static void inany_load(union inany *d, const union inany *s)
{
	int i;

	for (i = 0; i < 4; i++)
		d->w[i] = __atomic_load_n(&s->w[i], __ATOMIC_RELAXED);
}

static void inany_store(union inany *d, const union inany *s)
{
	int i;

	for (i = 0; i < 4; i++)
		__atomic_store_n(&d->w[i], s->w[i], __ATOMIC_RELAXED);
}

/* A consistent copy of @which (gs.seen4 or gs.seen6) */
static void seen_read(const union inany *which, union inany *a)
{
	uint32_t s;

	do {
		while ((s = __atomic_load_n(&gs.seq, __ATOMIC_ACQUIRE)) & 1)
			;
		inany_load(a, which);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&gs.seq, __ATOMIC_RELAXED) != s);
}

/* Caller holds gs.mu */
static void seen_write(union inany *which, const union inany *a)
{
	__atomic_store_n(&gs.seq, gs.seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	inany_store(which, a);
	__atomic_store_n(&gs.seq, gs.seq + 1, __ATOMIC_RELEASE);
}

void guest_init(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6)
{
	union inany a;

	pthread_mutex_lock(&gs.mu);
	__atomic_store_n(&gs.mac, mac_word(guest_bcast), __ATOMIC_RELAXED);
	inany_from_v4(&a, ip4->addr);
	seen_write(&gs.seen4, &a);
	inany_from_v6(&a, &ip6->addr);
	seen_write(&gs.seen6, &a);
	gs.fixed4 = ip4->addr_fixed;
	gs.fixed6 = ip6->addr_fixed;
	pthread_mutex_unlock(&gs.mu);
}

void guest_addrs_moved(const struct conf_ip4 *ip4, const struct conf_ip6 *ip6)
{
	union inany a;

	pthread_mutex_lock(&gs.mu);
	if (!IN6_IS_ADDR_UNSPECIFIED(&ip6->addr) || !ip6->enabled) {
		inany_from_v6(&a, &ip6->addr);
		seen_write(&gs.seen6, &a);
	}
	if (ip4->addr.s_addr || !ip4->enabled) {
		inany_from_v4(&a, ip4->addr);
		seen_write(&gs.seen4, &a);
	}
	pthread_mutex_unlock(&gs.mu);
}

void guest_mac_set(const uint8_t mac[6])
{
	__atomic_store_n(&gs.mac, mac_word(mac), __ATOMIC_RELAXED);
}

void guest_mac(uint8_t mac[6])
{
	uint64_t w = __atomic_load_n(&gs.mac, __ATOMIC_RELAXED);

	memcpy(mac, &w, 6);
}

bool guest_mac_is(const uint8_t mac[6])
{
	return __atomic_load_n(&gs.mac, __ATOMIC_RELAXED) == mac_word(mac);
}

void guest_forget(void)
{
	guest_mac_set(guest_bcast);
}

void guest_addr(int af, union inany *a)
{
	seen_read(af == AF_INET ? &gs.seen4 : &gs.seen6, a);
}

void guest_addr_seen(const union inany *a)
{
	union inany *which;
	union inany cur;

	if (inany_is_unspec(a) || inany_is_multicast(a))
		return;
	if (inany_is_v4(a)) {
		if (gs.fixed4)
			return;
		which = &gs.seen4;
	} else {
		if (IN6_IS_ADDR_LINKLOCAL(&a->a6) || gs.fixed6)
			return;		/* link-local sources are not learnt */
		which = &gs.seen6;
	}
	seen_read(which, &cur);
	if (inany_equals(&cur, a))
		return;			/* every frame but the first */
	pthread_mutex_lock(&gs.mu);
	seen_write(which, a);
	pthread_mutex_unlock(&gs.mu);
}
