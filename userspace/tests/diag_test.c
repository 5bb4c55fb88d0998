// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the thp and numa diagnoses (model/thp_reasons.c, model/numa_verdict.c): reasons from a
 * mapping's facts and the THP settings, the NUMA evaluation and verdict.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "numa_verdict.h"
#include "thp_reasons.h"

#define SZ_2M (2ULL << 20)
#define R(x) (1ULL << (x))

static struct ptscope_vma anon_vma(uint64_t size, uint64_t ranges)
{
	struct ptscope_vma v;

	memset(&v, 0, sizeof(v));
	v.start = 0x7f0000000000ULL;
	v.end = v.start + size;
	v.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON;
	v.ranges_2m = ranges;
	return v;
}

static struct thp_settings always(void)
{
	struct thp_settings s;

	memset(&s, 0, sizeof(s));
	s.present = true;
	s.enabled = THP_ALWAYS;
	s.shmem_enabled = THP_NEVER;
	s.max_ptes_none = 511;
	return s;
}

TEST(mode_parse)
{
	EXPECT_EQ(THP_MADVISE, thp_mode_parse("always [madvise] never\n"));
	EXPECT_EQ(THP_NEVER, thp_mode_parse("always madvise [never]"));
	EXPECT_EQ(THP_INHERIT, thp_mode_parse("always [inherit] madvise never"));
	EXPECT_EQ(THP_WITHIN_SIZE, thp_mode_parse("always [within_size] advise never deny force"));
	EXPECT_EQ(THP_UNKNOWN, thp_mode_parse("always [bogus] never"));
}

TEST(fully_pmd_mapped_has_no_reason)
{
	struct ptscope_vma v = anon_vma(4 * SZ_2M, 4);
	struct thp_settings s = always();

	v.ranges_pmd = 4;
	EXPECT_EQ(0, thp_reasons(&v, 0, &s));
}

TEST(small_and_unaligned)
{
	struct ptscope_vma v = anon_vma(SZ_2M / 2, 0);
	struct thp_settings s = always();

	EXPECT_EQ(R(THP_R_SMALL), thp_reasons(&v, 0, &s));
	v = anon_vma(SZ_2M, 0);
	EXPECT_EQ(R(THP_R_UNALIGNED), thp_reasons(&v, 0, &s));
}

TEST(settings_and_flags)
{
	struct ptscope_vma v = anon_vma(2 * SZ_2M, 2);
	struct thp_settings s = always();

	v.ranges_pte = 2;
	v.ranges_collapsible = 2;
	s.enabled = THP_MADVISE;
	EXPECT_TRUE(thp_reasons(&v, 0, &s) & R(THP_R_MADVISE));
	v.flags |= PTSCOPE_VMA_HUGEPAGE;
	EXPECT_FALSE(thp_reasons(&v, 0, &s) & R(THP_R_MADVISE));
	s.enabled = THP_NEVER;
	EXPECT_TRUE(thp_reasons(&v, 0, &s) & R(THP_R_NEVER));
	/* hugepages-2048kB overrides the top level unless "inherit" */
	s.nr_mthp = 1;
	s.mthp[0].size = SZ_2M;
	s.mthp[0].enabled = THP_ALWAYS;
	EXPECT_FALSE(thp_reasons(&v, 0, &s) & R(THP_R_NEVER));
	v.flags |= PTSCOPE_VMA_NOHUGEPAGE;
	EXPECT_TRUE(thp_reasons(&v, 0, &s) & R(THP_R_NOHUGEPAGE));
	EXPECT_TRUE(thp_reasons(&v, PTSCOPE_MM_THP_DISABLE, &s) & R(THP_R_PRCTL));
	/* "except advised" spares MADV_HUGEPAGE mappings */
	EXPECT_FALSE(thp_reasons(&v, PTSCOPE_MM_THP_DISABLE_EXCEPT_ADVISED, &s) &
		     R(THP_R_PRCTL));
}

TEST(shmem_and_file)
{
	struct ptscope_vma v = anon_vma(2 * SZ_2M, 2);
	struct thp_settings s = always();

	v.flags = PTSCOPE_VMA_SHARED | PTSCOPE_VMA_SHMEM;
	EXPECT_TRUE(thp_reasons(&v, 0, &s) & R(THP_R_SHMEM_OFF));
	s.shmem_enabled = THP_ADVISE;
	EXPECT_EQ(R(THP_R_MADVISE) | R(THP_R_UNPOPULATED), thp_reasons(&v, 0, &s));
	v.flags = PTSCOPE_VMA_READ;
	EXPECT_TRUE(thp_reasons(&v, 0, &s) & R(THP_R_FILE));
	v.flags = PTSCOPE_VMA_HUGETLB;
	EXPECT_EQ(0, thp_reasons(&v, 0, &s));
}

TEST(range_reasons)
{
	struct ptscope_vma v = anon_vma(8 * SZ_2M, 8);
	struct thp_settings s = always();

	v.ranges_pmd = 2;
	v.ranges_pte = 4;
	v.ranges_collapsible = 3;
	v.ranges_split = 1;
	EXPECT_EQ(R(THP_R_UNPOPULATED) | R(THP_R_COLLAPSIBLE) | R(THP_R_SPARSE) |
		  R(THP_R_SPLIT), thp_reasons(&v, 0, &s));
}

