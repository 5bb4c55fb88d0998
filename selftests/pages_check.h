/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the PAGES programs (pages_test.c, pages_runs_test.c) share: one
 * page's record, and a range's, checked against /proc/PID/pagemap,
 * /proc/kpageflags, /proc/kpagecount and move_pages(2).
 */
#ifndef PTSCOPE_PAGES_CHECK_H
#define PTSCOPE_PAGES_CHECK_H

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "oracle.h"
#include "fixtures.h"


struct checked {
	size_t present, none, swapped, anon, file, shmem, zero, huge_zero,
	       ksm, thp, hugetlb, exclusive, soft_dirty, writable;
};

/* Compare one page's record with the oracles; EXPECT so all pages report. */
static inline void check_page(struct __test_metadata *_metadata, uint64_t addr,
		       const struct ptscope_page_region *r, uint64_t pm,
		       int node, bool soft_dirty_exact, struct checked *c)
{
	bool present = r->flags & PTSCOPE_PF_PRESENT;
	bool has_page = present && r->kind != PTSCOPE_KIND_ZERO &&
			r->kind != PTSCOPE_KIND_PFNMAP;
	bool anon = r->kind == PTSCOPE_KIND_ANON || r->kind == PTSCOPE_KIND_KSM;

	EXPECT_NE(0xff, r->entry) {
		TH_LOG("%#lx: inside a VMA but no record", (long)addr);
		return;
	}
	EXPECT_EQ(!!(pm & PM_PRESENT), present) {
		TH_LOG("%#lx: present %d, pagemap %#llx", (long)addr, present,
		       (unsigned long long)pm);
	}
	if (present && r->kind != PTSCOPE_KIND_PFNMAP) {
		EXPECT_EQ(pm & PM_PFN_MASK, r->pfn) {
			TH_LOG("%#lx: pfn %#llx, pagemap %#llx", (long)addr,
			       (unsigned long long)r->pfn,
			       (unsigned long long)(pm & PM_PFN_MASK));
		}
	}
	if (r->entry == PTSCOPE_ENTRY_SWAP) {
		EXPECT_TRUE(pm & PM_SWAP);
		EXPECT_EQ(pm & 0x1f, r->swap_type);
		EXPECT_EQ((pm & PM_PFN_MASK) >> 5, r->swap_offset);
		EXPECT_TRUE(r->flags & PTSCOPE_PF_SWAP);
	}
	if (pm & PM_SWAP) {
		EXPECT_TRUE(r->entry != PTSCOPE_ENTRY_NONE &&
			    r->entry != PTSCOPE_ENTRY_PRESENT) {
			TH_LOG("%#lx: pagemap says swap, entry %u", (long)addr,
			       r->entry);
		}
	}
	if (!present && !(pm & PM_SWAP)) {
		EXPECT_EQ(PTSCOPE_ENTRY_NONE, r->entry);
	}
	EXPECT_EQ(!!(pm & PM_UFFD_WP), !!(r->flags & PTSCOPE_PF_UFFD_WP));
	/* pagemap ORs in the VMA's VM_SOFTDIRTY until clear_refs clears it. */
	if (soft_dirty_exact) {
		EXPECT_EQ(!!(pm & PM_SOFT_DIRTY), !!(r->flags & PTSCOPE_PF_SOFT_DIRTY)) {
			TH_LOG("%#lx: soft-dirty", (long)addr);
		}
	} else if (r->flags & PTSCOPE_PF_SOFT_DIRTY) {
		EXPECT_TRUE(pm & PM_SOFT_DIRTY);
	}
	if (present) {
		EXPECT_EQ(!!(pm & PM_FILE), has_page && !anon) {
			TH_LOG("%#lx: kind %u, pagemap file bit %d", (long)addr,
			       r->kind, !!(pm & PM_FILE));
		}
	}

	if (has_page && r->pfn) {
		uint64_t kpf = kpageflags(r->pfn);

		EXPECT_EQ(kpagecount(r->pfn), r->mapcount) {
			TH_LOG("%#lx: mapcount %u, kpagecount %llu", (long)addr,
			       r->mapcount, (unsigned long long)kpagecount(r->pfn));
		}
		/*
		 * Some kernels (6.12) set KPF_KSM for every anonymous page,
		 * so the oracle only holds one way; the KSM fixture checks
		 * the other against what it set up.
		 */
		if (r->kind == PTSCOPE_KIND_KSM) {
			EXPECT_TRUE(kpf & (1ULL << KPF_KSM));
		}
		EXPECT_EQ(!!(kpf & (1ULL << KPF_ANON)), anon);
		EXPECT_EQ(!!(kpf & (1ULL << KPF_HUGE)), !!(r->flags & PTSCOPE_PF_HUGETLB));
		/* 6.1 reads PG_swapbacked of each page; only a head has it. */
		if (!(r->pfn & ((1ULL << r->folio_order) - 1))) {
			EXPECT_EQ(!!(kpf & (1ULL << KPF_SWAPBACKED)),
				  !!(r->flags & PTSCOPE_PF_SWAPBACKED));
		}
		EXPECT_EQ(!!(kpf & (1ULL << KPF_ZERO_PAGE)),
			  r->kind == PTSCOPE_KIND_HUGE_ZERO);
		if (anon) {
			EXPECT_EQ(!!(kpf & (1ULL << KPF_THP)), !!(r->flags & PTSCOPE_PF_THP)) {
				TH_LOG("%#lx: THP flag vs kpageflags %#llx",
				       (long)addr, (unsigned long long)kpf);
			}
		}
		/* pagemap's "exclusively mapped" is a per-page mapcount of 1. */
		if (r->kind != PTSCOPE_KIND_HUGE_ZERO) {
			EXPECT_EQ(!!(pm & PM_EXCLUSIVE), r->mapcount == 1) {
				TH_LOG("%#lx: mapcount %u, pagemap exclusive %d",
				       (long)addr, r->mapcount, !!(pm & PM_EXCLUSIVE));
			}
		}
	}
	if (r->kind == PTSCOPE_KIND_ZERO && r->pfn) {
		EXPECT_TRUE(kpageflags(r->pfn) & (1ULL << KPF_ZERO_PAGE));
	}
	if (node >= 0) {
		EXPECT_TRUE(present);
		EXPECT_EQ(node, r->node) {
			TH_LOG("%#lx: node %d, move_pages %d", (long)addr, r->node, node);
		}
	}

	c->present += present;
	c->none += r->entry == PTSCOPE_ENTRY_NONE;
	c->swapped += r->entry == PTSCOPE_ENTRY_SWAP;
	c->anon += r->kind == PTSCOPE_KIND_ANON;
	c->file += r->kind == PTSCOPE_KIND_FILE;
	c->shmem += r->kind == PTSCOPE_KIND_SHMEM;
	c->zero += r->kind == PTSCOPE_KIND_ZERO;
	c->huge_zero += r->kind == PTSCOPE_KIND_HUGE_ZERO;
	c->ksm += r->kind == PTSCOPE_KIND_KSM;
	c->thp += !!(r->flags & PTSCOPE_PF_THP);
	c->hugetlb += !!(r->flags & PTSCOPE_PF_HUGETLB);
	c->exclusive += !!(r->flags & PTSCOPE_PF_ANON_EXCLUSIVE);
	c->soft_dirty += !!(r->flags & PTSCOPE_PF_SOFT_DIRTY);
	c->writable += !!(r->flags & PTSCOPE_PF_WRITE);
}

