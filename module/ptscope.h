/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the parts of the ptscope module. */
#ifndef PTSCOPE_INTERNAL_H
#define PTSCOPE_INTERNAL_H

#include <linux/fs.h>
#include <linux/mm_types.h>
#include "compat/compat.h"
#include <ptscope.h>

#define PTSCOPE_RELEASE "0.6.0"

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

/* main.c: module parameters */
extern bool ptscope_root_only;

/* accounting.c: what the module holds, and its mmap lock holds */
enum ptscope_query_kind {
	PTSCOPE_QUERY_PAGES,
	PTSCOPE_QUERY_MAPS,
	PTSCOPE_QUERY_STATS,
	PTSCOPE_QUERY_TLB,
	PTSCOPE_NR_QUERY_KINDS
};

void *ptscope_alloc(size_t n, size_t size);
void *ptscope_alloc_uninit(size_t n, size_t size);
void ptscope_free(const void *p);
char *ptscope_memdup_user_nul(const char __user *ubuf, size_t count);
void ptscope_count_query(enum ptscope_query_kind kind);
void ptscope_count_yield(void);
int ptscope_mmap_lock(struct mm_struct *mm, u64 *since);
void ptscope_mmap_unlock(struct mm_struct *mm, u64 since);

/* ioctl.c */
long ptscope_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
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

/* region.c: records out of the walk, merged into runs */
/*
 * @buf holds @cap records and one more: the run being grown, while
 * @has_pending, is @buf[@nr], so that committing it is a count and the run
 * after it is written in place.
 */
struct ptscope_out {
	struct ptscope_page_region *buf;	/* this chunk's records */
	unsigned int nr;			/* records in @buf */
	unsigned int cap;	/* records @buf holds when full, pending aside */
	u64 room;		/* records the caller can still take after @buf */
	u64 pages_left;		/* page budget */
	bool regions;		/* merge runs */
	bool has_pending;	/* @buf[@nr] is the run being grown */
};

/* The run being grown: meaningful while @out->has_pending. */
static __always_inline struct ptscope_page_region *
ptscope_out_pending(struct ptscope_out *out)
{
	return &out->buf[out->nr];
}

enum ptscope_out_status {
	PTSCOPE_OUT_OK,
	PTSCOPE_OUT_CHUNK_FULL,	/* flush @buf, then go on at the returned address */
	PTSCOPE_OUT_DONE,	/* the caller's array or page budget is used up */
};

/*
 * Do frame @pfn and swap slot @swap_offset (0: none, or not shown), those
 * of the page right after the run @run, advance @run's by one a page?
 */
static __always_inline bool
ptscope_run_continues(const struct ptscope_page_region *run, u64 pfn,
		      u64 swap_offset)
{
	u64 pages = (run->end - run->start) >> PAGE_SHIFT;

	return (run->pfn ? pfn == run->pfn + pages : !pfn) &&
	       (run->swap_offset ? swap_offset == run->swap_offset + pages :
				   !swap_offset);
}

/*
 * The facts of a record after @raw (swap_type ... reserved), as three
 * words: what ptscope_region_extends() compares, and what a record copies
 * from its neighbour.
 */
#define PTSCOPE_REGION_TAIL_SIZE \
	(offsetofend(struct ptscope_page_region, reserved) - \
	 offsetof(struct ptscope_page_region, swap_type))
static_assert(PTSCOPE_REGION_TAIL_SIZE == 3 * sizeof(u64));
static_assert(offsetof(struct ptscope_page_region, swap_type) %
	      sizeof(u64) == 0);

/*
 * Copy those three words (a memcpy() across fields, which FORTIFY_SOURCE
 * rejects, or a struct copy, become rep movs, which is slow where string
 * instructions are emulated: QEMU's TCG).
 */
static __always_inline void
ptscope_region_copy_tail(struct ptscope_page_region *dst,
			 const struct ptscope_page_region *src)
{
	const u64 *from = (const u64 *)&src->swap_type;
	u64 *to = (u64 *)&dst->swap_type;

	to[0] = from[0];
	to[1] = from[1];
	to[2] = from[2];
}

/*
 * Does @next (one or more pages from @next->start) continue the run @run:
 * the same facts, frames and swap offsets advancing by one a page?  The
 * facts after @raw (swap_type ... reserved) are compared as three words.
 */
static __always_inline bool
ptscope_region_extends(const struct ptscope_page_region *run,
		       const struct ptscope_page_region *next)
{
	return run->end == next->start &&
	       run->flags == next->flags &&
	       !memcmp(&run->swap_type, &next->swap_type,
		       PTSCOPE_REGION_TAIL_SIZE) &&
	       ptscope_run_continues(run, next->pfn, next->swap_offset);
}

/* *@dst = *@src, word by word (see ptscope_region_copy_tail()). */
static __always_inline void
ptscope_region_copy(struct ptscope_page_region *dst,
		    const struct ptscope_page_region *src)
{
	static_assert(sizeof(*src) ==
		      offsetof(struct ptscope_page_region, swap_type) +
		      PTSCOPE_REGION_TAIL_SIZE);
	dst->start = src->start;
	dst->end = src->end;
	dst->flags = src->flags;
	dst->pfn = src->pfn;
	dst->swap_offset = src->swap_offset;
	dst->raw = src->raw;
	ptscope_region_copy_tail(dst, src);
}

