// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table shapes beyond the common case on x86-64: a mapping above 2^47
 * (5-level paging: the guest's CPU has la57) and a 1 GiB hugetlb page
 * mapped by a PUD leaf (the CPU has pdpe1gb and one page is reserved at
 * boot: hugepagesz=1G hugepages=1).  scripts/check boots every kernel so.
 * Each is looked at with pages, maps, tree, cow, tlb, thp, snapshot and
 * diff, against pagemap, smaps, numa_maps and /proc/kpagecount.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "cli_exec.h"

/*
 * Faulting in (zeroing) a 1 GiB page under TCG takes seconds, and the
 * cloud kernel's test of it after fork ran past the harness's 30 s in CI.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << 26)
#endif

#define SZ_1G		(1ULL << 30)
#define HIGH_HINT	(1ULL << 50)
#define HIGH_PAGES	16
#define HIGH_WRITTEN	8
#define FREE_1G		"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
#define PFN(pm)		((pm) & PM_PFN_MASK)

/* Seconds since boot, for the log of what took how long. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* `ptscope ARGS` piped to jq -r FILTER: @n numbers into @v; 0 or -1. */
static int cli_jq(long long *v, int n, const char *args, const char *filter)
{
	char *out, *p, *end;
	int st, i;

	out = cli_capturef(&st, "'%s' %s | jq -r '%s'", cli_path(), args, filter);
	if (!out)
		return -1;
	for (p = out, i = 0; i < n && !st; i++, p = end) {
		v[i] = strtoll(p, &end, 0);
		if (end == p)
			break;
	}
	if (st || i < n)
		fprintf(stderr, "# ptscope %s | jq '%s' gave (status %d): %.300s\n",
			args, filter, st, out);
	free(out);
	return st || i < n ? -1 : 0;
}

/*
 * 5-level paging: 16 pages mapped at an address above 2^47 (asked for with
 * a hint), 8 of them written.  ptscope must find the mapping without being
 * given its range, and its pages and frames must be pagemap's.
 */
TEST(a_mapping_above_47_bits)
{
	char args[256], filter[256];
	long long v[4], present = 0, frames_differ = 0;
	uint64_t pm[HIGH_PAGES], addr;
	struct smaps_vma sm[64];
	char *p;
	int i, n;

	if (user_space_end() <= 1ULL << 47)
		SKIP(return, "this kernel has no 5-level paging (no la57 in /proc/cpuinfo: the CPU or the kernel lacks it)");
	p = mmap((void *)HIGH_HINT, HIGH_PAGES * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	addr = (uintptr_t)p;
	ASSERT_LE(1ULL << 47, addr) TH_LOG("the hint gave %#llx", (unsigned long long)addr);
	memset(p, 1, HIGH_WRITTEN * PAGE);

	/* Every page and its frame, as pagemap has them. */
	ASSERT_EQ(0, pagemap_read(getpid(), addr, HIGH_PAGES, pm));
	for (i = 0; i < HIGH_PAGES; i++) {
		snprintf(args, sizeof(args), "pages %d %#llx+4096 --all --json", getpid(),
			 (unsigned long long)addr + i * PAGE);
		ASSERT_EQ(0, cli_jq(v, 2, args, ".pages[0] | \"\\(.present) \\(.pfn // 0)\" | sub(\"true\"; \"1\") | sub(\"false\"; \"0\")"));
		present += v[0];
		EXPECT_EQ(!!(pm[i] & PM_PRESENT), v[0]) TH_LOG("page %d", i);
		frames_differ += (uint64_t)v[1] != (pm[i] & PM_PRESENT ? PFN(pm[i]) : 0);
	}
	EXPECT_EQ(HIGH_WRITTEN, present);
	EXPECT_EQ(0, frames_differ);

	/* maps without a range lists it, with smaps' Rss. */
	snprintf(args, sizeof(args), "maps %d --json", getpid());
	snprintf(filter, sizeof(filter),
		 "[.vmas[] | select(.start == %llu)] | \"\\(length) \\(.[0].end) \\(.[0].pages.present) \\(.[0].pages.anon)\"",
		 (unsigned long long)addr);
	ASSERT_EQ(0, cli_jq(v, 4, args, filter));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(addr + HIGH_PAGES * PAGE, (uint64_t)v[1]);
	n = smaps_read(getpid(), sm, 64);
	for (i = 0; i < n; i++)
		if (sm[i].start == addr)
			break;
	ASSERT_LT(i, n) TH_LOG("smaps has no mapping at %#llx", (unsigned long long)addr);
	EXPECT_EQ(sm[i].rss / 4, v[2]);
	EXPECT_EQ(HIGH_WRITTEN, v[3]);

	/* tree: the 512 GiB block of the mapping has its PUD table, under a P4D. */
	snprintf(args, sizeof(args), "tree %d --json", getpid());
	snprintf(filter, sizeof(filter),
		 "[.pud_tables[] | select(.start <= %llu and .end > %llu)] | \"\\(length) \\(.[0].used)\"",
		 (unsigned long long)addr, (unsigned long long)addr);
	ASSERT_EQ(0, cli_jq(v, 2, args, filter));
	EXPECT_EQ(1, v[0]);
	EXPECT_LE(1, v[1]);

	/*
	 * The entries in use above: each P4D entry holds a PUD table, each PGD
	 * entry a P4D table of 256 TiB.  The process has pages (pagemap) in
	 * block 0, below 2^47, and in the mapping's block, and no VMA (smaps)
	 * anywhere else: two PGD entries.
	 */
	ASSERT_LT(n, 64);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(!(sm[i].start >> 48) || sm[i].start >> 48 == addr >> 48);
		EXPECT_EQ(sm[i].start >> 48, (sm[i].end - 1) >> 48);
	}
	ASSERT_EQ(0, cli_jq(v, 3, args,
			    "\"\\(.entries_used.pgd) \\(.entries_used.p4d) \\(.pud_tables | length)\""));
	EXPECT_EQ(2, v[0]);
	EXPECT_EQ(v[2], v[1]);
	munmap(p, HIGH_PAGES * PAGE);
}

#define FORK_TRIES 8

/*
 * The fixture: one 1 GiB hugetlb page, mapped private and written; the
 * children a test forks, and a directory for its snapshots, all gone at
 * teardown.
 */
FIXTURE(gigantic) {
	char *p;
	pid_t child;
	pid_t skipped[FORK_TRIES];	/* children forked without the entry */
	int nr_skipped;
	char tmp[64];
};

FIXTURE_SETUP(gigantic)
{
	double t0 = now();

	self->p = MAP_FAILED;
	self->child = -1;
	self->nr_skipped = 0;
	self->tmp[0] = 0;
	if (file_number(FREE_1G) < 1)
		SKIP(return, "this kernel has no 1 GiB pages reserved (pdpe1gb and hugepagesz=1G hugepages=1 at boot)");
	self->p = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	self->p[0] = 1;
	self->p[SZ_1G - 1] = 2;
	TH_LOG("the 1 GiB page faulted in in %.1f s", now() - t0);
}

FIXTURE_TEARDOWN(gigantic)
{
	int i;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	for (i = 0; i < self->nr_skipped; i++) {
		kill(self->skipped[i], SIGKILL);
		waitpid(self->skipped[i], NULL, 0);
	}
	if (self->tmp[0])
		cli_shell("rm -rf '%s'", self->tmp);
	if (self->p != MAP_FAILED)
		munmap(self->p, SZ_1G);
}

/*
 * One PUD leaf: pagemap gives each 4 KiB of it the frame of the first plus
 * its index; ptscope must give the same frames and one region of 1 GiB,
 * and count 262,144 hugetlb pages in one PUD leaf, on the node numa_maps
 * names, as much as smaps' hugetlb, with a map count of 1.
 */
TEST_F(gigantic, a_pud_leaf_is_one_region_of_contiguous_frames)
{
	static const uint64_t offsets[] = { 0, PAGE, SZ_1G / 2, SZ_1G - PAGE };
	uint64_t addr = (uintptr_t)self->p, first, pm;
	char args[256], line[512], path[64];
	struct smaps_vma sm[64];
	long long v[6];
	int node = -1, i, n;
	FILE *f;

	ASSERT_EQ(0, pagemap_read(getpid(), addr, 1, &first));
	ASSERT_TRUE(first & PM_PRESENT);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pagemap_read(getpid(), addr + offsets[i], 1, &pm));
		EXPECT_EQ(PFN(first) + offsets[i] / PAGE, PFN(pm));
		snprintf(args, sizeof(args), "pages %d %#llx+4096 --all --json", getpid(),
			 (unsigned long long)(addr + offsets[i]));
		ASSERT_EQ(0, cli_jq(v, 2, args, ".pages[0] | \"\\(.pfn // 0) \\(.page_size)\""));
		EXPECT_EQ(PFN(pm), (uint64_t)v[0]);
		EXPECT_EQ(SZ_1G, (uint64_t)v[1]);
	}

	snprintf(args, sizeof(args), "pages %d %#llx+1G --json", getpid(), (unsigned long long)addr);
	ASSERT_EQ(0, cli_jq(v, 4, args,
			    "\"\\(.regions | length) \\(.regions[0].start) \\(.regions[0].end) \\(.regions[0].hugetlb)\" | sub(\"true\"; \"1\")"));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(addr, (uint64_t)v[1]);
	EXPECT_EQ(addr + SZ_1G, (uint64_t)v[2]);
	EXPECT_EQ(1, v[3]);

	snprintf(args, sizeof(args), "maps %d %#llx+1G --json", getpid(), (unsigned long long)addr);
	ASSERT_EQ(0, cli_jq(v, 5, args,
			    ".vmas[0] | \"\\(.pages.present) \\(.pages.hugetlb) \\(.pages.hugetlb_pud) \\(.pt_pages.pud) \\(.nodes | to_entries[0].key)\""));
	EXPECT_EQ(SZ_1G / PAGE, (uint64_t)v[0]);
	EXPECT_EQ(SZ_1G / PAGE, (uint64_t)v[1]);
	EXPECT_EQ(SZ_1G / PAGE, (uint64_t)v[2]);
	EXPECT_EQ(1, v[3]);
	n = smaps_read(getpid(), sm, 64);
	for (i = 0; i < n; i++)
		if (sm[i].start == addr)
			break;
	ASSERT_LT(i, n);
	/*
	 * smaps counts the page once, as Private_Hugetlb or Shared_Hugetlb.
	 * Which of the two is the kernel's own guess: since "mm/hugetlb: fix
	 * hugetlb_pmd_shared()" (2025, in the stable kernels too) it asks the
	 * share count of the page table holding the entry, which only PMD
	 * tables initialise, so a PUD leaf is "shared" whenever its table's
	 * page left a nonzero word there (seen on 7.2 and 6.12:
	 * docs/pages.md).  The map count is the oracle for "this process
	 * alone maps it": /proc/kpagecount gives 1.
	 */
	EXPECT_EQ(SZ_1G / 1024, (uint64_t)(sm[i].private_hugetlb + sm[i].shared_hugetlb));
	EXPECT_EQ(1, kpagecount(PFN(first)));
	if (sm[i].shared_hugetlb)
		TH_LOG("smaps calls the page shared (Shared_Hugetlb %ld kB) with a map count of 1: the kernel's PUD-table share count",
		       sm[i].shared_hugetlb);
	/* numa_maps: "huge ... N1=1", one page of 1 GiB on node 1. */
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", getpid());
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save;
		int nd, count;

		if (strtoull(line, NULL, 16) != addr || !strstr(line, " huge "))
			continue;
		/* The one "N<node>=<pages>" token: one page of 1 GiB. */
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			if (sscanf(tok, "N%d=%d", &nd, &count) == 2 && count == 1)
				node = nd;
	}
	fclose(f);
	EXPECT_EQ(node, v[4]) TH_LOG("numa_maps gives node %d", node);

	/* tree: one 1 GiB leaf at the PUD level. */
	snprintf(args, sizeof(args), "tree %d --json", getpid());
	ASSERT_EQ(0, cli_jq(v, 1, args, ".leaves.pud"));
	EXPECT_EQ(1, v[0]);

	/* tlb: one 1 GiB page resident. */
	snprintf(args, sizeof(args), "tlb %d --json", getpid());
	ASSERT_EQ(0, cli_jq(v, 1, args, ".pages.pages_1g"));
	EXPECT_EQ(1, v[0]);

	/*
	 * thp: the mapping's hugetlb bytes; the totals' by page size (added
	 * up per size over the mappings): 1 GiB of 1 GiB pages, no other size.
	 */
	snprintf(args, sizeof(args), "thp %d %#llx+1G --json", getpid(), (unsigned long long)addr);
	ASSERT_EQ(0, cli_jq(v, 3, args,
			    "\"\\(.vmas[0].bytes.hugetlb) \\(.totals.bytes.hugetlb_by_size[\"1048576kB\"]) \\(.totals.bytes.hugetlb_by_size | length)\""));
	EXPECT_EQ(SZ_1G, (uint64_t)v[0]);
	EXPECT_EQ(SZ_1G, (uint64_t)v[1]);
	EXPECT_EQ(1, v[2]);
}

