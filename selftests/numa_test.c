// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA facts of PTSCOPE_IOC_MAPS (ABI 1.2) and `ptscope numa`, against the
 * kernel's own answers: move_pages(2) status queries, /proc/PID/numa_maps,
 * get_mempolicy(2), and what the test set up (bindings, CPU pinning).
 * Needs two memory nodes (vm-run --numa); skips otherwise.
 */
#include <linux/mempolicy.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "diag_oracle.h"

#define NPAGES	64
#define MAX_REC	8

/* The first CPU of @node, or -1. */
static int node_cpu(int node)
{
	char path[64];
	int cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &cpu) != 1)
		cpu = -1;
	fclose(f);
	return cpu;
}

static long do_mbind(void *p, size_t len, int mode, unsigned long mask)
{
	return syscall(SYS_mbind, p, len, mode, &mask, 64, 0);
}

/* get_mempolicy(MPOL_F_ADDR) of @addr in this process. */
static int policy_at(void *addr, int *mode, unsigned long *mask)
{
	*mask = 0;
	return syscall(SYS_get_mempolicy, mode, mask, 64, addr, MPOL_F_ADDR);
}

/* Pages of [start, start + n pages) on each node, by move_pages(2). */
static int move_pages_count(pid_t pid, uint64_t start, size_t n, long *per_node)
{
	int *status = calloc(n, sizeof(int));
	size_t i;
	int ret;

	memset(per_node, 0, PTSCOPE_MAX_NODES * sizeof(*per_node));
	if (!status)
		return -1;
	ret = pages_nodes(pid, start, n, status);
	for (i = 0; !ret && i < n; i++)
		if (status[i] >= 0 && status[i] < PTSCOPE_MAX_NODES)
			per_node[status[i]]++;
	free(status);
	return ret;
}

FIXTURE(numa) {
	int fd;
	struct ptscope_vma v[MAX_REC];
	struct ptscope_maps a;
};

FIXTURE_SETUP(numa)
{
	self->fd = ptscope_open_dev();
	ASSERT_LE(0, self->fd);
	if (nr_nodes() < 2)
		SKIP(return, "needs two NUMA nodes (vm-run --numa)");
}

FIXTURE_TEARDOWN(numa)
{
	close(self->fd);
}

/*
 * Half bound to node 0, half to node 1, then 8 pages of the first half
 * moved to node 1: per-node counts as move_pages and numa_maps say,
 * policies as get_mempolicy says, the moved pages not allowed.
 */
TEST_F(numa, mbind_halves_then_move_pages)
{
	char *p = map_anon(NPAGES * PAGE, PROT_READ | PROT_WRITE, 0);
	uint64_t start = (uintptr_t)p;
	long want[PTSCOPE_MAX_NODES], numa_maps[PTSCOPE_MAX_NODES];
	void *pages[8];
	int nodes[8], status[8], mode, i, k;
	unsigned long mask;
	char args[128], *out, *vma;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, no_huge_pages(p, NPAGES * PAGE));
	ASSERT_EQ(0, do_mbind(p, NPAGES / 2 * PAGE, MPOL_BIND, 1UL << 0));
	ASSERT_EQ(0, do_mbind(p + NPAGES / 2 * PAGE, NPAGES / 2 * PAGE, MPOL_BIND, 1UL << 1));
	memset(p, 1, NPAGES * PAGE);
	for (i = 0; i < 8; i++) {
		pages[i] = p + (4 + i) * PAGE;
		nodes[i] = 1;
	}
	ASSERT_EQ(0, syscall(SYS_move_pages, 0, 8, pages, nodes, status, MPOL_MF_MOVE));

	maps_args(&self->a, getpid(), start, start + NPAGES * PAGE, self->v, MAX_REC);
	ASSERT_EQ(2, ptscope_maps_call(self->fd, &self->a));
	for (k = 0; k < 2; k++) {
		const struct ptscope_vma *v = &self->v[k];
		size_t n = (v->end - v->start) / PAGE;

		ASSERT_EQ(0, move_pages_count(getpid(), v->start, n, want));
		ASSERT_EQ(0, numa_maps_nodes(getpid(), v->start, numa_maps, PTSCOPE_MAX_NODES));
		for (i = 0; i < 2; i++) {
			EXPECT_EQ(want[i], (long)v->pages.node[i]) TH_LOG("VMA %d node %d", k, i);
			EXPECT_EQ(numa_maps[i], (long)v->pages.node[i]) TH_LOG("VMA %d node %d", k, i);
		}
		ASSERT_EQ(0, policy_at((void *)(uintptr_t)v->start, &mode, &mask));
		EXPECT_EQ(mode, (int)v->policy_mode);
		EXPECT_EQ(mask, v->policy_nodes);
		EXPECT_EQ(PTSCOPE_POLICY_VMA, v->policy_source);
	}
	EXPECT_EQ(8, self->v[0].pages.node[1]);	/* the moved pages */
	EXPECT_EQ(MPOL_BIND, self->v[0].policy_mode);
	EXPECT_EQ(1UL << 0, self->v[0].policy_nodes);

	/* The CLI: the moved pages are on a node the binding does not allow. */
	snprintf(args, sizeof(args), "numa %d %#llx+%lu --json", getpid(),
		 (unsigned long long)start, NPAGES * PAGE);
	out = cli_tool_out("%s", args);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, start);
	ASSERT_NE(NULL, vma);
	ASSERT_EQ(0, move_pages_count(getpid(), start, NPAGES / 2, want));
	EXPECT_EQ(want[1], json_num(vma, "not_allowed")) TH_LOG("%s", vma);
	EXPECT_EQ(NPAGES / 2, json_num(vma, "present"));
	free(out);
}

