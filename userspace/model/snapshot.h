/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot file of `ptscope snapshot`: the mappings of a process and
 * the state of every page (as region records, with frames when the caller
 * may see them) at one moment, for `ptscope diff`.
 *
 * Layout, host byte order (the reader refuses the other one):
 *	struct snap_header			header_size bytes
 *	struct snap_vma[nr_vmas]		vma_size bytes each, by address
 *	struct ptscope_page_region[nr_regions]	region_size bytes each, by
 *						address, each inside a mapping
 *	SNAP_TRAILER				8 bytes
 * A reader takes records at least as large as its own structures and
 * ignores bytes beyond them (fields a later format appended); a format
 * version above its own is refused.
 */
#ifndef PTSCOPE_SNAPSHOT_H
#define PTSCOPE_SNAPSHOT_H

#include <stdint.h>
#include <stdio.h>

#include <ptscope.h>

#include "pairwalk.h"

#define SNAP_MAGIC		"PTSCSNAP"	/* 8 bytes, no NUL */
#define SNAP_TRAILER		"PTSCEND\n"	/* 8 bytes */
#define SNAP_VERSION		1
#define SNAP_BYTE_ORDER		0x01020304u

/* snap_header.flags */
#define SNAP_FRAMES		(1u << 0)	/* frames were visible (root) */

struct snap_header {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint32_t header_size;
	uint32_t vma_size;
	uint32_t region_size;
	uint32_t flags;
	uint64_t pid;
	int64_t time_sec;		/* CLOCK_REALTIME when the walk began */
	int64_t time_nsec;
	uint64_t nr_vmas;
	uint64_t nr_regions;
	char comm[16];			/* the process's name */
	char kernel[64];		/* uname -r, as the module reported it */
	char module[32];		/* the module's release */
	char tool[16];			/* the ptscope that wrote the file */
};

struct snap_vma {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;			/* bytes */
	uint64_t flags;			/* PTSCOPE_VMA_* */
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t page_size;
	char name[PTSCOPE_VMA_NAME_LEN];
};

/* A snapshot read into memory: proportional to its records. */
struct snapshot {
	struct snap_header h;
	struct range_list vmas;		/* struct snap_vma */
	struct range_list regions;	/* struct ptscope_page_region */
};

/* Writing: begin (header with zero counts), records, end (counts, trailer). */
struct snap_writer {
	FILE *f;
	struct snap_header h;
};

int snap_write_begin(struct snap_writer *w, FILE *f, const struct snap_header *h);
int snap_write_vma(struct snap_writer *w, const struct snap_vma *v);
int snap_write_region(struct snap_writer *w, const struct ptscope_page_region *r);
/* Fills in the counts and the trailer; 0 or -errno (the file is not closed). */
int snap_write_end(struct snap_writer *w);

void snap_vma_from(struct snap_vma *s, const struct ptscope_vma *v);

/*
 * Read and check @path into @s.  0, or -1 with a sentence saying what is
 * wrong in @err (the caller adds the file name).
 */
int snap_read(const char *path, struct snapshot *s, char *err, size_t errlen);
void snap_free(struct snapshot *s);

#endif /* PTSCOPE_SNAPSHOT_H */
