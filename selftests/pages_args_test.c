// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_PAGES: the resumable walk, the page budget, larger records,
 * and /proc/ptscope/pages.  Invalid arguments are fuzz_ioctl_test's to
 * check; who may look, and who sees frames, the security_*_test programs'.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ptscope_test.h"
#include "kernel_features.h"
#include "oracle.h"

FIXTURE(q) {
	int fd;
	char *p;
	size_t len;
	struct ptscope_page_region vec[64];
	struct ptscope_pages a;
};

FIXTURE_SETUP(q)
{
	size_t i;

	self->fd = ptscope_open_dev();
	ASSERT_LE(0, self->fd);
	self->len = 32 * PAGE;
	self->p = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	no_huge_pages(self->p, self->len);
	for (i = 0; i < self->len; i += 2 * PAGE)	/* every other page */
		self->p[i] = 1;
	pages_args(&self->a, getpid(), (uintptr_t)self->p,
		   (uintptr_t)self->p + self->len, PTSCOPE_PAGES_REGIONS,
		   self->vec, 64);
}

FIXTURE_TEARDOWN(q)
{
	munmap(self->p, self->len);
	close(self->fd);
}

TEST_F(q, good_call_answers)
{
	long n = ptscope_pages_call(self->fd, &self->a);

	ASSERT_EQ(32, n);	/* alternating present/none: 32 runs */
	EXPECT_EQ(self->a.end, self->a.walk_end);
	EXPECT_EQ(32, self->a.nr_records);
}

TEST_F(q, small_arrays_resume_to_the_same_answer)
{
	struct ptscope_page_region *once, *pieces;
	size_t n = self->len / PAGE, i;
	uint64_t batch;

	once = calloc(n, sizeof(*once));
	pieces = calloc(n, sizeof(*pieces));
	ASSERT_TRUE(once && pieces);
	drain_lru_batches();
	ASSERT_EQ((long)n, query_pages(self->fd, getpid(), self->a.start,
				       self->a.end, PTSCOPE_PAGES_REGIONS, 64, once));
	for (batch = 1; batch <= 3; batch++) {
		ASSERT_EQ((long)n, query_pages(self->fd, getpid(), self->a.start,
					       self->a.end, PTSCOPE_PAGES_REGIONS,
					       batch, pieces));
		for (i = 0; i < n; i++) {
			/* A page leaves the per-CPU LRU batch whenever it likes. */
			once[i].flags &= ~PTSCOPE_PF_LRU;
			pieces[i].flags &= ~PTSCOPE_PF_LRU;
			EXPECT_EQ(0, memcmp(&once[i], &pieces[i], sizeof(once[i]))) {
				TH_LOG("batch %llu, page %zu: flags %#llx vs %#llx",
				       (unsigned long long)batch, i,
				       (unsigned long long)once[i].flags,
				       (unsigned long long)pieces[i].flags);
			}
		}
	}
	free(once);
	free(pieces);
}

/*
 * The walk hands its records over in chunks of at most 1024, while the run
 * being grown waits in the chunk buffer for the pages after it.  Thousands
 * of runs of 1 to 4 pages, each followed by a hole, end chunks in every
 * state: the records must still tile the range, and every page of every
 * run must have pagemap's presence and frame.  The same holds for
 * /proc/ptscope/pages, which reads its chunks one at a time.
 */
TEST(runs_across_chunk_buffers_tile_the_range)
{
	size_t n = 6000, len = n * PAGE, nr, i, k, tries;
	struct ptscope_page_region *vec = calloc(n, sizeof(*vec));
	uint64_t *pm = calloc(n, sizeof(*pm)), *pm_after = calloc(n, sizeof(*pm));
	uint64_t start, end, a;
	struct ptscope_pages args;
	char *p, cmd[128], line[512];
	int fd, pfd;
	FILE *f;

	ASSERT_TRUE(vec && pm && pm_after);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, no_huge_pages(p, len));
	for (i = 0, k = 0; i < n; k++) {
		size_t run = 1 + k % 4;

		for (; run && i < n; run--, i++)
			p[i * PAGE] = 1;
		i++;	/* a hole */
	}
	start = (uintptr_t)p;
	end = start + len;
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);

	/* Frames may move (compaction) between the two reads: retry. */
	for (tries = 0; tries < 10; tries++) {
		ASSERT_EQ(0, pagemap_read(getpid(), start, n, pm));
		pages_args(&args, getpid(), start, end,
			   PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN, vec, n);
		ASSERT_LE(0, ptscope_pages_call(fd, &args));
		ASSERT_EQ(0, pagemap_read(getpid(), start, n, pm_after));
		if (!memcmp(pm, pm_after, n * sizeof(*pm)))
			break;
	}
	ASSERT_GT(10, tries);
	nr = args.nr_records;
	ASSERT_LT(2 * 1024, nr);	/* at least three chunks */
	EXPECT_EQ(end, args.walk_end);
	EXPECT_EQ(start, vec[0].start);
	EXPECT_EQ(end, vec[nr - 1].end);
	for (i = 0; i < nr; i++) {
		if (i)
			ASSERT_EQ(vec[i - 1].end, vec[i].start) {
				TH_LOG("record %zu of %zu", i, nr);
			}
		for (a = vec[i].start; a < vec[i].end; a += PAGE) {
			uint64_t e = pm[(a - start) / PAGE];

			ASSERT_EQ(!!(e & PM_PRESENT),
				  vec[i].entry == PTSCOPE_ENTRY_PRESENT) {
				TH_LOG("page %#llx, record %zu", (unsigned long long)a, i);
			}
			if (e & PM_PRESENT)
				ASSERT_EQ(e & PM_PFN_MASK,
					  vec[i].pfn + (a - vec[i].start) / PAGE);
		}
	}

	pfd = open(PTSCOPE_PROC_DIR "/pages", O_RDWR);
	ASSERT_LE(0, pfd);
	snprintf(cmd, sizeof(cmd), "%d %#llx %#llx\n", getpid(),
		 (unsigned long long)start, (unsigned long long)end);
	ASSERT_EQ((ssize_t)strlen(cmd), write(pfd, cmd, strlen(cmd)));
	f = fdopen(pfd, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	a = start;
	nr = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, pg;

		ASSERT_EQ(2, sscanf(line, "%llx %llx", &s, &e));
		ASSERT_EQ(a, s) {
			TH_LOG("line %zu: %s", nr, line);
		}
		for (pg = s; pg < e; pg += PAGE)
			ASSERT_EQ(!!(pm[(pg - start) / PAGE] & PM_PRESENT),
				  !!strstr(line, " present "));
		a = e;
		nr++;
	}
	EXPECT_EQ(end, a);
	EXPECT_LT(2 * 1024, nr);
	fclose(f);
	close(fd);
	munmap(p, len);
	free(pm_after);
	free(pm);
	free(vec);
}

