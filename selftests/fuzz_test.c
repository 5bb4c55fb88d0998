// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input to every ioctl of /dev/ptscope and every writable file of
 * /proc/ptscope.  What it proves:
 *
 *  - each boundary case of the argument checks (sizes around each
 *    *_SIZE_VER0 and PAGE_SIZE, bytes beyond the known structure, unknown
 *    flags, empty, wrapping, unaligned and kernel ranges, huge vec_len and
 *    rec_size, NULL, unmapped, read-only and kernel pointers for the
 *    argument and the array, unknown commands and direction bits, pids 0,
 *    -1, past PID_MAX_LIMIT, a kernel thread, a zombie, a reaped child,
 *    self) gets exactly the errno the module's checks give, in the order
 *    module/query_args.c, the *_get_args() and module/target.c make them;
 *  - PTSCOPE_FUZZ_ITERS (default 100000) randomly mutated calls across all
 *    command words, the last tenth as user nobody, seeded by
 *    PTSCOPE_FUZZ_SEED (or the time, printed for a replay), each get an
 *    outcome a model of those checks allows, always
 *    success or -1 with errno in {EINVAL, E2BIG, EFAULT, ENOTTY, ESRCH,
 *    EPERM, ENOMEM, EINTR}; each success is sane (nr_records <= vec_len,
 *    walk_end in [start, end], records inside the range and in order, known
 *    flag bits only, zeroed record tails, nothing written past the records
 *    or the structure, input fields left alone);
 *  - garbage writes to /proc/ptscope/{pages,maps,stats,status} (random
 *    bytes, overlong lines, empty writes, NULs, overflowing, negative and
 *    partial numbers, bad buffers), boundary cases and PTSCOPE_FUZZ_ITERS/10
 *    random ones, fail with the errno a mirror of the parsers gives, or
 *    succeed only when they are a valid query, and reading afterwards works;
 *  - after every test, with its files closed, the module holds no
 *    allocation ("allocations 0" in /proc/ptscope/status): no error path
 *    leaks.  vm-run checks the kernel log for oopses, WARNs and KASAN.
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "oracle.h"
#include "ptscope_test.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define PID_MAX_LIMIT	(4 * 1024 * 1024)	/* include/linux/threads.h, 64-bit */
#define PF_KTHREAD	0x00200000		/* include/linux/sched.h */
#define KERNEL_ADDR	0xffff800000000000ULL	/* lowest kernel address (4-level) */
#define VSYSCALL_ADDR	0xffffffffff600000ULL
#define PROC_QUERY_MAX	256			/* module/procfs.h */
#define MAX_THREADS	65536			/* module/stats.c */

#define ARENA_BYTES	(2 * PAGE)	/* room for an argument before its guard */
#define VEC_PAGES	16		/* the records' array, before its guard */
#define TARGET_PAGES	16		/* what the queries walk */
#define TIMEOUT_RANDOM	3600		/* the random phases scale with PTSCOPE_FUZZ_ITERS */

/* PTSCOPE_PF_* and PTSCOPE_VMA_* bits the uapi defines. */
#define PF_KNOWN	(0x3ffULL | (0x1fULL << 16) | (0x1fULL << 24) | (3ULL << 30))
#define VMA_KNOWN	(0x7fffffULL | (3ULL << 30))	/* bit 22: shmem (ABI 1.2) */

/* The outcomes of a call: success, or the errno. */
enum {
	O_OK, O_EINVAL, O_E2BIG, O_EFAULT, O_ENOTTY, O_ESRCH, O_EPERM,
	O_EBADF, O_ENOMEM, O_EINTR, O_OTHER, O_NR
};

static const char *const outcome_names[O_NR] = {
	"ok", "EINVAL", "E2BIG", "EFAULT", "ENOTTY", "ESRCH", "EPERM",
	"EBADF", "ENOMEM", "EINTR", "other"
};

static int outcome(int err)
{
	switch (err) {
	case 0:		return O_OK;
	case EINVAL:	return O_EINVAL;
	case E2BIG:	return O_E2BIG;
	case EFAULT:	return O_EFAULT;
	case ENOTTY:	return O_ENOTTY;
	case ESRCH:	return O_ESRCH;
	case EPERM:	return O_EPERM;
	case EBADF:	return O_EBADF;
	case ENOMEM:	return O_ENOMEM;
	case EINTR:	return O_EINTR;
	default:	return O_OTHER;
	}
}

#define M(err)		(1u << outcome(err))
/* Failures any call may have that the model does not predict. */
#define M_TRANSIENT	(M(ENOMEM) | M(EINTR))

static const char *errname(int err)
{
	static char buf[16];

	if (outcome(err) != O_OTHER)
		return outcome_names[outcome(err)];
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static void mask_names(unsigned int mask, char *buf, size_t len)
{
	size_t used = 0;
	int o;

	buf[0] = 0;
	for (o = 0; o < O_NR; o++)
		if (mask & (1u << o))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "|" : "", outcome_names[o]);
}

/* ---------------------------------------------------------------------- */
/* The commands. */

enum { FZ_VERSION, FZ_PAGES, FZ_MAPS, FZ_STATS, FZ_NR_CMDS };

static const struct {
	const char *name;
	unsigned long cmd;
	size_t ksize;		/* the module's structure, as it knows it */
	size_t kmin;		/* the smallest size it takes: VER0 */
	size_t rec_min;		/* smallest record size, 0: no array */
	__u64 flags;		/* the flags it knows */
} cmds[FZ_NR_CMDS] = {
	[FZ_VERSION] = { "VERSION", PTSCOPE_IOC_VERSION,
			 PTSCOPE_VERSION_SIZE_VER0, PTSCOPE_VERSION_SIZE_VER0, 0, 0 },
	[FZ_PAGES] = { "PAGES", PTSCOPE_IOC_PAGES, PTSCOPE_PAGES_SIZE_VER0,
		       PTSCOPE_PAGES_SIZE_VER0,
		       PTSCOPE_PAGE_REGION_SIZE_VER0, PTSCOPE_PAGES_FLAGS_ALL },
	[FZ_MAPS] = { "MAPS", PTSCOPE_IOC_MAPS, PTSCOPE_MAPS_SIZE_VER1,
		      PTSCOPE_MAPS_SIZE_VER0, PTSCOPE_VMA_SIZE_VER0, 0 },
	[FZ_STATS] = { "STATS", PTSCOPE_IOC_STATS, PTSCOPE_STATS_SIZE_VER0,
		       PTSCOPE_STATS_SIZE_VER0,
		       PTSCOPE_THREAD_SIZE_VER0, PTSCOPE_STATS_FLAGS_ALL },
};

/*
 * Numbers below this are commands of the module.  Those from FZ_NR_CMDS up
 * (PTSCOPE_IOC_TLB, whose arguments tlb_test checks) are not modelled
 * here: any answer is accepted from them, but never -ENOTTY is expected.
 */
#define FZ_NR_KNOWN	(_IOC_NR(PTSCOPE_IOC_TLB) + 1)

/* The command a word means to the module (type, number, read|write), or -1. */
static int cmd_kind(unsigned long cmd)
{
	if (_IOC_TYPE(cmd) != PTSCOPE_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE) ||
	    _IOC_NR(cmd) >= FZ_NR_KNOWN)
		return -1;
	return _IOC_NR(cmd);
}

/* Where the argument pointer points. */
enum where {
	AT_ARENA,	/* @avail bytes before an inaccessible page */
	AT_RDONLY,	/* the same, in a read-only page */
	AT_NULL,
	AT_HOLE,	/* a page that was mapped and unmapped */
	AT_KERNEL,	/* 0xffff800000000000 */
	AT_KERNEL_TOP,	/* the last page of the address space */
	AT_NONCANONICAL,
	AT_NR
};

static const char *const where_names[AT_NR] = {
	"arena", "read-only", "NULL", "unmapped", "kernel", "kernel top",
	"non-canonical"
};

union fz_args {
	struct ptscope_version version;
	struct ptscope_pages pages;
	struct ptscope_maps maps;
	struct ptscope_stats stats;
	__u64 word[ARENA_BYTES / 8];
	unsigned char byte[ARENA_BYTES];	/* the structure, then its tail */
};

/* One call: what goes in, and what came back. */
struct fz_call {
	int kind;		/* FZ_*: the structure built */
	unsigned long cmd;	/* the command word passed */
	enum where where;
	size_t avail;		/* mapped bytes from the argument on; 0: just enough */
	const char *skip;	/* a case that cannot run here */
	union fz_args a;	/* as written */
	union fz_args out;	/* as found afterwards */
	void *uarg;
	char *canary_end;	/* the array's canary runs to here */
	long ret;
	int err;		/* 0 or errno */
};

/* Everything a test needs: the device, memory to aim at, processes. */
struct fz_ctx {
	int fd;
	char *arena, *arena_guard;	/* argument room, then no access */
	char *vec, *vec_guard;		/* records' room, then no access */
	char *ro;			/* read-only page, then no access */
	/* TARGET_PAGES: 0-3 written, 4-5 a hole, 6-7 read-only, 8-15 one in two written */
	char *target;
	char *hole;			/* target + 4 pages: unmapped */
	__u64 task_size_max;
	pid_t self, zombie, reaped, kthread;
	bool admin, root_only;
	bool self_ok;		/* the kernel lets us open our own pagemap */
	__u64 rng;
	int proc_fd[4];			/* the random phase's /proc files */
	bool have_query[4];		/* ...and whether each has a query */
};

/* ---------------------------------------------------------------------- */
/* Setup. */

