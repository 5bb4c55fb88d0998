// SPDX-License-Identifier: GPL-2.0
/*
 * maps, thp, numa and faults --cgroup: the processes of a cgroup subtree
 * this test builds, against the kernel's own accounting of that subtree
 * (memory.stat, memory.numa_stat, memory.swap.current) and of each
 * process (status, smaps_rollup, stat); shared pages once per page for
 * root and summed, with the reason, for a caller who sees no frames; bad
 * requests.  docs/cgroups.md says how the two accountings differ.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cgroup_load.h"
#include "cli_exec.h"
#include "ptscope_test.h"

/*
 * How far the kernel's memcg counters may be from what the page tables
 * map: per-CPU batches not yet flushed (the test waits for the periodic
 * flush first), the pages of the workers' private file mappings that
 * became anonymous (counted in no mapping of anon_class, see
 * docs/cgroups.md), and page tables' churn from the shell and jq.
 */
#define TOLERANCE	(1024 * 1024LL)

FIXTURE(cgroup) {
	char cli[PATH_MAX];
	char tmp[64];
	char dir[512];		/* the test's cgroup, in the mount */
	char path[256];		/* ...as /proc/PID/cgroup shows it */
	char a[600], b[600], empty[600];
	pid_t parent, other;
	int idle_a, idle_b;
	bool thp, two_nodes, swap;
};

FIXTURE_SETUP(cgroup)
{
	char own[256] = "";
	FILE *f;

	self->parent = self->other = -1;
	ASSERT_EQ(0, cli_find(self->cli)) TH_LOG("no ptscope command: build ../userspace");
	ASSERT_TRUE(cli_have_tool("jq"));
	if (!cg_mounted())
		SKIP(return, "no cgroup v2 hierarchy could be mounted");
	/* This test's own cgroup: the new one goes below it. */
	f = fopen("/proc/self/cgroup", "r");
	ASSERT_NE(NULL, f);
	while (fgets(own, sizeof(own), f) && strncmp(own, "0::", 3))
		;
	fclose(f);
	own[strcspn(own, "\n")] = 0;
	ASSERT_EQ(0, strncmp(own, "0::/", 4));
	/* Processes only in leaves: a new cgroup beside ours, at the root. */
	snprintf(self->path, sizeof(self->path), "/ptscope-cgroup-test-%d", getpid());
	snprintf(self->dir, sizeof(self->dir), CG_MOUNT "%s", self->path);
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	cg_write(CG_MOUNT, "cgroup.subtree_control", "+memory");
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, cg_write(self->dir, "cgroup.subtree_control", "+memory"))
		TH_LOG("the memory controller cannot be enabled");
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	snprintf(self->empty, sizeof(self->empty), "%s/empty", self->dir);
	ASSERT_EQ(0, mkdir(self->empty, 0755));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-cg-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	self->thp = thp_enabled() && !kernel_lacks(FEATURE_THP);
	self->two_nodes = nr_nodes() >= 2;
	self->swap = ensure_swap();
	self->parent = cg_start(self->a, CG_PARENT, 0, 2, self->thp, self->two_nodes,
				self->swap, &self->idle_a);
	ASSERT_LT(0, self->parent) TH_LOG("the worker in a could not build its memory");
	self->other = cg_start(self->b, CG_OTHER, 65534, 1, false, false, false,
			       &self->idle_b);
	ASSERT_LT(0, self->other) TH_LOG("the worker in b could not build its memory");
	/* memcg's per-CPU counters are flushed every 2 s. */
	sleep(3);
}

FIXTURE_TEARDOWN(cgroup)
{
	mixed_stop(self->parent, self->idle_a);
	mixed_stop(self->other, self->idle_b);
	/* The forked child dies with its parent (PDEATHSIG); wait for it. */
	for (int i = 0; i < 100 && cg_value(self->a, "cgroup.procs") > 0; i++)
		usleep(20000);
	cg_remove(self->dir);
	cli_shell("rm -rf '%s'", self->tmp);
}

/* A number jq's @filter finds in JSON file @file; -1 if none. */
static long long jq_num(const char *file, const char *filter)
{
	int st;
	char *out = cli_capturef(&st, "jq -r '%s' '%s'", filter, file);
	long long v = out && *out >= '0' && *out <= '9' ? strtoll(out, NULL, 10) : -1;

	free(out);
	return v;
}

