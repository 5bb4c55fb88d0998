// SPDX-License-Identifier: GPL-2.0
/*
 * The labs of docs/labs/ on Python programs as tests (labs.h): CPython
 * after fork (lab 8), NumPy arrays in files (lab 9).  Each number the lab
 * page claims is taken from pagemap of both processes, smaps,
 * /proc/PID/status and stat, and ptscope's JSON.
 */
#include "labs.h"

/* The page addresses of the file @path names, one hex number per line. */
static size_t read_pagelist(const char *path, uint64_t **pages)
{
	size_t n = 0, cap = 1024;
	unsigned long long a;
	uint64_t *v = malloc(cap * sizeof(*v)), *t;
	FILE *f = fopen(path, "r");

	while (f && v && fscanf(f, "%llx", &a) == 1) {
		if (n == cap) {
			t = realloc(v, (cap *= 2) * sizeof(*v));
			if (!t)
				break;
			v = t;
		}
		v[n++] = a;
	}
	if (f)
		fclose(f);
	*pages = v;
	return v ? n : 0;
}

/* The pages of a parent and a child that are copies, counted two ways. */
struct copies {
	long long by_pagemap;	/* present on both sides, different frames */
	long long by_ptscope;	/* in a "copied" run of `ptscope cow --all` */
	long long disagree;	/* pages the two put on different sides */
	long long no_frame;	/* not present on one side, per pagemap */
};

/*
 * Whether @addr is in one of the @n [start, end) ranges of @r (sorted, as
 * ptscope prints them, mapping by mapping in address order).
 */
static bool in_ranges(const unsigned long long (*r)[2], size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < r[mid][0])
			hi = mid;
		else if (addr >= r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Copies among the @n @pages (sorted) of @parent and @child, by ptscope
 * and by pagemap; false when a page had no frame (a migration entry) or
 * the two disagreed while the kernel moved frames: count again then.
 */
static bool count_copies_once(struct __test_metadata *_metadata, struct lab *l,
			      pid_t parent, pid_t child, const uint64_t *pages,
			      size_t n, struct copies *c)
{
	size_t span = (pages[n - 1] - pages[0]) / PAGE + 1, i, nr = 0, cap = 256;
	unsigned long long (*r)[2] = malloc(cap * sizeof(*r)), (*t)[2];
	uint64_t *pm_parent, *pm_child;
	char *out, *line;
	int st;

	memset(c, 0, sizeof(*c));
	out = cli_capturef(&st,
			   "'%s' cow %d %d %#llx-%#llx --all --json | jq -r '.mappings[].ranges[]? | select(.class == \"copied\") | \"\\(.start) \\(.end)\"'",
			   l->cli, parent, child, (unsigned long long)pages[0],
			   (unsigned long long)pages[n - 1] + PAGE);
	ASSERT_TRUE(out && r && !st) TH_LOG("ptscope cow --all --json | jq failed");
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (nr == cap) {
			t = realloc(r, (cap *= 2) * sizeof(*r));
			ASSERT_NE(NULL, t);
			r = t;
		}
		ASSERT_EQ(2, sscanf(line, "%llu %llu", &r[nr][0], &r[nr][1]));
		/* The command's RANGE holds what it compared. */
		ASSERT_LE(pages[0], r[nr][0]);
		ASSERT_GE(pages[n - 1] + PAGE, r[nr][1]);
		nr++;
	}
	free(out);
	pm_parent = pagemap(parent, pages[0], span);
	pm_child = pagemap(child, pages[0], span);
	ASSERT_TRUE(pm_parent && pm_child);
	for (i = 0; i < n; i++) {
		uint64_t a = pm_parent[(pages[i] - pages[0]) / PAGE];
		uint64_t b = pm_child[(pages[i] - pages[0]) / PAGE];
		bool by_pagemap = (a & b & PM_PRESENT) && PFN(a) != PFN(b);
		bool by_ptscope = in_ranges((const unsigned long long (*)[2])r, nr,
					    pages[i]);

		c->no_frame += !PFN(a) || !PFN(b);
		c->by_pagemap += by_pagemap;
		c->by_ptscope += by_ptscope;
		c->disagree += by_pagemap != by_ptscope;
	}
	free(pm_parent);
	free(pm_child);
	free(r);
	return !c->no_frame && !c->disagree;
}