/* The kernel's word on whether this process may read its own pagemap. */
static bool own_pagemap_opens(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void *map_pages(size_t n, int prot)
{
	void *p = mmap(NULL, n * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* TASK_SIZE_MAX: 47 bits of user space, or 56 with 5-level paging. */
static __u64 probe_task_size_max(void)
{
	void *p = mmap((void *)(1UL << 47), PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return (1ULL << 47) - PAGE;
	munmap(p, PAGE);
	return (1ULL << 56) - PAGE;
}

/* kthreadd is pid 2 everywhere; 0 if it is not a kernel thread here. */
static pid_t find_kthread(void)
{
	char buf[512] = "", *p;
	FILE *f = fopen("/proc/2/stat", "r");
	int i;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	/* after "(comm)": state ppid pgrp session tty_nr tpgid flags */
	p = strrchr(buf, ')');
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	return strtoul(p, NULL, 10) & PF_KTHREAD ? 2 : 0;
}

static bool read_root_only(void)
{
	char buf[8] = "";
	FILE *f = fopen("/sys/module/ptscope/parameters/root_only", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == 'Y' || buf[0] == '1';
}

static int fz_setup(struct fz_ctx *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->fd = ptscope_open_dev();
	if (c->fd < 0)
		return -1;
	c->arena = map_pages(ARENA_BYTES / PAGE + 1, PROT_READ | PROT_WRITE);
	c->vec = map_pages(VEC_PAGES + 1, PROT_READ | PROT_WRITE);
	c->ro = map_pages(2, PROT_READ | PROT_WRITE);
	c->target = map_pages(TARGET_PAGES, PROT_READ | PROT_WRITE);
	if (!c->arena || !c->vec || !c->ro || !c->target)
		return -1;
	c->arena_guard = c->arena + ARENA_BYTES;
	c->vec_guard = c->vec + VEC_PAGES * PAGE;
	if (mprotect(c->arena_guard, PAGE, PROT_NONE) ||
	    mprotect(c->vec_guard, PAGE, PROT_NONE) ||
	    mprotect(c->ro + PAGE, PAGE, PROT_NONE) ||
	    mprotect(c->ro, PAGE, PROT_READ))
		return -1;

	madvise(c->target, TARGET_PAGES * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < 4; i++)
		c->target[i * PAGE] = 1;
	for (i = 8; i < TARGET_PAGES; i += 2)
		c->target[i * PAGE] = 1;
	c->hole = c->target + 4 * PAGE;
	if (munmap(c->hole, 2 * PAGE) ||
	    mprotect(c->target + 6 * PAGE, 2 * PAGE, PROT_READ))
		return -1;

	c->task_size_max = probe_task_size_max();
	c->self = getpid();
	c->self_ok = own_pagemap_opens();
	c->kthread = find_kthread();
	c->admin = geteuid() == 0;
	c->root_only = read_root_only();
	c->rng = 1;
	return 0;
}

/* A child that has exited and is not reaped: its pid has no mm. */
static pid_t fz_zombie(struct fz_ctx *c)
{
	siginfo_t si;

	if (c->zombie)
		return c->zombie;
	c->zombie = fork();
	if (!c->zombie)
		_exit(0);
	if (c->zombie < 0 ||
	    waitid(P_PID, c->zombie, &si, WEXITED | WNOWAIT))
		return c->zombie = 0;
	return c->zombie;
}

/* The pid of a child that has exited and been reaped. */
static pid_t fz_reaped(struct fz_ctx *c)
{
	pid_t pid;

	if (c->reaped)
		return c->reaped;
	pid = fork();
	if (!pid)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return 0;
	return c->reaped = pid;
}

static void fz_teardown(struct __test_metadata *_metadata, struct fz_ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->zombie > 0)
		waitpid(c->zombie, NULL, 0);
	if (c->arena)
		munmap(c->arena, ARENA_BYTES + PAGE);
	if (c->vec)
		munmap(c->vec, (VEC_PAGES + 1) * PAGE);
	if (c->ro)
		munmap(c->ro, 2 * PAGE);
	if (c->target)
		munmap(c->target, TARGET_PAGES * PAGE);
	/* Every file of ours is closed: the module must hold nothing. */
	EXPECT_EQ(0, ptscope_live_allocations());
}

/* ---------------------------------------------------------------------- */
/* Building and making calls. */

static __u64 vec_capacity(const struct fz_ctx *c, size_t rec)
{
	return (c->vec_guard - c->vec) / rec;
}

/* A valid call of @kind about our own target pages. */
static void fz_template(struct fz_ctx *c, int kind, struct fz_call *k)
{
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->cmd = cmds[kind].cmd;
	k->where = AT_ARENA;
	k->a.word[0] = cmds[kind].ksize;
	switch (kind) {
	case FZ_PAGES:
		k->a.pages.flags = PTSCOPE_PAGES_REGIONS;
		k->a.pages.pid = c->self;
		k->a.pages.start = (uintptr_t)c->target;
		k->a.pages.end = (uintptr_t)c->target + TARGET_PAGES * PAGE;
		k->a.pages.vec = (uintptr_t)c->vec;
		k->a.pages.rec_size = sizeof(struct ptscope_page_region);
		k->a.pages.vec_len = vec_capacity(c, k->a.pages.rec_size);
		break;
	case FZ_MAPS:
		k->a.maps.pid = c->self;
		k->a.maps.start = (uintptr_t)c->target;
		k->a.maps.end = (uintptr_t)c->target + TARGET_PAGES * PAGE;
		k->a.maps.vec = (uintptr_t)c->vec;
		k->a.maps.rec_size = sizeof(struct ptscope_vma);
		k->a.maps.vec_len = vec_capacity(c, k->a.maps.rec_size);
		break;
	case FZ_STATS:
		k->a.stats.flags = PTSCOPE_STATS_THREADS;
		k->a.stats.pid = c->self;
		k->a.stats.threads = (uintptr_t)c->vec;
		k->a.stats.thread_size = sizeof(struct ptscope_thread);
		k->a.stats.threads_len = 4;
		break;
	}
}

/* The array a call may write: pointer, records and record size. */
static bool call_vec(const struct fz_call *k, __u64 *vec, __u64 *len,
		     __u64 *rec)
{
	switch (k->kind) {
	case FZ_PAGES:
		*vec = k->a.pages.vec;
		*len = k->a.pages.vec_len;
		*rec = k->a.pages.rec_size;
		return true;
	case FZ_MAPS:
		*vec = k->a.maps.vec;
		*len = k->a.maps.vec_len;
		*rec = k->a.maps.rec_size;
		return true;
	case FZ_STATS:
		*vec = k->a.stats.threads;
		*len = k->a.stats.threads_len;
		*rec = k->a.stats.thread_size;
		return true;
	}
	return false;
}

/* Bytes of the argument present in memory. */
static size_t default_avail(const struct fz_call *k)
{
	__u64 usize = k->a.word[0];
	size_t ksize = cmds[k->kind].ksize;

	return usize >= cmds[k->kind].kmin && usize <= PAGE ? usize : ksize;
}

/*
 * Fill the array with a canary, from its start to past what the call may
 * write, to see afterwards that nothing beyond the records was touched.
 */
static void fill_canary(struct fz_ctx *c, struct fz_call *k)
{
	__u64 vec = 0, len = 0, rec = 0, span, room;

	k->canary_end = NULL;
	if (!call_vec(k, &vec, &len, &rec) ||
	    vec < (uintptr_t)c->vec || vec >= (uintptr_t)c->vec_guard)
		return;
	room = (uintptr_t)c->vec_guard - (uintptr_t)c->vec;
	if (__builtin_mul_overflow(len, rec, &span) ||
	    __builtin_add_overflow(span, vec - (uintptr_t)c->vec + PAGE, &span) ||
	    span > room)
		span = room;
	k->canary_end = c->vec + span;
	memset(c->vec, 0xa5, span);
}

static void fz_call(struct fz_ctx *c, struct fz_call *k)
{
	size_t n;

	if (!k->avail)
		k->avail = default_avail(k);
	switch (k->where) {
	case AT_ARENA:
	case AT_RDONLY:
		if (k->where == AT_RDONLY) {
			if (k->avail > PAGE)
				k->avail = PAGE;
			mprotect(c->ro, PAGE, PROT_READ | PROT_WRITE);
			k->uarg = c->ro + PAGE - k->avail;
		} else {
			if (k->avail > ARENA_BYTES)
				k->avail = ARENA_BYTES;
			k->uarg = c->arena_guard - k->avail;
		}
		n = k->avail < sizeof(k->a) ? k->avail : sizeof(k->a);
		memcpy(k->uarg, k->a.byte, n);
		if (k->where == AT_RDONLY)
			mprotect(c->ro, PAGE, PROT_READ);
		break;
	case AT_NULL:
		k->uarg = NULL;
		break;
	case AT_HOLE:
		k->uarg = c->hole;
		break;
	case AT_KERNEL:
		k->uarg = (void *)KERNEL_ADDR;
		break;
	case AT_KERNEL_TOP:
		k->uarg = (void *)0xfffffffffffff000ULL;
		break;
	default:
		k->uarg = (void *)(1ULL << 63);
		break;
	}
	fill_canary(c, k);

	errno = 0;
	k->ret = ioctl(c->fd, k->cmd, k->uarg);
	k->err = k->ret < 0 ? errno : 0;

	if (k->where == AT_ARENA || k->where == AT_RDONLY)
		memcpy(k->out.byte, k->uarg,
		       k->avail < sizeof(k->out) ? k->avail : sizeof(k->out));
}

/* ---------------------------------------------------------------------- */
/* The model: what the module's checks answer, in their order. */

static bool range_ok(const struct fz_ctx *c, __u64 start, __u64 end)
{
	return !(start % PAGE) && !(end % PAGE) && start < end &&
	       end <= c->task_size_max;
}

/*
 * ptscope_check_vec(): @extra gets EFAULT when access_ok() may go either
 * way (the limit moved by a page between 6.1 and 6.12, and would move to
 * bit 63 with LAM), so that both answers are allowed.
 */
static unsigned int model_vec(const struct fz_ctx *c, __u64 vec,
			      __u64 len, __u64 rec, __u64 min,
			      unsigned int *extra)
{
	__u64 bytes, sum;

	if (rec < min || rec > PAGE || rec % 8)
		return M(EINVAL);
	if (!len || len > ULONG_MAX / 2)
		return M(EINVAL);
	if (__builtin_mul_overflow(len, rec, &bytes))
		return M(EINVAL);
	if (__builtin_add_overflow(vec, bytes, &sum) ||
	    sum > (1ULL << 63) - PAGE)
		return M(EFAULT);
	if (sum >= c->task_size_max)
		*extra |= M(EFAULT);
	return 0;
}

/* ptscope_get_target(): 0 when the query proceeds. */
static unsigned int model_target(const struct fz_ctx *c, __u64 pid)
{
	if (c->root_only && !c->admin)
		return M(EPERM);
	/* PTSCOPE_PID_PIDFD: the fuzzer holds no pidfd, so no fd is one. */
	if (pid & PTSCOPE_PID_PIDFD)
		return M(EBADF);
	if (!pid || pid > PID_MAX_LIMIT)
		return M(EINVAL);
	/*
	 * Ourselves, as the kernel lets us open our pagemap: not when the
	 * credentials changed from root's, which leaves a process
	 * non-dumpable (its /proc files then belong to root).
	 */
	if (pid == (__u64)c->self)
		return c->self_ok ? 0 : M(EPERM);
	if (c->kthread && pid == (__u64)c->kthread)
		return M(EINVAL);
	if ((c->reaped && pid == (__u64)c->reaped) || pid == PID_MAX_LIMIT)
		return M(ESRCH);
	/*
	 * Root's zombie has no address space (ESRCH), but to nobody its
	 * /proc/PID/pagemap, root's and 0400, does not even open (EPERM).
	 */
	if (c->zombie && pid == (__u64)c->zombie)
		return c->admin ? M(ESRCH) : M(ESRCH) | M(EPERM);
	if (pid == 1)
		return c->admin ? 0 : M(EPERM);
	/* Whoever it is: it runs, is gone, is a kernel thread, or is not ours. */
	return M(ESRCH) | M(EINVAL) | M(EPERM) | M(0);
}

/* The outcomes the module may give @k. */
static unsigned int model(const struct fz_ctx *c, const struct fz_call *k)
{
	int kind = cmd_kind(k->cmd);
	const union fz_args *a = &k->a;
	unsigned int extra = 0, ret = 0, target;
	__u64 usize, vec = 0, len = 0, rec = 0;
	size_t ksize, end, i;

	if (kind < 0)
		return M(ENOTTY);
	/* A command word of another kind reads our structure as its own. */
	if (kind != k->kind)
		return ~0u;
	ksize = cmds[kind].ksize;

	/* ptscope_copy_args(): get_user(), then copy_struct_from_user(). */
	if (k->where != AT_ARENA && k->where != AT_RDONLY)
		return M(EFAULT);
	if (k->avail < 8)
		return M(EFAULT);
	usize = a->word[0];
	if (usize < cmds[kind].kmin || usize > PAGE)
		return M(EINVAL);
	if (usize > ksize) {
		end = usize < k->avail ? usize : k->avail;
		for (i = ksize; i < end; i++)
			if (a->byte[i])
				return M(E2BIG);
		if (usize > k->avail)
			return M(EFAULT);
	} else if (k->avail < usize) {
		return M(EFAULT);
	}

	switch (kind) {
	case FZ_VERSION:
		if (a->version.flags)
			return M(EINVAL);
		return k->where == AT_RDONLY ? M(EFAULT) : M(0);
	case FZ_PAGES:
		if (a->pages.flags & ~(__u64)PTSCOPE_PAGES_FLAGS_ALL ||
		    !range_ok(c, a->pages.start, a->pages.end))
			return M(EINVAL);
		break;
	case FZ_MAPS:
		if (a->maps.flags || !range_ok(c, a->maps.start, a->maps.end))
			return M(EINVAL);
		/* ABI 1.2's input, when the caller's structure has it */
		if (usize >= offsetof(struct ptscope_maps, collapse_max_none) + 8 &&
		    a->maps.collapse_max_none > PTSCOPE_COLLAPSE_MAX_NONE)
			return M(EINVAL);
		break;
	case FZ_STATS:
		if (a->stats.flags & ~(__u64)PTSCOPE_STATS_FLAGS_ALL)
			return M(EINVAL);
		break;
	}
	if (kind != FZ_STATS || a->stats.flags & PTSCOPE_STATS_THREADS) {
		call_vec(k, &vec, &len, &rec);
		ret = model_vec(c, vec, len, rec, cmds[kind].rec_min, &extra);
		if (ret)
			return ret;
	}

	target = model_target(c, a->word[2]);	/* pid is word 2 of all three */
	ret = extra | (target & ~M(0));
	if (target && !(target & M(0)))
		return ret;
	/* It runs: writing the records or the answer back may fault. */
	if (k->where == AT_RDONLY)
		return ret | M(EFAULT);
	if (kind == FZ_STATS && !(a->stats.flags & PTSCOPE_STATS_THREADS))
		return ret | M(0);
	return ret | M(0) | M(EFAULT);
}

/* ---------------------------------------------------------------------- */
/* Checking a successful answer. */

static char why[512];

#define WHY(...)	(snprintf(why, sizeof(why), __VA_ARGS__), why)

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* The records of the answer, if they are in our array. */
static const char *records_of(const struct fz_ctx *c, const struct fz_call *k,
			      __u64 nr)
{
	__u64 vec = 0, len = 0, rec = 0;

	if (!nr || !call_vec(k, &vec, &len, &rec) ||
	    vec < (uintptr_t)c->vec || vec + nr * rec > (uintptr_t)c->vec_guard)
		return NULL;
	return (const char *)(uintptr_t)vec;
}

static const char *check_canary(const struct fz_ctx *c,
				const struct fz_call *k, __u64 nr)
{
	__u64 vec = 0, len = 0, rec = 0;
	const unsigned char *p, *from;

	if (!k->canary_end)
		return NULL;
	call_vec(k, &vec, &len, &rec);
	from = (const unsigned char *)(uintptr_t)(vec + nr * rec);
	for (p = (const unsigned char *)c->vec; p < (unsigned char *)k->canary_end; p++) {
		if ((uintptr_t)p == vec)
			p = from;
		if (p >= (unsigned char *)k->canary_end)
			break;
		if (*p != 0xa5)
			return WHY("byte %+ld of the array written, %llu records of %llu bytes",
				   (long)((uintptr_t)p - vec), nr, rec);
	}
	return NULL;
}

static const char *check_pages(const struct fz_ctx *c, const struct fz_call *k)
{
	const struct ptscope_pages *in = &k->a.pages, *out = &k->out.pages;
	const char *recs = records_of(c, k, out->nr_records);
	__u64 i, prev = in->start;

	if (memcmp(in, out, offsetof(struct ptscope_pages, walk_end)))
		return WHY("an input field changed");
	if ((__u64)k->ret != out->nr_records)
		return WHY("returned %ld, nr_records %llu", k->ret,
			   out->nr_records);
	if (out->nr_records > in->vec_len)
		return WHY("nr_records %llu > vec_len %llu",
			   out->nr_records, in->vec_len);
	if (out->walk_end < in->start || out->walk_end > in->end)
		return WHY("walk_end %#llx outside [%#llx, %#llx]",
			   out->walk_end, in->start, in->end);
	for (i = 0; recs && i < out->nr_records; i++) {
		const char *raw = recs + i * in->rec_size;
		struct ptscope_page_region rec, *r = &rec;

		memcpy(r, raw, sizeof(*r));	/* the array may be unaligned */
		if (r->start % PAGE || r->end % PAGE || r->start >= r->end ||
		    r->start < prev || r->end > out->walk_end)
			return WHY("record %llu [%#llx, %#llx) after %#llx, walk_end %#llx", i,
				   r->start, r->end, prev, out->walk_end);
		if (!(in->flags & PTSCOPE_PAGES_REGIONS) &&
		    r->end - r->start != PAGE)
			return WHY("record %llu is not one page", i);
		if (r->flags & ~PF_KNOWN || r->kind >= PTSCOPE_KIND_COUNT ||
		    r->entry >= PTSCOPE_ENTRY_COUNT ||
		    r->level > PTSCOPE_LEVEL_PUD ||
		    r->mapcount_src > PTSCOPE_MAPCOUNT_AVERAGE ||
		    !all_zero(r->reserved, sizeof(r->reserved)))
			return WHY("record %llu has flags %#llx kind %u entry %u level %u",
				   i, r->flags, r->kind, r->entry, r->level);
		if (!all_zero(raw + sizeof(*r), in->rec_size - sizeof(*r)))
			return WHY("record %llu's tail is not zeroed", i);
		prev = r->end;
	}
	return check_canary(c, k, out->nr_records);
}

static const char *check_maps(const struct fz_ctx *c, const struct fz_call *k)
{
	const struct ptscope_maps *in = &k->a.maps, *out = &k->out.maps;
	const char *recs = records_of(c, k, out->nr_records);
	struct ptscope_page_counts sum = { 0 };
	__u64 i, j, prev = in->start;

	if (memcmp(in, out, offsetof(struct ptscope_maps, walk_end)))
		return WHY("an input field changed");
	if ((__u64)k->ret != out->nr_records)
		return WHY("returned %ld, nr_records %llu", k->ret,
			   out->nr_records);
	if (out->nr_records > in->vec_len)
		return WHY("nr_records %llu > vec_len %llu",
			   out->nr_records, in->vec_len);
	if (out->walk_end < in->start || out->walk_end > in->end)
		return WHY("walk_end %#llx outside [%#llx, %#llx]",
			   out->walk_end, in->start, in->end);
	if (in->pid == (__u64)c->self && out->nr_records > out->map_count)
		return WHY("%llu records of %llu VMAs",
			   out->nr_records, out->map_count);
	for (i = 0; recs && i < out->nr_records; i++) {
		const char *raw = recs + i * in->rec_size;
		static struct ptscope_vma rec;
		struct ptscope_vma *r = &rec;
		const __u64 *from = (const __u64 *)&r->pages;
		__u64 *to = (__u64 *)&sum;

		/* An ABI 1.1 record (VER0) is a prefix of ours. */
		memset(r, 0, sizeof(*r));
		memcpy(r, raw, in->rec_size < sizeof(*r) ? in->rec_size : sizeof(*r));
		if (r->start % PAGE || r->end % PAGE || r->start >= r->end ||
		    r->start < prev || r->end > out->walk_end)
			return WHY("record %llu [%#llx, %#llx) after %#llx, walk_end %#llx", i,
				   r->start, r->end, prev, out->walk_end);
		if (r->flags & ~VMA_KNOWN || !memchr(r->name, 0, sizeof(r->name)))
			return WHY("record %llu: flags %#llx, or no NUL in its name",
				   i, r->flags);
		if (in->rec_size > sizeof(*r) &&
		    !all_zero(raw + sizeof(*r), in->rec_size - sizeof(*r)))
			return WHY("record %llu's tail is not zeroed", i);
		for (j = 0; j < sizeof(sum) / 8; j++)
			to[j] += from[j];
		prev = r->end;
	}
	if (recs && memcmp(&sum, &out->totals, sizeof(sum)))
		return WHY("totals are not the sum of the records");
	return check_canary(c, k, out->nr_records);
}

static const char *check_stats(const struct fz_ctx *c, const struct fz_call *k)
{
	const struct ptscope_stats *in = &k->a.stats, *out = &k->out.stats;
	bool threads = in->flags & PTSCOPE_STATS_THREADS;
	__u64 want = 0, i;
	const char *recs;

	if (memcmp(in, out, offsetof(struct ptscope_stats, nr_threads)))
		return WHY("an input field changed");
	if (!out->nr_threads || !out->map_count || !out->total_vm)
		return WHY("nr_threads %llu map_count %llu total_vm %llu",
			   out->nr_threads,
			   out->map_count,
			   out->total_vm);
	if (threads) {
		want = out->nr_threads;
		if (want > in->threads_len)
			want = in->threads_len;
		if (want > MAX_THREADS)
			want = MAX_THREADS;
	}
	if ((__u64)k->ret != want)
		return WHY("returned %ld of %llu threads, threads_len %llu",
			   k->ret, out->nr_threads,
			   in->threads_len);
	recs = threads ? records_of(c, k, want) : NULL;
	for (i = 0; recs && i < want; i++) {
		const char *raw = recs + i * in->thread_size;
		struct ptscope_thread th, *t = &th;

		memcpy(t, raw, sizeof(*t));
		if (!t->tid || t->cpu < 0 || !memchr(t->comm, 0, sizeof(t->comm)))
			return WHY("thread %llu: tid %llu cpu %d", i,
				   t->tid, t->cpu);
		if (!all_zero(raw + sizeof(*t), in->thread_size - sizeof(*t)))
			return WHY("thread %llu's tail is not zeroed", i);
	}
	return check_canary(c, k, want);
}

/* NULL if a successful answer is sane, else what is wrong. */
static const char *check_answer(const struct fz_ctx *c, const struct fz_call *k)
{
	size_t ksize = cmds[k->kind].ksize, i, seen;
	const struct ptscope_version *v = &k->out.version;

	if (k->where != AT_ARENA)
		return WHY("success with the argument %s", where_names[k->where]);
	/* Nothing past the structure the module knows is written. */
	seen = k->avail < sizeof(k->a) ? k->avail : sizeof(k->a);
	for (i = ksize; i < seen; i++)
		if (k->out.byte[i] != k->a.byte[i])
			return WHY("byte %zu past the structure changed", i);
	switch (k->kind) {
	case FZ_VERSION:
		if (k->ret || memcmp(&k->a, v, 16) ||
		    v->abi_major != PTSCOPE_ABI_MAJOR ||
		    !(v->features & PTSCOPE_FEAT_VERSION) ||
		    !memchr(v->release, 0, sizeof(v->release)) ||
		    !memchr(v->kernel, 0, sizeof(v->kernel)))
			return WHY("version answer: ret %ld abi %u.%u features %#llx",
				   k->ret, v->abi_major, v->abi_minor,
				   v->features);
		return NULL;
	case FZ_PAGES:
		return check_pages(c, k);
	case FZ_MAPS:
		return check_maps(c, k);
	default:
		return check_stats(c, k);
	}
}

static void describe(const struct fz_call *k, char *buf, size_t len)
{
	size_t used, i, words = cmds[k->kind].ksize / 8;

	if (words > 11)
		words = 11;
	used = snprintf(buf, len, "%s cmd %#lx arg %s", cmds[k->kind].name,
			k->cmd, where_names[k->where]);
	if (k->where == AT_ARENA || k->where == AT_RDONLY)
		used += snprintf(buf + used, len - used, " (%zu bytes mapped)",
				 k->avail);
	used += snprintf(buf + used, len - used, ", words:");
	for (i = 0; i < words && used < len; i++)
		used += snprintf(buf + used, len - used, " %#llx",
				 k->a.word[i]);
}

/* ---------------------------------------------------------------------- */
/* The boundary cases: one test each, the errno derived from the module. */

typedef void (*fz_mod_t)(struct fz_ctx *c, struct fz_call *k);

static void run_case(struct __test_metadata *_metadata, struct fz_ctx *c,
		     int kind, fz_mod_t mod, int expect)
{
	static struct fz_call k;
	char desc[512], allowed[128];
	const char *bad;
	unsigned int mask;

	fz_template(c, kind, &k);
	mod(c, &k);
	if (k.skip)
		SKIP(return, "%s", k.skip);
	fz_call(c, &k);
	describe(&k, desc, sizeof(desc));
	EXPECT_EQ(expect, k.err) {
		TH_LOG("%s: got %s (ret %ld), expected %s", desc,
		       errname(k.err), k.ret, errname(expect));
	}
	/* The random phase's model must agree with the hand-made answer. */
	mask = model(c, &k);
	mask_names(mask, allowed, sizeof(allowed));
	EXPECT_TRUE(mask & M(expect)) {
		TH_LOG("%s: the model allows %s, not %s", desc, allowed,
		       errname(expect));
	}
	if (!k.err) {
		bad = check_answer(c, &k);
		EXPECT_EQ(NULL, bad) {
			TH_LOG("%s: %s", desc, bad);
		}
	}
}

#define DEFINE_IOCTL_FIXTURE(fix)					\
	FIXTURE(fix) {							\
		struct fz_ctx c;					\
	};								\
	FIXTURE_VARIANT(fix) {						\
		fz_mod_t mod;						\
		int expect;						\
	};								\
	FIXTURE_SETUP(fix)						\
	{								\
		ASSERT_EQ(0, fz_setup(&self->c));			\
	}								\
	FIXTURE_TEARDOWN(fix)						\
	{								\
		fz_teardown(_metadata, &self->c);			\
	}

/* One case: @body changes the valid call @k; @expect_ is 0 or an errno. */
#define CASE(fix, name, expect_, ...)					\
	static void fix##_##name##_mod(struct fz_ctx *c, struct fz_call *k) \
	{								\
		(void)c;						\
		__VA_ARGS__;						\
	}								\
	FIXTURE_VARIANT_ADD(fix, name) {				\
		.mod = fix##_##name##_mod,				\
		.expect = expect_,					\
	}

#define KSIZE		(cmds[k->kind].ksize)
#define KMIN		(cmds[k->kind].kmin)
/* The most records of @r bytes from @v that stay inside user space. */
#define ROOM_LEN(v, r)	((c->task_size_max - PAGE - (v)) / (r))
#define NR		(_IOC_NR(k->cmd))
#define NEEDS_KTHREAD	do { if (!c->kthread) k->skip = "no kernel thread at pid 2"; } while (0)

/* Every command: the structure's size, tail, flags, pointer and word. */
#define COMMON_CASES(fix)						\
CASE(fix, size_0, EINVAL, k->a.word[0] = 0);				\
CASE(fix, size_1, EINVAL, k->a.word[0] = 1);				\
CASE(fix, size_7, EINVAL, k->a.word[0] = 7);				\
CASE(fix, size_8, EINVAL, k->a.word[0] = 8);				\
CASE(fix, size_ver0_minus_8, EINVAL, k->a.word[0] = KMIN - 8);	\
CASE(fix, size_ver0_minus_1, EINVAL, k->a.word[0] = KMIN - 1);	\
CASE(fix, size_ver0, 0, k->a.word[0] = KSIZE);				\
CASE(fix, size_ver0_plus_1, 0, k->a.word[0] = KSIZE + 1);		\
CASE(fix, size_ver0_plus_8, 0, k->a.word[0] = KSIZE + 8);		\
CASE(fix, size_page_minus_1, 0, k->a.word[0] = PAGE - 1);		\
CASE(fix, size_page, 0, k->a.word[0] = PAGE);				\
CASE(fix, size_page_plus_1, EINVAL, k->a.word[0] = PAGE + 1);		\
CASE(fix, size_ver0_plus_4g, EINVAL, k->a.word[0] = (1ULL << 32) + KSIZE); \
CASE(fix, size_huge, EINVAL, k->a.word[0] = 1ULL << 63);		\
CASE(fix, size_u64_max, EINVAL, k->a.word[0] = ~0ULL);		\
CASE(fix, tail_first_byte_nonzero, E2BIG,				\
	k->a.word[0] = KSIZE + 8; k->a.byte[KSIZE] = 1);			\
CASE(fix, tail_last_byte_of_page_nonzero, E2BIG,			\
	k->a.word[0] = PAGE; k->a.byte[PAGE - 1] = 0x80);			\
CASE(fix, nonzero_beyond_size_is_ignored, 0,				\
	k->a.word[0] = KSIZE + 8; k->a.byte[KSIZE + 8] = 1;		\
	k->avail = KSIZE + 16);						\
CASE(fix, tail_unmapped, EFAULT,					\
	k->a.word[0] = KSIZE + 8; k->avail = KSIZE);			\
CASE(fix, tail_nonzero_then_unmapped, E2BIG,				\
	k->a.word[0] = PAGE; k->a.byte[KSIZE] = 1; k->avail = KSIZE + 8); \
CASE(fix, structure_end_unmapped, EFAULT, k->avail = KSIZE - 8);	\
CASE(fix, size_word_straddles_unmapped, EFAULT, k->avail = 4);		\
CASE(fix, e2big_before_bad_flags, E2BIG,				\
	k->a.word[0] = KSIZE + 8; k->a.byte[KSIZE + 3] = 1;		\
	k->a.word[1] = ~0ULL);						\
CASE(fix, flag_bit_63, EINVAL, k->a.word[1] = 1ULL << 63);		\
CASE(fix, flags_all_ones, EINVAL, k->a.word[1] = ~0ULL);		\
CASE(fix, arg_null, EFAULT, k->where = AT_NULL);			\
CASE(fix, arg_unmapped, EFAULT, k->where = AT_HOLE);			\
CASE(fix, arg_kernel, EFAULT, k->where = AT_KERNEL);			\
CASE(fix, arg_kernel_top, EFAULT, k->where = AT_KERNEL_TOP);		\
CASE(fix, arg_noncanonical, EFAULT, k->where = AT_NONCANONICAL);	\
CASE(fix, arg_read_only, EFAULT, k->where = AT_RDONLY);		\
CASE(fix, cmd_size_bits_0, 0,						\
	k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC, NR, 0));	\
CASE(fix, cmd_size_bits_max, 0,					\
	k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC, NR, 0x3fff)); \
CASE(fix, cmd_dir_none, ENOTTY, k->cmd = _IO(PTSCOPE_IOC_MAGIC, NR));	\
CASE(fix, cmd_dir_read, ENOTTY,					\
	k->cmd = _IOC(_IOC_READ, PTSCOPE_IOC_MAGIC, NR, KSIZE));		\
CASE(fix, cmd_dir_write, ENOTTY,					\
	k->cmd = _IOC(_IOC_WRITE, PTSCOPE_IOC_MAGIC, NR, KSIZE));		\
CASE(fix, cmd_other_type, ENOTTY,					\
	k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC + 1, NR, KSIZE))

/* The pid: word 2 of PAGES, MAPS and STATS. */
#define PID_CASES(fix)							\
CASE(fix, pid_self, 0, k->a.word[2] = c->self);				\
CASE(fix, pid_init, 0, k->a.word[2] = 1);				\
CASE(fix, pid_0, EINVAL, k->a.word[2] = 0);				\
CASE(fix, pid_minus_1, EBADF, k->a.word[2] = ~0ULL);			\
CASE(fix, pid_pidfd_of_stdin, EBADF, k->a.word[2] = PTSCOPE_PID_PIDFD | 0); \
CASE(fix, pid_pidfd_not_open, EBADF,					\
	k->a.word[2] = PTSCOPE_PID_PIDFD | 100000);			\
CASE(fix, pid_minus_1_32bit, EINVAL, k->a.word[2] = 0xffffffffULL);	\
CASE(fix, pid_max_limit, ESRCH, k->a.word[2] = PID_MAX_LIMIT);		\
CASE(fix, pid_above_max_limit, EINVAL, k->a.word[2] = PID_MAX_LIMIT + 1); \
CASE(fix, pid_self_with_high_bits, EINVAL,				\
	k->a.word[2] = (1ULL << 32) | c->self);				\
CASE(fix, pid_kthread, EINVAL, NEEDS_KTHREAD; k->a.word[2] = c->kthread); \
CASE(fix, pid_zombie, ESRCH, k->a.word[2] = fz_zombie(c));		\
CASE(fix, pid_reaped, ESRCH, k->a.word[2] = fz_reaped(c))

/* start and end: words 3 and 4 of PAGES and MAPS. */
#define RANGE_CASES(fix)						\
CASE(fix, start_unaligned, EINVAL, k->a.word[3] += 1);			\
CASE(fix, end_unaligned, EINVAL, k->a.word[4] -= 1);			\
CASE(fix, start_odd_bit_11, EINVAL, k->a.word[3] += PAGE / 2);		\
CASE(fix, range_empty, EINVAL, k->a.word[4] = k->a.word[3]);		\
CASE(fix, range_inverted, EINVAL, k->a.word[4] = k->a.word[3] - PAGE); \
CASE(fix, range_wraps, EINVAL,						\
	k->a.word[3] = 0xfffffffffffff000ULL; k->a.word[4] = PAGE);	\
CASE(fix, range_zero_to_zero, EINVAL, k->a.word[3] = k->a.word[4] = 0); \
CASE(fix, end_kernel, EINVAL, k->a.word[4] = KERNEL_ADDR);		\
CASE(fix, start_and_end_kernel, EINVAL,				\
	k->a.word[3] = KERNEL_ADDR; k->a.word[4] = KERNEL_ADDR + PAGE);	\
CASE(fix, end_last_page_of_memory, EINVAL,				\
	k->a.word[4] = 0xfffffffffffff000ULL);				\
CASE(fix, end_task_size_max, 0, k->a.word[4] = c->task_size_max);	\
CASE(fix, end_past_task_size_max, EINVAL,				\
	k->a.word[4] = c->task_size_max + PAGE);				\
CASE(fix, start_at_task_size_max, EINVAL,				\
	k->a.word[3] = c->task_size_max; k->a.word[4] = c->task_size_max + PAGE); \
CASE(fix, whole_address_space, 0,					\
	k->a.word[3] = 0; k->a.word[4] = c->task_size_max);		\
CASE(fix, range_without_vma, 0,					\
	k->a.word[3] = 0; k->a.word[4] = 16 * PAGE);			\
CASE(fix, range_in_the_hole, 0,					\
	k->a.word[3] = (uintptr_t)c->hole;					\
	k->a.word[4] = (uintptr_t)c->hole + 2 * PAGE)

/* The array: words 5, 6, 7 of PAGES and MAPS, 3, 4, 5 of STATS. */
#define VEC_CASES(fix, V, L, R)						\
CASE(fix, vec_null, EFAULT, k->a.word[V] = 0);				\
CASE(fix, vec_unmapped, EFAULT, k->a.word[V] = (uintptr_t)c->hole);	\
CASE(fix, vec_read_only, EFAULT, k->a.word[V] = (uintptr_t)c->ro);	\
CASE(fix, vec_kernel, EFAULT, k->a.word[V] = KERNEL_ADDR);		\
CASE(fix, vec_vsyscall, EFAULT, k->a.word[V] = VSYSCALL_ADDR);		\
CASE(fix, vec_noncanonical, EFAULT, k->a.word[V] = 1ULL << 63);	\
CASE(fix, vec_u64_max, EFAULT, k->a.word[V] = ~0ULL);			\
CASE(fix, vec_last_user_page, EFAULT,					\
	k->a.word[V] = c->task_size_max - PAGE; k->a.word[L] = 1);	\
CASE(fix, vec_end_past_user_space, EFAULT,				\
	k->a.word[V] = c->task_size_max - k->a.word[R]; k->a.word[L] = 2); \
CASE(fix, vec_crosses_into_unmapped, EFAULT,				\
	k->a.word[V] = (uintptr_t)c->vec_guard - k->a.word[R] / 2);	\
CASE(fix, vec_one_record_before_unmapped, 0,				\
	k->a.word[V] = (uintptr_t)c->vec_guard - k->a.word[R];		\
	k->a.word[L] = 1);							\
CASE(fix, vec_unaligned, 0, k->a.word[V] = (uintptr_t)c->vec + 3;	\
	k->a.word[L] = 1);							\
CASE(fix, vec_len_0, EINVAL, k->a.word[L] = 0);			\
CASE(fix, vec_len_1, 0, k->a.word[L] = 1);				\
CASE(fix, vec_len_2, 0, k->a.word[L] = 2);				\
CASE(fix, vec_len_huge_but_addressable, 0,				\
	k->a.word[L] = ROOM_LEN(k->a.word[V], k->a.word[R]));		\
CASE(fix, vec_len_past_user_space, EFAULT,				\
	k->a.word[L] = c->task_size_max / k->a.word[R] + 1);		\
CASE(fix, vec_len_overflows, EINVAL, k->a.word[L] = 1ULL << 60);	\
CASE(fix, vec_len_half_ulong_max, EINVAL, k->a.word[L] = ULONG_MAX / 2); \
CASE(fix, vec_len_above_half_ulong_max, EINVAL,			\
	k->a.word[L] = ULONG_MAX / 2 + 1);					\
CASE(fix, vec_len_u64_max, EINVAL, k->a.word[L] = ~0ULL);		\
CASE(fix, rec_size_0, EINVAL, k->a.word[R] = 0);			\
CASE(fix, rec_size_8, EINVAL, k->a.word[R] = 8);			\
CASE(fix, rec_size_ver0_minus_8, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min - 8);				\
CASE(fix, rec_size_ver0_minus_1, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min - 1);				\
CASE(fix, rec_size_ver0_plus_1, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min + 1);				\
CASE(fix, rec_size_ver0_plus_4, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min + 4);				\
CASE(fix, rec_size_ver0, 0, k->a.word[R] = cmds[k->kind].rec_min);	\
CASE(fix, rec_size_ver0_plus_8, 0,					\
	k->a.word[R] = cmds[k->kind].rec_min + 8; k->a.word[L] = 8);	\
CASE(fix, rec_size_page, 0, k->a.word[R] = PAGE; k->a.word[L] = 8);	\
CASE(fix, rec_size_page_plus_8, EINVAL, k->a.word[R] = PAGE + 8);	\
CASE(fix, rec_size_page_plus_1, EINVAL, k->a.word[R] = PAGE + 1);	\
CASE(fix, rec_size_u64_max, EINVAL, k->a.word[R] = ~0ULL);		\
CASE(fix, rec_size_times_vec_len_overflows, EINVAL,			\
	k->a.word[R] = PAGE; k->a.word[L] = 1ULL << 52)

DEFINE_IOCTL_FIXTURE(version)
COMMON_CASES(version);
CASE(version, flag_bit_0, EINVAL, k->a.version.flags = 1);
CASE(version, output_fields_garbage, 0,
	memset(&k->a.version.abi_major, 0xff,
	    sizeof(k->a.version) - offsetof(struct ptscope_version, abi_major)));

TEST_F(version, call)
{
	run_case(_metadata, &self->c, FZ_VERSION, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(pages)
COMMON_CASES(pages);
PID_CASES(pages);
RANGE_CASES(pages);
VEC_CASES(pages, 5, 6, 7);
CASE(pages, flag_unknown_bit_2, EINVAL, k->a.pages.flags |= 1ULL << 2);
CASE(pages, flags_none_one_record_a_page, 0, k->a.pages.flags = 0);
CASE(pages, flags_pfn_alone, 0, k->a.pages.flags = PTSCOPE_PAGES_PFN);
CASE(pages, flags_regions_and_pfn, 0,
	k->a.pages.flags = PTSCOPE_PAGES_FLAGS_ALL);
CASE(pages, vec_null_without_records, 0,
	k->a.pages.vec = 0; k->a.pages.start = 0; k->a.pages.end = 16 * PAGE);
CASE(pages, per_page_whole_space_overflows_array, EFAULT,
	k->a.pages.flags = 0; k->a.pages.start = 0;
	k->a.pages.end = c->task_size_max;
	k->a.pages.vec = (uintptr_t)c->vec_guard - 8 * k->a.pages.rec_size;
	k->a.pages.vec_len = ROOM_LEN(k->a.pages.vec, k->a.pages.rec_size));
CASE(pages, max_pages_0_is_unlimited, 0, k->a.pages.max_pages = 0);
CASE(pages, max_pages_1, 0, k->a.pages.max_pages = 1);
CASE(pages, max_pages_u64_max, 0, k->a.pages.max_pages = ~0ULL);
CASE(pages, output_fields_garbage, 0,
	k->a.pages.walk_end = ~0ULL; k->a.pages.nr_records = ~0ULL);

TEST_F(pages, call)
{
	run_case(_metadata, &self->c, FZ_PAGES, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(maps)
COMMON_CASES(maps);
PID_CASES(maps);
RANGE_CASES(maps);
VEC_CASES(maps, 5, 6, 7);
CASE(maps, flag_bit_0, EINVAL, k->a.maps.flags = 1);
CASE(maps, vec_null_without_records, 0,
	k->a.maps.vec = 0; k->a.maps.start = 0; k->a.maps.end = 16 * PAGE);
CASE(maps, output_fields_garbage, 0,
	memset(&k->a.maps.walk_end, 0xff,
	    sizeof(k->a.maps) - offsetof(struct ptscope_maps, walk_end));
	k->a.maps.collapse_max_none = 0);	/* an input since ABI 1.2 */

TEST_F(maps, call)
{
	run_case(_metadata, &self->c, FZ_MAPS, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(stats)
COMMON_CASES(stats);
PID_CASES(stats);
VEC_CASES(stats, 3, 4, 5);
CASE(stats, flag_unknown_bit_1, EINVAL, k->a.stats.flags |= 1ULL << 1);
CASE(stats, no_threads_flag_ignores_a_bad_array, 0,
	k->a.stats.flags = 0; k->a.stats.threads = KERNEL_ADDR;
	k->a.stats.threads_len = ~0ULL; k->a.stats.thread_size = 3);
CASE(stats, threads_len_above_max_threads, 0,
	k->a.stats.threads_len = MAX_THREADS + 1);
CASE(stats, output_fields_garbage, 0,
	memset(&k->a.stats.nr_threads, 0xff,
	    sizeof(k->a.stats) - offsetof(struct ptscope_stats, nr_threads)));

TEST_F(stats, call)
{
	run_case(_metadata, &self->c, FZ_STATS, variant->mod, variant->expect);
}

/* Every flag bit the module does not know, one at a time. */
TEST(unknown_flag_bits_are_einval)
{
	static struct fz_call k;
	struct fz_ctx c;
	int kind, bit;

	ASSERT_EQ(0, fz_setup(&c));
	for (kind = 0; kind < FZ_NR_CMDS; kind++) {
		for (bit = 0; bit < 64; bit++) {
			__u64 flag = 1ULL << bit;
			int expect = cmds[kind].flags & flag ? 0 : EINVAL;

			fz_template(&c, kind, &k);
			k.a.word[1] = flag;
			fz_call(&c, &k);
			EXPECT_EQ(expect, k.err) {
				TH_LOG("%s flags %#llx: %s", cmds[kind].name,
				       flag, errname(k.err));
			}
		}
	}
	fz_teardown(_metadata, &c);
}

/* Unknown numbers and types, and the /proc files, have no ioctls. */
TEST(unknown_commands_are_enotty)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE
	};
	static const char *const files[] = { "pages", "maps", "stats", "status" };
	struct ptscope_version v = { .size = sizeof(v) };
	struct fz_ctx c;
	unsigned int nr, d;
	unsigned long cmd;
	char path[64];
	int fd;
	size_t i;

	ASSERT_EQ(0, fz_setup(&c));
	for (d = 0; d < 4; d++) {
		for (nr = 0; nr < 256; nr++) {
			cmd = _IOC(dirs[d], PTSCOPE_IOC_MAGIC, nr, sizeof(v));
			if (cmd_kind(cmd) >= 0)
				continue;
			EXPECT_EQ(-ENOTTY, ptscope_ioctl(c.fd, cmd, &v)) {
				TH_LOG("cmd %#lx", cmd);
			}
		}
	}
	for (i = 0; i < 256; i++) {
		/* Types the VFS answers itself ('T', 'X', 'f', 0x94, 0x15, 0). */
		if (i == PTSCOPE_IOC_MAGIC || i == 'T' || i == 'X' || i == 'f' ||
		    i == 0x94 || i == 0x15 || i == 0)
			continue;
		cmd = _IOC(_IOC_READ | _IOC_WRITE, i, 0, sizeof(v));
		EXPECT_EQ(-ENOTTY, ptscope_ioctl(c.fd, cmd, &v)) {
			TH_LOG("cmd %#lx", cmd);
		}
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", files[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-ENOTTY, ptscope_ioctl(fd, PTSCOPE_IOC_VERSION, &v)) {
			TH_LOG("%s", path);
		}
		close(fd);
	}
	fz_teardown(_metadata, &c);
}

/* ---------------------------------------------------------------------- */
/* /proc/ptscope: the parsers, mirrored. */

enum { PF_PAGES, PF_MAPS, PF_STATS, PF_STATUS, PF_NR };

static const char *const proc_names[PF_NR] = { "pages", "maps", "stats", "status" };

/* The kernel's isspace(): ASCII white space and Latin-1 NBSP. */
static bool k_isspace(unsigned char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == 0xa0;
}

/* kstrtou64(s, 0, res): 0, -EINVAL or -ERANGE. */
static int k_strtou64(const char *s, __u64 *res)
{
	unsigned int base = 10, digits = 0, d;
	bool overflow = false;
	__u64 v = 0;

	if (*s == '+')
		s++;
	if (s[0] == '0') {
		if ((s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2])) {
			base = 16;
			s += 2;
		} else {
			base = 8;
		}
	}
	for (;; s++, digits++) {
		unsigned char ch = *s, lc = ch | 0x20;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (lc >= 'a' && lc <= 'f')
			d = lc - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (!digits)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

/* ptscope_proc_parse_pid(): "PID" or "pidfd:FD". */
static int k_parse_pid(const char *s, __u64 *pid)
{
	__u64 fd;

	if (strncmp(s, "pidfd:", 6))
		return k_strtou64(s, pid);
	if (k_strtou64(s + 6, &fd) || fd > INT_MAX)
		return -EINVAL;
	*pid = PTSCOPE_PID_PIDFD | fd;
	return 0;
}

/* The outcomes a write of @len bytes of @buf to /proc/ptscope/@file may get. */
static unsigned int proc_model(const struct fz_ctx *c, int file,
			       const char *buf, size_t len)
{
	char line[PROC_QUERY_MAX + 1], *tok[4], *s, *t, *w;
	__u64 pid = 0, start = 0, end = c->task_size_max;
	int n = 0, max;

	if (file == PF_STATUS) {
		if (!c->admin)
			return M(EPERM);
		if (!len || len >= 8)
			return M(EINVAL);
		memcpy(line, buf, len);
		line[len] = 0;
		/* strim() */
		w = line + strlen(line);
		while (w > line && k_isspace(w[-1]))
			*--w = 0;
		for (w = line; k_isspace(*w); w++)
			;
		return strcmp(w, "reset") ? M(EINVAL) : M(0);
	}
	if (!len || len > PROC_QUERY_MAX)
		return M(EINVAL);
	memcpy(line, buf, len);
	line[len] = 0;
	max = file == PF_PAGES ? 4 : file == PF_MAPS ? 3 : 2;
	s = line;
	while ((t = strsep(&s, " \t\n"))) {
		if (!*t)
			continue;
		if (n == max)
			return M(EINVAL);
		tok[n++] = t;
	}
	switch (file) {
	case PF_PAGES:
		if (n < 3 || k_parse_pid(tok[0], &pid) ||
		    k_strtou64(tok[1], &start) || k_strtou64(tok[2], &end) ||
		    (n == 4 && strcmp(tok[3], "all")))
			return M(EINVAL);
		break;
	case PF_MAPS:
		if ((n != 1 && n != 3) || k_parse_pid(tok[0], &pid) ||
		    (n == 3 && (k_strtou64(tok[1], &start) ||
				k_strtou64(tok[2], &end))))
			return M(EINVAL);
		break;
	default:
		if (n < 1 || k_parse_pid(tok[0], &pid) ||
		    (n == 2 && strcmp(tok[1], "threads")))
			return M(EINVAL);
		break;
	}
	if (file != PF_STATS && !range_ok(c, start, end))
		return M(EINVAL);
	return model_target(c, pid) ?: M(0);
}

/* What a read of a query file starts with. */
static const char *proc_header(int file, bool have_query)
{
	static const char *const headers[PF_NR] = {
		"START END PAGES ENTRY", "START END PERMS PRESENT", "pid ",
		"allocations "
	};

	if (!have_query && file != PF_STATUS)
		return "# write \"PID";
	return headers[file];
}

/* Read what the file says now; a sane answer or a clean errno. */
static const char *proc_read_check(int fd, int file, bool have_query,
				   bool must_work)
{
	char buf[4096];
	const char *head = proc_header(file, have_query);
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return WHY("lseek: %s", errname(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		if (must_work || !(M(errno) & (M(ESRCH) | M(EPERM) | M(EINVAL) |
					       M(EFAULT) | M_TRANSIENT)))
			return WHY("read: %s", errname(errno));
		return NULL;
	}
	buf[n] = 0;
	if (strncmp(buf, head, strlen(head)))
		return WHY("read %zd bytes starting \"%.40s\", not \"%s\"", n,
			   buf, head);
	return NULL;
}

/* Where the bytes of a write come from. */
enum { BUF_OK, BUF_NULL, BUF_HOLE, BUF_KERNEL };

static unsigned int proc_model_buf(const struct fz_ctx *c, int file, int from,
				   const char *line, size_t len)
{
	if (from == BUF_OK)
		return proc_model(c, file, line, len);
	if (from == BUF_KERNEL)		/* vfs_write()'s access_ok() */
		return M(EFAULT);
	if (file == PF_STATUS) {
		if (!c->admin)
			return M(EPERM);
		return !len || len >= 8 ? M(EINVAL) : M(EFAULT);
	}
	return !len || len > PROC_QUERY_MAX ? M(EINVAL) : M(EFAULT);
}

static const void *proc_buf(const struct fz_ctx *c, int from, const char *line)
{
	switch (from) {
	case BUF_NULL:
		return NULL;
	case BUF_HOLE:
		return c->hole;
	case BUF_KERNEL:
		return (void *)KERNEL_ADDR;
	}
	return line;
}

/* %P the pid, %S and %E the target's first and last+1 addresses, %T TASK_SIZE_MAX. */
static size_t expand(const struct fz_ctx *c, const char *tmpl, size_t len,
		     __u64 pid, char *out, size_t room)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 32 < room; i++) {
		if (tmpl[i] == '%' && i + 1 < len) {
			switch (tmpl[++i]) {
			case 'P':
				n += sprintf(out + n, "%llu", pid);
				continue;
			case 'S':
				n += sprintf(out + n, "%#lx", (unsigned long)c->target);
				continue;
			case 'E':
				n += sprintf(out + n, "%#lx", (unsigned long)c->target +
					     TARGET_PAGES * PAGE);
				continue;
			case 'T':
				n += sprintf(out + n, "%#llx", c->task_size_max);
				continue;
			}
			i--;
		}
		out[n++] = tmpl[i];
	}
	return n;
}

enum { PID_SELF, PID_INIT, PID_KTHREAD, PID_ZOMBIE, PID_REAPED };

FIXTURE(proc) {
	struct fz_ctx c;
};

FIXTURE_VARIANT(proc) {
	int file;		/* PF_* */
	const char *line;	/* with %P, %S, %E, %T */
	size_t len;		/* of @line, NULs included */
	size_t pad;		/* spaces appended up to this many bytes */
	int pid;		/* PID_*: what %P is */
	int from;		/* BUF_*: where the bytes come from */
	bool as_nobody;		/* write as user nobody (the file opened as root) */
	int expect;
};

FIXTURE_SETUP(proc)
{
	ASSERT_EQ(0, fz_setup(&self->c));
}

FIXTURE_TEARDOWN(proc)
{
	fz_teardown(_metadata, &self->c);
}

#define PROC_CASE(name, file_, line_, expect_, ...)			\
	FIXTURE_VARIANT_ADD(proc, name) {				\
		.file = file_,						\
		.line = line_,						\
		.len = sizeof(line_) - 1,				\
		.expect = expect_,					\
		__VA_ARGS__						\
	}

PROC_CASE(pages_valid, PF_PAGES, "%P %S %E", 0);
PROC_CASE(pages_valid_all, PF_PAGES, "%P %S %E all\n", 0);
PROC_CASE(pages_valid_tabs, PF_PAGES, "\t%P\t%S\t%E\t", 0);
PROC_CASE(pages_valid_plus_sign, PF_PAGES, "+%P %S %E", 0);
PROC_CASE(pages_valid_then_nul_garbage, PF_PAGES, "%P %S %E\0garbage", 0);
PROC_CASE(pages_padded_to_256, PF_PAGES, "%P %S %E", 0, .pad = 256);
PROC_CASE(pages_padded_to_257, PF_PAGES, "%P %S %E", EINVAL, .pad = 257);
PROC_CASE(pages_padded_to_4096, PF_PAGES, "%P %S %E", EINVAL, .pad = 4096);
PROC_CASE(pages_empty_write, PF_PAGES, "", EINVAL);
PROC_CASE(pages_only_spaces, PF_PAGES, "   \n", EINVAL);
PROC_CASE(pages_nul_first, PF_PAGES, "\0%P %S %E", EINVAL);
PROC_CASE(pages_nuls, PF_PAGES, "\0\0\0\0", EINVAL);
PROC_CASE(pages_pid_only, PF_PAGES, "%P", EINVAL);
PROC_CASE(pages_two_numbers, PF_PAGES, "%P %S", EINVAL);
PROC_CASE(pages_bad_mode_word, PF_PAGES, "%P %S %E none", EINVAL);
PROC_CASE(pages_five_words, PF_PAGES, "%P %S %E all all", EINVAL);
PROC_CASE(pages_carriage_returns, PF_PAGES, "%P\r%S\r%E", EINVAL);
PROC_CASE(pages_negative_pid, PF_PAGES, "-1 %S %E", EINVAL);
PROC_CASE(pages_negative_start, PF_PAGES, "%P -4096 %E", EINVAL);
PROC_CASE(pages_pid_overflows, PF_PAGES, "18446744073709551616 %S %E", EINVAL);
PROC_CASE(pages_end_overflows, PF_PAGES, "%P %S 0x10000000000000000", EINVAL);
PROC_CASE(pages_pid_u64_max, PF_PAGES, "18446744073709551615 %S %E", EBADF);
PROC_CASE(pages_pidfd_of_stdin, PF_PAGES, "pidfd:0 %S %E", EBADF);
PROC_CASE(pages_pidfd_junk, PF_PAGES, "pidfd:0x %S %E", EINVAL);
PROC_CASE(pages_pidfd_huge, PF_PAGES, "pidfd:2147483648 %S %E", EINVAL);
PROC_CASE(pages_partial_hex, PF_PAGES, "%P 0x %E", EINVAL);
PROC_CASE(pages_bad_hex_digit, PF_PAGES, "%P %S 0x7g000", EINVAL);
PROC_CASE(pages_bad_octal_digit, PF_PAGES, "%P 08 %E", EINVAL);
PROC_CASE(pages_trailing_junk, PF_PAGES, "%Px %S %E", EINVAL);
PROC_CASE(pages_unaligned, PF_PAGES, "%P 0x1001 0x2000", EINVAL);
PROC_CASE(pages_inverted, PF_PAGES, "%P %E %S", EINVAL);
PROC_CASE(pages_empty_range, PF_PAGES, "%P %S %S", EINVAL);
PROC_CASE(pages_end_task_size_max, PF_PAGES, "%P 0 %T", 0);
PROC_CASE(pages_end_past_user_space, PF_PAGES, "%P 0 0xffff800000000000", EINVAL);
PROC_CASE(pages_pid_0, PF_PAGES, "0 %S %E", EINVAL);
PROC_CASE(pages_pid_max_limit, PF_PAGES, "4194304 %S %E", ESRCH);
PROC_CASE(pages_pid_above_max_limit, PF_PAGES, "4194305 %S %E", EINVAL);
PROC_CASE(pages_kthread, PF_PAGES, "%P %S %E", EINVAL, .pid = PID_KTHREAD);
PROC_CASE(pages_zombie, PF_PAGES, "%P %S %E", ESRCH, .pid = PID_ZOMBIE);
PROC_CASE(pages_reaped, PF_PAGES, "%P %S %E", ESRCH, .pid = PID_REAPED);
PROC_CASE(pages_init, PF_PAGES, "%P 0 %T", 0, .pid = PID_INIT);
PROC_CASE(pages_init_as_nobody, PF_PAGES, "%P 0 %T", EPERM, .pid = PID_INIT,
	  .as_nobody = true);
PROC_CASE(pages_buffer_null, PF_PAGES, "%P %S %E", EFAULT, .from = BUF_NULL);
PROC_CASE(pages_buffer_unmapped, PF_PAGES, "%P %S %E", EFAULT, .from = BUF_HOLE);
PROC_CASE(pages_buffer_kernel, PF_PAGES, "%P %S %E", EFAULT, .from = BUF_KERNEL);

PROC_CASE(maps_valid_pid, PF_MAPS, "%P", 0);
PROC_CASE(maps_valid_range, PF_MAPS, "%P %S %E\n", 0);
PROC_CASE(maps_padded_to_256, PF_MAPS, "%P", 0, .pad = 256);
PROC_CASE(maps_padded_to_257, PF_MAPS, "%P", EINVAL, .pad = 257);
PROC_CASE(maps_empty_write, PF_MAPS, "", EINVAL);
PROC_CASE(maps_newline_only, PF_MAPS, "\n", EINVAL);
PROC_CASE(maps_two_words, PF_MAPS, "%P %S", EINVAL);
PROC_CASE(maps_four_words, PF_MAPS, "%P %S %E x", EINVAL);
PROC_CASE(maps_negative_pid, PF_MAPS, "-5", EINVAL);
PROC_CASE(maps_pid_overflows, PF_MAPS, "99999999999999999999999", EINVAL);
PROC_CASE(maps_partial_token, PF_MAPS, "0x", EINVAL);
PROC_CASE(maps_unaligned, PF_MAPS, "%P 0x1001 0x2000", EINVAL);
PROC_CASE(maps_zero_range, PF_MAPS, "%P 0 0", EINVAL);
PROC_CASE(maps_end_past_user_space, PF_MAPS, "%P 0 0xfffffffffffff000", EINVAL);
PROC_CASE(maps_nul_in_pid, PF_MAPS, "%P\0 1 2 3 4", 0);
PROC_CASE(maps_pid_0, PF_MAPS, "0", EINVAL);
PROC_CASE(maps_kthread, PF_MAPS, "%P", EINVAL, .pid = PID_KTHREAD);
PROC_CASE(maps_zombie, PF_MAPS, "%P", ESRCH, .pid = PID_ZOMBIE);
PROC_CASE(maps_reaped, PF_MAPS, "%P", ESRCH, .pid = PID_REAPED);
PROC_CASE(maps_init_as_nobody, PF_MAPS, "%P", EPERM, .pid = PID_INIT,
	  .as_nobody = true);
PROC_CASE(maps_buffer_null, PF_MAPS, "%P", EFAULT, .from = BUF_NULL);

PROC_CASE(stats_valid, PF_STATS, "%P", 0);
PROC_CASE(stats_valid_threads, PF_STATS, "%P threads\n", 0);
PROC_CASE(stats_nul_before_threads, PF_STATS, "%P\0threads", 0);
PROC_CASE(stats_padded_to_257, PF_STATS, "%P", EINVAL, .pad = 257);
PROC_CASE(stats_empty_write, PF_STATS, "", EINVAL);
PROC_CASE(stats_thread_misspelt, PF_STATS, "%P thread", EINVAL);
PROC_CASE(stats_three_words, PF_STATS, "%P threads threads", EINVAL);
PROC_CASE(stats_word_only, PF_STATS, "threads", EINVAL);
PROC_CASE(stats_negative_pid, PF_STATS, "-1", EINVAL);
PROC_CASE(stats_pid_overflows, PF_STATS, "0x10000000000000000", EINVAL);
PROC_CASE(stats_pid_32bit_minus_1, PF_STATS, "4294967295", EINVAL);
PROC_CASE(stats_pid_0, PF_STATS, "0", EINVAL);
PROC_CASE(stats_pid_max_limit, PF_STATS, "4194304", ESRCH);
PROC_CASE(stats_kthread, PF_STATS, "%P", EINVAL, .pid = PID_KTHREAD);
PROC_CASE(stats_zombie, PF_STATS, "%P threads", ESRCH, .pid = PID_ZOMBIE);
PROC_CASE(stats_reaped, PF_STATS, "%P", ESRCH, .pid = PID_REAPED);
PROC_CASE(stats_init_as_nobody, PF_STATS, "%P", EPERM, .pid = PID_INIT,
	  .as_nobody = true);
PROC_CASE(stats_buffer_unmapped, PF_STATS, "%P", EFAULT, .from = BUF_HOLE);

PROC_CASE(status_reset, PF_STATUS, "reset", 0);
PROC_CASE(status_reset_newline, PF_STATUS, "reset\n", 0);
PROC_CASE(status_reset_spaces, PF_STATUS, " reset ", 0);
PROC_CASE(status_reset_nul_junk, PF_STATUS, "reset\0x", 0);
PROC_CASE(status_reset_8_bytes, PF_STATUS, "reset  \n", EINVAL);
PROC_CASE(status_empty_write, PF_STATUS, "", EINVAL);
PROC_CASE(status_other_word, PF_STATUS, "resetx", EINVAL);
PROC_CASE(status_upper_case, PF_STATUS, "RESET", EINVAL);
PROC_CASE(status_nul, PF_STATUS, "\0", EINVAL);
PROC_CASE(status_overlong, PF_STATUS, "reset", EINVAL, .pad = 300);
PROC_CASE(status_buffer_null, PF_STATUS, "reset", EFAULT, .from = BUF_NULL);
PROC_CASE(status_buffer_kernel, PF_STATUS, "reset", EFAULT, .from = BUF_KERNEL);
PROC_CASE(status_reset_as_nobody, PF_STATUS, "reset", EPERM, .as_nobody = true);

static int write_as_nobody(int fd, const void *buf, size_t len)
{
	pid_t child = fork();
	int status;

	if (!child) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(200);
		_exit(write(fd, buf, len) == (ssize_t)len ? 0 : errno);
	}
	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(proc, write_then_read)
{
	struct fz_ctx *c = &self->c;
	char path[64], line[8192], desc[128], allowed[128];
	__u64 pid = c->self;
	const char *bad;
	unsigned int mask;
	ssize_t n;
	size_t len;
	int fd, err;

	switch (variant->pid) {
	case PID_INIT:
		pid = 1;
		break;
	case PID_KTHREAD:
		if (!c->kthread)
			SKIP(return, "no kernel thread at pid 2");
		pid = c->kthread;
		break;
	case PID_ZOMBIE:
		pid = fz_zombie(c);
		break;
	case PID_REAPED:
		pid = fz_reaped(c);
		break;
	}
	if (variant->as_nobody && !c->admin)
		SKIP(return, "needs root to become nobody");
	len = expand(c, variant->line, variant->len, pid, line, sizeof(line));
	if (variant->pad > len) {
		memset(line + len, ' ', variant->pad - len);
		len = variant->pad;
	}
	snprintf(desc, sizeof(desc), "%s <- \"%.*s\" (%zu bytes)",
		 proc_names[variant->file], len > 60 ? 60 : (int)len, line, len);

	snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s",
		 proc_names[variant->file]);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	if (variant->as_nobody) {
		err = write_as_nobody(fd, proc_buf(c, variant->from, line), len);
		ASSERT_NE(200, err);
	} else {
		n = write(fd, proc_buf(c, variant->from, line), len);
		err = n < 0 ? errno : 0;
		EXPECT_TRUE(n < 0 || (size_t)n == len);
	}
	EXPECT_EQ(variant->expect, err) {
		TH_LOG("%s: %s, expected %s", desc, errname(err),
		       errname(variant->expect));
	}
	if (!variant->as_nobody) {
		mask = proc_model_buf(c, variant->file, variant->from, line, len);
		mask_names(mask, allowed, sizeof(allowed));
		EXPECT_TRUE(mask & M(variant->expect)) {
			TH_LOG("%s: the model allows %s", desc, allowed);
		}
	}
	bad = proc_read_check(fd, variant->file, !err, !err);
	EXPECT_EQ(NULL, bad) {
		TH_LOG("%s: %s", desc, bad);
	}
	close(fd);
}

/* A refused write leaves the query that was there. */
TEST(proc_refused_write_keeps_the_query)
{
	static const char *const garbage[] = { "", "x", "-1", "0 0 0" };
	struct fz_ctx c;
	char q[128];
	const char *bad;
	int file, fd;
	size_t i;

	ASSERT_EQ(0, fz_setup(&c));
	for (file = PF_PAGES; file <= PF_STATS; file++) {
		snprintf(q, sizeof(q), PTSCOPE_PROC_DIR "/%s", proc_names[file]);
		fd = open(q, O_RDWR);
		ASSERT_LE(0, fd);
		snprintf(q, sizeof(q), file == PF_PAGES ? "%d %#lx %#lx" : "%d",
			 c.self, (unsigned long)c.target,
			 (unsigned long)c.target + TARGET_PAGES * PAGE);
		ASSERT_EQ((ssize_t)strlen(q), write(fd, q, strlen(q)));
		for (i = 0; i < ARRAY_SIZE(garbage); i++) {
			EXPECT_EQ(-1, write(fd, garbage[i], strlen(garbage[i])));
			EXPECT_EQ(EINVAL, errno);
			bad = proc_read_check(fd, file, true, true);
			EXPECT_EQ(NULL, bad) {
				TH_LOG("%s after \"%s\": %s", proc_names[file],
				       garbage[i], bad);
			}
		}
		close(fd);
	}
	fz_teardown(_metadata, &c);
}

/* ---------------------------------------------------------------------- */
/* The random phase. */

static __u64 rnd(struct fz_ctx *c)
{
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dULL;
}

static __u64 below(struct fz_ctx *c, __u64 n)
{
	return n ? rnd(c) % n : 0;
}

static bool chance(struct fz_ctx *c, unsigned int percent)
{
	return below(c, 100) < percent;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 0);
	return *end ? def : v;
}

static unsigned long fuzz_iters(void)
{
	/* About 6 s of ioctls and 1 s of writes under QEMU/TCG. */
	return env_ulong("PTSCOPE_FUZZ_ITERS", 100000);
}

static __u64 fuzz_seed(void)
{
	const char *s = getenv("PTSCOPE_FUZZ_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
	       (__u64)getpid() << 32;
}

static void seed_rng(struct fz_ctx *c, __u64 seed)
{
	/* splitmix64, so that nearby seeds give unrelated streams */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	c->rng = (seed ^ (seed >> 31)) ?: 1;
}

enum { C_OUT, C_SIZE, C_FLAGS, C_PID, C_ADDR, C_PTR, C_LEN, C_RECSZ };

/* What word @w of @kind's structure is. */
static int word_class(int kind, unsigned int w)
{
	static const unsigned char pages[] = {
		C_SIZE, C_FLAGS, C_PID, C_ADDR, C_ADDR, C_PTR, C_LEN, C_RECSZ,
		C_LEN
	};
	static const unsigned char stats[] = {
		C_SIZE, C_FLAGS, C_PID, C_PTR, C_LEN, C_RECSZ
	};

	switch (kind) {
	case FZ_VERSION:
		return w == 0 ? C_SIZE : w == 1 ? C_FLAGS : C_OUT;
	case FZ_PAGES:
	case FZ_MAPS:
		/* MAPS: the same first eight words, no max_pages. */
		if (w < (kind == FZ_PAGES ? 9u : 8u))
			return pages[w];
		return C_OUT;
	default:
		return w < sizeof(stats) ? stats[w] : C_OUT;
	}
}

/*
 * Hostile values for each kind of field.  Each pool is built around one
 * random number @r, so that a seed gives the same calls with any compiler.
 */
#define PICK(c, pool)	((pool)[below(c, ARRAY_SIZE(pool))])

static __u64 pick_pid(struct fz_ctx *c)
{
	__u64 self = c->self, r = rnd(c);
	const __u64 pool[] = {
		0, ~0ULL, PID_MAX_LIMIT, PID_MAX_LIMIT + 1, (1ULL << 32) | self,
		c->kthread ?: 2, c->zombie, c->reaped, 1, r % 32768, r,
		self, self, self, self, self, self,
	};

	return PICK(c, pool);
}

static __u64 pick_addr(struct fz_ctx *c)
{
	__u64 t = (uintptr_t)c->target, tsm = c->task_size_max, r = rnd(c);
	__u64 near = t + PAGE * (r % (TARGET_PAGES + 5)) - 2 * PAGE;
	int local;
	const __u64 pool[] = {
		0, PAGE, tsm, tsm - PAGE, tsm + PAGE, 1ULL << 47, KERNEL_ADDR,
		~0xfffULL, ~0ULL, t + 1 + r % (PAGE - 1), r, (r % tsm) & ~0xfffULL,
		(uintptr_t)c->vec, (uintptr_t)&local & ~0xfffULL,
		near, near, near, near, near, near,
	};

	return PICK(c, pool);
}

/* Never our own live memory: the module may write there. */
static __u64 pick_ptr(struct fz_ctx *c, __u64 rec)
{
	__u64 vec = (uintptr_t)c->vec, room = c->vec_guard - c->vec, r = rnd(c);
	const __u64 pool[] = {
		vec + 8 * (r % (room / 8)), vec + r % room,
		(uintptr_t)c->vec_guard - rec * (1 + r % 3),
		0, (uintptr_t)c->hole, (uintptr_t)c->ro, KERNEL_ADDR,
		VSYSCALL_ADDR, ~0ULL, ~0xfffULL, 1ULL << 63, 1ULL << 47,
		c->task_size_max - PAGE * (r & 1) - rec * (r >> 1 & 1), r,
		vec, vec, vec, vec, vec,
	};

	return PICK(c, pool);
}

static __u64 pick_len(struct fz_ctx *c, __u64 cap)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, 1, 2, 3, 7, 64, 1024, 1025, 65536, 65537, 1ULL << 24,
		1ULL << 32, ULONG_MAX / 2, ULONG_MAX / 2 + 1, ~0ULL,
		cap, cap + 1, r, r % (2 * cap + 1),
	};

	return PICK(c, pool);
}

static __u64 pick_recsz(struct fz_ctx *c, __u64 min)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, 8, min - 8, min - 1, min + 1, min + 4, min + 8, PAGE - 8, PAGE,
		PAGE + 8, ~0ULL, r, min + 8 * (r % ((PAGE - min) / 8 + 1)),
		min, min, min,
	};

	return PICK(c, pool);
}