int ptscope_out_add_slow(struct ptscope_out *out,
			 const struct ptscope_page_region *rec,
			 unsigned long nr_pages, unsigned long *stop);

/*
 * Count the run at @buf[@nr] as written, where it is (@nr < @cap); the
 * slot after it is where the next run goes.
 */
static __always_inline void ptscope_out_commit(struct ptscope_out *out)
{
	out->nr++;
	out->room--;
}

/*
 * Commit the pending run to the chunk buffer: it is already there, at
 * @buf[@nr].  False when the buffer is full: the caller empties it with
 * ptscope_out_drain() and calls again.
 */
static __always_inline bool ptscope_out_flush_pending(struct ptscope_out *out)
{
	if (!out->has_pending)
		return true;
	if (out->nr == out->cap)
		return false;
	ptscope_out_commit(out);
	out->has_pending = false;
	return true;
}

/*
 * The caller has copied out @buf's @nr records: empty it, keeping the
 * pending run, which moves to the front.
 */
static inline void ptscope_out_drain(struct ptscope_out *out)
{
	if (out->has_pending && out->nr)
		ptscope_region_copy(&out->buf[0], ptscope_out_pending(out));
	out->nr = 0;
}

/*
 * Add @nr_pages pages starting at @rec->start, all described by @rec (frame
 * and swap offset are those of the first page).  Returns PTSCOPE_OUT_OK, or
 * why the walk must stop, with *stop the first page not taken.  The common
 * case, a page that grows the pending run, is inline.
 */
static __always_inline int ptscope_out_add(struct ptscope_out *out,
					   const struct ptscope_page_region *rec,
					   unsigned long nr_pages,
					   unsigned long *stop)
{
	struct ptscope_page_region *run = ptscope_out_pending(out);

	if (out->has_pending && out->regions && nr_pages <= out->pages_left &&
	    ptscope_region_extends(run, rec)) {
		run->end += nr_pages << PAGE_SHIFT;
		out->pages_left -= nr_pages;
		return PTSCOPE_OUT_OK;
	}
	return ptscope_out_add_slow(out, rec, nr_pages, stop);
}

/*
 * @dst: the one-page record at @addr that @prev's page is before, but for
 * its own frame, swap slot and entry.  Word by word, as above.
 */
static __always_inline void
ptscope_region_repeat(struct ptscope_page_region *dst,
		      const struct ptscope_page_region *prev,
		      unsigned long addr, u64 pfn, u64 swap_offset, u64 raw)
{
	dst->start = addr;
	dst->end = addr + PAGE_SIZE;
	dst->flags = prev->flags;
	dst->pfn = pfn;
	dst->swap_offset = swap_offset;
	dst->raw = raw;
	ptscope_region_copy_tail(dst, prev);
}

/*
 * Take the page at @addr, whose record is that of the page before it, the
 * last one taken, but for its own frame @pfn, swap slot @swap_offset and
 * entry @raw (as they are to be shown).  In regions, it grows the pending
 * run if its frame and slot continue it, and otherwise starts a run like
 * it.  False when it cannot be taken this way: add its record with
 * ptscope_out_add(), which also says why the walk must stop.
 */
static __always_inline bool ptscope_out_repeat(struct ptscope_out *out,
					       unsigned long addr, u64 pfn,
					       u64 swap_offset, u64 raw)
{
	struct ptscope_page_region *run = ptscope_out_pending(out);

	if (!out->pages_left)
		return false;
	if (out->regions) {
		if (!out->has_pending || run->end != addr)
			return false;
		if (ptscope_run_continues(run, pfn, swap_offset)) {
			run->end += PAGE_SIZE;
		} else {
			/* Alike but for where it is: a new run like the last. */
			if (out->room < 2 || out->nr == out->cap)
				return false;
			ptscope_out_commit(out);
			ptscope_region_repeat(run + 1, run, addr, pfn,
					      swap_offset, raw);
		}
	} else {
		if (!out->nr || out->nr == out->cap || !out->room ||
		    out->buf[out->nr - 1].end != addr)
			return false;
		run = &out->buf[out->nr++];
		ptscope_region_repeat(run, run - 1, addr, pfn, swap_offset, raw);
		out->room--;
	}
	out->pages_left--;
	return true;
}

/* pte_decode.c, pte_decode.h: one leaf entry into a record */
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

/* summary.c: a mapping's counts, from the walk */
struct ptscope_summary {
	struct mm_struct *mm;
	struct ptscope_vma *rec;		/* the VMA being counted */
	struct ptscope_table_counts *total_tables;
	unsigned long range_start;	/* of the range being walked */
	unsigned long prev_end;		/* end of the range before, 0: none */
	unsigned long last_base[3];	/* last table counted, per level */
	unsigned long deposit_pages;	/* pages of anonymous PMD leaves */
	unsigned int collapse_max_none;	/* struct ptscope_maps's */
	bool counted[3];
	/* Pages alike, not yet counted: [run.start, run.end), maybe empty. */
	struct ptscope_page_region run;
};

