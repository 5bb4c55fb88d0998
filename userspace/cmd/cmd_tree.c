// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope tree PID: the shape of a process's page tables (built by
 * model/pagetable_tree.c).  PUD tables (512 GiB each) and PMD tables (1 GiB
 * each) are listed; PTE tables (2 MiB each) are summed per PMD table, or
 * listed with --all.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "json.h"
#include "pagetable_tree.h"
#include "view.h"

static void pct(char *buf, size_t len, uint64_t used, uint64_t slots)
{
	snprintf(buf, len, "%.0f%%", slots ? 100.0 * used / slots : 0.0);
}

/* A line of the table: one page table, and what is below it. */
struct tree_row {
	const char *table;
	uint64_t start, end;
	uint64_t used, pte_tables, pte_used, present, swapped, huge;
	bool has_pte;
};

#define ROW(row) ((const struct tree_row *)(row))

enum { COL_TABLE, COL_RANGE, COL_USED, COL_FULL, COL_PTE_TABLES, COL_PTE_FULL,
       COL_PRESENT, COL_SWAP, COL_HUGE };

static struct view_value row_table(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(ROW(row)->table);
}

static void range_cell(char *buf, size_t len, const void *row)
{
	snprintf(buf, len, "0x%012" PRIx64 "-0x%012" PRIx64, ROW(row)->start,
		 ROW(row)->end);
}

static void used_cell(char *buf, size_t len, const void *row)
{
	snprintf(buf, len, "%" PRIu64 "/%d", ROW(row)->used, ENTRIES);
}

static void full_cell(char *buf, size_t len, const void *row)
{
	pct(buf, len, ROW(row)->used, ENTRIES);
}

static struct view_value row_pte_tables(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->has_pte ? view_u64(ROW(row)->pte_tables) : view_absent();
}

static void pte_full_cell(char *buf, size_t len, const void *row)
{
	if (ROW(row)->has_pte)
		pct(buf, len, ROW(row)->pte_used, ROW(row)->pte_tables * ENTRIES);
}

/* A count of struct tree_row, at offset @f->arg. */
static struct view_value row_count(const void *row, const struct view_field *f)
{
	return view_u64(*(const uint64_t *)((const char *)row + f->arg));
}

#define COUNT_COLUMN(name_, member, help_) {				\
	.name = (name_), .whint = 6, .flags = SCOLS_FL_RIGHT,		\
	.help = (help_), .get = row_count,				\
	.arg = offsetof(struct tree_row, member) }

static const struct view_field tree_fields[] = {
	[COL_TABLE]	= { .name = "TABLE", .whint = 8, .flags = SCOLS_FL_TREE,
			    .help = "the table: pgd (p4d under 5-level paging), pud, pmd or pte", .get = row_table },
	[COL_RANGE]	= { .name = "RANGE", .whint = 30, .help = "the addresses it maps",
			    .cell = range_cell },
	[COL_USED]	= { .name = "USED", .whint = 7, .flags = SCOLS_FL_RIGHT,
			    .help = "entries in use of 512", .cell = used_cell },
	[COL_FULL]	= { .name = "FULL", .whint = 4, .flags = SCOLS_FL_RIGHT,
			    .help = "entries in use, percent", .cell = full_cell },
	[COL_PTE_TABLES] = { .name = "PTE_TABLES", .whint = 4, .flags = SCOLS_FL_RIGHT,
			     .help = "PTE tables below", .get = row_pte_tables },
	[COL_PTE_FULL]	= { .name = "PTE_FULL", .whint = 4, .flags = SCOLS_FL_RIGHT,
			    .help = "entries in use in those PTE tables, percent",
			    .cell = pte_full_cell },
	[COL_PRESENT]	= COUNT_COLUMN("PRESENT", present, "4 KiB pages mapped by PTEs below"),
	[COL_SWAP]	= COUNT_COLUMN("SWAP", swapped, "swap entries in PTEs below"),
	[COL_HUGE]	= { .name = "HUGE", .whint = 4, .flags = SCOLS_FL_RIGHT,
			    .help = "huge leaves (2 MiB at pmd, 1 GiB at pud)",
			    .get = row_count, .arg = offsetof(struct tree_row, huge) },
};

static const int tree_default_columns[] = {
	COL_TABLE, COL_RANGE, COL_USED, COL_FULL, COL_PTE_TABLES, COL_PTE_FULL,
	COL_PRESENT, COL_SWAP, COL_HUGE,
};

/*
 * The table's view.  The JSON is the tree itself (pud_tables holding
 * pmd_tables holding pte_tables), a document rather than rows.
 */
static const struct view tree_view = VIEW_INIT(tree_fields, tree_default_columns);

