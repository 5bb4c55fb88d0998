// SPDX-License-Identifier: GPL-2.0
/*
 * One export's facts of each process: each walked whole (MAPS), or with a
 * budget, top's sweep (top_sweep.h) over them, so that an export of a
 * machine with a 1 TiB process takes the CPU time it was given.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_path.h"
#include "export.h"
#include "fault_rates.h"
#include "numa_verdict.h"

static int noop_vma(const struct ptscope_vma *v, void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

/* The facts of the walk's counts @c, with the threads' nodes @run_nodes. */
static void walked_values(struct export_proc *p, const struct ptscope_page_counts *c,
			  uint64_t run_nodes)
{
	struct thp_bytes b;
	uint64_t noded, remote;

	thp_bytes(c, &b);
	p->walked = true;
	p->walked_fraction = 1;
	p->rss = b.rss / 4096.0;
	p->thp_pmd = b.pmd / 4096.0;
	p->large_pte = b.large / 4096.0;
	p->hugetlb = b.hugetlb / 4096.0;
	p->cow_shared = c->cow_shared;
	numa_remote(c, run_nodes, &noded, &remote);
	p->remote_fraction = run_nodes && noded ? (double)remote / noded : NAN;
}

/* One process walked whole: 1 if it is not below @cgroup, 0 or -errno. */
static int query_whole(struct ptscope *ps, uint64_t pid, const char *cgroup,
		       struct export_proc *p)
{
	struct ptscope_maps_totals tot;
	struct ptscope_thread *th = NULL;
	size_t nr = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->minor_rate = p->major_rate = NAN;
	ret = cgroup_of_pid(ps, pid, p->cgroup, sizeof(p->cgroup));
	if (cgroup && (ret || !cgroup_within(p->cgroup, cgroup)))
		return 1;
	ret = ptscope_stats(ps, pid, &p->st, &th, &nr);
	if (ret)
		return ret;
	ret = ptscope_maps(ps, pid, 0, PTSCOPE_USER_TOP, noop_vma, NULL, &tot);
	if (!ret)
		walked_values(p, &tot.pages, numa_run_nodes(th, nr));
	free(th);
	if (ptscope_proc_comm(ps, pid, p->comm, sizeof(p->comm)) || !p->comm[0])
		snprintf(p->comm, sizeof(p->comm), "?");
	return ret;
}

static int collect_whole(struct ptscope *ps, const uint64_t *pids, size_t nr_pids,
			 bool named, const char *cgroup, struct export_set *set)
{
	uint64_t *all = NULL;
	size_t i;
	int ret = 0;

	if (!pids) {
		ret = ptscope_proc_pids(ps, &all, &nr_pids);
		if (ret)
			return ret;
		pids = all;
	}
	set->procs = calloc(nr_pids ? nr_pids : 1, sizeof(*set->procs));
	if (!set->procs) {
		free(all);
		return -ENOMEM;
	}
	for (i = 0; i < nr_pids; i++) {
		ret = query_whole(ps, pids[i], cgroup, &set->procs[set->nr]);
		if (!ret) {
			set->nr++;
			continue;
		}
		if (ret == 1) {
			ret = 0;
			continue;
		}
		/* A named process must be exportable; the others are skipped. */
		if (named) {
			set->failed_pid = pids[i];
			break;
		}
		set->skipped++;
		ret = 0;
	}
	free(all);
	return ret;
}

/* top_sweep's process @t as an export's. */
static void from_sweep(struct export_proc *p, const struct top_proc *t)
{
	memset(p, 0, sizeof(*p));
	p->pid = t->pid;
	memcpy(p->comm, t->comm, sizeof(p->comm));
	memcpy(p->cgroup, t->cgroup, sizeof(p->cgroup));
	p->st = t->st;
	p->minor_rate = t->minor_rate;
	p->major_rate = t->major_rate;
	p->remote_fraction = NAN;
	if (t->walk != TOP_WALK_EXACT && t->walk != TOP_WALK_SAMPLED)
		return;
	p->walked = true;
	p->walked_fraction = t->walked_fraction;
	p->rss = t->val[TOP_E_RSS];
	p->thp_pmd = t->val[TOP_E_THP];
	p->large_pte = t->val[TOP_E_MTHP];
	p->hugetlb = t->val[TOP_E_HUGETLB];
	p->cow_shared = t->val[TOP_E_COW];
	if (t->run_nodes && t->val[TOP_E_NODED] > 0)
		p->remote_fraction = t->val[TOP_E_REMOTE] / t->val[TOP_E_NODED];
}

