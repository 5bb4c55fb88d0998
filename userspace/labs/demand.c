// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 1, demand paging: map MIB MiB (256) and touch every EVERY-th (16th)
 * page.  mmap only reserves addresses; a frame comes with the first touch
 * of each page, one minor fault each.  Transparent huge pages are turned
 * off for the buffer (MADV_NOHUGEPAGE) so that each touch maps one 4 KiB
 * page, as the textbook has it; lab 5 shows the other case.
 *
 *	demand [MIB [EVERY]]
 *
 * Checkpoints: "mapped" (nothing touched yet), "touched" (touched= pages
 * written, faults= minor faults the loop took, as getrusage counted).
 */
#include "lab.h"

int main(int argc, char **argv)
{
	size_t len = lab_mib(argc, argv, 1, 256);
	size_t every = argc > 2 ? strtoul(argv[2], NULL, 0) : 16;
	size_t pages = len / LAB_PAGE, touched = 0, i;
	long min0, maj0, min1, maj1;
	char *buf;

	if (!every)
		return fprintf(stderr, "usage: demand [MIB [EVERY]]\n"), 2;
	buf = lab_map(len, MADV_NOHUGEPAGE);
	lab_checkpoint("mapped", "addr=%p len=%zu pages=%zu touched=0",
		       (void *)buf, len, pages);
	lab_faults(&min0, &maj0);
	for (i = 0; i < pages; i += every, touched++)
		buf[i * LAB_PAGE] = 1;
	lab_faults(&min1, &maj1);
	lab_checkpoint("touched", "addr=%p len=%zu pages=%zu touched=%zu every=%zu faults=%ld",
		       (void *)buf, len, pages, touched, every, min1 - min0);
	return 0;
}