static __u64 pick_size(struct fz_ctx *c, __u64 ksize)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, 1, 7, 8, ksize - 8, ksize - 1, ksize + 1, ksize + 7, ksize + 8,
		PAGE - 1, PAGE, PAGE + 1, (1ULL << 32) | ksize, 1ULL << 63, ~0ULL,
		r, ksize + r % (PAGE - ksize + 1), ksize + r % (PAGE - ksize + 1),
		ksize, ksize, ksize,
	};

	return PICK(c, pool);
}

static __u64 pick_flags(struct fz_ctx *c, __u64 known)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, known, 1ULL << (r % 64), known | 1ULL << (r % 64), r, ~0ULL,
		known & r, known & r,
	};

	return PICK(c, pool);
}

static void mutate_word(struct fz_ctx *c, struct fz_call *k, unsigned int w)
{
	__u64 vec = 0, len = 0, rec = 0;

	call_vec(k, &vec, &len, &rec);
	switch (word_class(k->kind, w)) {
	case C_SIZE:
		k->a.word[w] = pick_size(c, cmds[k->kind].ksize);
		break;
	case C_FLAGS:
		k->a.word[w] = pick_flags(c, cmds[k->kind].flags);
		break;
	case C_PID:
		k->a.word[w] = pick_pid(c);
		break;
	case C_ADDR:
		k->a.word[w] = pick_addr(c);
		break;
	case C_PTR:
		k->a.word[w] = pick_ptr(c, rec < PAGE ? rec : PAGE);
		break;
	case C_LEN:
		k->a.word[w] = pick_len(c, vec_capacity(c, rec && rec < PAGE ? rec : PAGE));
		break;
	case C_RECSZ:
		k->a.word[w] = pick_recsz(c, cmds[k->kind].rec_min);
		break;
	default:
		k->a.word[w] = below(c, 3) ? rnd(c) : below(c, 2) ? 0 : ~0ULL;
		break;
	}
}

