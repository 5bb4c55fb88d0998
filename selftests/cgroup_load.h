/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cgroup v2 subtree built by a test, and processes that start in it
 * (they exec after joining, so every page they fault is charged to it):
 * the oracles of the --cgroup views are the subtree's own memory.stat,
 * memory.numa_stat and memory.swap.current.
 */
#ifndef PTSCOPE_CGROUP_LOAD_H
#define PTSCOPE_CGROUP_LOAD_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mixed_load.h"

#define CG_MOUNT	"/sys/fs/cgroup"
#define CG_ANON_MB	16	/* the parent's, written before its fork */
#define CG_COW_MB	8	/* of which the child writes its own copy */
#define CG_SHMEM_MB	8	/* a memfd both map */
#define CG_NODE1_MB	8	/* bound to node 1 (two nodes) */
#define CG_SWAP_MB	4	/* paged out before the fork (swap) */
#define CG_B_MB		4	/* the other cgroup's process */
#define MB		(1024 * 1024UL)

/* Is the cgroup v2 hierarchy at CG_MOUNT, mounting it if nothing is? */
static inline bool cg_mounted(void)
{
	if (!access(CG_MOUNT "/cgroup.procs", F_OK))
		return true;
	mkdir(CG_MOUNT, 0755);
	return !mount("none", CG_MOUNT, "cgroup2", 0, NULL) &&
	       !access(CG_MOUNT "/cgroup.procs", F_OK);
}

static inline int cg_write(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -1;
	close(fd);
	return ret;
}

/*
 * The value of @key in cgroup file @file of @dir ("anon 123" lines), or
 * with @node >= 0, its "N<node>=" part ("anon N0=1 N1=2"); -1 if none.
 */
static inline long long cg_stat(const char *dir, const char *file, const char *key,
				int node)
{
	char path[PATH_MAX + 64], line[4096], want[16], *t;
	size_t n = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), " N%d=", node);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, n) || line[n] != ' ')
			continue;
		if (node < 0) {
			v = strtoll(line + n + 1, NULL, 10);
		} else {
			t = strstr(line, want);
			v = t ? strtoll(t + strlen(want), NULL, 10) : 0;
		}
	}
	fclose(f);
	return v;
}

/* A one-line file's number (memory.swap.current), or -1. */
static inline long long cg_value(const char *dir, const char *file)
{
	char path[PATH_MAX + 64], line[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		v = strtoll(line, NULL, 10);
	fclose(f);
	return v;
}

/* Remove cgroup directory @dir and those below it (empty of processes). */
static inline void cg_remove(const char *dir)
{
	char sub[PATH_MAX + 512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d)))
			if (e->d_type == DT_DIR && e->d_name[0] != '.') {
				snprintf(sub, sizeof(sub), "%.*s/%s", PATH_MAX, dir, e->d_name);
				cg_remove(sub);
			}
		closedir(d);
	}
	rmdir(dir);
}

/* What a worker builds: the parent of cgroup a, or the one of b. */
enum cg_role { CG_PARENT, CG_OTHER };

static inline void cg_fill(char *p, size_t len, char c)
{
	memset(p, c, len);
}

/*
 * The worker, after exec in its cgroup: build, say so on @ready, block on
 * @idle.  The parent: anonymous memory a forked child shares and half
 * rewrites (COW), a memfd both map (shmem), a THP if it may, a buffer
 * bound to node 1 if there is one, pages swapped out before the fork if
 * there is swap.
 */
