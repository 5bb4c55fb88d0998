/* SPDX-License-Identifier: GPL-2.0 */
/* ptscope maps: what its exact view (cmd_maps.c) and its sampled view (maps_sampled.c) share. */
#ifndef PTSCOPE_MAPS_VIEW_H
#define PTSCOPE_MAPS_VIEW_H

#include <libsmartcols.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "json.h"
#include "maps_sample.h"
#include "view.h"

struct maps_view {
	struct libscols_table *tb;
	struct cli_columns cols;
	struct json json;
	uint64_t pid;
	bool started;
};

/* A row of the table: a mapping (@v), or the total (@v NULL, named @total). */
struct maps_row {
	struct view_range range;	/* filled by maps_table_line() */
	const struct ptscope_vma *v;
	const struct ptscope_page_counts *c;
	const struct ptscope_table_counts *t;
	const char *total;
	const double *se;	/* estimates' standard errors, or NULL: exact */
};

/* maps_columns.c: the fields, and the columns that fit in 80 by default */
extern const struct view maps_view_model;

/* A line of @row's cells, those of the columns of @sel. */
int maps_table_line(struct libscols_table *tb, const struct cli_columns *sel,
		    const struct maps_row *row);

/* What --sample or --budget asks for. */
struct maps_sample_args {
	uint64_t seed;
	bool budget;		/* --budget, else --sample's fraction */
	double fraction;
	uint64_t budget_ns;	/* UINT64_MAX: unlimited */
};

/* What a mapping is, as JSON members: [@start, @end) of @v, at file @offset. */
void maps_json_describe(struct json *j, const struct ptscope_vma *v,
			uint64_t start, uint64_t end, uint64_t offset);

/* The process's counters below the mappings: JSON members, a table line. */
void maps_json_process(struct json *j, const struct ptscope_stats *st);
void maps_print_faults(const struct ptscope_stats *st);

/* maps_sampled.c */
int maps_sampled(struct ptscope *ps, struct maps_view *v, uint64_t pid,
		 uint64_t start, uint64_t end, const struct maps_sample_args *a);

#endif /* PTSCOPE_MAPS_VIEW_H */
