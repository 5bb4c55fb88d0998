/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fields of `ptscope top`'s rows, defined once (view.h) for the batch
 * table, the JSON Lines and the full-screen view, with the order rows are
 * sorted in and the filters that choose them.
 */
#ifndef PTSCOPE_TOP_VIEW_H
#define PTSCOPE_TOP_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "top_sweep.h"
#include "view.h"

/* A row: one process of a sweep, with its user's name. */
struct top_row {
	const struct top_proc *p;
	char user[33];
};

enum {
	TOP_COL_PID, TOP_COL_USER, TOP_COL_CGROUP, TOP_COL_COMMAND, TOP_COL_RSS,
	TOP_COL_THP, TOP_COL_MTHP, TOP_COL_REMOTE, TOP_COL_COW, TOP_COL_SWAP,
	TOP_COL_PT, TOP_COL_MINFLT, TOP_COL_MAJFLT, TOP_COL_VERDICT,
	TOP_COL_WALK, TOP_COL_HUGETLB, TOP_COL_UID, TOP_COL_NODES_RUN,
	TOP_COL_PROCS,
	/* JSON only */
	TOP_F_THP_BYTES, TOP_F_MTHP_BYTES, TOP_F_WALKED, TOP_F_WALK_NS,
	TOP_F_STDERR,
	TOP_NR_FIELDS
};

extern const struct view top_view;
/* The same fields, with the columns a row per cgroup shows by default. */
extern const struct view top_cgroup_view;

/* A cgroup row's uid when its processes' owners differ. */
#define TOP_UID_MIXED ((uint32_t)-2)

/* Which rows a sweep shows. */
struct top_filter {
	bool by_uid;
	uint32_t uid;
	const char *name;		/* a substring of the command, or NULL */
	const char *cgroup;		/* a cgroup and those below it, or NULL */
	bool cgroup_exact;		/* ...that cgroup alone */
};
bool top_filter_match(const struct top_filter *f, const struct top_proc *p);

/*
 * Sort @rows by field @col (a TOP_COL_*), largest first unless @ascending;
 * a value that is not known ("-") sorts last either way.
 */
void top_rows_sort(struct top_row *rows, size_t nr, int col, bool ascending);

/* The user name of @uid, or the number, into @buf. */
char *top_user_name(char *buf, size_t len, uint32_t uid);

/* One line on what the sweep cost: "sweep: CPU 88.2 ms of 90.0, wall ...". */
char *top_sweep_summary(char *buf, size_t len, const struct top_sweep *sw);

#endif /* PTSCOPE_TOP_VIEW_H */
