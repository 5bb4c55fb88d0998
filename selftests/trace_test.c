// SPDX-License-Identifier: GPL-2.0
/*
 * `ptscope trace`: a child takes a known number of faults while the tracer
 * watches it: N minor faults (first writes to fresh anonymous pages) in one
 * mapping, M major faults (reads of pages that MADV_PAGEOUT sent to swap;
 * /proc/PID/pagemap's swap bit says how many went) in another.  The JSON
 * must put at least N minor faults in the first mapping and M major ones in
 * the second, and no more faults in all than the child's own
 * /proc/self/stat counted over the same window.  As user nobody the
 * command must say that BPF is not permitted.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "oracle.h"
#include "ptscope_test.h"

/*
 * These tests trace faults while the CLI runs: seconds under TCG, but past
 * the harness's 30 s on the debug kernel (KASAN, lockdep: make check-debug).
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

#define NMINOR		256
#define NMAJOR		64
#define NPROTECT	32	/* write-protects of a touched page: a flush each */
/*
 * Faults the tracer may see in the window beyond the stat delta: none are
 * expected (the window is opened after the child's first stat read and
 * closed at its exit, which takes no user faults), but the child's read of
 * /proc/self/stat and its write of the report may touch a page or two.
 */
#define SLACK		8

/* What the child reports: its mappings, then its stat deltas. */
struct layout {
	uint64_t minor_at, major_at;	/* NMINOR and NMAJOR pages */
	uint64_t swapped;		/* pages of major_at in swap */
};

struct stat_delta {
	uint64_t minor, major;
};

/* Fields 10 (minflt) and 12 (majflt) of /proc/self/stat. */
static int self_faults(uint64_t *minor, uint64_t *major)
{
	char buf[1024], *p;
	unsigned long long mi, ma;
	int fd = open("/proc/self/stat", O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &mi, &ma) != 2)
		return -1;
	*minor = mi;
	*major = ma;
	return 0;
}

/* @n read-write pages between PROT_NONE guards: a VMA of its own, no THP. */
static char *map_guarded(size_t n)
{
	char *p = map_anon((n + 2) * PAGE, PROT_NONE, 0);

	if (!p || mprotect(p + PAGE, n * PAGE, PROT_READ | PROT_WRITE) ||
	    no_huge_pages(p + PAGE, n * PAGE))
		return NULL;
	return p + PAGE;
}

static void child_main(int go, int report, bool swap)
{
	struct layout l = { 0 };
	struct stat_delta d;
	uint64_t pm[NMAJOR], mi0, ma0, mi1, ma1;
	volatile char *a = (volatile char *)map_guarded(NMINOR);
	volatile char *b = (volatile char *)map_guarded(NMAJOR);
	char c;
	int i;

	if (!a || !b)
		_exit(1);
	for (i = 0; i < NMAJOR; i++)
		b[i * PAGE] = i + 1;
	if (swap && !madvise((void *)b, NMAJOR * PAGE, MADV_PAGEOUT) &&
	    !pagemap_read(getpid(), (uintptr_t)b, NMAJOR, pm))
		for (i = 0; i < NMAJOR; i++)
			l.swapped += !!(pm[i] & PM_SWAP);
	l.minor_at = (uintptr_t)a;
	l.major_at = (uintptr_t)b;
	if (write(report, &l, sizeof(l)) != sizeof(l) || read(go, &c, 1) != 1)
		_exit(1);

	if (self_faults(&mi0, &ma0))
		_exit(1);
	for (i = 0; i < NMINOR; i++)
		a[i * PAGE] = 1;
	for (i = 0; i < NMAJOR; i++)
		c += b[i * PAGE];
	for (i = 0; i < NPROTECT; i++)
		if (mprotect((void *)a, PAGE, PROT_READ) ||
		    mprotect((void *)a, PAGE, PROT_READ | PROT_WRITE))
			_exit(1);
	if (self_faults(&mi1, &ma1))
		_exit(1);
	d.minor = mi1 - mi0;
	d.major = ma1 - ma0;
	_exit(write(report, &d, sizeof(d)) == sizeof(d) ? 0 : 1);
}

struct tracer {
	char cmd[PATH_MAX * 2 + 128];
	char *out;
	int status;
};

static void *run_tracer(void *arg)
{
	struct tracer *t = arg;

	t->out = cli_capture(t->cmd, &t->status);
	return NULL;
}

/* Wait up to @secs for the tracer's "Tracing process" line in @path. */
static bool tracer_ready(const char *path, int secs)
{
	char line[256];
	int i;

	for (i = 0; i < secs * 10; i++) {
		FILE *f = fopen(path, "r");
		bool ok = false;

		if (f) {
			while (fgets(line, sizeof(line), f))
				ok |= !strncmp(line, "Tracing process", 15);
			fclose(f);
		}
		if (ok)
			return true;
		usleep(100000);
	}
	return false;
}

/* jq @filter on @path, as a number. */
static unsigned long long jq_num(const char *path, const char *filter)
{
	char cmd[PATH_MAX + 1024], *s;
	unsigned long long v;
	int st;

	snprintf(cmd, sizeof(cmd), "jq -r '%s' '%s'", filter, path);
	s = cli_capture(cmd, &st);
	v = st ? ULLONG_MAX : cli_number(s, ULLONG_MAX);
	free(s);
	return v;
}

