/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ptscope: see a process's virtual memory.
 *
 * The ioctl interface of /dev/ptscope.  Every argument structure is made of
 * fixed-width fields with no implicit padding, and starts with
 *
 *	__u64 size;	in: sizeof the structure as the caller knows it
 *	__u64 flags;	in: request flags; unknown bits are refused (-EINVAL)
 *
 * so that structures can grow at the end: a caller built against an older
 * header passes a smaller size and gets the fields it knows; a newer caller
 * passing a larger size must leave the bytes the module does not know as
 * zero (-E2BIG otherwise).  Commands are matched on type and number only,
 * so the size encoded in the command word does not pin the structure.
 *
 * Unknown commands get -ENOTTY.  Numbers are never reused.
 */
#ifndef _UAPI_LINUX_PTSCOPE_H
#define _UAPI_LINUX_PTSCOPE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PTSCOPE_DEVICE		"/dev/ptscope"
#define PTSCOPE_PROC_DIR	"/proc/ptscope"

/*
 * The ABI version.  A change of major is incompatible: the tool refuses to
 * talk to a module whose major differs from its own.  A minor bump only adds
 * (fields at the end of a structure, flags, commands, feature bits).
 */
#define PTSCOPE_ABI_MAJOR	2
#define PTSCOPE_ABI_MINOR	0

/*
 * The release of ptscope this header is part of: the module's and the
 * tool's, one string for both (dkms.conf and debian/changelog repeat it;
 * scripts/packaging-check keeps them equal).
 */
#define PTSCOPE_RELEASE		"0.6.2"

/*
 * 0xBC is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst.
 * ABI 1 used 0xB7, which is nsfs's NSIO: an ABI 1 module answers only there,
 * so an ABI 2 caller gets -ENOTTY from it, never a misread structure.
 */
#define PTSCOPE_IOC_MAGIC	0xBC

/*
 * Every query's @pid names its target process in one of two ways:
 *  - a pid in the caller's pid namespace (1 to 4194304), or
 *  - PTSCOPE_PID_PIDFD | fd, where fd is one of the caller's pidfds
 *    (pidfd_open(2), clone3's CLONE_PIDFD): no pid-reuse race, since the
 *    pidfd names one process for its whole life; a pidfd of a process that
 *    was reaped gets -ESRCH, an fd that is not a pidfd -EBADF.
 * Either way the caller may look only where the kernel would let it open
 * /proc/PID/pagemap (docs/security.md).
 */
#define PTSCOPE_PID_PIDFD	(1ULL << 63)

/* Feature bits reported by PTSCOPE_IOC_VERSION. */
#define PTSCOPE_FEAT_VERSION	(1ULL << 0)	/* PTSCOPE_IOC_VERSION */
#define PTSCOPE_FEAT_PAGES	(1ULL << 1)	/* PTSCOPE_IOC_PAGES, /proc/ptscope/pages */
#define PTSCOPE_FEAT_MAPS	(1ULL << 2)	/* PTSCOPE_IOC_MAPS, /proc/ptscope/maps */
#define PTSCOPE_FEAT_STATS	(1ULL << 3)	/* PTSCOPE_IOC_STATS, /proc/ptscope/stats */
#define PTSCOPE_FEAT_MAPS_POLICY (1ULL << 4)	/* PTSCOPE_IOC_MAPS's ABI 1.2 fields: policies, 2 MiB ranges */
#define PTSCOPE_FEAT_TLB	(1ULL << 5)	/* PTSCOPE_IOC_TLB */

/**
 * struct ptscope_version - argument of PTSCOPE_IOC_VERSION
 * @size:	in: sizeof(struct ptscope_version)
 * @flags:	in: must be zero
 * @abi_major:	out: PTSCOPE_ABI_MAJOR of the module
 * @abi_minor:	out: PTSCOPE_ABI_MINOR of the module
 * @features:	out: PTSCOPE_FEAT_* bits the module answers
 * @release:	out: the module's release string, NUL-terminated
 * @kernel:	out: the running kernel's release (utsname), NUL-terminated
 */
struct ptscope_version {
	__u64 size;
	__u64 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	char release[32];
	char kernel[64];
};

#define PTSCOPE_VERSION_SIZE_VER0	128

#define PTSCOPE_IOC_VERSION	_IOWR(PTSCOPE_IOC_MAGIC, 0x00, struct ptscope_version)

/*
 * PTSCOPE_IOC_PAGES: what the page tables of a process say about each page of
 * [start, end).
 */

/* Page flags (struct ptscope_page_region.flags).  Hardware bits at the leaf: */
#define PTSCOPE_PF_PRESENT	(1ULL << 0)	/* the entry maps a frame */
#define PTSCOPE_PF_WRITE	(1ULL << 1)	/* R/W */
#define PTSCOPE_PF_USER		(1ULL << 2)	/* U/S */
#define PTSCOPE_PF_PWT		(1ULL << 3)	/* write-through */
#define PTSCOPE_PF_PCD		(1ULL << 4)	/* cache disable */
#define PTSCOPE_PF_ACCESSED	(1ULL << 5)	/* A */
#define PTSCOPE_PF_DIRTY	(1ULL << 6)	/* D (or the saved-dirty bit) */
#define PTSCOPE_PF_PAT		(1ULL << 7)	/* PAT (bit 7, or bit 12 of a huge leaf) */
#define PTSCOPE_PF_GLOBAL	(1ULL << 8)	/* G */
#define PTSCOPE_PF_NX		(1ULL << 9)	/* no-execute */
/* Software state: */
#define PTSCOPE_PF_SOFT_DIRTY	(1ULL << 16)	/* soft-dirty (present or swap entry) */
#define PTSCOPE_PF_UFFD_WP	(1ULL << 17)	/* userfaultfd write-protected (entry or marker) */
#define PTSCOPE_PF_PROTNONE	(1ULL << 18)	/* PROT_NONE or NUMA-hinting entry */
#define PTSCOPE_PF_SPECIAL	(1ULL << 19)	/* pte_special: no struct page is used */
#define PTSCOPE_PF_SWAP		(1ULL << 20)	/* a swap entry: see swap_type/offset */
/* Facts about the frame's folio (present pages with a struct page): */
#define PTSCOPE_PF_ANON_EXCLUSIVE (1ULL << 24)	/* PageAnonExclusive: no COW needed */
#define PTSCOPE_PF_THP		(1ULL << 25)	/* a transparent huge page (large folio) */
#define PTSCOPE_PF_HUGETLB	(1ULL << 26)	/* a hugetlb page */
#define PTSCOPE_PF_LRU		(1ULL << 27)	/* on an LRU list */
#define PTSCOPE_PF_SWAPBACKED	(1ULL << 28)	/* anon or shmem: backed by swap */
#define PTSCOPE_PF_ACCESS_HIDDEN (1ULL << 30)	/* access state withheld: see below */
#define PTSCOPE_PF_PFN_HIDDEN	(1ULL << 31)	/* pfn/raw/swap offset withheld (no CAP_SYS_ADMIN) */

