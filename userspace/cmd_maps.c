// SPDX-License-Identifier: GPL-2.0
/* ptscope maps PID [START[-END]]: each mapping, counted from its page tables. */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "heatmap.h"
#include "json.h"
#include "sample.h"

#define PAGE 4096ULL

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_OFFSET, COL_RSS,
	COL_SWAP, COL_DIRTY, COL_ANON, COL_FILE, COL_SHMEM, COL_ZERO, COL_KSM,
	COL_SHARED, COL_COW, COL_EXCL, COL_THP, COL_LARGE, COL_HUGETLB,
	COL_SOFTDIRTY, COL_PROTNONE, COL_NODES, COL_PT, COL_PTE_TABLES,
	COL_FLAGS, COL_NAME, COL_PATH,
};

static const struct cli_column maps_columns[] = {
	[COL_START]	= { "START", 14, SCOLS_FL_RIGHT, "first address" },
	[COL_END]	= { "END", 14, SCOLS_FL_RIGHT, "end address (exclusive)" },
	[COL_SIZE]	= { "SIZE", 6, SCOLS_FL_RIGHT, "virtual size" },
	[COL_PERMS]	= { "PERMS", 4, 0, "rwx and s(hared)/p(rivate), as /proc/PID/maps" },
	[COL_OFFSET]	= { "OFFSET", 8, SCOLS_FL_RIGHT, "offset in the file" },
	[COL_RSS]	= { "RSS", 6, SCOLS_FL_RIGHT, "present: mapped to a frame" },
	[COL_SWAP]	= { "SWAP", 6, SCOLS_FL_RIGHT, "swapped out" },
	[COL_DIRTY]	= { "DIRTY", 6, SCOLS_FL_RIGHT, "present and dirty" },
	[COL_ANON]	= { "ANON", 6, SCOLS_FL_RIGHT, "anonymous" },
	[COL_FILE]	= { "FILE", 6, SCOLS_FL_RIGHT, "file page cache" },
	[COL_SHMEM]	= { "SHMEM", 6, SCOLS_FL_RIGHT, "shmem/tmpfs" },
	[COL_ZERO]	= { "ZERO", 6, SCOLS_FL_RIGHT, "the shared zero page" },
	[COL_KSM]	= { "KSM", 6, SCOLS_FL_RIGHT, "merged by KSM" },
	[COL_SHARED]	= { "SHARED", 6, SCOLS_FL_RIGHT, "mapped more than once" },
	[COL_COW]	= { "COW", 6, SCOLS_FL_RIGHT, "anonymous, shared after fork until written" },
	[COL_EXCL]	= { "EXCL", 6, SCOLS_FL_RIGHT, "anonymous, exclusive (no copy on write)" },
	[COL_THP]	= { "THP", 6, SCOLS_FL_RIGHT, "in PMD-mapped transparent huge pages" },
	[COL_LARGE]	= { "LARGE", 6, SCOLS_FL_RIGHT, "in large folios mapped by PTEs (mTHP)" },
	[COL_HUGETLB]	= { "HUGETLB", 6, SCOLS_FL_RIGHT, "in hugetlb pages" },
	[COL_SOFTDIRTY]	= { "SOFTDIRTY", 6, SCOLS_FL_RIGHT, "soft-dirty entries" },
	[COL_PROTNONE]	= { "PROTNONE", 6, SCOLS_FL_RIGHT, "PROT_NONE or NUMA-hinting entries" },
	[COL_NODES]	= { "NODES", 10, 0, "present memory per NUMA node" },
	[COL_PT]	= { "PT", 6, SCOLS_FL_RIGHT, "page-table memory: PTE (incl. deposited), PMD and PUD tables" },
	[COL_PTE_TABLES] = { "PTE_TABLES", 4, SCOLS_FL_RIGHT, "PTE tables" },
	[COL_FLAGS]	= { "FLAGS", 12, SCOLS_FL_WRAP, "mapping flags (hugepage, locked, mergeable...)" },
	[COL_NAME]	= { "NAME", 20, SCOLS_FL_TRUNC, "file name (as pmap), [heap], [stack], [vdso]..., empty for anonymous" },
	[COL_PATH]	= { "PATH", 30, SCOLS_FL_TRUNC, "NAME with the file's whole path" },
};