/* A garbage command word the VFS leaves to the driver. */
static unsigned long garbage_cmd(struct fz_ctx *c)
{
	unsigned long cmd, size = below(c, 1 << 14);
	unsigned int type;

	switch (below(c, 4)) {
	case 0:		/* the right type and number, a wrong direction */
		return _IOC(below(c, 3), PTSCOPE_IOC_MAGIC, below(c, FZ_NR_CMDS), size);
	case 1:		/* numbers no command has */
		return _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC,
			    FZ_NR_KNOWN + below(c, 256 - FZ_NR_KNOWN), size);
	default:
		cmd = (uint32_t)rnd(c);
		type = _IOC_TYPE(cmd);
		/* Not a type the VFS answers itself (FIFREEZE, FIONBIO, ...). */
		if (type == 0 || type == 0x15 || type == 'T' || type == 'X' ||
		    type == 'f' || type == 0x94 || type == PTSCOPE_IOC_MAGIC)
			cmd ^= (type ^ 0xb8UL) << _IOC_TYPESHIFT;
		return cmd;
	}
}

/* A valid call, then a few of its words replaced by hostile values. */
static void random_call(struct fz_ctx *c, struct fz_call *k)
{
	int kind = below(c, FZ_NR_CMDS);
	size_t ksize = cmds[kind].ksize, words = ksize / 8, i;
	unsigned int m, n;
	__u64 usize, tail_end;

	fz_template(c, kind, k);
	switch (kind) {
	case FZ_PAGES:
		k->a.pages.flags = below(c, 4);
		if (below(c, 5))
			k->a.pages.vec_len = 1ULL << 2 * below(c, 4);	/* 1 to 64 */
		break;
	case FZ_MAPS:
		k->a.maps.vec_len = below(c, 2) ? 2 : k->a.maps.vec_len;
		break;
	case FZ_STATS:
		k->a.stats.flags = below(c, 2);
		break;
	}

	/* Mutations: 0 (15%), 1 (40%), 2 (25%), 3-5 (20%). */
	n = below(c, 100);
	m = n < 15 ? 0 : n < 55 ? 1 : n < 80 ? 2 : 3 + below(c, 3);
	while (m--) {
		/* Mostly the fields the module reads. */
		for (n = 0; n < 8; n++) {
			i = below(c, words);
			if (word_class(kind, i) != C_OUT || chance(c, 15))
				break;
		}
		mutate_word(c, k, i);
	}
	if (chance(c, 2)) {		/* pure garbage */
		for (i = 0; i < words; i++)
			k->a.word[i] = rnd(c);
		if (chance(c, 50))
			k->a.word[0] = ksize;
	}

	/* Unprivileged: aim at someone else's process often (EPERM). */
	if (!c->admin && kind != FZ_VERSION && chance(c, 20))
		k->a.word[2] = 1;

	/* Bytes beyond the structure: zero, or one not. */
	usize = k->a.word[0];
	if (usize > ksize && usize <= PAGE && chance(c, 30))
		k->a.byte[ksize + below(c, usize - ksize)] = 1 + below(c, 255);

	/* Where the argument is. */
	n = below(c, 100);
	if (n < 86) {
		k->where = AT_ARENA;
		if (chance(c, 20)) {
			tail_end = usize <= PAGE ? usize : ksize;
			switch (below(c, 6)) {
			case 0:
				k->avail = 1 + below(c, 8);
				break;
			case 1:
				k->avail = ksize - 1 - below(c, 8);
				break;
			case 2:
				k->avail = tail_end > 1 ? tail_end - 1 : 1;
				break;
			case 3:
				/* a nonzero byte just past what the caller says */
				k->avail = tail_end + 8 + below(c, 64);
				if (tail_end >= ksize && tail_end < sizeof(k->a))
					k->a.byte[tail_end + below(c, 8)] = 0xff;
				break;
			default:
				k->avail = 1 + below(c, ARENA_BYTES);
				break;
			}
		}
	} else if (n < 89) {
		k->where = AT_RDONLY;
	} else {
		k->where = AT_NULL + below(c, AT_NR - AT_NULL);
	}

	/* The command word. */
	n = below(c, 100);
	if (n >= 96)
		k->cmd = garbage_cmd(c);
	else if (n >= 90)
		k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC, kind,
			      below(c, 1 << 14));
}

