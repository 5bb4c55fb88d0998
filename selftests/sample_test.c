// SPDX-License-Identifier: GPL-2.0
/*
 * `ptscope maps --sample/--budget` on a 512 MiB mapping populated in a
 * pattern this test chooses, window by 2 MiB window: THPs, every third
 * page, dense 4 KiB pages, pages paged out to swap, sparse pages, nothing.
 * The estimates must lie within 4 of their stated standard errors of the
 * exact values, taken from /proc/PID/smaps (Rss, AnonHugePages, Swap) and
 * from the full `ptscope -j maps` walk; the sample must walk the number of
 * windows the fraction asks for out of the number the mapping's size gives;
 * a fraction of 1 and an unlimited budget must give the full walk exactly;
 * bad arguments get a sentence and exit status 2.
 *
 * The command is $PTSCOPE_CLI, else ../userspace/ptscope; needs jq.
 */
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ptscope_test.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "cli_exec.h"

#define MAP_LEN		(512UL << 20)
#define NWIN		(MAP_LEN / SZ_2M)
/* Small mappings of two pages each, in one 2 MiB window, walked whole. */
#define NSMALL		256
#define SMALL_LEN	(NSMALL * 2 * PAGE)
#define KHUGEPAGED	"/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none"

FIXTURE(sample) {
	char cli[PATH_MAX];
	pid_t child;
	int go[2];
	uint64_t start;
	uint64_t small;		/* NSMALL mappings from here */
	char saved_none[32], saved_numa[32];
	bool swap, thp;
	/* The oracle: smaps of the mapping, in pages. */
	long rss, anon_huge, swapped;
};

/* What window @w of the mapping gets, by w % 8. */
static void populate(char *p, bool thp, bool swap)
{
	size_t w, i;

	/* 4 KiB pages first, where no THP can be allocated... */
	no_huge_pages(p, MAP_LEN);
	for (w = 0; w < NWIN; w++) {
		char *win = p + w * SZ_2M;

		for (i = 0; i < SZ_2M / PAGE; i++) {
			switch (w % 8) {
			case 2:		/* every third page */
				if (i % 3 == 0)
					win[i * PAGE] = 1;
				break;
			case 3:		/* all but the last: then to swap */
			case 4:		/* all but the last: dense 4 KiB */
				if (i != SZ_2M / PAGE - 1)
					win[i * PAGE] = 1 + i % 7;
				break;
			case 7:		/* every 64th */
				if (i % 64 == 0)
					win[i * PAGE] = 1;
				break;
			}
		}
	}
	/* ...then THPs where nothing is mapped yet: one VMA, one flag. */
	if (thp) {
		madvise(p, MAP_LEN, MADV_HUGEPAGE);
		for (w = 0; w < NWIN; w++)
			if (w % 8 < 2)
				p[w * SZ_2M] = 1;
	}
	if (swap)
		for (w = 3; w < NWIN; w += 8)
			madvise(p + w * SZ_2M, SZ_2M, MADV_PAGEOUT);
}