/* What fits in 80 columns; -o adds the rest. */
static const int maps_default_columns[] = {
	COL_START, COL_SIZE, COL_PERMS, COL_RSS, COL_SWAP, COL_ANON, COL_COW,
	COL_THP, COL_NAME,
};

struct maps_view {
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	uint64_t pid;
	bool started;
};

static void maps_json_start(struct maps_view *v)
{
	cli_json_records(&v->json, &v->started, v->pid, "vmas");
}

static uint64_t large_pte_pages(const struct ptscope_page_counts *c)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		n += c->large_pte[i];
	return n;
}

static uint64_t table_bytes(const struct ptscope_table_counts *t)
{
	return (t->pte + t->pte_deposited + t->pmd + t->pud) * PAGE;
}

static void nodes_cell(char *buf, size_t len, const struct ptscope_page_counts *c)
{
	char sz[32];
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (!c->node[i])
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%d:%s",
				 used ? " " : "", i, cli_size(sz, sizeof(sz), c->node[i] * PAGE));
	}
	if (c->node_other)
		used += snprintf(buf + used, used < len ? len - used : 0, "%sother:%s",
				 used ? " " : "", cli_size(sz, sizeof(sz), c->node_other * PAGE));
	if (!used)
		snprintf(buf, len, "-");
}

/*
 * The values a sample estimates, each with its own between-window variance:
 * the page counts (struct ptscope_page_counts as an array), the table
 * counts, and the sums that columns show (a sum's error is not the sum of
 * its terms' errors).
 */
#define NPC (sizeof(struct ptscope_page_counts) / 8)
enum {
	V_PTE = NPC, V_PMD, V_PUD, V_PTE_ENTRIES, V_PTE_DEPOSITED,
	V_LARGE, V_HUGETLB, V_PT, NV
};
#define V_COUNT(f) (offsetof(struct ptscope_page_counts, f) / 8)

/* The value a column shows, or -1. */
static int column_value(int col)
{
	switch (col) {
	case COL_RSS: return V_COUNT(present);
	case COL_SWAP: return V_COUNT(swapped);
	case COL_DIRTY: return V_COUNT(dirty);
	case COL_ANON: return V_COUNT(anon);
	case COL_FILE: return V_COUNT(file);
	case COL_SHMEM: return V_COUNT(shmem);
	case COL_ZERO: return V_COUNT(zero);
	case COL_KSM: return V_COUNT(ksm);
	case COL_SHARED: return V_COUNT(shared);
	case COL_COW: return V_COUNT(cow_shared);
	case COL_EXCL: return V_COUNT(anon_exclusive);
	case COL_THP: return V_COUNT(thp_pmd);
	case COL_LARGE: return V_LARGE;
	case COL_HUGETLB: return V_HUGETLB;
	case COL_SOFTDIRTY: return V_COUNT(soft_dirty);
	case COL_PROTNONE: return V_COUNT(protnone);
	case COL_PT: return V_PT;
	case COL_PTE_TABLES: return V_PTE;
	}
	return -1;
}

/* Append " ±E" (E = 1.96 SE, in the column's unit) to an estimated cell. */
static void cell_error(char *buf, size_t len, int col, const double *se)
{
	int k = column_value(col);
	size_t used = strlen(buf);
	char sz[32];
	double e;

	if (k < 0 || se[k] <= 0)
		return;
	e = ceil(SAMPLE_Z95 * se[k]);
	if (col == COL_PTE_TABLES)
		snprintf(buf + used, len - used, "±%.0f", e);
	else
		snprintf(buf + used, len - used, "±%s",
			 cli_size(sz, sizeof(sz), (uint64_t)e * PAGE));
}

