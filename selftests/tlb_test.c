// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_TLB and `ptscope tlb`: the mm's TLB facts against what the
 * test set up (the CPU it pinned itself to, a child made after it, page
 * table changes it made), flush counts against flushes it forced (mprotect
 * of memory touched by threads on two CPUs, munmap) and against a process
 * that forces none, and the TLB reach of `ptscope tlb --json` against
 * smaps' AnonHugePages of a 512 MiB buffer with and without THP.
 */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "ptscope_test.h"

#define MPOL_INTERLEAVE	3

static int tlb_call(int fd, pid_t pid, __u64 flags, struct ptscope_tlb *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->flags = flags;
	t->pid = pid;
	return ptscope_ioctl(fd, PTSCOPE_IOC_TLB, t);
}

static bool in_mask(const struct ptscope_tlb *t, int cpu)
{
	return t->cpumask[cpu / 64] & (1ULL << (cpu % 64));
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (!pid) {
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	if (pid <= 0)		/* fork failed: kill(-1) would be everyone */
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The version ioctl advertises the feature. */
TEST(feature_bit)
{
	struct ptscope_version v = { .size = sizeof(v) };
	int fd = ptscope_open_dev();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ptscope_ioctl(fd, PTSCOPE_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & PTSCOPE_FEAT_TLB);
	/* Since ABI 1.2. */
	EXPECT_TRUE(v.abi_major > 1 || v.abi_minor >= 2);
	close(fd);
}

/*
 * A live process: the CPU it is pinned to is in its mm_cpumask, a child
 * forked later has a larger context id (the kernel hands them out in
 * order), and write-protecting touched pages bumps its TLB generation.
 */
TEST(live_pid_answers)
{
	struct ptscope_tlb a, b, c;
	int fd = ptscope_open_dev(), i, cpu = 0, n = 50;
	char *p = map_anon(16 * PAGE, PROT_READ | PROT_WRITE, 0);
	pid_t child;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pin(cpu));
	memset(p, 1, 16 * PAGE);
	ASSERT_EQ(0, tlb_call(fd, getpid(), 0, &a));
	EXPECT_LT(0, a.ctx_id);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_CONF) > 0 ? 1 : 0, a.nr_cpu_ids > 0);
	EXPECT_LE((__u64)online_cpus(), a.nr_cpu_ids);
	EXPECT_TRUE(in_mask(&a, cpu));
	EXPECT_LE(1, a.cpus);
	EXPECT_EQ(0, a.state & (PTSCOPE_TLB_WATCHING | PTSCOPE_TLB_EXITED));
	EXPECT_EQ(0, a.watch_ns);
	if (!(a.state & PTSCOPE_TLB_HAS_GLOBAL_ASID))
		EXPECT_EQ(0, a.global_asid);

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mprotect(p, 16 * PAGE, PROT_READ));
		ASSERT_EQ(0, mprotect(p, 16 * PAGE, PROT_READ | PROT_WRITE));
		p[0] = 1;
	}
	ASSERT_EQ(0, tlb_call(fd, getpid(), 0, &b));
	EXPECT_EQ(a.ctx_id, b.ctx_id);
	EXPECT_LE(a.tlb_gen + n, b.tlb_gen) {
		TH_LOG("tlb_gen %llu -> %llu after %d write-protects",
		       (unsigned long long)a.tlb_gen, (unsigned long long)b.tlb_gen, n);
	}

	child = sleeper();
	ASSERT_LT(0, child);
	ASSERT_EQ(0, tlb_call(fd, child, 0, &c));
	EXPECT_LT(a.ctx_id, c.ctx_id);
	reap(child);
	close(fd);
}

struct spinner {
	volatile char *buf;
	size_t len;
	int cpu;
	atomic_int stop;
	atomic_int ready;
};

/* Read the buffer over and over on its own CPU: the mm stays loaded there. */
static void *spin(void *arg)
{
	struct spinner *s = arg;
	size_t i;
	char sum = 0;

	pin(s->cpu);
	atomic_store(&s->ready, 1);
	while (!atomic_load(&s->stop))
		for (i = 0; i < s->len; i += PAGE)
			sum += s->buf[i];
	return (void *)(long)sum;
}

/*
 * Write-protecting pages that a thread on another CPU uses makes the kernel
 * flush them here (a local mm shootdown, the initiating CPU) and send a
 * flush IPI to the other CPU (a remote shootdown there, or a flush when it
 * next switches to the mm if it was lazy).  A sleeping process that does
 * nothing gets none of these, and a munmap of touched pages flushes too.
 */
