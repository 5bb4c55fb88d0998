/* SPDX-License-Identifier: GPL-2.0 */
/* The ptscope command: shared state and the subcommand table. */
#ifndef PTSCOPE_CLI_H
#define PTSCOPE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "libptscope.h"

#define PTSCOPE_TOOL_VERSION "0.1.0"

struct cli_options {
	bool json;
	bool pretty;
	bool raw;
	bool noheadings;
	bool all;
	const char *columns;
	int color;		/* -1 auto, 0 never, 1 always */
};

extern struct cli_options opts;

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;	/* synopsis of arguments */
	const char *help;	/* one line */
};

/* Find a command by name or unique prefix; NULL and *ambiguous if not. */
const struct cli_command *cli_find(const struct cli_command *table,
				   const char *name, bool *ambiguous);

/* Print "ptscope: <msg>" (or {"error": ...} in JSON mode) and return 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the module, printing a plain error on failure. */
struct ptscope *cli_open(void);

int cmd_version(int argc, char **argv);

#endif /* PTSCOPE_CLI_H */
