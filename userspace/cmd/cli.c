// SPDX-License-Identifier: GPL-2.0
/* Command lookup and error reporting shared by all subcommands. */
#include <libsmartcols.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "cgroup_path.h"
#include "cli.h"
#include "format.h"
#include "json.h"

/* The global options, set by main.c, read by every command. */
struct cli_options opts = { .color = -1 };
/* A command printed an error and carried on: the tool's exit status is 1. */
bool cli_failed;

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
	struct ptscope_open_how how = {
		.record = opts.record,
		.replay = opts.replay,
	};
	struct ptscope *ps;
	int ret = ptscope_open_how(&ps, &how);

	if (ret == -EBADMSG && opts.replay)
		cli_error("%s is not a ptscope recording (make one with --record)",
			  opts.replay);
	else if (ret && (opts.replay || opts.record) && ret != -ENODEV &&
		 ret != -EACCES && ret != -EPROTO)
		cli_error("%s: %s", opts.replay ? opts.replay : opts.record,
			  strerror(-ret));
	else if (ret)
		cli_error("%s", ptscope_strerror(ret));
	return ret ? NULL : ps;
}

int cli_close(struct ptscope *ps)
{
	if (ptscope_close(ps)) {
		cli_error("could not write the recording %s", opts.record);
		cli_failed = true;
		return 1;
	}
	return 0;
}

void cli_flags_help(FILE *f, const struct flag_name *names, size_t nr)
{
	size_t i, used = 0, len;

	fprintf(f, "\nFlags (the names FLAGS, JSON and /proc/ptscope use):\n ");
	for (i = 0; i < nr; i++) {
		len = strlen(names[i].name) + 1;
		if (used + len > 72) {
			fprintf(f, "\n ");
			used = 0;
		}
		fprintf(f, " %s", names[i].name);
		used += len;
	}
	fputc('\n', f);
}

void cli_json_records(struct json *j, bool *started, uint64_t pid,
		      const char *key)
{
	if (*started)
		return;
	*started = true;
	json_init(j, stdout, opts.pretty);
	json_open(j, NULL, '{');
	json_u64(j, "pid", pid);
	json_open(j, key, '[');
}

int cli_vma_list_add(const struct ptscope_vma *v, void *list)
{
	struct cli_vma_list *l = list;
	struct ptscope_vma *bigger;

	if (l->nr == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		bigger = realloc(l->v, l->cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		l->v = bigger;
	}
	l->v[l->nr++] = *v;
	return 0;
}

const char *cli_short_name(const char *name)
{
	const char *slash = strrchr(name, '/');

	return name[0] == '/' && slash[1] ? slash + 1 : name;
}

char *cli_size(char *buf, size_t len, uint64_t bytes)
{
	if (opts.raw) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	return format_size(buf, len, bytes);
}

int cli_pid_and_range(int argc, char **argv, void (*usage)(FILE *f),
		      uint64_t *pid, uint64_t *start, uint64_t *end)
{
	*start = 0;
	*end = PTSCOPE_USER_TOP;
	if (opts.help) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || argc > 3) {
		usage(stderr);
		return 2;
	}
	/* Operands that do not parse are usage errors: exit status 2. */
	if (parse_pid(argv[1], pid))
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	if (argc == 3 && parse_range(argv[2], start, end))
		return cli_error("'%s' is not an address range: use START, START-END or START+LENGTH",
				 argv[2]) + 1;
	return -1;
}

int cli_cgroup_check(const char *path)
{
	int ret = cgroup_check(path, !opts.replay);

	if (ret == -EINVAL)
		return cli_error("--cgroup takes a cgroup path as /proc/PID/cgroup shows it (from /, without . or ..), not '%s'",
				 path) + 1;
	if (ret)
		return cli_error("there is no cgroup %s in the cgroup v2 hierarchy", path) + 1;
	return 0;
}
