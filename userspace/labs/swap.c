// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 4, swap and major faults: fill MIB MiB (16), push it out with
 * MADV_PAGEOUT, then read it all again.  A page written to swap leaves a
 * swap entry in its page-table entry (not present; the swap device's type
 * and the page's offset on it); reading it back is a major fault: the
 * process waits for the page to be read from the device.  Needs swap (any
 * kind; scripts/lab sets up zram in the VM).  THP is off for the buffer.
 *
 *	swap [MIB]
 *
 * Checkpoints: "filled", "paged-out" (swapped= pages that /proc/self/pagemap
 * shows as swap entries), "touched" (touched= pages read, faults= and
 * major= the minor and major faults the reading loop took).
 */
#include <fcntl.h>
#include "lab.h"

#define PM_SWAP		(1ULL << 62)

/* Swap entries among the pages of [p, p + len), from pagemap. */
static size_t count_swapped(char *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t n = 0, i;
	uint64_t e;

	if (fd < 0)
		lab_die("/proc/self/pagemap");
	for (i = 0; i < len / LAB_PAGE; i++) {
		if (pread(fd, &e, sizeof(e), ((uintptr_t)p / LAB_PAGE + i) * 8) != sizeof(e))
			lab_die("pagemap");
		n += !!(e & PM_SWAP);
	}
	close(fd);
	return n;
}

int main(int argc, char **argv)
{
	size_t len = lab_mib(argc, argv, 1, 16), pages = len / LAB_PAGE, i;
	long min0, maj0, min1, maj1;
	volatile char sum = 0;
	size_t swapped;
	char *buf;

	buf = lab_map(len, MADV_NOHUGEPAGE);
	/* Different contents per page, so that no swap device can merge them. */
	for (i = 0; i < pages; i++)
		memset(buf + i * LAB_PAGE, (int)(i * 7 + 1), LAB_PAGE);
	lab_checkpoint("filled", "addr=%p len=%zu pages=%zu", (void *)buf, len, pages);
	if (madvise(buf, len, MADV_PAGEOUT))
		lab_die("madvise(MADV_PAGEOUT)");
	swapped = count_swapped(buf, len);
	if (!swapped)
		fprintf(stderr, "lab: nothing was paged out: is swap on (swapon --show)?\n");
	lab_checkpoint("paged-out", "addr=%p len=%zu pages=%zu swapped=%zu",
		       (void *)buf, len, pages, swapped);
	lab_faults(&min0, &maj0);
	for (i = 0; i < pages; i++)
		sum += buf[i * LAB_PAGE];
	lab_faults(&min1, &maj1);
	lab_checkpoint("touched",
		       "addr=%p len=%zu pages=%zu swapped=%zu touched=%zu faults=%ld major=%ld",
		       (void *)buf, len, pages, swapped, pages, min1 - min0,
		       maj1 - maj0);
	return 0;
}
