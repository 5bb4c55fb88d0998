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

TEST_HARNESS_MAIN
