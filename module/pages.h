/* SPDX-License-Identifier: GPL-2.0 */
/* ptscope: the one PAGES query, for the ioctl and /proc/ptscope/pages. */
#ifndef PTSCOPE_PAGES_H
#define PTSCOPE_PAGES_H

#include "walk.h"

/* What a PAGES query asks, and what its caller may see. */
struct ptscope_pages_query {
	u64 start;
	u64 end;
	bool regions;		/* runs merged (PTSCOPE_PAGES_REGIONS) */
	bool want_pfn;		/* frames in runs too (PTSCOPE_PAGES_PFN) */
	bool see_frames;	/* ptscope_may_see_frames() */
	bool attach;		/* ptscope_target's: access state shown */
};

/* A PAGES query in chunks (pages.c); @out.buf and its sizes are the caller's. */
struct ptscope_pages_state {
	struct ptscope_out out;
	unsigned long cursor;	/* next address to walk */
	unsigned long end;
	bool show_pfn;
	bool show_refcount;
	bool show_access;
	bool done;
};

void ptscope_pages_start(struct ptscope_pages_state *st,
			 const struct ptscope_pages_query *q);
int ptscope_pages_step(struct mm_struct *mm, struct ptscope_pages_state *st);

#endif /* PTSCOPE_PAGES_H */
