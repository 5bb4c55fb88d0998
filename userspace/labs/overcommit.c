// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 10, overcommit and demand paging: a GIB GiB (100) private anonymous
 * mmap on a machine with a few GiB, what vm.overcommit_memory lets through,
 * and what touching its pages costs in page tables.
 *
 *	overcommit [GIB [SPAN]]
 *	overcommit try [GIB]
 *
 * First it tries, under the mode the system is in, three ways to get GIB
 * GiB, each unmapped again at once: one mmap ("whole"), one mmap with
 * MAP_NORESERVE ("noreserve") and GIB mmaps of 1 GiB ("pieces", up to the
 * first that fails), and reads /proc/meminfo's Committed_AS before and
 * with each one mapped: what the kernel charged for it.  "try" stops there.
 *
 * Then it maps GIB GiB with MAP_NORESERVE at a 1 GiB boundary, with no
 * transparent huge pages (MADV_NOHUGEPAGE: 4 KiB pages), and writes one
 * byte in the first page of every 2 MiB of the first SPAN GiB (GIB / 2):
 * one page per PTE table, so the PTE tables take as much memory as the
 * data.  Then it writes as many pages again, one after the other, from the
 * next GiB: 512 pages per PTE table.
 *
 * Checkpoints: "tried" (mode= overcommit_memory; ram_swap_kb= MemTotal +
 * SwapTotal, limit_kb= CommitLimit, committed_kb= Committed_AS before;
 * whole=, noreserve= ok or the error; whole_kb=, noreserve_kb= what
 * Committed_AS rose by while it was mapped; pieces= 1 GiB mmaps that
 * succeeded, pieces_err= the error that stopped them or ok, pieces_kb=),
 * "mapped" (addr= len=, nothing touched), "sparse" (touched= pages, one
 * per 2 MiB of [addr, addr + span), faults= minor faults the loop took),
 * "dense" (touched= pages from dense_addr on, dense_len= their bytes,
 * faults=).  Each of the last three has committed_kb=, Committed_AS then,
 * and rise_kb=, what it rose by while the lab mapped or touched (the
 * system's: another process may commit or release a little meanwhile).
 */
#include <fcntl.h>

#include "lab.h"

#define LAB_1G		(1UL << 30)

/*
 * The value of @key in /proc/meminfo, in kB, or -1.  On the stack and
 * with read(2), as lab_checkpoint(): once it has run, it faults no more.
 */
static long meminfo_kb(const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);
	ssize_t n, got = 0;
	int fd = open("/proc/meminfo", O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	for (p = buf; (p = strstr(p, key)); p += klen)
		if ((p == buf || p[-1] == '\n') && p[klen] == ':')
			return strtol(p + klen + 1, NULL, 10);
	return -1;
}

static int overcommit_mode(void)
{
	char c = '?';
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '?';
		close(fd);
	}
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

static const char *err_name(int err)
{
	static char other[32];

	if (!err)
		return "ok";
	if (err == ENOMEM)
		return "ENOMEM";
	snprintf(other, sizeof(other), "errno%d", err);
	return other;
}

/* mmap @len of private anonymous memory with @flags; 0 or the errno. */
static int try_map(size_t len, int flags, void **p)
{
	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (*p == MAP_FAILED) {
		*p = NULL;
		return errno;
	}
	return 0;
}

/* One mmap of @len with @flags: its error, and Committed_AS's rise (kB). */
static int try_one(size_t len, int flags, long *rise)
{
	long before = meminfo_kb("Committed_AS");
	void *p;
	int err = try_map(len, flags, &p);

	*rise = err ? 0 : meminfo_kb("Committed_AS") - before;
	if (p)
		munmap(p, len);
	return err;
}

/* The "tried" checkpoint: what this mode lets through of @gib GiB. */
static void try_all(size_t gib)
{
	long committed = meminfo_kb("Committed_AS"), whole_kb, noreserve_kb;
	long before, pieces_kb;
	int whole, noreserve, pieces_err = 0;
	size_t len = gib * LAB_1G, pieces, i;
	void **piece = calloc(gib, sizeof(*piece));
	char whole_s[32], noreserve_s[32];

	if (!piece)
		lab_die("calloc");
	whole = try_one(len, 0, &whole_kb);
	noreserve = try_one(len, MAP_NORESERVE, &noreserve_kb);
	snprintf(whole_s, sizeof(whole_s), "%s", err_name(whole));
	snprintf(noreserve_s, sizeof(noreserve_s), "%s", err_name(noreserve));
	/* Each piece is judged alone, against what is committed by then. */
	before = meminfo_kb("Committed_AS");
	for (pieces = 0; pieces < gib; pieces++) {
		pieces_err = try_map(LAB_1G, 0, &piece[pieces]);
		if (pieces_err)
			break;
	}
	pieces_kb = meminfo_kb("Committed_AS") - before;
	for (i = 0; i < pieces; i++)
		munmap(piece[i], LAB_1G);
	free(piece);
	lab_checkpoint("tried",
		       "mode=%d gib=%zu len=%zu ram_swap_kb=%ld limit_kb=%ld committed_kb=%ld "
		       "whole=%s whole_kb=%ld noreserve=%s noreserve_kb=%ld "
		       "pieces=%zu piece=%lu pieces_err=%s pieces_kb=%ld",
		       overcommit_mode(), gib, len,
		       meminfo_kb("MemTotal") + meminfo_kb("SwapTotal"),
		       meminfo_kb("CommitLimit"), committed,
		       whole_s, whole_kb, noreserve_s, noreserve_kb,
		       pieces, LAB_1G, err_name(pieces_err), pieces_kb);
}

/* @len with MAP_NORESERVE at a 1 GiB boundary, MADV_NOHUGEPAGE. */
static char *map_region(size_t len)
{
	char *p = mmap(NULL, len + LAB_1G, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED) {
		fprintf(stderr, "lab: mmap of %zu GiB with MAP_NORESERVE: %s%s\n",
			len >> 30, strerror(errno),
			overcommit_mode() == 2 ?
			" (vm.overcommit_memory is 2, which ignores MAP_NORESERVE: set it to 0 or 1, or map fewer GiB)" : "");
		exit(1);
	}
	a = (char *)(((uintptr_t)p + LAB_1G - 1) & ~(LAB_1G - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + LAB_1G - a);
	lab_madvise(a, len, MADV_NOHUGEPAGE);
	return a;
}

static size_t gib_arg(int argc, char **argv, int i, size_t def)
{
	size_t v = argc > i ? strtoul(argv[i], NULL, 0) : def;

	if (!v || v > (1UL << 16)) {
		fprintf(stderr, "lab: '%s' is not a size in GiB\n", argv[i]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	bool only_try = argc > 1 && !strcmp(argv[1], "try");
	int a = only_try ? 2 : 1;
	size_t gib = gib_arg(argc, argv, a, 100);
	size_t span = only_try ? 0 : gib_arg(argc, argv, a + 1, gib > 1 ? gib / 2 : 1);
	size_t len = gib * LAB_1G, pages = len / LAB_PAGE, touched = 0, i;
	long min0, maj0, min1, maj1, before, after;
	char *buf, *dense;

	/* The dense pages (2 MiB per sparse GiB) go in the GiBs after SPAN. */
	if (!only_try && (span >= gib || span * LAB_2M > (gib - span) * LAB_1G))
		return fprintf(stderr, "usage: overcommit [GIB [SPAN]] (SPAN < GIB)\n"), 2;
	try_all(gib);
	if (only_try)
		return 0;
	before = meminfo_kb("Committed_AS");
	buf = map_region(len);
	after = meminfo_kb("Committed_AS");
	lab_checkpoint("mapped", "addr=%p len=%zu pages=%zu touched=0 committed_kb=%ld rise_kb=%ld",
		       (void *)buf, len, pages, after, after - before);

	before = meminfo_kb("Committed_AS");
	lab_faults(&min0, &maj0);
	for (i = 0; i < span * LAB_1G; i += LAB_2M, touched++)
		buf[i] = 1;
	lab_faults(&min1, &maj1);
	after = meminfo_kb("Committed_AS");
	lab_checkpoint("sparse",
		       "addr=%p len=%zu pages=%zu span=%zu every=%lu touched=%zu faults=%ld committed_kb=%ld rise_kb=%ld",
		       (void *)buf, len, pages, span * LAB_1G, LAB_2M / LAB_PAGE,
		       touched, min1 - min0, after, after - before);

	dense = buf + span * LAB_1G;
	before = meminfo_kb("Committed_AS");
	lab_faults(&min0, &maj0);
	for (i = 0; i < touched; i++)
		dense[i * LAB_PAGE] = 1;
	lab_faults(&min1, &maj1);
	after = meminfo_kb("Committed_AS");
	lab_checkpoint("dense",
		       "addr=%p len=%zu pages=%zu dense_addr=%p dense_len=%zu touched=%zu faults=%ld committed_kb=%ld rise_kb=%ld",
		       (void *)buf, len, pages, (void *)dense, touched * LAB_PAGE,
		       touched, min1 - min0, after, after - before);
	return 0;
}
