// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: the ioctl dispatcher of /dev/ptscope.  Each command's handler
 * lives with its query (version.c, pages.c, maps.c, stats.c, tlb.c); what
 * they do with their arguments is in query_args.c.
 */
#include <linux/fs.h>

#include "ptscope.h"

long ptscope_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/*
	 * Match type and number only: the size field of the command word
	 * would pin the structure, and the structures are meant to grow.
	 */
	if (_IOC_TYPE(cmd) != PTSCOPE_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(PTSCOPE_IOC_VERSION):
		return ptscope_ioctl_version(uarg);
	case _IOC_NR(PTSCOPE_IOC_PAGES):
		return ptscope_ioctl_pages(file, uarg);
	case _IOC_NR(PTSCOPE_IOC_MAPS):
		return ptscope_ioctl_maps(file, uarg);
	case _IOC_NR(PTSCOPE_IOC_STATS):
		return ptscope_ioctl_stats(file, uarg);
	case _IOC_NR(PTSCOPE_IOC_TLB):
		return ptscope_ioctl_tlb(file, uarg);
	default:
		return -ENOTTY;
	}
}
