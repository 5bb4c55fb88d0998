/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the security programs share, part two: one access asked of every
 * door of ptscope and of the kernel (pagemap), the frames each caller
 * sees, and root_only and perf_event_paranoid saved before a program's
 * first test and restored after its last.
 */
#ifndef PTSCOPE_SECURITY_VERDICT_H
#define PTSCOPE_SECURITY_VERDICT_H

#include "security_creds.h"

/* ---- verdicts: every interface on one access ---- */

struct verdict {
	int pages, maps, stats, tlb;		/* the ioctls: 0 or -errno */
	int tlb_watch;				/* PTSCOPE_TLB_WATCH */
	int pidfd_pages, pidfd_maps, pidfd_stats, pidfd_tlb; /* by pidfd */
	int proc_pages, proc_maps, proc_stats;	/* write + read of a query */
	int proc_pidfd_stats;			/* "pidfd:FD" written */
	int pagemap;				/* the kernel: open + pread */
};

/* Read @fd to the end into @out; the lines read, or -errno. */
static inline int read_all(int fd, char *out, size_t len)
{
	size_t got = 0;
	int lines = 0;
	char buf[4096];
	ssize_t n, i;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (!n)
			break;
		for (i = 0; i < n; i++) {
			lines += buf[i] == '\n';
			if (out && got + 1 < len)
				out[got++] = buf[i];
		}
	}
	if (out && len)
		out[got] = 0;
	return lines;
}

/*
 * Write @query to a new open file of /proc/ptscope/@name and read it: 0 if
 * a header and at least one record came back, else -errno.
 */
static inline int proc_query(const char *name, const char *query, char *out, size_t len)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, query, strlen(query)) != (ssize_t)strlen(query))
		ret = -errno;
	else
		ret = read_all(fd, out, len);
	close(fd);
	if (ret >= 0)
		ret = ret >= 2 ? 0 : -ENODATA;
	return ret;
}

/* The kernel's verdict: open /proc/PID/pagemap and read @addr's entry. */
static inline int pagemap_verdict(pid_t pid, uint64_t addr)
{
	char path[64];
	uint64_t pm;
	ssize_t n;
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, &pm, sizeof(pm), addr / PAGE * sizeof(pm));
	ret = n == sizeof(pm) ? 0 : n < 0 ? -errno : -ENODATA;
	close(fd);
	return ret;
}

static inline int ioctl_pages(int fd, uint64_t pid, uint64_t addr)
{
	struct ptscope_page_region vec[4];
	struct ptscope_pages a;
	long ret;

	pages_args(&a, pid, addr, addr + PAGE, 0, vec, 4);
	ret = ptscope_pages_call(fd, &a);
	return ret < 0 ? ret : ret == 1 ? 0 : -EPROTO;
}

static inline int ioctl_maps(int fd, uint64_t pid, uint64_t addr)
{
	struct ptscope_vma vec[1];
	struct ptscope_maps a;
	long ret;

	maps_args(&a, pid, addr, addr + PAGE, vec, 1);
	ret = ptscope_maps_call(fd, &a);
	return ret < 0 ? ret : ret == 1 ? 0 : -EPROTO;
}

static inline int ioctl_stats(int fd, uint64_t pid)
{
	struct ptscope_stats st = { .size = sizeof(st), .pid = pid };
	long ret = ptscope_ioctl(fd, PTSCOPE_IOC_STATS, &st);

	return ret < 0 ? ret : 0;
}

static inline int ioctl_tlb(int fd, uint64_t pid)
{
	struct ptscope_tlb t = { .size = sizeof(t), .pid = pid };
	long ret = ptscope_ioctl(fd, PTSCOPE_IOC_TLB, &t);

	return ret < 0 ? ret : 0;
}

static inline int ioctl_tlb_watch(int fd, pid_t pid)
{
	struct ptscope_tlb t = { .size = sizeof(t), .pid = pid,
				 .flags = PTSCOPE_TLB_WATCH };
	long ret = ptscope_ioctl(fd, PTSCOPE_IOC_TLB, &t);

	if (ret < 0)
		return ret;
	return t.state & PTSCOPE_TLB_WATCHING ? 0 : -EPROTO;
}

