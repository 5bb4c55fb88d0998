// SPDX-License-Identifier: GPL-2.0
/* The heatmap model: page classes, cells and the dominant class of each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "heatmap.h"

#define PAGE 4096ULL

enum heat_class heat_classify(const struct ptscope_page_region *r,
			      enum heat_by by)
{
	switch (r->entry) {
	case PTSCOPE_ENTRY_NONE:
		return HEAT_NONE;
	case PTSCOPE_ENTRY_SWAP:
		return HEAT_SWAPPED;
	case PTSCOPE_ENTRY_PRESENT:
		break;
	default:
		return HEAT_OTHER;
	}
	if (by == HEAT_BY_NODE)
		return r->node >= 0 && r->node < PTSCOPE_MAX_NODES ?
			HEAT_NODE0 + r->node : HEAT_OTHER;
	if (r->flags & PTSCOPE_PF_HUGETLB)
		return HEAT_HUGETLB;
	/* The huge zero page is PMD-mapped but no THP: present, clean. */
	if (r->kind == PTSCOPE_KIND_HUGE_ZERO)
		return HEAT_PRESENT;
	if (r->level == PTSCOPE_LEVEL_PMD || r->level == PTSCOPE_LEVEL_PUD)
		return HEAT_THP;
	if (r->kind == PTSCOPE_KIND_ANON && r->mapcount >= 2)
		return HEAT_COW;
	if (r->flags & PTSCOPE_PF_DIRTY)
		return HEAT_DIRTY;
	return HEAT_PRESENT;
}

int heat_strip_init(struct heat_strip *s, uint64_t start, uint64_t end,
		    unsigned int width)
{
	uint64_t pages = (end - start) / PAGE;

	*s = (struct heat_strip){ .start = start, .end = end };
	if (end <= start || !width)
		return -EINVAL;
	s->pages_per_cell = (pages + width - 1) / width;
	s->nr_cells = (pages + s->pages_per_cell - 1) / s->pages_per_cell;
	s->counts = calloc(s->nr_cells, sizeof(*s->counts));
	return s->counts ? 0 : -ENOMEM;
}

void heat_strip_free(struct heat_strip *s)
{
	free(s->counts);
	s->counts = NULL;
}

void heat_strip_add(struct heat_strip *s, const struct ptscope_page_region *r,
		    enum heat_by by)
{
	uint64_t start = r->start > s->start ? r->start : s->start;
	uint64_t end = r->end < s->end ? r->end : s->end;
	enum heat_class c = heat_classify(r, by);
	uint64_t page, last, cell, cell_end, n;

	if (start >= end)
		return;
	page = (start - s->start) / PAGE;
	last = (end - s->start) / PAGE;
	s->totals[c] += last - page;
	while (page < last) {
		cell = page / s->pages_per_cell;
		cell_end = (cell + 1) * s->pages_per_cell;
		n = (cell_end < last ? cell_end : last) - page;
		s->counts[cell][c] += n;
		page += n;
	}
}

/* Tie order: the first of these with the most pages wins. */
static const int tie_order[] = {
	HEAT_HUGETLB, HEAT_THP, HEAT_SWAPPED, HEAT_COW, HEAT_DIRTY,
	HEAT_PRESENT, HEAT_NODE0, HEAT_OTHER, HEAT_NONE,
};

enum heat_class heat_cell_class(const struct heat_strip *s, size_t i)
{
	const uint64_t *n = s->counts[i];
	int best = HEAT_NONE, c, last;
	uint64_t most = 0;
	size_t k;

	for (k = 0; k < sizeof(tie_order) / sizeof(tie_order[0]); k++) {
		/* HEAT_NODE0 stands for all the nodes, lowest first. */
		c = tie_order[k];
		last = c == HEAT_NODE0 ? HEAT_NR_CLASSES - 1 : c;
		for (; c <= last; c++) {
			if (n[c] > most) {
				most = n[c];
				best = c;
			}
		}
	}
	return best;
}

/* Per state class: glyph, JSON name and legend text. */
static const struct {
	char glyph;
	const char *name;
	const char *label;
} state_classes[HEAT_NODE0] = {
	[HEAT_NONE]	= { '.', "not_present", "not present" },
	[HEAT_PRESENT]	= { 'p', "present", "present" },
	[HEAT_DIRTY]	= { 'd', "dirty", "dirty" },
	[HEAT_SWAPPED]	= { 's', "swapped", "swapped" },
	[HEAT_COW]	= { 'c', "cow_shared", "COW-shared" },
	[HEAT_THP]	= { 'T', "thp", "THP" },
	[HEAT_HUGETLB]	= { 'H', "hugetlb", "hugetlb" },
	[HEAT_OTHER]	= { 'x', "other", "other entry" },
};

char heat_glyph(enum heat_class c)
{
	int node = c - HEAT_NODE0;

	if (c < HEAT_NODE0)
		return state_classes[c].glyph;
	if (node < 10)
		return '0' + node;
	if (node < 36)
		return 'a' + node - 10;
	return '+';
}

const char *heat_class_name(enum heat_class c, char *buf, size_t len)
{
	if (c < HEAT_NODE0)
		snprintf(buf, len, "%s", state_classes[c].name);
	else
		snprintf(buf, len, "node%d", c - HEAT_NODE0);
	return buf;
}

const char *heat_class_label(enum heat_class c, char *buf, size_t len)
{
	if (c < HEAT_NODE0)
		snprintf(buf, len, "%s", state_classes[c].label);
	else
		snprintf(buf, len, "node %d", c - HEAT_NODE0);
	return buf;
}
