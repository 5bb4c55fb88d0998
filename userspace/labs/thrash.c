// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 11, thrashing: write one byte in every page of MIB MiB (16), PASSES
 * (4) times over, and time each pass.  Run inside a memory cgroup whose
 * memory.max is smaller than MIB (scripts/lab makes one and moves the
 * program into it at "mapped"), the working set does not fit: from the
 * second pass on, nearly every page was swapped out since the last pass,
 * and each write is a major fault that waits for the page to come back
 * from swap.  With a working set that fits, only the first pass faults.
 * Needs swap (scripts/lab sets up zram in the VM).  THP is off for the
 * buffer, so that every page is one 4 KiB page.
 *
 *	thrash [MIB [PASSES]]
 *
 * Checkpoints: "mapped" (nothing touched yet: move it into the cgroup
 * now), "swept" (after the last pass; ns_per_page=, minor= and major= are
 * comma-separated lists with one number per pass: the pass's time per
 * page and this process's minor and major faults during it).
 */
#include <time.h>
#include "lab.h"

#define MAX_PASSES	16

static long pass_ns[MAX_PASSES], pass_minor[MAX_PASSES], pass_major[MAX_PASSES];

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* @v[0..n) as "a,b,c" in @out. */
static const char *list(char *out, size_t size, const long *v, int n)
{
	size_t at = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < n && at < size; i++)
		at += snprintf(out + at, size - at, "%s%ld", i ? "," : "", v[i]);
	return out;
}

int main(int argc, char **argv)
{
	size_t len = lab_mib(argc, argv, 1, 16), pages = len / LAB_PAGE, i;
	int passes = argc > 2 ? atoi(argv[2]) : 4, p;
	char ns[200], minor[200], major[200];
	long min0, maj0, min1, maj1, t0;
	char *buf;

	if (passes < 1 || passes > MAX_PASSES) {
		fprintf(stderr, "usage: thrash [MIB [PASSES]] (1 to %d passes)\n", MAX_PASSES);
		return 2;
	}
	buf = lab_map(len, MADV_NOHUGEPAGE);
	lab_checkpoint("mapped", "addr=%p len=%zu pages=%zu passes=%d",
		       (void *)buf, len, pages, passes);
	/*
	 * Fault in now what the loop below uses besides the buffer (the
	 * vDSO's data, the arrays), so that a pass's faults are the buffer's.
	 */
	now_ns();
	lab_faults(&min0, &maj0);
	memset(pass_ns, 0, sizeof(pass_ns));
	memset(pass_minor, 0, sizeof(pass_minor));
	memset(pass_major, 0, sizeof(pass_major));
	for (p = 0; p < passes; p++) {
		t0 = now_ns();
		lab_faults(&min0, &maj0);
		/* Different bytes per page and pass, never zero: no swap device can merge them. */
		for (i = 0; i < pages; i++)
			buf[i * LAB_PAGE] = (char)(((i + p) & 0x7f) | 1);
		lab_faults(&min1, &maj1);
		pass_ns[p] = (now_ns() - t0) / (long)pages;
		pass_minor[p] = min1 - min0;
		pass_major[p] = maj1 - maj0;
	}
	lab_checkpoint("swept", "addr=%p len=%zu pages=%zu passes=%d ns_per_page=%s minor=%s major=%s",
		       (void *)buf, len, pages, passes,
		       list(ns, sizeof(ns), pass_ns, passes),
		       list(minor, sizeof(minor), pass_minor, passes),
		       list(major, sizeof(major), pass_major, passes));
	return 0;
}