/* A cell of a VMA row, or of the total row when @v is NULL. */
static void maps_cell(struct libscols_line *ln, int col, int idx,
		      const struct ptscope_vma *v,
		      const struct ptscope_page_counts *c,
		      const struct ptscope_table_counts *t, const char *total,
		      const double *se)
{
	char buf[1024];

	buf[0] = 0;
	switch (col) {
	case COL_START:
		if (v)
			snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)v->start);
		else
			snprintf(buf, sizeof(buf), "total");
		break;
	case COL_END:
		if (v)
			snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)v->end);
		break;
	case COL_SIZE:
		if (v)
			cli_size(buf, sizeof(buf), v->end - v->start);
		break;
	case COL_PERMS:
		if (v)
			format_perms(buf, v->flags);
		break;
	case COL_OFFSET:
		if (v)
			snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)v->pgoff);
		break;
	case COL_RSS:
		cli_size(buf, sizeof(buf), c->present * PAGE);
		break;
	case COL_SWAP:
		cli_size(buf, sizeof(buf), c->swapped * PAGE);
		break;
	case COL_DIRTY:
		cli_size(buf, sizeof(buf), c->dirty * PAGE);
		break;
	case COL_ANON:
		cli_size(buf, sizeof(buf), c->anon * PAGE);
		break;
	case COL_FILE:
		cli_size(buf, sizeof(buf), c->file * PAGE);
		break;
	case COL_SHMEM:
		cli_size(buf, sizeof(buf), c->shmem * PAGE);
		break;
	case COL_ZERO:
		cli_size(buf, sizeof(buf), c->zero * PAGE);
		break;
	case COL_KSM:
		cli_size(buf, sizeof(buf), c->ksm * PAGE);
		break;
	case COL_SHARED:
		cli_size(buf, sizeof(buf), c->shared * PAGE);
		break;
	case COL_COW:
		cli_size(buf, sizeof(buf), c->cow_shared * PAGE);
		break;
	case COL_EXCL:
		cli_size(buf, sizeof(buf), c->anon_exclusive * PAGE);
		break;
	case COL_THP:
		cli_size(buf, sizeof(buf), c->thp_pmd * PAGE);
		break;
	case COL_LARGE:
		cli_size(buf, sizeof(buf), large_pte_pages(c) * PAGE);
		break;
	case COL_HUGETLB:
		cli_size(buf, sizeof(buf), (c->hugetlb_pmd + c->hugetlb_pud) * PAGE);
		break;
	case COL_SOFTDIRTY:
		cli_size(buf, sizeof(buf), c->soft_dirty * PAGE);
		break;
	case COL_PROTNONE:
		cli_size(buf, sizeof(buf), c->protnone * PAGE);
		break;
	case COL_NODES:
		nodes_cell(buf, sizeof(buf), c);
		break;
	case COL_PT:
		cli_size(buf, sizeof(buf), table_bytes(t));
		break;
	case COL_PTE_TABLES:
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)t->pte);
		break;
	case COL_FLAGS:
		/* READ, WRITE, EXEC and SHARED are in PERMS already. */
		if (v)
			format_flag_names(buf, sizeof(buf), v->flags &
					  ~(uint64_t)(PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE |
						      PTSCOPE_VMA_EXEC | PTSCOPE_VMA_SHARED),
					  vma_flag_names, nr_vma_flag_names);
		break;
	case COL_NAME:
		snprintf(buf, sizeof(buf), "%s", v ? cli_short_name(v->name) : total);
		break;
	case COL_PATH:
		snprintf(buf, sizeof(buf), "%s", v ? v->name : total);
		break;
	}
	if (se)
		cell_error(buf, sizeof(buf), col, se);
	scols_line_set_data(ln, idx, buf);
}

static void json_counts(struct json *j, const struct ptscope_page_counts *c,
			const struct ptscope_table_counts *t)
{
	char key[16];
	int i;

	json_open(j, "pages", '{');
#define COUNT(f) json_u64(j, #f, c->f);
	PTSCOPE_COUNTS_FOREACH(COUNT)
#undef COUNT
	json_u64(j, "hugetlb", c->hugetlb_pmd + c->hugetlb_pud);
	json_open(j, "large_pte", '{');
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++) {
		if (!c->large_pte[i])
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_u64(j, key, c->large_pte[i]);
	}
	json_close(j, '}');
	json_close(j, '}');

	json_open(j, "nodes", '{');
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (!c->node[i])
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_u64(j, key, c->node[i]);
	}
	if (c->node_other)
		json_u64(j, "other", c->node_other);
	json_close(j, '}');

	json_open(j, "pt_pages", '{');
	json_u64(j, "pte", t->pte);
	json_u64(j, "pmd", t->pmd);
	json_u64(j, "pud", t->pud);
	json_u64(j, "pte_entries", t->pte_entries);
	json_u64(j, "pte_deposited", t->pte_deposited);
	json_close(j, '}');
}

