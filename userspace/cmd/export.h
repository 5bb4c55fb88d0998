/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ptscope export`: what one export found of each process, collected by
 * walking each whole or, with --budget, by top's sweep (export_collect.c),
 * and written as Prometheus families (cmd_export.c).
 */
#ifndef PTSCOPE_EXPORT_H
#define PTSCOPE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"
#include "thp_reasons.h"
#include "top_sweep.h"

struct export_proc {
	uint64_t pid;
	char comm[64];
	char cgroup[256];		/* cgroup v2 path, "" if none */
	struct ptscope_stats st;
	/* From its page tables, in pages; estimates when @walked_fraction < 1. */
	bool walked;			/* else over the budget: not known */
	double walked_fraction;		/* of its 2 MiB windows */
	double rss, thp_pmd, large_pte, hugetlb, cow_shared;
	double remote_fraction;		/* NaN: no node known */
	double minor_rate, major_rate;	/* NaN: no earlier sample */
};

struct export_set {
	struct export_proc *procs;
	size_t nr;
	uint64_t skipped;		/* not permitted, kernel threads, gone */
	uint64_t failed_pid;		/* a named process that could not be read */
};

/* What an export keeps from one to the next (rates, the cost model). */
struct export_state {
	struct thp_settings thp;
	struct top_cost cost;
	struct top_sweep prev;		/* --budget's last sweep */
	struct export_set last;		/* the last export, for rates */
	uint64_t seed;
	/*
	 * A budget's plan depends on the CPU time walks take, which a replay
	 * does not repeat: recorded and replayed, every process is whole.
	 */
	bool unlimited;
};

/*
 * One export of @pids (@named: each must be read, else an error), or of
 * every process (@pids NULL), only those below cgroup @cgroup if set;
 * within @budget_ns of CPU time for the walks if @budget.  0 or -errno
 * (@set->failed_pid says which named process failed).
 */
int export_collect(struct ptscope *ps, const uint64_t *pids, size_t nr_pids,
		   const char *cgroup, bool budget, uint64_t budget_ns,
		   struct export_state *state, struct export_set *set);

#endif /* PTSCOPE_EXPORT_H */