/* `ptscope CMD --cgroup PATH --json` (as root) into tmp/@file; its status. */
static int cg_json(FIXTURE_DATA(cgroup) *self, const char *file, const char *cmd,
		   const char *below)
{
	return cli_shell("'%s' %s --cgroup '%s%s' --json > '%s/%s'", self->cli, cmd,
			 self->path, below, self->tmp, file);
}

#define JQ(file, filter) ({						\
	char f_[PATH_MAX];						\
	snprintf(f_, sizeof(f_), "%s/%s", self->tmp, file);		\
	jq_num(f_, filter);						\
})

#define EXPECT_NEAR(want, got, what) do {				\
	long long w_ = (want), g_ = (got);				\
	EXPECT_LE(llabs(w_ - g_), TOLERANCE)				\
		TH_LOG("%s: the kernel says %lld, ptscope %lld", what, w_, g_); \
} while (0)

TEST_F_TIMEOUT(cgroup, processes_are_the_subtrees, 120)
{
	ASSERT_EQ(0, cg_json(self, "maps.json", "maps", ""));
	/* The parent and its child (a), the other (b): no one else. */
	EXPECT_EQ(3, JQ("maps.json", ".processes | length"));
	EXPECT_EQ(0, cli_shell("cat %s/cgroup.procs %s/cgroup.procs | sort -n > %s/procs && "
			       "jq -r '.processes[].pid' %s/maps.json | sort -n | cmp -s - %s/procs",
			       self->a, self->b, self->tmp, self->tmp, self->tmp))
		TH_LOG("the pids are not the subtree's cgroup.procs");
	EXPECT_EQ(0, cli_shell("jq -e '.counted == \"once_per_page\" and .not_visible == 0' "
			       "'%s/maps.json' >/dev/null", self->tmp));
	/* Each process's cgroup is its own /proc/PID/cgroup's. */
	EXPECT_EQ(0, cli_shell("jq -r '.processes[] | \"\\(.pid) \\(.cgroup)\"' '%s/maps.json' | "
			       "while read p c; do grep -qx \"0::$c\" /proc/$p/cgroup || exit 1; done",
			       self->tmp));
	/* One leaf: the other alone. */
	ASSERT_EQ(0, cg_json(self, "b.json", "maps", "/b"));
	EXPECT_EQ(self->other, JQ("b.json", "[.processes[].pid] | if length == 1 then .[0] else -1 end"));
	/* Recorded, it replays the same, without the cgroup's mount. */
	EXPECT_EQ(0, cli_shell("cd %s && '%s' thp --cgroup '%s' --json --record rec > live && "
			       "'%s' --replay rec thp --cgroup '%s' --json > replayed && cmp -s live replayed",
			       self->tmp, self->cli, self->path, self->cli, self->path));
	/*
	 * The root: every process, the kernel threads counted apart (they are
	 * in it and have no memory), as root none refused.
	 */
	ASSERT_EQ(0, cli_shell("'%s' maps --cgroup / --json > '%s/root.json'", self->cli, self->tmp));
	EXPECT_LE(4, JQ("root.json", ".processes | length"));
	EXPECT_LE(1, JQ("root.json", ".kernel_threads"));
	EXPECT_EQ(0, JQ("root.json", ".not_visible"));
	EXPECT_EQ(0, cli_shell("for p in %d %d %d; do jq -e \"[.processes[].pid] | index($p)\" "
			       "'%s/root.json' >/dev/null || exit 1; done",
			       self->parent, self->other, getpid(), self->tmp));
	/* The empty cgroup: no process, zeros. */
	ASSERT_EQ(0, cg_json(self, "empty.json", "maps", "/empty"));
	EXPECT_EQ(0, JQ("empty.json", ".processes | length"));
	EXPECT_EQ(0, JQ("empty.json", ".total.resident_bytes"));
}

