// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope cow PID_A PID_B: page by page, what two processes (a parent and
 * its child, usually) still share after fork and what was copied.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <string.h>

#include "cli.h"
#include "cow.h"
#include "format.h"
#include "json.h"
#include "runs.h"
#include "view.h"

/*
 * Regions are fetched a window at a time, so memory follows the regions of
 * one window (at most one per page: 1.2 MiB a side for 64 MiB of 4 KiB
 * pages with frames), never the size of the process.
 */
#define COW_WINDOW (64ULL << 20)

/* A row: a common piece of a mapping, a run (--all), or the total. */
struct cow_row {
	struct view_range range;
	const struct cow_counts *c;	/* NULL on a run */
	int cls;			/* a run's class, else -1 */
	bool inferred;			/* a run found by mapcount */
	uint64_t inode, offset;
	uint64_t mappings;		/* the total's */
};

#define ROW(row) ((const struct cow_row *)(row))

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_CLASS, COL_SHARED,
	COL_COPIED, COL_ONLY_A, COL_ONLY_B, COL_KSM, COL_ZERO, COL_SWAPPED,
	COL_NOT_PRESENT, COL_OTHER, COL_NAME, COL_PATH,
	/* JSON only */
	F_NAME, F_INODE, F_OFFSET, F_INFERRED, F_PAGES, F_MAPPINGS,
};

static struct view_value row_class(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->cls >= 0 ? view_str(cow_class_names[ROW(row)->cls]) : view_absent();
}

/* The pages of class @f->arg. */
static struct view_value row_class_pages(const void *row, const struct view_field *f)
{
	return ROW(row)->c ? view_u64(ROW(row)->c->pages[f->arg]) : view_absent();
}

static struct view_value row_inode(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->inode);
}

static struct view_value row_offset(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->offset);
}

static struct view_value row_inferred(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->inferred ? view_bool(true) : view_absent();
}

static struct view_value row_mappings(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->mappings);
}

/* "pages": every class by its name in the model (cow.c), and "inferred". */
static void pages_json(struct json *j, const char *key, const void *row)
{
	const struct cow_counts *c = ROW(row)->c;
	int k;

	json_open(j, key, '{');
	for (k = 0; k < COW_NR; k++)
		json_u64(j, cow_class_names[k], c->pages[k]);
	json_u64(j, "inferred", c->inferred);
	json_close(j, '}');
}

#define CLASS_COLUMN(name_, cls, help_) {				\
	.name = (name_), .unit = VIEW_PAGES, .whint = 6,		\
	.flags = SCOLS_FL_RIGHT, .help = (help_),			\
	.get = row_class_pages, .arg = (cls) }

static const struct view_field cow_fields[] = {
	[COL_START]	= VIEW_START("first address", view_range_start),
	[COL_END]	= VIEW_END("end address (exclusive)", view_range_end),
	[COL_SIZE]	= VIEW_SIZE("size of the common part of the mapping (with --all: of the run)",
				    view_range_size),
	[COL_PERMS]	= VIEW_PERMS("rwx and s/p of the mapping in A", view_range_perms),
	[COL_CLASS]	= { .name = "CLASS", .key = "class", .whint = 8,
			    .help = "with --all: the class of the run", .get = row_class },
	[COL_SHARED]	= CLASS_COLUMN("SHARED", COW_SHARED, "the same frame on both sides"),
	[COL_COPIED]	= CLASS_COLUMN("COPIED", COW_COPIED, "different frames: copied on write"),
	[COL_ONLY_A]	= CLASS_COLUMN("ONLY_A", COW_ONLY_A, "present in A only"),
	[COL_ONLY_B]	= CLASS_COLUMN("ONLY_B", COW_ONLY_B, "present in B only"),
	[COL_KSM]	= CLASS_COLUMN("KSM", COW_KSM, "merged by KSM"),
	[COL_ZERO]	= CLASS_COLUMN("ZERO", COW_ZERO, "the zero page on both sides"),
	[COL_SWAPPED]	= CLASS_COLUMN("SWAPPED", COW_SWAPPED, "swapped out on either side"),
	[COL_NOT_PRESENT] = CLASS_COLUMN("NOT_PRESENT", COW_NOT_PRESENT,
					 "present on neither side"),
	[COL_OTHER]	= CLASS_COLUMN("OTHER", COW_OTHER,
				       "migration, device, hwpoison entries, markers"),
	[COL_NAME]	= VIEW_NAME("file name, [heap], [stack]..., empty for anonymous",
				    view_range_name),
	[COL_PATH]	= VIEW_PATH(view_range_path),
	[F_NAME]	= { .key = "name", .get = view_range_path },
	[F_INODE]	= { .key = "inode", .get = row_inode },
	[F_OFFSET]	= { .key = "offset", .get = row_offset },
	[F_INFERRED]	= { .key = "inferred", .get = row_inferred },
	[F_PAGES]	= { .key = "pages", .json = pages_json },
	[F_MAPPINGS]	= { .key = "mappings", .get = row_mappings },
};

