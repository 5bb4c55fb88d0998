// SPDX-License-Identifier: GPL-2.0
/* The snapshot file: writing it and reading it back (see snapshot.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snapshot.h"

/* Records larger than this are not a plausible later format. */
#define SNAP_MAX_RECORD 65536

int snap_write_begin(struct snap_writer *w, FILE *f, const struct snap_header *h)
{
	w->f = f;
	w->h = *h;
	memcpy(w->h.magic, SNAP_MAGIC, 8);
	w->h.version = SNAP_VERSION;
	w->h.byte_order = SNAP_BYTE_ORDER;
	w->h.header_size = sizeof(w->h);
	w->h.vma_size = sizeof(struct snap_vma);
	w->h.region_size = sizeof(struct ptscope_page_region);
	w->h.nr_vmas = w->h.nr_regions = 0;
	return fwrite(&w->h, sizeof(w->h), 1, f) == 1 ? 0 : -EIO;
}

int snap_write_vma(struct snap_writer *w, const struct snap_vma *v)
{
	w->h.nr_vmas++;
	return fwrite(v, sizeof(*v), 1, w->f) == 1 ? 0 : -EIO;
}

int snap_write_region(struct snap_writer *w, const struct ptscope_page_region *r)
{
	w->h.nr_regions++;
	if (!(r->flags & PTSCOPE_PF_PFN_HIDDEN) && r->pfn)
		w->h.flags |= SNAP_FRAMES;
	return fwrite(r, sizeof(*r), 1, w->f) == 1 ? 0 : -EIO;
}

int snap_write_end(struct snap_writer *w)
{
	if (fwrite(SNAP_TRAILER, 8, 1, w->f) != 1 || fseek(w->f, 0, SEEK_SET) ||
	    fwrite(&w->h, sizeof(w->h), 1, w->f) != 1 || fflush(w->f))
		return -EIO;
	return 0;
}

void snap_vma_from(struct snap_vma *s, const struct ptscope_vma *v)
{
	memset(s, 0, sizeof(*s));
	s->start = v->start;
	s->end = v->end;
	s->pgoff = v->pgoff;
	s->flags = v->flags;
	s->inode = v->inode;
	s->dev_major = v->dev_major;
	s->dev_minor = v->dev_minor;
	s->page_size = v->page_size;
	memcpy(s->name, v->name, sizeof(s->name));
	s->name[sizeof(s->name) - 1] = 0;
}

void snap_free(struct snapshot *s)
{
	range_list_free(&s->vmas);
	range_list_free(&s->regions);
}

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A record of @size bytes from @f, the first sizeof(*out) kept in @out. */
static int read_record(FILE *f, void *out, size_t keep, size_t size)
{
	char skip[256];
	size_t left;

	if (fread(out, keep, 1, f) != 1)
		return -1;
	for (left = size - keep; left; ) {
		size_t n = left < sizeof(skip) ? left : sizeof(skip);

		if (fread(skip, n, 1, f) != 1)
			return -1;
		left -= n;
	}
	return 0;
}

static bool aligned_range(uint64_t start, uint64_t end)
{
	return start < end && !(start % PW_PAGE) && !(end % PW_PAGE);
}

static int check_header(const struct snap_header *h, uint64_t file_size,
			char *err, size_t len)
{
	uint64_t want;

	if (memcmp(h->magic, SNAP_MAGIC, 8))
		return fail(err, len, "not a ptscope snapshot (make one with 'ptscope snapshot PID -o FILE')");
	if (h->byte_order != SNAP_BYTE_ORDER)
		return fail(err, len, "written on a machine of the other byte order");
	if (h->version > SNAP_VERSION)
		return fail(err, len, "snapshot format %u is newer than this ptscope reads (%u): use a newer ptscope",
			    h->version, SNAP_VERSION);
	if (h->version < 1)
		return fail(err, len, "bad snapshot format version %u", h->version);
	if (h->header_size < sizeof(*h) || h->header_size > SNAP_MAX_RECORD ||
	    h->vma_size < sizeof(struct snap_vma) || h->vma_size > SNAP_MAX_RECORD ||
	    h->region_size < PTSCOPE_PAGE_REGION_SIZE_VER0 ||
	    h->region_size > SNAP_MAX_RECORD)
		return fail(err, len, "corrupt header: impossible record sizes (%u, %u, %u)",
			    h->header_size, h->vma_size, h->region_size);
	/* Sizes before counts: no allocation the file cannot back. */
	if (h->nr_vmas > file_size / h->vma_size ||
	    h->nr_regions > file_size / h->region_size)
		return fail(err, len, "truncated or corrupt: the header counts %" PRIu64
			    " mappings and %" PRIu64 " regions, more than the file's %" PRIu64 " bytes hold",
			    (uint64_t)h->nr_vmas, (uint64_t)h->nr_regions, file_size);
	want = h->header_size + h->nr_vmas * h->vma_size +
	       h->nr_regions * h->region_size + 8;
	if (file_size < want)
		return fail(err, len, "truncated: %" PRIu64 " bytes, the header announces %" PRIu64,
			    file_size, want);
	if (file_size > want)
		return fail(err, len, "corrupt: %" PRIu64 " bytes after the end the header announces",
			    file_size - want);
	return 0;
}

