// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_PAGES against the kernel's own interfaces: for every page of
 * each fixture, what ptscope reports must agree with /proc/PID/pagemap,
 * /proc/kpageflags, /proc/kpagecount and move_pages(2).
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "oracle.h"
#include "fixtures.h"


struct checked {
	size_t present, none, swapped, anon, file, shmem, zero, huge_zero,
	       ksm, thp, hugetlb, exclusive, soft_dirty, writable;
};

/* Compare one page's record with the oracles; EXPECT so all pages report. */
static void check_page(struct __test_metadata *_metadata, uint64_t addr,
		       const struct ptscope_page_region *r, uint64_t pm,
		       int node, bool soft_dirty_exact, struct checked *c)
{
	bool present = r->flags & PTSCOPE_PF_PRESENT;
	bool has_page = present && r->kind != PTSCOPE_KIND_ZERO &&
			r->kind != PTSCOPE_KIND_PFNMAP;
	bool anon = r->kind == PTSCOPE_KIND_ANON || r->kind == PTSCOPE_KIND_KSM;

	EXPECT_NE(0xff, r->entry) {
		TH_LOG("%#lx: inside a VMA but no record", (long)addr);
		return;
	}
	EXPECT_EQ(!!(pm & PM_PRESENT), present) {
		TH_LOG("%#lx: present %d, pagemap %#llx", (long)addr, present,
		       (unsigned long long)pm);
	}
	if (present && r->kind != PTSCOPE_KIND_PFNMAP) {
		EXPECT_EQ(pm & PM_PFN_MASK, r->pfn) {
			TH_LOG("%#lx: pfn %#llx, pagemap %#llx", (long)addr,
			       (unsigned long long)r->pfn,
			       (unsigned long long)(pm & PM_PFN_MASK));
		}
	}
	if (r->entry == PTSCOPE_ENTRY_SWAP) {
		EXPECT_TRUE(pm & PM_SWAP);
		EXPECT_EQ(pm & 0x1f, r->swap_type);
		EXPECT_EQ((pm & PM_PFN_MASK) >> 5, r->swap_offset);
		EXPECT_TRUE(r->flags & PTSCOPE_PF_SWAP);
	}
	if (pm & PM_SWAP) {
		EXPECT_TRUE(r->entry != PTSCOPE_ENTRY_NONE &&
			    r->entry != PTSCOPE_ENTRY_PRESENT) {
			TH_LOG("%#lx: pagemap says swap, entry %u", (long)addr,
			       r->entry);
		}
	}
	if (!present && !(pm & PM_SWAP)) {
		EXPECT_EQ(PTSCOPE_ENTRY_NONE, r->entry);
	}
	EXPECT_EQ(!!(pm & PM_UFFD_WP), !!(r->flags & PTSCOPE_PF_UFFD_WP));
	/* pagemap ORs in the VMA's VM_SOFTDIRTY until clear_refs clears it. */
	if (soft_dirty_exact) {
		EXPECT_EQ(!!(pm & PM_SOFT_DIRTY), !!(r->flags & PTSCOPE_PF_SOFT_DIRTY)) {
			TH_LOG("%#lx: soft-dirty", (long)addr);
		}
	} else if (r->flags & PTSCOPE_PF_SOFT_DIRTY) {
		EXPECT_TRUE(pm & PM_SOFT_DIRTY);
	}
	if (present) {
		EXPECT_EQ(!!(pm & PM_FILE), has_page && !anon) {
			TH_LOG("%#lx: kind %u, pagemap file bit %d", (long)addr,
			       r->kind, !!(pm & PM_FILE));
		}
	}

	if (has_page && r->pfn) {
		uint64_t kpf = kpageflags(r->pfn);

		EXPECT_EQ(kpagecount(r->pfn), r->mapcount) {
			TH_LOG("%#lx: mapcount %u, kpagecount %llu", (long)addr,
			       r->mapcount, (unsigned long long)kpagecount(r->pfn));
		}
		/*
		 * Some kernels (6.12) set KPF_KSM for every anonymous page,
		 * so the oracle only holds one way; the KSM fixture checks
		 * the other against what it set up.
		 */
		if (r->kind == PTSCOPE_KIND_KSM) {
			EXPECT_TRUE(kpf & (1ULL << KPF_KSM));
		}
		EXPECT_EQ(!!(kpf & (1ULL << KPF_ANON)), anon);
		EXPECT_EQ(!!(kpf & (1ULL << KPF_HUGE)), !!(r->flags & PTSCOPE_PF_HUGETLB));
		/* 6.1 reads PG_swapbacked of each page; only a head has it. */
		if (!(r->pfn & ((1ULL << r->folio_order) - 1))) {
			EXPECT_EQ(!!(kpf & (1ULL << KPF_SWAPBACKED)),
				  !!(r->flags & PTSCOPE_PF_SWAPBACKED));
		}
		EXPECT_EQ(!!(kpf & (1ULL << KPF_ZERO_PAGE)),
			  r->kind == PTSCOPE_KIND_HUGE_ZERO);
		if (anon) {
			EXPECT_EQ(!!(kpf & (1ULL << KPF_THP)), !!(r->flags & PTSCOPE_PF_THP)) {
				TH_LOG("%#lx: THP flag vs kpageflags %#llx",
				       (long)addr, (unsigned long long)kpf);
			}
		}
		/* pagemap's "exclusively mapped" is a per-page mapcount of 1. */
		if (r->kind != PTSCOPE_KIND_HUGE_ZERO) {
			EXPECT_EQ(!!(pm & PM_EXCLUSIVE), r->mapcount == 1) {
				TH_LOG("%#lx: mapcount %u, pagemap exclusive %d",
				       (long)addr, r->mapcount, !!(pm & PM_EXCLUSIVE));
			}
		}
	}
	if (r->kind == PTSCOPE_KIND_ZERO && r->pfn) {
		EXPECT_TRUE(kpageflags(r->pfn) & (1ULL << KPF_ZERO_PAGE));
	}
	if (node >= 0) {
		EXPECT_TRUE(present);
		EXPECT_EQ(node, r->node) {
			TH_LOG("%#lx: node %d, move_pages %d", (long)addr, r->node, node);
		}
	}

	c->present += present;
	c->none += r->entry == PTSCOPE_ENTRY_NONE;
	c->swapped += r->entry == PTSCOPE_ENTRY_SWAP;
	c->anon += r->kind == PTSCOPE_KIND_ANON;
	c->file += r->kind == PTSCOPE_KIND_FILE;
	c->shmem += r->kind == PTSCOPE_KIND_SHMEM;
	c->zero += r->kind == PTSCOPE_KIND_ZERO;
	c->huge_zero += r->kind == PTSCOPE_KIND_HUGE_ZERO;
	c->ksm += r->kind == PTSCOPE_KIND_KSM;
	c->thp += !!(r->flags & PTSCOPE_PF_THP);
	c->hugetlb += !!(r->flags & PTSCOPE_PF_HUGETLB);
	c->exclusive += !!(r->flags & PTSCOPE_PF_ANON_EXCLUSIVE);
	c->soft_dirty += !!(r->flags & PTSCOPE_PF_SOFT_DIRTY);
	c->writable += !!(r->flags & PTSCOPE_PF_WRITE);
}

