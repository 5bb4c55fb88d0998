// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_PAGES against the kernel's own interfaces, for each kind of
 * memory: for every page of each fixture, what ptscope reports must agree
 * with /proc/PID/pagemap, /proc/kpageflags, /proc/kpagecount and
 * move_pages(2) (pages_check.h).
 */
#include <stddef.h>

#include "pages_check.h"

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

/* Each kind of memory (fixtures.h), every page written. */
MEM_FIXTURE(mem);

/* What each page of a kind, written, must be beyond what the oracles say. */
static const struct {
	size_t count;		/* offsetof(struct checked, ...): pages of the kind */
	int level;		/* PTSCOPE_LEVEL_* of each page, or -1 */
	int order;		/* folio order of each page, or -1 */
	uint64_t flags;		/* PTSCOPE_PF_* each page has */
	bool writable;		/* each writable when written, none when read */
	bool exclusive;		/* each mapped once */
	bool refs;		/* each mapping holds a reference */
	bool contiguous;	/* the frames follow each other: one folio */
} want[MEM_NR] = {
	[MEM_ANON] = {
		.count = offsetof(struct checked, anon), .level = PTSCOPE_LEVEL_PTE,
		.order = -1, .writable = true, .exclusive = true, .refs = true,
		.flags = PTSCOPE_PF_DIRTY | PTSCOPE_PF_USER | PTSCOPE_PF_NX,
	},
	[MEM_FILE] = {
		.count = offsetof(struct checked, file), .level = -1,
		.order = -1, .writable = true,
	},
	[MEM_SHMEM] = {
		.count = offsetof(struct checked, shmem), .level = -1, .order = -1,
	},
	[MEM_THP] = {
		.count = offsetof(struct checked, thp), .level = PTSCOPE_LEVEL_PMD,
		.order = 9, .contiguous = true,
	},
	[MEM_HUGETLB] = {
		.count = offsetof(struct checked, hugetlb),
		.level = PTSCOPE_LEVEL_PMD, .order = 9,
	},
};

TEST_F(mem, written_pages_agree_with_the_kernel)
{
	typeof(want[0]) *w = &want[variant->kind];
	size_t n = variant->pages, i;
	struct ptscope_page_region *r;
	struct checked c;

	MEM_SKIP_IF_NONE();
	check_range(_metadata, getpid(), RANGE(self->m.p, self->m.len), false,
		    &c, &r);
	if (variant->kind == MEM_THP && r[0].level != PTSCOPE_LEVEL_PMD) {
		free(r);
		SKIP(return, "no huge page was allocated (memory fragmented?)");
	}
	EXPECT_EQ(n, c.present);
	EXPECT_EQ(n, *(size_t *)((char *)&c + w->count));
	if (w->writable)
		EXPECT_EQ(self->m.written ? n : 0, c.writable);
	if (w->exclusive)
		EXPECT_EQ(n, c.exclusive);
	/* A file read through a read-only mapping has its contents. */
	if (!self->m.written)
		EXPECT_EQ('f' * n % 256, self->m.sum);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(w->flags, r[i].flags & w->flags) {
			TH_LOG("page %zu: flags %#llx", i,
			       (unsigned long long)r[i].flags);
		}
		if (w->level >= 0)
			EXPECT_EQ(w->level, r[i].level);
		if (w->order >= 0)
			EXPECT_EQ(w->order, r[i].folio_order);
		if (w->contiguous)
			EXPECT_EQ(r[0].pfn + i, r[i].pfn);
		/* Each mapping holds a reference (LRU batches may hold more). */
		if (w->refs)
			EXPECT_LE(r[i].mapcount, r[i].refcount);
	}
	free(r);
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
	ASSERT_EQ(0, no_huge_pages((void *)p, len));
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

TEST(zero_page_after_read_fault)
{
	size_t len = 16 * PAGE, i;
	volatile char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct checked c;
	char sum = 0;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages((void *)p, len));
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	EXPECT_EQ(0, sum);
	check_range(_metadata, getpid(), RANGE(p, len), false, &c, NULL);
	EXPECT_EQ(16, c.present);
	EXPECT_EQ(16, c.zero);
	EXPECT_EQ(0, c.writable);
	munmap((void *)p, len);
}

/*
 * The per-page records of @pid and of @child over [@p, @p + @len), one
 * query right after the other.  check_range() compacts memory first
 * (drain_lru_batches()), which may move a page between its query of one
 * process and of the other: frames are compared from these.
 */
static void frames_of_both(struct __test_metadata *_metadata, pid_t pid,
			   pid_t child, char *p, size_t len,
			   struct ptscope_page_region *pr,
			   struct ptscope_page_region *cr)
{
	long n = len / PAGE;
	int fd = ptscope_open_dev();

	ASSERT_LE(0, fd);
	ASSERT_EQ(n, query_pages(fd, pid, RANGE(p, len), 0, n, pr));
	ASSERT_EQ(n, query_pages(fd, child, RANGE(p, len), 0, n, cr));
	close(fd);
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
	ASSERT_EQ(0, no_huge_pages(p, len));
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
	frames_of_both(_metadata, getpid(), child, p, len, pr, cr);
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
	frames_of_both(_metadata, getpid(), child, p, len, pr, cr);
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

TEST(swapped_out_to_zram)
{
	size_t len = 64 * PAGE, i;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, 0);
	struct ptscope_page_region *r;
	struct checked c;

	REQUIRE_SWAP();
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, len));
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

TEST_HARNESS_MAIN
