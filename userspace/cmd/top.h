/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ptscope top`: the state its batch output (cmd_top.c) and its full-screen
 * view (top_tui.c) share: the options, the last two sweeps and the rows
 * shown, filtered and sorted.
 */
#ifndef PTSCOPE_TOP_H
#define PTSCOPE_TOP_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "thp_reasons.h"
#include "top_sweep.h"
#include "top_view.h"

#define TOP_DEFAULT_INTERVAL	3.0	/* seconds, as top's */
#define TOP_DEFAULT_BUDGET	0.03	/* of one CPU over the interval */

struct top_ctx {
	struct ptscope *ps;
	struct thp_settings thp;
	struct top_sweep_opts o;
	struct top_cost cost;
	struct top_sweep cur, prev;
	uint64_t *pids;			/* --pid; NULL: every process */
	size_t nr_pids;
	double interval;
	double budget_share;
	uint64_t iterations;		/* 0: until quit */
	struct top_filter filter;
	int sort_col;			/* TOP_COL_* */
	bool ascending;
	struct cli_columns cols;
	bool by_cgroup;			/* a row per cgroup (--by cgroup) */
	struct top_proc *groups;	/* then the rows' cgroups */
	struct top_row *rows;		/* of cur, filtered and sorted */
	size_t nr_rows;
	size_t filtered_out;
};

/* A new sweep (the last one becomes prev), then the rows. */
int top_refresh(struct top_ctx *c);
/*
 * The rows again, after the filter, the order or the grouping changed:
 * processes, or with @c->by_cgroup, the cgroups of those the filter lets
 * through, each the sum of its processes (top_state.c says how).
 */
int top_rows_build(struct top_ctx *c);

/* The full-screen view until 'q', a signal or -n refreshes. */
int top_tui(struct top_ctx *c);

#endif /* PTSCOPE_TOP_H */
