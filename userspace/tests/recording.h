/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host tests' own --replay recordings: answers written here, so that
 * every expected line follows from values the test set up, and the tool
 * run on them.
 */
#ifndef PTSCOPE_TEST_RECORDING_H
#define PTSCOPE_TEST_RECORDING_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libptscope.h"
#include "transport.h"

#define PAGE 4096ULL
#define PID 4242ULL		/* the process the recordings are of */

/* A recording under construction. */
struct recording {
	char path[64];
	FILE *f;
};

static inline void rec_call(struct recording *r, unsigned long req, long ret,
		     const void *args, size_t size, const void *out, size_t out_size)
{
	struct replay_call c = {
		.nr = _IOC_NR(req),
		.key_end = replay_key_end(req),
		.ret = ret,
		.args_size = size,
		.out_size = out_size,
	};

	fwrite(&c, sizeof(c), 1, r->f);
	fwrite(args, size, 1, r->f);
	if (out_size)
		fwrite(out, out_size, 1, r->f);
}

/* A new recording that starts with the module's version answer. */
static inline void rec_start(struct recording *r)
{
	struct ptscope_version v = {
		.size = sizeof(v),
		.abi_major = PTSCOPE_ABI_MAJOR,
		.abi_minor = PTSCOPE_ABI_MINOR,
		.release = "recorded",
		.kernel = "none",
	};
	int fd;

	snprintf(r->path, sizeof(r->path), "/tmp/ptscope-replay.XXXXXX");
	fd = mkstemp(r->path);
	r->f = fdopen(fd, "w");
	fwrite(REPLAY_MAGIC, REPLAY_MAGIC_LEN, 1, r->f);
	rec_call(r, PTSCOPE_IOC_VERSION, 0, &v, sizeof(v), NULL, 0);
}

/* One PAGES answer for the question [start, end) with @flags. */
static inline void rec_pages(struct recording *r, uint64_t flags, uint64_t start,
		      uint64_t end, uint64_t walk_end,
		      const struct ptscope_page_region *recs, size_t nr)
{
	struct ptscope_pages a = {
		.size = sizeof(a), .flags = flags, .pid = PID,
		.start = start, .end = end, .rec_size = sizeof(*recs),
		.walk_end = walk_end, .nr_records = nr,
	};

	rec_call(r, PTSCOPE_IOC_PAGES, nr, &a, sizeof(a), recs, nr * sizeof(*recs));
}

/* One MAPS answer: the single mapping @v for the question [start, end). */
static inline void rec_maps(struct recording *r, uint64_t start, uint64_t end,
		     const struct ptscope_vma *v)
{
	struct ptscope_maps a = {
		.size = sizeof(a), .pid = PID, .start = start, .end = end,
		.rec_size = sizeof(*v), .walk_end = end, .nr_records = 1,
		.map_count = 1, .total_tables = v->tables, .totals = v->pages,
	};

	rec_call(r, PTSCOPE_IOC_MAPS, 1, &a, sizeof(a), v, sizeof(*v));
}

static inline void rec_stats(struct recording *r, uint64_t min_flt, uint64_t pte_bytes)
{
	struct ptscope_stats s = {
		.size = sizeof(s), .pid = PID, .min_flt = min_flt,
		.pgtables_bytes = pte_bytes, .timestamp_ns = 1,
	};

	rec_call(r, PTSCOPE_IOC_STATS, 0, &s, sizeof(s), NULL, 0);
}

/* A /proc read: the file @name of @pid (pid 0: the list of pids) held @text. */
static inline void rec_proc(struct recording *r, uint64_t pid, const char *name,
		     const char *text)
{
	struct replay_proc_file q = { .pid = pid };
	struct replay_call c = {
		.nr = REPLAY_NR_PROC_FILE,
		.key_end = sizeof(q),
		.args_size = sizeof(q),
		.out_size = strlen(text),
	};

	snprintf(q.name, sizeof(q.name), "%s", name);
	fwrite(&c, sizeof(c), 1, r->f);
	fwrite(&q, sizeof(q), 1, r->f);
	fwrite(text, c.out_size, 1, r->f);
}

static inline void rec_done(struct recording *r)
{
	fclose(r->f);
}

/* Run the tool: its stdout into @out, its exit status returned. */
static inline int run(char *out, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	size_t n = 0;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < len && fgets(out + n, len - n, p))
		n += strlen(out + n);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline struct ptscope_page_region region(uint64_t start, uint64_t pages,
					 unsigned int entry, uint64_t flags)
{
	struct ptscope_page_region r = {
		.start = start, .end = start + pages * PAGE, .flags = flags,
		.entry = entry, .node = -1,
	};

	if (entry == PTSCOPE_ENTRY_PRESENT) {
		r.kind = PTSCOPE_KIND_ANON;
		r.level = PTSCOPE_LEVEL_PTE;
		r.mapcount = 1;
		r.refcount = 1;
		r.node = 0;
		r.flags |= PTSCOPE_PF_PRESENT;
	}
	return r;
}

#endif /* PTSCOPE_TEST_RECORDING_H */