/*
 * A caller the kernel lets read the process's pagemap but not ptrace-attach
 * to it (open its /proc/PID/mem) gets what pagemap, smaps and numa_maps give
 * such a reader, and no finer: each page's writable, accessed, dirty,
 * PROT_NONE-or-NUMA-hint and LRU state, and the user, NX and global bits a
 * NUMA hint changes (the mapping's permissions in /proc/PID/maps give them)
 * are 0, @raw is 0, mapcount is at most 2 ("shared"), anon_exclusive means
 * mapcount 1 (pagemap's "exclusively mapped"), a KSM page is an anonymous
 * one, and PTSCOPE_PF_ACCESS_HIDDEN is set.  Runs are merged as shown.
 */
#define PTSCOPE_PF_ACCESS_MASK	(PTSCOPE_PF_WRITE | PTSCOPE_PF_ACCESSED | \
				 PTSCOPE_PF_DIRTY | PTSCOPE_PF_PROTNONE | \
				 PTSCOPE_PF_LRU | PTSCOPE_PF_USER | \
				 PTSCOPE_PF_NX | PTSCOPE_PF_GLOBAL)

/*
 * The names of the flags, kinds and entries, for every program that prints
 * them (the module's /proc files, the tool, the tests): X(bit, "name").
 */
#define PTSCOPE_PF_FOREACH(X)					\
	X(PTSCOPE_PF_PRESENT, "present")			\
	X(PTSCOPE_PF_WRITE, "writable")				\
	X(PTSCOPE_PF_USER, "user")				\
	X(PTSCOPE_PF_PWT, "pwt")				\
	X(PTSCOPE_PF_PCD, "pcd")				\
	X(PTSCOPE_PF_ACCESSED, "accessed")			\
	X(PTSCOPE_PF_DIRTY, "dirty")				\
	X(PTSCOPE_PF_PAT, "pat")				\
	X(PTSCOPE_PF_GLOBAL, "global")				\
	X(PTSCOPE_PF_NX, "nx")					\
	X(PTSCOPE_PF_SOFT_DIRTY, "soft_dirty")			\
	X(PTSCOPE_PF_UFFD_WP, "uffd_wp")			\
	X(PTSCOPE_PF_PROTNONE, "protnone")			\
	X(PTSCOPE_PF_SPECIAL, "special")			\
	X(PTSCOPE_PF_SWAP, "swapped")				\
	X(PTSCOPE_PF_ANON_EXCLUSIVE, "anon_exclusive")		\
	X(PTSCOPE_PF_THP, "thp")				\
	X(PTSCOPE_PF_HUGETLB, "hugetlb")			\
	X(PTSCOPE_PF_LRU, "lru")				\
	X(PTSCOPE_PF_SWAPBACKED, "swapbacked")			\
	X(PTSCOPE_PF_ACCESS_HIDDEN, "access_hidden")		\
	X(PTSCOPE_PF_PFN_HIDDEN, "pfn_hidden")

/* What kind of memory a present page is (struct ptscope_page_region.kind). */
enum {
	PTSCOPE_KIND_NONE	= 0,	/* not present */
	PTSCOPE_KIND_ANON	= 1,	/* anonymous (incl. private COW copies of files) */
	PTSCOPE_KIND_FILE	= 2,	/* page cache of a file (incl. hugetlbfs) */
	PTSCOPE_KIND_SHMEM	= 3,	/* shmem/tmpfs, MAP_SHARED|MAP_ANONYMOUS */
	PTSCOPE_KIND_ZERO	= 4,	/* the shared zero page */
	PTSCOPE_KIND_HUGE_ZERO	= 5,	/* the huge zero page (best effort, see docs) */
	PTSCOPE_KIND_KSM	= 6,	/* merged by KSM */
	PTSCOPE_KIND_PFNMAP	= 7,	/* device or PFN map: no struct page used */
	PTSCOPE_KIND_COUNT
};

#define PTSCOPE_KIND_NAMES { "none", "anon", "file", "shmem", "zero", \
			     "huge_zero", "ksm", "pfnmap" }

/* What the leaf entry is (struct ptscope_page_region.entry). */
enum {
	PTSCOPE_ENTRY_NONE	= 0,	/* empty, or no page table below */
	PTSCOPE_ENTRY_PRESENT	= 1,
	PTSCOPE_ENTRY_SWAP	= 2,
	PTSCOPE_ENTRY_MIGRATION	= 3,
	PTSCOPE_ENTRY_HWPOISON	= 4,
	PTSCOPE_ENTRY_DEVICE_PRIVATE = 5,
	PTSCOPE_ENTRY_DEVICE_EXCLUSIVE = 6,
	PTSCOPE_ENTRY_MARKER	= 7,	/* a PTE marker (uffd-wp, guard, poison) */
	PTSCOPE_ENTRY_COUNT
};