/* What a random phase saw. */
struct tally {
	unsigned long n[O_NR];
	unsigned long calls, failures;
	double secs;
};

typedef void (*loop_fn)(struct __test_metadata *_metadata, struct fz_ctx *c,
			unsigned long from, unsigned long to, struct tally *t);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Calls [0, iters): nine tenths as root, the last tenth in a child that
 * is user nobody (EPERM from others' processes and from status), with the
 * same stream of random numbers.
 */
static void run_phase(struct __test_metadata *_metadata, struct fz_ctx *c,
		      unsigned long iters, loop_fn loop, struct tally *t)
{
	unsigned long split = c->admin ? iters - iters / 10 : iters;
	struct tally *shared;
	double t0 = now();
	pid_t child;
	int status, o;

	memset(t, 0, sizeof(*t));
	loop(_metadata, c, 0, split, t);
	if (split < iters) {
		shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, shared);
		memset(shared, 0, sizeof(*shared));
		fflush(stdout);
		fflush(stderr);
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			if (setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534))
				_exit(1);
			c->self = getpid();
			c->self_ok = own_pagemap_opens();
			c->admin = false;
			loop(_metadata, c, split, iters, shared);
			_exit(0);
		}
		ASSERT_EQ(child, waitpid(child, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
			TH_LOG("the unprivileged part ended with status %#x",
			       status);
		}
		for (o = 0; o < O_NR; o++)
			t->n[o] += shared->n[o];
		t->calls += shared->calls;
		t->failures += shared->failures;
		munmap(shared, sizeof(*shared));
	}
	t->secs = now() - t0;
}