TEST_F(q, a_full_array_stops_at_walk_end)
{
	self->a.vec_len = 5;
	ASSERT_EQ(5, ptscope_pages_call(self->fd, &self->a));
	/* Five runs of one page each, so the walk stopped after five pages. */
	EXPECT_EQ(self->a.start + 5 * PAGE, self->a.walk_end);
	EXPECT_EQ(self->vec[4].end, self->a.walk_end);
}

TEST_F(q, page_budget_is_honoured)
{
	self->a.flags = 0;		/* per page */
	self->a.max_pages = 7;
	ASSERT_EQ(7, ptscope_pages_call(self->fd, &self->a));
	EXPECT_EQ(self->a.start + 7 * PAGE, self->a.walk_end);
}

TEST_F(q, larger_records_get_a_zeroed_tail)
{
	struct big {
		struct ptscope_page_region r;
		uint64_t future[3];
	} big[4];

	memset(big, 0xaa, sizeof(big));
	self->a.vec = (uintptr_t)big;
	self->a.vec_len = 4;
	self->a.rec_size = sizeof(big[0]);
	ASSERT_EQ(4, ptscope_pages_call(self->fd, &self->a));
	EXPECT_EQ(self->a.start, big[0].r.start);
	EXPECT_EQ(self->a.start + PAGE, big[1].r.start);
	EXPECT_EQ(0, big[0].future[0] | big[1].future[2] | big[3].future[1]);
}

TEST_F(q, holes_get_no_records)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + PAGE, PAGE));
	pages_args(&self->a, getpid(), (uintptr_t)p, (uintptr_t)p + 3 * PAGE,
		   0, self->vec, 64);
	ASSERT_EQ(2, ptscope_pages_call(self->fd, &self->a));
	EXPECT_EQ((uintptr_t)p, self->vec[0].start);
	EXPECT_EQ((uintptr_t)p + 2 * PAGE, self->vec[1].start);
	munmap(p, 3 * PAGE);
}

/* /proc/ptscope/pages gives the same runs as the ioctl. */
TEST_F(q, proc_file_matches_the_ioctl)
{
	char cmd[128], line[512];
	FILE *f;
	int n = 0, fd;
	long got;

	got = ptscope_pages_call(self->fd, &self->a);
	ASSERT_EQ(32, got);
	fd = open(PTSCOPE_PROC_DIR "/pages", O_RDWR);
	ASSERT_LE(0, fd);
	snprintf(cmd, sizeof(cmd), "%d %#llx %#llx\n", getpid(),
		 (unsigned long long)self->a.start, (unsigned long long)self->a.end);
	ASSERT_EQ((ssize_t)strlen(cmd), write(fd, cmd, strlen(cmd)));
	f = fdopen(fd, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_EQ(0, strncmp(line, "START END PAGES ENTRY KIND", 26));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		ASSERT_EQ(2, sscanf(line, "%llx %llx", &s, &e));
		ASSERT_LT(n, 32);
		EXPECT_EQ(self->vec[n].start, s);
		EXPECT_EQ(self->vec[n].end, e);
		EXPECT_NE(NULL, strstr(line, n % 2 ? " none " : " present anon "));
		n++;
	}
	EXPECT_EQ(32, n);
	fclose(f);
}

TEST(proc_file_queries_are_private_to_each_open)
{
	char a[4096] = "", b[4096] = "", q[128];
	int fa = open(PTSCOPE_PROC_DIR "/pages", O_RDWR);
	int fb = open(PTSCOPE_PROC_DIR "/pages", O_RDWR);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	snprintf(q, sizeof(q), "%d %#lx %#lx", getpid(), (long)p, (long)p + PAGE);
	ASSERT_EQ((ssize_t)strlen(q), write(fa, q, strlen(q)));
	snprintf(q, sizeof(q), "%d %#lx %#lx", getpid(), (long)p + PAGE,
		 (long)p + 2 * PAGE);
	ASSERT_EQ((ssize_t)strlen(q), write(fb, q, strlen(q)));
	ASSERT_LT(0, read(fa, a, sizeof(a) - 1));
	ASSERT_LT(0, read(fb, b, sizeof(b) - 1));
	EXPECT_NE(NULL, strstr(a, " present anon "));
	EXPECT_NE(NULL, strstr(b, " none "));
	EXPECT_EQ(NULL, strstr(b, " present "));
	close(fa);
	close(fb);
	munmap(p, 2 * PAGE);
}

TEST_HARNESS_MAIN
