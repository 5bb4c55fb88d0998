// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: decode one leaf entry (PTE, or a PMD/PUD huge leaf) into a
 * struct ptscope_page_region.  Every bit is decoded here and nowhere else.
 *
 * Called with the page-table lock that covers the entry held, so a present
 * entry's folio stays mapped (and so allocated) while it is looked at.
 */
#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/page-flags.h>

#include "ptscope.h"

static u64 ptscope_hw_flags(u64 v, bool huge)
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
static void ptscope_decode_present(pte_t pte, bool huge,
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

void ptscope_decode_none(int level, struct ptscope_page_region *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->level = level;
	rec->node = NUMA_NO_NODE;
	rec->entry = PTSCOPE_ENTRY_NONE;
}

/* Folio facts for @page, mapped at @rec's address. */
static void ptscope_fill_folio(struct folio *folio, struct page *page,
			       struct ptscope_page_region *rec)
{
	rec->refcount = folio_ref_count(folio);
	rec->folio_order = folio_order(folio);
	rec->node = folio_nid(folio);
	rec->mapcount = pts_page_mapcount(folio, page, &rec->mapcount_src);

	if (folio_test_ksm(folio)) {
		rec->kind = PTSCOPE_KIND_KSM;
	} else if (folio_test_anon(folio)) {
		rec->kind = PTSCOPE_KIND_ANON;
		/* Large folios mapped whole keep the bit on their head page. */
		if (PageAnonExclusive(folio_test_hugetlb(folio) ?
				      &folio->page : page))
			rec->flags |= PTSCOPE_PF_ANON_EXCLUSIVE;
	} else if (folio_test_swapbacked(folio)) {
		rec->kind = PTSCOPE_KIND_SHMEM;
	} else {
		rec->kind = PTSCOPE_KIND_FILE;
	}
	if (folio_test_hugetlb(folio))
		rec->flags |= PTSCOPE_PF_HUGETLB;
	else if (folio_test_large(folio))
		rec->flags |= PTSCOPE_PF_THP;
	if (folio_test_lru(folio))
		rec->flags |= PTSCOPE_PF_LRU;
	if (folio_test_swapbacked(folio))
		rec->flags |= PTSCOPE_PF_SWAPBACKED;
}

/*
 * What a non-present x86-64 entry says about where its page is: the swap
 * type (bits 59-63) and the inverted swap offset or frame (bits 9-58).
 * Bits 0-8 (present, PROT_NONE, the soft-dirty, uffd-wp and exclusive
 * software bits) say nothing about it.
 */
#define PTSCOPE_SWP_LOCATION_MASK	GENMASK_ULL(63, 9)

static void ptscope_hide_frame(const struct ptscope_decode *d,
			       struct ptscope_page_region *rec, u64 pfn_mask)
{
	if (d->show_pfn)
		return;
	rec->pfn = 0;
	rec->swap_offset = 0;
	rec->swap_type = 0;
	rec->raw &= ~pfn_mask;
	rec->flags |= PTSCOPE_PF_PFN_HIDDEN;
}

/* A non-present entry that is not empty: swap, migration, markers... */
static void ptscope_decode_leaf(pte_t pte, struct ptscope_page_region *rec)
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

void ptscope_decode_pte(const struct ptscope_decode *d, pte_t pte,
			struct ptscope_page_region *rec)
{
	unsigned long pfn;

	ptscope_decode_none(PTSCOPE_LEVEL_PTE, rec);
	if (pte_none(pte))
		return;
	rec->raw = pte_val(pte);
	if (!pte_present(pte)) {
		ptscope_decode_leaf(pte, rec);
		ptscope_hide_frame(d, rec, PTSCOPE_SWP_LOCATION_MASK);
		return;
	}

	ptscope_decode_present(pte, false, rec);

	pfn = pte_pfn(pte);
	rec->pfn = pfn;
	if (pte_special(pte)) {
		/* Our vm_normal_page(): special entries have no usable page. */
		rec->flags |= PTSCOPE_PF_SPECIAL;
		if (is_zero_pfn(pfn)) {
			rec->kind = PTSCOPE_KIND_ZERO;
			rec->node = page_to_nid(pfn_to_page(pfn));
		} else {
			rec->kind = PTSCOPE_KIND_PFNMAP;
		}
	} else if (!pfn_valid(pfn)) {
		rec->kind = PTSCOPE_KIND_PFNMAP;
	} else {
		struct page *page = pfn_to_page(pfn);

		ptscope_fill_folio(page_folio(page), page, rec);
	}
	ptscope_hide_frame(d, rec, PTE_PFN_MASK);
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
		ptscope_hide_frame(d, rec, PTSCOPE_SWP_LOCATION_MASK);
		return;
	}

	ptscope_decode_present(pte, true, rec);

	pfn = (entry & pfn_mask) >> PAGE_SHIFT;
	rec->pfn = pfn;
	if (!pfn_valid(pfn)) {
		rec->kind = PTSCOPE_KIND_PFNMAP;
	} else {
		struct page *page = pfn_to_page(pfn);

		*folio = page_folio(page);
		ptscope_fill_folio(*folio, page, rec);
		/*
		 * The huge zero page's symbols are not exported: a PMD leaf
		 * in an anonymous VMA whose folio is not anonymous is it.
		 */
		if (level == PTSCOPE_LEVEL_PMD && vma_is_anonymous(d->vma) &&
		    !folio_test_anon(*folio) && !folio_test_hugetlb(*folio))
			rec->kind = PTSCOPE_KIND_HUGE_ZERO;
	}
	ptscope_hide_frame(d, rec, pfn_mask);
}

unsigned int ptscope_subpage_mapcount(struct folio *folio, unsigned long idx)
{
	u8 src;

	return pts_page_mapcount(folio, folio_page(folio, idx), &src);
}
