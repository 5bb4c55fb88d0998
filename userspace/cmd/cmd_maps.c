// SPDX-License-Identifier: GPL-2.0
/* ptscope maps PID [START[-END]]: each mapping, counted from its page tables. */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "heatmap.h"
#include "json.h"
#include "maps_sample.h"
#include "maps_view.h"
#include "view.h"

#define PAGE 4096ULL

static void maps_json_start(struct maps_view *v)
{
	cli_json_records(&v->json, &v->started, v->pid, "vmas");
}

static void json_counts(struct json *j, const struct ptscope_page_counts *c,
			const struct ptscope_table_counts *t)
{
	char key[16];
	int i;

	json_open(j, "pages", '{');
#define COUNT(f) json_u64(j, #f, c->f);
	PTSCOPE_COUNTS_FOREACH(COUNT)
#undef COUNT
	json_u64(j, "hugetlb", c->hugetlb_pmd + c->hugetlb_pud);
	json_open(j, "large_pte", '{');
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++) {
		if (!c->large_pte[i])
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_u64(j, key, c->large_pte[i]);
	}
	json_close(j, '}');
	json_close(j, '}');

	view_nodes_json(j, "nodes", c);

	json_open(j, "pt_pages", '{');
	json_u64(j, "pte", t->pte);
	json_u64(j, "pmd", t->pmd);
	json_u64(j, "pud", t->pud);
	json_u64(j, "pte_entries", t->pte_entries);
	json_u64(j, "pte_deposited", t->pte_deposited);
	json_close(j, '}');
}

static void maps_json(struct json *j, const struct ptscope_vma *v)
{
	json_open(j, NULL, '{');
	maps_json_describe(j, v, v->start, v->end, v->pgoff);
	json_counts(j, &v->pages, &v->tables);
	json_close(j, '}');
}

static int maps_record(const struct ptscope_vma *r, void *arg)
{
	struct maps_view *v = arg;
	struct maps_row row = { .v = r, .c = &r->pages, .t = &r->tables };

	if (opts.json) {
		maps_json_start(v);
		maps_json(&v->json, r);
		return 0;
	}
	return maps_table_line(v->tb, &v->cols, &row);
}

static void maps_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope maps PID [START[-END] | START+LENGTH]\n"
		   "       ptscope maps PID [RANGE] --heatmap [--by state|node] [--width N]\n"
		   "       ptscope maps PID [RANGE] --sample F | --budget TIME [--seed N]\n\n"
		   "Show each mapping of process PID with what its page tables\n"
		   "hold: resident, swapped, anonymous, file, shared after fork,\n"
		   "huge pages, NUMA nodes and the page tables' own size, from one\n"
		   "walk; a total row, the process's fault counts and VmPTE follow.\n\n"
		   "Options:\n"
		   "      --heatmap         draw each mapping as a strip of cells, each\n"
		   "                        the state most of its pages are in:\n"
		   "                        . not present  p present  d dirty  s swapped\n"
		   "                        c COW-shared  T THP  H hugetlb  x other entry\n"
		   "      --by state|node   what a cell shows; by node: the NUMA node\n"
		   "                        (0-9, a-z, + above 35) of its present pages,\n"
		   "                        . not present, s swapped, x other or no node\n"
		   "      --width N         cells per strip (default: the terminal's\n"
		   "                        width, else $COLUMNS, else 80)\n"
		   "      --sample F        estimate instead of walking everything: walk\n"
		   "                        a random fraction F (1/N, 0.05 or 5%%) of each\n"
		   "                        mapping's 2 MiB windows; counts become\n"
		   "                        estimates with a 95%% error (± 1.96 SE)\n"
		   "      --budget TIME     the same, walking random windows until TIME\n"
		   "                        (200ms, 2s, unlimited) is spent\n"
		   "      --seed N          the random seed, to repeat a sample\n\n");
	view_help(f, &maps_view_model);
	cli_flags_help(f, vma_flag_names, nr_vma_flag_names);
	cgroup_view_help(f, CG_VIEW_MAPS);
}

