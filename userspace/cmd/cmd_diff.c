// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope diff FILE_A FILE_B: what changed, page by page, between two
 * snapshots (ptscope snapshot) of a process.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "format.h"
#include "json.h"
#include "runs.h"
#include "view.h"
#include "snapdiff.h"
#include "snapshot.h"

/* A row: a piece of a mapping with changes, a run (--all), or the total. */
struct diff_row {
	struct view_range range;
	const struct diff_counts *c;	/* NULL on a run */
	int changes;			/* a run's DIFF_* bits, else -1 */
	bool frames;			/* both snapshots have frames */
	bool in_a, in_b;
	uint64_t mappings;		/* the total's */
};

#define ROW(row) ((const struct diff_row *)(row))

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_CHANGES, COL_PRESENT,
	COL_DROPPED, COL_FRAME, COL_WRITABLE, COL_READONLY, COL_SWAPOUT,
	COL_SWAPIN, COL_COLLAPSED, COL_SPLIT, COL_ADDED, COL_REMOVED,
	COL_UNCHANGED, COL_NAME, COL_PATH,
	/* JSON only */
	F_NAME, F_IN_A, F_IN_B, F_PAGES, F_MAPPINGS,
};

static void changes_cell(char *buf, size_t len, const void *row)
{
	if (ROW(row)->changes >= 0)
		diff_format(buf, len, ROW(row)->changes);
}

static void changes_json(struct json *j, const char *key, const void *row)
{
	int k;

	json_open(j, key, '[');
	for (k = 0; k < DIFF_NR; k++)
		if (ROW(row)->changes & (1 << k))
			json_str(j, NULL, diff_change_names[k]);
	json_close(j, ']');
}

/* The pages with change @f->arg; frame changes unknown without frames. */
static struct view_value row_change_pages(const void *row, const struct view_field *f)
{
	const struct diff_row *r = row;

	if (!r->c)
		return view_absent();
	if (f->arg == DIFF_FRAME && !r->frames)
		return view_null();
	return view_u64(r->c->pages[f->arg]);
}

static struct view_value row_unchanged(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->c ? view_u64(ROW(row)->c->unchanged) : view_absent();
}

static struct view_value row_in_a(const void *row, const struct view_field *f)
{
	(void)f;
	return view_bool(ROW(row)->in_a);
}

static struct view_value row_in_b(const void *row, const struct view_field *f)
{
	(void)f;
	return view_bool(ROW(row)->in_b);
}

static struct view_value row_mappings(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->mappings);
}

/* "pages": every change by its name in the model (snapdiff.c), and the sums. */
static void pages_json(struct json *j, const char *key, const void *row)
{
	const struct diff_row *r = row;
	const struct view_field f = { 0 };
	struct view_field change = f;
	int k;

	json_open(j, key, '{');
	for (k = 0; k < DIFF_NR; k++) {
		change.arg = k;
		if (row_change_pages(row, &change).kind == VIEW_NULL)
			json_null(j, diff_change_names[k]);
		else
			json_u64(j, diff_change_names[k], r->c->pages[k]);
	}
	json_u64(j, "changed", r->c->changed);
	json_u64(j, "unchanged", r->c->unchanged);
	json_u64(j, "frames_unknown", r->c->frames_unknown);
	json_close(j, '}');
}

#define CHANGE_COLUMN(name_, change, help_) {				\
	.name = (name_), .unit = VIEW_PAGES, .whint = 6,		\
	.flags = SCOLS_FL_RIGHT, .help = (help_),			\
	.get = row_change_pages, .arg = (change) }