/*
 * The ranges of `diff A B --all` that overlap the 1 GiB mapping: "COUNT
 * START END ONLY FRAMES", ONLY 1 when the first has exactly the one change
 * @what, FRAMES 1 when both snapshots hold frames (so that frames were
 * compared).
 */
static int diff_ranges(long long *v, const char *a, const char *b, uint64_t addr,
		       const char *what)
{
	char args[256], filter[512];

	snprintf(args, sizeof(args), "diff '%s' '%s' --json --all", a, b);
	snprintf(filter, sizeof(filter),
		 ".frames as $frames | [.mappings[].ranges[] | select(.end > %llu and .start < %llu)] | "
		 "\"\\(length) \\(.[0].start // 0) \\(.[0].end // 0) "
		 "\\(if .[0].changes == [\"%s\"] then 1 else 0 end) "
		 "\\(if $frames then 1 else 0 end)\"",
		 (unsigned long long)addr, (unsigned long long)addr + SZ_1G, what);
	return cli_jq(v, 5, args, filter);
}

/*
 * snapshot and diff across the page's life: A with the page, B after
 * MADV_DONTNEED gave it back to the pool (pagemap: not present), C after
 * a write faulted it in again.  Each diff must give the 1 GiB as one
 * range with the one change pagemap says: became_not_present, then
 * became_present; and A against C no change, frames compared, when
 * pagemap's frames are the same (the pool holds one page, so they are:
 * frame_changed of a 1 GiB page is not exercised), frame_changed if not.
 */
