/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The view model: each field of a view (a column of its table, a member of
 * its JSON, or both) is defined once, with its name, unit, help and the
 * getter that reads it from a row, and rendered by one code path to a
 * libsmartcols table (plain or --raw), --help, and JSON (json.c).
 *
 * A field the units below cannot say (BITS' letters, a list of nodes, a
 * nested JSON object) gives its own cell() or json() writer instead; every
 * other field only says what its value is.
 */
#ifndef PTSCOPE_VIEW_H
#define PTSCOPE_VIEW_H

#include <libsmartcols.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "json.h"

/* How a number is shown in a table cell; JSON always has the number. */
enum view_unit {
	VIEW_NUMBER,		/* decimal */
	VIEW_ADDRESS,		/* hex with 0x */
	VIEW_BYTES,		/* 4K, 1.5M (exact bytes with --raw) */
	VIEW_PAGES,		/* 4 KiB pages, shown as bytes like VIEW_BYTES */
	VIEW_PERCENT,		/* a fraction (VIEW_F64), shown as 12.5% */
};

enum view_kind {
	VIEW_ABSENT,		/* not in this row: no JSON member, empty cell */
	VIEW_NULL,		/* not known (withheld, none): null, "-" */
	VIEW_U64,
	VIEW_I64,
	VIEW_BOOL,
	VIEW_STR,		/* .s, which outlives the row */
	VIEW_TEXT,		/* .text, made by the getter */
	VIEW_F64,		/* .d; NaN is not known: null, "-" */
};

struct view_value {
	enum view_kind kind;
	union {
		uint64_t u;
		int64_t i;
		bool b;
		double d;
		const char *s;
		char text[64];
	};
};

static inline struct view_value view_u64(uint64_t u)
{
	return (struct view_value){ .kind = VIEW_U64, .u = u };
}

static inline struct view_value view_i64(int64_t i)
{
	return (struct view_value){ .kind = VIEW_I64, .i = i };
}

static inline struct view_value view_bool(bool b)
{
	return (struct view_value){ .kind = VIEW_BOOL, .b = b };
}

static inline struct view_value view_f64(double d)
{
	return (struct view_value){ .kind = VIEW_F64, .d = d };
}

static inline struct view_value view_str(const char *s)
{
	return (struct view_value){ .kind = VIEW_STR, .s = s };
}

static inline struct view_value view_null(void)
{
	return (struct view_value){ .kind = VIEW_NULL };
}

static inline struct view_value view_absent(void)
{
	return (struct view_value){ .kind = VIEW_ABSENT };
}

struct view_field {
	const char *name;	/* column: -o, --help, the header; NULL: JSON only */
	const char *key;	/* JSON member; NULL: table only */
	const char *group;	/* the JSON object it is a member of; NULL: the row's */
	enum view_unit unit;
	double whint;		/* width hint for libsmartcols */
	int flags;		/* SCOLS_FL_* */
	const char *help;
	/* The value in @row, a view's own record; @f tells which (arg). */
	struct view_value (*get)(const void *row, const struct view_field *f);
	uint64_t arg;		/* for get(): a bit, an offset... */
	/* Or the cell, for what a unit cannot say. */
	void (*cell)(char *buf, size_t len, const void *row);
	/* Or the JSON member, for what a value cannot say. */
	void (*json)(struct json *j, const char *key, const void *row);
};

struct view {
	const struct view_field *fields;
	size_t nr_fields;
	const int *defaults;		/* the columns shown without -o */
	size_t nr_defaults;
	const int *json_order;		/* the JSON members' order; NULL: fields' */
	size_t nr_json;
};

#define VIEW_INIT(fields_, defaults_) {					\
	.fields = (fields_), .nr_fields = ARRAY_SIZE(fields_),		\
	.defaults = (defaults_), .nr_defaults = ARRAY_SIZE(defaults_),	\
}
/* The same with the JSON members in the order of @json_. */
#define VIEW_INIT_JSON(fields_, defaults_, json_) {			\
	.fields = (fields_), .nr_fields = ARRAY_SIZE(fields_),		\
	.defaults = (defaults_), .nr_defaults = ARRAY_SIZE(defaults_),	\
	.json_order = (json_), .nr_json = ARRAY_SIZE(json_),		\
}
/* A JSON shape alone (a total, say): no columns of its own. */
#define VIEW_JSON(fields_, json_) {					\
	.fields = (fields_), .nr_fields = ARRAY_SIZE(fields_),		\
	.json_order = (json_), .nr_json = ARRAY_SIZE(json_),		\
}

