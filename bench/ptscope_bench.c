// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope_bench: time ptscope's queries against the kernel's own interfaces
 * on the same target, in the same boot, alternating, several repetitions.
 * A benchmark, not a test: it prints a table and writes JSON, and asserts
 * nothing.
 *
 *	ptscope_bench [-r REPS] [-L] [-t TARGET,...] [-o FILE.json] SIZE_MIB...
 *
 * For each size it builds targets (4 KiB pages; THP-backed; half paged out
 * to zram; shared copy-on-write with a forked child; 4 KiB pages whose
 * frames are out of sequence; 4 KiB pages in 32,768 mappings), each in a
 * child that then sleeps, and times,
 * per target:
 *	per page:    PTSCOPE_IOC_PAGES (regions, and per page), pagemap alone,
 *	             pagemap + kpageflags + kpagecount for each present page
 *	per mapping: PTSCOPE_IOC_MAPS, smaps, smaps_rollup,
 *	             smaps + numa_maps + pagemap
 *	end to end:  `ptscope -j pages PID RANGE`, `ptscope -j maps PID` and
 *	             `ptscope -j maps --sample 1/16 PID` (the tool beside
 *	             this program's directory), to /dev/null
 * and the target's own worst mmap()+munmap() latency while a PAGES walk of
 * it runs, against the same with no walk, with the longest time the module
 * held the target's mmap lock (from /proc/ptscope/status) meanwhile.
 * -L measures only that, for targets too big to time every method on.
 * -t names the targets to build (4k, thp, swapped, shared, scattered,
 * mappings; default all).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ptscope.h>

#define PAGE		4096ULL
#define SZ_2M		(2ULL << 20)
#define MAX_REPS	64
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define BATCH		65536	/* pagemap entries per read, records per ioctl */
#define MIN_SAMPLE_NS	20000000ULL	/* a timed sample: calls repeated for 20 ms */
/*
 * The mappings target's count of mappings, whatever its size: a JVM or a
 * browser has tens of thousands, and vm.max_map_count is 65,530.
 */
#define MAPPINGS	32768

enum target_kind {
	TARGET_4K,	/* 4 KiB pages, every one written */
	TARGET_THP,	/* MADV_HUGEPAGE */
	TARGET_SWAPPED,	/* 4 KiB pages, the first half paged out to zram */
	TARGET_SHARED,	/* 4 KiB pages shared copy-on-write with a forked child */
	TARGET_SCATTERED,	/* 4 KiB pages whose frames are out of sequence */
	TARGET_MAPPINGS,	/* 4 KiB pages in MAPPINGS mappings */
	NR_TARGETS
};
static const char *const target_names[] = {
	"4k", "thp", "swapped", "shared", "scattered", "mappings",
};

enum method {
	M_PAGES_REGIONS, M_PAGES_ALL, M_PAGEMAP, M_PAGEMAP_KPAGE,
	M_MAPS, M_SMAPS, M_SMAPS_ROLLUP, M_SMAPS_NUMA_PAGEMAP,
	M_CLI_PAGES, M_CLI_MAPS, M_CLI_SAMPLE, NR_METHODS,
};
static const char *const method_names[] = {
	"ioc_pages_regions", "ioc_pages_per_page", "pagemap",
	"pagemap+kpageflags+kpagecount", "ioc_maps", "smaps", "smaps_rollup",
	"smaps+numa_maps+pagemap", "cli: ptscope -j pages", "cli: ptscope -j maps",
	"cli: ptscope -j maps --sample 1/16",
};

struct target {
	pid_t pid;
	int cmd;		/* write 'p' to probe, close to end */
	int reply;
	uint64_t start, len;
};

static int dev_fd;
static void *buf;	/* records and pagemap entries */
static uint64_t sink;	/* results are summed here, so nothing is optimised out */
static uint64_t records[NR_METHODS];	/* records of a method's last run */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* --- the target ------------------------------------------------------ */

/* Worst mmap()+munmap() of one page over @ms milliseconds, in ns. */
static uint64_t probe_mmap_latency(unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL, worst = 0, t, d;
	void *p;

	while ((t = now_ns()) < end) {
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, PAGE);
		d = now_ns() - t;
		if (d > worst)
			worst = d;
	}
	return worst;
}

