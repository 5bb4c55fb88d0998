// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of ptscope cow and diff without the module: the side by
 * side walk, the COW classes, the diff changes, and the snapshot file
 * (written here, read back, then cut and corrupted: each must be refused
 * with a sentence saying what is wrong).  Every expected value follows from
 * the records this test builds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cow.h"
#include "pairwalk.h"
#include "snapdiff.h"
#include "snapshot.h"

#define PAGE PW_PAGE
#define BASE 0x40000000ULL

static struct ptscope_page_region present(uint64_t start, uint64_t pages,
					  uint64_t pfn, uint64_t flags)
{
	struct ptscope_page_region r = {
		.start = start, .end = start + pages * PAGE,
		.flags = PTSCOPE_PF_PRESENT | flags, .pfn = pfn,
		.entry = PTSCOPE_ENTRY_PRESENT, .kind = PTSCOPE_KIND_ANON,
		.level = PTSCOPE_LEVEL_PTE, .mapcount = 2,
		.mapcount_src = PTSCOPE_MAPCOUNT_PRECISE,
	};
	return r;
}

static struct ptscope_page_region none(uint64_t start, uint64_t pages)
{
	struct ptscope_page_region r = {
		.start = start, .end = start + pages * PAGE, .node = -1,
	};
	return r;
}

static struct ptscope_page_region swapped(uint64_t start, uint64_t pages)
{
	struct ptscope_page_region r = none(start, pages);

	r.flags = PTSCOPE_PF_SWAP;
	r.entry = PTSCOPE_ENTRY_SWAP;
	return r;
}

struct pieces {
	int n;
	uint64_t s[16], e[16];
	bool a[16], b[16];
};

static int log_piece(uint64_t s, uint64_t e, const void *a, const void *b,
		     void *arg)
{
	struct pieces *p = arg;

	p->s[p->n] = s;
	p->e[p->n] = e;
	p->a[p->n] = a;
	p->b[p->n] = b;
	p->n++;
	return 0;
}

TEST(pairwalk_cuts_where_either_side_changes)
{
	struct range_list a, b;
	struct ptscope_page_region r;
	struct pieces p = { 0 };

	range_list_init(&a, sizeof(r));
	range_list_init(&b, sizeof(r));
	/* A: [0,4) [6,8); B: [2,10). */
	r = none(BASE, 4);
	ASSERT_EQ(0, range_list_add(&a, &r));
	r = none(BASE + 6 * PAGE, 2);
	ASSERT_EQ(0, range_list_add(&a, &r));
	r = none(BASE + 2 * PAGE, 8);
	ASSERT_EQ(0, range_list_add(&b, &r));
	ASSERT_EQ(0, pairwalk(&a, &b, BASE, BASE + 12 * PAGE, log_piece, &p));
	/* [0,2) a; [2,4) ab; [4,6) b; [6,8) ab; [8,10) b; [10,12) none. */
	ASSERT_EQ(6, p.n);
	uint64_t cuts[] = { 0, 2, 4, 6, 8, 10, 12 };
	bool ina[] = { 1, 1, 0, 1, 0, 0 }, inb[] = { 0, 1, 1, 1, 1, 0 };

	for (int i = 0; i < 6; i++) {
		EXPECT_EQ(BASE + cuts[i] * PAGE, p.s[i]);
		EXPECT_EQ(BASE + cuts[i + 1] * PAGE, p.e[i]);
		EXPECT_EQ(ina[i], p.a[i]);
		EXPECT_EQ(inb[i], p.b[i]);
	}
	/* Starting in the middle finds the right records (binary search). */
	p.n = 0;
	ASSERT_EQ(0, pairwalk(&a, &b, BASE + 7 * PAGE, BASE + 9 * PAGE, log_piece, &p));
	ASSERT_EQ(2, p.n);
	EXPECT_TRUE(p.a[0] && p.b[0]);
	EXPECT_TRUE(!p.a[1] && p.b[1]);
	range_list_free(&a);
	range_list_free(&b);
}

