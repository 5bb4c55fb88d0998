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
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oracle.h"

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

#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

/*
 * Set the sysctl or sysfs knob @path to @value, keeping what it held in
 * @saved (left empty when the knob is missing); knob_restore() puts that
 * back.
 */
static inline void knob_set(const char *path, const char *value,
			    char *saved, size_t size)
{
	FILE *f = fopen(path, "r");

	saved[0] = 0;
	if (!f)
		return;
	if (!fgets(saved, size, f))
		saved[0] = 0;
	fclose(f);
	if (saved[0])
		write_str(path, value);
}

static inline void knob_restore(const char *path, const char *saved)
{
	if (saved[0])
		write_str(path, saved);
}

#endif /* PTSCOPE_FIXTURES_H */