static struct libscols_line *tree_line(struct libscols_table *tb,
				       struct libscols_line *parent,
				       const struct cli_columns *cols,
				       const struct tree_row *r)
{
	return view_table_line(tb, parent, cols, &tree_view, r);
}

static int tree_print_table(const struct pt_tree *t, const struct pt_tree_totals *s,
			    const struct ptscope_stats *st)
{
	struct libscols_line *root, *pl, *ml;
	struct libscols_table *tb;
	struct cli_columns cols;
	struct tree_row row;
	char a[32], b[32];
	size_t i, k, x;

	if (view_select(&cols, &tree_view))
		return 2;
	tb = view_table_new(&cols, &tree_view);
	if (!tb)
		return -ENOMEM;
	memset(&row, 0, sizeof(row));
	/* The tables of 512 GiB entries: PGDs, or with 5-level paging P4Ds. */
	row.table = PTSCOPE_USER_TOP >> 47 ? "p4d" : "pgd";
	row.end = PTSCOPE_USER_TOP + 4096;
	row.used = s->pud;
	row.pte_tables = s->pte;
	row.pte_used = s->pte_used;
	row.has_pte = true;
	row.present = s->pte_present;
	row.huge = s->pmd_huge + s->pud_huge;
	root = tree_line(tb, NULL, &cols, &row);
	for (i = 0; root && i < t->nr_pud; i++) {
		const struct pud_table *pud = &t->pud[i];

		memset(&row, 0, sizeof(row));
		row.table = "pud";
		row.start = pud->base;
		row.end = pud->base + P4D_SPAN;
		row.used = pud->used;
		row.huge = pud->huge;
		row.has_pte = true;
		for (k = pud->first_pmd; k < pud->first_pmd + pud->nr_pmd; k++) {
			row.pte_tables += t->pmd[k].nr_pte;
			row.pte_used += t->pmd[k].pte_used;
			row.present += t->pmd[k].pte_present;
			row.swapped += t->pmd[k].pte_swapped;
		}
		pl = tree_line(tb, root, &cols, &row);
		for (k = pud->first_pmd; pl && k < pud->first_pmd + pud->nr_pmd; k++) {
			const struct pmd_table *pmd = &t->pmd[k];

			memset(&row, 0, sizeof(row));
			row.table = "pmd";
			row.start = pmd->base;
			row.end = pmd->base + PUD_SPAN;
			row.used = pmd->used;
			row.huge = pmd->huge;
			row.has_pte = true;
			row.pte_tables = pmd->nr_pte;
			row.pte_used = pmd->pte_used;
			row.present = pmd->pte_present;
			row.swapped = pmd->pte_swapped;
			ml = tree_line(tb, pl, &cols, &row);
			for (x = 0; ml && opts.all && x < pmd->nr_pte; x++) {
				memset(&row, 0, sizeof(row));
				row.table = "pte";
				row.start = pmd->pte[x].base;
				row.end = row.start + PMD_SPAN;
				row.used = pmd->pte[x].used;
				row.present = pmd->pte[x].present;
				row.swapped = pmd->pte[x].swapped;
				tree_line(tb, ml, &cols, &row);
			}
		}
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	if (!opts.raw && !opts.noheadings)
		printf("%" PRIu64 " PUD + %" PRIu64 " PMD + %" PRIu64 " PTE tables + %"
		       PRIu64 " deposited under THPs = %s (VmPTE %s)\n",
		       s->pud, s->pmd, s->pte, s->deposited,
		       format_size(a, sizeof(a), (s->pud + s->pmd + s->pte + s->deposited) * PAGE),
		       format_size(b, sizeof(b), st->pgtables_bytes));
	return 0;
}

/*
 * The PGD entries in use.  With 4-level paging each PGD entry holds one PUD
 * table (512 GiB); with 5-level paging it holds a P4D table (256 TiB), and
 * the PUD tables are the P4D entries in use.  The PUD tables come sorted.
 */
static uint64_t pgd_entries_used(const struct pt_tree *t, bool five_level)
{
	uint64_t used = 0;
	size_t i;

	if (!five_level)
		return t->nr_pud;
	for (i = 0; i < t->nr_pud; i++)
		if (!i || t->pud[i].base >> 48 != t->pud[i - 1].base >> 48)
			used++;
	return used;
}

static void tree_print_json(const struct pt_tree *t, const struct pt_tree_totals *s,
			    const struct ptscope_stats *st, uint64_t pid)
{
	bool five_level = PTSCOPE_USER_TOP >> 47;
	struct json j;
	size_t i, k, x;

	json_init(&j, stdout, opts.pretty);
	json_open(&j, NULL, '{');
	json_u64(&j, "pid", pid);
	json_open(&j, "tables", '{');
	json_u64(&j, "pud", s->pud);
	json_u64(&j, "pmd", s->pmd);
	json_u64(&j, "pte", s->pte);
	json_u64(&j, "pte_deposited", s->deposited);
	json_close(&j, '}');
	json_u64(&j, "bytes", (s->pud + s->pmd + s->pte + s->deposited) * PAGE);
	json_u64(&j, "vm_pte_bytes", st->pgtables_bytes);
	json_open(&j, "entries_used", '{');
	json_u64(&j, "pgd", pgd_entries_used(t, five_level));
	if (five_level)
		json_u64(&j, "p4d", s->pud);
	json_u64(&j, "pud", s->pud_used);
	json_u64(&j, "pmd", s->pmd_used);
	json_u64(&j, "pte", s->pte_used);
	json_close(&j, '}');
	json_open(&j, "leaves", '{');
	json_u64(&j, "pte", s->pte_present);
	json_u64(&j, "pmd", s->pmd_huge);
	json_u64(&j, "pud", s->pud_huge);
	json_close(&j, '}');
	json_open(&j, "pud_tables", '[');
	for (i = 0; i < t->nr_pud; i++) {
		const struct pud_table *pud = &t->pud[i];

		json_open(&j, NULL, '{');
		json_u64(&j, "start", pud->base);
		json_u64(&j, "end", pud->base + P4D_SPAN);
		json_u64(&j, "used", pud->used);
		json_u64(&j, "huge", pud->huge);
		json_open(&j, "pmd_tables", '[');
		for (k = pud->first_pmd; k < pud->first_pmd + pud->nr_pmd; k++) {
			const struct pmd_table *pmd = &t->pmd[k];

			json_open(&j, NULL, '{');
			json_u64(&j, "start", pmd->base);
			json_u64(&j, "end", pmd->base + PUD_SPAN);
			json_u64(&j, "used", pmd->used);
			json_u64(&j, "huge", pmd->huge);
			json_u64(&j, "huge_not_present", pmd->huge_other);
			json_u64(&j, "pte_tables", pmd->nr_pte);
			json_u64(&j, "pte_deposited", pmd->deposited);
			json_u64(&j, "pte_entries_used", pmd->pte_used);
			json_u64(&j, "pte_present", pmd->pte_present);
			json_u64(&j, "pte_swapped", pmd->pte_swapped);
			if (opts.all) {
				json_open(&j, "pte_table_list", '[');
				for (x = 0; x < pmd->nr_pte; x++) {
					json_open(&j, NULL, '{');
					json_u64(&j, "start", pmd->pte[x].base);
					json_u64(&j, "used", pmd->pte[x].used);
					json_u64(&j, "present", pmd->pte[x].present);
					json_u64(&j, "swapped", pmd->pte[x].swapped);
					json_close(&j, '}');
				}
				json_close(&j, ']');
			}
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
}

static void tree_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope tree PID\n\n"
		   "Show the page tables of process PID as a tree: each PUD table\n"
		   "(maps 512 GiB) and PMD table (maps 1 GiB), how many of its 512\n"
		   "entries are in use, the PTE tables (2 MiB each) below and how\n"
		   "full they are, and the huge leaves.  --all lists every PTE table.\n"
		   "The sum of the tables is checked against the kernel's VmPTE.\n\n");
	view_help(f, &tree_view);
}

int cmd_tree(int argc, char **argv)
{
	struct pt_tree t = { 0 };
	struct pt_tree_totals s;
	struct ptscope_stats st;
	struct ptscope *ps;
	uint64_t pid;
	int ret;

	if (opts.help) {
		tree_usage(stdout);
		return 0;
	}
	if (argc != 2) {
		tree_usage(stderr);
		return 2;
	}
	if (parse_pid(argv[1], &pid))
		return cli_error("'%s' is not a process id", argv[1]);
	ps = cli_open();
	if (!ps)
		return 1;
	ret = pt_tree_build(ps, pid, &t);
	if (!ret) {
		ret = ptscope_stats(ps, pid, &st, NULL, NULL);
		if (ret)
			pt_tree_free(&t);
	}
	cli_close(ps);
	if (ret)
		return cli_error("tree of %" PRIu64 ": %s", pid, ptscope_strerror(ret));
	pt_tree_sum(&t, &s);
	if (opts.json)
		tree_print_json(&t, &s, &st, pid);
	else
		ret = tree_print_table(&t, &s, &st);
	pt_tree_free(&t);
	if (ret < 0)
		return cli_error("out of memory");
	return ret;
}
