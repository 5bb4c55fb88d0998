// SPDX-License-Identifier: GPL-2.0
/* ptscope maps PID [START[-END]]: each mapping, counted from its page tables. */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "heatmap.h"
#include "json.h"

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

/* A cell of a VMA row, or of the total row when @v is NULL. */
static void maps_cell(struct libscols_line *ln, int col, int idx,
		      const struct ptscope_vma *v,
		      const struct ptscope_page_counts *c,
		      const struct ptscope_table_counts *t, const char *total)
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
		if (v && v->name[0] == '/' && strrchr(v->name, '/')[1])
			snprintf(buf, sizeof(buf), "%s", strrchr(v->name, '/') + 1);
		else
			snprintf(buf, sizeof(buf), "%s", v ? v->name : total);
		break;
	case COL_PATH:
		snprintf(buf, sizeof(buf), "%s", v ? v->name : total);
		break;
	}
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
		maps_cell(ln, v->cols.ids[i], i, r, &r->pages, &r->tables, NULL);
	return 0;
}

static void maps_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope maps PID [START[-END] | START+LENGTH]\n"
		   "       ptscope maps PID [RANGE] --heatmap [--by state|node] [--width N]\n\n"
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
		   "                        width, else $COLUMNS, else 80)\n\n");
	cli_columns_help(f, maps_columns, ARRAY_SIZE(maps_columns));
	cli_flags_help(f, vma_flag_names, nr_vma_flag_names);
}

static struct {
	bool heatmap;
	enum heat_by by;
	unsigned int width;	/* 0: the terminal's */
	const char *set;	/* a heatmap option given, for the error */
} margs;

enum { OPT_HEATMAP = CLI_OPT_BASE, OPT_BY, OPT_WIDTH };

const struct option cmd_maps_options[] = {
	{ "heatmap",	no_argument,		NULL, OPT_HEATMAP },
	{ "by",		required_argument,	NULL, OPT_BY },
	{ "width",	required_argument,	NULL, OPT_WIDTH },
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
		json_close(&v->json, '}');
		return 0;
	}
	snprintf(total, sizeof(total), "(%" PRIu64 " mappings)", tot->nr_vmas);
	ln = scols_table_new_line(v->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (i = 0; i < v->cols.nr; i++)
		maps_cell(ln, v->cols.ids[i], i, NULL, &tot->pages, &tot->tables,
			  total);
	scols_print_table(v->tb);
	if (!opts.raw && !opts.noheadings)
		printf("faults: %" PRIu64 " minor, %" PRIu64 " major; page tables (VmPTE): %s\n",
		       (uint64_t)st->min_flt, (uint64_t)st->maj_flt,
		       format_size(sz, sizeof(sz), st->pgtables_bytes));
	return 0;
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
