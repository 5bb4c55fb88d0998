// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: records out of the walk.  Neighbouring pages whose attributes are
 * identical (frames and swap offsets advancing by one) are merged into one
 * run; a run is written out when a page breaks it, and once more at the end.
 */
#include "region.h"

/*
 * Without PTSCOPE_PAGES_REGIONS every page is its own record, written
 * straight into the chunk buffer: nothing is ever pending.
 */
static int ptscope_out_add_pages(struct ptscope_out *out,
				 const struct ptscope_page_region *rec,
				 unsigned long nr_pages, unsigned long *stop)
{
	struct ptscope_page_region *dst;
	unsigned long i, start;

	for (i = 0; i < nr_pages; i++) {
		start = rec->start + (i << PAGE_SHIFT);
		if (!out->pages_left || !out->room) {
			*stop = start;
			return PTSCOPE_OUT_DONE;
		}
		if (out->nr == out->cap) {
			*stop = start;
			return PTSCOPE_OUT_CHUNK_FULL;
		}
		dst = &out->buf[out->nr++];
		ptscope_region_copy(dst, rec);
		dst->start = start;
		dst->end = start + PAGE_SIZE;
		if (dst->pfn)
			dst->pfn += i;
		if (dst->swap_offset)
			dst->swap_offset += i;
		out->room--;
		out->pages_left--;
	}
	return PTSCOPE_OUT_OK;
}

/*
 * ptscope_out_add() when @rec does not simply grow the pending run: per
 * page records, a new run, a page budget or a full buffer.
 *
 * Invariant: while a run is pending, the caller's array has room for it,
 * so a stop never loses a page that was taken.
 */
int ptscope_out_add_slow(struct ptscope_out *out,
			 const struct ptscope_page_region *rec,
			 unsigned long nr_pages, unsigned long *stop)
{
	unsigned long step = nr_pages;
	struct ptscope_page_region one, *run;
	unsigned long i;

	if (!out->regions)
		return ptscope_out_add_pages(out, rec, nr_pages, stop);
	for (i = 0; i < nr_pages; i += step) {
		ptscope_region_copy(&one, rec);
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

		run = ptscope_out_pending(out);
		if (out->has_pending && ptscope_region_extends(run, &one)) {
			run->end = one.end;
		} else if (out->has_pending) {
			if (out->room < 2) {
				*stop = one.start;
				return PTSCOPE_OUT_DONE;
			}
			if (out->nr == out->cap) {
				*stop = one.start;
				return PTSCOPE_OUT_CHUNK_FULL;
			}
			ptscope_out_commit(out);
			ptscope_region_copy(run + 1, &one);
		} else {
			if (!out->room) {
				*stop = one.start;
				return PTSCOPE_OUT_DONE;
			}
			ptscope_region_copy(run, &one);
			out->has_pending = true;
		}
		out->pages_left -= step;
	}
	return PTSCOPE_OUT_OK;
}
