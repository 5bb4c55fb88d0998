/* SPDX-License-Identifier: GPL-2.0 */
/* ptscope: the one MAPS query, for the ioctl and /proc/ptscope/maps. */
#ifndef PTSCOPE_MAPS_H
#define PTSCOPE_MAPS_H

#include "summary.h"
#include "walk.h"

/* A MAPS query, one VMA at a time (maps.c) */
struct ptscope_maps_state {
	struct mm_struct *mm;
	struct ptscope_summary sum;
	struct ptscope_table_counts total_tables;
	unsigned long cursor;	/* next address to walk */
	unsigned long end;
	struct ptscope_vma_names names;
	/* Where the last VMA was found, while @vmi_valid (in this hold). */
	struct vma_iterator vmi;
	bool vmi_valid;
	bool show_access;	/* see PTSCOPE_PF_ACCESS_HIDDEN */
	bool keep_locked;	/* the caller walks on in the same hold */
	bool locked;		/* the mmap lock is held, since @locked_at */
	u64 locked_at;
	unsigned long steps;	/* entries left in this hold */
};

/* VMA records a MAPS ioctl gathers under one hold before copying out. */
#define PTSCOPE_MAPS_BATCH	16

void ptscope_maps_start(struct ptscope_maps_state *st, u64 start, u64 end,
			unsigned int collapse_max_none, bool attach);
int ptscope_maps_next(struct ptscope_maps_state *st, struct ptscope_vma *rec);
void ptscope_maps_unlock(struct ptscope_maps_state *st);
void ptscope_counts_add(struct ptscope_page_counts *sum,
			const struct ptscope_page_counts *c);

#endif /* PTSCOPE_MAPS_H */
