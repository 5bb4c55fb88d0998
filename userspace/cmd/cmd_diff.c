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
#include "snapdiff.h"
#include "snapshot.h"

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_CHANGES, COL_PRESENT,
	COL_DROPPED, COL_FRAME, COL_WRITABLE, COL_READONLY, COL_SWAPOUT,
	COL_SWAPIN, COL_COLLAPSED, COL_SPLIT, COL_ADDED, COL_REMOVED,
	COL_UNCHANGED, COL_NAME, COL_PATH,
};

static const struct cli_column diff_columns[] = {
	[COL_START]	= { "START", 14, SCOLS_FL_RIGHT, "first address" },
	[COL_END]	= { "END", 14, SCOLS_FL_RIGHT, "end address (exclusive)" },
	[COL_SIZE]	= { "SIZE", 6, SCOLS_FL_RIGHT, "size of the piece of mapping (with --all: of the run)" },
	[COL_PERMS]	= { "PERMS", 4, 0, "rwx and s/p of the mapping (now, or before if removed)" },
	[COL_CHANGES]	= { "CHANGES", 16, SCOLS_FL_WRAP, "with --all: the changes of the run" },
	[COL_PRESENT]	= { "PRESENT", 6, SCOLS_FL_RIGHT, "became present" },
	[COL_DROPPED]	= { "DROPPED", 6, SCOLS_FL_RIGHT, "became not present" },
	[COL_FRAME]	= { "FRAME", 6, SCOLS_FL_RIGHT, "present in both, frame changed (- if frames are hidden)" },
	[COL_WRITABLE]	= { "WRITABLE", 6, SCOLS_FL_RIGHT, "became writable" },
	[COL_READONLY]	= { "READONLY", 6, SCOLS_FL_RIGHT, "became read-only" },
	[COL_SWAPOUT]	= { "SWAPOUT", 6, SCOLS_FL_RIGHT, "swapped out" },
	[COL_SWAPIN]	= { "SWAPIN", 6, SCOLS_FL_RIGHT, "swapped in" },
	[COL_COLLAPSED]	= { "COLLAPSED", 6, SCOLS_FL_RIGHT, "collapsed into a huge page (PTEs to a PMD leaf)" },
	[COL_SPLIT]	= { "SPLIT", 6, SCOLS_FL_RIGHT, "huge leaf split into PTEs" },
	[COL_ADDED]	= { "ADDED", 6, SCOLS_FL_RIGHT, "mapping added (or grown)" },
	[COL_REMOVED]	= { "REMOVED", 6, SCOLS_FL_RIGHT, "mapping removed (or shrunk)" },
	[COL_UNCHANGED]	= { "UNCHANGED", 6, SCOLS_FL_RIGHT, "mapped in both, no change" },
	[COL_NAME]	= { "NAME", 14, SCOLS_FL_TRUNC, "file name, [heap], [stack]..., empty for anonymous" },
	[COL_PATH]	= { "PATH", 30, SCOLS_FL_TRUNC, "NAME with the file's whole path" },
};

static const int diff_default_columns[] = {
	COL_START, COL_SIZE, COL_PRESENT, COL_DROPPED, COL_FRAME, COL_WRITABLE,
	COL_SWAPOUT, COL_COLLAPSED, COL_NAME,
};

static const int diff_all_columns[] = {
	COL_START, COL_END, COL_SIZE, COL_CHANGES, COL_NAME,
};

static const int change_column[DIFF_NR] = {
	[DIFF_PRESENT] = COL_PRESENT, [DIFF_NOT_PRESENT] = COL_DROPPED,
	[DIFF_FRAME] = COL_FRAME, [DIFF_WRITABLE] = COL_WRITABLE,
	[DIFF_READONLY] = COL_READONLY, [DIFF_SWAPPED_OUT] = COL_SWAPOUT,
	[DIFF_SWAPPED_IN] = COL_SWAPIN, [DIFF_COLLAPSED] = COL_COLLAPSED,
	[DIFF_SPLIT] = COL_SPLIT, [DIFF_MAPPED] = COL_ADDED,
	[DIFF_UNMAPPED] = COL_REMOVED,
};

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

static const enum range_column diff_range_columns[] = {
	[COL_START] = RANGE_START, [COL_END] = RANGE_END,
	[COL_SIZE] = RANGE_SIZE, [COL_PERMS] = RANGE_PERMS,
	[COL_NAME] = RANGE_NAME, [COL_PATH] = RANGE_PATH,
};

