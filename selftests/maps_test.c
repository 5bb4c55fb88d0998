// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_MAPS against the kernel's own interfaces: every mapping's
 * counts must equal the sum of the per-page query over it, and agree with
 * /proc/PID/smaps and numa_maps; its page-table counts must add up to
 * VmPTE, as must `ptscope tree`'s.
 */
#include "maps_fixture.h"
#include "cli_exec.h"

/* All VMAs of @pid; the count, or -errno. */
static long query_maps(int fd, pid_t pid, struct ptscope_vma *vec, size_t len,
		       struct ptscope_maps *a)
{
	maps_args(a, pid, 0, 0x7ffffffff000ULL, vec, len);
	return ptscope_maps_call(fd, a);
}

static const struct ptscope_vma *vma_at(const struct ptscope_vma *v, long n,
					uint64_t addr)
{
	long i;

	for (i = 0; i < n; i++)
		if (v[i].start <= addr && addr < v[i].end)
			return &v[i];
	return NULL;
}

static const struct smaps_vma *smaps_at(const struct smaps_vma *s, int n,
					uint64_t start)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].start == start)
			return &s[i];
	return NULL;
}

#define EXPECT_COUNT(want, got, f, v)					\
	EXPECT_EQ((want)->f, (got)->f) {				\
		TH_LOG("%s of VMA %#llx-%#llx (%s)", #f,		\
		       (unsigned long long)(v)->start,			\
		       (unsigned long long)(v)->end, (v)->name);	\
	}

/* The MAPS record of [@start, @end), one VMA: 0 or -errno. */
static int maps_one(int fd, pid_t pid, uint64_t start, uint64_t end,
		    struct ptscope_vma *rec)
{
	struct ptscope_maps a;
	long n;

	maps_args(&a, pid, start, end, rec, 1);
	n = ptscope_maps_call(fd, &a);
	return n == 1 ? 0 : n < 0 ? (int)n : -EPROTO;
}

/*
 * The kernel's aging (MGLRU's page-table walks, reclaim) clears accessed
 * bits while the target sleeps, so counts taken at two moments may differ
 * in that alone.  MAPS is taken right before and right after the PAGES walk;
 * when the two agree nothing aged in between, and PAGES must sum to exactly
 * that.  Three tries.
 */
static void compare_with_pages(struct __test_metadata *_metadata, int fd,
			       pid_t pid, const struct ptscope_vma *vma)
{
	struct ptscope_vma before, after, *v = &before;
	struct ptscope_page_counts want;
	uint64_t pte_entries;
	int i, try;

	for (try = 0; try < 3; try++) {
		ASSERT_EQ(0, maps_one(fd, pid, vma->start, vma->end, &before));
		ASSERT_EQ(0, counts_from_pages(fd, pid, vma->start, vma->end,
					       &want, &pte_entries));
		ASSERT_EQ(0, maps_one(fd, pid, vma->start, vma->end, &after));
		if (!memcmp(&before.pages, &after.pages, sizeof(before.pages)))
			break;
	}
#define CMP(f) EXPECT_COUNT(&want, &v->pages, f, v)
	PTSCOPE_COUNTS_FOREACH(CMP)
#undef CMP
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		EXPECT_COUNT(&want, &v->pages, large_pte[i], v);
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		EXPECT_COUNT(&want, &v->pages, node[i], v);
	EXPECT_EQ(pte_entries, v->tables.pte_entries);
}