static const int cow_default_columns[] = {
	COL_START, COL_SIZE, COL_PERMS, COL_SHARED, COL_COPIED, COL_ONLY_A,
	COL_ONLY_B, COL_KSM, COL_NAME,
};

static const int cow_all_columns[] = {
	COL_START, COL_END, COL_SIZE, COL_CLASS, COL_NAME,
};

/* JSON: a mapping's description (its ranges and counts follow), a run, the total. */
static const int mapping_json[] = { COL_START, COL_END, COL_PERMS, F_NAME, F_INODE, F_OFFSET };
static const int counts_json[] = { F_PAGES };
static const int run_json[] = { COL_START, COL_END, COL_CLASS, F_INFERRED };
static const int total_json[] = { F_MAPPINGS, F_PAGES };

static const struct view cow_view_model =
	VIEW_INIT_JSON(cow_fields, cow_default_columns, mapping_json);
static const struct view cow_runs_view = VIEW_INIT_JSON(cow_fields, cow_all_columns, run_json);
static const struct view cow_counts_view = VIEW_JSON(cow_fields, counts_json);
static const struct view cow_total_view = VIEW_JSON(cow_fields, total_json);

struct cow_view {
	struct ptscope *ps;
	uint64_t pid_a, pid_b;
	uint64_t start, end;	/* the RANGE asked for */
	bool ranged;
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	bool started;
	struct range_list vmas_a, vmas_b;	/* struct ptscope_vma */
	struct range_list ra, rb;		/* regions of one window */
	struct cow_counts total;
	uint64_t mappings;
	uint64_t unmatched_a, unmatched_b;	/* bytes mapped by one side only */
	/* The mapping being reported and its run in progress (--all). */
	const struct ptscope_vma *vma;
	struct cow_counts counts;
	struct run_acc run;	/* key: class | method << 8 */
};

static void cow_json_start(struct cow_view *v)
{
	if (v->started)
		return;
	v->started = true;
	json_init(&v->json, stdout, opts.pretty);
	json_open(&v->json, NULL, '{');
	json_u64(&v->json, "pid_a", v->pid_a);
	json_u64(&v->json, "pid_b", v->pid_b);
	if (v->ranged) {
		json_open(&v->json, "range", '{');
		json_u64(&v->json, "start", v->start);
		json_u64(&v->json, "end", v->end);
		json_close(&v->json, '}');
	}
	json_open(&v->json, "mappings", '[');
}

/* A table line: a mapping (@c), a run (--all: @cls), or the total (@m NULL). */
static int cow_line(struct cow_view *v, const struct ptscope_vma *m,
		    uint64_t s, uint64_t e, const struct cow_counts *c, int cls)
{
	char total[32];
	struct cow_row row = {
		.range = { .start = s, .end = e, .flags = m ? m->flags : 0,
			   .name = m ? m->name : NULL, .total = total },
		.c = c, .cls = cls,
	};

	snprintf(total, sizeof(total), "(%" PRIu64 " mappings)", v->mappings);
	return view_table_add(v->tb, &v->cols, &cow_view_model, &row);
}

/* A run of --all: one class, found one way. */
static int cow_emit_run(void *view, uint64_t s, uint64_t e, unsigned int key)
{
	struct cow_view *v = view;
	enum cow_class cls = key & 0xff;

	struct cow_row row = {
		.range = { .start = s, .end = e, .flags = v->vma->flags,
			   .name = v->vma->name },
		.cls = cls, .inferred = key >> 8 == COW_BY_MAPCOUNT,
	};

	if (opts.json) {
		json_open(&v->json, NULL, '{');
		view_json_members(&v->json, &cow_runs_view, &row);
		json_close(&v->json, '}');
		return 0;
	}
	return cow_line(v, v->vma, s, e, NULL, cls);
}

