/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz programs share: the commands, the memory and processes to
 * aim at, and one call, built, made and recorded.  The programs:
 *
 *  fuzz_ioctl_test    each boundary case of every ioctl's argument checks
 *  fuzz_proc_test     each boundary case of the /proc/ptscope parsers
 *  fuzz_random_test   PTSCOPE_FUZZ_ITERS random calls and writes
 *
 * What they prove together:
 *
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
 *
 * fuzz_model.h holds the model of the checks and the checks of an answer,
 * fuzz_proc.h the mirror of the /proc parsers, fuzz_random.h the random
 * phases' machinery.
 */
#ifndef PTSCOPE_FUZZ_H
#define PTSCOPE_FUZZ_H

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
#include "kernel_features.h"
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

static const __attribute__((unused)) char *const outcome_names[O_NR] = {
	"ok", "EINVAL", "E2BIG", "EFAULT", "ENOTTY", "ESRCH", "EPERM",
	"EBADF", "ENOMEM", "EINTR", "other"
};

static inline int outcome(int err)
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

static const __attribute__((unused)) char *errname(int err)
{
	static char buf[16];

	if (outcome(err) != O_OTHER)
		return outcome_names[outcome(err)];
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static inline void mask_names(unsigned int mask, char *buf, size_t len)
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

enum { FZ_VERSION, FZ_PAGES, FZ_MAPS, FZ_STATS, FZ_TLB, FZ_NR_CMDS };

/*
 * The commands of the random phases: not TLB, whose watches outlive the
 * call and are limited per user; and so a seed replays the calls it made
 * before TLB was in the table.
 */
#define FZ_NR_RANDOM	FZ_TLB

static const __attribute__((unused)) struct {
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
	[FZ_TLB] = { "TLB", PTSCOPE_IOC_TLB, PTSCOPE_TLB_SIZE_VER0,
		     PTSCOPE_TLB_SIZE_VER0, 0, PTSCOPE_TLB_FLAGS_ALL },
};

/* Numbers below this are commands of the module (cmds[] by number). */
#define FZ_NR_KNOWN	(_IOC_NR(PTSCOPE_IOC_TLB) + 1)

/* The command a word means to the module (type, number, read|write), or -1. */
static inline int cmd_kind(unsigned long cmd)
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
	AT_LOW,		/* 8: below mmap_min_addr (the boundary cases only) */
	AT_NR
};

static const __attribute__((unused)) char *const where_names[AT_NR] = {
	"arena", "read-only", "NULL", "unmapped", "kernel", "kernel top",
	"non-canonical", "low"
};

union fz_args {
	struct ptscope_version version;
	struct ptscope_pages pages;
	struct ptscope_maps maps;
	struct ptscope_stats stats;
	struct ptscope_tlb tlb;
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
static inline bool own_pagemap_opens(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static inline void *map_pages(size_t n, int prot)
{
	void *p = mmap(NULL, n * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* TASK_SIZE_MAX: 47 bits of user space, or 56 with 5-level paging. */
static inline __u64 probe_task_size_max(void)
{
	void *p = mmap((void *)(1UL << 47), PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return (1ULL << 47) - PAGE;
	munmap(p, PAGE);
	return (1ULL << 56) - PAGE;
}

/* kthreadd is pid 2 everywhere; 0 if it is not a kernel thread here. */
static inline pid_t find_kthread(void)
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

static inline bool read_root_only(void)
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

static inline int fz_setup(struct fz_ctx *c)
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

	no_huge_pages(c->target, TARGET_PAGES * PAGE);
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
static inline pid_t fz_zombie(struct fz_ctx *c)
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
static inline pid_t fz_reaped(struct fz_ctx *c)
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

static inline void fz_teardown(struct __test_metadata *_metadata, struct fz_ctx *c)
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

static inline __u64 vec_capacity(const struct fz_ctx *c, size_t rec)
{
	return (c->vec_guard - c->vec) / rec;
}

/* A valid call of @kind about our own target pages. */
static inline void fz_template(struct fz_ctx *c, int kind, struct fz_call *k)
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
	case FZ_TLB:
		k->a.tlb.pid = c->self;
		break;
	}
}

/* The array a call may write: pointer, records and record size. */
static inline bool call_vec(const struct fz_call *k, __u64 *vec, __u64 *len,
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
static inline size_t default_avail(const struct fz_call *k)
{
	__u64 usize = k->a.word[0];
	size_t ksize = cmds[k->kind].ksize;

	return usize >= cmds[k->kind].kmin && usize <= PAGE ? usize : ksize;
}

/*
 * Fill the array with a canary, from its start to past what the call may
 * write, to see afterwards that nothing beyond the records was touched.
 */
static inline void fill_canary(struct fz_ctx *c, struct fz_call *k)
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

static inline void fz_call(struct fz_ctx *c, struct fz_call *k)
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
	case AT_LOW:
		k->uarg = (void *)8;
		break;
	default:
		k->uarg = (void *)(1ULL << 63);
		break;
	}
	fill_canary(c, k);

	k->ret = ptscope_ioctl(c->fd, k->cmd, k->uarg);
	k->err = k->ret < 0 ? -k->ret : 0;
	if (k->ret < 0)
		k->ret = -1;	/* as ioctl() returned it */

	if (k->where == AT_ARENA || k->where == AT_RDONLY)
		memcpy(k->out.byte, k->uarg,
		       k->avail < sizeof(k->out) ? k->avail : sizeof(k->out));
}

/*
 * Last in each program: with every file of every test closed, the module
 * holds nothing (no error path leaks).
 */
#define FUZZ_LEAKS_TEST()						\
FIXTURE(leaks) {							\
	int unused;							\
};									\
FIXTURE_SETUP(leaks)							\
{									\
}									\
FIXTURE_TEARDOWN(leaks)							\
{									\
}									\
TEST_F(leaks, none_after_all_files_are_closed)				\
{									\
	long n = ptscope_live_allocations();				\
									\
	ASSERT_LE(0, n) {						\
		TH_LOG("no \"allocations\" line in %s/status",		\
		       PTSCOPE_PROC_DIR);					\
	}								\
	EXPECT_EQ(0, n);						\
}

#endif /* PTSCOPE_FUZZ_H */