#define PTSCOPE_ENTRY_NAMES { "none", "present", "swap", "migration", \
			      "hwpoison", "device_private", \
			      "device_exclusive", "marker" }

/* The level of the leaf entry (struct ptscope_page_region.level). */
enum {
	PTSCOPE_LEVEL_NONE	= 0,	/* no entry at any level */
	PTSCOPE_LEVEL_PTE	= 1,	/* 4 KiB */
	PTSCOPE_LEVEL_PMD	= 2,	/* 2 MiB */
	PTSCOPE_LEVEL_PUD	= 3,	/* 1 GiB */
};

/* Where the mapcount came from (struct ptscope_page_region.mapcount_src). */
enum {
	PTSCOPE_MAPCOUNT_NONE	= 0,	/* no struct page */
	PTSCOPE_MAPCOUNT_PAGE	= 1,	/* page_mapcount() (6.1) */
	PTSCOPE_MAPCOUNT_PRECISE = 2,	/* folio_precise_page_mapcount() (6.2+) */
	PTSCOPE_MAPCOUNT_AVERAGE = 3,	/* per-page average of the folio (no per-page counts) */
};

#define PTSCOPE_MAPCOUNT_NAMES { "none", "page_mapcount", \
				 "precise_page_mapcount", "average" }

/**
 * struct ptscope_page_region - a run of pages with identical attributes
 * @start:	first byte
 * @end:	one past the last byte
 * @flags:	PTSCOPE_PF_*
 * @pfn:	frame of @start (present or migration entries), 0 if hidden
 * @swap_offset: swap offset of @start (swap entries), 0 if hidden
 * @raw:	the leaf entry as read, frame bits cleared if hidden
 * @swap_type:	swap device (swap entries)
 * @mapcount:	mappings of the page, see @mapcount_src
 * @refcount:	references to its folio
 * @node:	NUMA node of the frame, -1 if none
 * @kind:	PTSCOPE_KIND_*
 * @entry:	PTSCOPE_ENTRY_*
 * @level:	PTSCOPE_LEVEL_* of the leaf
 * @folio_order: log2 of the folio's pages (0 for a small page)
 * @mapcount_src: PTSCOPE_MAPCOUNT_*
 * @reserved:	zero
 *
 * In region mode a record covers consecutive pages of one VMA whose fields
 * are equal, with @pfn and @swap_offset advancing by one per page; without
 * it, each record is exactly one page.
 */
struct ptscope_page_region {
	__u64 start;
	__u64 end;
	__u64 flags;
	__u64 pfn;
	__u64 swap_offset;
	__u64 raw;
	__u32 swap_type;
	__u32 mapcount;
	__u32 refcount;
	__s32 node;
	__u8 kind;
	__u8 entry;
	__u8 level;
	__u8 folio_order;
	__u8 mapcount_src;
	__u8 reserved[3];
};

/*
 * Does record @b continue record @a, so that the two are one region?  @b
 * starts where @a ends, has the same facts (all but the range, @pfn,
 * @swap_offset and @raw, which are a region's first page's), and its frame
 * and swap offset, where shown, are @a's advanced by @a's pages of
 * 1 << @page_shift bytes.  The facts are compared byte for byte, @reserved
 * included (always zero from this module).  The module merges runs by this
 * rule, and a caller joining records cut where one call ended and the next
 * began (libptscope does) uses it too: the rule has this one home.
 */
static __inline__ int
ptscope_region_continues(const struct ptscope_page_region *a,
			 const struct ptscope_page_region *b,
			 unsigned int page_shift)
{
	__u64 pages = (a->end - a->start) >> page_shift;

	return a->end == b->start && a->flags == b->flags &&
	       !__builtin_memcmp(&a->swap_type, &b->swap_type,
				 sizeof(*a) - __builtin_offsetof(struct ptscope_page_region,
								 swap_type)) &&
	       (a->pfn ? b->pfn == a->pfn + pages : !b->pfn) &&
	       (a->swap_offset ? b->swap_offset == a->swap_offset + pages :
				 !b->swap_offset);
}

/* struct ptscope_pages.flags */
#define PTSCOPE_PAGES_REGIONS	(1ULL << 0)	/* merge identical neighbours */
/*
 * Report frames and swap offsets in region mode too (CAP_SYS_ADMIN only,
 * else they stay hidden).  Runs then also break where frames are not
 * consecutive, which for 4 KiB anonymous memory is nearly everywhere.
 */
#define PTSCOPE_PAGES_PFN	(1ULL << 1)
#define PTSCOPE_PAGES_FLAGS_ALL	(PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN)

/**
 * struct ptscope_pages - argument of PTSCOPE_IOC_PAGES
 * @size:	in: sizeof(struct ptscope_pages)
 * @flags:	in: PTSCOPE_PAGES_*
 * @pid:	in: target process: a pid, or PTSCOPE_PID_PIDFD | a pidfd
 * @start:	in: first address, page aligned
 * @end:	in: end address, page aligned, > @start, at most TASK_SIZE
 * @vec:	in: user pointer to an array of struct ptscope_page_region
 * @vec_len:	in: records the array holds (>= 1)
 * @rec_size:	in: sizeof(struct ptscope_page_region) as the caller knows it
 * @max_pages:	in: stop after this many pages (0: no limit)
 * @walk_end:	out: where the walk stopped; == @end when it finished
 * @nr_records:	out: records written
 *
 * Addresses that no VMA covers get no record.  When the array fills up or
 * @max_pages is reached, the walk stops at @walk_end: call again with
 * @start = @walk_end to go on.  Returns the number of records written.
 */
struct ptscope_pages {
	__u64 size;
	__u64 flags;
	__u64 pid;
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 rec_size;
	__u64 max_pages;
	__u64 walk_end;
	__u64 nr_records;
};