static void print_tally(const char *what, const struct tally *t)
{
	char line[512];
	size_t used = 0;
	int o;

	for (o = 0; o < O_NR; o++)
		if (t->n[o] || o < O_ENOMEM)
			used += snprintf(line + used, sizeof(line) - used,
					 " %s=%lu", outcome_names[o], t->n[o]);
	ksft_print_msg("%s: %lu calls in %.1f s:%s\n", what, t->calls, t->secs,
		       line);
	fflush(stdout);		/* the test ends in _exit() */
}

/* One seed for the whole program, so one number replays both phases. */
static __u64 program_seed;

static void __attribute__((constructor)) pick_program_seed(void)
{
	program_seed = fuzz_seed();
}

FIXTURE(random) {
	struct fz_ctx c;
	unsigned long iters;
};

FIXTURE_SETUP(random)
{
	ASSERT_EQ(0, fz_setup(&self->c));
	self->iters = fuzz_iters();
	seed_rng(&self->c, program_seed);
	/* A zombie and a reaped pid to aim at. */
	fz_zombie(&self->c);
	fz_reaped(&self->c);
	ksft_print_msg("%s: PTSCOPE_FUZZ_SEED=%llu PTSCOPE_FUZZ_ITERS=%lu replays it\n",
		       _metadata->name, program_seed, self->iters);
	fflush(stdout);
}

