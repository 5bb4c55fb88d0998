/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Oracles for the per-mapping summary: /proc/PID/smaps, numa_maps, status
 * and stat, and the sum of the per-page query (PTSCOPE_IOC_PAGES) over a
 * mapping, classified here independently of the module's summary code.
 */
#ifndef PTSCOPE_MAPS_ORACLE_H
#define PTSCOPE_MAPS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>

#include "oracle.h"

/* One VMA of /proc/PID/smaps; sizes in kB as the file gives them. */
struct smaps_vma {
	uint64_t start, end;
	long rss, anonymous, swap, anon_huge, shmem_pmd, file_pmd;
	long shared_clean, shared_dirty, private_clean, private_dirty;
	long shared_hugetlb, private_hugetlb;
	unsigned int dev_major, dev_minor;
	unsigned long long inode;
	char path[256];		/* a mapped file's path; "" otherwise */
	bool pfnmap;		/* VmFlags "pf": VM_PFNMAP, which pagemap does not walk */
};

static inline void smaps_field(struct smaps_vma *v, const char *line)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "Rss:", offsetof(struct smaps_vma, rss) },
		{ "Anonymous:", offsetof(struct smaps_vma, anonymous) },
		{ "Swap:", offsetof(struct smaps_vma, swap) },
		{ "AnonHugePages:", offsetof(struct smaps_vma, anon_huge) },
		{ "ShmemPmdMapped:", offsetof(struct smaps_vma, shmem_pmd) },
		{ "FilePmdMapped:", offsetof(struct smaps_vma, file_pmd) },
		{ "Shared_Clean:", offsetof(struct smaps_vma, shared_clean) },
		{ "Shared_Dirty:", offsetof(struct smaps_vma, shared_dirty) },
		{ "Private_Clean:", offsetof(struct smaps_vma, private_clean) },
		{ "Private_Dirty:", offsetof(struct smaps_vma, private_dirty) },
		{ "Shared_Hugetlb:", offsetof(struct smaps_vma, shared_hugetlb) },
		{ "Private_Hugetlb:", offsetof(struct smaps_vma, private_hugetlb) },
	};
	size_t i, n;

	if (!strncmp(line, "VmFlags:", 8)) {
		v->pfnmap = strstr(line, " pf");
		return;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = strlen(keys[i].key);
		if (!strncmp(line, keys[i].key, n)) {
			*(long *)((char *)v + keys[i].off) = strtol(line + n, NULL, 10);
			return;
		}
	}
}

/*
 * Where user space ends on x86-64: 2^47, or 2^56 with 5-level paging (the
 * kernel shows "la57" in /proc/cpuinfo only then).  Above it: the vsyscall
 * page.
 */
static inline uint64_t user_space_end(void)
{
	static uint64_t end;
	char line[4096];
	FILE *f;

	if (end)
		return end;
	end = 1ULL << 47;
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " la57 ") || strstr(line, " la57\n"))
			end = 1ULL << 56;
		break;
	}
	if (f)
		fclose(f);
	return end;
}

#define USER_SPACE_END	user_space_end()

/* Device, inode and pathname of a header line (the path if a file's). */
static inline void smaps_path(struct smaps_vma *v, const char *line)
{
	const char *p;
	int pos = 0;

	if (sscanf(line, "%*s %*s %*s %x:%x %llu%n", &v->dev_major,
		   &v->dev_minor, &v->inode, &pos) != 3 || !pos)
		return;
	for (p = line + pos; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '/')
		snprintf(v->path, sizeof(v->path), "%.*s",
			 (int)strcspn(p, "\n"), p);
}

static inline int smaps_read(pid_t pid, struct smaps_vma *v, int max)
{
	char path[64], line[512];
	unsigned long long s, e;
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	bool gate = false;

	while (fgets(line, sizeof(line), f)) {
		/* "start-end perms ...": no "Key:" line parses as hex-hex. */
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2) {
			/*
			 * The [vsyscall] gate area (kernels without
			 * LEGACY_VSYSCALL_NONE) is shown but is no VMA of the mm.
			 */
			gate = s >= USER_SPACE_END;
			if (gate)
				continue;
			if (n + 1 >= max)
				break;
			n++;
			memset(&v[n], 0, sizeof(v[n]));
			v[n].start = s;
			v[n].end = e;
			smaps_path(&v[n], line);
		} else if (n >= 0 && !gate) {
			smaps_field(&v[n], line);
		}
	}
	fclose(f);
	return n + 1;
}

/*
 * The N<node>=pages counts of the numa_maps line of the VMA at @start
 * (pages of the mapping's page size), into @nodes[0..max).  0 or -1.
 */
static inline int numa_maps_nodes(pid_t pid, uint64_t start, long *nodes, int max)
{
	char path[64], line[4096], *t, *save;
	unsigned long long s;
	int found = -1, node;
	long count;
	FILE *f;

	memset(nodes, 0, max * sizeof(*nodes));
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx ", &s) != 1 || s != start)
			continue;
		found = 0;
		for (t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
			if (sscanf(t, "N%d=%ld", &node, &count) == 2 && node >= 0 && node < max)
				nodes[node] = count;
	}
	fclose(f);
	return found;
}

