// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the renderer, without the module: unit formatting,
 * argument parsing, heatmap classification, and whole commands run on
 * answers this test writes into a --replay recording itself, so every
 * expected line follows from values set up here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "format.h"
#include "heatmap.h"
#include "json.h"
#include "libptscope.h"
#include "transport.h"

#include "recording.h"

#define BASE 0x40000000ULL

TEST(sizes_use_binary_units)
{
	char buf[32];

	EXPECT_STREQ("0B", format_size(buf, sizeof(buf), 0));
	EXPECT_STREQ("1023B", format_size(buf, sizeof(buf), 1023));
	EXPECT_STREQ("4K", format_size(buf, sizeof(buf), 4096));
	EXPECT_STREQ("1.5K", format_size(buf, sizeof(buf), 1536));
	EXPECT_STREQ("3M", format_size(buf, sizeof(buf), 3 << 20));
	EXPECT_STREQ("1.5G", format_size(buf, sizeof(buf), 3ULL << 29));
	EXPECT_STREQ("16T", format_size(buf, sizeof(buf), 16ULL << 40));
}

TEST(ranges_parse_and_align_outward)
{
	uint64_t s, e;

	ASSERT_EQ(0, parse_range("0x1000-0x3000", &s, &e));
	EXPECT_EQ(0x1000, s);
	EXPECT_EQ(0x3000, e);
	ASSERT_EQ(0, parse_range("0x1234", &s, &e));	/* one page */
	EXPECT_EQ(0x1000, s);
	EXPECT_EQ(0x2000, e);
	ASSERT_EQ(0, parse_range("0x1001-0x2001", &s, &e));
	EXPECT_EQ(0x1000, s);
	EXPECT_EQ(0x3000, e);
	ASSERT_EQ(0, parse_range("0x10000+8K", &s, &e));
	EXPECT_EQ(0x12000, e);
	ASSERT_EQ(0, parse_range("4096+1M", &s, &e));
	EXPECT_EQ(4096 + (1 << 20), e);
	EXPECT_EQ(-EINVAL, parse_range("0x3000-0x1000", &s, &e));
	EXPECT_EQ(-EINVAL, parse_range("zz", &s, &e));
	EXPECT_EQ(-EINVAL, parse_range("0x1000-", &s, &e));
	EXPECT_EQ(-EINVAL, parse_range("0xffffffffffffffff+1G", &s, &e));
}

TEST(pids_are_positive_decimals)
{
	uint64_t pid;

	ASSERT_EQ(0, parse_pid("1", &pid));
	EXPECT_EQ(1, pid);
	EXPECT_EQ(-EINVAL, parse_pid("0", &pid));
	EXPECT_EQ(-EINVAL, parse_pid("-3", &pid));
	EXPECT_EQ(-EINVAL, parse_pid("12a", &pid));
	EXPECT_EQ(-EINVAL, parse_pid("", &pid));
	EXPECT_EQ(-EINVAL, parse_pid("99999999999999999999", &pid));
}

TEST(command_line_errors_exit_2_with_a_sentence)
{
	char out[4096];

	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope pages 2>&1"));
	EXPECT_NE(NULL, strstr(out, "Usage: ptscope pages"));
	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope pages abc 2>&1"));
	EXPECT_NE(NULL, strstr(out, "'abc' is not a process id"));
	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope --color=sometimes pages 1 2>&1"));
	EXPECT_NE(NULL, strstr(out, "--color takes auto, always or never"));
	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope zz 1 2>&1"));
	EXPECT_NE(NULL, strstr(out, "unknown command 'zz'"));
	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope maps 1 --by node 2>&1"));
	EXPECT_NE(NULL, strstr(out, "--by goes with --heatmap"));
	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope maps 1 --heatmap --width 2 2>&1"));
	EXPECT_EQ(2, run(out, sizeof(out), "./ptscope --no-such-option 2>&1"));
	/* A prefix and options after the operands. */
	EXPECT_EQ(0, run(out, sizeof(out), "./ptscope ma --help"));
	EXPECT_NE(NULL, strstr(out, "Usage: ptscope maps"));
	EXPECT_EQ(0, run(out, sizeof(out), "./ptscope help fa"));
	EXPECT_NE(NULL, strstr(out, "Usage: ptscope faults"));
}

