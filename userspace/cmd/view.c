// SPDX-License-Identifier: GPL-2.0
/* The view model's renderers: -o, --help, table cells and JSON (view.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "format.h"
#include "view.h"

int view_select(struct cli_columns *sel, const struct view *view)
{
	char list[512], *tok, *save = NULL;
	size_t i;

	sel->nr = 0;
	if (!opts.columns) {
		for (i = 0; i < view->nr_defaults && i < CLI_MAX_COLUMNS; i++)
			sel->ids[sel->nr++] = view->defaults[i];
		return 0;
	}
	/* "+COLS" adds to the defaults, as lsblk's -o +COLS does. */
	if (opts.columns[0] == '+')
		for (i = 0; i < view->nr_defaults && i < CLI_MAX_COLUMNS; i++)
			sel->ids[sel->nr++] = view->defaults[i];
	snprintf(list, sizeof(list), "%s", opts.columns + (opts.columns[0] == '+'));
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < view->nr_fields; i++)
			if (view->fields[i].name &&
			    !strcasecmp(tok, view->fields[i].name))
				break;
		if (i == view->nr_fields) {
			cli_error("unknown column '%s': see --help for the list", tok);
			return -1;
		}
		if (sel->nr == CLI_MAX_COLUMNS) {
			cli_error("too many columns");
			return -1;
		}
		sel->ids[sel->nr++] = i;
	}
	if (!sel->nr) {
		cli_error("no columns given to -o");
		return -1;
	}
	return 0;
}

void view_defaults(struct cli_columns *sel, const struct view *view)
{
	for (sel->nr = 0; sel->nr < view->nr_defaults && sel->nr < CLI_MAX_COLUMNS; sel->nr++)
		sel->ids[sel->nr] = view->defaults[sel->nr];
}

void view_help(FILE *f, const struct view *view)
{
	size_t i;

	fprintf(f, "Columns (-o NAME,...):\n");
	for (i = 0; i < view->nr_fields; i++)
		if (view->fields[i].name)
			fprintf(f, "  %-10s %s\n", view->fields[i].name,
				view->fields[i].help);
}

struct libscols_table *view_table_new(const struct cli_columns *sel,
				      const struct view *view)
{
	struct libscols_table *tb = scols_new_table();
	size_t i;

	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, opts.raw);
	scols_table_enable_noheadings(tb, opts.noheadings);
	scols_table_enable_colors(tb, opts.color > 0);
	for (i = 0; i < sel->nr; i++) {
		const struct view_field *f = &view->fields[sel->ids[i]];

		if (!scols_table_new_column(tb, f->name, f->whint, f->flags)) {
			scols_unref_table(tb);
			return NULL;
		}
	}
	return tb;
}

static void view_number_cell(char *buf, size_t len, enum view_unit unit,
			     uint64_t u)
{
	switch (unit) {
	case VIEW_ADDRESS:
		snprintf(buf, len, "%#" PRIx64, u);
		break;
	case VIEW_BYTES:
		cli_size(buf, len, u);
		break;
	case VIEW_PAGES:
		cli_size(buf, len, u * 4096);
		break;
	case VIEW_NUMBER:
	case VIEW_PERCENT:
		snprintf(buf, len, "%" PRIu64, u);
		break;
	}
}

/* A fraction as a percentage, a rate with one decimal; NaN as "-". */
static void view_f64_cell(char *buf, size_t len, enum view_unit unit, double d)
{
	if (isnan(d))
		snprintf(buf, len, "-");
	else if (unit == VIEW_PERCENT)
		snprintf(buf, len, "%.1f%%", 100 * d);
	else
		snprintf(buf, len, "%.1f", d);
}

void view_cell(char *buf, size_t len, const struct view_field *f,
	       const void *row)
{
	struct view_value v;

	buf[0] = 0;
	if (f->cell) {
		f->cell(buf, len, row);
		return;
	}
	v = f->get(row, f);
	switch (v.kind) {
	case VIEW_ABSENT:
		break;
	case VIEW_NULL:
		snprintf(buf, len, "-");
		break;
	case VIEW_U64:
		view_number_cell(buf, len, f->unit, v.u);
		break;
	case VIEW_I64:
		snprintf(buf, len, "%" PRId64, v.i);
		break;
	case VIEW_BOOL:
		snprintf(buf, len, "%s", v.b ? "yes" : "no");
		break;
	case VIEW_STR:
		snprintf(buf, len, "%s", v.s);
		break;
	case VIEW_TEXT:
		snprintf(buf, len, "%s", v.text);
		break;
	case VIEW_F64:
		view_f64_cell(buf, len, f->unit, v.d);
		break;
	}
}

