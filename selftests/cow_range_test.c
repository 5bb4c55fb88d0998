// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope cow PID_A PID_B RANGE: only the parts of the common mappings
 * inside RANGE are compared.  This process maps 64 pages between guard
 * pages and writes them, forks, and the child writes every 4th page from
 * the second on; pagemap of both then says which pages are copies, and the
 * counts of a RANGE must be those of its pages alone.
 *
 * The command is $PTSCOPE_CLI, else ../userspace/ptscope; needs jq.
 */
#include <signal.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "ptscope_test.h"

#define NPAGES	64

FIXTURE(cow_range) {
	char cli[PATH_MAX];
	char *guarded;		/* NPAGES + 2 pages: guard, the pages, guard */
	char *p;
	pid_t child;
};

FIXTURE_SETUP(cow_range)
{
	int ready[2], i;
	char x;

	self->child = -1;
	ASSERT_EQ(0, cli_find(self->cli)) TH_LOG("no ptscope command: build ../userspace");
	if (!cli_have_tool("jq"))
		SKIP(return, "jq is not installed");
	self->guarded = mmap(NULL, (NPAGES + 2) * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->guarded);
	self->p = self->guarded + PAGE;
	ASSERT_EQ(0, mprotect(self->p, NPAGES * PAGE, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, no_huge_pages(self->p, NPAGES * PAGE));
	memset(self->p, 1, NPAGES * PAGE);
	ASSERT_EQ(0, pipe(ready));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 1; i < NPAGES; i += 4)
			self->p[i * PAGE] = 2;
		if (write(ready[1], "w", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &x, 1));
	close(ready[0]);
}

FIXTURE_TEARDOWN(cow_range)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->guarded && self->guarded != MAP_FAILED)
		munmap(self->guarded, (NPAGES + 2) * PAGE);
}

/* Pages of [first, last) the child copied, by pagemap of both processes. */
static long long copies_by_pagemap(struct __test_metadata *_metadata,
				   FIXTURE_DATA(cow_range) *self, int first, int last)
{
	uint64_t a[NPAGES], b[NPAGES];
	long long n = 0;
	int i;

	ASSERT_EQ(0, pagemap_read(getpid(), (uintptr_t)self->p, NPAGES, a));
	ASSERT_EQ(0, pagemap_read(self->child, (uintptr_t)self->p, NPAGES, b));
	for (i = first; i < last; i++) {
		ASSERT_TRUE((a[i] & b[i] & PM_PRESENT) && (a[i] & PM_PFN_MASK) &&
			    (b[i] & PM_PFN_MASK));
		n += (a[i] & PM_PFN_MASK) != (b[i] & PM_PFN_MASK);
	}
	return n;
}

/*
 * `ptscope cow ... RANGE --json`: "mappings START END SHARED COPIED
 * NOT_PRESENT" of the first mapping, with the number of mappings first,
 * then the range the output says it compared.
 */
#define RANGE_FILTER							\
	"\"\\(.mappings | length) \\(.mappings[0].start // 0) "		\
	"\\(.mappings[0].end // 0) \\(.totals.pages.shared) "		\
	"\\(.totals.pages.copied) \\(.totals.pages.not_present) "	\
	"\\(.range.start // -1) \\(.range.end // -1)\""

static void cow_range(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cow_range) *self, uint64_t start, uint64_t end,
		      unsigned long long v[8])
{
	char *out;
	int st, n;

	out = cli_capturef(&st, "'%s' cow %d %d %#llx-%#llx --json | jq -r '" RANGE_FILTER "'",
			   self->cli, getpid(), self->child,
			   (unsigned long long)start, (unsigned long long)end);
	n = sscanf(out ? out : "", "%llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	EXPECT_EQ(0, st);
	EXPECT_EQ(8, n) TH_LOG("output: %s", out);
	free(out);
	ASSERT_TRUE(!st && n == 8);
	/* The JSON says which range it compared: the one asked for. */
	EXPECT_EQ(start, v[6]);
	EXPECT_EQ(end, v[7]);
}

/* Pages 8 to 40: one mapping, cut to the range, its copies and no others. */
TEST_F(cow_range, counts_only_its_pages)
{
	uint64_t start = (uintptr_t)self->p + 8 * PAGE, end = (uintptr_t)self->p + 40 * PAGE;
	long long copied = copies_by_pagemap(_metadata, self, 8, 40);
	unsigned long long v[8];

	ASSERT_EQ(8, copied);	/* pages 9, 13, ... 37 */
	cow_range(_metadata, self, start, end, v);
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(start, v[1]);
	EXPECT_EQ(end, v[2]);
	EXPECT_EQ(32 - copied, (long long)v[3]);
	EXPECT_EQ(copied, (long long)v[4]);
	EXPECT_EQ(0, v[5]);
}

/*
 * From the last 8 pages to past the end of the guard after them: the
 * mapping is cut at the range's start and ends where it ends; the guard
 * (PROT_NONE, never touched) is a second mapping, not present.
 */
TEST_F(cow_range, a_range_past_the_mapping_ends_with_it)
{
	uint64_t start = (uintptr_t)self->p + (NPAGES - 8) * PAGE;
	uint64_t end = (uintptr_t)self->p + (NPAGES + 1) * PAGE;
	long long copied = copies_by_pagemap(_metadata, self, NPAGES - 8, NPAGES);
	unsigned long long v[8];

	ASSERT_EQ(2, copied);	/* pages 57 and 61 */
	cow_range(_metadata, self, start, end, v);
	EXPECT_EQ(2, v[0]);
	EXPECT_EQ(start, v[1]);
	EXPECT_EQ((uintptr_t)self->p + NPAGES * PAGE, v[2]);
	EXPECT_EQ(8 - copied, (long long)v[3]);
	EXPECT_EQ(copied, (long long)v[4]);
	EXPECT_EQ(1, v[5]);
}

/* A range that no mapping reaches: nothing compared, and no error. */
TEST_F(cow_range, a_range_over_no_mapping_is_empty)
{
	unsigned long long v[8];

	ASSERT_EQ(0, munmap(self->guarded, PAGE));
	cow_range(_metadata, self, (uintptr_t)self->guarded,
		  (uintptr_t)self->guarded + PAGE, v);
	EXPECT_EQ(0, v[0]);
	EXPECT_EQ(0, v[3] + v[4] + v[5]);
}

/* Without a RANGE the JSON has no "range": everything was compared. */
TEST_F(cow_range, without_a_range_the_json_names_none)
{
	char *out;
	int st;

	out = cli_capturef(&st, "'%s' cow %d %d --json | jq -c '[has(\"range\"), (.mappings | length > 0)]'",
			   self->cli, getpid(), self->child);
	EXPECT_EQ(0, st);
	EXPECT_STREQ("[false,true]\n", out ? out : "");
	free(out);
}

/* An end below the start is a usage error with a sentence. */
TEST_F(cow_range, an_upside_down_range_is_an_error)
{
	char *out;
	int st;

	out = cli_capturef(&st, "'%s' cow %d %d 0x2000-0x1000 2>&1", self->cli, getpid(),
			   self->child);
	EXPECT_EQ(2, st);
	EXPECT_NE(NULL, strstr(out ? out : "", "not an address range")) TH_LOG("%s", out);
	free(out);
}

TEST_HARNESS_MAIN
