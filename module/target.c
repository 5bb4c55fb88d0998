// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: find the process a query is about, and let the kernel decide
 * whether the caller may inspect it.
 *
 * ptrace_may_access() and mm_access() are not exported, and a copy of their
 * rules would miss the LSMs (Landlock, AppArmor, SELinux, Yama) and the
 * exec_update_lock.  So ptscope does not decide: it opens the target's
 * /proc/PID/pagemap in the caller's place (the /proc of the caller's root,
 * the number that procfs's pid namespace gives), and the kernel's own
 * pagemap_open() makes the whole decision (mm_access() with
 * PTRACE_MODE_READ_FSCREDS under exec_update_lock, every LSM's ptrace and
 * file-open hooks, procfs's hidepid).  A query is answered only if that
 * open succeeds, and only about the address space the opened file holds.
 *
 * Whose place: a query needs both the credentials that opened the ptscope
 * file (pagemap judges its opener, f_cred) and those of the task using it,
 * each checked by an open of its own.  A file handed to a more privileged
 * process answers as its opener; one handed to a less privileged process
 * answers as that process.
 *
 * A file we opened is pagemap only if it has pagemap's file operations,
 * learnt at load time from /proc/self/pagemap: something mounted over a
 * /proc/PID/pagemap in a private namespace is refused, never trusted.
 *
 * A pidfd names its process in the caller's /proc/thread-self/fdinfo/FD,
 * whose "Pid:" line is that procfs's number for the process, or -1 once it
 * was reaped.  The number is read before the pagemap open and again after
 * it: a number is freed only when its process is reaped, so if both reads
 * give it, it named the pidfd's process all along, and the pagemap opened
 * is that process's.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>

#include "ptscope.h"

static bool ptscope_root_only;
module_param_named(root_only, ptscope_root_only, bool, 0644);
MODULE_PARM_DESC(root_only,
		 "only CAP_SYS_ADMIN may query any process (default: whoever may open its /proc/PID/pagemap)");

static const struct file_operations *ptscope_pagemap_fops;
static const struct file_operations *ptscope_mem_fops;

/* The file operations of /proc/self/@name, or ERR_PTR. */
static const struct file_operations *ptscope_learn_fops(const char *name)
{
	const struct file_operations *fops;
	char path[32];
	struct file *f;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f)) {
		pr_err("ptscope: cannot open %s (%ld): every query is decided by it\n",
		       path, PTR_ERR(f));
		return ERR_CAST(f);
	}
	fops = f->f_op;
	fput(f);
	return fops;
}

/* Learn pagemap's and mem's file operations; ptscope cannot work without. */
int ptscope_target_init(void)
{
	ptscope_pagemap_fops = ptscope_learn_fops("pagemap");
	if (IS_ERR(ptscope_pagemap_fops))
		return PTR_ERR(ptscope_pagemap_fops);
	ptscope_mem_fops = ptscope_learn_fops("mem");
	if (IS_ERR(ptscope_mem_fops))
		return PTR_ERR(ptscope_mem_fops);
	return 0;
}

/*
 * Open @pid's /proc/PID/@name with the current credentials, as the caller
 * would: in the /proc its own root shows, under the number that /proc's pid
 * namespace gives the process.  The file must have @fops.  Returns the mm
 * the kernel put in that file, mmgrab()bed, or ERR_PTR: -ESRCH when that
 * /proc does not show the process or it has no address space, -EPERM when
 * the kernel refused (it says -EACCES) or the caller has no procfs at /proc.
 */
static struct mm_struct *ptscope_proc_file_mm(struct pid *pid, const char *name,
					      const struct file_operations *fops)
{
	struct mm_struct *mm;
	struct path proc;
	struct file *f;
	char path[32];
	pid_t nr;

	if (kern_path("/proc", LOOKUP_FOLLOW, &proc))
		return ERR_PTR(-EPERM);
	if (proc.dentry->d_sb->s_magic != PROC_SUPER_MAGIC) {
		path_put(&proc);
		return ERR_PTR(-EPERM);
	}
	nr = pid_nr_ns(pid, proc_pid_ns(proc.dentry->d_sb));
	if (!nr) {
		path_put(&proc);
		return ERR_PTR(-ESRCH);
	}
	snprintf(path, sizeof(path), "%d/%s", nr, name);
	f = file_open_root(&proc, path, O_RDONLY, 0);
	path_put(&proc);
	if (IS_ERR(f)) {
		switch (PTR_ERR(f)) {
		case -ENOENT:
			return ERR_PTR(-ESRCH);
		case -EACCES:
			return ERR_PTR(-EPERM);
		default:
			return ERR_CAST(f);
		}
	}
	if (f->f_op != fops) {
		mm = ERR_PTR(-EPERM);
		goto out_put_file;
	}
	/* pagemap_open() and mem_open() keep the mm they checked, or NULL. */
	mm = f->private_data;
	if (mm)
		mmgrab(mm);
	else
		mm = ERR_PTR(-ESRCH);
out_put_file:
	fput(f);
	return mm;
}

