/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: decode a PTE into a struct ptscope_page_region, inline.
 *
 * This runs once for every page a walk passes, so it is compiled into the
 * walker's loop over a PTE table.  An order-0 page is first read into a
 * key (its entry, folio flags, mapping and counts, each read once); a page
 * whose key repeats the page before it has that page's record and is not
 * decoded at all, so a run of alike pages costs the reads and five
 * compares a page.  The rarer cases (non-present entries, huge leaves) are
 * decoded out of line in pte_decode.c.
 *
 * Called with the page-table lock that covers the entry held, so a present
 * entry's folio stays mapped (and so allocated) while it is looked at.
 */
#ifndef PTSCOPE_PTE_DECODE_H
#define PTSCOPE_PTE_DECODE_H

#include <linux/mm.h>
#include <linux/page-flags.h>

#include "ptscope.h"

/* How one VMA's entries are decoded, and what its caller may see. */
struct ptscope_decode {
	struct vm_area_struct *vma;
	bool show_pfn;
	bool show_refcount;	/* a CAP_SYS_ADMIN caller: pins others hold */
	bool show_access;	/* one that may attach: see PTSCOPE_PF_ACCESS_HIDDEN */
	bool raw_pfns;		/* VM_PFNMAP or VM_MIXEDMAP: check each frame */
	bool hugetlb;		/* a hugetlb VMA, which maps hugetlb folios only */
};

void ptscope_decode_leaf(pte_t pte, struct ptscope_page_region *rec);
void ptscope_decode_huge(const struct ptscope_decode *d, u64 entry, int level,
			 struct ptscope_page_region *rec, struct folio **folio);
unsigned int ptscope_subpage_mapcount(struct folio *folio, unsigned long idx);

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

/*
 * PROT_NONE (or a pending NUMA hinting fault, which looks the same): not
 * hardware-present, but present to the kernel.  The kernel's pte_protnone()
 * is 0 on a kernel without NUMA_BALANCING, while mprotect(PROT_NONE) makes
 * such entries there too; so test the bits as x86's pte_protnone() does.
 */
static __always_inline bool ptscope_pte_protnone(pte_t pte)
{
	return (pte_flags(pte) & (_PAGE_PROTNONE | _PAGE_PRESENT)) ==
	       _PAGE_PROTNONE;
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
	if (ptscope_pte_protnone(pte))
		rec->flags |= PTSCOPE_PF_PROTNONE;
}

static __always_inline void ptscope_decode_none(int level,
						struct ptscope_page_region *rec)
{
	/*
	 * Field by field: GCC makes a memset of the record a rep stos,
	 * which TCG emulates one element at a time.
	 */
	static_assert(sizeof(*rec) == 6 * 8 + 4 * 4 + 8);
	rec->start = 0;
	rec->end = 0;
	rec->flags = 0;
	rec->pfn = 0;
	rec->swap_offset = 0;
	rec->raw = 0;
	rec->swap_type = 0;
	rec->mapcount = 0;
	rec->refcount = 0;
	rec->node = NUMA_NO_NODE;
	rec->kind = PTSCOPE_KIND_NONE;
	rec->entry = PTSCOPE_ENTRY_NONE;
	rec->level = level;
	rec->folio_order = 0;
	rec->mapcount_src = 0;
	memset(rec->reserved, 0, sizeof(rec->reserved));
}

/*
 * What a non-present x86-64 entry says about where its page is: the swap
 * type (bits 59-63) and the inverted swap offset or frame (bits 9-58).
 * Bits 0-8 (present, PROT_NONE, the soft-dirty, uffd-wp and exclusive
 * software bits) say nothing about it.
 */
#define PTSCOPE_SWP_LOCATION_MASK	GENMASK_ULL(63, 9)

/*
 * What a caller that may read but not ptrace-attach may not see (uapi:
 * PTSCOPE_PF_ACCESS_HIDDEN): each page's access state, which pagemap,
 * smaps and numa_maps give such a reader only summed over a mapping, if at
 * all.  The record then shows no finer than pagemap does.
 */
/* The mapcount @d's caller is shown: at most 2 ("shared") to a reader. */
static __always_inline u32 ptscope_shown_mapcount(const struct ptscope_decode *d,
						  u32 mapcount)
{
	return d->show_access ? mapcount : min_t(u32, mapcount, 2);
}

/*
 * Set @rec's mapcount as @d's caller is shown it.  A reader's
 * anon_exclusive is pagemap's "exclusively mapped" (mapcount 1), not
 * PageAnonExclusive, which tells whether the page was written since its
 * copy-on-write sharer went away.
 */
static __always_inline void ptscope_set_mapcount(const struct ptscope_decode *d,
						 struct ptscope_page_region *rec,
						 u32 mapcount)
{
	rec->mapcount = ptscope_shown_mapcount(d, mapcount);
	if (d->show_access || rec->kind != PTSCOPE_KIND_ANON)
		return;
	if (mapcount == 1)
		rec->flags |= PTSCOPE_PF_ANON_EXCLUSIVE;
	else
		rec->flags &= ~PTSCOPE_PF_ANON_EXCLUSIVE;
}