TEST(flushes_are_attributed)
{
	size_t len = 64 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct spinner s = { .len = len, .cpu = 1 };
	struct ptscope_tlb a, b, idle, u;
	int fd = ptscope_open_dev(), i, n = 200;
	pthread_t th;
	pid_t quiet;
	char *q;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, p);
	if (online_cpus() < 2)
		SKIP(return, "needs two CPUs (vm-run gives 2)");
	ASSERT_EQ(0, pin(0));
	memset(p, 1, len);
	s.buf = p;
	quiet = sleeper();
	ASSERT_LT(0, quiet);
	/* Let it take its copy-on-write faults (its own flushes) and sleep. */
	usleep(100000);

	ASSERT_EQ(0, tlb_call(fd, quiet, PTSCOPE_TLB_WATCH, &idle));
	ASSERT_EQ(0, tlb_call(fd, getpid(), PTSCOPE_TLB_WATCH, &a));
	EXPECT_TRUE(a.state & PTSCOPE_TLB_WATCHING);
	ASSERT_EQ(0, pthread_create(&th, NULL, spin, &s));
	while (!atomic_load(&s.ready))
		;
	usleep(20000);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mprotect(p, len, PROT_READ));
		ASSERT_EQ(0, mprotect(p, len, PROT_READ | PROT_WRITE));
		p[(i % 64) * PAGE] = 2;
	}
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);
	ASSERT_EQ(0, tlb_call(fd, getpid(), 0, &b));
	EXPECT_TRUE(b.state & PTSCOPE_TLB_WATCHING);
	EXPECT_LT(0, b.watch_ns);
	EXPECT_LE(n, b.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN]) {
		TH_LOG("local mm shootdowns %llu for %d write-protects",
		       (unsigned long long)b.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN], n);
	}
	/* The other CPU had the mm: it got IPIs, or flushed on switching back. */
	EXPECT_LT(0, b.flushes[PTSCOPE_TLB_REMOTE_SHOOTDOWN] +
		     b.flushes[PTSCOPE_TLB_REMOTE_SEND_IPI] +
		     b.flushes[PTSCOPE_TLB_TASK_SWITCH]) {
		TH_LOG("remote %llu sent %llu switch %llu",
		       (unsigned long long)b.flushes[PTSCOPE_TLB_REMOTE_SHOOTDOWN],
		       (unsigned long long)b.flushes[PTSCOPE_TLB_REMOTE_SEND_IPI],
		       (unsigned long long)b.flushes[PTSCOPE_TLB_TASK_SWITCH]);
	}
	EXPECT_LT(0, b.flush_all + b.flush_pages);
	/* Each write-protect raised the generation that the flushes chase. */
	EXPECT_LE(a.tlb_gen + n, b.tlb_gen);

	ASSERT_EQ(0, tlb_call(fd, quiet, 0, &idle));
	EXPECT_TRUE(idle.state & PTSCOPE_TLB_WATCHING);
	EXPECT_EQ(0, idle.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN] +
		     idle.flushes[PTSCOPE_TLB_REMOTE_SHOOTDOWN] +
		     idle.flushes[PTSCOPE_TLB_REMOTE_SEND_IPI]) {
		TH_LOG("a sleeping process got %llu local, %llu remote shootdowns",
		       (unsigned long long)idle.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN],
		       (unsigned long long)idle.flushes[PTSCOPE_TLB_REMOTE_SHOOTDOWN]);
	}

	/* munmap of touched pages. */
	q = map_anon(32 * PAGE, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, q);
	memset(q, 1, 32 * PAGE);
	ASSERT_EQ(0, tlb_call(fd, getpid(), 0, &a));
	ASSERT_EQ(0, munmap(q, 32 * PAGE));
	ASSERT_EQ(0, tlb_call(fd, getpid(), PTSCOPE_TLB_UNWATCH, &u));
	EXPECT_LT(a.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN],
		  u.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN]);
	EXPECT_LT(a.tlb_gen, u.tlb_gen);
	EXPECT_TRUE(u.state & PTSCOPE_TLB_WATCHING);

	/* Unwatched: no counts any more. */
	ASSERT_EQ(0, tlb_call(fd, getpid(), 0, &u));
	EXPECT_FALSE(u.state & PTSCOPE_TLB_WATCHING);
	EXPECT_EQ(0, u.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN]);

	reap(quiet);
	munmap(p, len);
	close(fd);
}