FIXTURE_SETUP(sample)
{
	struct smaps_vma v[512];
	int ready[2], n, i, st;
	char x, *p, *raw;

	self->child = -1;
	self->saved_none[0] = 0;
	self->saved_numa[0] = 0;
	ASSERT_EQ(0, cli_find(self->cli)) TH_LOG("no ptscope command: build ../userspace");
	if (!cli_have_tool("jq"))
		SKIP(return, "jq is not installed");
	self->swap = ensure_swap();
	self->thp = thp_enabled();
	/* khugepaged must not collapse windows between two walks. */
	knob_set(KHUGEPAGED, "0", self->saved_none, sizeof(self->saved_none));
	/*
	 * Nor NUMA balancing mark windows PROT_NONE (one 256 MiB scan pass
	 * over the target while it populates): 6.1's smaps leaves NUMA-hinting
	 * PMD-mapped THPs out of Rss and AnonHugePages (follow_trans_huge_pmd()
	 * without FOLL_FORCE), the full walk counts them, and they differ by
	 * 512 pages a THP.
	 */
	knob_set(NUMA_BALANCING, "0", self->saved_numa, sizeof(self->saved_numa));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(self->go));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(self->go[1]);
		raw = map_anon(MAP_LEN + SZ_2M, PROT_READ | PROT_WRITE, 0);
		if (!raw)
			_exit(1);
		/* Exactly [p, p + MAP_LEN), 2 MiB aligned: the slack goes. */
		p = (char *)(((uintptr_t)raw + SZ_2M - 1) & ~(SZ_2M - 1));
		if (p > raw)
			munmap(raw, p - raw);
		if (raw + MAP_LEN + SZ_2M > p + MAP_LEN)
			munmap(p + MAP_LEN, raw + MAP_LEN + SZ_2M - (p + MAP_LEN));
		populate(p, self->thp, self->swap);
		if (write(ready[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		/* Every other one read-only, so that none merges. */
		p = map_anon(SMALL_LEN, PROT_READ | PROT_WRITE, 0);
		if (!p)
			_exit(1);
		for (i = 0; i < NSMALL; i++) {
			p[i * 2 * PAGE] = 1;
			if (i % 2 && mprotect(p + i * 2 * PAGE, 2 * PAGE, PROT_READ))
				_exit(1);
		}
		if (write(ready[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		read(self->go[0], &x, 1);
		_exit(0);
	}
	close(ready[1]);
	close(self->go[0]);
	if (read(ready[0], &p, sizeof(p)) != sizeof(p)) {
		waitpid(self->child, &st, 0);
		self->child = -1;
		ASSERT_TRUE(false) TH_LOG("the target died building its mapping: status %#x", st);
	}
	self->start = (uintptr_t)p;
	if (read(ready[0], &p, sizeof(p)) != sizeof(p)) {
		waitpid(self->child, &st, 0);
		self->child = -1;
		ASSERT_TRUE(false) TH_LOG("the target died mapping its small mappings: status %#x", st);
	}
	close(ready[0]);
	self->small = (uintptr_t)p;

	n = smaps_read(self->child, v, 512);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++)
		if (v[i].start == self->start)
			break;
	ASSERT_LT(i, n) TH_LOG("the mapping is not in smaps");
	ASSERT_EQ(self->start + MAP_LEN, v[i].end) TH_LOG("the mapping was merged or split");
	self->rss = v[i].rss / 4;
	self->anon_huge = v[i].anon_huge / 4;
	self->swapped = v[i].swap / 4;
	TH_LOG("smaps: rss %ld, thp %ld, swap %ld pages (swap %s, THP %s)",
	       self->rss, self->anon_huge, self->swapped,
	       self->swap ? "on" : "off", self->thp ? "on" : "off");
	ASSERT_GT(self->rss, 0);
}

FIXTURE_TEARDOWN(sample)
{
	if (self->child > 0) {
		close(self->go[1]);
		waitpid(self->child, NULL, 0);
	}
	knob_restore(KHUGEPAGED, self->saved_none);
	knob_restore(NUMA_BALANCING, self->saved_numa);
}

/* The numbers jq prints for `ptscope ARGS | jq -r FILTER`; their count. */
static int cli_numbers(FIXTURE_DATA(sample) *self, const char *args,
		       const char *filter, double *out, int max)
{
	char cmd[PATH_MAX + 1024], *s, *line, *save = NULL, *end;
	int st, n = 0;

	snprintf(cmd, sizeof(cmd), "'%s' -j %s | jq -r '%s'", self->cli, args, filter);
	s = cli_capture(cmd, &st);
	if (!s || st) {
		fprintf(stderr, "# %s: status %d: %s\n", cmd, st, s ? s : "");
		free(s);
		return -1;
	}
	/* An {"error": ...} document makes jq print null: not a number. */
	for (line = strtok_r(s, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		out[n++] = strtod(line, &end);
		if (end == line || *end) {
			fprintf(stderr, "# %s: '%s' is not a number\n", cmd, line);
			n = -1;
			break;
		}
	}
	free(s);
	return n;
}

/* The output of `ptscope ARGS | jq -c FILTER`, malloc'd. */
static char *cli_json(FIXTURE_DATA(sample) *self, const char *args, const char *filter)
{
	char cmd[PATH_MAX + 1024];
	int st;
	char *s;

	snprintf(cmd, sizeof(cmd), "'%s' -j %s | jq -c '%s'", self->cli, args, filter);
	s = cli_capture(cmd, &st);
	if (st) {
		free(s);
		return NULL;
	}
	return s;
}

enum { K_PRESENT, K_SWAPPED, K_THP, K_ANON, K_PTE, K_NR };
#define EST_FILTER							\
	".vmas[0] | .windows, .walked, "				\
	"(.pages | .present, .swapped, .thp_pmd, .anon | .estimate, .stderr), " \
	"(.pt_pages.pte | .estimate, .stderr)"

TEST_F(sample, estimates_are_within_4_se_of_smaps_and_the_full_walk)
{
	static const char *const names[K_NR] = { "present", "swapped", "thp_pmd", "anon", "pte" };
	double full[K_NR], r[2 + 2 * K_NR], oracle[K_NR], est, se;
	char args[256];
	int seed, k;

	snprintf(args, sizeof(args), "maps %d 0x%llx+%lu", self->child,
		 (unsigned long long)self->start, MAP_LEN);
	ASSERT_EQ(K_NR, cli_numbers(self, args,
				    ".vmas[0] | (.pages | .present, .swapped, .thp_pmd, .anon), .pt_pages.pte",
				    full, K_NR));
	/* The full walk agrees with smaps (maps.md's equalities). */
	EXPECT_EQ(self->rss, full[K_PRESENT]);
	EXPECT_EQ(self->swapped, full[K_SWAPPED]);
	EXPECT_EQ(self->anon_huge, full[K_THP]);
	oracle[K_PRESENT] = self->rss;
	oracle[K_SWAPPED] = self->swapped;
	oracle[K_THP] = self->anon_huge;
	oracle[K_ANON] = self->rss;	/* every page here is anonymous */
	oracle[K_PTE] = full[K_PTE];

	for (seed = 1; seed <= 3; seed++) {
		snprintf(args, sizeof(args), "maps %d 0x%llx+%lu --sample 1/4 --seed %d",
			 self->child, (unsigned long long)self->start, MAP_LEN, seed);
		ASSERT_EQ(2 + 2 * K_NR, cli_numbers(self, args, EST_FILTER, r, 2 + 2 * K_NR));
		/* Windows: the mapping's size in 2 MiB, a quarter of them walked. */
		EXPECT_EQ(NWIN, r[0]);
		EXPECT_EQ(NWIN / 4, r[1]);
		for (k = 0; k < K_NR; k++) {
			est = r[2 + 2 * k];
			se = r[3 + 2 * k];
			EXPECT_LE(fabs(est - oracle[k]), 4 * se + 1)
				TH_LOG("seed %d: %s estimated %.0f ± %.0f, smaps %.0f",
				       seed, names[k], est, se, oracle[k]);
			EXPECT_LE(fabs(est - full[k]), 4 * se + 1)
				TH_LOG("seed %d: %s estimated %.0f ± %.0f, full walk %.0f",
				       seed, names[k], est, se, full[k]);
		}
		/* The windows differ, so a sample that is one has an error. */
		EXPECT_GT(r[3], 0) TH_LOG("seed %d: RSS estimated with no error", seed);
	}

	/* The pages walked, as the tool counts them, are a quarter of the mapping. */
	snprintf(args, sizeof(args), "maps %d 0x%llx+%lu --sample 1/4 --seed 9",
		 self->child, (unsigned long long)self->start, MAP_LEN);
	ASSERT_EQ(3, cli_numbers(self, args, ".sample | .windows, .walked, .pages_walked", r, 3));
	EXPECT_EQ(NWIN, r[0]);
	EXPECT_EQ(NWIN / 4, r[1]);
	EXPECT_EQ(MAP_LEN / 4 / PAGE, r[2]);
}

/*
 * Full walk and sampled documents, reduced to the counts they share, less
 * `accessed`: on 7.2 the kernel's aging (MGLRU) clears accessed bits of the
 * sleeping target while the test runs, so two full walks already differ.
 */
#define FULL_COUNTS							\
	"[(.vmas[] | {start, e: .[\"end\"], pages: (.pages | del(.large_pte, .accessed)), pt: .pt_pages, " \
	"nodes}), {pages: (.totals.pages | del(.large_pte, .accessed)), pt: .totals.pt_pages, " \
	"nodes: .totals.nodes}]"
#define EST_COUNTS							\
	"[(.vmas[] | {start, e: .[\"end\"], pages: (.pages | del(.large_pte, .accessed) | map_values(.estimate)), " \
	"pt: (.pt_pages | map_values(.estimate)), nodes: (.nodes | map_values(.estimate))}), " \
	"{pages: (.totals.pages | del(.large_pte, .accessed) | map_values(.estimate)), " \
	"pt: (.totals.pt_pages | map_values(.estimate)), " \
	"nodes: (.totals.nodes | map_values(.estimate))}]"

/*
 * A full walk (@full_args, @full_filter), the sampled one, and the full walk
 * again, until the two full walks agree (at most 5 times): the target may
 * change behind the test, always one way (this test's writes unshare pages
 * it shares copy-on-write; reclaim clears accessed bits the sleeping target
 * does not set again), so equal walks around the sample mean it saw what
 * they saw.  0, or -1 if a command failed or the target kept changing.
 */
static int walk_around(FIXTURE_DATA(sample) *self, const char *full_args,
		       const char *full_filter, const char *est_args,
		       const char *est_filter, char **full, char **est)
{
	char *again = NULL;
	int tries;

	*full = *est = NULL;
	for (tries = 0; tries < 5; tries++) {
		free(*full);
		free(*est);
		free(again);
		*full = cli_json(self, full_args, full_filter);
		*est = cli_json(self, est_args, est_filter);
		again = cli_json(self, full_args, full_filter);
		if (!*full || !*est || !again)
			break;
		if (!strcmp(*full, again)) {
			free(again);
			return 0;
		}
	}
	free(again);
	return -1;
}

#define FULL_VMA	"[.vmas[] | {start, e: .[\"end\"], pages: (.pages | del(.large_pte, .accessed)), pt: .pt_pages, nodes}]"
#define EST_VMA		"[.vmas[] | {start, e: .[\"end\"], pages: (.pages | del(.large_pte, .accessed) | map_values(.estimate)), " \
			"pt: (.pt_pages | map_values(.estimate)), nodes: (.nodes | map_values(.estimate))}]"

TEST_F(sample, fraction_1_is_the_full_walk_exactly)
{
	char args[256], est_args[256], *full, *est, *err;

	/* The whole process: every mapping, and the total's tables counted once. */
	snprintf(args, sizeof(args), "maps %d", self->child);
	snprintf(est_args, sizeof(est_args), "maps %d --sample 1", self->child);
	ASSERT_EQ(0, walk_around(self, args, FULL_COUNTS, est_args, EST_COUNTS, &full, &est))
		TH_LOG("the walks failed, or the target kept changing");
	EXPECT_STREQ(full, est);
	snprintf(args, sizeof(args), "maps %d --sample 1", self->child);
	err = cli_json(self, args, "[.. | .stderr? // empty] | max");
	ASSERT_NE(NULL, err);
	EXPECT_STREQ("0\n", err);
	free(err);
	err = cli_json(self, args, ".sample.walked == .sample.windows and ([.vmas[].exact] | all)");
	ASSERT_NE(NULL, err);
	EXPECT_STREQ("true\n", err);
	free(full);
	free(est);
	free(err);
}

TEST_F(sample, unlimited_budget_is_the_full_walk)
{
	char args[256], est_args[256], *full, *est;
	double r[2];

	/*
	 * The mapping alone, walked window by window: its record equals the
	 * full walk's (its PMD tables too, from each window's share).
	 */
	snprintf(args, sizeof(args), "maps %d 0x%llx+%lu", self->child,
		 (unsigned long long)self->start, MAP_LEN);
	snprintf(est_args, sizeof(est_args), "maps %d 0x%llx+%lu --budget unlimited --seed 3",
		 self->child, (unsigned long long)self->start, MAP_LEN);
	ASSERT_EQ(0, walk_around(self, args, FULL_VMA, est_args, EST_VMA, &full, &est))
		TH_LOG("the walks failed, or the target kept changing");
	EXPECT_STREQ(full, est);
	ASSERT_EQ(2, cli_numbers(self, est_args, ".vmas[0] | .windows, .walked", r, 2));
	EXPECT_EQ(NWIN, r[0]);
	EXPECT_EQ(NWIN, r[1]);
	free(full);
	free(est);
}

TEST_F(sample, a_small_budget_walks_part_of_the_mapping)
{
	char args[256];
	double r[3];

	/* 1 us: the two windows every mapping gets, and very likely no more. */
	snprintf(args, sizeof(args), "maps %d 0x%llx+%lu --budget 1us",
		 self->child, (unsigned long long)self->start, MAP_LEN);
	ASSERT_EQ(3, cli_numbers(self, args, ".vmas[0] | .windows, .walked, (.exact | tostring | length)", r, 3));
	EXPECT_EQ(NWIN, r[0]);
	EXPECT_GE(r[1], 2);
	EXPECT_LT(r[1], NWIN);
	EXPECT_EQ(5, r[2]);	/* "false" */
}

/*
 * Mappings walked whole that follow each other are walked in one query, not
 * one each: NSMALL of them, one query, and each gets its own counts, as the
 * full walk gives them.
 */
TEST_F(sample, small_mappings_are_walked_whole_in_one_query)
{
	char args[256], est_args[256], *full, *est;
	double r[3];

	snprintf(args, sizeof(args), "maps %d 0x%llx+%lu", self->child,
		 (unsigned long long)self->small, SMALL_LEN);
	snprintf(est_args, sizeof(est_args), "maps %d 0x%llx+%lu --sample 1/16",
		 self->child, (unsigned long long)self->small, SMALL_LEN);
	ASSERT_EQ(0, walk_around(self, args, FULL_COUNTS, est_args, EST_COUNTS, &full, &est))
		TH_LOG("the walks failed, or the target kept changing");
	EXPECT_STREQ(full, est);
	ASSERT_EQ(3, cli_numbers(self, est_args,
				 ".sample.queries, (.vmas | length), ([.vmas[] | select(.exact)] | length)",
				 r, 3));
	EXPECT_EQ(1, r[0]);
	EXPECT_EQ(NSMALL, r[1]);
	EXPECT_EQ(NSMALL, r[2]);
	free(full);
	free(est);
}

/* The table: the sample's line, an error on the estimated cells. */
TEST_F(sample, table_says_how_much_was_sampled)
{
	char cmd[PATH_MAX + 256], want[128], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' maps %d 0x%llx+%lu --sample 1/4 --seed 1 -o START,RSS",
		 self->cli, self->child, (unsigned long long)self->start, MAP_LEN);
	out = cli_capture(cmd, &st);
	EXPECT_EQ(0, st);
	snprintf(want, sizeof(want), "sampled: %lu of %lu windows (25.0%%), estimates ± 1.96·SE",
		 NWIN / 4, NWIN);
	EXPECT_NE(NULL, strstr(out ? out : "", want)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out ? out : "", "±")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out ? out : "", "exact, from the mm's counters: RSS ")) TH_LOG("%s", out);
	free(out);
}

TEST_F(sample, bad_arguments_are_sentences)
{
	static const struct {
		const char *args, *says;
		int status;
	} cases[] = {
		{ "--sample 0", "--sample takes", 2 },
		{ "--sample 2", "--sample takes", 2 },
		{ "--sample 1/0", "--sample takes", 2 },
		{ "--sample abc", "--sample takes", 2 },
		{ "--budget 200", "--budget takes", 2 },
		{ "--budget -1s", "--budget takes", 2 },
		{ "--seed x --sample 1/2", "--seed takes", 2 },
		{ "--seed 1", "--seed goes with", 2 },
		{ "--sample 1/2 --budget 1s", "give one", 2 },
		{ "--sample 1/2 --heatmap", "does not go with --heatmap", 2 },
	};
	char cmd[PATH_MAX + 256], *out;
	size_t i;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "'%s' maps %d %s 2>&1", self->cli, self->child,
			 cases[i].args);
		out = cli_capture(cmd, &st);
		EXPECT_EQ(cases[i].status, st) TH_LOG("%s: %s", cases[i].args, out);
		EXPECT_NE(NULL, strstr(out ? out : "", cases[i].says))
			TH_LOG("%s: %s", cases[i].args, out);
		free(out);
	}
	/* A process that does not exist: the run fails (1) with a sentence. */
	snprintf(cmd, sizeof(cmd), "'%s' maps 999999999 --sample 1/2 2>&1", self->cli);
	out = cli_capture(cmd, &st);
	EXPECT_EQ(1, st);
	EXPECT_NE(NULL, strstr(out ? out : "", "no such process")) TH_LOG("%s", out);
	free(out);
}

TEST_HARNESS_MAIN