#define PTSCOPE_PAGES_SIZE_VER0		88
#define PTSCOPE_PAGE_REGION_SIZE_VER0	72

#define PTSCOPE_IOC_PAGES	_IOWR(PTSCOPE_IOC_MAGIC, 0x01, struct ptscope_pages)

/*
 * PTSCOPE_IOC_MAPS: one record per mapping (VMA) with the counts of one walk
 * of its page tables.
 */

/* Mapping flags (struct ptscope_vma.flags), from vm_flags and the mm. */
#define PTSCOPE_VMA_READ	(1ULL << 0)
#define PTSCOPE_VMA_WRITE	(1ULL << 1)
#define PTSCOPE_VMA_EXEC	(1ULL << 2)
#define PTSCOPE_VMA_SHARED	(1ULL << 3)	/* MAP_SHARED (VM_MAYSHARE) */
#define PTSCOPE_VMA_LOCKED	(1ULL << 4)	/* mlock()ed (VM_LOCKED) */
#define PTSCOPE_VMA_HUGEPAGE	(1ULL << 5)	/* MADV_HUGEPAGE */
#define PTSCOPE_VMA_NOHUGEPAGE	(1ULL << 6)	/* MADV_NOHUGEPAGE */
#define PTSCOPE_VMA_MERGEABLE	(1ULL << 7)	/* MADV_MERGEABLE (KSM) */
#define PTSCOPE_VMA_UFFD_MISSING (1ULL << 8)	/* userfaultfd: missing faults */
#define PTSCOPE_VMA_UFFD_WP	(1ULL << 9)	/* userfaultfd: write-protect */
#define PTSCOPE_VMA_UFFD_MINOR	(1ULL << 10)	/* userfaultfd: minor faults */
#define PTSCOPE_VMA_HUGETLB	(1ULL << 11)	/* hugetlbfs or MAP_HUGETLB */
#define PTSCOPE_VMA_PFNMAP	(1ULL << 12)	/* VM_PFNMAP or VM_IO */
#define PTSCOPE_VMA_ANON	(1ULL << 13)	/* anonymous (no vm_ops) */
#define PTSCOPE_VMA_SOFTDIRTY	(1ULL << 14)	/* VM_SOFTDIRTY: all pages count as soft-dirty */
#define PTSCOPE_VMA_GROWSDOWN	(1ULL << 15)	/* a stack that grows down */
#define PTSCOPE_VMA_DONTDUMP	(1ULL << 16)	/* MADV_DONTDUMP */
#define PTSCOPE_VMA_DONTFORK	(1ULL << 17)	/* MADV_DONTFORK */
#define PTSCOPE_VMA_WIPEONFORK	(1ULL << 18)	/* MADV_WIPEONFORK */
#define PTSCOPE_VMA_HEAP	(1ULL << 19)	/* the brk heap: name "[heap]" */
#define PTSCOPE_VMA_STACK	(1ULL << 20)	/* the main stack: name "[stack]" */
#define PTSCOPE_VMA_SPECIAL	(1ULL << 21)	/* named by the kernel: [vdso], [vvar]... */
#define PTSCOPE_VMA_SHMEM	(1ULL << 22)	/* shmem/tmpfs, MAP_SHARED|MAP_ANONYMOUS (ABI 1.2) */
#define PTSCOPE_VMA_NAME_TRUNCATED (1ULL << 30)	/* @name was cut to fit */
#define PTSCOPE_VMA_CHANGED	(1ULL << 31)	/* the VMA changed during its walk */

#define PTSCOPE_VMA_FOREACH(X)					\
	X(PTSCOPE_VMA_READ, "read")				\
	X(PTSCOPE_VMA_WRITE, "write")				\
	X(PTSCOPE_VMA_EXEC, "exec")				\
	X(PTSCOPE_VMA_SHARED, "shared")				\
	X(PTSCOPE_VMA_LOCKED, "locked")				\
	X(PTSCOPE_VMA_HUGEPAGE, "hugepage")			\
	X(PTSCOPE_VMA_NOHUGEPAGE, "nohugepage")			\
	X(PTSCOPE_VMA_MERGEABLE, "mergeable")			\
	X(PTSCOPE_VMA_UFFD_MISSING, "uffd_missing")		\
	X(PTSCOPE_VMA_UFFD_WP, "uffd_wp")			\
	X(PTSCOPE_VMA_UFFD_MINOR, "uffd_minor")			\
	X(PTSCOPE_VMA_HUGETLB, "hugetlb")			\
	X(PTSCOPE_VMA_PFNMAP, "pfnmap")				\
	X(PTSCOPE_VMA_ANON, "anon")				\
	X(PTSCOPE_VMA_SOFTDIRTY, "softdirty")			\
	X(PTSCOPE_VMA_GROWSDOWN, "growsdown")			\
	X(PTSCOPE_VMA_DONTDUMP, "dontdump")			\
	X(PTSCOPE_VMA_DONTFORK, "dontfork")			\
	X(PTSCOPE_VMA_WIPEONFORK, "wipeonfork")			\
	X(PTSCOPE_VMA_HEAP, "heap")				\
	X(PTSCOPE_VMA_STACK, "stack")				\
	X(PTSCOPE_VMA_SPECIAL, "special")			\
	X(PTSCOPE_VMA_SHMEM, "shmem")				\
	X(PTSCOPE_VMA_NAME_TRUNCATED, "name_truncated")		\
	X(PTSCOPE_VMA_CHANGED, "changed")

/*
 * Whether leaf @r keeps a deposited PTE table under it, in a mapping with
 * PTSCOPE_VMA_* @vma_flags: an anonymous (or huge zero) PMD leaf, or a PMD
 * migration entry of an anonymous mapping, has one set aside for its split
 * (pgtable_trans_huge_deposit() in mm/huge_memory.c), counted in VmPTE.
 * The module's MAPS table counts and ptscope tree both use this one rule.
 */
