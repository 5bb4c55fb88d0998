// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope snapshot PID -o FILE: record the mappings of a process and the
 * state of every page, for `ptscope diff` (file format: snapshot.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "json.h"
#include "snapshot.h"

struct snap_view {
	struct snap_writer w;
	uint64_t present, pages;
};

static int add_vma(const struct ptscope_vma *m, void *arg)
{
	return range_list_add(arg, m);
}

static int write_region(const struct ptscope_page_region *r, void *arg)
{
	struct snap_view *v = arg;
	uint64_t n = (r->end - r->start) / PW_PAGE;

	v->pages += n;
	if (r->entry == PTSCOPE_ENTRY_PRESENT)
		v->present += n;
	return snap_write_region(&v->w, r);
}

/* The process's name from /proc, or "" (it exited, or a --replay). */
static void snapshot_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope snapshot PID -o FILE\n"
		   "       ptscope snapshot PID FILE\n\n"
		   "Record the mappings of process PID and the state of each of its\n"
		   "pages (entry, frame as root, bits, page size) in FILE, for\n"
		   "'ptscope diff FILE_A FILE_B'.  Here -o names the file: snapshot\n"
		   "has no columns.  FILE is written whole or not at all.\n");
}

/* The walk: mappings first (their list is small), then each one's pages. */
static int snapshot_walk(struct ptscope *ps, uint64_t pid, FILE *f,
			 struct snap_view *v)
{
	const struct ptscope_version *ver = ptscope_module_version(ps);
	struct range_list vmas;
	struct snap_header h;
	struct timespec ts;
	struct snap_vma sv;
	size_t i;
	int ret;

	memset(&h, 0, sizeof(h));
	h.pid = pid;
	clock_gettime(CLOCK_REALTIME, &ts);
	h.time_sec = ts.tv_sec;
	h.time_nsec = ts.tv_nsec;
	if (ptscope_proc_comm(ps, pid, h.comm, sizeof(h.comm)))
		h.comm[0] = 0;
	snprintf(h.kernel, sizeof(h.kernel), "%s", ver->kernel);
	snprintf(h.module, sizeof(h.module), "%s", ver->release);
	snprintf(h.tool, sizeof(h.tool), "%s", PTSCOPE_RELEASE);

	range_list_init(&vmas, sizeof(struct ptscope_vma));
	ret = ptscope_maps(ps, pid, 0, PTSCOPE_USER_TOP, add_vma, &vmas, NULL);
	if (!ret)
		ret = snap_write_begin(&v->w, f, &h);
	for (i = 0; !ret && i < vmas.nr; i++) {
		snap_vma_from(&sv, range_list_at(&vmas, i));
		ret = snap_write_vma(&v->w, &sv);
	}
	for (i = 0; !ret && i < vmas.nr; i++) {
		const struct ptscope_vma *m = range_list_at(&vmas, i);

		ret = ptscope_pages(ps, pid, m->start, m->end,
				    PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN,
				    write_region, v);
	}
	if (!ret)
		ret = snap_write_end(&v->w);
	range_list_free(&vmas);
	return ret;
}

int cmd_snapshot(int argc, char **argv)
{
	struct snap_view v = { 0 };
	const char *file;
	char tmp[4096 + 16];
	struct ptscope *ps;
	uint64_t pid;
	struct json j;
	int ret, fd;
	FILE *f;

	if (opts.help) {
		snapshot_usage(stdout);
		return 0;
	}
	if (argc < 2 || argc > 3 || (argc == 3) == !!opts.columns) {
		snapshot_usage(stderr);
		return 2;
	}
	if (parse_pid(argv[1], &pid))
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	file = argc == 3 ? argv[2] : opts.columns;
	if (strlen(file) > 4096)
		return cli_error("the file name is too long") + 1;

	ps = cli_open();
	if (!ps)
		return 1;
	/* A temporary file beside FILE, renamed over it when complete. */
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file);
	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	if (!f) {
		cli_error("cannot create %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		cli_close(ps);
		return 1;
	}
	ret = snapshot_walk(ps, pid, f, &v);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, file))
		ret = -errno;
	if (ret)
		unlink(tmp);
	cli_close(ps);
	if (ret == -EIO || ret == -ENOSPC)
		return cli_error("could not write %s: %s", file, strerror(-ret));
	if (ret)
		return cli_error("snapshot of %" PRIu64 ": %s", pid, ptscope_strerror(ret));

	if (opts.json) {
		json_init(&j, stdout, opts.pretty);
		json_open(&j, NULL, '{');
		json_u64(&j, "pid", pid);
		json_str(&j, "file", file);
		json_str(&j, "comm", v.w.h.comm);
		json_u64(&j, "mappings", v.w.h.nr_vmas);
		json_u64(&j, "regions", v.w.h.nr_regions);
		json_u64(&j, "pages", v.pages);
		json_u64(&j, "present", v.present);
		json_bool(&j, "frames", v.w.h.flags & SNAP_FRAMES);
		json_close(&j, '}');
	} else {
		printf("%s: pid %" PRIu64 " (%s), %" PRIu64 " mappings, %" PRIu64
		       " regions, %" PRIu64 " of %" PRIu64 " pages present%s\n",
		       file, pid, v.w.h.comm, (uint64_t)v.w.h.nr_vmas,
		       (uint64_t)v.w.h.nr_regions, v.present, v.pages,
		       v.w.h.flags & SNAP_FRAMES ? ", with frames" :
		       ", without frames (not root)");
	}
	return 0;
}
