// SPDX-License-Identifier: GPL-2.0
/*
 * Queries race with a target that changes its address space as fast as it
 * can: mmap/munmap, mprotect, faults, fork, THP collapse and split, page-out
 * and DONTNEED (which frees page tables on 7.2), then exits.  A fourth
 * querier walks it with MAPS and reads its STATS.  Every query
 * must end in success or -ESRCH once the target is gone; the kernel log
 * must stay clean (vm-run checks it for oopses, WARNs and lockdep reports).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "oracle.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define SZ_2M (2UL << 20)
#define STRESS_SECONDS 8

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void churn(unsigned int seed)
{
	double end = now() + STRESS_SECONDS;
	char *maps[16] = { 0 };
	size_t lens[16] = { 0 };

	while (now() < end) {
		unsigned int i = rand_r(&seed) % 16, op = rand_r(&seed) % 8;
		size_t len = (1 + rand_r(&seed) % 4) * SZ_2M;
		char *p = maps[i];

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
			mprotect(p, len / 2, PROT_READ);
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
		default:
			for (size_t o = 0; o < len; o += 7 * PAGE)
				p[o]++;
			break;
		}
	}
	_exit(0);
}

struct querier {
	pid_t target;
	int per_page;
	bool maps;	/* MAPS (2 VMAs per call) and STATS instead of PAGES */
	long queries, errors, last_error;
};

/* One MAPS walk of the whole target in small calls, then a STATS call. */
static long maps_and_stats(int fd, struct querier *q)
{
	struct ptscope_thread th[4];
	struct ptscope_stats st;
	struct ptscope_vma vec[2];
	struct ptscope_maps a;
	uint64_t cur;
	long ret;

	for (cur = 0; cur < 0x7ffffffff000ULL; cur = a.walk_end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = q->target;
		a.start = cur;
		a.end = 0x7ffffffff000ULL;
		a.vec = (uintptr_t)vec;
		a.vec_len = 2;
		a.rec_size = sizeof(vec[0]);
		ret = ioctl(fd, PTSCOPE_IOC_MAPS, &a);
		q->queries++;
		if (ret < 0)
			return -errno;
	}
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = PTSCOPE_STATS_THREADS;
	st.pid = q->target;
	st.threads = (uintptr_t)th;
	st.threads_len = 4;
	st.thread_size = sizeof(th[0]);
	q->queries++;
	return ioctl(fd, PTSCOPE_IOC_STATS, &st) < 0 ? -errno : 0;
}

static void *query_loop(void *arg)
{
	struct querier *q = arg;
	struct ptscope_page_region vec[256];
	struct ptscope_pages a;
	int fd = ptscope_open_dev();
	uint64_t cur;
	long ret;

	for (;;) {
		if (q->maps) {
			ret = maps_and_stats(fd, q);
			if (ret == -ESRCH)
				goto out;
			if (ret < 0) {
				q->errors++;
				q->last_error = ret;
				goto out;
			}
			continue;
		}
		for (cur = 0x10000; cur < 0x7ffffffff000ULL;) {
			pages_args(&a, q->target, cur, 0x7ffffffff000ULL,
				   q->per_page ? 0 : PTSCOPE_PAGES_REGIONS, vec,
				   q->per_page ? 256 : 7);
			ret = ptscope_pages_call(fd, &a);
			q->queries++;
			if (ret == -ESRCH)
				goto out;
			if (ret < 0) {
				q->errors++;
				q->last_error = ret;
				goto out;
			}
			cur = a.walk_end;
		}
	}
out:
	close(fd);
	return NULL;
}

TEST(queries_race_with_a_changing_target)
{
	struct querier q[4] = { 0 };
	pthread_t th[4];
	pid_t target;
	int i, status;

	system("modprobe zram 2>/dev/null; [ -e /sys/block/zram0 ] && ! grep -q zram0 /proc/swaps && "
	       "echo 128M > /sys/block/zram0/disksize 2>/dev/null && mkswap /dev/zram0 >/dev/null 2>&1 && "
	       "swapon /dev/zram0 2>/dev/null");
	target = fork();
	ASSERT_LE(0, target);
	if (!target)
		churn(getpid());
	for (i = 0; i < 4; i++) {
		q[i].target = target;
		q[i].per_page = i == 0;
		q[i].maps = i == 3;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, query_loop, &q[i]));
	}
	ASSERT_EQ(target, waitpid(target, &status, 0));
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, q[i].errors) {
			TH_LOG("querier %d: error %ld after %ld queries", i,
			       q[i].last_error, q[i].queries);
		}
		EXPECT_LT(10, q[i].queries);
	}
	TH_LOG("%ld + %ld + %ld pages and %ld maps/stats queries in %d s",
	       q[0].queries, q[1].queries, q[2].queries, q[3].queries,
	       STRESS_SECONDS);
}

TEST_HARNESS_MAIN