static __inline__ int
ptscope_leaf_deposits(const struct ptscope_page_region *r, __u64 vma_flags)
{
	return r->level == PTSCOPE_LEVEL_PMD && !(r->flags & PTSCOPE_PF_HUGETLB) &&
	       (r->kind == PTSCOPE_KIND_ANON || r->kind == PTSCOPE_KIND_HUGE_ZERO ||
		(r->entry == PTSCOPE_ENTRY_MIGRATION &&
		 (vma_flags & PTSCOPE_VMA_ANON)));
}

#define PTSCOPE_MAX_NODES	64	/* nodes counted one by one; higher: node_other */
#define PTSCOPE_MAX_ORDERS	16	/* folio orders counted in large_pte[] */

/**
 * struct ptscope_page_counts - pages of a range, counted by what maps them
 *
 * Every count is in 4 KiB pages; a huge leaf counts all the pages it maps.
 * A page falls in one entry count (present, swapped, not_present,
 * migration, other_entry); the other counts overlap.
 *
 * @present:	entries that map a frame (pte_present: includes PROT_NONE)
 * @swapped:	swap entries
 * @not_present: empty entries, or no page table at all
 * @migration:	migration entries (a page being moved)
 * @other_entry: hwpoison, device-private/exclusive entries and PTE markers
 * @dirty:	present and dirty (hardware bit)
 * @accessed:	present and accessed (hardware bit)
 * @writable:	present and writable (hardware bit)
 * @soft_dirty:	soft-dirty entries (present or swap)
 * @protnone:	PROT_NONE or NUMA-hinting entries
 * @uffd_wp:	userfaultfd write-protected entries or markers
 * @anon:	present anonymous pages (not KSM)
 * @file:	present page-cache pages of files (not shmem)
 * @shmem:	present shmem/tmpfs pages
 * @zero:	the zero page or the huge zero page
 * @ksm:	pages merged by KSM
 * @pfnmap:	frames without a struct page in use (PFN and device maps)
 * @shared:	pages with a mapcount of 2 or more
 * @cow_shared:	anonymous (not KSM) pages mapped more than once: after a
 *		fork, shared until one side writes
 * @anon_exclusive: anonymous pages marked exclusive (no copy on write)
 * @thp_pmd:	pages of transparent huge pages mapped by a PMD
 * @hugetlb_pmd: pages of 2 MiB hugetlb pages
 * @hugetlb_pud: pages of 1 GiB hugetlb pages
 * @large_pte:	pages of large (non-hugetlb) folios mapped by PTEs, by
 *		folio order (orders above the last share the last slot)
 * @node:	present pages by NUMA node of the frame
 * @node_other:	present pages on nodes >= PTSCOPE_MAX_NODES
 */
struct ptscope_page_counts {
	__u64 present;
	__u64 swapped;
	__u64 not_present;
	__u64 migration;
	__u64 other_entry;
	__u64 dirty;
	__u64 accessed;
	__u64 writable;
	__u64 soft_dirty;
	__u64 protnone;
	__u64 uffd_wp;
	__u64 anon;
	__u64 file;
	__u64 shmem;
	__u64 zero;
	__u64 ksm;
	__u64 pfnmap;
	__u64 shared;
	__u64 cow_shared;
	__u64 anon_exclusive;
	__u64 thp_pmd;
	__u64 hugetlb_pmd;
	__u64 hugetlb_pud;
	__u64 large_pte[PTSCOPE_MAX_ORDERS];
	__u64 node[PTSCOPE_MAX_NODES];
	__u64 node_other;
};

/* The names of the scalar counts, in order, for printers: X(field). */
#define PTSCOPE_COUNTS_FOREACH(X)					\
	X(present) X(swapped) X(not_present) X(migration) X(other_entry)	\
	X(dirty) X(accessed) X(writable) X(soft_dirty) X(protnone)	\
	X(uffd_wp) X(anon) X(file) X(shmem) X(zero) X(ksm) X(pfnmap)	\
	X(shared) X(cow_shared) X(anon_exclusive) X(thp_pmd)		\
	X(hugetlb_pmd) X(hugetlb_pud)

/**
 * struct ptscope_table_counts - page-table pages (4 KiB each)
 * @pte:	PTE tables (each maps 2 MiB)
 * @pmd:	PMD tables (each maps 1 GiB)
 * @pud:	PUD tables (each maps 512 GiB)
 * @pte_entries: entries in use (not empty) in those PTE tables
 * @pte_deposited: PTE tables the kernel keeps in reserve under anonymous
 *		PMD-mapped THPs and huge zero pages (one each, to split them
 *		without allocating); VmPTE counts them
 *
 * (@pte + @pte_deposited + @pmd + @pud) * 4 KiB is the process's VmPTE.
 */
struct ptscope_table_counts {
	__u64 pte;
	__u64 pmd;
	__u64 pud;
	__u64 pte_entries;
	__u64 pte_deposited;
};

#define PTSCOPE_VMA_NAME_LEN	256

