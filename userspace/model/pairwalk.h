/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walking two sorted lists of address ranges side by side: the mappings or
 * page regions of two processes (ptscope cow) or of two snapshots (ptscope
 * diff).  Memory stays proportional to the ranges, never to the pages.
 */
#ifndef PTSCOPE_PAIRWALK_H
#define PTSCOPE_PAIRWALK_H

#include <stddef.h>
#include <stdint.h>

#include <ptscope.h>

#define PW_PAGE 4096ULL

/*
 * A growable array of records that start with "__u64 start, end" (struct
 * ptscope_page_region, struct ptscope_vma, struct snap_vma), sorted by
 * address and not overlapping.
 */
struct range_list {
	void *v;
	size_t nr, cap, size;	/* records, capacity, bytes per record */
};

void range_list_init(struct range_list *l, size_t size);
/* Append a copy of @rec; 0 or -ENOMEM. */
int range_list_add(struct range_list *l, const void *rec);
void range_list_free(struct range_list *l);

static inline const void *range_list_at(const struct range_list *l, size_t i)
{
	return (const char *)l->v + i * l->size;
}

/*
 * Call @cb for each piece [s, e) of [start, end) over which neither list
 * changes record, with the record of each list covering it (NULL if none).
 * Pieces come in address order and cover [start, end) exactly.  A nonzero
 * return from @cb stops the walk and is returned.
 */
typedef int (*pairwalk_cb)(uint64_t s, uint64_t e, const void *a,
			   const void *b, void *arg);
int pairwalk(const struct range_list *a, const struct range_list *b,
	     uint64_t start, uint64_t end, pairwalk_cb cb, void *arg);

/* The frame of page @addr of region @r, 0 if hidden or none. */
static inline uint64_t region_pfn_at(const struct ptscope_page_region *r,
				     uint64_t addr)
{
	return r->pfn ? r->pfn + (addr - r->start) / PW_PAGE : 0;
}

#endif /* PTSCOPE_PAIRWALK_H */
