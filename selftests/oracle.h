/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own interfaces, used as oracles: /proc/PID/pagemap,
 * /proc/kpageflags, /proc/kpagecount and move_pages(2).  Also the query
 * helpers every ptscope selftest uses.
 */
#ifndef PTSCOPE_ORACLE_H
#define PTSCOPE_ORACLE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ptscope.h>

#include "ptscope_test.h"

#define PAGE		4096UL
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SOFT_DIRTY	(1ULL << 55)
#define PM_EXCLUSIVE	(1ULL << 56)
#define PM_UFFD_WP	(1ULL << 57)
#define PM_FILE		(1ULL << 61)
#define PM_SWAP		(1ULL << 62)
#define PM_PRESENT	(1ULL << 63)

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_LRU		5
#define KPF_ANON	12
#define KPF_SWAPBACKED	14
#define KPF_HUGE	17
#define KPF_KSM		21
#define KPF_THP		22
#define KPF_ZERO_PAGE	24

static inline int pread_u64(const char *path, uint64_t index, uint64_t *out,
			    size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, out, n * 8, index * 8);
	close(fd);
	return got == (ssize_t)(n * 8) ? 0 : -EIO;
}

static inline int pagemap_read(pid_t pid, uint64_t start, size_t n, uint64_t *pm)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	return pread_u64(path, start / PAGE, pm, n);
}

static inline uint64_t kpageflags(uint64_t pfn)
{
	uint64_t v = 0;

	pread_u64("/proc/kpageflags", pfn, &v, 1);
	return v;
}

static inline uint64_t kpagecount(uint64_t pfn)
{
	uint64_t v = 0;

	pread_u64("/proc/kpagecount", pfn, &v, 1);
	return v;
}

/* move_pages(2) with NULL nodes: the node of each page, or -errno. */
static inline int pages_nodes(pid_t pid, uint64_t start, size_t n, int *status)
{
	void **pages = calloc(n, sizeof(void *));
	size_t i;
	long ret;

	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pages[i] = (void *)(uintptr_t)(start + i * PAGE);
	ret = syscall(SYS_move_pages, pid, n, pages, NULL, status, 0);
	free(pages);
	return ret < 0 ? -errno : 0;
}

/*
 * Newly faulted pages wait in per-CPU LRU batches, holding an extra
 * reference, until a drain; compact_memory drains them all
 * (lru_add_drain_all), so two queries in a row see the same refcounts.
 */
static inline void drain_lru_batches(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("compact_memory");
		close(fd);
	}
}

/* PTSCOPE_IOC_PAGES as -errno or the record count. */
static inline long ptscope_pages_call(int fd, struct ptscope_pages *a)
{
	return ptscope_ioctl(fd, PTSCOPE_IOC_PAGES, a);
}

static inline void pages_args(struct ptscope_pages *a, uint64_t pid,
			      uint64_t start, uint64_t end, uint64_t flags,
			      struct ptscope_page_region *vec, uint64_t len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = flags;
	a->pid = pid;
	a->start = start;
	a->end = end;
	a->vec = (uintptr_t)vec;
	a->vec_len = len;
	a->rec_size = sizeof(*vec);
}

/*
 * Every page of [start, end) as its own record (regions are expanded), in
 * order, resuming at walk_end with batches of @batch records.  Holes (no
 * VMA) come back as entry 0xff.  Returns the number of pages or -errno.
 */
static inline long query_pages(int fd, pid_t pid, uint64_t start, uint64_t end,
			       uint64_t flags, uint64_t batch,
			       struct ptscope_page_region *out)
{
	struct ptscope_page_region *vec = calloc(batch, sizeof(*vec));
	size_t n = (end - start) / PAGE, i;
	uint64_t cur = start, a;
	struct ptscope_pages args;
	long ret = 0;

	if (!vec)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].entry = 0xff;
	}
	while (cur < end) {
		pages_args(&args, pid, cur, end, flags, vec, batch);
		ret = ptscope_pages_call(fd, &args);
		if (ret < 0)
			break;
		for (i = 0; i < args.nr_records; i++) {
			/* Without PTSCOPE_PAGES_REGIONS a record is one page. */
			if (vec[i].start < cur || vec[i].end > args.walk_end ||
			    vec[i].start >= vec[i].end ||
			    (!(flags & PTSCOPE_PAGES_REGIONS) &&
			     vec[i].end - vec[i].start != PAGE)) {
				ret = -EPROTO;
				goto out;
			}
			for (a = vec[i].start; a < vec[i].end; a += PAGE) {
				struct ptscope_page_region *r = &out[(a - start) / PAGE];
				uint64_t k = (a - vec[i].start) / PAGE;

				*r = vec[i];
				r->start = a;
				r->end = a + PAGE;
				if (r->pfn)
					r->pfn += k;
				if (r->swap_offset)
					r->swap_offset += k;
			}
		}
		if (args.walk_end <= cur) {
			ret = -EPROTO;
			break;
		}
		cur = args.walk_end;
		ret = 0;
	}
	if (!ret)
		ret = n;
out:
	free(vec);
	return ret;
}

#endif /* PTSCOPE_ORACLE_H */