TEST(cow_classes_by_frame)
{
	struct ptscope_page_region a = present(BASE, 1, 100, 0), b;
	struct ptscope_page_region ks, z, sw = swapped(BASE, 1), no = none(BASE, 1);
	enum cow_method m;

	b = present(BASE, 1, 100, 0);
	EXPECT_EQ(COW_SHARED, cow_classify(&a, &b, BASE, &m));
	EXPECT_EQ(COW_BY_FRAME, m);
	b.pfn = 200;
	EXPECT_EQ(COW_COPIED, cow_classify(&a, &b, BASE, &m));
	EXPECT_EQ(COW_ONLY_A, cow_classify(&a, &no, BASE, &m));
	EXPECT_EQ(COW_ONLY_A, cow_classify(&a, NULL, BASE, &m));
	EXPECT_EQ(COW_ONLY_B, cow_classify(&no, &a, BASE, &m));
	EXPECT_EQ(COW_NOT_PRESENT, cow_classify(&no, &no, BASE, &m));
	EXPECT_EQ(COW_SWAPPED, cow_classify(&a, &sw, BASE, &m));
	EXPECT_EQ(COW_SWAPPED, cow_classify(&sw, &no, BASE, &m));
	ks = a;
	ks.kind = PTSCOPE_KIND_KSM;
	EXPECT_EQ(COW_KSM, cow_classify(&ks, &ks, BASE, &m));
	/* The child wrote to a merged page: a private copy. */
	EXPECT_EQ(COW_COPIED, cow_classify(&ks, &b, BASE, &m));
	z = a;
	z.kind = PTSCOPE_KIND_ZERO;
	EXPECT_EQ(COW_ZERO, cow_classify(&z, &z, BASE, &m));
	/* Zero page in one, a written copy in the other: copied. */
	EXPECT_EQ(COW_COPIED, cow_classify(&z, &b, BASE, &m));
	b = a;
	b.entry = PTSCOPE_ENTRY_MIGRATION;
	b.flags = 0;
	EXPECT_EQ(COW_OTHER, cow_classify(&a, &b, BASE, &m));
}

TEST(cow_classes_without_frames_are_inferred)
{
	uint64_t h = PTSCOPE_PF_PFN_HIDDEN;
	struct ptscope_page_region a = present(BASE, 1, 0, h);
	struct ptscope_page_region b = present(BASE, 1, 0, h);
	enum cow_method m;

	EXPECT_EQ(COW_SHARED, cow_classify(&a, &b, BASE, &m));
	EXPECT_EQ(COW_BY_MAPCOUNT, m);
	b.flags |= PTSCOPE_PF_ANON_EXCLUSIVE;
	EXPECT_EQ(COW_COPIED, cow_classify(&a, &b, BASE, &m));
	b = present(BASE, 1, 0, h);
	a.mapcount = 1;
	EXPECT_EQ(COW_COPIED, cow_classify(&a, &b, BASE, &m));
	EXPECT_EQ(COW_BY_MAPCOUNT, m);
	/* One side hidden is enough to infer. */
	a = present(BASE, 1, 7, 0);
	EXPECT_EQ(COW_SHARED, cow_classify(&a, &b, BASE, &m));
	EXPECT_EQ(COW_BY_MAPCOUNT, m);
}

/*
 * A: one PMD leaf over 512 pages (frames 1024...); B: the same THP split
 * into PTEs after one write: page 5 is another frame.
 */
