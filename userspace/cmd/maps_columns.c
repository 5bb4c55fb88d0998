// SPDX-License-Identifier: GPL-2.0
/*
 * The fields of `ptscope maps` on the view model (view.h), each defined once,
 * and the cell each shows for a mapping, the total, or an estimate.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "maps_view.h"
#include "view.h"

#define PAGE 4096ULL

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_OFFSET, COL_RSS,
	COL_SWAP, COL_DIRTY, COL_ANON, COL_FILE, COL_SHMEM, COL_ZERO, COL_KSM,
	COL_SHARED, COL_COW, COL_EXCL, COL_THP, COL_LARGE, COL_HUGETLB,
	COL_SOFTDIRTY, COL_PROTNONE, COL_NODES, COL_PT, COL_PTE_TABLES,
	COL_FLAGS, COL_NAME, COL_PATH,
};

#define ROW(row) ((const struct maps_row *)(row))

static struct view_value row_offset(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->v ? view_u64(ROW(row)->v->pgoff) : view_absent();
}

/* A count of struct ptscope_page_counts, at offset @f->arg. */
static struct view_value row_count(const void *row, const struct view_field *f)
{
	const char *c = (const char *)ROW(row)->c;

	return view_u64(*(const uint64_t *)(c + f->arg));
}

static struct view_value row_large(const void *row, const struct view_field *f)
{
	const struct ptscope_page_counts *c = ROW(row)->c;
	uint64_t n = 0;
	int i;

	(void)f;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		n += c->large_pte[i];
	return view_u64(n);
}

static struct view_value row_hugetlb(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->c->hugetlb_pmd + ROW(row)->c->hugetlb_pud);
}

static struct view_value row_table_bytes(const void *row, const struct view_field *f)
{
	const struct ptscope_table_counts *t = ROW(row)->t;

	(void)f;
	return view_u64((t->pte + t->pte_deposited + t->pmd + t->pud) * PAGE);
}

static struct view_value row_pte_tables(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->t->pte);
}

static void nodes_cell(char *buf, size_t len, const void *row)
{
	view_nodes_cell(buf, len, ROW(row)->c);
}

static void flags_cell(char *buf, size_t len, const void *row)
{
	if (ROW(row)->v)
		format_vma_flags(buf, len, ROW(row)->v->flags);
}

#define COUNT_COLUMN(name_, field, help_) {				\
	.name = (name_), .unit = VIEW_PAGES, .whint = 6,		\
	.flags = SCOLS_FL_RIGHT, .help = (help_), .get = row_count,	\
	.arg = offsetof(struct ptscope_page_counts, field) }

static const struct view_field maps_fields[] = {
	[COL_START]	= VIEW_START("first address", view_range_start),
	[COL_END]	= VIEW_END("end address (exclusive)", view_range_end),
	[COL_SIZE]	= VIEW_SIZE("virtual size", view_range_size),
	[COL_PERMS]	= VIEW_PERMS("rwx and s(hared)/p(rivate), as /proc/PID/maps", view_range_perms),
	[COL_OFFSET]	= { .name = "OFFSET", .unit = VIEW_ADDRESS, .whint = 8,
			    .flags = SCOLS_FL_RIGHT, .help = "offset in the file",
			    .get = row_offset },
	[COL_RSS]	= COUNT_COLUMN("RSS", present, "present: mapped to a frame"),
	[COL_SWAP]	= COUNT_COLUMN("SWAP", swapped, "swapped out"),
	[COL_DIRTY]	= COUNT_COLUMN("DIRTY", dirty, "present and dirty"),
	[COL_ANON]	= COUNT_COLUMN("ANON", anon, "anonymous"),
	[COL_FILE]	= COUNT_COLUMN("FILE", file, "file page cache"),
	[COL_SHMEM]	= COUNT_COLUMN("SHMEM", shmem, "shmem/tmpfs"),
	[COL_ZERO]	= COUNT_COLUMN("ZERO", zero, "the shared zero page"),
	[COL_KSM]	= COUNT_COLUMN("KSM", ksm, "merged by KSM"),
	[COL_SHARED]	= COUNT_COLUMN("SHARED", shared, "mapped more than once"),
	[COL_COW]	= COUNT_COLUMN("COW", cow_shared, "anonymous, shared after fork until written"),
	[COL_EXCL]	= COUNT_COLUMN("EXCL", anon_exclusive, "anonymous, exclusive (no copy on write)"),
	[COL_THP]	= COUNT_COLUMN("THP", thp_pmd, "in PMD-mapped transparent huge pages"),
	[COL_LARGE]	= { .name = "LARGE", .unit = VIEW_PAGES, .whint = 6,
			    .flags = SCOLS_FL_RIGHT,
			    .help = "in large folios mapped by PTEs (mTHP)", .get = row_large },
	[COL_HUGETLB]	= { .name = "HUGETLB", .unit = VIEW_PAGES, .whint = 6,
			    .flags = SCOLS_FL_RIGHT, .help = "in hugetlb pages",
			    .get = row_hugetlb },
	[COL_SOFTDIRTY]	= COUNT_COLUMN("SOFTDIRTY", soft_dirty, "soft-dirty entries"),
	[COL_PROTNONE]	= COUNT_COLUMN("PROTNONE", protnone, "PROT_NONE or NUMA-hinting entries"),
	[COL_NODES]	= { .name = "NODES", .whint = 10,
			    .help = "present memory per NUMA node", .cell = nodes_cell },
	[COL_PT]	= { .name = "PT", .unit = VIEW_BYTES, .whint = 6,
			    .flags = SCOLS_FL_RIGHT,
			    .help = "page-table memory: PTE (incl. deposited), PMD and PUD tables",
			    .get = row_table_bytes },
	[COL_PTE_TABLES] = { .name = "PTE_TABLES", .whint = 4, .flags = SCOLS_FL_RIGHT,
			     .help = "PTE tables", .get = row_pte_tables },
	[COL_FLAGS]	= { .name = "FLAGS", .whint = 12, .flags = SCOLS_FL_WRAP,
			    .help = "mapping flags (hugepage, locked, mergeable...)",
			    .cell = flags_cell },
	[COL_NAME]	= VIEW_NAME("file name (as pmap), [heap], [stack], [vdso]..., empty for anonymous",
				    view_range_name),
	[COL_PATH]	= VIEW_PATH(view_range_path),
};

/* What fits in 80 columns; -o adds the rest. */
static const int maps_default_columns[] = {
	COL_START, COL_SIZE, COL_PERMS, COL_RSS, COL_SWAP, COL_ANON, COL_COW,
	COL_THP, COL_NAME,
};

const struct view maps_view_model = VIEW_INIT(maps_fields, maps_default_columns);

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

int maps_table_line(struct libscols_table *tb, const struct cli_columns *sel,
		    const struct maps_row *row)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	struct maps_row r = *row;
	char buf[1024];
	size_t i;

	if (!ln)
		return -ENOMEM;
	if (r.v)
		r.range = (struct view_range){ .start = r.v->start, .end = r.v->end,
					       .flags = r.v->flags, .name = r.v->name };
	else
		r.range = (struct view_range){ .total = r.total };
	for (i = 0; i < sel->nr; i++) {
		view_cell(buf, sizeof(buf), &maps_fields[sel->ids[i]], &r);
		if (r.se)
			cell_error(buf, sizeof(buf), sel->ids[i], r.se);
		if (scols_line_set_data(ln, i, buf))
			return -ENOMEM;
	}
	return 0;
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
