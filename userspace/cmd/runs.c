// SPDX-License-Identifier: GPL-2.0
/* Rows over pieces of mappings, and --all's runs (runs.h). */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "format.h"
#include "runs.h"
#include "view.h"

#define RANGE(row) ((const struct range_row *)(row))

struct view_value range_start(const void *row, const struct view_field *f)
{
	(void)f;
	return RANGE(row)->name ? view_u64(RANGE(row)->start) : view_str("total");
}

struct view_value range_end(const void *row, const struct view_field *f)
{
	(void)f;
	return RANGE(row)->name ? view_u64(RANGE(row)->end) : view_absent();
}

struct view_value range_size(const void *row, const struct view_field *f)
{
	const struct range_row *r = row;

	(void)f;
	return r->name ? view_u64(r->end - r->start) : view_absent();
}

struct view_value range_perms(const void *row, const struct view_field *f)
{
	struct view_value val = { .kind = VIEW_TEXT };

	(void)f;
	if (!RANGE(row)->name)
		return view_absent();
	format_perms(val.text, RANGE(row)->flags);
	return val;
}

struct view_value range_name(const void *row, const struct view_field *f)
{
	const struct range_row *r = row;

	(void)f;
	return view_str(r->name ? cli_short_name(r->name) : r->total);
}

struct view_value range_path(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(RANGE(row)->name ? RANGE(row)->name : RANGE(row)->total);
}

int run_flush(struct run_acc *r)
{
	if (!r->has_run)
		return 0;
	r->has_run = false;
	return r->emit(r->view, r->start, r->end, r->key);
}

int run_add(struct run_acc *r, uint64_t s, uint64_t e, unsigned int key,
	    bool start_new)
{
	int ret;

	if (r->has_run && r->end == s && r->key == key) {
		r->end = e;
		return 0;
	}
	ret = run_flush(r);
	if (start_new) {
		r->has_run = true;
		r->start = s;
		r->end = e;
		r->key = key;
	}
	return ret;
}
