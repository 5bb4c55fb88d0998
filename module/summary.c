// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the walk's records counted into a per-VMA summary instead of
 * being written out (PTSCOPE_IOC_MAPS), and the page tables it passes
 * through counted once each.
 */
#include <linux/mm.h>
#include <linux/numa.h>

#include "ptscope.h"

static void ptscope_count_folio(struct ptscope_page_counts *c,
				const struct ptscope_page_region *rec,
				unsigned long nr)
{
	switch (rec->kind) {
	case PTSCOPE_KIND_ANON:
		c->anon += nr;
		if (rec->mapcount >= 2)
			c->cow_shared += nr;
		break;
	case PTSCOPE_KIND_FILE:
		c->file += nr;
		break;
	case PTSCOPE_KIND_SHMEM:
		c->shmem += nr;
		break;
	case PTSCOPE_KIND_ZERO:
	case PTSCOPE_KIND_HUGE_ZERO:
		c->zero += nr;
		return;
	case PTSCOPE_KIND_KSM:
		c->ksm += nr;
		break;
	case PTSCOPE_KIND_PFNMAP:
		c->pfnmap += nr;
		return;
	}
	if (rec->mapcount >= 2)
		c->shared += nr;
	if (rec->flags & PTSCOPE_PF_ANON_EXCLUSIVE)
		c->anon_exclusive += nr;

	if (rec->flags & PTSCOPE_PF_HUGETLB) {
		if (rec->level == PTSCOPE_LEVEL_PUD)
			c->hugetlb_pud += nr;
		else
			c->hugetlb_pmd += nr;
	} else if (rec->level == PTSCOPE_LEVEL_PMD) {
		c->thp_pmd += nr;
	} else if (rec->folio_order) {
		c->large_pte[min_t(unsigned int, rec->folio_order,
				   PTSCOPE_MAX_ORDERS - 1)] += nr;
	}
}

/* @nr pages described by @rec, into the VMA's and the totals' counts. */
static void ptscope_summary_count(struct ptscope_summary *s,
				  const struct ptscope_page_region *rec,
				  unsigned long nr)
{
	struct ptscope_page_counts *c = &s->rec->pages;

	if (rec->level == PTSCOPE_LEVEL_PTE && rec->entry != PTSCOPE_ENTRY_NONE)
		s->rec->tables.pte_entries += nr;
	/* Anonymous PMD leaves keep a deposited PTE table (mm/huge_memory.c). */
	if (rec->level == PTSCOPE_LEVEL_PMD &&
	    !(rec->flags & PTSCOPE_PF_HUGETLB) &&
	    (rec->kind == PTSCOPE_KIND_ANON || rec->kind == PTSCOPE_KIND_HUGE_ZERO ||
	     (rec->entry == PTSCOPE_ENTRY_MIGRATION &&
	      (s->rec->flags & PTSCOPE_VMA_ANON))))
		s->deposit_pages += nr;
	if (rec->flags & PTSCOPE_PF_SOFT_DIRTY)
		c->soft_dirty += nr;
	if (rec->flags & PTSCOPE_PF_UFFD_WP)
		c->uffd_wp += nr;

	switch (rec->entry) {
	case PTSCOPE_ENTRY_NONE:
		c->not_present += nr;
		return;
	case PTSCOPE_ENTRY_PRESENT:
		break;
	case PTSCOPE_ENTRY_SWAP:
		c->swapped += nr;
		return;
	case PTSCOPE_ENTRY_MIGRATION:
		c->migration += nr;
		return;
	default:
		c->other_entry += nr;
		return;
	}

	c->present += nr;
	if (rec->flags & PTSCOPE_PF_DIRTY)
		c->dirty += nr;
	if (rec->flags & PTSCOPE_PF_ACCESSED)
		c->accessed += nr;
	if (rec->flags & PTSCOPE_PF_WRITE)
		c->writable += nr;
	if (rec->flags & PTSCOPE_PF_PROTNONE)
		c->protnone += nr;
	if (rec->node >= 0 && rec->node < PTSCOPE_MAX_NODES)
		c->node[rec->node] += nr;
	else if (rec->node >= PTSCOPE_MAX_NODES)
		c->node_other += nr;
	ptscope_count_folio(c, rec, nr);
}

/* Count the pending run, if any, and start none. */
void ptscope_summary_flush(struct ptscope_summary *s)
{
	if (s->run.end != s->run.start)
		ptscope_summary_count(s, &s->run,
				      (s->run.end - s->run.start) >> PAGE_SHIFT);
	s->run.start = 0;
	s->run.end = 0;
}

/* ptscope_summary_add() when @rec starts a new run. */
void ptscope_summary_add_run(struct ptscope_summary *s,
			     const struct ptscope_page_region *rec,
			     unsigned long nr)
{
	ptscope_summary_flush(s);
	s->run = *rec;
	s->run.end = rec->start + (nr << PAGE_SHIFT);
}

/*
 * Was the table mapping [@base, ...) already counted in the totals, for a
 * range below the one being walked?  Ranges are walked in ascending order,
 * so only the last one can share it; before the first range of a call, ask
 * whether any VMA lies below in the table's span.
 */
static bool ptscope_table_seen_below(struct ptscope_summary *s,
				     unsigned long base)
{
	if (base >= s->range_start)
		return false;
	if (s->prev_end)
		return s->prev_end > base;
	return find_vma_intersection(s->mm, base, s->range_start);
}

/**
 * ptscope_summary_table - the walk went through a page table
 * @s: the summary
 * @level: PTSCOPE_LEVEL_PTE for a PTE table, _PMD, _PUD
 * @base: the first address the table maps (aligned to its span)
 *
 * A walk may pass a table many times (chunks resume inside it); it counts
 * once for the VMA, and once in the totals however many VMAs share it.
 */
void ptscope_summary_table(struct ptscope_summary *s, int level,
			   unsigned long base)
{
	struct ptscope_table_counts *t = &s->rec->tables;
	unsigned int i = level - PTSCOPE_LEVEL_PTE;
	bool in_totals;

	if (s->counted[i] && s->last_base[i] == base)
		return;
	s->counted[i] = true;
	s->last_base[i] = base;
	in_totals = !ptscope_table_seen_below(s, base);

	switch (level) {
	case PTSCOPE_LEVEL_PTE:
		t->pte++;
		s->total_tables->pte += in_totals;
		break;
	case PTSCOPE_LEVEL_PMD:
		t->pmd++;
		s->total_tables->pmd += in_totals;
		break;
	case PTSCOPE_LEVEL_PUD:
		t->pud++;
		s->total_tables->pud += in_totals;
		break;
	}
}

/**
 * ptscope_summary_range - the walk went through one PMD entry's range
 * @s: the summary
 * @r: what it found there
 *
 * Called once per PMD entry walked in the VMA (a chunk never ends inside
 * one when counting), after any retry of a table that went away.
 */
void ptscope_summary_range(struct ptscope_summary *s,
			   const struct ptscope_range *r)
{
	struct ptscope_vma *v = s->rec;

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
	if (r->empty <= s->collapse_max_none)
		v->ranges_collapsible++;
}
