// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: what every ioctl does with its argument: copy it in and check
 * it, in a fixed order (copy, size, unknown flags, ranges, defaults), and
 * copy the answer and the records out.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ptscope.h"

/* A query's range: whole pages of user space, not empty. */
bool ptscope_range_ok(u64 start, u64 end)
{
	return PAGE_ALIGNED(start) && PAGE_ALIGNED(end) && start < end &&
	       end <= TASK_SIZE_MAX;
}

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
