// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope numa PID [RANGE]: where each mapping's pages are, against the
 * memory policy that applies to it and the nodes the process's threads run
 * on.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numa_verdict.h"
#include "format.h"
#include "json.h"
#include "view.h"

#define PAGE 4096ULL

static char *policy_text(char *buf, size_t len, uint32_t mode, uint64_t nodes,
			 bool from_task)
{
	char list[256];

	if (mode == 0 || mode == 4)	/* default, local: no nodes */
		snprintf(buf, len, "%s%s", numa_mode_name(mode), from_task ? " (task)" : "");
	else
		snprintf(buf, len, "%s:%s%s", numa_mode_name(mode),
			 numa_nodelist(list, sizeof(list), nodes),
			 from_task ? " (task)" : "");
	return buf;
}

static void counts_sum(struct ptscope_page_counts *sum,
		       const struct ptscope_page_counts *c)
{
	const uint64_t *from = (const uint64_t *)c;
	uint64_t *to = (uint64_t *)sum;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		to[i] += from[i];
}

static void json_nodes(struct json *j, const char *key, uint64_t nodes)
{
	int i;

	json_open(j, key, '[');
	for (i = 0; i < 64; i++)
		if (nodes >> i & 1)
			json_u64(j, NULL, i);
	json_close(j, ']');
}

static void json_mode_flags(struct json *j, uint32_t flags)
{
	json_open(j, "flags", '[');
	if (flags & (1 << 15))
		json_str(j, NULL, "static_nodes");
	if (flags & (1 << 14))
		json_str(j, NULL, "relative_nodes");
	if (flags & (1 << 13))
		json_str(j, NULL, "numa_balancing");
	json_close(j, ']');
}

static const char *const source_names[] = PTSCOPE_POLICY_SOURCE_NAMES;

/* A row: a mapping and its evaluation, or the total (@v NULL). */
struct numa_row {
	struct view_range range;
	const struct ptscope_vma *v;
	const struct numa_eval *e;
	const struct ptscope_maps_totals *tot;
	const struct ptscope_page_counts *c;
	uint64_t present, remote, not_allowed, protnone;
	uint64_t anon, anon_remote, nr_vmas;	/* the total's */
};

#define ROW(row) ((const struct numa_row *)(row))

enum {
	COL_START, COL_END, COL_SIZE, COL_RSS, COL_NODES, COL_POLICY,
	COL_REMOTE, COL_NOT_ALLOWED, COL_PROTNONE, COL_NAME,
	/* JSON only */
	F_PERMS, F_PATH, F_ANON, F_MAPPING_POLICY, F_APPLIES,
	F_EFFECTIVE_MODE, F_ALLOWED_NODES, F_VMAS, F_PRESENT, F_REMOTE,
	F_NOT_ALLOWED, F_PROTNONE, F_ANON_PAGES, F_ANON_REMOTE,
};

/* A count of struct numa_row, at offset @f->arg. */
static struct view_value row_count(const void *row, const struct view_field *f)
{
	return view_u64(*(const uint64_t *)((const char *)row + f->arg));
}

static void nodes_cell(char *buf, size_t len, const void *row)
{
	view_nodes_cell(buf, len, ROW(row)->c);
}

static void nodes_json(struct json *j, const char *key, const void *row)
{
	view_nodes_json(j, key, ROW(row)->c);
}

static void policy_cell(char *buf, size_t len, const void *row)
{
	const struct numa_row *r = row;

	if (r->v)
		policy_text(buf, len, r->e->mode, r->e->from_task ?
			    r->tot->task_policy_nodes : r->v->policy_nodes,
			    r->e->from_task);
}

static struct view_value row_anon(const void *row, const struct view_field *f)
{
	(void)f;
	return view_bool(ROW(row)->v->flags & PTSCOPE_VMA_ANON);
}

/* The mapping's own policy, whether or not it applies. */
static void mapping_policy_json(struct json *j, const char *key, const void *row)
{
	const struct ptscope_vma *v = ROW(row)->v;

	json_open(j, key, '{');
	json_str(j, "mode", numa_mode_name(v->policy_mode));
	json_mode_flags(j, v->policy_flags);
	json_nodes(j, "nodes", v->policy_nodes);
	json_str(j, "source", v->policy_source < 3 ?
		 source_names[v->policy_source] : "?");
	json_i64(j, "home_node", v->policy_home_node);
	json_close(j, '}');
}

static struct view_value row_applies(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(ROW(row)->e->from_task ? "task" : "mapping");
}

static struct view_value row_effective_mode(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(numa_mode_name(ROW(row)->e->mode));
}

static void allowed_nodes_json(struct json *j, const char *key, const void *row)
{
	if (ROW(row)->e->allowed_nodes == ~0ULL)
		json_null(j, key);
	else
		json_nodes(j, key, ROW(row)->e->allowed_nodes);
}

