/* SPDX-License-Identifier: GPL-2.0 */
/* Formatting and parsing shared by the views. */
#ifndef PTSCOPE_FORMAT_H
#define PTSCOPE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "4K", "1.5M", "2G": binary units, one decimal where it matters. */
char *format_size(char *buf, size_t len, uint64_t bytes);

/* Flag names from the uapi's X-macro tables. */
struct flag_name {
	uint64_t bit;
	const char *name;
};

extern const struct flag_name page_flag_names[];	/* PTSCOPE_PF_* */
extern const size_t nr_page_flag_names;
extern const struct flag_name vma_flag_names[];		/* PTSCOPE_VMA_* */
extern const size_t nr_vma_flag_names;

/* Comma-separated names of the bits of @flags in @names, or "-". */
char *format_flag_names(char *buf, size_t len, uint64_t flags,
			const struct flag_name *names, size_t nr);
/* The same for PTSCOPE_PF_* bits. */
char *format_page_flags(char *buf, size_t len, uint64_t flags);

/* "rw-p": as /proc/PID/maps, from PTSCOPE_VMA_* bits; @buf holds 5. */
char *format_perms(char *buf, uint64_t vma_flags);
/* The names of a mapping's PTSCOPE_VMA_* bits but those PERMS shows, or "-". */
char *format_vma_flags(char *buf, size_t len, uint64_t vma_flags);

/*
 * Parse "START", "START-END" or "START+LENGTH" (hex with 0x, or decimal;
 * LENGTH may have a K/M/G suffix).  START alone means one page.  The
 * result is page aligned outward.  Returns 0 or -EINVAL.
 */
int parse_range(const char *s, uint64_t *start, uint64_t *end);

/* Parse a pid: a positive decimal number.  Returns 0 or -EINVAL. */
int parse_pid(const char *s, uint64_t *pid);

#endif /* PTSCOPE_FORMAT_H */
