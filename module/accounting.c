// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the module's own accounting, shown in /proc/ptscope/status.
 *
 *  - every allocation a query makes goes through ptscope_alloc() and
 *    ptscope_free(), so "allocations" is what the module holds right now;
 *    with no query in flight it must be 0 (the reliability tests check it);
 *  - every hold of a target's mmap lock goes through ptscope_mmap_lock()
 *    and ptscope_mmap_unlock(), which time it: the longest hold is what a
 *    target thread waiting for the lock (mmap, munmap, a fault) can be
 *    stalled by us;
 *  - chunks that ended early because a writer was waiting for the lock or
 *    the CPU was wanted are counted as yields.
 *
 * Writing "reset" (CAP_SYS_ADMIN) zeroes the counters of holds and yields,
 * for a benchmark that wants the longest hold of one run.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/proc_fs.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ptscope.h"
#include "procfs.h"

static atomic_long_t ptscope_live_allocations = ATOMIC_LONG_INIT(0);
static atomic64_t ptscope_queries[PTSCOPE_NR_QUERY_KINDS];
static atomic64_t ptscope_lock_holds = ATOMIC64_INIT(0);
static atomic64_t ptscope_lock_hold_total_ns = ATOMIC64_INIT(0);
static atomic64_t ptscope_lock_hold_max_ns = ATOMIC64_INIT(0);
static atomic64_t ptscope_yields = ATOMIC64_INIT(0);

static const char *const ptscope_query_kind_names[PTSCOPE_NR_QUERY_KINDS] = {
	[PTSCOPE_QUERY_PAGES]	= "pages",
	[PTSCOPE_QUERY_MAPS]	= "maps",
	[PTSCOPE_QUERY_STATS]	= "stats",
	[PTSCOPE_QUERY_TLB]	= "tlb",
};

/* Zeroed, from the slab or vmalloc; ptscope_free() it.  */
/* @p, just allocated (or NULL), counted until ptscope_free(). */
static void *ptscope_counted(void *p)
{
	if (p)
		atomic_long_inc(&ptscope_live_allocations);
	return p;
}

void *ptscope_alloc(size_t n, size_t size)
{
	return ptscope_counted(kvcalloc(n, size, GFP_KERNEL));
}

/*
 * Not zeroed: for buffers whose parts are written before they are read or
 * copied out (the walk's bounce buffer, where zeroing 72 KiB would cost a
 * small query more than its walk).
 */
void *ptscope_alloc_uninit(size_t n, size_t size)
{
	return ptscope_counted(kvmalloc_array(n, size, GFP_KERNEL));
}

/*
 * Free what ptscope_alloc(), ptscope_alloc_uninit() or
 * ptscope_memdup_user_nul() returned.
 */
void ptscope_free(const void *p)
{
	if (!p)
		return;
	atomic_long_dec(&ptscope_live_allocations);
	kvfree(p);
}

/* memdup_user_nul(), accounted: ptscope_free() it. */
char *ptscope_memdup_user_nul(const char __user *ubuf, size_t count)
{
	char *p = memdup_user_nul(ubuf, count);

	if (!IS_ERR(p))
		atomic_long_inc(&ptscope_live_allocations);
	return p;
}

void ptscope_count_query(enum ptscope_query_kind kind)
{
	atomic64_inc(&ptscope_queries[kind]);
}

void ptscope_count_yield(void)
{
	atomic64_inc(&ptscope_yields);
}

/**
 * ptscope_mmap_lock - take @mm's mmap lock for reading, killably
 * @mm: the target, held with mmget
 * @since: gets the time it was taken, for ptscope_mmap_unlock()
 *
 * The time is local_clock()'s: the hold is timed on every lock, and
 * ktime_get() may read a slow clocksource (HPET, in a VM without a stable
 * TSC).  Should the query move to a CPU whose clock is behind, the hold
 * counts as zero.
 *
 * Returns 0, or -EINTR when a fatal signal is pending.
 */
int ptscope_mmap_lock(struct mm_struct *mm, u64 *since)
{
	if (fatal_signal_pending(current) || mmap_read_lock_killable(mm))
		return -EINTR;
	*since = local_clock();
	return 0;
}

void ptscope_mmap_unlock(struct mm_struct *mm, u64 since)
{
	u64 held = max_t(s64, local_clock() - since, 0);
	s64 max = atomic64_read(&ptscope_lock_hold_max_ns);

	mmap_read_unlock(mm);
	atomic64_inc(&ptscope_lock_holds);
	atomic64_add(held, &ptscope_lock_hold_total_ns);
	while (held > max) {
		s64 old = atomic64_cmpxchg(&ptscope_lock_hold_max_ns, max, held);

		if (old == max)
			break;
		max = old;
	}
}

static int ptscope_status_show(struct seq_file *m, void *v)
{
	int i;

	seq_printf(m, "allocations %ld\n",
		   atomic_long_read(&ptscope_live_allocations));
	for (i = 0; i < PTSCOPE_NR_QUERY_KINDS; i++)
		seq_printf(m, "ioctls_%s %lld\n", ptscope_query_kind_names[i],
			   atomic64_read(&ptscope_queries[i]));
	seq_printf(m, "lock_holds %lld\n", atomic64_read(&ptscope_lock_holds));
	seq_printf(m, "lock_hold_total_ns %lld\n",
		   atomic64_read(&ptscope_lock_hold_total_ns));
	seq_printf(m, "lock_hold_max_ns %lld\n",
		   atomic64_read(&ptscope_lock_hold_max_ns));
	seq_printf(m, "yields %lld\n", atomic64_read(&ptscope_yields));
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
	atomic64_set(&ptscope_lock_holds, 0);
	atomic64_set(&ptscope_lock_hold_total_ns, 0);
	atomic64_set(&ptscope_lock_hold_max_ns, 0);
	atomic64_set(&ptscope_yields, 0);
	return count;
}

const struct proc_ops ptscope_status_proc_ops = {
	.proc_open	= ptscope_status_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= ptscope_status_write,
};
