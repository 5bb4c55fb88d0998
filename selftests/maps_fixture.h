/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps_test's target: a process holding one fixture of each kind of memory
 * (anonymous, THP, private and shared file, shmem, hugetlb, swapped, bound
 * to a node, COW-shared with a child), at addresses given in a layout.
 */
#ifndef PTSCOPE_MAPS_FIXTURE_H
#define PTSCOPE_MAPS_FIXTURE_H

#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"

#define MAX_VMAS	1024
#define MPOL_BIND	2

/* Addresses of the target's fixtures, shared with the test. */
struct layout {
	uint64_t anon, thp, file_priv, file_shared, shmem, hugetlb, swap, numa;
	uint64_t cow;
	int nodes;		/* NUMA nodes with memory (2 in the test VM) */
	bool thp_ok, hugetlb_ok, swap_ok;
	pid_t cow_child;
};

/* Build the fixtures in the target; fills @l. */
static inline void build_fixtures(struct layout *l, bool with_fork)
{
	unsigned long mask;
	size_t i;
	char *p;
	int fd;

	/*
	 * Between two PROT_NONE guard pages: a kernel without THP takes no
	 * MADV_NOHUGEPAGE to set it apart, and it would merge with the
	 * anonymous mapping next to it.
	 */
	p = map_anon(258 * PAGE, PROT_READ | PROT_WRITE, 0);
	mprotect(p, PAGE, PROT_NONE);
	mprotect(p + 257 * PAGE, PAGE, PROT_NONE);
	p += PAGE;
	no_huge_pages(p, 256 * PAGE);
	for (i = 0; i < 256; i += 2)
		p[i * PAGE] = 1;
	l->anon = (uintptr_t)p;

	l->thp_ok = thp_enabled();
	p = map_aligned(2 * SZ_2M, SZ_2M);
	madvise(p, 2 * SZ_2M, MADV_HUGEPAGE);
	memset(p, 2, 2 * SZ_2M);
	l->thp = (uintptr_t)p;

	fd = make_file(64 * PAGE);
	p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	for (i = 0; i < 64; i++)
		*(volatile char *)(p + i * PAGE);
	for (i = 0; i < 8; i++)
		p[i * PAGE] = 3;
	l->file_priv = (uintptr_t)p;
	p = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (i = 0; i < 16; i++)
		p[i * PAGE] = 4;
	l->file_shared = (uintptr_t)p;
	close(fd);

	p = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(p, 5, 32 * PAGE);
	l->shmem = (uintptr_t)p;

	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	l->hugetlb_ok = p != MAP_FAILED;
	if (l->hugetlb_ok) {
		memset(p, 6, SZ_2M);
		l->hugetlb = (uintptr_t)p;
	}

	l->swap_ok = ensure_swap();
	p = map_anon(64 * PAGE, PROT_READ | PROT_WRITE, 0);
	no_huge_pages(p, 64 * PAGE);
	for (i = 0; i < 64; i++)
		p[i * PAGE] = i + 1;
	if (l->swap_ok)
		l->swap_ok = !madvise(p, 32 * PAGE, MADV_PAGEOUT);
	l->swap = (uintptr_t)p;

	l->nodes = nr_nodes();
	p = map_anon(64 * PAGE, PROT_READ | PROT_WRITE, 0);
	no_huge_pages(p, 64 * PAGE);
	for (i = 0; l->nodes >= 2 && i < 2; i++) {
		mask = 1UL << i;
		syscall(SYS_mbind, p + i * 32 * PAGE, 32 * PAGE, MPOL_BIND,
			&mask, 64, 0);
	}
	memset(p, 7, 64 * PAGE);
	l->numa = (uintptr_t)p;

	if (!with_fork)
		return;
	/* COW: 64 pages filled, then a child that writes 16 of them. */
	p = map_anon(64 * PAGE, PROT_READ | PROT_WRITE, 0);
	no_huge_pages(p, 64 * PAGE);
	memset(p, 8, 64 * PAGE);
	l->cow = (uintptr_t)p;
}

/*
 * Fork a target that builds the fixtures and waits; *@l is where it put
 * them.  With @with_fork the target forks a child that writes 16 pages of
 * l->cow, and both wait.  Kill it with stop_target().
 */
static inline pid_t start_target(struct layout *l, bool with_fork)
{
	struct layout *shared = mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ready[2], wrote[2];
	pid_t pid;
	char x;
	size_t i;

	if (shared == MAP_FAILED || pipe(ready) || pipe(wrote))
		return -1;
	pid = fork();
	if (!pid) {
		/* Die with the test, whatever way it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		build_fixtures(shared, with_fork);
		if (with_fork) {
			pid_t child = fork();

			if (!child) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				for (i = 0; i < 16; i++)
					((char *)(uintptr_t)shared->cow)[i * PAGE] = 9;
				write(wrote[1], "w", 1);
				pause();
				_exit(0);
			}
			shared->cow_child = child;
			close(wrote[1]);
			read(wrote[0], &x, 1);
		}
		write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	/* Their write ends closed, a target that dies is EOF, not a hang. */
	close(ready[1]);
	close(wrote[1]);
	close(wrote[0]);
	if (pid < 0 || read(ready[0], &x, 1) != 1) {
		close(ready[0]);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	close(ready[0]);
	*l = *shared;
	munmap(shared, sizeof(*l));
	/* Batches of fresh pages hold references; not that counts care. */
	drain_lru_batches();
	return pid;
}

static inline void stop_target(pid_t pid, const struct layout *l)
{
	if (pid <= 0)		/* never started: kill(-1) would be everyone */
		return;
	if (l->cow_child > 0)
		kill(l->cow_child, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#endif /* PTSCOPE_MAPS_FIXTURE_H */
