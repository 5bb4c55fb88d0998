// SPDX-License-Identifier: GPL-2.0
/*
 * The ptscope command's --json output on the fixtures of cli_fixture.h
 * against the kernel's own interfaces: pagemap, smaps, status, stat and
 * /sys/module.
 */
#include "cli_fixture.h"

/* One record of `ptscope pages --json`, per page with --all. */
struct cli_page {
	unsigned long long start, end;
	char present[8], swapped[8], pfn[32], swap_type[32], swap_offset[32];
};

/* A JSON number in @s (as jq printed it) into *@v; false for null. */
static bool number(const char *s, unsigned long long *v)
{
	char *end;

	if (!strcmp(s, "null"))
		return false;
	*v = strtoull(s, &end, 10);
	return !*end;
}

/*
 * `ptscope pages PID START-END --json` (with --all if @all) over @n pages
 * at @start against pagemap, read before and after (retried if the target
 * changed between, e.g. compaction moved a page).  Per page: `present` is
 * pagemap's bit 63 and `swapped` its bit 62; a pfn or swap entry given
 * agrees with pagemap's (with --all they must be given: the test is
 * root; in region mode docs/json.md says they are null); the records
 * cover the range exactly, in order.  Returns the record count, or -1.
 */
static long check_pages(struct __test_metadata *_metadata,
			FIXTURE_DATA(cli) *self, uint64_t start, size_t n,
			bool all)
{
	static const char *filter_regions =
		"\"\\(.pid) \\(.regions|length)\", (.regions[] | "
		"\"\\(.start) \\(.end) \\(.present) \\(.swapped) \\(.pfn) "
		"\\(.swap.type) \\(.swap.offset)\")";
	static const char *filter_all =
		"\"\\(.pid) \\(.pages|length)\", (.pages[] | "
		"\"\\(.addr) \\(.addr + 4096) \\(.present) \\(.swapped) \\(.pfn) "
		"\\(.swap.type) \\(.swap.offset)\")";
	uint64_t *pm = calloc(n, 8), *pm2 = calloc(n, 8), end = start + n * PAGE;
	unsigned long long pid, nrec, a, v;
	char **lines = NULL, *s = NULL;
	int nlines = 0, i, tries;
	uint64_t cur = start;
	long ret = -1;

	if (!pm || !pm2)
		goto out;
	for (tries = 0; tries < 3; tries++) {
		free(s);
		CHECK(!pagemap_read(self->pid, start, n, pm), goto out, "pagemap");
		s = cli_json(_metadata, self, all ? filter_all : filter_regions,
			     "pages %d %#llx-%#llx%s", self->pid,
			     (unsigned long long)start, (unsigned long long)end,
			     all ? " --all" : "");
		if (!s)
			goto out;
		CHECK(!pagemap_read(self->pid, start, n, pm2), goto out, "pagemap");
		if (!memcmp(pm, pm2, n * 8))
			break;
	}
	lines = split_lines(s, &nlines);
	CHECK(lines && nlines > 0, goto out, "no output");
	CHECK(sscanf(lines[0], "%llu %llu", &pid, &nrec) == 2, goto out,
	      "%s", lines[0]);
	EXPECT_EQ((unsigned long long)self->pid, pid);
	CHECK(nrec + 1 == (unsigned long long)nlines, goto out,
	      "%llu records, %d lines", nrec, nlines - 1);
	for (i = 1; i < nlines; i++) {
		struct cli_page r;

		CHECK(sscanf(lines[i], "%llu %llu %7s %7s %31s %31s %31s",
			     &r.start, &r.end, r.present, r.swapped, r.pfn,
			     r.swap_type, r.swap_offset) == 7, goto out,
		      "record: %s", lines[i]);
		CHECK(r.start == cur && r.start < r.end && r.end <= end, goto out,
		      "record %d of %llu is %#llx-%#llx, expected one from %#llx in %#llx-%#llx",
		      i - 1, nrec, r.start, r.end, (unsigned long long)cur,
		      (unsigned long long)start, (unsigned long long)end);
		CHECK(!all || r.end - r.start == PAGE, goto out,
		      "--all record %d is not one page", i - 1);
		for (a = r.start; a < r.end; a += PAGE) {
			uint64_t e = pm[(a - start) / PAGE], k = (a - r.start) / PAGE;
			bool present = e & PM_PRESENT, swapped = e & PM_SWAP;

			EXPECT_STREQ(present ? "true" : "false", r.present)
				TH_LOG("present of %#llx (pagemap %#llx)", a,
				       (unsigned long long)e);
			EXPECT_STREQ(swapped ? "true" : "false", r.swapped)
				TH_LOG("swapped of %#llx (pagemap %#llx)", a,
				       (unsigned long long)e);
			if (number(r.pfn, &v)) {
				/* Regions advance the frame by one per page. */
				if (present) {
					EXPECT_EQ(e & PM_PFN_MASK, v + k)
						TH_LOG("pfn of %#llx", a);
				} else {
					EXPECT_EQ(0, v) TH_LOG("pfn of %#llx", a);
				}
			} else {
				EXPECT_FALSE(all) TH_LOG("pfn of %#llx is null", a);
			}
			if (!swapped)
				continue;
			if (number(r.swap_type, &v)) {
				EXPECT_EQ(PM_SWAP_TYPE(e), v)
					TH_LOG("swap type of %#llx", a);
			} else {
				EXPECT_FALSE(all)
					TH_LOG("swap type of %#llx is null", a);
			}
			if (number(r.swap_offset, &v)) {
				EXPECT_EQ(PM_SWAP_OFFSET(e), v + k)
					TH_LOG("swap offset of %#llx", a);
			} else {
				EXPECT_FALSE(all)
					TH_LOG("swap offset of %#llx is null", a);
			}
		}
		cur = r.end;
	}
	EXPECT_EQ(end, cur) TH_LOG("the records stop short of the range");
	ret = nrec;
out:
	free(lines);
	free(s);
	free(pm);
	free(pm2);
	return ret;
}

