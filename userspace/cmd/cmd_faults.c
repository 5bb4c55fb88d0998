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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "format.h"
#include "interval.h"
#include "json.h"

#define PAGE 4096ULL

enum {
	COL_TIME, COL_MINOR, COL_MAJOR, COL_MINOR_RATE, COL_MAJOR_RATE,
	COL_RSS, COL_SWAP, COL_PT, COL_THREADS,
};

static const struct cli_column faults_columns[] = {
	[COL_TIME]	= { "TIME", 8, SCOLS_FL_RIGHT, "seconds since the first sample" },
	[COL_MINOR]	= { "MINOR", 10, SCOLS_FL_RIGHT, "minor faults (total, or in the interval)" },
	[COL_MAJOR]	= { "MAJOR", 10, SCOLS_FL_RIGHT, "major faults (total, or in the interval)" },
	[COL_MINOR_RATE] = { "MINOR/s", 10, SCOLS_FL_RIGHT, "minor faults per second in the interval" },
	[COL_MAJOR_RATE] = { "MAJOR/s", 10, SCOLS_FL_RIGHT, "major faults per second in the interval" },
	[COL_RSS]	= { "RSS", 8, SCOLS_FL_RIGHT, "resident: anon + file + shmem" },
	[COL_SWAP]	= { "SWAP", 8, SCOLS_FL_RIGHT, "swap entries" },
	[COL_PT]	= { "PT", 8, SCOLS_FL_RIGHT, "page-table memory (VmPTE)" },
	[COL_THREADS]	= { "THREADS", 4, SCOLS_FL_RIGHT, "live threads" },
};

static const int faults_default_columns[] = {
	COL_TIME, COL_MINOR, COL_MAJOR, COL_MINOR_RATE, COL_MAJOR_RATE,
	COL_RSS, COL_SWAP, COL_PT,
};

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

static void faults_cell(struct libscols_line *ln, int col, int idx,
			const struct ptscope_stats *st,
			const struct ptscope_stats *prev, uint64_t t0)
{
	uint64_t ns = prev ? st->timestamp_ns - prev->timestamp_ns : 0;
	char buf[64];

	buf[0] = 0;
	switch (col) {
	case COL_TIME:
		snprintf(buf, sizeof(buf), "%.1f", (st->timestamp_ns - t0) / 1e9);
		break;
	case COL_MINOR:
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)(prev ?
			 st->min_flt - prev->min_flt : st->min_flt));
		break;
	case COL_MAJOR:
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)(prev ?
			 st->maj_flt - prev->maj_flt : st->maj_flt));
		break;
	case COL_MINOR_RATE:
		if (prev)
			snprintf(buf, sizeof(buf), "%.0f",
				 rate(st->min_flt - prev->min_flt, ns));
		else
			snprintf(buf, sizeof(buf), "-");
		break;
	case COL_MAJOR_RATE:
		if (prev)
			snprintf(buf, sizeof(buf), "%.0f",
				 rate(st->maj_flt - prev->maj_flt, ns));
		else
			snprintf(buf, sizeof(buf), "-");
		break;
	case COL_RSS:
		cli_size(buf, sizeof(buf),
			 (st->rss_anon + st->rss_file + st->rss_shmem) * PAGE);
		break;
	case COL_SWAP:
		cli_size(buf, sizeof(buf), st->swap_ents * PAGE);
		break;
	case COL_PT:
		cli_size(buf, sizeof(buf), st->pgtables_bytes);
		break;
	case COL_THREADS:
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)st->nr_threads);
		break;
	}
	scols_line_set_data(ln, idx, buf);
}

/* One JSON object per sample; with an interval, one per line (JSON Lines). */
static void faults_json(const struct faults_args *a,
			const struct ptscope_stats *st,
			const struct ptscope_stats *prev,
			const struct ptscope_thread *th, size_t nr)
{
	struct json j;
	size_t i;

	json_init(&j, stdout, opts.pretty);
	json_open(&j, NULL, '{');
	json_u64(&j, "pid", a->pid);
	json_u64(&j, "timestamp_ns", st->timestamp_ns);
	json_open(&j, "faults", '{');
	json_u64(&j, "minor", st->min_flt);
	json_u64(&j, "major", st->maj_flt);
	json_close(&j, '}');
	json_open(&j, "children_faults", '{');
	json_u64(&j, "minor", st->cmin_flt);
	json_u64(&j, "major", st->cmaj_flt);
	json_close(&j, '}');
	if (prev) {
		uint64_t ns = st->timestamp_ns - prev->timestamp_ns;

		json_open(&j, "interval", '{');
		json_u64(&j, "ns", ns);
		json_u64(&j, "minor", st->min_flt - prev->min_flt);
		json_u64(&j, "major", st->maj_flt - prev->maj_flt);
		json_u64(&j, "minor_per_sec", (uint64_t)(rate(st->min_flt - prev->min_flt, ns) + 0.5));
		json_u64(&j, "major_per_sec", (uint64_t)(rate(st->maj_flt - prev->maj_flt, ns) + 0.5));
		json_close(&j, '}');
	}
	json_open(&j, "rss", '{');
	json_u64(&j, "anon", st->rss_anon * PAGE);
	json_u64(&j, "file", st->rss_file * PAGE);
	json_u64(&j, "shmem", st->rss_shmem * PAGE);
	json_u64(&j, "swap", st->swap_ents * PAGE);
	json_close(&j, '}');
	json_u64(&j, "vm_pte_bytes", st->pgtables_bytes);
	json_u64(&j, "threads", st->nr_threads);
	if (th) {
		json_open(&j, "thread_faults", '[');
		for (i = 0; i < nr; i++) {
			json_open(&j, NULL, '{');
			json_u64(&j, "tid", th[i].tid);
			json_str(&j, "comm", th[i].comm);
			json_u64(&j, "minor", th[i].min_flt);
			json_u64(&j, "major", th[i].maj_flt);
			json_i64(&j, "cpu", th[i].cpu);
			json_i64(&j, "node", th[i].node);
			json_close(&j, '}');
		}
		json_close(&j, ']');
	}
	json_close(&j, '}');
	fflush(stdout);
}

