// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 10 of docs/labs/ as a test: overcommit and demand paging (labs.h).
 *
 * What vm.overcommit_memory lets through is checked against the rules of
 * mm/util.c:__vm_enough_memory() and mm/mmap.c, with /proc/meminfo as the
 * oracle: mode 0 refuses one allocation larger than MemTotal + SwapTotal
 * and nothing else, MAP_NORESERVE is not charged to Committed_AS in modes
 * 0 and 1, mode 1 refuses nothing, mode 2 ignores MAP_NORESERVE and keeps
 * Committed_AS under CommitLimit (less the reserves of
 * /proc/sys/vm/{admin,user}_reserve_kbytes).  The page tables of the
 * touched pages are checked against VmPTE of /proc/PID/status, which is
 * the kernel's mm_pgtables_bytes(): every PTE table (with those deposited
 * under THPs), PMD table and PUD table of the process, 4 KiB each, but
 * not the PGD.  ptscope's maps counts the tables that map part of the
 * range asked for; the test adds up what the touched addresses need.
 */
#include "labs.h"

#define OVERCOMMIT	"/proc/sys/vm/overcommit_memory"
#define GIB		(1ULL << 30)
#define SZ_512G		(512ULL << 30)
/*
 * Committed_AS is the whole system's: between the lab's two reads around
 * one mmap (microseconds) another process may commit or release a little.
 */
#define SLACK_KB	256

#define EXPECT_NEAR_KB(want, got)					\
	EXPECT_GE(SLACK_KB, llabs((long long)(want) - (long long)(got)))	\
		TH_LOG("%s: %lld kB, want %lld", #got, (long long)(got),	\
		       (long long)(want))

/* A checkpoint line without its newline, for "%.*s". */
#define LINE(l)		(int)strcspn((l)->line, "\n"), (l)->line

