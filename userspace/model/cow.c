// SPDX-License-Identifier: GPL-2.0
/* Copy-on-write classification of two processes' pages (see cow.h). */
#include <string.h>

#include "cow.h"

const char *const cow_class_names[COW_NR] = {
	[COW_SWAPPED]		= "swapped",
	[COW_OTHER]		= "other",
	[COW_NOT_PRESENT]	= "not_present",
	[COW_ONLY_A]		= "only_a",
	[COW_ONLY_B]		= "only_b",
	[COW_KSM]		= "ksm",
	[COW_ZERO]		= "zero",
	[COW_SHARED]		= "shared",
	[COW_COPIED]		= "copied",
};

const char *const cow_class_help[COW_NR] = {
	[COW_SWAPPED]		= "swapped out on at least one side",
	[COW_OTHER]		= "a migration, device or hwpoison entry, or a marker",
	[COW_NOT_PRESENT]	= "mapped by neither: never touched, or dropped",
	[COW_ONLY_A]		= "present in A only",
	[COW_ONLY_B]		= "present in B only",
	[COW_KSM]		= "the same KSM page on both (merged by content, write-protected)",
	[COW_ZERO]		= "the shared zero page on both sides",
	[COW_SHARED]		= "the same frame on both: shared, a write will copy it",
	[COW_COPIED]		= "different frames: written since fork (COW broken)",
};

static bool entry_is(const struct ptscope_page_region *r, unsigned int entry)
{
	return r && r->entry == entry;
}

static bool is_zero(const struct ptscope_page_region *r)
{
	return r->kind == PTSCOPE_KIND_ZERO || r->kind == PTSCOPE_KIND_HUGE_ZERO;
}

/* Without frames: see enum cow_method. */
static enum cow_class infer(const struct ptscope_page_region *a,
			    const struct ptscope_page_region *b)
{
	if ((a->flags | b->flags) & PTSCOPE_PF_ANON_EXCLUSIVE)
		return COW_COPIED;
	if ((a->mapcount_src && a->mapcount <= 1) ||
	    (b->mapcount_src && b->mapcount <= 1))
		return COW_COPIED;
	if (a->kind != b->kind)
		return COW_COPIED;	/* e.g. a file page and its private copy */
	return COW_SHARED;
}

enum cow_class cow_classify(const struct ptscope_page_region *a,
			    const struct ptscope_page_region *b,
			    uint64_t s, enum cow_method *method)
{
	bool pa = entry_is(a, PTSCOPE_ENTRY_PRESENT);
	bool pb = entry_is(b, PTSCOPE_ENTRY_PRESENT);

	*method = COW_BY_FRAME;
	if (entry_is(a, PTSCOPE_ENTRY_SWAP) || entry_is(b, PTSCOPE_ENTRY_SWAP))
		return COW_SWAPPED;
	if ((a && a->entry != PTSCOPE_ENTRY_NONE && !pa) ||
	    (b && b->entry != PTSCOPE_ENTRY_NONE && !pb))
		return COW_OTHER;
	if (!pa && !pb)
		return COW_NOT_PRESENT;
	if (!pb)
		return COW_ONLY_A;
	if (!pa)
		return COW_ONLY_B;
	if (is_zero(a) && is_zero(b))
		return COW_ZERO;
	if ((a->flags | b->flags) & PTSCOPE_PF_PFN_HIDDEN || !a->pfn || !b->pfn) {
		*method = COW_BY_MAPCOUNT;
		/* A KSM page and a private copy are two frames: copied. */
		if (a->kind == PTSCOPE_KIND_KSM && b->kind == PTSCOPE_KIND_KSM)
			return COW_KSM;
		if (a->kind == PTSCOPE_KIND_KSM || b->kind == PTSCOPE_KIND_KSM)
			return COW_COPIED;
		return infer(a, b);
	}
	if (region_pfn_at(a, s) != region_pfn_at(b, s))
		return COW_COPIED;
	return a->kind == PTSCOPE_KIND_KSM ? COW_KSM : COW_SHARED;
}

struct window {
	struct cow_counts *c;
	cow_run_cb run;
	void *arg;
};

/*
 * Within a piece both records are uniform and frames advance one per page
 * on both sides, so the first page's verdict holds for all of them.
 */
static int piece(uint64_t s, uint64_t e, const void *a, const void *b,
		 void *arg)
{
	struct window *w = arg;
	enum cow_method method;
	enum cow_class cls = cow_classify(a, b, s, &method);

	w->c->pages[cls] += (e - s) / PW_PAGE;
	if (method == COW_BY_MAPCOUNT)
		w->c->inferred += (e - s) / PW_PAGE;
	return w->run ? w->run(s, e, cls, method, w->arg) : 0;
}

int cow_window(const struct range_list *a, const struct range_list *b,
	       uint64_t start, uint64_t end, struct cow_counts *c,
	       cow_run_cb run, void *arg)
{
	struct window w = { .c = c, .run = run, .arg = arg };

	return pairwalk(a, b, start, end, piece, &w);
}

bool cow_same_mapping(const struct ptscope_vma *a, const struct ptscope_vma *b,
		      uint64_t s)
{
	if (!a->inode && !b->inode)
		return !strcmp(a->name, b->name) &&
		       (a->flags & PTSCOPE_VMA_SHARED) == (b->flags & PTSCOPE_VMA_SHARED);
	return a->inode == b->inode && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor &&
	       a->pgoff + (s - a->start) == b->pgoff + (s - b->start);
}
