/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptscope: the system's facts the tool's answers depend on, read live,
 * each whole into a malloc()ed NUL-terminated *@text of *@len bytes; 0 or
 * a negative errno.  The transport records and replays them (transport.c).
 */
#ifndef PTSCOPE_SYSTEM_FILES_H
#define PTSCOPE_SYSTEM_FILES_H

#include <stddef.h>

/* The pids of /proc's process directories, a line each, in readdir order. */
int sys_proc_pids(char **text, size_t *len);
/* "FILE VALUE" per file of /sys/kernel/mm/transparent_hugepage thp reads. */
int sys_thp_settings(char **text, size_t *len);
/*
 * The CPUID leaves the TLB decoder reads, as `cpuid -r` prints them (this
 * CPU's; empty on other architectures).
 */
int sys_cpuid_leaves(char **text, size_t *len);

#endif /* PTSCOPE_SYSTEM_FILES_H */
