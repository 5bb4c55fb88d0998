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
 * The records go to the caller's output (PAGES), or, with @w->sum, are
 * counted into a mapping's summary (MAPS), which also counts the tables.
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched.h>

#include "pte_decode.h"

/*
 * mmap_assert_locked() without its VM_BUG_ON_MM(), which calls dump_mm():
 * not exported, so a module using it cannot load on a DEBUG_VM kernel.
 */
static inline void ptscope_assert_locked(struct mm_struct *mm)
{
	lockdep_assert_held(&mm->mmap_lock);
}

struct ptscope_walk_vma {
	struct ptscope_walk *w;
	struct ptscope_decode d;
};

/* Emit; true when the walk must stop (w->stop and w->status set). */
static __always_inline bool ptscope_emit(struct ptscope_walk *w,
					 struct ptscope_page_region *rec,
					 unsigned long addr,
					 unsigned long nr_pages)
{
	int status;

	rec->start = addr;
	if (w->sum) {
		ptscope_summary_add(w->sum, rec, nr_pages);
		return false;
	}
	status = ptscope_out_add(w->out, rec, nr_pages, &w->stop);
	if (status == PTSCOPE_OUT_OK)
		return false;
	w->status = status;
	return true;
}

/*
 * Take the page at @addr, whose key repeats that of the page just taken
 * before it, with its own frame, swap slot and entry as they are shown.
 * False: decode and emit it the long way.
 */
static __always_inline bool ptscope_emit_repeat(struct ptscope_walk *w,
						unsigned long addr, u64 pfn,
						u64 swap_offset, u64 raw)
{
	if (w->sum)
		return ptscope_summary_repeat(w->sum, addr);
	return ptscope_out_repeat(w->out, addr, pfn, swap_offset, raw);
}

static bool ptscope_emit_none(struct ptscope_walk *w, int level,
			      unsigned long addr, unsigned long end)
{
	struct ptscope_page_region rec __uninitialized;	/* decoded in full */

	ptscope_decode_none(level, &rec);
	return ptscope_emit(w, &rec, addr, (end - addr) >> PAGE_SHIFT);
}

