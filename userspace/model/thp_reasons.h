/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a mapping is not (all) huge: the diagnosis of `ptscope thp`, as pure
 * functions of a mapping's record, the process's facts and the system's
 * THP settings, so that the host unit tests can check them without a
 * kernel.
 */
#ifndef PTSCOPE_THP_REASONS_H
#define PTSCOPE_THP_REASONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ptscope.h>

/* /sys/kernel/mm/transparent_hugepage/ */
enum thp_mode { THP_UNKNOWN, THP_ALWAYS, THP_MADVISE, THP_NEVER,
		THP_INHERIT, THP_WITHIN_SIZE, THP_ADVISE, THP_DENY, THP_FORCE };

#define THP_MAX_MTHP 16

struct thp_settings {
	bool present;			/* the directory exists (CONFIG_TRANSPARENT_HUGEPAGE) */
	enum thp_mode enabled;		/* enabled */
	enum thp_mode shmem_enabled;	/* shmem_enabled: for shared anon and internal mounts */
	char defrag[32];		/* defrag, the bracketed value */
	long max_ptes_none;		/* khugepaged/max_ptes_none, -1 unknown */
	long max_ptes_swap;
	long max_ptes_shared;
	long pages_to_scan;
	long scan_sleep_millisecs;
	long use_zero_page;
	unsigned int nr_mthp;		/* hugepages-<size>kB/enabled (6.8+) */
	struct {
		uint64_t size;		/* bytes */
		enum thp_mode enabled;
	} mthp[THP_MAX_MTHP];
};

/* The bracketed word of a sysfs choice line ("always [madvise] never"). */
enum thp_mode thp_mode_parse(const char *line);
const char *thp_mode_name(enum thp_mode m);
/* The settings from the lines of ptscope_thp_settings() ("FILE VALUE"). */
void thp_settings_parse(struct thp_settings *s, const char *text);
struct ptscope;
/* The settings of the system @ps answers for (or records, or replays). */
int thp_settings_load(struct ptscope *ps, struct thp_settings *s);

/* Why a mapping holds no (or not only) PMD-mapped huge pages. */
#define THP_REASONS_FOREACH(X)						\
	X(THP_R_SMALL, "smaller_than_2m",					\
	  "the mapping is smaller than 2 MiB")					\
	X(THP_R_UNALIGNED, "unaligned",						\
	  "no 2 MiB-aligned 2 MiB range lies inside the mapping")		\
	X(THP_R_NEVER, "thp_never",						\
	  "THP is 'never' for this kind of memory")				\
	X(THP_R_MADVISE, "madvise_not_hugepage",				\
	  "THP is 'madvise' and the mapping has no MADV_HUGEPAGE")		\
	X(THP_R_NOHUGEPAGE, "nohugepage",					\
	  "MADV_NOHUGEPAGE (VM_NOHUGEPAGE) is set on the mapping")		\
	X(THP_R_PRCTL, "prctl_disabled",					\
	  "prctl(PR_SET_THP_DISABLE) disabled THP for the process")		\
	X(THP_R_SHMEM_OFF, "shmem_huge_off",					\
	  "shmem/tmpfs with huge pages off (shmem_enabled)")			\
	X(THP_R_FILE, "file_mapping",						\
	  "file page cache: huge only with large-folio file systems or read-only text (khugepaged)") \
	X(THP_R_UNPOPULATED, "unpopulated",					\
	  "2 MiB ranges with no page table: never touched")			\
	X(THP_R_COLLAPSIBLE, "collapsible",					\
	  "partially populated 2 MiB ranges khugepaged could collapse (max_ptes_none)") \
	X(THP_R_SPARSE, "too_sparse",						\
	  "2 MiB ranges with more empty entries than max_ptes_none")		\
	X(THP_R_SPLIT, "split",							\
	  "huge pages whose PMD was split into a PTE table")			\
	X(THP_R_NOT_BUILT, "thp_not_built",					\
	  "this kernel has no transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE is off, as on PREEMPT_RT)")

/* THP_R_* are bit numbers: reasons are masks of (1ULL << THP_R_*). */
enum {
#define THP_R_ENUM(nr, name, help) nr,
	THP_REASONS_FOREACH(THP_R_ENUM)
#undef THP_R_ENUM
	THP_R_COUNT
};

extern const char *const thp_reason_names[THP_R_COUNT];
extern const char *const thp_reason_help[THP_R_COUNT];

/* Pages of each kind of a mapping's present memory. */
struct thp_bytes {
	uint64_t pmd;			/* PMD-mapped THP */
	uint64_t large;			/* PTE-mapped large folios, all orders */
	uint64_t hugetlb;
	uint64_t base;			/* the rest of the present pages */
	uint64_t rss;			/* present, excluding the zero page and PFN maps */
};

void thp_bytes(const struct ptscope_page_counts *c, struct thp_bytes *b);

/*
 * Could this mapping hold THPs at all, on a kernel with the settings @s:
 * not hugetlb, a PFN map or the vdso, and a kernel that has THP?
 */
bool thp_candidate(const struct ptscope_vma *v, const struct thp_settings *s);

/*
 * THP_R_* bits for @v, given the process's PTSCOPE_MM_* @mm_flags and
 * the settings; 0 when it is wholly PMD-mapped or could never be huge
 * (hugetlb, a PFN map...).  On a kernel without THP, THP_R_NOT_BUILT alone:
 * no other reason is one.
 */
uint64_t thp_reasons(const struct ptscope_vma *v, uint64_t mm_flags,
		     const struct thp_settings *s);

#endif /* PTSCOPE_THP_REASONS_H */
