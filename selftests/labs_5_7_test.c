// SPDX-License-Identifier: GPL-2.0
/* Labs 5-7 of docs/labs/ as tests: THP, isolation, the zero page (labs.h). */
#include "labs.h"

/*
 * The PTE tables of `ptscope tree --all --json` inside [addr, addr+len):
 * their number and entries in use, in v[0], v[1]; v[2] is leaves.pmd of
 * the whole process, v[3] the tree's bytes and v[4] VmPTE.
 */
static int tree_counts(struct __test_metadata *_metadata, struct lab *l,
		       uint64_t addr, uint64_t len, long long *v)
{
	char filter[1024];

	snprintf(filter, sizeof(filter),
		 "[.pud_tables[].pmd_tables[].pte_table_list[]? | "
		 "select(.start >= %llu and .start < %llu)] as $t | "
		 "\"\\($t|length) \\([$t[].used]|add // 0) \\(.leaves.pmd) "
		 "\\(.bytes) \\(.vm_pte_bytes)\"",
		 (unsigned long long)addr, (unsigned long long)(addr + len));
	return cli_nums(_metadata, l, v, 5, filter, "tree %d --all", l->pid);
}

#define THP_COLLAPSED	"/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed"

/* How many huge pages khugepaged has collapsed since boot; -1 unknown. */
static long long khugepaged_collapsed(void)
{
	return file_number(THP_COLLAPSED);
}

/*
 * Lab 5: 512 MiB touched in 4 KiB pages, then in THPs.  Without THP:
 * 131072 PTEs in 256 PTE tables, one fault a page.  With: as many PMD
 * leaves as smaps's AnonHugePages says, no PTE table for them (one
 * deposited each), one fault per THP.
 *
 * Two things besides the lab change its THPs under the test.  NUMA
 * balancing: on 6.1, smaps leaves a THP whose PMD it made a NUMA-hinting
 * (PROT_NONE) entry out of AnonHugePages (follow_trans_huge_pmd() without
 * FOLL_FORCE), while pagemap and ptscope still count it; the fixture turns
 * it off.  And khugepaged, collapsing a 2 MiB block that got no THP at
 * its fault: the fault count no longer tells, and smaps and ptscope may
 * see the block on either side of it.  A run of the lab during which
 * khugepaged collapsed anything is run again.
 */
FIXTURE(thp_lab) {
	char saved_numa[32];
};

FIXTURE_SETUP(thp_lab)
{
	knob_set(NUMA_BALANCING, "0", self->saved_numa, sizeof(self->saved_numa));
}

FIXTURE_TEARDOWN(thp_lab)
{
	knob_restore(NUMA_BALANCING, self->saved_numa);
}

/* What lab 5 says at one checkpoint, and what pagemap, smaps and ptscope say. */
struct lab5_seen {
	uint64_t addr, len;
	long long pages, faults, present, anon_huge, rollup_huge, tree[5];
	struct vma_counts c;
};

static void lab5_look(struct __test_metadata *_metadata, struct lab *l,
		      const char *name, struct lab5_seen *s)
{
	struct smaps_vma sm = { 0 };
	uint64_t *pm;
	long long i;

	memset(s, 0, sizeof(*s));
	AT(l, name);
	s->addr = lab_val(l, "addr");
	s->len = lab_val(l, "len");
	s->pages = lab_val(l, "pages");
	s->faults = lab_val(l, "faults");
	ASSERT_EQ(512ULL << 20, s->len);
	ASSERT_EQ(0, s->addr % SZ_2M);
	pm = pagemap(l->pid, s->addr, s->pages);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < s->pages; i++)
		s->present += !!(pm[i] & PM_PRESENT);
	free(pm);
	ASSERT_EQ(0, smaps_at(l->pid, s->addr, &sm));
	s->anon_huge = sm.anon_huge;
	s->rollup_huge = proc_key_value(l->pid, "smaps_rollup", "AnonHugePages");
	ASSERT_EQ(0, vma_counts(_metadata, l, l->pid, s->addr, s->len, &s->c));
	ASSERT_EQ(0, tree_counts(_metadata, l, s->addr, s->len, s->tree));
	lab_go(l);
}