#define COUNT(name_, key_, group_, member, help_) {			\
	.name = (name_), .key = (key_), .group = (group_),		\
	.unit = VIEW_PAGES, .whint = 6, .flags = SCOLS_FL_RIGHT,	\
	.help = (help_), .get = row_count,				\
	.arg = offsetof(struct numa_row, member) }

static const struct view_field numa_fields[] = {
	[COL_START]	= VIEW_START("first address", view_range_start),
	[COL_END]	= VIEW_END("end address (exclusive)", view_range_end),
	[COL_SIZE]	= VIEW_SIZE("virtual size", view_range_size),
	[COL_RSS]	= COUNT("RSS", "present", "pages", present,
				"present pages on a known node"),
	[COL_NODES]	= { .name = "NODES", .key = "nodes", .whint = 12,
			    .help = "present memory per NUMA node",
			    .cell = nodes_cell, .json = nodes_json },
	[COL_POLICY]	= { .name = "POLICY", .whint = 10,
			    .help = "memory policy that applies: MODE:NODES, (task) if the task's",
			    .cell = policy_cell },
	[COL_REMOTE]	= COUNT("REMOTE", "remote", "pages", remote,
				"on a node none of the threads last ran on"),
	[COL_NOT_ALLOWED] = COUNT("NOT_ALLOWED", "not_allowed", "pages", not_allowed,
				  "on a node the policy does not allow"),
	[COL_PROTNONE]	= COUNT("PROTNONE", "protnone", "pages", protnone,
				"PROT_NONE or NUMA-hinting entries pending"),
	[COL_NAME]	= VIEW_NAME("file name, [heap], [stack]..., empty for anonymous", view_range_name),
	[F_PERMS]	= { .key = "perms", .get = view_range_perms },
	[F_PATH]	= { .key = "name", .get = view_range_path },
	[F_ANON]	= { .key = "anon", .get = row_anon },
	[F_MAPPING_POLICY] = { .key = "policy", .json = mapping_policy_json },
	[F_APPLIES]	= { .key = "applies", .get = row_applies },
	[F_EFFECTIVE_MODE] = { .key = "effective_mode", .get = row_effective_mode },
	[F_ALLOWED_NODES] = { .key = "allowed_nodes", .json = allowed_nodes_json },
	[F_VMAS]	= COUNT(NULL, "vmas", NULL, nr_vmas, NULL),
	[F_PRESENT]	= COUNT(NULL, "present", NULL, present, NULL),
	[F_REMOTE]	= COUNT(NULL, "remote", NULL, remote, NULL),
	[F_NOT_ALLOWED]	= COUNT(NULL, "not_allowed", NULL, not_allowed, NULL),
	[F_PROTNONE]	= COUNT(NULL, "protnone", NULL, protnone, NULL),
	[F_ANON_PAGES]	= COUNT(NULL, "anon", NULL, anon, NULL),
	[F_ANON_REMOTE]	= COUNT(NULL, "anon_remote", NULL, anon_remote, NULL),
};

static const int numa_default_columns[] = {
	COL_START, COL_SIZE, COL_RSS, COL_NODES, COL_POLICY, COL_REMOTE,
	COL_NOT_ALLOWED, COL_NAME,
};

static const int numa_vma_json[] = {
	COL_START, COL_END, F_PERMS, F_PATH, F_ANON, F_MAPPING_POLICY,
	F_APPLIES, F_EFFECTIVE_MODE, F_ALLOWED_NODES, COL_RSS, COL_REMOTE,
	COL_NOT_ALLOWED, COL_PROTNONE, COL_NODES,
};

static const int numa_total_json[] = {
	F_VMAS, F_PRESENT, F_REMOTE, F_NOT_ALLOWED, F_PROTNONE, F_ANON_PAGES,
	F_ANON_REMOTE, COL_NODES,
};

static const struct view numa_view =
	VIEW_INIT_JSON(numa_fields, numa_default_columns, numa_vma_json);

static const struct view numa_total_view = VIEW_JSON(numa_fields, numa_total_json);

static void numa_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope numa PID [START[-END] | START+LENGTH]\n\n"
		   "Where the pages of each mapping of process PID are: per NUMA node,\n"
		   "against the memory policy that applies (the mapping's own, else the\n"
		   "task's) and the nodes of the CPUs its threads last ran on; pending\n"
		   "NUMA-hinting (protnone) entries; and a verdict on anonymous memory.\n\n");
	view_help(f, &numa_view);
	cgroup_view_help(f, CG_VIEW_NUMA);
}

