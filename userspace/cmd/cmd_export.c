// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope export [--pid PID]... [--all] [--interval S] [--textfile FILE]
 *                [--format prometheus]
 *
 * Per-process memory facts for a fleet's monitoring, in the Prometheus text
 * format: what node_exporter's textfile collector reads from a directory.
 * With --textfile the file is written beside its final name and renamed over
 * it, so a scrape never sees half a file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "format.h"
#include "interval.h"
#include "prometheus.h"
#include "sample.h"

#define PAGE 4096.0

struct export_args {
	uint64_t *pids;
	size_t nr_pids;
	bool all;
	double interval;
	const char *output;
	const char *cgroup;		/* --cgroup: every process below it */
	bool budget;			/* --budget: walk within budget_ns */
	uint64_t budget_ns;
};

static struct export_args eargs;

/* --all is the global option (opts.all): every process. */
enum { OPT_PID = CLI_OPT_BASE, OPT_INTERVAL, OPT_TEXTFILE, OPT_FORMAT,
       OPT_CGROUP, OPT_BUDGET };

const struct option cmd_export_options[] = {
	{ "pid",	required_argument,	NULL, OPT_PID },
	{ "interval",	required_argument,	NULL, OPT_INTERVAL },
	{ "textfile",	required_argument,	NULL, OPT_TEXTFILE },
	{ "format",	required_argument,	NULL, OPT_FORMAT },
	{ "cgroup",	required_argument,	NULL, OPT_CGROUP },
	{ "budget",	required_argument,	NULL, OPT_BUDGET },
	{ NULL }
};

int cmd_export_option(int val, const char *arg)
{
	uint64_t *more;

	switch (val) {
	case OPT_PID:
		more = realloc(eargs.pids, (eargs.nr_pids + 1) * sizeof(*more));
		if (!more)
			return cli_error("out of memory") + 1;
		eargs.pids = more;
		if (parse_pid(arg, &eargs.pids[eargs.nr_pids]))
			return cli_error("'%s' is not a process id", arg) + 1;
		eargs.nr_pids++;
		return 0;
	case OPT_INTERVAL:
		return cli_interval_parse(arg, &eargs.interval);
	case OPT_TEXTFILE:
		eargs.output = arg;
		return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "prometheus"))
			return cli_error("--format: only 'prometheus' is known, not '%s'", arg) + 1;
		return 0;
	case OPT_CGROUP:
		eargs.cgroup = arg;
		return 0;
	case OPT_BUDGET:
		if (sample_parse_budget(arg, &eargs.budget_ns) || eargs.budget_ns == UINT64_MAX)
			return cli_error("--budget takes a CPU time per export such as 200ms, 1.5s "
					 "or 500us (1us to 24h), not '%s'", arg) + 1;
		eargs.budget = true;
		return 0;
	}
	return 2;
}

static void export_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope export [--pid PID]... | --all | --cgroup PATH\n"
		   "                      [--budget TIME] [--interval SECONDS]\n"
		   "                      [--textfile FILE] [--format prometheus]\n\n"
		   "Per-process memory facts in the Prometheus text format: THP and\n"
		   "NUMA-remote fractions, copy-on-write shared, swap and page-table\n"
		   "bytes, RSS, faults and fault rates, one sample per process.\n"
		   "--all takes every process this caller may query (others are\n"
		   "counted in ptscope_export_skipped_processes).  --textfile FILE\n"
		   "replaces FILE atomically (for node_exporter's textfile collector);\n"
		   "with --interval it does so every SECONDS until interrupted.\n"
		   "Every process's series have a cgroup label (its cgroup v2 path).\n"
		   "--budget bounds each export's CPU time as 'ptscope top' does:\n"
		   "small processes whole, large ones sampled (ptscope_walked_fraction\n"
		   "below 1 marks their estimates).\n\n"
		   "Options:\n"
		   "      --pid PID           a process to export (repeatable)\n"
		   "      --all               every process that can be queried\n"
		   "      --cgroup PATH       every process of cgroup PATH and those below it\n"
		   "      --budget TIME       CPU time per export for the page-table walks\n"
		   "      --interval SECONDS  export every SECONDS (0.01 to 86400)\n"
		   "      --textfile FILE     write FILE atomically instead of stdout\n"
		   "      --format prometheus the only format (the default)\n");
}

/* Every process in /proc, in the order readdir gives them. */
struct family {
	const char *name;
	enum prom_type type;
	const char *help;
	/* The sample of one process; a label pair in @kind, or NULL. */
	double (*value)(const struct export_proc *p, int kind);
	const char *label;		/* the label that @kinds name */
	const char *const *kinds;	/* NULL-terminated, or NULL: one sample */
};

