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

/*
 * Regions are fetched a window at a time, so memory follows the regions of
 * one window (at most one per page: 1.2 MiB a side for 64 MiB of 4 KiB
 * pages with frames), never the size of the process.
 */
#define COW_WINDOW (64ULL << 20)

enum {
	COL_START, COL_END, COL_SIZE, COL_PERMS, COL_CLASS, COL_SHARED,
	COL_COPIED, COL_ONLY_A, COL_ONLY_B, COL_KSM, COL_ZERO, COL_SWAPPED,
	COL_NOT_PRESENT, COL_OTHER, COL_NAME, COL_PATH,
};

static const struct cli_column cow_columns[] = {
	[COL_START]	= { "START", 14, SCOLS_FL_RIGHT, "first address" },
	[COL_END]	= { "END", 14, SCOLS_FL_RIGHT, "end address (exclusive)" },
	[COL_SIZE]	= { "SIZE", 6, SCOLS_FL_RIGHT, "size of the common part of the mapping (with --all: of the run)" },
	[COL_PERMS]	= { "PERMS", 4, 0, "rwx and s/p of the mapping in A" },
	[COL_CLASS]	= { "CLASS", 8, 0, "with --all: the class of the run" },
	[COL_SHARED]	= { "SHARED", 6, SCOLS_FL_RIGHT, "the same frame on both sides" },
	[COL_COPIED]	= { "COPIED", 6, SCOLS_FL_RIGHT, "different frames: copied on write" },
	[COL_ONLY_A]	= { "ONLY_A", 6, SCOLS_FL_RIGHT, "present in A only" },
	[COL_ONLY_B]	= { "ONLY_B", 6, SCOLS_FL_RIGHT, "present in B only" },
	[COL_KSM]	= { "KSM", 6, SCOLS_FL_RIGHT, "merged by KSM" },
	[COL_ZERO]	= { "ZERO", 6, SCOLS_FL_RIGHT, "the zero page on both sides" },
	[COL_SWAPPED]	= { "SWAPPED", 6, SCOLS_FL_RIGHT, "swapped out on either side" },
	[COL_NOT_PRESENT] = { "NOT_PRESENT", 6, SCOLS_FL_RIGHT, "present on neither side" },
	[COL_OTHER]	= { "OTHER", 6, SCOLS_FL_RIGHT, "migration, device, hwpoison entries, markers" },
	[COL_NAME]	= { "NAME", 16, SCOLS_FL_TRUNC, "file name, [heap], [stack]..., empty for anonymous" },
	[COL_PATH]	= { "PATH", 30, SCOLS_FL_TRUNC, "NAME with the file's whole path" },
};

static const int cow_default_columns[] = {
	COL_START, COL_SIZE, COL_PERMS, COL_SHARED, COL_COPIED, COL_ONLY_A,
	COL_ONLY_B, COL_KSM, COL_NAME,
};

static const int cow_all_columns[] = {
	COL_START, COL_END, COL_SIZE, COL_CLASS, COL_NAME,
};

/* The count column of each class. */
static const int class_column[COW_NR] = {
	[COW_SWAPPED] = COL_SWAPPED, [COW_OTHER] = COL_OTHER,
	[COW_NOT_PRESENT] = COL_NOT_PRESENT, [COW_ONLY_A] = COL_ONLY_A,
	[COW_ONLY_B] = COL_ONLY_B, [COW_KSM] = COL_KSM, [COW_ZERO] = COL_ZERO,
	[COW_SHARED] = COL_SHARED, [COW_COPIED] = COL_COPIED,
};

