// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: PTSCOPE_IOC_TLB, what the kernel knows about a process's
 * translations: its mm's context id and TLB generation, the CPUs of its
 * mm_cpumask, its global ASID where the kernel has them, which TLB
 * features the kernel uses, and the flushes tlb_watch.c counted for it.
 *
 * No instruction reads what a TLB holds; see docs/tlb.md for what these
 * numbers can and cannot say.
 */
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>

#include "ptscope.h"

static_assert(sizeof(struct ptscope_tlb) == PTSCOPE_TLB_SIZE_VER0);

/* The kernel's reasons index our counts as they are. */
static_assert((int)TLB_FLUSH_ON_TASK_SWITCH == PTSCOPE_TLB_TASK_SWITCH);
static_assert((int)TLB_REMOTE_SHOOTDOWN == PTSCOPE_TLB_REMOTE_SHOOTDOWN);
static_assert((int)TLB_LOCAL_SHOOTDOWN == PTSCOPE_TLB_LOCAL_SHOOTDOWN);
static_assert((int)TLB_LOCAL_MM_SHOOTDOWN == PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN);
static_assert((int)TLB_REMOTE_SEND_IPI == PTSCOPE_TLB_REMOTE_SEND_IPI);

static int ptscope_tlb_get_args(struct ptscope_tlb *args, void __user *uarg)
{
	int ret;

	ret = ptscope_copy_args(args, sizeof(*args), PTSCOPE_TLB_SIZE_VER0,
				uarg);
	if (ret)
		return ret;
	if (args->flags & ~PTSCOPE_TLB_FLAGS_ALL)
		return -EINVAL;
	if ((args->flags & PTSCOPE_TLB_WATCH) &&
	    (args->flags & PTSCOPE_TLB_UNWATCH))
		return -EINVAL;
	return 0;
}

/*
 * The mm's own TLB state; @mm is held (mmget or mmgrab).  Its generation
 * and CPU mask, which say how often its page tables changed and where it
 * ran, only to a caller that may attach (@attach; see
 * PTSCOPE_TLB_ACCESS_HIDDEN).
 */
static void ptscope_tlb_describe(struct mm_struct *mm, bool attach,
				 struct ptscope_tlb *t)
{
	unsigned int cpu;

	t->ctx_id = READ_ONCE(mm->context.ctx_id);
	t->global_asid = pts_mm_global_asid(mm);
	t->nr_cpu_ids = nr_cpu_ids;
	if (!attach) {
		t->state |= PTSCOPE_TLB_ACCESS_HIDDEN;
		goto out_features;
	}
	t->tlb_gen = atomic64_read(&mm->context.tlb_gen);
	/* Racy by nature: CPUs join and leave as the process runs. */
	for_each_cpu(cpu, mm_cpumask(mm)) {
		t->cpus++;
		if (cpu < PTSCOPE_TLB_MASK_WORDS * 64)
			t->cpumask[cpu / 64] |= 1ULL << (cpu % 64);
		else
			t->state |= PTSCOPE_TLB_CPUMASK_TRUNCATED;
	}
out_features:
#ifdef PTS_HAVE_GLOBAL_ASID
	t->state |= PTSCOPE_TLB_HAS_GLOBAL_ASID;
#endif
	if (cpu_feature_enabled(X86_FEATURE_PCID))
		t->state |= PTSCOPE_TLB_PCID;
	if (cpu_feature_enabled(X86_FEATURE_INVPCID))
		t->state |= PTSCOPE_TLB_INVPCID;
	if (pts_kernel_uses_invlpgb())
		t->state |= PTSCOPE_TLB_INVLPGB;
	if (cpu_feature_enabled(X86_FEATURE_PTI))
		t->state |= PTSCOPE_TLB_PTI;
}

/* Clear what the kernel answers, keeping the caller's in fields. */
static void ptscope_tlb_clear_out(struct ptscope_tlb *t)
{
	u64 size = t->size, flags = t->flags, pid = t->pid;

	memset(t, 0, sizeof(*t));
	t->size = size;
	t->flags = flags;
	t->pid = pid;
}

long ptscope_ioctl_tlb(struct file *file, void __user *uarg)
{
	struct ptscope_tlb args;
	struct mm_struct *mm, *gone;
	bool stop, attach = false;
	long ret;

	ret = ptscope_tlb_get_args(&args, uarg);
	if (ret)
		return ret;
	ptscope_tlb_clear_out(&args);
	stop = args.flags & PTSCOPE_TLB_UNWATCH;

	mm = ptscope_get_target(file, args.pid, NULL, &attach);
	if (IS_ERR(mm)) {
		ret = PTR_ERR(mm);
		/* Gone: a watch of it still answers, permission was checked. */
		if (ret != -ESRCH || (args.flags & PTSCOPE_TLB_WATCH))
			return ret;
		gone = ptscope_tlb_watch_read(file, args.pid, NULL, &args, stop);
		if (!gone)
			return ret;
		ptscope_count_query(PTSCOPE_QUERY_TLB);
		args.state |= PTSCOPE_TLB_EXITED;
		/* Who started the watch was allowed; this caller, unknown. */
		ptscope_tlb_describe(gone, false, &args);
		mmdrop(gone);
		goto out_copy;
	}
	ptscope_count_query(PTSCOPE_QUERY_TLB);

	if (args.flags & PTSCOPE_TLB_WATCH) {
		ret = ptscope_tlb_watch_start(file, args.pid, mm);
		if (ret)
			goto out_put;
	}
	ptscope_tlb_describe(mm, attach, &args);
	ptscope_tlb_watch_read(file, args.pid, mm, &args, stop);
	mmput(mm);
out_copy:
	args.timestamp_ns = ktime_get_ns();
	return ptscope_copy_out(uarg, &args, sizeof(args), args.size);

out_put:
	mmput(mm);
	return ret;
}
