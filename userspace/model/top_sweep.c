// SPDX-License-Identifier: GPL-2.0
/* `ptscope top`'s sweep of every process within a budget: see top_sweep.h. */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_path.h"
#include "fault_rates.h"
#include "maps_sample.h"
#include "numa_verdict.h"
#include "top_sweep.h"
#include "top_verdict.h"

#define PAGE 4096ULL

uint64_t top_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The fields of /proc/PID/status and /proc/PID/cgroup a row shows. */
static void proc_identity(struct ptscope *ps, struct top_proc *p,
			  const struct top_proc *old, bool reread)
{
	char *text = NULL, *line;
	size_t len;

	if (ptscope_proc_comm(ps, p->pid, p->comm, sizeof(p->comm)) || !p->comm[0])
		snprintf(p->comm, sizeof(p->comm), "?");
	/* The same process as last time: its owner and cgroup, as they were. */
	if (old && !reread && !strcmp(old->comm, p->comm)) {
		p->uid = old->uid;
		memcpy(p->cgroup, old->cgroup, sizeof(p->cgroup));
		return;
	}
	p->uid = (uint32_t)-1;
	if (!ptscope_proc_read(ps, p->pid, "status", &text, &len)) {
		line = strstr(text, "\nUid:");
		if (line)
			p->uid = strtoul(line + 5, NULL, 10);
	}
	free(text);
	cgroup_of_pid(ps, p->pid, p->cgroup, sizeof(p->cgroup));
}

/* The pages of a walk's counts as a row's values. */
static void row_values(struct top_proc *p, const struct ptscope_page_counts *c)
{
	struct thp_bytes b;
	uint64_t noded, remote;

	thp_bytes(c, &b);
	numa_remote(c, p->run_nodes, &noded, &remote);
	p->val[TOP_E_RSS] = b.rss / PAGE;
	p->val[TOP_E_THP] = b.pmd / PAGE;
	p->val[TOP_E_MTHP] = b.large / PAGE;
	p->val[TOP_E_HUGETLB] = b.hugetlb / PAGE;
	p->val[TOP_E_COW] = c->cow_shared;
	p->val[TOP_E_NODED] = noded;
	p->val[TOP_E_REMOTE] = remote;
}

struct exact_acc {
	struct top_proc *p;
	struct ptscope_vma *v;
	size_t nr, cap;
};

static int exact_record(const struct ptscope_vma *v, void *arg)
{
	struct exact_acc *a = arg;
	struct ptscope_vma *more;

	if (a->nr == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		more = realloc(a->v, a->cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		a->v = more;
	}
	a->v[a->nr++] = *v;
	a->p->pages_walked += (v->end - v->start) / PAGE;
	return 0;
}

static int walk_exact(struct ptscope *ps, struct top_proc *p,
		      const struct top_sweep_opts *o)
{
	struct exact_acc a = { .p = p };
	struct ptscope_maps_totals tot;
	struct top_verdict_acc verdict = { 0 };
	size_t i;
	int ret;

	ret = ptscope_maps(ps, p->pid, 0, ptscope_user_top(), exact_record, &a, &tot);
	if (!ret) {
		row_values(p, &tot.pages);
		for (i = 0; i < a.nr; i++)
			top_verdict_add(&verdict, &a.v[i], tot.mm_flags,
					p->run_nodes, o->thp, false);
		p->verdict = top_verdict(&verdict);
		p->walk = TOP_WALK_EXACT;
		p->walked_fraction = 1;
	}
	free(a.v);
	return ret;
}

static int walk_sampled(struct ptscope *ps, struct top_proc *p,
			const struct top_sweep_opts *o, uint64_t budget_ns)
{
	struct sampled S = { .seed = o->seed ^ p->pid, .budget = true,
			     .budget_ns = budget_ns };
	struct ptscope_page_counts c;
	struct ptscope_table_counts t;
	struct top_verdict_acc verdict = { 0 };
	double se_noded = 0, se_remote = 0;
	size_t h;
	int ret, i;

	ret = maps_sample_walk(ps, p->pid, 0, ptscope_user_top(), &S);
	if (ret)
		goto out;
	maps_sample_counts(S.est, &c, &t);
	row_values(p, &c);
	p->se[TOP_E_RSS] = S.se[V_COUNT(present)] + S.se[V_COUNT(zero)] +
			   S.se[V_COUNT(pfnmap)];
	p->se[TOP_E_THP] = S.se[V_COUNT(thp_pmd)];
	p->se[TOP_E_MTHP] = S.se[V_LARGE];
	p->se[TOP_E_HUGETLB] = S.se[V_HUGETLB];
	p->se[TOP_E_COW] = S.se[V_COUNT(cow_shared)];
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		se_noded += S.se[V_COUNT(node[i])];
		if (!(p->run_nodes >> i & 1) && i < 64)
			se_remote += S.se[V_COUNT(node[i])];
	}
	p->se[TOP_E_NODED] = se_noded;
	p->se[TOP_E_REMOTE] = p->run_nodes ? se_remote : 0;
	for (h = 0; h < S.nr; h++) {
		struct ptscope_vma v;

		if (!S.vmas[h].have_meta)
			continue;
		v = S.vmas[h].meta;
		v.start = S.vmas[h].start;
		v.end = S.vmas[h].end;
		maps_sample_counts(S.vmas[h].est, &v.pages, &t);
		top_verdict_add(&verdict, &v, S.mm_flags, p->run_nodes, o->thp, true);
	}
	p->verdict = top_verdict(&verdict);
	/* Every window walked (small mappings are walked whole): exact. */
	p->walk = S.walked < S.windows ? TOP_WALK_SAMPLED : TOP_WALK_EXACT;
	p->walked_fraction = S.windows ? (double)S.walked / S.windows : 1;
	p->pages_walked = S.pages_walked;
out:
	maps_sample_free(&S);
	return ret;
}

