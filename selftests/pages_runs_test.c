// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_PAGES's regions: alike pages merge into runs, unalike ones
 * and broken frames do not, soft-dirty and KSM pages are told apart, and
 * ranges of one page and of 1 GiB are walked whole (pages_check.h).
 */
#include "pages_check.h"

/*
 * Neighbouring pages whose entries are alike but whose folios are not must
 * not share a run.  After the child writes every other page, the parent's
 * entries are all read-only, dirty and accessed, and only the mapcounts
 * (and refcounts) of its pages alternate: 2 where the child still shares
 * the page, 1 where it took its own copy.
 */
TEST(alike_entries_of_unalike_pages_are_separate_regions)
{
	const uint64_t pte_bits = PTSCOPE_PF_PRESENT | PTSCOPE_PF_WRITE |
				  PTSCOPE_PF_DIRTY | PTSCOPE_PF_ACCESSED;
	size_t len = 32 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region *pr, vec[64];
	struct ptscope_pages args;
	int ready[2], go[2], fd;
	struct checked c;
	pid_t child;
	char x;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, len));
	memset(p, 7, len);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		for (i = PAGE; i < len; i += 2 * PAGE)	/* the odd pages */
			p[i] = 9;
		write(ready[1], "w", 1);
		read(go[0], &x, 1);
		_exit(0);
	}
	close(ready[1]);	/* EOF, not a hang, if the child dies */
	ASSERT_EQ(1, read(ready[0], &x, 1));

	check_range(_metadata, getpid(), RANGE(p, len), false, &c, &pr);
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(pr[0].flags & pte_bits, pr[i].flags & pte_bits);
		EXPECT_EQ(i % 2 ? 1 : 2, pr[i].mapcount) {
			TH_LOG("page %zu: mapcount %u", i, pr[i].mapcount);
		}
	}
	free(pr);

	/* As regions (frames hidden): one run a page, whole range done. */
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);
	pages_args(&args, getpid(), RANGE(p, len), PTSCOPE_PAGES_REGIONS,
		   vec, 64);
	ASSERT_LE(0, ptscope_pages_call(fd, &args));
	EXPECT_EQ((uint64_t)(uintptr_t)p + len, args.walk_end);
	EXPECT_EQ(32, args.nr_records);
	for (i = 0; i < args.nr_records && i < 32; i++) {
		EXPECT_EQ((uint64_t)(uintptr_t)p + i * PAGE, vec[i].start);
		EXPECT_EQ(i % 2 ? 1 : 2, vec[i].mapcount);
	}
	close(fd);
	write(go[1], "g", 1);
	waitpid(child, NULL, 0);
	munmap(p, len);
}

/*
 * Pages alike in every fact but their frames are one run per stretch of
 * consecutive frames.  Faulting another buffer's page between each two of
 * ours scatters our frames; pagemap says where each run must break.  A
 * page may also join the LRU between two reads (a per-CPU batch drains),
 * which breaks a run too: the runs are checked against per-page records
 * read just before and after them, and the check is retried until those
 * two agree.
 */
TEST(alike_pages_break_runs_where_frames_do)
{
	size_t n = 64, len = n * PAGE, i, runs, tries;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	char *q = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region before[64], after[64], vec[64];
	struct ptscope_pages args;
	uint64_t pm[64];
	int fd;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, q);
	ASSERT_EQ(0, no_huge_pages(p, len));
	ASSERT_EQ(0, no_huge_pages(q, len));
	for (i = 0; i < n; i++) {
		p[i * PAGE] = 1;
		q[i * PAGE] = 1;
	}
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);

	for (tries = 0; tries < 10; tries++) {
		ASSERT_EQ((long)n, query_pages(fd, getpid(), RANGE(p, len),
					       PTSCOPE_PAGES_PFN, 64, before));
		pages_args(&args, getpid(), RANGE(p, len),
			   PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN, vec, 64);
		ASSERT_LE(0, ptscope_pages_call(fd, &args));
		ASSERT_EQ(0, pagemap_read(getpid(), (uintptr_t)p, n, pm));
		ASSERT_EQ((long)n, query_pages(fd, getpid(), RANGE(p, len),
					       PTSCOPE_PAGES_PFN, 64, after));
		if (!memcmp(before, after, sizeof(before)))
			break;
	}
	ASSERT_GT(10, tries);

	runs = 1;
	for (i = 0; i < n; i++) {
		EXPECT_EQ(pm[i] & PM_PFN_MASK, before[i].pfn);
		EXPECT_EQ(1, before[i].mapcount);
		EXPECT_EQ(PTSCOPE_KIND_ANON, before[i].kind);
		if (!i)
			continue;
		EXPECT_EQ(before[0].flags & ~PTSCOPE_PF_LRU,
			  before[i].flags & ~PTSCOPE_PF_LRU);
		runs += before[i].pfn != before[i - 1].pfn + 1 ||
			before[i].flags != before[i - 1].flags;
	}
	if (runs == 1)
		SKIP(goto out, "the frames came out consecutive");

	EXPECT_EQ((uint64_t)(uintptr_t)p + len, args.walk_end);
	EXPECT_EQ(runs, args.nr_records);
	for (i = 0; i < args.nr_records; i++) {
		size_t first = (vec[i].start - (uintptr_t)p) / PAGE;
		size_t last = (vec[i].end - (uintptr_t)p) / PAGE - 1;

		EXPECT_EQ(before[first].pfn, vec[i].pfn) {
			TH_LOG("run %zu at page %zu", i, first);
		}
		EXPECT_EQ(before[last].pfn, vec[i].pfn + last - first) {
			TH_LOG("run %zu to page %zu", i, last);
		}
		EXPECT_EQ(before[first].flags, vec[i].flags);
		EXPECT_EQ(before[first].raw, vec[i].raw);
	}