TEST(regions_merge_by_the_modules_rule)
{
	struct ptscope_page_region a = region(BASE, 4, PTSCOPE_ENTRY_PRESENT, 0);
	struct ptscope_page_region b = region(BASE + 4 * PAGE, 2,
					      PTSCOPE_ENTRY_PRESENT, 0);

	EXPECT_TRUE(ptscope_regions_mergeable(&a, &b));
	b.start += PAGE;				/* a gap */
	EXPECT_FALSE(ptscope_regions_mergeable(&a, &b));
	b.start -= PAGE;
	b.mapcount = 2;
	EXPECT_FALSE(ptscope_regions_mergeable(&a, &b));
	b.mapcount = 1;
	a.pfn = 100;
	b.pfn = 104;					/* frames go on */
	EXPECT_TRUE(ptscope_regions_mergeable(&a, &b));
	b.pfn = 200;
	EXPECT_FALSE(ptscope_regions_mergeable(&a, &b));
	b.pfn = 104;
	b.flags |= PTSCOPE_PF_DIRTY;
	EXPECT_FALSE(ptscope_regions_mergeable(&a, &b));
}

/* The module stopped mid-region (its array was full): one line, not two. */
TEST(regions_cut_between_calls_are_joined)
{
	const uint64_t end = BASE + 16 * PAGE, flags = PTSCOPE_PAGES_REGIONS;
	struct ptscope_page_region first[1], second[2];
	struct recording r;
	char out[4096];

	first[0] = region(BASE, 4, PTSCOPE_ENTRY_PRESENT, PTSCOPE_PF_DIRTY);
	second[0] = region(BASE + 4 * PAGE, 4, PTSCOPE_ENTRY_PRESENT, PTSCOPE_PF_DIRTY);
	second[1] = region(BASE + 8 * PAGE, 8, PTSCOPE_ENTRY_NONE, 0);
	rec_start(&r);
	rec_pages(&r, flags, BASE, end, BASE + 4 * PAGE, first, 1);
	rec_pages(&r, flags, BASE + 4 * PAGE, end, end, second, 2);
	rec_done(&r);

	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s pages %llu %#llx-%#llx -r -n -o START,END,ENTRY",
			 r.path, PID, BASE, end));
	EXPECT_STREQ("0x40000000 0x40008000 present\n0x40008000 0x40010000 none\n", out);

	/* Asked about another process, the recording refuses to answer. */
	EXPECT_EQ(1, run(out, sizeof(out),
			 "./ptscope --replay %s pages %llu %#llx-%#llx 2>&1",
			 r.path, PID + 1, BASE, end));
	EXPECT_NE(NULL, strstr(out, "recording does not hold"));
	unlink(r.path);
}

