/* SPDX-License-Identifier: GPL-2.0 */
/* The /proc/ptscope query files, and what they share. */
#ifndef PTSCOPE_PROCFS_H
#define PTSCOPE_PROCFS_H

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ptscope.h"

extern const struct proc_ops ptscope_pages_proc_ops;
extern const struct proc_ops ptscope_maps_proc_ops;
extern const struct proc_ops ptscope_stats_proc_ops;
extern const struct proc_ops ptscope_status_proc_ops;

/* Longest query line a file accepts. */
#define PTSCOPE_PROC_QUERY_MAX	256

char *ptscope_proc_get_line(const char __user *ubuf, size_t count);
int ptscope_proc_split(char *line, char **tok, int max);
int ptscope_proc_parse_pid(const char *tok, u64 *pid);
int ptscope_proc_target_alive(const struct ptscope_target *target);
void ptscope_proc_rewind(struct file *file);

#endif /* PTSCOPE_PROCFS_H */
