// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope numa PID [RANGE]: where each mapping's pages are, against the
 * memory policy that applies to it and the nodes the process's threads run
 * on.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numa_verdict.h"
#include "format.h"
#include "json.h"

#define PAGE 4096ULL

enum {
	COL_START, COL_END, COL_SIZE, COL_RSS, COL_NODES, COL_POLICY,
	COL_REMOTE, COL_NOT_ALLOWED, COL_PROTNONE, COL_NAME,
};

static const struct cli_column numa_columns[] = {
	[COL_START]	= { "START", 14, SCOLS_FL_RIGHT, "first address" },
	[COL_END]	= { "END", 14, SCOLS_FL_RIGHT, "end address (exclusive)" },
	[COL_SIZE]	= { "SIZE", 6, SCOLS_FL_RIGHT, "virtual size" },
	[COL_RSS]	= { "RSS", 6, SCOLS_FL_RIGHT, "present pages on a known node" },
	[COL_NODES]	= { "NODES", 12, 0, "present memory per NUMA node" },
	[COL_POLICY]	= { "POLICY", 10, 0, "memory policy that applies: MODE:NODES, (task) if the task's" },
	[COL_REMOTE]	= { "REMOTE", 6, SCOLS_FL_RIGHT, "on a node none of the threads last ran on" },
	[COL_NOT_ALLOWED] = { "NOT_ALLOWED", 6, SCOLS_FL_RIGHT, "on a node the policy does not allow" },
	[COL_PROTNONE]	= { "PROTNONE", 6, SCOLS_FL_RIGHT, "PROT_NONE or NUMA-hinting entries pending" },
	[COL_NAME]	= { "NAME", 16, SCOLS_FL_TRUNC, "file name, [heap], [stack]..., empty for anonymous" },
};

static const int numa_default_columns[] = {
	COL_START, COL_SIZE, COL_RSS, COL_NODES, COL_POLICY, COL_REMOTE,
	COL_NOT_ALLOWED, COL_NAME,
};

static void nodes_cell(char *buf, size_t len, const struct ptscope_page_counts *c)
{
	char sz[32];
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		if (c->node[i])
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%d:%s",
					 used ? " " : "", i,
					 cli_size(sz, sizeof(sz), c->node[i] * PAGE));
	if (c->node_other)
		used += snprintf(buf + used, used < len ? len - used : 0, "%sother:%s",
				 used ? " " : "", cli_size(sz, sizeof(sz), c->node_other * PAGE));
	if (!used)
		snprintf(buf, len, "-");
}

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

static void json_node_counts(struct json *j, const struct ptscope_page_counts *c)
{
	char key[16];
	int i;

	json_open(j, "nodes", '{');
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (!c->node[i])
			continue;
		snprintf(key, sizeof(key), "%d", i);
		json_u64(j, key, c->node[i]);
	}
	if (c->node_other)
		json_u64(j, "other", c->node_other);
	json_close(j, '}');
}

static const char *const source_names[] = PTSCOPE_POLICY_SOURCE_NAMES;

static void numa_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope numa PID [START[-END] | START+LENGTH]\n\n"
		   "Where the pages of each mapping of process PID are: per NUMA node,\n"
		   "against the memory policy that applies (the mapping's own, else the\n"
		   "task's) and the nodes of the CPUs its threads last ran on; pending\n"
		   "NUMA-hinting (protnone) entries; and a verdict on anonymous memory.\n\n");
	cli_columns_help(f, numa_columns, ARRAY_SIZE(numa_columns));
}