/*
 * Watches are bounded (PTSCOPE_TLB_MAX_WATCHES, -ENOSPC beyond), end with
 * their file, and survive the target's exit with PTSCOPE_TLB_EXITED.
 */
TEST(watch_lifecycle)
{
	int fds[PTSCOPE_TLB_MAX_WATCHES + 1], i, fd;
	struct ptscope_tlb t;
	pid_t child;

	for (i = 0; i < PTSCOPE_TLB_MAX_WATCHES; i++) {
		fds[i] = ptscope_open_dev();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, tlb_call(fds[i], getpid(), PTSCOPE_TLB_WATCH, &t));
		/* Watching twice is watching once. */
		ASSERT_EQ(0, tlb_call(fds[i], getpid(), PTSCOPE_TLB_WATCH, &t));
	}
	fds[i] = ptscope_open_dev();
	ASSERT_LE(0, fds[i]);
	EXPECT_EQ(-ENOSPC, tlb_call(fds[i], getpid(), PTSCOPE_TLB_WATCH, &t));
	for (i = 0; i < PTSCOPE_TLB_MAX_WATCHES; i++)
		close(fds[i]);
	/* Closed files gave their slots back. */
	EXPECT_EQ(0, tlb_call(fds[PTSCOPE_TLB_MAX_WATCHES], getpid(),
			      PTSCOPE_TLB_WATCH, &t));
	close(fds[PTSCOPE_TLB_MAX_WATCHES]);
	EXPECT_EQ(0, ptscope_live_allocations());

	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);
	child = fork();
	if (!child) {
		char *p = map_anon(64 * PAGE, PROT_READ | PROT_WRITE, 0);

		usleep(100000);
		memset(p, 1, 64 * PAGE);
		munmap(p, 64 * PAGE);
		_exit(0);
	}
	ASSERT_EQ(0, tlb_call(fd, child, PTSCOPE_TLB_WATCH, &t));
	waitpid(child, NULL, 0);
	ASSERT_EQ(0, tlb_call(fd, child, 0, &t));
	EXPECT_TRUE(t.state & PTSCOPE_TLB_EXITED);
	EXPECT_TRUE(t.state & PTSCOPE_TLB_WATCHING);
	EXPECT_LT(0, t.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN]);
	ASSERT_EQ(0, tlb_call(fd, child, PTSCOPE_TLB_UNWATCH, &t));
	EXPECT_EQ(-ESRCH, tlb_call(fd, child, 0, &t));
	close(fd);
}

/* The number after "key": in @json at or after @from, or -1. */
static long long json_num(const char *json, const char *from, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	s = strstr(from ? from : json, pat);
	if (!s)
		return -1;
	s += strlen(pat);
	while (*s == ' ')
		s++;
	return strtoll(s, NULL, 10);
}

/* AnonHugePages of the mapping at @addr in /proc/@pid/smaps, in kB. */
static long long smaps_thp_kb(pid_t pid, unsigned long addr)
{
	char path[64], line[256];
	unsigned long lo, hi;
	long long kb = -1;
	bool in = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' '))
			in = addr >= lo && addr < hi;
		else if (in && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* A child holding @len bytes touched, with or without THP; its address. */
static pid_t holder(size_t len, bool thp, int pipefd[2], unsigned long *addr)
{
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		char *p = map_aligned(len, SZ_2M);
		unsigned long a = (unsigned long)p;
		size_t i;

		/*
		 * Half of it on each node: neither fills up, and NUMA
		 * balancing leaves it alone (see reach_follows_page_sizes).
		 */
		unsigned long nodes = (1UL << nr_nodes()) - 1;

		if (thp && nodes > 1)
			syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, &nodes,
				8 * sizeof(nodes));
		if (!p || (thp ? madvise(p, len, MADV_HUGEPAGE) : no_huge_pages(p, len)))
			_exit(1);
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		if (write(pipefd[1], &a, sizeof(a)) != sizeof(a))
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], addr, sizeof(*addr)) != sizeof(*addr)) {
		reap(pid);
		return -1;
	}
	close(pipefd[0]);
	return pid;
}

/* `ptscope tlb PID --json`, whatever its exit status (the fields tell). */
static char *run_json(const char *cli, pid_t pid)
{
	int st;

	return cli_capturef(&st, "'%s' tlb %d --json", cli, pid);
}

