// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 2, copy-on-write after fork: the parent fills MIB MiB (64), forks,
 * and the child writes one page in every EVERY (10: 10% of the pages).
 * fork copies no data: both processes map the same frames, read-only;
 * each write by the child faults and gets its own copy of that one page.
 * THP is off for the buffer (MADV_NOHUGEPAGE) so that a page is 4 KiB.
 *
 *	cow [MIB [EVERY]]
 *
 * Checkpoints: "filled" (the parent alone), "forked" (child= its pid,
 * nothing written), "written" (written= pages the child wrote, the
 * indexes i with i % EVERY == 0; child_faults= minor faults its loop took).
 */
#include "lab.h"

int main(int argc, char **argv)
{
	size_t len = lab_mib(argc, argv, 1, 64);
	size_t every = argc > 2 ? strtoul(argv[2], NULL, 0) : 10;
	size_t pages = len / LAB_PAGE, written = 0, i;
	struct lab_child c;
	long faults;
	char *buf;

	if (!every)
		return fprintf(stderr, "usage: cow [MIB [EVERY]]\n"), 2;
	buf = lab_map(len, MADV_NOHUGEPAGE);
	memset(buf, 0x5a, len);
	lab_checkpoint("filled", "addr=%p len=%zu pages=%zu", (void *)buf, len,
		       pages);
	if (!lab_fork(&c)) {
		long min0, maj0, min1, maj1, step;

		/*
		 * Step 0 runs the same code as step 1 without the writes: its
		 * own stack pages are copied then, not during step 1.
		 */
		while ((step = lab_step(&c)) >= 0) {
			lab_faults(&min0, &maj0);
			for (i = 0; step == 1 && i < pages; i += every)
				buf[i * LAB_PAGE] = 1;
			lab_faults(&min1, &maj1);
			lab_answer(&c, min1 - min0);
		}
		_exit(0);
	}
	lab_tell(&c, 0);
	for (i = 0; i < pages; i += every)
		written++;
	lab_checkpoint("forked", "child=%d addr=%p len=%zu pages=%zu", c.pid,
		       (void *)buf, len, pages);
	faults = lab_tell(&c, 1);
	lab_checkpoint("written",
		       "child=%d addr=%p len=%zu pages=%zu written=%zu every=%zu child_faults=%ld",
		       c.pid, (void *)buf, len, pages, written, every, faults);
	lab_end(&c);
	return 0;
}
