// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope thp PID [RANGE]: how much of each mapping is backed by huge
 * pages, of which kind, and, where it is not, the reasons ptscope can see.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "thp_reasons.h"
#include "format.h"
#include "json.h"

#define PAGE 4096ULL
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

enum {
	COL_START, COL_END, COL_SIZE, COL_RSS, COL_THP, COL_MTHP, COL_HUGETLB,
	COL_BASE, COL_HUGE_PCT, COL_RANGES, COL_PMD, COL_PTE, COL_COLLAPSIBLE,
	COL_SPLIT, COL_FLAGS, COL_NAME, COL_REASONS,
};

static const struct cli_column thp_columns[] = {
	[COL_START]	= { "START", 14, SCOLS_FL_RIGHT, "first address" },
	[COL_END]	= { "END", 14, SCOLS_FL_RIGHT, "end address (exclusive)" },
	[COL_SIZE]	= { "SIZE", 6, SCOLS_FL_RIGHT, "virtual size" },
	[COL_RSS]	= { "RSS", 6, SCOLS_FL_RIGHT, "resident (not the zero page)" },
	[COL_THP]	= { "THP", 6, SCOLS_FL_RIGHT, "in PMD-mapped transparent huge pages" },
	[COL_MTHP]	= { "MTHP", 6, SCOLS_FL_RIGHT, "in large folios mapped by PTEs (mTHP, split THP)" },
	[COL_HUGETLB]	= { "HUGETLB", 6, SCOLS_FL_RIGHT, "in hugetlb pages" },
	[COL_BASE]	= { "BASE", 6, SCOLS_FL_RIGHT, "in base (4 KiB) pages" },
	[COL_HUGE_PCT]	= { "HUGE%", 5, SCOLS_FL_RIGHT, "share of RSS in huge pages (THP + MTHP + HUGETLB)" },
	[COL_RANGES]	= { "RANGES", 4, SCOLS_FL_RIGHT, "2 MiB-aligned 2 MiB ranges inside" },
	[COL_PMD]	= { "PMD", 4, SCOLS_FL_RIGHT, "of RANGES, mapped by a huge PMD" },
	[COL_PTE]	= { "PTE", 4, SCOLS_FL_RIGHT, "of RANGES, mapped through a PTE table" },
	[COL_COLLAPSIBLE] = { "COLLAPSIBLE", 4, SCOLS_FL_RIGHT, "of PTE, khugepaged could collapse (max_ptes_none)" },
	[COL_SPLIT]	= { "SPLIT", 4, SCOLS_FL_RIGHT, "PTE tables mapping part of a PMD-sized folio" },
	[COL_FLAGS]	= { "FLAGS", 12, SCOLS_FL_WRAP, "mapping flags (hugepage, nohugepage, shmem...)" },
	[COL_NAME]	= { "NAME", 16, SCOLS_FL_TRUNC, "file name, [heap], [stack]..., empty for anonymous" },
	[COL_REASONS]	= { "REASONS", 20, SCOLS_FL_WRAP, "why not (all) in PMD-mapped huge pages" },
};

static const int thp_default_columns[] = {
	COL_START, COL_SIZE, COL_RSS, COL_THP, COL_MTHP, COL_HUGETLB,
	COL_HUGE_PCT, COL_NAME, COL_REASONS,
};

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
	uint64_t ranges[6];		/* 2m, pmd, pte, pte_full, collapsible, split */
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

