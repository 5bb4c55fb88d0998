/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --interval and --count of `faults`, `tlb` and `export`: parsed, and
 * waited for, in one place (interval.c), with one range and one way to
 * stop (SIGINT or SIGTERM ends the loop after the sample in progress).
 */
#ifndef PTSCOPE_INTERVAL_H
#define PTSCOPE_INTERVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "libptscope.h"

#define CLI_INTERVAL_MIN	0.01	/* seconds */
#define CLI_INTERVAL_MAX	86400.0

/* "--interval takes seconds...": 0, or cli_error()'s status + 1. */
int cli_interval_parse(const char *arg, double *seconds);
/* "--count takes a positive number...": the same. */
int cli_count_parse(const char *arg, uint64_t *count);

/* CLOCK_MONOTONIC in seconds: when a sample or refresh is due, how long it took. */
double cli_seconds(void);

/* From now on SIGINT and SIGTERM stop the loop rather than the tool. */
void cli_interval_catch_signals(void);
/* A signal asked the loop to stop. */
bool cli_interval_stopped(void);
/*
 * Wait @seconds, unless a signal stops the loop first (false), or @ps
 * replays a recording, whose answers carry their own timestamps.
 */
bool cli_interval_wait(struct ptscope *ps, double seconds);

#endif /* PTSCOPE_INTERVAL_H */
