// SPDX-License-Identifier: MIT
/* flow_index.c - the flow index: open addressing, linear probing, SipHash */
#include <errno.h>
#include <sys/random.h>

#include "flow/flow.h"
#include "lib/log.h"
#include "lib/siphash.h"

/*
 * DOC: the tuple a guest packet carries (struct flow_key, the first bytes
 * of every flow record) to the flow's slot. Open addressing with linear
 * probing; deletion shifts later entries of the same probe run back
 * (Knuth, TAOCP 6.4, Algorithm R), so no tombstones build up. The key is
 * hashed with a per-run secret, so a guest cannot choose tuples that
 * collide. Entries keep a copy of the key: a probe compares without
 * touching the flow table.
 */

struct flow_ent {
	struct flow_key key;
	uint32_t idx;
	uint32_t used;
};

static struct flow_ent flowtab[FLOW_HASH_SIZE];
static uint64_t flow_secret[2];
static unsigned flow_n;

void flow_index_init(void)
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

int flow_hash_insert(struct flow_common *f)
{
	uint32_t pos;

	if (flow_find(&f->key, &pos))
		return -EEXIST;
	if (flow_n >= FLOW_MAX)
		return -ENOSPC;
	flowtab[pos].key = f->key;
	flowtab[pos].idx = flow_idx(f);
	flowtab[pos].used = 1;
	f->hashed = 1;
	flow_n++;
	return 0;
}

struct flow_common *flow_lookup(const struct flow_key *k)
{
	uint32_t pos;

	if (!flow_find(k, &pos))
		return NULL;
	return flow_at(flowtab[pos].idx);
}

static void flow_ent_remove(uint32_t i)
{
	uint32_t j, h;

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

void flow_hash_remove(struct flow_common *f)
{
	uint32_t i;

	if (!f->hashed || !flow_find(&f->key, &i))
		return;
	f->hashed = 0;
	flow_ent_remove(i);
}

unsigned flow_hash_count(void)
{
	return flow_n;
}
