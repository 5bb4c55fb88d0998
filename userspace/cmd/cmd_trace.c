// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope trace PID [--duration S]: the page faults of a process by mapping
 * and 2 MiB address bucket, minor or major, and the TLB flushes run while
 * one of its threads is current, by reason, counted live by a BPF program
 * (bpf/trace.bpf.c, loaded through its libbpf skeleton).  Needs no module.
 * See docs/trace.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <linux/types.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "format.h"
#include "json.h"
#include "bpf/trace.h"
#include "trace_view.h"

/* Generated code: not ours to keep free of warnings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wall"
#include "bpf/trace.skel.h"
#pragma GCC diagnostic pop

static volatile sig_atomic_t stop_tracing;

static void on_interrupt(int sig)
{
	(void)sig;
	stop_tracing = 1;
}

struct trace_args {
	uint64_t pid;
	double duration;	/* 0: until ^C or the process exits */
};

static struct trace_args trargs;

enum { OPT_DURATION = CLI_OPT_BASE };

const struct option cmd_trace_options[] = {
	{ "duration",	required_argument,	NULL, OPT_DURATION },
	{ NULL }
};

int cmd_trace_option(int val, const char *arg)
{
	char *end;

	if (val != OPT_DURATION)
		return 2;
	trargs.duration = strtod(arg, &end);
	if (*end || end == arg || !(trargs.duration >= 0.1 && trargs.duration <= 86400))
		return cli_error("--duration takes seconds between 0.1 and 86400, not '%s'",
				 arg) + 1;
	return 0;
}

static void trace_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope trace PID [--duration SECONDS]\n\n"
		   "Trace the page faults of process PID (all its threads) with BPF:\n"
		   "per mapping and 2 MiB address bucket, minor or major as\n"
		   "/proc/PID/stat counts them, and the TLB flushes run while one of\n"
		   "its threads is current, by reason.  A line a second while it\n"
		   "runs, the tables at the end (until SECONDS passed, ^C, or the\n"
		   "process exits); with --json one object at the end.\n"
		   "Needs CAP_BPF and CAP_PERFMON (or root) and a kernel with BTF,\n"
		   "not the ptscope module.  See docs/trace.md.\n\n"
		   "Options:\n"
		   "      --duration SECONDS  stop after SECONDS (0.1 to 86400)\n\n");
	trace_columns_help(f);
}

/* The lines read so far of a new copy. */
struct maps_read {
	struct map_line *v;
	size_t nr, cap;
};

