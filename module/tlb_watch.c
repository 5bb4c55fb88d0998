// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: count the TLB flushes of watched processes.
 *
 * The kernel's tlb:tlb_flush tracepoint has no EXPORT_TRACEPOINT_SYMBOL, so
 * it is found by name with for_each_kernel_tracepoint() and attached with
 * tracepoint_probe_register().  The probe is attached with the first watch
 * and stays attached until the module is unloaded: attaching and detaching
 * patch the kernel's text (the tracepoint's static key) with breakpoints on
 * every CPU, and a guest under QEMU's TCG can run a stale breakpoint once
 * the patch is done ("Oops: int3" in flush_tlb_func, seen on 6.12 when
 * every watch of the tests attached and detached it).  With no watch the
 * probe returns at its first load (no live slot).
 *
 * Attribution.  The tracepoint fires on the CPU doing the flush, in whatever
 * context that is (a task switch, the flush IPI, the flushing task).  What a
 * CPU flushes are the translations of the address space it has loaded, so
 * an event counts for the mm whose PGD is in that CPU's CR3 at the moment:
 *  - TLB_FLUSH_ON_TASK_SWITCH fires in switch_mm_irqs_off() just after CR3
 *    was loaded for the next mm, while current is still the previous task
 *    (so current->mm would be the wrong one): it counts for the next mm;
 *  - TLB_REMOTE_SHOOTDOWN fires in the flush IPI handler, which returns
 *    early when the loaded mm is not the one asked for: the loaded mm;
 *  - TLB_LOCAL_SHOOTDOWN / TLB_LOCAL_MM_SHOOTDOWN: the initiating CPU's
 *    loaded mm; TLB_REMOTE_SEND_IPI: the sender's loaded mm.
 * A kernel thread running on a borrowed mm (lazy TLB) has that mm's PGD in
 * CR3, and its flushes are of that mm's translations: they count too.  The
 * loaded mm itself (cpu_tlbstate.loaded_mm) is hidden from modules.
 *
 * Who may watch.  A watch counts a kernel tracepoint for a process, which
 * perf allows (kernel/events/core.c, perf_allow_kernel()) to CAP_PERFMON,
 * or to anyone while kernel.perf_event_paranoid is at most 1; counting also
 * costs every CPU something in every flush while any watch exists.  So:
 * the target is decided as for every query (target.c: only where
 * /proc/PID/pagemap would open); a caller with CAP_PERFMON (or
 * CAP_SYS_ADMIN), in both the task using the file and the file's opener,
 * may watch; anyone else only while perf_event_paranoid is at most 1 (read
 * at each start from the /proc/sys file opened at load time, so no mount
 * in a private namespace can stand in for it) and tlb_watch_user_max is
 * not 0, holding at most tlb_watch_user_max watches per user, in all files
 * together, and never the last PTSCOPE_TLB_RESERVED_WATCHES slots: one
 * user cannot lock the others or the administrator out.
 *
 * The probe has the tracepoint's prototype, checked at build time against
 * register_trace_tlb_flush() of <trace/events/tlb.h>, though it is attached
 * by name (that inline cannot be called: __tracepoint_tlb_flush is not
 * exported).
 *
 * The watch table is a fixed array that the probe reads without locks: a
 * slot is live while its pgd_pa is non-zero.  Each slot holds its mm with
 * mmgrab(), which keeps the PGD allocated, so no other mm can have the same
 * PGD address while the slot is live.  A slot is cleared, then
 * tracepoint_synchronize_unregister() waits for probes that may still see
 * it, before the slot is reused and its mm dropped.  Changes to the table
 * take ptscope_tlb_mutex.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <asm/processor.h>
#include <trace/events/tlb.h>

#include "ptscope.h"

/* Slots only CAP_PERFMON callers may take. */
#define PTSCOPE_TLB_RESERVED_WATCHES	8

static unsigned int ptscope_tlb_watch_user_max = 4;
module_param_named(tlb_watch_user_max, ptscope_tlb_watch_user_max, uint, 0644);
MODULE_PARM_DESC(tlb_watch_user_max,
		 "TLB watches a user without CAP_PERFMON may hold at once, when kernel.perf_event_paranoid <= 1 (0: none)");

/* /proc/sys/kernel/perf_event_paranoid as the module's loader saw it. */
static struct file *ptscope_perf_paranoid_file;