FIXTURE_TEARDOWN(random)
{
	fz_teardown(_metadata, &self->c);
}

#define MAX_REPORTS	10

static void ioctl_loop(struct __test_metadata *_metadata, struct fz_ctx *c,
		       unsigned long from, unsigned long to, struct tally *t)
{
	static struct fz_call k;
	char desc[512], allowed[128];
	unsigned int mask;
	const char *bad;
	unsigned long i;

	for (i = from; i < to; i++) {
		random_call(c, &k);
		fz_call(c, &k);
		t->n[outcome(k.err)]++;
		t->calls++;

		mask = model(c, &k) | M_TRANSIENT;
		bad = NULL;
		if (!(mask & M(k.err))) {
			mask_names(mask, allowed, sizeof(allowed));
			bad = WHY("got %s (ret %ld), the checks allow %s",
				  errname(k.err), k.ret, allowed);
		} else if (!k.err && cmd_kind(k.cmd) == k.kind) {
			bad = check_answer(c, &k);
		}
		if (bad && ++t->failures <= MAX_REPORTS) {
			describe(&k, desc, sizeof(desc));
			TH_LOG("call %lu%s: %s: %s", i,
			       c->admin ? "" : " (as nobody)", desc, bad);
		}
	}
}

TEST_F_TIMEOUT(random, ioctls, TIMEOUT_RANDOM)
{
	struct tally t;

	run_phase(_metadata, &self->c, self->iters, ioctl_loop, &t);
	print_tally("random ioctls", &t);
	EXPECT_EQ(0, t.n[O_OTHER]);
	EXPECT_EQ(0, t.failures) {
		TH_LOG("seed %llu: %lu of %lu calls wrong", program_seed,
		       t.failures, t.calls);
	}
}

