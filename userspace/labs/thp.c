// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 5, huge pages: touch every page of MIB MiB (512) twice over: first
 * in a mapping with MADV_NOHUGEPAGE (4 KiB pages: one PTE each, 512 PTEs
 * in a 4 KiB PTE table per 2 MiB, one fault per page), then, after
 * unmapping it, in a new mapping with MADV_HUGEPAGE (transparent huge
 * pages: one PMD entry per 2 MiB, no PTE table, one fault per 2 MiB).
 * Both mappings start at a 2 MiB boundary.
 *
 *	thp [MIB]
 *
 * Checkpoints: "small" and "huge" (faults= minor faults of the touching
 * loop; thp= the mode of /sys/kernel/mm/transparent_hugepage/enabled).
 */
#include "lab.h"

/* The bracketed word of the THP "enabled" file, or "none". */
static const char *thp_mode(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char *a, *b;

	snprintf(buf, len, "none");
	if (!f)
		return buf;
	if (fgets(buf, len, f) && (a = strchr(buf, '[')) && (b = strchr(a, ']'))) {
		*b = 0;
		memmove(buf, a + 1, b - a);
	} else {
		snprintf(buf, len, "none");
	}
	fclose(f);
	return buf;
}

/* Map, touch every page, stop at a checkpoint, unmap. */
static void phase(const char *name, size_t len, int advice, const char *mode)
{
	long min0, maj0, min1, maj1;
	char *buf = lab_map(len, advice);
	size_t i;

	lab_faults(&min0, &maj0);
	for (i = 0; i < len; i += LAB_PAGE)
		buf[i] = 1;
	lab_faults(&min1, &maj1);
	lab_checkpoint(name, "addr=%p len=%zu pages=%zu touched=%zu faults=%ld thp=%s",
		       (void *)buf, len, len / LAB_PAGE, len / LAB_PAGE,
		       min1 - min0, mode);
	munmap(buf, len);
}

int main(int argc, char **argv)
{
	size_t len = lab_mib(argc, argv, 1, 512);
	char mode[128];

	if (len % LAB_2M)
		return fprintf(stderr, "thp: MIB must be a multiple of 2\n"), 2;
	thp_mode(mode, sizeof(mode));
	phase("small", len, MADV_NOHUGEPAGE, mode);
	phase("huge", len, MADV_HUGEPAGE, mode);
	return 0;
}
