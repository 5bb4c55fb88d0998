/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ptscope maps --sample/--budget`: a process's mappings estimated from a
 * stratified sample of their 2 MiB windows (the estimator is sample.h's),
 * each window a MAPS query, the layout from /proc/PID/maps through
 * libptscope, so that a recording of the run replays it.
 */
#ifndef PTSCOPE_MAPS_SAMPLE_H
#define PTSCOPE_MAPS_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"
#include "sample.h"

/*
 * The values a sample estimates, each with its own between-window variance:
 * the page counts (struct ptscope_page_counts as an array), the table
 * counts, and the sums that columns show (a sum's error is not the sum of
 * its terms' errors).
 */
#define NPC (sizeof(struct ptscope_page_counts) / 8)
enum {
	V_PTE = NPC, V_PMD, V_PUD, V_PTE_ENTRIES, V_PTE_DEPOSITED,
	V_LARGE, V_HUGETLB, V_PT, NV
};
#define V_COUNT(f) (offsetof(struct ptscope_page_counts, f) / 8)

/* One mapping of the sample: a stratum. */
struct sampled_vma {
	uint64_t start, end;
	uint64_t windows;		/* N: its 2 MiB windows */
	uint64_t walked;		/* n: windows walked */
	bool whole;			/* walked whole in one query: exact */
	bool have_meta;
	struct ptscope_vma meta;	/* the description of its first record */
	struct sample_stratum st;
	struct sample_perm perm;
	double tot_tables[NV];		/* whole: its tables, each once */
	double est[NV], se[NV];
};

struct sampled {
	struct sampled_vma *vmas;
	size_t nr;
	uint64_t seed;
	uint64_t windows, walked, pages_walked, calls;
	uint64_t mm_flags;		/* the process's PTSCOPE_MM_*, from any query */
	bool budget;			/* a time budget, not a fraction */
	double fraction;		/* of each mapping's windows */
	uint64_t budget_ns, elapsed_ns;	/* UINT64_MAX: unlimited */
	double est[NV], se[NV];
};

/*
 * Sample [start, end) of @pid into @S: without @S->budget,
 * @S->fraction of each mapping's windows (at least two; all of a small one,
 * walked whole); with a budget, two windows of each mapping, then windows
 * until the time is spent.  @S->seed keys the windows chosen.
 */
int maps_sample_walk(struct ptscope *ps, uint64_t pid, uint64_t start,
		     uint64_t end, struct sampled *S);
void maps_sample_free(struct sampled *S);

/* Estimates as counts, for the cells. */
void maps_sample_counts(const double *est, struct ptscope_page_counts *c,
			struct ptscope_table_counts *t);
uint64_t maps_sample_rounded(double x);
uint64_t maps_sample_clock_ns(void);

#endif /* PTSCOPE_MAPS_SAMPLE_H */
