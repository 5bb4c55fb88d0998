// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the page-table walker.
 *
 * Our own PGD -> P4D -> PUD -> PMD -> PTE walk (walk_page_range() is not
 * exported), one function per level as in mm/pagewalk.c.  Locking:
 *
 *  - the caller holds a reference on the mm (mm_users, via get_task_mm) and
 *    mmap_read_lock for the whole chunk, and walks only inside VMAs found
 *    under that lock, so no VMA's page tables are freed by munmap under us;
 *  - PTE tables can still be freed or replaced under the read lock on 6.5+
 *    (khugepaged collapse, 7.2's empty-table reclaim after MADV_DONTNEED), so
 *    each one is mapped under RCU with the PMD re-checked after taking its
 *    lock, and the walk retries the PMD if it changed;
 *  - every entry is read once (ptep_get / READ_ONCE) with the lock that
 *    covers it held, so a present entry's folio cannot be freed while it is
 *    decoded;
 *  - shared hugetlb PMD tables are kept by i_mmap_lock_read, as the rule in
 *    include/linux/hugetlb.h asks of page-table walkers.
 *
 * A chunk stops after PTSCOPE_CHUNK_STEPS entries, when the output says so,
 * or at the end; the caller drops the lock between chunks.
 *
 * What the walk finds goes to a sink (walk.h): the records sink (PAGES) or
 * the summary sink (MAPS).  The walker below is written once, for any
 * struct ptscope_sink_ops, in __always_inline functions; it is instantiated
 * once per sink, each instance with its sink a constant, so that no call to
 * a sink is indirect: the levels above PTE tables in the two entry points
 * at the end of this file, the loop over a PTE table in walk_pte.c.
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched.h>

#include "walk_internal.h"

/*
 * mmap_assert_locked() without its VM_BUG_ON_MM(), which calls dump_mm():
 * not exported, so a module using it cannot load on a DEBUG_VM kernel.
 */
static inline void ptscope_assert_locked(struct mm_struct *mm)
{
	lockdep_assert_held(&mm->mmap_lock);
}

/*
 * Stop at @addr, which the next chunk resumes, when this chunk is out of
 * steps, or, once it has done anything, when a writer waits for the mmap
 * lock (the target's own mmap, munmap or mprotect, which every new fault
 * of the target then queues behind) or the scheduler wants the CPU.
 */
static __always_inline bool ptscope_chunk_over(struct ptscope_walk *w,
					       unsigned long addr)
{
	if (w->steps) {
		if (w->steps == PTSCOPE_CHUNK_STEPS)
			return false;
		if (!mmap_lock_is_contended(w->mm) && !need_resched())
			return false;
		ptscope_count_yield();
	}
	w->stop = addr;
	w->status = PTSCOPE_OUT_CHUNK_FULL;
	return true;
}

/*
 * A huge leaf covering [@leaf_start, @leaf_start + @size), of which
 * [@addr, @end) is walked.  Pages of a large folio may differ only in
 * mapcount (when PTEs elsewhere map part of it): emit runs of equal counts.
 */
static __always_inline bool
ptscope_walk_huge_leaf(const struct ptscope_sink_ops *ops,
		       struct ptscope_walk_vma *wv, u64 entry, int level,
		       unsigned long leaf_start, unsigned long addr,
		       unsigned long end)
{
	struct ptscope_walk *w = wv->w;
	struct ptscope_page_region rec __uninitialized;	/* decoded in full */
	unsigned long idx, first, last, run;
	struct folio *folio;
	bool per_page;

	ptscope_decode_huge(&wv->d, entry, level, &rec, &folio);
	first = (addr - leaf_start) >> PAGE_SHIFT;
	last = (end - leaf_start) >> PAGE_SHIFT;
	if (rec.pfn)
		rec.pfn += first;
	if (rec.swap_offset)
		rec.swap_offset += first;

	per_page = folio && rec.kind != PTSCOPE_KIND_HUGE_ZERO &&
		   rec.mapcount_src != PTSCOPE_MAPCOUNT_AVERAGE &&
		   pts_folio_maybe_pte_mapped(folio);
	if (!per_page)
		return ptscope_emit(ops, w, &rec, addr, last - first);

	for (idx = first; idx < last; idx = run) {
		/* Runs of equal counts as shown: a reader's cut at 2. */
		ptscope_set_mapcount(&wv->d, &rec,
				     ptscope_subpage_mapcount(folio, idx));
		for (run = idx + 1; run < last; run++)
			if (ptscope_shown_mapcount(&wv->d,
						   ptscope_subpage_mapcount(folio, run)) !=
			    rec.mapcount)
				break;
		if (ptscope_emit(ops, w, &rec, leaf_start + (idx << PAGE_SHIFT),
				 run - idx))
			return true;
		if (rec.pfn)
			rec.pfn += run - idx;
	}
	return false;
}

/* A PMD entry's range, [@addr, @next), to a sink that counts ranges. */
static __always_inline void ptscope_walk_range(const struct ptscope_sink_ops *ops,
					       struct ptscope_walk *w,
					       struct ptscope_range *r,
					       unsigned long addr,
					       unsigned long next)
{
	if (!ops->range)
		return;
	r->whole = !(addr & ~PMD_MASK) && next - addr == PMD_SIZE;
	ops->range(w, r);
}

static __always_inline int
ptscope_walk_pmd_range(const struct ptscope_sink_ops *ops,
		       struct ptscope_walk_vma *wv, pud_t *pud,
		       unsigned long addr, unsigned long end)
{
	struct ptscope_walk *w = wv->w;
	struct ptscope_range r;
	unsigned long next;
	pmd_t *pmd, pmdval;
	spinlock_t *ptl;	/* the page-table lock covering the entry */
	int ret;

	pmd = pmd_offset(pud, addr);
	do {
		next = pmd_addr_end(addr, end);
		if (ptscope_chunk_over(w, addr))
			return 1;
		w->steps--;
again:
		memset(&r, 0, sizeof(r));
		pmdval = pts_pmdp_get_lockless(pmd);
		if (pmd_none(pmdval)) {
			ptscope_walk_range(ops, w, &r, addr, next);
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_PMD, addr, next))
				return 1;
			continue;
		}
		if (!pmd_present(pmdval) || pmd_leaf(pmdval)) {
			/* THP, hugetlb or a huge migration entry: lock, re-read. */
			ptl = pmd_lock(w->mm, pmd);
			pmdval = READ_ONCE(*pmd);
			if (pmd_none(pmdval) ||
			    (pmd_present(pmdval) && !pmd_leaf(pmdval))) {
				spin_unlock(ptl);
				goto again;
			}
			r.pmd = pmd_present(pmdval);
			ret = ptscope_walk_huge_leaf(ops, wv, pmd_val(pmdval),
						     PTSCOPE_LEVEL_PMD,
						     addr & PMD_MASK, addr, next);
			spin_unlock(ptl);
			ptscope_walk_range(ops, w, &r, addr, next);
			if (ret)
				return 1;
			continue;
		}
		if (pmd_bad(pmdval)) {
			ptscope_walk_range(ops, w, &r, addr, next);
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_PMD, addr, next))
				return 1;
			continue;
		}
		ptscope_walk_table(ops, w, PTSCOPE_LEVEL_PTE, addr & PMD_MASK);
		r.table = true;
		ret = ptscope_walk_pte_range_call(ops, wv, pmd, addr, next, &r);
		if (ret == -EAGAIN)
			goto again;
		ptscope_walk_range(ops, w, &r, addr, next);
		if (ret)
			return 1;
	} while (pmd++, addr = next, addr != end);
	return 0;
}

