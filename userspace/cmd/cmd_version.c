// SPDX-License-Identifier: GPL-2.0
/* ptscope version: the tool's and the module's versions and features. */
#include <inttypes.h>

#include "cli.h"
#include "format.h"

static const struct flag_name feature_names[] = {
	{ PTSCOPE_FEAT_VERSION, "version" },
	{ PTSCOPE_FEAT_PAGES, "pages" },
	{ PTSCOPE_FEAT_MAPS, "maps" },
	{ PTSCOPE_FEAT_STATS, "stats" },
};

static void version_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope version\n\n"
		   "Show the tool's version and ABI, and the loaded module's release,\n"
		   "ABI, kernel and the requests it answers (features).\n");
}

int cmd_version(int argc, char **argv)
{
	const struct ptscope_version *v;
	struct ptscope *ps;
	char feats[128];

	(void)argv;
	if (opts.help) {
		version_usage(stdout);
		return 0;
	}
	if (argc > 1) {
		version_usage(stderr);
		return 2;
	}
	ps = cli_open();
	if (!ps)
		return 1;
	v = ptscope_module_version(ps);
	if (opts.json) {
		printf("{\"tool\":\"%s\",\"abi\":{\"major\":%u,\"minor\":%u},"
		       "\"module\":{\"release\":\"%s\",\"abi\":{\"major\":%u,\"minor\":%u},"
		       "\"features\":%" PRIu64 ",\"kernel\":\"%s\"}}\n",
		       PTSCOPE_RELEASE, PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR,
		       v->release, v->abi_major, v->abi_minor,
		       (uint64_t)v->features, v->kernel);
	} else {
		printf("ptscope %s (ABI %u.%u)\n", PTSCOPE_RELEASE,
		       PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
		printf("module  %s (ABI %u.%u) on Linux %s, features: %s\n",
		       v->release, v->abi_major, v->abi_minor, v->kernel,
		       format_flag_names(feats, sizeof(feats), v->features,
					 feature_names, ARRAY_SIZE(feature_names)));
	}
	cli_close(ps);
	return 0;
}
