// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope faults PID [--interval S] [--count N] [--threads]: the fault
 * counters of a process, once or as rates per interval.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "format.h"
#include "interval.h"
#include "json.h"
#include "view.h"

#define PAGE 4096ULL

struct faults_args {
	uint64_t pid;
	double interval;	/* 0: one sample */
	uint64_t count;		/* 0: until interrupted */
	bool threads;
};

static double rate(uint64_t delta, uint64_t ns)
{
	return ns ? delta * 1e9 / ns : 0;
}

/* A sample: its counters, the previous sample's (or NULL), its threads. */
struct faults_row {
	uint64_t pid;
	const struct ptscope_stats *st;
	const struct ptscope_stats *prev;
	uint64_t t0;
	const struct ptscope_thread *th;	/* NULL without --threads */
	size_t nr_threads;
};

#define ROW(row) ((const struct faults_row *)(row))
#define STAT(row, member) ((uint64_t)ROW(row)->st->member)

enum {
	COL_TIME, COL_MINOR, COL_MAJOR, COL_MINOR_RATE, COL_MAJOR_RATE,
	COL_RSS, COL_SWAP, COL_PT, COL_THREADS,
	/* JSON only */
	F_PID, F_TIMESTAMP, F_MINOR, F_MAJOR, F_CHILD_MINOR, F_CHILD_MAJOR,
	F_NS, F_MINOR_DELTA, F_MAJOR_DELTA, F_MINOR_PER_SEC, F_MAJOR_PER_SEC,
	F_ANON, F_FILE, F_SHMEM, F_THREAD_FAULTS,
};

static uint64_t interval_ns(const struct faults_row *r)
{
	return r->st->timestamp_ns - r->prev->timestamp_ns;
}

static void time_cell(char *buf, size_t len, const void *row)
{
	snprintf(buf, len, "%.1f", (ROW(row)->st->timestamp_ns - ROW(row)->t0) / 1e9);
}

/* A counter of struct ptscope_stats at offset @f->arg. */
static struct view_value row_stat(const void *row, const struct view_field *f)
{
	return view_u64(*(const uint64_t *)((const char *)ROW(row)->st + f->arg));
}

/* The same in pages, as bytes. */
static struct view_value row_stat_bytes(const void *row, const struct view_field *f)
{
	return view_u64(row_stat(row, f).u * PAGE);
}

/* In the interval if there is one, else since the process started. */
static struct view_value row_faults(const void *row, const struct view_field *f)
{
	uint64_t now = row_stat(row, f).u;

	if (!ROW(row)->prev)
		return view_u64(now);
	return view_u64(now - *(const uint64_t *)((const char *)ROW(row)->prev + f->arg));
}

/* Only in an interval. */
static struct view_value row_delta(const void *row, const struct view_field *f)
{
	return ROW(row)->prev ? row_faults(row, f) : view_absent();
}

static struct view_value row_per_sec(const void *row, const struct view_field *f)
{
	if (!ROW(row)->prev)
		return view_absent();
	return view_u64((uint64_t)(rate(row_faults(row, f).u, interval_ns(row)) + 0.5));
}

static void rate_cell(char *buf, size_t len, const void *row, size_t member)
{
	const struct view_field f = { .arg = member };

	if (ROW(row)->prev)
		snprintf(buf, len, "%.0f", rate(row_faults(row, &f).u, interval_ns(row)));
	else
		snprintf(buf, len, "-");
}

static void minor_rate_cell(char *buf, size_t len, const void *row)
{
	rate_cell(buf, len, row, offsetof(struct ptscope_stats, min_flt));
}

static void major_rate_cell(char *buf, size_t len, const void *row)
{
	rate_cell(buf, len, row, offsetof(struct ptscope_stats, maj_flt));
}

static struct view_value row_rss(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64((STAT(row, rss_anon) + STAT(row, rss_file) + STAT(row, rss_shmem)) * PAGE);
}

static struct view_value row_pid(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->pid);
}

static struct view_value row_ns(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->prev ? view_u64(interval_ns(row)) : view_absent();
}

static void thread_faults_json(struct json *j, const char *key, const void *row);

#define STAT_FIELD(name_, key_, group_, member, get_, unit_, whint_, help_) { \
	.name = (name_), .key = (key_), .group = (group_),		\
	.unit = (unit_), .whint = (whint_), .flags = SCOLS_FL_RIGHT,	\
	.help = (help_), .get = (get_),					\
	.arg = offsetof(struct ptscope_stats, member) }

