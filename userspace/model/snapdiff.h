/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What changed between two snapshots of a process, page by page.  Pure
 * logic, no I/O: cmd_diff.c feeds it, the host tests check it.
 */
#ifndef PTSCOPE_SNAPDIFF_H
#define PTSCOPE_SNAPDIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "pairwalk.h"

/*
 * The changes of one page, from snapshot A (before) to B (after).  A page
 * can have several (a collapse usually changes the frame too).
 */
enum diff_change {
	DIFF_PRESENT,		/* not present (or no entry) -> present */
	DIFF_NOT_PRESENT,	/* present or swapped -> no entry */
	DIFF_FRAME,		/* present in both, another frame */
	DIFF_WRITABLE,		/* present in both, read-only -> writable */
	DIFF_READONLY,		/* present in both, writable -> read-only */
	DIFF_SWAPPED_OUT,	/* present or no entry -> swap entry */
	DIFF_SWAPPED_IN,	/* swap entry -> present */
	DIFF_COLLAPSED,		/* present in both, PTE -> PMD (or PUD) leaf */
	DIFF_SPLIT,		/* present in both, huge leaf -> PTEs */
	DIFF_MAPPED,		/* mapping added: no mapping in A */
	DIFF_UNMAPPED,		/* mapping removed: no mapping in B */
	DIFF_NR
};

extern const char *const diff_change_names[DIFF_NR];
extern const char *const diff_change_help[DIFF_NR];

/*
 * The changes (1 << DIFF_*) of the pages of [s, e) covered by region @a in
 * A and @b in B (NULL: no record); @mapped_a/@mapped_b: a mapping covers
 * the piece in A/B.  *@unknown is set when the frames could not be
 * compared (hidden in either snapshot).
 */
unsigned int diff_classify(const struct ptscope_page_region *a,
			   const struct ptscope_page_region *b, bool mapped_a,
			   bool mapped_b, uint64_t s, bool *unknown);

struct diff_counts {
	uint64_t pages[DIFF_NR];
	uint64_t changed;	/* pages with at least one change */
	uint64_t unchanged;	/* pages mapped in both with none */
	uint64_t frames_unknown; /* present in both, frames not compared */
};

/*
 * Classify [start, end), mapped in A (@mapped_a) and/or B, given the
 * regions of both snapshots, into @c, calling @run (may be NULL) for each
 * piece with its changes.
 */
typedef int (*diff_run_cb)(uint64_t s, uint64_t e, unsigned int changes,
			   void *arg);
int diff_window(const struct range_list *a, const struct range_list *b,
		bool mapped_a, bool mapped_b, uint64_t start, uint64_t end,
		struct diff_counts *c, diff_run_cb run, void *arg);

/* "present,frame" for @changes, or "-". */
char *diff_format(char *buf, size_t len, unsigned int changes);

#endif /* PTSCOPE_SNAPDIFF_H */