static void target_main(enum target_kind kind, uint64_t len, int cmd, int reply)
{
	uint64_t addr, i;
	char *p, c;

	/*
	 * The target must not keep /dev/ptscope open: its forked sharer dies
	 * only after the bench, and would hold the module past its exit.
	 */
	close(dev_fd);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(p, len, kind == TARGET_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	/*
	 * A fresh guest hands out frames in sequence.  Faulting the pages in a
	 * stride of 257 (odd, so every page is visited once) gives neighbours
	 * frames far apart, as on a machine that has been up for a while.
	 */
	for (i = 0; i < len / PAGE; i++)
		p[(kind == TARGET_SCATTERED ? i * 257 % (len / PAGE) : i) * PAGE] = 1;
	if (kind == TARGET_SWAPPED)
		madvise(p, len / 2, MADV_PAGEOUT);
	/* Every other one read-only, so that neighbours cannot merge. */
	for (i = 1; kind == TARGET_MAPPINGS && i < MAPPINGS; i += 2)
		if (mprotect(p + i * (len / MAPPINGS), len / MAPPINGS, PROT_READ))
			_exit(1);
	if (kind == TARGET_SHARED && !fork()) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	addr = (uintptr_t)p;
	if (write(reply, &addr, sizeof(addr)) != sizeof(addr))
		_exit(1);
	while (read(cmd, &c, 1) == 1) {
		uint64_t worst = probe_mmap_latency(c == 'p' ? 2000 : 500);

		if (write(reply, &worst, sizeof(worst)) != sizeof(worst))
			_exit(1);
	}
	_exit(0);
}

static int target_start(struct target *t, enum target_kind kind, uint64_t len)
{
	int cmd[2], reply[2];

	if (pipe(cmd) || pipe(reply))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		close(cmd[1]);
		close(reply[0]);
		target_main(kind, len, cmd[0], reply[1]);
	}
	close(cmd[0]);
	close(reply[1]);
	t->cmd = cmd[1];
	t->reply = reply[0];
	t->len = len;
	if (read(t->reply, &t->start, sizeof(t->start)) != sizeof(t->start))
		return -EIO;
	return 0;
}

static void target_stop(struct target *t)
{
	close(t->cmd);
	close(t->reply);
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
}

/* --- the methods ----------------------------------------------------- */

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

static char cli_path[4096];	/* ../userspace/ptscope, beside bench/ */

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

static int run_method(enum method m, const struct target *t)
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
	default:
		return -EINVAL;
	}
}

/* --- timing and reporting -------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	uint64_t median, min, max;	/* ns */
};

static struct result summarize(uint64_t *ns, int reps)
{
	struct result r;

	qsort(ns, reps, sizeof(*ns), cmp_u64);
	r.median = ns[reps / 2];
	r.min = ns[0];
	r.max = ns[reps - 1];
	return r;
}

/* Zero the module's lock-hold counters; then read "KEY N" back. */
static void status_reset(void)
{
	int fd = open("/proc/ptscope/status", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "reset", 5) != 5)
			perror("/proc/ptscope/status");
		close(fd);
	}
}

