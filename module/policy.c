// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: memory policies, as get_mempolicy(2) would report them: a
 * mapping's own (mbind(2)), a shmem file's shared policy, a task's
 * (set_mempolicy(2)).
 *
 * No reference is taken on any policy: dropping one needs __mpol_put(),
 * which 6.1 and 6.12 do not export (7.2 exports it to kvm only).  So each
 * policy is read under the lock that keeps it alive instead, and copied:
 *  - vma->vm_policy: the mmap lock, held by the caller (mbind replaces a
 *    VMA's policy under the write lock);
 *  - a shmem shared policy: its shared_policy's rwlock, without which no
 *    node of the tree, nor its policy, is freed; that is why the shmem
 *    vm_ops->get_policy(), which returns a reference, is not called;
 *  - task->mempolicy: task_lock(), which do_set_mempolicy() holds while it
 *    swaps the pointer (the old policy is put after the unlock).
 */
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/rbtree.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>

#include "ptscope.h"

#ifdef CONFIG_NUMA
/*
 * The nodemask get_mempolicy(2) reports: the one the caller gave, for the
 * modes that remap it (static/relative), else the policy's own nodes.
 * Only nodes 0-63 fit.
 */
static void ptscope_policy_copy(const struct mempolicy *pol,
				struct ptscope_policy *out)
{
	const nodemask_t *nodes = &pol->nodes;

	if (pol->flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
		nodes = &pol->w.user_nodemask;
	out->mode = pol->mode;
	out->flags = pol->flags & MPOL_MODE_FLAGS;
	out->nodes = nodes_addr(*nodes)[0];
	out->home_node = pol->home_node;
}

/* The shared policy of the shmem file page @addr maps, if it has one. */
static bool ptscope_shared_policy(struct vm_area_struct *vma,
				  unsigned long addr, struct ptscope_policy *out)
{
	struct shared_policy *sp = &SHMEM_I(file_inode(vma->vm_file))->policy;
	pgoff_t idx = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	struct rb_node *n;
	bool found = false;

	/* As sp_lookup() in mm/mempolicy.c: the ranges do not overlap. */
	read_lock(&sp->lock);
	for (n = sp->root.rb_node; n;) {
		struct sp_node *p = rb_entry(n, struct sp_node, nd);

		if (idx >= p->end) {
			n = n->rb_right;
		} else if (idx < p->start) {
			n = n->rb_left;
		} else {
			ptscope_policy_copy(p->policy, out);
			found = true;
			break;
		}
	}
	read_unlock(&sp->lock);
	return found;
}

/**
 * ptscope_vma_policy - the policy that places new pages of a mapping
 * @vma: the VMA, under the mmap lock
 * @addr: the address whose policy is reported (a shmem file's shared
 *	policy may differ along the file)
 * @out: the policy; mode MPOL_DEFAULT when the mapping has none
 *
 * Returns a PTSCOPE_POLICY_* source.  Like get_vma_policy(): shmem
 * mappings use the file's shared policy only, others their own.
 */
int ptscope_vma_policy(struct vm_area_struct *vma, unsigned long addr,
		       struct ptscope_policy *out)
{
	struct mempolicy *pol;

	memset(out, 0, sizeof(*out));
	out->mode = MPOL_DEFAULT;
	out->home_node = NUMA_NO_NODE;
	if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping))
		return ptscope_shared_policy(vma, addr, out) ?
		       PTSCOPE_POLICY_SHARED : PTSCOPE_POLICY_NONE;
	pol = vma->vm_policy;
	if (!pol)
		return PTSCOPE_POLICY_NONE;
	ptscope_policy_copy(pol, out);
	return PTSCOPE_POLICY_VMA;
}

/* The policy of @task, held with a reference; MPOL_DEFAULT if none. */
void ptscope_task_policy(struct task_struct *task, struct ptscope_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = MPOL_DEFAULT;
	out->home_node = NUMA_NO_NODE;
	task_lock(task);
	if (task->mempolicy)
		ptscope_policy_copy(task->mempolicy, out);
	task_unlock(task);
}
#else /* !CONFIG_NUMA: every policy is the default */
int ptscope_vma_policy(struct vm_area_struct *vma, unsigned long addr,
		       struct ptscope_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->home_node = NUMA_NO_NODE;
	return PTSCOPE_POLICY_NONE;
}

void ptscope_task_policy(struct task_struct *task, struct ptscope_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->home_node = NUMA_NO_NODE;
}
#endif
