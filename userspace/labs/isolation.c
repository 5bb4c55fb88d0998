// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 6, isolation and protection: after fork, parent and child each
 * write their own value to the same global variable: one virtual address,
 * two frames.  The page-table entries also carry the protection of each
 * page: code is readable and executable but not writable (R-X), data and
 * stack are writable but not executable (RW-, NX set).  mprotect changes
 * the entries of a page in place: first to read-only, then to R-X.
 *
 *	isolation
 *
 * Checkpoints: "forked" (child= its pid; value= the address of the global
 * variable, code= of a function, stack= of a local variable, buf= of an
 * anonymous page, all written by both), "readonly" (buf is PROT_READ in
 * the parent), "exec" (buf is PROT_READ|PROT_EXEC in the parent).
 */
#include "lab.h"

long value = 1;		/* .data: one address, a page per process after fork */

int main(void)
{
	volatile long local = 0;
	struct lab_child c;
	char *buf;

	buf = mmap(NULL, LAB_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		lab_die("mmap");
	if (!lab_fork(&c)) {
		while (lab_step(&c) >= 0) {
			value = 2;
			local = 2;
			buf[0] = 2;
			lab_answer(&c, value);
		}
		_exit(0);
	}
	lab_tell(&c, 0);
	value = 3;
	local = 3;
	buf[0] = 3;
	lab_checkpoint("forked", "child=%d value=%p code=%p stack=%p buf=%p",
		       c.pid, (void *)&value, (void *)main, (void *)&local,
		       (void *)buf);
	if (mprotect(buf, LAB_PAGE, PROT_READ))
		lab_die("mprotect");
	lab_checkpoint("readonly", "child=%d value=%p code=%p stack=%p buf=%p",
		       c.pid, (void *)&value, (void *)main, (void *)&local,
		       (void *)buf);
	if (mprotect(buf, LAB_PAGE, PROT_READ | PROT_EXEC))
		lab_die("mprotect");
	lab_checkpoint("exec", "child=%d value=%p code=%p stack=%p buf=%p",
		       c.pid, (void *)&value, (void *)main, (void *)&local,
		       (void *)buf);
	lab_end(&c);
	return 0;
}