/* The value of "Key:" in /proc/meminfo (kB), or -1. */
static long long meminfo(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoll(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* key= on the checkpoint line: 1 for "ok", 0 for "ENOMEM", -1 else. */
static int lab_ok(struct lab *l, const char *key)
{
	char k[64], *p;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(l->line, k);
	if (!p)
		return -1;
	p += strlen(k);
	if (!strncmp(p, "ok ", 3) || !strncmp(p, "ok\n", 3))
		return 1;
	return strncmp(p, "ENOMEM", 6) ? -1 : 0;
}

/*
 * The mode is set for the test's length; the teardown puts it back after
 * a failed ASSERT, and knob_set()'s guard when the test process dies of
 * anything else.
 */
FIXTURE(overcommit) {
	char saved[32];
};

FIXTURE_SETUP(overcommit)
{
	if (geteuid())
		SKIP(return, "only root can set vm.overcommit_memory");
	if (!have_jq())
		SKIP(return, "jq is not installed");
	knob_set(OVERCOMMIT, "0", self->saved, sizeof(self->saved));
	ASSERT_NE(0, self->saved[0]) TH_LOG("no %s", OVERCOMMIT);
}

FIXTURE_TEARDOWN(overcommit)
{
	knob_restore(OVERCOMMIT, self->saved);
}

static void set_mode(struct __test_metadata *_metadata, int mode)
{
	char s[4];

	snprintf(s, sizeof(s), "%d", mode);
	ASSERT_EQ(0, write_str(OVERCOMMIT, s));
	ASSERT_EQ(mode, file_number(OVERCOMMIT));
}

static bool near_kb(long long want, long long got)
{
	return llabs(want - got) <= SLACK_KB;
}

/*
 * Did Committed_AS rise, on the "tried" line of @l, by the size of each
 * mapping that stood (MAP_NORESERVE's only under mode 2) and by nothing
 * else?  Not when another process committed or released memory in the
 * same microseconds.
 */
static bool charges_add_up(struct lab *l)
{
	long long len_kb = lab_val(l, "len") >> 10;
	bool charged = lab_ok(l, "noreserve") == 1 && lab_val(l, "mode") == 2;

	return near_kb(lab_ok(l, "whole") == 1 ? len_kb : 0, lab_val(l, "whole_kb")) &&
	       near_kb(charged ? len_kb : 0, lab_val(l, "noreserve_kb")) &&
	       near_kb(lab_val(l, "pieces") << 20, lab_val(l, "pieces_kb"));
}

/*
 * The "tried" line of @l against the rules of @mode; with @charges, its
 * rises of Committed_AS too.
 */
static void check_tried(struct __test_metadata *_metadata, struct lab *l,
			int mode, bool charges)
{
	long long gib, len_kb, ram_swap, limit, committed, pieces, reserve;
	int whole, noreserve, pieces_err;

	gib = lab_val(l, "gib");
	len_kb = lab_val(l, "len") >> 10;
	ram_swap = lab_val(l, "ram_swap_kb");
	limit = lab_val(l, "limit_kb");
	committed = lab_val(l, "committed_kb");
	pieces = lab_val(l, "pieces");
	whole = lab_ok(l, "whole");
	noreserve = lab_ok(l, "noreserve");
	pieces_err = lab_ok(l, "pieces_err");
	ASSERT_EQ(mode, lab_val(l, "mode"));
	ASSERT_EQ(gib << 20, len_kb);
	ASSERT_EQ((long long)GIB, lab_val(l, "piece"));
	EXPECT_EQ(meminfo("MemTotal") + meminfo("SwapTotal"), ram_swap);
	EXPECT_EQ(meminfo("CommitLimit"), limit);
	ASSERT_NE(-1, whole) TH_LOG("%.*s", LINE(l));
	ASSERT_NE(-1, noreserve) TH_LOG("%.*s", LINE(l));
	ASSERT_NE(-1, pieces_err) TH_LOG("%.*s", LINE(l));
	EXPECT_EQ(pieces == gib, pieces_err);
	/* Each mapping, while it stood, was charged its size, or nothing. */
	EXPECT_TRUE(!charges || charges_add_up(l)) TH_LOG("%.*s", LINE(l));
	switch (mode) {
	case 0:
		/* Only an obvious overcommit: more than RAM + swap at once. */
		EXPECT_EQ(len_kb <= ram_swap, whole) TH_LOG("%.*s", LINE(l));
		ASSERT_LE(1LL << 20, ram_swap);
		EXPECT_EQ(gib, pieces);
		EXPECT_EQ(1, noreserve);
		break;
	case 1:
		EXPECT_EQ(1, whole);
		EXPECT_EQ(1, noreserve);
		EXPECT_EQ(gib, pieces);
		break;
	case 2:
		/*
		 * MAP_NORESERVE changes nothing; a mapping is granted while
		 * Committed_AS with it stays below CommitLimit less root's
		 * and the process's reserves (0 for root and at most
		 * user_reserve_kbytes, so bounds, not the exact limit).
		 */
		reserve = file_number("/proc/sys/vm/admin_reserve_kbytes") +
			  file_number("/proc/sys/vm/user_reserve_kbytes");
		EXPECT_EQ(whole, noreserve);
		if (whole) {
			EXPECT_GT(limit + SLACK_KB, committed + len_kb);
		} else {
			EXPECT_LE(limit - reserve - SLACK_KB, committed + len_kb);
		}
		EXPECT_GT(limit + SLACK_KB, committed + (pieces << 20));
		if (pieces < gib)
			EXPECT_LE(limit - reserve - SLACK_KB,
				  committed + ((pieces + 1) << 20));
		break;
	}
}

/*
 * Run `overcommit try GIB` under @mode and check what it tried: again
 * (three runs at most) while its charges do not add up, as another
 * process may have moved Committed_AS under it.
 */
static void try_mode(struct __test_metadata *_metadata, int mode, long long gib)
{
	char arg[32], line[sizeof(((struct lab *)0)->line)];
	bool quiet = false;
	struct lab l;
	int run;

	set_mode(_metadata, mode);
	snprintf(arg, sizeof(arg), "%lld", gib);
	for (run = 1; run <= 3 && !quiet; run++) {
		START_LAB(&l, "overcommit", "try", arg);
		AT(&l, "tried");
		snprintf(line, sizeof(line), "%.*s", LINE(&l));
		quiet = charges_add_up(&l);
		if (!quiet)
			TH_LOG("run %d: the charges do not add up: %s", run, line);
		lab_go(&l);
		EXPECT_EQ(0, lab_finish(&l));
	}
	set_mode(_metadata, 0);
	snprintf(l.line, sizeof(l.line), "%s", line);
	check_tried(_metadata, &l, mode, true);
}

/*
 * The lab's 100 GiB under each mode; then, under mode 0, the largest
 * whole number of GiB within MemTotal + SwapTotal, and one more: the
 * first must be granted, the second refused.
 */
TEST_F(overcommit, lab10_modes)
{
	long long fit = (meminfo("MemTotal") + meminfo("SwapTotal")) >> 20;

	if (_metadata->skip)	/* the setup's SKIP: this harness runs the test anyway */
		return;
	try_mode(_metadata, 0, 100);
	try_mode(_metadata, 1, 100);
	try_mode(_metadata, 2, 100);
	ASSERT_LE(1, fit);
	try_mode(_metadata, 0, fit);
	try_mode(_metadata, 0, fit + 1);
}

/* The counts of `ptscope maps PID START+LEN --json`, page tables with PMD and PUD. */
struct region {
	long long size, present, not_present, anon, dirty;
	long long pte, pmd, pud, pte_entries;
};

static int region_counts(struct __test_metadata *_metadata, struct lab *l,
			 uint64_t addr, uint64_t len, struct region *r)
{
	return cli_nums(_metadata, l, (long long *)r, sizeof(*r) / sizeof(long long),
			"if (.vmas|length) != 1 then error(\"\\(.vmas|length) VMAs\") "
			"else .vmas[0] | \"\\(.end - .start) \\(.pages.present) "
			"\\(.pages.not_present) \\(.pages.anon) \\(.pages.dirty) "
			"\\(.pt_pages.pte) \\(.pt_pages.pmd) \\(.pt_pages.pud) "
			"\\(.pt_pages.pte_entries)\" end",
			"maps %d %#llx+%llu", l->pid, (unsigned long long)addr,
			(unsigned long long)len);
}

/* What one checkpoint of the lab looks like from outside. */
struct seen {
	struct region whole;	/* the whole mapping */
	long long vm_pte;	/* VmPTE, kB */
	long long rss;		/* smaps's Rss of the mapping, kB */
	long long minflt;	/* /proc/PID/stat */
	long long rise;		/* the lab's rise_kb= */
};

static void look(struct __test_metadata *_metadata, struct lab *l,
		 uint64_t addr, uint64_t len, struct seen *s)
{
	long long tree[2], min, maj;
	struct smaps_vma sm = { 0 };

	ASSERT_EQ(0, region_counts(_metadata, l, addr, len, &s->whole));
	EXPECT_EQ((long long)len, s->whole.size);
	ASSERT_EQ(0, smaps_at(l->pid, addr, &sm));
	s->rss = sm.rss;
	s->vm_pte = status_value(l->pid, "VmPTE");
	ASSERT_LE(0, s->vm_pte);
	/* ptscope's tables of the whole process add up to VmPTE. */
	ASSERT_EQ(0, cli_nums(_metadata, l, tree, 2,
			      "\"\\(.bytes) \\(.vm_pte_bytes)\"", "tree %d", l->pid));
	EXPECT_EQ(s->vm_pte << 10, tree[0]);
	EXPECT_EQ(s->vm_pte << 10, tree[1]);
	ASSERT_EQ(0, cli_faults(_metadata, l, l->pid, &min, &maj));
	s->minflt = stat_faults(l->pid, 10);
	EXPECT_EQ(s->minflt, min);
	s->rise = lab_val(l, "rise_kb");
}

/*
 * Committed_AS is the whole system's, and the guest has other processes
 * that come and go (udev's workers: 6.12's guest once released 32 MiB
 * while the lab touched its pages, 7.2's once held 18 MiB more; 6.1's
 * moved by 220 to 756 kB in three runs in a row).  A run of the lab whose
 * rise_kb= at mapped, sparse and dense @rise are not all within SLACK_KB
 * of 0 is disturbed: then the lab runs again, to its end, for these three
 * numbers alone (five runs at most), and each keeps the one nearest 0 of
 * its runs.  A charge for the mapping would be its 100 GiB, which no such
 * noise hides.
 */
static bool quiet(const long long *rise)
{
	return llabs(rise[0]) <= SLACK_KB && llabs(rise[1]) <= SLACK_KB &&
	       llabs(rise[2]) <= SLACK_KB;
}

static void rerun_rises(struct __test_metadata *_metadata, long long *rise)
{
	static const char *const cp[] = { "mapped", "sparse", "dense" };
	long long again;
	struct lab l;
	int run, i;

	for (run = 1; run < 5 && !quiet(rise); run++) {
		TH_LOG("Committed_AS moved under the lab (%lld %lld %lld kB): again",
		       rise[0], rise[1], rise[2]);
		START_LAB(&l, "overcommit", "100", "4");
		AT(&l, "tried");
		lab_go(&l);
		for (i = 0; i < 3; i++) {
			AT(&l, cp[i]);
			again = lab_val(&l, "rise_kb");
			if (llabs(again) < llabs(rise[i]))
				rise[i] = again;
			lab_go(&l);
		}
		EXPECT_EQ(0, lab_finish(&l));
	}
}

/* 512 GiB blocks (PUD tables) [@a, @a + @len) touches. */
static long long blocks_512g(uint64_t a, uint64_t len)
{
	return ((a + len - 1) / SZ_512G) - (a / SZ_512G) + 1;
}

/*
 * The lab at the test's sizes: 100 GiB mapped with MAP_NORESERVE under
 * mode 0, one page per 2 MiB of the first 4 GiB (2,048 pages, 2,048 PTE
 * tables), then 2,048 pages in a row (4 PTE tables).
 */
TEST_F(overcommit, lab10_overcommit)
{
	long long touched, span, dense_len, pages, pte, pud, rise[3];
	uint64_t addr, len, dense, *pm;
	struct seen m, s, d;
	struct region r;
	size_t i, present = 0, wrong = 0;
	struct lab l;

	if (_metadata->skip)
		return;
	set_mode(_metadata, 0);
	START_LAB(&l, "overcommit", "100", "4");
	/* The charges are lab10_modes's to check, with runs again. */
	AT(&l, "tried");
	check_tried(_metadata, &l, 0, false);
	lab_go(&l);

	AT(&l, "mapped");
	addr = lab_val(&l, "addr");
	len = lab_val(&l, "len");
	pages = lab_val(&l, "pages");
	ASSERT_EQ(100 * GIB, len);
	ASSERT_EQ(0, addr % GIB);
	look(_metadata, &l, addr, len, &m);
	EXPECT_EQ(0, m.whole.present);
	EXPECT_EQ(pages, m.whole.not_present);
	EXPECT_EQ(0, m.whole.pte);
	EXPECT_EQ(0, m.whole.pmd);
	EXPECT_EQ(0, m.rss);
	lab_go(&l);

	AT(&l, "sparse");
	touched = lab_val(&l, "touched");
	span = lab_val(&l, "span");
	ASSERT_EQ(4 * (long long)GIB, span);
	ASSERT_EQ(span / (long long)SZ_2M, touched);
	EXPECT_EQ(touched, lab_val(&l, "faults"));
	pm = pagemap(l.pid, addr, span / PAGE);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < span / PAGE; i++) {
		present += !!(pm[i] & PM_PRESENT);
		wrong += !!(pm[i] & PM_PRESENT) != (i % 512 == 0);
	}
	free(pm);
	EXPECT_EQ(touched, (long long)present);
	EXPECT_EQ(0, wrong) TH_LOG("pages present other than the touched ones");
	look(_metadata, &l, addr, len, &s);
	/* Nothing else of the 100 GiB is present: smaps, ptscope. */
	EXPECT_EQ(touched * 4, s.rss);
	EXPECT_EQ(touched, s.whole.present);
	EXPECT_EQ(touched, s.whole.dirty);
	ASSERT_EQ(0, region_counts(_metadata, &l, addr, span, &r));
	EXPECT_EQ(touched, r.present);
	/* One PTE table per touched page, one PMD table per GiB. */
	EXPECT_EQ(touched, r.pte);
	EXPECT_EQ(touched, r.pte_entries);
	EXPECT_EQ(span / (long long)GIB, r.pmd);
	EXPECT_EQ(blocks_512g(addr, span), r.pud);
	/*
	 * VmPTE grew by those tables, and by the PUD tables that did not
	 * exist yet (the 512 GiB blocks the mapping shares with nothing).
	 */
	pud = s.whole.pud - m.whole.pud;
	EXPECT_LE(0, pud);
	EXPECT_GE(blocks_512g(addr, span), pud);
	EXPECT_EQ((touched + span / (long long)GIB + pud) * 4, s.vm_pte - m.vm_pte);
	/* One minor fault per page. */
	EXPECT_EQ(touched, s.minflt - m.minflt);
	lab_go(&l);

	AT(&l, "dense");
	dense = lab_val(&l, "dense_addr");
	dense_len = lab_val(&l, "dense_len");
	ASSERT_EQ(touched, lab_val(&l, "touched"));
	ASSERT_EQ(touched * (long long)PAGE, dense_len);
	ASSERT_EQ(addr + span, dense);
	EXPECT_EQ(touched, lab_val(&l, "faults"));
	pm = pagemap(l.pid, dense, touched);
	ASSERT_NE(NULL, pm);
	for (i = 0, present = 0; i < (size_t)touched; i++)
		present += !!(pm[i] & PM_PRESENT);
	free(pm);
	EXPECT_EQ(touched, (long long)present);
	look(_metadata, &l, addr, len, &d);
	EXPECT_EQ(2 * touched * 4, d.rss);
	EXPECT_EQ(2 * touched, d.whole.present);
	ASSERT_EQ(0, region_counts(_metadata, &l, dense, dense_len, &r));
	EXPECT_EQ(touched, r.present);
	/* 512 pages to a PTE table; a new GiB, a new PMD table. */
	pte = (dense_len + SZ_2M - 1) / SZ_2M;
	EXPECT_EQ(pte, r.pte);
	EXPECT_EQ(touched, r.pte_entries);
	EXPECT_EQ((dense_len + GIB - 1) / GIB, r.pmd);
	pud = d.whole.pud - s.whole.pud;
	EXPECT_LE(0, pud);
	EXPECT_GE(blocks_512g(dense, dense_len), pud);
	EXPECT_EQ((pte + (dense_len + GIB - 1) / GIB + pud) * 4, d.vm_pte - s.vm_pte);
	EXPECT_EQ(s.whole.pte + pte, d.whole.pte);
	EXPECT_EQ(touched, d.minflt - s.minflt);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));

	/*
	 * No charge to Committed_AS for the 100 GiB (MAP_NORESERVE), nor for
	 * the pages touched or their page tables: it is taken at mmap only.
	 */
	rise[0] = m.rise;
	rise[1] = s.rise;
	rise[2] = d.rise;
	rerun_rises(_metadata, rise);
	EXPECT_NEAR_KB(0, rise[0]);
	EXPECT_NEAR_KB(0, rise[1]);
	EXPECT_NEAR_KB(0, rise[2]);
}

TEST_HARNESS_MAIN