/*
 * @pid's row in @prev.  Sweeps list pids in the same order (/proc's), so
 * the search starts where the last one ended: one pass for a whole sweep.
 */
static const struct top_proc *prev_of(const struct top_sweep *prev, uint64_t pid,
				      size_t *hint)
{
	size_t i, k;

	for (k = 0; prev && k < prev->nr; k++) {
		i = (*hint + k) % prev->nr;
		if (prev->procs[i].pid == pid) {
			*hint = i + 1;
			return &prev->procs[i];
		}
	}
	return NULL;
}

static int by_units(const void *a, const void *b, void *procs)
{
	const struct top_proc *p = procs;
	uint64_t ua = top_units(&p[*(const size_t *)a].st);
	uint64_t ub = top_units(&p[*(const size_t *)b].st);

	return ua < ub ? -1 : ua > ub;
}

/* Every process's counters and identity; those that cannot be read are counted. */
static int sweep_counters(struct ptscope *ps, const uint64_t *pids, size_t n,
			  const struct top_sweep *prev, struct top_sweep *sw)
{
	const struct top_proc *old;
	struct ptscope_thread *th;
	size_t i, nr_th, hint = 0;
	int ret;

	sw->serial = prev ? prev->serial + 1 : 0;
	sw->procs = calloc(n ? n : 1, sizeof(*sw->procs));
	if (!sw->procs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct top_proc *p = &sw->procs[sw->nr];

		memset(p, 0, sizeof(*p));
		p->pid = pids[i];
		th = NULL;
		nr_th = 0;
		ret = ptscope_stats(ps, p->pid, &p->st, &th, &nr_th);
		if (ret == -EPERM || ret == -EACCES) {
			sw->hidden++;
			continue;
		}
		if (ret == -EINVAL) {
			sw->kernel_threads++;
			continue;
		}
		if (ret == -ESRCH || ret == -ENOENT) {
			sw->vanished++;
			continue;
		}
		if (ret)
			return ret;
		p->run_nodes = numa_run_nodes(th, nr_th);
		free(th);
		old = prev_of(prev, p->pid, &hint);
		proc_identity(ps, p, old, !(sw->serial % TOP_REREAD_EVERY));
		p->verdict = "-";
		p->minor_rate = p->major_rate = NAN;
		if (old)
			fault_rates(&p->st, &old->st, &p->minor_rate, &p->major_rate);
		sw->nr++;
	}
	return 0;
}

