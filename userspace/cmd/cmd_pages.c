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
#include "view.h"

/*
 * The fields of a region: columns (plain, raw and --help) and JSON members,
 * each defined once.  The flags' JSON members come from the uapi's table.
 */
enum {
	F_START, F_END, F_SIZE, F_PAGES, F_ENTRY, F_KIND, F_PGSIZE, F_ORDER,
	F_MAPCOUNT, F_REFCOUNT, F_NODE, F_PFN, F_SWAP, F_BITS, F_FLAGS,
	/* JSON only */
	F_ADDR, F_PAGE_SIZE, F_KIND_NAME, F_MAPCOUNT_SOURCE, F_PFN_OR_NULL,
#define X(bit, name) F_##bit,
	PTSCOPE_PF_FOREACH(X)
#undef X
};

#define REGION(row) ((const struct ptscope_page_region *)(row))

static struct view_value region_start(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(REGION(row)->start);
}

static struct view_value region_end(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(REGION(row)->end);
}

static struct view_value region_size(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(REGION(row)->end - REGION(row)->start);
}

static struct view_value region_pages(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64((REGION(row)->end - REGION(row)->start) / 4096);
}

static struct view_value region_entry(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(ptscope_entry_name(REGION(row)->entry));
}

/* KIND: what a present entry maps; nothing otherwise. */
static struct view_value region_kind(const void *row, const struct view_field *f)
{
	const struct ptscope_page_region *r = row;

	(void)f;
	if (r->entry != PTSCOPE_ENTRY_PRESENT)
		return view_null();
	return view_str(ptscope_kind_name(r->kind));
}

static struct view_value region_kind_name(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(ptscope_kind_name(REGION(row)->kind));
}

static struct view_value region_pgsize(const void *row, const struct view_field *f)
{
	uint64_t size = ptscope_level_size(REGION(row)->level);

	(void)f;
	return size ? view_u64(size) : view_null();
}

static struct view_value region_page_size(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ptscope_level_size(REGION(row)->level));
}

static struct view_value region_order(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(REGION(row)->folio_order);
}

static struct view_value region_mapcount(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(REGION(row)->mapcount);
}

/* Without attach rights, 2 means "mapped more than once". */
static void mapcount_cell(char *buf, size_t len, const void *row)
{
	const struct ptscope_page_region *r = row;

	if ((r->flags & PTSCOPE_PF_ACCESS_HIDDEN) && r->mapcount >= 2)
		snprintf(buf, len, "2+");
	else
		snprintf(buf, len, "%u", r->mapcount);
}

static struct view_value region_mapcount_source(const void *row,
						const struct view_field *f)
{
	(void)f;
	return view_str(ptscope_mapcount_src_name(REGION(row)->mapcount_src));
}

/* A mapped page has a reference: 0 is withheld (no CAP_SYS_ADMIN). */
static struct view_value region_refcount(const void *row, const struct view_field *f)
{
	const struct ptscope_page_region *r = row;

	(void)f;
	if ((r->flags & PTSCOPE_PF_PRESENT) && !r->refcount)
		return view_null();
	return view_u64(r->refcount);
}

static struct view_value region_node(const void *row, const struct view_field *f)
{
	(void)f;
	return REGION(row)->node >= 0 ? view_i64(REGION(row)->node) : view_null();
}

/* PFN: a frame, or "-" when withheld or none. */
static struct view_value region_pfn(const void *row, const struct view_field *f)
{
	const struct ptscope_page_region *r = row;

	(void)f;
	if (r->flags & PTSCOPE_PF_PFN_HIDDEN || !r->pfn)
		return view_null();
	return view_u64(r->pfn);
}

/* "pfn": null only when withheld. */
static struct view_value region_pfn_or_null(const void *row, const struct view_field *f)
{
	const struct ptscope_page_region *r = row;

	(void)f;
	if (r->flags & PTSCOPE_PF_PFN_HIDDEN)
		return view_null();
	return view_u64(r->pfn);
}

static void swap_cell(char *buf, size_t len, const void *row)
{
	const struct ptscope_page_region *r = row;

	if (r->flags & PTSCOPE_PF_SWAP && !(r->flags & PTSCOPE_PF_PFN_HIDDEN))
		snprintf(buf, len, "%u:%#" PRIx64, r->swap_type,
			 (uint64_t)r->swap_offset);
	else
		snprintf(buf, len, "-");
}

