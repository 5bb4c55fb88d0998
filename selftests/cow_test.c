// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope cow against the kernel's own view of a parent and its child.
 *
 * The parent maps fixtures (anonymous pages, a THP, a KSM-merged region,
 * zero pages), forks, and the child writes a set of pages the test chose.
 * `ptscope cow PARENT CHILD --json --all` must then put every page of the
 * fixtures in the class that /proc/PID/pagemap of both processes and
 * /proc/kpageflags give (same frame: shared, or ksm/zero by the page's
 * flags; different frames: copied; present on one side: only_a/only_b),
 * and the pages the child wrote must be copied, the ones it left shared.
 * As user nobody frames are hidden: the command must say it inferred, and
 * the inference must still agree with the frames (anonymous 4 KiB pages,
 * KSM and zero pages; large folios are logged, see docs/cow.md).
 *
 * The command is $PTSCOPE_CLI, else ../userspace/ptscope; needs jq.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/types.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "ptscope_test.h"

#define NANON		64	/* anonymous pages, between PROT_NONE guards */
#define PARENT_WROTE	56	/* of which the parent wrote the first ones */
#define EXTRA_CHILD	60	/* a page only the child writes */
#define NKSM		32	/* identical pages, MADV_MERGEABLE */
#define KSM_CHILD	3	/* the one the child writes */
#define ZERO_PAGES		8	/* read by the parent: the zero page */
#define ZERO_CHILD	2	/* the one the child writes */
#define THP_CHILD	5	/* the page of the THP the child writes */
#define THP_PAGES	512
#define KSM_SYS		"/sys/kernel/mm/ksm/"

/* The anonymous pages the child writes after fork. */
static bool child_writes_anon(int i)
{
	return (i < PARENT_WROTE && i % 4 == 1) || i == EXTRA_CHILD;
}

enum { C_SWAPPED, C_OTHER, C_NOT_PRESENT, C_ONLY_A, C_ONLY_B, C_KSM, C_ZERO,
       C_SHARED, C_COPIED, C_NR };
static const char *const class_names[C_NR] = {
	"swapped", "other", "not_present", "only_a", "only_b", "ksm", "zero",
	"shared", "copied",
};

struct layout {
	uint64_t anon, thp, ksm, zero;
	pid_t child;
};

FIXTURE(cow) {
	char cli[PATH_MAX];
	char tmp[64];
	pid_t parent;
	int idle[2], go[2];
	struct layout l;
	bool ksm_merged;
	char ksm_saved[3][32];	/* run, pages_to_scan, sleep_millisecs */
};

FIXTURE_VARIANT(cow) {
	bool nobody;		/* the targets and the command run as nobody */
};

FIXTURE_VARIANT_ADD(cow, root) { .nobody = false };
FIXTURE_VARIANT_ADD(cow, nobody) { .nobody = true };

static const char *const ksm_knobs[3] = { "run", "pages_to_scan", "sleep_millisecs" };

static void ksm_save(char saved[3][32])
{
	char path[128];
	int i;

	for (i = 0; i < 3; i++) {
		FILE *f;

		snprintf(path, sizeof(path), KSM_SYS "%s", ksm_knobs[i]);
		saved[i][0] = 0;
		f = fopen(path, "r");
		if (f) {
			if (!fgets(saved[i], 32, f))
				saved[i][0] = 0;
			fclose(f);
		}
	}
}

static void ksm_restore(char saved[3][32])
{
	char path[128];
	int i;

	/* Values first, run last: it may start the scanner again. */
	for (i = 2; i >= 0; i--) {
		if (!saved[i][0])
			continue;
		snprintf(path, sizeof(path), KSM_SYS "%s", ksm_knobs[i]);
		write_str(path, saved[i]);
	}
}

static char *map_guarded(size_t n)
{
	char *p = map_anon((n + 2) * PAGE, PROT_NONE, 0);

	if (!p || mprotect(p + PAGE, n * PAGE, PROT_READ | PROT_WRITE) ||
	    no_huge_pages(p + PAGE, n * PAGE))
		return NULL;
	return p + PAGE;
}