static bool same_record(const struct ptscope_page_region *a,
			const struct ptscope_page_region *b)
{
	/* A page leaves the per-CPU LRU batch whenever it likes. */
	uint64_t mask = ~PTSCOPE_PF_LRU;

	return a->start == b->start && a->end == b->end &&
	       (a->flags & mask) == (b->flags & mask) &&
	       a->pfn == b->pfn && a->swap_offset == b->swap_offset &&
	       a->swap_type == b->swap_type && a->mapcount == b->mapcount &&
	       a->refcount == b->refcount && a->node == b->node &&
	       a->kind == b->kind && a->entry == b->entry && a->level == b->level &&
	       a->folio_order == b->folio_order;
}

/*
 * Query [start, end) of @pid per page and as regions (with frames), check
 * the two agree, and check every page against the oracles.
 */
static void check_range(struct __test_metadata *_metadata, pid_t pid,
			uint64_t start, uint64_t end, bool soft_dirty_exact,
			struct checked *c, struct ptscope_page_region **recs)
{
	size_t n = (end - start) / PAGE, i;
	struct ptscope_page_region *pp, *rg;
	uint64_t *pm;
	int *nodes, fd;

	memset(c, 0, sizeof(*c));
	pp = calloc(n, sizeof(*pp));
	rg = calloc(n, sizeof(*rg));
	pm = calloc(n, sizeof(*pm));
	nodes = calloc(n, sizeof(*nodes));
	ASSERT_TRUE(pp && rg && pm && nodes);
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);

	drain_lru_batches();
	ASSERT_EQ((long)n, query_pages(fd, pid, start, end, 0, 997, pp));
	ASSERT_EQ((long)n, query_pages(fd, pid, start, end,
				       PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN,
				       13, rg));
	ASSERT_EQ(0, pagemap_read(pid, start, n, pm));
	ASSERT_EQ(0, pages_nodes(pid, start, n, nodes));

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(same_record(&pp[i], &rg[i])) {
			TH_LOG("%#lx: per-page and region records differ",
			       (long)(start + i * PAGE));
		}
		check_page(_metadata, start + i * PAGE, &pp[i], pm[i],
			   nodes[i], soft_dirty_exact, c);
	}
	close(fd);
	free(rg);
	free(pm);
	free(nodes);
	if (recs)
		*recs = pp;
	else
		free(pp);
}