/* The anonymous fixture, region by region: every other page present. */
TEST_F_TIMEOUT(cli, pages_regions_match_pagemap, 120)
{
	const char *missing;
	uint64_t pm[NPAGES];
	int i;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	/* The oracle sees the fixture as built. */
	ASSERT_EQ(0, pagemap_read(self->pid, self->l.anon, NPAGES, pm));
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(i % 2 == 0, !!(pm[i] & PM_PRESENT));
	/* Present and empty pages alternate: no two neighbours merge. */
	EXPECT_EQ(NPAGES, check_pages(_metadata, self, self->l.anon, NPAGES,
				      false));
}

/* --all: one record per page, with its frame. */
TEST_F_TIMEOUT(cli, pages_all_match_pagemap, 120)
{
	const char *missing = missing_tool(false);

	if (missing)
		SKIP(return, "%s is not installed", missing);
	EXPECT_EQ(NPAGES, check_pages(_metadata, self, self->l.anon, NPAGES,
				      true));
}

/* Swap entries: pagemap's bit 62, and type and offset with --all. */
TEST_F_TIMEOUT(cli, pages_swap_entries_match_pagemap, 120)
{
	const char *missing;
	uint64_t pm[NPAGES];
	int i, swapped = 0;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	if (!self->l.swap_ok)
		SKIP(return, "%s", ensure_swap() ? "MADV_PAGEOUT swapped nothing out" :
						   swap_unavailable());
	ASSERT_EQ(0, pagemap_read(self->pid, self->l.swap, NPAGES, pm));
	for (i = 0; i < NPAGES; i++)
		swapped += !!(pm[i] & PM_SWAP);
	ASSERT_LT(0, swapped);
	EXPECT_LE(1, check_pages(_metadata, self, self->l.swap, NPAGES, false));
	EXPECT_EQ(NPAGES, check_pages(_metadata, self, self->l.swap, NPAGES,
				      true));
}

/*
 * --all over a PMD-mapped THP: 512 records, one per page, each with its
 * own frame (the frames are consecutive, yet --all must not merge them).
 */