static void thp_cell(struct thp_view *tv, struct libscols_line *ln, int col,
		     int idx, const struct ptscope_vma *v,
		     const struct thp_bytes *b, const char *total)
{
	char buf[1024];

	buf[0] = 0;
	switch (col) {
	case COL_START:
		snprintf(buf, sizeof(buf), v ? "%#" PRIx64 : "total",
			 v ? (uint64_t)v->start : 0);
		break;
	case COL_END:
		if (v)
			snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)v->end);
		break;
	case COL_SIZE:
		if (v)
			cli_size(buf, sizeof(buf), v->end - v->start);
		break;
	case COL_RSS:
		cli_size(buf, sizeof(buf), b->rss);
		break;
	case COL_THP:
		cli_size(buf, sizeof(buf), b->pmd);
		break;
	case COL_MTHP:
		cli_size(buf, sizeof(buf), b->large);
		break;
	case COL_HUGETLB:
		cli_size(buf, sizeof(buf), b->hugetlb);
		break;
	case COL_BASE:
		cli_size(buf, sizeof(buf), b->base);
		break;
	case COL_HUGE_PCT:
		if (b->rss)
			snprintf(buf, sizeof(buf), "%u%%",
				 pct(b->pmd + b->large + b->hugetlb, b->rss));
		else
			snprintf(buf, sizeof(buf), "-");
		break;
	case COL_RANGES:
		snprintf(buf, sizeof(buf), "%" PRIu64, v ? (uint64_t)v->ranges_2m : tv->ranges[0]);
		break;
	case COL_PMD:
		snprintf(buf, sizeof(buf), "%" PRIu64, v ? (uint64_t)v->ranges_pmd : tv->ranges[1]);
		break;
	case COL_PTE:
		snprintf(buf, sizeof(buf), "%" PRIu64, v ? (uint64_t)v->ranges_pte : tv->ranges[2]);
		break;
	case COL_COLLAPSIBLE:
		snprintf(buf, sizeof(buf), "%" PRIu64,
			 v ? (uint64_t)v->ranges_collapsible : tv->ranges[4]);
		break;
	case COL_SPLIT:
		snprintf(buf, sizeof(buf), "%" PRIu64, v ? (uint64_t)v->ranges_split : tv->ranges[5]);
		break;
	case COL_FLAGS:
		if (v)
			format_vma_flags(buf, sizeof(buf), v->flags);
		break;
	case COL_NAME:
		snprintf(buf, sizeof(buf), "%s", v ? cli_short_name(v->name) : total);
		break;
	case COL_REASONS:
		if (v)
			reasons_text(buf, sizeof(buf),
				     thp_reasons(v, tv->mm_flags, &tv->set));
		break;
	}
	scols_line_set_data(ln, idx, buf);
}

static void json_bytes(struct json *j, const struct ptscope_page_counts *c,
		       const struct thp_bytes *b, uint64_t page_size,
		       const uint64_t *large_by_order, const uint64_t *hugetlb_by_size)
{
	char key[32];
	int i;

	json_open(j, "bytes", '{');
	json_u64(j, "rss", b->rss);
	json_u64(j, "thp_pmd", b->pmd);
	json_u64(j, "large_pte", b->large);
	json_open(j, "large_pte_by_size", '{');
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++) {
		uint64_t n = c ? c->large_pte[i] * PAGE : large_by_order[i];

		if (!n)
			continue;
		snprintf(key, sizeof(key), "%llu", (PAGE << i) / 1024ULL);
		strcat(key, "kB");
		json_u64(j, key, n);
	}
	json_close(j, '}');
	json_u64(j, "hugetlb", b->hugetlb);
	json_open(j, "hugetlb_by_size", '{');
	if (c && b->hugetlb) {
		snprintf(key, sizeof(key), "%llukB", (unsigned long long)page_size / 1024);
		json_u64(j, key, b->hugetlb);
	} else if (!c) {
		if (hugetlb_by_size[0])
			json_u64(j, "2048kB", hugetlb_by_size[0]);
		if (hugetlb_by_size[1])
			json_u64(j, "1048576kB", hugetlb_by_size[1]);
	}
	json_close(j, '}');
	json_u64(j, "base", b->base);
	json_close(j, '}');
	json_u64(j, "huge_percent", pct(b->pmd + b->large + b->hugetlb, b->rss));
}

static void thp_json_vma(struct thp_view *tv, const struct ptscope_vma *v)
{
	struct json *j = &tv->json;
	struct thp_bytes b;
	uint64_t r;
	char p[8];
	size_t i;
	int k;

	thp_bytes(&v->pages, &b);
	format_perms(p, v->flags);
	json_open(j, NULL, '{');
	json_u64(j, "start", v->start);
	json_u64(j, "end", v->end);
	json_str(j, "perms", p);
	json_str(j, "name", v->name);
	json_open(j, "flags", '[');
	for (i = 0; i < nr_vma_flag_names; i++)
		if (v->flags & vma_flag_names[i].bit)
			json_str(j, NULL, vma_flag_names[i].name);
	json_close(j, ']');
	json_bytes(j, &v->pages, &b, v->page_size, NULL, NULL);
	json_open(j, "ranges_2m", '{');
	json_u64(j, "total", v->ranges_2m);
	json_u64(j, "pmd", v->ranges_pmd);
	json_u64(j, "pte", v->ranges_pte);
	json_u64(j, "pte_full", v->ranges_pte_full);
	json_u64(j, "collapsible", v->ranges_collapsible);
	json_u64(j, "split", v->ranges_split);
	json_close(j, '}');
	json_bool(j, "candidate", thp_candidate(v));
	r = thp_reasons(v, tv->mm_flags, &tv->set);
	json_open(j, "reasons", '[');
	for (k = 0; k < THP_R_COUNT; k++)
		if (r >> k & 1)
			json_str(j, NULL, thp_reason_names[k]);
	json_close(j, ']');
	json_close(j, '}');
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
	struct thp_bytes b;
	int i;

	thp_bytes(&v->pages, &b);
	tv->tot.pmd += b.pmd;
	tv->tot.large += b.large;
	tv->tot.hugetlb += b.hugetlb;
	tv->tot.base += b.base;
	tv->tot.rss += b.rss;
	if (b.hugetlb)
		tv->hugetlb_by_size[v->page_size > (2ULL << 20)] += b.hugetlb;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		tv->large_by_order[i] += v->pages.large_pte[i] * PAGE;
	tv->ranges[0] += v->ranges_2m;
	tv->ranges[1] += v->ranges_pmd;
	tv->ranges[2] += v->ranges_pte;
	tv->ranges[3] += v->ranges_pte_full;
	tv->ranges[4] += v->ranges_collapsible;
	tv->ranges[5] += v->ranges_split;
	tv->reasons_seen |= thp_reasons(v, tv->mm_flags, &tv->set);
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
	cli_columns_help(f, thp_columns, ARRAY_SIZE(thp_columns));
	fprintf(f, "\nReasons:\n");
	for (i = 0; i < THP_R_COUNT; i++)
		fprintf(f, "  %-22s %s\n", thp_reason_names[i], thp_reason_help[i]);
}

