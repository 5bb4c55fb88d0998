// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: PTSCOPE_IOC_MAPS, one record per VMA with the counts of one walk
 * of its page tables.  A VMA is walked in bounded chunks under the mmap
 * read lock like a PAGES query; its record is copied to the caller after
 * the lock is dropped.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "maps.h"

static_assert(sizeof(struct ptscope_vma) == PTSCOPE_VMA_SIZE_VER1);
static_assert(sizeof(struct ptscope_maps) == PTSCOPE_MAPS_SIZE_VER1);
static_assert(offsetofend(struct ptscope_page_counts, node_other) ==
	      sizeof(struct ptscope_page_counts));

void ptscope_counts_add(struct ptscope_page_counts *sum,
			const struct ptscope_page_counts *c)
{
	const u64 *from = (const u64 *)c;
	u64 *to = (u64 *)sum;
	unsigned int i, nodes = min_t(unsigned int, nr_node_ids,
				      PTSCOPE_MAX_NODES);

	/*
	 * The structure is nothing but u64 counts, and node[] is 64 of its
	 * 104: only the first nr_node_ids can be other than 0 (a page's node
	 * is below it).  A process of 100,000 mappings sums 100,000 records.
	 */
	for (i = 0; i < offsetof(typeof(*c), node) / sizeof(u64); i++)
		to[i] += from[i];
	for (i = 0; i < nodes; i++)
		sum->node[i] += c->node[i];
	sum->node_other += c->node_other;
}

/**
 * ptscope_maps_start - set @st up for a MAPS query of [@start, @end)
 * @st: the query's state; its @names.path_buf is the caller's, and kept
 * @start: first address
 * @end: end of the range
 * @collapse_max_none: struct ptscope_maps's
 * @attach: ptscope_target's: the access state is counted
 *
 * @st->mm is the caller's to set before each ptscope_maps_next().
 */
void ptscope_maps_start(struct ptscope_maps_state *st, u64 start, u64 end,
			unsigned int collapse_max_none, bool attach)
{
	char *path_buf = st->names.path_buf;

	memset(st, 0, sizeof(*st));
	st->names.path_buf = path_buf;
	st->cursor = start;
	st->end = end;
	st->show_access = attach;
	st->sum.collapse_max_none = collapse_max_none;
	st->sum.tables.totals = &st->total_tables;
}

/* Take the target's mmap lock for a new hold, with a fresh step budget. */
static int ptscope_maps_lock(struct ptscope_maps_state *st)
{
	if (ptscope_mmap_lock(st->mm, &st->locked_at))
		return -EINTR;
	st->locked = true;
	st->steps = PTSCOPE_CHUNK_STEPS;
	return 0;
}

/**
 * ptscope_maps_unlock - end the current hold of the mmap lock, if any
 * @st: the query
 *
 * ptscope_maps_next() may return with the lock still held when
 * @st->keep_locked is set, so that the next VMA is walked in the same hold;
 * the caller must call this before copying anything to user space.
 */
void ptscope_maps_unlock(struct ptscope_maps_state *st)
{
	if (!st->locked)
		return;
	ptscope_mmap_unlock(st->mm, st->locked_at);
	st->locked = false;
	/* What was found under the lock may be gone once it is dropped. */
	st->vmi_valid = false;
	st->names.file = NULL;
}

/*
 * The first VMA ending after @st->cursor: the one after the last, in the
 * same hold of the lock, without a search from the root of the tree.
 */
static struct vm_area_struct *ptscope_maps_find_vma(struct ptscope_maps_state *st)
{
	if (!st->vmi_valid) {
		VMA_ITERATOR(vmi, st->mm, st->cursor);

		st->vmi = vmi;
		st->vmi_valid = true;
	}
	return vma_next(&st->vmi);
}