static const struct view_field faults_fields[] = {
	[COL_TIME]	= { .name = "TIME", .whint = 8, .flags = SCOLS_FL_RIGHT,
			    .help = "seconds since the first sample", .cell = time_cell },
	[COL_MINOR]	= STAT_FIELD("MINOR", NULL, NULL, min_flt, row_faults, VIEW_NUMBER,
				     10, "minor faults (total, or in the interval)"),
	[COL_MAJOR]	= STAT_FIELD("MAJOR", NULL, NULL, maj_flt, row_faults, VIEW_NUMBER,
				     10, "major faults (total, or in the interval)"),
	[COL_MINOR_RATE] = { .name = "MINOR/s", .whint = 10, .flags = SCOLS_FL_RIGHT,
			     .help = "minor faults per second in the interval",
			     .cell = minor_rate_cell },
	[COL_MAJOR_RATE] = { .name = "MAJOR/s", .whint = 10, .flags = SCOLS_FL_RIGHT,
			     .help = "major faults per second in the interval",
			     .cell = major_rate_cell },
	[COL_RSS]	= { .name = "RSS", .unit = VIEW_BYTES, .whint = 8,
			    .flags = SCOLS_FL_RIGHT, .help = "resident: anon + file + shmem",
			    .get = row_rss },
	[COL_SWAP]	= STAT_FIELD("SWAP", "swap", "rss", swap_ents, row_stat_bytes,
				     VIEW_BYTES, 8, "swap entries"),
	[COL_PT]	= STAT_FIELD("PT", "vm_pte_bytes", NULL, pgtables_bytes, row_stat,
				     VIEW_BYTES, 8, "page-table memory (VmPTE)"),
	[COL_THREADS]	= { .name = "THREADS", .key = "threads", .whint = 4,
			    .flags = SCOLS_FL_RIGHT, .help = "live threads",
			    .get = row_stat, .arg = offsetof(struct ptscope_stats, nr_threads) },
	[F_PID]		= { .key = "pid", .get = row_pid },
	[F_TIMESTAMP]	= STAT_FIELD(NULL, "timestamp_ns", NULL, timestamp_ns, row_stat, 0, 0, NULL),
	[F_MINOR]	= STAT_FIELD(NULL, "minor", "faults", min_flt, row_stat, 0, 0, NULL),
	[F_MAJOR]	= STAT_FIELD(NULL, "major", "faults", maj_flt, row_stat, 0, 0, NULL),
	[F_CHILD_MINOR]	= STAT_FIELD(NULL, "minor", "children_faults", cmin_flt, row_stat, 0, 0, NULL),
	[F_CHILD_MAJOR]	= STAT_FIELD(NULL, "major", "children_faults", cmaj_flt, row_stat, 0, 0, NULL),
	[F_NS]		= { .key = "ns", .group = "interval", .get = row_ns },
	[F_MINOR_DELTA]	= STAT_FIELD(NULL, "minor", "interval", min_flt, row_delta, 0, 0, NULL),
	[F_MAJOR_DELTA]	= STAT_FIELD(NULL, "major", "interval", maj_flt, row_delta, 0, 0, NULL),
	[F_MINOR_PER_SEC] = STAT_FIELD(NULL, "minor_per_sec", "interval", min_flt, row_per_sec,
				       0, 0, NULL),
	[F_MAJOR_PER_SEC] = STAT_FIELD(NULL, "major_per_sec", "interval", maj_flt, row_per_sec,
				       0, 0, NULL),
	[F_ANON]	= STAT_FIELD(NULL, "anon", "rss", rss_anon, row_stat_bytes, 0, 0, NULL),
	[F_FILE]	= STAT_FIELD(NULL, "file", "rss", rss_file, row_stat_bytes, 0, 0, NULL),
	[F_SHMEM]	= STAT_FIELD(NULL, "shmem", "rss", rss_shmem, row_stat_bytes, 0, 0, NULL),
	[F_THREAD_FAULTS] = { .key = "thread_faults", .json = thread_faults_json },
};

static const int faults_default_columns[] = {
	COL_TIME, COL_MINOR, COL_MAJOR, COL_MINOR_RATE, COL_MAJOR_RATE,
	COL_RSS, COL_SWAP, COL_PT,
};

