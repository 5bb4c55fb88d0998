// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: decode one leaf entry (PTE, or a PMD/PUD huge leaf) into a
 * struct ptscope_page_region.  Every bit is decoded here and in
 * pte_decode.h (present PTEs, inline in the walker's loop), nowhere else.
 *
 * Called with the page-table lock that covers the entry held, so a present
 * entry's folio stays mapped (and so allocated) while it is looked at.
 */
#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/page-flags.h>

#include "pte_decode.h"

/* A non-present entry that is not empty: swap, migration, markers... */
void ptscope_decode_leaf(pte_t pte, struct ptscope_page_region *rec)
{
	struct pts_leaf_info info;

	pts_decode_leaf(pte, &info);
	if (pte_swp_soft_dirty(pte))
		rec->flags |= PTSCOPE_PF_SOFT_DIRTY;
	if (pte_swp_uffd_wp(pte))
		rec->flags |= PTSCOPE_PF_UFFD_WP;

	switch (info.type) {
	case PTS_LEAF_SWAP:
		rec->entry = PTSCOPE_ENTRY_SWAP;
		rec->flags |= PTSCOPE_PF_SWAP;
		rec->swap_type = info.swap_type;
		rec->swap_offset = info.swap_offset;
		return;
	case PTS_LEAF_MIGRATION:
		rec->entry = PTSCOPE_ENTRY_MIGRATION;
		break;
	case PTS_LEAF_DEVICE_PRIVATE:
		rec->entry = PTSCOPE_ENTRY_DEVICE_PRIVATE;
		break;
	case PTS_LEAF_DEVICE_EXCLUSIVE:
		rec->entry = PTSCOPE_ENTRY_DEVICE_EXCLUSIVE;
		break;
	case PTS_LEAF_HWPOISON:
		rec->entry = PTSCOPE_ENTRY_HWPOISON;
		return;
	case PTS_LEAF_MARKER:
		rec->entry = PTSCOPE_ENTRY_MARKER;
		if (info.marker_uffd_wp)
			rec->flags |= PTSCOPE_PF_UFFD_WP;
		return;
	default:
		rec->entry = PTSCOPE_ENTRY_NONE;
		return;
	}
	/* Migration and device entries name a frame; its node is useful. */
	rec->pfn = info.pfn;
	if (pfn_valid(info.pfn))
		rec->node = page_to_nid(pfn_to_page(info.pfn));
}

/*
 * A PMD or PUD leaf (THP, hugetlb, huge zero page, or a non-present huge
 * entry), described for its first page.  *@folio is the mapped folio, for
 * per-page mapcounts, or NULL.
 */
void ptscope_decode_huge(const struct ptscope_decode *d, u64 entry, int level,
			 struct ptscope_page_region *rec, struct folio **folio)
{
	pte_t pte = __pte(entry);	/* x86 leaf formats agree on the bits read */
	u64 pfn_mask = level == PTSCOPE_LEVEL_PUD ? PHYSICAL_PUD_PAGE_MASK :
						 PHYSICAL_PMD_PAGE_MASK;
	unsigned long pfn;

	*folio = NULL;
	ptscope_decode_none(level, rec);
	rec->raw = entry;
	if (!(entry & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE))) {
		ptscope_decode_leaf(pte, rec);
		ptscope_hide_from_reader(d, rec, PTSCOPE_SWP_LOCATION_MASK);
		return;
	}

	ptscope_decode_present(pte, true, rec);

	/*
	 * Present to the kernel, yet maybe without _PAGE_PRESENT: PROT_NONE
	 * (a NUMA hinting fault pending, or mprotect) or invalidated while a
	 * THP is split.  x86 then stores the frame inverted (the L1TF
	 * mitigation); pmd_pfn() and pud_pfn() undo that, a plain mask does
	 * not, and the wrong struct page is a wild read under the PMD lock.
	 */
	pfn = level == PTSCOPE_LEVEL_PUD ? pud_pfn(__pud(entry)) :
					   pmd_pfn(__pmd(entry));
	rec->pfn = pfn;
	if (d->raw_pfns && !pfn_valid(pfn)) {
		rec->kind = PTSCOPE_KIND_PFNMAP;
	} else {
		struct page *page = pfn_to_page(pfn);

		*folio = page_folio(page);
		ptscope_fill_folio(d, *folio, page, rec);
		/*
		 * The huge zero page's symbols are not exported: a PMD leaf
		 * in an anonymous VMA whose folio is not anonymous is it.
		 */
		if (level == PTSCOPE_LEVEL_PMD && vma_is_anonymous(d->vma) &&
		    !folio_test_anon(*folio) && !d->hugetlb)
			rec->kind = PTSCOPE_KIND_HUGE_ZERO;
	}
	ptscope_hide_from_reader(d, rec, pfn_mask);
}

unsigned int ptscope_subpage_mapcount(struct folio *folio, unsigned long idx)
{
	u8 src;

	return pts_page_mapcount(folio, folio_page(folio, idx), &src);
}