TEST(pages_are_classified_by_state_and_node)
{
	struct ptscope_page_region r = region(BASE, 1, PTSCOPE_ENTRY_PRESENT, 0);
	struct ptscope_page_region s = region(BASE, 1, PTSCOPE_ENTRY_SWAP, 0);
	struct ptscope_page_region n = region(BASE, 1, PTSCOPE_ENTRY_NONE, 0);
	struct ptscope_page_region m = region(BASE, 1, PTSCOPE_ENTRY_MIGRATION, 0);

	EXPECT_EQ(HEAT_PRESENT, heat_classify(&r, HEAT_BY_STATE));
	r.flags |= PTSCOPE_PF_DIRTY;
	EXPECT_EQ(HEAT_DIRTY, heat_classify(&r, HEAT_BY_STATE));
	r.mapcount = 2;			/* anonymous, another process maps it */
	EXPECT_EQ(HEAT_COW, heat_classify(&r, HEAT_BY_STATE));
	r.kind = PTSCOPE_KIND_FILE;	/* shared page cache is not COW */
	EXPECT_EQ(HEAT_DIRTY, heat_classify(&r, HEAT_BY_STATE));
	r.level = PTSCOPE_LEVEL_PMD;
	EXPECT_EQ(HEAT_THP, heat_classify(&r, HEAT_BY_STATE));
	r.kind = PTSCOPE_KIND_HUGE_ZERO;
	EXPECT_EQ(HEAT_PRESENT, heat_classify(&r, HEAT_BY_STATE));
	r.kind = PTSCOPE_KIND_ANON;
	r.flags |= PTSCOPE_PF_HUGETLB;
	EXPECT_EQ(HEAT_HUGETLB, heat_classify(&r, HEAT_BY_STATE));
	EXPECT_EQ(HEAT_SWAPPED, heat_classify(&s, HEAT_BY_STATE));
	EXPECT_EQ(HEAT_NONE, heat_classify(&n, HEAT_BY_STATE));
	EXPECT_EQ(HEAT_OTHER, heat_classify(&m, HEAT_BY_STATE));

	r.node = 1;
	EXPECT_EQ(HEAT_NODE0 + 1, heat_classify(&r, HEAT_BY_NODE));
	r.node = -1;
	EXPECT_EQ(HEAT_OTHER, heat_classify(&r, HEAT_BY_NODE));
	EXPECT_EQ(HEAT_SWAPPED, heat_classify(&s, HEAT_BY_NODE));
	EXPECT_EQ(HEAT_NONE, heat_classify(&n, HEAT_BY_NODE));
	EXPECT_EQ('1', heat_glyph(HEAT_NODE0 + 1));
	EXPECT_EQ('a', heat_glyph(HEAT_NODE0 + 10));
	EXPECT_EQ('+', heat_glyph(HEAT_NODE0 + 40));
}

TEST(cells_count_pages_and_show_the_dominant_class)
{
	struct ptscope_page_region r;
	struct heat_strip s;

	/* 1000 pages in at most 64 cells: 16 pages a cell, 63 cells. */
	ASSERT_EQ(0, heat_strip_init(&s, BASE, BASE + 1000 * PAGE, 64));
	EXPECT_EQ(16, s.pages_per_cell);
	EXPECT_EQ(63, s.nr_cells);
	/* 10 dirty pages from page 12: 4 in cell 0, 6 in cell 1. */
	r = region(BASE + 12 * PAGE, 10, PTSCOPE_ENTRY_PRESENT, PTSCOPE_PF_DIRTY);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	r = region(BASE, 12, PTSCOPE_ENTRY_NONE, 0);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	EXPECT_EQ(4, s.counts[0][HEAT_DIRTY]);
	EXPECT_EQ(6, s.counts[1][HEAT_DIRTY]);
	EXPECT_EQ(10, s.totals[HEAT_DIRTY]);
	EXPECT_EQ(HEAT_NONE, heat_cell_class(&s, 0));	/* 12 of 16 */
	EXPECT_EQ(HEAT_DIRTY, heat_cell_class(&s, 1));
	/* A region past the strip's end is clipped. */
	r = region(BASE + 992 * PAGE, 100, PTSCOPE_ENTRY_SWAP, 0);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	EXPECT_EQ(8, s.totals[HEAT_SWAPPED]);
	EXPECT_EQ(HEAT_SWAPPED, heat_cell_class(&s, 62));
	heat_strip_free(&s);

	/* Ties go to the more telling state. */
	ASSERT_EQ(0, heat_strip_init(&s, BASE, BASE + 8 * PAGE, 2));
	r = region(BASE, 2, PTSCOPE_ENTRY_PRESENT, PTSCOPE_PF_DIRTY);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	r = region(BASE + 2 * PAGE, 2, PTSCOPE_ENTRY_NONE, 0);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	EXPECT_EQ(HEAT_DIRTY, heat_cell_class(&s, 0));
	r = region(BASE + 4 * PAGE, 1, PTSCOPE_ENTRY_SWAP, 0);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	r = region(BASE + 5 * PAGE, 3, PTSCOPE_ENTRY_PRESENT, 0);
	heat_strip_add(&s, &r, HEAT_BY_STATE);
	EXPECT_EQ(HEAT_PRESENT, heat_cell_class(&s, 1));
	heat_strip_free(&s);
}