static const int faults_json_order[] = {
	F_PID, F_TIMESTAMP, F_MINOR, F_MAJOR, F_CHILD_MINOR, F_CHILD_MAJOR,
	F_NS, F_MINOR_DELTA, F_MAJOR_DELTA, F_MINOR_PER_SEC, F_MAJOR_PER_SEC,
	F_ANON, F_FILE, F_SHMEM, COL_SWAP, COL_PT, COL_THREADS,
	F_THREAD_FAULTS,
};

static const struct view faults_view =
	VIEW_INIT_JSON(faults_fields, faults_default_columns, faults_json_order);

/* --threads: a thread's own counters, where it last ran. */
#define THREAD(row) ((const struct ptscope_thread *)(row))

static struct view_value thread_tid(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(THREAD(row)->tid);
}

static struct view_value thread_comm(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(THREAD(row)->comm);
}

static struct view_value thread_minor(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(THREAD(row)->min_flt);
}

static struct view_value thread_major(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(THREAD(row)->maj_flt);
}

static struct view_value thread_cpu(const void *row, const struct view_field *f)
{
	(void)f;
	return view_i64(THREAD(row)->cpu);
}

static struct view_value thread_node(const void *row, const struct view_field *f)
{
	(void)f;
	return view_i64(THREAD(row)->node);
}

#define THREAD_FIELD(name_, key_, flags_, get_) {			\
	.name = (name_), .key = (key_), .whint = 6, .flags = (flags_),	\
	.get = (get_) }

static const struct view_field thread_fields[] = {
	THREAD_FIELD("TID", "tid", SCOLS_FL_RIGHT, thread_tid),
	THREAD_FIELD("COMM", "comm", 0, thread_comm),
	THREAD_FIELD("MINOR", "minor", SCOLS_FL_RIGHT, thread_minor),
	THREAD_FIELD("MAJOR", "major", SCOLS_FL_RIGHT, thread_major),
	THREAD_FIELD("CPU", "cpu", SCOLS_FL_RIGHT, thread_cpu),
	THREAD_FIELD("NODE", "node", SCOLS_FL_RIGHT, thread_node),
};

static const int thread_columns[] = { 0, 1, 2, 3, 4, 5 };

static const struct view thread_view = VIEW_INIT(thread_fields, thread_columns);

static void thread_faults_json(struct json *j, const char *key, const void *row)
{
	size_t i;

	if (!ROW(row)->th)
		return;
	json_open(j, key, '[');
	for (i = 0; i < ROW(row)->nr_threads; i++) {
		json_open(j, NULL, '{');
		view_json_members(j, &thread_view, &ROW(row)->th[i]);
		json_close(j, '}');
	}
	json_close(j, ']');
}

/* One JSON object per sample; with an interval, one per line (JSON Lines). */
static void faults_json(const struct faults_row *row)
{
	struct json j;

	json_init(&j, stdout, opts.pretty);
	json_open(&j, NULL, '{');
	view_json_members(&j, &faults_view, row);
	json_close(&j, '}');
	fflush(stdout);
}

static int print_threads(const struct ptscope_thread *th, size_t nr)
{
	struct cli_columns cols;
	struct libscols_table *tb;
	size_t i;
	int ret = 0;

	view_defaults(&cols, &thread_view);
	tb = view_table_new(&cols, &thread_view);
	if (!tb)
		return -ENOMEM;
	for (i = 0; i < nr && !ret; i++)
		ret = view_table_add(tb, &cols, &thread_view, &th[i]);
	scols_print_table(tb);
	scols_unref_table(tb);
	return ret;
}

static void faults_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope faults PID [--interval SECONDS] [--count N] [--threads]\n\n"
		   "Show the minor and major page faults of process PID (all its\n"
		   "threads, live and exited, as /proc/PID/stat counts them), its\n"
		   "RSS and page-table memory.  With --interval, sample every SECONDS\n"
		   "and show the faults of each interval and their rate, until\n"
		   "interrupted or N samples were shown; --json then prints one JSON\n"
		   "object per line.  --threads adds each thread's own counts.\n\n"
		   "Options:\n"
		   "      --interval SECONDS  sample every SECONDS (0.01 to 86400)\n"
		   "      --count N           stop after N samples (default: until ^C)\n"
		   "      --threads           each thread's own faults, CPU and node\n\n");
	view_help(f, &faults_view);
	cgroup_view_help(f, CG_VIEW_FAULTS);
}

