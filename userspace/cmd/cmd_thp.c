// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope thp PID [RANGE]: how much of each mapping is backed by huge
 * pages, of which kind, and, where it is not, the reasons ptscope can see.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "thp_reasons.h"
#include "format.h"
#include "json.h"
#include "view.h"

#define PAGE 4096ULL
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

struct thp_view {
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	struct thp_settings set;
	uint64_t pid;
	uint64_t mm_flags;	/* known only at the end of the walk */
	bool started;
	uint64_t reasons_seen;
	/* Totals */
	struct thp_bytes tot;
	uint64_t hugetlb_by_size[2];	/* 2 MiB, 1 GiB */
	uint64_t large_by_order[PTSCOPE_MAX_ORDERS];
	uint64_t ranges[6];		/* NR_RANGES: 2m, pmd, pte, pte_full, collapsible, split */
	/* The records, kept until the mm flags are known (they feed the reasons). */
	struct cli_vma_list vmas;
};

static unsigned int pct(uint64_t part, uint64_t whole)
{
	return whole ? (part * 100 + whole / 2) / whole : 0;
}

static char *reasons_text(char *buf, size_t len, uint64_t r)
{
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < THP_R_COUNT; i++)
		if (r >> i & 1)
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%s", used ? "," : "", thp_reason_names[i]);
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}

enum {
	COL_START, COL_END, COL_SIZE, COL_RSS, COL_THP, COL_MTHP, COL_HUGETLB,
	COL_BASE, COL_HUGE_PCT, COL_RANGES, COL_PMD, COL_PTE, COL_COLLAPSIBLE,
	COL_SPLIT, COL_FLAGS, COL_NAME, COL_REASONS,
	/* JSON only */
	F_PERMS, F_PATH, F_VMAS, F_LARGE_BY_SIZE, F_HUGETLB_BY_SIZE,
	F_PTE_FULL, F_CANDIDATE,
};

enum { R_2M, R_PMD, R_PTE, R_PTE_FULL, R_COLLAPSIBLE, R_SPLIT, NR_RANGES };

/* A row: a mapping, or the total (@v NULL). */
struct thp_row {
	struct view_range range;
	const struct ptscope_vma *v;
	const struct thp_view *tv;
	struct thp_bytes b;
	uint64_t ranges[NR_RANGES];
	uint64_t large_by_order[PTSCOPE_MAX_ORDERS];	/* bytes */
	const uint64_t *hugetlb_by_size;	/* the total's: 2 MiB, 1 GiB */
	uint64_t nr_vmas;
};

#define ROW(row) ((const struct thp_row *)(row))

/* A struct thp_bytes member, at offset @f->arg. */
static struct view_value row_bytes(const void *row, const struct view_field *f)
{
	return view_u64(*(const uint64_t *)((const char *)&ROW(row)->b + f->arg));
}

static unsigned int huge_pct(const struct thp_bytes *b)
{
	return pct(b->pmd + b->large + b->hugetlb, b->rss);
}

static struct view_value row_huge_pct(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(huge_pct(&ROW(row)->b));
}

static void huge_pct_cell(char *buf, size_t len, const void *row)
{
	if (ROW(row)->b.rss)
		snprintf(buf, len, "%u%%", huge_pct(&ROW(row)->b));
	else
		snprintf(buf, len, "-");
}

static struct view_value row_range(const void *row, const struct view_field *f)
{
	return view_u64(ROW(row)->ranges[f->arg]);
}

static void flags_cell(char *buf, size_t len, const void *row)
{
	if (ROW(row)->v)
		format_vma_flags(buf, len, ROW(row)->v->flags);
}

static void flags_json(struct json *j, const char *key, const void *row)
{
	size_t i;

	json_open(j, key, '[');
	for (i = 0; i < nr_vma_flag_names; i++)
		if (ROW(row)->v->flags & vma_flag_names[i].bit)
			json_str(j, NULL, vma_flag_names[i].name);
	json_close(j, ']');
}

static uint64_t row_reasons(const struct thp_row *r)
{
	return thp_reasons(r->v, r->tv->mm_flags, &r->tv->set);
}

static void reasons_cell(char *buf, size_t len, const void *row)
{
	if (ROW(row)->v)
		reasons_text(buf, len, row_reasons(row));
}

