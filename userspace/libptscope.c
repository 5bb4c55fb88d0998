// SPDX-License-Identifier: LGPL-2.1-or-later
/* libptscope: open, version handshake and error messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libptscope.h"

struct ptscope {
	int fd;
	struct ptscope_version version;
};

int ptscope_query_version(int fd, struct ptscope_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (ioctl(fd, PTSCOPE_IOC_VERSION, v))
		return -errno;
	return 0;
}

int ptscope_abi_compatible(const struct ptscope_version *v)
{
	return v->abi_major == PTSCOPE_ABI_MAJOR ? 0 : -EPROTO;
}

int ptscope_open(struct ptscope **out)
{
	const char *path = getenv("PTSCOPE_DEVICE");
	struct ptscope *ps;
	int ret;

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->fd = open(path && *path ? path : PTSCOPE_DEVICE, O_RDONLY | O_CLOEXEC);
	if (ps->fd < 0) {
		/* No device node means no module: say so, not "no such file". */
		ret = errno == ENOENT || errno == ENXIO || errno == ENODEV ?
			-ENODEV : -errno;
		goto err_free;
	}
	ret = ptscope_query_version(ps->fd, &ps->version);
	if (ret)
		goto err_close;
	ret = ptscope_abi_compatible(&ps->version);
	if (ret)
		goto err_close;
	*out = ps;
	return 0;

err_close:
	close(ps->fd);
err_free:
	free(ps);
	return ret;
}

void ptscope_close(struct ptscope *ps)
{
	if (!ps)
		return;
	close(ps->fd);
	free(ps);
}

const struct ptscope_version *ptscope_module_version(const struct ptscope *ps)
{
	return &ps->version;
}

int ptscope_fd(const struct ptscope *ps)
{
	return ps->fd;
}

int ptscope_pages_ioctl(int fd, struct ptscope_pages *args)
{
	int ret = ioctl(fd, PTSCOPE_IOC_PAGES, args);

	return ret < 0 ? -errno : ret;
}

#define PTSCOPE_PAGES_BATCH 4096

int ptscope_pages(struct ptscope *ps, uint64_t pid, uint64_t start,
		  uint64_t end, uint64_t flags, ptscope_region_cb cb, void *arg)
{
	struct ptscope_page_region *vec;
	struct ptscope_pages args;
	uint64_t i;
	int ret = 0;

	vec = calloc(PTSCOPE_PAGES_BATCH, sizeof(*vec));
	if (!vec)
		return -ENOMEM;
	while (start < end) {
		memset(&args, 0, sizeof(args));
		args.size = sizeof(args);
		args.flags = flags;
		args.pid = pid;
		args.start = start;
		args.end = end;
		args.vec = (uintptr_t)vec;
		args.vec_len = PTSCOPE_PAGES_BATCH;
		args.rec_size = sizeof(*vec);
		ret = ptscope_pages_ioctl(ps->fd, &args);
		if (ret < 0)
			break;
		for (i = 0; i < args.nr_records; i++) {
			ret = cb(&vec[i], arg);
			if (ret)
				goto out;
		}
		if (args.walk_end <= start) {
			ret = -EIO;	/* no progress: a module bug */
			break;
		}
		start = args.walk_end;
		ret = 0;
	}
out:
	free(vec);
	return ret;
}

#define PTSCOPE_MAPS_BATCH 256

int ptscope_maps(struct ptscope *ps, uint64_t pid, uint64_t start,
		 uint64_t end, ptscope_vma_cb cb, void *arg,
		 struct ptscope_maps_totals *totals)
{
	struct ptscope_maps_totals sum;
	struct ptscope_maps args;
	struct ptscope_vma *vec;
	const uint64_t *from;
	uint64_t *to, i;
	int ret = 0;