/* The doors again, naming @pid by a pidfd (PTSCOPE_PID_PIDFD). */
static inline void probe_by_pidfd(int fd, pid_t pid, uint64_t addr, struct verdict *v)
{
	uint64_t target;
	int pidfd = sys_pidfd_open(pid);
	char q[64];

	if (pidfd < 0) {
		v->pidfd_pages = v->pidfd_maps = v->pidfd_stats =
			v->pidfd_tlb = v->proc_pidfd_stats = -errno;
		return;
	}
	target = PTSCOPE_PID_PIDFD | (uint64_t)pidfd;
	if (fd < 0) {
		v->pidfd_pages = v->pidfd_maps = v->pidfd_stats =
			v->pidfd_tlb = fd;
	} else {
		v->pidfd_pages = ioctl_pages(fd, target, addr);
		v->pidfd_maps = ioctl_maps(fd, target, addr);
		v->pidfd_stats = ioctl_stats(fd, target);
		v->pidfd_tlb = ioctl_tlb(fd, target);
	}
	snprintf(q, sizeof(q), "pidfd:%d\n", pidfd);
	v->proc_pidfd_stats = proc_query("stats", q, NULL, 0);
	close(pidfd);
}

/* Ask every interface about @pid's page @addr. */
static inline void probe(pid_t pid, uint64_t addr, struct verdict *v)
{
	char q[128];
	int fd = ptscope_open_dev();

	if (fd < 0) {
		fd = -errno;
		v->pages = v->maps = v->stats = v->tlb = v->tlb_watch = fd;
	} else {
		v->pages = ioctl_pages(fd, pid, addr);
		v->maps = ioctl_maps(fd, pid, addr);
		v->stats = ioctl_stats(fd, pid);
		v->tlb = ioctl_tlb(fd, pid);
		v->tlb_watch = ioctl_tlb_watch(fd, pid);
	}
	probe_by_pidfd(fd, pid, addr, v);
	if (fd >= 0)
		close(fd);
	snprintf(q, sizeof(q), "%d %#llx %#llx\n", pid,
		 (unsigned long long)addr, (unsigned long long)addr + PAGE);
	v->proc_pages = proc_query("pages", q, NULL, 0);
	v->proc_maps = proc_query("maps", q, NULL, 0);
	snprintf(q, sizeof(q), "%d\n", pid);
	v->proc_stats = proc_query("stats", q, NULL, 0);
	v->pagemap = pagemap_verdict(pid, addr);
}

/* A page of our own to query. */
static inline uint64_t own_page(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	p[0] = 1;
	return (uintptr_t)p;
}

struct probe_arg {
	pid_t pid;		/* 0: the caller itself */
	uint64_t addr;
	struct verdict *v;
};

static inline int probe_child(void *arg)
{
	struct probe_arg *a = arg;

	if (!a->pid)
		probe(getpid(), own_page(), a->v);
	else
		probe(a->pid, a->addr, a->v);
	return 0;
}

static const char *err_name(int e)
{
	return e ? strerror(-e) : "allowed";
}

/* ptscope's verdicts all @want (0 or -errno). */
static inline void expect_ptscope(struct __test_metadata *_metadata, const char *what,
			   const struct verdict *v, int want)
{
	const struct {
		const char *name;
		int got;
	} r[] = {
		{ "PTSCOPE_IOC_PAGES", v->pages },
		{ "PTSCOPE_IOC_MAPS", v->maps },
		{ "PTSCOPE_IOC_STATS", v->stats },
		{ "PTSCOPE_IOC_TLB", v->tlb },
		{ "PTSCOPE_IOC_TLB watch", v->tlb_watch },
		{ "PTSCOPE_IOC_PAGES by pidfd", v->pidfd_pages },
		{ "PTSCOPE_IOC_MAPS by pidfd", v->pidfd_maps },
		{ "PTSCOPE_IOC_STATS by pidfd", v->pidfd_stats },
		{ "PTSCOPE_IOC_TLB by pidfd", v->pidfd_tlb },
		{ "/proc/ptscope/pages", v->proc_pages },
		{ "/proc/ptscope/maps", v->proc_maps },
		{ "/proc/ptscope/stats", v->proc_stats },
		{ "/proc/ptscope/stats by pidfd", v->proc_pidfd_stats },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(r); i++) {
		EXPECT_EQ(want, r[i].got) {
			TH_LOG("%s: %s: %s, expected %s", what, r[i].name,
			       err_name(r[i].got), err_name(want));
		}
	}
}

/* The kernel's verdict (pagemap) is @allowed. */
static inline void expect_kernel(struct __test_metadata *_metadata, const char *what,
			  const struct verdict *v, bool allowed)
{
	if (allowed) {
		EXPECT_EQ(0, v->pagemap) {
			TH_LOG("%s: pagemap: %s", what, err_name(v->pagemap));
		}
	} else {
		EXPECT_TRUE(v->pagemap == -EACCES || v->pagemap == -EPERM) {
			TH_LOG("%s: pagemap: %s, expected a refusal", what,
			       err_name(v->pagemap));
		}
	}
}