TEST_F(gigantic, snapshot_diff_of_a_pud_leaf)
{
	uint64_t addr = (uintptr_t)self->p, before, pm;
	char snap[3][80], args[256];
	long long v[5];
	int st, i;
	char *out;

	strcpy(self->tmp, "/tmp/ptscope-shapes.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	for (i = 0; i < 3; i++)
		snprintf(snap[i], sizeof(snap[i]), "%s/%c.snap", self->tmp, 'a' + i);
	ASSERT_EQ(0, pagemap_read(getpid(), addr, 1, &before));
	ASSERT_TRUE(before & PM_PRESENT);
	for (i = 0; i < 3; i++) {
		if (i == 1) {
			ASSERT_EQ(0, madvise(self->p, SZ_1G, MADV_DONTNEED));
			ASSERT_EQ(0, pagemap_read(getpid(), addr, 1, &pm));
			ASSERT_FALSE(pm & PM_PRESENT);
		} else if (i == 2) {
			self->p[0] = 3;
		}
		snprintf(args, sizeof(args), "snapshot %d -o '%s'", getpid(), snap[i]);
		out = cli_tool(&st, "%s", args);
		free(out);
		ASSERT_EQ(0, st);
	}
	ASSERT_EQ(0, pagemap_read(getpid(), addr, 1, &pm));
	ASSERT_TRUE(pm & PM_PRESENT);

	ASSERT_EQ(0, diff_ranges(v, snap[0], snap[1], addr, "became_not_present"));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(addr, (uint64_t)v[1]);
	EXPECT_EQ(addr + SZ_1G, (uint64_t)v[2]);
	EXPECT_EQ(1, v[3]);
	ASSERT_EQ(0, diff_ranges(v, snap[1], snap[2], addr, "became_present"));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(addr, (uint64_t)v[1]);
	EXPECT_EQ(addr + SZ_1G, (uint64_t)v[2]);
	EXPECT_EQ(1, v[3]);
	ASSERT_EQ(0, diff_ranges(v, snap[0], snap[2], addr, "frame_changed"));
	EXPECT_EQ(1, v[4]) TH_LOG("the snapshots hold no frames: nothing was compared");
	if (PFN(pm) == PFN(before)) {
		EXPECT_EQ(0, v[0]) TH_LOG("same frame %#llx, yet a change", (unsigned long long)PFN(pm));
	} else {
		EXPECT_EQ(1, v[0]);
		EXPECT_EQ(1, v[3]);
	}
}

/*
 * After fork the child maps the same 1 GiB page (fork copies a private
 * hugetlb mapping's entries, write-protected, without a fault): cow counts
 * all of it shared, as pagemap of both sides says.
 *
 * Kernels with "mm/hugetlb: fix copy_hugetlb_page_range() to use
 * ->pt_share_count" skip an entry at fork when the child's new page table
 * looks shared, and a PUD table's share count is whatever its page held
 * before (the smaps note above): then the child has no entry and would
 * die of SIGBUS reading the page, as no second 1 GiB page exists.  Such a
 * child is kept (so that the next fork gets another table page) and the
 * fork tried again, up to FORK_TRIES children.
 */
static pid_t fork_idle_child(void)
{
	pid_t parent = getpid(), pid = fork();

	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)	/* the parent died before prctl */
			_exit(0);
		pause();
		_exit(0);
	}
	return pid;
}