/**
 * struct ptscope_vma - one mapping, or the part of it inside the query
 * @start:	first byte walked (the VMA's start, unless the query began later)
 * @end:	one past the last byte walked
 * @pgoff:	offset in the file of @start, in bytes (0 for anonymous memory)
 * @flags:	PTSCOPE_VMA_*
 * @inode:	inode number of the backing file, 0 if none
 * @dev_major:	device of the backing file
 * @dev_minor:
 * @page_size:	the mapping's page size (hugetlb: its huge page size)
 * @tables:	page-table pages that map part of [@start, @end); a table
 *		shared with the neighbouring VMA counts for both
 * @pages:	the pages of [@start, @end)
 * @name:	backing file path, [heap], [stack], [vdso]..., or "" for
 *		anonymous memory; NUL-terminated
 *
 * Since ABI 1.2 (PTSCOPE_FEAT_MAPS_POLICY; a caller passing
 * PTSCOPE_VMA_SIZE_VER0 as @rec_size does not get them):
 *
 * @policy_nodes: nodes 0-63 of the mapping's memory policy, node N in bit N
 *		(the policy's current nodemask, as get_mempolicy(2) reports)
 * @policy_mode: its mode, an MPOL_* value of <linux/mempolicy.h>;
 *		MPOL_DEFAULT when the mapping has no policy of its own
 * @policy_flags: its MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES and
 *		MPOL_F_NUMA_BALANCING mode flags
 * @policy_source: PTSCOPE_POLICY_*: where @policy_mode came from
 * @policy_home_node: the policy's home node (set_mempolicy_home_node(2)),
 *		-1 if none
 * @ranges_2m:	2 MiB-aligned 2 MiB ranges wholly inside [@start, @end)
 * @ranges_pmd:	of those, mapped by one huge PMD entry (THP or hugetlb)
 * @ranges_pte:	of those, mapped through a PTE table
 * @ranges_pte_full: of @ranges_pte, tables with all 512 entries present
 * @ranges_collapsible: of @ranges_pte, tables with at most
 *		@collapse_max_none (struct ptscope_maps) entries that are
 *		empty or map the zero page: what khugepaged's max_ptes_none
 *		rule lets it collapse
 * @ranges_split: PTE tables, whether or not their range is wholly inside,
 *		that map part of a PMD-sized (order 9) folio: a huge page
 *		whose PMD was split into a PTE table
 */
struct ptscope_vma {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u64 flags;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u64 page_size;
	struct ptscope_table_counts tables;
	struct ptscope_page_counts pages;
	char name[PTSCOPE_VMA_NAME_LEN];
	/* ABI 1.2 */
	__u64 policy_nodes;
	__u32 policy_mode;
	__u32 policy_flags;
	__u32 policy_source;
	__s32 policy_home_node;
	__u64 ranges_2m;
	__u64 ranges_pmd;
	__u64 ranges_pte;
	__u64 ranges_pte_full;
	__u64 ranges_collapsible;
	__u64 ranges_split;
};

/* struct ptscope_vma.policy_source */
enum {
	PTSCOPE_POLICY_NONE	= 0,	/* no policy of its own: the task's applies */
	PTSCOPE_POLICY_VMA	= 1,	/* set on the mapping (mbind(2)) */
	PTSCOPE_POLICY_SHARED	= 2,	/* shmem: the file's shared policy at @start */
};

#define PTSCOPE_POLICY_SOURCE_NAMES { "none", "vma", "shared" }

/* struct ptscope_maps.mm_flags */
#define PTSCOPE_MM_THP_DISABLE	(1ULL << 0)	/* prctl(PR_SET_THP_DISABLE): no THP at all */
#define PTSCOPE_MM_THP_DISABLE_EXCEPT_ADVISED (1ULL << 1) /* ...except MADV_HUGEPAGE (6.18+) */
/* The pages were counted as shown without PTSCOPE_PF_ACCESS_MASK's state:
 * writable, accessed, dirty, protnone and ksm counts are 0. */
#define PTSCOPE_MM_ACCESS_HIDDEN (1ULL << 2)

/**
 * struct ptscope_maps - argument of PTSCOPE_IOC_MAPS
 * @size:	in: sizeof(struct ptscope_maps)
 * @flags:	in: must be zero
 * @pid:	in: target process: a pid, or PTSCOPE_PID_PIDFD | a pidfd
 * @start:	in: first address, page aligned
 * @end:	in: end address, page aligned, > @start, at most TASK_SIZE
 * @vec:	in: user pointer to an array of struct ptscope_vma
 * @vec_len:	in: records the array holds (>= 1)
 * @rec_size:	in: sizeof(struct ptscope_vma) as the caller knows it
 * @walk_end:	out: where the walk stopped; == @end when it finished
 * @nr_records:	out: records written
 * @map_count:	out: the process's number of VMAs
 * @total_tables: out: page-table pages of the reported VMAs, each table
 *		counted once (a table shared with a VMA below @start is left
 *		to the call that reported that VMA)
 * @totals:	out: the sum of the records' page counts
 *
 * Since ABI 1.2 (PTSCOPE_FEAT_MAPS_POLICY; absent for a caller passing
 * PTSCOPE_MAPS_SIZE_VER0 as @size):
 *
 * @collapse_max_none: in: empty entries a PTE table may have and still
 *		count in ptscope_vma.ranges_collapsible, 0-511: pass
 *		/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none
 * @mm_flags:	out: PTSCOPE_MM_*
 * @task_policy_nodes: out: nodes 0-63 of the memory policy of task @pid
 *		(set_mempolicy(2)), as ptscope_vma.policy_nodes
 * @task_policy_mode: out: its MPOL_* mode; MPOL_DEFAULT if it has none
 * @task_policy_flags: out: its MPOL_F_* mode flags
 *
 * One record for every VMA that overlaps [@start, @end), cut to that range.
 * When the array is full the walk stops at @walk_end, the start of the
 * first VMA not reported: call again with @start = @walk_end.
 */
struct ptscope_maps {
	__u64 size;
	__u64 flags;
	__u64 pid;
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 rec_size;
	__u64 walk_end;
	__u64 nr_records;
	__u64 map_count;
	struct ptscope_table_counts total_tables;
	struct ptscope_page_counts totals;
	/* ABI 1.2 */
	__u64 collapse_max_none;
	__u64 mm_flags;
	__u64 task_policy_nodes;
	__u32 task_policy_mode;
	__u32 task_policy_flags;
};