/* Drop the lock after a chunk and take it again: the VMA at @addr or NULL. */
static struct vm_area_struct *ptscope_maps_relock(struct ptscope_maps_state *st,
						  unsigned long addr, int *ret)
{
	struct vm_area_struct *vma;

	ptscope_maps_unlock(st);
	cond_resched();
	*ret = ptscope_maps_lock(st);
	if (*ret)
		return NULL;
	vma = find_vma(st->mm, addr);
	if (vma && vma->vm_start <= addr)
		return vma;
	ptscope_maps_unlock(st);
	return NULL;
}

/*
 * Done with a VMA: keep the lock for the next one only if asked, budget is
 * left, and neither a writer nor the scheduler is waiting.
 */
static void ptscope_maps_vma_done(struct ptscope_maps_state *st)
{
	if (st->locked && st->keep_locked && st->steps &&
	    !mmap_lock_is_contended(st->mm) && !need_resched())
		return;
	ptscope_maps_unlock(st);
}

/**
 * ptscope_maps_next - the record of the next VMA of a MAPS query
 * @st: the query; @st->mm held with mmget
 * @rec: zeroed record to fill
 *
 * Returns 1 with @rec filled, 0 when no VMA is left in the range, or
 * -EINTR.  A VMA that changes between two chunks of its walk keeps the
 * description it had at the first; it is marked PTSCOPE_VMA_CHANGED, and
 * if its tail went away, @rec->end says how far the walk got.
 */
int ptscope_maps_next(struct ptscope_maps_state *st, struct ptscope_vma *rec)
{
	struct ptscope_walk w = {
		.mm = st->mm,
		.sum = &st->sum,
		.show_access = st->show_access,
	};
	struct ptscope_policy pol;
	struct vm_area_struct *vma;
	unsigned long addr, stop;
	vm_flags_t vm_flags;
	int ret = 0;

	if (st->cursor >= st->end) {
		ptscope_maps_unlock(st);
		return 0;
	}
	if (!st->locked && ptscope_maps_lock(st))
		return -EINTR;
	vma = ptscope_maps_find_vma(st);
	if (!vma || vma->vm_start >= st->end) {
		ptscope_maps_unlock(st);
		st->cursor = st->end;
		return 0;
	}

	addr = max(st->cursor, vma->vm_start);
	stop = min(st->end, vma->vm_end);
	ptscope_vma_describe(vma, addr, rec, &st->names);
	rec->policy_source = ptscope_vma_policy(vma, addr, &pol);
	rec->policy_mode = pol.mode;
	rec->policy_flags = pol.flags;
	rec->policy_nodes = pol.nodes;
	rec->policy_home_node = pol.home_node;
	vm_flags = vma->vm_flags;
	st->sum.tables.mm = st->mm;
	ptscope_summary_start(&st->sum, rec, addr);

	for (;;) {
		w.steps = st->steps;
		addr = ptscope_walk_summary(&w, vma, addr, stop);
		st->steps = w.steps;
		if (addr >= stop)
			break;
		vma = ptscope_maps_relock(st, addr, &ret);
		if (!vma) {
			/* Killed, or the rest of the VMA was unmapped. */
			rec->flags |= PTSCOPE_VMA_CHANGED;
			stop = addr;
			goto out;
		}
		if (vma->vm_flags != vm_flags || vma->vm_end < stop) {
			rec->flags |= PTSCOPE_VMA_CHANGED;
			stop = min(stop, vma->vm_end);
		}
	}
	ptscope_maps_vma_done(st);
out:
	ptscope_summary_finish(&st->sum, stop);
	st->cursor = stop;
	return ret ? ret : 1;
}

/*
 * Up to @max records, as many VMAs as one hold of the lock walks; returns
 * with the lock dropped: how many, 0 at the end, or -EINTR.
 */
static int ptscope_maps_batch(struct ptscope_maps_state *st,
			      struct ptscope_vma *recs, unsigned int max)
{
	unsigned int nr = 0;
	int ret;

	do {
		memset(&recs[nr], 0, sizeof(recs[nr]));
		ret = ptscope_maps_next(st, &recs[nr]);
		if (ret < 0) {
			ptscope_maps_unlock(st);
			return ret;
		}
		nr += ret;
	} while (ret && nr < max && st->locked);
	ptscope_maps_unlock(st);
	return nr;
}