/* A mapping whose first half is dirty and second half never touched. */
static void rec_halves(struct recording *r, struct ptscope_vma *v)
{
	struct ptscope_page_region halves[2];
	uint64_t end = BASE + 512 * PAGE;

	memset(v, 0, sizeof(*v));
	v->start = BASE;
	v->end = end;
	v->flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON;
	v->page_size = PAGE;
	v->pages.present = 256;
	v->pages.dirty = 256;
	v->pages.anon = 256;
	v->pages.not_present = 256;
	v->tables.pte = 1;
	halves[0] = region(BASE, 256, PTSCOPE_ENTRY_PRESENT, PTSCOPE_PF_DIRTY);
	halves[1] = region(BASE + 256 * PAGE, 256, PTSCOPE_ENTRY_NONE, 0);
	rec_start(r);
	rec_maps(r, BASE, end, v);
	rec_pages(r, PTSCOPE_PAGES_REGIONS, BASE, end, end, halves, 2);
	rec_done(r);
}

TEST(heatmap_shows_the_halves)
{
	struct recording r;
	struct ptscope_vma v;
	char out[8192], want[128];
	const char *strip;

	rec_halves(&r, &v);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s --color=never maps %llu %#llx+2M --heatmap --width 64",
			 r.path, PID, BASE));
	memset(want, 'd', 32);
	memset(want + 32, '.', 32);
	want[64] = 0;
	strip = strchr(out, '\n');
	ASSERT_NE(NULL, strip);
	EXPECT_EQ(0, strncmp(strip + 1, want, 64)) {
		TH_LOG("got:\n%s", out);
	}
	EXPECT_EQ('\n', strip[65]);
	EXPECT_NE(NULL, strstr(out, "cell=32K"));	/* 8 pages a cell */
	EXPECT_NE(NULL, strstr(out, ". not present"));
	EXPECT_NE(NULL, strstr(out, "d dirty"));
	EXPECT_EQ(NULL, strstr(out, "\033["));		/* no colour */

	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s --color=always maps %llu %#llx+2M --heatmap --width 64",
			 r.path, PID, BASE));
	EXPECT_NE(NULL, strstr(out, "\033[30;43md\033[0m"));

	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s -j maps %llu %#llx+2M --heatmap --width 64 | "
			 "jq -r '.mappings[0] | \"\\(.cells) \\(.pages.dirty) \\(.pages.not_present) \\(.pages_per_cell)\"'",
			 r.path, PID, BASE));
	snprintf(want + 64, sizeof(want) - 64, " 256 256 8\n");
	EXPECT_STREQ(want, out);
	unlink(r.path);
}

/* Tables in human units, --raw and JSON exact. */
TEST(tables_use_units_json_exact_numbers)
{
	struct recording r;
	struct ptscope_vma v;
	char out[8192];

	rec_halves(&r, &v);
	unlink(r.path);
	/* The table view asks for the counters after the mappings. */
	rec_start(&r);
	rec_maps(&r, 0, 0x7ffffffff000ULL, &v);
	rec_stats(&r, 300, 8192);
	rec_done(&r);

	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s maps %llu -o START,SIZE,RSS,DIRTY,PT | tr -s ' '",
			 r.path, PID));
	EXPECT_STREQ(" START SIZE RSS DIRTY PT\n 0x40000000 2M 1M 1M 4K\n total 1M 1M 4K\n"
		     "faults: 300 minor, 0 major; page tables (VmPTE): 8K\n", out);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s maps %llu -r -n -o START,SIZE,RSS",
			 r.path, PID));
	EXPECT_STREQ("0x40000000 2097152 1048576\ntotal  1048576\n", out);
	/* -o +COLS adds to the default columns. */
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s maps %llu -r -o +PT | head -n 1", r.path, PID));
	EXPECT_STREQ("START SIZE PERMS RSS SWAP ANON COW THP NAME PT\n", out);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s -j maps %llu | "
			 "jq -r '\"\\(.vmas[0].start) \\(.vmas[0].pages.present) \\(.totals.pages.dirty) \\(.faults.minor) \\(.vm_pte_bytes)\"'",
			 r.path, PID));
	EXPECT_STREQ("1073741824 256 256 300 8192\n", out);
	unlink(r.path);
}

