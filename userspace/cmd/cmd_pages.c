// SPDX-License-Identifier: GPL-2.0
/* ptscope pages PID [START[-END]]: what the page tables say, page by page. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "json.h"

/* The column model: plain, raw and --help all come from this table. */
enum {
	COL_START, COL_END, COL_SIZE, COL_PAGES, COL_ENTRY, COL_KIND,
	COL_PGSIZE, COL_ORDER, COL_MAPCOUNT, COL_REFCOUNT, COL_NODE, COL_PFN,
	COL_SWAP, COL_BITS, COL_FLAGS,
};

static const struct cli_column pages_columns[] = {
	[COL_START]	= { "START", 14, SCOLS_FL_RIGHT, "first address" },
	[COL_END]	= { "END", 14, SCOLS_FL_RIGHT, "end address (exclusive)" },
	[COL_SIZE]	= { "SIZE", 6, SCOLS_FL_RIGHT, "bytes covered" },
	[COL_PAGES]	= { "PAGES", 6, SCOLS_FL_RIGHT, "4 KiB pages covered" },
	[COL_ENTRY]	= { "ENTRY", 8, 0, "leaf entry: none, present, swap, migration, ..." },
	[COL_KIND]	= { "KIND", 6, 0, "anon, file, shmem, zero, huge_zero, ksm, pfnmap" },
	[COL_PGSIZE]	= { "PGSIZE", 4, SCOLS_FL_RIGHT, "page size of the leaf (4K, 2M, 1G)" },
	[COL_ORDER]	= { "ORDER", 2, SCOLS_FL_RIGHT, "folio order (log2 of its pages)" },
	[COL_MAPCOUNT]	= { "MAPCOUNT", 3, SCOLS_FL_RIGHT, "page-table entries mapping the page" },
	[COL_REFCOUNT]	= { "REFCOUNT", 3, SCOLS_FL_RIGHT, "references to the folio" },
	[COL_NODE]	= { "NODE", 2, SCOLS_FL_RIGHT, "NUMA node of the frame" },
	[COL_PFN]	= { "PFN", 8, SCOLS_FL_RIGHT, "frame number (root only)" },
	[COL_SWAP]	= { "SWAP", 8, 0, "swap type:offset (root only)" },
	[COL_BITS]	= { "BITS", 10, 0, "wuadxgseWn: writable user accessed dirty executable global soft-dirty anon-exclusive uffd-WP protnone" },
	[COL_FLAGS]	= { "FLAGS", 30, SCOLS_FL_WRAP, "hardware and software bits, by name" },
};

static const int pages_default_columns[] = {
	COL_START, COL_SIZE, COL_ENTRY, COL_KIND, COL_PGSIZE, COL_ORDER,
	COL_MAPCOUNT, COL_NODE, COL_BITS,
};

/* BITS: one letter per bit, '-' when clear, as ls -l does for modes. */
static const struct {
	uint64_t bit;
	char letter;
	bool when_clear;	/* the letter shows when the bit is clear */
} bits_letters[] = {
	{ PTSCOPE_PF_WRITE, 'w', false },
	{ PTSCOPE_PF_USER, 'u', false },
	{ PTSCOPE_PF_ACCESSED, 'a', false },
	{ PTSCOPE_PF_DIRTY, 'd', false },
	{ PTSCOPE_PF_NX, 'x', true },
	{ PTSCOPE_PF_GLOBAL, 'g', false },
	{ PTSCOPE_PF_SOFT_DIRTY, 's', false },
	{ PTSCOPE_PF_ANON_EXCLUSIVE, 'e', false },
	{ PTSCOPE_PF_UFFD_WP, 'W', false },
	{ PTSCOPE_PF_PROTNONE, 'n', false },
};

static void bits_cell(char *buf, const struct ptscope_page_region *r)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits_letters); i++) {
		bool set = r->flags & bits_letters[i].bit;

		/* Only a present entry has hardware bits to show. */
		if (!(r->flags & PTSCOPE_PF_PRESENT) && i < 6)
			set = bits_letters[i].when_clear;
		buf[i] = set != bits_letters[i].when_clear ?
			 bits_letters[i].letter : '-';
		/* Withheld from a caller that may not attach: not known. */
		if ((r->flags & PTSCOPE_PF_ACCESS_HIDDEN) &&
		    (bits_letters[i].bit & PTSCOPE_PF_ACCESS_MASK))
			buf[i] = '?';
	}
	buf[i] = 0;
}

struct pages_view {
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	uint64_t pid;
	uint64_t nr;
	bool started;
};

static void pages_json_start(struct pages_view *v)
{
	cli_json_records(&v->json, &v->started, v->pid,
			 opts.all ? "pages" : "regions");
}