static void maps_json(struct json *j, const struct ptscope_vma *v)
{
	char p[8];
	size_t i;

	format_perms(p, v->flags);
	json_open(j, NULL, '{');
	json_u64(j, "start", v->start);
	json_u64(j, "end", v->end);
	json_str(j, "perms", p);
	json_str(j, "name", v->name);
	json_u64(j, "offset", v->pgoff);
	json_u64(j, "inode", v->inode);
	json_u64(j, "dev_major", v->dev_major);
	json_u64(j, "dev_minor", v->dev_minor);
	json_u64(j, "page_size", v->page_size);
	json_open(j, "flags", '[');
	for (i = 0; i < nr_vma_flag_names; i++)
		if (v->flags & vma_flag_names[i].bit)
			json_str(j, NULL, vma_flag_names[i].name);
	json_close(j, ']');
	json_counts(j, &v->pages, &v->tables);
	json_close(j, '}');
}

static int maps_record(const struct ptscope_vma *r, void *arg)
{
	struct maps_view *v = arg;
	struct libscols_line *ln;
	size_t i;

	if (opts.json) {
		maps_json_start(v);
		maps_json(&v->json, r);
		return 0;
	}
	ln = scols_table_new_line(v->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (i = 0; i < v->cols.nr; i++)
		maps_cell(ln, v->cols.ids[i], i, r, &r->pages, &r->tables, NULL, NULL);
	return 0;
}

static void maps_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope maps PID [START[-END] | START+LENGTH]\n"
		   "       ptscope maps PID [RANGE] --heatmap [--by state|node] [--width N]\n"
		   "       ptscope maps PID [RANGE] --sample F | --budget TIME [--seed N]\n\n"
		   "Show each mapping of process PID with what its page tables\n"
		   "hold: resident, swapped, anonymous, file, shared after fork,\n"
		   "huge pages, NUMA nodes and the page tables' own size, from one\n"
		   "walk; a total row, the process's fault counts and VmPTE follow.\n\n"
		   "Options:\n"
		   "      --heatmap         draw each mapping as a strip of cells, each\n"
		   "                        the state most of its pages are in:\n"
		   "                        . not present  p present  d dirty  s swapped\n"
		   "                        c COW-shared  T THP  H hugetlb  x other entry\n"
		   "      --by state|node   what a cell shows; by node: the NUMA node\n"
		   "                        (0-9, a-z, + above 35) of its present pages,\n"
		   "                        . not present, s swapped, x other or no node\n"
		   "      --width N         cells per strip (default: the terminal's\n"
		   "                        width, else $COLUMNS, else 80)\n"
		   "      --sample F        estimate instead of walking everything: walk\n"
		   "                        a random fraction F (1/N, 0.05 or 5%%) of each\n"
		   "                        mapping's 2 MiB windows; counts become\n"
		   "                        estimates with a 95%% error (± 1.96 SE)\n"
		   "      --budget TIME     the same, walking random windows until TIME\n"
		   "                        (200ms, 2s, unlimited) is spent\n"
		   "      --seed N          the random seed, to repeat a sample\n\n");
	cli_columns_help(f, maps_columns, ARRAY_SIZE(maps_columns));
	cli_flags_help(f, vma_flag_names, nr_vma_flag_names);
}

static struct {
	bool heatmap;
	enum heat_by by;
	unsigned int width;	/* 0: the terminal's */
	const char *set;	/* a heatmap option given, for the error */
	bool sample;		/* --sample */
	double fraction;
	bool budget;		/* --budget */
	uint64_t budget_ns;	/* UINT64_MAX: unlimited */
	bool seeded;		/* --seed */
	uint64_t seed;
} margs;

enum { OPT_HEATMAP = CLI_OPT_BASE, OPT_BY, OPT_WIDTH, OPT_SAMPLE, OPT_BUDGET,
       OPT_SEED };

const struct option cmd_maps_options[] = {
	{ "heatmap",	no_argument,		NULL, OPT_HEATMAP },
	{ "by",		required_argument,	NULL, OPT_BY },
	{ "width",	required_argument,	NULL, OPT_WIDTH },
	{ "sample",	required_argument,	NULL, OPT_SAMPLE },
	{ "budget",	required_argument,	NULL, OPT_BUDGET },
	{ "seed",	required_argument,	NULL, OPT_SEED },
	{ NULL }
};