TEST_F(gigantic, shared_after_fork)
{
	uint64_t addr = (uintptr_t)self->p, a, b = 0;
	double t0 = now();
	char args[256];
	long long v[2];

	for (;;) {
		self->child = fork_idle_child();
		ASSERT_LE(0, self->child);
		ASSERT_EQ(0, pagemap_read(self->child, addr, 1, &b));
		if ((b & PM_PRESENT) || self->nr_skipped == FORK_TRIES - 1)
			break;
		TH_LOG("fork %d left the child without the page's entry (the kernel's PUD-table share count): forking again",
		       self->nr_skipped + 1);
		self->skipped[self->nr_skipped++] = self->child;
		self->child = -1;
	}
	ASSERT_TRUE(b & PM_PRESENT)
		TH_LOG("%d forks in a row left the child without the entry", FORK_TRIES);
	TH_LOG("fork: %.1f s", now() - t0);
	ASSERT_EQ(0, pagemap_read(getpid(), addr, 1, &a));
	ASSERT_TRUE(a & PM_PRESENT);
	EXPECT_EQ(PFN(a), PFN(b));
	EXPECT_EQ(2, kpagecount(PFN(a)));
	snprintf(args, sizeof(args), "cow %d %d %#llx+1G --json", getpid(), self->child,
		 (unsigned long long)addr);
	ASSERT_EQ(0, cli_jq(v, 2, args, "\"\\(.totals.pages.shared) \\(.totals.pages.copied)\""));
	EXPECT_EQ(SZ_1G / PAGE, (uint64_t)v[0]);
	EXPECT_EQ(0, v[1]);
	TH_LOG("and cow: %.1f s", now() - t0);
}

TEST_HARNESS_MAIN
