/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one word `ptscope top` says about a process: "remote" when most of
 * its pages are on nodes its threads do not run on (numa's rule), "huge"
 * when most of its THP-eligible memory is in PMD THPs, else the THP
 * reason (thp_reasons.h) that holds most of the rest; "-" for none.
 */
#ifndef PTSCOPE_TOP_VERDICT_H
#define PTSCOPE_TOP_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "thp_reasons.h"

#define TOP_REMOTE_SHARE	0.5	/* "remote" above this share */
#define TOP_HUGE_SHARE		0.8	/* "huge" at or above this share */
#define TOP_VERDICT_MIN_PAGES	512	/* 2 MiB: less is too little to judge */

/* A process's resident memory that THP could back, and why it does not. */
struct top_thp_acc {
	uint64_t eligible;			/* resident pages of THP candidates */
	uint64_t pmd;				/* of those, in PMD THPs */
	uint64_t by_reason[THP_R_COUNT];	/* the rest, by its main reason */
};

/*
 * Add mapping @v.  @sampled: its counts are estimates and its ranges_*
 * unknown, so only the reasons its flags and the settings give count.
 */
void top_thp_add(struct top_thp_acc *a, const struct ptscope_vma *v,
		 uint64_t mm_flags, const struct thp_settings *s, bool sampled);

/* The verdict; @noded and @remote are pages, as numa_remote() counts them. */
const char *top_verdict(const struct top_thp_acc *a, double noded, double remote);

#endif /* PTSCOPE_TOP_VERDICT_H */
