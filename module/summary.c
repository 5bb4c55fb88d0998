// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the summary sink: the walk's records counted into a mapping's
 * MAPS record instead of being written out (summary.h).
 */
#include <linux/mm.h>
#include <linux/numa.h>

#include "summary.h"

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
	if (ptscope_leaf_deposits(rec, s->rec->flags))
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
static void ptscope_summary_flush(struct ptscope_summary *s)
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

/**
 * ptscope_summary_start - count a VMA's walk into @rec
 * @s: the summary, which a query keeps from one VMA to the next
 * @rec: the VMA's record, zeroed but for its description
 * @range_start: the first address walked
 */
void ptscope_summary_start(struct ptscope_summary *s, struct ptscope_vma *rec,
			   unsigned long range_start)
{
	s->rec = rec;
	s->deposit_pages = 0;
	ptscope_tables_start(&s->tables, &rec->tables, range_start);
}

/**
 * ptscope_summary_finish - the VMA's walk ended at @end: finish its record
 * @s: the summary
 * @end: one past the last address walked
 */
void ptscope_summary_finish(struct ptscope_summary *s, unsigned long end)
{
	struct ptscope_vma *rec = s->rec;

	ptscope_summary_flush(s);
	rec->end = end;
	rec->ranges_2m = ptscope_ranges_2m(rec->start, end);
	rec->tables.pte_deposited = DIV_ROUND_UP(s->deposit_pages,
						 PMD_SIZE / PAGE_SIZE);
	s->tables.prev_end = end;
	s->tables.totals->pte_entries += rec->tables.pte_entries;
	s->tables.totals->pte_deposited += rec->tables.pte_deposited;
}
