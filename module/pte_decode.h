/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: decode a PTE into a struct ptscope_page_region, inline.
 *
 * This runs once for every page a walk passes, so it is compiled into the
 * walker's loop over a PTE table, where nothing is called for an ordinary
 * page (the record itself still lives on the stack).  The rarer cases
 * (non-present entries, huge leaves) are decoded out of line in
 * pte_decode.c.
 *
 * Called with the page-table lock that covers the entry held, so a present
 * entry's folio stays mapped (and so allocated) while it is looked at.
 */
#ifndef PTSCOPE_PTE_DECODE_H
#define PTSCOPE_PTE_DECODE_H

#include <linux/mm.h>
#include <linux/page-flags.h>

#include "ptscope.h"

static __always_inline u64 ptscope_hw_flags(u64 v, bool huge)
{
	u64 flags = 0;

	if (v & _PAGE_RW)
		flags |= PTSCOPE_PF_WRITE;
	if (v & _PAGE_USER)
		flags |= PTSCOPE_PF_USER;
	if (v & _PAGE_PWT)
		flags |= PTSCOPE_PF_PWT;
	if (v & _PAGE_PCD)
		flags |= PTSCOPE_PF_PCD;
	if (v & _PAGE_ACCESSED)
		flags |= PTSCOPE_PF_ACCESSED;
	if (v & PTS_PAGE_DIRTY_BITS)
		flags |= PTSCOPE_PF_DIRTY;
	/* Bit 7 is PAT in a PTE but PSE in a huge leaf, whose PAT is bit 12. */
	if (v & (huge ? _PAGE_PAT_LARGE : _PAGE_PAT))
		flags |= PTSCOPE_PF_PAT;
	if (v & _PAGE_GLOBAL)
		flags |= PTSCOPE_PF_GLOBAL;
	if (v & _PAGE_NX)
		flags |= PTSCOPE_PF_NX;
	return flags;
}

/* The bits of a present leaf; @huge: a PMD/PUD leaf, in PTE format. */
static __always_inline void ptscope_decode_present(pte_t pte, bool huge,
						   struct ptscope_page_region *rec)
{
	rec->entry = PTSCOPE_ENTRY_PRESENT;
	rec->flags |= PTSCOPE_PF_PRESENT | ptscope_hw_flags(pte_val(pte), huge);
	if (pte_soft_dirty(pte))
		rec->flags |= PTSCOPE_PF_SOFT_DIRTY;
	if (pte_uffd_wp(pte))
		rec->flags |= PTSCOPE_PF_UFFD_WP;
	if (pte_protnone(pte))
		rec->flags |= PTSCOPE_PF_PROTNONE;
}

static __always_inline void ptscope_decode_none(int level,
						struct ptscope_page_region *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->level = level;
	rec->node = NUMA_NO_NODE;
	rec->entry = PTSCOPE_ENTRY_NONE;
}

/*
 * What a non-present x86-64 entry says about where its page is: the swap
 * type (bits 59-63) and the inverted swap offset or frame (bits 9-58).
 * Bits 0-8 (present, PROT_NONE, the soft-dirty, uffd-wp and exclusive
 * software bits) say nothing about it.
 */
#define PTSCOPE_SWP_LOCATION_MASK	GENMASK_ULL(63, 9)

static __always_inline void ptscope_hide_frame(const struct ptscope_decode *d,
					       struct ptscope_page_region *rec,
					       u64 pfn_mask)
{
	if (d->show_pfn)
		return;
	rec->pfn = 0;
	rec->swap_offset = 0;
	rec->swap_type = 0;
	rec->raw &= ~pfn_mask;
	rec->flags |= PTSCOPE_PF_PFN_HIDDEN;
}

/*
 * Folio facts for @page, mapped at @rec's address.  An order-0 folio (most
 * pages) has its page flags read once; a large one goes the long way.
 */
static __always_inline void ptscope_fill_folio(struct folio *folio,
					       struct page *page,
					       struct ptscope_page_region *rec)
{
	unsigned long pflags = pts_folio_flags(folio);

	rec->refcount = folio_ref_count(folio);
	rec->mapcount = pts_page_mapcount(folio, page, &rec->mapcount_src);
	rec->node = pts_flags_nid(folio, pflags);
	if (pflags & BIT(PG_lru))
		rec->flags |= PTSCOPE_PF_LRU;
	if (pflags & BIT(PG_swapbacked))
		rec->flags |= PTSCOPE_PF_SWAPBACKED;

	if (folio_test_ksm(folio)) {
		rec->kind = PTSCOPE_KIND_KSM;
	} else if (folio_test_anon(folio)) {
		rec->kind = PTSCOPE_KIND_ANON;
		/* A page's own flags, but hugetlb keeps the bit on its head. */
		if (!(pflags & BIT(PG_head)) ?
		    pflags & BIT(PG_anon_exclusive) :
		    PageAnonExclusive(folio_test_hugetlb(folio) ?
				      &folio->page : page))
			rec->flags |= PTSCOPE_PF_ANON_EXCLUSIVE;
	} else if (pflags & BIT(PG_swapbacked)) {
		rec->kind = PTSCOPE_KIND_SHMEM;
	} else {
		rec->kind = PTSCOPE_KIND_FILE;
	}
	if (!(pflags & BIT(PG_head)))
		return;
	rec->folio_order = folio_order(folio);
	if (folio_test_hugetlb(folio))
		rec->flags |= PTSCOPE_PF_HUGETLB;
	else
		rec->flags |= PTSCOPE_PF_THP;
}

static __always_inline void ptscope_decode_pte(const struct ptscope_decode *d,
					       pte_t pte,
					       struct ptscope_page_region *rec)
{
	unsigned long pfn;

	ptscope_decode_none(PTSCOPE_LEVEL_PTE, rec);
	if (pte_none(pte))
		return;
	rec->raw = pte_val(pte);
	if (unlikely(!pte_present(pte))) {
		ptscope_decode_leaf(pte, rec);
		ptscope_hide_frame(d, rec, PTSCOPE_SWP_LOCATION_MASK);
		return;
	}

	ptscope_decode_present(pte, false, rec);

	pfn = pte_pfn(pte);
	rec->pfn = pfn;
	if (unlikely(pte_special(pte))) {
		/* Our vm_normal_page(): special entries have no usable page. */
		rec->flags |= PTSCOPE_PF_SPECIAL;
		if (is_zero_pfn(pfn)) {
			rec->kind = PTSCOPE_KIND_ZERO;
			rec->node = page_to_nid(pfn_to_page(pfn));
		} else {
			rec->kind = PTSCOPE_KIND_PFNMAP;
		}
	} else if (unlikely(d->raw_pfns) && !pfn_valid(pfn)) {
		/*
		 * Only VM_PFNMAP and VM_MIXEDMAP mappings hold frames without
		 * a struct page in entries that are not special; elsewhere a
		 * normal entry maps a page, as vm_normal_page() trusts too.
		 */
		rec->kind = PTSCOPE_KIND_PFNMAP;
	} else {
		struct page *page = pfn_to_page(pfn);

		ptscope_fill_folio(page_folio(page), page, rec);
	}
	ptscope_hide_frame(d, rec, PTE_PFN_MASK);
}

#endif /* PTSCOPE_PTE_DECODE_H */
