/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lab programs share.  A lab stops at each checkpoint: it prints
 *
 *	checkpoint NAME pid=PID key=value ...
 *
 * on stdout (numbers in decimal, addresses in hex), then waits for a line
 * on stdin, so that a student in another shell, scripts/lab or
 * selftests/labs_*_test.c can look at it with ptscope.  At end of file on
 * stdin it no longer waits.  Between two checkpoints a lab does only what
 * the lab describes: the checkpoint code itself takes no page faults once
 * it has run once (no stdio buffers, no allocation), so fault counts taken
 * at two checkpoints differ by exactly what the lab did.
 */
#ifndef PTSCOPE_LAB_H
#define PTSCOPE_LAB_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAB_PAGE	4096UL
#define LAB_2M		(2UL << 20)

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

static int lab_stdin_eof;

static inline void lab_die(const char *what)
{
	fprintf(stderr, "lab: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The size argument @i in MiB, or @def. */
static inline size_t lab_mib(int argc, char **argv, int i, size_t def)
{
	size_t v = argc > i ? strtoul(argv[i], NULL, 0) : def;

	if (!v) {
		fprintf(stderr, "lab: '%s' is not a size in MiB\n", argv[i]);
		exit(2);
	}
	return v << 20;
}

/*
 * This process's minor and major faults so far.  getrusage() twice: a
 * fault the kernel takes writing @ru (a stack page not touched before) is
 * counted after the first call read the counters, and before the second.
 */
static inline void lab_faults(long *minflt, long *majflt)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_SELF, &ru);
	*minflt = ru.ru_minflt;
	*majflt = ru.ru_majflt;
}

/*
 * Print the checkpoint line and wait for a line on stdin.  Everything on
 * the stack, written with write(2), so that the second call faults nothing
 * the first did not.
 */
static inline void lab_checkpoint(const char *name, const char *fmt, ...)
{
	char line[1024], c;
	long minflt, majflt;
	va_list ap;
	int n;

	lab_faults(&minflt, &majflt);
	n = snprintf(line, sizeof(line), "checkpoint %s pid=%d minflt=%ld majflt=%ld ",
		     name, getpid(), minflt, majflt);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) != n)
		lab_die("stdout");
	if (lab_stdin_eof)
		return;
	if (isatty(STDIN_FILENO)) {
		static const char prompt[] =
			"lab: stopped; look at it with ptscope in another shell, then press Enter\n";

		if (write(STDERR_FILENO, prompt, sizeof(prompt) - 1) < 0)
			lab_die("stderr");
	}
	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			lab_stdin_eof = 1;
			break;
		}
		if (c == '\n')
			break;
	}
}

/*
 * madvise(@advice) on [@p, @p + @len).  A kernel built without THP (such
 * as Debian's rt flavour) refuses both THP advices with EINVAL: there
 * MADV_NOHUGEPAGE holds anyway, and MADV_HUGEPAGE cannot be had.
 */
static inline void lab_madvise(void *p, size_t len, int advice)
{
	bool no_thp;

	if (!madvise(p, len, advice))
		return;
	no_thp = errno == EINVAL && access("/sys/kernel/mm/transparent_hugepage", F_OK);
	if (no_thp && advice == MADV_NOHUGEPAGE)
		return;
	if (no_thp && advice == MADV_HUGEPAGE) {
		fprintf(stderr, "lab: %s\n",
			"this kernel has no transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE is not set)");
		exit(1);
	}
	lab_die("madvise");
}

/* @len bytes of private anonymous memory at a 2 MiB boundary, madvise(@advice). */
static inline char *lab_map(size_t len, int advice)
{
	char *p = mmap(NULL, len + LAB_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		lab_die("mmap");
	a = (char *)(((uintptr_t)p + LAB_2M - 1) & ~(LAB_2M - 1));
	/* Trim the slack, so that the mapping is exactly [a, a + len). */
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + LAB_2M - a);
	if (advice >= 0)
		lab_madvise(a, len, advice);
	return a;
}

/*
 * A child that does steps when told: lab_fork() returns 0 in the child
 * (which dies with its parent); the parent sends a step number with
 * lab_tell() and gets the child's answer (a number) back.
 */
struct lab_child {
	pid_t pid;
	int to, from;		/* parent's ends */
	int in, out;		/* child's ends */
};

static inline pid_t lab_fork(struct lab_child *c)
{
	int to[2], from[2];
	pid_t parent = getpid();

	if (pipe(to) || pipe(from))
		lab_die("pipe");
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		lab_die("fork");
	if (!c->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(to[1]);
		close(from[0]);
		c->in = to[0];
		c->out = from[1];
		return 0;
	}
	close(to[0]);
	close(from[1]);
	c->to = to[1];
	c->from = from[0];
	return c->pid;
}

/* Child: the next step number (-1 when the parent is gone). */
static inline long lab_step(struct lab_child *c)
{
	long v;

	return read(c->in, &v, sizeof(v)) == sizeof(v) ? v : -1;
}

/* Child: the answer to a step. */
static inline void lab_answer(struct lab_child *c, long v)
{
	if (write(c->out, &v, sizeof(v)) != sizeof(v))
		_exit(1);
}

/* Parent: have the child do @step; its answer. */
static inline long lab_tell(struct lab_child *c, long step)
{
	long v;

	if (write(c->to, &step, sizeof(step)) != sizeof(step) ||
	    read(c->from, &v, sizeof(v)) != sizeof(v)) {
		fprintf(stderr, "lab: the child died\n");
		exit(1);
	}
	return v;
}

/* Parent: let the child exit and reap it. */
static inline void lab_end(struct lab_child *c)
{
	close(c->to);
	waitpid(c->pid, NULL, 0);
}

#endif /* PTSCOPE_LAB_H */