/* The subtree's totals, each page once, against its memory.stat. */
TEST_F_TIMEOUT(cgroup, totals_match_memory_stat, 120)
{
	long long anon, sum_anon, shmem, file, fmapped;

	ASSERT_EQ(0, cg_json(self, "maps.json", "maps", ""));
	anon = JQ("maps.json", ".total.anon_bytes");
	sum_anon = JQ("maps.json", ".sum.anon_bytes");
	EXPECT_NEAR(cg_stat(self->dir, "memory.stat", "anon", -1), anon, "anon");
	/* The fork's shared pages are in both processes' sums, once in the total. */
	EXPECT_LE((CG_ANON_MB - CG_COW_MB) * MB, sum_anon - anon)
		TH_LOG("sum %lld, total %lld: the COW-shared pages were not counted once",
		       sum_anon, anon);
	shmem = JQ("maps.json", ".total.shmem_bytes");
	EXPECT_NEAR(cg_stat(self->dir, "memory.stat", "shmem", -1), shmem, "shmem");
	EXPECT_NEAR(2 * shmem, JQ("maps.json", ".sum.shmem_bytes"), "shmem mapped twice");
	/*
	 * file_mapped counts the mapped file and shmem pages charged here: the
	 * memfd, not the libraries another cgroup read first.
	 */
	file = JQ("maps.json", ".total.file_bytes");
	fmapped = cg_stat(self->dir, "memory.stat", "file_mapped", -1);
	EXPECT_LE(shmem - TOLERANCE, fmapped);
	EXPECT_GE(shmem + file + TOLERANCE, fmapped);
	if (self->swap) {
		long long swapped = cg_value(self->dir, "memory.swap.current");

		if (swapped >= 0)
			EXPECT_NEAR(swapped, JQ("maps.json", ".total.swap_bytes"), "swap");
		EXPECT_NEAR(2 * JQ("maps.json", ".total.swap_bytes"),
			    JQ("maps.json", ".sum.swap_bytes"), "swap slots mapped twice");
	}
}

TEST_F_TIMEOUT(cgroup, thp_and_nodes_match, 120)
{
	long long thp;
	int node;

	ASSERT_EQ(0, cg_json(self, "thp.json", "thp", ""));
	thp = JQ("thp.json", ".total.anon_thp_bytes");
	if (kernel_lacks(FEATURE_THP)) {
		/* No THP in the kernel: no anon_thp in memory.stat, none here. */
		EXPECT_EQ(-1, cg_stat(self->dir, "memory.stat", "anon_thp", -1));
		EXPECT_EQ(0, thp);
	} else {
		EXPECT_EQ(cg_stat(self->dir, "memory.stat", "anon_thp", -1), thp);
	}
	if (self->thp)
		EXPECT_LT(0, JQ("thp.json", ".sum.anon_thp_bytes"))
			TH_LOG("no THP was had: the comparison says little");
	/* Each process's own against its smaps_rollup. */
	EXPECT_EQ(0, cli_shell("jq -r '.processes[] | \"\\(.pid) \\(.anon_thp_bytes)\"' "
			       "'%s/thp.json' | while read p b; do "
			       "k=$(awk '/^AnonHugePages:/ {print $2}' /proc/$p/smaps_rollup); "
			       "[ -n \"$k\" ] && [ $((k * 1024)) = $b ] || exit 1; done", self->tmp));
	if (!self->two_nodes)
		SKIP(return, "one NUMA node: memory.numa_stat has nothing to tell apart");
	ASSERT_EQ(0, cg_json(self, "numa.json", "numa", ""));
	for (node = 0; node < 2; node++) {
		char filter[64], what[32];

		snprintf(filter, sizeof(filter), ".total.anon_node_bytes.\"%d\" // 0", node);
		snprintf(what, sizeof(what), "anon on node %d", node);
		EXPECT_NEAR(cg_stat(self->dir, "memory.numa_stat", "anon", node),
			    JQ("numa.json", filter), what);
	}
	EXPECT_LE(CG_NODE1_MB * MB, JQ("numa.json", ".total.anon_node_bytes.\"1\" // 0"));
}

/* faults --cgroup: every process's counters are its /proc/PID/stat's. */
TEST_F(cgroup, faults_are_each_processs)
{
	ASSERT_EQ(0, cg_json(self, "faults.json", "faults", ""));
	EXPECT_EQ(3, JQ("faults.json", ".processes | length"));
	EXPECT_EQ(0, cli_shell("jq -r '.processes[] | \"\\(.pid) \\(.minor_faults) \\(.major_faults)\"' "
			       "'%s/faults.json' | while read p mi ma; do "
			       "set -- $(sed 's/.*) //' /proc/$p/stat); "
			       "[ $8 = $mi ] && [ ${10} = $ma ] && continue; "
			       "echo \"# $p: ptscope $mi $ma, stat $8 ${10}\"; exit 1; done", self->tmp));
	/* The total's: the processes' /proc/PID/stat, added. */
	EXPECT_EQ(0, cli_shell("t=0; for p in $(cat %s/cgroup.procs %s/cgroup.procs); do "
			       "set -- $(sed 's/.*) //' /proc/$p/stat); t=$((t + $8)); done; "
			       "[ $t = $(jq .sum.minor_faults '%s/faults.json') ]",
			       self->a, self->b, self->tmp));
}

