// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: which module this is, through both doors: PTSCOPE_IOC_VERSION
 * and /proc/ptscope/version.
 */
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "ptscope.h"

static int ptscope_version_get_args(struct ptscope_version *args,
				    void __user *uarg)
{
	int ret;

	ret = ptscope_copy_args(args, sizeof(*args), PTSCOPE_VERSION_SIZE_VER0,
				uarg);
	if (ret)
		return ret;
	if (args->flags)
		return -EINVAL;
	return 0;
}

long ptscope_ioctl_version(void __user *uarg)
{
	struct ptscope_version args;
	u64 usize;
	int ret;

	ret = ptscope_version_get_args(&args, uarg);
	if (ret)
		return ret;

	usize = args.size;
	args.abi_major = PTSCOPE_ABI_MAJOR;
	args.abi_minor = PTSCOPE_ABI_MINOR;
	args.features = PTSCOPE_FEATURES;
	strscpy(args.release, PTSCOPE_RELEASE, sizeof(args.release));
	strscpy(args.kernel, utsname()->release, sizeof(args.kernel));
	return ptscope_copy_out(uarg, &args, sizeof(args), usize);
}

int ptscope_version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "release %s\nabi %u.%u\nfeatures 0x%llx\n",
		   PTSCOPE_RELEASE, PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR,
		   (unsigned long long)PTSCOPE_FEATURES);
	return 0;
}