TEST_F_TIMEOUT(cli, pages_all_of_a_thp_is_per_page, 120)
{
	const char *missing = missing_tool(false);
	uint64_t pm;

	if (missing)
		SKIP(return, "%s is not installed", missing);
	REQUIRE_THP();
	ASSERT_EQ(0, pagemap_read(self->pid, self->l.thp, 1, &pm));
	if (!(pm & PM_PRESENT) ||
	    !(kpageflags(pm & PM_PFN_MASK) & (1ULL << KPF_THP)))
		SKIP(return, "no THP for the fixture");
	EXPECT_LE(1, check_pages(_metadata, self, self->l.thp, SZ_2M / PAGE,
				 false));
	EXPECT_EQ(SZ_2M / PAGE, check_pages(_metadata, self, self->l.thp,
					    SZ_2M / PAGE, true));
}

/* One VMA of `ptscope maps --json`. */
struct cli_vma {
	unsigned long long start, end, present, anon, ksm, file, shmem, zero;
	unsigned long long pfnmap, swapped, thp_pmd, shared;
	const char *name;
};

#define VMA_FILTER							\
	"\"\\(.vm_pte_bytes) \\(.vmas|length)\", (.vmas[] | "		\
	"\"\\(.start) \\(.end) \\(.pages.present) \\(.pages.anon) "	\
	"\\(.pages.ksm) \\(.pages.file) \\(.pages.shmem) \\(.pages.zero) " \
	"\\(.pages.pfnmap) \\(.pages.swapped) \\(.pages.thp_pmd) "	\
	"\\(.pages.shared) \\(.name)\")"

static int parse_vma(const char *line, struct cli_vma *v)
{
	int off = -1;

	if (sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %n",
		   &v->start, &v->end, &v->present, &v->anon, &v->ksm,
		   &v->file, &v->shmem, &v->zero, &v->pfnmap, &v->swapped,
		   &v->thp_pmd, &v->shared, &off) < 12 || off < 0)
		return -1;
	v->name = line + off;
	return 0;
}

/*
 * `ptscope maps PID START-END --json` over the VMA at @addr of @len bytes
 * and a page either side: the VMA it reports at @addr ends where smaps
 * says, and its counts agree with smaps; vm_pte_bytes is VmPTE.  The VMA
 * is returned in *@out (its name points into *@keep, to free).
 */
static void check_maps(struct __test_metadata *_metadata,
		       FIXTURE_DATA(cli) *self, uint64_t addr, size_t len,
		       struct cli_vma *out, char **keep)
{
	struct smaps_vma *sm = calloc(1024, sizeof(*sm)), *s = NULL;
	unsigned long long vm_pte, nr;
	char **lines = NULL, *txt;
	int nsm, nlines = 0, i;
	bool found = false;

	*keep = NULL;
	ASSERT_NE(NULL, sm);
	nsm = smaps_read(self->pid, sm, 1024);
	ASSERT_LT(0, nsm);
	for (i = 0; i < nsm; i++)
		if (sm[i].start == addr)
			s = &sm[i];
	ASSERT_NE(NULL, s) TH_LOG("no VMA at %#llx in smaps", (unsigned long long)addr);
	ASSERT_EQ(addr + len, s->end);	/* the fixture is one VMA */

	txt = cli_json(_metadata, self, VMA_FILTER, "maps %d %#llx-%#llx",
		       self->pid, (unsigned long long)(addr - PAGE),
		       (unsigned long long)(addr + len + PAGE));
	ASSERT_NE(NULL, txt);
	*keep = txt;
	lines = split_lines(txt, &nlines);
	ASSERT_NE(NULL, lines);
	ASSERT_EQ(2, sscanf(lines[0], "%llu %llu", &vm_pte, &nr));
	ASSERT_EQ(nr + 1, (unsigned long long)nlines);
	EXPECT_EQ(status_value(self->pid, "VmPTE") * 1024, (long)vm_pte);
	for (i = 1; i < nlines; i++) {
		struct cli_vma v;

		ASSERT_EQ(0, parse_vma(lines[i], &v)) TH_LOG("%s", lines[i]);
		if (v.start != addr)
			continue;
		found = true;
		*out = v;
		EXPECT_EQ(s->end, v.end);
		EXPECT_EQ(s->rss, (long)(v.present - v.zero - v.pfnmap) * 4)
			TH_LOG("Rss of %#llx", v.start);
		EXPECT_EQ(s->anonymous, (long)(v.anon + v.ksm) * 4)
			TH_LOG("Anonymous of %#llx", v.start);
		EXPECT_EQ(s->rss - s->anonymous, (long)(v.file + v.shmem) * 4)
			TH_LOG("Rss - Anonymous of %#llx", v.start);
		EXPECT_EQ(s->swap, (long)v.swapped * 4)
			TH_LOG("Swap of %#llx", v.start);
		EXPECT_EQ(s->anon_huge + s->shmem_pmd + s->file_pmd,
			  (long)v.thp_pmd * 4);
		EXPECT_EQ(s->shared_clean + s->shared_dirty, (long)v.shared * 4)
			TH_LOG("Shared of %#llx", v.start);
	}
	EXPECT_TRUE(found) TH_LOG("no VMA starts at %#llx", (unsigned long long)addr);
	free(lines);
	free(sm);
}