/* In the parent, before fork. */
static int build_fixtures(struct layout *l)
{
	volatile char sink;
	char *p;
	int i;

	p = map_guarded(NANON);
	if (!p)
		return -1;
	for (i = 0; i < PARENT_WROTE; i++)
		p[i * PAGE] = i + 1;
	l->anon = (uintptr_t)p;

	p = map_aligned(SZ_2M, SZ_2M);
	if (!p)
		return -1;
	madvise(p, SZ_2M, MADV_HUGEPAGE);
	memset(p, 7, SZ_2M);
	l->thp = (uintptr_t)p;

	p = map_guarded(NKSM);
	if (!p)
		return -1;
	memset(p, 0x5a, NKSM * PAGE);
	if (madvise(p, NKSM * PAGE, MADV_MERGEABLE))
		return -1;
	l->ksm = (uintptr_t)p;

	p = map_guarded(ZERO_PAGES);
	if (!p)
		return -1;
	for (i = 0; i < ZERO_PAGES; i++)
		sink = p[i * PAGE];
	(void)sink;
	l->zero = (uintptr_t)p;
	return 0;
}

/* In the child, after fork: the writes the test checks for. */
static void child_writes(const struct layout *l)
{
	int i;

	for (i = 0; i < NANON; i++)
		if (child_writes_anon(i))
			((char *)l->anon)[i * PAGE] = 'c';
	((char *)l->thp)[THP_CHILD * PAGE] = 'c';
	((char *)l->ksm)[KSM_CHILD * PAGE] = 'c';
	((char *)l->zero)[ZERO_CHILD * PAGE] = 'c';
}

/*
 * All NKSM pages of the parent's KSM region are merged: identical pages
 * merged by KSM map one frame, at every address.  (Not kpageflags' KSM
 * bit: Debian's 6.12 sets it for every anonymous page, as
 * stable_page_flags() tests the KSM mapping bits with "&".)
 */
static bool ksm_done(pid_t pid, uint64_t start)
{
	uint64_t pm[NKSM];
	int i;

	if (pagemap_read(pid, start, NKSM, pm))
		return false;
	for (i = 0; i < NKSM; i++)
		if (!(pm[i] & PM_PRESENT) ||
		    (pm[i] & PM_PFN_MASK) != (pm[0] & PM_PFN_MASK))
			return false;
	return true;
}

FIXTURE_SETUP(cow)
{
	struct layout *shared;
	pid_t child = -1;
	int ready[2], i;
	char x;
	bool ok;

	self->parent = -1;
	ksm_save(self->ksm_saved);
	ASSERT_EQ(0, cli_find(self->cli)) TH_LOG("no ptscope command: build ../userspace");
	if (!cli_have_tool("jq"))
		SKIP(return, "jq is not installed");
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-cow-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	ASSERT_EQ(0, chmod(self->tmp, 0777));
	/* KSM built in: scan fast while the test waits for the merge. */
	write_str(KSM_SYS "pages_to_scan", "5000");
	write_str(KSM_SYS "sleep_millisecs", "10");
	write_str(KSM_SYS "run", "1");

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(self->idle));
	ASSERT_EQ(0, pipe(self->go));
	self->parent = fork();
	if (!self->parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(self->idle[1]);
		close(self->go[1]);
		if (variant->nobody &&
		    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
			_exit(1);
		prctl(PR_SET_DUMPABLE, 1);
		if (build_fixtures(shared))
			_exit(1);
		if (write(ready[1], "b", 1) != 1 || read(self->go[0], &x, 1) != 1)
			_exit(1);
		/* The child sends its pid: fork()'s 0 must not reach @shared. */
		if (!fork()) {
			pid_t me = getpid();

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			child_writes(shared);
			write(ready[1], &me, sizeof(me));
			read(self->idle[0], &x, 1);
			_exit(0);
		}
		read(self->idle[0], &x, 1);
		_exit(0);
	}
	close(ready[1]);
	close(self->idle[0]);
	close(self->go[0]);
	ok = self->parent > 0 && read(ready[0], &x, 1) == 1;
	/* Up to 20 s for KSM to merge the parent's identical pages. */
	for (i = 0; ok && i < 200 && !self->ksm_merged; i++) {
		self->ksm_merged = ksm_done(self->parent, shared->ksm);
		if (!self->ksm_merged)
			usleep(100000);
	}
	/* Stop scanning (merged pages stay): nothing merges behind the test. */
	write_str(KSM_SYS "run", "0");
	ok = ok && write(self->go[1], "g", 1) == 1 &&
	     read(ready[0], &child, sizeof(child)) == sizeof(child);
	close(ready[0]);
	self->l = *shared;
	self->l.child = ok ? child : -1;
	munmap(shared, sizeof(*shared));
	ASSERT_TRUE(ok) TH_LOG("the targets could not build their fixtures");
	if (!self->ksm_merged)
		TH_LOG("KSM did not merge the region in 20 s: its pages are checked as they are");
}