/* The JSON writer, compact and indented: escapes, numbers, nesting. */
static char *json_sample(bool pretty)
{
	char *out = NULL;
	size_t len = 0;
	struct json j;
	FILE *f;

	f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	json_init(&j, f, pretty);
	json_open(&j, NULL, '{');
	json_str(&j, "name", "a\"b\\c\nd\x01\x1f\x7f\xc3\xa9" "e");
	json_u64(&j, "zero", 0);
	json_u64(&j, "max", UINT64_MAX);
	json_u64(&j, "ten", 10);
	json_i64(&j, "neg", -42);
	json_open(&j, "list", '[');
	json_bool(&j, NULL, true);
	json_null(&j, NULL);
	json_close(&j, ']');
	json_open(&j, "empty", '{');
	json_close(&j, '}');
	json_close(&j, '}');
	fclose(f);
	return out;
}

TEST(json_writer_escapes_and_numbers)
{
	char *out = json_sample(false);

	ASSERT_NE(NULL, out);
	EXPECT_STREQ("{\"name\":\"a\\\"b\\\\c\\nd\\u0001\\u001f\x7f\xc3\xa9" "e\","
		     "\"zero\":0,\"max\":18446744073709551615,\"ten\":10,"
		     "\"neg\":-42,\"list\":[true,null],\"empty\":{}}\n", out);
	free(out);
	out = json_sample(true);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("{\n  \"name\": \"a\\\"b\\\\c\\nd\\u0001\\u001f\x7f\xc3\xa9" "e\",\n"
		     "  \"zero\": 0,\n  \"max\": 18446744073709551615,\n  \"ten\": 10,\n"
		     "  \"neg\": -42,\n  \"list\": [\n    true,\n    null\n  ],\n"
		     "  \"empty\": {}\n}\n", out);
	free(out);
}

/*
 * A recording holds the /proc files read beside the module's answers
 * (replay2); one of 0.6.0 (replay1) held ioctls only, and still replays,
 * reading /proc live as then.  A /proc question the recording does not
 * hold is refused, and the recording stays where it was for the next one.
 */
/*
 * tree counts a PTE table deposited under each anonymous PMD leaf, and
 * under a PMD migration entry only where the module says its mapping is
 * anonymous (the uapi's ptscope_leaf_deposits(), as MAPS counts).
 */
TEST(tree_deposits_follow_the_mapping)
{
	const uint64_t anon = BASE, file = 2 * BASE, top = 0x7ffffffff000ULL;
	struct ptscope_page_region regs[3] = {
		region(anon, 512, PTSCOPE_ENTRY_PRESENT, PTSCOPE_PF_WRITE),
		region(anon + 512 * PAGE, 512, PTSCOPE_ENTRY_MIGRATION, 0),
		region(file, 512, PTSCOPE_ENTRY_MIGRATION, 0),
	};
	struct ptscope_vma va = {
		.start = anon, .end = anon + 1024 * PAGE, .page_size = PAGE,
		.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON,
	};
	struct ptscope_vma vf = {
		.start = file, .end = file + 512 * PAGE, .page_size = PAGE,
		.flags = PTSCOPE_VMA_READ, .name = "/data/file",
	};
	struct recording r;
	char out[4096];
	int i;

	for (i = 0; i < 3; i++) {
		regs[i].level = PTSCOPE_LEVEL_PMD;
		regs[i].folio_order = 9;
	}
	regs[0].flags |= PTSCOPE_PF_THP;
	rec_start(&r);
	rec_pages(&r, PTSCOPE_PAGES_REGIONS, 0, top, top, regs, 3);
	rec_maps(&r, anon + 512 * PAGE, anon + 513 * PAGE, &va);
	rec_maps(&r, file, file + PAGE, &vf);
	rec_stats(&r, 0, 3 * PAGE);
	rec_done(&r);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s -j tree %llu | jq -c "
			 "'[.tables.pte_deposited, .leaves.pmd, .entries_used.pmd]'",
			 r.path, PID));
	EXPECT_STREQ("[2,1,3]\n", out);
	unlink(r.path);
}

TEST_HARNESS_MAIN