static inline int cg_worker(enum cg_role role, int ready, int idle, bool thp,
			    bool two_nodes, bool swap)
{
	char *anon, *shm, *huge, *bound, *swapped, c = 1;
	int memfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (role == CG_OTHER) {
		anon = map_anon(CG_B_MB * MB, PROT_READ | PROT_WRITE, 0);
		if (!anon || no_huge_pages(anon, CG_B_MB * MB))
			return 1;
		cg_fill(anon, CG_B_MB * MB, 'b');
		goto built;
	}
	anon = map_anon(CG_ANON_MB * MB, PROT_READ | PROT_WRITE, 0);
	if (!anon || no_huge_pages(anon, CG_ANON_MB * MB))
		return 1;
	cg_fill(anon, CG_ANON_MB * MB, 'a');
	memfd = memfd_create("ptscope-cg", 0);
	if (memfd < 0 || ftruncate(memfd, CG_SHMEM_MB * MB))
		return 1;
	shm = mmap(NULL, CG_SHMEM_MB * MB, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (shm == MAP_FAILED)
		return 1;
	cg_fill(shm, CG_SHMEM_MB * MB, 's');
	if (thp) {
		huge = map_aligned(2 * SZ_2M, SZ_2M);
		if (!huge || madvise(huge, 2 * SZ_2M, MADV_HUGEPAGE))
			return 1;
		cg_fill(huge, 2 * SZ_2M, 'h');
	}
	if (two_nodes) {
		unsigned long mask = 1UL << 1;

		bound = map_anon(CG_NODE1_MB * MB, PROT_READ | PROT_WRITE, 0);
		if (!bound || no_huge_pages(bound, CG_NODE1_MB * MB) ||
		    syscall(SYS_mbind, bound, CG_NODE1_MB * MB, MPOL_BIND, &mask, 64, 0))
			return 1;
		cg_fill(bound, CG_NODE1_MB * MB, 'n');
	}
	if (swap) {
		swapped = map_anon(CG_SWAP_MB * MB, PROT_READ | PROT_WRITE, 0);
		if (!swapped || no_huge_pages(swapped, CG_SWAP_MB * MB))
			return 1;
		cg_fill(swapped, CG_SWAP_MB * MB, 'w');
		if (madvise(swapped, CG_SWAP_MB * MB, MADV_PAGEOUT))
			return 1;
	}
	if (!fork()) {
		/*
		 * The child: its own copy of part of the anonymous memory, and
		 * the memfd's pages mapped (fork copies no entry of a shared
		 * mapping: they are faulted in again).
		 */
		volatile char *v = shm;
		size_t i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		cg_fill(anon, CG_COW_MB * MB, 'c');
		for (i = 0; i < CG_SHMEM_MB * MB; i += PAGE)
			(void)v[i];
		if (write(ready, &c, 1) != 1)
			_exit(1);
		while (read(idle, &c, 1) > 0)
			;
		_exit(0);
	}
built:
	if (write(ready, &c, 1) != 1)
		return 1;
	while (read(idle, &c, 1) > 0)
		;
	return 0;
}

struct cg_exec {
	const char *dir;
	enum cg_role role;
	uid_t uid;
	bool thp, two_nodes, swap;
};

/* spawn_ready()'s child: join the cgroup, become @uid, exec this program. */
static inline void cg_exec_worker(void *arg, int ready, int idle)
{
	const struct cg_exec *e = arg;
	char a[6][16];

	if (cg_write(e->dir, "cgroup.procs", "0"))
		_exit(1);
	if (e->uid && (setresgid(e->uid, e->uid, e->uid) ||
		       setresuid(e->uid, e->uid, e->uid)))
		_exit(1);
	snprintf(a[0], sizeof(a[0]), "%d", e->role);
	snprintf(a[1], sizeof(a[1]), "%d", ready);
	snprintf(a[2], sizeof(a[2]), "%d", idle);
	snprintf(a[3], sizeof(a[3]), "%d", e->thp);
	snprintf(a[4], sizeof(a[4]), "%d", e->two_nodes);
	snprintf(a[5], sizeof(a[5]), "%d", e->swap);
	execl("/proc/self/exe", "--cgroup-worker", a[0], a[1], a[2], a[3],
	      a[4], a[5], (char *)NULL);
	_exit(1);
}

/*
 * Start a worker in cgroup directory @dir: this program again (argv[0] is
 * "--cgroup-worker"), as uid @uid; @readies bytes on the ready pipe say it
 * is built.  Its pid, or -1; *@idle_w keeps it waiting until closed.
 */
static inline pid_t cg_start(const char *dir, enum cg_role role, uid_t uid,
			     int readies, bool thp, bool two_nodes, bool swap,
			     int *idle_w)
{
	struct cg_exec e = { .dir = dir, .role = role, .uid = uid, .thp = thp,
			     .two_nodes = two_nodes, .swap = swap };
	int idle[2];
	pid_t pid;

	if (pipe(idle))
		return -1;
	pid = spawn_ready(idle, readies, cg_exec_worker, &e);
	close(idle[0]);
	if (pid < 0)
		close(idle[1]);
	*idle_w = idle[1];
	return pid;
}

/* The worker's side of cg_start(): argv as it passed them. */
static inline int cg_worker_main(int argc, char **argv)
{
	if (argc != 7)
		return 2;
	return cg_worker(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]),
			 atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
}

#endif /* PTSCOPE_CGROUP_LOAD_H */
