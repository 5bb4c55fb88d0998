// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope top's CPU budget: one large process among fifty small ones.  The
 * large one has 1 GiB resident in 4 KiB pages and a 256 GiB heap read once
 * every 2 MiB (a sparse heap of zero pages: 131,072 PTE tables, 512 MiB of
 * page tables), so that its walk costs several times what the whole sweep
 * of the others costs.  With a budget between what the small ones cost and
 * what the large one costs walked whole (both measured first, with
 * --exact), each refresh must stay within the budget (ptscope's own CPU
 * time, from wait4()), sample the large process, and still report every
 * small one exactly (against /proc/PID/status and smaps_rollup).
 */
#include <math.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "mixed_load.h"
#include "top_rows.h"

#define BIG		(1ULL << 30)
#define SPARSE		(256ULL << 30)	/* read every 2 MiB */
#define NR_SMALL	50
#define SMALL_PAGES	64
#define REFRESHES	3
#define DELAY		4	/* seconds: a budget of up to 4 s is 100% */

FIXTURE(budget) {
	char cli[PATH_MAX];
	char tmp[64];
	pid_t big;
	pid_t small[NR_SMALL];
	int idle[2];
};

struct toucher {
	size_t bytes, sparse;
};

/*
 * A child that writes @bytes of anonymous memory in 4 KiB pages, reads
 * one page of every 2 MiB of @sparse more (the zero page), and waits.
 */
static void toucher(void *arg, int ready, int idle)
{
	const struct toucher *t = arg;
	char *m, c = 0;
	size_t i;

	if (detach_from_parent())
		_exit(1);
	m = map_anon(t->bytes, PROT_READ | PROT_WRITE, 0);
	if (!m || no_huge_pages(m, t->bytes))
		_exit(1);
	for (i = 0; i < t->bytes; i += PAGE)
		m[i] = 1;
	if (t->sparse) {
		m = mmap(NULL, t->sparse, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED || no_huge_pages(m, t->sparse))
			_exit(1);
		for (i = 0; i < t->sparse; i += SZ_2M)
			c += *(volatile char *)(m + i);
	}
	if (write(ready, &c, 1) != 1)
		_exit(1);
	spawn_wait_idle(idle);
}

static pid_t spawn_toucher(int idle[2], size_t bytes, size_t sparse)
{
	struct toucher t = { .bytes = bytes, .sparse = sparse };

	return spawn_ready(idle, 1, toucher, &t);
}

FIXTURE_SETUP(budget)
{
	int i;

	ASSERT_EQ(0, cli_find(self->cli));
	ASSERT_TRUE(cli_have_tool("jq"));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-budget-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	ASSERT_EQ(0, pipe(self->idle));
	self->big = spawn_toucher(self->idle, BIG, SPARSE);
	ASSERT_LT(0, self->big) TH_LOG("no room for the large process");
	for (i = 0; i < NR_SMALL; i++) {
		self->small[i] = spawn_toucher(self->idle, SMALL_PAGES * PAGE, 0);
		ASSERT_LT(0, self->small[i]);
	}
}

FIXTURE_TEARDOWN(budget)
{
	int i;

	close(self->idle[1]);
	close(self->idle[0]);
	if (self->big > 0) {
		kill(self->big, SIGKILL);
		waitpid(self->big, NULL, 0);
	}
	for (i = 0; i < NR_SMALL; i++) {
		if (self->small[i] > 0) {
			kill(self->small[i], SIGKILL);
			waitpid(self->small[i], NULL, 0);
		}
	}
	cli_shell("rm -rf '%s'", self->tmp);
}

/* Run `ptscope ARGS` into @out; its CPU time (user + system) in ns, or -1. */
static long long timed_run(const char *cli, const char *args, const char *out)
{
	char cmd[PATH_MAX + 512];
	struct rusage ru;
	int status;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "exec '%s' %s > '%s'", cli, args, out);
	pid = fork();
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