/* A kernel without THP (PREEMPT_RT): its THP facts are left out, not 0. */
static bool thp_built;

/* Page-table facts are left out of a process the budget did not reach. */
static double huge_bytes(const struct export_proc *p, int kind)
{
	if (!p->walked || (kind == 0 && !thp_built))
		return NAN;
	return (kind == 0 ? p->thp_pmd : kind == 1 ? p->large_pte : p->hugetlb) * PAGE;
}

static double thp_fraction(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->walked && p->rss > 0 && thp_built ? p->thp_pmd / p->rss : NAN;
}

static double remote(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->walked ? p->remote_fraction : NAN;
}

static double cow_shared(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->walked ? p->cow_shared * PAGE : NAN;
}

static double walked_fraction(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->walked ? p->walked_fraction : 0;
}

static double swap_bytes(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->st.swap_ents * PAGE;
}

static double pt_bytes(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->st.pgtables_bytes;
}

static double rss_bytes(const struct export_proc *p, int kind)
{
	return (kind == 0 ? p->st.rss_anon : kind == 1 ? p->st.rss_file :
		p->st.rss_shmem) * PAGE;
}

static double faults(const struct export_proc *p, int kind)
{
	return kind == 0 ? p->st.min_flt : p->st.maj_flt;
}

static double fault_rate(const struct export_proc *p, int kind)
{
	return kind == 0 ? p->minor_rate : p->major_rate;
}

static const char *const huge_kinds[] = { "thp_pmd", "large_folio_pte", "hugetlb", NULL };
static const char *const rss_kinds[] = { "anon", "file", "shmem", NULL };
static const char *const fault_kinds[] = { "minor", "major", NULL };

#define FAMILY(n, t, h, fn, ...) \
	{ .name = n, .type = t, .help = h, .value = fn, __VA_ARGS__ }

static const struct family families[] = {
	FAMILY("ptscope_thp_fraction", PROM_GAUGE,
	       "Fraction of resident pages (the zero page aside) mapped by PMD-level transparent huge pages.",
	       thp_fraction),
	FAMILY("ptscope_huge_bytes", PROM_GAUGE,
	       "Resident bytes in huge pages: PMD-mapped THPs, PTE-mapped large folios, hugetlb.",
	       huge_bytes, .label = "kind", .kinds = huge_kinds),
	FAMILY("ptscope_numa_remote_fraction", PROM_GAUGE,
	       "Fraction of resident pages on nodes none of the process's threads last ran on.",
	       remote),
	FAMILY("ptscope_cow_shared_bytes", PROM_GAUGE,
	       "Anonymous bytes mapped by more than one process: shared copy-on-write after fork.",
	       cow_shared),
	FAMILY("ptscope_swap_bytes", PROM_GAUGE,
	       "Bytes swapped out (swap entries in the page tables, VmSwap).",
	       swap_bytes),
	FAMILY("ptscope_page_table_bytes", PROM_GAUGE,
	       "Bytes of page-table pages (VmPTE).",
	       pt_bytes),
	FAMILY("ptscope_rss_bytes", PROM_GAUGE,
	       "Resident bytes by kind, from the process's own counters.",
	       rss_bytes, .label = "kind", .kinds = rss_kinds),
	FAMILY("ptscope_faults_total", PROM_COUNTER,
	       "Page faults of all the process's threads, live and exited.",
	       faults, .label = "type", .kinds = fault_kinds),
	FAMILY("ptscope_fault_rate", PROM_GAUGE,
	       "Page faults per second over the last --interval (absent on the first export).",
	       fault_rate, .label = "type", .kinds = fault_kinds),
	FAMILY("ptscope_walked_fraction", PROM_GAUGE,
	       "Share of the process's 2 MiB windows walked: 1 whole, less when --budget sampled it, 0 when it did not reach it.",
	       walked_fraction),
};

