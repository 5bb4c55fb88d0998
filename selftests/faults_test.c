// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_STATS and /proc/ptscope/stats: fault counters against the
 * faults the test itself takes and /proc/PID/stat (fields 10 and 12) and
 * /proc/PID/task/TID/stat; RSS and size counters against /proc/PID/status.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"

static long stats_call(int fd, struct ptscope_stats *st, pid_t pid,
		       struct ptscope_thread *th, size_t len)
{
	long ret;

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	if (th) {
		st->flags = PTSCOPE_STATS_THREADS;
		st->threads = (uintptr_t)th;
		st->threads_len = len;
		st->thread_size = sizeof(*th);
	}
	ret = ptscope_ioctl(fd, PTSCOPE_IOC_STATS, st);
	return ret;
}

static long long self_stat(int field)
{
	return stat_field("/proc/self/stat", field);
}

/* Touching N fresh pages takes N minor faults, as /proc/PID/stat says. */
TEST(minor_faults_of_fresh_pages)
{
	size_t n = 1000, i;
	char *p = map_anon(n * PAGE, PROT_READ | PROT_WRITE, 0);
	struct ptscope_stats a, b;
	long long before, after, maj_before, maj_after;
	int fd = ptscope_open_dev();

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, n * PAGE));
	ASSERT_EQ(0, stats_call(fd, &a, getpid(), NULL, 0));
	for (i = 0; i < n; i++)
		p[i * PAGE] = 1;
	before = self_stat(10);
	maj_before = self_stat(12);
	ASSERT_EQ(0, stats_call(fd, &b, getpid(), NULL, 0));
	after = self_stat(10);
	maj_after = self_stat(12);
	EXPECT_LE(a.min_flt + n, b.min_flt);
	EXPECT_LE(before, (long long)b.min_flt);
	EXPECT_GE(after, (long long)b.min_flt);
	EXPECT_LE(maj_before, (long long)b.maj_flt);
	EXPECT_GE(maj_after, (long long)b.maj_flt);
	close(fd);
}

/*
 * Reading N pages of a file whose cache was dropped takes N major faults
 * (MADV_RANDOM: no readahead, so each fault reads its own page).  The
 * count /proc/self/stat gives before and after the query brackets the
 * module's: dropping the caches evicts this program's own text too, and
 * reading /proc/self/stat may fault it back in (over virtio-fs it does).
 */
TEST(major_faults_of_uncached_file_pages)
{
	size_t n = 64, i;
	int file = make_file(n * PAGE);
	struct ptscope_stats a, b;
	int fd = ptscope_open_dev();
	long long before, after;
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, posix_fadvise(file, 0, 0, POSIX_FADV_DONTNEED));
	write_str("/proc/sys/vm/drop_caches", "3");
	p = mmap(NULL, n * PAGE, PROT_READ, MAP_PRIVATE, file, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, n * PAGE, MADV_RANDOM));
	ASSERT_EQ(0, stats_call(fd, &a, getpid(), NULL, 0));
	for (i = 0; i < n; i++)
		*(volatile char *)(p + i * PAGE);
	before = self_stat(12);
	ASSERT_EQ(0, stats_call(fd, &b, getpid(), NULL, 0));
	after = self_stat(12);
	EXPECT_LE(a.maj_flt + n, b.maj_flt) {
		TH_LOG("major faults %llu -> %llu", (unsigned long long)a.maj_flt,
		       (unsigned long long)b.maj_flt);
	}
	EXPECT_LE(before, (long long)b.maj_flt);
	EXPECT_GE(after, (long long)b.maj_flt);
	munmap(p, n * PAGE);
	close(file);
	close(fd);
}

struct worker {
	size_t pages;
	pid_t tid;
	pthread_barrier_t *done;
	pthread_barrier_t *checked;
};

static void *touch_pages(void *arg)
{
	struct worker *w = arg;
	char *p = map_anon(w->pages * PAGE, PROT_READ | PROT_WRITE, 0);
	size_t i;

	w->tid = gettid();
	no_huge_pages(p, w->pages * PAGE);
	for (i = 0; i < w->pages; i++)
		p[i * PAGE] = 1;
	if (w->done) {
		pthread_barrier_wait(w->done);
		pthread_barrier_wait(w->checked);
	}
	return NULL;
}

