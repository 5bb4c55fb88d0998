/* SPDX-License-Identifier: GPL-2.0 */
/* ptscope_bench: what its three files share (see ptscope_bench.c). */
#ifndef PTSCOPE_BENCH_H
#define PTSCOPE_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

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
extern const char *const target_names[NR_TARGETS];

enum method {
	M_PAGES_REGIONS, M_PAGES_ALL, M_PAGEMAP, M_PAGEMAP_KPAGE,
	M_MAPS, M_SMAPS, M_SMAPS_ROLLUP, M_SMAPS_NUMA_PAGEMAP,
	M_CLI_PAGES, M_CLI_MAPS, M_CLI_SAMPLE, M_PAGEMAP_SCAN, NR_METHODS,
};
extern const char *const method_names[NR_METHODS];

struct target {
	pid_t pid;
	int cmd;		/* write 'p' to probe, close to end */
	int reply;
	uint64_t start, len;
};


/* methods.c */
extern int dev_fd;
extern void *buf;		/* records and pagemap entries */
extern uint64_t sink;		/* results are summed here, so nothing is optimised out */
extern uint64_t records[NR_METHODS];	/* records of a method's last run */
extern char cli_path[4096];	/* ../userspace/ptscope, beside bench/ */
/* One run of method @m over @t: 0, or -errno (-ENOTTY: not on this kernel). */
int run_method(enum method m, const struct target *t);

/* targets.c */
int target_start(struct target *t, enum target_kind kind, uint64_t len);
void target_stop(struct target *t);

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* PTSCOPE_BENCH_H */
