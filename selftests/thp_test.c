// SPDX-License-Identifier: GPL-2.0
/*
 * Huge-page facts of PTSCOPE_IOC_MAPS (ABI 1.2) and `ptscope thp`, against
 * what the test set up and the kernel's own /proc/kpageflags (THP, HUGE),
 * smaps (AnonHugePages, Private_Hugetlb) and prctl(PR_GET_THP_DISABLE).
 * Each test maps its own regions and queries itself.
 */
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "diag_oracle.h"
#include "ptscope_test.h"

#define MAX_REC 8

/* The records of [start, end) of this process; their number, or -errno. */
static long query_self(int fd, uint64_t start, uint64_t end,
		       struct ptscope_vma *vec, uint64_t max_none,
		       struct ptscope_maps *a)
{
	maps_args(a, getpid(), start, end, vec, MAX_REC);
	a->collapse_max_none = max_none;
	return ptscope_maps_call(fd, a);
}

static uint64_t large_sum(const struct ptscope_vma *v)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		n += v->pages.large_pte[i];
	return n;
}

/* `ptscope thp PID START-END --json`, malloc()ed. */
static char *thp_json(uint64_t start, uint64_t end)
{
	char args[128];

	snprintf(args, sizeof(args), "thp %d %#llx-%#llx --json", getpid(),
		 (unsigned long long)start, (unsigned long long)end);
	return cli_tool_out("%s", args);
}

FIXTURE(thp) {
	int fd;
	struct ptscope_vma v[MAX_REC];
	struct ptscope_maps a;
};

FIXTURE_SETUP(thp)
{
	struct ptscope_version ver = { .size = sizeof(ver) };

	self->fd = ptscope_open_dev();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ptscope_ioctl(self->fd, PTSCOPE_IOC_VERSION, &ver));
	ASSERT_TRUE(ver.features & PTSCOPE_FEAT_MAPS_POLICY);
}

FIXTURE_TEARDOWN(thp)
{
	close(self->fd);
}

/* An aligned MADV_HUGEPAGE region is PMD-mapped and counted as such. */
TEST_F(thp, aligned_hugepage_region_is_pmd_mapped)
{
	char *p = map_aligned(2 * SZ_2M, SZ_2M), *out, *vma;
	uint64_t start = (uintptr_t)p, end = start + 2 * SZ_2M;
	const struct ptscope_vma *v = &self->v[0];

	REQUIRE_THP();
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, 2 * SZ_2M, MADV_HUGEPAGE));
	memset(p, 1, 2 * SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, end, self->v, 511, &self->a));
	EXPECT_EQ(2, v->ranges_2m);
	EXPECT_EQ(v->pages.thp_pmd / 512, v->ranges_pmd);
	EXPECT_LE(1, v->ranges_pmd) TH_LOG("no THP could be allocated");
	EXPECT_EQ(v->ranges_pmd + v->ranges_pte, 2);
	/* Oracles: kpageflags' THP bit page by page, smaps' AnonHugePages. */
	EXPECT_EQ(count_kpf(start, 2 * SZ_2M / PAGE, KPF_THP),
		  (long)(v->pages.thp_pmd + large_sum(v)));
	EXPECT_EQ(smaps_anon_huge(getpid(), start), (long)v->pages.thp_pmd * 4);

	out = thp_json(start, end);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	EXPECT_EQ((long long)v->pages.thp_pmd * PAGE, json_num(vma, "thp_pmd"));
	if (v->ranges_pmd == 2)
		EXPECT_TRUE(json_reasons_empty(vma)) TH_LOG("%s", vma);
	free(out);
}

/* No aligned 2 MiB range inside: no PMD, and the reason says so. */
TEST_F(thp, unaligned_region_reports_why)
{
	char *p = map_aligned(2 * SZ_2M, SZ_2M), *out, *vma;
	uint64_t start = (uintptr_t)p + SZ_2M / 2, end = start + SZ_2M;
	const struct ptscope_vma *v = &self->v[0];

	REQUIRE_FEATURE(FEATURE_THP);
	ASSERT_NE(NULL, p);
	/* The madvise makes [start, end) a VMA of its own. */
	ASSERT_EQ(0, madvise((void *)start, SZ_2M, MADV_HUGEPAGE));
	memset((void *)start, 1, SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, end, self->v, 511, &self->a));
	EXPECT_EQ(start, v->start);
	EXPECT_EQ(end, v->end);
	EXPECT_EQ(0, v->ranges_2m);
	EXPECT_EQ(0, v->pages.thp_pmd);
	EXPECT_EQ(0, smaps_anon_huge(getpid(), start));
	EXPECT_EQ(count_kpf(start, SZ_2M / PAGE, KPF_THP), (long)large_sum(v));

	out = thp_json(start, end);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	EXPECT_TRUE(json_has_reason(vma, "unaligned")) TH_LOG("%s", vma);
	EXPECT_FALSE(json_has_reason(vma, "nohugepage"));
	free(out);
}

