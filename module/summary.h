/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: the summary sink.  A MAPS query counts a mapping's pages
 * (summary.c), the page tables its walk passes through, each once
 * (summary_tables.c), and its 2 MiB ranges (range_2m.c), instead of
 * writing records out.
 */
#ifndef PTSCOPE_SUMMARY_H
#define PTSCOPE_SUMMARY_H

#include "range_2m.h"
#include "region.h"

/* summary_tables.c: the page tables a query's walk passes, counted once */
struct ptscope_table_tally {
	struct mm_struct *mm;
	struct ptscope_table_counts *vma;	/* the VMA being walked */
	struct ptscope_table_counts *totals;	/* the query's */
	unsigned long range_start;	/* of the range being walked */
	unsigned long prev_end;		/* end of the range before, 0: none */
	unsigned long last_base[3];	/* last table counted, per level */
	bool counted[3];
};

void ptscope_tables_start(struct ptscope_table_tally *t,
			  struct ptscope_table_counts *vma,
			  unsigned long range_start);
void ptscope_tables_pass(struct ptscope_table_tally *t, int level,
			 unsigned long base);

/* summary.c: a mapping's counts, from the walk */
struct ptscope_summary {
	struct ptscope_vma *rec;		/* the VMA being counted */
	unsigned long deposit_pages;	/* pages of anonymous PMD leaves */
	unsigned int collapse_max_none;	/* struct ptscope_maps's */
	struct ptscope_table_tally tables;
	/* Pages alike, not yet counted: [run.start, run.end), maybe empty. */
	struct ptscope_page_region run;
};

void ptscope_summary_start(struct ptscope_summary *s, struct ptscope_vma *rec,
			   unsigned long range_start);
void ptscope_summary_finish(struct ptscope_summary *s, unsigned long end);
void ptscope_summary_add_run(struct ptscope_summary *s,
			     const struct ptscope_page_region *rec,
			     unsigned long nr);

/*
 * @nr pages from @rec->start, described by @rec, into the counts: pages
 * that continue the run of alike pages only lengthen it, and a run is
 * counted in one go when a page breaks it or the VMA is done.
 *
 * A summary counts sharing (a mapcount of two or more), not the counts, so
 * @rec is first cut down to that: pages that differ only in their counts
 * are alike to it.
 */
static __always_inline void ptscope_summary_add(struct ptscope_summary *s,
						struct ptscope_page_region *rec,
						unsigned long nr)
{
	rec->refcount = 0;
	rec->mapcount = min_t(u32, rec->mapcount, 2);
	if (s->run.end != s->run.start &&
	    ptscope_region_extends(&s->run, rec)) {
		s->run.end += nr << PAGE_SHIFT;
		return;
	}
	ptscope_summary_add_run(s, rec, nr);
}

/* The page at @addr is like the last one counted: lengthen its run. */
static __always_inline bool ptscope_summary_repeat(struct ptscope_summary *s,
						   unsigned long addr)
{
	if (s->run.end == s->run.start || s->run.end != addr)
		return false;
	s->run.end += PAGE_SIZE;
	return true;
}

#endif /* PTSCOPE_SUMMARY_H */