static struct {
	bool heatmap;
	enum heat_by by;
	unsigned int width;	/* 0: the terminal's */
	const char *set;	/* a heatmap option given, for the error */
	bool sample;		/* --sample */
	double fraction;
	bool budget;		/* --budget */
	uint64_t budget_ns;	/* UINT64_MAX: unlimited */
	bool seeded;		/* --seed */
	uint64_t seed;
} margs;

enum { OPT_HEATMAP = CLI_OPT_BASE, OPT_BY, OPT_WIDTH, OPT_SAMPLE, OPT_BUDGET,
       OPT_SEED };

const struct option cmd_maps_options[] = {
	{ "heatmap",	no_argument,		NULL, OPT_HEATMAP },
	{ "by",		required_argument,	NULL, OPT_BY },
	{ "width",	required_argument,	NULL, OPT_WIDTH },
	{ "sample",	required_argument,	NULL, OPT_SAMPLE },
	{ "budget",	required_argument,	NULL, OPT_BUDGET },
	{ "seed",	required_argument,	NULL, OPT_SEED },
	CLI_CGROUP_OPTION,
	{ NULL }
};

int cmd_maps_option(int val, const char *arg)
{
	char *end;
	long n;

	switch (val) {
	case OPT_HEATMAP:
		margs.heatmap = true;
		return 0;
	case OPT_BY:
		margs.set = "--by";
		if (!strcmp(arg, "state"))
			margs.by = HEAT_BY_STATE;
		else if (!strcmp(arg, "node"))
			margs.by = HEAT_BY_NODE;
		else
			return cli_error("--by takes state or node, not '%s'", arg) + 1;
		return 0;
	case OPT_WIDTH:
		margs.set = "--width";
		n = strtol(arg, &end, 10);
		if (*end || n < 8 || n > 4096)
			return cli_error("--width takes a number of cells from 8 to 4096, not '%s'",
					 arg) + 1;
		margs.width = n;
		return 0;
	case OPT_SAMPLE:
		if (sample_parse_fraction(arg, &margs.fraction))
			return cli_error("--sample takes the fraction of each mapping's 2 MiB windows "
					 "to walk: 1/N, a decimal in (0, 1] or a percentage, not '%s'",
					 arg) + 1;
		margs.sample = true;
		return 0;
	case OPT_BUDGET:
		if (sample_parse_budget(arg, &margs.budget_ns))
			return cli_error("--budget takes a time such as 200ms, 1.5s or 500us "
					 "(1us to 24h), or unlimited, not '%s'", arg) + 1;
		margs.budget = true;
		return 0;
	case CLI_OPT_CGROUP:
		return cli_cgroup_option(val, arg);
	case OPT_SEED:
		errno = 0;
		margs.seed = strtoull(arg, &end, 0);
		if (errno || !*arg || *end || *arg == '-')
			return cli_error("--seed takes an unsigned number, not '%s'", arg) + 1;
		margs.seeded = true;
		return 0;
	}
	return 2;
}

static int maps_finish(struct maps_view *v, const struct ptscope_maps_totals *tot,
		       const struct ptscope_stats *st)
{
	struct maps_row row = { .c = &tot->pages, .t = &tot->tables };
	char total[64];
	int ret;

	if (opts.json) {
		maps_json_start(v);
		json_close(&v->json, ']');
		json_open(&v->json, "totals", '{');
		json_u64(&v->json, "vmas", tot->nr_vmas);
		json_counts(&v->json, &tot->pages, &tot->tables);
		json_close(&v->json, '}');
		maps_json_process(&v->json, st);
		json_bool(&v->json, "access_hidden",
			  tot->mm_flags & PTSCOPE_MM_ACCESS_HIDDEN);
		json_close(&v->json, '}');
		return 0;
	}
	snprintf(total, sizeof(total), "(%" PRIu64 " mappings)", tot->nr_vmas);
	row.total = total;
	ret = maps_table_line(v->tb, &v->cols, &row);
	if (ret)
		return ret;
	scols_print_table(v->tb);
	if (!opts.raw && !opts.noheadings)
		maps_print_faults(st);
	if (tot->mm_flags & PTSCOPE_MM_ACCESS_HIDDEN)
		fprintf(stderr, "ptscope: DIRTY, KSM and PROTNONE show 0: you may read this process's "
			"pagemap but not ptrace-attach to it (docs/security.md)\n");
	return 0;
}