/* Tokens of hostile query lines; %P %S %E %T as for the proc cases. */
static const char *const tokens[] = {
	"%P", "%P", "%P", "%S", "%E", "%T", "1", "2", "0", "-1", "+%P", "0x",
	"0x1g", "08", "010", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999", "0xffffffffffffffff", "0x10000000000000000",
	"0xffff800000000000", "4194304", "4194305", "4096", "0x1001", "all",
	"threads", "ALL", "reset", "", "-", "+", " ", "%P%P", "0X1000",
};

static const char *const seps[] = {
	" ", " ", " ", "\t", "\n", "  ", "\r", "\v", ",", "\0"
};

/* A valid query: the target, or a random range, of a random pid. */
static size_t valid_line(struct fz_ctx *c, int file, __u64 pid, char *out,
			 size_t room)
{
	__u64 start = (uintptr_t)c->target, end = start + TARGET_PAGES * PAGE;

	if (chance(c, 30)) {
		start = pick_addr(c);
		end = pick_addr(c);
	}
	switch (file) {
	case PF_PAGES:
		return snprintf(out, room, "%llu %#llx %#llx%s", pid, start, end,
				below(c, 2) ? " all" : "");
	case PF_MAPS:
		if (below(c, 2))
			return snprintf(out, room, "%llu", pid);
		return snprintf(out, room, "%llu %#llx %#llx", pid, start, end);
	case PF_STATS:
		return snprintf(out, room, "%llu%s", pid,
				below(c, 2) ? " threads" : "");
	default:
		return snprintf(out, room, "reset");
	}
}

/* A line of random bytes, tokens, a (damaged) valid query or an overlong one. */
static size_t random_line(struct fz_ctx *c, int file, __u64 pid, char *out,
			  size_t room)
{
	static const size_t lengths[] = { 255, 256, 257, 300, 4096 };
	char tmpl[512];
	size_t len = 0, i, n;

	switch (below(c, 6)) {
	case 0:		/* random bytes, often printable */
		n = below(c, 300);
		for (i = 0; i < n; i++)
			out[i] = below(c, 2) ? (char)(' ' + below(c, 95)) : (char)rnd(c);
		return n;
	case 1:
	case 2:		/* a soup of tokens */
		n = below(c, 6);
		for (i = 0; i < n && len + 64 < sizeof(tmpl); i++) {
			const char *t = tokens[below(c, ARRAY_SIZE(tokens))];
			const char *s = seps[below(c, ARRAY_SIZE(seps))];

			len += sprintf(tmpl + len, "%s", t);
			tmpl[len++] = s[0];	/* "\0" gives a NUL */
			if (s[0] && s[1])
				tmpl[len++] = s[1];
		}
		if (chance(c, 50) && len)
			len--;
		return expand(c, tmpl, len, pid, out, room);
	case 3:		/* a valid query */
		return valid_line(c, file, pid, out, room);
	case 4:		/* a valid query, damaged */
		len = valid_line(c, file, pid, out, room);
		switch (below(c, 3)) {
		case 0:		/* cut */
			return below(c, len + 1);
		case 1:		/* a byte replaced */
			if (len)
				out[below(c, len)] = rnd(c);
			return len;
		default:	/* a byte inserted */
			i = below(c, len + 1);
			memmove(out + i + 1, out + i, len - i);
			out[i] = below(c, 2) ? (char)rnd(c) : "0x9 -\n\t\0"[below(c, 7)];
			return len + 1;
		}
	default:	/* a valid query padded to the limit, or past it */
		len = valid_line(c, file, pid, out, room);
		n = PICK(c, lengths);
		if (n > room)
			n = room;
		if (n < len)
			n = len;
		memset(out + len, below(c, 2) ? ' ' : '0', n - len);
		return n;
	}
}

static int open_proc(int file)
{
	char path[64];

	snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", proc_names[file]);
	return open(path, O_RDWR);
}

/*
 * The files are opened by root before the loop and closed after the whole
 * phase (proc_close_all()), so that the unprivileged part writes to them too
 * (status is root's alone to open for writing).
 */
static void proc_loop(struct __test_metadata *_metadata, struct fz_ctx *c,
		      unsigned long from, unsigned long to, struct tally *t)
{
	/* Not on the stack: a count far past it must stay in user space. */
	static char line[8192];
	bool *have_query = c->have_query;
	int *fds = c->proc_fd, file, buf, err;
	unsigned int mask;
	char allowed[128];
	const char *bad;
	unsigned long i;
	ssize_t n;
	size_t len;
	__u64 pid;

	for (i = from; i < to; i++) {
		/* status: seldom, it only knows "reset" */
		file = below(c, 20) ? below(c, PF_STATUS) : PF_STATUS;
		pid = below(c, 4) ? (__u64)c->self : pick_pid(c);
		if (!c->admin && chance(c, 20))
			pid = 1;	/* not ours: EPERM */
		len = random_line(c, file, pid, line, sizeof(line));
		if (chance(c, 2))	/* a count far past the bytes there */
			len = PROC_QUERY_MAX + 1 + below(c, 1 << 20);
		buf = chance(c, 3) ? 1 + below(c, 3) : BUF_OK;
		/* A fresh open now and then (status: only root may). */
		if (chance(c, 2) && (file != PF_STATUS || c->admin)) {
			close(fds[file]);
			fds[file] = open_proc(file);
			have_query[file] = false;
			if (fds[file] < 0) {
				t->failures++;
				TH_LOG("open %s: %s", proc_names[file],
				       errname(errno));
				return;
			}
		}

		n = write(fds[file], proc_buf(c, buf, line), len);
		err = n < 0 ? errno : 0;
		t->n[outcome(err)]++;
		t->calls++;
		mask = proc_model_buf(c, file, buf, line, len) | M_TRANSIENT;
		bad = NULL;
		if (!(mask & M(err))) {
			mask_names(mask, allowed, sizeof(allowed));
			bad = WHY("got %s, the parser allows %s", errname(err),
				  allowed);
		} else if (!err && (size_t)n != len) {
			bad = WHY("wrote %zd of %zu bytes", n, len);
		}
		if (!err && file != PF_STATUS)
			have_query[file] = true;

		/* Read it back, now and then from further on. */
		if (!bad && chance(c, 50)) {
			bad = proc_read_check(fds[file], file, have_query[file],
					      false);
			if (!bad && chance(c, 20) &&
			    lseek(fds[file], below(c, 1 << 16), SEEK_SET) >= 0 &&
			    read(fds[file], line, below(c, 4096) + 1) < 0 &&
			    !(M(errno) & (M(ESRCH) | M(EPERM) | M(EINVAL) |
					  M_TRANSIENT)))
				bad = WHY("read further on: %s", errname(errno));
		}
		if (bad && ++t->failures <= MAX_REPORTS) {
			TH_LOG("write %lu%s to %s, %zu bytes%s \"%.*s\": %s", i,
			       c->admin ? "" : " (as nobody)", proc_names[file],
			       len, buf ? " from a bad buffer" : "",
			       len > 80 ? 80 : (int)len, buf ? "" : line, bad);
		}
	}
}

TEST_F_TIMEOUT(random, proc_writes, TIMEOUT_RANDOM)
{
	struct fz_ctx *c = &self->c;
	struct tally t;
	int file;

	for (file = 0; file < PF_NR; file++) {
		c->proc_fd[file] = open_proc(file);
		ASSERT_LE(0, c->proc_fd[file]);
	}
	run_phase(_metadata, c, self->iters / 10, proc_loop, &t);
	for (file = 0; file < PF_NR; file++)
		close(c->proc_fd[file]);
	print_tally("random /proc writes", &t);
	EXPECT_EQ(0, t.n[O_OTHER]);
	EXPECT_EQ(0, t.failures) {
		TH_LOG("seed %llu: %lu of %lu writes wrong", program_seed,
		       t.failures, t.calls);
	}
}

/* Last: with every file of every test closed, the module holds nothing. */
FIXTURE(leaks) {
	int unused;
};

FIXTURE_SETUP(leaks)
{
}

FIXTURE_TEARDOWN(leaks)
{
}

TEST_F(leaks, none_after_all_files_are_closed)
{
	long n = ptscope_live_allocations();

	ASSERT_LE(0, n) {
		TH_LOG("no \"allocations\" line in %s/status", PTSCOPE_PROC_DIR);
	}
	EXPECT_EQ(0, n);
}

TEST_HARNESS_MAIN
