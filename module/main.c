// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: module entry and exit, the /dev/ptscope misc device.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "ptscope.h"

/* A closed file ends the TLB watches it started. */
static int ptscope_release(struct inode *inode, struct file *file)
{
	ptscope_tlb_watch_release(file);
	return 0;
}

static const struct file_operations ptscope_fops = {
	.owner		= THIS_MODULE,
	.release	= ptscope_release,
	.unlocked_ioctl	= ptscope_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/*
 * World-usable like /proc/PID/pagemap: each query is decided by the kernel
 * opening the target's pagemap for the caller, not by the device node.
 */
static struct miscdevice ptscope_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ptscope",
	.fops	= &ptscope_fops,
	.mode	= 0666,
};

static int __init ptscope_init(void)
{
	int ret;

	ret = ptscope_target_init();
	if (ret)
		return ret;
	ptscope_tlb_watch_init();

	ret = ptscope_procfs_init();
	if (ret)
		goto err_tlb_watch_exit;

	ret = misc_register(&ptscope_miscdev);
	if (ret)
		goto err_remove_procfs;

	pr_info("ptscope %s loaded (ABI %u.%u)\n", PTSCOPE_RELEASE,
		PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
	return 0;

err_remove_procfs:
	ptscope_procfs_exit();
err_tlb_watch_exit:
	ptscope_tlb_watch_exit();
	return ret;
}

static void __exit ptscope_exit(void)
{
	misc_deregister(&ptscope_miscdev);
	ptscope_tlb_watch_exit();
	ptscope_procfs_exit();
}

module_init(ptscope_init);
module_exit(ptscope_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ptscope: inspect a process's page tables");
MODULE_VERSION(PTSCOPE_RELEASE);