static void count_copies(struct __test_metadata *_metadata, struct lab *l,
			 pid_t parent, pid_t child, const uint64_t *pages,
			 size_t n, struct copies *c)
{
	long long moved;
	int attempt;

	for (attempt = 1; ; attempt++) {
		moved = frames_moved();
		if (count_copies_once(_metadata, l, parent, child, pages, n, c) ||
		    attempt == 3 || frames_moved() == moved)
			break;
		TH_LOG("frames moved while counting (migration, collapse): again");
	}
	EXPECT_EQ(0, c->no_frame) TH_LOG("pages without a frame: not root, or migrating");
}

/* Pages wholly inside [@addr, @addr + @len) whose frames @a and @b do not share. */
static long long copied_pages(pid_t a, pid_t b, uint64_t addr, uint64_t len)
{
	uint64_t start = (addr + PAGE - 1) & ~(PAGE - 1), end = (addr + len) & ~(PAGE - 1);
	size_t n = end > start ? (end - start) / PAGE : 0, i;
	uint64_t *pa = pagemap(a, start, n), *pb = pagemap(b, start, n);
	long long copied = -1;

	if (pa && pb && n)
		for (copied = 0, i = 0; i < n; i++)
			copied += !(pa[i] & pb[i] & PM_PRESENT) || PFN(pa[i]) != PFN(pb[i]);
	free(pa);
	free(pb);
	return copied;
}

/*
 * Checks one child at a checkpoint: ptscope's copies are pagemap's, page
 * by page, and ptscope's fault count is /proc/PID/stat's; returns the
 * copies and the child's minor faults.
 */
#define CHECK_CHILD(l, pages, n, copies, minflt) do {			\
	long long maj_;							\
	count_copies(_metadata, l, (l)->pid, lab_val(l, "child"),	\
		     pages, n, copies);					\
	EXPECT_EQ(0, (copies)->disagree)				\
		TH_LOG("%lld pages copied by pagemap, %lld by ptscope",	\
		       (copies)->by_pagemap, (copies)->by_ptscope);	\
	ASSERT_EQ(0, cli_faults(_metadata, l, lab_val(l, "child"),	\
				minflt, &maj_));			\
	EXPECT_EQ(stat_faults(lab_val(l, "child"), 10), *(minflt));	\
} while (0)

/*
 * Lab 8: 100,000 objects; a child that only reads them copies every page
 * holding one (reference counts), so does one that runs the collector;
 * after gc.freeze() the collector copies (almost) none, reading all again.
 * "Almost": the child's own new objects of the same size class fill the
 * free slots of the last page the objects use.
 */
TEST(lab8_pyfork)
{
	long long objpages, min_forked, min_read, min, items_len;
	uint64_t items;
	struct copies forked, c;
	uint64_t *pages;
	char path[PATH_MAX];
	struct lab l;
	size_t n;

	if (access("/usr/bin/python3", X_OK))
		SKIP(return, "python3 is not installed (scripts/deps installs it)");
	START_LAB(&l, "pyfork.py", "100000");
	AT(&l, "built");
	objpages = lab_val(&l, "objpages");
	ASSERT_EQ(1, sscanf(strstr(l.line, " pagelist=") ?: "", " pagelist=%4095s", path));
	items = lab_val(&l, "items");
	items_len = lab_val(&l, "items_len");
	ASSERT_LE(100000 * 8, items_len);
	n = read_pagelist(path, &pages);
	ASSERT_EQ(objpages, (long long)n);
	/* 100,000 objects of 48 bytes: 85 to a page. */
	EXPECT_LE(100000 / 85, objpages);
	EXPECT_GE(100000 / 85 + 16, objpages);
	lab_go(&l);

	AT(&l, "forked");
	CHECK_CHILD(&l, pages, n, &forked, &min_forked);
	EXPECT_GE(objpages / 100, forked.by_pagemap);
	lab_go(&l);

	AT(&l, "read");
	CHECK_CHILD(&l, pages, n, &c, &min_read);
	EXPECT_EQ(objpages, c.by_pagemap);
	/* The list's array of pointers was only read: none of it copied. */
	EXPECT_EQ(0, copied_pages(l.pid, lab_val(&l, "child"), items, items_len));
	/* A copy is a write fault: at least one per page copied since. */
	EXPECT_LE(c.by_pagemap - forked.by_pagemap, min_read - min_forked);
	EXPECT_LE(c.by_pagemap - forked.by_pagemap, lab_val(&l, "child_faults"));
	lab_go(&l);

	AT(&l, "collected");
	CHECK_CHILD(&l, pages, n, &c, &min);
	EXPECT_EQ(objpages, c.by_pagemap);
	lab_go(&l);

	AT(&l, "frozen-collected");
	CHECK_CHILD(&l, pages, n, &c, &min);
	EXPECT_GE(objpages / 100, c.by_pagemap);
	lab_go(&l);

	AT(&l, "frozen-read");
	CHECK_CHILD(&l, pages, n, &c, &min);
	EXPECT_EQ(objpages, c.by_pagemap);
	lab_go(&l);
	free(pages);
	EXPECT_EQ(0, lab_finish(&l));
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s was left behind", path);
}

