// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: records out of the walk.  Neighbouring pages whose attributes are
 * identical (frames and swap offsets advancing by one) are merged into one
 * run; a run is written out when a page breaks it, and once more at the end.
 */
#include "ptscope.h"

static bool ptscope_mergeable(const struct ptscope_page_region *a,
			      const struct ptscope_page_region *b)
{
	u64 pages = (a->end - a->start) >> PAGE_SHIFT;

	return a->end == b->start &&
	       a->flags == b->flags &&
	       a->kind == b->kind &&
	       a->entry == b->entry &&
	       a->level == b->level &&
	       a->folio_order == b->folio_order &&
	       a->mapcount == b->mapcount &&
	       a->mapcount_src == b->mapcount_src &&
	       a->refcount == b->refcount &&
	       a->node == b->node &&
	       a->swap_type == b->swap_type &&
	       (a->pfn ? b->pfn == a->pfn + pages : !b->pfn) &&
	       (a->swap_offset ? b->swap_offset == a->swap_offset + pages :
				 !b->swap_offset);
}

/*
 * Commit the pending run to the chunk buffer.  False when the buffer is
 * full: the caller empties it and calls again.
 */
bool ptscope_out_flush_pending(struct ptscope_out *out)
{
	if (!out->has_pending)
		return true;
	if (out->nr == out->cap)
		return false;
	out->buf[out->nr++] = out->pending;
	out->room--;
	out->has_pending = false;
	return true;
}

/*
 * Add @nr_pages pages starting at @rec->start, all described by @rec (frame
 * and swap offset are those of the first page).  Returns PTSCOPE_OUT_OK, or
 * why the walk must stop, with *stop the first page not taken.
 *
 * Invariant: while a run is pending, the caller's array has room for it,
 * so a stop never loses a page that was taken.
 */
int ptscope_out_add(struct ptscope_out *out,
		    const struct ptscope_page_region *rec,
		    unsigned long nr_pages, unsigned long *stop)
{
	unsigned long step = out->regions ? nr_pages : 1;
	struct ptscope_page_region one;
	unsigned long i;

	for (i = 0; i < nr_pages; i += step) {
		one = *rec;
		one.start = rec->start + (i << PAGE_SHIFT);
		if (!out->pages_left) {
			*stop = one.start;
			return PTSCOPE_OUT_DONE;
		}
		step = min_t(u64, step, out->pages_left);
		one.end = one.start + (step << PAGE_SHIFT);
		if (i && one.pfn)
			one.pfn += i;
		if (i && one.swap_offset)
			one.swap_offset += i;

		/* Without PTSCOPE_PAGES_REGIONS every page is its own record. */
		if (out->has_pending && out->regions &&
		    ptscope_mergeable(&out->pending, &one)) {
			out->pending.end = one.end;
		} else if (out->has_pending) {
			if (out->room < 2) {
				*stop = one.start;
				return PTSCOPE_OUT_DONE;
			}
			if (out->nr == out->cap) {
				*stop = one.start;
				return PTSCOPE_OUT_CHUNK_FULL;
			}
			ptscope_out_flush_pending(out);
			out->pending = one;
			out->has_pending = true;
		} else {
			if (!out->room) {
				*stop = one.start;
				return PTSCOPE_OUT_DONE;
			}
			out->pending = one;
			out->has_pending = true;
		}
		out->pages_left -= step;
	}
	return PTSCOPE_OUT_OK;
}