/* smaps and numa_maps for one VMA (@s: its smaps entry). */
static void compare_with_smaps(struct __test_metadata *_metadata, pid_t pid,
			       const struct ptscope_vma *v,
			       const struct smaps_vma *s)
{
	const struct ptscope_page_counts *c = &v->pages;
	long nodes[PTSCOPE_MAX_NODES];
	long per = v->page_size / PAGE;
	int i;

	ASSERT_NE(NULL, s) {
		TH_LOG("no smaps entry for %#llx (%s)",
		       (unsigned long long)v->start, v->name);
	}
	ASSERT_EQ(s->end, v->end);
	/*
	 * Files as smaps names them (consecutive mappings of one file or of
	 * several), and their inodes: through overlayfs, those the user
	 * opened, not the backing file's.
	 */
	if (s->path[0]) {
		EXPECT_STREQ(s->path, v->name);
		EXPECT_EQ(s->inode, v->inode) TH_LOG("inode of %s", v->name);
		EXPECT_EQ(s->dev_major, v->dev_major);
		EXPECT_EQ(s->dev_minor, v->dev_minor);
	}
	EXPECT_EQ(s->swap, (long)c->swapped * 4) TH_LOG("Swap of %s", v->name);
	if (v->flags & PTSCOPE_VMA_HUGETLB) {
		EXPECT_EQ(s->private_hugetlb + s->shared_hugetlb,
			  (long)(c->hugetlb_pmd + c->hugetlb_pud) * 4);
		EXPECT_EQ(s->shared_hugetlb, (long)c->shared * 4);
		EXPECT_EQ(0, s->rss);
	} else {
		EXPECT_EQ(s->rss, (long)(c->present - c->zero - c->pfnmap) * 4) {
			TH_LOG("Rss of %#llx %s", (unsigned long long)v->start, v->name);
		}
		EXPECT_EQ(s->anonymous, (long)(c->anon + c->ksm) * 4) {
			TH_LOG("Anonymous of %s", v->name);
		}
		EXPECT_EQ(s->anon_huge + s->shmem_pmd + s->file_pmd,
			  (long)c->thp_pmd * 4);
		EXPECT_EQ(s->shared_clean + s->shared_dirty, (long)c->shared * 4) {
			TH_LOG("Shared of %#llx %s", (unsigned long long)v->start, v->name);
		}
	}
	/* numa_maps skips the zero page and reserved (vdso) pages. */
	if (c->zero || c->pfnmap || (v->flags & PTSCOPE_VMA_SPECIAL))
		return;
	ASSERT_EQ(0, numa_maps_nodes(pid, v->start, nodes, PTSCOPE_MAX_NODES));
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		EXPECT_EQ(nodes[i], (long)c->node[i] / per) {
			TH_LOG("N%d of %s", i, v->name);
		}
}

FIXTURE(target) {
	int fd;
	pid_t pid;
	struct layout l;
	struct ptscope_vma *v;
	long n;
	struct ptscope_maps a;
};

FIXTURE_SETUP(target)
{
	self->fd = ptscope_open_dev();
	ASSERT_LE(0, self->fd);
	self->pid = start_target(&self->l, true);
	ASSERT_LT(0, self->pid) {
		TH_LOG("the target died building its mappings: is $PTSCOPE_TEST_DIR (or .) "
		       "on a file system with shared writable mappings?");
	}
	self->v = calloc(MAX_VMAS, sizeof(*self->v));
	ASSERT_NE(NULL, self->v);
	self->n = query_maps(self->fd, self->pid, self->v, MAX_VMAS, &self->a);
	ASSERT_LT(0, self->n);
	ASSERT_EQ(0x7ffffffff000ULL, self->a.walk_end);
}

FIXTURE_TEARDOWN(target)
{
	stop_target(self->pid, &self->l);
	free(self->v);
	close(self->fd);
}

/* Each VMA equals the sum of the per-page query over it. */
TEST_F(target, every_vma_is_the_sum_of_its_pages)
{
	long i;

	for (i = 0; i < self->n; i++)
		compare_with_pages(_metadata, self->fd, self->pid, &self->v[i]);
}

/*
 * Each VMA agrees with smaps and numa_maps.  khugepaged may change the
 * target between two reads, so smaps is read before and after the query
 * and the comparison is retried (a few times) until both reads agree.
 */
TEST_F(target, every_vma_agrees_with_smaps_and_numa_maps)
{
	struct smaps_vma *s1 = calloc(MAX_VMAS, sizeof(*s1));
	struct smaps_vma *s2 = calloc(MAX_VMAS, sizeof(*s2));
	int n1, n2, tries;
	long i;

	ASSERT_NE(NULL, s1);
	ASSERT_NE(NULL, s2);
	for (tries = 0; tries < 5; tries++) {
		n1 = smaps_read(self->pid, s1, MAX_VMAS);
		self->n = query_maps(self->fd, self->pid, self->v, MAX_VMAS,
				     &self->a);
		n2 = smaps_read(self->pid, s2, MAX_VMAS);
		if (n1 == n2 && !memcmp(s1, s2, n1 * sizeof(*s1)))
			break;
	}
	ASSERT_LT(0, n1);
	ASSERT_EQ(n1, self->n);
	ASSERT_EQ(self->a.map_count, (uint64_t)self->n);
	for (i = 0; i < self->n; i++)
		compare_with_smaps(_metadata, self->pid, &self->v[i],
				   smaps_at(s1, n1, self->v[i].start));
	free(s1);
	free(s2);
}