static const struct view_field diff_fields[] = {
	[COL_START]	= VIEW_START("first address", view_range_start),
	[COL_END]	= VIEW_END("end address (exclusive)", view_range_end),
	[COL_SIZE]	= VIEW_SIZE("size of the piece of mapping (with --all: of the run)",
				    view_range_size),
	[COL_PERMS]	= VIEW_PERMS("rwx and s/p of the mapping (now, or before if removed)",
				     view_range_perms),
	[COL_CHANGES]	= { .name = "CHANGES", .key = "changes", .whint = 16,
			    .flags = SCOLS_FL_WRAP, .help = "with --all: the changes of the run",
			    .cell = changes_cell, .json = changes_json },
	[COL_PRESENT]	= CHANGE_COLUMN("PRESENT", DIFF_PRESENT, "became present"),
	[COL_DROPPED]	= CHANGE_COLUMN("DROPPED", DIFF_NOT_PRESENT, "became not present"),
	[COL_FRAME]	= CHANGE_COLUMN("FRAME", DIFF_FRAME,
					"present in both, frame changed (- if frames are hidden)"),
	[COL_WRITABLE]	= CHANGE_COLUMN("WRITABLE", DIFF_WRITABLE, "became writable"),
	[COL_READONLY]	= CHANGE_COLUMN("READONLY", DIFF_READONLY, "became read-only"),
	[COL_SWAPOUT]	= CHANGE_COLUMN("SWAPOUT", DIFF_SWAPPED_OUT, "swapped out"),
	[COL_SWAPIN]	= CHANGE_COLUMN("SWAPIN", DIFF_SWAPPED_IN, "swapped in"),
	[COL_COLLAPSED]	= CHANGE_COLUMN("COLLAPSED", DIFF_COLLAPSED,
					"collapsed into a huge page (PTEs to a PMD leaf)"),
	[COL_SPLIT]	= CHANGE_COLUMN("SPLIT", DIFF_SPLIT, "huge leaf split into PTEs"),
	[COL_ADDED]	= CHANGE_COLUMN("ADDED", DIFF_MAPPED, "mapping added (or grown)"),
	[COL_REMOVED]	= CHANGE_COLUMN("REMOVED", DIFF_UNMAPPED, "mapping removed (or shrunk)"),
	[COL_UNCHANGED]	= { .name = "UNCHANGED", .unit = VIEW_PAGES, .whint = 6,
			    .flags = SCOLS_FL_RIGHT, .help = "mapped in both, no change",
			    .get = row_unchanged },
	[COL_NAME]	= VIEW_NAME("file name, [heap], [stack]..., empty for anonymous",
				    view_range_name),
	[COL_PATH]	= VIEW_PATH(view_range_path),
	[F_NAME]	= { .key = "name", .get = view_range_path },
	[F_IN_A]	= { .key = "in_a", .get = row_in_a },
	[F_IN_B]	= { .key = "in_b", .get = row_in_b },
	[F_PAGES]	= { .key = "pages", .json = pages_json },
	[F_MAPPINGS]	= { .key = "mappings", .get = row_mappings },
};

static const int diff_default_columns[] = {
	COL_START, COL_SIZE, COL_PRESENT, COL_DROPPED, COL_FRAME, COL_WRITABLE,
	COL_SWAPOUT, COL_COLLAPSED, COL_NAME,
};

static const int diff_all_columns[] = {
	COL_START, COL_END, COL_SIZE, COL_CHANGES, COL_NAME,
};

/* JSON: a piece (its ranges follow with --all), a run, the total. */
static const int piece_json[] = {
	COL_START, COL_END, COL_PERMS, F_NAME, F_IN_A, F_IN_B, F_PAGES,
};
static const int run_json[] = { COL_START, COL_END, COL_CHANGES };
static const int total_json[] = { F_MAPPINGS, F_PAGES };

static const struct view diff_view_model =
	VIEW_INIT_JSON(diff_fields, diff_default_columns, piece_json);
static const struct view diff_runs_view = VIEW_INIT_JSON(diff_fields, diff_all_columns, run_json);
static const struct view diff_total_view = VIEW_JSON(diff_fields, total_json);

struct diff_view {
	struct snapshot a, b;
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	struct diff_counts total;
	bool frames;			/* both snapshots have frames */
	uint64_t mappings;		/* pieces with a change */
	/* The piece being reported and its run in progress (--all). */
	const struct snap_vma *vma;
	struct run_acc run;	/* key: the changes, DIFF_* bits */
	int err;
};

