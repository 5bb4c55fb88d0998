// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: every hold of a target's mmap lock goes through
 * ptscope_mmap_lock() and ptscope_mmap_unlock(), which time it: the longest
 * hold is what a target thread waiting for the lock (mmap, munmap, a fault)
 * can be stalled by us.  Chunks that ended early because a writer was
 * waiting for the lock or the CPU was wanted are counted as yields.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>

#include "ptscope.h"

static atomic64_t ptscope_lock_holds = ATOMIC64_INIT(0);
static atomic64_t ptscope_lock_hold_total_ns = ATOMIC64_INIT(0);
static atomic64_t ptscope_lock_hold_max_ns = ATOMIC64_INIT(0);
static atomic64_t ptscope_yields = ATOMIC64_INIT(0);

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

/* The holds and yields since load, or since the last reset. */
void ptscope_mmap_holds(struct ptscope_mmap_holds *h)
{
	h->holds = atomic64_read(&ptscope_lock_holds);
	h->total_ns = atomic64_read(&ptscope_lock_hold_total_ns);
	h->max_ns = atomic64_read(&ptscope_lock_hold_max_ns);
	h->yields = atomic64_read(&ptscope_yields);
}

void ptscope_mmap_holds_reset(void)
{
	atomic64_set(&ptscope_lock_holds, 0);
	atomic64_set(&ptscope_lock_hold_total_ns, 0);
	atomic64_set(&ptscope_lock_hold_max_ns, 0);
	atomic64_set(&ptscope_yields, 0);
}