/* Per-thread counts agree with each thread's stat; exited ones still count. */
TEST(thread_counts_and_exited_threads)
{
	pthread_barrier_t done, checked;
	struct worker w[3], gone = { .pages = 500 };
	struct ptscope_thread th[16];
	struct ptscope_stats a, b;
	pthread_t t[3], tg;
	int fd = ptscope_open_dev(), i, j;
	long long before, after;
	long nr;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_call(fd, &a, getpid(), NULL, 0));
	/* A thread that faults 500 pages and exits. */
	ASSERT_EQ(0, pthread_create(&tg, NULL, touch_pages, &gone));
	ASSERT_EQ(0, pthread_join(tg, NULL));

	pthread_barrier_init(&done, NULL, 4);
	pthread_barrier_init(&checked, NULL, 4);
	for (i = 0; i < 3; i++) {
		w[i] = (struct worker){ .pages = 100 * (i + 1), .done = &done,
					.checked = &checked };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, touch_pages, &w[i]));
	}
	pthread_barrier_wait(&done);

	/*
	 * The workers wait at a barrier, but this thread runs on: reading
	 * /proc/self/stat may fault, and so may a NUMA hinting fault at any
	 * moment.  Its count is bracketed by the stat read before and after.
	 */
	before = self_stat(10);
	nr = stats_call(fd, &b, getpid(), th, 16);
	after = self_stat(10);
	ASSERT_EQ(4, nr);
	EXPECT_EQ(4, b.nr_threads);
	EXPECT_LE(a.min_flt + 500 + 100 + 200 + 300, b.min_flt);
	EXPECT_LE(before, (long long)b.min_flt);
	EXPECT_GE(after, (long long)b.min_flt);
	for (i = 0; i < 3; i++) {
		char path[64];

		for (j = 0; j < nr && th[j].tid != (uint64_t)w[i].tid; j++)
			;
		ASSERT_LT(j, nr);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", w[i].tid);
		EXPECT_EQ(stat_field(path, 10), (long long)th[j].min_flt);
		EXPECT_LE(w[i].pages, th[j].min_flt);
		EXPECT_LE(0, th[j].cpu);
	}
	EXPECT_EQ(getpid(), (pid_t)th[0].tid);	/* the leader first */

	/* Too small an array: the first records, and the full count. */
	nr = stats_call(fd, &b, getpid(), th, 2);
	EXPECT_EQ(2, nr);
	EXPECT_EQ(4, b.nr_threads);

	pthread_barrier_wait(&checked);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	close(fd);
}

/* The mm counters of a still process agree with /proc/PID/status. */
TEST(rss_and_size_counters_agree_with_status)
{
	struct ptscope_stats st;
	int fd = ptscope_open_dev(), ready[2], maps;
	long tolerance = 64 * sysconf(_SC_NPROCESSORS_ONLN);
	pid_t pid;
	char x, line[512];
	FILE *f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	if (!pid) {
		char *p = map_anon(4096 * PAGE, PROT_READ | PROT_WRITE, 0);
		char *s = mmap(NULL, 256 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		memset(p, 1, 4096 * PAGE);
		memset(s, 1, 256 * PAGE);
		write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);	/* EOF, not a hang, if the target dies */
	ASSERT_EQ(1, read(ready[0], &x, 1));
	ASSERT_EQ(0, stats_call(fd, &st, pid, NULL, 0));
	/* 6.2+ read per-CPU counters approximately in status; we sum them. */
	EXPECT_GE(tolerance, labs(status_value(pid, "RssAnon") / 4 - (long)st.rss_anon));
	EXPECT_GE(tolerance, labs(status_value(pid, "RssFile") / 4 - (long)st.rss_file));
	EXPECT_GE(tolerance, labs(status_value(pid, "RssShmem") / 4 - (long)st.rss_shmem));
	/* 6.1 lets each task hold back up to 64 RSS events (SPLIT_RSS_COUNTING). */
	EXPECT_LE(4096 - 64, st.rss_anon);
	EXPECT_LE(256 - 64, st.rss_shmem);
	EXPECT_EQ(status_value(pid, "VmPTE") * 1024, (long)st.pgtables_bytes);
	EXPECT_EQ(status_value(pid, "VmSize") / 4, (long)st.total_vm);
	EXPECT_EQ(status_value(pid, "VmData") / 4, (long)st.data_vm);
	EXPECT_EQ(status_value(pid, "VmStk") / 4, (long)st.stack_vm);
	EXPECT_EQ(status_value(pid, "VmLck") / 4, (long)st.locked_vm);
	EXPECT_EQ(status_value(pid, "VmPeak") / 4, (long)st.hiwater_vm);
	EXPECT_EQ(1, st.nr_threads);
	snprintf(line, sizeof(line), "/proc/%d/stat", pid);
	EXPECT_EQ(stat_field(line, 10), (long long)st.min_flt);
	EXPECT_EQ(stat_field(line, 12), (long long)st.maj_flt);
	snprintf(line, sizeof(line), "/proc/%d/maps", pid);
	f = fopen(line, "r");
	ASSERT_NE(NULL, f);
	/* Not the [vsyscall] gate area: shown, but no VMA of the mm. */
	for (maps = 0; fgets(line, sizeof(line), f);)
		if (!strstr(line, "[vsyscall]"))
			maps++;
	fclose(f);
	EXPECT_EQ(maps, (int)st.map_count);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
}

/* /proc/ptscope/stats says what the ioctl says, for cat. */
TEST(proc_stats_file_matches_the_ioctl)
{
	int fd = ptscope_open_dev(), pf = open("/proc/ptscope/stats", O_RDWR);
	struct ptscope_stats st;
	char q[64], buf[8192], *p;
	unsigned long long v;
	ssize_t n;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, pf);
	snprintf(q, sizeof(q), "%d threads\n", getpid());
	ASSERT_EQ((ssize_t)strlen(q), write(pf, q, strlen(q)));
	n = read(pf, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = 0;
	ASSERT_EQ(0, stats_call(fd, &st, getpid(), NULL, 0));
	p = strstr(buf, "\nmaj_flt ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p, "\nmaj_flt %llu", &v));
	EXPECT_EQ(st.maj_flt, v);
	p = strstr(buf, "\npgtables_bytes ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p, "\npgtables_bytes %llu", &v));
	EXPECT_EQ(st.pgtables_bytes, v);
	snprintf(q, sizeof(q), "\nthread %d ", getpid());
	EXPECT_NE(NULL, strstr(buf, q));
	close(pf);
	close(fd);
}

TEST_HARNESS_MAIN
