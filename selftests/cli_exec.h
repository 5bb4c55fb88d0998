/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the ptscope command from a selftest: finding it, capturing its
 * output, reading its JSON with jq.  Used by cow_test and snapshot_test.
 */
#ifndef PTSCOPE_CLI_EXEC_H
#define PTSCOPE_CLI_EXEC_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* $PTSCOPE_CLI, else ../userspace/ptscope beside this binary; absolute. */
static inline int cli_find(char *out)
{
	const char *env = getenv("PTSCOPE_CLI");
	char exe[PATH_MAX], rel[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env && *env)
		return realpath(env, out) ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(rel, sizeof(rel), "%s/../userspace/ptscope", exe);
	return realpath(rel, out) ? 0 : -1;
}

static inline bool cli_have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return !system(cmd);
}

/* The stdout of sh -c @cmd (malloc'd, NUL-terminated) and its exit status. */
static inline char *cli_capture(const char *cmd, int *status)
{
	size_t cap = 1 << 16, len = 0, n;
	FILE *f = popen(cmd, "r");
	char *s, *t;
	int st;

	*status = -1;
	if (!f)
		return NULL;
	s = malloc(cap);
	while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			t = realloc(s, cap *= 2);
			if (!t)
				free(s);
			s = t;
		}
	}
	if (s)
		s[len] = 0;
	st = pclose(f);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return s;
}

/* The first line of @s as an unsigned number; @def if none. */
static inline unsigned long long cli_number(const char *s, unsigned long long def)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return def;
	v = strtoull(s, &end, 10);
	return end == s ? def : v;
}

#endif /* PTSCOPE_CLI_EXEC_H */