static __always_inline int
ptscope_walk_pud_range(const struct ptscope_sink_ops *ops,
		       struct ptscope_walk_vma *wv, p4d_t *p4d,
		       unsigned long addr, unsigned long end)
{
	struct ptscope_walk *w = wv->w;
	unsigned long next;
	pud_t *pud, pudval;
	spinlock_t *ptl;	/* the page-table lock covering the entry */
	int ret;

	pud = pud_offset(p4d, addr);
	do {
		next = pud_addr_end(addr, end);
		if (ptscope_chunk_over(w, addr))
			return 1;
again:
		pudval = READ_ONCE(*pud);
		if (pud_none(pudval)) {
			w->steps--;
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_PUD, addr, next))
				return 1;
			continue;
		}
		if (!pud_present(pudval) || pud_leaf(pudval)) {
			/* 1 GiB hugetlb (or DAX): mm->page_table_lock. */
			ptl = pud_lock(w->mm, pud);
			pudval = READ_ONCE(*pud);
			if (pud_none(pudval) ||
			    (pud_present(pudval) && !pud_leaf(pudval))) {
				spin_unlock(ptl);
				goto again;
			}
			/* A step once the entry is taken: a retry costs none. */
			w->steps--;
			ret = ptscope_walk_huge_leaf(ops, wv, pud_val(pudval),
						     PTSCOPE_LEVEL_PUD,
						     addr & PUD_MASK, addr, next);
			spin_unlock(ptl);
			if (ret)
				return 1;
			continue;
		}
		if (pud_bad(pudval)) {
			w->steps--;
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_PUD, addr, next))
				return 1;
			continue;
		}
		ptscope_walk_table(ops, w, PTSCOPE_LEVEL_PMD, addr & PUD_MASK);
		if (ptscope_walk_pmd_range(ops, wv, pud, addr, next))
			return 1;
	} while (pud++, addr = next, addr != end);
	return 0;
}