int cmd_maps(int argc, char **argv)
{
	uint64_t pid, start, end;
	struct ptscope_maps_totals tot;
	struct maps_view v = { 0 };
	struct ptscope_stats st;
	struct ptscope *ps;
	int ret;

	if (opts.cgroup && !opts.help) {
		const char *other = margs.heatmap ? "--heatmap" : margs.sample ? "--sample" :
				    margs.budget ? "--budget" : margs.set ? margs.set :
				    margs.seeded ? "--seed" : opts.all ? "--all" : NULL;

		if (other)
			return cli_error("%s does not go with --cgroup", other) + 1;
		return cgroup_view_run(CG_VIEW_MAPS, opts.cgroup, argc);
	}
	ret = cli_pid_and_range(argc, argv, maps_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (margs.set && !margs.heatmap)
		return cli_error("%s goes with --heatmap", margs.set) + 1;
	if (margs.sample && margs.budget)
		return cli_error("--sample and --budget are two ways to bound the walk: give one") + 1;
	if ((margs.sample || margs.budget) && margs.heatmap)
		return cli_error("--%s does not go with --heatmap",
				 margs.sample ? "sample" : "budget") + 1;
	if (margs.seeded && !margs.sample && !margs.budget)
		return cli_error("--seed goes with --sample or --budget") + 1;
	if (margs.heatmap) {
		ps = cli_open();
		if (!ps)
			return 1;
		ret = heatmap_show(ps, pid, start, end, margs.by,
				   margs.width ? margs.width : heatmap_default_width());
		cli_close(ps);
		if (ret)
			return cli_error("heatmap of %" PRIu64 ": %s", pid,
					 ptscope_strerror(ret));
		return 0;
	}
	if (view_select(&v.cols, &maps_view_model))
		return 2;

	ps = cli_open();
	if (!ps)
		return 1;
	v.pid = pid;
	if (!opts.json) {
		v.tb = view_table_new(&v.cols, &maps_view_model);
		if (!v.tb) {
			cli_close(ps);
			return cli_error("out of memory");
		}
	}
	if (margs.sample || margs.budget) {
		struct maps_sample_args sa = {
			.seed = margs.seeded ? margs.seed :
				maps_sample_clock_ns() ^ ((uint64_t)getpid() << 32),
			.budget = margs.budget,
			.fraction = margs.fraction,
			.budget_ns = margs.budget ? margs.budget_ns : UINT64_MAX,
		};

		/* Which windows a budget walks depends on the time each took. */
		if (margs.budget && ptscope_is_replay(ps))
			ret = cli_error("--budget depends on the time each walk takes:"
					" a recording cannot replay it (--sample can)");
		else if ((ret = maps_sampled(ps, &v, pid, start, end, &sa)))
			ret = cli_error("sampling maps of %" PRIu64 ": %s", pid,
					ptscope_strerror(ret));
		if (v.tb)
			scols_unref_table(v.tb);
		cli_close(ps);
		return ret;
	}
	ret = ptscope_maps(ps, pid, start, end, maps_record, &v, &tot);
	if (!ret)
		ret = ptscope_stats(ps, pid, &st, NULL, NULL);
	if (!ret)
		ret = maps_finish(&v, &tot, &st);
	else if (opts.json && v.started) {
		json_close(&v.json, ']');	/* complete, then the error object */
		json_close(&v.json, '}');
	}
	if (v.tb)
		scols_unref_table(v.tb);
	cli_close(ps);
	if (ret)
		return cli_error("maps of %" PRIu64 ": %s", pid, ptscope_strerror(ret));
	return 0;
}
