/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the ptscope command (and the shell tools around it: jq, tmux,
 * promtool) from a selftest: finding it, running it, capturing its output.
 * The one place that starts a command: every program that runs the tool
 * does it through cli_capture(), cli_capturef(), cli_tool(), cli_shell()
 * or cli_feed().
 */
#ifndef PTSCOPE_CLI_EXEC_H
#define PTSCOPE_CLI_EXEC_H

#include <limits.h>
#include <stdarg.h>
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

/* The command as cli_find() finds it, else ../userspace/ptscope. */
static inline const char *cli_path(void)
{
	static char path[PATH_MAX];

	if (!path[0] && cli_find(path))
		snprintf(path, sizeof(path), "../userspace/ptscope");
	return path;
}

/* sh -c of the printf-style @fmt: its exit status, or -1. */
static inline int cli_shell(const char *fmt, ...)
{
	char cmd[PATH_MAX + 4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline bool cli_have_tool(const char *name)
{
	return !cli_shell("command -v %s >/dev/null 2>&1", name);
}

/* @text on the stdin of sh -c @cmd: its exit status, or -1. */
static inline int cli_feed(const char *cmd, const char *text)
{
	FILE *f = popen(cmd, "w");
	int st;

	if (!f)
		return -1;
	fputs(text, f);
	st = pclose(f);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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

/* cli_capture() of the printf-style command @fmt. */
static inline char *cli_capturef(int *status, const char *fmt, ...)
{
	char cmd[PATH_MAX + 4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return cli_capture(cmd, status);
}

/*
 * The stdout of `ptscope ARGS` (cli_path(); @fmt makes ARGS, which may
 * carry redirections) and its exit status in *@status.
 */
static inline char *cli_tool(int *status, const char *fmt, ...)
{
	char args[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return cli_capturef(status, "'%s' %s", cli_path(), args);
}

/* The stdout of `ptscope ARGS` if it exits 0, else NULL. */
static inline char *cli_tool_out(const char *fmt, ...)
{
	char args[4096], *out;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	out = cli_tool(&st, "%s", args);
	if (st) {
		free(out);
		return NULL;
	}
	return out;
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
