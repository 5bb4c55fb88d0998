// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: ioctl dispatch and argument handling for /dev/ptscope.
 *
 * Each command has one *_get_args() that copies and checks its argument in a
 * fixed order: copy, size, unknown flags, ranges, defaults.
 */
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "ptscope.h"

/*
 * Copy an extensible argument structure.  @usize is what the caller says
 * its structure is; it must hold at least the first version of the
 * structure (@min).  Bytes beyond what the module knows must be zero.
 */
int ptscope_copy_args(void *karg, size_t ksize, size_t min,
		      const void __user *uarg)
{
	u64 usize;

	if (get_user(usize, (const u64 __user *)uarg))
		return -EFAULT;
	if (usize < min || usize > PAGE_SIZE)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

/* Copy back no more than the caller's structure holds. */
static int ptscope_copy_out(void __user *uarg, const void *karg, size_t ksize,
			    u64 usize)
{
	if (copy_to_user(uarg, karg, min_t(u64, ksize, usize)))
		return -EFAULT;
	return 0;
}

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

static long ptscope_ioctl_version(void __user *uarg)
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
	default:
		return -ENOTTY;
	}
}
