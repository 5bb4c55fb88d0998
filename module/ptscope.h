/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the parts of the ptscope module. */
#ifndef PTSCOPE_INTERNAL_H
#define PTSCOPE_INTERNAL_H

#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/mm_types.h>
#include "compat/compat.h"
#include <ptscope.h>

/* Feature bits this build answers; userspace reads them through VERSION. */
#define PTSCOPE_FEATURES (PTSCOPE_FEAT_VERSION | PTSCOPE_FEAT_PAGES | \
			  PTSCOPE_FEAT_MAPS | PTSCOPE_FEAT_STATS | \
			  PTSCOPE_FEAT_MAPS_POLICY | PTSCOPE_FEAT_TLB)

/*
 * How much one chunk of a walk may do before the mmap lock is dropped:
 * page-table entries visited (a PTE, or one empty or huge upper entry),
 * and records produced.  A chunk also ends early, after any whole PTE table
 * or huge entry, when a writer waits for the lock or the CPU is wanted.
 * See docs/performance.md and docs/reliability.md for the measured holds.
 */
#define PTSCOPE_CHUNK_STEPS	65536
#define PTSCOPE_CHUNK_RECORDS	1024

/* alloc.c: every allocation a query makes, counted */
void *ptscope_alloc(size_t n, size_t size);
void *ptscope_alloc_uninit(size_t n, size_t size);
void ptscope_free(const void *p);
char *ptscope_memdup_user_nul(const char __user *ubuf, size_t count);
long ptscope_allocations(void);

/* mmap_hold.c: every hold of a target's mmap lock, timed */
struct ptscope_mmap_holds {
	s64 holds;
	s64 total_ns;
	s64 max_ns;
	s64 yields;
};

int ptscope_mmap_lock(struct mm_struct *mm, u64 *since);
void ptscope_mmap_unlock(struct mm_struct *mm, u64 since);
void ptscope_count_yield(void);
void ptscope_mmap_holds(struct ptscope_mmap_holds *h);
void ptscope_mmap_holds_reset(void);

/* status.c: the queries answered, and /proc/ptscope/status */
enum ptscope_query_kind {
	PTSCOPE_QUERY_PAGES,
	PTSCOPE_QUERY_MAPS,
	PTSCOPE_QUERY_STATS,
	PTSCOPE_QUERY_TLB,
	PTSCOPE_NR_QUERY_KINDS
};

void ptscope_count_query(enum ptscope_query_kind kind);

/* ioctl.c: the dispatcher, and the handlers it calls, each with its query */
long ptscope_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long ptscope_ioctl_version(void __user *uarg);
long ptscope_ioctl_pages(struct file *file, void __user *uarg);
long ptscope_ioctl_maps(struct file *file, void __user *uarg);
long ptscope_ioctl_stats(struct file *file, void __user *uarg);
long ptscope_ioctl_tlb(struct file *file, void __user *uarg);

/* version.c: /proc/ptscope/version */
int ptscope_version_show(struct seq_file *m, void *v);

/* query_args.c: what every ioctl does with its argument */
bool ptscope_range_ok(u64 start, u64 end);
int ptscope_copy_args(void *karg, size_t ksize, size_t min,
		      const void __user *uarg);
int ptscope_copy_out(void __user *uarg, const void *karg, size_t ksize,
		     u64 usize);
int ptscope_copy_records(u64 uvec, u64 index, u64 urec_size,
			 const void *recs, size_t krec_size, unsigned int nr);
int ptscope_check_vec(u64 uvec, u64 len, u64 rec_size, size_t min_rec_size);

/*
 * target.c: the process a query is about, if the kernel lets the caller
 * open its pagemap
 */
struct ptscope_target {
	struct mm_struct *mm;	/* mmgrab()bed: the address space authorised */
	struct pid *pid;
	bool attach;		/* attach allowed too: access state shown */
};

int ptscope_target_init(void);
int ptscope_target_bind(struct ptscope_target *t, const struct file *door,
			u64 pid_nr, bool want_attach);
void ptscope_target_unbind(struct ptscope_target *t);
struct mm_struct *ptscope_target_get(const struct ptscope_target *t,
				     struct task_struct **taskp);
struct mm_struct *ptscope_get_target(const struct file *door, u64 pid_nr,
				     struct task_struct **taskp, bool *attach);
bool ptscope_may_see_frames(const struct file *file);

/* policy.c: memory policies of mappings and tasks */
struct ptscope_policy {
	u64 nodes;		/* nodes 0-63 */
	u32 mode;		/* MPOL_* */
	u32 flags;		/* MPOL_F_* mode flags */
	s32 home_node;		/* NUMA_NO_NODE if none */
};

int ptscope_vma_policy(struct vm_area_struct *vma, unsigned long addr,
		       struct ptscope_policy *out);
void ptscope_task_policy(struct task_struct *task, struct ptscope_policy *out);

/* vma_info.c: what a VMA is, apart from its pages */
struct ptscope_vma_names {
	char *path_buf;			/* PAGE_SIZE, for d_path() */
	/*
	 * The last file named and its name (in @path_buf): a library's
	 * mappings come one after another.  Only good for one hold of the
	 * mmap lock, which keeps the file alive; NULL: none.
	 */
	const struct file *file;
	const char *name;
};

void ptscope_vma_describe(struct vm_area_struct *vma, unsigned long start,
			  struct ptscope_vma *rec,
			  struct ptscope_vma_names *names);

/* stats.c: the kernel's counters for a process */
unsigned int ptscope_stats_collect(struct task_struct *task,
				   struct mm_struct *mm,
				   struct ptscope_stats *st,
				   struct ptscope_thread *threads,
				   unsigned int cap);

/* tlb_watch.c: TLB flushes counted per watched mm */
int ptscope_tlb_watch_start(const struct file *owner, u64 pid,
			    struct mm_struct *mm);
struct mm_struct *ptscope_tlb_watch_read(const struct file *owner, u64 pid,
					 struct mm_struct *mm,
					 struct ptscope_tlb *t, bool stop);
void ptscope_tlb_watch_release(const struct file *owner);
void ptscope_tlb_watch_init(void);
void ptscope_tlb_watch_exit(void);

/* procfs.c */
int ptscope_procfs_init(void);
void ptscope_procfs_exit(void);

#endif /* PTSCOPE_INTERNAL_H */
