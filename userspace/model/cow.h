/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copy-on-write between two processes: each page at the same address of a
 * mapping both have, classified by what the two page tables map there.
 * Pure logic, no I/O: cmd_cow.c feeds it, the host tests check it.
 */
#ifndef PTSCOPE_COW_H
#define PTSCOPE_COW_H

#include <stdbool.h>
#include <stdint.h>

#include "pairwalk.h"

/* Every page is in exactly one class: the first of this order that fits. */
enum cow_class {
	COW_SWAPPED,		/* a swap entry on either side */
	COW_OTHER,		/* a migration, device or hwpoison entry, a marker */
	COW_NOT_PRESENT,	/* present on neither side */
	COW_ONLY_A,		/* present in A only */
	COW_ONLY_B,		/* present in B only */
	COW_KSM,		/* the same KSM page on both */
	COW_ZERO,		/* the zero page (or huge zero page) on both */
	COW_SHARED,		/* the same frame on both */
	COW_COPIED,		/* different frames: the copy was made */
	COW_NR
};

extern const char *const cow_class_names[COW_NR];
/* One line each: what the class means. */
extern const char *const cow_class_help[COW_NR];

/*
 * How "shared" and "copied" were told apart.  With frames (CAP_SYS_ADMIN)
 * by comparing them; without, inferred: a page that is anon-exclusive or
 * mapped once on either side cannot be the other side's frame (copied); two
 * file or shmem pages at the same offset of the same file are the same page
 * cache page (shared); other anonymous pages mapped twice or more on both
 * sides are taken to be shared (they may be shared with a third process
 * instead: this is the guess).
 */
enum cow_method {
	COW_BY_FRAME,
	COW_BY_MAPCOUNT,
};

/* The class of the pages of [s, e), covered on each side by @a and @b (or NULL). */
enum cow_class cow_classify(const struct ptscope_page_region *a,
			    const struct ptscope_page_region *b,
			    uint64_t s, enum cow_method *method);

struct cow_counts {
	uint64_t pages[COW_NR];
	uint64_t inferred;	/* pages classified without frames */
};

/*
 * Classify [start, end) given the regions of each side over it (sorted, any
 * range; pieces without a record count as not present) into @c, calling
 * @run (may be NULL) for each piece with its class.
 */
typedef int (*cow_run_cb)(uint64_t s, uint64_t e, enum cow_class cls,
			  enum cow_method method, void *arg);
int cow_window(const struct range_list *a, const struct range_list *b,
	       uint64_t start, uint64_t end, struct cow_counts *c,
	       cow_run_cb run, void *arg);

/*
 * Whether mapping @a of one process and @b of the other are the same
 * mapping over the piece starting at @s: both anonymous with the same name
 * ("", [heap], [stack]...) or the same file at the same offset.
 */
bool cow_same_mapping(const struct ptscope_vma *a, const struct ptscope_vma *b,
		      uint64_t s);

#endif /* PTSCOPE_COW_H */
