// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: find the process a query is about and decide whether the caller
 * may inspect it.
 *
 * ptrace_may_access() and mm_access() are not exported, so this is our own
 * copy of __ptrace_may_access() for PTRACE_MODE_READ_FSCREDS, as far as
 * exported interfaces allow (see docs/security.md):
 *  - the caller's own thread group may always be inspected;
 *  - otherwise the caller's fsuid/fsgid must equal the target's real,
 *    effective and saved uids/gids, or the caller must have CAP_SYS_PTRACE
 *    in the target's user namespace;
 *  - the target must be dumpable (SUID_DUMP_USER), unless the caller has
 *    CAP_SYS_PTRACE in the mm's user namespace;
 *  - and, as the commoncap hook cap_ptrace_access_check() asks, caller and
 *    target must share a user namespace with the target's permitted
 *    capabilities a subset of the caller's effective ones, or the caller
 *    must have CAP_SYS_PTRACE in the target's user namespace.
 * Other LSMs' ptrace hooks (security_ptrace_access_check: Landlock, SELinux,
 * AppArmor, Yama) cannot be called from a module; that is the one place
 * this check can be looser, documented, and root_only closes it.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/threads.h>
#include <linux/user_namespace.h>

#include "ptscope.h"

static int ptscope_may_inspect(struct task_struct *task, struct mm_struct *mm)
{
	const struct cred *caller = current_cred();
	struct user_namespace *dump_ns;
	const struct cred *tcred;
	bool ok, dumpable;

	if (same_thread_group(task, current))
		return 0;

	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(caller->fsuid, tcred->euid) &&
	      uid_eq(caller->fsuid, tcred->suid) &&
	      uid_eq(caller->fsuid, tcred->uid) &&
	      gid_eq(caller->fsgid, tcred->egid) &&
	      gid_eq(caller->fsgid, tcred->sgid) &&
	      gid_eq(caller->fsgid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	dumpable = pts_dumpable_by_owner(task, mm, &dump_ns);
	if (ok && !dumpable)
		ok = ns_capable(dump_ns, CAP_SYS_PTRACE);
	/* cap_ptrace_access_check(), with the FSCREDS mode's effective set. */
	if (ok)
		ok = (caller->user_ns == tcred->user_ns &&
		      cap_issubset(tcred->cap_permitted, caller->cap_effective)) ||
		     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok ? 0 : -EPERM;
}

/**
 * ptscope_get_target - process @pid_nr and its address space
 * @pid_nr: pid in the caller's pid namespace
 * @taskp: if not NULL, gets the task with a reference (put_task_struct() it)
 *
 * Returns the mm with a reference (mmput() it), or ERR_PTR: -EINVAL for a
 * pid out of range or a kernel thread, -ESRCH for no such process or one
 * without an address space (zombie, exiting), -EPERM when the caller may
 * not inspect it, or when the root_only parameter is set and the caller
 * lacks CAP_SYS_ADMIN.
 */
struct mm_struct *ptscope_get_target(u64 pid_nr, struct task_struct **taskp)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;
	int ret;

	if (READ_ONCE(ptscope_root_only) && !capable(CAP_SYS_ADMIN))
		return ERR_PTR(-EPERM);
	if (!pid_nr || pid_nr > PID_MAX_LIMIT)
		return ERR_PTR(-EINVAL);
	pid = find_get_pid((pid_t)pid_nr);
	if (!pid)
		return ERR_PTR(-ESRCH);
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!task)
		return ERR_PTR(-ESRCH);

	if (task->flags & PF_KTHREAD) {
		ret = -EINVAL;
		goto err_put_task;
	}
	mm = get_task_mm(task);
	if (!mm) {
		ret = -ESRCH;
		goto err_put_task;
	}
	ret = ptscope_may_inspect(task, mm);
	if (ret)
		goto err_put_mm;
	if (taskp)
		*taskp = task;
	else
		put_task_struct(task);
	return mm;

err_put_mm:
	mmput(mm);
err_put_task:
	put_task_struct(task);
	return ERR_PTR(ret);
}

struct mm_struct *ptscope_get_target_mm(u64 pid_nr)
{
	return ptscope_get_target(pid_nr, NULL);
}

/* Frames and swap offsets only for CAP_SYS_ADMIN at open, as pagemap. */
bool ptscope_may_see_frames(const struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
}