/* What one process maps of an array: pages, and frames by ptscope and pagemap. */
struct array_pages {
	uint64_t start;		/* first page */
	size_t n;
	unsigned long long *pfn;	/* ptscope's */
	char (*kind)[8];		/* ptscope's: anon, file... */
	long long present;		/* pagemap's */
	long long frames_differ;	/* ptscope's frame is not pagemap's */
};

/* ptscope's frames and kinds of @n pages of @pid from @start, checked with pagemap. */
static void array_pages(struct __test_metadata *_metadata, struct lab *l,
			pid_t pid, uint64_t start, size_t n, struct array_pages *a)
{
	unsigned long long addr, pfn;
	char *out, *line, kind[8];
	uint64_t *pm;
	size_t i;
	int st;

	memset(a, 0, sizeof(*a));
	a->start = start;
	a->n = n;
	a->pfn = calloc(n, sizeof(*a->pfn));
	a->kind = calloc(n, sizeof(*a->kind));
	ASSERT_TRUE(a->pfn && a->kind);
	out = cli_capturef(&st,
			   "'%s' pages %d %#llx+%zu --all --json | jq -r '.pages[] | \"\\(.addr) \\(.pfn // 0) \\(.kind)\"'",
			   l->cli, pid, (unsigned long long)start, n * PAGE);
	ASSERT_TRUE(out && !st) TH_LOG("ptscope pages --all --json | jq failed");
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		ASSERT_EQ(3, sscanf(line, "%llu %llu %7s", &addr, &pfn, kind));
		ASSERT_TRUE(addr >= start && addr < start + n * PAGE);
		a->pfn[(addr - start) / PAGE] = pfn;
		strcpy(a->kind[(addr - start) / PAGE], kind);
	}
	free(out);
	pm = pagemap(pid, start, n);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < n; i++) {
		a->present += !!(pm[i] & PM_PRESENT);
		a->frames_differ += a->pfn[i] != (pm[i] & PM_PRESENT ? PFN(pm[i]) : 0);
	}
	free(pm);
}

static void array_pages_free(struct array_pages *a)
{
	free(a->pfn);
	free(a->kind);
}

/* Pages whose frames parent and child share, and pages of kind @kind on both. */
static void compare_arrays(const struct array_pages *p, const struct array_pages *c,
			   const char *kind, long long *same, long long *of_kind)
{
	size_t i;

	*same = *of_kind = 0;
	for (i = 0; i < p->n && i < c->n; i++) {
		*same += p->pfn[i] && p->pfn[i] == c->pfn[i];
		*of_kind += !strcmp(p->kind[i], kind) && !strcmp(c->kind[i], kind);
	}
}

#define PAGE_DOWN(a)	((a) & ~(PAGE - 1))
#define PAGE_UP(a)	PAGE_DOWN((a) + PAGE - 1)

/*
 * One np.load checkpoint: the array's pages in parent and child (@inner:
 * only the pages wholly inside it; else every page it touches), ptscope's
 * frames equal pagemap's on both sides; the pages both share a frame in
 * and those of @kind on both sides.
 */
static void check_load(struct __test_metadata *_metadata, struct lab *l,
		       bool inner, const char *kind, long long *n,
		       long long *same, long long *of_kind)
{
	uint64_t addr = lab_val(l, "addr"), child_addr = lab_val(l, "child_addr");
	uint64_t len = lab_val(l, "len");
	uint64_t s = inner ? PAGE_UP(addr) : PAGE_DOWN(addr);
	uint64_t e = inner ? PAGE_DOWN(addr + len) : PAGE_UP(addr + len);
	struct array_pages p, c;

	ASSERT_EQ(16ULL << 20, len);
	ASSERT_EQ(addr & (PAGE - 1), child_addr & (PAGE - 1));
	*n = (e - s) / PAGE;
	array_pages(_metadata, l, l->pid, s, *n, &p);
	array_pages(_metadata, l, lab_val(l, "child"),
		    s - PAGE_DOWN(addr) + PAGE_DOWN(child_addr), *n, &c);
	EXPECT_EQ(*n, p.present);
	EXPECT_EQ(*n, c.present);
	EXPECT_EQ(0, p.frames_differ);
	EXPECT_EQ(0, c.frames_differ);
	compare_arrays(&p, &c, kind, same, of_kind);
	array_pages_free(&p);
	array_pages_free(&c);
}

