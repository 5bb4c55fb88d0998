/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of thp_test and numa_test: picking numbers out of the output
 * of `ptscope thp|numa --json` (run by cli_tool_out() of cli_exec.h), and
 * the kernel's own answers (kpageflags, get_mempolicy) they are checked
 * against.
 */
#ifndef PTSCOPE_DIAG_ORACLE_H
#define PTSCOPE_DIAG_ORACLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oracle.h"
#include "cli_exec.h"

/*
 * The JSON object of the VMA starting at @start in a --json answer, cut
 * (in place) where the next VMA begins: a pointer into @out, or NULL.
 */
static inline char *json_vma(char *out, unsigned long long start)
{
	char key[64], *p, *next;

	snprintf(key, sizeof(key), "{\"start\":%llu,", start);
	p = strstr(out, key);
	if (!p)
		return NULL;
	next = strstr(p + 1, "{\"start\":");
	if (next)
		*next = 0;
	return p;
}

/* The number after "KEY": in @s (the first one), or -1. */
static inline long long json_num(const char *s, const char *key)
{
	char k[128];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = s ? strstr(s, k) : NULL;
	return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/* Does the "reasons" array of @vma name @reason? */
static inline int json_has_reason(const char *vma, const char *reason)
{
	const char *r = vma ? strstr(vma, "\"reasons\":[") : NULL;
	const char *end = r ? strchr(r, ']') : NULL;
	char q[64];
	const char *hit;

	if (!r || !end)
		return 0;
	snprintf(q, sizeof(q), "\"%s\"", reason);
	hit = strstr(r, q);
	return hit && hit < end;
}

static inline int json_reasons_empty(const char *vma)
{
	return vma && strstr(vma, "\"reasons\":[]") != NULL;
}

/* kpageflags of each present page of [start, start + n pages): how many have @bit. */
static inline long count_kpf(uint64_t start, size_t n, int bit)
{
	uint64_t *pm = calloc(n, sizeof(*pm));
	long count = 0;
	size_t i;

	if (!pm || pagemap_read(getpid(), start, n, pm)) {
		free(pm);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((pm[i] & PM_PRESENT) &&
		    (kpageflags(pm[i] & PM_PFN_MASK) >> bit & 1))
			count++;
	free(pm);
	return count;
}

/* The AnonHugePages of the smaps entry of the VMA containing @addr, kB, or -1. */
static inline long smaps_anon_huge(pid_t pid, uint64_t addr)
{
	char path[64], line[512];
	unsigned long long s, e;
	int in = 0;
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "start-end perms ...": no "Key:" line parses as hex-hex. */
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2)
			in = s <= addr && addr < e;
		else if (in && !strncmp(line, "AnonHugePages:", 14))
			v = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return v;
}

#endif /* PTSCOPE_DIAG_ORACLE_H */