TEST_F_TIMEOUT(budget, small_processes_exact_within_the_budget, 300)
{
	struct top_row rows[TOP_ROWS_MAX], *r;
	long long big_ns, small_ns, budget_ns, cpu, limit, startup;
	char args[128], path[128], *out;
	int n, i, st;

	/* What each costs walked whole. */
	n = top_run(self->cli, self->tmp, "-n 1 --exact", rows, TOP_ROWS_MAX);
	ASSERT_LT(NR_SMALL, n);
	r = top_row_of(rows, n, self->big);
	ASSERT_NE(NULL, r);
	big_ns = r->walk_ns;
	/* The rest of the sweep: every counter and name, the other walks. */
	out = cli_capturef(&st, "jq .sweep.cpu_ns '%s/top.json'", self->tmp);
	ASSERT_NE(NULL, out);
	small_ns = atoll(out) - big_ns;
	free(out);
	TH_LOG("walked whole: the large process %.1f ms, the sweep of the %d others %.1f ms",
	       big_ns / 1e6, n - 1, small_ns / 1e6);
	ASSERT_LT(3 * small_ns, big_ns)
		TH_LOG("the large process is not dear enough to need a budget");

	/*
	 * Room for the rest of the sweep one and a half times over, and a
	 * quarter of what is left: well short of the large one's walk.
	 */
	budget_ns = 3 * small_ns / 2 + (big_ns - 3 * small_ns / 2) / 4;
	ASSERT_GT(DELAY * 1000000000LL, budget_ns);
	snprintf(args, sizeof(args), "top -b --json -n %d -d %d --budget %.4f",
		 REFRESHES, DELAY, budget_ns / (DELAY * 1e7));
	snprintf(path, sizeof(path), "%s/top.json", self->tmp);
	cpu = timed_run(self->cli, args, path);
	ASSERT_LT(0, cpu);
	/*
	 * Each refresh within its budget, plus what starting the program and
	 * writing its output cost: twice a run that sweeps one process.
	 */
	snprintf(path, sizeof(path), "%s/one.json", self->tmp);
	startup = timed_run(self->cli, "top -b --json -n 1 --pid 1", path);
	ASSERT_LT(0, startup);
	snprintf(path, sizeof(path), "%s/top.json", self->tmp);
	limit = REFRESHES * budget_ns * 5 / 4 + 2 * startup;
	TH_LOG("budget %.1f ms per refresh: %d refreshes took %.1f ms of CPU, starting %.1f ms",
	       budget_ns / 1e6, REFRESHES, cpu / 1e6, startup / 1e6);
	EXPECT_GE(limit, cpu);
	out = cli_capturef(&st, "jq -r '[.sweep.cpu_ns, .sweep.budget_ns, .sweep.sampled, "
			   ".sweep.counters_only] | @tsv' '%s'", path);
	ASSERT_NE(NULL, out);
	{
		long long sweep_cpu, sweep_budget, sampled, none;
		char *line = out;

		for (i = 0; i < REFRESHES; i++) {
			ASSERT_EQ(4, sscanf(line, "%lld %lld %lld %lld", &sweep_cpu,
					    &sweep_budget, &sampled, &none));
			TH_LOG("refresh %d: %.1f ms of CPU, %lld sampled, %lld counters only",
			       i, sweep_cpu / 1e6, sampled, none);
			EXPECT_GE(sweep_budget * 5 / 4 + 20000000LL, sweep_cpu);
			/* The guest's only process above 1 GiB of work is ours. */
			EXPECT_EQ(1, sampled);
			EXPECT_EQ(0, none);
			line = strchr(line, '\n') + 1;
		}
	}
	free(out);
	if (!_metadata->passed) {
		/* What each refresh did with the dearest walks. */
		out = cli_capturef(&st, "jq -c '[.processes | sort_by(-.walk_cpu_ns) | .[0:6][] | "
				   "[.pid, .walk, .walk_cpu_ns, .page_table_bytes]]' '%s'", path);
		TH_LOG("dearest walks per refresh:\n%s", out ? out : "?");
		free(out);
	}

	/* The last refresh: the large one sampled, every other one exact. */
	n = top_rows_read(path, rows, TOP_ROWS_MAX);
	ASSERT_LT(NR_SMALL, n);
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (r->pid == self->big) {
			EXPECT_STREQ("sampled", r->walk);
			EXPECT_EQ(0, r->thp);
			continue;
		}
		if (status_value(r->pid, "VmPTE") < 0 || r->pid == getpid())
			continue;
		EXPECT_STREQ("exact", r->walk) TH_LOG("pid %ld (%s)", r->pid, r->comm);
		EXPECT_EQ(status_value(r->pid, "VmPTE") * 1024LL, r->pt);
		EXPECT_EQ(status_value(r->pid, "VmSwap") * 1024LL, r->swap);
	}
	for (i = 0; i < NR_SMALL; i++) {
		r = top_row_of(rows, n, self->small[i]);
		ASSERT_NE(NULL, r);
		EXPECT_STREQ("exact", r->walk);
		EXPECT_EQ((status_value(r->pid, "RssAnon") + status_value(r->pid, "RssFile") +
			   status_value(r->pid, "RssShmem")) * 1024LL, r->rss);
		EXPECT_EQ(cow_shared_pages(r->pid) * (long long)PAGE, r->cow);
	}
}

TEST_HARNESS_MAIN
