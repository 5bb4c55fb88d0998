// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope top, batch and JSON Lines: every row against the kernel's own
 * /proc/PID/status and smaps_rollup, the mixed-load target's COW sharing
 * against pagemap + kpageflags and its remote share against numa_maps;
 * fault rates; filters and order; an unprivileged caller; bad requests.
 * The budget is tested in top_budget_test.c, the full-screen view in
 * top_tui_test.c.
 */
#include <math.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "mixed_load.h"
#include "ptscope_test.h"
#include "top_rows.h"

FIXTURE(top) {
	char cli[PATH_MAX];
	char tmp[64];
	pid_t pid;
	int idle_w;
	bool two_nodes, thp, swap;
};

FIXTURE_SETUP(top)
{
	ASSERT_EQ(0, cli_find(self->cli)) TH_LOG("no ptscope command: build ../userspace");
	ASSERT_TRUE(cli_have_tool("jq"));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-top-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	self->two_nodes = nr_nodes() >= 2;
	self->thp = thp_enabled();
	self->swap = ensure_swap();
	self->pid = mixed_start(&self->idle_w, self->two_nodes, self->thp, self->swap);
	ASSERT_LT(0, self->pid) TH_LOG("the target could not build its memory");
}

FIXTURE_TEARDOWN(top)
{
	mixed_stop(self->pid, self->idle_w);
	cli_shell("rm -rf '%s'", self->tmp);
}

/* Pages PMD-mapped, as smaps_rollup says: anon, shmem and file, in bytes. */
static long long pmd_mapped_bytes(pid_t pid)
{
	static const char *const keys[] = {
		"AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
	};
	long long sum = 0;
	size_t i;
	long v;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = proc_key_value(pid, "smaps_rollup", keys[i]);
		if (v > 0)
			sum += v * 1024LL;
	}
	return sum;
}

TEST_F_TIMEOUT(top, every_row_matches_the_kernels_own, 180)
{
	struct top_row rows[TOP_ROWS_MAX], *t = NULL;
	int n, i, checked = 0;
	long local, all;

	n = top_run(self->cli, self->tmp, "-n 1 --exact", rows, TOP_ROWS_MAX);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		struct top_row *r = &rows[i];
		long anon = status_value(r->pid, "RssAnon");
		long file = status_value(r->pid, "RssFile");
		long shmem = status_value(r->pid, "RssShmem");

		if (r->pid == getpid() || anon < 0 || file < 0 || shmem < 0)
			continue;	/* itself (running), or gone (ptscope) */
		EXPECT_STREQ("exact", r->walk) TH_LOG("pid %ld (%s)", r->pid, r->comm);
		EXPECT_EQ((anon + file + shmem) * 1024LL, r->rss)
			TH_LOG("pid %ld (%s): RSS", r->pid, r->comm);
		EXPECT_EQ(status_value(r->pid, "VmSwap") * 1024LL, r->swap)
			TH_LOG("pid %ld (%s): swap", r->pid, r->comm);
		EXPECT_EQ(status_value(r->pid, "VmPTE") * 1024LL, r->pt)
			TH_LOG("pid %ld (%s): page tables", r->pid, r->comm);
		EXPECT_EQ(pmd_mapped_bytes(r->pid), r->thp)
			TH_LOG("pid %ld (%s): PMD-mapped", r->pid, r->comm);
		EXPECT_EQ(proc_key_value(r->pid, "status", "Uid"), r->uid);
		if (r->pid == self->pid)
			t = r;
		checked++;
	}
	/* The target, its child, the harness: at least. */
	EXPECT_LE(3, checked);
	ASSERT_NE(NULL, t) TH_LOG("the target %d has no row", self->pid);
	EXPECT_EQ(cow_shared_pages(self->pid) * (long long)PAGE, t->cow);
	EXPECT_LE(SHARED_PAGES * (long long)PAGE, t->cow);
	if (self->swap)
		EXPECT_LE(SWAP_PAGES * (long long)PAGE, t->swap);
	if (self->thp)
		EXPECT_LE(SZ_2M, t->thp);
	if (self->two_nodes) {
		/* Its threads run on node 0 only: everything elsewhere is remote. */
		numa_maps_pages(self->pid, &local, &all);
		ASSERT_LT(0, all);
		EXPECT_LE(NODE1_PAGES, all - local);
		/* numa_maps skips the zero page and special maps: within 2%. */
		EXPECT_GT(0.02, fabs(t->remote - (double)(all - local) / all))
			TH_LOG("remote %f, numa_maps: %ld of %ld pages off node 0",
			       t->remote, all - local, all);
	} else {
		EXPECT_TRUE(t->remote <= 0) TH_LOG("one node, remote %f", t->remote);
	}
}

TEST_F(top, rates_come_from_the_second_refresh)
{
	char *out;
	int st;

	out = cli_capturef(&st, "'%s' top -b -n 2 -d 0.3 --json --pid %d | "
			   "jq -r '.processes[0].minor_faults_per_second'",
			   self->cli, self->pid);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, st);
	/* The first refresh has no rate yet; the idle target has none after. */
	EXPECT_STREQ("null\n0\n", out);
	free(out);
}

