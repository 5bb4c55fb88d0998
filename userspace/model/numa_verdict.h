/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a mapping's pages are against where its threads run and what its
 * policy allows: the diagnosis of `ptscope numa`, as pure functions of a
 * mapping's record and the process's facts, so that the host unit tests
 * can check them without a kernel.
 */
#ifndef PTSCOPE_NUMA_VERDICT_H
#define PTSCOPE_NUMA_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ptscope.h>

/* NUMA: per-mapping placement against the policy and the threads. */
struct numa_eval {
	uint64_t present;		/* pages on a known node */
	uint64_t remote;		/* not on a node the threads run on */
	uint64_t not_allowed;		/* not on a node the policy allows */
	uint64_t allowed_nodes;		/* the policy's nodes, ~0: any */
	uint32_t mode;			/* effective MPOL_* mode */
	bool from_task;			/* the task's policy applies */
};

/*
 * @run_nodes: nodes (bit N = node N) the process's threads last ran on;
 * @task_mode/@task_nodes: the task's policy.
 */
void numa_evaluate(const struct ptscope_vma *v, uint64_t run_nodes,
		   uint32_t task_mode, uint64_t task_nodes,
		   struct numa_eval *e);

/* The nodes (bit N = node N) @nr threads last ran on; 0 when none is known. */
uint64_t numa_run_nodes(const struct ptscope_thread *threads, size_t nr);

/*
 * The present pages of @c on a known node (*@present), and those of them
 * on no node of @run_nodes (*@remote; 0 when @run_nodes is): the one rule
 * of "remote" for `numa`, `export` and `top`.
 */
void numa_remote(const struct ptscope_page_counts *c, uint64_t run_nodes,
		 uint64_t *present, uint64_t *remote);

/* The nodes a policy confines allocations to; ~0 for "any". */
uint64_t numa_policy_allowed(uint32_t mode, uint64_t nodes);
const char *numa_mode_name(uint32_t mode);
/* "0-2,5" */
char *numa_nodelist(char *buf, size_t len, uint64_t nodes);

/*
 * The verdict line: "87% of anon memory is remote to the node its threads
 * run on (node 0)"; @anon and @remote in pages.
 */
char *numa_verdict(char *buf, size_t len, uint64_t anon, uint64_t remote,
		   uint64_t run_nodes);

#endif /* PTSCOPE_NUMA_VERDICT_H */
