// SPDX-License-Identifier: GPL-2.0
/* Formatting and parsing shared by the views. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ptscope.h>

#include "format.h"

char *format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	unsigned int u = 0;
	uint64_t whole = bytes, rem = 0;

	while (whole >= 1024 && u < sizeof(units) - 2) {
		rem = whole % 1024;
		whole /= 1024;
		u++;
	}
	if (!u || !rem)
		snprintf(buf, len, "%" PRIu64 "%s", whole, u ? (char[]){ units[u], 0 } : "B");
	else
		snprintf(buf, len, "%.1f%c", whole + rem / 1024.0, units[u]);
	return buf;
}

char *format_flag_names(char *buf, size_t len, uint64_t flags,
			const struct flag_name *names, size_t nr)
{
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < nr; i++) {
		if (!(flags & names[i].bit))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
				 used ? "," : "", names[i].name);
	}
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}

#define FLAG_NAME(bit, name) { bit, name },
const struct flag_name page_flag_names[] = { PTSCOPE_PF_FOREACH(FLAG_NAME) };
const size_t nr_page_flag_names = sizeof(page_flag_names) / sizeof(page_flag_names[0]);
const struct flag_name vma_flag_names[] = { PTSCOPE_VMA_FOREACH(FLAG_NAME) };
const size_t nr_vma_flag_names = sizeof(vma_flag_names) / sizeof(vma_flag_names[0]);
#undef FLAG_NAME

char *format_page_flags(char *buf, size_t len, uint64_t flags)
{
	return format_flag_names(buf, len, flags, page_flag_names,
				 nr_page_flag_names);
}

static int parse_u64(const char *s, char **endp, uint64_t *v, int suffix)
{
	unsigned long long x;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, endp, 0);
	if (errno || *endp == s)
		return -EINVAL;
	if (suffix) {
		int shift = 0;

		switch (**endp) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		}
		if (shift) {
			if (x > (~0ULL >> shift))
				return -EINVAL;
			x <<= shift;
			(*endp)++;
		}
	}
	*v = x;
	return 0;
}

int parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	uint64_t a, b;
	char *p;

	if (parse_u64(s, &p, &a, 0))
		return -EINVAL;
	if (!*p) {
		b = a + 1;
	} else if (*p == '-') {
		if (parse_u64(p + 1, &p, &b, 0) || *p)
			return -EINVAL;
	} else if (*p == '+') {
		if (parse_u64(p + 1, &p, &b, 1) || *p || a + b < a)
			return -EINVAL;
		b += a;
	} else {
		return -EINVAL;
	}
	if (b <= a || b > UINT64_MAX - 4095)
		return -EINVAL;
	*start = a & ~4095ULL;
	*end = (b + 4095) & ~4095ULL;
	return 0;
}

int parse_pid(const char *s, uint64_t *pid)
{
	char *p;

	if (parse_u64(s, &p, pid, 0) || *p || !*pid || *pid > 0x3fffffff)
		return -EINVAL;
	return 0;
}

char *format_perms(char *buf, uint64_t vma_flags)
{
	buf[0] = vma_flags & PTSCOPE_VMA_READ ? 'r' : '-';
	buf[1] = vma_flags & PTSCOPE_VMA_WRITE ? 'w' : '-';
	buf[2] = vma_flags & PTSCOPE_VMA_EXEC ? 'x' : '-';
	buf[3] = vma_flags & PTSCOPE_VMA_SHARED ? 's' : 'p';
	buf[4] = 0;
	return buf;
}

char *format_vma_flags(char *buf, size_t len, uint64_t vma_flags)
{
	return format_flag_names(buf, len, vma_flags &
				 ~(uint64_t)(PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE |
					     PTSCOPE_VMA_EXEC | PTSCOPE_VMA_SHARED),
				 vma_flag_names, nr_vma_flag_names);
}