#define RANGE(p, len) (uint64_t)(uintptr_t)(p), (uint64_t)(uintptr_t)(p) + (len)

TEST(untouched_anon_is_not_present)
{
	size_t len = 64 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct checked c;

	ASSERT_NE(NULL, p);
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(0, c.present);
	EXPECT_EQ(64, c.none);
	munmap(p, len);
}

TEST(touched_anon)
{
	size_t len = 64 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region *r;
	struct checked c;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, &r);
	EXPECT_EQ(64, c.present);
	EXPECT_EQ(64, c.anon);
	EXPECT_EQ(64, c.exclusive);
	EXPECT_EQ(64, c.writable);
	for (i = 0; i < 64; i++) {
		EXPECT_TRUE(r[i].flags & PTSCOPE_PF_DIRTY);
		EXPECT_TRUE(r[i].flags & PTSCOPE_PF_USER);
		EXPECT_TRUE(r[i].flags & PTSCOPE_PF_NX);
		EXPECT_EQ(PTSCOPE_LEVEL_PTE, r[i].level);
		/* Each mapping holds a reference (LRU batches may hold more). */
		EXPECT_LE(r[i].mapcount, r[i].refcount);
	}
	free(r);
	munmap(p, len);
}

TEST(read_only_after_mprotect)
{
	size_t len = 16 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct checked c;

	ASSERT_NE(NULL, p);
	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(16, c.present);
	EXPECT_EQ(0, c.writable);
	munmap(p, len);
}

TEST(file_private_read_and_written)
{
	size_t len = 32 * PAGE, i;
	int fd = make_file(len);
	volatile char *p;
	struct checked c;
	char sum = 0;

	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise((void *)p, len, MADV_NOHUGEPAGE));
	for (i = 0; i < len / 2; i += PAGE)
		sum += p[i];			/* read: page cache */
	for (i = len / 2; i < len; i += PAGE)
		p[i] = sum;			/* written: private anon copy */
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(32, c.present);
	EXPECT_EQ(16, c.file);
	EXPECT_EQ(16, c.anon);
	munmap((void *)p, len);
	close(fd);
}

