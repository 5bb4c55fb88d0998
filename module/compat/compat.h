/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions.  Everything the core needs that
 * differs between supported kernels is exposed here as a named helper;
 * feature detection (__has_include, macros) first, version numbers only
 * where nothing else tells.
 */
#ifndef PTSCOPE_COMPAT_H
#define PTSCOPE_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/user_namespace.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "ptscope supports Linux 6.1 and later"
#endif
#ifndef CONFIG_X86_64
#error "ptscope decodes x86-64 page tables only"
#endif

#if __has_include("linux/leafops.h")
#include <linux/leafops.h>
#define PTS_HAVE_SOFTLEAF 1
#endif

/*
 * A PMD read without the lock.  pmdp_get_lockless() arrived in 6.5 with the
 * lockless PTE-table mapping; on x86-64 a PMD is one 64-bit word, so a
 * READ_ONCE is the same thing on 6.1.
 */
static inline pmd_t pts_pmdp_get_lockless(pmd_t *pmd)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return pmdp_get_lockless(pmd);
#else
	return READ_ONCE(*pmd);
#endif
}

/*
 * End an RCU section opened by pts_pte_map_lock().  Since 6.5 pte_unmap()
 * is that rcu_read_unlock() (trap T2); on 6.1 it does nothing, so do it here.
 */
static inline void pts_pte_unmap(pte_t *pte)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	pte_unmap(pte);
#else
	rcu_read_unlock();
#endif
}

/* The hardware dirty bits: 6.6+ add a saved-dirty bit for shadow stacks. */
#ifdef _PAGE_DIRTY_BITS
#define PTS_PAGE_DIRTY_BITS	_PAGE_DIRTY_BITS
#else
#define PTS_PAGE_DIRTY_BITS	_PAGE_DIRTY
#endif

/* The kinds of non-present leaf entries, decoded once. */
enum pts_leaf {
	PTS_LEAF_NONE,
	PTS_LEAF_SWAP,
	PTS_LEAF_MIGRATION,
	PTS_LEAF_HWPOISON,
	PTS_LEAF_DEVICE_PRIVATE,
	PTS_LEAF_DEVICE_EXCLUSIVE,
	PTS_LEAF_MARKER,
};

struct pts_leaf_info {
	enum pts_leaf type;
	unsigned int swap_type;
	unsigned long swap_offset;
	unsigned long pfn;		/* migration/device entries */
	bool marker_uffd_wp;
};

/*
 * Decode a non-present, non-none PTE (or huge entry in PTE format).  7.2
 * replaced the swapops predicates with the softleaf API (<linux/leafops.h>).
 */
static inline void pts_decode_leaf(pte_t pte, struct pts_leaf_info *info)
{
#ifdef PTS_HAVE_SOFTLEAF
	softleaf_t entry = softleaf_from_pte(pte);

	memset(info, 0, sizeof(*info));
	switch (softleaf_type(entry)) {
	case SOFTLEAF_SWAP:
		info->type = PTS_LEAF_SWAP;
		info->swap_type = swp_type(entry);
		info->swap_offset = swp_offset(entry);
		return;
	case SOFTLEAF_MIGRATION_READ:
	case SOFTLEAF_MIGRATION_READ_EXCLUSIVE:
	case SOFTLEAF_MIGRATION_WRITE:
		info->type = PTS_LEAF_MIGRATION;
		break;
	case SOFTLEAF_DEVICE_PRIVATE_READ:
	case SOFTLEAF_DEVICE_PRIVATE_WRITE:
		info->type = PTS_LEAF_DEVICE_PRIVATE;
		break;
	case SOFTLEAF_DEVICE_EXCLUSIVE:
		info->type = PTS_LEAF_DEVICE_EXCLUSIVE;
		break;
	case SOFTLEAF_HWPOISON:
		info->type = PTS_LEAF_HWPOISON;
		return;
	case SOFTLEAF_MARKER:
		info->type = PTS_LEAF_MARKER;
		info->marker_uffd_wp = softleaf_to_marker(entry) & PTE_MARKER_UFFD_WP;
		return;
	default:
		info->type = PTS_LEAF_NONE;
		return;
	}
	info->pfn = softleaf_to_pfn(entry);
#else
	swp_entry_t entry = pte_to_swp_entry(pte);

	memset(info, 0, sizeof(*info));
	if (!non_swap_entry(entry)) {
		info->type = PTS_LEAF_SWAP;
		info->swap_type = swp_type(entry);
		info->swap_offset = swp_offset(entry);
	} else if (is_migration_entry(entry)) {
		info->type = PTS_LEAF_MIGRATION;
		info->pfn = swp_offset_pfn(entry);
	} else if (is_hwpoison_entry(entry)) {
		info->type = PTS_LEAF_HWPOISON;
	} else if (is_device_private_entry(entry)) {
		info->type = PTS_LEAF_DEVICE_PRIVATE;
		info->pfn = swp_offset_pfn(entry);
	} else if (is_device_exclusive_entry(entry)) {
		info->type = PTS_LEAF_DEVICE_EXCLUSIVE;
		info->pfn = swp_offset_pfn(entry);
	} else if (is_pte_marker_entry(entry)) {
		info->type = PTS_LEAF_MARKER;
		info->marker_uffd_wp = pte_marker_get(entry) & PTE_MARKER_UFFD_WP;
	}
#endif
}

