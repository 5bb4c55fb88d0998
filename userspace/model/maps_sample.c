// SPDX-License-Identifier: GPL-2.0
/* `ptscope maps --sample/--budget`: the sample's walk (maps_sample.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maps_sample.h"

#define PAGE 4096ULL

/* The records of one query, summed. */
struct window_acc {
	struct sampled_vma *sv;
	struct ptscope_page_counts pages;
	struct ptscope_table_counts tables;
};

static int window_record(const struct ptscope_vma *r, void *arg)
{
	struct window_acc *a = arg;
	const uint64_t *from = (const uint64_t *)&r->pages;
	uint64_t *to = (uint64_t *)&a->pages;
	size_t i;

	if (!a->sv->have_meta) {
		a->sv->meta = *r;
		a->sv->have_meta = true;
	}
	for (i = 0; i < NPC; i++)
		to[i] += from[i];
	a->tables.pte += r->tables.pte;
	a->tables.pmd += r->tables.pmd;
	a->tables.pud += r->tables.pud;
	a->tables.pte_entries += r->tables.pte_entries;
	a->tables.pte_deposited += r->tables.pte_deposited;
	return 0;
}

/*
 * The values of [ws, we) of mapping @sv.  A PMD (PUD) table serves every
 * window of its 1 GiB (512 GiB) slot, so each window carries its share:
 * the shares of the mapping's windows add up to its tables, as a full
 * walk counts them.
 */
static void window_values(const struct sampled_vma *sv, const struct window_acc *a,
			  uint64_t ws, bool whole, double *y)
{
	const uint64_t *c = (const uint64_t *)&a->pages;
	uint64_t s, e, gb = 1ULL << 30, tb = 1ULL << 39;
	double pmd = a->tables.pmd, pud = a->tables.pud;
	size_t i;

	if (!whole) {
		s = ws & ~(gb - 1);
		e = s + gb;
		pmd /= sample_windows(s > sv->start ? s : sv->start, e < sv->end ? e : sv->end);
		s = ws & ~(tb - 1);
		e = s + tb;
		pud /= sample_windows(s > sv->start ? s : sv->start, e < sv->end ? e : sv->end);
	}
	for (i = 0; i < NPC; i++)
		y[i] = c[i];
	y[V_PTE] = a->tables.pte;
	y[V_PMD] = pmd;
	y[V_PUD] = pud;
	y[V_PTE_ENTRIES] = a->tables.pte_entries;
	y[V_PTE_DEPOSITED] = a->tables.pte_deposited;
	y[V_LARGE] = 0;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		y[V_LARGE] += a->pages.large_pte[i];
	y[V_HUGETLB] = a->pages.hugetlb_pmd + a->pages.hugetlb_pud;
	y[V_PT] = y[V_PTE] + y[V_PTE_DEPOSITED] + pmd + pud;
}

/* The records of one query over mappings walked whole, each its mapping's. */
struct whole_acc {
	struct sampled *S;
	size_t first, cur, last;	/* S->vmas[first, last), at cur now */
	struct window_acc *acc;		/* one per mapping */
};

/*
 * A record is the mapping's it starts in: records come in address order.
 * One that starts before the next mapping of the layout (a mapping made
 * since /proc/PID/maps was read) counts with the mapping before it.
 */
static int whole_record(const struct ptscope_vma *r, void *arg)
{
	struct whole_acc *w = arg;

	while (w->cur + 1 < w->last && r->start >= w->S->vmas[w->cur + 1].start)
		w->cur++;
	return window_record(r, &w->acc[w->cur - w->first]);
}

/*
 * Walk the mappings S->vmas[first, last) whole, in one query: their exact
 * values, each a "sample" of its one stratum.  A process of tens of
 * thousands of small mappings (each walked whole) would otherwise take a
 * query per mapping, which costs more than their walk.  The query's
 * totals count each page table once; they are the first mapping's share.
 */
