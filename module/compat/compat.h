/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions.  Everything the core needs that
 * differs between supported kernels is exposed here as a named helper;
 * feature detection (__has_include, macros) first, version numbers only
 * where nothing else tells.
 */
#ifndef PTSCOPE_COMPAT_H
#define PTSCOPE_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "ptscope supports Linux 6.1 and later"
#endif

#endif /* PTSCOPE_COMPAT_H */