/* The walk passes through the table at @level that maps from @base. */
static void ptscope_walk_table(struct ptscope_walk *w, int level,
			       unsigned long base)
{
	if (w->sum)
		ptscope_summary_table(w->sum, level, base);
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
 * Map the PTE table below @pmd and lock it, like __pte_offset_map_lock():
 * under RCU, from a lockless read of the PMD, re-checked once the lock is
 * held.  NULL if there is no table there (any more).
 */
static pte_t *ptscope_pte_map_lock(struct mm_struct *mm, pmd_t *pmd,
				   unsigned long addr, spinlock_t **ptlp)
{
	spinlock_t *ptl;	/* the page-table lock covering the entry */
	pmd_t pmdval;
	pte_t *pte;

	for (;;) {
		rcu_read_lock();
		pmdval = pts_pmdp_get_lockless(pmd);
		if (pmd_none(pmdval) || !pmd_present(pmdval) ||
		    pmd_leaf(pmdval) || pmd_bad(pmdval)) {
			rcu_read_unlock();
			return NULL;
		}
		pte = pte_offset_kernel(&pmdval, addr);
		ptl = pte_lockptr(mm, &pmdval);
		spin_lock(ptl);
		if (likely(pmd_same(pmdval, pts_pmdp_get_lockless(pmd)))) {
			*ptlp = ptl;
			return pte;
		}
		spin_unlock(ptl);
		rcu_read_unlock();
	}
}

static void ptscope_pte_unmap_unlock(pte_t *pte, spinlock_t *ptl)
{
	spin_unlock(ptl);
	pts_pte_unmap(pte);
}

/* What a PTE entry adds to its range's facts (counting walks only). */
static void ptscope_range_add(struct ptscope_range *r,
			      const struct ptscope_page_region *rec)
{
	if (rec->entry == PTSCOPE_ENTRY_NONE || rec->kind == PTSCOPE_KIND_ZERO)
		r->empty++;
	if (rec->entry == PTSCOPE_ENTRY_PRESENT)
		r->present++;
	if (rec->folio_order >= PMD_SHIFT - PAGE_SHIFT &&
	    !(rec->flags & PTSCOPE_PF_HUGETLB))
		r->split = true;
}

/* What the entry before was, and so which key the next can repeat. */
enum ptscope_last {
	PTSCOPE_LAST_OTHER,	/* none, or not keyed */
	PTSCOPE_LAST_PAGE,	/* an order-0 page, keyed and taken */
	PTSCOPE_LAST_SWAP,	/* a swap entry, keyed and taken */
};

/*
 * A PTE that does not repeat the one before it, decoded in full and taken;
 * @key is its key if @kind is PTSCOPE_LAST_PAGE.  Out of line, so that the
 * loop of ptscope_walk_pte_range() over pages that do repeat stays small.
 * True when the walk must stop.
 */
static noinline bool ptscope_walk_pte_decode(struct ptscope_walk_vma *wv,
					     pte_t entry,
					     const struct ptscope_page_key *key,
					     enum ptscope_last kind,
					     unsigned long addr,
					     struct ptscope_range *r)
{
	struct ptscope_page_region rec __uninitialized;	/* decoded in full */

	if (kind == PTSCOPE_LAST_PAGE)
		ptscope_decode_keyed(&wv->d, entry, key, &rec);
	else
		ptscope_decode_pte(&wv->d, entry, &rec);
	if (r)
		ptscope_range_add(r, &rec);
	return ptscope_emit(wv->w, &rec, addr, 1);
}

/*
 * Returns -EAGAIN when the table went away: the caller re-reads the PMD.
 * @r, when counting, gets the facts of the range.
 *
 * This loop runs once a page, so it has a page of code to itself (its own
 * section, page aligned, not inlined).  QEMU's TCG, where CI and bench/
 * run, chains translated blocks directly only within one 4 KiB page of
 * code; a jump to another page is a hash lookup.  Where the loop straddled
 * two pages, each page of the target cost two (512 MiB of scattered
 * frames, 6.1: regions 13.4-16.4 -> 12.3-13.5 ms).  On hardware it costs at
 * most a page of padding in the module's memory.
 */
static noinline int __section(".text.ptscope_walk") __aligned(PAGE_SIZE)
ptscope_walk_pte_range(struct ptscope_walk_vma *wv, pmd_t *pmd,
		       unsigned long addr, unsigned long end,
		       struct ptscope_range *r)
{
	struct ptscope_walk *w = wv->w;
	struct ptscope_page_key key, last;	/* this page's, the last one's */
	struct ptscope_swap_key swap, last_swap;
	enum ptscope_last last_was = PTSCOPE_LAST_OTHER;
	bool show_pfn = wv->d.show_pfn, show_access = wv->d.show_access;
	pte_t *start_pte, *pte;
	spinlock_t *ptl;	/* the page-table lock covering the entry */
	unsigned long nr;	/* entries the record describes */
	int ret = 0;

	start_pte = ptscope_pte_map_lock(w->mm, pmd, addr, &ptl);
	if (!start_pte)
		return -EAGAIN;
	for (pte = start_pte; addr < end; addr += nr << PAGE_SHIFT, pte += nr) {
		pte_t entry = ptep_get(pte);

		nr = 1;
		if (pte_none(entry)) {
			last_was = PTSCOPE_LAST_OTHER;
			/* Empty entries come in runs: one record for the run. */
			while (addr + (nr << PAGE_SHIFT) < end &&
			       pte_none(ptep_get(pte + nr)))
				nr++;
			if (r)
				r->empty += nr;
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_PTE, addr,
					      addr + (nr << PAGE_SHIFT))) {
				ret = 1;
				break;
			}
			continue;
		}
		if (ptscope_read_page_key(&wv->d, entry, &key)) {
			if (last_was == PTSCOPE_LAST_PAGE &&
			    ptscope_key_repeats(&last, &key) &&
			    ptscope_emit_repeat(w, addr,
						show_pfn ? key.pfn : 0, 0,
						!show_access ? 0 :
						show_pfn ? pte_val(entry) :
							   key.pte_bits)) {
				/* Present, order 0, not the zero page. */
				if (r)
					r->present++;
				last = key;
				continue;
			}
			last = key;
			last_was = PTSCOPE_LAST_PAGE;
		} else if (ptscope_read_swap_key(entry, &swap)) {
			if (last_was == PTSCOPE_LAST_SWAP &&
			    ptscope_swap_key_repeats(&wv->d, &last_swap, &swap) &&
			    ptscope_emit_repeat(w, addr, 0,
						show_pfn ? swap.offset : 0,
						!show_access ? 0 :
						show_pfn ? swap.val : swap.val &
						~PTSCOPE_SWP_LOCATION_MASK)) {
				last_swap = swap;
				continue;
			}
			last_swap = swap;
			last_was = PTSCOPE_LAST_SWAP;
		} else {
			last_was = PTSCOPE_LAST_OTHER;
		}
		if (ptscope_walk_pte_decode(wv, entry, &key, last_was, addr, r)) {
			ret = 1;
			break;
		}
	}
	ptscope_pte_unmap_unlock(start_pte, ptl);
	w->steps -= min_t(unsigned long, w->steps, PTRS_PER_PTE);
	return ret;
}

/*
 * A huge leaf covering [@leaf_start, @leaf_start + @size), of which
 * [@addr, @end) is walked.  Pages of a large folio may differ only in
 * mapcount (when PTEs elsewhere map part of it): emit runs of equal counts.
 */
static bool ptscope_walk_huge_leaf(struct ptscope_walk_vma *wv, u64 entry,
				   int level, unsigned long leaf_start,
				   unsigned long addr, unsigned long end)
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
		return ptscope_emit(w, &rec, addr, last - first);

	for (idx = first; idx < last; idx = run) {
		/* Runs of equal counts as shown: a reader's cut at 2. */
		ptscope_set_mapcount(&wv->d, &rec,
				     ptscope_subpage_mapcount(folio, idx));
		for (run = idx + 1; run < last; run++)
			if (ptscope_shown_mapcount(&wv->d,
						   ptscope_subpage_mapcount(folio, run)) !=
			    rec.mapcount)
				break;
		if (ptscope_emit(w, &rec, leaf_start + (idx << PAGE_SHIFT),
				 run - idx))
			return true;
		if (rec.pfn)
			rec.pfn += run - idx;
	}
	return false;
}

