// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: a mapping's 2 MiB ranges, counted into its MAPS record
 * (range_2m.h).
 */
#include <linux/align.h>
#include <linux/mm.h>

#include "range_2m.h"

/**
 * ptscope_range_count - the walk went through one PMD entry's range
 * @v: the VMA's record
 * @collapse_max_none: empty entries a range may have and still be
 *	collapsible (struct ptscope_maps's)
 * @r: what the walk found there
 *
 * Called once per PMD entry walked in the VMA (a chunk never ends inside
 * one when counting), after any retry of a table that went away.
 */
void ptscope_range_count(struct ptscope_vma *v, unsigned int collapse_max_none,
			 const struct ptscope_range *r)
{
	if (r->split)
		v->ranges_split++;
	if (!r->whole)
		return;
	if (r->pmd)
		v->ranges_pmd++;
	if (!r->table)
		return;
	v->ranges_pte++;
	if (r->present == PTRS_PER_PTE)
		v->ranges_pte_full++;
	if (r->empty <= collapse_max_none)
		v->ranges_collapsible++;
}

/* The 2 MiB-aligned 2 MiB ranges wholly inside [@start, @end). */
u64 ptscope_ranges_2m(unsigned long start, unsigned long end)
{
	unsigned long first = ALIGN(start, PMD_SIZE);
	unsigned long last = ALIGN_DOWN(end, PMD_SIZE);

	return last > first ? (last - first) / PMD_SIZE : 0;
}
