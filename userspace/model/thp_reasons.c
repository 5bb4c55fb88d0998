// SPDX-License-Identifier: GPL-2.0
/* Why a mapping is not (all) huge: see thp_reasons.h. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libptscope.h"
#include "thp_reasons.h"

#define PAGE 4096ULL
#define SZ_2M (2ULL << 20)

const char *const thp_reason_names[THP_R_COUNT] = {
#define THP_R_NAME(nr, name, help) [nr] = name,
	THP_REASONS_FOREACH(THP_R_NAME)
#undef THP_R_NAME
};

const char *const thp_reason_help[THP_R_COUNT] = {
#define THP_R_HELP(nr, name, help) [nr] = help,
	THP_REASONS_FOREACH(THP_R_HELP)
#undef THP_R_HELP
};

static const char *const thp_mode_names[] = {
	[THP_UNKNOWN] = "?", [THP_ALWAYS] = "always", [THP_MADVISE] = "madvise",
	[THP_NEVER] = "never", [THP_INHERIT] = "inherit",
	[THP_WITHIN_SIZE] = "within_size", [THP_ADVISE] = "advise",
	[THP_DENY] = "deny", [THP_FORCE] = "force",
};

const char *thp_mode_name(enum thp_mode m)
{
	return m < sizeof(thp_mode_names) / sizeof(thp_mode_names[0]) ?
	       thp_mode_names[m] : "?";
}

enum thp_mode thp_mode_parse(const char *line)
{
	const char *open = strchr(line, '['), *close;
	size_t n, i;

	if (open) {
		close = strchr(open, ']');
		if (!close)
			return THP_UNKNOWN;
		line = open + 1;
		n = close - line;
	} else {
		n = strcspn(line, " \n");
	}
	for (i = 1; i < sizeof(thp_mode_names) / sizeof(thp_mode_names[0]); i++)
		if (strlen(thp_mode_names[i]) == n && !strncmp(line, thp_mode_names[i], n))
			return i;
	return THP_UNKNOWN;
}

static int mthp_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One "FILE VALUE" line of ptscope_thp_settings(). */
static void thp_setting(struct thp_settings *s, const char *file, const char *value)
{
	static const struct {
		const char *file;
		size_t offset;
	} numbers[] = {
		{ "khugepaged/max_ptes_none", offsetof(struct thp_settings, max_ptes_none) },
		{ "khugepaged/max_ptes_swap", offsetof(struct thp_settings, max_ptes_swap) },
		{ "khugepaged/max_ptes_shared", offsetof(struct thp_settings, max_ptes_shared) },
		{ "khugepaged/pages_to_scan", offsetof(struct thp_settings, pages_to_scan) },
		{ "khugepaged/scan_sleep_millisecs",
		  offsetof(struct thp_settings, scan_sleep_millisecs) },
		{ "use_zero_page", offsetof(struct thp_settings, use_zero_page) },
	};
	const char *open, *close;
	unsigned long kb;
	size_t i;
	int n;

	if (!strcmp(file, "enabled")) {
		s->present = true;
		s->enabled = thp_mode_parse(value);
	} else if (!strcmp(file, "shmem_enabled")) {
		s->shmem_enabled = thp_mode_parse(value);
	} else if (!strcmp(file, "defrag")) {
		open = strchr(value, '[');
		close = open ? strchr(open, ']') : NULL;
		if (close)
			snprintf(s->defrag, sizeof(s->defrag), "%.*s",
				 (int)(close - open - 1), open + 1);
	} else if (sscanf(file, "hugepages-%lukB/enabled%n", &kb, &n) == 1 && !file[n]) {
		/* hugepages-<size>kB/: the per-size (mTHP) controls of 6.8+. */
		if (s->nr_mthp == THP_MAX_MTHP)
			return;
		s->mthp[s->nr_mthp].size = kb * 1024ULL;
		s->mthp[s->nr_mthp].enabled = thp_mode_parse(value);
		s->nr_mthp++;
	} else {
		for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
			if (!strcmp(file, numbers[i].file))
				*(long *)((char *)s + numbers[i].offset) =
					strtol(value, NULL, 10);
	}
}

void thp_settings_parse(struct thp_settings *s, const char *text)
{
	char line[512], *value;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->max_ptes_none = s->max_ptes_swap = s->max_ptes_shared = -1;
	s->pages_to_scan = s->scan_sleep_millisecs = s->use_zero_page = -1;
	while (text && *text) {
		n = strcspn(text, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, text);
		text += n + !!text[n];
		value = strchr(line, ' ');
		if (!value)
			continue;
		*value++ = 0;
		thp_setting(s, line, value);
	}
	if (!s->present) {	/* no THP: nothing is known */
		memset(s, 0, sizeof(*s));
		s->max_ptes_none = s->max_ptes_swap = s->max_ptes_shared = -1;
		return;
	}
	qsort(s->mthp, s->nr_mthp, sizeof(s->mthp[0]), mthp_cmp);
}