/*
 * After the child wrote one element in every 16th page of its
 * mmap_mode='c' array: those @written pages are its own (anonymous, a
 * frame the parent does not have), every other page it maps is the
 * parent's page-cache frame, and with @all_present it maps all of them.
 */
static void check_copies(struct __test_metadata *_metadata, struct lab *l,
			 long long written, bool all_present)
{
	uint64_t addr = lab_val(l, "addr"), child_addr = lab_val(l, "child_addr");
	uint64_t len = lab_val(l, "len");
	size_t n = (PAGE_UP(addr + len) - PAGE_DOWN(addr)) / PAGE, i;
	long long copies = 0, others_shared = 0, others_own = 0;
	struct array_pages p, c;
	struct vma_counts vc;

	array_pages(_metadata, l, l->pid, PAGE_DOWN(addr), n, &p);
	array_pages(_metadata, l, lab_val(l, "child"), PAGE_DOWN(child_addr), n, &c);
	EXPECT_EQ((long long)n, p.present);
	EXPECT_EQ(0, p.frames_differ);
	EXPECT_EQ(0, c.frames_differ);
	for (i = 0; i < n; i++) {
		/*
		 * The array starts less than a page into the mapping (at
		 * the .npy header's end), and its 8-byte elements do not
		 * cross pages: element k * 16 pages on is in page 16 k.
		 */
		bool was_written = i % 16 == 0 && (long long)(i / 16) < written;

		if (was_written) {
			copies += c.pfn[i] && c.pfn[i] != p.pfn[i] && !strcmp(c.kind[i], "anon");
			continue;
		}
		others_shared += c.pfn[i] && c.pfn[i] == p.pfn[i];
		others_own += c.pfn[i] && c.pfn[i] != p.pfn[i];
	}
	EXPECT_EQ(written, copies);
	EXPECT_EQ(0, others_own);
	if (all_present)
		EXPECT_EQ((long long)n - written, others_shared);
	TH_LOG("child: %lld pages written and copied, %lld others mapped (of %zu)",
	       copies, others_shared, n - written);
	ASSERT_EQ(0, vma_counts(_metadata, l, lab_val(l, "child"),
				PAGE_DOWN(child_addr), n * PAGE, &vc));
	EXPECT_EQ(written, vc.anon);
	EXPECT_EQ(others_shared, vc.file);
	EXPECT_EQ(c.present, vc.present);
	array_pages_free(&p);
	array_pages_free(&c);
}

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/*
 * Lab 9 runs with transparent huge pages "never", restored afterwards.
 * Under "always" khugepaged collapses the file's page cache into huge
 * pages while the test looks: it takes the PTE tables away from every
 * process that maps the range (retract_page_tables()), so pages the lab
 * read are not present a moment later, in the parent as in the child.
 * docs/labs/npshare.md shows what THP changes.
 */
FIXTURE(npshare) {
	char thp_saved[64];	/* the mode in brackets, or "" */
};

FIXTURE_SETUP(npshare)
{
	knob_set(THP_ENABLED, "never", self->thp_saved, sizeof(self->thp_saved));
}

FIXTURE_TEARDOWN(npshare)
{
	const char *dir = getenv("PTSCOPE_TEST_DIR");

	knob_restore(THP_ENABLED, self->thp_saved);
	/* The lab removes them, unless it was killed. */
	if (dir)
		cli_shell("rm -f '%s/lab-npshare.npy' '%s/lab-npshare.raw'", dir, dir);
}

/*
 * Lab 9: an 8 GiB np.memmap is 8 GiB of virtual size and only what was
 * read (and read ahead) resident; two processes that np.load one file have
 * their own copies, with mmap_mode='r' the same page-cache frames, with
 * mmap_mode='c' the same until one writes, then a copy of what it wrote.
 */