static void reasons_json(struct json *j, const char *key, const void *row)
{
	uint64_t r = row_reasons(row);
	int k;

	json_open(j, key, '[');
	for (k = 0; k < THP_R_COUNT; k++)
		if (r >> k & 1)
			json_str(j, NULL, thp_reason_names[k]);
	json_close(j, ']');
}

static struct view_value row_vmas(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->nr_vmas);
}

static void large_by_size_json(struct json *j, const char *key, const void *row)
{
	char size[32];
	int i;

	json_open(j, key, '{');
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++) {
		if (!ROW(row)->large_by_order[i])
			continue;
		snprintf(size, sizeof(size), "%llukB", (PAGE << i) / 1024ULL);
		json_u64(j, size, ROW(row)->large_by_order[i]);
	}
	json_close(j, '}');
}

static void hugetlb_by_size_json(struct json *j, const char *key, const void *row)
{
	const struct thp_row *r = row;
	char size[32];

	json_open(j, key, '{');
	if (r->v && r->b.hugetlb) {
		snprintf(size, sizeof(size), "%llukB",
			 (unsigned long long)r->v->page_size / 1024);
		json_u64(j, size, r->b.hugetlb);
	} else if (!r->v) {
		if (r->hugetlb_by_size[0])
			json_u64(j, "2048kB", r->hugetlb_by_size[0]);
		if (r->hugetlb_by_size[1])
			json_u64(j, "1048576kB", r->hugetlb_by_size[1]);
	}
	json_close(j, '}');
}

static struct view_value row_candidate(const void *row, const struct view_field *f)
{
	(void)f;
	return view_bool(thp_candidate(ROW(row)->v, &ROW(row)->tv->set));
}

#define BYTES_FIELD(name_, key_, member, help_) {			\
	.name = (name_), .key = (key_), .group = "bytes",		\
	.unit = VIEW_BYTES, .whint = 6, .flags = SCOLS_FL_RIGHT,	\
	.help = (help_), .get = row_bytes,				\
	.arg = offsetof(struct thp_bytes, member) }
#define RANGE_FIELD(name_, key_, range, help_) {			\
	.name = (name_), .key = (key_), .group = "ranges_2m",		\
	.whint = 4, .flags = SCOLS_FL_RIGHT, .help = (help_),		\
	.get = row_range, .arg = (range) }

static const struct view_field thp_fields[] = {
	[COL_START]	= VIEW_START("first address", view_range_start),
	[COL_END]	= VIEW_END("end address (exclusive)", view_range_end),
	[COL_SIZE]	= VIEW_SIZE("virtual size", view_range_size),
	[COL_RSS]	= BYTES_FIELD("RSS", "rss", rss, "resident (not the zero page)"),
	[COL_THP]	= BYTES_FIELD("THP", "thp_pmd", pmd, "in PMD-mapped transparent huge pages"),
	[COL_MTHP]	= BYTES_FIELD("MTHP", "large_pte", large,
				      "in large folios mapped by PTEs (mTHP, split THP)"),
	[COL_HUGETLB]	= BYTES_FIELD("HUGETLB", "hugetlb", hugetlb, "in hugetlb pages"),
	[COL_BASE]	= BYTES_FIELD("BASE", "base", base, "in base (4 KiB) pages"),
	[COL_HUGE_PCT]	= { .name = "HUGE%", .key = "huge_percent", .whint = 5,
			    .flags = SCOLS_FL_RIGHT,
			    .help = "share of RSS in huge pages (THP + MTHP + HUGETLB)",
			    .get = row_huge_pct, .cell = huge_pct_cell },
	[COL_RANGES]	= RANGE_FIELD("RANGES", "total", R_2M, "2 MiB-aligned 2 MiB ranges inside"),
	[COL_PMD]	= RANGE_FIELD("PMD", "pmd", R_PMD, "of RANGES, mapped by a huge PMD"),
	[COL_PTE]	= RANGE_FIELD("PTE", "pte", R_PTE, "of RANGES, mapped through a PTE table"),
	[COL_COLLAPSIBLE] = RANGE_FIELD("COLLAPSIBLE", "collapsible", R_COLLAPSIBLE,
					"of PTE, khugepaged could collapse (max_ptes_none)"),
	[COL_SPLIT]	= RANGE_FIELD("SPLIT", "split", R_SPLIT,
				      "PTE tables mapping part of a PMD-sized folio"),
	[COL_FLAGS]	= { .name = "FLAGS", .key = "flags", .whint = 12, .flags = SCOLS_FL_WRAP,
			    .help = "mapping flags (hugepage, nohugepage, shmem...)",
			    .cell = flags_cell, .json = flags_json },
	[COL_NAME]	= VIEW_NAME("file name, [heap], [stack]..., empty for anonymous", view_range_name),
	[COL_REASONS]	= { .name = "REASONS", .key = "reasons", .whint = 20,
			    .flags = SCOLS_FL_WRAP,
			    .help = "why not (all) in PMD-mapped huge pages",
			    .cell = reasons_cell, .json = reasons_json },
	[F_PERMS]	= { .key = "perms", .get = view_range_perms },
	[F_PATH]	= { .key = "name", .get = view_range_path },
	[F_VMAS]	= { .key = "vmas", .get = row_vmas },
	[F_LARGE_BY_SIZE] = { .key = "large_pte_by_size", .group = "bytes",
			      .json = large_by_size_json },
	[F_HUGETLB_BY_SIZE] = { .key = "hugetlb_by_size", .group = "bytes",
				.json = hugetlb_by_size_json },
	[F_PTE_FULL]	= RANGE_FIELD(NULL, "pte_full", R_PTE_FULL, NULL),
	[F_CANDIDATE]	= { .key = "candidate", .get = row_candidate },
};

