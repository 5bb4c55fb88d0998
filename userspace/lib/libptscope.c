// SPDX-License-Identifier: LGPL-2.1-or-later
/* libptscope: open, version handshake and error messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libptscope.h"
#include "transport.h"

static size_t no_answer(const void *args, long ret)
{
	(void)args;
	(void)ret;
	return 0;
}

/*
 * ABI 1 modules answered under nsfs's ioctl type 0xB7; only their version
 * is asked there, to say which module is loaded.
 */
#define PTSCOPE_IOC_VERSION_ABI1 _IOWR(0xB7, 0x00, struct ptscope_version)

/* What ptscope_strerror(-EPROTO) says after a refused handshake. */
static __thread char abi_mismatch[256];

static int query_version(struct ptscope *ps)
{
	struct ptscope_version *v = &ps->version;
	long ret;

	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	ret = ps_ioctl(ps, PTSCOPE_IOC_VERSION, v, sizeof(*v), NULL, 0, no_answer);
	if (ret == -ENOTTY && !ptscope_is_replay(ps) &&
	    ioctl(ps->fd, PTSCOPE_IOC_VERSION_ABI1, v) >= 0)
		return 0;	/* an ABI 1 module: refused by the caller */
	return ret < 0 ? ret : 0;
}

int ptscope_abi_compatible(const struct ptscope_version *v)
{
	if (v->abi_major == PTSCOPE_ABI_MAJOR)
		return 0;
	snprintf(abi_mismatch, sizeof(abi_mismatch),
		 "the loaded module %.31s speaks ABI %u.%u and this tool ABI %u.%u: "
		 "load the module of the tool's own release (%s)",
		 v->release, v->abi_major, v->abi_minor, PTSCOPE_ABI_MAJOR,
		 PTSCOPE_ABI_MINOR, v->abi_major < PTSCOPE_ABI_MAJOR ?
		 "the module is older" : "the tool is older");
	return -EPROTO;
}

int ptscope_open_how(struct ptscope **out, const struct ptscope_open_how *how)
{
	const char *path = getenv("PTSCOPE_DEVICE");
	struct ptscope *ps;
	int ret;

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->fd = -1;
	if (how && how->replay) {
		ret = ps_replay_open(ps, how->replay);
		if (ret)
			goto err_free;
	} else {
		ps->fd = open(path && *path ? path : PTSCOPE_DEVICE,
			      O_RDONLY | O_CLOEXEC);
		if (ps->fd < 0) {
			/* No device node means no module: not "no such file". */
			ret = errno == ENOENT || errno == ENXIO || errno == ENODEV ?
				-ENODEV : -errno;
			goto err_free;
		}
		if (how && how->record) {
			ret = ps_record_open(ps, how->record);
			if (ret)
				goto err_close;
		}
	}
	ret = query_version(ps);
	if (ret)
		goto err_close;
	ret = ptscope_abi_compatible(&ps->version);
	if (ret)
		goto err_close;
	*out = ps;
	return 0;

err_close:
	ptscope_close(ps);
	return ret;
err_free:
	free(ps);
	return ret;
}

int ptscope_open(struct ptscope **out)
{
	return ptscope_open_how(out, NULL);
}

int ptscope_close(struct ptscope *ps)
{
	int ret = 0;

	if (!ps)
		return 0;
	if (ps->fd >= 0)
		close(ps->fd);
	if (ps->record && fclose(ps->record))
		ret = -EIO;
	if (ps->replay)
		fclose(ps->replay);
	free(ps);
	return ret;
}

const struct ptscope_version *ptscope_module_version(const struct ptscope *ps)
{
	return &ps->version;
}

bool ptscope_is_replay(const struct ptscope *ps)
{
	return ps->replay;
}

static size_t pages_answer(const void *args, long ret)
{
	const struct ptscope_pages *a = args;

	(void)ret;
	return a->nr_records * a->rec_size;
}

static size_t maps_answer(const void *args, long ret)
{
	const struct ptscope_maps *a = args;

	(void)ret;
	return a->nr_records * a->rec_size;
}

static size_t stats_answer(const void *args, long ret)
{
	const struct ptscope_stats *a = args;

	return a->flags & PTSCOPE_STATS_THREADS ? ret * a->thread_size : 0;
}

/*
 * Two region records that one region would have been, had the module not
 * stopped between them (its array was full): the module's own rule, the
 * uapi's ptscope_region_continues().
 */
bool ptscope_regions_mergeable(const struct ptscope_page_region *a,
			       const struct ptscope_page_region *b)
{
	/* x86-64's 4 KiB pages: the records' unit. */
	return ptscope_region_continues(a, b, 12);
}

#define PTSCOPE_PAGES_BATCH 4096