static struct faults_args fargs;

enum { OPT_INTERVAL = CLI_OPT_BASE, OPT_COUNT, OPT_THREADS };

const struct option cmd_faults_options[] = {
	{ "interval",	required_argument,	NULL, OPT_INTERVAL },
	{ "count",	required_argument,	NULL, OPT_COUNT },
	{ "threads",	no_argument,		NULL, OPT_THREADS },
	CLI_CGROUP_OPTION,
	{ NULL }
};

int cmd_faults_option(int val, const char *arg)
{

	switch (val) {
	case OPT_INTERVAL:
		return cli_interval_parse(arg, &fargs.interval);
	case OPT_COUNT:
		return cli_count_parse(arg, &fargs.count);
	case CLI_OPT_CGROUP:
		return cli_cgroup_option(val, arg);
	case OPT_THREADS:
		fargs.threads = true;
		return 0;
	}
	return 2;
}

static int faults_sample(struct ptscope *ps, const struct faults_args *a,
			 struct ptscope_stats *st, struct ptscope_thread **th,
			 size_t *nr)
{
	free(*th);
	*th = NULL;
	*nr = 0;
	return ptscope_stats(ps, a->pid, st, a->threads ? th : NULL, nr);
}

int cmd_faults(int argc, char **argv)
{
	struct ptscope_stats st, prev;
	struct faults_args a = fargs;
	struct ptscope_thread *th = NULL;
	struct libscols_table *tb = NULL;
	struct libscols_line *ln;
	struct faults_row row;
	struct cli_columns cols;
	struct ptscope *ps;
	uint64_t shown = 0;
	size_t nr = 0;
	int ret;

	if (opts.help) {
		faults_usage(stdout);
		return 0;
	}
	if (opts.cgroup) {
		if (a.interval || a.threads || a.count)
			return cli_error("--%s does not go with --cgroup",
					 a.interval ? "interval" : a.threads ? "threads" : "count") + 1;
		return cgroup_view_run(CG_VIEW_FAULTS, opts.cgroup, argc);
	}
	if (argc != 2) {
		faults_usage(stderr);
		return 2;
	}
	if (parse_pid(argv[1], &a.pid))
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	if (a.count && !a.interval)
		return cli_error("--count goes with --interval") + 1;
	if (view_select(&cols, &faults_view))
		return 2;
	ps = cli_open();
	if (!ps)
		return 1;

	ret = faults_sample(ps, &a, &st, &th, &nr);
	if (ret)
		goto out;
	row = (struct faults_row){ .pid = a.pid, .st = &st, .t0 = st.timestamp_ns,
				   .th = th, .nr_threads = nr };
	if (!a.interval) {
		if (opts.json) {
			faults_json(&row);
			goto out;
		}
		tb = view_table_new(&cols, &faults_view);
		if (!tb) {
			ret = -ENOMEM;
			goto out;
		}
		ret = view_table_add(tb, &cols, &faults_view, &row);
		if (ret)
			goto out;
		scols_print_table(tb);
		if (th)
			ret = print_threads(th, nr);
		goto out;
	}

	cli_interval_catch_signals();
	if (!opts.json) {
		tb = view_table_new(&cols, &faults_view);
		if (!tb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	while (!cli_interval_stopped() && (!a.count || shown < a.count)) {
		prev = st;
		if (!cli_interval_wait(ps, a.interval))
			break;
		ret = faults_sample(ps, &a, &st, &th, &nr);
		if (ret)
			break;
		shown++;
		row.prev = &prev;
		row.th = th;
		row.nr_threads = nr;
		if (opts.json) {
			faults_json(&row);
			continue;
		}
		ret = view_table_add(tb, &cols, &faults_view, &row);
		if (ret)
			break;
		ln = scols_table_get_line(tb, scols_table_get_nlines(tb) - 1);
		/* Stream: print each row as it comes, headings once. */
		scols_table_print_range(tb, ln, ln);
		fputc('\n', stdout);
		scols_table_enable_noheadings(tb, 1);
		fflush(stdout);
	}
out:
	free(th);
	if (tb)
		scols_unref_table(tb);
	cli_close(ps);
	if (ret == -ESRCH && shown)
		return 0;	/* the process exited while we watched */
	if (ret)
		return cli_error("faults of %" PRIu64 ": %s", a.pid, ptscope_strerror(ret));
	return 0;
}