#define PTSCOPE_MAPS_SIZE_VER0	(11 * 8 + 5 * 8 + (39 + 64 + 1) * 8)
#define PTSCOPE_VMA_SIZE_VER0	(7 * 8 + 5 * 8 + (39 + 64 + 1) * 8 + 256)
#define PTSCOPE_MAPS_SIZE_VER1	(PTSCOPE_MAPS_SIZE_VER0 + 4 * 8)
#define PTSCOPE_VMA_SIZE_VER1	(PTSCOPE_VMA_SIZE_VER0 + 9 * 8)
#define PTSCOPE_COLLAPSE_MAX_NONE 511	/* the largest @collapse_max_none */

#define PTSCOPE_IOC_MAPS	_IOWR(PTSCOPE_IOC_MAGIC, 0x02, struct ptscope_maps)

/*
 * PTSCOPE_IOC_STATS: the counters the kernel keeps for a process.
 */

/**
 * struct ptscope_thread - one thread of the process
 * @tid:	thread id (in the caller's pid namespace)
 * @min_flt:	minor faults this thread took
 * @maj_flt:	major faults this thread took
 * @cpu:	the CPU it last ran on
 * @node:	that CPU's NUMA node
 * @comm:	its name, NUL-terminated
 */
struct ptscope_thread {
	__u64 tid;
	__u64 min_flt;
	__u64 maj_flt;
	__s32 cpu;
	__s32 node;
	char comm[16];
};

#define PTSCOPE_THREAD_SIZE_VER0	48

/* struct ptscope_stats.flags */
#define PTSCOPE_STATS_THREADS	(1ULL << 0)	/* fill @threads */
#define PTSCOPE_STATS_FLAGS_ALL	PTSCOPE_STATS_THREADS

/**
 * struct ptscope_stats - argument of PTSCOPE_IOC_STATS
 * @size:	in: sizeof(struct ptscope_stats)
 * @flags:	in: PTSCOPE_STATS_*
 * @pid:	in: target process: a pid, or PTSCOPE_PID_PIDFD | a pidfd
 * @threads:	in: user pointer to an array of struct ptscope_thread
 * @threads_len: in: records the array holds (with PTSCOPE_STATS_THREADS)
 * @thread_size: in: sizeof(struct ptscope_thread) as the caller knows it
 * @nr_threads:	out: live threads; the call returns how many records it
 *		wrote: at most @threads_len, and at most 65536
 * @min_flt:	out: minor faults of the thread group, live and exited
 *		threads, as field 10 of /proc/PID/stat
 * @maj_flt:	out: major faults, likewise (field 12)
 * @cmin_flt:	out: minor faults of waited-for children (field 11)
 * @cmaj_flt:	out: major faults of waited-for children (field 13)
 * @rss_anon:	out: resident anonymous pages (RssAnon)
 * @rss_file:	out: resident file pages (RssFile)
 * @rss_shmem:	out: resident shmem pages (RssShmem)
 * @swap_ents:	out: swap entries (VmSwap)
 * @pgtables_bytes: out: page-table memory (VmPTE)
 * @total_vm:	out: mapped pages (VmSize)
 * @locked_vm:	out: mlocked pages (VmLck)
 * @pinned_vm:	out: pinned pages (VmPin)
 * @data_vm:	out: VmData
 * @exec_vm:	out: VmExe + VmLib
 * @stack_vm:	out: VmStk
 * @hiwater_rss: out: peak RSS (VmHWM)
 * @hiwater_vm:	out: peak size (VmPeak)
 * @map_count:	out: VMAs
 * @timestamp_ns: out: CLOCK_MONOTONIC when the counters were read
 *
 * Counts of pages are in 4 KiB pages.
 */
struct ptscope_stats {
	__u64 size;
	__u64 flags;
	__u64 pid;
	__u64 threads;
	__u64 threads_len;
	__u64 thread_size;
	__u64 nr_threads;
	__u64 min_flt;
	__u64 maj_flt;
	__u64 cmin_flt;
	__u64 cmaj_flt;
	__u64 rss_anon;
	__u64 rss_file;
	__u64 rss_shmem;
	__u64 swap_ents;
	__u64 pgtables_bytes;
	__u64 total_vm;
	__u64 locked_vm;
	__u64 pinned_vm;
	__u64 data_vm;
	__u64 exec_vm;
	__u64 stack_vm;
	__u64 hiwater_rss;
	__u64 hiwater_vm;
	__u64 map_count;
	__u64 timestamp_ns;
};

#define PTSCOPE_STATS_SIZE_VER0	(26 * 8)

/* The names of the counters, in order, for printers: X(field). */
#define PTSCOPE_STATS_FOREACH(X)					\
	X(nr_threads) X(min_flt) X(maj_flt) X(cmin_flt) X(cmaj_flt)	\
	X(rss_anon) X(rss_file) X(rss_shmem) X(swap_ents)		\
	X(pgtables_bytes) X(total_vm) X(locked_vm) X(pinned_vm)		\
	X(data_vm) X(exec_vm) X(stack_vm) X(hiwater_rss) X(hiwater_vm)	\
	X(map_count) X(timestamp_ns)

#define PTSCOPE_IOC_STATS	_IOWR(PTSCOPE_IOC_MAGIC, 0x03, struct ptscope_stats)

/*
 * PTSCOPE_IOC_TLB: what the kernel knows about a process's translations
 * (no instruction reads a TLB's contents; see docs/tlb.md), and the TLB
 * flushes attributed to it while the caller's open file watches it.
 */

/*
 * Why a flush happened: the reason argument of the kernel's tlb:tlb_flush
 * tracepoint (enum tlb_flush_reason, same numbers), which indexes
 * struct ptscope_tlb.flushes[].
 */
enum {
	PTSCOPE_TLB_TASK_SWITCH		= 0,	/* CR3 loaded for the mm at a switch */
	PTSCOPE_TLB_REMOTE_SHOOTDOWN	= 1,	/* flush IPI received for the mm */
	PTSCOPE_TLB_LOCAL_SHOOTDOWN	= 2,	/* batched flush (reclaim) on its CPU */
	PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN	= 3,	/* its own flush, on the initiating CPU */
	PTSCOPE_TLB_REMOTE_SEND_IPI	= 4,	/* it sent flush IPIs to other CPUs */
	PTSCOPE_TLB_REMOTE_WRONG_CPU	= 5,	/* IPI to a CPU that no longer had it (7.2) */
	PTSCOPE_TLB_REASON_OTHER	= 7,	/* a reason this header does not know */
	PTSCOPE_TLB_NR_REASONS		= 8
};