static int walk_whole(struct ptscope *ps, uint64_t pid, struct sampled *S,
		      size_t first, size_t last)
{
	struct whole_acc w = { .S = S, .first = first, .cur = first, .last = last };
	const struct ptscope_table_counts none = { 0 }, *t;
	struct ptscope_maps_totals tot;
	struct sampled_vma *sv;
	double y[NV];
	size_t h;
	int ret;

	w.acc = calloc(last - first, sizeof(*w.acc));
	if (!w.acc)
		return -ENOMEM;
	for (h = first; h < last; h++)
		w.acc[h - first].sv = &S->vmas[h];
	ret = ptscope_maps(ps, pid, S->vmas[first].start, S->vmas[last - 1].end,
			   whole_record, &w, &tot);
	if (ret)
		goto out_free_acc;
	S->calls++;
	S->mm_flags = tot.mm_flags;
	for (h = first; h < last; h++) {
		sv = &S->vmas[h];
		window_values(sv, &w.acc[h - first], sv->start, true, y);
		sample_stratum_free(&sv->st);
		ret = sample_stratum_init(&sv->st, 1, NV);
		if (ret)
			goto out_free_acc;
		sample_stratum_add(&sv->st, y);
		memcpy(sv->tot_tables, y, sizeof(y));
		t = h == first ? &tot.tables : &none;
		sv->tot_tables[V_PTE] = t->pte;
		sv->tot_tables[V_PMD] = t->pmd;
		sv->tot_tables[V_PUD] = t->pud;
		sv->tot_tables[V_PTE_ENTRIES] = t->pte_entries;
		sv->tot_tables[V_PTE_DEPOSITED] = t->pte_deposited;
		sv->tot_tables[V_PT] = t->pte + t->pte_deposited + t->pmd + t->pud;
		sv->whole = true;
		sv->walked = sv->windows;
	}
out_free_acc:
	free(w.acc);
	return ret;
}

/* Walk window number @j of @sv's permutation. */
static int walk_window(struct ptscope *ps, uint64_t pid, struct sampled *S,
		       struct sampled_vma *sv, uint64_t j)
{
	struct window_acc a = { .sv = sv };
	struct ptscope_maps_totals tot;
	uint64_t ws, we;
	double y[NV];
	int ret;

	sample_window(sv->start, sv->end, sample_perm_at(&sv->perm, j), &ws, &we);
	ret = ptscope_maps(ps, pid, ws, we, window_record, &a, &tot);
	if (ret)
		return ret;
	S->calls++;
	S->mm_flags = tot.mm_flags;
	/* A hugetlb page may be larger than a window: walk those whole. */
	if (sv->have_meta && (sv->meta.flags & PTSCOPE_VMA_HUGETLB))
		return walk_whole(ps, pid, S, sv - S->vmas, sv - S->vmas + 1);
	window_values(sv, &a, ws, false, y);
	sample_stratum_add(&sv->st, y);
	sv->walked++;
	return 0;
}

/* The layout being read: the mappings overlapping [start, end), cut to it. */
struct layout_acc {
	struct sampled *S;
	uint64_t start, end;
	size_t cap;
};

