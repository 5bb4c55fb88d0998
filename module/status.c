// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: /proc/ptscope/status, the module's own accounting: what it holds
 * (alloc.c), the queries it answered, and its holds of targets' mmap locks
 * (mmap_hold.c).
 *
 * Writing "reset" (CAP_SYS_ADMIN) zeroes the counters of holds and yields,
 * for a benchmark that wants the longest hold of one run.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ptscope.h"
#include "procfs.h"

static atomic64_t ptscope_queries[PTSCOPE_NR_QUERY_KINDS];

static const char *const ptscope_query_kind_names[PTSCOPE_NR_QUERY_KINDS] = {
	[PTSCOPE_QUERY_PAGES]	= "pages",
	[PTSCOPE_QUERY_MAPS]	= "maps",
	[PTSCOPE_QUERY_STATS]	= "stats",
	[PTSCOPE_QUERY_TLB]	= "tlb",
};

void ptscope_count_query(enum ptscope_query_kind kind)
{
	atomic64_inc(&ptscope_queries[kind]);
}

static int ptscope_status_show(struct seq_file *m, void *v)
{
	struct ptscope_mmap_holds h;
	int i;

	ptscope_mmap_holds(&h);
	seq_printf(m, "allocations %ld\n", ptscope_allocations());
	for (i = 0; i < PTSCOPE_NR_QUERY_KINDS; i++)
		seq_printf(m, "ioctls_%s %lld\n", ptscope_query_kind_names[i],
			   atomic64_read(&ptscope_queries[i]));
	seq_printf(m, "lock_holds %lld\n", h.holds);
	seq_printf(m, "lock_hold_total_ns %lld\n", h.total_ns);
	seq_printf(m, "lock_hold_max_ns %lld\n", h.max_ns);
	seq_printf(m, "yields %lld\n", h.yields);
	return 0;
}

static int ptscope_status_open(struct inode *inode, struct file *file)
{
	return single_open(file, ptscope_status_show, NULL);
}

static ssize_t ptscope_status_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char word[8];

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!count || count >= sizeof(word))
		return -EINVAL;
	if (copy_from_user(word, ubuf, count))
		return -EFAULT;
	word[count] = '\0';
	if (strcmp(strim(word), "reset"))
		return -EINVAL;
	ptscope_mmap_holds_reset();
	return count;
}

const struct proc_ops ptscope_status_proc_ops = {
	.proc_open	= ptscope_status_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= ptscope_status_write,
};
