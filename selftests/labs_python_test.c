// SPDX-License-Identifier: GPL-2.0
/*
 * The labs of docs/labs/ on Python programs as tests (labs.h): CPython
 * after fork (lab 8).  Each number the lab page claims is taken from
 * pagemap of both processes, /proc/PID/stat and ptscope's JSON.
 */
#include "labs.h"

/* The page addresses of the file @path names, one hex number per line. */
static size_t read_pagelist(const char *path, uint64_t **pages)
{
	size_t n = 0, cap = 1024;
	unsigned long long a;
	uint64_t *v = malloc(cap * sizeof(*v)), *t;
	FILE *f = fopen(path, "r");

	while (f && v && fscanf(f, "%llx", &a) == 1) {
		if (n == cap) {
			t = realloc(v, (cap *= 2) * sizeof(*v));
			if (!t)
				break;
			v = t;
		}
		v[n++] = a;
	}
	if (f)
		fclose(f);
	*pages = v;
	return v ? n : 0;
}

/* The pages of a parent and a child that are copies, counted two ways. */
struct copies {
	long long by_pagemap;	/* present on both sides, different frames */
	long long by_ptscope;	/* in a "copied" run of `ptscope cow --all` */
	long long disagree;	/* pages the two put on different sides */
};

/*
 * Whether @addr is in one of the @n [start, end) ranges of @r (sorted, as
 * ptscope prints them, mapping by mapping in address order).
 */
static bool in_ranges(const unsigned long long (*r)[2], size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < r[mid][0])
			hi = mid;
		else if (addr >= r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Copies among the @n @pages (sorted) of @parent and @child. */
static void count_copies(struct __test_metadata *_metadata, struct lab *l,
			 pid_t parent, pid_t child, const uint64_t *pages,
			 size_t n, struct copies *c)
{
	size_t span = (pages[n - 1] - pages[0]) / PAGE + 1, i, nr = 0, cap = 256;
	unsigned long long (*r)[2] = malloc(cap * sizeof(*r)), (*t)[2];
	uint64_t *pm_parent, *pm_child;
	char *out, *line;
	int st;

	memset(c, 0, sizeof(*c));
	out = cli_capturef(&st,
			   "'%s' cow %d %d %#llx-%#llx --all --json | jq -r '.mappings[].ranges[]? | select(.class == \"copied\") | \"\\(.start) \\(.end)\"'",
			   l->cli, parent, child, (unsigned long long)pages[0],
			   (unsigned long long)pages[n - 1] + PAGE);
	ASSERT_TRUE(out && r && !st) TH_LOG("ptscope cow --all --json | jq failed");
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (nr == cap) {
			t = realloc(r, (cap *= 2) * sizeof(*r));
			ASSERT_NE(NULL, t);
			r = t;
		}
		ASSERT_EQ(2, sscanf(line, "%llu %llu", &r[nr][0], &r[nr][1]));
		/* The command's RANGE holds what it compared. */
		ASSERT_LE(pages[0], r[nr][0]);
		ASSERT_GE(pages[n - 1] + PAGE, r[nr][1]);
		nr++;
	}
	free(out);
	pm_parent = pagemap(parent, pages[0], span);
	pm_child = pagemap(child, pages[0], span);
	ASSERT_TRUE(pm_parent && pm_child);
	for (i = 0; i < n; i++) {
		uint64_t a = pm_parent[(pages[i] - pages[0]) / PAGE];
		uint64_t b = pm_child[(pages[i] - pages[0]) / PAGE];
		bool by_pagemap = (a & b & PM_PRESENT) && PFN(a) != PFN(b);
		bool by_ptscope = in_ranges((const unsigned long long (*)[2])r, nr,
					    pages[i]);

		ASSERT_TRUE(PFN(a) && PFN(b)) TH_LOG("pagemap shows no frames: not root?");
		c->by_pagemap += by_pagemap;
		c->by_ptscope += by_ptscope;
		c->disagree += by_pagemap != by_ptscope;
	}
	free(pm_parent);
	free(pm_child);
	free(r);
}

/*
 * Checks one child at a checkpoint: ptscope's copies are pagemap's, page
 * by page, and ptscope's fault count is /proc/PID/stat's; returns the
 * copies and the child's minor faults.
 */
#define CHECK_CHILD(l, pages, n, copies, minflt) do {			\
	long long maj_;							\
	count_copies(_metadata, l, (l)->pid, lab_val(l, "child"),	\
		     pages, n, copies);					\
	EXPECT_EQ(0, (copies)->disagree)				\
		TH_LOG("%lld pages copied by pagemap, %lld by ptscope",	\
		       (copies)->by_pagemap, (copies)->by_ptscope);	\
	ASSERT_EQ(0, cli_faults(_metadata, l, lab_val(l, "child"),	\
				minflt, &maj_));			\
	EXPECT_EQ(stat_faults(lab_val(l, "child"), 10), *(minflt));	\
} while (0)

/*
 * Lab 8: 100,000 objects; a child that only reads them copies every page
 * holding one (reference counts), so does one that runs the collector;
 * after gc.freeze() the collector copies (almost) none, reading all again.
 * "Almost": the child's own new objects of the same size class fill the
 * free slots of the last page the objects use.
 */
TEST(lab8_pyfork)
{
	long long objpages, min_forked, min_read, min;
	struct copies forked, c;
	uint64_t *pages;
	char path[PATH_MAX];
	struct lab l;
	size_t n;

	if (access("/usr/bin/python3", X_OK))
		SKIP(return, "python3 is not installed (scripts/deps installs it)");
	START_LAB(&l, "pyfork.py", "100000");
	AT(&l, "built");
	objpages = lab_val(&l, "objpages");
	ASSERT_EQ(1, sscanf(strstr(l.line, " pagelist=") ?: "", " pagelist=%4095s", path));
	n = read_pagelist(path, &pages);
	ASSERT_EQ(objpages, (long long)n);
	/* 100,000 objects of 48 bytes: 85 to a page. */
	EXPECT_LE(100000 / 85, objpages);
	EXPECT_GE(100000 / 85 + 16, objpages);
	lab_go(&l);

	AT(&l, "forked");
	CHECK_CHILD(&l, pages, n, &forked, &min_forked);
	EXPECT_GE(objpages / 100, forked.by_pagemap);
	lab_go(&l);

	AT(&l, "read");
	CHECK_CHILD(&l, pages, n, &c, &min_read);
	EXPECT_EQ(objpages, c.by_pagemap);
	/* A copy is a write fault: at least one per page copied since. */
	EXPECT_LE(c.by_pagemap - forked.by_pagemap, min_read - min_forked);
	EXPECT_LE(c.by_pagemap - forked.by_pagemap, lab_val(&l, "child_faults"));
	lab_go(&l);

	AT(&l, "collected");
	CHECK_CHILD(&l, pages, n, &c, &min);
	EXPECT_EQ(objpages, c.by_pagemap);
	lab_go(&l);

	AT(&l, "frozen-collected");
	CHECK_CHILD(&l, pages, n, &c, &min);
	EXPECT_GE(objpages / 100, c.by_pagemap);
	lab_go(&l);

	AT(&l, "frozen-read");
	CHECK_CHILD(&l, pages, n, &c, &min);
	EXPECT_EQ(objpages, c.by_pagemap);
	lab_go(&l);
	free(pages);
	EXPECT_EQ(0, lab_finish(&l));
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s was left behind", path);
}

TEST_HARNESS_MAIN
