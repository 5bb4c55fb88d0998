/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ptscope top -b --json`'s last refresh, read with jq into the fields the
 * top tests check.
 */
#ifndef PTSCOPE_TOP_ROWS_H
#define PTSCOPE_TOP_ROWS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_exec.h"

#define TOP_ROWS_MAX 1024

struct top_row {
	long pid;
	long uid;
	long long rss, thp, swap, pt, cow;	/* bytes; -1: null */
	double remote;				/* -1: null */
	long long walk_ns;
	char walk[16];
	char cgroup[256];
	char comm[64];
};

/*
 * The rows of the last line of @path, top's JSON Lines, into @rows.
 * Returns their number, or -1 when jq failed.
 */
static inline int top_rows_read(const char *path, struct top_row *rows, int max)
{
	char *out, *line, *next;
	int st, n = 0;

	out = cli_capturef(&st, "tail -n 1 '%s' | jq -r '.processes[] | "
			   "[.pid, .uid, .rss_bytes, (.thp_bytes // -1), .swap_bytes, "
			   ".page_table_bytes, (.cow_shared_bytes // -1), "
			   "(.remote_fraction // -1), .walk_cpu_ns, .walk, "
			   "(.cgroup // \"\"), .command] | @tsv'", path);
	if (!out || st) {
		free(out);
		return -1;
	}
	for (line = out; *line && n < max; line = next) {
		struct top_row *r = &rows[n];
		char *f[12];
		int k;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		for (k = 0; k < 12; k++) {
			f[k] = line;
			line += strcspn(line, "\t");
			if (*line)
				*line++ = 0;
		}
		r->pid = atol(f[0]);
		r->uid = atol(f[1]);
		r->rss = atoll(f[2]);
		r->thp = atoll(f[3]);
		r->swap = atoll(f[4]);
		r->pt = atoll(f[5]);
		r->cow = atoll(f[6]);
		r->remote = atof(f[7]);
		r->walk_ns = atoll(f[8]);
		snprintf(r->walk, sizeof(r->walk), "%s", f[9]);
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", f[10]);
		snprintf(r->comm, sizeof(r->comm), "%s", f[11]);
		n++;
	}
	free(out);
	return n;
}

/* `ptscope top -b --json ARGS` into @dir/top.json, and its last rows. */
static inline int top_run(const char *cli, const char *dir, const char *args,
			  struct top_row *rows, int max)
{
	char path[PATH_MAX];

	if (cli_shell("'%s' top -b --json %s > '%s/top.json'", cli, args, dir))
		return -1;
	snprintf(path, sizeof(path), "%s/top.json", dir);
	return top_rows_read(path, rows, max);
}

/* The row of @pid in @rows, or NULL. */
static inline struct top_row *top_row_of(struct top_row *rows, int n, long pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (rows[i].pid == pid)
			return &rows[i];
	return NULL;
}

#endif /* PTSCOPE_TOP_ROWS_H */