TEST(faults_by_mapping)
{
	char cli[PATH_MAX], dir[] = "/tmp/trace_test.XXXXXX", err[PATH_MAX], out[PATH_MAX];
	char filter[512];
	int go[2], report[2], status;
	struct tracer t = { 0 };
	struct stat_delta d;
	struct layout l;
	unsigned long long minor_in_a, major_in_b, minor, major, flushes;
	pthread_t th;
	pid_t child;
	bool swap;
	FILE *f;

	if (cli_find(cli))
		SKIP(return, "the ptscope command is not built (make -C userspace)");
	if (!cli_have_tool("jq"))
		SKIP(return, "jq is not installed");
	/* As the command says: its BPF program needs the kernel's BTF. */
	REQUIRE_FEATURE(FEATURE_BTF);
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(err, sizeof(err), "%s/err", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	swap = ensure_swap();
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(report));
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		child_main(go[0], report[1], swap);
	ASSERT_EQ(sizeof(l), read(report[0], &l, sizeof(l)));

	snprintf(t.cmd, sizeof(t.cmd), "'%s' trace %d --duration 120 --json 2>'%s'",
		 cli, child, err);
	ASSERT_EQ(0, pthread_create(&th, NULL, run_tracer, &t));
	if (!tracer_ready(err, 90)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		pthread_join(th, NULL);
		f = fopen(err, "r");
		if (f) {
			char line[512];

			while (fgets(line, sizeof(line), f))
				TH_LOG("ptscope: %s", line);
			fclose(f);
		}
		free(t.out);
		ASSERT_TRUE(false);
	}
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(sizeof(d), read(report[0], &d, sizeof(d)));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);
	pthread_join(th, NULL);
	ASSERT_EQ(0, t.status);
	ASSERT_NE(NULL, t.out);
	f = fopen(out, "w");
	ASSERT_NE(NULL, f);
	fputs(t.out, f);
	fclose(f);
	free(t.out);

	EXPECT_EQ(1, jq_num(out, ".exited | if . then 1 else 0 end"));
	snprintf(filter, sizeof(filter),
		 "[.faults[] | select(.start <= %llu and %llu < .end) | .minor] | add // 0",
		 (unsigned long long)l.minor_at, (unsigned long long)l.minor_at);
	minor_in_a = jq_num(out, filter);
	snprintf(filter, sizeof(filter),
		 "[.faults[] | select(.start <= %llu and %llu < .end) | .major] | add // 0",
		 (unsigned long long)l.major_at, (unsigned long long)l.major_at);
	major_in_b = jq_num(out, filter);
	minor = jq_num(out, ".totals.minor");
	major = jq_num(out, ".totals.major");
	flushes = jq_num(out, "[.tlb_flushes[] | .flushes] | add");
	TH_LOG("traced: %llu minor in the first mapping, %llu major in the second "
	       "(%llu swapped), %llu minor and %llu major in all; stat: %llu minor, %llu major",
	       minor_in_a, major_in_b, (unsigned long long)l.swapped, minor, major,
	       (unsigned long long)d.minor, (unsigned long long)d.major);

	EXPECT_LE(NMINOR, d.minor);
	EXPECT_LE(NMINOR, minor_in_a);
	EXPECT_LE(l.swapped, d.major);
	EXPECT_LE(l.swapped, major_in_b);
	EXPECT_GE(d.minor + SLACK, minor);
	EXPECT_GE(d.major + SLACK, major);
	TH_LOG("TLB flushes: %llu for %d write-protects", flushes, NPROTECT);
	EXPECT_LE(NPROTECT, flushes);
	if (!l.swapped)
		TH_LOG("no swap, or MADV_PAGEOUT swapped nothing: major faults not checked");

	snprintf(filter, sizeof(filter), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(filter));
}

static int trace_as_nobody(void *arg)
{
	char cmd[PATH_MAX + 128], *s;
	int st, ok;

	snprintf(cmd, sizeof(cmd), "'%s' trace %d --duration 1 2>&1", (char *)arg,
		 (int)getppid());
	s = cli_capture(cmd, &st);
	ok = s && strstr(s, "BPF is not permitted") && st != 0;
	if (!ok)
		fprintf(stderr, "# as nobody: status %d: %s", st, s ? s : "(no output)\n");
	free(s);
	return ok ? 0 : 1;
}

TEST(not_permitted)
{
	char cli[PATH_MAX];

	if (cli_find(cli))
		SKIP(return, "the ptscope command is not built (make -C userspace)");
	EXPECT_EQ(0, as_nobody(trace_as_nobody, cli));
}

TEST(bad_arguments)
{
	char cli[PATH_MAX], cmd[PATH_MAX + 128], *s;
	pid_t gone;
	int st;

	if (cli_find(cli))
		SKIP(return, "the ptscope command is not built (make -C userspace)");
	gone = fork();
	if (!gone)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(cmd, sizeof(cmd), "'%s' trace %d 2>&1", cli, gone);
	s = cli_capture(cmd, &st);
	EXPECT_NE(0, st);
	EXPECT_NE(NULL, strstr(s, "no process"));
	free(s);
	snprintf(cmd, sizeof(cmd), "'%s' trace 1 --duration 0 2>&1", cli);
	s = cli_capture(cmd, &st);
	EXPECT_NE(0, st);
	EXPECT_NE(NULL, strstr(s, "--duration"));
	free(s);
}

TEST_HARNESS_MAIN
