/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The processes of a cgroup subtree, each walked whole (MAPS), and their
 * sum: once per process, and, where frames are visible (CAP_SYS_ADMIN),
 * once per page.  A page mapped by two of its processes (a fork's COW
 * pages, shmem, a file) is in both processes' counts; the page-by-page
 * total walks only the mappings that have such pages (a mapcount of 2 or
 * more, or swap entries) and takes every frame and swap slot seen before
 * out of the sum.
 */
#ifndef PTSCOPE_CGROUP_SUM_H
#define PTSCOPE_CGROUP_SUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"

/* Counts in 4 KiB pages (a huge page counts all it maps). */
enum cg_count {
	CG_RESIDENT,	/* anon + file + shmem + ksm: frames of its own */
	CG_ANON,	/* anonymous, THPs included */
	CG_FILE,	/* page cache of files (hugetlbfs included) */
	CG_SHMEM,	/* shmem/tmpfs */
	CG_KSM,
	CG_THP_ANON,	/* PMD-mapped THPs of anonymous mappings */
	CG_THP_FILE,	/* PMD-mapped THPs of file and shmem mappings */
	CG_MTHP,	/* PTE-mapped large folios (not hugetlb) */
	CG_HUGETLB,
	CG_SWAP,	/* swap entries */
	CG_SHARED,	/* mapped more than once (mapcount >= 2) */
	CG_COW,		/* of those, anonymous: shared since a fork */
	CG_COUNT
};

struct cg_counts {
	uint64_t c[CG_COUNT];
	uint64_t node[PTSCOPE_MAX_NODES];	/* resident, by node */
	/* Present pages of anonymous mappings (no file or shmem page), by node. */
	uint64_t anon_node[PTSCOPE_MAX_NODES];
};

struct cg_proc {
	uint64_t pid;
	uint32_t uid;
	char comm[64];
	char cgroup[256];
	struct ptscope_stats st;	/* faults, page-table bytes */
	struct cg_counts n;
	uint64_t vmas;
};

struct cg_sum {
	struct cg_proc *procs;		/* in /proc's order */
	size_t nr;
	uint64_t hidden;		/* in the subtree, not permitted (EPERM) */
	uint64_t vanished;		/* exited while it was read */
	uint64_t kernel_threads;	/* no memory of their own */
	struct cg_counts sum;		/* every process's counts added */
	uint64_t pagetables_bytes;	/* VmPTE, summed (tables are never shared) */
	uint64_t min_flt, maj_flt;
	/*
	 * With @by_frame, @sum with every page and swap slot counted once.
	 * Without it, @frames_hidden: the caller may not see frames; else a
	 * process exited or was refused between its two walks.  A process
	 * that changed between them is counted as the second walk found its
	 * shared mappings, in its own counts, the sum and the total alike.
	 */
	bool by_frame;
	bool frames_hidden;
	struct cg_counts once;
	uint64_t dedup_walked;		/* pages walked page by page for it */
};

/*
 * The processes of cgroup @subtree (as /proc/PID/cgroup shows it) and
 * their sums into @s; 0 or -errno (-ENOMEM; a process that cannot be read
 * is counted in @s->hidden, @s->vanished or @s->kernel_threads, not an
 * error).  On an error @s holds nothing to free.
 */
int cgroup_sum(struct ptscope *ps, const char *subtree, struct cg_sum *s);
void cgroup_sum_free(struct cg_sum *s);

/* The counts of one MAPS record, added to @n. */
void cg_counts_add_vma(struct cg_counts *n, const struct ptscope_vma *v);

#endif /* PTSCOPE_CGROUP_SUM_H */
