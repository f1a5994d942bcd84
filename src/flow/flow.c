// SPDX-License-Identifier: MIT
/* flow.c - the flow index: open addressing, linear probing, SipHash */
#include <errno.h>
#include <sys/random.h>

#include "flow/flow.h"
#include "lib/log.h"
#include "lib/siphash.h"

/*
 * DOC: open addressing with linear probing; deletion shifts later
 * entries of the same probe run back (Knuth, TAOCP 6.4, Algorithm R), so
 * no tombstones build up. The key is hashed with a per-run secret, so a
 * guest cannot choose tuples that collide.
 */

struct flow_ent {
	struct flow_key key;
	uint32_t val;
	uint32_t used;
};

static struct flow_ent flowtab[FLOW_HASH_SIZE];
static uint64_t flow_secret[2];
static unsigned flow_n;

void flow_init(void)
{
	if (getrandom(flow_secret, sizeof(flow_secret), 0) !=
	    sizeof(flow_secret))
		die_perror("getrandom");
}

static uint32_t flow_hash(const struct flow_key *k)
{
	return (uint32_t)siphash(k, sizeof(*k), flow_secret) &
	       (FLOW_HASH_SIZE - 1);
}

static bool flow_find(const struct flow_key *k, uint32_t *pos)
{
	uint32_t i = flow_hash(k);

	while (flowtab[i].used) {
		if (!memcmp(&flowtab[i].key, k, sizeof(*k))) {
			*pos = i;
			return true;
		}
		i = (i + 1) & (FLOW_HASH_SIZE - 1);
	}
	*pos = i;
	return false;
}

int flow_insert(const struct flow_key *k, uint32_t val)
{
	uint32_t pos;

	if (flow_find(k, &pos))
		return -EEXIST;
	if (flow_n >= FLOW_MAX)
		return -ENOSPC;
	flowtab[pos].key = *k;
	flowtab[pos].val = val;
	flowtab[pos].used = 1;
	flow_n++;
	return 0;
}

bool flow_lookup(const struct flow_key *k, uint32_t *val)
{
	uint32_t pos;

	if (!flow_find(k, &pos))
		return false;
	*val = flowtab[pos].val;
	return true;
}

void flow_remove(const struct flow_key *k)
{
	uint32_t i, j, h;

	if (!flow_find(k, &i))
		return;
	flowtab[i].used = 0;
	flow_n--;

	/* Move back any entry whose home slot is not in (i, j] */
	for (j = (i + 1) & (FLOW_HASH_SIZE - 1); flowtab[j].used;
	     j = (j + 1) & (FLOW_HASH_SIZE - 1)) {
		h = flow_hash(&flowtab[j].key);
		if ((j > i && (h <= i || h > j)) ||
		    (j < i && (h <= i && h > j))) {
			flowtab[i] = flowtab[j];
			flowtab[j].used = 0;
			i = j;
		}
	}
}

unsigned flow_count(void)
{
	return flow_n;
}