/*
 * How many page-table entries map an order-0 folio whose _mapcount reads
 * @raw (-1 for none), and where that number came from, as
 * pts_page_mapcount() would say: a small folio's page is the folio, so all
 * three ways of counting read the same word.
 */
static inline unsigned int pts_small_mapcount(int raw, u8 *src)
{
	int mapcount = raw + 1;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	*src = 1;	/* PTSCOPE_MAPCOUNT_PAGE */
#else
#ifdef CONFIG_NO_PAGE_MAPCOUNT
	*src = 3;	/* PTSCOPE_MAPCOUNT_AVERAGE */
#else
	*src = 2;	/* PTSCOPE_MAPCOUNT_PRECISE */
#endif
	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
#endif
	return max(mapcount, 0);
}

/*
 * The type bits in the low end of folio->mapping: 6.16 renamed them from
 * PAGE_MAPPING_* to FOLIO_MAPPING_*, with the same values.
 */
#ifdef FOLIO_MAPPING_ANON
#define PTS_MAPPING_ANON	FOLIO_MAPPING_ANON
#define PTS_MAPPING_KSM		FOLIO_MAPPING_KSM
#define PTS_MAPPING_FLAGS	FOLIO_MAPPING_FLAGS
#else
#define PTS_MAPPING_ANON	PAGE_MAPPING_ANON
#define PTS_MAPPING_KSM		PAGE_MAPPING_KSM
#define PTS_MAPPING_FLAGS	PAGE_MAPPING_FLAGS
#endif

/*
 * How many page-table entries map @page, and where that number came from
 * (a PTSCOPE_MAPCOUNT_* value in *src).  6.1 has page_mapcount(); 6.2+ keeps
 * per-page counts that fs/proc reads with folio_precise_page_mapcount(),
 * which is private to fs/proc, so this is a copy of it; kernels built
 * without per-page mapcounts (CONFIG_NO_PAGE_MAPCOUNT) only have the folio's
 * total, which /proc/kpagecount averages over its pages.
 */
static inline unsigned int pts_page_mapcount(struct folio *folio,
					     struct page *page, u8 *src)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	*src = 1;	/* PTSCOPE_MAPCOUNT_PAGE */
	return page_mapcount(page);
#elif defined(CONFIG_NO_PAGE_MAPCOUNT)
	int mapcount = folio_mapcount(folio);

	*src = 3;	/* PTSCOPE_MAPCOUNT_AVERAGE */
	if (!folio_test_large(folio) || mapcount <= 0)
		return max(mapcount, 0);
	return max_t(int, 1, DIV_ROUND_CLOSEST(mapcount, folio_nr_pages(folio)));
#else
	int mapcount = atomic_read(&page->_mapcount) + 1;

	*src = 2;	/* PTSCOPE_MAPCOUNT_PRECISE */
	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return max(mapcount, 0);
#endif
}

/*
 * A folio's page flags as one word, read once, and the node they name.
 * 6.18 wrapped the word in memdesc_flags_t.
 */
static inline unsigned long pts_folio_flags(const struct folio *folio)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return READ_ONCE(folio->flags.f);
#else
	return READ_ONCE(folio->flags);
#endif
}

static inline int pts_flags_nid(const struct folio *folio, unsigned long flags)
{
#ifdef NODE_NOT_IN_PAGE_FLAGS
	return folio_nid(folio);
#else
	return (flags >> NODES_PGSHIFT) & NODES_MASK;
#endif
}

/* The bits of a folio's flags word that pts_flags_nid() reads. */
static inline unsigned long pts_flags_nid_mask(void)
{
#ifdef NODE_NOT_IN_PAGE_FLAGS
	return SECTIONS_MASK << SECTIONS_PGSHIFT;
#else
	return NODES_MASK << NODES_PGSHIFT;
#endif
}

/*
 * True when the pages of a PMD-mapped large folio may have different
 * mapcounts, i.e. the folio may also be mapped by PTEs somewhere.  6.12+
 * count all mappings of a large folio in _large_mapcount, so equality with
 * the entire (PMD) mapcount proves there are no PTE mappings; 6.1 can tell
 * from the refcount.
 */
static inline bool pts_folio_maybe_pte_mapped(struct folio *folio)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	return folio_large_mapcount(folio) != folio_entire_mapcount(folio);
#else
	/*
	 * Every mapping of a large folio, PMD or PTE, holds a reference on
	 * it, so a refcount equal to the entire mapcount leaves none for PTE
	 * mappings (smaps_account() trusts a refcount of 1 the same way);
	 * pins or the swap cache only make this answer "maybe".
	 */
	return folio_ref_count(folio) != folio_entire_mapcount(folio);
