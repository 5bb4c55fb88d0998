/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ptscope: see a process's virtual memory.
 *
 * The ioctl interface of /dev/ptscope.  Every argument structure is made of
 * fixed-width fields with no implicit padding, and starts with
 *
 *	__u64 size;	in: sizeof the structure as the caller knows it
 *	__u64 flags;	in: request flags; unknown bits are refused (-EINVAL)
 *
 * so that structures can grow at the end: a caller built against an older
 * header passes a smaller size and gets the fields it knows; a newer caller
 * passing a larger size must leave the bytes the module does not know as
 * zero (-E2BIG otherwise).  Commands are matched on type and number only,
 * so the size encoded in the command word does not pin the structure.
 *
 * Unknown commands get -ENOTTY.  Numbers are never reused.
 */
#ifndef _UAPI_LINUX_PTSCOPE_H
#define _UAPI_LINUX_PTSCOPE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PTSCOPE_DEVICE		"/dev/ptscope"
#define PTSCOPE_PROC_DIR	"/proc/ptscope"

/*
 * The ABI version.  A change of major is incompatible: the tool refuses to
 * talk to a module whose major differs from its own.  A minor bump only adds
 * (fields at the end of a structure, flags, commands, feature bits).
 */
#define PTSCOPE_ABI_MAJOR	1
#define PTSCOPE_ABI_MINOR	0

/* 0xB7 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PTSCOPE_IOC_MAGIC	0xB7

/* Feature bits reported by PTSCOPE_IOC_VERSION. */
#define PTSCOPE_FEAT_VERSION	(1ULL << 0)	/* PTSCOPE_IOC_VERSION */

/**
 * struct ptscope_version - argument of PTSCOPE_IOC_VERSION
 * @size:	in: sizeof(struct ptscope_version)
 * @flags:	in: must be zero
 * @abi_major:	out: PTSCOPE_ABI_MAJOR of the module
 * @abi_minor:	out: PTSCOPE_ABI_MINOR of the module
 * @features:	out: PTSCOPE_FEAT_* bits the module answers
 * @release:	out: the module's release string, NUL-terminated
 * @kernel:	out: the running kernel's release (utsname), NUL-terminated
 */
struct ptscope_version {
	__u64 size;
	__u64 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	char release[32];
	char kernel[64];
};

#define PTSCOPE_VERSION_SIZE_VER0	128

#define PTSCOPE_IOC_VERSION	_IOWR(PTSCOPE_IOC_MAGIC, 0x00, struct ptscope_version)

#endif /* _UAPI_LINUX_PTSCOPE_H */