int cmd_maps_option(int val, const char *arg)
{
	char *end;
	long n;

	switch (val) {
	case OPT_HEATMAP:
		margs.heatmap = true;
		return 0;
	case OPT_BY:
		margs.set = "--by";
		if (!strcmp(arg, "state"))
			margs.by = HEAT_BY_STATE;
		else if (!strcmp(arg, "node"))
			margs.by = HEAT_BY_NODE;
		else
			return cli_error("--by takes state or node, not '%s'", arg) + 1;
		return 0;
	case OPT_WIDTH:
		margs.set = "--width";
		n = strtol(arg, &end, 10);
		if (*end || n < 8 || n > 4096)
			return cli_error("--width takes a number of cells from 8 to 4096, not '%s'",
					 arg) + 1;
		margs.width = n;
		return 0;
	case OPT_SAMPLE:
		if (sample_parse_fraction(arg, &margs.fraction))
			return cli_error("--sample takes the fraction of each mapping's 2 MiB windows "
					 "to walk: 1/N, a decimal in (0, 1] or a percentage, not '%s'",
					 arg) + 1;
		margs.sample = true;
		return 0;
	case OPT_BUDGET:
		if (sample_parse_budget(arg, &margs.budget_ns))
			return cli_error("--budget takes a time such as 200ms, 1.5s or 500us "
					 "(1us to 24h), or unlimited, not '%s'", arg) + 1;
		margs.budget = true;
		return 0;
	case OPT_SEED:
		errno = 0;
		margs.seed = strtoull(arg, &end, 0);
		if (errno || !*arg || *end || *arg == '-')
			return cli_error("--seed takes an unsigned number, not '%s'", arg) + 1;
		margs.seeded = true;
		return 0;
	}
	return 2;
}

static int maps_finish(struct maps_view *v, const struct ptscope_maps_totals *tot,
		       const struct ptscope_stats *st)
{
	struct libscols_line *ln;
	char total[64], sz[32];
	size_t i;

	if (opts.json) {
		maps_json_start(v);
		json_close(&v->json, ']');
		json_open(&v->json, "totals", '{');
		json_u64(&v->json, "vmas", tot->nr_vmas);
		json_counts(&v->json, &tot->pages, &tot->tables);
		json_close(&v->json, '}');
		json_open(&v->json, "faults", '{');
		json_u64(&v->json, "minor", st->min_flt);
		json_u64(&v->json, "major", st->maj_flt);
		json_close(&v->json, '}');
		json_open(&v->json, "rss", '{');
		json_u64(&v->json, "anon", st->rss_anon * PAGE);
		json_u64(&v->json, "file", st->rss_file * PAGE);
		json_u64(&v->json, "shmem", st->rss_shmem * PAGE);
		json_u64(&v->json, "swap", st->swap_ents * PAGE);
		json_close(&v->json, '}');
		json_u64(&v->json, "vm_pte_bytes", st->pgtables_bytes);
		json_bool(&v->json, "access_hidden",
			  tot->mm_flags & PTSCOPE_MM_ACCESS_HIDDEN);
		json_close(&v->json, '}');
		return 0;
	}
	snprintf(total, sizeof(total), "(%" PRIu64 " mappings)", tot->nr_vmas);
	ln = scols_table_new_line(v->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (i = 0; i < v->cols.nr; i++)
		maps_cell(ln, v->cols.ids[i], i, NULL, &tot->pages, &tot->tables,
			  total, NULL);
	scols_print_table(v->tb);
	if (!opts.raw && !opts.noheadings)
		printf("faults: %" PRIu64 " minor, %" PRIu64 " major; page tables (VmPTE): %s\n",
		       (uint64_t)st->min_flt, (uint64_t)st->maj_flt,
		       format_size(sz, sizeof(sz), st->pgtables_bytes));
	if (tot->mm_flags & PTSCOPE_MM_ACCESS_HIDDEN)
		fprintf(stderr, "ptscope: DIRTY, KSM and PROTNONE show 0: you may read this process's "
			"pagemap but not ptrace-attach to it (docs/security.md)\n");
	return 0;
}

/* --- --sample and --budget: estimates from 2 MiB windows (sample.h) --- */

/* One mapping of the sample: a stratum. */
struct sampled_vma {
	uint64_t start, end;
	uint64_t windows;		/* N: its 2 MiB windows */
	uint64_t walked;		/* n: windows walked */
	bool whole;			/* walked whole in one query: exact */
	bool have_meta;
	struct ptscope_vma meta;	/* the description of its first record */
	struct sample_stratum st;
	struct sample_perm perm;
	double tot_tables[NV];		/* whole: its tables, each once */
	double est[NV], se[NV];
};

struct sampled {
	struct sampled_vma *vmas;
	size_t nr;
	uint64_t seed;
	uint64_t windows, walked, pages_walked, calls;
	uint64_t budget_ns, elapsed_ns;	/* UINT64_MAX: none */
	double est[NV], se[NV];
};

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
	uint64_t ws, we;
	double y[NV];
	int ret;

	sample_window(sv->start, sv->end, sample_perm_at(&sv->perm, j), &ws, &we);
	ret = ptscope_maps(ps, pid, ws, we, window_record, &a, NULL);
	if (ret)
		return ret;
	S->calls++;
	/* A hugetlb page may be larger than a window: walk those whole. */
	if (sv->have_meta && (sv->meta.flags & PTSCOPE_VMA_HUGETLB))
		return walk_whole(ps, pid, S, sv - S->vmas, sv - S->vmas + 1);
	window_values(sv, &a, ws, false, y);
	sample_stratum_add(&sv->st, y);
	sv->walked++;
	return 0;
}

