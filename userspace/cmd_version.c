// SPDX-License-Identifier: GPL-2.0
/* ptscope version: the tool's and the module's versions and features. */
#include <inttypes.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
	const struct ptscope_version *v;
	struct ptscope *ps;

	(void)argv;
	if (argc > 1)
		return cli_error("version takes no arguments");
	ps = cli_open();
	if (!ps)
		return 1;
	v = ptscope_module_version(ps);
	if (opts.json) {
		printf("{\"tool\":\"%s\",\"abi\":{\"major\":%u,\"minor\":%u},"
		       "\"module\":{\"release\":\"%s\",\"abi\":{\"major\":%u,\"minor\":%u},"
		       "\"features\":%" PRIu64 ",\"kernel\":\"%s\"}}\n",
		       PTSCOPE_TOOL_VERSION, PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR,
		       v->release, v->abi_major, v->abi_minor,
		       (uint64_t)v->features, v->kernel);
	} else {
		printf("ptscope %s (ABI %u.%u)\n", PTSCOPE_TOOL_VERSION,
		       PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
		printf("module  %s (ABI %u.%u) on Linux %s, features 0x%" PRIx64 "\n",
		       v->release, v->abi_major, v->abi_minor, v->kernel,
		       (uint64_t)v->features);
	}
	cli_close(ps);
	return 0;
}
