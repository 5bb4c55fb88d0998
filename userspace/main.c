// SPDX-License-Identifier: GPL-2.0
/* ptscope: see a process's virtual memory.  Option parsing and dispatch. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct cli_options opts = { .color = -1 };

static int cmd_help(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "help",	cmd_help,	"[COMMAND]",	"show help" },
	{ "version",	cmd_version,	"",		"show tool and module versions" },
	{ NULL }
};

static void usage(FILE *f)
{
	const struct cli_command *c;

	fprintf(f, "Usage: ptscope [OPTIONS] COMMAND [ARGS]\n\n"
		   "Show a process's page tables, as the kernel sees them.\n\n"
		   "Commands (any unique prefix works):\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %-24s %s\n", c->name, c->args, c->help);
	fprintf(f, "\nOptions:\n"
		   "  -j, --json            JSON output\n"
		   "  -p, --pretty          indented JSON (implies --json)\n"
		   "  -o, --output COLUMNS  columns to show (see COMMAND --help)\n"
		   "  -r, --raw             raw output, no alignment or units\n"
		   "  -n, --noheadings      no table headings\n"
		   "      --all             one row per page, no region merging\n"
		   "      --color[=WHEN]    auto, always or never\n"
		   "  -V, --version         tool version\n"
		   "  -h, --help            this help\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "pretty",	no_argument,		NULL, 'p' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "raw",	no_argument,		NULL, 'r' },
		{ "noheadings",	no_argument,		NULL, 'n' },
		{ "all",	no_argument,		NULL, 'a' },
		{ "color",	optional_argument,	NULL, 'C' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL }
	};
	const struct cli_command *cmd;
	bool ambiguous;
	int c;

	/* "+": options end at the command name; commands parse their own. */
	while ((c = getopt_long(argc, argv, "+jpo:rnVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.json = opts.pretty = true;
			break;
		case 'o':
			opts.columns = optarg;
			break;
		case 'r':
			opts.raw = true;
			break;
		case 'n':
			opts.noheadings = true;
			break;
		case 'a':
			opts.all = true;
			break;
		case 'C':
			if (!optarg || !strcmp(optarg, "always"))
				opts.color = 1;
			else if (!strcmp(optarg, "never"))
				opts.color = 0;
			else if (!strcmp(optarg, "auto"))
				opts.color = -1;
			else
				return cli_error("--color takes auto, always or never, not '%s'",
						 optarg);
			break;
		case 'V':
			printf("ptscope %s (ABI %u.%u)\n", PTSCOPE_TOOL_VERSION,
			       PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (opts.color < 0)
		opts.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = cli_find(commands, argv[optind], &ambiguous);
	if (!cmd) {
		cli_error("%s command '%s': see 'ptscope --help'",
			  ambiguous ? "ambiguous" : "unknown", argv[optind]);
		return 2;
	}
	optind++;
	return cmd->run(argc - optind + 1, argv + optind - 1);
}
