// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope top [-b] [-n N] [-d SECONDS] [--budget PERCENT | --exact]
 *             [--sort COLUMN] [--reverse] [--user USER] [--name TEXT]
 *             [--cgroup PATH] [--pid PID]...
 *
 * Every process the caller may inspect, one row each, refreshed like top:
 * full-screen (top_tui.c), or with -b a table (or with --json a JSON
 * object, one line) per refresh for scripts.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "interval.h"
#include "json.h"
#include "top.h"

struct top_args {
	bool batch;
	bool exact;
	bool budget_given;
	bool reverse;
	double interval;
	double budget_share;
	uint64_t iterations;
	const char *sort;
	const char *user;
	const char *name;
	const char *cgroup;
	bool by_cgroup;
	uint64_t *pids;
	size_t nr_pids;
};

static struct top_args targs = {
	.interval = TOP_DEFAULT_INTERVAL, .budget_share = TOP_DEFAULT_BUDGET,
};

enum { OPT_BUDGET = CLI_OPT_BASE, OPT_EXACT, OPT_SORT, OPT_REVERSE,
       OPT_USER, OPT_NAME, OPT_CGROUP, OPT_PID, OPT_BY };

const struct option cmd_top_options[] = {
	{ "batch",	no_argument,		NULL, 'b' },
	{ "iterations",	required_argument,	NULL, 'N' },
	{ "delay",	required_argument,	NULL, 'd' },
	{ "interval",	required_argument,	NULL, 'd' },
	{ "budget",	required_argument,	NULL, OPT_BUDGET },
	{ "exact",	no_argument,		NULL, OPT_EXACT },
	{ "sort",	required_argument,	NULL, OPT_SORT },
	{ "reverse",	no_argument,		NULL, OPT_REVERSE },
	{ "user",	required_argument,	NULL, OPT_USER },
	{ "name",	required_argument,	NULL, OPT_NAME },
	{ "cgroup",	required_argument,	NULL, OPT_CGROUP },
	{ "pid",	required_argument,	NULL, OPT_PID },
	{ "by",		required_argument,	NULL, OPT_BY },
	{ NULL }
};

/* Its own letters: -b, -n N (top's; --noheadings stays long), -d S. */
const char cmd_top_short_options[] = "bn:d:";

int cmd_top_option(int val, const char *arg)
{
	uint64_t *more;
	char *end;
	double d;

	switch (val) {
	case 'b':
		targs.batch = true;
		return 0;
	case 'n':
	case 'N':
		errno = 0;
		targs.iterations = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || !targs.iterations || arg[0] == '-')
			return cli_error("-n/--iterations takes a positive number of refreshes, not '%s'",
					 arg) + 1;
		return 0;
	case 'd':
		return cli_interval_parse(arg, &targs.interval);
	case OPT_BUDGET:
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || (*end && strcmp(end, "%")) || !(d > 0) || d > 100)
			return cli_error("--budget takes a percentage of one CPU, above 0 and at most 100, not '%s'",
					 arg) + 1;
		targs.budget_share = d / 100;
		targs.budget_given = true;
		return 0;
	case OPT_EXACT:
		targs.exact = true;
		return 0;
	case OPT_SORT:
		targs.sort = arg;
		return 0;
	case OPT_REVERSE:
		targs.reverse = true;
		return 0;
	case OPT_USER:
		targs.user = arg;
		return 0;
	case OPT_NAME:
		targs.name = arg;
		return 0;
	case OPT_CGROUP:
		targs.cgroup = arg;
		return 0;
	case OPT_BY:
		if (strcmp(arg, "cgroup") && strcmp(arg, "process"))
			return cli_error("--by takes cgroup or process, not '%s'", arg) + 1;
		targs.by_cgroup = !strcmp(arg, "cgroup");
		return 0;
	case OPT_PID:
		more = realloc(targs.pids, (targs.nr_pids + 1) * sizeof(*more));
		if (!more)
			return cli_error("out of memory") + 1;
		targs.pids = more;
		if (parse_pid(arg, &targs.pids[targs.nr_pids]))
			return cli_error("'%s' is not a process id", arg) + 1;
		targs.nr_pids++;
		return 0;
	}
	return 2;
}

