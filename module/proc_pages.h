/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PTSCOPE_PROC_PAGES_H
#define PTSCOPE_PROC_PAGES_H

#include <linux/proc_fs.h>

extern const struct proc_ops ptscope_pages_proc_ops;

#endif /* PTSCOPE_PROC_PAGES_H */
