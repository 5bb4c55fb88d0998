/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope: the records sink.  The walk's records go into a chunk buffer,
 * neighbouring pages whose facts are identical (frames and swap offsets
 * advancing by one) merged into one run.  The common cases are inline:
 * they run once a page, in the walker's loop (walk.c); region.c has the
 * rest.  The merge rule, ptscope_region_extends(), is also the summary
 * sink's (summary.h).
 */
#ifndef PTSCOPE_REGION_H
#define PTSCOPE_REGION_H

#include "ptscope.h"

/* Why a walk stopped, or that it did not. */
enum ptscope_out_status {
	PTSCOPE_OUT_OK,
	PTSCOPE_OUT_CHUNK_FULL,	/* flush the chunk, then go on where it stopped */
	PTSCOPE_OUT_DONE,	/* the caller's array or page budget is used up */
};

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
 * words: what ptscope_region_continues() compares with one memcmp, and what
 * a record copies from its neighbour.
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
 * Does @next (one or more pages from @next->start) continue the run @run?
 * The uapi's one rule, which the tool uses too; the facts after @raw
 * (swap_type ... reserved) are compared as three words.
 */
static __always_inline bool
ptscope_region_extends(const struct ptscope_page_region *run,
		       const struct ptscope_page_region *next)
{
	return ptscope_region_continues(run, next, PAGE_SHIFT);
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

#endif /* PTSCOPE_REGION_H */