/* A table line: a piece (@c), a run (--all: @changes), or the total (@m NULL). */
static int diff_line(struct diff_view *v, const struct snap_vma *m, uint64_t s,
		     uint64_t e, const struct diff_counts *c, int changes)
{
	char total[32];
	struct diff_row row = {
		.range = { .start = s, .end = e, .flags = m ? m->flags : 0,
			   .name = m ? m->name : NULL, .total = total },
		.c = c, .changes = changes, .frames = v->frames,
	};

	snprintf(total, sizeof(total), "(%" PRIu64 " changed)", v->mappings);
	return view_table_add(v->tb, &v->cols, &diff_view_model, &row);
}

/* A run of --all: one set of changes. */
static int diff_emit_run(void *view, uint64_t s, uint64_t e,
			 unsigned int changes)
{
	struct diff_view *v = view;

	struct diff_row row = {
		.range = { .start = s, .end = e, .flags = v->vma->flags,
			   .name = v->vma->name },
		.changes = changes,
	};

	if (opts.json) {
		json_open(&v->json, NULL, '{');
		view_json_members(&v->json, &diff_runs_view, &row);
		json_close(&v->json, '}');
		return 0;
	}
	return diff_line(v, v->vma, s, e, NULL, changes);
}

/* --all: pieces with the same changes join into a run; none: no run. */
static int diff_run(uint64_t s, uint64_t e, unsigned int changes, void *arg)
{
	struct diff_view *v = arg;

	return run_add(&v->run, s, e, changes, changes != 0);
}

/* A piece [s, e) where the mapping of each side (or its absence) is fixed. */
static int diff_piece(uint64_t s, uint64_t e, const void *ma, const void *mb,
		      void *arg)
{
	struct diff_view *v = arg;
	const struct snap_vma *m = mb ? mb : ma;
	struct diff_counts c = { 0 };
	struct diff_row row = {
		.range = { .start = s, .end = e },
		.c = &c, .changes = -1, .frames = v->frames, .in_a = ma, .in_b = mb,
	};
	int ret, k;

	if (!ma && !mb)
		return 0;
	ret = diff_window(&v->a.regions, &v->b.regions, ma, mb, s, e, &c,
			  NULL, NULL);
	for (k = 0; k < DIFF_NR; k++)
		v->total.pages[k] += c.pages[k];
	v->total.changed += c.changed;
	v->total.unchanged += c.unchanged;
	v->total.frames_unknown += c.frames_unknown;
	if (ret || !c.changed)
		return ret;
	v->mappings++;
	v->vma = m;
	if (opts.json) {
		row.range.flags = m->flags;
		row.range.name = m->name;
		json_open(&v->json, NULL, '{');
		view_json_members(&v->json, &diff_view_model, &row);
		if (opts.all)
			json_open(&v->json, "ranges", '[');
	} else if (!opts.all) {
		return diff_line(v, m, s, e, &c, -1);
	}
	if (opts.all) {
		/* Again, now for the runs: counting first kept JSON simple. */
		struct diff_counts again = { 0 };

		ret = diff_window(&v->a.regions, &v->b.regions, ma, mb, s, e,
				  &again, diff_run, v);
		if (!ret)
			ret = run_flush(&v->run);
		if (opts.json)
			json_close(&v->json, ']');
	}
	if (opts.json)
		json_close(&v->json, '}');
	return ret;
}

static void json_header(struct json *j, const char *key, const char *file,
			const struct snap_header *h)
{
	json_open(j, key, '{');
	json_str(j, "file", file);
	json_u64(j, "pid", h->pid);
	json_str(j, "comm", h->comm);
	json_i64(j, "time", h->time_sec);
	json_i64(j, "time_nsec", h->time_nsec);
	json_str(j, "kernel", h->kernel);
	json_str(j, "module", h->module);
	json_u64(j, "format", h->version);
	json_bool(j, "frames", h->flags & SNAP_FRAMES);
	json_close(j, '}');
}

static void print_header(const char *label, const char *file,
			 const struct snap_header *h)
{
	char when[64];
	time_t t = h->time_sec;
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	printf("%s %s: pid %" PRIu64 " (%s) at %s, kernel %s%s\n", label, file,
	       (uint64_t)h->pid, h->comm, when, h->kernel,
	       h->flags & SNAP_FRAMES ? "" : ", no frames");
}