static void top_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope top [-b] [-n N] [-d SECONDS] [--budget PERCENT | --exact]\n"
		   "                   [--sort COLUMN] [--reverse] [--user USER] [--name TEXT]\n"
		   "                   [--cgroup PATH] [--pid PID]... [--by cgroup]\n\n"
		   "Every process this caller may inspect, refreshed every SECONDS: its\n"
		   "resident memory, the shares in THPs, in mTHP and on remote nodes,\n"
		   "copy-on-write sharing, swap, page tables, fault rates and a verdict.\n"
		   "Each refresh walks page tables within a CPU budget, smallest process\n"
		   "first; a process too large for its share is sampled (~ marks its\n"
		   "estimates; --json gives their standard errors).  Full-screen unless\n"
		   "-b, --json or the output is not a terminal; press h there for keys.\n\n"
		   "Options:\n"
		   "  -b, --batch             a table per refresh, for scripts (JSON Lines with --json)\n"
		   "  -n, --iterations N      stop after N refreshes\n"
		   "  -d, --delay SECONDS     between refreshes (default %g)\n"
		   "      --interval SECONDS  the same as --delay\n"
		   "      --budget PERCENT    CPU time per refresh, in %% of one CPU over the\n"
		   "                          delay (default %g)\n"
		   "      --exact             walk every process whole, whatever it costs\n"
		   "      --sort COLUMN       order by COLUMN, largest first (default RSS)\n"
		   "      --reverse           smallest first\n"
		   "      --user USER         only USER's processes (a name or a uid)\n"
		   "      --name TEXT         only commands containing TEXT\n"
		   "      --cgroup PATH       only processes in cgroup PATH or below it\n"
		   "      --pid PID           only this process (repeatable)\n"
		   "      --by cgroup         a row per cgroup: its processes' sums (shared\n"
		   "                          pages in each); the command and verdict of its\n"
		   "                          largest; g in the full screen\n"
		   "      --noheadings        (-n is --iterations here)\n\n",
		TOP_DEFAULT_INTERVAL, TOP_DEFAULT_BUDGET * 100);
	view_help(f, &top_view);
	fprintf(f, "\nWith --by cgroup the columns are by default:");
	for (size_t i = 0; i < top_cgroup_view.nr_defaults; i++)
		fprintf(f, "%s%s", i ? "," : " ", top_view.fields[top_cgroup_view.defaults[i]].name);
	fprintf(f, "\n");
}

/* The column named @name (any case), or -1. */
static int column_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < top_view.nr_fields; i++)
		if (top_view.fields[i].name && !strcasecmp(top_view.fields[i].name, name))
			return (int)i;
	return -1;
}