/* Each fixture's VMA against smaps, and what the test put there. */
TEST_F_TIMEOUT(cli, maps_match_smaps_and_vmpte, 120)
{
	const char *missing;
	struct cli_vma v;
	char *keep;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	memset(&v, 0, sizeof(v));
	check_maps(_metadata, self, self->l.anon, NPAGES * PAGE, &v, &keep);
	EXPECT_EQ(NPAGES / 2, v.present);
	EXPECT_EQ(NPAGES / 2, v.anon);
	EXPECT_EQ(0, v.swapped);
	EXPECT_STREQ("", v.name);
	free(keep);

	memset(&v, 0, sizeof(v));
	check_maps(_metadata, self, self->l.swap, NPAGES * PAGE, &v, &keep);
	EXPECT_EQ(NPAGES, v.present + v.swapped);
	if (self->l.swap_ok)
		EXPECT_LE(1, v.swapped);
	free(keep);

	memset(&v, 0, sizeof(v));
	check_maps(_metadata, self, self->l.file, FILE_PAGES * PAGE, &v, &keep);
	EXPECT_LE(FILE_READ, v.file);
	EXPECT_EQ(0, v.anon);
	EXPECT_STREQ(self->path, v.name);
	free(keep);
}

/*
 * `ptscope faults PID --json` against /proc/PID/stat fields 10 and 12,
 * read before and after.  No margin: the target is blocked in read(2) and
 * takes no faults, so both reads agree (asserted), and the module sums the
 * same counters as /proc/PID/stat (every thread's, live and exited), so
 * ptscope must give exactly those numbers.
 */
TEST_F_TIMEOUT(cli, faults_match_proc_stat, 120)
{
	const char *missing;
	unsigned long long pid, minor, major, vm_pte;
	long long min0, maj0, min1, maj1;
	char path[64], *s;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	snprintf(path, sizeof(path), "/proc/%d/stat", self->pid);
	min0 = stat_field(path, 10);
	maj0 = stat_field(path, 12);
	s = cli_json(_metadata, self,
		     "\"\\(.pid) \\(.faults.minor) \\(.faults.major) \\(.vm_pte_bytes)\"",
		     "faults %d", self->pid);
	ASSERT_NE(NULL, s);
	min1 = stat_field(path, 10);
	maj1 = stat_field(path, 12);
	ASSERT_EQ(min0, min1) TH_LOG("the target is not idle");
	ASSERT_EQ(maj0, maj1) TH_LOG("the target is not idle");
	ASSERT_EQ(4, sscanf(s, "%llu %llu %llu %llu", &pid, &minor, &major, &vm_pte))
		TH_LOG("%s", s);
	EXPECT_EQ((unsigned long long)self->pid, pid);
	EXPECT_EQ(min0, (long long)minor);
	EXPECT_EQ(maj0, (long long)major);
	/* The fixtures took both kinds (uncached file pages: major). */
	EXPECT_LE(NPAGES, minor);
	if (getenv("PTSCOPE_TEST_DIR"))
		EXPECT_LE(1, major);
	EXPECT_EQ(status_value(self->pid, "VmPTE") * 1024, (long)vm_pte);
	free(s);
}

