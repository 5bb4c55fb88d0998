// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 12 of docs/labs/ as a test (labs.h): huge pages and the TLB reach of
 * a NumPy array.  userspace/labs/tlbreach.py makes a 256 MiB array with
 * NumPy's huge-page advice off, then one with it on.  At each checkpoint:
 *
 * - the array's pages: all present (pagemap), and those in transparent
 *   huge pages counted three ways that must agree: /proc/kpageflags' THP
 *   bit of pagemap's frames, smaps' AnonHugePages of the VMAs holding the
 *   array, and ptscope's PMD-mapped THP pages (maps --json, thp_pmd);
 * - the process's page sizes in `ptscope tlb --json` (pages_2m, pages_4k):
 *   smaps_rollup's PMD-mapped kB and pagemap's present pages over every
 *   VMA (but for VM_PFNMAP ones, which pagemap shows as holes: [vvar] of
 *   6.1 and 6.12 has a present page that only ptscope counts);
 * - its TLB reach: recomputed here from those page counts and the TLB
 *   entries of CPUID, read here (AMD's leaves 0x80000005/6/19, which QEMU's
 *   models report; on Intel, ptscope's decoding of leaves 2 and 0x18 is
 *   taken as it is), by docs/tlb.md's rule.
 */
#include <cpuid.h>

#include "labs.h"

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_COLLAPSED	"/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed"
#define USER_TOP	(1ULL << 47)

static long long read_ll(const char *path)
{
	long long n = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* TLB levels and page sizes as ptscope's JSON names them. */
enum { L1D, L2, NLEVELS };
enum { P4K, P2M, P1G, NSIZES };
static const char *const level_name[NLEVELS] = { "l1_dtlb", "l2_tlb" };

struct geometry {
	long long e[NLEVELS][NSIZES];	/* entries */
	bool shared[NLEVELS];		/* 4K and 2M in one array (Intel's STLB) */
};

/* An AMD L2-style field: entries [27:16] if its associativity [31:28] is set. */
static long long amd_l2_entries(unsigned int v)
{
	return v >> 28 ? (v >> 16) & 0xfff : 0;
}

/* The data TLBs of CPUID's AMD leaves; false on Intel, which has none there. */
static bool cpuid_amd_tlb(struct geometry *g)
{
	unsigned int a, b, c, d, max_ext;
	char vendor[13];

	memset(g, 0, sizeof(*g));
	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	if (!strcmp(vendor, "GenuineIntel"))
		return false;
	__cpuid(0x80000000, max_ext, b, c, d);
	if (max_ext >= 0x80000005) {
		__cpuid(0x80000005, a, b, c, d);
		g->e[L1D][P2M] = (a >> 16) & 0xff;
		g->e[L1D][P4K] = (b >> 16) & 0xff;
	}
	if (max_ext >= 0x80000006) {
		__cpuid(0x80000006, a, b, c, d);
		g->e[L2][P2M] = amd_l2_entries(a);
		g->e[L2][P4K] = amd_l2_entries(b);
	}
	if (max_ext >= 0x80000019) {
		__cpuid(0x80000019, a, b, c, d);
		g->e[L1D][P1G] = amd_l2_entries(a);
		g->e[L2][P1G] = amd_l2_entries(b);
	}
	return true;
}

/* Bytes one level maps at once with these pages (docs/tlb.md). */
static long long covers(const struct geometry *g, int l, long long n4k,
			long long n2m, long long n1g)
{
	long long left4k = g->e[l][P4K], used, bytes;

	if (!g->e[l][P1G]) {
		n2m += n1g * 512;
		n1g = 0;
	}
	bytes = (n1g < g->e[l][P1G] ? n1g : g->e[l][P1G]) << 30;
	used = n2m < g->e[l][P2M] ? n2m : g->e[l][P2M];
	bytes += used * SZ_2M;
	if (g->shared[l])
		left4k = left4k > used ? left4k - used : 0;
	return bytes + (n4k < left4k ? n4k : left4k) * PAGE;
}

/* `ptscope tlb PID --json`: its geometry, page counts and reach. */
struct tlb_json {
	long long geo[NLEVELS][NSIZES + 1];	/* entries per size, shared 0/1 */
	long long n4k, n2m, n1g, resident, need, need_4k, need_2m;
	long long reach[NLEVELS][4];	/* entries, covered, covered_4k, covered_2m */
};

#define GEO(l)	"\\(.cpu.tlb." l "[\"4k\"].entries) \\(.cpu.tlb." l "[\"2m\"].entries) " \
		"\\(.cpu.tlb." l "[\"1g\"].entries) \\(if .cpu.tlb." l "[\"2m\"].shared then 1 else 0 end) "
#define REACH(l) "\\(.reach." l ".entries) \\(.reach." l ".covered) "	\
		"\\(.reach." l ".covered_4k) \\(.reach." l ".covered_2m) "
#define TLB_FILTER "\"" GEO("l1_dtlb") GEO("l2_tlb")			\
	"\\(.pages.pages_4k) \\(.pages.pages_2m) \\(.pages.pages_1g) "	\
	"\\(.reach.resident) \\(.reach.entries_needed) "		\
	"\\(.reach.entries_needed_4k) \\(.reach.entries_needed_2m) "	\
	REACH("l1_dtlb") REACH("l2_tlb") "\""

/* What pagemap, kpageflags, smaps and ptscope say at one checkpoint. */
struct look {
	uint64_t addr, len, s, e;	/* the array; its pages [s, e) */
	long long pages, present, thp_kpf, thp_smaps, blocks;
	long long pt_present, pt_thp;	/* ptscope maps over [s, e) */
	long long proc_present, proc_pmd_kb;	/* the whole process */
	long long pfnmap;	/* of proc_present: ptscope's, in VM_PFNMAP VMAs */
	struct tlb_json t;
};

/*
 * Present pages of every VMA of @pid, by pagemap; in @pfnmap those of
 * VM_PFNMAP VMAs (smaps' VmFlags "pf": [vvar] on 6.1 and 6.12), which pagemap
 * reports as holes and no /proc file counts: those are ptscope's.
 */
static long long process_present(struct __test_metadata *_metadata,
				 struct lab *l, long long *pfnmap)
{
	unsigned long long lo = 0, hi = 0, x, y;
	long long present = 0, v[1] = { 0 };
	char path[64], line[512];
	uint64_t pm[512], a;
	size_t k, n;
	FILE *f;

	*pfnmap = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps", l->pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A VMA's first line; x and y, as "AnonHugePages:" starts with a hex digit. */
		if (sscanf(line, "%llx-%llx ", &x, &y) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			lo = x;
			hi = y;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) || lo >= USER_TOP)
			continue;	/* USER_TOP: [vsyscall] */
		if (strstr(line, " pf")) {
			if (cli_nums(_metadata, l, v, 1, ".vmas[0].pages.present",
				     "maps %d %#llx+%llu", l->pid, lo, hi - lo))
				present = -1000000000;
			*pfnmap += v[0];
			continue;
		}
		for (a = lo; a < hi; a += n * PAGE) {
			n = (hi - a) / PAGE < 512 ? (hi - a) / PAGE : 512;
			if (pagemap_read(l->pid, a, n, pm))
				present = -1000000000;
			for (k = 0; k < n; k++)
				present += !!(pm[k] & PM_PRESENT);
		}
	}
	fclose(f);
	return present + *pfnmap;
}