static struct mm_struct *ptscope_pagemap_mm(struct pid *pid)
{
	return ptscope_proc_file_mm(pid, "pagemap", ptscope_pagemap_fops);
}

/*
 * Could the current credentials ptrace-attach to @pid, whose address space
 * is @mm?  The kernel's answer: whether its /proc/PID/mem opens (mem_open()
 * is mm_access() with PTRACE_MODE_ATTACH_FSCREDS), on that same mm.
 */
static bool ptscope_mem_opens(struct pid *pid, struct mm_struct *mm)
{
	struct mm_struct *mem_mm = ptscope_proc_file_mm(pid, "mem",
							ptscope_mem_fops);

	if (IS_ERR(mem_mm))
		return false;
	mmdrop(mem_mm);
	return mem_mm == mm;
}

/*
 * May the caller and the opener of @door see @mm's access state (see
 * PTSCOPE_PF_ACCESS_HIDDEN): could both attach to it?
 */
static bool ptscope_may_attach(const struct file *door, struct pid *pid,
			       struct mm_struct *mm)
{
	const struct cred *saved;
	bool both;

	if (!ptscope_mem_opens(pid, mm))
		return false;
	if (door->f_cred == current_cred())
		return true;
	saved = override_creds(door->f_cred);
	both = ptscope_mem_opens(pid, mm);
	revert_creds(saved);
	return both;
}

/*
 * Read up to @len bytes from the start of a seq_file.  /proc's fdinfo files
 * have ->read = seq_read and no ->read_iter, which kernel_read() refuses;
 * seq_read_iter() is what seq_read() itself calls.
 */
static ssize_t ptscope_read_seq_file(struct file *f, char *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;
	struct kiocb kiocb;
	loff_t pos = 0;

	if (f->f_op->read_iter)
		return kernel_read(f, buf, len, &pos);
	if (f->f_op->read != seq_read)
		return -EOPNOTSUPP;
	init_sync_kiocb(&kiocb, f);
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	return seq_read_iter(&kiocb, &iter);
}

/*
 * The process that the caller's pidfd @fd names, with a reference
 * (put_pid() it), and in *@nr its number in the caller's /proc: ERR_PTR
 * -EBADF if @fd is not a pidfd, -ESRCH if the process was reaped or that
 * /proc does not show it.
 */
static struct pid *ptscope_pidfd_pid(unsigned int fd, pid_t *nr)
{
	char name[40], info[256];
	struct pid *pid = NULL;
	struct path proc;
	struct file *f;
	ssize_t len;
	char *line;
	int val;

	if (kern_path("/proc", LOOKUP_FOLLOW, &proc))
		return ERR_PTR(-EPERM);
	if (proc.dentry->d_sb->s_magic != PROC_SUPER_MAGIC) {
		pid = ERR_PTR(-EPERM);
		goto out_put_proc;
	}
	snprintf(name, sizeof(name), "thread-self/fdinfo/%u", fd);
	f = file_open_root(&proc, name, O_RDONLY, 0);
	if (IS_ERR(f)) {
		switch (PTR_ERR(f)) {
		case -ENOENT:
			pid = ERR_PTR(-EBADF);
			break;
		case -EACCES:	/* an LSM keeps the caller from its own fdinfo */
			pid = ERR_PTR(-EPERM);
			break;
		default:
			pid = ERR_CAST(f);
		}
		goto out_put_proc;
	}
	len = ptscope_read_seq_file(f, info, sizeof(info) - 1);
	fput(f);
	if (len < 0) {
		pid = ERR_PTR(len);
		goto out_put_proc;
	}
	info[len] = '\0';
	line = strstr(info, "\nPid:\t");
	if (!line || sscanf(line + 6, "%d", &val) != 1) {
		pid = ERR_PTR(-EBADF);
		goto out_put_proc;
	}
	if (val > 0) {
		rcu_read_lock();
		pid = get_pid(find_pid_ns(val, proc_pid_ns(proc.dentry->d_sb)));
		rcu_read_unlock();
	}
	if (!pid)
		pid = ERR_PTR(-ESRCH);
	*nr = val;
out_put_proc:
	path_put(&proc);
	return pid;
}

