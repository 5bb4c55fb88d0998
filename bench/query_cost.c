// SPDX-License-Identifier: GPL-2.0
/*
 * query_cost: what one small query costs, ptscope's against the kernel's own
 * for the same answer, so that the price of authorising every query (the
 * kernel opening the target's pagemap, and its mem, in the caller's place:
 * docs/security.md) is measured, not guessed.  A benchmark, not a test: it
 * prints, it asserts nothing.
 *
 *	query_cost [CALLS]
 *
 * The target is a child holding one written page.  Timed, CALLS times each,
 * alternating in rounds: open /proc/PID/pagemap, pread one entry, close (the
 * kernel's way to ask one page); PTSCOPE_IOC_PAGES of that page by pid; the
 * same by pidfd; PTSCOPE_IOC_STATS by pid.  Run as root and, with -u UID, as
 * that user on a target of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ptscope.h>

/* Built against ABI 1's header too, to compare with the 0.5.0 module. */
#ifndef PTSCOPE_PID_PIDFD
#define PTSCOPE_PID_PIDFD	0
#define NO_PIDFD		1
#endif

#define PAGE	4096ULL
#define ROUNDS	5

enum { M_PAGEMAP, M_PAGES_PID, M_PAGES_PIDFD, M_STATS, NR_METHODS };

static const char *const method_names[NR_METHODS] = {
	"pagemap open+pread+close", "PTSCOPE_IOC_PAGES by pid",
	"PTSCOPE_IOC_PAGES by pidfd", "PTSCOPE_IOC_STATS by pid",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int one_call(int m, int dev, pid_t pid, uint64_t target, uint64_t addr)
{
	struct ptscope_page_region rec;
	struct ptscope_pages a = {
		.size = sizeof(a), .start = addr, .end = addr + PAGE,
		.vec = (uintptr_t)&rec, .vec_len = 1, .rec_size = sizeof(rec),
	};
	struct ptscope_stats st = { .size = sizeof(st), .pid = pid };
	char path[64];
	uint64_t pm;
	int fd, ok;

	switch (m) {
	case M_PAGEMAP:
		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		ok = pread(fd, &pm, sizeof(pm), addr / PAGE * 8) == sizeof(pm);
		close(fd);
		return ok ? 0 : -1;
	case M_PAGES_PID:
		a.pid = pid;
		return ioctl(dev, PTSCOPE_IOC_PAGES, &a) == 1 ? 0 : -1;
	case M_PAGES_PIDFD:
		a.pid = target;
		return ioctl(dev, PTSCOPE_IOC_PAGES, &a) == 1 ? 0 : -1;
	default:
		return ioctl(dev, PTSCOPE_IOC_STATS, &st) < 0 ? -1 : 0;
	}
}

int main(int argc, char **argv)
{
	uint64_t best[NR_METHODS], addr;
	int calls = 2000, ready[2], dev, pidfd, m, r, i;
	uid_t uid = 0;
	char *p;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-u") && i + 1 < argc)
			uid = atoi(argv[++i]);
		else
			calls = atoi(argv[i]);
	}
	if (calls <= 0) {
		fprintf(stderr, "usage: query_cost [-u UID] [CALLS]\n");
		return 2;
	}
	/* Dumpable again after the change of uid, as a user's process is. */
	if (uid && (setgid(uid) || setuid(uid) ||
		    prctl(PR_SET_DUMPABLE, 1))) {
		perror("setuid");
		return 1;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || pipe(ready))
		return 1;
	p[0] = 1;
	addr = (uintptr_t)p;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	read(ready[0], &r, 1);	/* EOF: the child runs */
	dev = open(PTSCOPE_DEVICE, O_RDONLY);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (dev < 0 || pidfd < 0) {
		perror("open");
		return 1;
	}
	for (m = 0; m < NR_METHODS; m++)
		best[m] = UINT64_MAX;
	for (r = 0; r < ROUNDS; r++) {
		for (m = 0; m < NR_METHODS; m++) {
			uint64_t t0 = now_ns(), ns;

#ifdef NO_PIDFD
			if (m == M_PAGES_PIDFD)
				continue;
#endif
			for (i = 0; i < calls; i++) {
				if (one_call(m, dev, pid,
					     PTSCOPE_PID_PIDFD | (uint64_t)pidfd,
					     addr)) {
					fprintf(stderr, "%s failed: %s\n",
						method_names[m], strerror(errno));
					return 1;
				}
			}
			ns = (now_ns() - t0) / calls;
			if (ns < best[m])
				best[m] = ns;
		}
	}
	printf("uid %u, %d calls x %d rounds, best round, per call:\n", uid,
	       calls, ROUNDS);
	for (m = 0; m < NR_METHODS; m++)
		if (best[m] != UINT64_MAX)
			printf("  %-28s %8.1f us  (%.2fx pagemap)\n", method_names[m],
			       best[m] / 1000.0, (double)best[m] / best[M_PAGEMAP]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
