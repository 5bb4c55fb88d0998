// SPDX-License-Identifier: GPL-2.0
/* Command lookup and error reporting shared by all subcommands. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

const struct cli_command *cli_find(const struct cli_command *table,
				   const char *name, bool *ambiguous)
{
	const struct cli_command *found = NULL;
	size_t len = strlen(name);

	*ambiguous = false;
	if (!len)
		return NULL;
	for (; table->name; table++) {
		if (!strcmp(table->name, name))
			return table;
		if (!strncmp(table->name, name, len)) {
			if (found)
				*ambiguous = true;
			found = table;
		}
	}
	return *ambiguous ? NULL : found;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int cli_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (opts.json) {
		fputs("{\"error\":", stdout);
		json_string(stdout, msg);
		fputs("}\n", stdout);
	}
	fprintf(stderr, "ptscope: %s\n", msg);
	return 1;
}

struct ptscope *cli_open(void)
{
	struct ptscope *ps;
	int ret = ptscope_open(&ps);

	if (ret) {
		cli_error("%s", ptscope_strerror(ret));
		return NULL;
	}
	return ps;
}
