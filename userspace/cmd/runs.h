/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --all's runs in the views that report pieces of mappings (cow, diff):
 * neighbouring pieces of the same key (a COW class, a set of changes) join
 * into one row.
 */
#ifndef PTSCOPE_RUNS_H
#define PTSCOPE_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --all: the run being grown, shown by @emit once a piece breaks it. */
struct run_acc {
	bool has_run;
	uint64_t start, end;
	unsigned int key;
	int (*emit)(void *view, uint64_t start, uint64_t end, unsigned int key);
	void *view;
};

/*
 * The piece [s, e) of @key: it grows the run, or the run is shown and,
 * with @start_new, the piece starts the next one.  0 or @emit's error.
 */
int run_add(struct run_acc *r, uint64_t s, uint64_t e, unsigned int key,
	    bool start_new);
/* Show the run in progress, if any. */
int run_flush(struct run_acc *r);

#endif /* PTSCOPE_RUNS_H */
