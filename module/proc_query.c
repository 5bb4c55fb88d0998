// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the one skeleton of the /proc/ptscope query files (pages, maps,
 * stats).  Each open file holds its own query, so concurrent users never
 * see each other's:
 *
 *	exec 3<>/proc/ptscope/maps
 *	echo "$pid" >&3
 *	cat <&3
 *
 * A write parses a query line, has the kernel authorise it (target.c) and
 * binds it to that one address space; the binding and the query change
 * together, under the seq_file's lock, and reading starts over.  What
 * differs between the files is in their struct ptscope_proc_query_ops,
 * which procfs.c gives each file as its proc data.
 */
#include <linux/proc_fs.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "ptscope.h"
#include "procfs.h"

/*
 * Split a query line into at most @max words.  Returns the number of
 * words, or -EINVAL if there are more.
 */
int ptscope_proc_split(char *line, char **tok, int max)
{
	int n = 0;
	char *t;

	while ((t = strsep(&line, " \t\n"))) {
		if (!*t)
			continue;
		if (n == max)
			return -EINVAL;
		tok[n++] = t;
	}
	return n;
}

/*
 * A query's target: "PID", or "pidfd:FD" for one of the writer's pidfds
 * (PTSCOPE_PID_PIDFD).  Numbers in C syntax.
 */
int ptscope_proc_parse_pid(const char *tok, u64 *pid)
{
	unsigned int fd;

	if (!strncmp(tok, "pidfd:", 6)) {
		if (kstrtouint(tok + 6, 0, &fd) || fd > INT_MAX)
			return -EINVAL;
		*pid = PTSCOPE_PID_PIDFD | fd;
		return 0;
	}
	return kstrtou64(tok, 0, pid);
}

/*
 * A read from the start of a query file: -ESRCH once the bound process has
 * exited or exec'd, so that no answer of the old address space is read
 * again from the file's buffer as if it were still true.
 */
int ptscope_proc_target_alive(const struct ptscope_target *target)
{
	struct mm_struct *mm = ptscope_target_get(target, NULL);

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	mmput(mm);
	return 0;
}

static const struct ptscope_proc_query_ops *
ptscope_proc_query_ops_of(struct file *file)
{
	return pde_data(file_inode(file));
}

static int ptscope_proc_query_open(struct inode *inode, struct file *file)
{
	const struct ptscope_proc_query_ops *ops = ptscope_proc_query_ops_of(file);
	struct ptscope_proc_query *q;
	int ret;

	q = ptscope_alloc(1, ops->size);
	if (!q)
		return -ENOMEM;
	q->ops = ops;
	if (ops->init) {
		ret = ops->init(q);
		if (ret)
			goto err_free_query;
	}
	if (ops->seq_ops) {
		ret = seq_open(file, ops->seq_ops);
		if (!ret)
			((struct seq_file *)file->private_data)->private = q;
	} else {
		ret = single_open(file, ops->show, q);
	}
	if (ret)
		goto err_fini_query;
	return 0;

err_fini_query:
	if (ops->fini)
		ops->fini(q);
err_free_query:
	ptscope_free(q);
	return ret;
}

static int ptscope_proc_query_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct ptscope_proc_query *q = m->private;
	const struct ptscope_proc_query_ops *ops = q->ops;

	ptscope_target_unbind(&q->target);
	if (ops->fini)
		ops->fini(q);
	ptscope_free(q);
	return ops->seq_ops ? seq_release(inode, file) :
			      single_release(inode, file);
}

/* After a new query: reading starts over from the header.  m->lock held. */
static void ptscope_proc_rewind(struct file *file)
{
	struct seq_file *m = file->private_data;

	m->index = 0;
	m->count = 0;
	m->from = 0;
	m->read_pos = 0;
	file->f_pos = 0;
}

/* The parsed line of a query file, whichever it is. */
union ptscope_proc_query_line {
	struct ptscope_proc_pages_line pages;
	struct ptscope_proc_maps_line maps;
	struct ptscope_proc_stats_line stats;
};

static ssize_t ptscope_proc_query_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct ptscope_proc_query *q = m->private;
	const struct ptscope_proc_query_ops *ops = q->ops;
	union ptscope_proc_query_line parsed = {};
	struct ptscope_target bound;
	char *line;
	u64 pid;
	int ret;

	if (!count || count > PTSCOPE_PROC_QUERY_MAX)
		return -EINVAL;
	line = ptscope_memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	ret = ops->parse(line, &pid, &parsed);
	ptscope_free(line);
	if (ret)
		return ret;

	/*
	 * Authorised once, as written, and bound to that address space
	 * (target.c); the binding and the query change together.
	 */
	ret = ptscope_target_bind(&bound, file, pid, ops->want_attach);
	if (ret)
		return ret;

	mutex_lock(&m->lock);
	swap(q->target, bound);
	q->have_query = true;
	ops->apply(file, q, &parsed);
	ptscope_proc_rewind(file);
	mutex_unlock(&m->lock);
	ptscope_target_unbind(&bound);	/* the old binding */
	return count;
}

/* Every query file's: what differs is its proc data (procfs.c). */
const struct proc_ops ptscope_query_proc_ops = {
	.proc_open	= ptscope_proc_query_open,
	.proc_read	= seq_read,
	.proc_write	= ptscope_proc_query_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= ptscope_proc_query_release,
};