struct ptscope_tlb_slot {
	/* Read by the probe: the PGD's physical address, 0 if free. */
	unsigned long pgd_pa;
	atomic64_t flushes[PTSCOPE_TLB_NR_REASONS];
	atomic64_t flush_all;
	atomic64_t flush_pages;
	atomic64_t switch_noflush;
	/* Under ptscope_tlb_mutex. */
	struct mm_struct *mm;		/* mmgrab()bed; NULL if free */
	const struct file *owner;
	kuid_t uid;			/* the opener's, charged for it */
	bool privileged;		/* not charged: CAP_PERFMON */
	u64 pid;
	u64 since_ns;
};

static struct ptscope_tlb_slot ptscope_tlb_slots[PTSCOPE_TLB_MAX_WATCHES];
static DEFINE_MUTEX(ptscope_tlb_mutex);
static struct tracepoint *ptscope_tlb_tp;	/* set while attached */
static int ptscope_tlb_nr_watches;		/* under the mutex */
static int ptscope_tlb_slots_end;		/* no live slot at or above */

/* Called with preemption off, possibly in IRQ context: no locks, no sleep. */
static void ptscope_tlb_probe(void *data, int reason, unsigned long pages)
{
	unsigned long pa = read_cr3_pa();
	int i, end = READ_ONCE(ptscope_tlb_slots_end);
	unsigned int idx = reason;

	if (idx >= PTSCOPE_TLB_NR_REASONS - 1)
		idx = PTSCOPE_TLB_REASON_OTHER;
	for (i = 0; i < end; i++) {
		struct ptscope_tlb_slot *s = &ptscope_tlb_slots[i];

		if (READ_ONCE(s->pgd_pa) != pa)
			continue;
		atomic64_inc(&s->flushes[idx]);
		/* The sender's "pages" are what the other CPUs will flush. */
		if (idx == PTSCOPE_TLB_REMOTE_SEND_IPI)
			continue;
		if (pages == PTS_TLB_FLUSH_ALL)
			atomic64_inc(&s->flush_all);
		else if (idx == PTSCOPE_TLB_TASK_SWITCH && !pages)
			atomic64_inc(&s->switch_noflush);
		else
			atomic64_add(pages, &s->flush_pages);
	}
}

/* A change of the tracepoint's prototype breaks the build, not the kernel. */
static_assert(__same_type(&register_trace_tlb_flush,
			  int (*)(typeof(ptscope_tlb_probe) *, void *)));

static void ptscope_tlb_find(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "tlb_flush"))
		*found = tp;
}

static int ptscope_tlb_attach(void)
{
	struct tracepoint *tp = NULL;
	int ret;

	lockdep_assert_held(&ptscope_tlb_mutex);
	for_each_kernel_tracepoint(ptscope_tlb_find, &tp);
	if (!tp)
		return -EOPNOTSUPP;
	ret = tracepoint_probe_register(tp, ptscope_tlb_probe, NULL);
	if (ret)
		return ret;
	ptscope_tlb_tp = tp;
	return 0;
}

static void ptscope_tlb_detach(void)
{
	lockdep_assert_held(&ptscope_tlb_mutex);
	if (!ptscope_tlb_tp)
		return;
	if (tracepoint_probe_unregister(ptscope_tlb_tp, ptscope_tlb_probe, NULL))
		pr_warn("ptscope: could not detach from tlb_flush\n");
	ptscope_tlb_tp = NULL;
}

static struct ptscope_tlb_slot *ptscope_tlb_lookup(const struct file *owner,
						   u64 pid)
{
	int i;

	lockdep_assert_held(&ptscope_tlb_mutex);
	for (i = 0; i < PTSCOPE_TLB_MAX_WATCHES; i++) {
		struct ptscope_tlb_slot *s = &ptscope_tlb_slots[i];

		if (s->mm && s->owner == owner && s->pid == pid)
			return s;
	}
	return NULL;
}

/*
 * Make slots invisible to the probe, wait for probes in flight, then free
 * the slots.  @nr slots at @slots.
 */
static void ptscope_tlb_free_slots(struct ptscope_tlb_slot **slots, int nr)
{
	int i;

	lockdep_assert_held(&ptscope_tlb_mutex);
	if (!nr)
		return;
	for (i = 0; i < nr; i++)
		WRITE_ONCE(slots[i]->pgd_pa, 0);
	ptscope_tlb_nr_watches -= nr;
	for (i = ptscope_tlb_slots_end; i > 0; i--)
		if (ptscope_tlb_slots[i - 1].pgd_pa)
			break;
	WRITE_ONCE(ptscope_tlb_slots_end, i);
	tracepoint_synchronize_unregister();
	for (i = 0; i < nr; i++) {
		mmdrop(slots[i]->mm);
		slots[i]->mm = NULL;
		slots[i]->owner = NULL;
	}
}