static void lab12_look(struct __test_metadata *_metadata, struct lab *l,
		       const char *name, struct look *s)
{
	struct smaps_vma *sm = calloc(1024, sizeof(*sm));
	uint64_t *pm, flags, vma_start;
	int kpf, v, nv;
	long long i, v2[3];

	memset(s, 0, sizeof(*s));
	AT(l, name);
	s->addr = lab_val(l, "addr");
	s->len = lab_val(l, "len");
	ASSERT_EQ(256ULL << 20, s->len);
	s->s = s->addr & ~(PAGE - 1);
	s->e = (s->addr + s->len + PAGE - 1) & ~(PAGE - 1);
	s->pages = (s->e - s->s) / PAGE;
	ASSERT_EQ(s->pages, lab_val(l, "spans"));
	/*
	 * The 2 MiB blocks a THP can fill: NumPy advises from the page after
	 * the array's first byte (its first page holds malloc's header) to
	 * the end of its last page.
	 */
	vma_start = s->s + PAGE;
	s->blocks = ((long long)(s->e & ~(SZ_2M - 1)) -
		     (long long)((vma_start + SZ_2M - 1) & ~(SZ_2M - 1))) / (long long)SZ_2M;

	pm = pagemap(l->pid, s->s, s->pages);
	kpf = open("/proc/kpageflags", O_RDONLY);
	ASSERT_TRUE(pm && kpf >= 0 && sm);
	for (i = 0; i < s->pages; i++) {
		if (!(pm[i] & PM_PRESENT))
			continue;
		s->present++;
		ASSERT_EQ(8, pread(kpf, &flags, 8, PFN(pm[i]) * 8));
		s->thp_kpf += !!(flags & (1ULL << KPF_THP));
	}
	close(kpf);
	free(pm);
	nv = smaps_read(l->pid, sm, 1024);
	for (v = 0; v < nv; v++)
		if (sm[v].start < s->e && sm[v].end > s->s)
			s->thp_smaps += sm[v].anon_huge / 4;
	free(sm);
	ASSERT_EQ(0, cli_nums(_metadata, l, v2, 3,
			      "\"\\([.vmas[].pages.present]|add) \\([.vmas[].pages.thp_pmd]|add) \\(.vmas|length)\"",
			      "maps %d %#llx+%llu", l->pid, (unsigned long long)s->s,
			      (unsigned long long)(s->e - s->s)));
	s->pt_present = v2[0];
	s->pt_thp = v2[1];

	s->proc_present = process_present(_metadata, l, &s->pfnmap);
	s->proc_pmd_kb = proc_key_value(l->pid, "smaps_rollup", "AnonHugePages") +
			 proc_key_value(l->pid, "smaps_rollup", "ShmemPmdMapped") +
			 proc_key_value(l->pid, "smaps_rollup", "FilePmdMapped");
	ASSERT_EQ(0, cli_nums(_metadata, l, (long long *)&s->t,
			      sizeof(s->t) / sizeof(long long), TLB_FILTER,
			      "tlb %d", l->pid));
	TH_LOG("%s: %lld pages, %lld in THPs (%lld blocks), process %lld x 4K + %lld x 2M "
	       "(%lld in VM_PFNMAP mappings)", name, s->pages, s->thp_kpf,
	       s->blocks, s->t.n4k, s->t.n2m, s->pfnmap);
	lab_go(l);
}