static void pages_cell(struct libscols_line *ln, int col, int idx,
		       const struct ptscope_page_region *r)
{
	char buf[512];

	buf[0] = 0;
	switch (col) {
	case COL_START:
		snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)r->start);
		break;
	case COL_END:
		snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)r->end);
		break;
	case COL_SIZE:
		cli_size(buf, sizeof(buf), r->end - r->start);
		break;
	case COL_PAGES:
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)(r->end - r->start) / 4096);
		break;
	case COL_ENTRY:
		snprintf(buf, sizeof(buf), "%s", ptscope_entry_name(r->entry));
		break;
	case COL_KIND:
		snprintf(buf, sizeof(buf), "%s", r->entry == PTSCOPE_ENTRY_PRESENT ?
			 ptscope_kind_name(r->kind) : "-");
		break;
	case COL_PGSIZE:
		if (ptscope_level_size(r->level))
			cli_size(buf, sizeof(buf), ptscope_level_size(r->level));
		else
			snprintf(buf, sizeof(buf), "-");
		break;
	case COL_ORDER:
		snprintf(buf, sizeof(buf), "%u", r->folio_order);
		break;
	case COL_MAPCOUNT:
		/* Without attach rights: 2 means "mapped more than once". */
		if ((r->flags & PTSCOPE_PF_ACCESS_HIDDEN) && r->mapcount >= 2)
			snprintf(buf, sizeof(buf), "2+");
		else
			snprintf(buf, sizeof(buf), "%u", r->mapcount);
		break;
	case COL_REFCOUNT:
		/* A mapped page has a reference: 0 is withheld (no CAP_SYS_ADMIN). */
		if ((r->flags & PTSCOPE_PF_PRESENT) && !r->refcount)
			snprintf(buf, sizeof(buf), "-");
		else
			snprintf(buf, sizeof(buf), "%u", r->refcount);
		break;
	case COL_NODE:
		if (r->node >= 0)
			snprintf(buf, sizeof(buf), "%d", r->node);
		else
			snprintf(buf, sizeof(buf), "-");
		break;
	case COL_PFN:
		if (r->flags & PTSCOPE_PF_PFN_HIDDEN || !r->pfn)
			snprintf(buf, sizeof(buf), "-");
		else
			snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)r->pfn);
		break;
	case COL_SWAP:
		if (r->flags & PTSCOPE_PF_SWAP && !(r->flags & PTSCOPE_PF_PFN_HIDDEN))
			snprintf(buf, sizeof(buf), "%u:%#" PRIx64, r->swap_type,
				 (uint64_t)r->swap_offset);
		else
			snprintf(buf, sizeof(buf), "-");
		break;
	case COL_BITS:
		bits_cell(buf, r);
		break;
	case COL_FLAGS:
		format_page_flags(buf, sizeof(buf), r->flags &
				  ~(PTSCOPE_PF_PRESENT | PTSCOPE_PF_SWAP |
				    PTSCOPE_PF_PFN_HIDDEN |
				    PTSCOPE_PF_ACCESS_HIDDEN));
		break;
	}
	scols_line_set_data(ln, idx, buf);
}

/* A bit of the access state: null when withheld (PTSCOPE_PF_ACCESS_HIDDEN). */
static void pages_json_access(struct json *j, const char *key,
			      const struct ptscope_page_region *r, uint64_t bit)
{
	if (r->flags & PTSCOPE_PF_ACCESS_HIDDEN)
		json_null(j, key);
	else
		json_bool(j, key, r->flags & bit);
}