/*
 * The pid a query names: a number in the caller's pid namespace, or a
 * pidfd's process (PTSCOPE_PID_PIDFD), whose number in the caller's /proc
 * goes to *@pidfd_nr, to be checked again after the pagemap open (0 for a
 * number).
 */
static struct pid *ptscope_query_pid(u64 pid_arg, pid_t *pidfd_nr)
{
	struct pid *pid;

	*pidfd_nr = 0;
	if (pid_arg & PTSCOPE_PID_PIDFD) {
		pid_arg &= ~PTSCOPE_PID_PIDFD;
		if (pid_arg > INT_MAX)
			return ERR_PTR(-EBADF);
		return ptscope_pidfd_pid(pid_arg, pidfd_nr);
	}
	if (!pid_arg || pid_arg > PID_MAX_LIMIT)
		return ERR_PTR(-EINVAL);
	pid = find_get_pid(pid_arg);
	return pid ?: ERR_PTR(-ESRCH);
}

/*
 * A pidfd still names, by the number *@nr, the process it named when
 * ptscope_pidfd_pid() gave that number: 0, or -ESRCH.
 */
static int ptscope_pidfd_unchanged(u64 pid_arg, pid_t nr)
{
	struct pid *pid;
	pid_t nr_now;

	pid = ptscope_pidfd_pid(pid_arg & ~PTSCOPE_PID_PIDFD, &nr_now);
	if (IS_ERR(pid))
		return PTR_ERR(pid) == -EBADF ? -EBADF : -ESRCH;
	put_pid(pid);
	return nr_now == nr ? 0 : -ESRCH;
}

/*
 * The mm of @pid if both the task calling and the opener of @door could
 * open its pagemap, and both opens found the same address space.
 */
static struct mm_struct *ptscope_authorise(const struct file *door,
					   struct pid *pid)
{
	struct mm_struct *mm, *opener_mm;
	const struct cred *saved;

	mm = ptscope_pagemap_mm(pid);
	if (IS_ERR(mm) || door->f_cred == current_cred())
		return mm;
	saved = override_creds(door->f_cred);
	opener_mm = ptscope_pagemap_mm(pid);
	revert_creds(saved);
	if (IS_ERR(opener_mm)) {
		mmdrop(mm);
		return opener_mm;
	}
	if (opener_mm != mm) {
		/* An exec between the two opens: neither answer stands. */
		mmdrop(opener_mm);
		mmdrop(mm);
		return ERR_PTR(-ESRCH);
	}
	mmdrop(opener_mm);
	return mm;
}

/**
 * ptscope_target_bind_get - authorise a query about process @pid_nr
 * @t: filled with the address space the query is bound to
 * @door: the ptscope file the query came through
 * @pid_nr: pid in the caller's pid namespace, or PTSCOPE_PID_PIDFD | a pidfd
 * @taskp: as for ptscope_target_get()
 *
 * With @want_attach, also sets @t->attach: whether both could
 * ptrace-attach to the process too, as the kernel says by opening its
 * /proc/PID/mem (false without @want_attach).
 *
 * Returns the mm, verified to be the task's, with a reference (mmput() it),
 * or ERR_PTR: -EINVAL for a pid out of range or a kernel thread, -EBADF for
 * a pidfd that is not one, -ESRCH for no such process (or one without an
 * address space, or a pidfd's process reaped), -EPERM when the
 * kernel refuses the caller or the opener of @door that process's pagemap,
 * or when the root_only parameter is set and either lacks CAP_SYS_ADMIN.
 * The query stays bound to that address space: after an exec or an exit
 * ptscope_target_get() fails with -ESRCH, it never moves to another.
 */
