/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz programs' mirror of the /proc/ptscope parsers: which errno a
 * write may get, and what a read must then show.
 */
#ifndef PTSCOPE_FUZZ_PROC_H
#define PTSCOPE_FUZZ_PROC_H

#include "fuzz_model.h"

/* ---------------------------------------------------------------------- */
/* /proc/ptscope: the parsers, mirrored. */

enum { PF_PAGES, PF_MAPS, PF_STATS, PF_STATUS, PF_NR };

static const __attribute__((unused)) char *const proc_names[PF_NR] = { "pages", "maps", "stats", "status" };

/* The kernel's isspace(): ASCII white space and Latin-1 NBSP. */
static inline bool k_isspace(unsigned char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == 0xa0;
}

/* kstrtou64(s, 0, res): 0, -EINVAL or -ERANGE. */
static inline int k_strtou64(const char *s, __u64 *res)
{
	unsigned int base = 10, digits = 0, d;
	bool overflow = false;
	__u64 v = 0;

	if (*s == '+')
		s++;
	if (s[0] == '0') {
		if ((s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2])) {
			base = 16;
			s += 2;
		} else {
			base = 8;
		}
	}
	for (;; s++, digits++) {
		unsigned char ch = *s, lc = ch | 0x20;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (lc >= 'a' && lc <= 'f')
			d = lc - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (!digits)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

/* ptscope_proc_parse_pid(): "PID" or "pidfd:FD". */
static inline int k_parse_pid(const char *s, __u64 *pid)
{
	__u64 fd;

	if (strncmp(s, "pidfd:", 6))
		return k_strtou64(s, pid);
	if (k_strtou64(s + 6, &fd) || fd > INT_MAX)
		return -EINVAL;
	*pid = PTSCOPE_PID_PIDFD | fd;
	return 0;
}

/* The outcomes a write of @len bytes of @buf to /proc/ptscope/@file may get. */
static inline unsigned int proc_model(const struct fz_ctx *c, int file,
			       const char *buf, size_t len)
{
	char line[PROC_QUERY_MAX + 1], *tok[4], *s, *t, *w;
	__u64 pid = 0, start = 0, end = c->task_size_max;
	int n = 0, max;

	if (file == PF_STATUS) {
		if (!c->admin)
			return M(EPERM);
		if (!len || len >= 8)
			return M(EINVAL);
		memcpy(line, buf, len);
		line[len] = 0;
		/* strim() */
		w = line + strlen(line);
		while (w > line && k_isspace(w[-1]))
			*--w = 0;
		for (w = line; k_isspace(*w); w++)
			;
		return strcmp(w, "reset") ? M(EINVAL) : M(0);
	}
	if (!len || len > PROC_QUERY_MAX)
		return M(EINVAL);
	memcpy(line, buf, len);
	line[len] = 0;
	max = file == PF_PAGES ? 4 : file == PF_MAPS ? 3 : 2;
	s = line;
	while ((t = strsep(&s, " \t\n"))) {
		if (!*t)
			continue;
		if (n == max)
			return M(EINVAL);
		tok[n++] = t;
	}
	switch (file) {
	case PF_PAGES:
		if (n < 3 || k_parse_pid(tok[0], &pid) ||
		    k_strtou64(tok[1], &start) || k_strtou64(tok[2], &end) ||
		    (n == 4 && strcmp(tok[3], "all")))
			return M(EINVAL);
		break;
	case PF_MAPS:
		if ((n != 1 && n != 3) || k_parse_pid(tok[0], &pid) ||
		    (n == 3 && (k_strtou64(tok[1], &start) ||
				k_strtou64(tok[2], &end))))
			return M(EINVAL);
		break;
	default:
		if (n < 1 || k_parse_pid(tok[0], &pid) ||
		    (n == 2 && strcmp(tok[1], "threads")))
			return M(EINVAL);
		break;
	}
	if (file != PF_STATS && !range_ok(c, start, end))
		return M(EINVAL);
	return model_target(c, pid) ?: M(0);
}

/* What a read of a query file starts with. */
static const __attribute__((unused)) char *proc_header(int file, bool have_query)
{
	static const char *const headers[PF_NR] = {
		"START END PAGES ENTRY", "START END PERMS PRESENT", "pid ",
		"allocations "
	};

	if (!have_query && file != PF_STATUS)
		return "# write \"PID";
	return headers[file];
}

/* Read what the file says now; a sane answer or a clean errno. */
static const __attribute__((unused)) char *proc_read_check(int fd, int file, bool have_query,
				   bool must_work)
{
	char buf[4096];
	const char *head = proc_header(file, have_query);
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return WHY("lseek: %s", errname(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		if (must_work || !(M(errno) & (M(ESRCH) | M(EPERM) | M(EINVAL) |
					       M(EFAULT) | M_TRANSIENT)))
			return WHY("read: %s", errname(errno));
		return NULL;
	}
	buf[n] = 0;
	if (strncmp(buf, head, strlen(head)))
		return WHY("read %zd bytes starting \"%.40s\", not \"%s\"", n,
			   buf, head);
	return NULL;
}

/* Where the bytes of a write come from. */
enum { BUF_OK, BUF_NULL, BUF_HOLE, BUF_KERNEL };

static inline unsigned int proc_model_buf(const struct fz_ctx *c, int file, int from,
				   const char *line, size_t len)
{
	if (from == BUF_OK)
		return proc_model(c, file, line, len);
	if (from == BUF_KERNEL)		/* vfs_write()'s access_ok() */
		return M(EFAULT);
	if (file == PF_STATUS) {
		if (!c->admin)
			return M(EPERM);
		return !len || len >= 8 ? M(EINVAL) : M(EFAULT);
	}
	return !len || len > PROC_QUERY_MAX ? M(EINVAL) : M(EFAULT);
}

static const void *proc_buf(const struct fz_ctx *c, int from, const char *line)
{
	switch (from) {
	case BUF_NULL:
		return NULL;
	case BUF_HOLE:
		return c->hole;
	case BUF_KERNEL:
		return (void *)KERNEL_ADDR;
	}
	return line;
}

/* %P the pid, %S and %E the target's first and last+1 addresses, %T TASK_SIZE_MAX. */
static inline size_t expand(const struct fz_ctx *c, const char *tmpl, size_t len,
		     __u64 pid, char *out, size_t room)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 32 < room; i++) {
		if (tmpl[i] == '%' && i + 1 < len) {
			switch (tmpl[++i]) {
			case 'P':
				n += sprintf(out + n, "%llu", pid);
				continue;
			case 'S':
				n += sprintf(out + n, "%#lx", (unsigned long)c->target);
				continue;
			case 'E':
				n += sprintf(out + n, "%#lx", (unsigned long)c->target +
					     TARGET_PAGES * PAGE);
				continue;
			case 'T':
				n += sprintf(out + n, "%#llx", c->task_size_max);
				continue;
			}
			i--;
		}
		out[n++] = tmpl[i];
	}
	return n;
}

enum { PID_SELF, PID_INIT, PID_KTHREAD, PID_ZOMBIE, PID_REAPED };

#endif /* PTSCOPE_FUZZ_PROC_H */