static int layout_line(const struct ptscope_map_line *m, void *arg)
{
	struct layout_acc *l = arg;
	struct sampled *S = l->S;
	struct sampled_vma *bigger;

	if (S->nr == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		bigger = realloc(S->vmas, l->cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		S->vmas = bigger;
	}
	memset(&S->vmas[S->nr], 0, sizeof(S->vmas[0]));
	S->vmas[S->nr].start = m->start < l->start ? l->start : m->start;
	S->vmas[S->nr].end = m->end > l->end ? l->end : m->end;
	S->nr++;
	return 0;
}

/* The mappings of @pid overlapping [start, end), from /proc/PID/maps. */
static int sampled_layout(struct ptscope *ps, struct sampled *S, uint64_t pid,
			  uint64_t start, uint64_t end)
{
	struct layout_acc l = { .S = S, .start = start, .end = end };

	return ptscope_proc_maps(ps, pid, start, end, layout_line, &l);
}

uint64_t maps_sample_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The windows of @sv walked first: all of them means the mapping is walked whole. */
static uint64_t first_windows(const struct sampled *S, const struct sampled_vma *sv)
{
	return S->budget ? 2 : sample_quota(sv->windows, S->fraction);
}

/*
 * The sample: with a fraction, sample_quota() windows of each mapping (all
 * of a small one, walked whole); with a budget, two windows of each (or all
 * of one with two or fewer) however long that takes, then windows in
 * sample_sched order until the time is spent.
 */
int maps_sample_walk(struct ptscope *ps, uint64_t pid, uint64_t start,
		     uint64_t end, struct sampled *S)
{
	struct sample_sched q = { 0 };
	uint64_t t0 = maps_sample_clock_ns(), *nwin = NULL, *nwalked = NULL, j, seed, n;
	struct sampled_vma *sv;
	size_t h, k;
	double e, var;
	int ret;

	ret = sampled_layout(ps, S, pid, start, end);
	if (ret)
		return ret;
	seed = S->seed;
	for (h = 0; h < S->nr; h++) {
		sv = &S->vmas[h];
		sv->windows = sample_windows(sv->start, sv->end);
		S->windows += sv->windows;
		ret = sample_stratum_init(&sv->st, sv->windows, NV);
		if (ret)
			return ret;
		sample_perm_init(&sv->perm, sv->windows, sample_rng_next(&seed));
	}
	for (h = 0; h < S->nr; h++) {
		sv = &S->vmas[h];
		n = first_windows(S, sv);
		if (n >= sv->windows) {
			/* With the mappings after it that are walked whole too. */
			for (k = h + 1; k < S->nr; k++)
				if (first_windows(S, &S->vmas[k]) < S->vmas[k].windows)
					break;
			ret = walk_whole(ps, pid, S, h, k);
			if (ret)
				return ret;
			h = k - 1;
			continue;
		}
		for (j = 0; j < n && !sv->whole; j++) {
			ret = walk_window(ps, pid, S, sv, j);
			if (ret)
				return ret;
		}
	}
	if (S->budget && maps_sample_clock_ns() - t0 < S->budget_ns) {
		nwin = calloc(S->nr + 1, sizeof(*nwin));
		nwalked = calloc(S->nr + 1, sizeof(*nwalked));
		ret = nwin && nwalked ? 0 : -ENOMEM;
		for (h = 0; !ret && h < S->nr; h++) {
			nwin[h] = S->vmas[h].windows;
			nwalked[h] = S->vmas[h].walked;
		}
		if (!ret)
			ret = sample_sched_init(&q, S->nr, nwin, nwalked, sample_rng_next(&seed));
		while (!ret && maps_sample_clock_ns() - t0 < S->budget_ns && sample_sched_next(&q, &h, &j))
			if (!S->vmas[h].whole)
				ret = walk_window(ps, pid, S, &S->vmas[h], j);
		sample_sched_free(&q);
		free(nwin);
		free(nwalked);
		if (ret)
			return ret;
	}
	S->elapsed_ns = maps_sample_clock_ns() - t0;

	for (h = 0; h < S->nr; h++) {
		sv = &S->vmas[h];
		S->walked += sv->walked;
		if (sv->whole) {
			S->pages_walked += (sv->end - sv->start) / PAGE;
		} else {
			for (j = 0; j < sv->walked; j++) {
				uint64_t ws, we;

				sample_window(sv->start, sv->end,
					      sample_perm_at(&sv->perm, j), &ws, &we);
				S->pages_walked += (we - ws) / PAGE;
			}
		}
		for (k = 0; k < NV; k++) {
			sample_stratum_estimate(&sv->st, k, &e, &var);
			sv->est[k] = e;
			sv->se[k] = var > 0 ? sqrt(var) : 0;
			/* A whole mapping's tables count each table once in the total. */
			S->est[k] += sv->whole ? sv->tot_tables[k] : e;
			S->se[k] += var > 0 ? var : 0;
		}
	}
	for (k = 0; k < NV; k++)
		S->se[k] = sqrt(S->se[k]);
	return 0;
}

void maps_sample_free(struct sampled *S)
{
	size_t h;

	for (h = 0; h < S->nr; h++)
		sample_stratum_free(&S->vmas[h].st);
	free(S->vmas);
}

uint64_t maps_sample_rounded(double x)
{
	return x > 0 ? (uint64_t)llround(x) : 0;
}

void maps_sample_counts(const double *est, struct ptscope_page_counts *c,
		       struct ptscope_table_counts *t)
{
	uint64_t *to = (uint64_t *)c;
	size_t i;

	for (i = 0; i < NPC; i++)
		to[i] = maps_sample_rounded(est[i]);
	t->pte = maps_sample_rounded(est[V_PTE]);
	t->pmd = maps_sample_rounded(est[V_PMD]);
	t->pud = maps_sample_rounded(est[V_PUD]);
	t->pte_entries = maps_sample_rounded(est[V_PTE_ENTRIES]);
	t->pte_deposited = maps_sample_rounded(est[V_PTE_DEPOSITED]);
}

