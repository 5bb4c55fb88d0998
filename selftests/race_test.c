// SPDX-License-Identifier: GPL-2.0
/*
 * Races: dozens of queriers (threads of this process and separate
 * processes, through the ioctls and the /proc files) against targets that
 * change their address spaces as fast as they can: mmap, munmap, mremap,
 * mprotect (PROT_NONE too), faults, fork, MADV_DONTNEED/PAGEOUT/HUGEPAGE/
 * NOHUGEPAGE/COLLAPSE, page migration between NUMA nodes, and short-lived
 * processes that exec and exit under the queriers' feet.
 *
 * Every query on the long-lived target must succeed until it exits; a query
 * on a short-lived one may also find it gone (-ESRCH) or its pid recycled by
 * a kernel thread (-EINVAL).  Afterwards the module must hold no allocation
 * (/proc/ptscope/status), and the kernel log must be clean (vm-run checks it
 * for oopses, WARNs, lockdep reports, RCU stalls and hung tasks).
 *
 * PTSCOPE_RACE_SECONDS sets the duration (default 12; at most about 550).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "oracle.h"
#include "ptscope_test.h"

/* PTSCOPE_RACE_SECONDS may ask for minutes (a stress run by hand). */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define SZ_2M		(2UL << 20)
#define USER_END	0x7ffffffff000ULL
#define NR_SLOTS	16
#define QUERY_THREADS	24
#define QUERY_PROCS	8

enum query_kind {
	QUERY_REGIONS,		/* PAGES with regions over everything */
	QUERY_PER_PAGE,		/* PAGES, one record a page */
	QUERY_MAPS,		/* MAPS two VMAs a call, then STATS */
	QUERY_PROC,		/* /proc/ptscope/maps and pages */
	QUERY_SHORT_LIVED,	/* any of the above on a process that execs/exits */
	NR_QUERY_KINDS
};

struct race_shared {
	atomic_int stop;
	double end;			/* when the targets exit */
	atomic_int short_lived;		/* pid of the latest short-lived process */
	atomic_long queries[NR_QUERY_KINDS];
	atomic_long gone;		/* -ESRCH/-EINVAL on short-lived targets */
	atomic_long errors;
	atomic_long last_error;
	atomic_int last_error_kind;
};

static struct race_shared *shared;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int race_seconds(void)
{
	const char *s = getenv("PTSCOPE_RACE_SECONDS");

	return s && atoi(s) > 0 ? atoi(s) : 12;
}

static void die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Move a few pages of [p, p + len) to the other NUMA node, if there is one. */
static void migrate_some(char *p, size_t len, unsigned int *seed)
{
	void *pages[16];
	int nodes[16], status[16];
	unsigned int i, node = rand_r(seed) % 2;

	for (i = 0; i < 16; i++) {
		pages[i] = p + (rand_r(seed) % (len / PAGE)) * PAGE;
		nodes[i] = node;
	}
	syscall(SYS_move_pages, 0, 16, pages, nodes, status, 0);
}

static void churn(unsigned int seed, double end)
{
	char *maps[NR_SLOTS] = { 0 };
	size_t lens[NR_SLOTS] = { 0 };

	die_with_parent();
	while (now() < end) {
		unsigned int i = rand_r(&seed) % NR_SLOTS, op = rand_r(&seed) % 12;
		size_t len = (1 + rand_r(&seed) % 4) * SZ_2M;
		char *p = maps[i], *q;

		if (!p) {
			p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				continue;
			maps[i] = p;
			lens[i] = len + SZ_2M;
			continue;
		}
		len = lens[i];
		switch (op) {
		case 0:
			munmap(p, len);
			maps[i] = NULL;
			break;
		case 1:
			madvise(p, len, MADV_HUGEPAGE);
			memset(p, 1, len);
			break;
		case 2:
			madvise(p + PAGE * 3, len / 2, MADV_DONTNEED);	/* split THPs */
			break;
		case 3:
			/* PROT_NONE THPs keep their PMDs, frames inverted. */
			mprotect(p, len / 2, rand_r(&seed) % 2 ? PROT_READ : PROT_NONE);
			mprotect(p, len / 2, PROT_READ | PROT_WRITE);
			break;
		case 4:
			madvise(p, len, MADV_PAGEOUT);
			break;
		case 5:
			if (!fork()) {
				p[0] = 2;	/* COW in the child */
				_exit(0);
			}
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		case 6:
			if (len > 16 * SZ_2M)
				break;
			q = mremap(p, len, len + SZ_2M, MREMAP_MAYMOVE);
			if (q != MAP_FAILED) {
				maps[i] = q;
				lens[i] = len + SZ_2M;
				q[len] = 3;
			}
			break;
		case 7:
			madvise(p, len, MADV_COLLAPSE);
			break;
		case 8:
			no_huge_pages(p, len);
			break;
		case 9:
			migrate_some(p, len, &seed);
			break;
		default:
			for (size_t o = 0; o < len; o += 7 * PAGE)
				p[o]++;
			break;
		}
	}
	_exit(0);
}