/* One PMD entry's 2 MiB range, as the walk found it. */
struct ptscope_range {
	bool whole;		/* the range lies wholly in the walked part */
	bool pmd;		/* mapped by a present huge PMD */
	bool table;		/* mapped through a PTE table */
	bool split;		/* a PTE maps part of a PMD-order folio */
	unsigned int empty;	/* entries none or mapping the zero page */
	unsigned int present;	/* present entries */
};

void ptscope_summary_add_run(struct ptscope_summary *s,
			     const struct ptscope_page_region *rec,
			     unsigned long nr);
void ptscope_summary_flush(struct ptscope_summary *s);

/*
 * @nr pages from @rec->start, described by @rec, into the counts: pages
 * that continue the run of alike pages only lengthen it, and a run is
 * counted in one go when a page breaks it or the VMA is done.
 *
 * A summary counts sharing (a mapcount of two or more), not the counts, so
 * @rec is first cut down to that: pages that differ only in their counts
 * are alike to it.
 */
static __always_inline void ptscope_summary_add(struct ptscope_summary *s,
						struct ptscope_page_region *rec,
						unsigned long nr)
{
	rec->refcount = 0;
	rec->mapcount = min_t(u32, rec->mapcount, 2);
	if (s->run.end != s->run.start &&
	    ptscope_region_extends(&s->run, rec)) {
		s->run.end += nr << PAGE_SHIFT;
		return;
	}
	ptscope_summary_add_run(s, rec, nr);
}

/* The page at @addr is like the last one counted: lengthen its run. */
static __always_inline bool ptscope_summary_repeat(struct ptscope_summary *s,
						   unsigned long addr)
{
	if (s->run.end == s->run.start || s->run.end != addr)
		return false;
	s->run.end += PAGE_SIZE;
	return true;
}

void ptscope_summary_table(struct ptscope_summary *s, int level,
			   unsigned long base);
void ptscope_summary_range(struct ptscope_summary *s,
			   const struct ptscope_range *r);

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

/* walk.c: the page-table walker */
struct ptscope_walk {
	struct mm_struct *mm;
	struct ptscope_out *out;	/* records go here... */
	struct ptscope_summary *sum;	/* ...or are counted here */
	bool show_pfn;
	bool show_refcount;
	bool show_access;
	unsigned long steps;	/* entries left in this chunk */
	int status;		/* PTSCOPE_OUT_* that stopped the walk */
	unsigned long stop;	/* where it stopped */
};

unsigned long ptscope_walk_chunk(struct ptscope_walk *w, unsigned long start,
				 unsigned long end);
unsigned long ptscope_walk_vma_chunk(struct ptscope_walk *w,
				     struct vm_area_struct *vma,
				     unsigned long start, unsigned long end);

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

/* maps.c: a MAPS query, one VMA at a time */
struct ptscope_maps_state {
	struct mm_struct *mm;
	struct ptscope_summary sum;
	struct ptscope_table_counts total_tables;
	unsigned long cursor;	/* next address to walk */
	unsigned long end;
	struct ptscope_vma_names names;
	/* Where the last VMA was found, while @vmi_valid (in this hold). */
	struct vma_iterator vmi;
	bool vmi_valid;
	bool show_access;	/* see PTSCOPE_PF_ACCESS_HIDDEN */
	bool keep_locked;	/* the caller walks on in the same hold */
	bool locked;		/* the mmap lock is held, since @locked_at */
	u64 locked_at;
	unsigned long steps;	/* entries left in this hold */
};

/* VMA records a MAPS ioctl gathers under one hold before copying out. */
#define PTSCOPE_MAPS_BATCH	16

int ptscope_maps_next(struct ptscope_maps_state *st, struct ptscope_vma *rec);
void ptscope_maps_unlock(struct ptscope_maps_state *st);
void ptscope_counts_add(struct ptscope_page_counts *sum,
			const struct ptscope_page_counts *c);
long ptscope_ioctl_maps(struct file *file, void __user *uarg);

/* stats.c: the kernel's counters for a process */
unsigned int ptscope_stats_collect(struct task_struct *task,
				   struct mm_struct *mm,
				   struct ptscope_stats *st,
				   struct ptscope_thread *threads,
				   unsigned int cap);
long ptscope_ioctl_stats(struct file *file, void __user *uarg);

/* pages.c: a PAGES query in chunks, for the ioctl and /proc/ptscope/pages */
struct ptscope_pages_state {
	struct ptscope_out out;
	unsigned long cursor;	/* next address to walk */
	unsigned long end;
	bool show_pfn;
	bool show_refcount;
	bool show_access;
	bool done;
};

int ptscope_pages_step(struct mm_struct *mm, struct ptscope_pages_state *st);
long ptscope_ioctl_pages(struct file *file, void __user *uarg);
bool ptscope_pages_range_ok(u64 start, u64 end);

/* tlb.c: PTSCOPE_IOC_TLB */
long ptscope_ioctl_tlb(struct file *file, void __user *uarg);

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