/*
 * A PROT_NONE entry (a NUMA hint pending) also differs from the mapping's
 * own protections in its user, NX and global bits: they go too, with @raw.
 */
static __always_inline void ptscope_hide_access(const struct ptscope_decode *d,
						struct ptscope_page_region *rec)
{
	rec->flags &= ~PTSCOPE_PF_ACCESS_MASK;
	rec->flags |= PTSCOPE_PF_ACCESS_HIDDEN;
	rec->raw = 0;
	if (rec->kind == PTSCOPE_KIND_KSM)
		rec->kind = PTSCOPE_KIND_ANON;
	ptscope_set_mapcount(d, rec, rec->mapcount);
}

/*
 * What this caller may not see: frames and swap slots without
 * CAP_SYS_ADMIN (pagemap hides them), the page's reference count, whose
 * pins held by other processes no interface but root's /proc/kpagecount
 * tells, and without the right to attach, the access state.
 */
static __always_inline void ptscope_hide_from_reader(const struct ptscope_decode *d,
						     struct ptscope_page_region *rec,
						     u64 pfn_mask)
{
	if (!d->show_refcount)
		rec->refcount = 0;
	if (!d->show_access)
		ptscope_hide_access(d, rec);
	if (d->show_pfn)
		return;
	rec->pfn = 0;
	rec->swap_offset = 0;
	rec->swap_type = 0;
	rec->raw &= ~pfn_mask;
	rec->flags |= PTSCOPE_PF_PFN_HIDDEN;
}

/* What kind of memory a folio is, from its mapping's type bits and flags. */
static __always_inline u8 ptscope_folio_kind(unsigned long mapping,
					     unsigned long pflags)
{
	if (IS_ENABLED(CONFIG_KSM) &&
	    (mapping & PTS_MAPPING_FLAGS) == PTS_MAPPING_KSM)
		return PTSCOPE_KIND_KSM;
	if (mapping & PTS_MAPPING_ANON)
		return PTSCOPE_KIND_ANON;
	if (pflags & BIT(PG_swapbacked))
		return PTSCOPE_KIND_SHMEM;
	return PTSCOPE_KIND_FILE;
}

/*
 * Everything an order-0 page's record is made of, as read once: two pages
 * whose keys are equal (but for the frame) have equal records, so a page
 * that repeats the one before it need not be decoded again.
 */
struct ptscope_page_key {
	struct folio *folio;	/* not compared */
	unsigned long pfn;
	u64 pte_bits;		/* the entry without its frame */
	unsigned long pflags;	/* the folio flags a record reads */
	unsigned long mapping;	/* folio->mapping, type bits included */
	int refcount;
	int mapcount;		/* _mapcount as stored: -1 for none */
};

static __always_inline unsigned long ptscope_key_pflags_mask(void)
{
	return BIT(PG_head) | BIT(PG_lru) | BIT(PG_swapbacked) |
	       BIT(PG_anon_exclusive) | pts_flags_nid_mask();
}

/* Read @folio's part of @key; false when it is a large folio. */
static __always_inline bool ptscope_key_read_folio(struct folio *folio,
						   struct ptscope_page_key *key)
{
	key->pflags = pts_folio_flags(folio) & ptscope_key_pflags_mask();
	if (key->pflags & BIT(PG_head))
		return false;
	key->folio = folio;
	key->mapping = (unsigned long)READ_ONCE(folio->mapping);
	key->refcount = folio_ref_count(folio);
	key->mapcount = atomic_read(&folio->_mapcount);
	return true;
}

/*
 * The key of @pte, if it is a present, normal entry mapping an order-0
 * folio (false otherwise: decode it with ptscope_decode_pte()).
 */
static __always_inline bool ptscope_read_page_key(const struct ptscope_decode *d,
						  pte_t pte,
						  struct ptscope_page_key *key)
{
	struct folio *folio;
	struct page *page;

	if (!pte_present(pte) || pte_special(pte) || d->raw_pfns)
		return false;
	key->pfn = pte_pfn(pte);
	page = pfn_to_page(key->pfn);
	folio = page_folio(page);
	if (&folio->page != page)
		return false;
	key->pte_bits = pte_val(pte) & ~PTE_PFN_MASK;
	return ptscope_key_read_folio(folio, key);
}

/*
 * Does the page keyed @next, right after the one keyed @last, have the
 * same record but for its frame?  (Whether that frame continues the run is
 * the output's business: ptscope_out_repeat().)
 */
static __always_inline bool
ptscope_key_repeats(const struct ptscope_page_key *last,
		    const struct ptscope_page_key *next)
{
	return next->pte_bits == last->pte_bits &&
	       next->pflags == last->pflags &&
	       next->mapping == last->mapping &&
	       next->refcount == last->refcount &&
	       next->mapcount == last->mapcount;
}

/*
 * A swap entry's key: the entry, and the slot it names.  Two swap entries
 * alike but for the slot (and, when slots are shown, in the same swap
 * area) have alike records but for the slot.
 */
struct ptscope_swap_key {
	u64 val;
	unsigned int type;
	unsigned long offset;
};