TEST_F(thp_lab, lab5_thp)
{
	long long collapsed, blocks, huge;
	struct lab5_seen small, big;
	int runs = 0;
	struct lab l;
	bool quiet;

	/* The lab's second half maps with MADV_HUGEPAGE: THP or nothing. */
	REQUIRE_THP();
	do {
		collapsed = khugepaged_collapsed();
		START_LAB(&l, "thp", "512");
		lab5_look(_metadata, &l, "small", &small);
		lab5_look(_metadata, &l, "huge", &big);
		ASSERT_EQ(0, lab_finish(&l));
		quiet = khugepaged_collapsed() == collapsed;
	} while (!quiet && ++runs < 3);
	if (!quiet)
		TH_LOG("khugepaged collapsed huge pages during all %d runs", runs);

	blocks = small.len / SZ_2M;
	EXPECT_EQ(small.pages, small.present);
	EXPECT_EQ(0, small.anon_huge);
	EXPECT_EQ(small.pages, small.c.present);
	EXPECT_EQ(0, small.c.thp_pmd);
	EXPECT_EQ(blocks, small.c.pte);
	EXPECT_EQ(small.pages, small.c.pte_entries);
	EXPECT_EQ(0, small.c.pte_deposited);
	EXPECT_EQ(blocks, small.tree[0]);
	EXPECT_EQ(small.pages, small.tree[1]);
	EXPECT_EQ(small.tree[4], small.tree[3]);
	EXPECT_EQ(small.pages, small.faults);

	huge = big.anon_huge / 2048;
	ASSERT_LT(0, huge) TH_LOG("MADV_HUGEPAGE gave no THP");
	EXPECT_EQ(big.pages, big.present);
	EXPECT_EQ(big.pages, big.c.present);
	EXPECT_EQ(huge * 512, big.c.thp_pmd);
	EXPECT_EQ(blocks - huge, big.c.pte);
	EXPECT_EQ(big.pages - huge * 512, big.c.pte_entries);
	EXPECT_EQ(huge, big.c.pte_deposited);
	EXPECT_EQ(blocks - huge, big.tree[0]);
	EXPECT_EQ(big.pages - huge * 512, big.tree[1]);
	/* PMD leaves of the whole process: its AnonHugePages, all of it. */
	EXPECT_EQ(big.rollup_huge / 2048, big.tree[2]);
	EXPECT_EQ(big.tree[4], big.tree[3]);
	/* One fault per THP, one per page of the 2 MiB blocks without. */
	EXPECT_EQ(huge + (blocks - huge) * 512, big.faults);
}

/* regions[0] of `ptscope pages PID ADDR+4K --all --json`: writable nx user pfn. */
static int page_bits(struct __test_metadata *_metadata, struct lab *l,
		     pid_t pid, uint64_t addr, long long *v)
{
	return cli_nums(_metadata, l, v, 4,
			".pages[0] | \"\\(if .writable then 1 else 0 end) "
			"\\(if .nx then 1 else 0 end) \\(if .user then 1 else 0 end) "
			"\\(.pfn)\"",
			"pages %d %#llx+4K --all", pid,
			(unsigned long long)(addr & ~(PAGE - 1)));
}

/*
 * The page at @addr of @pid: present, its frame pagemap's, writable and
 * NX as /proc/PID/maps's perms @want (which it must have) imply for a
 * page the process wrote since fork.
 */
static void check_prot(struct __test_metadata *_metadata, struct lab *l,
		       pid_t pid, uint64_t addr, const char *want)
{
	char perms[8] = "";
	long long v[4];
	uint64_t pm;

	ASSERT_EQ(0, maps_perms(pid, addr, perms));
	ASSERT_STREQ(want, perms);
	ASSERT_EQ(0, pagemap_read(pid, addr & ~(PAGE - 1), 1, &pm));
	ASSERT_TRUE(pm & PM_PRESENT);
	ASSERT_EQ(0, page_bits(_metadata, l, pid, addr, v));
	EXPECT_EQ(perms[1] == 'w', v[0]) TH_LOG("writable at %#llx (%s)",
						(unsigned long long)addr, perms);
	EXPECT_EQ(perms[2] != 'x', v[1]) TH_LOG("nx at %#llx (%s)",
						(unsigned long long)addr, perms);
	EXPECT_EQ(1, v[2]);
	EXPECT_EQ((long long)PFN(pm), v[3]);
}

/*
 * Lab 6: one address, two frames (pagemap of both); code R-X, data and
 * stack RW- with NX, as /proc/PID/maps has them; mprotect rewrites the
 * entry's bits in place (same frame).
 */
