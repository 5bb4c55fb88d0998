// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of `ptscope top`'s model: the budget's plan (which
 * process is walked whole), the cost model it learns, and the one-word
 * verdict (model/top_sweep.c, model/top_verdict.c).
 */
#include <math.h>
#include <string.h>

#include "kselftest_harness.h"
#include "top_sweep.h"
#include "top_verdict.h"
#include "fault_rates.h"

#define SZ_2M (2ULL << 20)
#define PAGES_2M 512

static struct ptscope_vma anon(uint64_t size, uint64_t present, uint64_t pmd)
{
	struct ptscope_vma v;

	memset(&v, 0, sizeof(v));
	v.start = 0x7f0000000000ULL;
	v.end = v.start + size;
	v.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON;
	v.ranges_2m = size / SZ_2M;
	v.ranges_pmd = pmd / PAGES_2M;
	v.ranges_pte = v.ranges_2m - v.ranges_pmd;
	v.pages.present = present;
	v.pages.anon = present;
	v.pages.thp_pmd = pmd;
	return v;
}

static struct thp_settings settings(enum thp_mode mode)
{
	struct thp_settings s;

	memset(&s, 0, sizeof(s));
	s.present = true;
	s.enabled = mode;
	s.shmem_enabled = THP_NEVER;
	s.max_ptes_none = 511;
	return s;
}

TEST(plan_walks_small_ones_whole_within_what_is_left)
{
	struct top_cost c = TOP_COST_INIT;

	/* Nothing learned: walked whole, to learn, unless the reserve is reached. */
	EXPECT_EQ(TOP_PLAN_EXACT, top_plan(&c, 100, 2, 1, 0));
	EXPECT_EQ(TOP_PLAN_NONE, top_plan(&c, 100, 1, 1, 1));
	EXPECT_EQ(TOP_PLAN_NONE, top_plan(&c, 100, 0, 0, 0));
	/* Two small walks of 40 and 60 us: 50 us, 75 with the margin. */
	top_cost_learn(&c, 100, 40000);
	top_cost_learn(&c, 200, 60000);
	EXPECT_EQ(75000, (int)top_cost_predict(&c, 300));
	EXPECT_EQ(TOP_PLAN_EXACT, top_plan(&c, 300, 175000, 100000, 1));
	EXPECT_EQ(TOP_PLAN_NONE, top_plan(&c, 300, 174999, 100000, 1));
	/* A larger one, with no larger walk known: the small walks' rate. */
	EXPECT_EQ(1.5 * 50000 / TOP_UNITS_SMALL * 20000, top_cost_predict(&c, 20000));
	/* Once one is known: its rate. */
	top_cost_learn(&c, 100000, 2000000);
	EXPECT_EQ(1.5 * 20 * 20000, top_cost_predict(&c, 20000));
	EXPECT_EQ(TOP_PLAN_EXACT, top_plan(&c, 20000, 600000, 0, 0));
	EXPECT_EQ(TOP_PLAN_NONE, top_plan(&c, 20000, 599999, 0, 0));
}

TEST(plan_shares_the_rest_among_large_ones)
{
	struct top_cost c = TOP_COST_INIT;
	uint64_t large = TOP_UNITS_LARGE + 1;

	top_cost_learn(&c, 100000, 1000000);	/* 10 ns per unit */
	/* 15 ns per unit with the margin: fits a third of 30 ms, or sampled. */
	EXPECT_EQ(TOP_PLAN_EXACT, top_plan(&c, large, 3 * 15 * large, 0, 3));
	EXPECT_EQ(TOP_PLAN_SAMPLE, top_plan(&c, large, 3 * 15 * large - 3, 0, 3));
	/* Never learned anything: guessed, not probed. */
	c = (struct top_cost)TOP_COST_INIT;
	EXPECT_EQ(TOP_PLAN_SAMPLE, top_plan(&c, 100 * large, 1000000000, 0, 1));
	EXPECT_EQ(TOP_PLAN_NONE, top_plan(&c, large, 0, 0, 1));
}

TEST(cost_is_a_mean_and_ages)
{
	struct top_cost c = TOP_COST_INIT;

	top_cost_learn(&c, 100000, 3000000);
	top_cost_learn(&c, 300000, 5000000);
	/* 8 ms over 400,000 units: 20 ns, 30 with the margin. */
	EXPECT_EQ(30 * 1000000.0, top_cost_predict(&c, 1000000));
	/* Aged, then a dearer walk: it weighs twice as much as the old. */
	top_cost_age(&c);
	top_cost_learn(&c, 200000, 12000000);
	EXPECT_EQ(1.5 * 16000000 / 400000 * 1000000, top_cost_predict(&c, 1000000));
}

TEST(units_are_table_entries_pages_and_mappings)
{
	struct ptscope_stats st = { .rss_anon = 1, .rss_file = 20, .rss_shmem = 300,
				    .swap_ents = 4000, .pgtables_bytes = 1 << 20,
				    .map_count = 10 };

	/* 256 tables of 512 entries, the pages, the mappings. */
	EXPECT_EQ(131072 + 4321 + 10 * TOP_UNITS_PER_VMA, top_units(&st));
}