/*
 * The value of "Key:" in /proc/PID/@file, a "Key: value [kB]" file such as
 * status or smaps_rollup (kB for sizes), or -1.
 */
static inline long proc_key_value(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The value of "Key:" in /proc/PID/status (kB for sizes), or -1. */
static inline long status_value(pid_t pid, const char *key)
{
	return proc_key_value(pid, "status", key);
}

/* Field @field (1-based, as proc(5) numbers them) of a stat file, or -1. */
static inline long long stat_field(const char *path, int field)
{
	char buf[1024], *p;
	long long v = -1;
	ssize_t n;
	int fd = open(path, O_RDONLY), i;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces */
	if (!p)
		return -1;
	p += 2;			/* field 3 starts here */
	for (i = 3; i < field && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		v = strtoll(p, NULL, 10);
	return v;
}

/* PTSCOPE_IOC_MAPS as -errno or the record count. */
static inline long ptscope_maps_call(int fd, struct ptscope_maps *a)
{
	return ptscope_ioctl(fd, PTSCOPE_IOC_MAPS, a);
}

static inline void maps_args(struct ptscope_maps *a, uint64_t pid, uint64_t start,
			     uint64_t end, struct ptscope_vma *vec, uint64_t len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->pid = pid;
	a->start = start;
	a->end = end;
	a->vec = (uintptr_t)vec;
	a->vec_len = len;
	a->rec_size = sizeof(*vec);
}

/*
 * Count the pages of [start, end) from the per-page query, by the rules of
 * docs/maps.md, into @c (and the PTE entries in use into *@pte_entries).
 * 0 or -errno.
 */
static inline int counts_from_pages(int fd, pid_t pid, uint64_t start,
				    uint64_t end, struct ptscope_page_counts *c,
				    uint64_t *pte_entries)
{
	size_t n = (end - start) / PAGE, i;
	struct ptscope_page_region *r = calloc(n, sizeof(*r));
	long ret;

	memset(c, 0, sizeof(*c));
	*pte_entries = 0;
	if (!r)
		return -ENOMEM;
	ret = query_pages(fd, pid, start, end, PTSCOPE_PAGES_REGIONS, 256, r);
	for (i = 0; ret > 0 && i < n; i++) {
		const struct ptscope_page_region *p = &r[i];

		if (p->level == PTSCOPE_LEVEL_PTE && p->entry != PTSCOPE_ENTRY_NONE)
			(*pte_entries)++;
		c->soft_dirty += !!(p->flags & PTSCOPE_PF_SOFT_DIRTY);
		c->uffd_wp += !!(p->flags & PTSCOPE_PF_UFFD_WP);
		switch (p->entry) {
		case PTSCOPE_ENTRY_NONE:
			c->not_present++;
			continue;
		case PTSCOPE_ENTRY_SWAP:
			c->swapped++;
			continue;
		case PTSCOPE_ENTRY_MIGRATION:
			c->migration++;
			continue;
		case PTSCOPE_ENTRY_PRESENT:
			break;
		default:
			c->other_entry++;
			continue;
		}
		c->present++;
		c->dirty += !!(p->flags & PTSCOPE_PF_DIRTY);
		c->accessed += !!(p->flags & PTSCOPE_PF_ACCESSED);
		c->writable += !!(p->flags & PTSCOPE_PF_WRITE);
		c->protnone += !!(p->flags & PTSCOPE_PF_PROTNONE);
		if (p->node >= 0 && p->node < PTSCOPE_MAX_NODES)
			c->node[p->node]++;
		if (p->kind == PTSCOPE_KIND_ZERO || p->kind == PTSCOPE_KIND_HUGE_ZERO) {
			c->zero++;
			continue;
		}
		if (p->kind == PTSCOPE_KIND_PFNMAP) {
			c->pfnmap++;
			continue;
		}
		c->anon += p->kind == PTSCOPE_KIND_ANON;
		c->file += p->kind == PTSCOPE_KIND_FILE;
		c->shmem += p->kind == PTSCOPE_KIND_SHMEM;
		c->ksm += p->kind == PTSCOPE_KIND_KSM;
		c->shared += p->mapcount >= 2;
		c->cow_shared += p->kind == PTSCOPE_KIND_ANON && p->mapcount >= 2;
		c->anon_exclusive += !!(p->flags & PTSCOPE_PF_ANON_EXCLUSIVE);
		if (p->flags & PTSCOPE_PF_HUGETLB) {
			if (p->level == PTSCOPE_LEVEL_PUD)
				c->hugetlb_pud++;
			else
				c->hugetlb_pmd++;
		} else if (p->level == PTSCOPE_LEVEL_PMD) {
			c->thp_pmd++;
		} else if (p->folio_order) {
			c->large_pte[p->folio_order < PTSCOPE_MAX_ORDERS ?
				     p->folio_order : PTSCOPE_MAX_ORDERS - 1]++;
		}
	}
	free(r);
	return ret < 0 ? ret : 0;
}

#endif /* PTSCOPE_MAPS_ORACLE_H */