static void export_write(FILE *f, const struct export_proc *procs, size_t nr,
			 uint64_t skipped, double seconds)
{
	const struct family *fam;
	char pid[24];
	size_t i;
	int k;

	for (fam = families; fam < families + ARRAY_SIZE(families); fam++) {
		bool header = false;

		for (i = 0; i < nr; i++) {
			const struct export_proc *p = &procs[i];

			snprintf(pid, sizeof(pid), "%" PRIu64, p->pid);
			for (k = 0; !fam->kinds || fam->kinds[k]; k++) {
				const char *labels[9] = { "pid", pid, "comm", p->comm };
				const char **l = labels + 4;
				double v = fam->value(p, k);

				/* An unknown cgroup is no label (Prometheus: the same as ""). */
				if (p->cgroup[0]) {
					*l++ = "cgroup";
					*l++ = p->cgroup;
				}
				if (fam->kinds) {
					*l++ = fam->label;
					*l++ = fam->kinds[k];
				}

				/* A fact that is not known is left out, not exported as NaN. */
				if (!isnan(v)) {
					if (!header)
						prom_family(f, fam->name, fam->type, fam->help);
					header = true;
					prom_sample(f, fam->name, labels, v);
				}
				if (!fam->kinds)
					break;
			}
		}
	}
	prom_family(f, "ptscope_export_processes", PROM_GAUGE,
		    "Processes exported.");
	prom_sample(f, "ptscope_export_processes", NULL, nr);
	prom_family(f, "ptscope_export_skipped_processes", PROM_GAUGE,
		    "Processes that could not be queried (not permitted, kernel threads, gone).");
	prom_sample(f, "ptscope_export_skipped_processes", NULL, skipped);
	prom_family(f, "ptscope_export_duration_seconds", PROM_GAUGE,
		    "Time the export's queries took.");
	prom_sample(f, "ptscope_export_duration_seconds", NULL, seconds);
}

/* Write @output beside itself, then rename it into place. */
static int export_file(const char *output, const struct export_proc *procs,
		       size_t nr, uint64_t skipped, double seconds)
{
	size_t len = strlen(output) + 32;
	char *tmp = malloc(len);
	FILE *f;
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.%d.tmp", output, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		free(tmp);
		return err;
	}
	export_write(f, procs, nr, skipped, seconds);
	if (fflush(f) || fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, output))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

int cmd_export(int argc, char **argv)
{
	struct export_args a = eargs;
	struct export_state state = { .cost = TOP_COST_INIT };
	struct export_set set = { 0 };
	struct ptscope *ps;
	int ret = 0;

	if (opts.help) {
		export_usage(stdout);
		return 0;
	}
	(void)argv;
	a.all = opts.all;
	if (argc != 1) {
		export_usage(stderr);
		return 2;
	}
	if (!a.all && !a.nr_pids && !a.cgroup)
		return cli_error("export what? give --pid PID, --all or --cgroup PATH") + 1;
	if (!!a.all + !!a.nr_pids + !!a.cgroup > 1)
		return cli_error("--all, --pid and --cgroup exclude each other") + 1;
	if (a.budget && a.nr_pids)
		return cli_error("--budget goes with --all or --cgroup: a named process is walked whole") + 1;
	if (opts.json)
		return cli_error("export writes the Prometheus format, not JSON") + 1;
	if (a.cgroup) {
		ret = cli_cgroup_check(a.cgroup);
		if (ret)
			return ret;
	}
	ps = cli_open();
	if (!ps)
		return 1;
	ret = thp_settings_load(ps, &state.thp);
	if (ret) {
		cli_close(ps);
		return cli_error("THP settings: %s", ptscope_strerror(ret));
	}
	thp_built = state.thp.present;
	state.seed = (uint64_t)time(NULL);
	state.unlimited = opts.record || opts.replay;
	cli_interval_catch_signals();
	for (;;) {
		double t0 = cli_seconds();

		ret = export_collect(ps, a.nr_pids ? a.pids : NULL, a.nr_pids, a.cgroup,
				     a.budget, a.budget_ns, &state, &set);
		/* A replay ends where its recording does. */
		if (ret == -EBADMSG && ptscope_is_replay(ps) && state.last.procs) {
			ret = 0;
			break;
		}
		if (ret && set.failed_pid) {
			cli_error("export of %" PRIu64 ": %s", set.failed_pid,
				  ptscope_strerror(ret));
			ret = 1;
			break;
		}
		if (ret)
			break;
		if (a.output) {
			ret = export_file(a.output, set.procs, set.nr, set.skipped,
					  cli_seconds() - t0);
			if (ret) {
				cli_error("cannot write %s: %s", a.output, strerror(-ret));
				ret = 1;
				break;
			}
		} else {
			export_write(stdout, set.procs, set.nr, set.skipped, cli_seconds() - t0);
			if (a.interval)
				fputc('\n', stdout);
			fflush(stdout);
		}
		/* Keep this export for the next one's rates. */
		free(state.last.procs);
		state.last = set;
		memset(&set, 0, sizeof(set));
		if (!a.interval || cli_interval_stopped())
			break;
		/* A replay whose recording is used up answers nothing more. */
		if (ptscope_is_replay(ps) && !state.last.nr)
			break;
		if (!cli_interval_wait(ps, a.interval))
			break;
	}
	if (ret < 0) {
		cli_error("export: %s", ptscope_strerror(ret));
		ret = 1;
	}
	free(set.procs);
	free(state.last.procs);
	top_sweep_free(&state.prev);
	free(eargs.pids);
	if (cli_close(ps))
		ret = 1;
	return ret;
}