/* top --by cgroup: a row per cgroup, the sums of its processes' counters. */
TEST_F_TIMEOUT(cgroup, top_by_cgroup_sums_its_processes, 120)
{
	char filter[512];

	ASSERT_EQ(0, cli_shell("'%s' top -b -n 1 --exact --by cgroup --cgroup '%s' --json > '%s/top.json'",
			       self->cli, self->path, self->tmp));
	EXPECT_EQ(2, JQ("top.json", ".cgroups | length"));
	snprintf(filter, sizeof(filter), ".cgroups[] | select(.cgroup == \"%s/a\") | .processes",
		 self->path);
	EXPECT_EQ(2, JQ("top.json", filter));
	/* Each cgroup's RSS, page tables and swap: its processes' status, summed. */
	EXPECT_EQ(0, cli_shell("jq -r '.cgroups[] | \"\\(.cgroup) \\(.rss_bytes) \\(.page_table_bytes) \\(.swap_bytes)\"' "
			       "'%s/top.json' | while read c r p w; do "
			       "set -- $(for q in $(cat %s$c/cgroup.procs); do "
			       "awk '/^(RssAnon|RssFile|RssShmem):/ {r += $2} /^VmPTE:/ {p = $2} /^VmSwap:/ {w = $2} "
			       "END {print r, p, w}' /proc/$q/status; done | "
			       "awk '{r += $1; p += $2; w += $3} END {print r * 1024, p * 1024, w * 1024}'); "
			       "[ \"$1 $2 $3\" = \"$r $p $w\" ] && continue; "
			       "echo \"# $c: top $r $p $w, status $1 $2 $3\"; exit 1; done",
			       self->tmp, CG_MOUNT));
	/* The table says what its rows are. */
	EXPECT_EQ(0, cli_shell("'%s' top -b -n 1 --exact --by cgroup --cgroup '%s' | "
			       "grep -q '^ptscope top: 2 cgroups shown'", self->cli, self->path));
}

/* export --cgroup: the subtree's processes, each labelled with its cgroup. */
TEST_F_TIMEOUT(cgroup, export_labels_and_budget, 120)
{
	char *out;
	int st;

	out = cli_capturef(&st, "'%s' export --cgroup '%s' | grep '^ptscope_page_table_bytes{' | "
			   "sed 's/.*pid=\"\\([0-9]*\\)\".*cgroup=\"\\([^\"]*\\)\".*/\\1 \\2/' | "
			   "while read p c; do grep -qx \"0::$c\" /proc/$p/cgroup || echo bad $p; "
			   "echo $p; done | sort -n | tr '\\n' ' '", self->cli, self->path);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st);
	EXPECT_EQ(NULL, strstr(out, "bad")) TH_LOG("a cgroup label is not /proc/PID/cgroup's: %s", out);
	EXPECT_EQ(0, cli_shell("cat %s/cgroup.procs %s/cgroup.procs | sort -n | tr '\\n' ' ' | "
			       "grep -qx '%s'", self->a, self->b, out))
		TH_LOG("exported %s", out);
	free(out);
	/* --all labels them too. */
	EXPECT_EQ(0, cli_shell("'%s' export --all | grep -q '^ptscope_rss_bytes{pid=\"%d\",comm=\"[^\"]*\",cgroup=\"%s/b\",kind=\"anon\"}'",
			       self->cli, self->other, self->path));
	/*
	 * A budget that reaches no walk: the counters are there, the
	 * page-table facts are not, and walked_fraction says so; one ample
	 * enough for all: every process whole, as without a budget.
	 */
	ASSERT_EQ(0, cli_shell("'%s' export --cgroup '%s' --budget 1us > %s/tight",
			       self->cli, self->path, self->tmp));
	out = cli_capturef(&st, "cd %s && grep -c '^ptscope_page_table_bytes{' tight; "
			   "grep -c '^ptscope_walked_fraction{.*} 0$' tight; "
			   "grep -c '^ptscope_cow_shared_bytes{' tight", self->tmp);
	ASSERT_NE(NULL, out);
	{
		int counters = -1, unwalked = -1, cow = -1;

		sscanf(out, "%d %d %d", &counters, &unwalked, &cow);
		EXPECT_EQ(3, counters);
		EXPECT_LE(1, unwalked) TH_LOG("a budget of 1us walked every process");
		EXPECT_EQ(3 - unwalked, cow) TH_LOG("an unwalked process has page-table facts");
	}
	free(out);
	EXPECT_EQ(0, cli_shell("cd %s && '%s' export --cgroup '%s' --budget 60s > ample && "
			       "[ $(grep -c '^ptscope_walked_fraction{.*} 1$' ample) = 3 ] && "
			       "'%s' export --cgroup '%s' > whole && "
			       "grep '^ptscope_cow_shared_bytes{' ample > a && "
			       "grep '^ptscope_cow_shared_bytes{' whole > w && cmp -s a w",
			       self->tmp, self->cli, self->path, self->cli, self->path));
}