static int diff_row(struct diff_view *v, const struct snap_vma *m, uint64_t s,
		    uint64_t e, const struct diff_counts *c, int changes)
{
	struct libscols_line *ln = scols_table_new_line(v->tb, NULL);
	char buf[512], total[32];
	size_t i;
	int k;

	if (!ln)
		return -ENOMEM;
	snprintf(total, sizeof(total), "(%" PRIu64 " changed)", v->mappings);
	for (i = 0; i < v->cols.nr; i++) {
		int col = v->cols.ids[i];

		range_cell(buf, sizeof(buf), diff_range_columns[col], s, e,
			   m ? m->flags : 0, m ? m->name : NULL, total);
		switch (col) {
		case COL_CHANGES:
			if (changes >= 0)
				diff_format(buf, sizeof(buf), changes);
			break;
		case COL_UNCHANGED:
			if (c)
				cli_size(buf, sizeof(buf), c->unchanged * PW_PAGE);
			break;
		default:
			for (k = 0; k < DIFF_NR; k++) {
				if (change_column[k] != col || !c)
					continue;
				if (k == DIFF_FRAME && !v->frames)
					snprintf(buf, sizeof(buf), "-");
				else
					cli_size(buf, sizeof(buf), c->pages[k] * PW_PAGE);
			}
			break;
		}
		scols_line_set_data(ln, i, buf);
	}
	return 0;
}

static void json_changes(struct json *j, const char *key, unsigned int m)
{
	int k;

	json_open(j, key, '[');
	for (k = 0; k < DIFF_NR; k++)
		if (m & (1u << k))
			json_str(j, NULL, diff_change_names[k]);
	json_close(j, ']');
}

/* A run of --all: one set of changes. */
static int diff_emit_run(void *view, uint64_t s, uint64_t e,
			 unsigned int changes)
{
	struct diff_view *v = view;

	if (opts.json) {
		json_open(&v->json, NULL, '{');
		json_u64(&v->json, "start", s);
		json_u64(&v->json, "end", e);
		json_changes(&v->json, "changes", changes);
		json_close(&v->json, '}');
		return 0;
	}
	return diff_row(v, v->vma, s, e, NULL, changes);
}

/* --all: pieces with the same changes join into a run; none: no run. */
static int diff_run(uint64_t s, uint64_t e, unsigned int changes, void *arg)
{
	struct diff_view *v = arg;

	return run_add(&v->run, s, e, changes, changes != 0);
}

static void json_counts(struct diff_view *v, const struct diff_counts *c)
{
	struct json *j = &v->json;
	int k;

	json_open(j, "pages", '{');
	for (k = 0; k < DIFF_NR; k++) {
		if (k == DIFF_FRAME && !v->frames)
			json_null(j, diff_change_names[k]);
		else
			json_u64(j, diff_change_names[k], c->pages[k]);
	}
	json_u64(j, "changed", c->changed);
	json_u64(j, "unchanged", c->unchanged);
	json_u64(j, "frames_unknown", c->frames_unknown);
	json_close(j, '}');
}

/* A piece [s, e) where the mapping of each side (or its absence) is fixed. */
static int diff_piece(uint64_t s, uint64_t e, const void *ma, const void *mb,
		      void *arg)
{
	struct diff_view *v = arg;
	const struct snap_vma *m = mb ? mb : ma;
	struct diff_counts c = { 0 };
	char perms[8];
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
		format_perms(perms, m->flags);
		json_open(&v->json, NULL, '{');
		json_u64(&v->json, "start", s);
		json_u64(&v->json, "end", e);
		json_str(&v->json, "perms", perms);
		json_str(&v->json, "name", m->name);
		json_bool(&v->json, "in_a", ma);
		json_bool(&v->json, "in_b", mb);
		json_counts(v, &c);
		if (opts.all)
			json_open(&v->json, "ranges", '[');
	} else if (!opts.all) {
		return diff_row(v, m, s, e, &c, -1);
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
	cli_columns_help(f, diff_columns, ARRAY_SIZE(diff_columns));
}

static void diff_finish(struct diff_view *v, const char *fa, const char *fb)
{
	char sz[32];
	int k;

	if (opts.json) {
		json_close(&v->json, ']');
		json_open(&v->json, "totals", '{');
		json_u64(&v->json, "mappings", v->mappings);
		json_counts(v, &v->total);
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
		diff_row(v, NULL, 0, 0, &v->total, -1);
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
	if (cli_columns_select(&v.cols, diff_columns, ARRAY_SIZE(diff_columns),
			       opts.all ? diff_all_columns : diff_default_columns,
			       opts.all ? ARRAY_SIZE(diff_all_columns) :
					  ARRAY_SIZE(diff_default_columns)))
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
		v.tb = cli_table_new(&v.cols, diff_columns);
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
