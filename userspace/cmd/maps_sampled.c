// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope maps --sample/--budget: the estimates of model/maps_sample.c as
 * the table and JSON of `ptscope maps`, each cell with its error.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "json.h"
#include "maps_view.h"

#define PAGE 4096ULL


/* {"estimate": E, "stderr": S}, in the value's unit, both rounded (the error up). */
static void json_est(struct json *j, const char *key, const double *est,
		     const double *se, size_t k)
{
	json_open(j, key, '{');
	json_u64(j, "estimate", maps_sample_rounded(est[k]));
	json_u64(j, "stderr", se[k] > 0 ? (uint64_t)ceil(se[k] - 1e-9) : 0);
	json_close(j, '}');
}

static void json_counts_est(struct json *j, const double *est, const double *se)
{
	char key[16];
	int i;

	json_open(j, "pages", '{');
#define COUNT(f) json_est(j, #f, est, se, V_COUNT(f));
	PTSCOPE_COUNTS_FOREACH(COUNT)
#undef COUNT
	json_est(j, "hugetlb", est, se, V_HUGETLB);
	json_open(j, "large_pte", '{');
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++) {
		if (maps_sample_rounded(est[V_COUNT(large_pte[i])]) == 0)
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_est(j, key, est, se, V_COUNT(large_pte[i]));
	}
	json_close(j, '}');
	json_close(j, '}');

	json_open(j, "nodes", '{');
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (maps_sample_rounded(est[V_COUNT(node[i])]) == 0)
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_est(j, key, est, se, V_COUNT(node[i]));
	}
	if (maps_sample_rounded(est[V_COUNT(node_other)]))
		json_est(j, "other", est, se, V_COUNT(node_other));
	json_close(j, '}');

	json_open(j, "pt_pages", '{');
	json_est(j, "pte", est, se, V_PTE);
	json_est(j, "pmd", est, se, V_PMD);
	json_est(j, "pud", est, se, V_PUD);
	json_est(j, "pte_entries", est, se, V_PTE_ENTRIES);
	json_est(j, "pte_deposited", est, se, V_PTE_DEPOSITED);
	json_close(j, '}');
}

/* The file offset of the mapping's start (the first record may start later). */
static uint64_t sampled_offset(const struct sampled_vma *sv)
{
	return sv->meta.inode ? sv->meta.pgoff - (sv->meta.start - sv->start) : 0;
}

static void sampled_json_vma(struct json *j, const struct sampled_vma *sv)
{
	json_open(j, NULL, '{');
	maps_json_describe(j, &sv->meta, sv->start, sv->end, sampled_offset(sv));
	json_u64(j, "windows", sv->windows);
	json_u64(j, "walked", sv->walked);
	json_bool(j, "exact", sv->walked >= sv->windows);
	json_counts_est(j, sv->est, sv->se);
	json_close(j, '}');
}

static int sampled_show(struct maps_view *v, const struct sampled *S,
			const struct ptscope_stats *st)
{
	struct ptscope_table_counts t = { 0 };
	struct ptscope_page_counts c;
	struct ptscope_vma row;
	struct maps_row line;
	int ret;
	char total[64], sz[4][32];
	size_t h, shown = 0;

	for (h = 0; h < S->nr; h++)
		shown += S->vmas[h].have_meta;
	if (opts.json) {
		cli_json_records(&v->json, &v->started, v->pid, "vmas");
		for (h = 0; h < S->nr; h++)
			if (S->vmas[h].have_meta)
				sampled_json_vma(&v->json, &S->vmas[h]);
		json_close(&v->json, ']');
		json_bool(&v->json, "sampled", true);
		json_open(&v->json, "sample", '{');
		json_u64(&v->json, "window_bytes", SAMPLE_WINDOW);
		json_u64(&v->json, "windows", S->windows);
		json_u64(&v->json, "walked", S->walked);
		json_u64(&v->json, "pages_walked", S->pages_walked);
		json_u64(&v->json, "queries", S->calls);
		json_u64(&v->json, "seed", S->seed);
		if (S->budget_ns == UINT64_MAX)
			json_null(&v->json, "budget_ns");
		else
			json_u64(&v->json, "budget_ns", S->budget_ns);
		json_u64(&v->json, "elapsed_ns", S->elapsed_ns);
		json_close(&v->json, '}');
		json_open(&v->json, "totals", '{');
		json_u64(&v->json, "vmas", shown);
		json_counts_est(&v->json, S->est, S->se);
		json_close(&v->json, '}');
		maps_json_process(&v->json, st);
		json_close(&v->json, '}');
		return 0;
	}
	for (h = 0; h < S->nr; h++) {
		const struct sampled_vma *sv = &S->vmas[h];

		if (!sv->have_meta)
			continue;	/* unmapped since /proc/PID/maps was read */
		row = sv->meta;
		row.pgoff = sampled_offset(sv);
		row.start = sv->start;
		row.end = sv->end;
		maps_sample_counts(sv->est, &row.pages, &row.tables);
		line = (struct maps_row){ .v = &row, .c = &row.pages,
					  .t = &row.tables, .se = sv->se };
		ret = maps_table_line(v->tb, &v->cols, &line);
		if (ret)
			return ret;
	}
	maps_sample_counts(S->est, &c, &t);
	snprintf(total, sizeof(total), "(%zu mappings)", shown);
	line = (struct maps_row){ .c = &c, .t = &t, .total = total, .se = S->se };
	ret = maps_table_line(v->tb, &v->cols, &line);
	if (ret)
		return ret;
	if (!opts.raw && !opts.noheadings) {
		printf("sampled: %" PRIu64 " of %" PRIu64 " windows (%.1f%%), estimates ± 1.96·SE; seed %" PRIu64,
		       S->walked, S->windows,
		       S->windows ? 100.0 * S->walked / S->windows : 100.0, S->seed);
		if (S->budget_ns != UINT64_MAX)
			printf("; budget %.0f ms, took %.0f ms", S->budget_ns / 1e6,
			       S->elapsed_ns / 1e6);
		printf("\n");
	}
	scols_print_table(v->tb);
	if (!opts.raw && !opts.noheadings) {
		maps_print_faults(st);
		printf("exact, from the mm's counters: RSS %s anon, %s file, %s shmem; swap %s\n",
		       format_size(sz[0], sizeof(sz[0]), st->rss_anon * PAGE),
		       format_size(sz[1], sizeof(sz[1]), st->rss_file * PAGE),
		       format_size(sz[2], sizeof(sz[2]), st->rss_shmem * PAGE),
		       format_size(sz[3], sizeof(sz[3]), st->swap_ents * PAGE));
	}
	return 0;
}

int maps_sampled(struct ptscope *ps, struct maps_view *v, uint64_t pid,
		 uint64_t start, uint64_t end, const struct maps_sample_args *a)
{
	struct sampled S = { 0 };
	struct ptscope_stats st;
	int ret;

	S.seed = a->seed;
	S.budget = a->budget;
	S.budget_ns = a->budget_ns;
	S.fraction = a->fraction;
	ret = maps_sample_walk(ps, pid, start, end, &S);
	if (!ret)
		ret = ptscope_stats(ps, pid, &st, NULL, NULL);
	if (!ret)
		ret = sampled_show(v, &S, &st);
	maps_sample_free(&S);
	return ret;
}

