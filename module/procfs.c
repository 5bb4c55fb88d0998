// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the /proc/ptscope directory for shell users.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ptscope.h"
#include "procfs.h"

static struct proc_dir_entry *ptscope_proc_dir;

/*
 * Writable by everyone, like /dev/ptscope: a write only sets the query of
 * the writer's own open file, and every query is decided by the kernel
 * opening the target's pagemap (target.c).
 */
static const umode_t ptscope_query_file_mode = 0666;

int ptscope_procfs_init(void)
{
	ptscope_proc_dir = proc_mkdir("ptscope", NULL);
	if (!ptscope_proc_dir)
		return -ENOMEM;

	if (!proc_create_single("version", 0444, ptscope_proc_dir,
				ptscope_version_show))
		goto err_remove_dir;
	/* The proc data is const to us: proc_create_data() takes a void *. */
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