TEST(file_shared_and_shmem)
{
	size_t len = 16 * PAGE, i;
	int fd = make_file(len);
	bool writable = true;
	char *f, *s, sum = 0;
	struct checked c;

	ASSERT_LE(0, fd);
	f = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED) {
		/* 9p without a page-cache mode shares read-only mappings only. */
		f = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		writable = false;
	}
	ASSERT_NE(MAP_FAILED, f);
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	for (i = 0; i < len; i += PAGE) {
		if (writable)
			f[i] = 1;
		else
			sum += ((volatile char *)f)[i];
		s[i] = 1;
	}
	check_range(_metadata, getpid(), RANGE(f, len), false, &c, NULL);
	EXPECT_EQ(16, c.file);
	EXPECT_EQ(writable ? 16 : 0, c.writable);
	check_range(_metadata, getpid(), RANGE(s, len), false, &c, NULL);
	EXPECT_EQ(16, c.shmem);
	EXPECT_EQ('f' * 16 % 256, writable ? 'f' * 16 % 256 : (unsigned char)sum);
	munmap(f, len);
	munmap(s, len);
	close(fd);
}

TEST(zero_page_after_read_fault)
{
	size_t len = 16 * PAGE, i;
	volatile char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct checked c;
	char sum = 0;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise((void *)p, len, MADV_NOHUGEPAGE));
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	EXPECT_EQ(0, sum);
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(16, c.present);
	EXPECT_EQ(16, c.zero);
	EXPECT_EQ(0, c.writable);
	munmap((void *)p, len);
}

TEST(fork_shares_until_the_child_writes)
{
	size_t len = 32 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region *pr, *cr;
	int ready[2], go[2];
	struct checked c;
	pid_t child;
	char x;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
	memset(p, 7, len);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		read(go[0], &x, 1);
		for (i = 0; i < len / 2; i += PAGE)	/* write the first half */
			p[i] = 9;
		write(ready[1], "w", 1);
		read(go[0], &x, 1);
		_exit(0);
	}

	/* Before the child writes: same frames, mapped twice, read-only. */
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, &pr);
	check_range(_metadata, child, RANGE(p, len), false, &c, &cr);
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(pr[i].pfn, cr[i].pfn);
		EXPECT_EQ(2, pr[i].mapcount);
		EXPECT_FALSE(pr[i].flags & PTSCOPE_PF_WRITE);
		EXPECT_FALSE(pr[i].flags & PTSCOPE_PF_ANON_EXCLUSIVE);
	}
	free(pr);
	free(cr);

	write(go[1], "g", 1);
	close(ready[1]);	/* EOF, not a hang, if the child dies */
	ASSERT_EQ(1, read(ready[0], &x, 1));
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, &pr);
	check_range(_metadata, child, RANGE(p, len), false, &c, &cr);
	for (i = 0; i < 32; i++) {
		if (i < 16) {	/* copied: own frames, writable in the child */
			EXPECT_NE(pr[i].pfn, cr[i].pfn);
			EXPECT_EQ(1, cr[i].mapcount);
			EXPECT_TRUE(cr[i].flags & PTSCOPE_PF_WRITE);
			EXPECT_TRUE(cr[i].flags & PTSCOPE_PF_ANON_EXCLUSIVE);
		} else {	/* still shared */
			EXPECT_EQ(pr[i].pfn, cr[i].pfn);
			EXPECT_EQ(2, cr[i].mapcount);
		}
	}
	free(pr);
	free(cr);
	write(go[1], "g", 1);
	waitpid(child, NULL, 0);
	munmap(p, len);
}

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
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
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
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, madvise(q, len, MADV_NOHUGEPAGE));
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