FIXTURE_TEARDOWN(cow)
{
	if (self->parent > 0) {
		if (self->l.child > 0)
			kill(self->l.child, SIGKILL);
		kill(self->parent, SIGKILL);
		waitpid(self->parent, NULL, 0);
		close(self->idle[1]);
		close(self->go[1]);
	}
	ksm_restore(self->ksm_saved);
	if (self->tmp[0])
		cli_shell("rm -rf '%s'", self->tmp);
}

/*
 * What pagemap and kpageflags say a page is, from its pagemap entries in
 * both processes; @merged: its frame is mapped at another address of the
 * parent's fixture too, which for anonymous memory only KSM does (see
 * ksm_done() for why not KPF_KSM).
 */
static int oracle_class(uint64_t pa, uint64_t pb, bool merged)
{
	uint64_t fa = pa & PM_PFN_MASK, fb = pb & PM_PFN_MASK, ka, kb;

	if ((pa | pb) & PM_SWAP)
		return C_SWAPPED;
	if (!(pa & PM_PRESENT) && !(pb & PM_PRESENT))
		return C_NOT_PRESENT;
	if (!(pb & PM_PRESENT))
		return C_ONLY_A;
	if (!(pa & PM_PRESENT))
		return C_ONLY_B;
	ka = kpageflags(fa);
	kb = kpageflags(fb);
	if (ka & kb & (1ULL << KPF_ZERO_PAGE))
		return C_ZERO;
	if (fa != fb)
		return C_COPIED;
	return merged ? C_KSM : C_SHARED;
}

/* Whether the frame of page @i of @pm appears at another page of it too. */
static bool frame_repeats(const uint64_t *pm, size_t n, size_t i)
{
	size_t k;

	if (!(pm[i] & PM_PRESENT))
		return false;
	for (k = 0; k < n; k++)
		if (k != i && (pm[k] & PM_PRESENT) &&
		    (pm[k] & PM_PFN_MASK) == (pm[i] & PM_PFN_MASK))
			return true;
	return false;
}

/*
 * Run `ptscope cow PARENT CHILD --json --all` (as nobody for that
 * variant) and fill @cls with the class of each page of [start, start +
 * n pages), -1 where no range covers it; @inferred likewise.  Returns the
 * JSON's "method" (malloc'd) or NULL.
 */
static char *cow_classes(struct __test_metadata *_metadata,
			 FIXTURE_DATA(cow) *self, bool nobody, uint64_t start,
			 size_t n, int *cls, bool *inferred)
{
	char cmd[PATH_MAX + 512], *out, *s, *line, *save = NULL, *method = NULL;
	unsigned long long a, b;
	char name[32], inf[8];
	size_t i;
	int st;

	st = cli_shell("%s'%s' cow %d %d --json --all > '%s/out' 2>'%s/err'",
		       nobody ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "",
		       self->cli, self->parent, self->l.child, self->tmp, self->tmp);
	if (st) {
		out = cli_capturef(&st, "cat '%s/err' '%s/out'", self->tmp, self->tmp);
		TH_LOG("ptscope cow failed: %s", out);
		free(out);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		cls[i] = -1;
		inferred[i] = false;
	}
	snprintf(cmd, sizeof(cmd),
		 "jq -r '.method, (.mappings[].ranges[] | \"\\(.start) \\(.end) \\(.class) \\(.inferred // false)\")' '%s/out'",
		 self->tmp);
	out = cli_capture(cmd, &st);
	if (st || !out) {
		TH_LOG("jq failed on the output: %s", out);
		free(out);
		return NULL;
	}
	for (s = out; (line = strtok_r(s, "\n", &save)); s = NULL) {
		int k;

		if (!method) {
			method = strdup(line);
			continue;
		}
		if (sscanf(line, "%llu %llu %31s %7s", &a, &b, name, inf) != 4)
			continue;
		for (k = 0; k < C_NR && strcmp(name, class_names[k]); k++)
			;
		for (; a < b; a += PAGE) {
			if (a < start || a >= start + n * PAGE)
				continue;
			cls[(a - start) / PAGE] = k < C_NR ? k : -2;
			inferred[(a - start) / PAGE] = !strcmp(inf, "true");
		}
	}
	free(out);
	return method;
}