TEST(cow_window_counts_a_split_thp)
{
	struct ptscope_page_region r;
	struct range_list a, b;
	struct cow_counts c = { 0 };

	range_list_init(&a, sizeof(r));
	range_list_init(&b, sizeof(r));
	r = present(BASE, 512, 1024, PTSCOPE_PF_THP);
	r.level = PTSCOPE_LEVEL_PMD;
	ASSERT_EQ(0, range_list_add(&a, &r));
	r = present(BASE, 5, 1024, 0);
	ASSERT_EQ(0, range_list_add(&b, &r));
	r = present(BASE + 5 * PAGE, 1, 9999, PTSCOPE_PF_ANON_EXCLUSIVE);
	ASSERT_EQ(0, range_list_add(&b, &r));
	r = present(BASE + 6 * PAGE, 506, 1030, 0);
	ASSERT_EQ(0, range_list_add(&b, &r));
	ASSERT_EQ(0, cow_window(&a, &b, BASE, BASE + 512 * PAGE, &c, NULL, NULL));
	EXPECT_EQ(511, c.pages[COW_SHARED]);
	EXPECT_EQ(1, c.pages[COW_COPIED]);
	EXPECT_EQ(0, c.inferred);
	/* A window that starts inside the leaf: frames advance with it. */
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(0, cow_window(&a, &b, BASE + 4 * PAGE, BASE + 8 * PAGE, &c, NULL, NULL));
	EXPECT_EQ(3, c.pages[COW_SHARED]);
	EXPECT_EQ(1, c.pages[COW_COPIED]);
	/* Frames shifted by one page are not "the same": copied. */
	range_list_free(&b);
	r = present(BASE, 512, 1025, 0);
	ASSERT_EQ(0, range_list_add(&b, &r));
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(0, cow_window(&a, &b, BASE, BASE + 512 * PAGE, &c, NULL, NULL));
	EXPECT_EQ(512, c.pages[COW_COPIED]);
	range_list_free(&a);
	range_list_free(&b);
}

TEST(same_mapping_means_same_anonymous_name_or_file_offset)
{
	struct ptscope_vma a = { .start = BASE, .end = BASE + 16 * PAGE };
	struct ptscope_vma b = a;

	EXPECT_TRUE(cow_same_mapping(&a, &b, BASE));
	strcpy(b.name, "[heap]");
	EXPECT_FALSE(cow_same_mapping(&a, &b, BASE));
	a.inode = b.inode = 12;
	a.pgoff = 0;
	b.start = BASE - 4 * PAGE;
	b.pgoff = 4 * PAGE;	/* b's page at BASE is offset 8 pages */
	EXPECT_FALSE(cow_same_mapping(&a, &b, BASE));
	b.pgoff = 0;
	b.start = BASE;
	EXPECT_TRUE(cow_same_mapping(&a, &b, BASE + 2 * PAGE));
	b.dev_minor = 1;
	EXPECT_FALSE(cow_same_mapping(&a, &b, BASE));
}

TEST(diff_changes)
{
	struct ptscope_page_region p = present(BASE, 1, 50, PTSCOPE_PF_WRITE), q;
	struct ptscope_page_region no = none(BASE, 1), sw = swapped(BASE, 1);
	bool u;

#define CH(x) (1u << DIFF_##x)
	EXPECT_EQ(CH(PRESENT), diff_classify(&no, &p, true, true, BASE, &u));
	EXPECT_EQ(CH(PRESENT), diff_classify(NULL, &p, true, true, BASE, &u));
	EXPECT_EQ(CH(NOT_PRESENT), diff_classify(&p, &no, true, true, BASE, &u));
	EXPECT_EQ(CH(SWAPPED_OUT), diff_classify(&p, &sw, true, true, BASE, &u));
	EXPECT_EQ(CH(SWAPPED_IN), diff_classify(&sw, &p, true, true, BASE, &u));
	EXPECT_EQ(CH(NOT_PRESENT), diff_classify(&sw, &no, true, true, BASE, &u));
	EXPECT_EQ(0, diff_classify(&p, &p, true, true, BASE, &u));
	EXPECT_FALSE(u);
	EXPECT_EQ(CH(MAPPED), diff_classify(NULL, &p, false, true, BASE, &u));
	EXPECT_EQ(CH(UNMAPPED), diff_classify(&p, NULL, true, false, BASE, &u));
	q = p;
	q.pfn = 51;
	q.flags &= ~PTSCOPE_PF_WRITE;
	EXPECT_EQ(CH(FRAME) | CH(READONLY), diff_classify(&p, &q, true, true, BASE, &u));
	EXPECT_EQ(CH(WRITABLE) | CH(FRAME), diff_classify(&q, &p, true, true, BASE, &u));
	q = p;
	q.level = PTSCOPE_LEVEL_PMD;
	q.pfn = 512;
	EXPECT_EQ(CH(COLLAPSED) | CH(FRAME), diff_classify(&p, &q, true, true, BASE, &u));
	EXPECT_EQ(CH(SPLIT) | CH(FRAME), diff_classify(&q, &p, true, true, BASE, &u));
	q = p;
	q.flags |= PTSCOPE_PF_PFN_HIDDEN;
	q.pfn = 0;
	EXPECT_EQ(0, diff_classify(&p, &q, true, true, BASE, &u));
	EXPECT_TRUE(u);
#undef CH
}