#endif
}

/*
 * An mm's RSS counter, exactly.  6.1 keeps atomics (each task may hold up to
 * 64 events back, SPLIT_RSS_COUNTING); 6.2+ keep per-CPU counters, whose
 * get_mm_counter() is approximate, and the Debian 6.12 and 7.2 kernels have
 * get_mm_counter_sum() to add up the per-CPU parts.
 */
static inline unsigned long pts_mm_counter(struct mm_struct *mm, int member)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return get_mm_counter_sum(mm, member);
#else
	return get_mm_counter(mm, member);
#endif
}

/*
 * Is the target dumpable by its owner (SUID_DUMP_USER), and in which user
 * namespace would CAP_SYS_PTRACE override it?  7.2 moved both from the mm
 * to task->exec_state.  Call under rcu_read_lock().
 */
#if __has_include("linux/sched/exec_state.h")
#include <linux/sched/exec_state.h>
static inline bool pts_dumpable_by_owner(struct task_struct *task,
					 struct mm_struct *mm,
					 struct user_namespace **ns)
{
	struct task_exec_state *es = rcu_dereference(task->exec_state);

	if (!es) {
		*ns = &init_user_ns;
		return false;
	}
	*ns = es->user_ns;
	return es->dumpable == TASK_DUMPABLE_OWNER;
}
#else
#include <linux/sched/coredump.h>
static inline bool pts_dumpable_by_owner(struct task_struct *task,
					 struct mm_struct *mm,
					 struct user_namespace **ns)
{
	*ns = mm->user_ns;
	return get_dumpable(mm) == SUID_DUMP_USER;
}
#endif

/*
 * The mm's global ASID: 7.2's broadcast TLB flush (AMD INVLPGB) gives busy
 * processes one ASID on every CPU.  The field exists only with
 * CONFIG_BROADCAST_TLB_FLUSH (7.2); 0 means none.
 */
#ifdef CONFIG_BROADCAST_TLB_FLUSH
#define PTS_HAVE_GLOBAL_ASID 1
static inline u16 pts_mm_global_asid(struct mm_struct *mm)
{
	return READ_ONCE(mm->context.global_asid);
}
#else
static inline u16 pts_mm_global_asid(struct mm_struct *mm)
{
	return 0;
}
#endif

/*
 * The "pages" of a tlb_flush event that flushed everything: TLB_FLUSH_ALL
 * of asm/tlbflush.h, whose definition sits in the part hidden from modules
 * (#ifndef MODULE) on every supported kernel.
 */
#define PTS_TLB_FLUSH_ALL	(-1UL)

/* INVLPGB is known to cpufeatures.h from 6.15 (7.2 here). */
#ifdef X86_FEATURE_INVLPGB
#define pts_kernel_uses_invlpgb()	cpu_feature_enabled(X86_FEATURE_INVLPGB)
#else
#define pts_kernel_uses_invlpgb()	false
#endif

/*
 * prctl(PR_SET_THP_DISABLE) on an mm.  6.18 split MMF_DISABLE_THP into
 * MMF_DISABLE_THP_COMPLETELY and MMF_DISABLE_THP_EXCEPT_ADVISED (the new
 * PR_THP_DISABLE_EXCEPT_ADVISED) and made mm->flags a bitmap that only
 * mm_flags_test() reads; before, MMF_* are bits of an unsigned long in
 * <linux/sched/coredump.h>.
 */
#ifdef MMF_DISABLE_THP_COMPLETELY
static inline bool pts_mm_thp_disabled(const struct mm_struct *mm)
{
	return mm_flags_test(MMF_DISABLE_THP_COMPLETELY, mm);
}

static inline bool pts_mm_thp_disabled_except_advised(const struct mm_struct *mm)
{
	return mm_flags_test(MMF_DISABLE_THP_EXCEPT_ADVISED, mm);
}
#else
#include <linux/sched/coredump.h>
static inline bool pts_mm_thp_disabled(const struct mm_struct *mm)
{
	return test_bit(MMF_DISABLE_THP, &mm->flags);
}

static inline bool pts_mm_thp_disabled_except_advised(const struct mm_struct *mm)
{
	return false;
}
#endif

/*
 * The path and inode /proc/PID/maps shows for a mapped file.  Since 6.8 a
 * file that overlayfs (or FUSE passthrough) maps is its backing file,
 * whose f_path is the real one; maps shows the path the user opened, kept
 * with the backing file (file_user_path(), file_user_inode()).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
static inline const struct path *pts_file_user_path(const struct file *file)
{
	return file_user_path(file);
}

static inline const struct inode *pts_file_user_inode(const struct file *file)
{
	return file_user_inode(file);
}
#else
static inline const struct path *pts_file_user_path(const struct file *file)
{
	return &file->f_path;
}

static inline const struct inode *pts_file_user_inode(const struct file *file)
{
	return file_inode(file);
}
#endif

#endif /* PTSCOPE_COMPAT_H */
