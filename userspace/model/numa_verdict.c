// SPDX-License-Identifier: GPL-2.0
/* Where a mapping's pages are, against its threads and policy: see numa_verdict.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "numa_verdict.h"

/* The MPOL_* numbers of <linux/mempolicy.h>, which older headers lack. */
enum { MPOL_DEFAULT_ = 0, MPOL_PREFERRED_, MPOL_BIND_, MPOL_INTERLEAVE_,
       MPOL_LOCAL_, MPOL_PREFERRED_MANY_, MPOL_WEIGHTED_INTERLEAVE_ };

static const char *const mpol_names[] = {
	"default", "preferred", "bind", "interleave", "local",
	"preferred_many", "weighted_interleave",
};

const char *numa_mode_name(uint32_t mode)
{
	return mode < sizeof(mpol_names) / sizeof(mpol_names[0]) ?
	       mpol_names[mode] : "?";
}

uint64_t numa_policy_allowed(uint32_t mode, uint64_t nodes)
{
	switch (mode) {
	case MPOL_BIND_:
	case MPOL_INTERLEAVE_:
	case MPOL_WEIGHTED_INTERLEAVE_:
		return nodes;
	default:	/* preferred and local fall back to any node */
		return ~0ULL;
	}
}

void numa_evaluate(const struct ptscope_vma *v, uint64_t run_nodes,
		   uint32_t task_mode, uint64_t task_nodes,
		   struct numa_eval *e)
{
	const struct ptscope_page_counts *c = &v->pages;
	uint64_t nodes;
	int i;

	memset(e, 0, sizeof(*e));
	if (v->policy_source != PTSCOPE_POLICY_NONE) {
		e->mode = v->policy_mode;
		nodes = v->policy_nodes;
	} else {
		e->from_task = true;
		e->mode = task_mode;
		nodes = task_nodes;
	}
	e->allowed_nodes = numa_policy_allowed(e->mode, nodes);
	numa_remote(c, run_nodes, &e->present, &e->remote);
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		if (!(e->allowed_nodes >> i & 1))
			e->not_allowed += c->node[i];
	/* Nodes 64 and up are outside every mask the record carries. */
	if (e->allowed_nodes != ~0ULL)
		e->not_allowed += c->node_other;
}

uint64_t numa_run_nodes(const struct ptscope_thread *threads, size_t nr)
{
	uint64_t nodes = 0;
	size_t i;

	for (i = 0; i < nr; i++)
		if (threads[i].node >= 0 && threads[i].node < 64)
			nodes |= 1ULL << threads[i].node;
	return nodes;
}

void numa_remote(const struct ptscope_page_counts *c, uint64_t run_nodes,
		 uint64_t *present, uint64_t *remote)
{
	int i;

	*present = c->node_other;
	/* Nodes 64 and up are outside every mask: never a run node. */
	*remote = run_nodes ? c->node_other : 0;
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		*present += c->node[i];
		if (run_nodes && !(run_nodes >> i & 1))
			*remote += c->node[i];
	}
}

char *numa_nodelist(char *buf, size_t len, uint64_t nodes)
{
	size_t used = 0;
	int i, j;

	buf[0] = 0;
	for (i = 0; i < 64; i++) {
		if (!(nodes >> i & 1))
			continue;
		for (j = i; j < 63 && (nodes >> (j + 1) & 1); j++)
			;
		if (j == i)
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%d", used ? "," : "", i);
		else
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%d-%d", used ? "," : "", i, j);
		i = j;
	}
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}

char *numa_verdict(char *buf, size_t len, uint64_t anon, uint64_t remote,
		   uint64_t run_nodes)
{
	char nodes[256];
	bool one = run_nodes && !(run_nodes & (run_nodes - 1));

	if (!run_nodes) {
		snprintf(buf, len, "the node its threads run on is unknown");
		return buf;
	}
	numa_nodelist(nodes, sizeof(nodes), run_nodes);
	if (!anon) {
		snprintf(buf, len, "no anonymous memory is resident");
		return buf;
	}
	snprintf(buf, len,
		 "%" PRIu64 "%% of anon memory is remote to the %s its threads run on (%s %s)",
		 (remote * 100 + anon / 2) / anon, one ? "node" : "nodes",
		 one ? "node" : "nodes", nodes);
	return buf;
}
