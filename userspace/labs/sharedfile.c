// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 3, a file mapped by two processes: the parent maps FILE with
 * MAP_SHARED, the child with MAP_PRIVATE; both read every page.  Both
 * then map the same frames: the file's pages in the page cache.  Then the
 * child writes one page in every EVERY (8): a private mapping never
 * writes to the file, so each write copies that page into a new anonymous
 * page of the child's own, and only that page stops being shared.
 *
 *	sharedfile [FILE [MIB [EVERY]]]
 *
 * FILE (default lab-sharedfile.data in $PTSCOPE_LAB_DIR or .) is created
 * with MIB MiB (4) and removed at the end.  It should be on a disk file
 * system (ext4, xfs...): on tmpfs the pages are shmem, and some network
 * file systems cannot map a file shared.
 *
 * Checkpoints: "mapped" (child= its pid, addr= the parent's mapping,
 * child_addr= the child's, both read), "written" (written= pages the child
 * wrote, indexes i % EVERY == 0).
 */
#include <fcntl.h>
#include "lab.h"

/* Map @path with @flags and read every page; the address. */
static char *map_and_read(const char *path, size_t len, int prot, int flags)
{
	volatile char sum = 0;
	int fd = open(path, O_RDWR);
	size_t i;
	char *p;

	if (fd < 0)
		lab_die(path);
	p = mmap(NULL, len, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		lab_die("mmap");
	close(fd);
	/* 4 KiB entries: no file THP mapped by a PMD, which a write would split. */
	lab_madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += LAB_PAGE)
		sum += p[i];
	return p;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("PTSCOPE_LAB_DIR");
	size_t len = lab_mib(argc, argv, 2, 4), pages = len / LAB_PAGE, i;
	size_t every = argc > 3 ? strtoul(argv[3], NULL, 0) : 8, written = 0;
	char path[4096], page[LAB_PAGE], *mine;
	struct lab_child c;
	long theirs;
	int fd;

	if (!every)
		return fprintf(stderr, "usage: sharedfile [FILE [MIB [EVERY]]]\n"), 2;
	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "%s/lab-sharedfile.data",
			 dir && *dir ? dir : ".");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		lab_die(path);
	for (i = 0; i < pages; i++) {
		memset(page, 'a' + i % 26, sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			lab_die("write");
	}
	if (fsync(fd))
		lab_die("fsync");
	close(fd);

	if (!lab_fork(&c)) {
		char *p = NULL;
		long step;

		while ((step = lab_step(&c)) >= 0) {
			if (step == 0)
				p = map_and_read(path, len, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE);
			for (i = 0; step == 1 && i < pages; i += every)
				p[i * LAB_PAGE] = '!';
			lab_answer(&c, (long)(uintptr_t)p);
		}
		_exit(0);
	}
	theirs = lab_tell(&c, 0);
	mine = map_and_read(path, len, PROT_READ, MAP_SHARED);
	lab_checkpoint("mapped", "child=%d addr=%p child_addr=%#lx len=%zu pages=%zu file=%s",
		       c.pid, (void *)mine, theirs, len, pages, path);
	lab_tell(&c, 1);
	for (i = 0; i < pages; i += every)
		written++;
	lab_checkpoint("written",
		       "child=%d addr=%p child_addr=%#lx len=%zu pages=%zu written=%zu every=%zu",
		       c.pid, (void *)mine, theirs, len, pages, written, every);
	lab_end(&c);
	unlink(path);
	return 0;
}