/* --all: pieces of one class join into a run. */
static int cow_run(uint64_t s, uint64_t e, enum cow_class cls,
		   enum cow_method method, void *arg)
{
	struct cow_view *v = arg;

	return run_add(&v->run, s, e, cls | method << 8, true);
}

static int add_region(const struct ptscope_page_region *r, void *arg)
{
	return range_list_add(arg, r);
}

/* One common piece [s, e) of mapping @a (in A) and @b (in B). */
static int cow_mapping(struct cow_view *v, uint64_t s, uint64_t e,
		       const struct ptscope_vma *a)
{
	uint64_t flags = PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN, w, we;
	struct cow_row row = {
		.range = { .start = s, .end = e, .flags = a->flags, .name = a->name },
		.c = &v->counts, .cls = -1, .inode = a->inode,
		.offset = a->pgoff + (s - a->start),
	};
	int ret = 0, k;

	v->vma = a;
	memset(&v->counts, 0, sizeof(v->counts));
	v->mappings++;
	if (opts.json) {
		cow_json_start(v);
		json_open(&v->json, NULL, '{');
		view_json_members(&v->json, &cow_view_model, &row);
		if (opts.all)
			json_open(&v->json, "ranges", '[');
	}
	for (w = s; w < e && !ret; w = we) {
		we = e - w > COW_WINDOW ? w + COW_WINDOW : e;
		v->ra.nr = v->rb.nr = 0;
		ret = ptscope_pages(v->ps, v->pid_a, w, we, flags, add_region, &v->ra);
		if (!ret)
			ret = ptscope_pages(v->ps, v->pid_b, w, we, flags, add_region, &v->rb);
		if (!ret)
			ret = cow_window(&v->ra, &v->rb, w, we, &v->counts,
					 opts.all ? cow_run : NULL, v);
	}
	if (!ret)
		ret = run_flush(&v->run);
	if (opts.json) {
		if (opts.all)
			json_close(&v->json, ']');
		view_json_members(&v->json, &cow_counts_view, &row);
		json_close(&v->json, '}');
	} else if (!ret && !opts.all) {
		ret = cow_line(v, a, s, e, &v->counts, -1);
	}
	for (k = 0; k < COW_NR; k++)
		v->total.pages[k] += v->counts.pages[k];
	v->total.inferred += v->counts.inferred;
	return ret;
}

static int cow_piece(uint64_t s, uint64_t e, const void *a, const void *b,
		     void *arg)
{
	struct cow_view *v = arg;

	if (a && b && cow_same_mapping(a, b, s))
		return cow_mapping(v, s, e, a);
	if (a)
		v->unmatched_a += e - s;
	if (b)
		v->unmatched_b += e - s;
	return 0;
}

static int add_vma(const struct ptscope_vma *m, void *arg)
{
	return range_list_add(arg, m);
}

static void cow_finish(struct cow_view *v)
{
	const char *method = v->total.inferred ? "mapcount" : "frame";
	struct cow_row total = { .c = &v->total, .mappings = v->mappings };
	char sz[32];
	int k;

	if (opts.json) {
		cow_json_start(v);
		json_close(&v->json, ']');
		json_str(&v->json, "method", method);
		json_open(&v->json, "totals", '{');
		view_json_members(&v->json, &cow_total_view, &total);
		json_close(&v->json, '}');
		json_open(&v->json, "unmatched", '{');
		json_u64(&v->json, "a_bytes", v->unmatched_a);
		json_u64(&v->json, "b_bytes", v->unmatched_b);
		json_close(&v->json, '}');
		json_open(&v->json, "legend", '{');
		for (k = 0; k < COW_NR; k++)
			json_str(&v->json, cow_class_names[k], cow_class_help[k]);
		json_close(&v->json, '}');
		json_close(&v->json, '}');
		return;
	}
	if (!opts.all)
		cow_line(v, NULL, 0, 0, &v->total, -1);
	scols_print_table(v->tb);
	if (opts.raw || opts.noheadings)
		return;
	/* The legend: each class seen, its total and what it means. */
	for (k = 0; k < COW_NR; k++)
		if (v->total.pages[k])
			printf("%-11s %7s  %s\n", cow_class_names[k],
			       format_size(sz, sizeof(sz), v->total.pages[k] * PW_PAGE),
			       cow_class_help[k]);
	if (v->total.inferred)
		printf("shared/copied inferred from mapcount and anon-exclusive for %s: frames need root (CAP_SYS_ADMIN)\n",
		       format_size(sz, sizeof(sz), v->total.inferred * PW_PAGE));
	if (v->unmatched_a || v->unmatched_b)
		printf("not compared: %s", format_size(sz, sizeof(sz), v->unmatched_a));
	if (v->unmatched_a || v->unmatched_b)
		printf(" mapped in A only, %s in B only (or by another file)\n",
		       format_size(sz, sizeof(sz), v->unmatched_b));
}