int snap_read(const char *path, struct snapshot *s, char *err, size_t len)
{
	struct ptscope_page_region r;
	const struct snap_vma *vma;
	struct snap_vma v;
	size_t iv = 0;
	char trailer[8];
	struct stat st;
	uint64_t i;
	FILE *f;
	int ret = -1;

	range_list_init(&s->vmas, sizeof(struct snap_vma));
	range_list_init(&s->regions, sizeof(struct ptscope_page_region));
	memset(&s->h, 0, sizeof(s->h));
	f = fopen(path, "rb");
	if (!f)
		return fail(err, len, "%s", strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fail(err, len, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size < sizeof(s->h) ||
	    fread(&s->h, sizeof(s->h), 1, f) != 1) {
		rewind(f);
		if (fread(s->h.magic, 8, 1, f) == 1 &&
		    !memcmp(s->h.magic, SNAP_MAGIC, 8))
			fail(err, len, "truncated: the header is cut short");
		else
			fail(err, len, "not a ptscope snapshot (make one with 'ptscope snapshot PID -o FILE')");
		goto out;
	}
	if (check_header(&s->h, st.st_size, err, len))
		goto out;
	if (fseek(f, s->h.header_size, SEEK_SET))
		goto io;
	s->h.comm[sizeof(s->h.comm) - 1] = 0;
	s->h.kernel[sizeof(s->h.kernel) - 1] = 0;
	s->h.module[sizeof(s->h.module) - 1] = 0;
	s->h.tool[sizeof(s->h.tool) - 1] = 0;

	for (i = 0; i < s->h.nr_vmas; i++) {
		if (read_record(f, &v, sizeof(v), s->h.vma_size))
			goto io;
		v.name[sizeof(v.name) - 1] = 0;
		if (!aligned_range(v.start, v.end)) {
			fail(err, len, "corrupt: mapping %" PRIu64 " has the range %#" PRIx64 "-%#" PRIx64,
			     i, (uint64_t)v.start, (uint64_t)v.end);
			goto out;
		}
		if (i && v.start < ((const struct snap_vma *)
				    range_list_at(&s->vmas, i - 1))->end) {
			fail(err, len, "corrupt: mapping %" PRIu64 " (%#" PRIx64 ") overlaps or precedes the one before",
			     i, (uint64_t)v.start);
			goto out;
		}
		if (range_list_add(&s->vmas, &v))
			goto nomem;
	}
	for (i = 0; i < s->h.nr_regions; i++) {
		memset(&r, 0, sizeof(r));
		if (read_record(f, &r, sizeof(r) < s->h.region_size ? sizeof(r) :
				s->h.region_size, s->h.region_size))
			goto io;
		if (!aligned_range(r.start, r.end) || r.entry >= PTSCOPE_ENTRY_COUNT ||
		    r.level > PTSCOPE_LEVEL_PUD || r.kind >= PTSCOPE_KIND_COUNT) {
			fail(err, len, "corrupt: region %" PRIu64 " (%#" PRIx64 "-%#" PRIx64 ") is not a valid record",
			     i, (uint64_t)r.start, (uint64_t)r.end);
			goto out;
		}
		if (i && r.start < ((const struct ptscope_page_region *)
				    range_list_at(&s->regions, i - 1))->end) {
			fail(err, len, "corrupt: region %" PRIu64 " (%#" PRIx64 ") overlaps or precedes the one before",
			     i, (uint64_t)r.start);
			goto out;
		}
		/* Each region lies inside one mapping: both lists are sorted. */
		vma = NULL;
		while (iv < s->vmas.nr) {
			vma = range_list_at(&s->vmas, iv);
			if (vma->end > r.start)
				break;
			iv++;
			vma = NULL;
		}
		if (!vma || r.start < vma->start || r.end > vma->end) {
			fail(err, len, "corrupt: region %" PRIu64 " (%#" PRIx64 "-%#" PRIx64 ") is outside the mappings",
			     i, (uint64_t)r.start, (uint64_t)r.end);
			goto out;
		}
		if (range_list_add(&s->regions, &r))
			goto nomem;
	}
	if (fread(trailer, 8, 1, f) != 1 || memcmp(trailer, SNAP_TRAILER, 8)) {
		fail(err, len, "corrupt: the end marker is missing (was the snapshot interrupted?)");
		goto out;
	}
	ret = 0;
	goto out;
io:
	fail(err, len, "truncated or unreadable: %s", ferror(f) ? strerror(errno) : "early end of file");
	goto out;
nomem:
	fail(err, len, "out of memory");
out:
	fclose(f);
	if (ret)
		snap_free(s);
	return ret;
}
