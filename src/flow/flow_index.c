// SPDX-License-Identifier: MIT
/* flow_index.c - the flow index: open addressing, linear probing, SipHash */
#include <errno.h>
#include <sys/random.h>

#include "flow/flow.h"
#include "flow/flow_int.h"
#include "lib/log.h"
#include "lib/siphash.h"

/*
 * DOC: the tuple a guest packet carries (struct flow_key, the first bytes
 * of every flow record) to the flow's slot. Open addressing with linear
 * probing; deletion shifts later entries of the same probe run back
 * (Knuth, TAOCP 6.4, Algorithm R), so no tombstones build up. The key is
 * hashed with a per-table secret, so a guest cannot choose tuples that
 * collide. Entries keep a copy of the key: a probe compares without
 * touching the flow table.
 */

void flow_index_init(struct flow_table *ft)
{
	if (getrandom(ft->secret, sizeof(ft->secret), 0) !=
	    sizeof(ft->secret))
		die_perror("getrandom");
}

static uint32_t flow_hash(const struct flow_table *ft,
			  const struct flow_key *k)
{
	return (uint32_t)siphash(k, sizeof(*k), ft->secret) &
	       (FLOW_HASH_SIZE - 1);
}

static bool flow_find(const struct flow_table *ft, const struct flow_key *k,
		      uint32_t *pos)
{
	uint32_t i = flow_hash(ft, k);

	while (ft->ent[i].used) {
		if (!memcmp(&ft->ent[i].key, k, sizeof(*k))) {
			*pos = i;
			return true;
		}
		i = (i + 1) & (FLOW_HASH_SIZE - 1);
	}
	*pos = i;
	return false;
}

int flow_hash_insert(struct loop *lp, struct flow_common *f)
{
	struct flow_table *ft = lp->flows;
	uint32_t pos;

	if (flow_find(ft, &f->key, &pos))
		return -EEXIST;
	if (ft->nent >= FLOW_MAX)
		return -ENOSPC;
	ft->ent[pos].key = f->key;
	ft->ent[pos].idx = flow_idx(f);
	ft->ent[pos].used = 1;
	f->hashed = 1;
	ft->nent++;
	return 0;
}

struct flow_common *flow_lookup(const struct loop *lp,
				const struct flow_key *k)
{
	uint32_t pos;

	if (!flow_find(lp->flows, k, &pos))
		return NULL;
	return flow_at(lp, lp->flows->ent[pos].idx);
}

static void flow_ent_remove(struct flow_table *ft, uint32_t i)
{
	struct flow_ent *e = ft->ent;
	uint32_t j, h;

	e[i].used = 0;
	ft->nent--;

	/* Move back any entry whose home slot is not in (i, j] */
	for (j = (i + 1) & (FLOW_HASH_SIZE - 1); e[j].used;
	     j = (j + 1) & (FLOW_HASH_SIZE - 1)) {
		h = flow_hash(ft, &e[j].key);
		if ((j > i && (h <= i || h > j)) ||
		    (j < i && (h <= i && h > j))) {
			e[i] = e[j];
			e[j].used = 0;
			i = j;
		}
	}
}

void flow_hash_remove(struct loop *lp, struct flow_common *f)
{
	uint32_t i;

	if (!f->hashed || !flow_find(lp->flows, &f->key, &i))
		return;
	f->hashed = 0;
	flow_ent_remove(lp->flows, i);
}

unsigned flow_hash_count(const struct loop *lp)
{
	return lp->flows->nent;
}
