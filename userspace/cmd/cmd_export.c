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
#include <unistd.h>

#include "cli.h"
#include "fault_rates.h"
#include "format.h"
#include "interval.h"
#include "numa_verdict.h"
#include "thp_reasons.h"
#include "prometheus.h"

#define PAGE 4096.0

/* What one query of one process found. */
struct export_proc {
	uint64_t pid;
	char comm[64];
	struct ptscope_stats st;
	struct ptscope_maps_totals totals;
	double remote_fraction;		/* NaN: no node known */
	double minor_rate, major_rate;	/* NaN: no earlier sample */
};

struct export_args {
	uint64_t *pids;
	size_t nr_pids;
	bool all;
	double interval;
	const char *output;
};

static struct export_args eargs;

/* --all is the global option (opts.all): every process. */
enum { OPT_PID = CLI_OPT_BASE, OPT_INTERVAL, OPT_TEXTFILE, OPT_FORMAT };

const struct option cmd_export_options[] = {
	{ "pid",	required_argument,	NULL, OPT_PID },
	{ "interval",	required_argument,	NULL, OPT_INTERVAL },
	{ "textfile",	required_argument,	NULL, OPT_TEXTFILE },
	{ "format",	required_argument,	NULL, OPT_FORMAT },
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
	}
	return 2;
}

static void export_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope export [--pid PID]... [--all] [--interval SECONDS]\n"
		   "                      [--textfile FILE] [--format prometheus]\n\n"
		   "Per-process memory facts in the Prometheus text format: THP and\n"
		   "NUMA-remote fractions, copy-on-write shared, swap and page-table\n"
		   "bytes, RSS, faults and fault rates, one sample per process.\n"
		   "--all takes every process this caller may query (others are\n"
		   "counted in ptscope_export_skipped_processes).  --textfile FILE\n"
		   "replaces FILE atomically (for node_exporter's textfile collector);\n"
		   "with --interval it does so every SECONDS until interrupted.\n\n"
		   "Options:\n"
		   "      --pid PID           a process to export (repeatable)\n"
		   "      --all               every process that can be queried\n"
		   "      --interval SECONDS  export every SECONDS (0.01 to 86400)\n"
		   "      --textfile FILE     write FILE atomically instead of stdout\n"
		   "      --format prometheus the only format (the default)\n");
}

