// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: PTSCOPE_IOC_PAGES, walked in bounded chunks: take the mmap lock,
 * walk into a bounce buffer, drop the lock, and only then copy to user space.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pages.h"

/**
 * ptscope_pages_start - set @st up for the query @q, from its start
 * @st: the query's state; @st->out's buffer, @cap, @room and @pages_left
 *	are the caller's, and kept
 * @q: what is asked, and what the caller may see
 *
 * The frame rule, for both doors: frames and swap slots only to a caller
 * that may see frames, and in merged runs only when asked for (a run of
 * frames breaks where the frames do).
 */
void ptscope_pages_start(struct ptscope_pages_state *st,
			 const struct ptscope_pages_query *q)
{
	st->cursor = q->start;
	st->end = q->end;
	st->show_refcount = q->see_frames;
	st->show_access = q->attach;
	st->show_pfn = q->see_frames && (!q->regions || q->want_pfn);
	st->done = false;
	st->out.regions = q->regions;
	st->out.nr = 0;
	st->out.has_pending = false;
}

/**
 * ptscope_pages_step - walk one chunk of a PAGES query
 * @mm: the target, held with mmget
 * @st: the query; @st->out.buf is filled from @st->out.nr on
 *
 * Returns 0 or -EINTR.  Sets @st->done when the range is walked or the
 * caller's array or page budget is used up; the pending run stays in
 * @st->out for the caller to flush.
 */
int ptscope_pages_step(struct mm_struct *mm, struct ptscope_pages_state *st)
{
	struct ptscope_walk w = {
		.mm = mm,
		.out = &st->out,
		.show_pfn = st->show_pfn,
		.show_refcount = st->show_refcount,
		.show_access = st->show_access,
	};
	u64 locked_at;

	if (ptscope_mmap_lock(mm, &locked_at))
		return -EINTR;
	st->cursor = ptscope_walk_records(&w, st->cursor, st->end);
	ptscope_mmap_unlock(mm, locked_at);

	if (w.status == PTSCOPE_OUT_DONE || st->cursor >= st->end)
		st->done = true;
	return 0;
}

static int ptscope_pages_get_args(struct ptscope_pages *args,
				  void __user *uarg)
{
	int ret;

	ret = ptscope_copy_args(args, sizeof(*args), PTSCOPE_PAGES_SIZE_VER0,
				uarg);
	if (ret)
		return ret;
	if (args->flags & ~PTSCOPE_PAGES_FLAGS_ALL)
		return -EINVAL;
	if (!ptscope_range_ok(args->start, args->end))
		return -EINVAL;
	ret = ptscope_check_vec(args->vec, args->vec_len, args->rec_size,
				PTSCOPE_PAGE_REGION_SIZE_VER0);
	if (ret)
		return ret;
	if (!args->max_pages)
		args->max_pages = U64_MAX;
	return 0;
}

long ptscope_ioctl_pages(struct file *file, void __user *uarg)
{
	struct ptscope_pages __user *uargs = uarg;
	struct ptscope_pages_state st = {};
	struct ptscope_pages_query q;
	struct ptscope_pages args;
	struct mm_struct *mm;
	u64 written = 0;
	long ret;

	ret = ptscope_pages_get_args(&args, uarg);
	if (ret)
		return ret;

	mm = ptscope_get_target(file, args.pid, NULL, &q.attach);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ptscope_count_query(PTSCOPE_QUERY_PAGES);

	q.start = args.start;
	q.end = args.end;
	q.regions = args.flags & PTSCOPE_PAGES_REGIONS;
	q.want_pfn = args.flags & PTSCOPE_PAGES_PFN;
	q.see_frames = ptscope_may_see_frames(file);
	ptscope_pages_start(&st, &q);
	st.out.room = args.vec_len;
	st.out.pages_left = args.max_pages;
	/*
	 * No more records than pages; only records written are copied.  One
	 * slot more, for the run being grown.
	 */
	st.out.cap = min3(args.vec_len, (u64)PTSCOPE_CHUNK_RECORDS,
			  (args.end - args.start) >> PAGE_SHIFT);
	st.out.buf = ptscope_alloc_uninit(st.out.cap + 1, sizeof(*st.out.buf));
	if (!st.out.buf) {
		ret = -ENOMEM;
		goto out_put_mm;
	}

	for (;;) {
		if (!st.done) {
			ret = ptscope_pages_step(mm, &st);
			if (ret)
				goto out_free;
		}
		/* The walk is done: the last run goes out too. */
		if (st.done && ptscope_out_flush_pending(&st.out) &&
		    !st.out.nr)
			break;
		ret = ptscope_copy_records(args.vec, written, args.rec_size,
					   st.out.buf, sizeof(*st.out.buf),
					   st.out.nr);
		if (ret)
			goto out_free;
		written += st.out.nr;
		ptscope_out_drain(&st.out);
		cond_resched();
	}

	/* A run that had no room keeps walk_end at its start. */
	if (put_user(st.cursor, &uargs->walk_end) ||
	    put_user(written, &uargs->nr_records))
		ret = -EFAULT;
	else
		ret = written;
out_free:
	ptscope_free(st.out.buf);
out_put_mm:
	mmput(mm);
	return ret;
}
