// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope export --format prometheus, end to end.  A target builds known
 * memory (pinned to node 0's CPU, its buffer bound to node 1, a THP, swapped
 * pages, pages shared with a forked child) and blocks; the export must pass
 * promtool's strict check and its numbers must equal what the kernel's own
 * interfaces say: /proc/PID/status (VmSwap, VmPTE, RssAnon/File/Shmem),
 * /proc/PID/stat (faults), smaps_rollup (AnonHugePages), numa_maps (pages per
 * node), pagemap + kpageflags (pages shared copy-on-write).
 *
 * promtool is $PROMTOOL, else bookworm's, unpacked by scripts/deps.
 */
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "mixed_load.h"
#include "ptscope_test.h"


static const char *promtool(void)
{
	const char *env = getenv("PROMTOOL");

	return env && *env ? env : "/var/cache/ptscope/promtool/usr/bin/promtool";
}

FIXTURE(export) {
	char cli[PATH_MAX];
	pid_t pid;
	int idle_w;
	bool two_nodes, thp, swap;
};

FIXTURE_SETUP(export)
{
	ASSERT_EQ(0, cli_find(self->cli)) TH_LOG("no ptscope command: build ../userspace");
	ASSERT_EQ(0, access(promtool(), X_OK)) TH_LOG("no promtool at %s", promtool());
	self->two_nodes = nr_nodes() >= 2;
	self->thp = thp_enabled();
	self->swap = ensure_swap();
	self->pid = mixed_start(&self->idle_w, self->two_nodes, self->thp, self->swap);
	ASSERT_LT(0, self->pid) TH_LOG("the target could not build its memory");
}

FIXTURE_TEARDOWN(export)
{
	mixed_stop(self->pid, self->idle_w);
}

/*
 * The value of the sample @name{pid="@pid",...@extra...} in @text; NAN when
 * there is none.  @extra is one more label pair, e.g. kind="anon", or NULL.
 */
static double sample(const char *text, const char *name, pid_t pid,
		     const char *extra)
{
	char pidlabel[32];
	const char *line = text, *end, *sp;
	size_t n = strlen(name);

	snprintf(pidlabel, sizeof(pidlabel), "pid=\"%d\"", pid);
	for (; line && *line; line = end ? end + 1 : NULL) {
		char buf[1024];

		end = strchr(line, '\n');
		snprintf(buf, sizeof(buf), "%.*s", (int)(end ? end - line : (long)strlen(line)), line);
		if (strncmp(buf, name, n) || (buf[n] != '{' && buf[n] != ' '))
			continue;
		if (pid && !strstr(buf, pidlabel))
			continue;
		if (extra && !strstr(buf, extra))
			continue;
		sp = strrchr(buf, ' ');
		return sp ? strtod(sp + 1, NULL) : NAN;
	}
	return NAN;
}

/* promtool check metrics on @text: 0 when it accepts it. */
static int promtool_check(const char *text)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s check metrics >&2", promtool());
	return cli_feed(cmd, text);
}

/* The rest of @f (malloc'd, NUL-terminated), or NULL. */
static char *read_all(FILE *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;

	if (!mem)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(mem);
	return text;
}

static char *export_of(const char *cli, const char *args, int *status)
{
	return cli_capturef(status, "%s export %s", cli, args);
}

TEST_F(export, numbers_equal_the_kernels_own)
{
	char args[64], stat[64];
	int status;
	long local, all, rollup_kb;
	char *out;
	double v;

	snprintf(args, sizeof(args), "--pid %d --format prometheus", self->pid);
	out = export_of(self->cli, args, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, status);
	EXPECT_EQ(0, promtool_check(out)) TH_LOG("promtool rejects:\n%s", out);

	EXPECT_EQ(status_value(self->pid, "VmSwap") * 1024.0,
		  sample(out, "ptscope_swap_bytes", self->pid, NULL));
	if (self->swap)
		EXPECT_LE(SWAP_PAGES * PAGE, sample(out, "ptscope_swap_bytes", self->pid, NULL));
	EXPECT_EQ(status_value(self->pid, "VmPTE") * 1024.0,
		  sample(out, "ptscope_page_table_bytes", self->pid, NULL));
	EXPECT_EQ(status_value(self->pid, "RssAnon") * 1024.0,
		  sample(out, "ptscope_rss_bytes", self->pid, "kind=\"anon\""));
	EXPECT_EQ(status_value(self->pid, "RssFile") * 1024.0,
		  sample(out, "ptscope_rss_bytes", self->pid, "kind=\"file\""));
	EXPECT_EQ(status_value(self->pid, "RssShmem") * 1024.0,
		  sample(out, "ptscope_rss_bytes", self->pid, "kind=\"shmem\""));
	snprintf(stat, sizeof(stat), "/proc/%d/stat", self->pid);
	EXPECT_EQ((double)stat_field(stat, 10),
		  sample(out, "ptscope_faults_total", self->pid, "type=\"minor\""));
	EXPECT_EQ((double)stat_field(stat, 12),
		  sample(out, "ptscope_faults_total", self->pid, "type=\"major\""));
	/* One export, no rate yet. */
	EXPECT_TRUE(isnan(sample(out, "ptscope_fault_rate", self->pid, NULL)));

	v = sample(out, "ptscope_cow_shared_bytes", self->pid, NULL);
	EXPECT_EQ(cow_shared_pages(self->pid) * (double)PAGE, v);
	EXPECT_LE(SHARED_PAGES * PAGE, v);

	if (self->thp) {
		rollup_kb = proc_key_value(self->pid, "smaps_rollup", "AnonHugePages");
		ASSERT_LE(0, rollup_kb);
		EXPECT_EQ(rollup_kb * 1024.0,
			  sample(out, "ptscope_huge_bytes", self->pid, "kind=\"thp_pmd\""));
		EXPECT_LE(SZ_2M, rollup_kb * 1024);
		v = sample(out, "ptscope_thp_fraction", self->pid, NULL);
		EXPECT_LT(0, v);
		EXPECT_GE(1, v);
	} else if (kernel_lacks(FEATURE_THP)) {
		/* No THP in this kernel: no THP series, rather than zeros. */
		EXPECT_EQ(NULL, strstr(out, "\nptscope_thp_fraction{"));
		EXPECT_EQ(NULL, strstr(out, "kind=\"thp_pmd\""));
	}
	if (self->two_nodes) {
		/* Threads run on node 0 only: everything elsewhere is remote. */
		numa_maps_pages(self->pid, &local, &all);
		ASSERT_LT(0, all);
		v = sample(out, "ptscope_numa_remote_fraction", self->pid, NULL);
		EXPECT_LE(NODE1_PAGES, all - local);
		/* numa_maps skips the zero page and special maps: within 2%. */
		EXPECT_GT(0.02, fabs(v - (double)(all - local) / all))
			TH_LOG("remote fraction %f, numa_maps says %ld of %ld pages off node 0",
			       v, all - local, all);
	}
	free(out);
}

