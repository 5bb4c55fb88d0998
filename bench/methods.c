// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope_bench's methods: ptscope's queries, the kernel's own interfaces
 * (pagemap, kpageflags, kpagecount, smaps, smaps_rollup, numa_maps,
 * PAGEMAP_SCAN) and the tool end to end, each over a whole target.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

const char *const method_names[NR_METHODS] = {
	"ioc_pages_regions", "ioc_pages_per_page", "pagemap",
	"pagemap+kpageflags+kpagecount", "ioc_maps", "smaps", "smaps_rollup",
	"smaps+numa_maps+pagemap", "cli: ptscope -j pages", "cli: ptscope -j maps",
	"cli: ptscope -j maps --sample 1/16", "pagemap_scan",
};

int dev_fd;
void *buf;
uint64_t sink;
uint64_t records[NR_METHODS];

/* Returns the number of records, or -errno. */
static int64_t ioc_pages(const struct target *t, uint64_t flags)
{
	struct ptscope_pages a;
	uint64_t cur = t->start, end = t->start + t->len, nr = 0;

	while (cur < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = flags | PTSCOPE_PAGES_PFN;	/* as pagemap, read by root */
		a.pid = t->pid;
		a.start = cur;
		a.end = end;
		a.vec = (uintptr_t)buf;
		a.vec_len = BATCH;
		a.rec_size = sizeof(struct ptscope_page_region);
		if (ioctl(dev_fd, PTSCOPE_IOC_PAGES, &a) < 0)
			return -errno;
		nr += a.nr_records;
		cur = a.walk_end;
	}
	sink += nr;
	return nr;
}

static int ioc_maps(const struct target *t)
{
	struct ptscope_maps a;
	uint64_t cur = 0, end = 0x7ffffffff000ULL;

	while (cur < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = t->pid;
		a.start = cur;
		a.end = end;
		a.vec = (uintptr_t)buf;
		a.vec_len = 256;
		a.rec_size = sizeof(struct ptscope_vma);
		if (ioctl(dev_fd, PTSCOPE_IOC_MAPS, &a) < 0)
			return -errno;
		sink += a.totals.present;
		cur = a.walk_end;
	}
	return 0;
}

static int read_all(const char *fmt, pid_t pid)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), fmt, pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, 1 << 20)) > 0)
		sink += n;
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * pagemap over the target; with @kpage, for each run of present pages
 * whose frames are consecutive, one pread of kpageflags and one of
 * kpagecount for the whole run (the best batching those files allow).
 */
static int pagemap(const struct target *t, bool kpage)
{
	uint64_t *pm = buf, *kbuf = (uint64_t *)buf + BATCH;
	uint64_t n = t->len / PAGE, done, i, j, k;
	int fd, ff = -1, fc = -1, ret = 0;
	char path[64];
	ssize_t got;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (kpage) {
		ff = open("/proc/kpageflags", O_RDONLY);
		fc = open("/proc/kpagecount", O_RDONLY);
		if (ff < 0 || fc < 0) {
			ret = -errno;
			goto out;
		}
	}
	for (done = 0; done < n; done += k) {
		k = n - done < BATCH ? n - done : BATCH;
		got = pread(fd, pm, k * 8, (t->start / PAGE + done) * 8);
		if (got != (ssize_t)(k * 8)) {
			ret = -EIO;
			goto out;
		}
		/* Bare pagemap: the read is all, as for the ioctl's records. */
		if (!kpage) {
			sink += pm[k - 1];
			continue;
		}
		for (i = 0; i < k; i = j) {
			uint64_t pfn = pm[i] & PM_PFN_MASK, run;

			sink += pm[i];
			for (j = i + 1; j < k && (pm[j] & PM_PRESENT) &&
			     (pm[j] & PM_PFN_MASK) == pfn + (j - i); j++)
				;
			if (!(pm[i] & PM_PRESENT))
				continue;
			run = j - i;
			while (run) {
				uint64_t r = run < BATCH ? run : BATCH;

				if (pread(ff, kbuf, r * 8, pfn * 8) != (ssize_t)(r * 8) ||
				    pread(fc, kbuf, r * 8, pfn * 8) != (ssize_t)(r * 8)) {
					ret = -EIO;
					goto out;
				}
				sink += kbuf[0];
				pfn += r;
				run -= r;
			}
		}
	}
out:
	if (ff >= 0)
		close(ff);
	if (fc >= 0)
		close(fc);
	close(fd);
	return ret;
}