/* Snapshot files. */

static void vma(struct snap_vma *v, uint64_t start, uint64_t pages, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = start + pages * PAGE;
	v->flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON;
	v->page_size = PAGE;
	snprintf(v->name, sizeof(v->name), "%s", name);
}

/*
 * A snapshot at @path: one mapping of 16 pages at BASE whose first
 * @npresent pages are present (frames from @pfn), the rest not.
 */
static int write_snap(const char *path, uint64_t pid, int npresent, uint64_t pfn)
{
	struct snap_header h = { .pid = pid, .comm = "unit" };
	struct ptscope_page_region r;
	struct snap_writer w;
	struct snap_vma v;
	FILE *f = fopen(path, "w+b");
	int ret;

	if (!f)
		return -errno;
	vma(&v, BASE, 16, "");
	ret = snap_write_begin(&w, f, &h) || snap_write_vma(&w, &v);
	if (npresent) {
		r = present(BASE, npresent, pfn, PTSCOPE_PF_WRITE);
		ret |= snap_write_region(&w, &r);
	}
	r = none(BASE + npresent * PAGE, 16 - npresent);
	ret |= snap_write_region(&w, &r) || snap_write_end(&w);
	fclose(f);
	return ret ? -EIO : 0;
}

FIXTURE(snap) {
	char dir[64], a[96], b[96];
};

FIXTURE_SETUP(snap)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/ptscope-snap-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	ASSERT_EQ(0, write_snap(self->b, 77, 10, 1000));
}

FIXTURE_TEARDOWN(snap)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	system(cmd);
}

