// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libptscope: the process's own /proc files the tool reads beside the
 * module's answers (maps, comm), and the system's THP settings and CPUID
 * leaves, through the transport, so that a
 * recording holds them and a replay answers them (libptscope.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

int ptscope_proc_read(struct ptscope *ps, uint64_t pid, const char *name,
		      char **text, size_t *len)
{
	return ps_read_proc(ps, pid, name, text, len);
}

int ptscope_thp_settings(struct ptscope *ps, char **text, size_t *len)
{
	return ps_read_proc(ps, 0, REPLAY_SYS_THP, text, len);
}

int ptscope_cpuid_leaves(struct ptscope *ps, char **text, size_t *len)
{
	return ps_read_proc(ps, 0, REPLAY_SYS_CPUID, text, len);
}

int ptscope_proc_comm(struct ptscope *ps, uint64_t pid, char *comm, size_t len)
{
	size_t n;
	char *text;
	int ret;

	ret = ps_read_proc(ps, pid, "comm", &text, &n);
	if (ret)
		return ret;
	text[strcspn(text, "\n")] = 0;
	snprintf(comm, len, "%s", text);
	free(text);
	return 0;
}

/*
 * "START-END PERMS OFFSET DEV INODE   NAME": the range, and the name after
 * the five fields and their padding ("" when there is none).
 */
static int parse_map_line(char *line, struct ptscope_map_line *m)
{
	unsigned long long s, e;
	int off = 0;

	if (sscanf(line, "%llx-%llx %*s %*s %*s %*s%n", &s, &e, &off) != 2 || !off)
		return -EBADMSG;
	m->start = s;
	m->end = e;
	m->name = line + off + strspn(line + off, " ");
	return 0;
}

int ptscope_proc_maps(struct ptscope *ps, uint64_t pid, uint64_t start,
		      uint64_t end, ptscope_map_line_cb cb, void *arg)
{
	struct ptscope_map_line m;
	char *text, *line, *next;
	size_t len;
	int ret;

	ret = ps_read_proc(ps, pid, "maps", &text, &len);
	if (ret)
		return ret;
	for (line = text; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		/* None is malformed; the old parsers skipped such lines too. */
		if (parse_map_line(line, &m) ||
		    m.end <= start || m.start >= end)
			continue;
		ret = cb(&m, arg);
		if (ret)
			break;
	}
	free(text);
	return ret;
}

int ptscope_proc_pids(struct ptscope *ps, uint64_t **pids, size_t *nr)
{
	uint64_t *v = NULL, *more;
	size_t len, cap = 0, n = 0;
	char *text, *p, *end;
	int ret;

	ret = ps_read_proc(ps, 0, REPLAY_PROC_PIDS, &text, &len);
	if (ret)
		return ret;
	for (p = text; *p; p = end + (*end == '\n')) {
		unsigned long long pid = strtoull(p, &end, 10);

		if (end == p || (*end && *end != '\n')) {
			ret = -EBADMSG;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			more = realloc(v, cap * sizeof(*v));
			if (!more) {
				ret = -ENOMEM;
				break;
			}
			v = more;
		}
		v[n++] = pid;
	}
	free(text);
	if (ret) {
		free(v);
		return ret;
	}
	*pids = v;
	*nr = n;
	return 0;
}
