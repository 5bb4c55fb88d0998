/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptscope: the only code that knows the /dev/ptscope ioctls.
 * Every function returns 0 or a negative errno.
 */
#ifndef LIBPTSCOPE_H
#define LIBPTSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ptscope.h>

struct ptscope;

/* Open /dev/ptscope (or $PTSCOPE_DEVICE) and check the ABI major. */
int ptscope_open(struct ptscope **out);

/*
 * The same, with every answer of the module also appended to the file
 * @record; or, with @replay, with no module at all: the answers come from
 * such a file, in order, and a question that is not the recorded one gets
 * -EBADMSG.  The format is described in transport.c.
 */
struct ptscope_open_how {
	const char *record;
	const char *replay;
};
int ptscope_open_how(struct ptscope **out, const struct ptscope_open_how *how);

/* Close; -EIO if a recording could not be written out completely. */
int ptscope_close(struct ptscope *ps);
const struct ptscope_version *ptscope_module_version(const struct ptscope *ps);
bool ptscope_is_replay(const struct ptscope *ps);

/* 0 when a module reporting @v can serve this library, -EPROTO if not. */
int ptscope_abi_compatible(const struct ptscope_version *v);

/*
 * Every @pid below is a pid in the caller's pid namespace, or
 * PTSCOPE_PID_PIDFD | fd for one of the caller's pidfds (pidfd_open(2)): a
 * pidfd names one process for its whole life, so a loop of queries never
 * moves to another process that got the same number; once the process is
 * reaped every call is -ESRCH, and an fd that is not a pidfd -EBADF.
 */

/*
 * Walk [start, end) of process @pid, calling @cb for each record in address
 * order; resumes the ioctl at walk_end until the range is done, joining
 * regions cut where one call ended and the next began.  @flags are
 * PTSCOPE_PAGES_*.  A nonzero return from @cb stops the walk and is returned.
 */
typedef int (*ptscope_region_cb)(const struct ptscope_page_region *r, void *arg);
int ptscope_pages(struct ptscope *ps, uint64_t pid, uint64_t start,
		  uint64_t end, uint64_t flags, ptscope_region_cb cb, void *arg);

/*
 * Whether region @b continues region @a (the module's own merge rule);
 * ptscope_pages() joins regions the module had to cut between two calls.
 */
bool ptscope_regions_mergeable(const struct ptscope_page_region *a,
			       const struct ptscope_page_region *b);

/* The totals of a MAPS walk, summed over its ioctl calls. */
struct ptscope_maps_totals {
	struct ptscope_table_counts tables;	/* each table once */
	struct ptscope_page_counts pages;
	uint64_t map_count;
	uint64_t nr_vmas;			/* records reported */
	/* ABI 1.2 (PTSCOPE_FEAT_MAPS_POLICY), else zero: */
	uint64_t mm_flags;			/* PTSCOPE_MM_* */
	uint64_t task_policy_nodes;
	uint32_t task_policy_mode;		/* MPOL_* */
	uint32_t task_policy_flags;
};

/*
 * One record per mapping overlapping [start, end) of process @pid, in
 * address order, to @cb; @totals (may be NULL) gets the sums.
 */
typedef int (*ptscope_vma_cb)(const struct ptscope_vma *v, void *arg);
int ptscope_maps(struct ptscope *ps, uint64_t pid, uint64_t start,
		 uint64_t end, ptscope_vma_cb cb, void *arg,
		 struct ptscope_maps_totals *totals);
/*
 * The same, with @collapse_max_none (0-511, khugepaged's max_ptes_none)
 * for the records' ranges_collapsible; ptscope_maps() passes 511, the
 * kernel's default.
 */
int ptscope_maps_collapse(struct ptscope *ps, uint64_t pid, uint64_t start,
			  uint64_t end, uint64_t collapse_max_none,
			  ptscope_vma_cb cb, void *arg,
			  struct ptscope_maps_totals *totals);

/*
 * The counters of process @pid.  With @threads, *@threads gets a malloc()ed
 * array of its threads and *@nr_threads their number (free() it).
 */
int ptscope_stats(struct ptscope *ps, uint64_t pid, struct ptscope_stats *st,
		  struct ptscope_thread **threads, size_t *nr_threads);

