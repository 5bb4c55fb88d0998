// SPDX-License-Identifier: GPL-2.0
/* The one --interval loop's parts (interval.h). */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "interval.h"

static volatile sig_atomic_t interval_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	interval_stop = 1;
}

int cli_interval_parse(const char *arg, double *seconds)
{
	char *end;

	*seconds = strtod(arg, &end);
	if (end == arg || *end ||
	    !(*seconds >= CLI_INTERVAL_MIN && *seconds <= CLI_INTERVAL_MAX))
		return cli_error("--interval takes seconds between %g and %g, not '%s'",
				 CLI_INTERVAL_MIN, CLI_INTERVAL_MAX, arg) + 1;
	return 0;
}

int cli_count_parse(const char *arg, uint64_t *count)
{
	char *end;

	*count = strtoull(arg, &end, 10);
	if (end == arg || *end || !*count || *arg == '-')
		return cli_error("--count takes a positive number, not '%s'", arg) + 1;
	return 0;
}

void cli_interval_catch_signals(void)
{
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
}

bool cli_interval_stopped(void)
{
	return interval_stop;
}

bool cli_interval_wait(struct ptscope *ps, double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};

	if (ptscope_is_replay(ps))
		return !interval_stop;
	while (nanosleep(&ts, &ts) && !interval_stop)
		;
	return !interval_stop;
}

double cli_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
