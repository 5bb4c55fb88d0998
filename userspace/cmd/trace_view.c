// SPDX-License-Identifier: GPL-2.0
/* ptscope trace's tables and JSON, on the view model (trace_view.h). */
#include <inttypes.h>
#include <libsmartcols.h>
#include <linux/types.h>
#include <stddef.h>

#include "json.h"
#include "trace_view.h"
#include "view.h"

static const char *const reason_names[PTSCOPE_TLB_NR_REASONS] =
	PTSCOPE_TLB_REASON_NAMES;
static const char *const kind_names[TRACE_NR_KINDS] = {
	"minor", "major", "retry", "error",
};

static const char *maps_name(const struct maps_copy *m, uint64_t start)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		if (m->v[i].start <= start && start < m->v[i].end)
			return m->v[i].name;
	return "";
}

uint64_t flush_total(const struct trace_result *r)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < TRACE_NR_REASONS; i++)
		n += r->flush[i].count;
	return n;
}

/* A row of faults, and the mappings to name it by. */
struct fault_row {
	const struct trace_row *t;
	const struct maps_copy *m;
};

#define FAULTS(row) (((const struct fault_row *)(row))->t)

enum {
	COL_START, COL_END, COL_BUCKET, COL_MINOR, COL_MAJOR, COL_RETRY,
	COL_ERROR, COL_GUP, COL_MAPPING,
};

static struct view_value row_start(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FAULTS(row)->vm_start);
}

static struct view_value row_end(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FAULTS(row)->vm_end);
}

static struct view_value row_bucket(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FAULTS(row)->bucket);
}

/* The faults of kind @f->arg (TRACE_FAULT_*). */
static struct view_value row_kind(const void *row, const struct view_field *f)
{
	return view_u64(FAULTS(row)->n[f->arg]);
}

static struct view_value row_gup(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FAULTS(row)->gup);
}

static struct view_value row_mapping(const void *row, const struct view_field *f)
{
	const struct fault_row *r = row;

	(void)f;
	return view_str(maps_name(r->m, r->t->vm_start));
}

#define KIND_COLUMN(name_, kind, help_) {				\
	.name = (name_), .whint = 8, .flags = SCOLS_FL_RIGHT,		\
	.help = (help_), .get = row_kind, .arg = (kind) }

static const struct view_field trace_fields[] = {
	[COL_START]	= VIEW_START("start of the mapping (VMA) faulted in", row_start),
	[COL_END]	= VIEW_END("its end (exclusive)", row_end),
	[COL_BUCKET]	= { .name = "BUCKET", .key = "bucket", .unit = VIEW_ADDRESS,
			    .whint = 14, .flags = SCOLS_FL_RIGHT,
			    .help = "start of the 2 MiB-aligned address range of the faults",
			    .get = row_bucket },
	[COL_MINOR]	= KIND_COLUMN("MINOR", TRACE_FAULT_MINOR,
				      "minor faults: resolved without I/O"),
	[COL_MAJOR]	= KIND_COLUMN("MAJOR", TRACE_FAULT_MAJOR,
				      "major faults: VM_FAULT_MAJOR, or a retried fault"),
	[COL_RETRY]	= KIND_COLUMN("RETRY", TRACE_FAULT_RETRY,
				      "attempts that returned VM_FAULT_RETRY (counted again when retried)"),
	[COL_ERROR]	= KIND_COLUMN("ERROR", TRACE_FAULT_ERROR,
				      "faults that failed (SIGSEGV, SIGBUS, OOM)"),
	[COL_GUP]	= { .name = "GUP", .key = "gup", .whint = 8, .flags = SCOLS_FL_RIGHT,
			    .help = "of them, faults taken by the kernel for the process (get_user_pages)",
			    .get = row_gup },
	[COL_MAPPING]	= { .name = "MAPPING", .key = "mapping", .whint = 0.3,
			    .flags = SCOLS_FL_TRUNC,
			    .help = "the mapping's file or [heap], [stack], ... from /proc/PID/maps",
			    .get = row_mapping },
};

static const int trace_default_columns[] = {
	COL_START, COL_END, COL_BUCKET, COL_MINOR, COL_MAJOR, COL_RETRY,
	COL_ERROR, COL_GUP, COL_MAPPING,
};

/* The JSON of a row; the kinds' counts follow, by kind_names. */
static const int fault_json[] = { COL_START, COL_END, COL_MAPPING, COL_BUCKET };

static const struct view trace_view =
	VIEW_INIT_JSON(trace_fields, trace_default_columns, fault_json);

/* The TLB flushes of one reason (an index of reason_names). */
struct flush_row {
	unsigned int reason;
	const struct trace_flush_val *v;
};

#define FLUSH(row) ((const struct flush_row *)(row))