TEST_F(snap, reads_back_what_was_written)
{
	const struct ptscope_page_region *r;
	struct snapshot s;
	char err[256] = "";

	ASSERT_EQ(0, snap_read(self->a, &s, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(77, s.h.pid);
	EXPECT_STREQ("unit", s.h.comm);
	EXPECT_EQ(SNAP_FRAMES, s.h.flags & SNAP_FRAMES);
	ASSERT_EQ(1, s.vmas.nr);
	ASSERT_EQ(2, s.regions.nr);
	r = range_list_at(&s.regions, 0);
	EXPECT_EQ(BASE, r->start);
	EXPECT_EQ(BASE + 4 * PAGE, r->end);
	EXPECT_EQ(1000, r->pfn);
	snap_free(&s);
}

TEST_F(snap, diff_counts_the_pages_that_became_present)
{
	struct snapshot a, b;
	struct diff_counts c = { 0 };
	char err[256] = "";

	ASSERT_EQ(0, snap_read(self->a, &a, err, sizeof(err)));
	ASSERT_EQ(0, snap_read(self->b, &b, err, sizeof(err)));
	ASSERT_EQ(0, diff_window(&a.regions, &b.regions, true, true, BASE,
				 BASE + 16 * PAGE, &c, NULL, NULL));
	EXPECT_EQ(6, c.pages[DIFF_PRESENT]);
	EXPECT_EQ(6, c.changed);
	EXPECT_EQ(10, c.unchanged);
	EXPECT_EQ(0, c.pages[DIFF_FRAME]);
	snap_free(&a);
	snap_free(&b);
}

/* Rewrite @len bytes at @off of @path, or cut it to @off if !@data. */
static int patch(const char *path, long off, const void *data, size_t len)
{
	FILE *f;

	if (!data)
		return truncate(path, off);
	f = fopen(path, "r+b");
	if (!f || fseek(f, off, SEEK_SET) || fwrite(data, len, 1, f) != 1)
		return -1;
	return fclose(f);
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

/* snap_read() of @path must fail with an error containing @words. */
static void refused(struct __test_metadata *_metadata, const char *path,
		    const char *words)
{
	struct snapshot s;
	char err[256] = "";

	EXPECT_EQ(-1, snap_read(path, &s, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, words)) TH_LOG("error was: '%s'", err);
}

TEST_F(snap, truncated_files_are_refused)
{
	long n = file_size(self->a);

	ASSERT_EQ(0, patch(self->a, n - 3, NULL, 0));
	refused(_metadata, self->a, "truncated");
	ASSERT_EQ(0, patch(self->a, n - 8 - 40, NULL, 0));
	refused(_metadata, self->a, "truncated");
	ASSERT_EQ(0, patch(self->a, 20, NULL, 0));
	refused(_metadata, self->a, "truncated");
	ASSERT_EQ(0, patch(self->a, 0, NULL, 0));
	refused(_metadata, self->a, "not a ptscope snapshot");
}

TEST_F(snap, corrupt_files_are_refused)
{
	struct snap_header h;
	uint32_t u;
	uint64_t x, off_regions;
	long n = file_size(self->a);

	off_regions = sizeof(h) + sizeof(struct snap_vma);
	ASSERT_EQ(0, patch(self->a, 0, "NOTASNAP", 8));
	refused(_metadata, self->a, "not a ptscope snapshot");

	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	u = SNAP_VERSION + 1;
	ASSERT_EQ(0, patch(self->a, offsetof(struct snap_header, version), &u, 4));
	refused(_metadata, self->a, "newer");

	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	u = 0x04030201;
	ASSERT_EQ(0, patch(self->a, offsetof(struct snap_header, byte_order), &u, 4));
	refused(_metadata, self->a, "byte order");

	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	x = 1ULL << 40;		/* no huge allocation: checked against the size */
	ASSERT_EQ(0, patch(self->a, offsetof(struct snap_header, nr_regions), &x, 8));
	refused(_metadata, self->a, "truncated or corrupt");

	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	u = 3;
	ASSERT_EQ(0, patch(self->a, offsetof(struct snap_header, region_size), &u, 4));
	refused(_metadata, self->a, "record sizes");

	/* The second region starts before the first: out of order. */
	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	x = BASE;
	ASSERT_EQ(0, patch(self->a, off_regions + sizeof(struct ptscope_page_region), &x, 8));
	refused(_metadata, self->a, "precedes");

	/* A region beyond the mapping. */
	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	x = BASE + 64 * PAGE;
	ASSERT_EQ(0, patch(self->a, off_regions + sizeof(struct ptscope_page_region) + 8, &x, 8));
	refused(_metadata, self->a, "outside the mappings");

	/* An unaligned region. */
	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	x = BASE + 5;
	ASSERT_EQ(0, patch(self->a, off_regions + 8, &x, 8));
	refused(_metadata, self->a, "not a valid record");

	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	ASSERT_EQ(0, patch(self->a, n - 8, "XXXXXXXX", 8));
	refused(_metadata, self->a, "end marker");

	ASSERT_EQ(0, write_snap(self->a, 77, 4, 1000));
	ASSERT_EQ(0, patch(self->a, n, "trailing", 8));
	refused(_metadata, self->a, "after the end");
}

/* The command on the two files: its JSON and its exit status. */
TEST_F(snap, the_command_reports_changes_and_errors)
{
	char cmd[512], out[8192];
	size_t len;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "./ptscope diff '%s' '%s' --json --all", self->a, self->b);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = 0;
	st = pclose(p);
	ASSERT_EQ(0, WEXITSTATUS(st)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"became_present\":6")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"unchanged\":10")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "\"start\":%llu,\"end\":%llu,\"changes\":[\"became_present\"]",
		 BASE + 4 * PAGE, BASE + 10 * PAGE);
	EXPECT_NE(NULL, strstr(out, cmd)) TH_LOG("%s", out);

	patch(self->b, 100, NULL, 0);
	snprintf(cmd, sizeof(cmd), "./ptscope diff '%s' '%s' 2>&1", self->a, self->b);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = 0;
	st = pclose(p);
	EXPECT_EQ(1, WEXITSTATUS(st));
	EXPECT_NE(NULL, strstr(out, "truncated")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, self->b)) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