struct all_args {
	const char *cli;
	pid_t target;
};

/* As nobody: --all must leave out root's target, and say it skipped some. */
static int export_all_as_nobody(void *arg)
{
	struct all_args *a = arg;
	int status;
	char *out = export_of(a->cli, "--all", &status);

	if (!out || status)
		return 1;
	if (!isnan(sample(out, "ptscope_rss_bytes", a->target, NULL)))
		return 2;
	/* Its own process is nobody's: exported. */
	if (isnan(sample(out, "ptscope_rss_bytes", getpid(), NULL)))
		return 3;
	if (!(sample(out, "ptscope_export_skipped_processes", 0, NULL) >= 1))
		return 4;
	return promtool_check(out) ? 5 : 0;
}

TEST_F(export, all_exports_what_the_caller_may_query)
{
	struct all_args a = { .cli = self->cli, .target = self->pid };
	int status;
	char *out = export_of(self->cli, "--all", &status);

	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, status);
	EXPECT_EQ(0, promtool_check(out));
	EXPECT_FALSE(isnan(sample(out, "ptscope_rss_bytes", self->pid, NULL)));
	EXPECT_FALSE(isnan(sample(out, "ptscope_rss_bytes", getpid(), NULL)));
	/* kthreadd has no memory to query: skipped, not exported. */
	EXPECT_TRUE(isnan(sample(out, "ptscope_rss_bytes", 2, NULL)));
	EXPECT_LE(1, sample(out, "ptscope_export_skipped_processes", 0, NULL));
	free(out);
	EXPECT_EQ(0, as_nobody(export_all_as_nobody, &a));
}

TEST_F(export, output_file_is_replaced_whole)
{
	char dir[] = "/tmp/ptscope-export-XXXXXX", path[64], *rest;
	int i, whole = 0, status;
	pid_t child;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ptscope.prom", dir);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", self->pid);
		execl(self->cli, "ptscope", "export", "--pid", pid, "--interval", "0.2",
		      "--textfile", path, (char *)NULL);
		_exit(127);
	}
	/* Every read sees one whole export: it ends with the last family. */
	for (i = 0; i < 60; i++) {
		char *text;

		usleep(40000);
		f = fopen(path, "r");
		if (!f)
			continue;
		text = read_all(f);
		fclose(f);
		ASSERT_NE(NULL, text);
		EXPECT_NE(NULL, strstr(text, "\nptscope_export_duration_seconds "))
			TH_LOG("a partial file:\n%s", text);
		EXPECT_FALSE(isnan(sample(text, "ptscope_rss_bytes", self->pid, "kind=\"anon\"")));
		whole++;
		if (i == 59) {
			/* Later exports carry the rate since the one before. */
			EXPECT_EQ(0, sample(text, "ptscope_fault_rate", self->pid, "type=\"major\""));
			EXPECT_EQ(0, promtool_check(text));
		}
		free(text);
	}
	EXPECT_LT(40, whole);
	kill(child, SIGTERM);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Nothing but the file itself is left in the directory. */
	rest = cli_capturef(&status, "ls -A %s", dir);
	ASSERT_NE(NULL, rest);
	EXPECT_EQ(0, status);
	/* One line: that name, and no other after it. */
	EXPECT_STREQ("ptscope.prom\n", rest);
	free(rest);
	unlink(path);
	rmdir(dir);
}

TEST_F(export, bad_requests_get_a_sentence)
{
	static const struct {
		const char *args, *says;
	} cases[] = {
		{ "", "give --pid PID, --all or --cgroup PATH" },
		{ "--pid 1 --all", "exclude each other" },
		{ "--pid 1 --format json", "only 'prometheus'" },
		{ "--pid nope", "not a process id" },
		{ "--pid 1 --interval 0", "--interval takes seconds" },
		{ "--pid 999999999", "999999999" },
		{ "--pid 1 --textfile /nonexistent/dir/x.prom", "cannot write" },
	};
	char args[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int status;
		char *out;

		snprintf(args, sizeof(args), "%s 2>&1", cases[i].args);
		out = export_of(self->cli, args, &status);
		ASSERT_NE(NULL, out);
		EXPECT_NE(0, status) TH_LOG("export %s succeeded", cases[i].args);
		EXPECT_NE(NULL, strstr(out, cases[i].says))
			TH_LOG("export %s said: %s", cases[i].args, out);
		free(out);
	}
}

TEST_HARNESS_MAIN