/* "swap": {"type", "offset"} of a swap entry, null when withheld. */
static void swap_json(struct json *j, const char *key, const void *row)
{
	const struct ptscope_page_region *r = row;

	if (!(r->flags & PTSCOPE_PF_SWAP))
		return;
	json_open(j, key, '{');
	if (r->flags & PTSCOPE_PF_PFN_HIDDEN) {
		json_null(j, "type");
		json_null(j, "offset");
	} else {
		json_u64(j, "type", r->swap_type);
		json_u64(j, "offset", r->swap_offset);
	}
	json_close(j, '}');
}

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

static void bits_cell(char *buf, size_t len, const void *row)
{
	const struct ptscope_page_region *r = row;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits_letters) && i + 1 < len; i++) {
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

static void flags_cell(char *buf, size_t len, const void *row)
{
	format_page_flags(buf, len, REGION(row)->flags &
			  ~(PTSCOPE_PF_PRESENT | PTSCOPE_PF_SWAP |
			    PTSCOPE_PF_PFN_HIDDEN | PTSCOPE_PF_ACCESS_HIDDEN));
}

/* A flag's JSON member: null when withheld (PTSCOPE_PF_ACCESS_HIDDEN). */
static struct view_value region_flag(const void *row, const struct view_field *f)
{
	const struct ptscope_page_region *r = row;

	if ((r->flags & PTSCOPE_PF_ACCESS_HIDDEN) && (f->arg & PTSCOPE_PF_ACCESS_MASK))
		return view_null();
	return view_bool(r->flags & f->arg);
}

static const struct view_field pages_fields[] = {
	[F_START]	= VIEW_START("first address", region_start),
	[F_END]		= VIEW_END("end address (exclusive)", region_end),
	[F_SIZE]	= VIEW_SIZE("bytes covered", region_size),
	[F_PAGES]	= { .name = "PAGES", .whint = 6, .flags = SCOLS_FL_RIGHT,
			    .help = "4 KiB pages covered", .get = region_pages },
	[F_ENTRY]	= { .name = "ENTRY", .key = "entry", .whint = 8,
			    .help = "leaf entry: none, present, swap, migration, ...",
			    .get = region_entry },
	[F_KIND]	= { .name = "KIND", .whint = 6,
			    .help = "anon, file, shmem, zero, huge_zero, ksm, pfnmap",
			    .get = region_kind },
	[F_PGSIZE]	= { .name = "PGSIZE", .unit = VIEW_BYTES, .whint = 4,
			    .flags = SCOLS_FL_RIGHT,
			    .help = "page size of the leaf (4K, 2M, 1G)",
			    .get = region_pgsize },
	[F_ORDER]	= { .name = "ORDER", .key = "folio_order", .whint = 2,
			    .flags = SCOLS_FL_RIGHT,
			    .help = "folio order (log2 of its pages)", .get = region_order },
	[F_MAPCOUNT]	= { .name = "MAPCOUNT", .key = "mapcount", .whint = 3,
			    .flags = SCOLS_FL_RIGHT,
			    .help = "page-table entries mapping the page",
			    .get = region_mapcount, .cell = mapcount_cell },
	[F_REFCOUNT]	= { .name = "REFCOUNT", .key = "refcount", .whint = 3,
			    .flags = SCOLS_FL_RIGHT, .help = "references to the folio",
			    .get = region_refcount },
	[F_NODE]	= { .name = "NODE", .key = "node", .whint = 2,
			    .flags = SCOLS_FL_RIGHT, .help = "NUMA node of the frame",
			    .get = region_node },
	[F_PFN]		= { .name = "PFN", .unit = VIEW_ADDRESS, .whint = 8,
			    .flags = SCOLS_FL_RIGHT, .help = "frame number (root only)",
			    .get = region_pfn },
	[F_SWAP]	= { .name = "SWAP", .key = "swap", .whint = 8,
			    .help = "swap type:offset (root only)",
			    .cell = swap_cell, .json = swap_json },
	[F_BITS]	= { .name = "BITS", .whint = 10,
			    .help = "wuadxgseWn: writable user accessed dirty executable global soft-dirty anon-exclusive uffd-WP protnone",
			    .cell = bits_cell },
	[F_FLAGS]	= { .name = "FLAGS", .whint = 30, .flags = SCOLS_FL_WRAP,
			    .help = "hardware and software bits, by name",
			    .cell = flags_cell },
	[F_ADDR]	= { .key = "addr", .get = region_start },
	[F_PAGE_SIZE]	= { .key = "page_size", .get = region_page_size },
	[F_KIND_NAME]	= { .key = "kind", .get = region_kind_name },
	[F_MAPCOUNT_SOURCE] = { .key = "mapcount_source", .get = region_mapcount_source },
	[F_PFN_OR_NULL]	= { .key = "pfn", .get = region_pfn_or_null },
#define X(bit, name) [F_##bit] = { .key = name, .get = region_flag, .arg = bit },
	PTSCOPE_PF_FOREACH(X)
#undef X
};

static const int pages_default_columns[] = {
	F_START, F_SIZE, F_ENTRY, F_KIND, F_PGSIZE, F_ORDER, F_MAPCOUNT,
	F_NODE, F_BITS,
};

/* A region's JSON object, from its range ("addr" for one page, --all) on. */
#define PAGES_JSON_AFTER_RANGE						\
	F_ENTRY, F_PTSCOPE_PF_PRESENT, F_PTSCOPE_PF_SWAP,		\
	F_PTSCOPE_PF_WRITE, F_PTSCOPE_PF_USER, F_PTSCOPE_PF_ACCESSED,	\
	F_PTSCOPE_PF_DIRTY, F_PTSCOPE_PF_NX, F_PTSCOPE_PF_GLOBAL,	\
	F_PTSCOPE_PF_PWT, F_PTSCOPE_PF_PCD, F_PTSCOPE_PF_PAT,		\
	F_PTSCOPE_PF_SOFT_DIRTY, F_PTSCOPE_PF_UFFD_WP,			\
	F_PTSCOPE_PF_PROTNONE, F_PTSCOPE_PF_SPECIAL, F_PAGE_SIZE,	\
	F_ORDER, F_KIND_NAME, F_MAPCOUNT, F_MAPCOUNT_SOURCE, F_REFCOUNT, \
	F_PTSCOPE_PF_ANON_EXCLUSIVE, F_PTSCOPE_PF_THP,			\
	F_PTSCOPE_PF_HUGETLB, F_PTSCOPE_PF_LRU,				\
	F_PTSCOPE_PF_ACCESS_HIDDEN, F_PTSCOPE_PF_SWAPBACKED, F_NODE,	\
	F_PFN_OR_NULL, F_SWAP

static const int regions_json[] = { F_START, F_END, PAGES_JSON_AFTER_RANGE };
static const int all_pages_json[] = { F_ADDR, PAGES_JSON_AFTER_RANGE };

static const struct view pages_view =
	VIEW_INIT_JSON(pages_fields, pages_default_columns, regions_json);

/* --all: one object per page, at "addr". */
static const struct view all_pages_view =
	VIEW_INIT_JSON(pages_fields, pages_default_columns, all_pages_json);

struct pages_out {
	const struct view *view;
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	uint64_t pid;
	uint64_t nr;
	bool started;
};

static void pages_json_start(struct pages_out *o)
{
	cli_json_records(&o->json, &o->started, o->pid,
			 opts.all ? "pages" : "regions");
}

static int pages_record(const struct ptscope_page_region *r, void *arg)
{
	struct pages_out *o = arg;

	o->nr++;
	if (opts.json) {
		pages_json_start(o);
		json_open(&o->json, NULL, '{');
		view_json_members(&o->json, o->view, r);
		json_close(&o->json, '}');
		return 0;
	}
	return view_table_add(o->tb, &o->cols, o->view, r);
}

static void pages_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope pages PID [START[-END] | START+LENGTH]\n\n"
		   "Show what the page tables of process PID say about each page\n"
		   "of the range (all of its mappings if no range is given): one\n"
		   "line per run of identical pages, or per page with --all.\n"
		   "Addresses no mapping covers are left out.\n\n");
	view_help(f, &pages_view);
	cli_flags_help(f, page_flag_names, nr_page_flag_names);
}

int cmd_pages(int argc, char **argv)
{
	uint64_t pid, start, end, flags = 0;
	struct pages_out v = { .view = opts.all ? &all_pages_view : &pages_view };
	struct ptscope *ps;
	int ret;

	ret = cli_pid_and_range(argc, argv, pages_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (view_select(&v.cols, v.view))
		return 2;

	ps = cli_open();
	if (!ps)
		return 1;
	if (!opts.all)
		flags |= PTSCOPE_PAGES_REGIONS;

	v.pid = pid;
	if (!opts.json) {
		v.tb = view_table_new(&v.cols, v.view);
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