TEST_F(top, filters_and_order)
{
	struct top_row rows[TOP_ROWS_MAX];
	char args[128], *cg, *out;
	int n, i, st;

	snprintf(args, sizeof(args), "-n 1 --exact --pid %d", self->pid);
	n = top_run(self->cli, self->tmp, args, rows, TOP_ROWS_MAX);
	ASSERT_EQ(1, n);
	EXPECT_EQ(self->pid, rows[0].pid);
	/* Its cgroup is /proc/PID/cgroup's v2 line. */
	cg = cli_capturef(&st, "sed -n 's/^0:://p' /proc/%d/cgroup", self->pid);
	ASSERT_NE(NULL, cg);
	if (cg[0]) {
		cg[strcspn(cg, "\n")] = 0;
		EXPECT_STREQ(cg, rows[0].cgroup);
		snprintf(args, sizeof(args), "-n 1 --exact --cgroup '%s'", cg);
		n = top_run(self->cli, self->tmp, args, rows, TOP_ROWS_MAX);
		for (i = 0; i < n; i++)
			EXPECT_EQ(0, strncmp(rows[i].cgroup, cg, strlen(cg)));
		EXPECT_LE(1, n);
	}
	free(cg);

	n = top_run(self->cli, self->tmp, "-n 1 --exact --user root --sort PT",
		    rows, TOP_ROWS_MAX);
	ASSERT_LT(1, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, rows[i].uid);
		if (i)
			EXPECT_GE(rows[i - 1].pt, rows[i].pt);
	}
	n = top_run(self->cli, self->tmp, "-n 1 --exact --sort rss --reverse",
		    rows, TOP_ROWS_MAX);
	ASSERT_LT(1, n);
	for (i = 1; i < n; i++)
		EXPECT_LE(rows[i - 1].rss, rows[i].rss);
	n = top_run(self->cli, self->tmp, "-n 1 --exact --name top_tes", rows, TOP_ROWS_MAX);
	EXPECT_LE(2, n);	/* the target and its child, at least */
	for (i = 0; i < n; i++)
		EXPECT_NE(NULL, strstr(rows[i].comm, "top_tes"));

	/* The table: a header naming the sweep, then the columns. */
	out = cli_capturef(&st, "'%s' top -b -n 1 --pid %d", self->cli, self->pid);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, strncmp(out, "ptscope top: 1 shown", 20)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\n    PID USER")) TH_LOG("%s", out);
	free(out);
	/* --noheadings (its short -n is --iterations here): the row alone. */
	out = cli_capturef(&st, "'%s' top --noheadings -b -n 1 --pid %d | tail -n +2",
			   self->cli, self->pid);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, st);
	EXPECT_EQ(NULL, strstr(out, "PID")) TH_LOG("%s", out);
	EXPECT_EQ(self->pid, atoi(out)) TH_LOG("%s", out);
	free(out);
}

struct nobody_args {
	const char *cli;
	const char *tmp;
	pid_t root_target;
};

/* As nobody: only nobody's rows, root's counted as not visible. */
static int top_as_nobody(void *arg)
{
	struct nobody_args *a = arg;
	char *out;
	int st;

	out = cli_capturef(&st, "'%s' top -b -n 1 --exact --json | jq -r "
			   "'[([.processes[] | select(.uid != 65534)] | length),"
			   "  (.processes | length), .sweep.not_visible,"
			   "  ([.processes[] | select(.pid == %d)] | length)] | @tsv'",
			   a->cli, a->root_target);
	if (!out || st)
		return 1;
	{
		long other, mine, hidden, target;

		if (sscanf(out, "%ld %ld %ld %ld", &other, &mine, &hidden, &target) != 4)
			return 2;
		if (other || target)
			return 3;	/* someone else's process shown */
		if (mine < 1)
			return 4;	/* its own shell and ptscope, at least */
		if (hidden < 2)
			return 5;	/* the test and the target are root's */
	}
	free(out);
	return 0;
}

TEST_F(top, unprivileged_sees_its_own_only)
{
	struct nobody_args a = { .cli = self->cli, .tmp = self->tmp,
				 .root_target = self->pid };

	EXPECT_EQ(0, as_nobody(top_as_nobody, &a));
}

TEST_F(top, bad_requests_get_a_sentence)
{
	static const struct {
		const char *args, *says;
	} cases[] = {
		{ "-b --budget 0", "--budget takes a percentage" },
		{ "-b --budget 101", "--budget takes a percentage" },
		{ "-b --budget 5x", "--budget takes a percentage" },
		{ "-b --sort NOPE", "no column 'NOPE'" },
		{ "-b --user no-such-user-here", "no user 'no-such-user-here'" },
		{ "-b --cgroup relative/path", "--cgroup takes a cgroup path" },
		{ "-b --cgroup /no/such/cgroup", "there is no cgroup /no/such/cgroup" },
		{ "-b -n 0", "-n/--iterations takes a positive number" },
		{ "-b --iterations x", "-n/--iterations takes a positive number" },
		{ "-b --budget 5 --exact", "exclude each other" },
		{ "-b -d 0", "--interval takes seconds" },
		{ "-b --pid nope", "not a process id" },
		{ "-b -o NOPE", "NOPE" },
	};
	char *out;
	size_t i;
	int st;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		out = cli_capturef(&st, "'%s' top %s 2>&1", self->cli, cases[i].args);
		ASSERT_NE(NULL, out);
		EXPECT_NE(0, st) TH_LOG("top %s succeeded", cases[i].args);
		EXPECT_NE(NULL, strstr(out, cases[i].says))
			TH_LOG("top %s said: %s", cases[i].args, out);
		free(out);
	}
}

TEST_HARNESS_MAIN