TEST(lab6_isolation)
{
	uint64_t value, code, stack, buf, pp, pc, pm;
	long long v[4];
	struct lab l;
	pid_t child;

	START_LAB(&l, "isolation");
	AT(&l, "forked");
	child = lab_val(&l, "child");
	value = lab_val(&l, "value");
	code = lab_val(&l, "code");
	stack = lab_val(&l, "stack");
	buf = lab_val(&l, "buf");
	ASSERT_EQ(0, pagemap_read(l.pid, value & ~(PAGE - 1), 1, &pp));
	ASSERT_EQ(0, pagemap_read(child, value & ~(PAGE - 1), 1, &pc));
	ASSERT_TRUE((pp & PM_PRESENT) && (pc & PM_PRESENT));
	EXPECT_NE(PFN(pp), PFN(pc));
	ASSERT_EQ(0, page_bits(_metadata, &l, child, value, v));
	EXPECT_EQ((long long)PFN(pc), v[3]);
	/* Code is one page-cache frame for both. */
	ASSERT_EQ(0, pagemap_read(l.pid, code & ~(PAGE - 1), 1, &pp));
	ASSERT_EQ(0, pagemap_read(child, code & ~(PAGE - 1), 1, &pc));
	EXPECT_EQ(PFN(pp), PFN(pc));
	check_prot(_metadata, &l, l.pid, code, "r-xp");
	check_prot(_metadata, &l, l.pid, value, "rw-p");
	check_prot(_metadata, &l, l.pid, stack, "rw-p");
	check_prot(_metadata, &l, l.pid, buf, "rw-p");
	check_prot(_metadata, &l, child, value, "rw-p");
	ASSERT_EQ(0, pagemap_read(l.pid, buf, 1, &pm));
	lab_go(&l);

	AT(&l, "readonly");
	check_prot(_metadata, &l, l.pid, buf, "r--p");
	ASSERT_EQ(0, pagemap_read(l.pid, buf, 1, &pp));
	EXPECT_EQ(PFN(pm), PFN(pp));
	lab_go(&l);

	AT(&l, "exec");
	check_prot(_metadata, &l, l.pid, buf, "r-xp");
	ASSERT_EQ(0, pagemap_read(l.pid, buf, 1, &pp));
	EXPECT_EQ(PFN(pm), PFN(pp));
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

/*
 * Lab 7: reading fresh anonymous memory maps one frame everywhere, in
 * both processes (pagemap), flagged ZERO_PAGE (kpageflags); smaps's Rss
 * leaves it out; writing a page replaces it with a page of its own.
 */
TEST(lab7_zeropage)
{
	long long pages, written, every, v[2];
	uint64_t addr, caddr, len, *pp, *pc, zero;
	size_t i, wrong = 0, own = 0;
	struct vma_counts c;
	struct smaps_vma sm = { 0 };
	struct lab l;
	pid_t child;

	START_LAB(&l, "zeropage", "16", "4");
	AT(&l, "read");
	child = lab_val(&l, "child");
	addr = lab_val(&l, "addr");
	caddr = lab_val(&l, "child_addr");
	len = lab_val(&l, "len");
	pages = lab_val(&l, "pages");
	EXPECT_EQ(pages, lab_val(&l, "faults"));
	pp = pagemap(l.pid, addr, pages);
	pc = pagemap(child, caddr, pages);
	ASSERT_TRUE(pp && pc);
	ASSERT_TRUE(pp[0] & PM_PRESENT);
	zero = PFN(pp[0]);
	for (i = 0; i < (size_t)pages; i++)
		wrong += !(pp[i] & PM_PRESENT) || PFN(pp[i]) != zero ||
			 PFN(pc[i]) != zero;
	EXPECT_EQ(0, wrong) TH_LOG("pages not on the one zero frame %#llx",
				   (unsigned long long)zero);
	EXPECT_TRUE(kpageflags(zero) & (1ULL << KPF_ZERO_PAGE));
	free(pp);
	free(pc);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ(pages, c.present);
	EXPECT_EQ(pages, c.zero);
	EXPECT_EQ(0, c.anon);
	ASSERT_EQ(0, cli_nums(_metadata, &l, v, 2,
			      "\"\\(if ([.regions[].kind] | unique) == [\"zero\"] then 1 else 0 end) "
			      "\\([.regions[] | select(.kind == \"zero\") | "
			      "(.end - .start) / 4096] | add)\"",
			      "pages %d %#llx+%llu", l.pid,
			      (unsigned long long)addr, (unsigned long long)len));
	EXPECT_EQ(1, v[0]) TH_LOG("kinds other than zero");
	EXPECT_EQ(pages, v[1]);
	ASSERT_EQ(0, cli_nums(_metadata, &l, v, 1, ".pages[0].pfn",
			      "pages %d %#llx+4K --all", child,
			      (unsigned long long)caddr));
	EXPECT_EQ((long long)zero, v[0]);
	ASSERT_EQ(0, smaps_at(l.pid, addr, &sm));
	EXPECT_EQ(0, sm.rss);
	lab_go(&l);

	AT(&l, "written");
	written = lab_val(&l, "written");
	every = lab_val(&l, "every");
	ASSERT_EQ(pages / every, written);
	pp = pagemap(l.pid, addr, pages);
	ASSERT_NE(NULL, pp);
	wrong = 0;
	for (i = 0; i < (size_t)pages; i++) {
		bool w = i % every == 0;

		wrong += (PFN(pp[i]) == zero) == w;
		own += w && (kpageflags(PFN(pp[i])) & (1ULL << KPF_ANON));
	}
	free(pp);
	EXPECT_EQ(0, wrong) TH_LOG("written pages on the zero frame, or others not");
	EXPECT_EQ(written, (long long)own);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ(pages - written, c.zero);
	EXPECT_EQ(written, c.anon);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

TEST_HARNESS_MAIN
