/* SPDX-License-Identifier: GPL-2.0 */
/* The ptscope command: shared state and the subcommand table. */
#ifndef PTSCOPE_CLI_H
#define PTSCOPE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libptscope.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define CLI_MAX_COLUMNS 32

struct libscols_table;

/* The columns a table shows: indices of a view's fields (view.h). */
struct cli_columns {
	int ids[CLI_MAX_COLUMNS];
	size_t nr;
};

struct cli_options {
	bool json;
	bool pretty;
	bool raw;
	bool noheadings;
	bool all;
	const char *columns;
	int color;		/* -1 auto, 0 never, 1 always */
	bool help;		/* -h/--help given */
	const char *record;	/* --record FILE */
	const char *replay;	/* --replay FILE */
	const char *cgroup;	/* maps, thp, numa, faults --cgroup PATH */
};

extern struct cli_options opts;

#include <getopt.h>

/* Long options of one command: values from CLI_OPT_BASE up. */
#define CLI_OPT_BASE 256

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;	/* one line */
	const struct option *options;	/* its own long options, or NULL */
	/* Take one of them; 0, or an exit status after printing an error. */
	int (*option)(int val, const char *arg);
	/* Its own short options (getopt letters), which win over the global ones. */
	const char *short_options;
};

/* Find a command by name or unique prefix; NULL and *ambiguous if not. */
const struct cli_command *cli_find(const struct cli_command *table,
				   const char *name, bool *ambiguous);

/* Print "ptscope: <msg>" (or {"error": ...} in JSON mode) and return 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open the module (or the --replay recording; recording to --record),
 * printing a plain error on failure.
 */
struct ptscope *cli_open(void);
/* Close it; a recording that could not be written is an error (1). */
int cli_close(struct ptscope *ps);
/* Set when an error was reported after the command's own status was set. */
extern bool cli_failed;

struct flag_name;
/* The "Flags:" section of a --help: every name the FLAGS column can show. */
void cli_flags_help(FILE *f, const struct flag_name *names, size_t nr);


/*
 * The operands "PID [START[-END] | START+LENGTH]" of @argv (argv[0] is the
 * command); without a range, [0, PTSCOPE_USER_TOP).  Returns -1 to go on, or
 * an exit status after printing @usage or an error.
 */
int cli_pid_and_range(int argc, char **argv, void (*usage)(FILE *f),
		      uint64_t *pid, uint64_t *start, uint64_t *end);

struct json;
/*
 * Start a view's JSON document, {"pid": PID, KEY: [, on its first record
 * (*@started tells); later calls do nothing.  Starting late keeps an early
 * error one {"error": ...} object.
 */
void cli_json_records(struct json *j, bool *started, uint64_t pid,
		      const char *key);

/* A size for a table cell: human units, or exact bytes with --raw. */
char *cli_size(char *buf, size_t len, uint64_t bytes);

/*
 * Every record of a MAPS walk, kept in order: ptscope_maps()'s callback
 * cli_vma_list_add() with a zeroed list as its argument; free(list.v).
 */
struct cli_vma_list {
	struct ptscope_vma *v;
	size_t nr, cap;
};
int cli_vma_list_add(const struct ptscope_vma *v, void *list);

/* A mapping's name for the NAME column: a file's base name, else as is. */
const char *cli_short_name(const char *name);

int cmd_version(int argc, char **argv);
int cmd_pages(int argc, char **argv);
int cmd_maps(int argc, char **argv);
int cmd_faults(int argc, char **argv);
int cmd_faults_option(int val, const char *arg);
extern const struct option cmd_faults_options[];
int cmd_maps_option(int val, const char *arg);
extern const struct option cmd_maps_options[];
int cmd_tree(int argc, char **argv);
int cmd_tlb(int argc, char **argv);
int cmd_tlb_option(int val, const char *arg);
extern const struct option cmd_tlb_options[];
int cmd_trace(int argc, char **argv);
int cmd_trace_option(int val, const char *arg);
extern const struct option cmd_trace_options[];
int cmd_thp(int argc, char **argv);
int cmd_numa(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_export_option(int val, const char *arg);
extern const struct option cmd_export_options[];
int cmd_top(int argc, char **argv);
int cmd_top_option(int val, const char *arg);
extern const struct option cmd_top_options[];
extern const char cmd_top_short_options[];
int cmd_cow(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/*
 * Is @path a cgroup v2 path (and, live, one that exists)?  0, or an exit
 * status after a plain error.
 */
int cli_cgroup_check(const char *path);

/*
 * maps, thp, numa and faults --cgroup PATH (cgroup_view.c): the option
 * (CLI_OPT_CGROUP, which each of them takes into opts.cgroup), the options
 * of a command that has no other, and its handler.
 */
#define CLI_OPT_CGROUP (CLI_OPT_BASE + 100)
#define CLI_CGROUP_OPTION { "cgroup", required_argument, NULL, CLI_OPT_CGROUP }
extern const struct option cli_cgroup_options[];
int cli_cgroup_option(int val, const char *arg);

enum cg_view { CG_VIEW_MAPS, CG_VIEW_THP, CG_VIEW_NUMA, CG_VIEW_FAULTS };
int cgroup_view_run(enum cg_view which, const char *subtree, int argc);
/* The --cgroup part of a command's --help. */
void cgroup_view_help(FILE *f, enum cg_view which);

/* maps --heatmap (view_heatmap.c); @by is an enum heat_by. */
int heatmap_show(struct ptscope *ps, uint64_t pid, uint64_t start,
		 uint64_t end, int by, unsigned int width);
/* Cells that fit: the terminal's columns, $COLUMNS, or 80. */
unsigned int heatmap_default_width(void);

#endif /* PTSCOPE_CLI_H */