/* One fixture: its range and what the test knows of each page (-1: nothing). */
struct fixture {
	const char *name;
	uint64_t start;
	size_t n;
	int (*known)(size_t i);
	bool frames_only;	/* nobody: log, do not check the inference */
};

static int known_anon(size_t i)
{
	if (child_writes_anon(i))
		return i < PARENT_WROTE ? C_COPIED : C_ONLY_B;
	return i < PARENT_WROTE ? C_SHARED : C_NOT_PRESENT;
}

static int known_thp(size_t i)
{
	return i == THP_CHILD ? C_COPIED : -1;	/* the rest: per kernel */
}

static int known_ksm(size_t i)
{
	return i == KSM_CHILD ? C_COPIED : -1;	/* merged ones: if KSM merged */
}

/*
 * Pages the parent only read map the zero page, and the mapping got no
 * anon_vma: fork() copies no page tables for such a mapping
 * (copy_page_range()), so the child starts empty there.
 */
static int known_zero(size_t i)
{
	return i == ZERO_CHILD ? C_COPIED : C_ONLY_A;
}

/* AnonHugePages of the mapping at @addr in /proc/PID/smaps, in KiB. */
static long smaps_anon_huge(pid_t pid, uint64_t addr)
{
	char path[64], line[256];
	unsigned long long s, e;
	bool in = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = s <= addr && addr < e;
		else if (in && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return kb;
}

TEST_F(cow, classes_agree_with_pagemap_and_the_writes)
{
	struct fixture fx[] = {
		{ "anon", self->l.anon, NANON, known_anon, false },
		{ "thp", self->l.thp, THP_PAGES, known_thp, true },
		{ "ksm", self->l.ksm, NKSM, known_ksm, false },
		{ "zero", self->l.zero, ZERO_PAGES, known_zero, false },
	};
	size_t f, i;

	for (f = 0; f < ARRAY_SIZE(fx); f++) {
		size_t n = fx[f].n, bad = 0, differ = 0, count[C_NR] = { 0 };
		uint64_t *pa = calloc(n, 8), *pb = calloc(n, 8);
		uint64_t *pa2 = calloc(n, 8), *pb2 = calloc(n, 8);
		int *cls = calloc(n, sizeof(int)), tries;
		bool *inf = calloc(n, sizeof(bool));
		char *method = NULL;

		ASSERT_TRUE(pa && pb && pa2 && pb2 && cls && inf);
		/* pagemap before and after must agree, else run again. */
		for (tries = 0; tries < 3; tries++) {
			free(method);
			ASSERT_EQ(0, pagemap_read(self->parent, fx[f].start, n, pa));
			ASSERT_EQ(0, pagemap_read(self->l.child, fx[f].start, n, pb));
			method = cow_classes(_metadata, self, variant->nobody,
					     fx[f].start, n, cls, inf);
			ASSERT_NE(NULL, method);
			ASSERT_EQ(0, pagemap_read(self->parent, fx[f].start, n, pa2));
			ASSERT_EQ(0, pagemap_read(self->l.child, fx[f].start, n, pb2));
			if (!memcmp(pa, pa2, n * 8) && !memcmp(pb, pb2, n * 8))
				break;
		}
		EXPECT_STREQ(variant->nobody ? "mapcount" : "frame", method);
		for (i = 0; i < n; i++) {
			int want = oracle_class(pa[i], pb[i], frame_repeats(pa, n, i));
			int known = fx[f].known(i);
			bool check = !(variant->nobody && fx[f].frames_only);

			if (want >= 0)
				count[want]++;
			if (known >= 0 && want != known && bad++ < 4)
				TH_LOG("%s page %zu: the test wrote it as %s, pagemap says %s",
				       fx[f].name, i, class_names[known], class_names[want]);
			if (check && cls[i] != want && bad++ < 4)
				TH_LOG("%s page %zu: ptscope says %s, pagemap/kpageflags %s",
				       fx[f].name, i, cls[i] >= 0 ? class_names[cls[i]] : "nothing",
				       class_names[want]);
			if (check && variant->nobody &&
			    (want == C_SHARED || want == C_COPIED) && !inf[i] && bad++ < 4)
				TH_LOG("%s page %zu: not marked inferred without frames",
				       fx[f].name, i);
			if (!check && cls[i] != want)
				differ++;	/* logged below */
		}
		EXPECT_EQ(0, bad) TH_LOG("%s: %zu pages disagree", fx[f].name, bad);
		if (!strcmp(fx[f].name, "thp"))
			TH_LOG("THP after fork and one child write (pagemap): %zu shared, %zu copied; "
			       "AnonHugePages parent %ld KiB, child %ld KiB; inferred otherwise: %zu",
			       count[C_SHARED], count[C_COPIED],
			       smaps_anon_huge(self->parent, fx[f].start),
			       smaps_anon_huge(self->l.child, fx[f].start), differ);
		if (!strcmp(fx[f].name, "ksm"))
			EXPECT_EQ(self->ksm_merged ? NKSM - 1 : count[C_KSM], count[C_KSM]);
		free(pa);
		free(pb);
		free(pa2);
		free(pb2);
		free(cls);
		free(inf);
		free(method);
	}
}

/* The per-mapping counts of the anonymous fixture are the test's own. */
TEST_F(cow, mapping_counts_are_the_writes)
{
	char cmd[PATH_MAX + 512], *out;
	unsigned long long v[5];
	int st;

	snprintf(cmd, sizeof(cmd),
		 "%s'%s' cow %d %d --json | jq -r '.mappings[] | select(.start == %llu) | .pages | "
		 "\"\\(.shared) \\(.copied) \\(.only_a) \\(.only_b) \\(.not_present)\"'",
		 variant->nobody ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "",
		 self->cli, self->parent, self->l.child, (unsigned long long)self->l.anon);
	out = cli_capture(cmd, &st);
	ASSERT_EQ(0, st);
	ASSERT_EQ(5, sscanf(out ? out : "", "%llu %llu %llu %llu %llu",
			    &v[0], &v[1], &v[2], &v[3], &v[4])) TH_LOG("output: %s", out);
	EXPECT_EQ(PARENT_WROTE - PARENT_WROTE / 4, v[0]);	/* shared */
	EXPECT_EQ(PARENT_WROTE / 4, v[1]);			/* copied */
	EXPECT_EQ(0, v[2]);					/* only_a */
	EXPECT_EQ(1, v[3]);					/* only_b */
	EXPECT_EQ(NANON - PARENT_WROTE - 1, v[4]);		/* not_present */
	free(out);
}

/* The table: a total row and a legend line for the classes it found. */
TEST_F(cow, table_has_totals_and_legend)
{
	char cmd[PATH_MAX + 512], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "%s'%s' cow %d %d",
		 variant->nobody ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "",
		 self->cli, self->parent, self->l.child);
	out = cli_capture(cmd, &st);
	ASSERT_EQ(0, st);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "total")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "mappings)")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\ncopied ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\nshared ")) TH_LOG("%s", out);
	if (variant->nobody)
		EXPECT_NE(NULL, strstr(out, "inferred")) TH_LOG("%s", out);
	free(out);
}

/* Errors: a process that does not exist, a bad operand. */
TEST_F(cow, errors_are_sentences)
{
	char cmd[PATH_MAX + 128], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' cow %d 999999999 --json 2>/dev/null", self->cli,
		 self->parent);
	out = cli_capture(cmd, &st);
	EXPECT_EQ(1, st);
	EXPECT_NE(NULL, strstr(out ? out : "", "\"error\"")) TH_LOG("%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "'%s' cow abc 1 2>&1", self->cli);
	out = cli_capture(cmd, &st);
	EXPECT_EQ(2, st);
	EXPECT_NE(NULL, strstr(out ? out : "", "not a process id")) TH_LOG("%s", out);
	free(out);
}

TEST_HARNESS_MAIN
