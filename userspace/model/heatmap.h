/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heatmap model: a mapping cut into cells of N pages, each cell counting
 * its pages per class and showing the class most of them are in.
 */
#ifndef PTSCOPE_HEATMAP_H
#define PTSCOPE_HEATMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ptscope.h>

/* What a page is, by state (--by state, the default). */
enum heat_class {
	HEAT_NONE,		/* not present */
	HEAT_PRESENT,		/* present, clean */
	HEAT_DIRTY,		/* present, dirty */
	HEAT_SWAPPED,
	HEAT_COW,		/* anonymous, mapped by another process too */
	HEAT_THP,		/* in a PMD-mapped transparent huge page */
	HEAT_HUGETLB,
	HEAT_OTHER,		/* migration, device, marker or hwpoison entry */
	HEAT_NODE0,		/* --by node: present on node N is HEAT_NODE0 + N */
	HEAT_NR_CLASSES = HEAT_NODE0 + PTSCOPE_MAX_NODES,
};

enum heat_by {
	HEAT_BY_STATE,
	HEAT_BY_NODE,
};

/*
 * The class of each page of @r.  By node, a present page is its node's
 * class (HEAT_OTHER without a node); not present and swapped stay so.
 */
enum heat_class heat_classify(const struct ptscope_page_region *r,
			      enum heat_by by);

/* One mapping's strip. */
struct heat_strip {
	uint64_t start, end;
	uint64_t pages_per_cell;
	size_t nr_cells;
	uint64_t (*counts)[HEAT_NR_CLASSES];	/* per cell */
	uint64_t totals[HEAT_NR_CLASSES];	/* over the mapping */
};

/*
 * Cut [start, end) into at most @width cells of equal page count (the last
 * may be shorter).  0 or -ENOMEM/-EINVAL.
 */
int heat_strip_init(struct heat_strip *s, uint64_t start, uint64_t end,
		    unsigned int width);
void heat_strip_free(struct heat_strip *s);

/* Count the pages of @r (clipped to the strip) into their cells. */
void heat_strip_add(struct heat_strip *s, const struct ptscope_page_region *r,
		    enum heat_by by);

/*
 * The dominant class of cell @i: the one most of its pages are in.  Ties
 * go to the rarer, more telling state: hugetlb, THP, swapped, COW, dirty,
 * present, a node (the lowest), other, not present.
 */
enum heat_class heat_cell_class(const struct heat_strip *s, size_t i);

/* A class's character, JSON name ("not_present", "node1") and legend text. */
char heat_glyph(enum heat_class c);
const char *heat_class_name(enum heat_class c, char *buf, size_t len);
const char *heat_class_label(enum heat_class c, char *buf, size_t len);

#endif /* PTSCOPE_HEATMAP_H */