static void diff_usage(FILE *f)
{
	int k;

	fprintf(f, "Usage: ptscope diff FILE_A FILE_B\n\n"
		   "What changed between two snapshots of a process (taken with\n"
		   "'ptscope snapshot PID -o FILE'), from A to B: per piece of\n"
		   "mapping with a change and in total, or with --all the address\n"
		   "ranges and their changes.  Frames are compared only when both\n"
		   "snapshots have them (taken as root).  No module is needed.\n\n"
		   "Changes (a page may have several):\n");
	for (k = 0; k < DIFF_NR; k++)
		fprintf(f, "  %-18s %s\n", diff_change_names[k], diff_change_help[k]);
	fputc('\n', f);
	view_help(f, &diff_view_model);
}

static void diff_finish(struct diff_view *v, const char *fa, const char *fb)
{
	struct diff_row total = {
		.c = &v->total, .frames = v->frames, .mappings = v->mappings,
	};
	char sz[32];
	int k;

	if (opts.json) {
		json_close(&v->json, ']');
		json_open(&v->json, "totals", '{');
		view_json_members(&v->json, &diff_total_view, &total);
		json_close(&v->json, '}');
		json_open(&v->json, "legend", '{');
		for (k = 0; k < DIFF_NR; k++)
			json_str(&v->json, diff_change_names[k], diff_change_help[k]);
		json_close(&v->json, '}');
		json_close(&v->json, '}');
		return;
	}
	if (!opts.raw && !opts.noheadings) {
		print_header("A", fa, &v->a.h);
		print_header("B", fb, &v->b.h);
	}
	if (!opts.all)
		diff_line(v, NULL, 0, 0, &v->total, -1);
	scols_print_table(v->tb);
	if (opts.raw || opts.noheadings)
		return;
	for (k = 0; k < DIFF_NR; k++)
		if (v->total.pages[k] && !(k == DIFF_FRAME && !v->frames))
			printf("%-18s %7s  %s\n", diff_change_names[k],
			       format_size(sz, sizeof(sz), v->total.pages[k] * PW_PAGE),
			       diff_change_help[k]);
	printf("%-18s %7s  mapped in both, no change\n", "unchanged",
	       format_size(sz, sizeof(sz), v->total.unchanged * PW_PAGE));
	if (!v->frames)
		printf("frame changes not compared: a snapshot was taken without frames (not root)\n");
	if (v->a.h.pid != v->b.h.pid)
		printf("note: the snapshots are of different processes\n");
}

int cmd_diff(int argc, char **argv)
{
	struct diff_view v = { 0 };
	char err[256];
	int ret;

	v.run.emit = diff_emit_run;
	v.run.view = &v;
	if (opts.help) {
		diff_usage(stdout);
		return 0;
	}
	if (argc != 3) {
		diff_usage(stderr);
		return 2;
	}
	if (view_select(&v.cols, opts.all ? &diff_runs_view : &diff_view_model))
		return 2;
	if (snap_read(argv[1], &v.a, err, sizeof(err)))
		return cli_error("%s: %s", argv[1], err);
	if (snap_read(argv[2], &v.b, err, sizeof(err))) {
		snap_free(&v.a);
		return cli_error("%s: %s", argv[2], err);
	}
	v.frames = v.a.h.flags & v.b.h.flags & SNAP_FRAMES;
	if (opts.json) {
		json_init(&v.json, stdout, opts.pretty);
		json_open(&v.json, NULL, '{');
		json_header(&v.json, "a", argv[1], &v.a.h);
		json_header(&v.json, "b", argv[2], &v.b.h);
		json_bool(&v.json, "frames", v.frames);
		json_open(&v.json, "mappings", '[');
	} else {
		v.tb = view_table_new(&v.cols, &diff_view_model);
		if (!v.tb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = pairwalk(&v.a.vmas, &v.b.vmas, 0, ~(PW_PAGE - 1), diff_piece, &v);
	if (!ret)
		diff_finish(&v, argv[1], argv[2]);
out:
	if (v.tb)
		scols_unref_table(v.tb);
	snap_free(&v.a);
	snap_free(&v.b);
	if (ret)
		return cli_error("diff: %s", strerror(-ret));
	return 0;
}