/* ptscope and the kernel agree: both allow, or ptscope says EPERM and pagemap refuses. */
static inline void expect_verdict(struct __test_metadata *_metadata, const char *what,
			   const struct verdict *v, bool allowed)
{
	expect_ptscope(_metadata, what, v, allowed ? 0 : -EPERM);
	expect_kernel(_metadata, what, v, allowed);
}

/* ---- frames ---- */

struct frames_seen {
	int err;
	uint64_t flags[NPAGES], pfn[NPAGES], raw[NPAGES];
	uint32_t refcount[NPAGES], rg_refcount[NPAGES];
	uint64_t rg_flags[NPAGES], rg_pfn[NPAGES];	/* regions with PTSCOPE_PAGES_PFN */
	uint64_t pm[NPAGES];				/* pagemap */
	char proc_pfn[NPAGES][24];			/* /proc/ptscope/pages "all" */
};

/*
 * Look at our own @p (NPAGES present pages) through the ptscope fd @fd,
 * the pagemap fd @pmfd and the /proc/ptscope/pages fd @procfd.
 */
static inline void look(struct frames_seen *s, int fd, int pmfd, int procfd, char *p)
{
	struct ptscope_page_region r[NPAGES];
	uint64_t start = (uintptr_t)p, end = start + NPAGES * PAGE;
	char q[128], out[8192], *line, *save;
	int i = 0, n;

	memset(s, 0, sizeof(*s));
	if (fd < 0 || pmfd < 0 || procfd < 0) {
		s->err = -EBADF;
		return;
	}
	if (query_pages(fd, getpid(), start, end, 0, NPAGES, r) != NPAGES) {
		s->err = -EPROTO;
		return;
	}
	for (i = 0; i < NPAGES; i++) {
		s->flags[i] = r[i].flags;
		s->pfn[i] = r[i].pfn;
		s->raw[i] = r[i].raw;
		s->refcount[i] = r[i].refcount;
	}
	if (query_pages(fd, getpid(), start, end,
			PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN, 2, r) != NPAGES) {
		s->err = -EPROTO;
		return;
	}
	for (i = 0; i < NPAGES; i++) {
		s->rg_flags[i] = r[i].flags;
		s->rg_pfn[i] = r[i].pfn;
		s->rg_refcount[i] = r[i].refcount;
	}
	if (pread(pmfd, s->pm, sizeof(s->pm), start / PAGE * 8) != sizeof(s->pm)) {
		s->err = -EIO;
		return;
	}
	snprintf(q, sizeof(q), "%d %#llx %#llx all\n", getpid(),
		 (unsigned long long)start, (unsigned long long)end);
	if (lseek(procfd, 0, SEEK_SET) < 0 ||
	    write(procfd, q, strlen(q)) != (ssize_t)strlen(q)) {
		s->err = -errno;
		return;
	}
	n = read_all(procfd, out, sizeof(out));
	if (n != NPAGES + 1) {
		s->err = n < 0 ? n : -ENODATA;
		return;
	}
	/* START END PAGES ENTRY KIND SIZE ORDER MAPCOUNT REFCOUNT NODE PFN ... */
	i = -1;
	for (line = strtok_r(out, "\n", &save); line && i < NPAGES;
	     line = strtok_r(NULL, "\n", &save), i++) {
		char *tok, *s2;
		int col = 0;

		if (i < 0)
			continue;	/* the header */
		for (tok = strtok_r(line, " ", &s2); tok && col < 10;
		     tok = strtok_r(NULL, " ", &s2))
			col++;
		snprintf(s->proc_pfn[i], sizeof(s->proc_pfn[i]), "%s",
			 tok ? tok : "?");
	}
}

/*
 * What @s saw: pagemap's frames shown (@pagemap_visible) or hidden, and
 * ptscope's shown and equal to them (@visible) or hidden.
 */
