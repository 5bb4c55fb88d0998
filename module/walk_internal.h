/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: what the walker's two files (walk.c, walk_pte.c) share, and no
 * one else: the sinks it is instantiated for, as constant struct
 * ptscope_sink_ops whose operations are inline, so that each instance
 * calls its sink directly; and how the walk hands a record to a sink.
 */
#ifndef PTSCOPE_WALK_INTERNAL_H
#define PTSCOPE_WALK_INTERNAL_H

#include "pte_decode.h"
#include "summary.h"
#include "walk.h"

struct ptscope_walk_vma {
	struct ptscope_walk *w;
	struct ptscope_decode d;
};

/* The records sink (region.h): true when the walk must stop. */
static __always_inline bool
ptscope_records_sink_take(struct ptscope_walk *w,
			  struct ptscope_page_region *rec, unsigned long nr)
{
	int status = ptscope_out_add(w->out, rec, nr, &w->stop);

	if (status == PTSCOPE_OUT_OK)
		return false;
	w->status = status;
	return true;
}

static __always_inline bool
ptscope_records_sink_repeat(struct ptscope_walk *w, unsigned long addr,
			    u64 pfn, u64 swap_offset, u64 raw)
{
	return ptscope_out_repeat(w->out, addr, pfn, swap_offset, raw);
}

static const struct ptscope_sink_ops ptscope_records_sink = {
	.take	= ptscope_records_sink_take,
	.repeat	= ptscope_records_sink_repeat,
};

/* The summary sink (summary.h): it never stops a walk. */
static __always_inline bool
ptscope_summary_sink_take(struct ptscope_walk *w,
			  struct ptscope_page_region *rec, unsigned long nr)
{
	ptscope_summary_add(w->sum, rec, nr);
	return false;
}

static __always_inline bool
ptscope_summary_sink_repeat(struct ptscope_walk *w, unsigned long addr,
			    u64 pfn, u64 swap_offset, u64 raw)
{
	return ptscope_summary_repeat(w->sum, addr);
}

static __always_inline void
ptscope_summary_sink_table(struct ptscope_walk *w, int level,
			   unsigned long base)
{
	ptscope_tables_pass(&w->sum->tables, level, base);
}

static __always_inline void
ptscope_summary_sink_range(struct ptscope_walk *w,
			   const struct ptscope_range *r)
{
	ptscope_range_count(w->sum->rec, w->sum->collapse_max_none, r);
}

static const struct ptscope_sink_ops ptscope_summary_sink = {
	.take	= ptscope_summary_sink_take,
	.repeat	= ptscope_summary_sink_repeat,
	.table	= ptscope_summary_sink_table,
	.range	= ptscope_summary_sink_range,
};

/* Give @rec, @nr_pages from @addr, to the sink; true when the walk must stop. */
static __always_inline bool ptscope_emit(const struct ptscope_sink_ops *ops,
					 struct ptscope_walk *w,
					 struct ptscope_page_region *rec,
					 unsigned long addr,
					 unsigned long nr_pages)
{
	rec->start = addr;
	return ops->take(w, rec, nr_pages);
}

static __always_inline bool ptscope_emit_none(const struct ptscope_sink_ops *ops,
					      struct ptscope_walk *w, int level,
					      unsigned long addr,
					      unsigned long end)
{
	struct ptscope_page_region rec __uninitialized;	/* decoded in full */

	ptscope_decode_none(level, &rec);
	return ptscope_emit(ops, w, &rec, addr, (end - addr) >> PAGE_SHIFT);
}

/* The walk passes through the table at @level that maps from @base. */
static __always_inline void ptscope_walk_table(const struct ptscope_sink_ops *ops,
					       struct ptscope_walk *w,
					       int level, unsigned long base)
{
	if (ops->table)
		ops->table(w, level, base);
}

/*
 * walk_pte.c: each sink's loop over a PTE table.  Returns -EAGAIN when the
 * table went away (the caller re-reads the PMD), 1 when the walk must stop;
 * @r gets the facts of the range when the sink counts ranges.
 */
int ptscope_walk_pte_range_records(struct ptscope_walk_vma *wv, pmd_t *pmd,
				   unsigned long addr, unsigned long end,
				   struct ptscope_range *r);
int ptscope_walk_pte_range_summary(struct ptscope_walk_vma *wv, pmd_t *pmd,
				   unsigned long addr, unsigned long end,
				   struct ptscope_range *r);

/* The loop over a PTE table: @ops's own instance. */
static __always_inline int
ptscope_walk_pte_range_call(const struct ptscope_sink_ops *ops,
			    struct ptscope_walk_vma *wv, pmd_t *pmd,
			    unsigned long addr, unsigned long end,
			    struct ptscope_range *r)
{
	if (ops == &ptscope_records_sink)
		return ptscope_walk_pte_range_records(wv, pmd, addr, end, r);
	if (ops == &ptscope_summary_sink)
		return ptscope_walk_pte_range_summary(wv, pmd, addr, end, r);
	BUILD_BUG();	/* a sink without an instance of the loop */
	return 0;
}

#endif /* PTSCOPE_WALK_INTERNAL_H */