int ptscope_pages(struct ptscope *ps, uint64_t pid, uint64_t start,
		  uint64_t end, uint64_t flags, ptscope_region_cb cb, void *arg)
{
	struct ptscope_page_region *vec, pending;
	bool has_pending = false;
	struct ptscope_pages args;
	uint64_t i;
	long ret = 0;

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
		ret = ps_ioctl(ps, PTSCOPE_IOC_PAGES, &args, sizeof(args), vec,
			       PTSCOPE_PAGES_BATCH * sizeof(*vec), pages_answer);
		if (ret < 0)
			break;
		if (args.nr_records > PTSCOPE_PAGES_BATCH ||
		    args.walk_end <= start || args.walk_end > end) {
			ret = -EIO;	/* no progress or out of bounds: a bug */
			break;
		}
		/*
		 * A region the module cut where its array filled goes on in
		 * the next answer: hold the last one back until it ends.
		 */
		for (i = 0; i < args.nr_records; i++) {
			if (has_pending && (flags & PTSCOPE_PAGES_REGIONS) &&
			    ptscope_regions_mergeable(&pending, &vec[i])) {
				pending.end = vec[i].end;
				continue;
			}
			if (has_pending) {
				ret = cb(&pending, arg);
				if (ret)
					goto out;
			}
			pending = vec[i];
			has_pending = true;
		}
		start = args.walk_end;
		ret = 0;
	}
	if (!ret && has_pending)
		ret = cb(&pending, arg);
out:
	free(vec);
	return ret;
}

#define PTSCOPE_MAPS_BATCH 256

int ptscope_maps(struct ptscope *ps, uint64_t pid, uint64_t start,
		 uint64_t end, ptscope_vma_cb cb, void *arg,
		 struct ptscope_maps_totals *totals)
{
	return ptscope_maps_collapse(ps, pid, start, end,
				     PTSCOPE_COLLAPSE_MAX_NONE, cb, arg, totals);
}

int ptscope_maps_collapse(struct ptscope *ps, uint64_t pid, uint64_t start,
			  uint64_t end, uint64_t collapse_max_none,
			  ptscope_vma_cb cb, void *arg,
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
		/* A 1.1 module wants the bytes it does not know left zero. */
		if (ps->version.features & PTSCOPE_FEAT_MAPS_POLICY)
			args.collapse_max_none = collapse_max_none;
		ret = ps_ioctl(ps, PTSCOPE_IOC_MAPS, &args, sizeof(args), vec,
			       PTSCOPE_MAPS_BATCH * sizeof(*vec), maps_answer);
		if (ret < 0)
			break;
		if (args.nr_records > PTSCOPE_MAPS_BATCH) {
			ret = -EIO;
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
		sum.mm_flags = args.mm_flags;
		sum.task_policy_nodes = args.task_policy_nodes;
		sum.task_policy_mode = args.task_policy_mode;
		sum.task_policy_flags = args.task_policy_flags;
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
		ret = ps_ioctl(ps, PTSCOPE_IOC_STATS, st, sizeof(*st), vec,
			       threads ? len * sizeof(*vec) : 0, stats_answer);
		if (ret < 0) {
			free(vec);
			return ret;
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

/*
 * The TLB facts of process @pid; @flags: PTSCOPE_TLB_WATCH to start
 * counting its flushes (on this handle, until PTSCOPE_TLB_UNWATCH or
 * ptscope_close()), PTSCOPE_TLB_UNWATCH to stop, 0 to read.
 */
int ptscope_tlb(struct ptscope *ps, uint64_t pid, uint64_t flags,
		struct ptscope_tlb *t)
{
	long ret;

	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->flags = flags;
	t->pid = pid;
	ret = ps_ioctl(ps, PTSCOPE_IOC_TLB, t, sizeof(*t), NULL, 0, NULL);
	return ret < 0 ? (int)ret : 0;
}

static const char *const kind_names[] = PTSCOPE_KIND_NAMES;
static const char *const entry_names[] = PTSCOPE_ENTRY_NAMES;
static const char *const mapcount_names[] = PTSCOPE_MAPCOUNT_NAMES;

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof((table)[0]) ? (table)[i] : "?")

uint64_t ptscope_user_top(void)
{
	static uint64_t top;
	char line[4096];
	FILE *f;

	if (top)
		return top;
	top = PTSCOPE_USER_TOP_4LEVEL;
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " la57 ") || strstr(line, " la57\n"))
			top = PTSCOPE_USER_TOP_5LEVEL;
		break;
	}
	if (f)
		fclose(f);
	return top;
}

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
		if (abi_mismatch[0])
			return abi_mismatch;
		return "the loaded module speaks another ABI major version: "
		       "rebuild the tool and module from the same source";
	case EBADF:
		return "not a pidfd of this process";
	case ENOSPC:
		return "every TLB watch slot is taken: end a watch first";
	case EDQUOT:
		return "this user already holds as many TLB watches as the module "
		       "allows (its tlb_watch_user_max parameter); without "
		       "CAP_PERFMON, end one first";
	case ESRCH:
		return "no such process (it may have exited)";
	case EPERM:
		return "permission denied: the kernel would not let you open this "
		       "process's /proc/PID/pagemap (another user's, not dumpable, "
		       "or refused by Yama or a security module)";
	case EACCES:
		return "permission denied opening " PTSCOPE_DEVICE;
	case EINVAL:
		return "invalid request (range not page aligned, beyond user space, "
		       "or the pid is a kernel thread)";
	case EBADMSG:
		return "the recording does not hold this command's answers "
		       "(replay it with the same command, pid and range)";
	case ENOTTY:
		return "the module does not know this request (is it older than the tool?)";
	default:
		return strerror(-err);
	}
}
