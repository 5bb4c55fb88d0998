/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptscope trace's results and their views (trace_view.c): the faults per
 * mapping and 2 MiB bucket, and the TLB flushes by reason, as tables and
 * JSON.  cmd_trace.c runs the BPF program that counts them.
 */
#ifndef PTSCOPE_TRACE_VIEW_H
#define PTSCOPE_TRACE_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "bpf/trace.h"

#define BUCKET_SHIFT 21		/* 2 MiB: one PMD's reach */

/* One line of /proc/PID/maps, kept to name the mappings after it exits. */
struct map_line {
	uint64_t start, end;
	char name[256];
};

struct maps_copy {
	struct map_line *v;
	size_t nr;
};

/* One row: the faults of one (mapping, bucket). */
struct trace_row {
	uint64_t vm_start, vm_end, bucket;
	uint64_t n[TRACE_NR_KINDS];
	uint64_t gup;
};

struct trace_result {
	struct trace_row *rows;
	size_t nr;
	uint64_t total[TRACE_NR_KINDS];
	uint64_t gup;
	struct trace_flush_val flush[TRACE_NR_REASONS];
	uint64_t dropped;
};

uint64_t flush_total(const struct trace_result *r);

/* -o COLUMNS into @sel, and --help's list of them. */
int trace_columns_select(struct cli_columns *sel);
void trace_columns_help(FILE *f);

/* The tables at the end of a trace of @secs seconds. */
int trace_print(const struct cli_columns *sel, const struct trace_result *r,
		const struct maps_copy *m, double secs);
/* The one JSON object of --json, for a trace of @ns nanoseconds. */
void trace_json(uint64_t pid, const struct trace_result *r,
		const struct maps_copy *m, uint64_t ns, bool exited);

#endif /* PTSCOPE_TRACE_VIEW_H */