/*
 * The TLB facts of process @pid (PTSCOPE_IOC_TLB); @flags PTSCOPE_TLB_WATCH
 * starts counting its TLB flushes on this handle, PTSCOPE_TLB_UNWATCH
 * stops, 0 reads.  -ENOTTY from a module older than ABI 1.2.
 */
int ptscope_tlb(struct ptscope *ps, uint64_t pid, uint64_t flags,
		struct ptscope_tlb *t);

/*
 * The process's own files under /proc/PID, read through the same handle as
 * the module's answers, so that a recording holds them too and a replay
 * answers them; with @ps NULL, straight from /proc.  @pid is a pid here,
 * not a pidfd; a process that is gone is -ESRCH.
 *
 * ptscope_proc_read() gives /proc/@pid/@name (a name without '/') whole,
 * in a malloc()ed NUL-terminated *@text (free() it) of *@len bytes.
 */
int ptscope_proc_read(struct ptscope *ps, uint64_t pid, const char *name,
		      char **text, size_t *len);
/* /proc/PID/comm without its newline. */
int ptscope_proc_comm(struct ptscope *ps, uint64_t pid, char *comm, size_t len);

/*
 * The system's transparent huge page settings, which decide what "why is
 * this not huge" means: a line "FILE VALUE" for each file under
 * /sys/kernel/mm/transparent_hugepage/ that ptscope thp reads (enabled,
 * defrag, shmem_enabled, use_zero_page, khugepaged/..., and each
 * hugepages-<size>kB/enabled), in a malloc()ed *@text; empty without THP.
 * Recorded and replayed like the /proc files; a recording made before
 * 0.6.2 replays with the settings of the machine that replays it.
 */
int ptscope_thp_settings(struct ptscope *ps, char **text, size_t *len);

/*
 * The CPUID leaves that describe this CPU's TLBs (0, 1, 2, 7, 0x18 and its
 * subleaves, 0x80000000, 0x80000005/6/8/19), as `cpuid -r` prints them, a
 * line each, in a malloc()ed *@text; empty off x86.  Recorded and
 * replayed, so that `tlb PID` replays with the recorded CPU's TLBs; a
 * recording made before 0.6.2 replays with this machine's.
 */
int ptscope_cpuid_leaves(struct ptscope *ps, char **text, size_t *len);

/* The pids of every process in /proc, in readdir order; free(*@pids). */
int ptscope_proc_pids(struct ptscope *ps, uint64_t **pids, size_t *nr);

/* One line of /proc/PID/maps: its range and name ("" for none). */
struct ptscope_map_line {
	uint64_t start;
	uint64_t end;
	const char *name;
};
/*
 * Each line of /proc/@pid/maps overlapping [start, end), in address order,
 * to @cb; a nonzero return from @cb stops and is returned.
 */
typedef int (*ptscope_map_line_cb)(const struct ptscope_map_line *m, void *arg);
int ptscope_proc_maps(struct ptscope *ps, uint64_t pid, uint64_t start,
		      uint64_t end, ptscope_map_line_cb cb, void *arg);

/*
 * The top of the user address space, the kernel's TASK_SIZE_MAX: "all of
 * it" for the walks of the tool.  With 5-level paging it is 2^56 - 4 KiB
 * (a process gets addresses above 2^47 when it asks for them with an mmap
 * hint), else 2^47 - 4 KiB; the kernel shows the "la57" flag in
 * /proc/cpuinfo only when it runs with 5-level paging.
 */
#define PTSCOPE_USER_TOP_4LEVEL	0x7ffffffff000ULL
#define PTSCOPE_USER_TOP_5LEVEL	0xfffffffffff000ULL
uint64_t ptscope_user_top(void);
#define PTSCOPE_USER_TOP ptscope_user_top()

/* Names from the uapi tables; "?" when out of range. */
const char *ptscope_kind_name(unsigned int kind);
const char *ptscope_entry_name(unsigned int entry);
const char *ptscope_mapcount_src_name(unsigned int src);
/* Page size of a leaf level in bytes, 0 for none. */
uint64_t ptscope_level_size(unsigned int level);

/* A plain sentence for an errno returned by this library. */
const char *ptscope_strerror(int err);

#endif /* LIBPTSCOPE_H */