/* `ptscope tree PID --json`: the tables it found add up to VmPTE. */
TEST_F_TIMEOUT(cli, tree_bytes_match_vmpte, 120)
{
	const char *missing;
	unsigned long long pid, bytes, vm_pte_bytes, pud, pmd, pte, dep;
	long vm_pte;
	char *s;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	s = cli_json(_metadata, self,
		     "\"\\(.pid) \\(.bytes) \\(.vm_pte_bytes) \\(.tables.pud) "
		     "\\(.tables.pmd) \\(.tables.pte) \\(.tables.pte_deposited)\"",
		     "tree %d", self->pid);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(7, sscanf(s, "%llu %llu %llu %llu %llu %llu %llu", &pid,
			    &bytes, &vm_pte_bytes, &pud, &pmd, &pte, &dep))
		TH_LOG("%s", s);
	vm_pte = status_value(self->pid, "VmPTE");
	ASSERT_LT(0, vm_pte);
	EXPECT_EQ((unsigned long long)self->pid, pid);
	EXPECT_EQ(vm_pte * 1024, (long)bytes) {
		TH_LOG("pud %llu pmd %llu pte %llu deposited %llu", pud, pmd,
		       pte, dep);
	}
	EXPECT_EQ(vm_pte * 1024, (long)vm_pte_bytes);
	EXPECT_EQ((pud + pmd + pte + dep) * PAGE, bytes);
	/* The two anonymous fixtures alone need a PTE table. */
	EXPECT_LE(1, pte);
	free(s);
}

/* `ptscope version --json`: the module's release is what sysfs says. */
TEST_F_TIMEOUT(cli, version_matches_the_module, 120)
{
	const char *missing;
	char **lines, *s, abi[32], sysrel[256] = "";
	struct utsname uts;
	int n = 0;
	FILE *f;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	s = cli_json(_metadata, self,
		     ".tool, \"\\(.abi.major).\\(.abi.minor)\", .module.release, "
		     "\"\\(.module.abi.major).\\(.module.abi.minor)\", .module.kernel",
		     "version");
	ASSERT_NE(NULL, s);
	lines = split_lines(s, &n);
	ASSERT_NE(NULL, lines);
	ASSERT_EQ(5, n) TH_LOG("%s", s);
	EXPECT_STRNE("", lines[0]);
	EXPECT_STRNE("null", lines[0]);
	snprintf(abi, sizeof(abi), "%u.%u", PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
	EXPECT_STREQ(abi, lines[1]);
	EXPECT_STREQ(abi, lines[3]);
	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, lines[4]);
	EXPECT_STRNE("", lines[2]);
	EXPECT_STRNE("null", lines[2]);
	f = fopen("/sys/module/ptscope/version", "r");
	if (f) {
		if (fgets(sysrel, sizeof(sysrel), f))
			sysrel[strcspn(sysrel, "\n")] = 0;
		fclose(f);
		EXPECT_STREQ(sysrel, lines[2]);
	} else {
		TH_LOG("no /sys/module/ptscope/version to compare with");
	}
	free(lines);
	free(s);
}

/* A pid that does not exist: one {"error": "..."} object, exit status 1. */
TEST_F_TIMEOUT(cli, json_error_for_a_missing_pid, 120)
{
	const char *missing;
	static const char *const cmds[] = { "pages", "maps", "faults", "tree" };
	pid_t gone;
	char *s;
	size_t i;
	int st;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	/* A child, reaped: its pid is free (pids are not reused at once). */
	gone = fork();
	if (!gone)
		_exit(0);
	ASSERT_LT(0, gone);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	ASSERT_EQ(-1, kill(gone, 0));
	ASSERT_EQ(ESRCH, errno);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(1, cli_run(self, "%s %d --json", cmds[i], gone))
			TH_LOG("exit status of ptscope %s %d --json", cmds[i], gone);
		s = jq(self, "-s -c", "map(keys)", &st);
		EXPECT_EQ(0, st) TH_LOG("%s: %s", cmds[i], s);
		EXPECT_STREQ("[[\"error\"]]\n", s) {
			TH_LOG("ptscope %s %d --json:", cmds[i], gone);
			log_file(_metadata, self, "out");
		}
		free(s);
		s = jq(self, "-r", ".error | type", &st);
		EXPECT_STREQ("string\n", s);
		free(s);
	}
}

TEST_HARNESS_MAIN