struct cow_view {
	struct ptscope *ps;
	uint64_t pid_a, pid_b;
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

static const enum range_column cow_range_columns[] = {
	[COL_START] = RANGE_START, [COL_END] = RANGE_END,
	[COL_SIZE] = RANGE_SIZE, [COL_PERMS] = RANGE_PERMS,
	[COL_NAME] = RANGE_NAME, [COL_PATH] = RANGE_PATH,
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
	json_open(&v->json, "mappings", '[');
}

/* A row: a mapping (@c), a run (--all: @cls), or the total (@m NULL). */
static int cow_row(struct cow_view *v, const struct ptscope_vma *m,
		   uint64_t s, uint64_t e, const struct cow_counts *c, int cls)
{
	struct libscols_line *ln = scols_table_new_line(v->tb, NULL);
	char buf[512], total[32];
	size_t i;
	int k;

	if (!ln)
		return -ENOMEM;
	snprintf(total, sizeof(total), "(%" PRIu64 " mappings)", v->mappings);
	for (i = 0; i < v->cols.nr; i++) {
		int col = v->cols.ids[i];

		range_cell(buf, sizeof(buf), cow_range_columns[col], s, e,
			   m ? m->flags : 0, m ? m->name : NULL, total);
		switch (col) {
		case COL_CLASS:
			if (cls >= 0)
				snprintf(buf, sizeof(buf), "%s", cow_class_names[cls]);
			break;
		default:
			for (k = 0; k < COW_NR; k++)
				if (class_column[k] == col && c)
					cli_size(buf, sizeof(buf), c->pages[k] * PW_PAGE);
			break;
		}
		scols_line_set_data(ln, i, buf);
	}
	return 0;
}

/* A run of --all: one class, found one way. */
static int cow_emit_run(void *view, uint64_t s, uint64_t e, unsigned int key)
{
	struct cow_view *v = view;
	enum cow_class cls = key & 0xff;

	if (opts.json) {
		json_open(&v->json, NULL, '{');
		json_u64(&v->json, "start", s);
		json_u64(&v->json, "end", e);
		json_str(&v->json, "class", cow_class_names[cls]);
		if (key >> 8 == COW_BY_MAPCOUNT)
			json_bool(&v->json, "inferred", true);
		json_close(&v->json, '}');
		return 0;
	}
	return cow_row(v, v->vma, s, e, NULL, cls);
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

static void json_counts(struct json *j, const struct cow_counts *c)
{
	int k;

	json_open(j, "pages", '{');
	for (k = 0; k < COW_NR; k++)
		json_u64(j, cow_class_names[k], c->pages[k]);
	json_u64(j, "inferred", c->inferred);
	json_close(j, '}');
}

/* One common piece [s, e) of mapping @a (in A) and @b (in B). */
static int cow_mapping(struct cow_view *v, uint64_t s, uint64_t e,
		       const struct ptscope_vma *a)
{
	uint64_t flags = PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN, w, we;
	char perms[8];
	int ret = 0, k;

	v->vma = a;
	memset(&v->counts, 0, sizeof(v->counts));
	v->mappings++;
	if (opts.json) {
		cow_json_start(v);
		format_perms(perms, a->flags);
		json_open(&v->json, NULL, '{');
		json_u64(&v->json, "start", s);
		json_u64(&v->json, "end", e);
		json_str(&v->json, "perms", perms);
		json_str(&v->json, "name", a->name);
		json_u64(&v->json, "inode", a->inode);
		json_u64(&v->json, "offset", a->pgoff + (s - a->start));
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
		json_counts(&v->json, &v->counts);
		json_close(&v->json, '}');
	} else if (!ret && !opts.all) {
		ret = cow_row(v, a, s, e, &v->counts, -1);
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
	char sz[32];
	int k;

	if (opts.json) {
		cow_json_start(v);
		json_close(&v->json, ']');
		json_str(&v->json, "method", method);
		json_open(&v->json, "totals", '{');
		json_u64(&v->json, "mappings", v->mappings);
		json_counts(&v->json, &v->total);
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
		cow_row(v, NULL, 0, 0, &v->total, -1);
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

	fprintf(f, "Usage: ptscope cow PID_A PID_B\n\n"
		   "Compare two processes (a parent and its child, usually) page by\n"
		   "page over the mappings they have in common (the same anonymous\n"
		   "mapping, or the same file at the same offset), and count each\n"
		   "page in one class; --all lists the runs of each class instead.\n"
		   "Frames are compared as root; otherwise shared and copied are\n"
		   "inferred from mapcount and anon-exclusive, and said so.\n\n"
		   "Classes:\n");
	for (k = 0; k < COW_NR; k++)
		fprintf(f, "  %-11s %s\n", cow_class_names[k], cow_class_help[k]);
	fputc('\n', f);
	cli_columns_help(f, cow_columns, ARRAY_SIZE(cow_columns));
}

int cmd_cow(int argc, char **argv)
{
	struct cow_view v = { 0 };
	int ret;

	v.run.emit = cow_emit_run;
	v.run.view = &v;
	if (opts.help) {
		cow_usage(stdout);
		return 0;
	}
	if (argc != 3) {
		cow_usage(stderr);
		return 2;
	}
	if (parse_pid(argv[1], &v.pid_a))
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	if (parse_pid(argv[2], &v.pid_b))
		return cli_error("'%s' is not a process id", argv[2]) + 1;
	if (opts.all)
		ret = cli_columns_select(&v.cols, cow_columns, ARRAY_SIZE(cow_columns),
					 cow_all_columns, ARRAY_SIZE(cow_all_columns));
	else
		ret = cli_columns_select(&v.cols, cow_columns, ARRAY_SIZE(cow_columns),
					 cow_default_columns,
					 ARRAY_SIZE(cow_default_columns));
	if (ret)
		return 2;
	v.ps = cli_open();
	if (!v.ps)
		return 1;
	range_list_init(&v.vmas_a, sizeof(struct ptscope_vma));
	range_list_init(&v.vmas_b, sizeof(struct ptscope_vma));
	range_list_init(&v.ra, sizeof(struct ptscope_page_region));
	range_list_init(&v.rb, sizeof(struct ptscope_page_region));
	if (!opts.json) {
		v.tb = cli_table_new(&v.cols, cow_columns);
		if (!v.tb) {
			cli_close(v.ps);
			return cli_error("out of memory");
		}
	}
	ret = ptscope_maps(v.ps, v.pid_a, 0, CLI_USER_TOP, add_vma, &v.vmas_a, NULL);
	if (ret) {
		cli_error("mappings of %" PRIu64 ": %s", v.pid_a, ptscope_strerror(ret));
		goto out;
	}
	ret = ptscope_maps(v.ps, v.pid_b, 0, CLI_USER_TOP, add_vma, &v.vmas_b, NULL);
	if (ret) {
		cli_error("mappings of %" PRIu64 ": %s", v.pid_b, ptscope_strerror(ret));
		goto out;
	}
	ret = pairwalk(&v.vmas_a, &v.vmas_b, 0, CLI_USER_TOP, cow_piece, &v);
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