/*
 * PAGEMAP_SCAN (6.7+), the kernel's own region query: the strongest peer of
 * the regions query.  It merges neighbours alike in the few categories it
 * knows (present, swapped, file, the zero page, huge), where ours merges
 * on every fact of a record.  <linux/fs.h> of older systems lacks it.
 */
struct bench_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};

struct bench_page_region {
	uint64_t start, end, categories;
};

#define BENCH_PAGEMAP_SCAN	_IOWR('f', 16, struct bench_pm_scan_arg)
#define BENCH_PAGE_IS_FILE	(1 << 2)
#define BENCH_PAGE_IS_PRESENT	(1 << 3)
#define BENCH_PAGE_IS_SWAPPED	(1 << 4)
#define BENCH_PAGE_IS_PFNZERO	(1 << 5)
#define BENCH_PAGE_IS_HUGE	(1 << 6)

/* Returns the number of regions, or -errno (-ENOTTY before 6.7). */
static int64_t pagemap_scan(const struct target *t)
{
	struct bench_pm_scan_arg a;
	uint64_t cur = t->start, end = t->start + t->len, nr = 0;
	char path[64];
	long got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (cur < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.start = cur;
		a.end = end;
		a.vec = (uintptr_t)buf;
		a.vec_len = BATCH;
		a.return_mask = BENCH_PAGE_IS_FILE | BENCH_PAGE_IS_PRESENT |
				BENCH_PAGE_IS_SWAPPED | BENCH_PAGE_IS_PFNZERO |
				BENCH_PAGE_IS_HUGE;
		got = ioctl(fd, BENCH_PAGEMAP_SCAN, &a);
		if (got < 0) {
			got = -errno;
			close(fd);
			return got;
		}
		nr += got;
		sink += ((struct bench_page_region *)buf)[0].categories;
		cur = a.walk_end;
	}
	close(fd);
	sink += nr;
	return nr;
}

char cli_path[4096];

/* Run the ptscope command on the target, output to /dev/null. */
/* The tool end to end: pages, maps, or (@sample) maps --sample 1/16. */
static int cli(const struct target *t, bool pages, bool sample)
{
	char pid[16], range[64];
	int status;
	pid_t child;

	snprintf(pid, sizeof(pid), "%d", t->pid);
	snprintf(range, sizeof(range), "0x%llx+0x%llx",
		 (unsigned long long)t->start, (unsigned long long)t->len);
	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(127);
		if (pages)
			execl(cli_path, "ptscope", "-j", "pages", pid, range,
			      (char *)NULL);
		else if (sample)
			execl(cli_path, "ptscope", "-j", "maps", "--sample",
			      "1/16", "--seed", "1", pid, (char *)NULL);
		else
			execl(cli_path, "ptscope", "-j", "maps", pid,
			      (char *)NULL);
		_exit(127);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int run_method(enum method m, const struct target *t)
{
	int64_t nr;
	int ret;

	switch (m) {
	case M_PAGES_REGIONS:
	case M_PAGES_ALL:
		nr = ioc_pages(t, m == M_PAGES_REGIONS ? PTSCOPE_PAGES_REGIONS : 0);
		if (nr < 0)
			return nr;
		records[m] = nr;
		return 0;
	case M_PAGEMAP:
		return pagemap(t, false);
	case M_PAGEMAP_KPAGE:
		return pagemap(t, true);
	case M_MAPS:
		return ioc_maps(t);
	case M_SMAPS:
		return read_all("/proc/%d/smaps", t->pid);
	case M_SMAPS_ROLLUP:
		return read_all("/proc/%d/smaps_rollup", t->pid);
	case M_SMAPS_NUMA_PAGEMAP:
		ret = read_all("/proc/%d/smaps", t->pid);
		if (!ret)
			ret = read_all("/proc/%d/numa_maps", t->pid);
		if (!ret)
			ret = pagemap(t, false);
		return ret;
	case M_CLI_PAGES:
		return cli(t, true, false);
	case M_CLI_MAPS:
		return cli(t, false, false);
	case M_CLI_SAMPLE:
		return cli(t, false, true);
	case M_PAGEMAP_SCAN:
		nr = pagemap_scan(t);
		if (nr < 0)
			return nr;
		records[m] = nr;
		return 0;
	default:
		return -EINVAL;
	}
}