static uint64_t status_value(const char *key)
{
	char line[128];
	size_t klen = strlen(key);
	uint64_t val = 0;
	FILE *f = fopen("/proc/ptscope/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			val = strtoull(line + klen + 1, NULL, 10);
	fclose(f);
	return val;
}

/*
 * The target's worst mmap+munmap while this process does nothing (M_NONE),
 * or repeats one method over the target for 1.5 s: PAGES in regions, or the
 * kernel's own pagemap read of the same range (the baseline: what the
 * target suffers from the interface ptscope replaces).
 */
#define M_NONE NR_METHODS

static uint64_t probe(const struct target *t, enum method walker)
{
	uint64_t worst = 0;
	char c = 'p';

	if (write(t->cmd, &c, 1) != 1)
		return 0;
	if (walker != M_NONE) {
		uint64_t end = now_ns() + 1500000000ULL;

		while (now_ns() < end)
			run_method(walker, t);
	}
	if (read(t->reply, &worst, sizeof(worst)) != sizeof(worst))
		return 0;
	return worst;
}

/* Is @name in the comma-separated @list (NULL: every target)? */
static bool target_wanted(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!list)
		return true;
	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static uint64_t ns[NR_METHODS][MAX_REPS];
	const char *json_path = NULL;
	struct ptscope_version v = { .size = sizeof(v) };
	FILE *json = NULL;
	bool first = true;
	int reps = 5, opt, a, k, r, m;
	bool hold_only = false;
	const char *only = NULL;
	ssize_t exe_len;

	while ((opt = getopt(argc, argv, "r:o:t:L")) != -1) {
		if (opt == 't')
			only = optarg;
		else if (opt == 'r')
			reps = atoi(optarg);
		else if (opt == 'L')
			hold_only = true;
		else if (opt == 'o')
			json_path = optarg;
		else
			return 2;
	}
	if (optind >= argc || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: ptscope_bench [-r REPS] [-L] [-t TARGET,...] [-o FILE.json] SIZE_MIB...\n");
		return 2;
	}
	exe_len = readlink("/proc/self/exe", cli_path, sizeof(cli_path) - 32);
	if (exe_len < 0)
		return 1;
	cli_path[exe_len] = '\0';
	strcpy(strrchr(cli_path, '/'), "/../userspace/ptscope");
	if (access(cli_path, X_OK)) {
		fprintf(stderr, "%s: build the tool first (make -C userspace)\n",
			cli_path);
		return 1;
	}
	/* Swap for the half-swapped target; without it only clean pages go. */
	if (system("modprobe zram 2>/dev/null; [ -e /sys/block/zram0 ] && "
		   "! grep -q zram0 /proc/swaps && "
		   "echo 32G > /sys/block/zram0/disksize && "
		   "mkswap /dev/zram0 >/dev/null && swapon /dev/zram0"))
		fprintf(stderr, "no zram swap: the swapped target stays in memory\n");
	dev_fd = open(PTSCOPE_DEVICE, O_RDONLY);
	if (dev_fd < 0 || ioctl(dev_fd, PTSCOPE_IOC_VERSION, &v)) {
		perror(PTSCOPE_DEVICE);
		return 1;
	}
	buf = malloc(8 << 20);	/* records, pagemap entries, file reads */
	if (!buf)
		return 1;
	if (json_path) {
		json = fopen(json_path, "w");
		if (!json) {
			perror(json_path);
			return 1;
		}
		fprintf(json, "{\"kernel\":\"%s\",\"module\":\"%s\",\"reps\":%d,\"runs\":[",
			v.kernel, v.release, reps);
	}
	printf("kernel %s, module %s, %d repetitions, median (min-max) in ms; ns/page\n",
	       v.kernel, v.release, reps);

	for (a = optind; a < argc; a++) {
		uint64_t len = strtoull(argv[a], NULL, 0) << 20;

		for (k = 0; k < NR_TARGETS; k++) {
			struct target t;
			uint64_t idle, busy, busy_pagemap, pages = len / PAGE;
			uint64_t runs_hold, busy_hold, busy_yields;

			if (!target_wanted(only, target_names[k]))
				continue;
			if (target_start(&t, k, len)) {
				fprintf(stderr, "could not build the %s target of %s MiB\n",
					target_names[k], argv[a]);
				return 1;
			}
			/* Alternate: each repetition runs every method once. */
			memset(records, 0, sizeof(records));
			status_reset();
			for (r = 0; r < reps && !hold_only; r++) {
				for (m = 0; m < NR_METHODS; m++) {
					int mm = (m + r) % NR_METHODS;
					uint64_t t0 = now_ns(), calls = 0;

					/*
					 * A sample is at least MIN_SAMPLE_NS of
					 * back-to-back calls, so that sub-ms
					 * queries (THP) are not lost in noise.
					 */
					do {
						if (run_method(mm, &t)) {
							fprintf(stderr, "%s failed\n",
								method_names[mm]);
							return 1;
						}
						calls++;
					} while (now_ns() - t0 < MIN_SAMPLE_NS);
					ns[mm][r] = (now_ns() - t0) / calls;
				}
			}
			runs_hold = status_value("lock_hold_max_ns");
			idle = probe(&t, M_NONE);
			busy_pagemap = probe(&t, M_PAGEMAP);
			status_reset();
			busy = probe(&t, M_PAGES_REGIONS);
			busy_hold = status_value("lock_hold_max_ns");
			busy_yields = status_value("yields");
			printf("\n%s MiB, %s target (%llu pages):\n", argv[a],
			       target_names[k], (unsigned long long)pages);
			for (m = 0; m < NR_METHODS && !hold_only; m++) {
				struct result res = summarize(ns[m], reps);

				printf("  %-35s %9.2f (%.2f-%.2f) ms %8.1f ns/page",
				       method_names[m], res.median / 1e6,
				       res.min / 1e6, res.max / 1e6,
				       (double)res.median / pages);
				if (records[m])
					printf(", %llu records",
					       (unsigned long long)records[m]);
				printf("\n");
				if (json)
					fprintf(json, "%s{\"size_mib\":%s,\"target\":\"%s\",\"method\":\"%s\","
						"\"median_ns\":%llu,\"min_ns\":%llu,\"max_ns\":%llu,\"pages\":%llu,"
						"\"records\":%llu}",
						first ? "" : ",", argv[a], target_names[k],
						method_names[m],
						(unsigned long long)res.median,
						(unsigned long long)res.min,
						(unsigned long long)res.max,
						(unsigned long long)pages,
						(unsigned long long)records[m]);
				first = false;
			}
			printf("  target's worst mmap+munmap: %.1f us idle, %.1f us during pagemap reads, %.1f us during PAGES walks\n",
			       idle / 1e3, busy_pagemap / 1e3, busy / 1e3);
			printf("  longest mmap lock hold: %.1f us in the timed runs, %.1f us during those walks (%llu yields to the target)\n",
			       runs_hold / 1e3, busy_hold / 1e3,
			       (unsigned long long)busy_yields);
			if (json)
				fprintf(json, "%s{\"size_mib\":%s,\"target\":\"%s\",\"method\":\"mmap_latency\","
					"\"idle_worst_ns\":%llu,\"pagemap_worst_ns\":%llu,\"walk_worst_ns\":%llu,"
					"\"runs_lock_hold_max_ns\":%llu,\"walk_lock_hold_max_ns\":%llu,"
					"\"walk_yields\":%llu}",
					first ? "" : ",", argv[a], target_names[k],
					(unsigned long long)idle,
					(unsigned long long)busy_pagemap,
					(unsigned long long)busy,
					(unsigned long long)runs_hold,
					(unsigned long long)busy_hold,
					(unsigned long long)busy_yields);
			first = false;
			target_stop(&t);
		}
	}
	if (json) {
		fprintf(json, "]}\n");
		fclose(json);
	}
	return 0;
}
