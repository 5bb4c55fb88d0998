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
#define PTSCOPE_ABI_MAJOR	1
#define PTSCOPE_ABI_MINOR	0

/* 0xB7 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PTSCOPE_IOC_MAGIC	0xB7

/* Feature bits reported by PTSCOPE_IOC_VERSION. */
#define PTSCOPE_FEAT_VERSION	(1ULL << 0)	/* PTSCOPE_IOC_VERSION */
#define PTSCOPE_FEAT_PAGES	(1ULL << 1)	/* PTSCOPE_IOC_PAGES, /proc/ptscope/pages */

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
#define PTSCOPE_PF_PFN_HIDDEN	(1ULL << 31)	/* pfn/raw/swap offset withheld (no CAP_SYS_ADMIN) */

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
 * are equal, with @pfn and @swap_offset advancing by one per page.
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
 * @pid:	in: target process (in the caller's pid namespace)
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

#endif /* _UAPI_LINUX_PTSCOPE_H */
