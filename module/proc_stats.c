// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: /proc/ptscope/stats, a process's fault and memory counters for
 * shell users.
 *
 *	exec 3<>/proc/ptscope/stats
 *	echo "$pid" >&3			# or "$pid threads"
 *	cat <&3
 *
 * "key value" lines (pages are 4 KiB pages), then with "threads" one line
 * per thread: "thread TID MINFLT MAJFLT CPU NODE COMM".  Every read takes
 * the counters afresh, so reading again (lseek to 0) samples again.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>

#include "ptscope.h"
#include "procfs.h"

struct ptscope_proc_stats {
	struct ptscope_proc_query head;
	struct ptscope_proc_stats_line line;	/* the pid as written, for "pid" */
};

/* The counters' lines, from the uapi's one list of them. */
#define PTSCOPE_STATS_COUNTER(field) \
	{ #field, offsetof(struct ptscope_stats, field) },
static const struct {
	const char *name;
	size_t offset;
} ptscope_stats_counters[] = {
	PTSCOPE_STATS_FOREACH(PTSCOPE_STATS_COUNTER)
};

#undef PTSCOPE_STATS_COUNTER

/* Each is read as a u64: the list is the structure's u64s from nr_threads on. */
static_assert(ARRAY_SIZE(ptscope_stats_counters) * sizeof(u64) ==
	      sizeof(struct ptscope_stats) -
	      offsetof(struct ptscope_stats, nr_threads));

static void ptscope_show_field(struct seq_file *m, const char *name, u64 val)
{
	seq_printf(m, "%s %llu\n", name, val);
}

static int ptscope_stats_show(struct seq_file *m, void *v)
{
	struct ptscope_proc_stats *q = container_of(m->private,
						    struct ptscope_proc_stats,
						    head);
	struct ptscope_thread *th = NULL;
	struct ptscope_stats st = {};
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned int i, nr, cap = 0;
	int ret = 0;

	if (!q->head.have_query) {
		seq_puts(m, "# write \"PID [threads]\" to this open file, then read it\n");
		return 0;
	}
	mm = ptscope_target_get(&q->head.target, &task);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (q->line.threads) {
		cap = get_nr_threads(task) + 16;
		th = ptscope_alloc(cap, sizeof(*th));
		if (!th) {
			ret = -ENOMEM;
			goto out_put;
		}
	}
	nr = ptscope_stats_collect(task, mm, &st, th, cap);

	/* A pidfd's process by its number in the reader's namespace. */
	if (q->line.pid & PTSCOPE_PID_PIDFD)
		seq_printf(m, "pid %d\n", pid_vnr(q->head.target.pid));
	else
		seq_printf(m, "pid %llu\n", q->line.pid);
	for (i = 0; i < ARRAY_SIZE(ptscope_stats_counters); i++)
		ptscope_show_field(m, ptscope_stats_counters[i].name,
				   *(const u64 *)((const char *)&st +
						  ptscope_stats_counters[i].offset));
	/* comm escaped as /proc/PID/status escapes it. */
	for (i = 0; i < nr; i++) {
		seq_printf(m, "thread %llu %llu %llu %d %d ", th[i].tid,
			   th[i].min_flt, th[i].maj_flt, th[i].cpu, th[i].node);
		seq_escape_str(m, th[i].comm, ESCAPE_SPACE | ESCAPE_SPECIAL,
			       "\n\\");
		seq_putc(m, '\n');
	}
	ptscope_free(th);
out_put:
	mmput(mm);
	put_task_struct(task);
	return ret;
}

/* "PID [threads]" */
static int ptscope_proc_stats_parse(char *line, u64 *pid, void *parsed)
{
	struct ptscope_proc_stats_line *l = parsed;
	char *tok[2];
	int n = ptscope_proc_split(line, tok, ARRAY_SIZE(tok));

	if (n < 1 || ptscope_proc_parse_pid(tok[0], pid))
		return -EINVAL;
	if (n == 2 && strcmp(tok[1], "threads"))
		return -EINVAL;
	l->pid = *pid;
	l->threads = n == 2;
	return 0;
}

static void ptscope_proc_stats_apply(struct file *file,
				     struct ptscope_proc_query *query,
				     const void *parsed)
{
	struct ptscope_proc_stats *q = container_of(query,
						    struct ptscope_proc_stats,
						    head);

	q->line = *(const struct ptscope_proc_stats_line *)parsed;
}

/* The kernel's counters, which any reader of /proc/PID/stat may see. */
const struct ptscope_proc_query_ops ptscope_proc_stats_query = {
	.size		= sizeof(struct ptscope_proc_stats),
	.want_attach	= false,
	.show		= ptscope_stats_show,
	.parse		= ptscope_proc_stats_parse,
	.apply		= ptscope_proc_stats_apply,
};
