/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A process with memory of every kind a whole-process view summarises
 * (export, top): pinned to node 0's CPU, a buffer bound to node 1, a THP,
 * swapped pages, pages shared copy-on-write with a forked child; and the
 * oracles for what no single /proc file sums: COW-shared pages (pagemap +
 * kpageflags) and pages per node (numa_maps).
 */
#ifndef PTSCOPE_MIXED_LOAD_H
#define PTSCOPE_MIXED_LOAD_H

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fixtures.h"
#include "maps_oracle.h"
#include "spawn_ready.h"

#define SHARED_PAGES	16	/* written before the fork: COW-shared */
#define NODE1_PAGES	256	/* bound to node 1 */
#define SWAP_PAGES	32	/* paged out */
#define MPOL_BIND	2

/*
 * Write every page of the caller's private writable mappings (its data,
 * heap and stack), each with the value it holds: a process just forked
 * then shares no page with its parent, whose writes would otherwise turn
 * its COW-shared pages exclusive while a test compares two reads of them.
 */
static inline int detach_from_parent(void)
{
	unsigned long long s, e, a;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) != 3 ||
		    strcmp(perms, "rw-p"))
			continue;
		for (a = s; a < e; a += PAGE) {
			volatile char *p = (volatile char *)(uintptr_t)a;

			*p = *p;
		}
	}
	fclose(f);
	return 0;
}

struct mixed_args {
	bool two_nodes, thp, swap;
};

/* The target (spawn_ready()'s child): build, report, wait. */
static inline void mixed_target(void *arg, int ready, int idle)
{
	const struct mixed_args *a = arg;
	cpu_set_t cpu0;
	char *shared, *bound, *swapped, *huge, c = 1;
	size_t i;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0) || detach_from_parent())
		_exit(1);
	shared = map_anon(SHARED_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
	if (!shared || no_huge_pages(shared, SHARED_PAGES * PAGE))
		_exit(1);
	memset(shared, 's', SHARED_PAGES * PAGE);
	if (!fork()) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	bound = map_anon(NODE1_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
	if (!bound || no_huge_pages(bound, NODE1_PAGES * PAGE))
		_exit(1);
	if (a->two_nodes) {
		unsigned long mask = 1UL << 1;

		if (syscall(SYS_mbind, bound, NODE1_PAGES * PAGE, MPOL_BIND,
			    &mask, 64, 0))
			_exit(1);
	}
	memset(bound, 'b', NODE1_PAGES * PAGE);
	swapped = map_anon(SWAP_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
	if (!swapped || no_huge_pages(swapped, SWAP_PAGES * PAGE))
		_exit(1);
	memset(swapped, 'w', SWAP_PAGES * PAGE);
	if (a->swap && madvise(swapped, SWAP_PAGES * PAGE, MADV_PAGEOUT))
		_exit(1);
	if (a->thp) {
		huge = map_aligned(SZ_2M, SZ_2M);
		if (!huge || madvise(huge, SZ_2M, MADV_HUGEPAGE))
			_exit(1);
		for (i = 0; i < SZ_2M; i += PAGE)
			huge[i] = 'h';
	}
	if (write(ready, &c, 1) != 1)
		_exit(1);
	spawn_wait_idle(idle);
}

/*
 * Start mixed_target(): its pid once it has built its memory, -1 if it
 * could not (it is then reaped).  *@idle_w keeps it waiting until closed.
 */
static inline pid_t mixed_start(int *idle_w, bool two_nodes, bool thp, bool swap)
{
	struct mixed_args a = { .two_nodes = two_nodes, .thp = thp, .swap = swap };
	int idle[2];
	pid_t pid;

	if (pipe(idle))
		return -1;
	pid = spawn_ready(idle, 1, mixed_target, &a);
	close(idle[0]);
	if (pid < 0)
		close(idle[1]);
	*idle_w = idle[1];
	return pid;
}

/* Stop what mixed_start() started. */
static inline void mixed_stop(pid_t pid, int idle_w)
{
	if (pid <= 0)	/* never started: kill(0 or -1) hits more */
		return;
	close(idle_w);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The oracle for COW sharing: anonymous pages (pagemap: present, not
 * PM_FILE) that are mapped more than once (not PM_EXCLUSIVE), other than
 * the zero page (kpageflags), over every mapping.  The target has no
 * MADV_MERGEABLE memory, so no KSM page; kpageflags' KSM bit cannot tell
 * anyway: Debian's 6.12 sets it on every anonymous page.
 */
static inline long cow_shared_pages(pid_t pid)
{
	char path[64], line[512];
	unsigned long long s, e;
	long shared = 0;
	uint64_t *pm;
	size_t i, n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &s, &e) != 2 || e > USER_SPACE_END)
			continue;
		n = (e - s) / PAGE;
		pm = calloc(n, sizeof(*pm));
		if (!pm || pagemap_read(pid, s, n, pm)) {
			free(pm);
			fclose(f);
			return -1;
		}
		for (i = 0; i < n; i++) {
			uint64_t flags;

			if (!(pm[i] & PM_PRESENT) || (pm[i] & (PM_FILE | PM_EXCLUSIVE)))
				continue;
			flags = kpageflags(pm[i] & PM_PFN_MASK);
			if (flags & (1ULL << KPF_ZERO_PAGE))
				continue;
			shared += !!(flags & (1ULL << KPF_ANON));
		}
		free(pm);
	}
	fclose(f);
	return shared;
}

/* Pages per node over all of numa_maps: *@local on node 0, *@all in total. */
static inline void numa_maps_pages(pid_t pid, long *local, long *all)
{
	char path[64], line[4096], *t, *save;
	long count;
	int node;
	FILE *f;

	*local = *all = 0;
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long page_kb = strstr(line, "huge") && strstr(line, "kernelpagesize_kB=2048") ? 512 : 1;

		for (t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
			if (sscanf(t, "N%d=%ld", &node, &count) != 2)
				continue;
			*all += count * page_kb;
			if (node == 0)
				*local += count * page_kb;
		}
	}
	fclose(f);
}

#endif /* PTSCOPE_MIXED_LOAD_H */
