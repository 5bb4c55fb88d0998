// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the walker's PTE level (walk.c has the levels above): the loop
 * over one PTE table, which runs once a page.  Each PTE table is mapped
 * under RCU and locked, with its PMD re-checked once the lock is held, as
 * tables can be freed or replaced under the mmap read lock on 6.5+
 * (khugepaged collapse, 7.2's empty-table reclaim after MADV_DONTNEED).
 *
 * Written once for any sink (walk.h), and instantiated here once per sink.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "walk_internal.h"

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

/* What the entry before was, and so which key the next can repeat. */
enum ptscope_last {
	PTSCOPE_LAST_OTHER,	/* none, or not keyed */
	PTSCOPE_LAST_PAGE,	/* an order-0 page, keyed and taken */
	PTSCOPE_LAST_SWAP,	/* a swap entry, keyed and taken */
};

/*
 * A PTE that does not repeat the one before it, decoded in full and taken;
 * @key is its key if @kind is PTSCOPE_LAST_PAGE.  Called out of line, through
 * each sink's instance below, so that the loop of ptscope_walk_pte_range()
 * over pages that do repeat stays small.  True when the walk must stop.
 */
static __always_inline bool
ptscope_walk_pte_decode(const struct ptscope_sink_ops *ops,
			struct ptscope_walk_vma *wv, pte_t entry,
			const struct ptscope_page_key *key,
			enum ptscope_last kind, unsigned long addr,
			struct ptscope_range *r)
{
	struct ptscope_page_region rec __uninitialized;	/* decoded in full */

	if (kind == PTSCOPE_LAST_PAGE)
		ptscope_decode_keyed(&wv->d, entry, key, &rec);
	else
		ptscope_decode_pte(&wv->d, entry, &rec);
	if (ops->range)
		ptscope_range_add(r, &rec);
	return ptscope_emit(ops, wv->w, &rec, addr, 1);
}

/* Each sink's instance of ptscope_walk_pte_decode(). */
static noinline __noipa bool
ptscope_walk_pte_decode_records(struct ptscope_walk_vma *wv, pte_t entry,
				const struct ptscope_page_key *key,
				enum ptscope_last kind, unsigned long addr,
				struct ptscope_range *r)
{
	return ptscope_walk_pte_decode(&ptscope_records_sink, wv, entry, key,
				       kind, addr, r);
}

static noinline __noipa bool
ptscope_walk_pte_decode_summary(struct ptscope_walk_vma *wv, pte_t entry,
				const struct ptscope_page_key *key,
				enum ptscope_last kind, unsigned long addr,
				struct ptscope_range *r)
{
	return ptscope_walk_pte_decode(&ptscope_summary_sink, wv, entry, key,
				       kind, addr, r);
}

/* ptscope_walk_pte_decode(), out of line: @ops's own instance. */
static __always_inline bool
ptscope_walk_pte_decode_call(const struct ptscope_sink_ops *ops,
			     struct ptscope_walk_vma *wv, pte_t entry,
			     const struct ptscope_page_key *key,
			     enum ptscope_last kind, unsigned long addr,
			     struct ptscope_range *r)
{
	if (ops == &ptscope_records_sink)
		return ptscope_walk_pte_decode_records(wv, entry, key, kind,
						       addr, r);
	if (ops == &ptscope_summary_sink)
		return ptscope_walk_pte_decode_summary(wv, entry, key, kind,
						       addr, r);
	BUILD_BUG();	/* a sink without an instance of the decode */
	return false;
}

/*
 * Returns -EAGAIN when the table went away: the caller re-reads the PMD.
 * @r, when @ops counts ranges, gets the facts of the range.
 *
 * This loop runs once a page, so each sink's instance of it has a page of
 * code to itself (its own section, page aligned, not inlined).  QEMU's TCG, where CI and bench/
 * run, chains translated blocks directly only within one 4 KiB page of
 * code; a jump to another page is a hash lookup.  Where the loop straddled
 * two pages, each page of the target cost two (512 MiB of scattered
 * frames, 6.1: regions 13.4-16.4 -> 12.3-13.5 ms).  On hardware it costs at
 * most a page of padding in the module's memory.
 */
static __always_inline int
ptscope_walk_pte_range(const struct ptscope_sink_ops *ops,
		       struct ptscope_walk_vma *wv, pmd_t *pmd,
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
			if (ops->range)
				r->empty += nr;
			if (ptscope_emit_none(ops, w, PTSCOPE_LEVEL_PTE, addr,
					      addr + (nr << PAGE_SHIFT))) {
				ret = 1;
				break;
			}
			continue;
		}
		if (ptscope_read_page_key(&wv->d, entry, &key)) {
			if (last_was == PTSCOPE_LAST_PAGE &&
			    ptscope_key_repeats(&last, &key) &&
			    ops->repeat(w, addr, show_pfn ? key.pfn : 0, 0,
					!show_access ? 0 :
					show_pfn ? pte_val(entry) :
						   key.pte_bits)) {
				/* Present, order 0, not the zero page. */
				if (ops->range)
					r->present++;
				last = key;
				continue;
			}
			last = key;
			last_was = PTSCOPE_LAST_PAGE;
		} else if (ptscope_read_swap_key(entry, &swap)) {
			if (last_was == PTSCOPE_LAST_SWAP &&
			    ptscope_swap_key_repeats(&wv->d, &last_swap, &swap) &&
			    ops->repeat(w, addr, 0, show_pfn ? swap.offset : 0,
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
		if (ptscope_walk_pte_decode_call(ops, wv, entry, &key, last_was,
						 addr, r)) {
			ret = 1;
			break;
		}
	}
	ptscope_pte_unmap_unlock(start_pte, ptl);
	w->steps -= min_t(unsigned long, w->steps, PTRS_PER_PTE);
	return ret;
}

/*
 * Each sink's instance of the loop: a section of its own, aligned to a
 * page (one section would pad the first loop to a page with a jump objtool
 * calls unreachable); scripts/code-layout checks that each lies within one
 * page and calls nothing indirectly.
 */
noinline int __section(".text.ptscope_walk_records") __aligned(PAGE_SIZE)
ptscope_walk_pte_range_records(struct ptscope_walk_vma *wv, pmd_t *pmd,
			       unsigned long addr, unsigned long end,
			       struct ptscope_range *r)
{
	return ptscope_walk_pte_range(&ptscope_records_sink, wv, pmd, addr,
				      end, r);
}

noinline int __section(".text.ptscope_walk_summary") __aligned(PAGE_SIZE)
ptscope_walk_pte_range_summary(struct ptscope_walk_vma *wv, pmd_t *pmd,
			       unsigned long addr, unsigned long end,
			       struct ptscope_range *r)
{
	return ptscope_walk_pte_range(&ptscope_summary_sink, wv, pmd, addr,
				      end, r);
}
