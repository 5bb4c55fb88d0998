// SPDX-License-Identifier: GPL-2.0
/*
 * The columns of `ptscope maps`, each defined once (name, width, help), and
 * the cell each shows for a mapping, the total, or an estimate (maps_view.h).
 */
#include <inttypes.h>
#include <libsmartcols.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "maps_view.h"

#define PAGE 4096ULL

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_OFFSET, COL_RSS,
	COL_SWAP, COL_DIRTY, COL_ANON, COL_FILE, COL_SHMEM, COL_ZERO, COL_KSM,
	COL_SHARED, COL_COW, COL_EXCL, COL_THP, COL_LARGE, COL_HUGETLB,
	COL_SOFTDIRTY, COL_PROTNONE, COL_NODES, COL_PT, COL_PTE_TABLES,
	COL_FLAGS, COL_NAME, COL_PATH,
};

const struct cli_column maps_columns[] = {
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

const size_t maps_nr_columns = ARRAY_SIZE(maps_columns);

/* What fits in 80 columns; -o adds the rest. */
const int maps_default_columns[] = {
	COL_START, COL_SIZE, COL_PERMS, COL_RSS, COL_SWAP, COL_ANON, COL_COW,
	COL_THP, COL_NAME,
};

const size_t maps_nr_default_columns = ARRAY_SIZE(maps_default_columns);

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
void maps_cell(struct libscols_line *ln, int col, int idx,
	       const struct ptscope_vma *v, const struct ptscope_page_counts *c,
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
		if (v)
			format_vma_flags(buf, sizeof(buf), v->flags);
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

/* The process's counters after the mappings, exact in both views. */
void maps_json_process(struct json *j, const struct ptscope_stats *st)
{
	json_open(j, "faults", '{');
	json_u64(j, "minor", st->min_flt);
	json_u64(j, "major", st->maj_flt);
	json_close(j, '}');
	json_open(j, "rss", '{');
	json_u64(j, "anon", st->rss_anon * PAGE);
	json_u64(j, "file", st->rss_file * PAGE);
	json_u64(j, "shmem", st->rss_shmem * PAGE);
	json_u64(j, "swap", st->swap_ents * PAGE);
	json_close(j, '}');
	json_u64(j, "vm_pte_bytes", st->pgtables_bytes);
}

void maps_print_faults(const struct ptscope_stats *st)
{
	char sz[32];

	printf("faults: %" PRIu64 " minor, %" PRIu64 " major; page tables (VmPTE): %s\n",
	       (uint64_t)st->min_flt, (uint64_t)st->maj_flt,
	       format_size(sz, sizeof(sz), st->pgtables_bytes));
}

/* What a mapping is, as JSON members: [@start, @end) of @v, at file @offset. */
void maps_json_describe(struct json *j, const struct ptscope_vma *v,
			uint64_t start, uint64_t end, uint64_t offset)
{
	char p[8];
	size_t i;

	format_perms(p, v->flags);
	json_u64(j, "start", start);
	json_u64(j, "end", end);
	json_str(j, "perms", p);
	json_str(j, "name", v->name);
	json_u64(j, "offset", offset);
	json_u64(j, "inode", v->inode);
	json_u64(j, "dev_major", v->dev_major);
	json_u64(j, "dev_minor", v->dev_minor);
	json_u64(j, "page_size", v->page_size);
	json_open(j, "flags", '[');
	for (i = 0; i < nr_vma_flag_names; i++)
		if (v->flags & vma_flag_names[i].bit)
			json_str(j, NULL, vma_flag_names[i].name);
	json_close(j, ']');
}
