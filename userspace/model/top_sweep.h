/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ptscope top`'s sweep: every process the caller may inspect, visited
 * within a CPU-time budget.  Each process's counters (STATS) are read
 * every time; its page tables (MAPS) are walked whole while its predicted
 * cost fits its share of what is left of the budget, smallest first, and
 * sampled by 2 MiB windows (maps_sample.h) when it does not, so that one
 * huge process cannot make a refresh late and every small one is exact.
 */
#ifndef PTSCOPE_TOP_SWEEP_H
#define PTSCOPE_TOP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"
#include "thp_reasons.h"
#include "top_cost.h"

/* How a process's page-table facts were had. */
enum top_walk { TOP_WALK_NONE, TOP_WALK_EXACT, TOP_WALK_SAMPLED,
		TOP_WALK_HIDDEN };	/* refused at its walk: not shown */

/* The values a row shows that a sample estimates. */
enum top_est { TOP_E_RSS, TOP_E_THP, TOP_E_MTHP, TOP_E_HUGETLB,
	       TOP_E_COW, TOP_E_NODED, TOP_E_REMOTE, TOP_E_COUNT };

/* One process of a sweep. */
struct top_proc {
	uint64_t pid;
	uint32_t uid;
	char comm[64];
	char cgroup[256];		/* cgroup v2 path, "" unknown */
	struct ptscope_stats st;
	uint64_t run_nodes;		/* nodes its threads last ran on */
	enum top_walk walk;
	/*
	 * In pages, from the walk: resident (thp_bytes()'s rss), in PMD THPs,
	 * in PTE-mapped large folios, hugetlb, COW-shared, present on a known
	 * node, and of those on no node of @run_nodes.  With a sample, the
	 * estimates, and @se their standard errors (an upper bound for the
	 * sums of several counts).
	 */
	double val[TOP_E_COUNT];
	double se[TOP_E_COUNT];
	double walked_fraction;		/* of its 2 MiB windows; 1 when exact */
	uint64_t pages_walked;
	uint64_t walk_ns;		/* CPU time of its walk */
	double minor_rate, major_rate;	/* per second; NaN: first sight */
	const char *verdict;		/* top_verdict() */
	/* A cgroup's row (top --by cgroup): its processes; 0 for a process. */
	uint32_t nr_procs;
};

struct top_sweep_opts {
	uint64_t budget_ns;		/* CPU time per sweep; 0: walk nothing */
	bool unlimited;			/* walk every process whole */
	uint64_t seed;			/* of the samples' windows */
	const struct thp_settings *thp;
};

struct top_sweep {
	struct top_proc *procs;
	size_t nr;
	uint64_t hidden;		/* not permitted (EPERM) */
	uint64_t kernel_threads;	/* no memory of their own */
	uint64_t vanished;		/* gone before their row was made */
	uint64_t exact, sampled, unwalked;
	uint64_t pages_walked;
	uint64_t budget_ns;
	uint64_t cpu_ns;		/* the sweep's own CPU time */
	uint64_t wall_ns;
	uint64_t timestamp_ns;		/* CLOCK_MONOTONIC at its end */
	uint64_t serial;		/* sweeps before it */
};

/*
 * A process seen in the last sweep with the same command keeps its owner
 * and cgroup, read again every this many sweeps (setuid, a move).
 */
#define TOP_REREAD_EVERY 10

/*
 * One sweep of @pids (every process when NULL) into @sw; @prev (or NULL)
 * gives the fault rates; @cost is the model, refined by every exact walk.
 */
int top_sweep_run(struct ptscope *ps, const uint64_t *pids, size_t nr_pids,
		  const struct top_sweep_opts *o, const struct top_sweep *prev,
		  struct top_cost *cost, struct top_sweep *sw);
void top_sweep_free(struct top_sweep *sw);

/* CPU time of the calling thread, kernel time included. */
uint64_t top_cpu_ns(void);

#endif /* PTSCOPE_TOP_SWEEP_H */
