// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: what a VMA is, apart from its pages: flags, backing file and
 * name, as /proc/PID/maps and smaps show them (fs/proc/task_mmu.c): the
 * file's path and inode are those the user opened, not those of an
 * overlayfs backing file (pts_file_user_path()).
 *
 * Called with the mmap lock held, which keeps vma->vm_file alive.
 */
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>

#include "ptscope.h"

static const struct {
	vm_flags_t vm;
	u64 flag;
} ptscope_vm_flag_map[] = {
	{ VM_READ, PTSCOPE_VMA_READ },
	{ VM_WRITE, PTSCOPE_VMA_WRITE },
	{ VM_EXEC, PTSCOPE_VMA_EXEC },
	{ VM_MAYSHARE, PTSCOPE_VMA_SHARED },
	{ VM_LOCKED, PTSCOPE_VMA_LOCKED },
	{ VM_HUGEPAGE, PTSCOPE_VMA_HUGEPAGE },
	{ VM_NOHUGEPAGE, PTSCOPE_VMA_NOHUGEPAGE },
	{ VM_MERGEABLE, PTSCOPE_VMA_MERGEABLE },
	{ VM_UFFD_MISSING, PTSCOPE_VMA_UFFD_MISSING },
	{ VM_UFFD_WP, PTSCOPE_VMA_UFFD_WP },
	{ VM_UFFD_MINOR, PTSCOPE_VMA_UFFD_MINOR },
	{ VM_HUGETLB, PTSCOPE_VMA_HUGETLB },
	{ VM_PFNMAP | VM_IO, PTSCOPE_VMA_PFNMAP },
	{ VM_SOFTDIRTY, PTSCOPE_VMA_SOFTDIRTY },
	{ VM_GROWSDOWN, PTSCOPE_VMA_GROWSDOWN },
	{ VM_DONTDUMP, PTSCOPE_VMA_DONTDUMP },
	{ VM_DONTCOPY, PTSCOPE_VMA_DONTFORK },
	{ VM_WIPEONFORK, PTSCOPE_VMA_WIPEONFORK },
};

static u64 ptscope_vma_flags(struct vm_area_struct *vma)
{
	vm_flags_t vm = vma->vm_flags;
	u64 flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ptscope_vm_flag_map); i++)
		if (vm & ptscope_vm_flag_map[i].vm)
			flags |= ptscope_vm_flag_map[i].flag;
	if (vma_is_anonymous(vma))
		flags |= PTSCOPE_VMA_ANON;
	/* vma_is_shmem() is not exported; shmem_mapping() is what it tests. */
	if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping))
		flags |= PTSCOPE_VMA_SHMEM;
	return flags;
}

/* As vma_is_initial_heap()/_stack(), which 6.1 lacks. */
static bool ptscope_vma_is_heap(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->brk &&
	       vma->vm_end >= vma->vm_mm->start_brk;
}

static bool ptscope_vma_is_stack(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->start_stack &&
	       vma->vm_end >= vma->vm_mm->start_stack;
}

/* The name /proc/PID/maps shows, or NULL for plain anonymous memory. */
static const char *ptscope_vma_name(struct vm_area_struct *vma,
				    struct ptscope_vma *rec,
				    struct ptscope_vma_names *names)
{
	const char *name;

	if (vma->vm_file) {
		if (names->file != vma->vm_file) {
			name = d_path(pts_file_user_path(vma->vm_file),
				      names->path_buf, PAGE_SIZE);
			names->name = IS_ERR(name) ? "?" : name;
			names->file = vma->vm_file;
		}
		return names->name;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		if (name) {
			rec->flags |= PTSCOPE_VMA_SPECIAL;
			return name;
		}
	}
	if (ptscope_vma_is_heap(vma)) {
		rec->flags |= PTSCOPE_VMA_HEAP;
		return "[heap]";
	}
	if (ptscope_vma_is_stack(vma)) {
		rec->flags |= PTSCOPE_VMA_STACK;
		return "[stack]";
	}
	return NULL;
}

/**
 * ptscope_vma_describe - fill the non-count fields of a MAPS record
 * @vma: the VMA, under the mmap lock
 * @start: the first address reported (>= @vma->vm_start)
 * @rec: the record, zeroed by the caller
 * @names: d_path()'s buffer and the last name, reset when the lock is dropped
 */
void ptscope_vma_describe(struct vm_area_struct *vma, unsigned long start,
			  struct ptscope_vma *rec,
			  struct ptscope_vma_names *names)
{
	const char *name;

	rec->start = start;
	rec->end = vma->vm_end;
	rec->flags = ptscope_vma_flags(vma);
	rec->page_size = is_vm_hugetlb_page(vma) ?
			 huge_page_size(hstate_vma(vma)) : PAGE_SIZE;

	if (vma->vm_file) {
		const struct inode *inode = pts_file_user_inode(vma->vm_file);

		rec->inode = inode->i_ino;
		rec->dev_major = MAJOR(inode->i_sb->s_dev);
		rec->dev_minor = MINOR(inode->i_sb->s_dev);
		rec->pgoff = ((u64)vma->vm_pgoff << PAGE_SHIFT) +
			     (start - vma->vm_start);
	}
	name = ptscope_vma_name(vma, rec, names);
	if (name && strscpy(rec->name, name, sizeof(rec->name)) < 0)
		rec->flags |= PTSCOPE_VMA_NAME_TRUNCATED;
}
