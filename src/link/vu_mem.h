/* SPDX-License-Identifier: MIT */
/* vu_mem.h - vhost-user: the guest's memory, as the front-end shares it */
#ifndef TETHER_VU_MEM_H
#define TETHER_VU_MEM_H

#include <stddef.h>
#include <stdint.h>

#define VU_MEM_REGIONS	8	/* VHOST_MEMORY_BASELINE_NREGIONS */

/**
 * struct vu_region_desc - one region as SET_MEM_TABLE describes it
 * @gpa:	guest physical address of its first byte
 * @size:	bytes
 * @uva:	the front-end's own (QEMU's) virtual address of it
 * @offset:	where it starts in the file descriptor sent with it
 */
struct vu_region_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t offset;
};

/**
 * struct vu_region - one region, mapped here
 * @d:		as described
 * @host:	our address of its first byte
 * @map:	the whole mapping (offset 0 of the file on)
 * @map_len:	its length
 */
struct vu_region {
	struct vu_region_desc d;
	uint8_t *host;
	void *map;
	size_t map_len;
};

/**
 * struct vu_mem - the memory table: every address the guest or the
 * front-end gives is translated through it, and nothing else is touched
 * @n:		regions in use
 * @r:		the regions
 */
struct vu_mem {
	int n;
	struct vu_region r[VU_MEM_REGIONS];
};

/*
 * vu_mem_check() - is this table acceptable (sizes non-zero, no
 * overflowing range, guest ranges disjoint)? Return: 0 or -EINVAL
 */
int vu_mem_check(const struct vu_region_desc *d, int n);

/*
 * vu_mem_map() - map @n regions, region i from @fds[i] (the fds stay the
 * caller's: a mapping outlives its fd), replacing what @m held. The file
 * must be at least as long as the region claims. On failure @m is empty.
 * Return: 0 or -errno
 */
int vu_mem_map(struct vu_mem *m, const struct vu_region_desc *d, int n,
	       const int *fds);

/* vu_mem_unmap() - unmap everything, @m empty */
void vu_mem_unmap(struct vu_mem *m);

/*
 * vu_mem_raw() - use @host (@d.size bytes of our own memory) as a region,
 * without mapping: for tests and fuzz targets. Return: 0, -ENOSPC, -EINVAL
 */
int vu_mem_raw(struct vu_mem *m, const struct vu_region_desc *d, void *host);

/*
 * vu_mem_gpa() - our address of guest physical @gpa, and in @*got how many
 * of the @len bytes from there lie in the same region (at least 1), so a
 * buffer that crosses regions is walked piece by piece.
 * Return: the address, NULL if @gpa is in no region or @len is 0
 */
uint8_t *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len,
		    uint64_t *got);

/* vu_mem_uva() - our address of the front-end's @uva, if all @len bytes
 * lie in one region (ring addresses). Return: the address or NULL */
uint8_t *vu_mem_uva(const struct vu_mem *m, uint64_t uva, uint64_t len);

#endif /* TETHER_VU_MEM_H */