static const int thp_default_columns[] = {
	COL_START, COL_SIZE, COL_RSS, COL_THP, COL_MTHP, COL_HUGETLB,
	COL_HUGE_PCT, COL_NAME, COL_REASONS,
};

#define THP_JSON_BYTES_AND_RANGES					\
	COL_RSS, COL_THP, COL_MTHP, F_LARGE_BY_SIZE, COL_HUGETLB,	\
	F_HUGETLB_BY_SIZE, COL_BASE, COL_HUGE_PCT, COL_RANGES, COL_PMD,	\
	COL_PTE, F_PTE_FULL, COL_COLLAPSIBLE, COL_SPLIT

static const int thp_vma_json[] = {
	COL_START, COL_END, F_PERMS, F_PATH, COL_FLAGS,
	THP_JSON_BYTES_AND_RANGES, F_CANDIDATE, COL_REASONS,
};

static const int thp_total_json[] = { F_VMAS, THP_JSON_BYTES_AND_RANGES };

static const struct view thp_view_model =
	VIEW_INIT_JSON(thp_fields, thp_default_columns, thp_vma_json);

static const struct view thp_total_view = VIEW_JSON(thp_fields, thp_total_json);

static void thp_vma_row(struct thp_row *r, const struct thp_view *tv,
			const struct ptscope_vma *v)
{
	int i;

	*r = (struct thp_row){
		.range = { .start = v->start, .end = v->end, .flags = v->flags,
			   .name = v->name },
		.v = v, .tv = tv,
	};
	thp_bytes(&v->pages, &r->b);
	r->ranges[R_2M] = v->ranges_2m;
	r->ranges[R_PMD] = v->ranges_pmd;
	r->ranges[R_PTE] = v->ranges_pte;
	r->ranges[R_PTE_FULL] = v->ranges_pte_full;
	r->ranges[R_COLLAPSIBLE] = v->ranges_collapsible;
	r->ranges[R_SPLIT] = v->ranges_split;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		r->large_by_order[i] = v->pages.large_pte[i] * PAGE;
}

static void thp_json_settings(struct json *j, const struct thp_settings *s,
			      uint64_t mm_flags)
{
	char key[32];
	unsigned int i;

	json_open(j, "settings", '{');
	json_bool(j, "thp_available", s->present);
	json_str(j, "enabled", thp_mode_name(s->enabled));
	json_str(j, "defrag", s->defrag);
	json_str(j, "shmem_enabled", thp_mode_name(s->shmem_enabled));
	json_i64(j, "max_ptes_none", s->max_ptes_none);
	json_i64(j, "max_ptes_swap", s->max_ptes_swap);
	json_i64(j, "max_ptes_shared", s->max_ptes_shared);
	json_i64(j, "pages_to_scan", s->pages_to_scan);
	json_i64(j, "scan_sleep_millisecs", s->scan_sleep_millisecs);
	json_i64(j, "use_zero_page", s->use_zero_page);
	json_open(j, "sizes", '{');
	for (i = 0; i < s->nr_mthp; i++) {
		snprintf(key, sizeof(key), "%llukB",
			 (unsigned long long)s->mthp[i].size / 1024);
		json_str(j, key, thp_mode_name(s->mthp[i].enabled));
	}
	json_close(j, '}');
	json_bool(j, "prctl_thp_disabled", mm_flags & PTSCOPE_MM_THP_DISABLE);
	json_bool(j, "prctl_thp_disabled_except_advised",
		  mm_flags & PTSCOPE_MM_THP_DISABLE_EXCEPT_ADVISED);
	json_close(j, '}');
}