/* Processes that touch some memory, then exec or exit, one after another. */
static void short_lived_spawner(double end)
{
	die_with_parent();
	while (now() < end) {
		pid_t child = fork();

		if (!child) {
			size_t len = 4 * SZ_2M;
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			atomic_store(&shared->short_lived, getpid());
			if (p != MAP_FAILED)
				memset(p, 1, len);
			if (getpid() % 2)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
	}
	_exit(0);
}

static long pages_walk(int fd, pid_t pid, bool per_page)
{
	struct ptscope_page_region vec[256];
	struct ptscope_pages a;
	uint64_t cur;
	long ret;

	for (cur = 0x10000; cur < USER_END; cur = a.walk_end) {
		pages_args(&a, pid, cur, USER_END,
			   per_page ? 0 : PTSCOPE_PAGES_REGIONS, vec,
			   per_page ? 256 : 7);
		ret = ptscope_pages_call(fd, &a);
		if (ret < 0)
			return ret;
		if (a.nr_records > a.vec_len || a.walk_end <= cur ||
		    a.walk_end > USER_END)
			return -EPROTO;
	}
	return 0;
}

/* One MAPS walk of the whole target in small calls, then a STATS call. */
static long maps_and_stats(int fd, pid_t pid)
{
	struct ptscope_thread th[4];
	struct ptscope_stats st;
	struct ptscope_vma vec[2];
	struct ptscope_maps a;
	uint64_t cur;
	long ret;

	for (cur = 0; cur < USER_END; cur = a.walk_end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = pid;
		a.start = cur;
		a.end = USER_END;
		a.vec = (uintptr_t)vec;
		a.vec_len = 2;
		a.rec_size = sizeof(vec[0]);
		ret = ptscope_ioctl(fd, PTSCOPE_IOC_MAPS, &a);
		if (ret < 0)
			return ret;
		if (a.nr_records > 2 || a.walk_end <= cur)
			return -EPROTO;
	}
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = PTSCOPE_STATS_THREADS;
	st.pid = pid;
	st.threads = (uintptr_t)th;
	st.threads_len = 4;
	st.thread_size = sizeof(th[0]);
	ret = ptscope_ioctl(fd, PTSCOPE_IOC_STATS, &st);
	return ret < 0 ? ret : 0;
}

/* Write a query to a /proc/ptscope file and read the answer to the end. */
static long proc_query(const char *file, const char *query)
{
	char buf[4096];
	ssize_t n;
	long ret = 0;
	int fd = open(file, O_RDWR);

	if (fd < 0)
		return -errno;
	if (write(fd, query, strlen(query)) < 0) {
		ret = -errno;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		ret = -errno;
out:
	close(fd);
	return ret;
}

static long proc_walk(pid_t pid)
{
	char q[64];
	long ret;

	snprintf(q, sizeof(q), "%d\n", pid);
	ret = proc_query("/proc/ptscope/maps", q);
	if (ret)
		return ret;
	snprintf(q, sizeof(q), "%d 0x10000 0x%llx\n", pid, USER_END);
	return proc_query("/proc/ptscope/pages", q);
}

static long query_once(int fd, enum query_kind kind, pid_t pid)
{
	switch (kind) {
	case QUERY_REGIONS:
		return pages_walk(fd, pid, false);
	case QUERY_PER_PAGE:
		return pages_walk(fd, pid, true);
	case QUERY_MAPS:
		return maps_and_stats(fd, pid);
	case QUERY_PROC:
		return proc_walk(pid);
	default:
		return -EINVAL;
	}
}

static void query_loop(pid_t target, enum query_kind kind, unsigned int seed)
{
	int fd = ptscope_open_dev();

	while (!atomic_load(&shared->stop)) {
		long ret;

		if (kind == QUERY_SHORT_LIVED) {
			pid_t pid = atomic_load(&shared->short_lived);

			if (!pid)
				continue;
			ret = query_once(fd, rand_r(&seed) % QUERY_SHORT_LIVED, pid);
			if (ret == -ESRCH || ret == -EINVAL) {
				atomic_fetch_add(&shared->gone, 1);
				ret = 0;
			}
		} else {
			ret = query_once(fd, kind, target);
			/* The target exits at the end of the run. */
			if (ret == -ESRCH && now() >= shared->end)
				break;
		}
		atomic_fetch_add(&shared->queries[kind], 1);
		if (ret) {
			atomic_fetch_add(&shared->errors, 1);
			atomic_store(&shared->last_error, ret);
			atomic_store(&shared->last_error_kind, kind);
		}
	}
	close(fd);
}

struct query_thread {
	pthread_t thread;
	pid_t target;
	enum query_kind kind;
};

static void *query_thread_fn(void *arg)
{
	struct query_thread *t = arg;

	query_loop(t->target, t->kind, (unsigned int)(uintptr_t)arg);
	return NULL;
}

TEST(dozens_of_queriers_race_with_changing_targets)
{
	struct query_thread threads[QUERY_THREADS];
	pid_t target, spawner, procs[QUERY_PROCS];
	int seconds = race_seconds(), i, status;
	double end;
	long total = 0;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	/* Without swap, MADV_PAGEOUT only drops clean pages: fine too. */
	ensure_swap();
	end = now() + seconds;
	shared->end = end;

	target = fork();
	ASSERT_LE(0, target);
	if (!target)
		churn(getpid(), end);
	spawner = fork();
	ASSERT_LE(0, spawner);
	if (!spawner)
		short_lived_spawner(end);

	for (i = 0; i < QUERY_PROCS; i++) {
		procs[i] = fork();
		ASSERT_LE(0, procs[i]);
		if (!procs[i]) {
			die_with_parent();
			query_loop(target, i % NR_QUERY_KINDS, i);
			_exit(0);
		}
	}
	for (i = 0; i < QUERY_THREADS; i++) {
		threads[i].target = target;
		threads[i].kind = i % NR_QUERY_KINDS;
		ASSERT_EQ(0, pthread_create(&threads[i].thread, NULL,
					    query_thread_fn, &threads[i]));
	}

	ASSERT_EQ(target, waitpid(target, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	atomic_store(&shared->stop, 1);
	ASSERT_EQ(spawner, waitpid(spawner, &status, 0));
	for (i = 0; i < QUERY_PROCS; i++) {
		ASSERT_EQ(procs[i], waitpid(procs[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	for (i = 0; i < QUERY_THREADS; i++)
		pthread_join(threads[i].thread, NULL);

	EXPECT_EQ(0, atomic_load(&shared->errors)) {
		TH_LOG("last error %ld from query kind %d",
		       atomic_load(&shared->last_error),
		       atomic_load(&shared->last_error_kind));
	}
	for (i = 0; i < NR_QUERY_KINDS; i++) {
		EXPECT_LT(0, atomic_load(&shared->queries[i])) {
			TH_LOG("no query of kind %d completed", i);
		}
		total += atomic_load(&shared->queries[i]);
	}
	EXPECT_EQ(0, ptscope_live_allocations());
	TH_LOG("%d queriers, %ld whole-address-space queries in %d s "
	       "(regions %ld, per page %ld, maps+stats %ld, /proc %ld, "
	       "short-lived %ld of which %ld found it gone)",
	       QUERY_THREADS + QUERY_PROCS, total, seconds,
	       atomic_load(&shared->queries[QUERY_REGIONS]),
	       atomic_load(&shared->queries[QUERY_PER_PAGE]),
	       atomic_load(&shared->queries[QUERY_MAPS]),
	       atomic_load(&shared->queries[QUERY_PROC]),
	       atomic_load(&shared->queries[QUERY_SHORT_LIVED]),
	       atomic_load(&shared->gone));
	munmap(shared, sizeof(*shared));
}

TEST_HARNESS_MAIN