/*
 * The part every row of a view of mappings (maps, thp, numa, cow, diff)
 * starts with: [start, end) of a mapping with @flags (PTSCOPE_VMA_*) and
 * @name, or the total row (@name NULL), whose START is "total", whose
 * NAME and PATH are @total (e.g. "(3 mappings)"), and whose other range
 * cells are empty.
 */
struct view_range {
	uint64_t start, end;
	uint64_t flags;
	const char *name;
	const char *total;
};

/* The getters of such rows' VIEW_START/END/SIZE/PERMS/NAME/PATH fields. */
struct view_value view_range_start(const void *row, const struct view_field *f);
struct view_value view_range_end(const void *row, const struct view_field *f);
struct view_value view_range_size(const void *row, const struct view_field *f);
struct view_value view_range_perms(const void *row, const struct view_field *f);
struct view_value view_range_name(const void *row, const struct view_field *f);
struct view_value view_range_path(const void *row, const struct view_field *f);

/*
 * The columns every view of mappings shares, defined here once: name,
 * width, alignment and JSON key.  A view says what its SIZE, PERMS, NAME
 * and PATH mean for its rows, and how to read them.
 */
#define VIEW_START(help_, get_) {					\
	.name = "START", .key = "start", .unit = VIEW_ADDRESS,		\
	.whint = 14, .flags = SCOLS_FL_RIGHT, .help = (help_), .get = (get_) }
#define VIEW_END(help_, get_) {						\
	.name = "END", .key = "end", .unit = VIEW_ADDRESS,		\
	.whint = 14, .flags = SCOLS_FL_RIGHT, .help = (help_), .get = (get_) }
#define VIEW_SIZE(help_, get_) {					\
	.name = "SIZE", .unit = VIEW_BYTES,				\
	.whint = 6, .flags = SCOLS_FL_RIGHT, .help = (help_), .get = (get_) }
#define VIEW_PERMS(help_, get_) {					\
	.name = "PERMS", .key = "perms", .whint = 4, .help = (help_),	\
	.get = (get_) }
#define VIEW_NAME(help_, get_) {					\
	.name = "NAME", .key = "name", .whint = 16,			\
	.flags = SCOLS_FL_TRUNC, .help = (help_), .get = (get_) }
#define VIEW_PATH(get_) {						\
	.name = "PATH", .whint = 30, .flags = SCOLS_FL_TRUNC,		\
	.help = "NAME with the file's whole path", .get = (get_) }

/* -o COLUMNS (or the defaults) into @sel; prints an error and returns -1. */
int view_select(struct cli_columns *sel, const struct view *view);
/* The default columns alone, for a table -o does not apply to. */
void view_defaults(struct cli_columns *sel, const struct view *view);
/* The "Columns (-o NAME,...):" section of a --help. */
void view_help(FILE *f, const struct view *view);
/* A table with the columns of @sel; NULL when out of memory. */
struct libscols_table *view_table_new(const struct cli_columns *sel,
				      const struct view *view);
/* The text of field @f's cell for @row (get() or cell() must be set). */
void view_cell(char *buf, size_t len, const struct view_field *f,
	       const void *row);
/* A table line for @row below @parent (a tree, or NULL); NULL: no memory. */
struct libscols_line *view_table_line(struct libscols_table *tb,
				      struct libscols_line *parent,
				      const struct cli_columns *sel,
				      const struct view *view, const void *row);
/* A table line for @row, its cells those of the columns of @sel. */
int view_table_add(struct libscols_table *tb, const struct cli_columns *sel,
		   const struct view *view, const void *row);
/*
 * The JSON members of @row: every field with a key, in JSON order; fields
 * of one group, consecutive in that order, make one nested object.
 */
void view_json_members(struct json *j, const struct view *view,
		       const void *row);

/* Present memory per NUMA node: "0:1.5M 1:4K", "-" for none. */
struct ptscope_page_counts;
void view_nodes_cell(char *buf, size_t len, const struct ptscope_page_counts *c);
/* The same as a JSON object of page counts: {"0": N, "other": N}. */
void view_nodes_json(struct json *j, const char *key,
		     const struct ptscope_page_counts *c);

#endif /* PTSCOPE_VIEW_H */