static int ptscope_maps_get_args(struct ptscope_maps *args, void __user *uarg)
{
	int ret;

	ret = ptscope_copy_args(args, sizeof(*args), PTSCOPE_MAPS_SIZE_VER0,
				uarg);
	if (ret)
		return ret;
	if (args->flags)
		return -EINVAL;
	if (!ptscope_range_ok(args->start, args->end))
		return -EINVAL;
	if (args->collapse_max_none > PTSCOPE_COLLAPSE_MAX_NONE)
		return -EINVAL;
	return ptscope_check_vec(args->vec, args->vec_len, args->rec_size,
				 PTSCOPE_VMA_SIZE_VER0);
}

long ptscope_ioctl_maps(struct file *file, void __user *uarg)
{
	struct ptscope_maps_state st = {};
	struct ptscope_policy task_pol;
	struct mm_struct *mm;
	bool attach;
	struct task_struct *task;
	struct ptscope_maps args;
	struct ptscope_vma *recs;
	u64 written = 0;
	u64 usize;
	long ret;
	int nr, i;

	ret = ptscope_maps_get_args(&args, uarg);
	if (ret)
		return ret;
	usize = args.size;

	mm = ptscope_get_target(file, args.pid, &task, &attach);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ptscope_count_query(PTSCOPE_QUERY_MAPS);
	ptscope_maps_start(&st, args.start, args.end, args.collapse_max_none,
			   attach);
	st.mm = mm;

	/* Each record is zeroed before it is filled; d_path() fills its own. */
	recs = ptscope_alloc_uninit(min_t(u64, args.vec_len, PTSCOPE_MAPS_BATCH),
				    sizeof(*recs));
	if (!recs) {
		ret = -ENOMEM;
		goto out_put_target;
	}
	st.names.path_buf = ptscope_alloc_uninit(1, PAGE_SIZE);
	if (!st.names.path_buf) {
		ret = -ENOMEM;
		goto out_free_recs;
	}

	/* VMAs walked in one hold of the lock are copied out after it. */
	st.keep_locked = true;
	memset(&args.totals, 0, sizeof(args.totals));
	while (written < args.vec_len) {
		nr = ptscope_maps_batch(&st, recs,
					min_t(u64, PTSCOPE_MAPS_BATCH,
					      args.vec_len - written));
		if (nr <= 0) {
			ret = nr;
			if (ret < 0)
				goto out_free_path_buf;
			break;
		}
		ret = ptscope_copy_records(args.vec, written, args.rec_size,
					   recs, sizeof(*recs), nr);
		if (ret)
			goto out_free_path_buf;
		for (i = 0; i < nr; i++)
			ptscope_counts_add(&args.totals, &recs[i].pages);
		written += nr;
	}

	args.walk_end = st.cursor;
	args.nr_records = written;
	args.map_count = READ_ONCE(st.mm->map_count);
	args.total_tables = st.total_tables;
	args.mm_flags = 0;
	if (pts_mm_thp_disabled(st.mm))
		args.mm_flags |= PTSCOPE_MM_THP_DISABLE;
	if (pts_mm_thp_disabled_except_advised(st.mm))
		args.mm_flags |= PTSCOPE_MM_THP_DISABLE_EXCEPT_ADVISED;
	if (!st.show_access)
		args.mm_flags |= PTSCOPE_MM_ACCESS_HIDDEN;
	ptscope_task_policy(task, &task_pol);
	args.task_policy_mode = task_pol.mode;
	args.task_policy_flags = task_pol.flags;
	args.task_policy_nodes = task_pol.nodes;
	ret = ptscope_copy_out(uarg, &args, sizeof(args), usize);
	if (!ret)
		ret = written;
out_free_path_buf:
	ptscope_free(st.names.path_buf);
out_free_recs:
	ptscope_free(recs);
out_put_target:
	mmput(mm);
	put_task_struct(task);
	return ret;
}
