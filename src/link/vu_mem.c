// SPDX-License-Identifier: MIT
/* vu_mem.c - vhost-user: map the front-end's memory table, translate */

/*
 * DOC: QEMU shares the guest's RAM as a handful of regions, each a file
 * descriptor (a memfd, a hugetlbfs or /dev/shm file) and where in it the
 * region starts. Descriptors in the rings name guest physical addresses;
 * the rings themselves are given as QEMU's own virtual addresses. Both
 * are translated here and nowhere else, and a translation never returns
 * a byte outside a mapped region: a range that would leave its region is
 * cut (gpa) or refused (uva).
 *
 * A file shorter than the region it backs would fault (SIGBUS) when the
 * missing pages are touched, so the length is checked when mapping. A
 * front-end could still shrink the file afterwards; the front-end is the
 * VMM that runs the guest with our user's rights, not the guest, and
 * QEMU's memfd backend seals against shrinking by default (seal=on).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "link/vu_mem.h"

/* [a, a + n) doesn't wrap */
static int range_ok(uint64_t a, uint64_t n)
{
	return n && a + n - 1 >= a;
}

int vu_mem_check(const struct vu_region_desc *d, int n)
{
	int i, j;

	if (n < 1 || n > VU_MEM_REGIONS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!range_ok(d[i].gpa, d[i].size) ||
		    !range_ok(d[i].uva, d[i].size) ||
		    !range_ok(d[i].offset, d[i].size) ||
		    d[i].offset + d[i].size > SIZE_MAX / 2)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (d[i].gpa < d[j].gpa + d[j].size &&
			    d[j].gpa < d[i].gpa + d[i].size)
				return -EINVAL;
	}
	return 0;
}

void vu_mem_unmap(struct vu_mem *m)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->r[i].map)
			munmap(m->r[i].map, m->r[i].map_len);
	memset(m, 0, sizeof(*m));
}

int vu_mem_map(struct vu_mem *m, const struct vu_region_desc *d, int n,
	       const int *fds)
{
	int i, rc = vu_mem_check(d, n);

	vu_mem_unmap(m);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		size_t len = (size_t)(d[i].offset + d[i].size);
		struct stat st;
		void *p;

		if (fstat(fds[i], &st)) {
			rc = -errno;
			goto fail;
		}
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < len) {
			rc = -EINVAL;	/* would fault past the end */
			goto fail;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, fds[i], 0);
		if (p == MAP_FAILED) {
			rc = -errno;
			goto fail;
		}
		m->r[i].d = d[i];
		m->r[i].map = p;
		m->r[i].map_len = len;
		m->r[i].host = (uint8_t *)p + d[i].offset;
		m->n = i + 1;
	}
	return 0;
fail:
	vu_mem_unmap(m);
	return rc;
}

int vu_mem_raw(struct vu_mem *m, const struct vu_region_desc *d, void *host)
{
	struct vu_region_desc all[VU_MEM_REGIONS];
	int i;

	if (m->n >= VU_MEM_REGIONS)
		return -ENOSPC;
	for (i = 0; i < m->n; i++)
		all[i] = m->r[i].d;
	all[m->n] = *d;
	if (vu_mem_check(all, m->n + 1))
		return -EINVAL;
	m->r[m->n].d = *d;
	m->r[m->n].host = host;
	m->r[m->n].map = NULL;
	m->n++;
	return 0;
}

uint8_t *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len,
		    uint64_t *got)
{
	int i;

	if (!len)
		return NULL;
	for (i = 0; i < m->n; i++) {
		const struct vu_region_desc *d = &m->r[i].d;
		uint64_t off = gpa - d->gpa, left;

		if (gpa < d->gpa || off >= d->size)
			continue;
		left = d->size - off;
		*got = len < left ? len : left;
		return m->r[i].host + off;
	}
	return NULL;
}

uint8_t *vu_mem_uva(const struct vu_mem *m, uint64_t uva, uint64_t len)
{
	int i;

	if (!len)
		return NULL;
	for (i = 0; i < m->n; i++) {
		const struct vu_region_desc *d = &m->r[i].d;
		uint64_t off = uva - d->uva;

		if (uva >= d->uva && off < d->size && len <= d->size - off)
			return m->r[i].host + off;
	}
	return NULL;
}
