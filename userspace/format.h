/* SPDX-License-Identifier: GPL-2.0 */
/* Formatting and parsing shared by the views. */
#ifndef PTSCOPE_FORMAT_H
#define PTSCOPE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "4K", "1.5M", "2G": binary units, one decimal where it matters. */
char *format_size(char *buf, size_t len, uint64_t bytes);

/* Comma-separated names of PTSCOPE_PF_* bits set in @flags, or "-". */
char *format_page_flags(char *buf, size_t len, uint64_t flags);

/*
 * Parse "START", "START-END" or "START+LENGTH" (hex with 0x, or decimal;
 * LENGTH may have a K/M/G suffix).  START alone means one page.  The
 * result is page aligned outward.  Returns 0 or -EINVAL.
 */
int parse_range(const char *s, uint64_t *start, uint64_t *end);

/* Parse a pid: a positive decimal number.  Returns 0 or -EINVAL. */
int parse_pid(const char *s, uint64_t *pid);

#endif /* PTSCOPE_FORMAT_H */
