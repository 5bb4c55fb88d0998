// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libptscope: the facts of the system, not of one process, that the tool's
 * answers depend on, read live (system_files.h); the transport records
 * and replays them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "system_files.h"

/* The pids of /proc's process directories, a line each, in readdir order. */
int sys_proc_pids(char **text, size_t *len)
{
	size_t cap = 4096, n = 0, l;
	DIR *d = opendir("/proc");
	char *buf, *bigger;
	struct dirent *de;

	if (!d)
		return -errno;
	buf = malloc(cap);
	while (buf && (de = readdir(d))) {
		l = strspn(de->d_name, "0123456789");
		if (!l || de->d_name[l] || de->d_name[0] == '0')
			continue;
		if (n + l + 2 > cap) {
			cap *= 2;
			bigger = realloc(buf, cap);
			if (!bigger)
				free(buf);
			buf = bigger;
			if (!buf)
				break;
		}
		memcpy(buf + n, de->d_name, l);
		n += l;
		buf[n++] = '\n';
	}
	closedir(d);
	if (!buf)
		return -ENOMEM;
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

/* "NAME VALUE\n" for the file NAME below THP_SYSFS, if it can be read. */
static int thp_add_file(char **buf, size_t *n, size_t *cap, const char *name)
{
	char path[512], line[256], *bigger;
	size_t l;
	FILE *f;

	snprintf(path, sizeof(path), THP_SYSFS "/%s", name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	l = strlen(name) + strlen(line) + 2;
	while (*n + l + 1 > *cap) {
		*cap *= 2;
		bigger = realloc(*buf, *cap);
		if (!bigger)
			return -ENOMEM;
		*buf = bigger;
	}
	*n += sprintf(*buf + *n, "%s %s\n", name, line);
	return 0;
}

/* The files of THP_SYSFS ptscope thp reads; none without THP. */
int sys_thp_settings(char **text, size_t *len)
{
	static const char *const files[] = {
		"enabled", "defrag", "shmem_enabled", "use_zero_page",
		"khugepaged/max_ptes_none", "khugepaged/max_ptes_swap",
		"khugepaged/max_ptes_shared", "khugepaged/pages_to_scan",
		"khugepaged/scan_sleep_millisecs",
	};
	size_t cap = 1024, n = 0, i;
	char *buf = malloc(cap), name[300];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (!buf)
		return -ENOMEM;
	buf[0] = 0;
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !ret; i++)
		ret = thp_add_file(&buf, &n, &cap, files[i]);
	/* hugepages-<size>kB/: the per-size (mTHP) controls of 6.8+. */
	d = opendir(THP_SYSFS);
	while (d && !ret && (de = readdir(d))) {
		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		snprintf(name, sizeof(name), "%s/enabled", de->d_name);
		ret = thp_add_file(&buf, &n, &cap, name);
	}
	if (d)
		closedir(d);
	if (ret) {
		free(buf);
		return ret;
	}
	*text = buf;
	*len = n;
	return 0;
}

/* One line of `cpuid -r`'s format for @leaf, @subleaf. */
static int cpuid_line(char **buf, size_t *n, size_t *cap, uint32_t leaf,
		      uint32_t subleaf)
{
	uint32_t r[4] = { 0 };
	char *bigger;

#if defined(__x86_64__) || defined(__i386__)
	__cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
#endif
	if (*n + 128 > *cap) {
		*cap *= 2;
		bigger = realloc(*buf, *cap);
		if (!bigger)
			return -ENOMEM;
		*buf = bigger;
	}
	*n += sprintf(*buf + *n,
		      "   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
		      leaf, subleaf, r[0], r[1], r[2], r[3]);
	return 0;
}

int sys_cpuid_leaves(char **text, size_t *len)
{
	static const uint32_t leaves[] = {
		0, 1, 2, 7, 0x80000000, 0x80000005, 0x80000006, 0x80000008,
		0x80000019,
	};
	size_t cap = 2048, n = 0, i;
	uint32_t r[4] = { 0 }, sub, nr;
	char *buf = malloc(cap);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	buf[0] = 0;
#if defined(__x86_64__) || defined(__i386__)
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]) && !ret; i++)
		ret = cpuid_line(&buf, &n, &cap, leaves[i], 0);
	__cpuid_count(0, 0, r[0], r[1], r[2], r[3]);
	if (r[0] >= 0x18) {
		__cpuid_count(0x18, 0, r[0], r[1], r[2], r[3]);
		nr = r[0];
		for (sub = 0; sub <= nr && sub < 64 && !ret; sub++)
			ret = cpuid_line(&buf, &n, &cap, 0x18, sub);
	}
#else
	(void)leaves; (void)r; (void)sub; (void)nr; (void)i;
#endif
	if (ret) {
		free(buf);
		return ret;
	}
	*text = buf;
	*len = n;
	return 0;
}
