/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: a mapping's 2 MiB ranges, one PMD entry each, as the walk finds
 * them: how many a huge PMD maps, how many a PTE table maps and how full,
 * and how many khugepaged could collapse (struct ptscope_vma's ranges_*).
 */
#ifndef PTSCOPE_RANGE_2M_H
#define PTSCOPE_RANGE_2M_H

#include <linux/pgtable.h>

#include "ptscope.h"

/* One PMD entry's 2 MiB range, as the walk found it. */
struct ptscope_range {
	bool whole;		/* the range lies wholly in the walked part */
	bool pmd;		/* mapped by a present huge PMD */
	bool table;		/* mapped through a PTE table */
	bool split;		/* a PTE maps part of a PMD-order folio */
	unsigned int empty;	/* entries none or mapping the zero page */
	unsigned int present;	/* present entries */
};

/* What one PTE's record adds to its range's facts. */
static __always_inline void
ptscope_range_add(struct ptscope_range *r, const struct ptscope_page_region *rec)
{
	if (rec->entry == PTSCOPE_ENTRY_NONE || rec->kind == PTSCOPE_KIND_ZERO)
		r->empty++;
	if (rec->entry == PTSCOPE_ENTRY_PRESENT)
		r->present++;
	if (rec->folio_order >= PMD_SHIFT - PAGE_SHIFT &&
	    !(rec->flags & PTSCOPE_PF_HUGETLB))
		r->split = true;
}

void ptscope_range_count(struct ptscope_vma *v, unsigned int collapse_max_none,
			 const struct ptscope_range *r);
u64 ptscope_ranges_2m(unsigned long start, unsigned long end);

#endif /* PTSCOPE_RANGE_2M_H */