static void thp_add_totals(struct thp_view *tv, const struct ptscope_vma *v)
{
	struct thp_row r;
	int i;

	thp_vma_row(&r, tv, v);
	tv->tot.pmd += r.b.pmd;
	tv->tot.large += r.b.large;
	tv->tot.hugetlb += r.b.hugetlb;
	tv->tot.base += r.b.base;
	tv->tot.rss += r.b.rss;
	if (r.b.hugetlb)
		tv->hugetlb_by_size[v->page_size > (2ULL << 20)] += r.b.hugetlb;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		tv->large_by_order[i] += r.large_by_order[i];
	for (i = 0; i < NR_RANGES; i++)
		tv->ranges[i] += r.ranges[i];
	tv->reasons_seen |= row_reasons(&r);
}

static void thp_settings_line(const struct thp_settings *s, uint64_t mm_flags)
{
	char sz[32];
	unsigned int i;

	if (!s->present) {
		printf("THP: not available (no %s)\n", THP_SYSFS);
		return;
	}
	printf("THP: enabled %s, defrag %s, shmem_enabled %s; khugepaged max_ptes_none %ld",
	       thp_mode_name(s->enabled), s->defrag, thp_mode_name(s->shmem_enabled),
	       s->max_ptes_none);
	if (mm_flags & PTSCOPE_MM_THP_DISABLE)
		printf("; this process: prctl THP disabled");
	else if (mm_flags & PTSCOPE_MM_THP_DISABLE_EXCEPT_ADVISED)
		printf("; this process: prctl THP disabled except MADV_HUGEPAGE");
	printf("\n");
	if (s->nr_mthp) {
		printf("sizes:");
		for (i = 0; i < s->nr_mthp; i++)
			printf(" %s:%s", format_size(sz, sizeof(sz), s->mthp[i].size),
			       thp_mode_name(s->mthp[i].enabled));
		printf("\n");
	}
}

static void thp_usage(FILE *f)
{
	int i;

	fprintf(f, "Usage: ptscope thp PID [START[-END] | START+LENGTH]\n\n"
		   "How much of each mapping of process PID is backed by huge pages:\n"
		   "PMD-mapped THPs, large folios mapped by PTEs (mTHP, or a THP whose\n"
		   "PMD was split), hugetlb pages and base pages; the share of RSS in\n"
		   "huge pages; and, for mappings that could hold THPs but do not, the\n"
		   "reasons ptscope can see.  The system's THP settings come from\n"
		   THP_SYSFS "/.\n\n");
	view_help(f, &thp_view_model);
	cgroup_view_help(f, CG_VIEW_THP);
	fprintf(f, "\nReasons:\n");
	for (i = 0; i < THP_R_COUNT; i++)
		fprintf(f, "  %-22s %s\n", thp_reason_names[i], thp_reason_help[i]);
}

static void thp_total_row(struct thp_row *r, const struct thp_view *tv,
			  const char *total)
{
	*r = (struct thp_row){ .range = { .total = total }, .tv = tv, .b = tv->tot,
			       .hugetlb_by_size = tv->hugetlb_by_size,
			       .nr_vmas = tv->vmas.nr };
	memcpy(r->ranges, tv->ranges, sizeof(r->ranges));
	memcpy(r->large_by_order, tv->large_by_order, sizeof(r->large_by_order));
}