TEST(bytes)
{
	struct ptscope_page_counts c;
	struct thp_bytes b;

	memset(&c, 0, sizeof(c));
	c.present = 2000;
	c.zero = 10;
	c.thp_pmd = 1024;
	c.large_pte[4] = 64;
	c.large_pte[9] = 512;
	thp_bytes(&c, &b);
	EXPECT_EQ(1990 * 4096ULL, b.rss);
	EXPECT_EQ(1024 * 4096ULL, b.pmd);
	EXPECT_EQ(576 * 4096ULL, b.large);
	EXPECT_EQ((1990 - 1024 - 576) * 4096ULL, b.base);
}

TEST(numa_remote_and_not_allowed)
{
	struct ptscope_vma v = anon_vma(SZ_2M, 1);
	struct numa_eval e;

	v.pages.node[0] = 24;
	v.pages.node[1] = 40;
	/* own policy: bind to node 0; threads on node 0 */
	v.policy_source = PTSCOPE_POLICY_VMA;
	v.policy_mode = 2;
	v.policy_nodes = 1;
	numa_evaluate(&v, 1, 0, 0, &e);
	EXPECT_EQ(64, e.present);
	EXPECT_EQ(40, e.remote);
	EXPECT_EQ(40, e.not_allowed);
	EXPECT_FALSE(e.from_task);
	/* no policy of its own: the task's preferred allows anything */
	v.policy_source = PTSCOPE_POLICY_NONE;
	numa_evaluate(&v, 3, 1, 2, &e);
	EXPECT_TRUE(e.from_task);
	EXPECT_EQ(0, e.remote);
	EXPECT_EQ(0, e.not_allowed);
	/* the task's interleave over node 1 */
	numa_evaluate(&v, 2, 3, 2, &e);
	EXPECT_EQ(24, e.remote);
	EXPECT_EQ(24, e.not_allowed);
}

/* The one rule of "remote" that numa, export and top share. */
TEST(remote_is_off_every_run_node)
{
	struct ptscope_thread th[4] = {
		{ .node = 1 }, { .node = 3 }, { .node = -1 }, { .node = 70 },
	};
	struct ptscope_page_counts c = { 0 };
	uint64_t present, remote;

	ASSERT_EQ((1ULL << 1) | (1ULL << 3), numa_run_nodes(th, 4));
	ASSERT_EQ(0, numa_run_nodes(th + 2, 2));
	c.node[0] = 10;
	c.node[1] = 20;
	c.node[3] = 40;
	c.node_other = 5;
	numa_remote(&c, numa_run_nodes(th, 4), &present, &remote);
	EXPECT_EQ(75, present);
	EXPECT_EQ(15, remote);		/* node 0 and the nodes past 63 */
	/* No thread's node known: nothing is called remote. */
	numa_remote(&c, 0, &present, &remote);
	EXPECT_EQ(75, present);
	EXPECT_EQ(0, remote);
}

TEST(verdict_and_lists)
{
	char buf[256];

	EXPECT_STREQ("87% of anon memory is remote to the node its threads run on (node 0)",
		     numa_verdict(buf, sizeof(buf), 100, 87, 1));
	EXPECT_STREQ("50% of anon memory is remote to the nodes its threads run on (nodes 0-1)",
		     numa_verdict(buf, sizeof(buf), 2, 1, 3));
	EXPECT_STREQ("no anonymous memory is resident", numa_verdict(buf, sizeof(buf), 0, 0, 1));
	EXPECT_STREQ("0-2,5,7-8", numa_nodelist(buf, sizeof(buf), 0x1a7));
	EXPECT_STREQ("-", numa_nodelist(buf, sizeof(buf), 0));
}

/* A kernel without THP (PREEMPT_RT): one reason, and not a candidate. */
TEST(no_thp_kernel_has_one_reason)
{
	struct ptscope_vma v = anon_vma(SZ_2M / 2, 0);
	struct thp_settings s;

	thp_settings_parse(&s, "");
	EXPECT_FALSE(s.present);
	EXPECT_EQ(R(THP_R_NOT_BUILT), thp_reasons(&v, 0, &s));
	EXPECT_FALSE(thp_candidate(&v, &s));
	v = anon_vma(4 * SZ_2M, 4);
	v.ranges_pte = 4;
	v.flags |= PTSCOPE_VMA_NOHUGEPAGE;
	EXPECT_EQ(R(THP_R_NOT_BUILT), thp_reasons(&v, PTSCOPE_MM_THP_DISABLE, &s));
	/* hugetlb is no THP question on any kernel */
	v.flags |= PTSCOPE_VMA_HUGETLB;
	EXPECT_EQ(0, thp_reasons(&v, 0, &s));
	/* the same mapping on a THP kernel is a candidate */
	v.flags &= ~PTSCOPE_VMA_HUGETLB;
	s = always();
	EXPECT_TRUE(thp_candidate(&v, &s));
	EXPECT_FALSE(thp_reasons(&v, 0, &s) & R(THP_R_NOT_BUILT));
}

TEST_HARNESS_MAIN