struct libscols_line *view_table_line(struct libscols_table *tb,
				      struct libscols_line *parent,
				      const struct cli_columns *sel,
				      const struct view *view, const void *row)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);
	char buf[1024];
	size_t i;

	if (!ln)
		return NULL;
	for (i = 0; i < sel->nr; i++) {
		view_cell(buf, sizeof(buf), &view->fields[sel->ids[i]], row);
		if (scols_line_set_data(ln, i, buf))
			return NULL;
	}
	return ln;
}

int view_table_add(struct libscols_table *tb, const struct cli_columns *sel,
		   const struct view *view, const void *row)
{
	return view_table_line(tb, NULL, sel, view, row) ? 0 : -ENOMEM;
}

static void view_json_value(struct json *j, const char *key,
			    const struct view_value *v)
{
	switch (v->kind) {
	case VIEW_ABSENT:
		break;
	case VIEW_NULL:
		json_null(j, key);
		break;
	case VIEW_U64:
		json_u64(j, key, v->u);
		break;
	case VIEW_I64:
		json_i64(j, key, v->i);
		break;
	case VIEW_BOOL:
		json_bool(j, key, v->b);
		break;
	case VIEW_STR:
		json_str(j, key, v->s);
		break;
	case VIEW_TEXT:
		json_str(j, key, v->text);
		break;
	case VIEW_F64:
		json_f64(j, key, v->d);
		break;
	}
}

static bool same_group(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

void view_json_members(struct json *j, const struct view *view,
		       const void *row)
{
	size_t i, nr = view->json_order ? view->nr_json : view->nr_fields;
	const char *group = NULL;
	const struct view_field *f;
	struct view_value v;

	for (i = 0; i < nr; i++) {
		f = &view->fields[view->json_order ? view->json_order[i] : (int)i];
		if (!f->key)
			continue;
		/* A member absent from this row opens no group. */
		v = f->json ? (struct view_value){ .kind = VIEW_NULL } : f->get(row, f);
		if (v.kind == VIEW_ABSENT)
			continue;
		if (!same_group(group, f->group)) {
			if (group)
				json_close(j, '}');
			group = f->group;
			if (group)
				json_open(j, group, '{');
		}
		if (f->json)
			f->json(j, f->key, row);
		else
			view_json_value(j, f->key, &v);
	}
	if (group)
		json_close(j, '}');
}

#define RANGE(row) ((const struct view_range *)(row))

struct view_value view_range_start(const void *row, const struct view_field *f)
{
	(void)f;
	return RANGE(row)->name ? view_u64(RANGE(row)->start) : view_str("total");
}

struct view_value view_range_end(const void *row, const struct view_field *f)
{
	(void)f;
	return RANGE(row)->name ? view_u64(RANGE(row)->end) : view_absent();
}

struct view_value view_range_size(const void *row, const struct view_field *f)
{
	const struct view_range *r = row;

	(void)f;
	return r->name ? view_u64(r->end - r->start) : view_absent();
}

struct view_value view_range_perms(const void *row, const struct view_field *f)
{
	struct view_value val = { .kind = VIEW_TEXT };

	(void)f;
	if (!RANGE(row)->name)
		return view_absent();
	format_perms(val.text, RANGE(row)->flags);
	return val;
}

struct view_value view_range_name(const void *row, const struct view_field *f)
{
	const struct view_range *r = row;

	(void)f;
	return view_str(r->name ? cli_short_name(r->name) : r->total);
}

struct view_value view_range_path(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(RANGE(row)->name ? RANGE(row)->name : RANGE(row)->total);
}

void view_nodes_cell(char *buf, size_t len, const struct ptscope_page_counts *c)
{
	char sz[32];
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		if (c->node[i])
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%d:%s", used ? " " : "", i,
					 cli_size(sz, sizeof(sz), c->node[i] * 4096));
	if (c->node_other)
		used += snprintf(buf + used, used < len ? len - used : 0, "%sother:%s",
				 used ? " " : "",
				 cli_size(sz, sizeof(sz), c->node_other * 4096));
	if (!used)
		snprintf(buf, len, "-");
}

void view_nodes_json(struct json *j, const char *key,
		     const struct ptscope_page_counts *c)
{
	char node[16];
	int i;

	json_open(j, key, '{');
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (!c->node[i])
			continue;
		snprintf(node, sizeof(node), "%d", i);
		json_u64(j, node, c->node[i]);
	}
	if (c->node_other)
		json_u64(j, "other", c->node_other);
	json_close(j, '}');
}