struct nobody_args {
	FIXTURE_DATA(cgroup) *self;
};

/*
 * As nobody: root's two processes are counted as not visible, nobody's own
 * is shown, and without frames the total is a sum that says so.
 */
static int cgroup_as_nobody(void *arg)
{
	FIXTURE_DATA(cgroup) *self = ((struct nobody_args *)arg)->self;
	char *out;
	int st;

	out = cli_capturef(&st, "'%s' maps --cgroup '%s' --json | jq -r "
			   "'[(.processes | length), .not_visible, .processes[0].pid, "
			   "  .counted, (.total | tostring), .sum.anon_bytes] | @tsv'",
			   self->cli, self->path);
	if (!out || st)
		return 1;
	{
		long shown, hidden, pid, anon;
		char counted[64], total[16];

		if (sscanf(out, "%ld %ld %ld %63s %15s %ld", &shown, &hidden, &pid,
			   counted, total, &anon) != 6)
			return 2;
		if (shown != 1 || pid != self->other || hidden != 2)
			return 3;
		if (strcmp(counted, "per_process_frames_hidden") || strcmp(total, "null"))
			return 4;
		if (labs(anon - status_value(self->other, "RssAnon") * 1024) > TOLERANCE)
			return 5;
	}
	free(out);
	return 0;
}

TEST_F(cgroup, unprivileged_gets_a_sum_and_why)
{
	struct nobody_args a = { .self = self };

	EXPECT_EQ(0, as_nobody(cgroup_as_nobody, &a));
}

TEST_F(cgroup, bad_requests_get_a_sentence)
{
	static const struct {
		const char *args, *says;
	} cases[] = {
		{ "thp --cgroup relative/path", "--cgroup takes a cgroup path" },
		{ "thp --cgroup /a/../b", "--cgroup takes a cgroup path" },
		{ "numa --cgroup /no-such-cgroup-here", "there is no cgroup /no-such-cgroup-here" },
		{ "maps --cgroup / 1", "give no PID" },
		{ "maps --cgroup / --heatmap", "--heatmap does not go with --cgroup" },
		{ "faults --cgroup / --interval 1", "--interval does not go with --cgroup" },
		{ "pages --cgroup / 1", "unrecognized option '--cgroup'" },
		{ "thp --cgroup / -o NOPE", "NOPE" },
		{ "export --cgroup / --pid 1", "exclude each other" },
		{ "export --pid 1 --budget 10ms", "--budget goes with --all or --cgroup" },
		{ "export --all --budget lots", "--budget takes a CPU time" },
		{ "export --cgroup relative", "--cgroup takes a cgroup path" },
		{ "top -b --by nothing", "--by takes cgroup or process" },
		{ "top -b --cgroup /no-such-cgroup-here", "there is no cgroup" },
	};
	char *out;
	size_t i;
	int st;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		out = cli_capturef(&st, "'%s' %s 2>&1", self->cli, cases[i].args);
		ASSERT_NE(NULL, out);
		EXPECT_NE(0, st) TH_LOG("%s succeeded", cases[i].args);
		EXPECT_NE(NULL, strstr(out, cases[i].says))
			TH_LOG("%s said: %s", cases[i].args, out);
		free(out);
	}
}

/* The workers are this program again: cg_start() execs it in their cgroup. */
int main(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "--cgroup-worker"))
		return cg_worker_main(argc, argv);
	return test_harness_run(argc, argv);
}