static void batch_json(const struct top_ctx *c)
{
	const struct top_sweep *sw = &c->cur;
	struct json j;
	size_t i;

	json_init(&j, stdout, false);	/* JSON Lines: one line each */
	json_open(&j, NULL, '{');
	json_u64(&j, "time", (uint64_t)time(NULL));
	json_u64(&j, "timestamp_ns", sw->timestamp_ns);
	json_f64(&j, "interval", c->interval);
	json_open(&j, "sweep", '{');
	json_u64(&j, "processes", sw->nr);
	json_u64(&j, "exact", sw->exact);
	json_u64(&j, "sampled", sw->sampled);
	json_u64(&j, "counters_only", sw->unwalked);
	json_u64(&j, "not_visible", sw->hidden);
	json_u64(&j, "kernel_threads", sw->kernel_threads);
	json_u64(&j, "vanished", sw->vanished);
	json_u64(&j, "filtered_out", c->filtered_out);
	json_u64(&j, "pages_walked", sw->pages_walked);
	json_u64(&j, "cpu_ns", sw->cpu_ns);
	json_u64(&j, "budget_ns", sw->budget_ns);
	json_bool(&j, "exact_requested", c->o.unlimited);
	json_u64(&j, "wall_ns", sw->wall_ns);
	json_close(&j, '}');
	json_open(&j, c->by_cgroup ? "cgroups" : "processes", '[');
	for (i = 0; i < c->nr_rows; i++) {
		json_open(&j, NULL, '{');
		view_json_members(&j, &top_view, &c->rows[i]);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
}

static int batch_table(const struct top_ctx *c, bool first)
{
	struct libscols_table *tb;
	char line[512];
	size_t i;

	if (!first)
		putchar('\n');
	printf("ptscope top: %zu %sshown, %zu filtered out; %s\n", c->nr_rows,
	       c->by_cgroup ? "cgroups " : "",
	       c->filtered_out, top_sweep_summary(line, sizeof(line), &c->cur));
	tb = view_table_new(&c->cols, &top_view);
	if (!tb)
		return -ENOMEM;
	for (i = 0; i < c->nr_rows; i++) {
		if (view_table_add(tb, &c->cols, &top_view, &c->rows[i])) {
			scols_unref_table(tb);
			return -ENOMEM;
		}
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
}

static int top_batch(struct top_ctx *c)
{
	uint64_t n;
	int ret = 0;

	for (n = 0; !c->iterations || n < c->iterations; n++) {
		if (n && !cli_interval_wait(c->ps, c->interval))
			break;
		ret = top_refresh(c);
		if (ret)
			break;
		if (opts.json)
			batch_json(c);
		else
			ret = batch_table(c, !n);
		fflush(stdout);
		if (ret || cli_interval_stopped())
			break;
	}
	return ret;
}

/* --user: a name, or a number. */
static int parse_user(const char *s, uint32_t *uid)
{
	struct passwd *pw = getpwnam(s);
	char *end;
	unsigned long u;

	if (pw) {
		*uid = pw->pw_uid;
		return 0;
	}
	errno = 0;
	u = strtoul(s, &end, 10);
	if (errno || end == s || *end || u >= UINT32_MAX)
		return -1;
	*uid = u;
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_ctx c = {
		.interval = targs.interval, .budget_share = targs.budget_share,
		.iterations = targs.iterations, .pids = targs.pids,
		.nr_pids = targs.nr_pids, .sort_col = TOP_COL_RSS,
		.ascending = targs.reverse, .cost = TOP_COST_INIT,
		.filter = { .name = targs.name, .cgroup = targs.cgroup },
		.by_cgroup = targs.by_cgroup,
	};
	bool tui;
	int ret;

	(void)argv;
	if (opts.help) {
		top_usage(stdout);
		return 0;
	}
	if (argc != 1) {
		top_usage(stderr);
		return 2;
	}
	if (targs.exact && targs.budget_given)
		return cli_error("--budget and --exact exclude each other") + 1;
	if (targs.sort) {
		c.sort_col = column_by_name(targs.sort);
		if (c.sort_col < 0)
			return cli_error("--sort: no column '%s' (see 'ptscope top --help')",
					 targs.sort) + 1;
	}
	if (targs.user) {
		if (parse_user(targs.user, &c.filter.uid))
			return cli_error("--user: no user '%s'", targs.user) + 1;
		c.filter.by_uid = true;
	}
	if (targs.cgroup) {
		ret = cli_cgroup_check(targs.cgroup);
		if (ret)
			return ret;
	}
	if (view_select(&c.cols, c.by_cgroup ? &top_cgroup_view : &top_view))
		return 1;
	tui = !targs.batch && !opts.json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	c.ps = cli_open();
	if (!c.ps)
		return 1;
	ret = thp_settings_load(c.ps, &c.thp);
	if (ret) {
		cli_close(c.ps);
		return cli_error("THP settings: %s", ptscope_strerror(ret));
	}
	c.o.thp = &c.thp;
	/*
	 * A budget's plan depends on the CPU time walks take, which a replay
	 * does not repeat: recorded and replayed, every process is whole.
	 */
	c.o.unlimited = targs.exact || opts.record || opts.replay;
	c.o.seed = (uint64_t)time(NULL);
	cli_interval_catch_signals();
	ret = tui ? top_tui(&c) : top_batch(&c);
	if (ret < 0) {
		cli_error("top: %s", ptscope_strerror(ret));
		ret = 1;
	}
	top_sweep_free(&c.cur);
	top_sweep_free(&c.prev);
	free(c.rows);
	free(c.groups);
	free(targs.pids);
	if (cli_close(c.ps))
		ret = 1;
	return ret;
}