int thp_settings_load(struct ptscope *ps, struct thp_settings *s)
{
	size_t len;
	char *text;
	int ret;

	ret = ptscope_thp_settings(ps, &text, &len);
	if (ret)
		return ret;
	thp_settings_parse(s, text);
	free(text);
	return 0;
}

void thp_bytes(const struct ptscope_page_counts *c, struct thp_bytes *b)
{
	uint64_t large = 0, huge;
	int i;

	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		large += c->large_pte[i];
	b->pmd = c->thp_pmd * PAGE;
	b->large = large * PAGE;
	b->hugetlb = (c->hugetlb_pmd + c->hugetlb_pud) * PAGE;
	b->rss = (c->present - c->zero - c->pfnmap) * PAGE;
	huge = b->pmd + b->large + b->hugetlb;
	b->base = b->rss > huge ? b->rss - huge : 0;
}

/* Not hugetlb, a PFN map, the vdso...: THP could back it, on a THP kernel. */
static bool thp_mapping_kind(const struct ptscope_vma *v)
{
	return v->end > v->start &&
	       !(v->flags & (PTSCOPE_VMA_HUGETLB | PTSCOPE_VMA_PFNMAP |
			     PTSCOPE_VMA_SPECIAL));
}

bool thp_candidate(const struct ptscope_vma *v, const struct thp_settings *s)
{
	return s->present && thp_mapping_kind(v);
}

/* The mode that rules PMD-sized THPs: hugepages-2048kB's unless "inherit". */
static enum thp_mode thp_pmd_mode(const struct thp_settings *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_mthp; i++)
		if (s->mthp[i].size == SZ_2M && s->mthp[i].enabled != THP_INHERIT)
			return s->mthp[i].enabled;
	return s->enabled;
}

uint64_t thp_reasons(const struct ptscope_vma *v, uint64_t mm_flags,
		     const struct thp_settings *s)
{
	bool hugepage = v->flags & PTSCOPE_VMA_HUGEPAGE;
	uint64_t r = 0, size = v->end - v->start, mapped;
	enum thp_mode mode;

	if (!thp_mapping_kind(v))
		return 0;
	if (!s->present)
		return 1ULL << THP_R_NOT_BUILT;
	if (v->ranges_2m && v->ranges_pmd == v->ranges_2m)
		return 0;	/* every range it can hold is PMD-mapped */

	if (size < SZ_2M)
		r |= 1ULL << THP_R_SMALL;
	else if (!v->ranges_2m)
		r |= 1ULL << THP_R_UNALIGNED;
	if (v->flags & PTSCOPE_VMA_NOHUGEPAGE)
		r |= 1ULL << THP_R_NOHUGEPAGE;
	if ((mm_flags & PTSCOPE_MM_THP_DISABLE) ||
	    ((mm_flags & PTSCOPE_MM_THP_DISABLE_EXCEPT_ADVISED) && !hugepage))
		r |= 1ULL << THP_R_PRCTL;

	if (v->flags & PTSCOPE_VMA_SHMEM) {
		mode = s->shmem_enabled;
		if (mode == THP_NEVER || mode == THP_DENY)
			r |= 1ULL << THP_R_SHMEM_OFF;
		else if (mode == THP_ADVISE && !hugepage)
			r |= 1ULL << THP_R_MADVISE;
	} else if (v->flags & PTSCOPE_VMA_ANON) {
		mode = thp_pmd_mode(s);
		if (s->present && mode == THP_NEVER)
			r |= 1ULL << THP_R_NEVER;
		else if (mode == THP_MADVISE && !hugepage)
			r |= 1ULL << THP_R_MADVISE;
	} else {
		r |= 1ULL << THP_R_FILE;
	}

	mapped = v->ranges_pmd + v->ranges_pte;
	if (v->ranges_2m > mapped)
		r |= 1ULL << THP_R_UNPOPULATED;
	if (v->ranges_collapsible)
		r |= 1ULL << THP_R_COLLAPSIBLE;
	if (v->ranges_pte > v->ranges_collapsible)
		r |= 1ULL << THP_R_SPARSE;
	if (v->ranges_split)
		r |= 1ULL << THP_R_SPLIT;
	return r;
}