/* The checks of one checkpoint; @thp: the array's pages in THPs. */
static void check_look(struct __test_metadata *_metadata, const struct look *s,
		       const struct geometry *g, long long thp)
{
	long long n2m = s->proc_pmd_kb / 2048, n4k = s->proc_present - n2m * 512;
	long long resident = n4k * PAGE + n2m * SZ_2M;
	long long need_2m = (resident + SZ_2M - 1) / SZ_2M;
	int l, p;

	EXPECT_EQ(s->pages, s->present);
	EXPECT_EQ(s->pages, s->pt_present);
	EXPECT_EQ(thp, s->thp_kpf);
	EXPECT_EQ(thp, s->thp_smaps);
	EXPECT_EQ(thp, s->pt_thp);

	/* The process's page sizes: smaps_rollup's and pagemap's. */
	EXPECT_EQ(n2m, s->t.n2m);
	EXPECT_EQ(n4k, s->t.n4k);
	EXPECT_EQ(0, s->t.n1g);
	EXPECT_EQ(resident, s->t.resident);
	EXPECT_EQ(n4k + n2m, s->t.need);
	EXPECT_EQ(resident / PAGE, s->t.need_4k);
	EXPECT_EQ(need_2m, s->t.need_2m);

	/* Reach, per level, from those and CPUID's entries. */
	for (l = 0; l < NLEVELS; l++) {
		long long cap = g->e[l][P4K] + g->e[l][P1G] +
				(g->shared[l] ? 0 : g->e[l][P2M]);
		long long c2m = covers(g, l, 0, need_2m, 0);

		for (p = 0; p < NSIZES; p++)
			EXPECT_EQ(g->e[l][p], s->t.geo[l][p]) TH_LOG("%s size %d", level_name[l], p);
		EXPECT_EQ(g->shared[l], s->t.geo[l][NSIZES]) TH_LOG("%s", level_name[l]);
		EXPECT_EQ(cap, s->t.reach[l][0]) TH_LOG("%s", level_name[l]);
		EXPECT_EQ(covers(g, l, n4k, n2m, 0), s->t.reach[l][1]) TH_LOG("%s", level_name[l]);
		EXPECT_EQ(covers(g, l, resident / PAGE, 0, 0), s->t.reach[l][2]);
		EXPECT_EQ(c2m < resident ? c2m : resident, s->t.reach[l][3]);
	}
}

/*
 * Lab 12 runs with transparent huge pages "madvise", restored afterwards:
 * under "always" the array NumPy does not advise gets THPs too, under
 * "never" neither does.  NUMA balancing is off as for lab 5: on 6.1 smaps
 * leaves a THP whose PMD balancing made a hinting entry out of
 * AnonHugePages.
 */
