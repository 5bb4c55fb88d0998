// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the /proc/ptscope directory for shell users.
 */
#include <linux/proc_fs.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ptscope.h"
#include "procfs.h"

static struct proc_dir_entry *ptscope_proc_dir;

/*
 * Writable by everyone, like /dev/ptscope: a write only sets the query of
 * the writer's own open file, and every query is decided by the kernel
 * opening the target's pagemap (target.c).
 */
static const umode_t ptscope_query_file_mode = 0666;

/*
 * Split a query line into at most @max words.  Returns the number of
 * words, or -EINVAL if there are more.
 */
int ptscope_proc_split(char *line, char **tok, int max)
{
	int n = 0;
	char *t;

	while ((t = strsep(&line, " \t\n"))) {
		if (!*t)
			continue;
		if (n == max)
			return -EINVAL;
		tok[n++] = t;
	}
	return n;
}

/*
 * A query's target: "PID", or "pidfd:FD" for one of the writer's pidfds
 * (PTSCOPE_PID_PIDFD).  Numbers in C syntax.
 */
int ptscope_proc_parse_pid(const char *tok, u64 *pid)
{
	unsigned int fd;

	if (!strncmp(tok, "pidfd:", 6)) {
		if (kstrtouint(tok + 6, 0, &fd) || fd > INT_MAX)
			return -EINVAL;
		*pid = PTSCOPE_PID_PIDFD | fd;
		return 0;
	}
	return kstrtou64(tok, 0, pid);
}

/*
 * A read from the start of a query file: -ESRCH once the bound process has
 * exited or exec'd, so that no answer of the old address space is read
 * again from the file's buffer as if it were still true.
 */
int ptscope_proc_target_alive(const struct ptscope_target *target)
{
	struct mm_struct *mm = ptscope_target_get(target, NULL);

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	mmput(mm);
	return 0;
}

int ptscope_procfs_init(void)
{
	ptscope_proc_dir = proc_mkdir("ptscope", NULL);
	if (!ptscope_proc_dir)
		return -ENOMEM;

	if (!proc_create_single("version", 0444, ptscope_proc_dir,
				ptscope_version_show))
		goto err_remove_dir;
	if (!proc_create_data("pages", ptscope_query_file_mode, ptscope_proc_dir,
			      &ptscope_query_proc_ops,
			      (void *)&ptscope_proc_pages_query))
		goto err_remove_dir;
	if (!proc_create_data("maps", ptscope_query_file_mode, ptscope_proc_dir,
			      &ptscope_query_proc_ops,
			      (void *)&ptscope_proc_maps_query))
		goto err_remove_dir;
	if (!proc_create_data("stats", ptscope_query_file_mode, ptscope_proc_dir,
			      &ptscope_query_proc_ops,
			      (void *)&ptscope_proc_stats_query))
		goto err_remove_dir;
	/* Other users' query counts and lock holds are root's business. */
	if (!proc_create("status", 0400, ptscope_proc_dir,
			 &ptscope_status_proc_ops))
		goto err_remove_dir;
	return 0;

err_remove_dir:
	proc_remove(ptscope_proc_dir);
	return -ENOMEM;
}

void ptscope_procfs_exit(void)
{
	proc_remove(ptscope_proc_dir);
}