TEST_F(npshare, lab9)
{
	long long n, same, of_kind, present, touched, every, written, majflt, vmpte;
	long long file_pmd_kb, split_pmd;
	uint64_t addr, len;
	struct vma_counts c;
	struct smaps_vma sm = { 0 };
	const char *dir = getenv("PTSCOPE_TEST_DIR");
	struct lab l;
	size_t i;

	if (access("/usr/bin/python3", X_OK) ||
	    system("/usr/bin/python3 -c 'import numpy, psutil' 2>/dev/null"))
		SKIP(return, "python3-numpy or python3-psutil is not installed (scripts/deps installs them)");
	if (!dir)
		SKIP(return, "PTSCOPE_TEST_DIR names no directory on a disk file system (run_tests.sh mounts one)");
	START_LAB(&l, "npshare.py", dir, "16", "16");

	AT(&l, "memmap-mapped");
	addr = lab_val(&l, "addr");
	len = lab_val(&l, "len");
	ASSERT_EQ(8ULL << 30, len);
	EXPECT_LE((long long)len, lab_val(&l, "vms"));
	EXPECT_LE((long long)len / 1024, status_value(l.pid, "VmSize"));
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ((long long)len, c.size);
	EXPECT_EQ(0, c.present);
	majflt = stat_faults(l.pid, 12);
	vmpte = status_value(l.pid, "VmPTE");
	lab_go(&l);

	AT(&l, "memmap-touched");
	touched = lab_val(&l, "touched");
	every = lab_val(&l, "every");
	ASSERT_EQ(512, touched);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	ASSERT_EQ(0, smaps_at(l.pid, addr, &sm));
	EXPECT_EQ(sm.rss / 4, c.present);
	EXPECT_EQ(c.present, c.file);
	/* Every page read is resident. */
	for (present = 0, i = 0; i < (size_t)touched; i++) {
		uint64_t e;

		ASSERT_EQ(0, pagemap_read(l.pid, addr + i * every, 1, &e));
		present += !!(e & PM_PRESENT);
	}
	EXPECT_EQ(touched, present);
	EXPECT_LE(touched, c.present);
	/* Each read was a major fault, and needed a PTE table of its own. */
	EXPECT_LE(touched, stat_faults(l.pid, 12) - majflt);
	EXPECT_LE(touched * 4, status_value(l.pid, "VmPTE") - vmpte);
	EXPECT_GT((long long)len / PAGE / 100, c.present);
	TH_LOG("memmap: %lld pages read, %lld resident", touched, c.present);
	lab_go(&l);

	/* np.load: a copy in each process, anonymous, no frame shared. */
	AT(&l, "load");
	check_load(_metadata, &l, true, "anon", &n, &same, &of_kind);
	EXPECT_EQ(0, same);
	EXPECT_EQ(n, of_kind);
	lab_go(&l);

	/* mmap_mode='r': the file's page-cache frames, the same on both sides. */
	AT(&l, "load-r");
	check_load(_metadata, &l, false, "file", &n, &same, &of_kind);
	EXPECT_EQ(n, same);
	EXPECT_EQ(n, of_kind);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, PAGE_DOWN(lab_val(&l, "addr")),
				n * PAGE, &c));
	EXPECT_EQ(n, c.shared);
	lab_go(&l);

	/*
	 * mmap_mode='c': shared as 'r' until written.  How much of the
	 * child's mapping the kernel maps with PMDs (page-cache folios of
	 * 2 MiB, on 7.2), by smaps.
	 */
	AT(&l, "load-c");
	check_load(_metadata, &l, false, "file", &n, &same, &of_kind);
	EXPECT_EQ(n, same);
	EXPECT_EQ(n, of_kind);
	ASSERT_EQ(0, smaps_at(lab_val(&l, "child"), PAGE_DOWN(lab_val(&l, "child_addr")), &sm));
	file_pmd_kb = sm.file_pmd;
	split_pmd = vmstat_value("thp_split_pmd");
	lab_go(&l);

	/*
	 * The child wrote one element in every 16th page: those are copies,
	 * anonymous now.  Where the kernel had mapped the file's large
	 * folios with PMDs (7.2), the child's write fault dropped the whole
	 * PMD in the child: the other pages of it are not present until read
	 * again (docs/labs/npshare.md).  No page has a frame of its own but
	 * the written ones.
	 */
	AT(&l, "load-c-written");
	written = lab_val(&l, "written");
	ASSERT_EQ((16LL << 20) / PAGE / 16, written);
	TH_LOG("FilePmdMapped %lld kB; thp_split_pmd rose by %lld", file_pmd_kb,
	       vmstat_value("thp_split_pmd") - split_pmd);
	/* Without PMD mappings every page stays mapped; with them, PMDs were split. */
	check_copies(_metadata, &l, written, !file_pmd_kb);
	if (file_pmd_kb)
		EXPECT_LT(split_pmd, vmstat_value("thp_split_pmd"));
	lab_go(&l);

	/* Read again: the unwritten pages are the page cache's again. */
	AT(&l, "load-c-reread");
	check_copies(_metadata, &l, written, true);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

TEST_HARNESS_MAIN