/* A PMD entry's range, into the summary of a counting walk. */
static void ptscope_walk_range(struct ptscope_walk *w, struct ptscope_range *r,
			       unsigned long addr, unsigned long next)
{
	if (!w->sum)
		return;
	r->whole = !(addr & ~PMD_MASK) && next - addr == PMD_SIZE;
	ptscope_summary_range(w->sum, r);
}

static int ptscope_walk_pmd_range(struct ptscope_walk_vma *wv, pud_t *pud,
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
			ptscope_walk_range(w, &r, addr, next);
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_PMD, addr, next))
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
			ret = ptscope_walk_huge_leaf(wv, pmd_val(pmdval),
						     PTSCOPE_LEVEL_PMD,
						     addr & PMD_MASK, addr, next);
			spin_unlock(ptl);
			ptscope_walk_range(w, &r, addr, next);
			if (ret)
				return 1;
			continue;
		}
		if (pmd_bad(pmdval)) {
			ptscope_walk_range(w, &r, addr, next);
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_PMD, addr, next))
				return 1;
			continue;
		}
		ptscope_walk_table(w, PTSCOPE_LEVEL_PTE, addr & PMD_MASK);
		r.table = true;
		ret = ptscope_walk_pte_range(wv, pmd, addr, next,
					     w->sum ? &r : NULL);
		if (ret == -EAGAIN)
			goto again;
		ptscope_walk_range(w, &r, addr, next);
		if (ret)
			return 1;
	} while (pmd++, addr = next, addr != end);
	return 0;
}

static int ptscope_walk_pud_range(struct ptscope_walk_vma *wv, p4d_t *p4d,
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
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_PUD, addr, next))
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
			ret = ptscope_walk_huge_leaf(wv, pud_val(pudval),
						     PTSCOPE_LEVEL_PUD,
						     addr & PUD_MASK, addr, next);
			spin_unlock(ptl);
			if (ret)
				return 1;
			continue;
		}
		if (pud_bad(pudval)) {
			w->steps--;
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_PUD, addr, next))
				return 1;
			continue;
		}
		ptscope_walk_table(w, PTSCOPE_LEVEL_PMD, addr & PUD_MASK);
		if (ptscope_walk_pmd_range(wv, pud, addr, next))
			return 1;
	} while (pud++, addr = next, addr != end);
	return 0;
}

static int ptscope_walk_p4d_range(struct ptscope_walk_vma *wv, pgd_t *pgd,
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
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_NONE, addr, next))
				return 1;
			continue;
		}
		ptscope_walk_table(w, PTSCOPE_LEVEL_PUD, addr & P4D_MASK);
		if (ptscope_walk_pud_range(wv, p4d, addr, next))
			return 1;
	} while (p4d++, addr = next, addr != end);
	return 0;
}

/* [@addr, @end) lies inside @vma.  Returns 1 when the walk stopped. */
static int ptscope_walk_vma_range(struct ptscope_walk *w,
				  struct vm_area_struct *vma,
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
			if (ptscope_emit_none(w, PTSCOPE_LEVEL_NONE, addr, next)) {
				ret = 1;
				break;
			}
			continue;
		}
		if (ptscope_walk_p4d_range(&wv, pgd, addr, next)) {
			ret = 1;
			break;
		}
	} while (pgd++, addr = next, addr != end);

	if (mapping)
		i_mmap_unlock_read(mapping);
	return ret;
}

/**
 * ptscope_walk_chunk - walk [@start, @end) until the chunk is over
 * @w: walk state; @w->mm held with mmget and mmap_read_lock
 * @start: first address
 * @end: end of the query
 *
 * Addresses outside every VMA produce nothing.  Returns where the next
 * chunk starts (@end when done); @w->status tells why it stopped.
 */
unsigned long ptscope_walk_chunk(struct ptscope_walk *w, unsigned long start,
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

		if (ptscope_walk_vma_range(w, vma, s, e))
			return w->stop;
	}
	return end;
}

/**
 * ptscope_walk_vma_chunk - walk [@start, @end) of @vma until the chunk is over
 * @w: walk state; @w->mm held with mmget and mmap_read_lock, @w->steps the
 *     entries this hold of the lock may still visit (at most
 *     PTSCOPE_CHUNK_STEPS), left in it for the next VMA
 * @vma: a VMA found under that lock, containing [@start, @end)
 * @start: first address
 * @end: end of the range
 *
 * Returns where the next chunk starts (@end when done).
 */
unsigned long ptscope_walk_vma_chunk(struct ptscope_walk *w,
				     struct vm_area_struct *vma,
				     unsigned long start, unsigned long end)
{
	ptscope_assert_locked(w->mm);
	w->status = PTSCOPE_OUT_OK;
	if (ptscope_walk_vma_range(w, vma, start, end))
		return w->stop;
	return end;
}
