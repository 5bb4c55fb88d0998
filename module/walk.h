/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: the page-table walker (walk.c) and the sinks it feeds.
 *
 * The walker walks: it reads each entry once, decodes it (pte_decode.h)
 * and hands the record to a sink, in the spirit of struct mm_walk_ops.
 * Two sinks exist: records, merged into runs and written out (region.h,
 * PAGES), and a mapping's summary, counted (summary.h, MAPS), which also
 * counts the page tables the walk passes and its 2 MiB ranges.
 *
 * A sink is resolved at compile time: the walker is instantiated once per
 * sink with a constant struct ptscope_sink_ops (walk.c the levels above PTE
 * tables, walk_pte.c the loop over a PTE table), so every call below is
 * direct and the per-page loop inlines the sink's fast path, as if the
 * walker had been written for that sink alone.
 */
#ifndef PTSCOPE_WALK_H
#define PTSCOPE_WALK_H

#include "range_2m.h"
#include "region.h"

struct ptscope_summary;

struct ptscope_walk {
	struct mm_struct *mm;
	union {				/* the sink */
		struct ptscope_out *out;	/* ptscope_walk_records() */
		struct ptscope_summary *sum;	/* ptscope_walk_summary() */
	};
	bool show_pfn;
	bool show_refcount;
	bool show_access;
	unsigned long steps;	/* entries left in this chunk */
	int status;		/* PTSCOPE_OUT_* that stopped the walk */
	unsigned long stop;	/* where it stopped */
};

/**
 * struct ptscope_sink_ops - what a sink does with what the walk finds
 * @take:	@nr pages from @rec->start, all described by @rec (frame and
 *		swap offset those of the first page); the sink may change
 *		@rec.  True when the walk must stop: @w->status and @w->stop
 *		say why and where.
 * @repeat:	the page at @addr repeats the last one taken but for its
 *		frame @pfn, swap offset and entry @raw (as they are shown).
 *		False: the walker decodes it and calls @take.
 * @table:	the walk passes through the page table at @level that maps
 *		from @base; NULL: tables are not counted.
 * @range:	the walk went through one PMD entry's 2 MiB range, and found
 *		@r there; NULL: ranges are not counted, and not gathered.
 */
struct ptscope_sink_ops {
	bool (*take)(struct ptscope_walk *w, struct ptscope_page_region *rec,
		     unsigned long nr);
	bool (*repeat)(struct ptscope_walk *w, unsigned long addr, u64 pfn,
		       u64 swap_offset, u64 raw);
	void (*table)(struct ptscope_walk *w, int level, unsigned long base);
	void (*range)(struct ptscope_walk *w, const struct ptscope_range *r);
};

unsigned long ptscope_walk_records(struct ptscope_walk *w, unsigned long start,
				   unsigned long end);
unsigned long ptscope_walk_summary(struct ptscope_walk *w,
				   struct vm_area_struct *vma,
				   unsigned long start, unsigned long end);

#endif /* PTSCOPE_WALK_H */
