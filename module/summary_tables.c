// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the page tables a MAPS query's walk passes through, each counted
 * once for its VMA and once in the query's totals (summary.h).
 */
#include <linux/mm.h>

#include "summary.h"

/* A new VMA, walked from @range_start: its tables count into @vma. */
void ptscope_tables_start(struct ptscope_table_tally *t,
			  struct ptscope_table_counts *vma,
			  unsigned long range_start)
{
	t->vma = vma;
	t->range_start = range_start;
	memset(t->counted, 0, sizeof(t->counted));
}

/*
 * Was the table mapping [@base, ...) already counted in the totals, for a
 * range below the one being walked?  Ranges are walked in ascending order,
 * so only the last one can share it; before the first range of a call, ask
 * whether any VMA lies below in the table's span.
 */
static bool ptscope_table_seen_below(struct ptscope_table_tally *t,
				     unsigned long base)
{
	if (base >= t->range_start)
		return false;
	if (t->prev_end)
		return t->prev_end > base;
	return find_vma_intersection(t->mm, base, t->range_start);
}

/**
 * ptscope_tables_pass - the walk went through a page table
 * @t: the tally
 * @level: PTSCOPE_LEVEL_PTE for a PTE table, _PMD, _PUD
 * @base: the first address the table maps (aligned to its span)
 *
 * A walk may pass a table many times (chunks resume inside it); it counts
 * once for the VMA, and once in the totals however many VMAs share it.
 */
void ptscope_tables_pass(struct ptscope_table_tally *t, int level,
			 unsigned long base)
{
	unsigned int i = level - PTSCOPE_LEVEL_PTE;
	bool in_totals;

	if (t->counted[i] && t->last_base[i] == base)
		return;
	t->counted[i] = true;
	t->last_base[i] = base;
	in_totals = !ptscope_table_seen_below(t, base);

	switch (level) {
	case PTSCOPE_LEVEL_PTE:
		t->vma->pte++;
		t->totals->pte += in_totals;
		break;
	case PTSCOPE_LEVEL_PMD:
		t->vma->pmd++;
		t->totals->pmd += in_totals;
		break;
	case PTSCOPE_LEVEL_PUD:
		t->vma->pud++;
		t->totals->pud += in_totals;
		break;
	}
}