TEST(thp_is_one_pmd_leaf)
{
	struct ptscope_page_region *r;
	struct checked c;
	char *p;
	size_t i;

	if (!thp_enabled())
		SKIP(return, "transparent hugepages are disabled");
	p = map_aligned(SZ_2M, SZ_2M);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, SZ_2M, MADV_HUGEPAGE));
	memset(p, 1, SZ_2M);
	check_range(_metadata, getpid(), RANGE(p, SZ_2M), false, &c, &r);
	if (r[0].level != PTSCOPE_LEVEL_PMD) {
		free(r);
		SKIP(return, "no huge page was allocated (memory fragmented?)");
	}
	EXPECT_EQ(512, c.thp);
	EXPECT_EQ(512, c.present);
	for (i = 0; i < 512; i++) {
		EXPECT_EQ(PTSCOPE_LEVEL_PMD, r[i].level);
		EXPECT_EQ(9, r[i].folio_order);
		EXPECT_EQ(r[0].pfn + i, r[i].pfn);
	}
	free(r);
}

TEST(hugetlb_page)
{
	struct ptscope_page_region *r;
	struct checked c;
	char *p;

	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "no hugetlb pages reserved");
	memset(p, 1, SZ_2M);
	check_range(_metadata, getpid(), RANGE(p, SZ_2M), false, &c, &r);
	EXPECT_EQ(512, c.hugetlb);
	EXPECT_EQ(512, c.present);
	EXPECT_EQ(PTSCOPE_LEVEL_PMD, r[0].level);
	EXPECT_EQ(9, r[0].folio_order);
	free(r);
	munmap(p, SZ_2M);
}

TEST(swapped_out_to_zram)
{
	size_t len = 64 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region *r;
	struct checked c;

	if (!ensure_swap())
		SKIP(return, "no swap (zram) available");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
	for (i = 0; i < len; i += PAGE)
		p[i] = i / PAGE + 1;	/* not all alike: zram must store them */
	if (madvise(p, len / 2, MADV_PAGEOUT))
		SKIP(return, "MADV_PAGEOUT: %s", strerror(errno));
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, &r);
	EXPECT_LE(1, c.swapped);
	EXPECT_EQ(64, c.present + c.swapped);
	for (i = 0; i < 64; i++) {
		if (i >= 32) {
			EXPECT_TRUE(r[i].flags & PTSCOPE_PF_PRESENT);
		} else if (r[i].entry == PTSCOPE_ENTRY_SWAP) {
			EXPECT_EQ(PTSCOPE_KIND_NONE, r[i].kind);
		}
	}
	free(r);
	munmap(p, len);
}

TEST(dontneed_drops_pages)
{
	size_t len = 32 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct checked c;

	ASSERT_NE(NULL, p);
	memset(p, 1, len);
	ASSERT_EQ(0, madvise(p, len / 2, MADV_DONTNEED));
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(16, c.present);
	EXPECT_EQ(16, c.none);
	munmap(p, len);
}

TEST(soft_dirty_after_clear_refs)
{
	size_t len = 32 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region *r;
	struct checked c;
	uint64_t pm;
	int fd;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
	memset(p, 1, len);
	fd = open("/proc/self/clear_refs", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "4", 1));
	close(fd);
	for (i = 0; i < len; i += 4 * PAGE)
		p[i] = 2;
	ASSERT_EQ(0, pagemap_read(getpid(), (uintptr_t)p, 1, &pm));
	if (!(pm & PM_SOFT_DIRTY)) {
		munmap(p, len);
		SKIP(return, "no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY)");
	}
	check_range(_metadata, getpid(), RANGE(p, len), true, &c, &r);
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

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
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
	ASSERT_EQ(0, madvise(p, len, MADV_NOHUGEPAGE));
	for (i = 0; i < len; i += 16 << 20)	/* one page every 16 MiB */
		p[i] = 1;
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(64, c.present);
	EXPECT_EQ(len / PAGE - 64, c.none);
	munmap(p, len);
}

TEST_HARNESS_MAIN
