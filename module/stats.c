// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: PTSCOPE_IOC_STATS, the counters the kernel keeps for a process:
 * faults of the thread group (as /proc/PID/stat sums them), per thread on
 * request, and the mm's RSS and size counters (as /proc/PID/status).
 */
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include "ptscope.h"

static_assert(sizeof(struct ptscope_stats) == PTSCOPE_STATS_SIZE_VER0);
static_assert(sizeof(struct ptscope_thread) == PTSCOPE_THREAD_SIZE_VER0);

/* Threads reported per call at most; @nr_threads still counts them all. */
#define PTSCOPE_MAX_THREADS	65536

static void ptscope_thread_fill(struct task_struct *t, struct ptscope_thread *th)
{
	memset(th, 0, sizeof(*th));
	th->tid = task_pid_vnr(t);
	th->min_flt = t->min_flt;
	th->maj_flt = t->maj_flt;
	th->cpu = task_cpu(t);
	th->node = cpu_to_node(th->cpu);
	get_task_comm(th->comm, t);
}

/**
 * ptscope_stats_collect - read a process's counters
 * @task: a thread of the process, held with a reference
 * @mm: its mm, held with mmget
 * @st: gets the out fields
 * @threads: room for @cap thread records, or NULL
 * @cap: records @threads holds
 *
 * The fault counts are those of do_task_stat(): the signal struct's
 * counts of exited threads plus every live thread's, read under RCU
 * without the sighand lock (lock_task_sighand() is not exported), so a
 * thread exiting at that moment may be counted twice or not at all.
 * Returns the records written.
 */
unsigned int ptscope_stats_collect(struct task_struct *task,
				   struct mm_struct *mm,
				   struct ptscope_stats *st,
				   struct ptscope_thread *threads,
				   unsigned int cap)
{
	struct signal_struct *sig = task->signal;
	unsigned int written = 0;
	struct task_struct *t;
	u64 nr = 0;

	rcu_read_lock();
	st->min_flt = READ_ONCE(sig->min_flt);
	st->maj_flt = READ_ONCE(sig->maj_flt);
	st->cmin_flt = READ_ONCE(sig->cmin_flt);
	st->cmaj_flt = READ_ONCE(sig->cmaj_flt);
	for_each_thread(task, t) {
		st->min_flt += READ_ONCE(t->min_flt);
		st->maj_flt += READ_ONCE(t->maj_flt);
		if (threads && written < cap)
			ptscope_thread_fill(t, &threads[written++]);
		nr++;
	}
	rcu_read_unlock();
	st->nr_threads = nr;

	st->rss_anon = pts_mm_counter(mm, MM_ANONPAGES);
	st->rss_file = pts_mm_counter(mm, MM_FILEPAGES);
	st->rss_shmem = pts_mm_counter(mm, MM_SHMEMPAGES);
	st->swap_ents = pts_mm_counter(mm, MM_SWAPENTS);
	st->pgtables_bytes = mm_pgtables_bytes(mm);
	st->total_vm = READ_ONCE(mm->total_vm);
	st->locked_vm = READ_ONCE(mm->locked_vm);
	st->pinned_vm = atomic64_read(&mm->pinned_vm);
	st->data_vm = READ_ONCE(mm->data_vm);
	st->exec_vm = READ_ONCE(mm->exec_vm);
	st->stack_vm = READ_ONCE(mm->stack_vm);
	st->hiwater_rss = max(READ_ONCE(mm->hiwater_rss),
			      st->rss_anon + st->rss_file + st->rss_shmem);
	st->hiwater_vm = max(READ_ONCE(mm->hiwater_vm), st->total_vm);
	st->map_count = READ_ONCE(mm->map_count);
	st->timestamp_ns = ktime_get_ns();
	return written;
}

static int ptscope_stats_get_args(struct ptscope_stats *args, void __user *uarg)
{
	int ret;

	ret = ptscope_copy_args(args, sizeof(*args), PTSCOPE_STATS_SIZE_VER0,
				uarg);
	if (ret)
		return ret;
	if (args->flags & ~PTSCOPE_STATS_FLAGS_ALL)
		return -EINVAL;
	if (!(args->flags & PTSCOPE_STATS_THREADS))
		return 0;
	return ptscope_check_vec(args->threads, args->threads_len,
				 args->thread_size, PTSCOPE_THREAD_SIZE_VER0);
}

long ptscope_ioctl_stats(struct file *file, void __user *uarg)
{
	struct ptscope_thread *threads = NULL;
	struct ptscope_stats args;
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned int cap = 0, written;
	u64 usize;
	long ret;

	ret = ptscope_stats_get_args(&args, uarg);
	if (ret)
		return ret;
	usize = args.size;

	mm = ptscope_get_target(file, args.pid, &task, NULL);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ptscope_count_query(PTSCOPE_QUERY_STATS);

	if (args.flags & PTSCOPE_STATS_THREADS) {
		cap = min_t(u64, args.threads_len, PTSCOPE_MAX_THREADS);
		threads = ptscope_alloc(cap, sizeof(*threads));
		if (!threads) {
			ret = -ENOMEM;
			goto out_put;
		}
	}

	written = ptscope_stats_collect(task, mm, &args, threads, cap);
	if (threads) {
		ret = ptscope_copy_records(args.threads, 0, args.thread_size,
					   threads, sizeof(*threads), written);
		if (ret)
			goto out_free;
	}
	ret = ptscope_copy_out(uarg, &args, sizeof(args), usize);
	if (!ret)
		ret = written;
out_free:
	ptscope_free(threads);
out_put:
	mmput(mm);
	put_task_struct(task);
	return ret;
}