static void cow_usage(FILE *f)
{
	int k;

	fprintf(f, "Usage: ptscope cow PID_A PID_B [RANGE]\n\n"
		   "Compare two processes (a parent and its child, usually) page by\n"
		   "page over the mappings they have in common (the same anonymous\n"
		   "mapping, or the same file at the same offset), and count each\n"
		   "page in one class; --all lists the runs of each class instead.\n"
		   "RANGE (START, START-END or START+LENGTH) limits the comparison\n"
		   "to the parts of those mappings inside it.\n"
		   "Frames are compared as root; otherwise shared and copied are\n"
		   "inferred from mapcount and anon-exclusive, and said so.\n\n"
		   "Classes:\n");
	for (k = 0; k < COW_NR; k++)
		fprintf(f, "  %-11s %s\n", cow_class_names[k], cow_class_help[k]);
	fputc('\n', f);
	view_help(f, &cow_view_model);
}

int cmd_cow(int argc, char **argv)
{
	uint64_t start = 0, end = PTSCOPE_USER_TOP;
	struct cow_view v = { 0 };
	int ret;

	v.run.emit = cow_emit_run;
	v.run.view = &v;
	if (opts.help) {
		cow_usage(stdout);
		return 0;
	}
	if (argc != 3 && argc != 4) {
		cow_usage(stderr);
		return 2;
	}
	if (parse_pid(argv[1], &v.pid_a))
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	if (parse_pid(argv[2], &v.pid_b))
		return cli_error("'%s' is not a process id", argv[2]) + 1;
	if (argc == 4 && parse_range(argv[3], &start, &end))
		return cli_error("'%s' is not an address range (START, START-END or START+LENGTH)",
				 argv[3]) + 1;
	v.ranged = argc == 4;
	v.start = start;
	v.end = end;
	if (view_select(&v.cols, opts.all ? &cow_runs_view : &cow_view_model))
		return 2;
	v.ps = cli_open();
	if (!v.ps)
		return 1;
	range_list_init(&v.vmas_a, sizeof(struct ptscope_vma));
	range_list_init(&v.vmas_b, sizeof(struct ptscope_vma));
	range_list_init(&v.ra, sizeof(struct ptscope_page_region));
	range_list_init(&v.rb, sizeof(struct ptscope_page_region));
	if (!opts.json) {
		v.tb = view_table_new(&v.cols, &cow_view_model);
		if (!v.tb) {
			cli_close(v.ps);
			return cli_error("out of memory");
		}
	}
	ret = ptscope_maps(v.ps, v.pid_a, start, end, add_vma, &v.vmas_a, NULL);
	if (ret) {
		cli_error("mappings of %" PRIu64 ": %s", v.pid_a, ptscope_strerror(ret));
		goto out;
	}
	ret = ptscope_maps(v.ps, v.pid_b, start, end, add_vma, &v.vmas_b, NULL);
	if (ret) {
		cli_error("mappings of %" PRIu64 ": %s", v.pid_b, ptscope_strerror(ret));
		goto out;
	}
	ret = pairwalk(&v.vmas_a, &v.vmas_b, start, end, cow_piece, &v);
	if (ret) {
		if (opts.json && v.started) {
			json_close(&v.json, ']');	/* complete, then the error */
			json_close(&v.json, '}');
		}
		cli_error("pages of %" PRIu64 " and %" PRIu64 ": %s", v.pid_a,
			  v.pid_b, ptscope_strerror(ret));
		goto out;
	}
	cow_finish(&v);
out:
	if (v.tb)
		scols_unref_table(v.tb);
	range_list_free(&v.vmas_a);
	range_list_free(&v.vmas_b);
	range_list_free(&v.ra);
	range_list_free(&v.rb);
	if (cli_close(v.ps))
		return 1;
	return ret ? 1 : 0;
}