int top_sweep_run(struct ptscope *ps, const uint64_t *pids, size_t nr_pids,
		  const struct top_sweep_opts *o, const struct top_sweep *prev,
		  struct top_cost *cost, struct top_sweep *sw)
{
	uint64_t cpu0 = top_cpu_ns(), wall0 = maps_sample_clock_ns(), *all = NULL, spent, t0;
	uint64_t reserve;
	size_t i, k, *order = NULL, kept, nr_large = 0;
	bool smalls_done = false;
	int ret;

	memset(sw, 0, sizeof(*sw));
	sw->budget_ns = o->unlimited ? 0 : o->budget_ns;
	if (!pids) {
		ret = ptscope_proc_pids(ps, &all, &nr_pids);
		if (ret)
			return ret;
		pids = all;
	}
	ret = sweep_counters(ps, pids, nr_pids, prev, sw);
	free(all);
	if (ret)
		goto fail;
	order = malloc((sw->nr ? sw->nr : 1) * sizeof(*order));
	if (!order) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < sw->nr; i++)
		order[i] = i;
	qsort_r(order, sw->nr, sizeof(*order), by_units, sw->procs);

	/* Smallest first; the large ones last, with their reserve. */
	for (k = 0; k < sw->nr; k++)
		nr_large += top_units(&sw->procs[order[k]].st) > TOP_UNITS_LARGE;
	reserve = nr_large ? o->budget_ns / TOP_LARGE_SHARE : 0;
	top_cost_age(cost);
	for (k = 0; k < sw->nr; k++) {
		struct top_proc *p = &sw->procs[order[k]];
		uint64_t units = top_units(&p->st), left;
		enum top_plan plan;

		spent = top_cpu_ns() - cpu0;
		left = spent < o->budget_ns ? o->budget_ns - spent : 0;
		plan = o->unlimited ? TOP_PLAN_EXACT :
		       top_plan(cost, units, left, reserve, nr_large);
		/* The first small one that does not fit ends the small ones. */
		if (units <= TOP_UNITS_LARGE && !o->unlimited) {
			if (smalls_done)
				plan = TOP_PLAN_NONE;
			smalls_done = plan == TOP_PLAN_NONE;
		}
		t0 = top_cpu_ns();
		ret = 0;
		if (plan == TOP_PLAN_EXACT) {
			ret = walk_exact(ps, p, o);
			p->walk_ns = top_cpu_ns() - t0;
			if (!ret)
				top_cost_learn(cost, units, p->walk_ns);
		} else if (plan == TOP_PLAN_SAMPLE) {
			ret = walk_sampled(ps, p, o, left / nr_large);
			p->walk_ns = top_cpu_ns() - t0;
		}
		if (units > TOP_UNITS_LARGE)
			nr_large--;
		/*
		 * Gone between its counters and its walk (dropped below), or
		 * no longer ours to read (it ran a setuid program): hidden.
		 */
		if (ret == -EPERM || ret == -EACCES) {
			sw->hidden++;
			p->pid = 0;
			p->walk = TOP_WALK_HIDDEN;
			ret = 0;
		} else if (ret == -ESRCH || ret == -ENOENT || ret == -EINVAL) {
			p->pid = 0;
			ret = 0;
		}
		if (ret)
			goto fail;
	}
	for (i = 0, kept = 0; i < sw->nr; i++) {
		struct top_proc *p = &sw->procs[i];

		if (!p->pid) {
			sw->vanished += p->walk != TOP_WALK_HIDDEN;
			continue;
		}
		sw->exact += p->walk == TOP_WALK_EXACT;
		sw->sampled += p->walk == TOP_WALK_SAMPLED;
		sw->unwalked += p->walk == TOP_WALK_NONE;
		sw->pages_walked += p->pages_walked;
		sw->procs[kept++] = *p;
	}
	sw->nr = kept;
	free(order);
	sw->cpu_ns = top_cpu_ns() - cpu0;
	sw->timestamp_ns = maps_sample_clock_ns();
	sw->wall_ns = sw->timestamp_ns - wall0;
	return 0;
fail:
	free(order);
	top_sweep_free(sw);
	return ret;
}

void top_sweep_free(struct top_sweep *sw)
{
	free(sw->procs);
	sw->procs = NULL;
	sw->nr = 0;
}