TEST(verdict_remote_first)
{
	struct thp_settings s = settings(THP_ALWAYS);
	struct ptscope_vma v = anon(8 * SZ_2M, 8 * PAGES_2M, 8 * PAGES_2M);
	struct ptscope_vma file = v;
	struct top_verdict_acc a = { 0 };

	/* Threads on node 0 (run_nodes 1): 2,049 of 4,096 anon pages on node 1. */
	v.pages.node[0] = 4096 - 2049;
	v.pages.node[1] = 2049;
	top_verdict_add(&a, &v, 0, 1, &s, false);
	EXPECT_EQ(4096, a.anon_noded);
	EXPECT_EQ(2049, a.anon_remote);
	EXPECT_STREQ("remote", top_verdict(&a));
	/* Half is not more than half. */
	memset(&a, 0, sizeof(a));
	v.pages.node[0] = v.pages.node[1] = 2048;
	top_verdict_add(&a, &v, 0, 1, &s, false);
	EXPECT_STREQ("huge", top_verdict(&a));
	/* File pages elsewhere (shared libraries) do not make it remote. */
	memset(&a, 0, sizeof(a));
	file.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_EXEC;
	file.pages.anon = 0;
	file.pages.file = file.pages.present;
	file.pages.node[1] = file.pages.present;
	top_verdict_add(&a, &file, 0, 1, &s, false);
	EXPECT_EQ(0, a.anon_noded);
	EXPECT_STRNE("remote", top_verdict(&a));
	/* Too little to judge by: 511 pages, all remote. */
	memset(&a, 0, sizeof(a));
	v = anon(SZ_2M, 511, 0);
	v.pages.node[1] = 511;
	top_verdict_add(&a, &v, 0, 1, &s, false);
	EXPECT_STREQ("-", top_verdict(&a));
}

TEST(verdict_names_the_reason_holding_most)
{
	struct thp_settings s = settings(THP_MADVISE);
	struct top_verdict_acc a = { 0 };
	struct ptscope_vma big = anon(16 * SZ_2M, 16 * PAGES_2M, 0);
	struct ptscope_vma advised = anon(4 * SZ_2M, 4 * PAGES_2M, 4 * PAGES_2M);

	advised.flags |= PTSCOPE_VMA_HUGEPAGE;
	top_verdict_add(&a, &big, 0, 1, &s, false);
	top_verdict_add(&a, &advised, 0, 1, &s, false);
	EXPECT_EQ(20 * PAGES_2M, a.eligible);
	EXPECT_EQ(4 * PAGES_2M, a.pmd);
	EXPECT_EQ(16 * PAGES_2M, a.by_reason[THP_R_MADVISE]);
	EXPECT_STREQ("madvise_not_hugepage", top_verdict(&a));
}

TEST(verdict_prefers_the_direct_reason)
{
	struct thp_settings s = settings(THP_MADVISE);
	struct top_verdict_acc a = { 0 };
	struct ptscope_vma v = anon(16 * SZ_2M, 16 * PAGES_2M, 0);

	/* Not advised and advised against: the madvise is the cause. */
	v.flags |= PTSCOPE_VMA_NOHUGEPAGE;
	top_verdict_add(&a, &v, 0, 1, &s, false);
	EXPECT_STREQ("nohugepage", top_verdict(&a));
}

TEST(verdict_of_a_sample_uses_settings_reasons_only)
{
	struct thp_settings s = settings(THP_ALWAYS);
	struct top_verdict_acc a = { 0 }, b = { 0 };
	struct ptscope_vma v = anon(16 * SZ_2M, 16 * PAGES_2M, 0);

	/* Walked whole, THP "always": the ranges say too sparse / collapsible. */
	top_verdict_add(&a, &v, 0, 1, &s, false);
	EXPECT_STREQ("too_sparse", top_verdict(&a));
	/* Sampled: the ranges are not known, so no reason is given. */
	top_verdict_add(&b, &v, 0, 1, &s, true);
	EXPECT_STREQ("-", top_verdict(&b));
	/* A prctl is a reason a sample knows. */
	memset(&b, 0, sizeof(b));
	top_verdict_add(&b, &v, PTSCOPE_MM_THP_DISABLE, 1, &s, true);
	EXPECT_STREQ("prctl_disabled", top_verdict(&b));
}

TEST(verdict_leaves_out_what_thp_cannot_back)
{
	struct thp_settings s = settings(THP_ALWAYS), none = { 0 };
	struct top_verdict_acc a = { 0 };
	struct ptscope_vma v = anon(16 * SZ_2M, 16 * PAGES_2M, 0);

	v.flags |= PTSCOPE_VMA_HUGETLB;
	top_verdict_add(&a, &v, 0, 1, &s, false);
	EXPECT_EQ(0, a.eligible);
	EXPECT_STREQ("-", top_verdict(&a));
	/* No THP in the kernel: anonymous memory is eligible, not built. */
	v.flags &= ~PTSCOPE_VMA_HUGETLB;
	top_verdict_add(&a, &v, 0, 1, &none, false);
	EXPECT_STREQ("thp_not_built", top_verdict(&a));
}

TEST(fault_rates_per_second_or_unknown)
{
	struct ptscope_stats a = { .min_flt = 100, .maj_flt = 1, .timestamp_ns = 1000000000 };
	struct ptscope_stats b = { .min_flt = 400, .maj_flt = 3, .timestamp_ns = 3000000000 };
	double minor, major;

	fault_rates(&b, &a, &minor, &major);
	EXPECT_EQ(150, minor);
	EXPECT_EQ(1, major);
	/* Backwards in time, or a counter that went back: not known. */
	fault_rates(&a, &b, &minor, &major);
	EXPECT_TRUE(isnan(minor) && isnan(major));
	b.timestamp_ns = a.timestamp_ns;
	fault_rates(&b, &a, &minor, &major);
	EXPECT_TRUE(isnan(minor) && isnan(major));
}

TEST_HARNESS_MAIN
