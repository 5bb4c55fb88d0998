/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 paths as /proc/PID/cgroup gives them ("/" is the root, "/a/b"
 * a cgroup below it): a process's cgroup, and whether one cgroup is in the
 * subtree of another.  The one home of these rules for top, export and
 * the --cgroup views.
 */
#ifndef PTSCOPE_CGROUP_PATH_H
#define PTSCOPE_CGROUP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"

/* @pid's cgroup v2 path into @buf ("" if it has none); 0 or -errno. */
int cgroup_of_pid(struct ptscope *ps, uint64_t pid, char *buf, size_t len);

/* Is cgroup @path @subtree or below it?  Trailing '/'s of @subtree are ignored. */
bool cgroup_within(const char *path, const char *subtree);

/*
 * Is @subtree a cgroup path (from "/", no "." or ".." parts, no "//"
 * inside)?  If the
 * cgroup v2 hierarchy is mounted here and @live (not a replay), it must
 * also exist in it: 0, or -EINVAL (not a path), -ENOENT (no such cgroup),
 * -ENOTDIR.
 */
int cgroup_check(const char *subtree, bool live);

#endif /* PTSCOPE_CGROUP_PATH_H */
