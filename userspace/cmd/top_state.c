// SPDX-License-Identifier: GPL-2.0
/* `ptscope top`'s state between refreshes: the sweeps and the rows (top.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

/*
 * Process @p into cgroup row @g: counters, page counts and rates added
 * (a rate not yet known counts as none; all unknown, the sum is too),
 * standard errors added in quadrature (the samples are independent), the
 * walk the least exact of its processes', the threads' nodes joined; a
 * process whose threads' nodes are unknown adds nothing to REMOTE's
 * pages.  The command and verdict are those of its largest process (by
 * its RSS counters, which every process has, walked or not), the owner
 * "*" when its processes' differ.  @largest tracks it.
 */
static void group_add(struct top_proc *g, const struct top_proc *p, double *largest)
{
	double rss;
	int k;

	if (!g->nr_procs) {
		memset(g, 0, sizeof(*g));
		memcpy(g->cgroup, p->cgroup, sizeof(g->cgroup));
		g->uid = p->uid;
		g->walk = TOP_WALK_EXACT;
		g->walked_fraction = 1;
		g->minor_rate = g->major_rate = NAN;
		*largest = -1;
	}
	g->nr_procs++;
	if (g->uid != p->uid)
		g->uid = TOP_UID_MIXED;
	rss = p->st.rss_anon + p->st.rss_file + p->st.rss_shmem;
	if (rss > *largest) {
		*largest = rss;
		memcpy(g->comm, p->comm, sizeof(g->comm));
		g->verdict = p->verdict;
		g->pid = p->pid;
	}
	g->st.rss_anon += p->st.rss_anon;
	g->st.rss_file += p->st.rss_file;
	g->st.rss_shmem += p->st.rss_shmem;
	g->st.swap_ents += p->st.swap_ents;
	g->st.pgtables_bytes += p->st.pgtables_bytes;
	g->st.min_flt += p->st.min_flt;
	g->st.maj_flt += p->st.maj_flt;
	g->st.map_count += p->st.map_count;
	g->run_nodes |= p->run_nodes;
	for (k = 0; k < TOP_E_COUNT; k++) {
		if ((k == TOP_E_NODED || k == TOP_E_REMOTE) && !p->run_nodes)
			continue;
		g->val[k] += p->val[k];
		g->se[k] = sqrt(g->se[k] * g->se[k] + p->se[k] * p->se[k]);
	}
	if (p->walk == TOP_WALK_NONE || g->walk == TOP_WALK_NONE)
		g->walk = TOP_WALK_NONE;
	else if (p->walk == TOP_WALK_SAMPLED)
		g->walk = TOP_WALK_SAMPLED;
	if (p->walked_fraction < g->walked_fraction)
		g->walked_fraction = p->walked_fraction;
	g->pages_walked += p->pages_walked;
	g->walk_ns += p->walk_ns;
	if (!isnan(p->minor_rate))
		g->minor_rate = (isnan(g->minor_rate) ? 0 : g->minor_rate) + p->minor_rate;
	if (!isnan(p->major_rate))
		g->major_rate = (isnan(g->major_rate) ? 0 : g->major_rate) + p->major_rate;
}

/* The cgroups of the @nr processes of @rows, into c->groups and @rows. */
static int group_rows(struct top_ctx *c, struct top_row *rows, size_t *nr)
{
	struct top_proc *groups = realloc(c->groups, (*nr ? *nr : 1) * sizeof(*groups));
	double *largest = calloc(*nr ? *nr : 1, sizeof(*largest));
	size_t i, g, nr_groups = 0;

	if (!groups || !largest) {
		free(largest);
		if (groups)
			c->groups = groups;
		return -ENOMEM;
	}
	c->groups = groups;
	/* Few cgroups: a linear search for each process's is enough. */
	for (i = 0; i < *nr; i++) {
		for (g = 0; g < nr_groups; g++)
			if (!strcmp(groups[g].cgroup, rows[i].p->cgroup))
				break;
		if (g == nr_groups)
			groups[nr_groups++].nr_procs = 0;
		group_add(&groups[g], rows[i].p, &largest[g]);
	}
	free(largest);
	for (g = 0; g < nr_groups; g++) {
		rows[g].p = &groups[g];
		top_user_name(rows[g].user, sizeof(rows[g].user), groups[g].uid);
	}
	*nr = nr_groups;
	return 0;
}

int top_rows_build(struct top_ctx *c)
{
	struct top_row *rows;
	size_t i;
	int ret;

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
	if (c->by_cgroup) {
		ret = group_rows(c, rows, &c->nr_rows);
		if (ret)
			return ret;
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