out:
	close(fd);
	munmap(q, len);
	munmap(p, len);
}

/*
 * Writes the pages whose index is a multiple of 4 of a 32-page mapping
 * after clearing the soft-dirty bits, and returns that mapping, or NULL.
 * Memory is compacted first, as check_range() does, so that its pages are
 * less likely to move after the clear.
 */
static char *dirty_every_fourth_page(size_t len)
{
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	size_t i;
	int fd;

	if (!p)
		return NULL;
	if (no_huge_pages(p, len))
		goto unmap;
	memset(p, 1, len);
	drain_lru_batches();
	fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0)
		goto unmap;
	if (write(fd, "4", 1) != 1) {
		close(fd);
		goto unmap;
	}
	close(fd);
	for (i = 0; i < len; i += 4 * PAGE)
		p[i] = 2;
	return p;
unmap:
	munmap(p, len);
	return NULL;
}

/*
 * Only the pages written after "4" > clear_refs are soft-dirty.  The kernel
 * may add some: migrating a dirty page (compaction, which check_range()
 * asks for, or NUMA balancing) remaps it with pte_mkdirty(), and on x86
 * that sets the soft-dirty bit too (remove_migration_pte()).  Nothing but
 * clear_refs clears the bit, so when pagemap shows no unwritten page
 * soft-dirty after check_range(), none was during it; otherwise the test
 * runs again on a new mapping.  ptscope is compared with pagemap page by
 * page in every attempt.
 */
TEST(soft_dirty_after_clear_refs)
{
	size_t len = 32 * PAGE, i, attempt, kernel_added;
	struct ptscope_page_region *r;
	uint64_t pm[32];
	struct checked c;
	char *p;

	for (attempt = 1; ; attempt++) {
		p = dirty_every_fourth_page(len);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(0, pagemap_read(getpid(), (uintptr_t)p, 1, pm));
		if (!(pm[0] & PM_SOFT_DIRTY)) {
			munmap(p, len);
			SKIP(return, "this kernel has no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY is not set: no soft-dirty bit)");
		}
		check_range(_metadata, getpid(), RANGE(p, len), true, &c, &r);
		ASSERT_EQ(0, pagemap_read(getpid(), (uintptr_t)p, 32, pm));
		for (kernel_added = 0, i = 0; i < 32; i++)
			kernel_added += i % 4 && (pm[i] & PM_SOFT_DIRTY);
		if (!kernel_added || attempt == 5)
			break;
		TH_LOG("attempt %zu: %zu unwritten pages became soft-dirty (migrated); again",
		       attempt, kernel_added);
		free(r);
		munmap(p, len);
	}
	EXPECT_EQ(8, c.soft_dirty);
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(i % 4 == 0, !!(r[i].flags & PTSCOPE_PF_SOFT_DIRTY));
	}
	free(r);
	munmap(p, len);
}

/* How many pages of [start, end) ptscope sees as KSM pages, or -errno. */
static long count_ksm(uint64_t start, uint64_t end)
{
	size_t n = (end - start) / PAGE, i;
	struct ptscope_page_region *r = calloc(n, sizeof(*r));
	int fd = ptscope_open_dev();
	long ret, ksm = 0;

	ret = r && fd >= 0 ? query_pages(fd, getpid(), start, end, 0, 64, r) : -ENOMEM;
	for (i = 0; ret > 0 && i < n; i++)
		ksm += r[i].kind == PTSCOPE_KIND_KSM;
	free(r);
	close(fd);
	return ret < 0 ? ret : ksm;
}

TEST(ksm_merged_pages)
{
	size_t len = 32 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct checked c;
	long ksm = 0;
	int tries;

	REQUIRE_FEATURE(FEATURE_KSM);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, len));
	memset(p, 0x42, len);
	if (madvise(p, len, MADV_MERGEABLE) ||
	    write_str("/sys/kernel/mm/ksm/sleep_millisecs", "0") ||
	    write_str("/sys/kernel/mm/ksm/pages_to_scan", "10000") ||
	    write_str("/sys/kernel/mm/ksm/run", "1"))
		SKIP(return, "KSM is not available");
	for (tries = 0; tries < 300 && ksm != 32; tries++) {
		usleep(100000);
		ksm = count_ksm(RANGE(p, len));
	}
	/* Stop ksmd (keeping what it merged) so the oracles see still pages. */
	write_str("/sys/kernel/mm/ksm/run", "0");
	ASSERT_EQ(32, ksm);
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(32, c.ksm);
	write_str("/sys/kernel/mm/ksm/run", "2");	/* unmerge everything */
	munmap(p, len);
}

TEST(one_page_range)
{
	char *p = map_anon(PAGE, PROT_READ | PROT_WRITE, 0);
	struct checked c;

	ASSERT_NE(NULL, p);
	p[0] = 1;
	check_range(_metadata, getpid(), RANGE(p, PAGE), false, &c, NULL);
	EXPECT_EQ(1, c.present);
}

TEST(one_gib_range)
{
	size_t len = 1UL << 30, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, MAP_NORESERVE);
	struct checked c;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, len));
	for (i = 0; i < len; i += 16 << 20)	/* one page every 16 MiB */
		p[i] = 1;
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(64, c.present);
	EXPECT_EQ(len / PAGE - 64, c.none);
	munmap(p, len);
}

TEST_HARNESS_MAIN
