/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one word `ptscope top` says about a process: "remote" when most of
 * its anonymous memory is on nodes its threads do not run on (the rule of
 * numa's verdict), "huge" when most of its THP-eligible memory is in PMD
 * THPs, else the THP reason (thp_reasons.h) that holds most of the rest;
 * "-" for none.
 */
#ifndef PTSCOPE_TOP_VERDICT_H
#define PTSCOPE_TOP_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "thp_reasons.h"

#define TOP_REMOTE_SHARE	0.5	/* "remote" above this share */
#define TOP_HUGE_SHARE		0.8	/* "huge" at or above this share */
#define TOP_VERDICT_MIN_PAGES	512	/* 2 MiB: less is too little to judge */

/* What a process's mappings say: where its anonymous memory is, what THP backs. */
struct top_verdict_acc {
	uint64_t anon_noded;			/* anonymous pages on a known node */
	uint64_t anon_remote;			/* of those, on no node its threads run on */
	uint64_t eligible;			/* resident pages of THP candidates */
	uint64_t pmd;				/* of those, in PMD THPs */
	uint64_t by_reason[THP_R_COUNT];	/* the rest, by its main reason */
};

/*
 * Add mapping @v of a process whose threads run on @run_nodes.  @sampled:
 * its counts are estimates and its ranges_* unknown, so only the reasons
 * its flags and the settings give count.
 */
void top_verdict_add(struct top_verdict_acc *a, const struct ptscope_vma *v,
		     uint64_t mm_flags, uint64_t run_nodes,
		     const struct thp_settings *s, bool sampled);

const char *top_verdict(const struct top_verdict_acc *a);

#endif /* PTSCOPE_TOP_VERDICT_H */
