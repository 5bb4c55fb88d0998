/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A child a test starts to build some memory and then keep it still: it
 * says it is built on a pipe and waits on another until the test closes
 * it (or dies: the child has PR_SET_PDEATHSIG).  The one copy of the
 * fork / wait-for-ready / reap-on-failure steps of the fixtures.
 */
#ifndef PTSCOPE_SPAWN_READY_H
#define PTSCOPE_SPAWN_READY_H

#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Fork a child that runs @child(@arg, READY, IDLE): it must write @readies
 * bytes to READY once built (its own children may write some), then read
 * IDLE until end of file, and not return.  @idle is the pipe the test
 * closes to end it (its write end, idle[1], stays the test's).  The
 * child's pid once @readies bytes came, else -1, the child killed and
 * reaped.
 */
static inline pid_t spawn_ready(const int idle[2], int readies,
				void (*child)(void *arg, int ready, int idle),
				void *arg)
{
	int ready[2], i = 0;
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(idle[1]);
		child(arg, ready[1], idle[0]);
		_exit(1);
	}
	close(ready[1]);
	while (pid > 0 && i < readies && read(ready[0], &c, 1) == 1)
		i++;
	close(ready[0]);
	if (pid > 0 && i == readies)
		return pid;
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

/* Block until the test closes the idle pipe, then exit. */
static inline void __attribute__((noreturn)) spawn_wait_idle(int idle)
{
	char c;

	while (read(idle, &c, 1) > 0)
		;
	_exit(0);
}

#endif /* PTSCOPE_SPAWN_READY_H */