static int print_threads(const struct ptscope_thread *th, size_t nr)
{
	struct libscols_table *tb = scols_new_table();
	static const char *const names[] = { "TID", "COMM", "MINOR", "MAJOR", "CPU", "NODE" };
	char buf[64];
	size_t i, c;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, opts.raw);
	scols_table_enable_noheadings(tb, opts.noheadings);
	for (c = 0; c < ARRAY_SIZE(names); c++)
		scols_table_new_column(tb, names[c], 6, c == 1 ? 0 : SCOLS_FL_RIGHT);
	for (i = 0; i < nr; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			break;
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)th[i].tid);
		scols_line_set_data(ln, 0, buf);
		scols_line_set_data(ln, 1, th[i].comm);
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)th[i].min_flt);
		scols_line_set_data(ln, 2, buf);
		snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)th[i].maj_flt);
		scols_line_set_data(ln, 3, buf);
		snprintf(buf, sizeof(buf), "%d", th[i].cpu);
		scols_line_set_data(ln, 4, buf);
		snprintf(buf, sizeof(buf), "%d", th[i].node);
		scols_line_set_data(ln, 5, buf);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
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
	cli_columns_help(f, faults_columns, ARRAY_SIZE(faults_columns));
}

static struct faults_args fargs;

enum { OPT_INTERVAL = CLI_OPT_BASE, OPT_COUNT, OPT_THREADS };

const struct option cmd_faults_options[] = {
	{ "interval",	required_argument,	NULL, OPT_INTERVAL },
	{ "count",	required_argument,	NULL, OPT_COUNT },
	{ "threads",	no_argument,		NULL, OPT_THREADS },
	{ NULL }
};

int cmd_faults_option(int val, const char *arg)
{

	switch (val) {
	case OPT_INTERVAL:
		return cli_interval_parse(arg, &fargs.interval);
	case OPT_COUNT:
		return cli_count_parse(arg, &fargs.count);
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
	struct cli_columns cols;
	struct ptscope *ps;
	uint64_t shown = 0, t0;
	size_t nr = 0, i;
	int ret;

	if (opts.help) {
		faults_usage(stdout);
		return 0;
	}
	if (argc != 2) {
		faults_usage(stderr);
		return 2;
	}
	if (parse_pid(argv[1], &a.pid))
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	if (a.count && !a.interval)
		return cli_error("--count goes with --interval") + 1;
	if (cli_columns_select(&cols, faults_columns, ARRAY_SIZE(faults_columns),
			       faults_default_columns,
			       ARRAY_SIZE(faults_default_columns)))
		return 2;
	ps = cli_open();
	if (!ps)
		return 1;

	ret = faults_sample(ps, &a, &st, &th, &nr);
	if (ret)
		goto out;
	t0 = st.timestamp_ns;
	if (!a.interval) {
		if (opts.json) {
			faults_json(&a, &st, NULL, th, nr);
			goto out;
		}
		tb = cli_table_new(&cols, faults_columns);
		if (!tb || !(ln = scols_table_new_line(tb, NULL))) {
			ret = -ENOMEM;
			goto out;
		}
		for (i = 0; i < cols.nr; i++)
			faults_cell(ln, cols.ids[i], i, &st, NULL, t0);
		scols_print_table(tb);
		if (th)
			ret = print_threads(th, nr);
		goto out;
	}

	cli_interval_catch_signals();
	if (!opts.json) {
		tb = cli_table_new(&cols, faults_columns);
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
		if (opts.json) {
			faults_json(&a, &st, &prev, th, nr);
			continue;
		}
		ln = scols_table_new_line(tb, NULL);
		if (!ln) {
			ret = -ENOMEM;
			break;
		}
		for (i = 0; i < cols.nr; i++)
			faults_cell(ln, cols.ids[i], i, &st, &prev, t0);
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