/* A shmem mapping's binding is its file's shared policy. */
TEST_F(numa, shmem_shared_policy)
{
	char *p = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const struct ptscope_vma *v = &self->v[0];
	long want[PTSCOPE_MAX_NODES];
	unsigned long mask;
	int mode;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, do_mbind(p, 32 * PAGE, MPOL_BIND, 1UL << 1));
	memset(p, 1, 32 * PAGE);
	maps_args(&self->a, getpid(), (uintptr_t)p, (uintptr_t)p + 32 * PAGE, self->v, MAX_REC);
	ASSERT_EQ(1, ptscope_maps_call(self->fd, &self->a));
	EXPECT_TRUE(v->flags & PTSCOPE_VMA_SHMEM);
	EXPECT_EQ(PTSCOPE_POLICY_SHARED, v->policy_source);
	ASSERT_EQ(0, policy_at(p, &mode, &mask));
	EXPECT_EQ(mode, (int)v->policy_mode);
	EXPECT_EQ(mask, v->policy_nodes);
	ASSERT_EQ(0, move_pages_count(getpid(), (uintptr_t)p, 32, want));
	EXPECT_EQ(want[1], (long)v->pages.node[1]);
	EXPECT_EQ(32, v->pages.shmem);
}

/*
 * A task pinned to node 0's CPU with its memory bound to node 1: every
 * page of its buffer is remote, as move_pages counts them.
 */
TEST_F(numa, pinned_task_with_remote_memory)
{
	int cpu0 = node_cpu(0), ready[2], mode;
	unsigned long mask;
	struct {
		uint64_t buf;
	} *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long want[PTSCOPE_MAX_NODES];
	char args[128], *out, *vma, x;
	const struct ptscope_vma *v = &self->v[0];
	pid_t pid;

	if (cpu0 < 0)
		SKIP(return, "node 0 has no CPU");
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		cpu_set_t set;
		char *p;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CPU_ZERO(&set);
		CPU_SET(cpu0, &set);
		mask = 1UL << 1;
		if (sched_setaffinity(0, sizeof(set), &set) ||
		    syscall(SYS_set_mempolicy, MPOL_BIND, &mask, 64))
			_exit(1);
		p = map_anon(NPAGES * PAGE, PROT_READ | PROT_WRITE, 0);
		no_huge_pages(p, NPAGES * PAGE);
		memset(p, 1, NPAGES * PAGE);
		shared->buf = (uintptr_t)p;
		/* The task policy as the kernel reports it, for the parent. */
		if (syscall(SYS_get_mempolicy, &mode, &mask, 64, NULL, 0))
			_exit(1);
		write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);	/* EOF, not a hang, if the target dies */
	ASSERT_EQ(1, read(ready[0], &x, 1));

	maps_args(&self->a, pid, shared->buf, shared->buf + NPAGES * PAGE, self->v, MAX_REC);
	ASSERT_EQ(1, ptscope_maps_call(self->fd, &self->a));
	EXPECT_EQ(MPOL_BIND, self->a.task_policy_mode);
	EXPECT_EQ(1UL << 1, self->a.task_policy_nodes);
	EXPECT_EQ(PTSCOPE_POLICY_NONE, v->policy_source);
	ASSERT_EQ(0, move_pages_count(pid, shared->buf, NPAGES, want));
	EXPECT_EQ(NPAGES, want[1]);
	EXPECT_EQ(want[1], (long)v->pages.node[1]);

	snprintf(args, sizeof(args), "numa %d --json", pid);
	out = cli_tool_out("%s", args);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "\"run_nodes\":[0]")) TH_LOG("%s", strstr(out, "\"threads\""));
	EXPECT_NE(NULL, strstr(out, "\"task_policy\":{\"mode\":\"bind\",\"flags\":[],\"nodes\":[1]}"));
	vma = json_vma(out, shared->buf);
	ASSERT_NE(NULL, vma);
	EXPECT_EQ(want[1], json_num(vma, "remote"));
	EXPECT_EQ(0, json_num(vma, "not_allowed"));
	free(out);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* PROT_NONE entries are counted as protnone (pending hinting looks the same). */
TEST_F(numa, protnone_entries_counted)
{
	char *p = map_anon(16 * PAGE, PROT_READ | PROT_WRITE, 0), args[128], *out, *vma;

	ASSERT_NE(NULL, p);
	memset(p, 1, 16 * PAGE);
	ASSERT_EQ(0, mprotect(p, 16 * PAGE, PROT_NONE));
	snprintf(args, sizeof(args), "numa %d %#llx+%lu --json", getpid(),
		 (unsigned long long)(uintptr_t)p, 16 * PAGE);
	out = cli_tool_out("%s", args);
	ASSERT_NE(NULL, out);
	vma = json_vma(out, (uintptr_t)p);
	ASSERT_NE(NULL, vma);
	EXPECT_EQ(16, json_num(vma, "protnone"));
	free(out);
}

TEST_HARNESS_MAIN