static void pages_json(struct json *j, const struct ptscope_page_region *r)
{
	bool hidden = r->flags & PTSCOPE_PF_PFN_HIDDEN;
	bool access_hidden = r->flags & PTSCOPE_PF_ACCESS_HIDDEN;

	json_open(j, NULL, '{');
	if (opts.all) {
		json_u64(j, "addr", r->start);
	} else {
		json_u64(j, "start", r->start);
		json_u64(j, "end", r->end);
	}
	json_str(j, "entry", ptscope_entry_name(r->entry));
	json_bool(j, "present", r->flags & PTSCOPE_PF_PRESENT);
	json_bool(j, "swapped", r->flags & PTSCOPE_PF_SWAP);
	pages_json_access(j, "writable", r, PTSCOPE_PF_WRITE);
	pages_json_access(j, "user", r, PTSCOPE_PF_USER);
	pages_json_access(j, "accessed", r, PTSCOPE_PF_ACCESSED);
	pages_json_access(j, "dirty", r, PTSCOPE_PF_DIRTY);
	pages_json_access(j, "nx", r, PTSCOPE_PF_NX);
	pages_json_access(j, "global", r, PTSCOPE_PF_GLOBAL);
	json_bool(j, "pwt", r->flags & PTSCOPE_PF_PWT);
	json_bool(j, "pcd", r->flags & PTSCOPE_PF_PCD);
	json_bool(j, "pat", r->flags & PTSCOPE_PF_PAT);
	json_bool(j, "soft_dirty", r->flags & PTSCOPE_PF_SOFT_DIRTY);
	json_bool(j, "uffd_wp", r->flags & PTSCOPE_PF_UFFD_WP);
	pages_json_access(j, "protnone", r, PTSCOPE_PF_PROTNONE);
	json_bool(j, "special", r->flags & PTSCOPE_PF_SPECIAL);
	json_u64(j, "page_size", ptscope_level_size(r->level));
	json_u64(j, "folio_order", r->folio_order);
	json_str(j, "kind", ptscope_kind_name(r->kind));
	json_u64(j, "mapcount", r->mapcount);
	json_str(j, "mapcount_source", ptscope_mapcount_src_name(r->mapcount_src));
	if ((r->flags & PTSCOPE_PF_PRESENT) && !r->refcount)
		json_null(j, "refcount");	/* withheld: no CAP_SYS_ADMIN */
	else
		json_u64(j, "refcount", r->refcount);
	json_bool(j, "anon_exclusive", r->flags & PTSCOPE_PF_ANON_EXCLUSIVE);
	json_bool(j, "thp", r->flags & PTSCOPE_PF_THP);
	json_bool(j, "hugetlb", r->flags & PTSCOPE_PF_HUGETLB);
	pages_json_access(j, "lru", r, PTSCOPE_PF_LRU);
	json_bool(j, "access_hidden", access_hidden);
	json_bool(j, "swapbacked", r->flags & PTSCOPE_PF_SWAPBACKED);
	if (r->node >= 0)
		json_i64(j, "node", r->node);
	else
		json_null(j, "node");
	if (hidden)
		json_null(j, "pfn");
	else
		json_u64(j, "pfn", r->pfn);
	if (r->flags & PTSCOPE_PF_SWAP) {
		json_open(j, "swap", '{');
		if (hidden) {
			json_null(j, "type");
			json_null(j, "offset");
		} else {
			json_u64(j, "type", r->swap_type);
			json_u64(j, "offset", r->swap_offset);
		}
		json_close(j, '}');
	}
	json_close(j, '}');
}

static int pages_record(const struct ptscope_page_region *r, void *arg)
{
	struct pages_view *v = arg;
	struct libscols_line *ln;
	size_t i;

	v->nr++;
	if (opts.json) {
		pages_json_start(v);
		pages_json(&v->json, r);
		return 0;
	}
	ln = scols_table_new_line(v->tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (i = 0; i < v->cols.nr; i++)
		pages_cell(ln, v->cols.ids[i], i, r);
	return 0;
}

static void pages_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope pages PID [START[-END] | START+LENGTH]\n\n"
		   "Show what the page tables of process PID say about each page\n"
		   "of the range (all of its mappings if no range is given): one\n"
		   "line per run of identical pages, or per page with --all.\n"
		   "Addresses no mapping covers are left out.\n\n");
	cli_columns_help(f, pages_columns, ARRAY_SIZE(pages_columns));
	cli_flags_help(f, page_flag_names, nr_page_flag_names);
}

int cmd_pages(int argc, char **argv)
{
	uint64_t pid, start, end, flags = 0;
	struct pages_view v = { 0 };
	struct ptscope *ps;
	int ret;

	ret = cli_pid_and_range(argc, argv, pages_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	ret = cli_columns_select(&v.cols, pages_columns, ARRAY_SIZE(pages_columns),
				 pages_default_columns,
				 ARRAY_SIZE(pages_default_columns));
	if (ret)
		return 2;

	ps = cli_open();
	if (!ps)
		return 1;
	if (!opts.all)
		flags |= PTSCOPE_PAGES_REGIONS;

	v.pid = pid;
	if (!opts.json) {
		v.tb = cli_table_new(&v.cols, pages_columns);
		if (!v.tb) {
			cli_close(ps);
			return cli_error("out of memory");
		}
	}
	ret = ptscope_pages(ps, pid, start, end, flags, pages_record, &v);
	if (opts.json && (!ret || v.started)) {
		pages_json_start(&v);
		json_close(&v.json, ']');
		json_close(&v.json, '}');
	} else if (!ret) {
		scols_print_table(v.tb);
	}
	if (v.tb)
		scols_unref_table(v.tb);
	cli_close(ps);
	if (ret)
		return cli_error("pages of %" PRIu64 ": %s", pid, ptscope_strerror(ret));
	return 0;
}
