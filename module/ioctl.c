// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: ioctl dispatch and argument handling for /dev/ptscope.
 *
 * Each command has one *_get_args() that copies and checks its argument in a
 * fixed order: copy, size, unknown flags, ranges, defaults.
 */
#include <linux/fs.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "ptscope.h"

/*
 * Copy an extensible argument structure.  @usize is what the caller says
 * its structure is; it must hold at least the first version of the
 * structure (@min).  Bytes beyond what the module knows must be zero.
 * Every argument structure starts with its u64 size: the copy keeps the
 * size that was checked, not a second read of it that another thread may
 * have changed in between.
 */
int ptscope_copy_args(void *karg, size_t ksize, size_t min,
		      const void __user *uarg)
{
	u64 usize;
	int ret;

	if (get_user(usize, (const u64 __user *)uarg))
		return -EFAULT;
	if (usize < min || usize > PAGE_SIZE)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (!ret)
		memcpy(karg, &usize, sizeof(usize));
	return ret;
}

/* Copy back no more than the caller's structure holds. */
int ptscope_copy_out(void __user *uarg, const void *karg, size_t ksize,
		     u64 usize)
{
	if (copy_to_user(uarg, karg, min_t(u64, ksize, usize)))
		return -EFAULT;
	return 0;
}

/*
 * Check a caller's output array: @len records of @rec_size bytes at @uvec.
 * Records may be smaller than ours (an older caller: fields are cut) or
 * larger (a newer one: the tail is zeroed), in whole u64s.
 */
int ptscope_check_vec(u64 uvec, u64 len, u64 rec_size, size_t min_rec_size)
{
	u64 bytes;

	if (rec_size < min_rec_size || rec_size > PAGE_SIZE ||
	    rec_size % sizeof(u64))
		return -EINVAL;
	if (!len || len > ULONG_MAX / 2)
		return -EINVAL;
	if (check_mul_overflow(len, rec_size, &bytes))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(uvec), bytes))
		return -EFAULT;
	return 0;
}

/* Copy @nr records of ours to the caller's array at record @index. */
int ptscope_copy_records(u64 uvec, u64 index, u64 urec_size,
			 const void *recs, size_t krec_size, unsigned int nr)
{
	void __user *dst = u64_to_user_ptr(uvec + index * urec_size);
	unsigned int i;

	if (urec_size == krec_size)
		return copy_to_user(dst, recs, nr * krec_size) ? -EFAULT : 0;
	for (i = 0; i < nr; i++, dst += urec_size, recs += krec_size) {
		if (copy_to_user(dst, recs, min_t(u64, krec_size, urec_size)))
			return -EFAULT;
		if (urec_size > krec_size &&
		    clear_user(dst + krec_size, urec_size - krec_size))
			return -EFAULT;
	}
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