/* kernel.perf_event_paranoid now; 2 (no kernel events) if unreadable. */
static int ptscope_perf_paranoid(void)
{
	const struct cred *saved;
	char buf[16];
	loff_t pos = 0;
	ssize_t len;
	int val;

	if (!ptscope_perf_paranoid_file)
		return 2;
	/* As its opener, the module's loader: no LSM judges the caller here. */
	saved = override_creds(ptscope_perf_paranoid_file->f_cred);
	len = kernel_read(ptscope_perf_paranoid_file, buf, sizeof(buf) - 1, &pos);
	revert_creds(saved);
	if (len <= 0)
		return 2;
	buf[len] = '\0';
	if (kstrtoint(strim(buf), 10, &val))
		return 2;
	return val;
}

/* CAP_PERFMON (or CAP_SYS_ADMIN) in both the task calling and the opener. */
static bool ptscope_tlb_privileged(const struct file *owner)
{
	return (ns_capable_noaudit(&init_user_ns, CAP_PERFMON) ||
		ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN)) &&
	       (file_ns_capable(owner, &init_user_ns, CAP_PERFMON) ||
		file_ns_capable(owner, &init_user_ns, CAP_SYS_ADMIN));
}

/* May a caller without CAP_PERFMON watch at all?  0 or -EACCES. */
static int ptscope_tlb_user_may_watch(void)
{
	if (!READ_ONCE(ptscope_tlb_watch_user_max) || ptscope_perf_paranoid() > 1)
		return -EACCES;
	return 0;
}

/*
 * A free slot @owner may take, or ERR_PTR: -EDQUOT when its user holds
 * tlb_watch_user_max already, -ENOSPC when no slot is left to it.
 */
static struct ptscope_tlb_slot *ptscope_tlb_slot_for(const struct file *owner,
						     bool privileged, kuid_t uid)
{
	unsigned int user_max = READ_ONCE(ptscope_tlb_watch_user_max);
	int i, nr_user = 0, end = PTSCOPE_TLB_MAX_WATCHES;

	lockdep_assert_held(&ptscope_tlb_mutex);
	if (!privileged) {
		for (i = 0; i < PTSCOPE_TLB_MAX_WATCHES; i++) {
			struct ptscope_tlb_slot *s = &ptscope_tlb_slots[i];

			if (s->mm && !s->privileged && uid_eq(s->uid, uid))
				nr_user++;
		}
		if (nr_user >= user_max)
			return ERR_PTR(-EDQUOT);
		end -= PTSCOPE_TLB_RESERVED_WATCHES;
	}
	for (i = 0; i < end; i++)
		if (!ptscope_tlb_slots[i].mm)
			return &ptscope_tlb_slots[i];
	return ERR_PTR(-ENOSPC);
}

/**
 * ptscope_tlb_watch_start - count the flushes of @mm for @owner
 * @owner: the open file that watches
 * @pid: the pid the caller named, to find the watch again
 * @mm: the process's mm, held by the caller, who may inspect it
 *
 * Nothing changes if @owner already watches @mm under @pid.  A watch of an
 * older process that had @pid (it exited, the number was reused) is
 * replaced.  Returns 0; for a caller without CAP_PERFMON, -EACCES while
 * perf_event_paranoid is above 1 or tlb_watch_user_max is 0, -EDQUOT
 * beyond tlb_watch_user_max; -ENOSPC when no slot is free (for such a
 * caller: none of the unreserved ones), or -EOPNOTSUPP when the kernel has
 * no tlb_flush tracepoint.
 */
int ptscope_tlb_watch_start(const struct file *owner, u64 pid,
			    struct mm_struct *mm)
{
	bool privileged = ptscope_tlb_privileged(owner);
	kuid_t uid = owner->f_cred->uid;
	struct ptscope_tlb_slot *s;
	int i, ret = 0;

