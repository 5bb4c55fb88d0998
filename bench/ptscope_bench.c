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
 *	             pagemap + kpageflags + kpagecount for each present page,
 *	             PAGEMAP_SCAN (6.7+: the kernel's own region query)
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
 * mappings; default all).  The targets are in targets.c, the methods in
 * methods.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

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
	bool missing[NR_METHODS];
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
			memset(missing, 0, sizeof(missing));
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
						int err = missing[mm] ? -ENOTTY :
							  run_method(mm, &t);

						/* Not on this kernel (PAGEMAP_SCAN before 6.7). */
						if (err == -ENOTTY && mm == M_PAGEMAP_SCAN) {
							missing[mm] = true;
							break;
						}
						if (err) {
							fprintf(stderr, "%s failed\n",
								method_names[mm]);
							return 1;
						}
						calls++;
					} while (now_ns() - t0 < MIN_SAMPLE_NS);
					if (missing[mm])
						continue;
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
				struct result res;

				if (missing[m]) {
					printf("  %-35s not on this kernel\n",
					       method_names[m]);
					continue;
				}
				res = summarize(ns[m], reps);

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
