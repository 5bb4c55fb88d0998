/* SPDX-License-Identifier: GPL-2.0 */
/* The /proc/ptscope files, and the skeleton the query files share. */
#ifndef PTSCOPE_PROCFS_H
#define PTSCOPE_PROCFS_H

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ptscope.h"

/* Longest query line a file accepts. */
#define PTSCOPE_PROC_QUERY_MAX	256

/* proc_query.c: the words of a query line, and its target */
int ptscope_proc_split(char *line, char **tok, int max);
int ptscope_proc_parse_pid(const char *tok, u64 *pid);
int ptscope_proc_target_alive(const struct ptscope_target *target);

/* proc_query.c: what every query file's open file holds first */
struct ptscope_proc_query {
	const struct ptscope_proc_query_ops *ops;
	struct ptscope_target target;	/* bound by the last write */
	bool have_query;
};

/* The lines the query files take, parsed. */
struct ptscope_proc_pages_line {	/* "PID START END [all]" */
	u64 start;
	u64 end;
	bool regions;
};

struct ptscope_proc_maps_line {		/* "PID [START END]" */
	u64 start;
	u64 end;
};

struct ptscope_proc_stats_line {	/* "PID [threads]" */
	u64 pid;			/* as written */
	bool threads;
};

/**
 * struct ptscope_proc_query_ops - what one query file is
 * @size:	of its open file's state, a struct ptscope_proc_query first
 * @want_attach: ask whether the caller may attach too (ptscope_target_bind())
 * @seq_ops:	its records, read a few at a time; or, if NULL,
 * @show:	its whole answer, shown in one go (single_open())
 * @init:	allocate the state's buffers (may be NULL)
 * @fini:	free them (may be NULL)
 * @parse:	a query line into the target's @pid and @parsed, or -EINVAL
 * @apply:	the newly bound query, from @parsed; the seq_file's lock held
 */
struct ptscope_proc_query_ops {
	size_t size;
	bool want_attach;
	const struct seq_operations *seq_ops;
	int (*show)(struct seq_file *m, void *v);
	int (*init)(struct ptscope_proc_query *q);
	void (*fini)(struct ptscope_proc_query *q);
	int (*parse)(char *line, u64 *pid, void *parsed);
	void (*apply)(struct file *file, struct ptscope_proc_query *q,
		      const void *parsed);
};

extern const struct proc_ops ptscope_query_proc_ops;
extern const struct ptscope_proc_query_ops ptscope_proc_pages_query;
extern const struct ptscope_proc_query_ops ptscope_proc_maps_query;
extern const struct ptscope_proc_query_ops ptscope_proc_stats_query;

/* status.c */
extern const struct proc_ops ptscope_status_proc_ops;

#endif /* PTSCOPE_PROCFS_H */