/*
 * A kernel built without THP (Debian's rt flavour) gives each mapping one
 * reason, thp_not_built, and calls none a candidate; a kernel with THP
 * never gives it.  The oracle: the kernel's /sys/kernel/mm/transparent_hugepage,
 * there or not.
 */
TEST_F(thp, thp_not_built_follows_the_kernel)
{
	char *p = map_aligned(SZ_2M, SZ_2M), *out, *vma;
	uint64_t start = (uintptr_t)p, end = start + SZ_2M / 2;
	bool lacking = kernel_lacks(FEATURE_THP) != NULL;

	ASSERT_NE(NULL, p);
	memset(p, 1, SZ_2M / 2);
	out = thp_json(start, end);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	EXPECT_EQ(lacking, json_has_reason(vma, "thp_not_built")) TH_LOG("%s", vma);
	if (lacking) {
		EXPECT_NE(NULL, strstr(vma, "\"reasons\":[\"thp_not_built\"]"))
			TH_LOG("%s", vma);
		EXPECT_NE(NULL, strstr(vma, "\"candidate\":false")) TH_LOG("%s", vma);
	}
	free(out);
}

/* MADV_NOHUGEPAGE: no THP, flag and reason reported. */
TEST_F(thp, nohugepage_region_reports_why)
{
	char *p = map_aligned(2 * SZ_2M, SZ_2M), *out, *vma;
	uint64_t start = (uintptr_t)p, end = start + 2 * SZ_2M;
	const struct ptscope_vma *v = &self->v[0];

	REQUIRE_FEATURE(FEATURE_THP);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, 2 * SZ_2M, MADV_NOHUGEPAGE));
	memset(p, 1, 2 * SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, end, self->v, 511, &self->a));
	EXPECT_TRUE(v->flags & PTSCOPE_VMA_NOHUGEPAGE);
	EXPECT_EQ(2, v->ranges_2m);
	EXPECT_EQ(0, v->ranges_pmd);
	EXPECT_EQ(2, v->ranges_pte);
	EXPECT_EQ(2, v->ranges_pte_full);
	EXPECT_EQ(0, v->pages.thp_pmd);
	EXPECT_EQ(0, count_kpf(start, 2 * SZ_2M / PAGE, KPF_THP));
	EXPECT_EQ(0, smaps_anon_huge(getpid(), start));

	out = thp_json(start, end);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	EXPECT_TRUE(json_has_reason(vma, "nohugepage")) TH_LOG("%s", vma);
	free(out);
}

/*
 * mprotect of one page inside a PMD-mapped THP splits the PMD: the folio
 * stays whole, mapped by PTEs (or is split, if a kernel does that): the
 * counts must say which, as kpageflags and smaps do.
 */
TEST_F(thp, mprotect_split_is_reported_truthfully)
{
	char *p = map_aligned(2 * SZ_2M, SZ_2M);
	uint64_t start = (uintptr_t)p, end = start + 2 * SZ_2M;
	uint64_t pmd = 0, large = 0, order9 = 0, split = 0, pmd_ranges = 0;
	long n, i, anon_huge_kb = 0;

	REQUIRE_THP();
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, 2 * SZ_2M, MADV_HUGEPAGE));
	memset(p, 1, 2 * SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, end, self->v, 511, &self->a));
	if (self->v[0].ranges_pmd != 2)
		SKIP(return, "no two THPs could be allocated");

	ASSERT_EQ(0, mprotect(p + SZ_2M / 2, PAGE, PROT_READ));
	n = query_self(self->fd, start, end, self->v, 511, &self->a);
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		pmd += self->v[i].pages.thp_pmd;
		large += large_sum(&self->v[i]);
		order9 += self->v[i].pages.large_pte[9];
		split += self->v[i].ranges_split;
		pmd_ranges += self->v[i].ranges_pmd;
		anon_huge_kb += smaps_anon_huge(getpid(), self->v[i].start);
	}
	TH_LOG("after mprotect: pmd %llu, PTE-mapped large %llu (order 9: %llu), split tables %llu",
	       (unsigned long long)pmd, (unsigned long long)large,
	       (unsigned long long)order9, (unsigned long long)split);
	/* The second 2 MiB is untouched: still one PMD, in the last VMA. */
	EXPECT_EQ(1, pmd_ranges);
	EXPECT_EQ(512, pmd);
	EXPECT_EQ(1, self->v[2].ranges_pmd);
	EXPECT_EQ(anon_huge_kb, (long)pmd * 4);
	EXPECT_EQ(count_kpf(start, 2 * SZ_2M / PAGE, KPF_THP), (long)(pmd + large));
	/* A split table is one that maps part of an order-9 folio. */
	EXPECT_EQ(order9 > 0, split > 0);
	/* The first range crosses three VMAs: none holds it whole. */
	EXPECT_EQ(0, self->v[0].ranges_2m);
	EXPECT_EQ(0, self->v[1].ranges_2m);
	EXPECT_EQ(1, self->v[2].ranges_2m);
}