/* The mappings of @pid overlapping [start, end), cut to it, from /proc/PID/maps. */
static int sampled_layout(struct sampled *S, uint64_t pid, uint64_t start, uint64_t end)
{
	unsigned long long s, e;
	struct sampled_vma *bigger;
	char path[64], line[4096];
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &s, &e) != 2 || e <= start || s >= end)
			continue;
		if (S->nr == cap) {
			cap = cap ? 2 * cap : 64;
			bigger = realloc(S->vmas, cap * sizeof(*bigger));
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			S->vmas = bigger;
		}
		memset(&S->vmas[S->nr], 0, sizeof(S->vmas[0]));
		S->vmas[S->nr].start = s < start ? start : s;
		S->vmas[S->nr].end = e > end ? end : e;
		S->nr++;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The windows of @sv walked first: all of them means the mapping is walked whole. */
static uint64_t first_windows(const struct sampled_vma *sv)
{
	return margs.budget ? 2 : sample_quota(sv->windows, margs.fraction);
}

/*
 * The sample: with a fraction, sample_quota() windows of each mapping (all
 * of a small one, walked whole); with a budget, two windows of each (or all
 * of one with two or fewer) however long that takes, then windows in
 * sample_sched order until the time is spent.
 */
static int sampled_walk(struct ptscope *ps, uint64_t pid, uint64_t start,
			uint64_t end, struct sampled *S)
{
	struct sample_sched q = { 0 };
	uint64_t t0 = now_ns(), *nwin = NULL, *nwalked = NULL, j, seed, n;
	struct sampled_vma *sv;
	size_t h, k;
	double e, var;
	int ret;

	ret = sampled_layout(S, pid, start, end);
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
		n = first_windows(sv);
		if (n >= sv->windows) {
			/* With the mappings after it that are walked whole too. */
			for (k = h + 1; k < S->nr; k++)
				if (first_windows(&S->vmas[k]) < S->vmas[k].windows)
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
	if (margs.budget && now_ns() - t0 < S->budget_ns) {
		nwin = calloc(S->nr + 1, sizeof(*nwin));
		nwalked = calloc(S->nr + 1, sizeof(*nwalked));
		ret = nwin && nwalked ? 0 : -ENOMEM;
		for (h = 0; !ret && h < S->nr; h++) {
			nwin[h] = S->vmas[h].windows;
			nwalked[h] = S->vmas[h].walked;
		}
		if (!ret)
			ret = sample_sched_init(&q, S->nr, nwin, nwalked, sample_rng_next(&seed));
		while (!ret && now_ns() - t0 < S->budget_ns && sample_sched_next(&q, &h, &j))
			if (!S->vmas[h].whole)
				ret = walk_window(ps, pid, S, &S->vmas[h], j);
		sample_sched_free(&q);
		free(nwin);
		free(nwalked);
		if (ret)
			return ret;
	}
	S->elapsed_ns = now_ns() - t0;

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

static void sampled_free(struct sampled *S)
{
	size_t h;

	for (h = 0; h < S->nr; h++)
		sample_stratum_free(&S->vmas[h].st);
	free(S->vmas);
}

static uint64_t rounded(double x)
{
	return x > 0 ? (uint64_t)llround(x) : 0;
}

/* Estimates as counts, for the cells. */
static void est_counts(const double *est, struct ptscope_page_counts *c,
		       struct ptscope_table_counts *t)
{
	uint64_t *to = (uint64_t *)c;
	size_t i;

	for (i = 0; i < NPC; i++)
		to[i] = rounded(est[i]);
	t->pte = rounded(est[V_PTE]);
	t->pmd = rounded(est[V_PMD]);
	t->pud = rounded(est[V_PUD]);
	t->pte_entries = rounded(est[V_PTE_ENTRIES]);
	t->pte_deposited = rounded(est[V_PTE_DEPOSITED]);
}

/* {"estimate": E, "stderr": S}, in the value's unit, both rounded (the error up). */
static void json_est(struct json *j, const char *key, const double *est,
		     const double *se, size_t k)
{
	json_open(j, key, '{');
	json_u64(j, "estimate", rounded(est[k]));
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
		if (rounded(est[V_COUNT(large_pte[i])]) == 0)
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_est(j, key, est, se, V_COUNT(large_pte[i]));
	}
	json_close(j, '}');
	json_close(j, '}');

	json_open(j, "nodes", '{');
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (rounded(est[V_COUNT(node[i])]) == 0)
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_est(j, key, est, se, V_COUNT(node[i]));
	}
	if (rounded(est[V_COUNT(node_other)]))
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
	const struct ptscope_vma *v = &sv->meta;
	char p[8];
	size_t i;

	format_perms(p, v->flags);
	json_open(j, NULL, '{');
	json_u64(j, "start", sv->start);
	json_u64(j, "end", sv->end);
	json_str(j, "perms", p);
	json_str(j, "name", v->name);
	json_u64(j, "offset", sampled_offset(sv));
	json_u64(j, "inode", v->inode);
	json_u64(j, "dev_major", v->dev_major);
	json_u64(j, "dev_minor", v->dev_minor);
	json_u64(j, "page_size", v->page_size);
	json_open(j, "flags", '[');
	for (i = 0; i < nr_vma_flag_names; i++)
		if (v->flags & vma_flag_names[i].bit)
			json_str(j, NULL, vma_flag_names[i].name);
	json_close(j, ']');
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
	struct libscols_line *ln;
	struct ptscope_vma row;
	char total[64], sz[4][32];
	size_t h, i, shown = 0;

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
		json_open(&v->json, "faults", '{');
		json_u64(&v->json, "minor", st->min_flt);
		json_u64(&v->json, "major", st->maj_flt);
		json_close(&v->json, '}');
		json_open(&v->json, "rss", '{');
		json_u64(&v->json, "anon", st->rss_anon * PAGE);
		json_u64(&v->json, "file", st->rss_file * PAGE);
		json_u64(&v->json, "shmem", st->rss_shmem * PAGE);
		json_u64(&v->json, "swap", st->swap_ents * PAGE);
		json_close(&v->json, '}');
		json_u64(&v->json, "vm_pte_bytes", st->pgtables_bytes);
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
		est_counts(sv->est, &row.pages, &row.tables);
		ln = scols_table_new_line(v->tb, NULL);
		if (!ln)
			return -ENOMEM;
		for (i = 0; i < v->cols.nr; i++)
			maps_cell(ln, v->cols.ids[i], i, &row, &row.pages, &row.tables,
				  NULL, sv->se);
	}
	est_counts(S->est, &c, &t);
	snprintf(total, sizeof(total), "(%zu mappings)", shown);
	ln = scols_table_new_line(v->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (i = 0; i < v->cols.nr; i++)
		maps_cell(ln, v->cols.ids[i], i, NULL, &c, &t, total, S->se);
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
		printf("faults: %" PRIu64 " minor, %" PRIu64 " major; page tables (VmPTE): %s\n",
		       (uint64_t)st->min_flt, (uint64_t)st->maj_flt,
		       format_size(sz[0], sizeof(sz[0]), st->pgtables_bytes));
		printf("exact, from the mm's counters: RSS %s anon, %s file, %s shmem; swap %s\n",
		       format_size(sz[0], sizeof(sz[0]), st->rss_anon * PAGE),
		       format_size(sz[1], sizeof(sz[1]), st->rss_file * PAGE),
		       format_size(sz[2], sizeof(sz[2]), st->rss_shmem * PAGE),
		       format_size(sz[3], sizeof(sz[3]), st->swap_ents * PAGE));
	}
	return 0;
}

