// SPDX-License-Identifier: GPL-2.0
/* ptscope: see a process's virtual memory.  Option parsing and dispatch. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"


/* Long options' values: none is a letter, which a command may have for itself. */
enum { OPT_RECORD = 200, OPT_REPLAY, OPT_JSON, OPT_PRETTY, OPT_OUTPUT,
       OPT_RAW, OPT_NOHEADINGS, OPT_ALL, OPT_COLOR, OPT_VERSION, OPT_HELP };

static int cmd_help(int argc, char **argv);

static const struct cli_command commands[] = {
	{ .name = "cow", .run = cmd_cow,
	  .help = "what two processes (parent, child) still share after fork, page by page" },
	{ .name = "diff", .run = cmd_diff,
	  .help = "what changed between two snapshots, page by page" },
	{ .name = "export", .run = cmd_export,
	  .help = "per-process memory metrics in the Prometheus text format",
	  .options = cmd_export_options, .option = cmd_export_option },
	{ .name = "faults", .run = cmd_faults,
	  .help = "fault counters, RSS and page-table size, once or per interval",
	  .options = cmd_faults_options, .option = cmd_faults_option },
	{ .name = "help", .run = cmd_help,
	  .help = "show help" },
	{ .name = "maps", .run = cmd_maps,
	  .help = "each mapping, counted from its page tables; --heatmap draws them",
	  .options = cmd_maps_options, .option = cmd_maps_option },
	{ .name = "numa", .run = cmd_numa,
	  .help = "NUMA placement per mapping: nodes, policy, remote pages, verdict",
	  .options = cli_cgroup_options, .option = cli_cgroup_option },
	{ .name = "pages", .run = cmd_pages,
	  .help = "page-table entries of a range, page by page" },
	{ .name = "snapshot", .run = cmd_snapshot,
	  .help = "record the state of every page of a process in a file" },
	{ .name = "thp", .run = cmd_thp,
	  .help = "huge-page backing per mapping, and why not where it is not",
	  .options = cli_cgroup_options, .option = cli_cgroup_option },
	{ .name = "tlb", .run = cmd_tlb,
	  .help = "TLB geometry (CPUID), a process's TLB state and reach; --interval: its flushes",
	  .options = cmd_tlb_options, .option = cmd_tlb_option },
	{ .name = "top", .run = cmd_top,
	  .help = "every process, refreshed: THP, remote NUMA, COW, swap, page tables, faults",
	  .options = cmd_top_options, .option = cmd_top_option,
	  .short_options = cmd_top_short_options },
	{ .name = "trace", .run = cmd_trace,
	  .help = "live page faults (by mapping, minor/major) and TLB flushes, with BPF",
	  .options = cmd_trace_options, .option = cmd_trace_option },
	{ .name = "tree", .run = cmd_tree,
	  .help = "the shape of the page tables: tables per level, how full" },
	{ .name = "version", .run = cmd_version,
	  .help = "show tool and module versions" },
	{ .name = NULL }
};