/*
 * A THP made PROT_NONE stays one PMD leaf, without _PAGE_PRESENT, so x86
 * stores its frame inverted (the L1TF mitigation); NUMA balancing does the
 * same to any THP it samples.  Its frame and node must still be read as
 * pagemap reads them.  (Before the module undid the inversion, this read a
 * struct page far outside the memory map: an oops under the PMD lock, and
 * every later walker of that PMD spun on the lock.)
 */
TEST_F(thp, prot_none_pmd_keeps_its_frame)
{
	char *p = map_aligned(SZ_2M, SZ_2M);
	uint64_t start = (uintptr_t)p, end = start + SZ_2M, pm[2];
	struct ptscope_page_region rec[4];
	const struct ptscope_vma *v = &self->v[0];
	struct ptscope_pages a;
	uint64_t pfn, nodes = 0;
	int node, i;

	REQUIRE_THP();
	if (geteuid())
		SKIP(return, "frames are shown to root only");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, SZ_2M, MADV_HUGEPAGE));
	memset(p, 1, SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, end, self->v, 511, &self->a));
	if (v->ranges_pmd != 1)
		SKIP(return, "no THP could be allocated");
	ASSERT_EQ(0, pagemap_read(getpid(), start, 1, pm));
	pfn = pm[0] & PM_PFN_MASK;
	ASSERT_NE(0, pfn);
	ASSERT_EQ(0, pages_nodes(getpid(), start, 1, &node));
	ASSERT_LE(0, node);

	ASSERT_EQ(0, mprotect(p, SZ_2M, PROT_NONE));
	/* The oracle: pagemap still sees the same frames, present. */
	ASSERT_EQ(0, pagemap_read(getpid(), start + SZ_2M - PAGE, 1, &pm[1]));
	ASSERT_EQ(0, pagemap_read(getpid(), start, 1, pm));
	ASSERT_TRUE(pm[0] & PM_PRESENT);
	ASSERT_EQ(pfn, pm[0] & PM_PFN_MASK);
	ASSERT_EQ(pfn + 511, pm[1] & PM_PFN_MASK);

	pages_args(&a, getpid(), start, end,
		   PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN, rec, 4);
	ASSERT_EQ(1, ptscope_pages_call(self->fd, &a));
	EXPECT_EQ(start, rec[0].start);
	EXPECT_EQ(end, rec[0].end);
	EXPECT_EQ(PTSCOPE_LEVEL_PMD, rec[0].level);
	EXPECT_EQ(pfn, rec[0].pfn);
	EXPECT_TRUE(rec[0].flags & PTSCOPE_PF_PROTNONE);
	EXPECT_FALSE(rec[0].flags & PTSCOPE_PF_PFN_HIDDEN);
	EXPECT_EQ(node, rec[0].node);

	ASSERT_EQ(1, query_self(self->fd, start, end, self->v, 511, &self->a));
	EXPECT_EQ(512, v->pages.thp_pmd);
	EXPECT_EQ(512, v->pages.protnone);
	EXPECT_EQ(512, v->pages.anon);
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		nodes += v->pages.node[i];
	EXPECT_EQ(512, nodes);
	EXPECT_EQ(512, v->pages.node[node]);
	munmap(p, SZ_2M);
}

