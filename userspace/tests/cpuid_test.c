// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID TLB decoder against recorded (or documented-layout) dumps in
 * tests/cpuid/: each file carries its known answers as "# expect" lines
 * taken from the vendor documentation it cites, and every array the file
 * does not expect must decode as absent.  Then the TLB reach arithmetic
 * against mixes whose answers follow from the geometry by hand.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cpuid_tlb.h"

#ifndef CPUID_DIR
#define CPUID_DIR "tests/cpuid"
#endif

static int level_of(const char *s)
{
	int l;

	for (l = 0; l < TLB_NR_LEVELS; l++)
		if (!strcmp(s, tlb_level_name(l)))
			return l;
	return -1;
}

static int psize_of(const char *s)
{
	int p;

	for (p = 0; p < TLB_NR_PSIZES; p++)
		if (!strcmp(s, tlb_psize_name(p)))
			return p;
	return -1;
}

/* Check one dump file; returns the number of mismatches, logged. */
static int check_file(struct __test_metadata *_metadata, const char *path)
{
	struct tlb_array want[TLB_NR_LEVELS][TLB_NR_PSIZES] = {};
	uint32_t want_shared[TLB_NR_LEVELS] = {};
	static struct cpuid_dump d;
	struct cpuid_tlb t;
	char line[512], a[32], b[32], c[32], vendor[32] = "";
	int bad = 0, flags[3] = { -1, -1, -1 }, l, p;
	long invlpgb_max = -1;
	unsigned int n;
	FILE *f = fopen(path, "r");

	if (!f) {
		TH_LOG("cannot open %s", path);
		return 1;
	}
	if (cpuid_dump_read(f, &d)) {
		TH_LOG("%s: no cpuid -r lines", path);
		fclose(f);
		return 1;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# expect ", 9) &&
		    sscanf(line, "# expect %31s %31s %u %31s", a, b, &n, c) == 4) {
			l = level_of(a);
			p = psize_of(b);
			if (l < 0 || p < 0) {
				TH_LOG("%s: bad expect line: %s", path, line);
				bad++;
				continue;
			}
			want[l][p].entries = n;
			want[l][p].ways = strcmp(c, "full") ? strtoul(c, NULL, 10) : 0;
		} else if (sscanf(line, "# expect-shared %31s %31s", a, b) == 2) {
			char *s, *save = NULL;

			l = level_of(a);
			for (s = strtok_r(b, "+", &save); s && l >= 0;
			     s = strtok_r(NULL, "+", &save))
				want_shared[l] |= 1u << psize_of(s);
		} else if (sscanf(line, "# expect-flag %31s %u", a, &n) == 2) {
			flags[!strcmp(a, "pcid") ? 0 : !strcmp(a, "invpcid") ? 1 : 2] = n;
		} else if (sscanf(line, "# expect-vendor %31s", vendor) == 1) {
			;
		} else if (sscanf(line, "# expect-invlpgb-max %u", &n) == 1) {
			invlpgb_max = n;
		}
	}
	fclose(f);

	cpuid_tlb_decode(cpuid_dump_fn, &d, &t);
	if (*vendor && strcmp(vendor, t.vendor)) {
		TH_LOG("%s: vendor %s, expected %s", path, t.vendor, vendor);
		bad++;
	}
	for (l = 0; l < TLB_NR_LEVELS; l++) {
		for (p = 0; p < TLB_NR_PSIZES; p++) {
			const struct tlb_array *g = &t.a[l][p], *w = &want[l][p];

			if (g->entries == w->entries &&
			    (!w->entries || g->ways == w->ways))
				continue;
			TH_LOG("%s: %s %s: %u entries %u ways, expected %u entries %u ways",
			       path, tlb_level_name(l), tlb_psize_name(p),
			       g->entries, g->ways, w->entries, w->ways);
			bad++;
		}
		if (want_shared[l] && t.shared[l] != want_shared[l]) {
			TH_LOG("%s: %s shared sizes %#x, expected %#x", path,
			       tlb_level_name(l), t.shared[l], want_shared[l]);
			bad++;
		}
	}
	if ((flags[0] >= 0 && flags[0] != t.pcid) ||
	    (flags[1] >= 0 && flags[1] != t.invpcid) ||
	    (flags[2] >= 0 && flags[2] != t.invlpgb)) {
		TH_LOG("%s: pcid %d invpcid %d invlpgb %d, expected %d %d %d", path,
		       t.pcid, t.invpcid, t.invlpgb, flags[0], flags[1], flags[2]);
		bad++;
	}
	if (invlpgb_max >= 0 && invlpgb_max != t.invlpgb_max) {
		TH_LOG("%s: invlpgb_max %u, expected %ld", path, t.invlpgb_max,
		       invlpgb_max);
		bad++;
	}
	return bad;
}