	/* Refused before an older watch of @pid is replaced, not after. */
	if (!privileged) {
		ret = ptscope_tlb_user_may_watch();
		if (ret)
			return ret;
	}
	mutex_lock(&ptscope_tlb_mutex);
	s = ptscope_tlb_lookup(owner, pid);
	if (s && s->mm == mm)
		goto out_unlock;
	if (s)
		ptscope_tlb_free_slots(&s, 1);
	s = ptscope_tlb_slot_for(owner, privileged, uid);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out_unlock;
	}
	if (!ptscope_tlb_tp) {
		ret = ptscope_tlb_attach();
		if (ret)
			goto out_unlock;
	}
	ptscope_tlb_nr_watches++;

	mmgrab(mm);
	s->mm = mm;
	s->owner = owner;
	s->uid = uid;
	s->privileged = privileged;
	s->pid = pid;
	s->since_ns = ktime_get_ns();
	for (i = 0; i < PTSCOPE_TLB_NR_REASONS; i++)
		atomic64_set(&s->flushes[i], 0);
	atomic64_set(&s->flush_all, 0);
	atomic64_set(&s->flush_pages, 0);
	atomic64_set(&s->switch_noflush, 0);
	if (s - ptscope_tlb_slots >= ptscope_tlb_slots_end)
		WRITE_ONCE(ptscope_tlb_slots_end, s - ptscope_tlb_slots + 1);
	/* Counters and bound first, then the slot goes live for the probe. */
	smp_store_release(&s->pgd_pa, (unsigned long)__pa(mm->pgd));
out_unlock:
	mutex_unlock(&ptscope_tlb_mutex);
	return ret;
}

/**
 * ptscope_tlb_watch_read - the counts of @owner's watch of @pid
 * @owner: the open file
 * @pid: the pid it named
 * @mm: the process's mm now, or NULL if it is gone
 * @t: gets watch_ns and the counts, and PTSCOPE_TLB_WATCHING in @state
 * @stop: end the watch after reading it
 *
 * A watch counts only for the mm it was started on: a @mm that differs
 * (the pid now names another process) reads as no watch.  Returns the
 * watched mm with a reference taken by mmgrab() (mmdrop() it) when @mm is
 * NULL and a watch exists, else NULL.
 */
struct mm_struct *ptscope_tlb_watch_read(const struct file *owner, u64 pid,
					 struct mm_struct *mm,
					 struct ptscope_tlb *t, bool stop)
{
	struct mm_struct *gone = NULL;
	struct ptscope_tlb_slot *s;
	int i;

	mutex_lock(&ptscope_tlb_mutex);
	s = ptscope_tlb_lookup(owner, pid);
	if (!s || (mm && s->mm != mm))
		goto out_unlock;
	t->state |= PTSCOPE_TLB_WATCHING;
	t->watch_ns = ktime_get_ns() - s->since_ns;
	for (i = 0; i < PTSCOPE_TLB_NR_REASONS; i++)
		t->flushes[i] = atomic64_read(&s->flushes[i]);
	t->flush_all = atomic64_read(&s->flush_all);
	t->flush_pages = atomic64_read(&s->flush_pages);
	t->switch_noflush = atomic64_read(&s->switch_noflush);
	if (!mm) {
		gone = s->mm;
		mmgrab(gone);
	}
	if (stop)
		ptscope_tlb_free_slots(&s, 1);
out_unlock:
	mutex_unlock(&ptscope_tlb_mutex);
	return gone;
}

/* The file @owner is closed: end its watches. */
void ptscope_tlb_watch_release(const struct file *owner)
{
	struct ptscope_tlb_slot *mine[PTSCOPE_TLB_MAX_WATCHES];
	int i, nr = 0;

	/* No other call on @owner can run now: a stale 0 is exact. */
	if (!READ_ONCE(ptscope_tlb_nr_watches))
		return;
	mutex_lock(&ptscope_tlb_mutex);
	for (i = 0; i < PTSCOPE_TLB_MAX_WATCHES; i++)
		if (ptscope_tlb_slots[i].mm && ptscope_tlb_slots[i].owner == owner)
			mine[nr++] = &ptscope_tlb_slots[i];
	ptscope_tlb_free_slots(mine, nr);
	mutex_unlock(&ptscope_tlb_mutex);
}

/* Module load: open perf_event_paranoid, which the watch rule reads. */
void ptscope_tlb_watch_init(void)
{
	struct file *f = filp_open("/proc/sys/kernel/perf_event_paranoid",
				   O_RDONLY, 0);

	/* No perf events in this kernel: only CAP_PERFMON may watch. */
	ptscope_perf_paranoid_file = IS_ERR(f) ? NULL : f;
}

/* Module exit: every file is closed, so no watch is left: detach the probe. */
void ptscope_tlb_watch_exit(void)
{
	mutex_lock(&ptscope_tlb_mutex);
	WARN_ON_ONCE(ptscope_tlb_nr_watches);
	if (ptscope_tlb_tp) {
		ptscope_tlb_detach();
		tracepoint_synchronize_unregister();
	}
	mutex_unlock(&ptscope_tlb_mutex);
	if (ptscope_perf_paranoid_file)
		fput(ptscope_perf_paranoid_file);
}