static int maps_read_line(const struct ptscope_map_line *m, void *arg)
{
	struct maps_read *r = arg;
	struct map_line *t;

	if (r->nr == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		t = realloc(r->v, r->cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		r->v = t;
	}
	r->v[r->nr].start = m->start;
	r->v[r->nr].end = m->end;
	snprintf(r->v[r->nr].name, sizeof(r->v[r->nr].name), "%s", m->name);
	r->nr++;
	return 0;
}

/* Re-read /proc/PID/maps; on failure (the process exited) keep the old copy. */
static void maps_refresh(struct maps_copy *m, uint64_t pid)
{
	struct maps_read r = { 0 };

	if (ptscope_proc_maps(NULL, pid, 0, UINT64_MAX, maps_read_line, &r) ||
	    !r.nr) {
		free(r.v);
		return;
	}
	free(m->v);
	m->v = r.v;
	m->nr = r.nr;
}

static int row_cmp(const void *a, const void *b)
{
	const struct trace_row *x = a, *y = b;

	if (x->vm_start != y->vm_start)
		return x->vm_start < y->vm_start ? -1 : 1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return 0;
}

static struct trace_row *row_of(struct trace_result *r, const struct trace_fault_key *k,
				size_t *cap)
{
	struct trace_row *t;
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (r->rows[i].vm_start == k->vm_start && r->rows[i].bucket == k->bucket)
			return &r->rows[i];
	if (r->nr == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		t = realloc(r->rows, *cap * sizeof(*t));
		if (!t)
			return NULL;
		r->rows = t;
	}
	t = &r->rows[r->nr++];
	memset(t, 0, sizeof(*t));
	t->vm_start = k->vm_start;
	t->bucket = k->bucket << BUCKET_SHIFT;
	return t;
}

/* Everything counted so far, from the maps. */
static int trace_collect(struct trace_bpf *skel, struct trace_result *r)
{
	int fd = bpf_map__fd(skel->maps.faults);
	struct trace_fault_key key, next, *prev = NULL;
	struct trace_fault_val val;
	struct trace_row *row;
	size_t cap = 0;
	__u32 i, zero = 0;

	free(r->rows);
	memset(r, 0, sizeof(*r));
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val) || key.kind >= TRACE_NR_KINDS)
			continue;
		row = row_of(r, &key, &cap);
		if (!row)
			return -ENOMEM;
		row->vm_end = val.vm_end;
		row->n[key.kind] += val.count;
		r->total[key.kind] += val.count;
		if (key.gup) {
			row->gup += val.count;
			r->gup += val.count;
		}
	}
	if (r->nr)
		qsort(r->rows, r->nr, sizeof(*r->rows), row_cmp);
	fd = bpf_map__fd(skel->maps.flushes);
	for (i = 0; i < TRACE_NR_REASONS; i++)
		bpf_map_lookup_elem(fd, &i, &r->flush[i]);
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.dropped), &zero, &r->dropped);
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !getenv("PTSCOPE_BPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int bpf_error(const char *what, int err)
{
	if (err == -EPERM || err == -EACCES)
		return cli_error("BPF is not permitted: ptscope trace needs CAP_BPF and CAP_PERFMON (or root)");
	return cli_error("cannot %s the BPF program: %s (it needs a kernel with BTF, "
			 "/sys/kernel/btf/vmlinux; PTSCOPE_BPF_DEBUG=1 shows libbpf's messages)",
			 what, strerror(-err));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool process_gone(int pidfd, uint64_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return kill(pid, 0) && errno == ESRCH;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args a = trargs;
	struct trace_result res = { 0 }, prev = { 0 };
	struct maps_copy maps = { 0 };
	struct trace_bpf *skel;
	struct cli_columns sel;
	uint64_t t0, end, t;
	bool exited = false;
	int err, pidfd, ret = 0;

	if (opts.help) {
		trace_usage(stdout);
		return 0;
	}
	if (argc != 2) {
		trace_usage(stderr);
		return 2;
	}
	if (opts.record || opts.replay)
		return cli_error("trace reads no module answers: --record and --replay do not apply") + 1;
	if (parse_pid(argv[1], &a.pid) || !a.pid || a.pid > INT32_MAX)
		return cli_error("'%s' is not a process id", argv[1]) + 1;
	if (trace_columns_select(&sel))
		return 1;
	if (kill(a.pid, 0) && errno == ESRCH)
		return cli_error("no process %" PRIu64 ": give the id of a running process",
				 a.pid);

	libbpf_set_print(libbpf_quiet);
	skel = trace_bpf__open();
	if (!skel)
		return bpf_error("open", -errno);
	skel->rodata->target_tgid = a.pid;
	skel->rodata->bucket_shift = BUCKET_SHIFT;
	err = trace_bpf__load(skel);
	if (!err)
		err = trace_bpf__attach(skel);
	if (err) {
		ret = bpf_error(err == -EPERM || err == -EACCES ? "load" : "load or attach", err);
		goto out;
	}
	pidfd = syscall(SYS_pidfd_open, (pid_t)a.pid, 0);
	if (pidfd < 0 && errno == ESRCH) {
		ret = cli_error("process %" PRIu64 " exited before tracing began", a.pid);
		goto out;
	}
	maps_refresh(&maps, a.pid);
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	fprintf(stderr, "Tracing process %" PRIu64, a.pid);
	if (a.duration)
		fprintf(stderr, " for %g s", a.duration);
	fprintf(stderr, ": ^C to stop\n");
	if (!opts.json)
		printf("%8s %10s %10s %10s %10s\n", "TIME", "MINOR", "MAJOR", "RETRY",
		       "TLB-FLUSH");
	fflush(stdout);

	t0 = now_ns();
	end = a.duration ? t0 + (uint64_t)(a.duration * 1e9) : UINT64_MAX;
	while (!stop_tracing) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		uint64_t left;
		int ms;

		t = now_ns();
		if (t >= end)
			break;
		left = end - t;
		ms = left > 1000000000ULL ? 1000 : (int)((left + 999999) / 1000000);
		if (pidfd >= 0 && poll(&p, 1, ms) > 0)
			exited = true;
		else if (pidfd < 0)
			usleep(ms * 1000);
		if (!exited && process_gone(pidfd, a.pid))
			exited = true;
		if (!exited)
			maps_refresh(&maps, a.pid);
		if (!opts.json) {
			if (trace_collect(skel, &res)) {
				ret = cli_error("out of memory");
				goto out_fd;
			}
			printf("%8.1f %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			       (now_ns() - t0) / 1e9,
			       res.total[TRACE_FAULT_MINOR] - prev.total[TRACE_FAULT_MINOR],
			       res.total[TRACE_FAULT_MAJOR] - prev.total[TRACE_FAULT_MAJOR],
			       res.total[TRACE_FAULT_RETRY] - prev.total[TRACE_FAULT_RETRY],
			       flush_total(&res) - flush_total(&prev));
			fflush(stdout);
			memcpy(prev.total, res.total, sizeof(prev.total));
			memcpy(prev.flush, res.flush, sizeof(prev.flush));
		}
		if (exited)
			break;
	}
	t = now_ns() - t0;
	if (trace_collect(skel, &res)) {
		ret = cli_error("out of memory");
		goto out_fd;
	}
	if (opts.json) {
		trace_json(a.pid, &res, &maps, t, exited);
	} else {
		if (exited)
			printf("(process %" PRIu64 " exited)\n", a.pid);
		ret = trace_print(&sel, &res, &maps, t / 1e9);
	}
out_fd:
	if (pidfd >= 0)
		close(pidfd);
out:
	trace_bpf__destroy(skel);
	free(res.rows);
	free(maps.v);
	return ret;
}