/* MAP_HUGETLB: counted as hugetlb, one PMD range, KPF_HUGE. */
TEST_F(thp, hugetlb_is_counted_by_size)
{
	char *p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	uint64_t start = (uintptr_t)p;
	const struct ptscope_vma *v = &self->v[0];
	char *out, *vma;

	REQUIRE_FEATURE(FEATURE_HUGETLB);
	if (p == MAP_FAILED)
		SKIP(return, "no hugetlb pages reserved");
	memset(p, 1, SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, start + SZ_2M, self->v, 511, &self->a));
	EXPECT_TRUE(v->flags & PTSCOPE_VMA_HUGETLB);
	EXPECT_EQ(SZ_2M, v->page_size);
	EXPECT_EQ(512, v->pages.hugetlb_pmd);
	EXPECT_EQ(1, v->ranges_2m);
	EXPECT_EQ(1, v->ranges_pmd);
	EXPECT_EQ(512, count_kpf(start, SZ_2M / PAGE, KPF_HUGE));

	out = thp_json(start, start + SZ_2M);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	EXPECT_EQ((long long)SZ_2M, json_num(vma, "hugetlb"));
	EXPECT_EQ((long long)SZ_2M, json_num(vma, "2048kB"));
	EXPECT_EQ(100, json_num(vma, "huge_percent"));
	EXPECT_TRUE(json_reasons_empty(vma));
	free(out);
}

/*
 * Partially populated 2 MiB ranges: a table with 100 of 512 entries is
 * collapsible when max_ptes_none >= 412, not below.
 */
TEST_F(thp, collapsible_follows_max_ptes_none)
{
	char *p = map_aligned(SZ_2M, SZ_2M);
	uint64_t start = (uintptr_t)p;
	const struct ptscope_vma *v = &self->v[0];
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, SZ_2M));
	for (i = 0; i < 100; i++)
		p[i * PAGE] = 1;
	ASSERT_EQ(1, query_self(self->fd, start, start + SZ_2M, self->v, 412, &self->a));
	EXPECT_EQ(1, v->ranges_2m);
	EXPECT_EQ(1, v->ranges_pte);
	EXPECT_EQ(0, v->ranges_pte_full);
	EXPECT_EQ(1, v->ranges_collapsible);
	ASSERT_EQ(1, query_self(self->fd, start, start + SZ_2M, self->v, 411, &self->a));
	EXPECT_EQ(0, v->ranges_collapsible);
	EXPECT_EQ(-EINVAL, query_self(self->fd, start, start + SZ_2M, self->v, 512, &self->a));
}

/* prctl(PR_SET_THP_DISABLE) shows in mm_flags and as a reason. */
TEST_F(thp, prctl_disable_is_seen)
{
	char *p = map_aligned(SZ_2M, SZ_2M), *out, *vma;
	uint64_t start = (uintptr_t)p;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, query_self(self->fd, start, start + SZ_2M, self->v, 511, &self->a));
	EXPECT_EQ(0, self->a.mm_flags & PTSCOPE_MM_THP_DISABLE);
	/* The harness runs each test in its own process: this stays here. */
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	ASSERT_EQ(1, prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	memset(p, 1, SZ_2M);
	ASSERT_EQ(1, query_self(self->fd, start, start + SZ_2M, self->v, 511, &self->a));
	EXPECT_TRUE(self->a.mm_flags & PTSCOPE_MM_THP_DISABLE);
	EXPECT_EQ(0, self->v[0].pages.thp_pmd);

	out = thp_json(start, start + SZ_2M);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	/* Without THP in the kernel there is one reason for all (above). */
	EXPECT_TRUE(json_has_reason(vma, kernel_lacks(FEATURE_THP) ?
				    "thp_not_built" : "prctl_disabled")) TH_LOG("%s", vma);
	EXPECT_NE(NULL, strstr(out, "\"prctl_thp_disabled\":true"));
	free(out);
}

/* A caller of ABI 1.1 sizes gets its records, and nothing past them. */
TEST_F(thp, ver0_caller_gets_ver0_records)
{
	size_t rec = PTSCOPE_VMA_SIZE_VER0;
	unsigned char *buf = malloc(2 * rec);
	char *p = map_aligned(SZ_2M, SZ_2M);
	struct ptscope_maps a;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, p);
	memset(buf, 0xa5, 2 * rec);
	p[0] = 1;
	maps_args(&a, getpid(), (uintptr_t)p, (uintptr_t)p + SZ_2M,
		  (struct ptscope_vma *)buf, 1);
	a.size = PTSCOPE_MAPS_SIZE_VER0;
	a.rec_size = rec;
	ASSERT_EQ(1, ptscope_maps_call(self->fd, &a));
	EXPECT_EQ((uintptr_t)p, ((struct ptscope_vma *)buf)->start);
	EXPECT_EQ(0xa5, buf[rec]);
	EXPECT_EQ(0xa5, buf[2 * rec - 1]);
	free(buf);
}

TEST_HARNESS_MAIN