static int thp_finish(struct thp_view *tv)
{
	char total[64], a[32], b[32];
	struct thp_row row;
	size_t i, k;
	int ret;

	for (i = 0; i < tv->vmas.nr; i++)
		thp_add_totals(tv, &tv->vmas.v[i]);
	if (opts.json) {
		cli_json_records(&tv->json, &tv->started, tv->pid, "vmas");
		for (i = 0; i < tv->vmas.nr; i++) {
			thp_vma_row(&row, tv, &tv->vmas.v[i]);
			json_open(&tv->json, NULL, '{');
			view_json_members(&tv->json, &thp_view_model, &row);
			json_close(&tv->json, '}');
		}
		json_close(&tv->json, ']');
		thp_json_settings(&tv->json, &tv->set, tv->mm_flags);
		thp_total_row(&row, tv, NULL);
		json_open(&tv->json, "totals", '{');
		view_json_members(&tv->json, &thp_total_view, &row);
		json_close(&tv->json, '}');
		json_close(&tv->json, '}');
		return 0;
	}

	for (i = 0; i < tv->vmas.nr; i++) {
		thp_vma_row(&row, tv, &tv->vmas.v[i]);
		ret = view_table_add(tv->tb, &tv->cols, &thp_view_model, &row);
		if (ret)
			return ret;
	}
	snprintf(total, sizeof(total), "(%zu mappings)", tv->vmas.nr);
	thp_total_row(&row, tv, total);
	ret = view_table_add(tv->tb, &tv->cols, &thp_view_model, &row);
	if (ret)
		return ret;
	if (!opts.raw && !opts.noheadings)
		thp_settings_line(&tv->set, tv->mm_flags);
	ret = scols_print_table(tv->tb);
	if (ret)
		return ret;
	if (opts.raw || opts.noheadings)
		return 0;
	printf("huge pages back %u%% of RSS (%s of %s)",
	       pct(tv->tot.pmd + tv->tot.large + tv->tot.hugetlb, tv->tot.rss),
	       format_size(a, sizeof(a), tv->tot.pmd + tv->tot.large + tv->tot.hugetlb),
	       format_size(b, sizeof(b), tv->tot.rss));
	printf("; 2 MiB ranges: %" PRIu64 " PMD-mapped, %" PRIu64 " through PTE tables (%"
	       PRIu64 " collapsible), %" PRIu64 " empty\n",
	       tv->ranges[1], tv->ranges[2], tv->ranges[4],
	       tv->ranges[0] - tv->ranges[1] - tv->ranges[2]);
	for (k = 0; k < THP_R_COUNT; k++)
		if (tv->reasons_seen >> k & 1)
			printf("  %-22s %s\n", thp_reason_names[k], thp_reason_help[k]);
	return 0;
}

int cmd_thp(int argc, char **argv)
{
	uint64_t pid, start, end, max_none;
	struct ptscope_maps_totals tot;
	struct thp_view tv = { 0 };
	struct ptscope *ps;
	int ret;

	if (opts.cgroup && !opts.help)
		return cgroup_view_run(CG_VIEW_THP, opts.cgroup, argc);
	ret = cli_pid_and_range(argc, argv, thp_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (view_select(&tv.cols, &thp_view_model))
		return 2;
	ps = cli_open();
	if (!ps)
		return 1;
	if (!(ptscope_module_version(ps)->features & PTSCOPE_FEAT_MAPS_POLICY)) {
		cli_close(ps);
		return cli_error("the module is too old for 'thp' (it needs ABI 1.2): load a newer ptscope.ko");
	}
	tv.pid = pid;
	ret = thp_settings_load(ps, &tv.set);
	if (ret) {
		cli_close(ps);
		return cli_error("THP settings (%s): %s", THP_SYSFS, ptscope_strerror(ret));
	}
	max_none = tv.set.max_ptes_none >= 0 && tv.set.max_ptes_none <= PTSCOPE_COLLAPSE_MAX_NONE ?
		   (uint64_t)tv.set.max_ptes_none : PTSCOPE_COLLAPSE_MAX_NONE;
	if (!opts.json) {
		tv.tb = view_table_new(&tv.cols, &thp_view_model);
		if (!tv.tb) {
			cli_close(ps);
			return cli_error("out of memory");
		}
	}
	ret = ptscope_maps_collapse(ps, pid, start, end, max_none,
				    cli_vma_list_add, &tv.vmas, &tot);
	if (!ret) {
		tv.mm_flags = tot.mm_flags;
		ret = thp_finish(&tv);
	}
	if (tv.tb)
		scols_unref_table(tv.tb);
	free(tv.vmas.v);
	cli_close(ps);
	if (ret)
		return cli_error("thp of %" PRIu64 ": %s", pid, ptscope_strerror(ret));
	return 0;
}