/* The pids of the processes below @cgroup: *@pids (free() it). */
static int subtree_pids(struct ptscope *ps, const char *cgroup, uint64_t **pids,
			size_t *nr)
{
	char path[256];
	size_t i, n = 0;
	int ret;

	ret = ptscope_proc_pids(ps, pids, nr);
	if (ret)
		return ret;
	for (i = 0; i < *nr; i++)
		if (!cgroup_of_pid(ps, (*pids)[i], path, sizeof(path)) &&
		    cgroup_within(path, cgroup))
			(*pids)[n++] = (*pids)[i];
	*nr = n;
	return 0;
}

/*
 * top's sweep of every process (or @cgroup's: its budget is spent on them
 * alone) within @budget_ns.  Each process's cgroup label is read anew: the
 * sweep keeps it between sweeps.
 */
static int collect_budget(struct ptscope *ps, const char *cgroup, uint64_t budget_ns,
			  struct export_state *state, struct export_set *set)
{
	struct top_sweep_opts o = { .budget_ns = budget_ns, .seed = ++state->seed,
				    .thp = &state->thp, .unlimited = state->unlimited };
	struct top_sweep sw = { 0 };
	uint64_t *pids = NULL;
	size_t nr_pids = 0, i;
	int ret;

	if (cgroup) {
		ret = subtree_pids(ps, cgroup, &pids, &nr_pids);
		if (ret)
			return ret;
		if (!nr_pids) {		/* an empty cgroup: nothing to sweep */
			free(pids);
			set->procs = calloc(1, sizeof(*set->procs));
			return set->procs ? 0 : -ENOMEM;
		}
	}
	ret = top_sweep_run(ps, pids, nr_pids, &o, state->prev.procs ? &state->prev : NULL,
			    &state->cost, &sw);
	free(pids);
	if (ret)
		return ret;
	set->procs = calloc(sw.nr ? sw.nr : 1, sizeof(*set->procs));
	if (!set->procs) {
		top_sweep_free(&sw);
		return -ENOMEM;
	}
	set->skipped = sw.hidden + sw.kernel_threads + sw.vanished;
	for (i = 0; i < sw.nr; i++) {
		struct export_proc *p = &set->procs[set->nr++];

		from_sweep(p, &sw.procs[i]);
		cgroup_of_pid(ps, p->pid, p->cgroup, sizeof(p->cgroup));
	}
	top_sweep_free(&state->prev);
	state->prev = sw;
	return 0;
}

/* The rates since the same pid's sample in the last export, if it had one. */
static void rates_since(struct export_set *set, const struct export_set *last)
{
	size_t i, j;

	for (i = 0; i < set->nr; i++)
		for (j = 0; j < last->nr; j++)
			if (last->procs[j].pid == set->procs[i].pid) {
				fault_rates(&set->procs[i].st, &last->procs[j].st,
					    &set->procs[i].minor_rate,
					    &set->procs[i].major_rate);
				break;
			}
}

int export_collect(struct ptscope *ps, const uint64_t *pids, size_t nr_pids,
		   const char *cgroup, bool budget, uint64_t budget_ns,
		   struct export_state *state, struct export_set *set)
{
	int ret;

	memset(set, 0, sizeof(*set));
	if (budget)	/* the sweep has its own rates; --pid is never budgeted */
		return collect_budget(ps, cgroup, budget_ns, state, set);
	ret = collect_whole(ps, pids, nr_pids, pids != NULL, cgroup, set);
	if (!ret)
		rates_since(set, &state->last);
	return ret;
}
