/* SPDX-License-Identifier: GPL-2.0 */
/* Memory fixtures the ptscope selftests build: mappings, files, THP, swap. */
#ifndef PTSCOPE_FIXTURES_H
#define PTSCOPE_FIXTURES_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_features.h"
#include "oracle.h"

extern char **environ;

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define SZ_2M	(2UL << 20)

/* pidfd_open(2), without needing glibc 2.36's wrapper. */
static inline int sys_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static inline void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* An address aligned to @align inside a fresh anonymous mapping. */
static inline char *map_aligned(size_t len, size_t align)
{
	char *p = map_anon(len + align, PROT_READ | PROT_WRITE, 0);
	uintptr_t a;

	if (!p)
		return NULL;
	a = ((uintptr_t)p + align - 1) & ~(align - 1);
	return (char *)a;
}

/*
 * A file on a disk file system (not tmpfs, whose pages are shmem):
 * $PTSCOPE_TEST_DIR (run_tests.sh mounts an ext4 image there) or ".".
 */
static inline int make_file(size_t len)
{
	const char *dir = getenv("PTSCOPE_TEST_DIR");
	char path[4096], buf[PAGE];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/.ptscope-test-XXXXXX", dir ? dir : ".");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	memset(buf, 'f', sizeof(buf));
	for (i = 0; i < len; i += PAGE)
		if (write(fd, buf, PAGE) != PAGE)
			return -1;
	fsync(fd);
	return fd;
}

/* NUMA nodes node0, node1, ... in a row, as the guests have them. */
static inline int nr_nodes(void)
{
	char path[64];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			return n;
		n++;
	}
}

static inline bool thp_enabled(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	fgets(buf, sizeof(buf), f);
	fclose(f);
	return !strstr(buf, "[never]");
}

/*
 * Why a MADV_HUGEPAGE mapping cannot get transparent huge pages here, or
 * NULL: the kernel has none (CONFIG_TRANSPARENT_HUGEPAGE, as on PREEMPT_RT
 * kernels), or they are set to "never".
 */
static inline const char *thp_unavailable(void)
{
	const char *lacking = kernel_lacks(FEATURE_THP);

	if (lacking)
		return lacking;
	return thp_enabled() ? NULL : "transparent huge pages are set to \"never\"";
}

#define REQUIRE_THP() do {						\
	const char *thp_why_ = thp_unavailable();			\
	if (thp_why_)							\
		SKIP(return, "%s", thp_why_);				\
} while (0)

/* Swap on zram if there is no swap yet; true when swap is available. */
static inline bool ensure_swap(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int lines = 0;

	if (f) {
		while (fgets(line, sizeof(line), f))
			lines++;
		fclose(f);
	}
	if (lines > 1)
		return true;
	return !system("modprobe zram num_devices=1 2>/dev/null && "
		       "echo 256M > /sys/block/zram0/disksize && "
		       "mkswap /dev/zram0 >/dev/null && swapon /dev/zram0");
}

/*
 * Why no swap could be had (ensure_swap() failed): the kernel has no swap
 * or no zram to put it on, or setting zram up failed.
 */
static inline const char *swap_unavailable(void)
{
	if (access("/proc/swaps", F_OK))
		return "this kernel has no swap (CONFIG_SWAP is not set: no /proc/swaps)";
	if (access("/sys/class/zram-control", F_OK) &&
	    system("modprobe -n zram 2>/dev/null"))
		return "this kernel has no zram (CONFIG_ZRAM is not set: no zram module)";
	return "no swap, and swap on zram could not be set up";
}

#define REQUIRE_SWAP() do {						\
	if (!ensure_swap())						\
		SKIP(return, "%s", swap_unavailable());			\
} while (0)