	memset(&sum, 0, sizeof(sum));
	vec = calloc(PTSCOPE_MAPS_BATCH, sizeof(*vec));
	if (!vec)
		return -ENOMEM;
	while (start < end) {
		memset(&args, 0, sizeof(args));
		args.size = sizeof(args);
		args.pid = pid;
		args.start = start;
		args.end = end;
		args.vec = (uintptr_t)vec;
		args.vec_len = PTSCOPE_MAPS_BATCH;
		args.rec_size = sizeof(*vec);
		ret = ioctl(ps->fd, PTSCOPE_IOC_MAPS, &args);
		if (ret < 0) {
			ret = -errno;
			break;
		}
		for (i = 0; i < args.nr_records; i++) {
			ret = cb(&vec[i], arg);
			if (ret)
				goto out;
		}
		/* The structures are all u64 counts. */
		from = (const uint64_t *)&args.totals;
		to = (uint64_t *)&sum.pages;
		for (i = 0; i < sizeof(sum.pages) / 8; i++)
			to[i] += from[i];
		sum.tables.pte += args.total_tables.pte;
		sum.tables.pmd += args.total_tables.pmd;
		sum.tables.pud += args.total_tables.pud;
		sum.tables.pte_entries += args.total_tables.pte_entries;
		sum.tables.pte_deposited += args.total_tables.pte_deposited;
		sum.map_count = args.map_count;
		sum.nr_vmas += args.nr_records;
		if (args.walk_end <= start) {
			ret = -EIO;	/* no progress: a module bug */
			break;
		}
		start = args.walk_end;
		ret = 0;
	}
out:
	free(vec);
	if (!ret && totals)
		*totals = sum;
	return ret;
}

int ptscope_stats(struct ptscope *ps, uint64_t pid, struct ptscope_stats *st,
		  struct ptscope_thread **threads, size_t *nr_threads)
{
	struct ptscope_thread *vec = NULL, *bigger;
	size_t len = 64;
	int ret;

	for (;;) {
		memset(st, 0, sizeof(*st));
		st->size = sizeof(*st);
		st->pid = pid;
		if (threads) {
			bigger = realloc(vec, len * sizeof(*vec));
			if (!bigger) {
				free(vec);
				return -ENOMEM;
			}
			vec = bigger;
			st->flags = PTSCOPE_STATS_THREADS;
			st->threads = (uintptr_t)vec;
			st->threads_len = len;
			st->thread_size = sizeof(*vec);
		}
		ret = ioctl(ps->fd, PTSCOPE_IOC_STATS, st);
		if (ret < 0) {
			free(vec);
			return -errno;
		}
		/* Threads may come and go: ask again while they do not fit. */
		if (!threads || (uint64_t)ret >= st->nr_threads ||
		    (uint64_t)ret < len || len >= 65536)
			break;
		len *= 4;
	}
	if (threads) {
		*threads = vec;
		*nr_threads = ret;
	}
	return 0;
}

static const char *const kind_names[] = PTSCOPE_KIND_NAMES;
static const char *const entry_names[] = PTSCOPE_ENTRY_NAMES;
static const char *const mapcount_names[] = PTSCOPE_MAPCOUNT_NAMES;

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof((table)[0]) ? (table)[i] : "?")

const char *ptscope_kind_name(unsigned int kind)
{
	return NAME_OF(kind_names, kind);
}

const char *ptscope_entry_name(unsigned int entry)
{
	return NAME_OF(entry_names, entry);
}

const char *ptscope_mapcount_src_name(unsigned int src)
{
	return NAME_OF(mapcount_names, src);
}

uint64_t ptscope_level_size(unsigned int level)
{
	switch (level) {
	case PTSCOPE_LEVEL_PTE:
		return 4096;
	case PTSCOPE_LEVEL_PMD:
		return 2ULL << 20;
	case PTSCOPE_LEVEL_PUD:
		return 1ULL << 30;
	default:
		return 0;
	}
}

const char *ptscope_strerror(int err)
{
	switch (-err) {
	case ENODEV:
		return "module not loaded: run `sudo modprobe ptscope` or `make load`";
	case EPROTO:
		return "the loaded module speaks another ABI major version: "
		       "rebuild the tool and module from the same source";
	case ESRCH:
		return "no such process (it may have exited)";
	case EPERM:
		return "permission denied: you may only inspect processes you could "
		       "ptrace-read (same user, dumpable), or run as root";
	case EACCES:
		return "permission denied opening " PTSCOPE_DEVICE;
	case EINVAL:
		return "invalid request (range not page aligned, beyond user space, "
		       "or the pid is a kernel thread)";
	case ENOTTY:
		return "the module does not know this request (is it older than the tool?)";
	default:
		return strerror(-err);
	}
}
