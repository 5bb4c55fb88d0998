// SPDX-License-Identifier: GPL-2.0
/* `ptscope top`'s state between refreshes: the sweeps and the rows (top.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

int top_rows_build(struct top_ctx *c)
{
	struct top_row *rows;
	size_t i;

	rows = realloc(c->rows, (c->cur.nr ? c->cur.nr : 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	c->rows = rows;
	c->nr_rows = 0;
	c->filtered_out = 0;
	for (i = 0; i < c->cur.nr; i++) {
		const struct top_proc *p = &c->cur.procs[i];

		if (!top_filter_match(&c->filter, p)) {
			c->filtered_out++;
			continue;
		}
		rows[c->nr_rows].p = p;
		top_user_name(rows[c->nr_rows].user, sizeof(rows[c->nr_rows].user), p->uid);
		c->nr_rows++;
	}
	top_rows_sort(c->rows, c->nr_rows, c->sort_col, c->ascending);
	return 0;
}

int top_refresh(struct top_ctx *c)
{
	int ret;

	top_sweep_free(&c->prev);
	c->prev = c->cur;
	memset(&c->cur, 0, sizeof(c->cur));
	c->o.budget_ns = (uint64_t)(c->budget_share * c->interval * 1e9);
	c->o.seed++;
	ret = top_sweep_run(c->ps, c->pids, c->nr_pids, &c->o,
			    c->prev.procs ? &c->prev : NULL, &c->cost, &c->cur);
	if (ret)
		return ret;
	return top_rows_build(c);
}
