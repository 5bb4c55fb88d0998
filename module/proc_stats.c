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
	bool have_query;
	bool threads;
	u64 pid;			/* as written, for the "pid" line */
	struct ptscope_target target;
};

static void ptscope_show_field(struct seq_file *m, const char *name, u64 val)
{
	seq_printf(m, "%s %llu\n", name, val);
}

static int ptscope_stats_show(struct seq_file *m, void *v)
{
	struct ptscope_proc_stats *q = m->private;
	struct ptscope_thread *th = NULL;
	struct ptscope_stats st = {};
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned int i, nr, cap = 0;
	int ret = 0;

	if (!q->have_query) {
		seq_puts(m, "# write \"PID [threads]\" to this open file, then read it\n");
		return 0;
	}
	mm = ptscope_target_get(&q->target, &task);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (q->threads) {
		cap = get_nr_threads(task) + 16;
		th = ptscope_alloc(cap, sizeof(*th));
		if (!th) {
			ret = -ENOMEM;
			goto out_put;
		}
	}
	nr = ptscope_stats_collect(task, mm, &st, th, cap);

	/* A pidfd's process by its number in the reader's namespace. */
	if (q->pid & PTSCOPE_PID_PIDFD)
		seq_printf(m, "pid %d\n", pid_vnr(q->target.pid));
	else
		seq_printf(m, "pid %llu\n", q->pid);
	ptscope_show_field(m, "nr_threads", st.nr_threads);
	ptscope_show_field(m, "min_flt", st.min_flt);
	ptscope_show_field(m, "maj_flt", st.maj_flt);
	ptscope_show_field(m, "cmin_flt", st.cmin_flt);
	ptscope_show_field(m, "cmaj_flt", st.cmaj_flt);
	ptscope_show_field(m, "rss_anon", st.rss_anon);
	ptscope_show_field(m, "rss_file", st.rss_file);
	ptscope_show_field(m, "rss_shmem", st.rss_shmem);
	ptscope_show_field(m, "swap_ents", st.swap_ents);
	ptscope_show_field(m, "pgtables_bytes", st.pgtables_bytes);
	ptscope_show_field(m, "total_vm", st.total_vm);
	ptscope_show_field(m, "locked_vm", st.locked_vm);
	ptscope_show_field(m, "pinned_vm", st.pinned_vm);
	ptscope_show_field(m, "data_vm", st.data_vm);
	ptscope_show_field(m, "exec_vm", st.exec_vm);
	ptscope_show_field(m, "stack_vm", st.stack_vm);
	ptscope_show_field(m, "hiwater_rss", st.hiwater_rss);
	ptscope_show_field(m, "hiwater_vm", st.hiwater_vm);
	ptscope_show_field(m, "map_count", st.map_count);
	ptscope_show_field(m, "timestamp_ns", st.timestamp_ns);
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

static int ptscope_stats_open(struct inode *inode, struct file *file)
{
	struct ptscope_proc_stats *q;
	int ret;

	q = ptscope_alloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	ret = single_open(file, ptscope_stats_show, q);
	if (ret)
		ptscope_free(q);
	return ret;
}

static int ptscope_stats_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct ptscope_proc_stats *q = m->private;

	ptscope_target_unbind(&q->target);
	ptscope_free(q);
	return single_release(inode, file);
}

static ssize_t ptscope_stats_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct ptscope_proc_stats *q = m->private;
	struct ptscope_target bound;
	bool threads = false;
	char *line, *tok[2];
	u64 pid;
	int n, ret = 0;

	line = ptscope_proc_get_line(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	n = ptscope_proc_split(line, tok, ARRAY_SIZE(tok));
	if (n < 1 || ptscope_proc_parse_pid(tok[0], &pid))
		ret = -EINVAL;
	else if (n == 2 && strcmp(tok[1], "threads"))
		ret = -EINVAL;
	else
		threads = n == 2;
	ptscope_free(line);
	if (ret)
		return ret;

	/* Authorised once, as written; the binding and the query change together. */
	ret = ptscope_target_bind(&bound, file, pid, false);
	if (ret)
		return ret;

	mutex_lock(&m->lock);
	swap(q->target, bound);
	q->have_query = true;
	q->pid = pid;
	q->threads = threads;
	ptscope_proc_rewind(file);
	mutex_unlock(&m->lock);
	ptscope_target_unbind(&bound);	/* the old binding */
	return count;
}

const struct proc_ops ptscope_stats_proc_ops = {
	.proc_open	= ptscope_stats_open,
	.proc_read	= seq_read,
	.proc_write	= ptscope_stats_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= ptscope_stats_release,
};