static int maps_sampled(struct ptscope *ps, struct maps_view *v, uint64_t pid,
			uint64_t start, uint64_t end)
{
	struct sampled S = { 0 };
	struct ptscope_stats st;
	int ret;

	S.seed = margs.seeded ? margs.seed : now_ns() ^ ((uint64_t)getpid() << 32);
	S.budget_ns = margs.budget ? margs.budget_ns : UINT64_MAX;
	ret = sampled_walk(ps, pid, start, end, &S);
	if (!ret)
		ret = ptscope_stats(ps, pid, &st, NULL, NULL);
	if (!ret)
		ret = sampled_show(v, &S, &st);
	sampled_free(&S);
	return ret;
}

int cmd_maps(int argc, char **argv)
{
	uint64_t pid, start, end;
	struct ptscope_maps_totals tot;
	struct maps_view v = { 0 };
	struct ptscope_stats st;
	struct ptscope *ps;
	int ret;

	ret = cli_pid_and_range(argc, argv, maps_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (margs.set && !margs.heatmap)
		return cli_error("%s goes with --heatmap", margs.set) + 1;
	if (margs.sample && margs.budget)
		return cli_error("--sample and --budget are two ways to bound the walk: give one") + 1;
	if ((margs.sample || margs.budget) && margs.heatmap)
		return cli_error("--%s does not go with --heatmap",
				 margs.sample ? "sample" : "budget") + 1;
	if (margs.seeded && !margs.sample && !margs.budget)
		return cli_error("--seed goes with --sample or --budget") + 1;
	if (margs.heatmap) {
		ps = cli_open();
		if (!ps)
			return 1;
		ret = heatmap_show(ps, pid, start, end, margs.by,
				   margs.width ? margs.width : heatmap_default_width());
		cli_close(ps);
		if (ret)
			return cli_error("heatmap of %" PRIu64 ": %s", pid,
					 ptscope_strerror(ret));
		return 0;
	}
	if (cli_columns_select(&v.cols, maps_columns, ARRAY_SIZE(maps_columns),
			       maps_default_columns,
			       ARRAY_SIZE(maps_default_columns)))
		return 2;

	ps = cli_open();
	if (!ps)
		return 1;
	v.pid = pid;
	if (!opts.json) {
		v.tb = cli_table_new(&v.cols, maps_columns);
		if (!v.tb) {
			cli_close(ps);
			return cli_error("out of memory");
		}
	}
	if (margs.sample || margs.budget) {
		if (ptscope_is_replay(ps))
			ret = cli_error("--sample and --budget read /proc/%" PRIu64 "/maps: "
					"they need the live process, not a recording", pid);
		else if ((ret = maps_sampled(ps, &v, pid, start, end)))
			ret = cli_error("sampling maps of %" PRIu64 ": %s", pid,
					ptscope_strerror(ret));
		if (v.tb)
			scols_unref_table(v.tb);
		cli_close(ps);
		return ret;
	}
	ret = ptscope_maps(ps, pid, start, end, maps_record, &v, &tot);
	if (!ret)
		ret = ptscope_stats(ps, pid, &st, NULL, NULL);
	if (!ret)
		ret = maps_finish(&v, &tot, &st);
	else if (opts.json && v.started) {
		json_close(&v.json, ']');	/* complete, then the error object */
		json_close(&v.json, '}');
	}
	if (v.tb)
		scols_unref_table(v.tb);
	cli_close(ps);
	if (ret)
		return cli_error("maps of %" PRIu64 ": %s", pid, ptscope_strerror(ret));
	return 0;
}
