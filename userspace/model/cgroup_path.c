// SPDX-License-Identifier: GPL-2.0
/* cgroup v2 paths: see cgroup_path.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup_path.h"

int cgroup_of_pid(struct ptscope *ps, uint64_t pid, char *buf, size_t len)
{
	char *text = NULL, *line;
	size_t n;
	int ret;

	buf[0] = 0;
	ret = ptscope_proc_read(ps, pid, "cgroup", &text, &n);
	if (ret)
		return ret;
	/* cgroup v2: the line "0::PATH". */
	line = strncmp(text, "0::", 3) ? strstr(text, "\n0::") : text;
	if (line) {
		line += *line == '\n' ? 4 : 3;
		snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
	}
	free(text);
	return 0;
}

bool cgroup_within(const char *path, const char *subtree)
{
	size_t n = strlen(subtree);

	while (n > 1 && subtree[n - 1] == '/')
		n--;
	if (n == 1 && subtree[0] == '/')
		return path[0] == '/';
	return !strncmp(path, subtree, n) && (!path[n] || path[n] == '/');
}

/*
 * Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo:
 * the first mount of its root (a mount of a cgroup below the root, as in
 * some containers, holds other paths than /proc/PID/cgroup's).
 */
static int cgroup2_mount(char *buf, size_t len)
{
	char line[4096], *sep, mnt[4096], root[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - TYPE SOURCE ... */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2 &&
		    !strcmp(root, "/") && !strchr(mnt, '\\')) {
			snprintf(buf, len, "%s", mnt);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int cgroup_check(const char *subtree, bool live)
{
	char mnt[4096], dir[8192];
	const char *p;
	struct stat sb;

	if (subtree[0] != '/')
		return -EINVAL;
	/* No "." or ".." part, and no empty one but at the end ("/a/"). */
	for (p = subtree; *p; p++)
		if (p[0] == '/' && ((p[1] == '.' &&
		     (!p[2] || p[2] == '/' || (p[2] == '.' && (!p[3] || p[3] == '/')))) ||
		    (p[1] == '/' && p[strspn(p, "/")])))
			return -EINVAL;
	if (!live || cgroup2_mount(mnt, sizeof(mnt)))
		return 0;	/* not mounted here: the processes' paths decide */
	snprintf(dir, sizeof(dir), "%s%s", mnt, subtree);
	if (stat(dir, &sb))
		return errno == ENOTDIR ? -ENOTDIR : -ENOENT;
	return S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
}