static __always_inline int
ptscope_walk_p4d_range(const struct ptscope_sink_ops *ops,
		       struct ptscope_walk_vma *wv, pgd_t *pgd,
		       unsigned long addr, unsigned long end)
{
	struct ptscope_walk *w = wv->w;
	unsigned long next;
	p4d_t *p4d, p4dval;

	p4d = p4d_offset(pgd, addr);
	do {
		next = p4d_addr_end(addr, end);
		if (ptscope_chunk_over(w, addr))
			return 1;
		p4dval = READ_ONCE(*p4d);
		if (p4d_none(p4dval) || p4d_bad(p4dval)) {
			w->steps--;
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_NONE, addr, next))
				return 1;
			continue;
		}
		ptscope_walk_table(ops, w, PTSCOPE_LEVEL_PUD, addr & P4D_MASK);
		if (ptscope_walk_pud_range(ops, wv, p4d, addr, next))
			return 1;
	} while (p4d++, addr = next, addr != end);
	return 0;
}

/* [@addr, @end) lies inside @vma.  Returns 1 when the walk stopped. */
static __always_inline int
ptscope_walk_vma_range(const struct ptscope_sink_ops *ops,
		       struct ptscope_walk *w, struct vm_area_struct *vma,
		       unsigned long addr, unsigned long end)
{
	struct ptscope_walk_vma wv = {
		.w = w,
		.d = {
			.vma = vma,
			.show_pfn = w->show_pfn,
			.show_refcount = w->show_refcount,
			.show_access = w->show_access,
			.raw_pfns = vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP),
			.hugetlb = is_vm_hugetlb_page(vma),
		},
	};
	struct address_space *mapping = NULL;
	unsigned long next;
	pgd_t *pgd, pgdval;
	int ret = 0;

	/* Shared hugetlb PMD tables are unshared under i_mmap_rwsem. */
	if (is_vm_hugetlb_page(vma) && (vma->vm_flags & VM_MAYSHARE) &&
	    vma->vm_file) {
		mapping = vma->vm_file->f_mapping;
		i_mmap_lock_read(mapping);
	}

	pgd = pgd_offset(w->mm, addr);
	do {
		next = pgd_addr_end(addr, end);
		if (ptscope_chunk_over(w, addr)) {
			ret = 1;
			break;
		}
		pgdval = READ_ONCE(*pgd);
		if (pgd_none(pgdval) || pgd_bad(pgdval)) {
			w->steps--;
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_NONE, addr, next)) {
				ret = 1;
				break;
			}
			continue;
		}
		if (ptscope_walk_p4d_range(ops, &wv, pgd, addr, next)) {
			ret = 1;
			break;
		}
	} while (pgd++, addr = next, addr != end);

	if (mapping)
		i_mmap_unlock_read(mapping);
	return ret;
}

/**
 * ptscope_walk_records - walk [@start, @end) into @w->out until the chunk is over
 * @w: walk state; @w->mm held with mmget and mmap_read_lock
 * @start: first address
 * @end: end of the query
 *
 * Addresses outside every VMA produce nothing.  Returns where the next
 * chunk starts (@end when done); @w->status tells why it stopped.
 */
unsigned long ptscope_walk_records(struct ptscope_walk *w, unsigned long start,
				   unsigned long end)
{
	VMA_ITERATOR(vmi, w->mm, start);
	struct vm_area_struct *vma;

	ptscope_assert_locked(w->mm);
	w->status = PTSCOPE_OUT_OK;
	w->steps = PTSCOPE_CHUNK_STEPS;
	for_each_vma_range(vmi, vma, end) {
		unsigned long s = max(start, vma->vm_start);
		unsigned long e = min(end, vma->vm_end);

		if (ptscope_walk_vma_range(&ptscope_records_sink, w, vma, s, e))
			return w->stop;
	}
	return end;
}

/**
 * ptscope_walk_summary - count [@start, @end) of @vma into @w->sum until the chunk is over
 * @w: walk state; @w->mm held with mmget and mmap_read_lock, @w->steps the
 *     entries this hold of the lock may still visit (at most
 *     PTSCOPE_CHUNK_STEPS), left in it for the next VMA
 * @vma: a VMA found under that lock, containing [@start, @end)
 * @start: first address
 * @end: end of the range
 *
 * Returns where the next chunk starts (@end when done).
 */
unsigned long ptscope_walk_summary(struct ptscope_walk *w,
				   struct vm_area_struct *vma,
				   unsigned long start, unsigned long end)
{
	ptscope_assert_locked(w->mm);
	w->status = PTSCOPE_OUT_OK;
	if (ptscope_walk_vma_range(&ptscope_summary_sink, w, vma, start, end))
		return w->stop;
	return end;
}