static inline bool same_record(const struct ptscope_page_region *a,
			const struct ptscope_page_region *b)
{
	/*
	 * A page leaves the per-CPU LRU batch whenever it likes (on
	 * PREEMPT_RT a worker drains the batches), and the batch's reference
	 * to the folio goes with it: the LRU flag and one reference may
	 * change between two walks, together.
	 */
	uint64_t mask = ~PTSCOPE_PF_LRU;
	bool left_batch = (a->flags ^ b->flags) & PTSCOPE_PF_LRU;
	long long refs = (long long)a->refcount - b->refcount;

	return a->start == b->start && a->end == b->end &&
	       (a->flags & mask) == (b->flags & mask) &&
	       a->pfn == b->pfn && a->swap_offset == b->swap_offset &&
	       a->swap_type == b->swap_type && a->mapcount == b->mapcount &&
	       (!refs || (left_batch && (refs == 1 || refs == -1))) &&
	       a->node == b->node &&
	       a->kind == b->kind && a->entry == b->entry && a->level == b->level &&
	       a->folio_order == b->folio_order;
}

/*
 * Query [start, end) of @pid per page and as regions (with frames), check
 * the two agree, and check every page against the oracles.
 */
static inline void check_range(struct __test_metadata *_metadata, pid_t pid,
			uint64_t start, uint64_t end, bool soft_dirty_exact,
			struct checked *c, struct ptscope_page_region **recs)
{
	size_t n = (end - start) / PAGE, i;
	struct ptscope_page_region *pp, *rg;
	uint64_t *pm;
	int *nodes, fd;

	memset(c, 0, sizeof(*c));
	pp = calloc(n, sizeof(*pp));
	rg = calloc(n, sizeof(*rg));
	pm = calloc(n, sizeof(*pm));
	nodes = calloc(n, sizeof(*nodes));
	ASSERT_TRUE(pp && rg && pm && nodes);
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);

	drain_lru_batches();
	ASSERT_EQ((long)n, query_pages(fd, pid, start, end, 0, 997, pp));
	ASSERT_EQ((long)n, query_pages(fd, pid, start, end,
				       PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN,
				       13, rg));
	ASSERT_EQ(0, pagemap_read(pid, start, n, pm));
	ASSERT_EQ(0, pages_nodes(pid, start, n, nodes));

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(same_record(&pp[i], &rg[i])) {
			TH_LOG("%#lx: per-page and region records differ: flags %#llx/%#llx mapcount %u/%u refcount %u/%u pfn %#llx/%#llx node %d/%d",
			       (long)(start + i * PAGE),
			       (unsigned long long)pp[i].flags,
			       (unsigned long long)rg[i].flags, pp[i].mapcount,
			       rg[i].mapcount, pp[i].refcount, rg[i].refcount,
			       (unsigned long long)pp[i].pfn,
			       (unsigned long long)rg[i].pfn, (int)pp[i].node,
			       (int)rg[i].node);
		}
		check_page(_metadata, start + i * PAGE, &pp[i], pm[i],
			   nodes[i], soft_dirty_exact, c);
	}
	close(fd);
	free(rg);
	free(pm);
	free(nodes);
	if (recs)
		*recs = pp;
	else
		free(pp);
}

#define RANGE(p, len) (uint64_t)(uintptr_t)(p), (uint64_t)(uintptr_t)(p) + (len)

#endif /* PTSCOPE_PAGES_CHECK_H */
