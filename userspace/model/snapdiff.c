// SPDX-License-Identifier: GPL-2.0
/* Page-by-page changes between two snapshots (see snapdiff.h). */
#include <stdio.h>

#include "snapdiff.h"

const char *const diff_change_names[DIFF_NR] = {
	[DIFF_PRESENT]		= "became_present",
	[DIFF_NOT_PRESENT]	= "became_not_present",
	[DIFF_FRAME]		= "frame_changed",
	[DIFF_WRITABLE]		= "became_writable",
	[DIFF_READONLY]		= "became_read_only",
	[DIFF_SWAPPED_OUT]	= "swapped_out",
	[DIFF_SWAPPED_IN]	= "swapped_in",
	[DIFF_COLLAPSED]	= "collapsed",
	[DIFF_SPLIT]		= "split",
	[DIFF_MAPPED]		= "mapping_added",
	[DIFF_UNMAPPED]		= "mapping_removed",
};

const char *const diff_change_help[DIFF_NR] = {
	[DIFF_PRESENT]		= "faulted in: no entry before, a frame now",
	[DIFF_NOT_PRESENT]	= "dropped: a frame or swap entry before, no entry now",
	[DIFF_FRAME]		= "present before and now, in another frame (COW, migration, compaction)",
	[DIFF_WRITABLE]		= "the entry was read-only and is writable now",
	[DIFF_READONLY]		= "the entry was writable and is read-only now",
	[DIFF_SWAPPED_OUT]	= "a swap entry now, present or empty before",
	[DIFF_SWAPPED_IN]	= "a swap entry before, present now",
	[DIFF_COLLAPSED]	= "mapped by PTEs before, by a huge (PMD) leaf now",
	[DIFF_SPLIT]		= "mapped by a huge (PMD) leaf before, by PTEs now",
	[DIFF_MAPPED]		= "no mapping before: a new or grown mapping",
	[DIFF_UNMAPPED]		= "no mapping now: unmapped or shrunk",
};

static unsigned int entry_of(const struct ptscope_page_region *r)
{
	return r ? r->entry : PTSCOPE_ENTRY_NONE;
}

unsigned int diff_classify(const struct ptscope_page_region *a,
			   const struct ptscope_page_region *b, bool mapped_a,
			   bool mapped_b, uint64_t s, bool *unknown)
{
	unsigned int ea = entry_of(a), eb = entry_of(b), m = 0;

	*unknown = false;
	if (!mapped_a && !mapped_b)
		return 0;
	if (!mapped_a)
		return 1u << DIFF_MAPPED;
	if (!mapped_b)
		return 1u << DIFF_UNMAPPED;
	if (ea == PTSCOPE_ENTRY_SWAP && eb == PTSCOPE_ENTRY_PRESENT)
		return 1u << DIFF_SWAPPED_IN;
	if (ea != PTSCOPE_ENTRY_SWAP && eb == PTSCOPE_ENTRY_SWAP)
		return 1u << DIFF_SWAPPED_OUT;
	if (ea != PTSCOPE_ENTRY_NONE && eb == PTSCOPE_ENTRY_NONE)
		return 1u << DIFF_NOT_PRESENT;
	if (ea != PTSCOPE_ENTRY_PRESENT && eb == PTSCOPE_ENTRY_PRESENT)
		return 1u << DIFF_PRESENT;
	if (ea != PTSCOPE_ENTRY_PRESENT || eb != PTSCOPE_ENTRY_PRESENT)
		return 0;	/* no change of presence, and nothing to compare */

	if ((a->flags | b->flags) & PTSCOPE_PF_PFN_HIDDEN || !a->pfn || !b->pfn)
		*unknown = true;
	else if (region_pfn_at(a, s) != region_pfn_at(b, s))
		m |= 1u << DIFF_FRAME;
	if (!(a->flags & PTSCOPE_PF_WRITE) && b->flags & PTSCOPE_PF_WRITE)
		m |= 1u << DIFF_WRITABLE;
	if (a->flags & PTSCOPE_PF_WRITE && !(b->flags & PTSCOPE_PF_WRITE))
		m |= 1u << DIFF_READONLY;
	if (a->level == PTSCOPE_LEVEL_PTE && b->level > PTSCOPE_LEVEL_PTE)
		m |= 1u << DIFF_COLLAPSED;
	if (a->level > PTSCOPE_LEVEL_PTE && b->level == PTSCOPE_LEVEL_PTE)
		m |= 1u << DIFF_SPLIT;
	return m;
}

struct window {
	bool mapped_a, mapped_b;
	struct diff_counts *c;
	diff_run_cb run;
	void *arg;
};

/* As in cow.c: within a piece the first page's verdict holds for all. */
static int piece(uint64_t s, uint64_t e, const void *a, const void *b,
		 void *arg)
{
	struct window *w = arg;
	uint64_t n = (e - s) / PW_PAGE;
	bool unknown;
	unsigned int m = diff_classify(a, b, w->mapped_a, w->mapped_b, s,
				       &unknown);
	int k;

	for (k = 0; k < DIFF_NR; k++)
		if (m & (1u << k))
			w->c->pages[k] += n;
	if (m)
		w->c->changed += n;
	else if (w->mapped_a && w->mapped_b)
		w->c->unchanged += n;
	if (unknown)
		w->c->frames_unknown += n;
	return w->run ? w->run(s, e, m, w->arg) : 0;
}

int diff_window(const struct range_list *a, const struct range_list *b,
		bool mapped_a, bool mapped_b, uint64_t start, uint64_t end,
		struct diff_counts *c, diff_run_cb run, void *arg)
{
	struct window w = {
		.mapped_a = mapped_a, .mapped_b = mapped_b,
		.c = c, .run = run, .arg = arg,
	};

	return pairwalk(a, b, start, end, piece, &w);
}

char *diff_format(char *buf, size_t len, unsigned int changes)
{
	size_t used = 0;
	int k;

	buf[0] = 0;
	for (k = 0; k < DIFF_NR; k++)
		if (changes & (1u << k))
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%s", used ? "," : "", diff_change_names[k]);
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}
