// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the --cgroup model: the sparse frame set that counts
 * each page once (model/frame_set.c), the cgroup path rules
 * (model/cgroup_path.c) and a mapping's counts (model/cgroup_sum.c).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cgroup_path.h"
#include "cgroup_sum.h"
#include "frame_set.h"
#include "recording.h"

/* A set says how many of each range it had, across words and chunks. */
TEST(frame_set_counts_what_it_had)
{
	struct frame_set s = { 0 };
	const uint64_t chunk = FRAME_SET_CHUNK_BITS;

	EXPECT_EQ(0, frame_set_add(&s, 10, 100));
	EXPECT_EQ(100, frame_set_add(&s, 10, 100));
	EXPECT_EQ(50, frame_set_add(&s, 60, 100));	/* 60..109 had, 110..159 new */
	EXPECT_EQ(1, frame_set_add(&s, 159, 2));
	/* Across a chunk's end, and far away (a huge frame number). */
	EXPECT_EQ(0, frame_set_add(&s, chunk - 3, 6));
	EXPECT_EQ(6, frame_set_add(&s, chunk - 3, 6));
	EXPECT_EQ(0, frame_set_add(&s, 1ULL << 40, 512));
	EXPECT_EQ(512, frame_set_add(&s, 1ULL << 40, 512));
	EXPECT_EQ(0, frame_set_add(&s, (1ULL << 40) + 512, 1));
	/* Whole words, 64-aligned and not. */
	EXPECT_EQ(0, frame_set_add(&s, 4096, 128));
	EXPECT_EQ(64, frame_set_add(&s, 4096 + 64, 64 + 33));
	/* Nothing added, and a range that wraps: an error, nothing added. */
	EXPECT_EQ(0, frame_set_add(&s, 5, 0));
	EXPECT_EQ(-EINVAL, frame_set_add(&s, UINT64_MAX - 1, 4));
	frame_set_free(&s);
	EXPECT_EQ(0, frame_set_add(&s, 10, 1));	/* usable again after free */
	frame_set_free(&s);
}

/* Many chunks: the table grows and finds every one again. */
TEST(frame_set_grows)
{
	struct frame_set s = { 0 };
	uint64_t i;

	for (i = 0; i < 5000; i++)
		ASSERT_EQ(0, frame_set_add(&s, i * FRAME_SET_CHUNK_BITS * 3 + i, 1));
	EXPECT_EQ(5000, s.nr_chunks);
	for (i = 0; i < 5000; i++)
		ASSERT_EQ(1, frame_set_add(&s, i * FRAME_SET_CHUNK_BITS * 3 + i, 1));
	frame_set_free(&s);
}

TEST(cgroup_within_is_the_subtree)
{
	EXPECT_TRUE(cgroup_within("/a/b", "/a"));
	EXPECT_TRUE(cgroup_within("/a", "/a"));
	EXPECT_TRUE(cgroup_within("/a", "/a/"));
	EXPECT_TRUE(cgroup_within("/a/b/c", "/a/b//"));
	EXPECT_TRUE(cgroup_within("/anything", "/"));
	EXPECT_TRUE(cgroup_within("/", "/"));
	EXPECT_FALSE(cgroup_within("/ab", "/a"));
	EXPECT_FALSE(cgroup_within("/b", "/a"));
	EXPECT_FALSE(cgroup_within("", "/"));	/* no v2 cgroup: in none */
	EXPECT_FALSE(cgroup_within("/a", "/a/b"));
}

TEST(cgroup_check_takes_paths_only)
{
	EXPECT_EQ(0, cgroup_check("/", false));
	EXPECT_EQ(0, cgroup_check("/a/b.c/d..e", false));
	EXPECT_EQ(-EINVAL, cgroup_check("a", false));
	EXPECT_EQ(-EINVAL, cgroup_check("", false));
	EXPECT_EQ(-EINVAL, cgroup_check("/a/../b", false));
	EXPECT_EQ(-EINVAL, cgroup_check("/a/./b", false));
	EXPECT_EQ(-EINVAL, cgroup_check("/..", false));
	EXPECT_EQ(-EINVAL, cgroup_check("/a/.", false));
	EXPECT_EQ(-EINVAL, cgroup_check("/a//b", false));
	EXPECT_EQ(-EINVAL, cgroup_check("//a", false));
	EXPECT_EQ(0, cgroup_check("/a//", false));
}