static int noop_vma(const struct ptscope_vma *v, void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

/*
 * Present pages on no node that one of the process's threads last ran on,
 * as a fraction of the present pages with a node (numa_remote()).
 */
static double remote_fraction(const struct ptscope_page_counts *pc,
			      const struct ptscope_thread *th, size_t nr)
{
	uint64_t run_nodes = numa_run_nodes(th, nr), present, remote;

	numa_remote(pc, run_nodes, &present, &remote);
	return run_nodes && present ? (double)remote / present : NAN;
}

static int export_query(struct ptscope *ps, uint64_t pid, struct export_proc *p)
{
	struct ptscope_thread *th = NULL;
	size_t nr = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	ret = ptscope_stats(ps, pid, &p->st, &th, &nr);
	if (ret)
		return ret;
	ret = ptscope_maps(ps, pid, 0, PTSCOPE_USER_TOP, noop_vma, NULL, &p->totals);
	if (!ret)
		p->remote_fraction = remote_fraction(&p->totals.pages, th, nr);
	free(th);
	if (ptscope_proc_comm(ps, pid, p->comm, sizeof(p->comm)) || !p->comm[0])
		snprintf(p->comm, sizeof(p->comm), "?");
	p->minor_rate = p->major_rate = NAN;
	return ret;
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

static double huge_bytes(const struct export_proc *p, int kind)
{
	const struct ptscope_page_counts *pc = &p->totals.pages;
	uint64_t pages = 0;
	int o;

	switch (kind) {
	case 0:
		if (!thp_built)
			return NAN;
		pages = pc->thp_pmd;
		break;
	case 1:
		for (o = 1; o < PTSCOPE_MAX_ORDERS; o++)
			pages += pc->large_pte[o];
		break;
	case 2:
		pages = pc->hugetlb_pmd + pc->hugetlb_pud;
		break;
	}
	return pages * PAGE;
}

static double thp_fraction(const struct export_proc *p, int kind)
{
	const struct ptscope_page_counts *pc = &p->totals.pages;

	(void)kind;
	return pc->present && thp_built ? (double)pc->thp_pmd / pc->present : NAN;
}

static double remote(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->remote_fraction;
}

static double cow_shared(const struct export_proc *p, int kind)
{
	(void)kind;
	return p->totals.pages.cow_shared * PAGE;
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
	       "Fraction of resident pages mapped by PMD-level transparent huge pages.",
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
				const char *labels[] = { "pid", pid, "comm", p->comm,
					fam->label, fam->kinds ? fam->kinds[k] : NULL, NULL };
				double v = fam->value(p, k);

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

/* The rates since the same pid's previous sample, if there was one. */
static void export_rates(struct export_proc *procs, size_t nr,
			 const struct export_proc *prev, size_t nr_prev)
{
	size_t i, j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < nr_prev; j++) {
			if (prev[j].pid != procs[i].pid)
				continue;
			fault_rates(&procs[i].st, &prev[j].st, &procs[i].minor_rate,
				    &procs[i].major_rate);
			break;
		}
	}
}

int cmd_export(int argc, char **argv)
{
	struct export_args a = eargs;
	struct export_proc *procs = NULL, *prev = NULL;
	struct thp_settings thp;
	size_t nr = 0, nr_prev = 0, i, nr_pids = 0;
	uint64_t *pids = NULL, skipped;
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
	if (!a.all && !a.nr_pids)
		return cli_error("export what? give --pid PID or --all") + 1;
	if (a.all && a.nr_pids)
		return cli_error("--all and --pid exclude each other") + 1;
	if (opts.json)
		return cli_error("export writes the Prometheus format, not JSON") + 1;
	ps = cli_open();
	if (!ps)
		return 1;
	ret = thp_settings_load(ps, &thp);
	if (ret) {
		cli_close(ps);
		return cli_error("THP settings: %s", ptscope_strerror(ret));
	}
	thp_built = thp.present;
	cli_interval_catch_signals();
	for (;;) {
		double t0 = cli_seconds();
		struct export_proc *more;

		if (a.all) {
			free(pids);
			pids = NULL;
			ret = ptscope_proc_pids(ps, &pids, &nr_pids);
			/* A replay ends where its recording does. */
			if (ret == -EBADMSG && ptscope_is_replay(ps) && prev)
				ret = 0;
			if (ret)
				break;
		} else {
			pids = a.pids;
			nr_pids = a.nr_pids;
		}
		more = realloc(procs, (nr_pids ? nr_pids : 1) * sizeof(*procs));
		if (!more) {
			ret = -ENOMEM;
			break;
		}
		procs = more;
		nr = 0;
		skipped = 0;
		for (i = 0; i < nr_pids; i++) {
			ret = export_query(ps, pids[i], &procs[nr]);
			if (!ret) {
				nr++;
				continue;
			}
			/* A named process must be exportable; --all skips. */
			if (!a.all)
				break;
			skipped++;
			ret = 0;
		}
		if (ret) {
			cli_error("export of %" PRIu64 ": %s", pids[i], ptscope_strerror(ret));
			ret = 1;
			break;
		}
		export_rates(procs, nr, prev, nr_prev);
		if (a.output) {
			ret = export_file(a.output, procs, nr, skipped, cli_seconds() - t0);
			if (ret) {
				cli_error("cannot write %s: %s", a.output, strerror(-ret));
				ret = 1;
				break;
			}
		} else {
			export_write(stdout, procs, nr, skipped, cli_seconds() - t0);
			if (a.interval)
				fputc('\n', stdout);
			fflush(stdout);
		}
		if (!a.interval || cli_interval_stopped())
			break;
		/* A replay whose recording is used up answers nothing more. */
		if (ptscope_is_replay(ps) && !nr)
			break;
		/* Keep this export for the next one's rates. */
		more = realloc(prev, (nr ? nr : 1) * sizeof(*prev));
		if (!more) {
			ret = -ENOMEM;
			break;
		}
		prev = more;
		memcpy(prev, procs, nr * sizeof(*prev));
		nr_prev = nr;
		if (!cli_interval_wait(ps, a.interval))
			break;
	}
	if (ret < 0) {
		cli_error("export: %s", strerror(-ret));
		ret = 1;
	}
	free(procs);
	free(prev);
	if (a.all)
		free(pids);
	free(eargs.pids);
	if (cli_close(ps))
		ret = 1;
	return ret;
}