#define PTSCOPE_TLB_REASON_NAMES { "task_switch", "remote_shootdown", \
				   "local_shootdown", "local_mm_shootdown", \
				   "remote_send_ipi", "remote_wrong_cpu", \
				   "reserved6", "other" }

/* struct ptscope_tlb.flags (in) */
#define PTSCOPE_TLB_WATCH	(1ULL << 0)	/* start counting flushes of @pid */
#define PTSCOPE_TLB_UNWATCH	(1ULL << 1)	/* stop, after reporting the counts */
#define PTSCOPE_TLB_FLAGS_ALL	(PTSCOPE_TLB_WATCH | PTSCOPE_TLB_UNWATCH)

/* struct ptscope_tlb.state (out) */
#define PTSCOPE_TLB_WATCHING	(1ULL << 0)	/* this open file watches @pid */
#define PTSCOPE_TLB_HAS_GLOBAL_ASID (1ULL << 1)	/* the kernel has global ASIDs */
#define PTSCOPE_TLB_PCID	(1ULL << 2)	/* the kernel uses PCID */
#define PTSCOPE_TLB_INVPCID	(1ULL << 3)	/* the kernel uses INVPCID */
#define PTSCOPE_TLB_INVLPGB	(1ULL << 4)	/* the kernel uses AMD INVLPGB */
#define PTSCOPE_TLB_PTI		(1ULL << 5)	/* page-table isolation is on */
#define PTSCOPE_TLB_CPUMASK_TRUNCATED (1ULL << 6) /* CPUs beyond @cpumask exist */
#define PTSCOPE_TLB_EXITED	(1ULL << 7)	/* the watched process has exited */
#define PTSCOPE_TLB_ACCESS_HIDDEN (1ULL << 8)	/* tlb_gen, cpus, cpumask withheld: the
						 * caller may not ptrace-attach */

#define PTSCOPE_TLB_MASK_WORDS	16	/* @cpumask: CPUs 0 to 1023 */
#define PTSCOPE_TLB_MAX_WATCHES	32	/* mms watched at once, all callers */

/**
 * struct ptscope_tlb - argument of PTSCOPE_IOC_TLB
 * @size:	in: sizeof(struct ptscope_tlb)
 * @flags:	in: PTSCOPE_TLB_WATCH or PTSCOPE_TLB_UNWATCH, or 0 to read
 * @pid:	in: target process: a pid, or PTSCOPE_PID_PIDFD | a pidfd
 * @state:	out: PTSCOPE_TLB_* state bits
 * @ctx_id:	out: the mm's context id (mm->context.ctx_id): unique for
 *		the boot, what the per-CPU ASID slots remember
 * @tlb_gen:	out: the mm's TLB generation (mm->context.tlb_gen): bumped
 *		by every change of its page tables that needs a flush
 * @global_asid: out: its global ASID (AMD INVLPGB), 0 if none
 * @nr_cpu_ids:	out: possible CPU ids
 * @cpus:	out: CPUs in its mm_cpumask
 * @cpumask:	out: its mm_cpumask, bit N of word N / 64 = CPU N: the CPUs
 *		that may hold its translations (see docs/tlb.md)
 * @watch_ns:	out: how long this file has watched @pid (0: not watching)
 * @flushes:	out: tlb_flush events attributed to @pid while watched, by
 *		PTSCOPE_TLB_* reason
 * @flush_all:	out: of those, flushes of everything (TLB_FLUSH_ALL)
 * @flush_pages: out: pages flushed one by one by the other flushes
 * @switch_noflush: out: task switches to @pid that kept its translations
 *		(counted in flushes[PTSCOPE_TLB_TASK_SWITCH] too)
 * @timestamp_ns: out: CLOCK_MONOTONIC when the answer was made
 *
 * A watch lasts until PTSCOPE_TLB_UNWATCH or the file is closed.  The
 * process exiting ends no watch: while this file watches @pid, a query
 * of it after it exited (-ESRCH otherwise) still answers, with
 * PTSCOPE_TLB_EXITED and the counts up to its exit.  At most
 * PTSCOPE_TLB_MAX_WATCHES mms are watched at once (-ENOSPC beyond).  A
 * caller without CAP_PERFMON (or CAP_SYS_ADMIN) may watch only while
 * kernel.perf_event_paranoid is at most 1, as perf counts kernel events
 * (-EACCES otherwise, and when the module's tlb_watch_user_max is 0), at
 * most tlb_watch_user_max watches per user (-EDQUOT beyond), and not in
 * the last 8 slots, which are kept for CAP_PERFMON.
 */
struct ptscope_tlb {
	__u64 size;
	__u64 flags;
	__u64 pid;
	__u64 state;
	__u64 ctx_id;
	__u64 tlb_gen;
	__u64 global_asid;
	__u64 nr_cpu_ids;
	__u64 cpus;
	__u64 cpumask[PTSCOPE_TLB_MASK_WORDS];
	__u64 watch_ns;
	__u64 flushes[PTSCOPE_TLB_NR_REASONS];
	__u64 flush_all;
	__u64 flush_pages;
	__u64 switch_noflush;
	__u64 timestamp_ns;
};

#define PTSCOPE_TLB_SIZE_VER0	((9 + 16 + 1 + 8 + 4) * 8)

#define PTSCOPE_IOC_TLB		_IOWR(PTSCOPE_IOC_MAGIC, 0x04, struct ptscope_tlb)

#endif /* _UAPI_LINUX_PTSCOPE_H */