static struct mm_struct *ptscope_target_bind_get(struct ptscope_target *t,
						 const struct file *door,
						 u64 pid_nr,
						 struct task_struct **taskp,
						 bool want_attach)
{
	struct task_struct *task;
	struct mm_struct *mm, *task_mm;
	pid_t pidfd_nr;
	struct pid *pid;
	bool kthread;
	int ret;

	if (READ_ONCE(ptscope_root_only) &&
	    !(ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) &&
	      file_ns_capable(door, &init_user_ns, CAP_SYS_ADMIN)))
		return ERR_PTR(-EPERM);
	pid = ptscope_query_pid(pid_nr, &pidfd_nr);
	if (IS_ERR(pid))
		return ERR_CAST(pid);
	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task) {
		ret = -ESRCH;
		goto err_put_pid;
	}
	kthread = task->flags & PF_KTHREAD;
	put_task_struct(task);
	if (kthread) {
		ret = -EINVAL;
		goto err_put_pid;
	}

	mm = ptscope_authorise(door, pid);
	if (IS_ERR(mm)) {
		ret = PTR_ERR(mm);
		goto err_put_pid;
	}
	if (pidfd_nr) {
		/* The pidfd's number, unfreed since: the same process. */
		ret = ptscope_pidfd_unchanged(pid_nr, pidfd_nr);
		if (ret)
			goto err_drop_mm;
	}
	/*
	 * Only where it changes the answer: a refused attach is logged by Yama
	 * ("ptrace attach ... was attempted") and audited by the LSMs.
	 */
	t->attach = want_attach && ptscope_may_attach(door, pid, mm);
	/* The pid still names the process whose pagemap was opened. */
	t->mm = mm;
	t->pid = pid;
	task_mm = ptscope_target_get(t, taskp);
	if (IS_ERR(task_mm)) {
		ret = PTR_ERR(task_mm);
		goto err_drop_mm;
	}
	return task_mm;

err_drop_mm:
	mmdrop(mm);
err_put_pid:
	put_pid(pid);
	t->mm = NULL;
	t->pid = NULL;
	return ERR_PTR(ret);
}

/* ptscope_target_bind_get() for a query walked later: 0 or its -errno. */
int ptscope_target_bind(struct ptscope_target *t, const struct file *door,
			u64 pid_nr, bool want_attach)
{
	struct mm_struct *mm = ptscope_target_bind_get(t, door, pid_nr, NULL,
						       want_attach);

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	mmput(mm);
	return 0;
}

void ptscope_target_unbind(struct ptscope_target *t)
{
	if (t->mm)
		mmdrop(t->mm);
	put_pid(t->pid);
	t->mm = NULL;
	t->pid = NULL;
}

/**
 * ptscope_target_get - the bound address space, ready to walk
 * @t: a bound target
 * @taskp: if not NULL, gets the task whose mm it is (put_task_struct() it)
 *
 * Returns the mm with a reference (mmput() it), or ERR_PTR(-ESRCH) once the
 * process has exited or exec'd.
 */
struct mm_struct *ptscope_target_get(const struct ptscope_target *t,
				     struct task_struct **taskp)
{
	struct task_struct *task;
	struct mm_struct *mm;

	task = get_pid_task(t->pid, PIDTYPE_PID);
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = get_task_mm(task);
	if (mm != t->mm) {
		if (mm)
			mmput(mm);
		put_task_struct(task);
		return ERR_PTR(-ESRCH);
	}
	if (taskp)
		*taskp = task;
	else
		put_task_struct(task);
	return mm;
}

/**
 * ptscope_get_target - authorise one query and take its address space
 * @door: the ptscope file the query came through
 * @pid_nr: pid in the caller's pid namespace, or PTSCOPE_PID_PIDFD | a pidfd
 * @taskp: as for ptscope_target_get()
 * @attach: if not NULL, gets whether the caller and the opener could also
 *	ptrace-attach to it (see PTSCOPE_PF_ACCESS_HIDDEN); asked only then
 *
 * Returns the mm with a reference (mmput() it), or ERR_PTR as
 * ptscope_target_bind() says.
 */
struct mm_struct *ptscope_get_target(const struct file *door, u64 pid_nr,
				     struct task_struct **taskp, bool *attach)
{
	struct ptscope_target t;
	struct mm_struct *mm;

	/* The mm bind verified is the one to walk: no second lookup. */
	mm = ptscope_target_bind_get(&t, door, pid_nr, taskp, !!attach);
	if (IS_ERR(mm))
		return mm;
	if (attach)
		*attach = t.attach;
	ptscope_target_unbind(&t);
	return mm;
}

/*
 * Frames and swap offsets only when both the opener of @file and the task
 * using it have CAP_SYS_ADMIN, as pagemap shows them only to such openers.
 */
bool ptscope_may_see_frames(const struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) &&
	       ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
}
