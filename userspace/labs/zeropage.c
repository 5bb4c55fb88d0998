// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 7, the zero page: read every page of MIB MiB (16) of fresh anonymous
 * memory without writing it.  A read fault on anonymous memory allocates
 * nothing: it maps the kernel's one shared zero page, read-only, at every
 * such address, in every process.  A child does the same with its own
 * mapping.  Then the parent writes one page in every EVERY (4): each write
 * faults again and gets a fresh zeroed page of its own.  THP is off for
 * the buffers (with THP a read maps the huge zero page instead).
 *
 *	zeropage [MIB [EVERY]]
 *
 * Checkpoints: "read" (child= its pid, child_addr= its mapping, faults=
 * minor faults of the parent's reading loop), "written" (written= pages
 * the parent wrote, indexes i % EVERY == 0).
 */
#include "lab.h"

static void read_all(const char *p, size_t len)
{
	volatile char sum = 0;
	size_t i;

	for (i = 0; i < len; i += LAB_PAGE)
		sum += p[i];
}

int main(int argc, char **argv)
{
	size_t len = lab_mib(argc, argv, 1, 16), pages = len / LAB_PAGE, i;
	size_t every = argc > 2 ? strtoul(argv[2], NULL, 0) : 4, written = 0;
	long min0, maj0, min1, maj1, theirs;
	struct lab_child c;
	char *buf;

	if (!every)
		return fprintf(stderr, "usage: zeropage [MIB [EVERY]]\n"), 2;
	if (!lab_fork(&c)) {
		char *p = NULL;

		while (lab_step(&c) >= 0) {
			if (!p) {
				p = lab_map(len, MADV_NOHUGEPAGE);
				read_all(p, len);
			}
			lab_answer(&c, (long)(uintptr_t)p);
		}
		_exit(0);
	}
	theirs = lab_tell(&c, 0);
	buf = lab_map(len, MADV_NOHUGEPAGE);
	lab_faults(&min0, &maj0);
	read_all(buf, len);
	lab_faults(&min1, &maj1);
	lab_checkpoint("read", "child=%d addr=%p child_addr=%#lx len=%zu pages=%zu faults=%ld",
		       c.pid, (void *)buf, theirs, len, pages, min1 - min0);
	for (i = 0; i < pages; i += every, written++)
		buf[i * LAB_PAGE] = 1;
	lab_checkpoint("written",
		       "child=%d addr=%p child_addr=%#lx len=%zu pages=%zu written=%zu every=%zu",
		       c.pid, (void *)buf, theirs, len, pages, written, every);
	lab_end(&c);
	return 0;
}
