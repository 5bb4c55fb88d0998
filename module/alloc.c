// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: every allocation a query makes goes through ptscope_alloc() and
 * ptscope_free(), so that /proc/ptscope/status can say what the module
 * holds right now; with no query in flight it must be 0 (the reliability
 * tests check it).
 */
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ptscope.h"

static atomic_long_t ptscope_live_allocations = ATOMIC_LONG_INIT(0);

/* @p, just allocated (or NULL), counted until ptscope_free(). */
static void *ptscope_counted(void *p)
{
	if (p)
		atomic_long_inc(&ptscope_live_allocations);
	return p;
}

/* Zeroed, from the slab or vmalloc; ptscope_free() it. */
void *ptscope_alloc(size_t n, size_t size)
{
	return ptscope_counted(kvcalloc(n, size, GFP_KERNEL));
}

/*
 * Not zeroed: for buffers whose parts are written before they are read or
 * copied out (the walk's bounce buffer, where zeroing 72 KiB would cost a
 * small query more than its walk).
 */
void *ptscope_alloc_uninit(size_t n, size_t size)
{
	return ptscope_counted(kvmalloc_array(n, size, GFP_KERNEL));
}

/*
 * Free what ptscope_alloc(), ptscope_alloc_uninit() or
 * ptscope_memdup_user_nul() returned.
 */
void ptscope_free(const void *p)
{
	if (!p)
		return;
	atomic_long_dec(&ptscope_live_allocations);
	kvfree(p);
}

/* memdup_user_nul(), accounted: ptscope_free() it. */
char *ptscope_memdup_user_nul(const char __user *ubuf, size_t count)
{
	char *p = memdup_user_nul(ubuf, count);

	if (!IS_ERR(p))
		atomic_long_inc(&ptscope_live_allocations);
	return p;
}

/* What the module holds now, in allocations. */
long ptscope_allocations(void)
{
	return atomic_long_read(&ptscope_live_allocations);
}
