/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the security programs (security_*_test.c) share, part one: callers
 * with chosen credentials and capabilities, and targets to query.
 *
 * Who may query whom, and who sees frames.  The tests run as root and drop
 * privileges in forked children; every verdict of ptscope is compared with
 * the kernel's own on the same access, /proc/PID/pagemap (mm_access() with
 * PTRACE_MODE_READ_FSCREDS, and PFNs only for CAP_SYS_ADMIN openers): ptscope
 * must never allow what pagemap refuses.  Also the device and /proc modes,
 * the root_only parameter, user and pid namespaces, and the LSMs (Yama,
 * Landlock), which ptscope obeys because the kernel itself opens the
 * target's pagemap for it.  See docs/security.md.
 *
 * Every long-lived child dies with its creator (PR_SET_PDEATHSIG, set after
 * the credential changes that clear it), so a failing test leaves nothing
 * behind.
 */
#ifndef PTSCOPE_SECURITY_CREDS_H
#define PTSCOPE_SECURITY_CREDS_H

#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/sched.h>

#include "kselftest_harness.h"
#include "ptscope_test.h"
#include "maps_oracle.h"
#include "fixtures.h"
#include "cli_exec.h"

#define UID_USER	1000	/* the unprivileged caller */
#define UID_OTHER	1001	/* another user */
#define UID_NOBODY	65534
#define SUBUID_BASE	100000	/* a container's uids 1.. (see container_run) */
#define PF_KTHREAD	0x00200000
#define PTE_PFN_MASK	0x000ffffffffff000ULL
#define NPAGES		8

static const char __attribute__((unused)) root_only_path[] = "/sys/module/ptscope/parameters/root_only";
static const char __attribute__((unused)) yama_path[] = "/proc/sys/kernel/yama/ptrace_scope";
static const char __attribute__((unused)) userns_clone_path[] = "/proc/sys/kernel/unprivileged_userns_clone";
static const char __attribute__((unused)) max_userns_path[] = "/proc/sys/user/max_user_namespaces";

/* ---- credentials ---- */

struct ids {
	uid_t uid[3];	/* real, effective, saved */
	gid_t gid[3];
};

#define IDS(u, g)	{ { u, u, u }, { g, g, g } }

struct caller {
	struct ids id;
	uint64_t drop_caps;	/* capabilities to drop from the effective set */
};

#define CALLER(u)	{ .id = IDS(u, u) }
#define ROOT		CALLER(0)
#define CAPBIT(c)	(1ULL << (c))

static inline int cap_effective(int cap, bool on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (on)
		d[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
	else
		d[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static inline bool cap_in_effective(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/* Take @id (and no supplementary groups); dumpable or not. 0 or -errno. */
static inline int set_ids(const struct ids *id, bool dumpable)
{
	if (setgroups(0, NULL) ||
	    setresgid(id->gid[0], id->gid[1], id->gid[2]) ||
	    setresuid(id->uid[0], id->uid[1], id->uid[2]))
		return -errno;
	/* A change of euid made us non-dumpable (fs.suid_dumpable = 0). */
	return prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0) ? -errno : 0;
}

/* Die with @creator.  Credential changes clear this: call it after them. */
static inline int die_with(pid_t creator)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -errno;
	return getppid() == creator ? 0 : -ESRCH;
}

/* Run @fn(@arg) in a child with @c's credentials; its pid. */
static inline pid_t spawn_as(const struct caller *c, int (*fn)(void *), void *arg)
{
	pid_t creator = getpid(), child;
	int cap;

	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child)
		return child;
	if (set_ids(&c->id, true) || die_with(creator))
		_exit(100);
	for (cap = 0; cap < 64; cap++)
		if ((c->drop_caps & CAPBIT(cap)) && cap_effective(cap, false))
			_exit(101);
	_exit(fn(arg));
}

/* The exit status of @child, 128 + signal if killed, -1 on error. */
static inline int reap(pid_t child)
{
	int status;

	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline int run_as(const struct caller *c, int (*fn)(void *), void *arg)
{
	return reap(spawn_as(c, fn, arg));
}

static inline void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int read_word(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* ---- targets: processes to query ---- */

struct target {
	pid_t pid;
	uint64_t addr;	/* a present anonymous page of it */
};

static inline void target_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
}

/* Permitted capabilities @caps only, none effective. */
static inline int limit_caps(uint64_t caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	d[0].permitted = (uint32_t)caps;
	d[1].permitted = (uint32_t)(caps >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * Fork a process with @id and the permitted capabilities @caps (effective
 * none), that touches one page, forks @sharers children that share it
 * copy-on-write and touches it again, tells us where, and waits to be
 * killed (or for us to die; its children die with it).  0 or -errno.
 */
static inline int target_start_full(struct target *t, const struct ids *id,
			     bool dumpable, uint64_t caps, int sharers)
{
	pid_t creator = getpid();
	int ready[2], i;
	ssize_t n;

	if (pipe(ready))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		char *p;

		close(ready[0]);
		/* Keep the permitted set across setresuid(), then trim it. */
		if (caps && prctl(PR_SET_KEEPCAPS, 1))
			_exit(1);
		if (set_ids(id, dumpable) || (caps && limit_caps(caps)) ||
		    die_with(creator))
			_exit(1);
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		p[0] = 1;
		t->addr = (uintptr_t)p;
		for (i = 0; i < sharers; i++) {
			pid_t me = getpid();

			if (!fork()) {
				if (die_with(me))
					_exit(1);
				for (;;)
					pause();
			}
		}
		/* Read after the forks: accessed, and read-only if shared. */
		if (p[0] != 1 ||
		    write(ready[1], &t->addr, sizeof(t->addr)) != sizeof(t->addr))
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	n = read(ready[0], &t->addr, sizeof(t->addr));
	close(ready[0]);
	if (n != sizeof(t->addr)) {
		target_stop(t);
		return -EIO;
	}
	return 0;
}

static inline int target_start_caps(struct target *t, const struct ids *id,
			     bool dumpable, uint64_t caps)
{
	return target_start_full(t, id, dumpable, caps, 0);
}

static inline int target_start(struct target *t, const struct ids *id, bool dumpable)
{
	return target_start_caps(t, id, dumpable, 0);
}

#endif /* PTSCOPE_SECURITY_CREDS_H */