/* What the test itself set up, VMA by VMA. */
TEST_F(target, fixtures_have_the_expected_counts)
{
	const struct layout *l = &self->l;
	const struct ptscope_vma *v;

	v = vma_at(self->v, self->n, l->anon);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(128, v->pages.present);
	EXPECT_EQ(128, v->pages.anon);
	/* A kernel without THP takes no THP advice. */
	EXPECT_EQ(!kernel_lacks(FEATURE_THP), !!(v->flags & PTSCOPE_VMA_NOHUGEPAGE));
	EXPECT_TRUE(v->flags & PTSCOPE_VMA_ANON);
	EXPECT_STREQ("", v->name);

	v = vma_at(self->v, self->n, l->file_priv);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(64, v->pages.present);
	EXPECT_EQ(8, v->pages.anon);	/* the written pages are private copies */
	EXPECT_EQ(56, v->pages.file);
	EXPECT_NE(0, v->inode);
	EXPECT_EQ('/', v->name[0]);

	v = vma_at(self->v, self->n, l->file_shared);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(v->flags & PTSCOPE_VMA_SHARED);
	EXPECT_EQ(16, v->pages.file);	/* write faults map only their page */
	EXPECT_EQ(16, v->pages.dirty);

	v = vma_at(self->v, self->n, l->shmem);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(32, v->pages.shmem);

	v = vma_at(self->v, self->n, l->thp);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(!kernel_lacks(FEATURE_THP), !!(v->flags & PTSCOPE_VMA_HUGEPAGE));
	if (l->thp_ok && v->pages.thp_pmd) {
		EXPECT_EQ(0, v->pages.thp_pmd % 512);
		EXPECT_EQ(v->pages.thp_pmd / 512, v->tables.pte_deposited);
	}

	if (l->hugetlb_ok) {
		v = vma_at(self->v, self->n, l->hugetlb);
		ASSERT_NE(NULL, v);
		EXPECT_TRUE(v->flags & PTSCOPE_VMA_HUGETLB);
		EXPECT_EQ(512, v->pages.hugetlb_pmd);
		EXPECT_EQ(2UL << 20, v->page_size);
	}
	if (l->swap_ok) {
		v = vma_at(self->v, self->n, l->swap);
		ASSERT_NE(NULL, v);
		EXPECT_LE(1, v->pages.swapped);
		EXPECT_EQ(64, v->pages.present + v->pages.swapped);
	}
	if (l->nodes >= 2) {
		/* mbind split it into two VMAs, one per policy. */
		v = vma_at(self->v, self->n, l->numa);
		ASSERT_NE(NULL, v);
		EXPECT_EQ(32, v->pages.node[0]);
		EXPECT_EQ(0, v->pages.node[1]);
		v = vma_at(self->v, self->n, l->numa + 32 * PAGE);
		ASSERT_NE(NULL, v);
		EXPECT_EQ(0, v->pages.node[0]);
		EXPECT_EQ(32, v->pages.node[1]);
	}

	/* The target's 64 COW pages: its child wrote 16 of them. */
	v = vma_at(self->v, self->n, l->cow);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(48, v->pages.cow_shared);
	EXPECT_EQ(48, v->pages.shared);
	EXPECT_EQ(64, v->pages.anon);
	EXPECT_EQ(0, v->pages.anon_exclusive);	/* set again only on write */

	v = vma_at(self->v, self->n, 0x7ffffffff000ULL - 1);
	EXPECT_EQ(NULL, v);
}

TEST_F(target, cow_child_sees_its_copies_as_exclusive)
{
	struct ptscope_vma vec[4];
	struct ptscope_maps a;

	maps_args(&a, self->l.cow_child, self->l.cow, self->l.cow + 64 * PAGE,
		  vec, 4);
	ASSERT_EQ(1, ptscope_maps_call(self->fd, &a));
	EXPECT_EQ(48, vec[0].pages.cow_shared);
	EXPECT_EQ(16, vec[0].pages.anon_exclusive);
}

/* The totals are the sum of the VMAs; the tables add up to VmPTE. */
TEST_F(target, totals_and_tables_match_vmpte)
{
	struct ptscope_page_counts sum = { 0 };
	const struct ptscope_table_counts *t = &self->a.total_tables;
	uint64_t *to = (uint64_t *)&sum;
	long i, vm_pte;
	size_t k;

	for (i = 0; i < self->n; i++)
		for (k = 0; k < sizeof(sum) / 8; k++)
			to[k] += ((const uint64_t *)&self->v[i].pages)[k];
	EXPECT_EQ(0, memcmp(&sum, &self->a.totals, sizeof(sum)));

	vm_pte = status_value(self->pid, "VmPTE");
	ASSERT_LT(0, vm_pte);
	EXPECT_EQ(vm_pte, (long)(t->pte + t->pte_deposited + t->pmd + t->pud) * 4) {
		TH_LOG("pte %llu deposited %llu pmd %llu pud %llu",
		       (unsigned long long)t->pte,
		       (unsigned long long)t->pte_deposited,
		       (unsigned long long)t->pmd, (unsigned long long)t->pud);
	}
}