static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* The number a sysctl, sysfs or cgroup file @path begins with, or -1. */
static inline long long file_number(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

/*
 * Each knob knob_set() changes has a guard: a shell of its own session
 * (posix_spawn: no copy of the test's memory, no descriptor of its but a
 * pipe and the lock) that reads its standard input, a pipe whose write end
 * only the test process holds, to its end and then puts the knob back: for
 * a test process that dies without its teardown (the harness's timeout
 * kills the test's process group with SIGKILL).  Its wait runs no other
 * process (read and printf are built in): nothing that would move
 * Committed_AS under the overcommit lab.  knob_restore() puts the knob
 * back itself and kills the guard.  The guard holds a lock
 * on the knob (flock on a file named after it) from before the knob is
 * read until it is gone, so that the next test's knob_set() waits for a
 * guard still restoring, and saves the value as it was before.
 */
#define KNOB_GUARDS	8
#define KNOB_GUARD_SCRIPT						\
	"while read -r line; do :; done; printf '%s\\n' \"$1\" >\"$2\""

struct knob_guard {
	const char *path;	/* NULL: a free slot */
	pid_t pid;		/* the guard */
	pid_t owner;		/* the process that set the knob */
	int fd;			/* the write end of the guard's stdin */
};

static inline struct knob_guard *knob_guards(void)
{
	static struct knob_guard guards[KNOB_GUARDS];

	return guards;
}

/* Lock the knob @path (the lock file's descriptor, or -1). */
static inline int knob_lock(const char *path)
{
	char lock[PATH_MAX], *c;
	int fd;

	snprintf(lock, sizeof(lock), "/tmp/ptscope-knob%s.lock", path);
	for (c = lock + strlen("/tmp/ptscope-knob"); *c; c++)
		if (*c == '/')
			*c = '_';
	fd = open(lock, O_RDWR | O_CREAT, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Spawn @path's guard, @in its standard input and @lock its descriptor 3;
 * its pid or -1.
 */
static inline pid_t knob_guard_spawn(const char *path, const char *saved,
				     int in, int lock)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = { "sh", "-c", KNOB_GUARD_SCRIPT, "knob-guard",
			 (char *)saved, (char *)path, NULL };
	pid_t pid;
	int ret;

	if (posix_spawn_file_actions_init(&fa))
		return -1;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, lock, 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	ret = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return ret ? -1 : pid;
}

/*
 * Set the sysctl or sysfs knob @path to @value, keeping what it held in
 * @saved (left empty when the knob is missing); knob_restore() puts that
 * back, and so does a guard if the test process is killed.  Of a choice
 * knob ("always [madvise] never") the chosen word is kept.
 */
static inline void knob_set(const char *path, const char *value,
			    char *saved, size_t size)
{
	struct knob_guard *g = knob_guards();
	int i, slot = -1, lock, p[2] = { -1, -1 };
	char *open_, *close_;
	FILE *f;

	saved[0] = 0;
	if (access(path, F_OK))
		return;
	for (i = KNOB_GUARDS - 1; i >= 0; i--)
		if (!g[i].path)
			slot = i;
	lock = knob_lock(path);	/* a guard of the test before still restoring */
	f = fopen(path, "r");
	if (f) {
		if (!fgets(saved, size, f))
			saved[0] = 0;
		fclose(f);
	}
	saved[strcspn(saved, "\n")] = 0;
	open_ = strchr(saved, '[');
	close_ = open_ ? strchr(open_, ']') : NULL;
	if (close_) {
		memmove(saved, open_ + 1, close_ - open_ - 1);
		saved[close_ - open_ - 1] = 0;
	}
	if (saved[0] && slot >= 0 && lock >= 0 && !pipe2(p, O_CLOEXEC)) {
		g[slot].pid = knob_guard_spawn(path, saved, p[0], lock);
		g[slot].owner = getpid();
		g[slot].fd = p[1];
		g[slot].path = g[slot].pid > 0 ? path : NULL;
		close(p[0]);
		if (!g[slot].path)
			close(p[1]);
	}
	if (lock >= 0)
		close(lock);	/* the guard holds it now */
	if (saved[0])
		write_str(path, value);
}

static inline void knob_restore(const char *path, const char *saved)
{
	struct knob_guard *g = knob_guards();
	int i;

	if (saved[0])
		write_str(path, saved);
	for (i = 0; i < KNOB_GUARDS; i++) {
		/* A child forked without exec has a copy of the table. */
		if (!g[i].path || strcmp(g[i].path, path) || g[i].owner != getpid())
			continue;
		kill(g[i].pid, SIGKILL);
		waitpid(g[i].pid, NULL, 0);
		close(g[i].fd);
		g[i].path = NULL;
	}
}

/* ---- memory of each kind, for fixture variants ---- */

enum mem_kind { MEM_ANON, MEM_FILE, MEM_SHMEM, MEM_THP, MEM_HUGETLB, MEM_NR };

/* What mem_map() built: @pages pages at @p, each faulted in. */
struct mem {
	char *p;
	size_t len;
	char *map;		/* what munmap() takes: THP's is larger */
	size_t map_len;
	int fd;			/* MEM_FILE's file, else -1 */
	bool written;		/* else read: 9p maps files shared read-only */
	unsigned char sum;	/* of the first byte of each page read */
	const char *skip;	/* why there is no such memory here */
};

/*
 * Map @pages pages of @kind and fault each in, writing it:
 *  MEM_ANON	private anonymous, MADV_NOHUGEPAGE: one PTE a page
 *  MEM_FILE	a shared mapping of a file on a disk file system (make_file())
 *  MEM_SHMEM	shared anonymous
 *  MEM_THP	2 MiB aligned, MADV_HUGEPAGE (@pages is 512)
 *  MEM_HUGETLB	one 2 MiB hugetlb page (@pages is 512)
 * 0, or -1 on failure; with no THP or hugetlb here, 0 and @m->skip says why.
 */
static inline int mem_map(struct mem *m, enum mem_kind kind, size_t pages)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t i, align = 0;
	char *p;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->len = pages * PAGE;
	m->map_len = m->len;
	m->written = true;
	switch (kind) {
	case MEM_THP:
		m->skip = thp_unavailable();
		if (m->skip)
			return 0;
		align = SZ_2M;
		m->map_len += align;
		break;
	case MEM_HUGETLB:
		flags |= MAP_HUGETLB;
		break;
	case MEM_SHMEM:
		flags = MAP_SHARED | MAP_ANONYMOUS;
		break;
	case MEM_FILE:
		m->fd = make_file(m->len);
		if (m->fd < 0)
			return -1;
		break;
	default:
		break;
	}
	if (kind == MEM_FILE) {
		p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
		if (p == MAP_FAILED) {
			/* 9p without a page-cache mode shares read-only mappings only. */
			p = mmap(NULL, m->len, PROT_READ, MAP_SHARED, m->fd, 0);
			m->written = false;
		}
	} else {
		p = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	}
	if (p == MAP_FAILED) {
		if (kind != MEM_HUGETLB)
			return -1;
		m->skip = kernel_lacks(FEATURE_HUGETLB) ?: "no hugetlb pages reserved";
		return 0;
	}
	m->map = p;
	m->p = align ? (char *)(((uintptr_t)p + align - 1) & ~(align - 1)) : p;
	if (kind == MEM_ANON && no_huge_pages(m->p, m->len))
		return -1;
	if (kind == MEM_THP && madvise(m->p, m->len, MADV_HUGEPAGE))
		return -1;
	if (kind == MEM_THP || kind == MEM_HUGETLB) {
		memset(m->p, 1, m->len);
		return 0;
	}
	for (i = 0; i < m->len; i += PAGE) {
		if (m->written)
			m->p[i] = 1;
		else
			m->sum += ((volatile char *)m->p)[i];
	}
	return 0;
}

static inline void mem_unmap(struct mem *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	if (m->fd >= 0)
		close(m->fd);
	m->map = NULL;
	m->fd = -1;
}

/*
 * FIXTURE(@f) with a variant for each kind of memory, mem_map()ped in
 * setup: self->m; variant->kind and variant->pages.  A test starts with
 * MEM_SKIP_IF_NONE(), since a SKIP() in setup does not stop the test in
 * every kernel's harness.
 */
#define MEM_FIXTURE(f)							\
	FIXTURE(f) {							\
		struct mem m;						\
	};								\
	FIXTURE_VARIANT(f) {						\
		enum mem_kind kind;					\
		size_t pages;						\
	};								\
	FIXTURE_SETUP(f)						\
	{								\
		ASSERT_EQ(0, mem_map(&self->m, variant->kind,		\
				     variant->pages)) {			\
			TH_LOG("cannot map the memory: %s", strerror(errno)); \
		}							\
	}								\
	FIXTURE_TEARDOWN(f)						\
	{								\
		mem_unmap(&self->m);					\
	}								\
	FIXTURE_VARIANT_ADD(f, anon) { .kind = MEM_ANON, .pages = 64 };	\
	FIXTURE_VARIANT_ADD(f, file_shared) { .kind = MEM_FILE, .pages = 16 }; \
	FIXTURE_VARIANT_ADD(f, shmem) { .kind = MEM_SHMEM, .pages = 16 };	\
	FIXTURE_VARIANT_ADD(f, thp) { .kind = MEM_THP, .pages = 512 };	\
	FIXTURE_VARIANT_ADD(f, hugetlb) { .kind = MEM_HUGETLB, .pages = 512 }

#define MEM_SKIP_IF_NONE() do {						\
	if (self->m.skip)						\
		SKIP(return, "%s", self->m.skip);			\
} while (0)

#endif /* PTSCOPE_FIXTURES_H */