static void usage(FILE *f)
{
	const struct cli_command *c;

	fprintf(f, "Usage: ptscope [OPTIONS] COMMAND [ARGS]\n\n"
		   "Show a process's page tables, as the kernel sees them.\n\n"
		   "Commands (any unique prefix works):\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->help);
	fprintf(f, "\nOptions:\n"
		   "  -j, --json            JSON output\n"
		   "  -p, --pretty          indented JSON (implies --json)\n"
		   "  -o, --output COLUMNS  columns to show, +COLUMNS to add (see COMMAND --help)\n"
		   "  -r, --raw             raw output, no alignment or units\n"
		   "  -n, --noheadings      no table headings\n"
		   "      --all             pages: one row per page, no region merging;\n"
		   "                        tree: every PTE table;\n"
		   "                        cow, diff: every address range\n"
		   "      --color[=WHEN]    auto, always or never\n"
		   "      --record FILE     also save the module's answers to FILE\n"
		   "      --replay FILE     show answers saved with --record; no module needed\n"
		   "  -V, --version         tool version\n"
		   "  -h, --help            this help\n");
}

/* "ptscope help" is --help; "ptscope help COMMAND" is COMMAND --help. */
static int cmd_help(int argc, char **argv)
{
	const struct cli_command *cmd;
	char *args[] = { argv[argc - 1], NULL };
	bool ambiguous;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	cmd = cli_find(commands, argv[1], &ambiguous);
	if (!cmd || cmd->run == cmd_help) {
		usage(stdout);
		return cmd ? 0 : cli_error("%s command '%s': see 'ptscope --help'",
					   ambiguous ? "ambiguous" : "unknown",
					   argv[1]) + 1;
	}
	opts.help = true;
	return cmd->run(1, args);
}

/* Is @c one of @cmd's own options (a letter, or a long option's value)? */
static bool own_option(const struct cli_command *cmd, int c)
{
	size_t i;

	if (!cmd || !cmd->option)
		return false;
	if (c >= CLI_OPT_BASE)
		return true;
	if (cmd->short_options && c != ':' && strchr(cmd->short_options, c))
		return true;
	for (i = 0; cmd->options && cmd->options[i].name; i++)
		if (cmd->options[i].val == c)
			return true;
	return false;
}

/* @base without the letters @cmd has for itself, then those. */
static const char *command_optstring(const char *base,
				     const struct cli_command *cmd,
				     char *buf, size_t len)
{
	size_t n = 0;

	if (!cmd || !cmd->short_options)
		return base;
	for (; *base && n + 3 < len; base++) {
		bool arg = base[1] == ':';

		if (*base != '+' && *base != ':' &&
		    strchr(cmd->short_options, *base)) {
			base += arg;
			continue;
		}
		buf[n++] = *base;
	}
	snprintf(buf + n, len - n, "%s", cmd->short_options);
	return buf;
}

/*
 * Global options go before or after the command name ("ptscope -j pages 1"
 * and "ptscope pages 1 --json" are the same).  Returns -1 to go on, or an
 * exit status.
 */
static int parse_options(int argc, char **argv, const char *optstring,
			 const struct cli_command *cmd)
{
	static const struct option global[] = {
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "pretty",	no_argument,		NULL, OPT_PRETTY },
		{ "output",	required_argument,	NULL, OPT_OUTPUT },
		{ "raw",	no_argument,		NULL, OPT_RAW },
		{ "noheadings",	no_argument,		NULL, OPT_NOHEADINGS },
		{ "all",	no_argument,		NULL, OPT_ALL },
		{ "color",	optional_argument,	NULL, OPT_COLOR },
		{ "version",	no_argument,		NULL, OPT_VERSION },
		{ "help",	no_argument,		NULL, OPT_HELP },
		{ "record",	required_argument,	NULL, OPT_RECORD },
		{ "replay",	required_argument,	NULL, OPT_REPLAY },
	};
	struct option longopts[ARRAY_SIZE(global) + 16];
	char letters[64];
	size_t n = 0, i;
	int c;

	for (i = 0; i < ARRAY_SIZE(global); i++)
		longopts[n++] = global[i];
	for (i = 0; cmd && cmd->options && cmd->options[i].name &&
		    n < ARRAY_SIZE(longopts) - 1; i++)
		longopts[n++] = cmd->options[i];
	memset(&longopts[n], 0, sizeof(longopts[n]));

	optstring = command_optstring(optstring, cmd, letters, sizeof(letters));
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (c != '?' && own_option(cmd, c)) {
			int ret = cmd->option(c, optarg);

			if (ret)
				return ret;
			continue;
		}
		switch (c) {
		case 'j':
		case OPT_JSON:
			opts.json = true;
			break;
		case 'p':
		case OPT_PRETTY:
			opts.json = opts.pretty = true;
			break;
		case 'o':
		case OPT_OUTPUT:
			opts.columns = optarg;
			break;
		case 'r':
		case OPT_RAW:
			opts.raw = true;
			break;
		case 'n':
		case OPT_NOHEADINGS:
			opts.noheadings = true;
			break;
		case 'a':
		case OPT_ALL:
			opts.all = true;
			break;
		case 'C':
		case OPT_COLOR:
			if (!optarg || !strcmp(optarg, "always"))
				opts.color = 1;
			else if (!strcmp(optarg, "never"))
				opts.color = 0;
			else if (!strcmp(optarg, "auto"))
				opts.color = -1;
			else
				return cli_error("--color takes auto, always or never, not '%s'",
						 optarg) + 1;
			break;
		case 'V':
		case OPT_VERSION:
			printf("ptscope %s (ABI %u.%u)\n", PTSCOPE_RELEASE,
			       PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
			return 0;
		case 'h':
		case OPT_HELP:
			opts.help = true;
			break;
		case OPT_RECORD:
			opts.record = optarg;
			break;
		case OPT_REPLAY:
			opts.replay = optarg;
			break;
		default:
			fprintf(stderr, "Try 'ptscope --help'.\n");
			return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	char **sub;
	bool ambiguous;
	int ret, nsub;

	/* "+": stop at the command name. */
	ret = parse_options(argc, argv, "+jpo:rnVh", NULL);
	if (ret >= 0)
		return ret;
	if (optind >= argc) {
		usage(opts.help ? stdout : stderr);
		return opts.help ? 0 : 2;
	}
	cmd = cli_find(commands, argv[optind], &ambiguous);
	if (!cmd) {
		cli_error("%s command '%s': see 'ptscope --help'",
			  ambiguous ? "ambiguous" : "unknown", argv[optind]);
		return 2;
	}

	/* Options after the command name, in any order with its arguments. */
	sub = argv + optind;
	nsub = argc - optind;
	optind = 0;	/* 0, not 1: glibc then resets its whole state */
	ret = parse_options(nsub, sub, "jpo:rnVh", cmd);
	if (ret >= 0)
		return ret;
	/* getopt moved the operands behind the options: pass name + operands. */
	sub[optind - 1] = sub[0];
	if (opts.color < 0)
		opts.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (opts.record && opts.replay) {
		cli_error("--record and --replay cannot be used together");
		return 2;
	}
	ret = cmd->run(nsub - optind + 1, sub + optind - 1);
	return ret ? ret : cli_failed;
}