/* `ptscope tree --json` counts the same tables from the per-page query. */
TEST_F(target, tree_command_matches_vmpte)
{
	unsigned long long pud, pmd, pte, dep;
	char *out, *p;
	long vm_pte;
	int st;

	out = cli_tool(&st, "--json tree %d", self->pid);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st);
	p = strstr(out, "\"tables\":");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(4, sscanf(p, "\"tables\":{\"pud\":%llu,\"pmd\":%llu,\"pte\":%llu,\"pte_deposited\":%llu}",
			    &pud, &pmd, &pte, &dep));
	vm_pte = status_value(self->pid, "VmPTE");
	EXPECT_EQ(vm_pte, (long)(pud + pmd + pte + dep) * 4);
	EXPECT_EQ(self->a.total_tables.pte, pte);
	EXPECT_EQ(self->a.total_tables.pmd, pmd);
	EXPECT_EQ(self->a.total_tables.pud, pud);
	EXPECT_EQ(self->a.total_tables.pte_deposited, dep);
	free(out);
}

/* A small array: the walk resumes at walk_end and loses nothing. */
TEST_F(target, resumed_walk_gives_the_same_records)
{
	struct ptscope_vma one[2];
	struct ptscope_maps a;
	struct ptscope_table_counts tables = { 0 };
	uint64_t cur = 0;
	long i = 0;

	while (cur < 0x7ffffffff000ULL) {
		maps_args(&a, self->pid, cur, 0x7ffffffff000ULL, one, 2);
		ASSERT_LE(0, ptscope_maps_call(self->fd, &a));
		ASSERT_LT(cur, a.walk_end);
		for (uint64_t k = 0; k < a.nr_records; k++, i++) {
			ASSERT_LT(i, self->n);
			EXPECT_EQ(self->v[i].start, one[k].start);
			EXPECT_EQ(self->v[i].end, one[k].end);
			EXPECT_EQ(0, memcmp(&self->v[i].pages, &one[k].pages,
					    sizeof(one[k].pages)));
		}
		tables.pte += a.total_tables.pte;
		tables.pmd += a.total_tables.pmd;
		tables.pud += a.total_tables.pud;
		cur = a.walk_end;
	}
	EXPECT_EQ(self->n, i);
	/* Tables shared across a call boundary are still counted once. */
	EXPECT_EQ(self->a.total_tables.pte, tables.pte);
	EXPECT_EQ(self->a.total_tables.pmd, tables.pmd);
	EXPECT_EQ(self->a.total_tables.pud, tables.pud);
}

/* A range that starts inside a VMA reports the part inside, offset moved. */
TEST_F(target, range_cuts_the_vma)
{
	uint64_t start = self->l.file_priv + 4 * PAGE;
	struct ptscope_vma vec[2];
	struct ptscope_maps a;

	maps_args(&a, self->pid, start, start + 8 * PAGE, vec, 2);
	ASSERT_EQ(1, ptscope_maps_call(self->fd, &a));
	EXPECT_EQ(start, vec[0].start);
	EXPECT_EQ(start + 8 * PAGE, vec[0].end);
	EXPECT_EQ(4 * PAGE, vec[0].pgoff);
	EXPECT_EQ(8, vec[0].pages.present);
	EXPECT_EQ(4, vec[0].pages.anon);
}

/* Touching pages 2 MiB apart adds one PTE table each. */
TEST(one_pte_table_per_2m)
{
	size_t len = 64UL << 20, i;
	char *p = map_aligned(len, SZ_2M);
	struct ptscope_vma vec[2];
	struct ptscope_maps a;
	int fd = ptscope_open_dev();

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, len));
	maps_args(&a, getpid(), (uintptr_t)p, (uintptr_t)p + len, vec, 2);
	ASSERT_EQ(1, ptscope_maps_call(fd, &a));
	EXPECT_EQ(0, vec[0].tables.pte);
	EXPECT_EQ(0, vec[0].pages.present);
	for (i = 0; i < 16; i++)
		p[i * SZ_2M + 5 * PAGE] = 1;
	ASSERT_EQ(1, ptscope_maps_call(fd, &a));
	EXPECT_EQ(16, vec[0].tables.pte);
	EXPECT_EQ(16, vec[0].tables.pte_entries);
	EXPECT_EQ(16, vec[0].pages.present);
	EXPECT_EQ(len / PAGE - 16, vec[0].pages.not_present);
	close(fd);
}

TEST_HARNESS_MAIN