/* Every dump in tests/cpuid decodes to its known answers. */
TEST(recorded_dumps)
{
	const char *dir = getenv("PTSCOPE_CPUID_DIR") ?: CPUID_DIR;
	struct dirent *e;
	char path[4096];
	int files = 0, bad = 0;
	DIR *dp = opendir(dir);

	ASSERT_NE(NULL, dp) TH_LOG("no %s: run from userspace/", dir);
	while ((e = readdir(dp))) {
		if (!strstr(e->d_name, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		bad += check_file(_metadata, path);
		files++;
	}
	closedir(dp);
	EXPECT_LE(4, files);
	EXPECT_EQ(0, bad);
}

/* A file whose answers are wrong is caught: the check can fail. */
TEST(wrong_answers_are_caught)
{
	char path[] = "/tmp/ptscope-cpuid-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	fputs("# expect l2_tlb 4k 1024 8\n"
	      "   0x00000000 0x00: eax=0x00000016 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
	      "   0x00000002 0x00: eax=0x76036301 ebx=0x00f0b5ff ecx=0x00000000 edx=0x00c30000\n", f);
	fclose(f);
	EXPECT_LT(0, check_file(_metadata, path));
	unlink(path);
}

static struct cpuid_tlb skylake(void)
{
	static struct cpuid_dump d;
	struct cpuid_tlb t;
	FILE *f = fopen(CPUID_DIR "/intel-coffeelake-906ea.txt", "r");

	memset(&t, 0, sizeof(t));
	if (f && !cpuid_dump_read(f, &d))
		cpuid_tlb_decode(cpuid_dump_fn, &d, &t);
	if (f)
		fclose(f);
	return t;
}

/*
 * 512 MiB, as 4 KiB pages (131072 translations) and as 2 MiB pages (256),
 * on the Skylake geometry: STLB 1536 entries shared by 4K and 2M, L1 DTLB
 * 64 x 4K and 32 x 2M.  By hand: 4K-backed, the STLB covers 1536 * 4 KiB =
 * 6 MiB; 2M-backed, all 256 pages fit: 512 MiB.  L1: 64 * 4 KiB = 256 KiB
 * vs 32 * 2 MiB = 64 MiB.
 */
TEST(reach_of_512m_thp_vs_4k)
{
	struct cpuid_tlb t = skylake();
	struct tlb_mix small = { .n4k = 131072 }, huge = { .n2m = 256 };
	struct tlb_reach r;

	ASSERT_EQ(1536, t.a[TLB_L2][TLB_4K].entries);
	tlb_reach_compute(&t, &small, &r);
	EXPECT_EQ(512ULL << 20, r.resident);
	EXPECT_EQ(131072, r.entries_needed);
	EXPECT_EQ(131072, r.entries_needed_4k);
	EXPECT_EQ(256, r.entries_needed_2m);
	EXPECT_EQ(1536ULL * 4096, r.level[TLB_L2].covered);
	EXPECT_EQ(512ULL << 20, r.level[TLB_L2].covered_2m);
	EXPECT_EQ(64ULL * 4096, r.level[TLB_L1D].covered);
	EXPECT_EQ(64ULL << 20, r.level[TLB_L1D].covered_2m);
	EXPECT_EQ(1536 + 16, r.level[TLB_L2].capacity);

	tlb_reach_compute(&t, &huge, &r);
	EXPECT_EQ(256, r.entries_needed);
	EXPECT_EQ(512ULL << 20, r.level[TLB_L2].covered);
	EXPECT_EQ(1536ULL * 4096, r.level[TLB_L2].covered_4k);
	EXPECT_EQ(32ULL << 21, r.level[TLB_L1D].covered);
}

/* A mix in a shared array: 2 MiB pages first, 4 KiB ones in what is left. */
TEST(reach_of_a_mix_in_a_shared_stlb)
{
	struct cpuid_tlb t = skylake();
	struct tlb_mix m = { .n4k = 2000, .n2m = 1000, .n1g = 2 };
	struct tlb_reach r;

	tlb_reach_compute(&t, &m, &r);
	EXPECT_EQ(2000ULL * 4096 + 1000ULL * (2 << 20) + 2ULL * (1 << 30),
		  r.resident);
	EXPECT_EQ(3002, r.entries_needed);
	/* 1G: both in the 16-entry array; 2M: 1000 of 1536; 4K: 536 left. */
	EXPECT_EQ(2ULL * (1 << 30) + 1000ULL * (2 << 20) + 536ULL * 4096,
		  r.level[TLB_L2].covered);
}

TEST_HARNESS_MAIN