int cmd_numa(int argc, char **argv)
{
	struct cli_vma_list nv = { 0 };
	struct ptscope_maps_totals tot;
	struct ptscope_page_counts all = { 0 };
	struct ptscope_thread *threads = NULL;
	struct libscols_table *tb = NULL;
	struct ptscope_stats st;
	struct numa_row row;
	struct cli_columns cols;
	struct numa_eval e;
	struct json j;
	uint64_t pid, start, end, run_nodes = 0;
	uint64_t present = 0, remote = 0, not_allowed = 0, protnone = 0;
	uint64_t anon = 0, anon_remote = 0;
	size_t nr_threads = 0, i;
	char buf[1024], verdict[512], list[256], total[64];
	struct ptscope *ps;
	int ret;

	if (opts.cgroup && !opts.help)
		return cgroup_view_run(CG_VIEW_NUMA, opts.cgroup, argc);
	ret = cli_pid_and_range(argc, argv, numa_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (view_select(&cols, &numa_view))
		return 2;
	ps = cli_open();
	if (!ps)
		return 1;
	if (!(ptscope_module_version(ps)->features & PTSCOPE_FEAT_MAPS_POLICY)) {
		cli_close(ps);
		return cli_error("the module is too old for 'numa' (it needs ABI 1.2): load a newer ptscope.ko");
	}
	ret = ptscope_maps(ps, pid, start, end, cli_vma_list_add, &nv, &tot);
	if (!ret)
		ret = ptscope_stats(ps, pid, &st, &threads, &nr_threads);
	if (ret)
		goto out;
	run_nodes = numa_run_nodes(threads, nr_threads);

	if (opts.json) {
		json_init(&j, stdout, opts.pretty);
		json_open(&j, NULL, '{');
		json_u64(&j, "pid", pid);
		json_open(&j, "vmas", '[');
	} else {
		tb = view_table_new(&cols, &numa_view);
		if (!tb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < nv.nr; i++) {
		const struct ptscope_vma *v = &nv.v[i];

		numa_evaluate(v, run_nodes, tot.task_policy_mode,
			      tot.task_policy_nodes, &e);
		counts_sum(&all, &v->pages);
		present += e.present;
		remote += e.remote;
		not_allowed += e.not_allowed;
		protnone += v->pages.protnone;
		if (v->flags & PTSCOPE_VMA_ANON) {
			anon += e.present;
			anon_remote += e.remote;
		}
		row = (struct numa_row){
			.range = { .start = v->start, .end = v->end,
				   .flags = v->flags, .name = v->name },
			.v = v, .e = &e, .tot = &tot, .c = &v->pages,
			.present = e.present, .remote = e.remote,
			.not_allowed = e.not_allowed, .protnone = v->pages.protnone,
		};
		if (opts.json) {
			json_open(&j, NULL, '{');
			view_json_members(&j, &numa_view, &row);
			json_close(&j, '}');
			continue;
		}
		ret = view_table_add(tb, &cols, &numa_view, &row);
		if (ret)
			goto out;
	}
	numa_verdict(verdict, sizeof(verdict), anon, anon_remote, run_nodes);
	snprintf(total, sizeof(total), "(%zu mappings)", nv.nr);
	row = (struct numa_row){
		.tot = &tot, .c = &all, .present = present, .remote = remote,
		.not_allowed = not_allowed, .protnone = protnone, .anon = anon,
		.anon_remote = anon_remote, .nr_vmas = nv.nr,
		.range = { .total = total },
	};

	if (opts.json) {
		json_close(&j, ']');
		json_open(&j, "task_policy", '{');
		json_str(&j, "mode", numa_mode_name(tot.task_policy_mode));
		json_mode_flags(&j, tot.task_policy_flags);
		json_nodes(&j, "nodes", tot.task_policy_nodes);
		json_close(&j, '}');
		json_open(&j, "threads", '[');
		for (i = 0; i < nr_threads; i++) {
			json_open(&j, NULL, '{');
			json_u64(&j, "tid", threads[i].tid);
			json_i64(&j, "cpu", threads[i].cpu);
			json_i64(&j, "node", threads[i].node);
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_nodes(&j, "run_nodes", run_nodes);
		json_open(&j, "totals", '{');
		view_json_members(&j, &numa_total_view, &row);
		json_close(&j, '}');
		json_str(&j, "verdict", verdict);
		json_close(&j, '}');
		goto out;
	}

	ret = view_table_add(tb, &cols, &numa_view, &row);
	if (ret)
		goto out;
	if (!opts.raw && !opts.noheadings) {
		printf("task policy: %s", policy_text(buf, sizeof(buf), tot.task_policy_mode,
						      tot.task_policy_nodes, false));
		printf("; threads last ran on node %s:", numa_nodelist(list, sizeof(list), run_nodes));
		for (i = 0; i < nr_threads && i < 8; i++)
			printf(" %" PRIu64 "@cpu%d", (uint64_t)threads[i].tid, threads[i].cpu);
		printf("%s\n", nr_threads > 8 ? " ..." : "");
	}
	scols_print_table(tb);
	if (!opts.raw && !opts.noheadings) {
		printf("%s\n", verdict);
		if (protnone)
			printf("%s of NUMA-hinting (or PROT_NONE) entries pending\n",
			       format_size(list, sizeof(list), protnone * PAGE));
	}
out:
	if (tb)
		scols_unref_table(tb);
	free(threads);
	free(nv.v);
	cli_close(ps);
	if (ret)
		return cli_error("numa of %" PRIu64 ": %s", pid, ptscope_strerror(ret));
	return 0;
}