static struct view_value flush_reason(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(reason_names[FLUSH(row)->reason]);
}

static struct view_value flush_count(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FLUSH(row)->v->count);
}

static struct view_value flush_pages(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FLUSH(row)->v->pages);
}

static struct view_value flush_all(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(FLUSH(row)->v->all);
}

static const struct view_field flush_fields[] = {
	{ .name = "REASON", .whint = 0.3, .get = flush_reason },
	{ .name = "FLUSHES", .key = "flushes", .whint = 8, .flags = SCOLS_FL_RIGHT,
	  .get = flush_count },
	{ .name = "PAGES", .key = "pages", .whint = 8, .flags = SCOLS_FL_RIGHT,
	  .get = flush_pages },
	{ .name = "ALL", .key = "all", .whint = 8, .flags = SCOLS_FL_RIGHT,
	  .get = flush_all },
};

static const int flush_columns[] = { 0, 1, 2, 3 };

static const struct view flush_view = VIEW_INIT(flush_fields, flush_columns);

int trace_columns_select(struct cli_columns *sel)
{
	return view_select(sel, &trace_view);
}

void trace_columns_help(FILE *f)
{
	view_help(f, &trace_view);
}

int trace_print(const struct cli_columns *sel, const struct trace_result *r,
		const struct maps_copy *m, double secs)
{
	struct cli_columns all;
	struct libscols_table *tb;
	struct fault_row row = { .m = m };
	struct flush_row flush;
	unsigned int i;
	size_t k;

	printf("\nFaults in %.1f s: %" PRIu64 " minor, %" PRIu64 " major, %" PRIu64
	       " retried, %" PRIu64 " failed\n", secs, r->total[TRACE_FAULT_MINOR],
	       r->total[TRACE_FAULT_MAJOR], r->total[TRACE_FAULT_RETRY],
	       r->total[TRACE_FAULT_ERROR]);
	tb = view_table_new(sel, &trace_view);
	if (!tb)
		return cli_error("cannot make a table: out of memory");
	for (k = 0; k < r->nr; k++) {
		row.t = &r->rows[k];
		if (view_table_add(tb, sel, &trace_view, &row))
			break;
	}
	if (r->nr)
		scols_print_table(tb);
	scols_unref_table(tb);
	if (r->dropped)
		printf("(%" PRIu64 " faults not counted: more than %d mapping and bucket pairs)\n",
		       r->dropped, TRACE_MAX_FAULT_KEYS);

	printf("\nTLB flushes while a thread of it was current: %" PRIu64 "\n",
	       flush_total(r));
	if (!flush_total(r))
		return 0;
	view_defaults(&all, &flush_view);
	tb = view_table_new(&all, &flush_view);
	if (!tb)
		return cli_error("cannot make a table: out of memory");
	for (i = 0; i < TRACE_NR_REASONS; i++) {
		if (!r->flush[i].count)
			continue;
		flush = (struct flush_row){ .reason = i, .v = &r->flush[i] };
		if (view_table_add(tb, &all, &flush_view, &flush))
			break;
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
}

void trace_json(uint64_t pid, const struct trace_result *r,
		const struct maps_copy *m, uint64_t ns, bool exited)
{
	struct fault_row row = { .m = m };
	struct flush_row flush;
	struct json j;
	unsigned int i;
	size_t k;

	json_init(&j, stdout, opts.pretty);
	json_open(&j, NULL, '{');
	json_u64(&j, "pid", pid);
	json_u64(&j, "duration_ns", ns);
	json_bool(&j, "exited", exited);
	json_u64(&j, "bucket_size", 1ULL << BUCKET_SHIFT);
	json_open(&j, "totals", '{');
	for (i = 0; i < TRACE_NR_KINDS; i++)
		json_u64(&j, kind_names[i], r->total[i]);
	json_u64(&j, "gup", r->gup);
	json_u64(&j, "dropped", r->dropped);
	json_close(&j, '}');
	json_open(&j, "faults", '[');
	for (k = 0; k < r->nr; k++) {
		row.t = &r->rows[k];
		json_open(&j, NULL, '{');
		view_json_members(&j, &trace_view, &row);
		for (i = 0; i < TRACE_NR_KINDS; i++)
			json_u64(&j, kind_names[i], row.t->n[i]);
		json_u64(&j, "gup", row.t->gup);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_open(&j, "tlb_flushes", '{');
	for (i = 0; i < TRACE_NR_REASONS; i++) {
		flush = (struct flush_row){ .reason = i, .v = &r->flush[i] };
		json_open(&j, reason_names[i], '{');
		view_json_members(&j, &flush_view, &flush);
		json_close(&j, '}');
	}
	json_close(&j, '}');
	json_close(&j, '}');
}