/*
 * A THP-backed holder of @len bytes with all of them in THPs, as smaps'
 * AnonHugePages counts them, in at most three tries: what an earlier test
 * left fragmented is dropped and compacted before each.  @thp_kb is what
 * smaps said of the last try.
 */
static pid_t thp_holder(struct __test_metadata *_metadata, size_t len,
			int pipefd[2], unsigned long *addr, long long *thp_kb)
{
	pid_t pid = -1;
	int try;

	for (try = 1; try <= 3; try++) {
		write_str("/proc/sys/vm/drop_caches", "3");
		drain_lru_batches();	/* compact_memory */
		pid = holder(len, true, pipefd, addr);
		if (pid < 0)
			return pid;
		*thp_kb = smaps_thp_kb(pid, *addr);
		if (*thp_kb == (long long)(len >> 10))
			return pid;
		TH_LOG("try %d: %lld kB of %zu MiB in THPs; compacting and trying again",
		       try, *thp_kb, len >> 20);
		if (try < 3)
			reap(pid);
	}
	return pid;
}

/*
 * TLB reach follows the page-size mix: 512 MiB in THPs is 256 2 MiB
 * translations (as many as smaps' AnonHugePages says are huge), the same
 * in 4 KiB pages is 131072; and the reach numbers are the mix's.
 *
 * The THP holder's interleave policy also keeps NUMA balancing away from
 * its buffer (it scans only memory whose policy may move, MPOL_F_MOF): on
 * 6.1 smaps leaves out a THP that balancing made a hinting entry.  The
 * kernel.numa_balancing knob is not touched: flipping it patches a static
 * key in the scheduler tick, and twice a 7.2 guest under TCG died of an
 * int3 in task_tick_fair() while that patch was under way.
 */
TEST(reach_follows_page_sizes)
{
	size_t len = 512UL << 20;
	char cli[PATH_MAX], *js;
	unsigned long addr;
	int pfd[2];
	long long thp_kb, p2m, p4k, need;
	pid_t pid;

	if (cli_find(cli))
		SKIP(return, "no ptscope command: set PTSCOPE_CLI or build ../userspace");

	/* 4 KiB-backed. */
	pid = holder(len, false, pfd, &addr);
	ASSERT_LT(0, pid);
	js = run_json(cli, pid);
	ASSERT_NE(NULL, js);
	EXPECT_EQ(0, smaps_thp_kb(pid, addr));
	p2m = json_num(js, NULL, "pages_2m");
	p4k = json_num(js, NULL, "pages_4k");
	need = json_num(js, NULL, "entries_needed");
	EXPECT_LE((long long)(len / PAGE), p4k) TH_LOG("%s", js);
	EXPECT_LE(0, p2m);
	EXPECT_EQ(p4k + p2m + json_num(js, NULL, "pages_1g"), need);
	EXPECT_EQ(p4k * PAGE + p2m * SZ_2M, json_num(js, NULL, "resident"));
	free(js);
	reap(pid);

	/*
	 * THP-backed: every 2 MiB of it, or the test fails.  Without THP
	 * here, a SKIP, unless the half above failed (a SKIP would hide it).
	 */
	if (!_metadata->passed)
		return;
	REQUIRE_THP();
	pid = thp_holder(_metadata, len, pfd, &addr, &thp_kb);
	ASSERT_LT(0, pid);
	js = run_json(cli, pid);
	ASSERT_NE(NULL, js);
	EXPECT_EQ((long long)(len >> 10), thp_kb)
		TH_LOG("smaps: only %lld kB of %zu MiB in THPs after 3 tries",
		       thp_kb, len >> 20);
	p2m = json_num(js, NULL, "pages_2m");
	EXPECT_LE(thp_kb / 2048, p2m) TH_LOG("%s", js);
	/* Everything else of the process is small: far fewer entries than 4K. */
	need = json_num(js, NULL, "entries_needed");
	EXPECT_GT((long long)(len / PAGE), need);
	/* All-4K would need one entry per page; all-2M at most one per 2 MiB. */
	EXPECT_LE((long long)(len / PAGE), json_num(js, NULL, "entries_needed_4k"));
	EXPECT_GE(need, json_num(js, NULL, "entries_needed_2m"));
	free(js);
	reap(pid);
}

TEST_HARNESS_MAIN