static inline void expect_frames_apart(struct __test_metadata *_metadata,
				const char *what, const struct frames_seen *s,
				bool pagemap_visible, bool visible)
{
	char hex[24];
	int i;

	ASSERT_EQ(0, s->err) {
		TH_LOG("%s: the queries failed: %s", what, strerror(-s->err));
	}
	for (i = 0; i < NPAGES; i++) {
		uint64_t pm_pfn = s->pm[i] & PM_PFN_MASK;

		ASSERT_TRUE(s->flags[i] & PTSCOPE_PF_PRESENT);
		ASSERT_TRUE(s->pm[i] & PM_PRESENT);
		snprintf(hex, sizeof(hex), "%#llx", (unsigned long long)s->pfn[i]);
		if (pagemap_visible) {
			EXPECT_NE(0, pm_pfn) {
				TH_LOG("%s: pagemap hides the frame", what);
			}
		} else {
			EXPECT_EQ(0, pm_pfn) {
				TH_LOG("%s: pagemap shows frame %#llx", what,
				       (unsigned long long)pm_pfn);
			}
		}
		if (visible) {
			EXPECT_EQ(pm_pfn, s->pfn[i]) {
				TH_LOG("%s: page %d: pfn %#llx, pagemap %#llx", what,
				       i, (unsigned long long)s->pfn[i],
				       (unsigned long long)pm_pfn);
			}
			EXPECT_EQ(s->pfn[i], s->rg_pfn[i]);
			EXPECT_FALSE(s->flags[i] & PTSCOPE_PF_PFN_HIDDEN);
			EXPECT_FALSE(s->rg_flags[i] & PTSCOPE_PF_PFN_HIDDEN);
			EXPECT_EQ(s->pfn[i], (s->raw[i] & PTE_PFN_MASK) >> 12);
			EXPECT_STREQ(hex, s->proc_pfn[i]);
			/* Mapped here: at least this mapping's reference. */
			EXPECT_LE(1, s->refcount[i]);
			EXPECT_LE(1, s->rg_refcount[i]);
		} else {
			EXPECT_EQ(0, s->pfn[i]) {
				TH_LOG("%s: page %d: pfn %#llx shown", what, i,
				       (unsigned long long)s->pfn[i]);
			}
			EXPECT_EQ(0, s->rg_pfn[i]);
			EXPECT_TRUE(s->flags[i] & PTSCOPE_PF_PFN_HIDDEN);
			EXPECT_TRUE(s->rg_flags[i] & PTSCOPE_PF_PFN_HIDDEN);
			EXPECT_EQ(0, s->raw[i] & PTE_PFN_MASK);
			EXPECT_STREQ("-", s->proc_pfn[i]);
			/* Pins by others: only root's /proc/kpagecount tells. */
			EXPECT_EQ(0, s->refcount[i]) {
				TH_LOG("%s: page %d: refcount %u shown", what, i,
				       s->refcount[i]);
			}
			EXPECT_EQ(0, s->rg_refcount[i]);
		}
	}
}

/* Frames shown by both pagemap and ptscope (@visible), or by neither. */
static inline void expect_frames(struct __test_metadata *_metadata, const char *what,
			  const struct frames_seen *s, bool visible)
{
	expect_frames_apart(_metadata, what, s, visible, visible);
}

static inline char *map_touched(void)
{
	char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < NPAGES; i++)
		p[i * PAGE] = i + 1;
	return p;
}

struct fds {
	int dev, pagemap, proc;
};

static inline void fds_open(struct fds *f)
{
	f->dev = ptscope_open_dev();
	f->pagemap = open("/proc/self/pagemap", O_RDONLY);
	f->proc = open(PTSCOPE_PROC_DIR "/pages", O_RDWR);
}

static inline void fds_close(struct fds *f)
{
	close(f->dev);
	close(f->pagemap);
	close(f->proc);
}

/*
 * ---- root_only and perf_event_paranoid, saved before the first test and
 * restored after the last ----
 */

static const char __attribute__((unused)) paranoid_path[] = "/proc/sys/kernel/perf_event_paranoid";
static pid_t main_pid;
static char root_only_at_start[8], paranoid_at_start[8];

static inline void __attribute__((constructor)) save_root_only(void)
{
	main_pid = getpid();
	if (read_word(root_only_path, root_only_at_start,
		      sizeof(root_only_at_start)))
		root_only_at_start[0] = 0;
	/* The tests expect the default; put it back at the end. */
	if (root_only_at_start[0] == 'Y')
		write_str(root_only_path, "N");
	/*
	 * TLB watches follow perf: without CAP_PERFMON only while this is at
	 * most 1.  The differential wants pagemap's rule alone to decide them.
	 */
	if (read_word(paranoid_path, paranoid_at_start, sizeof(paranoid_at_start)))
		paranoid_at_start[0] = 0;
	write_str(paranoid_path, "1");
}

static inline void __attribute__((destructor)) restore_root_only(void)
{
	if (getpid() != main_pid)
		return;
	if (root_only_at_start[0])
		write_str(root_only_path, root_only_at_start);
	if (paranoid_at_start[0])
		write_str(paranoid_path, paranoid_at_start);
}

static inline int set_root_only(bool on)
{
	return write_str(root_only_path, on ? "Y" : "N");
}

/* ================================================================ */

/* 0 if opening the parameter @arg (NULL: root_only) to write is refused. */
static inline int open_param_for_write(void *arg)
{
	int fd = open(arg ? arg : root_only_path, O_WRONLY);

	return fd < 0 && errno == EACCES ? 0 : 1;
}

#endif /* PTSCOPE_SECURITY_VERDICT_H */