FIXTURE(tlbreach) {
	char thp_saved[32];	/* the mode in brackets, or "" */
	char saved_numa[32];
};

FIXTURE_SETUP(tlbreach)
{
	char buf[128] = "", *open_, *close_;
	FILE *f = fopen(THP_ENABLED, "r");

	self->thp_saved[0] = 0;
	knob_set(NUMA_BALANCING, "0", self->saved_numa, sizeof(self->saved_numa));
	if (!f)
		return;		/* no THP in this kernel */
	if (fgets(buf, sizeof(buf), f) && (open_ = strchr(buf, '[')) &&
	    (close_ = strchr(open_, ']')) && close_ - open_ < 31) {
		memcpy(self->thp_saved, open_ + 1, close_ - open_ - 1);
		self->thp_saved[close_ - open_ - 1] = 0;
	}
	fclose(f);
	ASSERT_NE(0, self->thp_saved[0]);
	ASSERT_EQ(0, cli_shell("echo madvise > " THP_ENABLED));
}

FIXTURE_TEARDOWN(tlbreach)
{
	if (self->thp_saved[0])
		cli_shell("echo %s > " THP_ENABLED, self->thp_saved);
	knob_restore(NUMA_BALANCING, self->saved_numa);
}

/*
 * Lab 12: the array with NumPy's advice off is all 4 KiB pages (one TLB
 * entry each); with it on, every 2 MiB block inside the advised range is
 * one THP.  A run during which khugepaged collapsed anything, or in which
 * a block got no THP (memory too fragmented), is run again, after
 * dropping caches and compacting.
 */
TEST_F(tlbreach, lab12)
{
	struct look off, on;
	struct geometry g;
	long long collapsed, l1_4k, l1_thp;
	int runs = 0, l, p;
	bool again;
	struct lab lb;

	REQUIRE_THP();
	if (access("/usr/bin/python3", X_OK) ||
	    system("/usr/bin/python3 -c 'import numpy' 2>/dev/null"))
		SKIP(return, "python3-numpy is not installed (scripts/deps installs it)");
	do {
		write_str("/proc/sys/vm/drop_caches", "3");
		drain_lru_batches();	/* compact_memory */
		collapsed = read_ll(THP_COLLAPSED);
		START_LAB(&lb, "tlbreach.py", "256");
		lab12_look(_metadata, &lb, "advice-off", &off);
		lab12_look(_metadata, &lb, "advice-on", &on);
		ASSERT_EQ(0, lab_finish(&lb));
		again = read_ll(THP_COLLAPSED) != collapsed || on.thp_kpf != on.blocks * 512;
		if (again)
			TH_LOG("run %d: khugepaged collapsed %lld pages, %lld of %lld blocks in THPs",
			       runs + 1, read_ll(THP_COLLAPSED) - collapsed,
			       on.thp_kpf / 512, on.blocks);
	} while (again && ++runs < 3);

	if (!cpuid_amd_tlb(&g)) {
		/* Intel: ptscope's decoding of leaves 2 and 0x18, as it is. */
		TH_LOG("Intel CPU: the TLB entries are ptscope's, not read here");
		for (l = 0; l < NLEVELS; l++) {
			for (p = 0; p < NSIZES; p++)
				g.e[l][p] = off.t.geo[l][p];
			g.shared[l] = off.t.geo[l][NSIZES];
		}
	}
	EXPECT_LT(0, g.e[L1D][P4K]) TH_LOG("CPUID reports no L1 data TLB");
	check_look(_metadata, &off, &g, 0);
	ASSERT_LT(0, on.blocks);
	check_look(_metadata, &on, &g, on.blocks * 512);

	/* The page's sums: entries for the array, and L1's reach of it. */
	l1_4k = off.pages;
	l1_thp = on.blocks + (on.pages - on.blocks * 512);
	TH_LOG("the array: %lld TLB entries in 4 KiB pages, %lld with THP; "
	       "L1 dTLB %lld x 4K + %lld x 2M, L2 %lld x 4K + %lld x 2M; "
	       "process reach in L1: %lld kB, then %lld kB",
	       l1_4k, l1_thp, g.e[L1D][P4K], g.e[L1D][P2M], g.e[L2][P4K],
	       g.e[L2][P2M], off.t.reach[L1D][1] >> 10, on.t.reach[L1D][1] >> 10);
}

TEST_HARNESS_MAIN