/* The key of @pte, if it is a swap entry (false otherwise). */
static __always_inline bool ptscope_read_swap_key(pte_t pte,
						  struct ptscope_swap_key *key)
{
	struct pts_leaf_info info;

	if (pte_present(pte) || pte_none(pte))
		return false;
	pts_decode_leaf(pte, &info);
	if (info.type != PTS_LEAF_SWAP)
		return false;
	key->val = pte_val(pte);
	key->type = info.swap_type;
	key->offset = info.swap_offset;
	return true;
}

static __always_inline bool
ptscope_swap_key_repeats(const struct ptscope_decode *d,
			 const struct ptscope_swap_key *last,
			 const struct ptscope_swap_key *next)
{
	return !((next->val ^ last->val) & ~PTSCOPE_SWP_LOCATION_MASK) &&
	       (!d->show_pfn || next->type == last->type);
}

/* The facts of any folio that its flags word and mapping tell. */
static __always_inline void ptscope_fill_folio_flags(struct folio *folio,
						     unsigned long pflags,
						     unsigned long mapping,
						     struct ptscope_page_region *rec)
{
	rec->node = pts_flags_nid(folio, pflags);
	if (pflags & BIT(PG_lru))
		rec->flags |= PTSCOPE_PF_LRU;
	if (pflags & BIT(PG_swapbacked))
		rec->flags |= PTSCOPE_PF_SWAPBACKED;
	rec->kind = ptscope_folio_kind(mapping, pflags);
}

/* An order-0 folio's facts, from its key. */
static __always_inline void ptscope_fill_small(const struct ptscope_page_key *key,
					       struct ptscope_page_region *rec)
{
	rec->refcount = key->refcount;
	rec->mapcount = pts_small_mapcount(key->mapcount, &rec->mapcount_src);
	ptscope_fill_folio_flags(key->folio, key->pflags, key->mapping, rec);
	if (rec->kind == PTSCOPE_KIND_ANON &&
	    (key->pflags & BIT(PG_anon_exclusive)))
		rec->flags |= PTSCOPE_PF_ANON_EXCLUSIVE;
}

/*
 * Folio facts for @page, mapped at @rec's address.  An order-0 folio (most
 * pages) has its fields read once, into a key; a large one goes the long
 * way.
 */
static __always_inline void ptscope_fill_folio(const struct ptscope_decode *d,
					       struct folio *folio,
					       struct page *page,
					       struct ptscope_page_region *rec)
{
	struct ptscope_page_key key __uninitialized;	/* read before use */

	if (ptscope_key_read_folio(folio, &key)) {
		ptscope_fill_small(&key, rec);
		return;
	}
	rec->refcount = folio_ref_count(folio);
	rec->mapcount = pts_page_mapcount(folio, page, &rec->mapcount_src);
	ptscope_fill_folio_flags(folio, pts_folio_flags(folio),
				 (unsigned long)READ_ONCE(folio->mapping), rec);
	/* A page's own flag, but hugetlb keeps it on its head. */
	if (rec->kind == PTSCOPE_KIND_ANON &&
	    PageAnonExclusive(d->hugetlb ? &folio->page : page))
		rec->flags |= PTSCOPE_PF_ANON_EXCLUSIVE;
	rec->folio_order = folio_order(folio);
	if (d->hugetlb)
		rec->flags |= PTSCOPE_PF_HUGETLB;
	else
		rec->flags |= PTSCOPE_PF_THP;
}

/* A present PTE's own facts, before those of its folio. */
static __always_inline void ptscope_decode_present_pte(pte_t pte,
						       struct ptscope_page_region *rec)
{
	ptscope_decode_none(PTSCOPE_LEVEL_PTE, rec);
	rec->raw = pte_val(pte);
	ptscope_decode_present(pte, false, rec);
	rec->pfn = pte_pfn(pte);
}

/* The record of @pte, which ptscope_read_page_key() keyed @key. */
static __always_inline void ptscope_decode_keyed(const struct ptscope_decode *d,
						 pte_t pte,
						 const struct ptscope_page_key *key,
						 struct ptscope_page_region *rec)
{
	ptscope_decode_present_pte(pte, rec);
	ptscope_fill_small(key, rec);
	ptscope_hide_from_reader(d, rec, PTE_PFN_MASK);
}

static __always_inline void ptscope_decode_pte(const struct ptscope_decode *d,
					       pte_t pte,
					       struct ptscope_page_region *rec)
{
	unsigned long pfn;

	if (unlikely(!pte_present(pte))) {
		ptscope_decode_none(PTSCOPE_LEVEL_PTE, rec);
		if (pte_none(pte))
			return;
		rec->raw = pte_val(pte);
		ptscope_decode_leaf(pte, rec);
		ptscope_hide_from_reader(d, rec, PTSCOPE_SWP_LOCATION_MASK);
		return;
	}

	ptscope_decode_present_pte(pte, rec);
	pfn = rec->pfn;
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

		ptscope_fill_folio(d, page_folio(page), page, rec);
	}
	ptscope_hide_from_reader(d, rec, PTE_PFN_MASK);
}

#endif /* PTSCOPE_PTE_DECODE_H */
