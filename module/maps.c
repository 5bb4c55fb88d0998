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

#include "ptscope.h"

static_assert(sizeof(struct ptscope_vma) == PTSCOPE_VMA_SIZE_VER1);
static_assert(sizeof(struct ptscope_maps) == PTSCOPE_MAPS_SIZE_VER1);

void ptscope_counts_add(struct ptscope_page_counts *sum,
			const struct ptscope_page_counts *c)
{
	const u64 *from = (const u64 *)c;
	u64 *to = (u64 *)sum;
	unsigned int i;

	/* The structure is nothing but u64 counts. */
	for (i = 0; i < sizeof(*c) / sizeof(u64); i++)
		to[i] += from[i];
}

/* The 2 MiB-aligned 2 MiB ranges wholly inside [@start, @end). */
static u64 ptscope_ranges_2m(unsigned long start, unsigned long end)
{
	unsigned long first = ALIGN(start, PMD_SIZE);
	unsigned long last = ALIGN_DOWN(end, PMD_SIZE);

	return last > first ? (last - first) / PMD_SIZE : 0;
}

/* Lock again after a break; the VMA at @addr, or NULL if it went away. */
static struct vm_area_struct *ptscope_maps_relock(struct mm_struct *mm,
						  unsigned long addr,
						  u64 *locked_at, int *ret)
{
	struct vm_area_struct *vma;

	cond_resched();
	if (ptscope_mmap_lock(mm, locked_at)) {
		*ret = -EINTR;
		return NULL;
	}
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start <= addr)
		return vma;
	ptscope_mmap_unlock(mm, *locked_at);
	return NULL;
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
	struct ptscope_walk w = { .mm = st->mm, .sum = &st->sum };
	struct ptscope_policy pol;
	struct vm_area_struct *vma;
	unsigned long addr, stop;
	vm_flags_t vm_flags;
	u64 locked_at;
	int ret = 0;

	if (st->cursor >= st->end)
		return 0;
	if (ptscope_mmap_lock(st->mm, &locked_at))
		return -EINTR;
	vma = find_vma(st->mm, st->cursor);
	if (!vma || vma->vm_start >= st->end) {
		ptscope_mmap_unlock(st->mm, locked_at);
		st->cursor = st->end;
		return 0;
	}

	addr = max(st->cursor, vma->vm_start);
	stop = min(st->end, vma->vm_end);
	ptscope_vma_describe(vma, addr, rec, st->path_buf);
	rec->policy_source = ptscope_vma_policy(vma, addr, &pol);
	rec->policy_mode = pol.mode;
	rec->policy_flags = pol.flags;
	rec->policy_nodes = pol.nodes;
	rec->policy_home_node = pol.home_node;
	vm_flags = vma->vm_flags;
	st->sum.rec = rec;
	st->sum.range_start = addr;
	memset(st->sum.counted, 0, sizeof(st->sum.counted));
	st->sum.deposit_pages = 0;

	for (;;) {
		addr = ptscope_walk_vma_chunk(&w, vma, addr, stop);
		if (addr >= stop)
			break;
		ptscope_mmap_unlock(st->mm, locked_at);
		vma = ptscope_maps_relock(st->mm, addr, &locked_at, &ret);
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
	ptscope_mmap_unlock(st->mm, locked_at);
out:
	rec->end = stop;
	rec->ranges_2m = ptscope_ranges_2m(rec->start, stop);
	st->sum.prev_end = stop;
	st->cursor = stop;
	rec->tables.pte_deposited = DIV_ROUND_UP(st->sum.deposit_pages,
						 PMD_SIZE / PAGE_SIZE);
	st->total_tables.pte_entries += rec->tables.pte_entries;
	st->total_tables.pte_deposited += rec->tables.pte_deposited;
	return ret ? ret : 1;
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
	if (!ptscope_pages_range_ok(args->start, args->end))
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
	struct task_struct *task;
	struct ptscope_maps args;
	struct ptscope_vma *rec;
	u64 written = 0;
	u64 usize;
	long ret;

	ret = ptscope_maps_get_args(&args, uarg);
	if (ret)
		return ret;
	usize = args.size;

	st.mm = ptscope_get_target(args.pid, &task);
	if (IS_ERR(st.mm))
		return PTR_ERR(st.mm);
	ptscope_count_query(PTSCOPE_QUERY_MAPS);
	st.sum.mm = st.mm;
	st.sum.collapse_max_none = args.collapse_max_none;
	st.sum.total_tables = &st.total_tables;
	st.cursor = args.start;
	st.end = args.end;

	rec = ptscope_alloc(1, sizeof(*rec));
	if (!rec) {
		ret = -ENOMEM;
		goto out_put_target;
	}
	st.path_buf = ptscope_alloc(1, PAGE_SIZE);
	if (!st.path_buf) {
		ret = -ENOMEM;
		goto out_free_rec;
	}

	memset(&args.totals, 0, sizeof(args.totals));
	while (written < args.vec_len) {
		memset(rec, 0, sizeof(*rec));
		ret = ptscope_maps_next(&st, rec);
		if (ret < 0)
			goto out_free_path_buf;
		if (!ret)
			break;
		ret = ptscope_copy_records(args.vec, written, args.rec_size,
					   rec, sizeof(*rec), 1);
		if (ret)
			goto out_free_path_buf;
		ptscope_counts_add(&args.totals, &rec->pages);
		written++;
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
	ptscope_task_policy(task, &task_pol);
	args.task_policy_mode = task_pol.mode;
	args.task_policy_flags = task_pol.flags;
	args.task_policy_nodes = task_pol.nodes;
	ret = ptscope_copy_out(uarg, &args, sizeof(args), usize);
	if (!ret)
		ret = written;
out_free_path_buf:
	ptscope_free(st.path_buf);
out_free_rec:
	ptscope_free(rec);
out_put_target:
	mmput(st.mm);
	put_task_struct(task);
	return ret;
}