/* A mapping's counts: THPs by its kind, nodes of anonymous mappings apart. */
TEST(vma_counts_by_kind)
{
	struct ptscope_vma anon = { 0 }, file = { 0 };
	struct cg_counts n = { 0 };

	anon.pages.anon = 1024;
	anon.pages.thp_pmd = 512;
	anon.pages.large_pte[4] = 16;
	anon.pages.swapped = 7;
	anon.pages.shared = 100;
	anon.pages.cow_shared = 90;
	anon.pages.node[1] = 1024;
	file.pages.file = 600;
	file.pages.anon = 4;	/* a private file mapping's copies */
	file.pages.thp_pmd = 512;
	file.pages.node[0] = 604;
	file.pages.hugetlb_pud = 3;
	cg_counts_add_vma(&n, &anon);
	cg_counts_add_vma(&n, &file);
	EXPECT_EQ(1024 + 604, n.c[CG_RESIDENT]);
	EXPECT_EQ(1028, n.c[CG_ANON]);
	EXPECT_EQ(600, n.c[CG_FILE]);
	EXPECT_EQ(512, n.c[CG_THP_ANON]);
	EXPECT_EQ(512, n.c[CG_THP_FILE]);
	EXPECT_EQ(16, n.c[CG_MTHP]);
	EXPECT_EQ(3, n.c[CG_HUGETLB]);
	EXPECT_EQ(7, n.c[CG_SWAP]);
	EXPECT_EQ(90, n.c[CG_COW]);
	EXPECT_EQ(1024, n.node[1]);
	EXPECT_EQ(604, n.node[0]);
	EXPECT_EQ(1024, n.anon_node[1]);
	EXPECT_EQ(0, n.anon_node[0]);
}

/*
 * cgroup_sum() on recordings made here: the processes' answers, in the
 * order it asks (cgroup, STATS, comm, status, MAPS, then PAGES of each
 * mapping with shared pages).
 */
#define VMA_START 0x40000000ULL

static void rec_process(struct recording *r, uint64_t pid, const char *cgroup,
			long stats_ret)
{
	struct ptscope_stats st = { .size = sizeof(st), .pid = pid, .total_vm = 100,
				    .min_flt = pid, .timestamp_ns = 1 };

	rec_proc(r, pid, "cgroup", cgroup);
	if (stats_ret != 1)
		rec_call(r, PTSCOPE_IOC_STATS, stats_ret, &st, sizeof(st), NULL, 0);
	if (stats_ret)
		return;
	rec_proc(r, pid, "comm", "w\n");
	rec_proc(r, pid, "status", "Name:\tw\nUid:\t0\t0\t0\t0\n");
}

/* Its MAPS answer: one anonymous mapping of @pages, @shared of them shared. */
static void rec_anon_vma(struct recording *r, uint64_t pid, uint64_t pages,
			 uint64_t shared)
{
	struct ptscope_vma v = {
		.start = VMA_START, .end = VMA_START + pages * PAGE,
		.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON,
		.page_size = PAGE,
		.pages = { .present = pages, .anon = pages, .shared = shared,
			   .cow_shared = shared, .node = { pages } },
	};
	struct ptscope_maps a = {
		.size = sizeof(a), .pid = pid, .start = 0, .end = ptscope_user_top(),
		.rec_size = sizeof(v), .walk_end = ptscope_user_top(), .nr_records = 1,
		.map_count = 1, .totals = v.pages,
	};

	rec_call(r, PTSCOPE_IOC_MAPS, 1, &a, sizeof(a), &v, sizeof(v));
}

/* Its PAGES answer for the mapping of @pages: @nr regions. */
static void rec_frames(struct recording *r, uint64_t pid, uint64_t pages,
		       const struct ptscope_page_region *regions, size_t nr)
{
	struct ptscope_pages a = {
		.size = sizeof(a), .flags = PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN,
		.pid = pid, .start = VMA_START, .end = VMA_START + pages * PAGE,
		.rec_size = sizeof(*regions), .walk_end = VMA_START + pages * PAGE,
		.nr_records = nr,
	};

	rec_call(r, PTSCOPE_IOC_PAGES, nr, &a, sizeof(a), regions, nr * sizeof(*regions));
}

/* @pages pages from frame @pfn, mapped twice. */
static struct ptscope_page_region twice(uint64_t first_page, uint64_t pages, uint64_t pfn)
{
	struct ptscope_page_region reg = region(VMA_START + first_page * PAGE, pages,
						PTSCOPE_ENTRY_PRESENT, 0);

	reg.mapcount = 2;
	reg.pfn = pfn;
	return reg;
}

static int sum_of(const char *path, const char *subtree, struct cg_sum *s)
{
	struct ptscope_open_how how = { .replay = path };
	struct ptscope *ps;
	int ret;

	ret = ptscope_open_how(&ps, &how);
	if (ret)
		return ret;
	ret = cgroup_sum(ps, subtree, s);
	ptscope_close(ps);
	unlink(path);
	return ret;
}

/*
 * Two processes of /x map frames 1000-1003 (a fork's), the second 8 pages
 * of its own besides; a process of /y and a kernel thread are not of /x.
 */
