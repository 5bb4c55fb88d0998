// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the /proc/ptscope directory for shell users.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ptscope.h"

static struct proc_dir_entry *ptscope_proc_dir;

static int ptscope_version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "release %s\nabi %u.%u\nfeatures 0x%llx\n",
		   PTSCOPE_RELEASE, PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR,
		   (unsigned long long)PTSCOPE_FEATURES);
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
	return 0;

err_remove_dir:
	proc_remove(ptscope_proc_dir);
	return -ENOMEM;
}

void ptscope_procfs_exit(void)
{
	proc_remove(ptscope_proc_dir);
}