int cmd_numa(int argc, char **argv)
{
	struct cli_vma_list nv = { 0 };
	struct ptscope_maps_totals tot;
	struct ptscope_page_counts all = { 0 };
	struct ptscope_thread *threads = NULL;
	struct libscols_table *tb = NULL;
	struct libscols_line *ln;
	struct ptscope_stats st;
	struct cli_columns cols;
	struct numa_eval e;
	struct json j;
	uint64_t pid, start, end, run_nodes = 0;
	uint64_t present = 0, remote = 0, not_allowed = 0, protnone = 0;
	uint64_t anon = 0, anon_remote = 0;
	size_t nr_threads = 0, i, k;
	char buf[1024], verdict[512], list[256];
	struct ptscope *ps;
	int ret;

	ret = cli_pid_and_range(argc, argv, numa_usage, &pid, &start, &end);
	if (ret >= 0)
		return ret;
	if (cli_columns_select(&cols, numa_columns, ARRAY_SIZE(numa_columns),
			       numa_default_columns, ARRAY_SIZE(numa_default_columns)))
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
		tb = cli_table_new(&cols, numa_columns);
		if (!tb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < nv.nr; i++) {
		const struct ptscope_vma *v = &nv.v[i];
		char p[8];

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
		if (opts.json) {
			format_perms(p, v->flags);
			json_open(&j, NULL, '{');
			json_u64(&j, "start", v->start);
			json_u64(&j, "end", v->end);
			json_str(&j, "perms", p);
			json_str(&j, "name", v->name);
			json_bool(&j, "anon", v->flags & PTSCOPE_VMA_ANON);
			json_open(&j, "policy", '{');
			json_str(&j, "mode", numa_mode_name(v->policy_mode));
			json_mode_flags(&j, v->policy_flags);
			json_nodes(&j, "nodes", v->policy_nodes);
			json_str(&j, "source", v->policy_source < 3 ?
				 source_names[v->policy_source] : "?");
			json_i64(&j, "home_node", v->policy_home_node);
			json_close(&j, '}');
			json_str(&j, "applies", e.from_task ? "task" : "mapping");
			json_str(&j, "effective_mode", numa_mode_name(e.mode));
			if (e.allowed_nodes == ~0ULL)
				json_null(&j, "allowed_nodes");
			else
				json_nodes(&j, "allowed_nodes", e.allowed_nodes);
			json_open(&j, "pages", '{');
			json_u64(&j, "present", e.present);
			json_u64(&j, "remote", e.remote);
			json_u64(&j, "not_allowed", e.not_allowed);
			json_u64(&j, "protnone", v->pages.protnone);
			json_close(&j, '}');
			json_node_counts(&j, &v->pages);
			json_close(&j, '}');
			continue;
		}
		ln = scols_table_new_line(tb, NULL);
		if (!ln) {
			ret = -ENOMEM;
			goto out;
		}
		for (k = 0; k < cols.nr; k++) {
			buf[0] = 0;
			switch (cols.ids[k]) {
			case COL_START:
				snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)v->start);
				break;
			case COL_END:
				snprintf(buf, sizeof(buf), "%#" PRIx64, (uint64_t)v->end);
				break;
			case COL_SIZE:
				cli_size(buf, sizeof(buf), v->end - v->start);
				break;
			case COL_RSS:
				cli_size(buf, sizeof(buf), e.present * PAGE);
				break;
			case COL_NODES:
				nodes_cell(buf, sizeof(buf), &v->pages);
				break;
			case COL_POLICY:
				policy_text(buf, sizeof(buf), e.mode,
					    e.from_task ? tot.task_policy_nodes :
					    v->policy_nodes, e.from_task);
				break;
			case COL_REMOTE:
				cli_size(buf, sizeof(buf), e.remote * PAGE);
				break;
			case COL_NOT_ALLOWED:
				cli_size(buf, sizeof(buf), e.not_allowed * PAGE);
				break;
			case COL_PROTNONE:
				cli_size(buf, sizeof(buf), v->pages.protnone * PAGE);
				break;
			case COL_NAME:
				snprintf(buf, sizeof(buf), "%s", cli_short_name(v->name));
				break;
			}
			scols_line_set_data(ln, k, buf);
		}
	}
	numa_verdict(verdict, sizeof(verdict), anon, anon_remote, run_nodes);

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
		json_u64(&j, "vmas", nv.nr);
		json_u64(&j, "present", present);
		json_u64(&j, "remote", remote);
		json_u64(&j, "not_allowed", not_allowed);
		json_u64(&j, "protnone", protnone);
		json_u64(&j, "anon", anon);
		json_u64(&j, "anon_remote", anon_remote);
		json_node_counts(&j, &all);
		json_close(&j, '}');
		json_str(&j, "verdict", verdict);
		json_close(&j, '}');
		goto out;
	}

	ln = scols_table_new_line(tb, NULL);
	if (!ln) {
		ret = -ENOMEM;
		goto out;
	}
	for (k = 0; k < cols.nr; k++) {
		buf[0] = 0;
		switch (cols.ids[k]) {
		case COL_START:
			snprintf(buf, sizeof(buf), "total");
			break;
		case COL_RSS:
			cli_size(buf, sizeof(buf), present * PAGE);
			break;
		case COL_NODES:
			nodes_cell(buf, sizeof(buf), &all);
			break;
		case COL_REMOTE:
			cli_size(buf, sizeof(buf), remote * PAGE);
			break;
		case COL_NOT_ALLOWED:
			cli_size(buf, sizeof(buf), not_allowed * PAGE);
			break;
		case COL_PROTNONE:
			cli_size(buf, sizeof(buf), protnone * PAGE);
			break;
		case COL_NAME:
			snprintf(buf, sizeof(buf), "(%zu mappings)", nv.nr);
			break;
		}
		scols_line_set_data(ln, k, buf);
	}
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