TEST(shared_frames_are_counted_once)
{
	struct ptscope_page_region reg = twice(0, 4, 1000);
	struct recording r;
	struct cg_sum s;

	rec_start(&r);
	rec_proc(&r, 0, REPLAY_PROC_PIDS, "2\n100\n101\n102\n");
	rec_proc(&r, 2, "cgroup", "0::/\n");
	rec_process(&r, 100, "0::/x\n", 0);
	rec_anon_vma(&r, 100, 4, 4);
	rec_frames(&r, 100, 4, &reg, 1);
	rec_process(&r, 101, "0::/x/sub\n", 0);
	rec_anon_vma(&r, 101, 4, 4);
	rec_frames(&r, 101, 4, &reg, 1);
	rec_proc(&r, 102, "cgroup", "0::/y\n");
	rec_done(&r);
	ASSERT_EQ(0, sum_of(r.path, "/x", &s));
	ASSERT_EQ(2, s.nr);
	EXPECT_TRUE(s.by_frame);
	EXPECT_EQ(8, s.sum.c[CG_ANON]);
	EXPECT_EQ(4, s.once.c[CG_ANON]);
	EXPECT_EQ(4, s.once.c[CG_RESIDENT]);
	EXPECT_EQ(4, s.once.c[CG_COW]);
	EXPECT_EQ(4, s.once.node[0]);
	EXPECT_EQ(8, s.dedup_walked);
	EXPECT_EQ(201, s.min_flt);
	cgroup_sum_free(&s);
}

/* Without frames, no total: the sum, and why. */
TEST(hidden_frames_give_the_sum)
{
	struct ptscope_page_region reg = twice(0, 4, 0);
	struct recording r;
	struct cg_sum s;

	reg.flags |= PTSCOPE_PF_PFN_HIDDEN;
	rec_start(&r);
	rec_proc(&r, 0, REPLAY_PROC_PIDS, "100\n101\n");
	rec_process(&r, 100, "0::/x\n", 0);
	rec_anon_vma(&r, 100, 4, 4);
	rec_frames(&r, 100, 4, &reg, 1);
	rec_process(&r, 101, "0::/x\n", 0);
	rec_anon_vma(&r, 101, 4, 4);
	rec_done(&r);
	ASSERT_EQ(0, sum_of(r.path, "/x", &s));
	ASSERT_EQ(2, s.nr);
	EXPECT_FALSE(s.by_frame);
	EXPECT_TRUE(s.frames_hidden);
	EXPECT_EQ(8, s.sum.c[CG_ANON]);
	EXPECT_EQ(0, s.once.c[CG_ANON]);
	cgroup_sum_free(&s);
}

/* A kernel thread in / is counted apart; one refused is not visible. */
TEST(kernel_threads_and_refusals)
{
	struct recording r;
	struct cg_sum s;

	rec_start(&r);
	rec_proc(&r, 0, REPLAY_PROC_PIDS, "2\n100\n");
	rec_process(&r, 2, "0::/\n", -EINVAL);
	rec_process(&r, 100, "0::/\n", -EPERM);
	rec_done(&r);
	ASSERT_EQ(0, sum_of(r.path, "/", &s));
	EXPECT_EQ(0, s.nr);
	EXPECT_EQ(1, s.kernel_threads);
	EXPECT_EQ(1, s.hidden);
	cgroup_sum_free(&s);
}

/*
 * The first process lost two of its shared pages between its walks: it is
 * counted as the second walk found it, and the total stays within the sum.
 */
TEST(a_process_that_changed_is_counted_as_last_seen)
{
	struct ptscope_page_region now[2] = {
		twice(0, 2, 1000), region(VMA_START + 2 * PAGE, 2, PTSCOPE_ENTRY_NONE, 0),
	};
	struct ptscope_page_region other = twice(0, 4, 1000);
	struct recording r;
	struct cg_sum s;

	rec_start(&r);
	rec_proc(&r, 0, REPLAY_PROC_PIDS, "100\n101\n");
	rec_process(&r, 100, "0::/x\n", 0);
	rec_anon_vma(&r, 100, 4, 4);
	rec_frames(&r, 100, 4, now, 2);
	rec_process(&r, 101, "0::/x\n", 0);
	rec_anon_vma(&r, 101, 4, 4);
	rec_frames(&r, 101, 4, &other, 1);
	rec_done(&r);
	ASSERT_EQ(0, sum_of(r.path, "/x", &s));
	ASSERT_EQ(2, s.nr);
	EXPECT_TRUE(s.by_frame);
	EXPECT_EQ(2, s.procs[0].n.c[CG_ANON]);
	EXPECT_EQ(6, s.sum.c[CG_ANON]);
	EXPECT_EQ(4, s.once.c[CG_ANON]);	/* 1000-1003 */
	cgroup_sum_free(&s);
}

TEST_HARNESS_MAIN