static int thp_finish(struct thp_view *tv)
{
	struct libscols_line *ln;
	char total[64], a[32], b[32];
	size_t i, k;
	int ret;

	for (i = 0; i < tv->vmas.nr; i++)
		thp_add_totals(tv, &tv->vmas.v[i]);
	if (opts.json) {
		cli_json_records(&tv->json, &tv->started, tv->pid, "vmas");
		for (i = 0; i < tv->vmas.nr; i++)
			thp_json_vma(tv, &tv->vmas.v[i]);
		json_close(&tv->json, ']');
		thp_json_settings(&tv->json, &tv->set, tv->mm_flags);
		json_open(&tv->json, "totals", '{');
		json_u64(&tv->json, "vmas", tv->vmas.nr);
		json_bytes(&tv->json, NULL, &tv->tot, 0, tv->large_by_order,
			   tv->hugetlb_by_size);
		json_open(&tv->json, "ranges_2m", '{');
		json_u64(&tv->json, "total", tv->ranges[0]);
		json_u64(&tv->json, "pmd", tv->ranges[1]);
		json_u64(&tv->json, "pte", tv->ranges[2]);
		json_u64(&tv->json, "pte_full", tv->ranges[3]);
		json_u64(&tv->json, "collapsible", tv->ranges[4]);
		json_u64(&tv->json, "split", tv->ranges[5]);
		json_close(&tv->json, '}');
		json_close(&tv->json, '}');
		json_close(&tv->json, '}');
		return 0;
	}

	for (i = 0; i < tv->vmas.nr; i++) {
		struct thp_bytes bb;

		ln = scols_table_new_line(tv->tb, NULL);
		if (!ln)
			return -ENOMEM;
		thp_bytes(&tv->vmas.v[i].pages, &bb);
		for (k = 0; k < tv->cols.nr; k++)
			thp_cell(tv, ln, tv->cols.ids[k], k, &tv->vmas.v[i], &bb, NULL);
	}
	snprintf(total, sizeof(total), "(%zu mappings)", tv->vmas.nr);
	ln = scols_table_new_line(tv->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (k = 0; k < tv->cols.nr; k++)
		thp_cell(tv, ln, tv->cols.ids[k], k, NULL, &tv->tot, total);
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

	ret = cli_pid_and_range(argc, argv, thp_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (cli_columns_select(&tv.cols, thp_columns, ARRAY_SIZE(thp_columns),
			       thp_default_columns, ARRAY_SIZE(thp_default_columns)))
		return 2;
	ps = cli_open();
	if (!ps)
		return 1;
	if (!(ptscope_module_version(ps)->features & PTSCOPE_FEAT_MAPS_POLICY)) {
		cli_close(ps);
		return cli_error("the module is too old for 'thp' (it needs ABI 1.2): load a newer ptscope.ko");
	}
	tv.pid = pid;
	thp_settings_read(&tv.set, THP_SYSFS);
	max_none = tv.set.max_ptes_none >= 0 && tv.set.max_ptes_none <= PTSCOPE_COLLAPSE_MAX_NONE ?
		   (uint64_t)tv.set.max_ptes_none : PTSCOPE_COLLAPSE_MAX_NONE;
	if (!opts.json) {
		tv.tb = cli_table_new(&tv.cols, thp_columns);
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
