/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the parts of the ptscope module. */
#ifndef PTSCOPE_INTERNAL_H
#define PTSCOPE_INTERNAL_H

#include <linux/fs.h>
#include "compat/compat.h"
#include <ptscope.h>

#define PTSCOPE_RELEASE "0.1.0"

/* Feature bits this build answers; userspace reads them through VERSION. */
#define PTSCOPE_FEATURES (PTSCOPE_FEAT_VERSION)

/* ioctl.c */
long ptscope_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* procfs.c */
int ptscope_procfs_init(void);
void ptscope_procfs_exit(void);

#endif /* PTSCOPE_INTERNAL_H */
