// SPDX-License-Identifier: GPL-2.0
/*
 * Who may query whom, and who sees frames.  The test runs as root and drops
 * privileges in forked children; every verdict of ptscope is compared with
 * the kernel's own on the same access, /proc/PID/pagemap (mm_access() with
 * PTRACE_MODE_READ_FSCREDS, and PFNs only for CAP_SYS_ADMIN openers): ptscope
 * must never allow what pagemap refuses.  Also the device and /proc modes,
 * the root_only parameter, user and pid namespaces, and the LSMs (Yama,
 * Landlock), which ptscope obeys because the kernel itself opens the
 * target's pagemap for it.  See docs/security.md.
 *
 * Every long-lived child dies with its creator (PR_SET_PDEATHSIG, set after
 * the credential changes that clear it), so a failing test leaves nothing
 * behind.
 */
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/sched.h>

#include "kselftest_harness.h"
#include "ptscope_test.h"
#include "maps_oracle.h"
#include "fixtures.h"
#include "cli_exec.h"

#define UID_USER	1000	/* the unprivileged caller */
#define UID_OTHER	1001	/* another user */
#define UID_NOBODY	65534
#define SUBUID_BASE	100000	/* a container's uids 1.. (see container_run) */
#define PF_KTHREAD	0x00200000
#define PTE_PFN_MASK	0x000ffffffffff000ULL
#define NPAGES		8

static const char root_only_path[] = "/sys/module/ptscope/parameters/root_only";
static const char yama_path[] = "/proc/sys/kernel/yama/ptrace_scope";
static const char userns_clone_path[] = "/proc/sys/kernel/unprivileged_userns_clone";
static const char max_userns_path[] = "/proc/sys/user/max_user_namespaces";

/* ---- credentials ---- */

struct ids {
	uid_t uid[3];	/* real, effective, saved */
	gid_t gid[3];
};

#define IDS(u, g)	{ { u, u, u }, { g, g, g } }

struct caller {
	struct ids id;
	uint64_t drop_caps;	/* capabilities to drop from the effective set */
};

#define CALLER(u)	{ .id = IDS(u, u) }
#define ROOT		CALLER(0)
#define CAPBIT(c)	(1ULL << (c))

static int cap_effective(int cap, bool on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (on)
		d[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
	else
		d[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static bool cap_in_effective(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/* Take @id (and no supplementary groups); dumpable or not. 0 or -errno. */
static int set_ids(const struct ids *id, bool dumpable)
{
	if (setgroups(0, NULL) ||
	    setresgid(id->gid[0], id->gid[1], id->gid[2]) ||
	    setresuid(id->uid[0], id->uid[1], id->uid[2]))
		return -errno;
	/* A change of euid made us non-dumpable (fs.suid_dumpable = 0). */
	return prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0) ? -errno : 0;
}

/* Die with @creator.  Credential changes clear this: call it after them. */
static int die_with(pid_t creator)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -errno;
	return getppid() == creator ? 0 : -ESRCH;
}

/* Run @fn(@arg) in a child with @c's credentials; its pid. */
static pid_t spawn_as(const struct caller *c, int (*fn)(void *), void *arg)
{
	pid_t creator = getpid(), child;
	int cap;

	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child)
		return child;
	if (set_ids(&c->id, true) || die_with(creator))
		_exit(100);
	for (cap = 0; cap < 64; cap++)
		if ((c->drop_caps & CAPBIT(cap)) && cap_effective(cap, false))
			_exit(101);
	_exit(fn(arg));
}

/* The exit status of @child, 128 + signal if killed, -1 on error. */
static int reap(pid_t child)
{
	int status;

	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_as(const struct caller *c, int (*fn)(void *), void *arg)
{
	return reap(spawn_as(c, fn, arg));
}

static void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int read_word(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* ---- targets: processes to query ---- */

struct target {
	pid_t pid;
	uint64_t addr;	/* a present anonymous page of it */
};

static void target_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
}

/* Permitted capabilities @caps only, none effective. */
static int limit_caps(uint64_t caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	d[0].permitted = (uint32_t)caps;
	d[1].permitted = (uint32_t)(caps >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * Fork a process with @id and the permitted capabilities @caps (effective
 * none), that touches one page, forks @sharers children that share it
 * copy-on-write and touches it again, tells us where, and waits to be
 * killed (or for us to die; its children die with it).  0 or -errno.
 */
static int target_start_full(struct target *t, const struct ids *id,
			     bool dumpable, uint64_t caps, int sharers)
{
	pid_t creator = getpid();
	int ready[2], i;
	ssize_t n;

	if (pipe(ready))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		char *p;

		close(ready[0]);
		/* Keep the permitted set across setresuid(), then trim it. */
		if (caps && prctl(PR_SET_KEEPCAPS, 1))
			_exit(1);
		if (set_ids(id, dumpable) || (caps && limit_caps(caps)) ||
		    die_with(creator))
			_exit(1);
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		p[0] = 1;
		t->addr = (uintptr_t)p;
		for (i = 0; i < sharers; i++) {
			pid_t me = getpid();

			if (!fork()) {
				if (die_with(me))
					_exit(1);
				for (;;)
					pause();
			}
		}
		/* Read after the forks: accessed, and read-only if shared. */
		if (p[0] != 1 ||
		    write(ready[1], &t->addr, sizeof(t->addr)) != sizeof(t->addr))
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	n = read(ready[0], &t->addr, sizeof(t->addr));
	close(ready[0]);
	if (n != sizeof(t->addr)) {
		target_stop(t);
		return -EIO;
	}
	return 0;
}

static int target_start_caps(struct target *t, const struct ids *id,
			     bool dumpable, uint64_t caps)
{
	return target_start_full(t, id, dumpable, caps, 0);
}

static int target_start(struct target *t, const struct ids *id, bool dumpable)
{
	return target_start_caps(t, id, dumpable, 0);
}

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
static int read_all(int fd, char *out, size_t len)
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
static int proc_query(const char *name, const char *query, char *out, size_t len)
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
static int pagemap_verdict(pid_t pid, uint64_t addr)
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

static int ioctl_pages(int fd, uint64_t pid, uint64_t addr)
{
	struct ptscope_page_region vec[4];
	struct ptscope_pages a;
	long ret;

	pages_args(&a, pid, addr, addr + PAGE, 0, vec, 4);
	ret = ptscope_pages_call(fd, &a);
	return ret < 0 ? ret : ret == 1 ? 0 : -EPROTO;
}

static int ioctl_maps(int fd, uint64_t pid, uint64_t addr)
{
	struct ptscope_vma vec[1];
	struct ptscope_maps a;
	long ret;

	maps_args(&a, pid, addr, addr + PAGE, vec, 1);
	ret = ptscope_maps_call(fd, &a);
	return ret < 0 ? ret : ret == 1 ? 0 : -EPROTO;
}

static int ioctl_stats(int fd, uint64_t pid)
{
	struct ptscope_stats st = { .size = sizeof(st), .pid = pid };

	return ioctl(fd, PTSCOPE_IOC_STATS, &st) < 0 ? -errno : 0;
}

static int ioctl_tlb(int fd, uint64_t pid)
{
	struct ptscope_tlb t = { .size = sizeof(t), .pid = pid };

	return ioctl(fd, PTSCOPE_IOC_TLB, &t) < 0 ? -errno : 0;
}

static int ioctl_tlb_watch(int fd, pid_t pid)
{
	struct ptscope_tlb t = { .size = sizeof(t), .pid = pid,
				 .flags = PTSCOPE_TLB_WATCH };

	if (ioctl(fd, PTSCOPE_IOC_TLB, &t) < 0)
		return -errno;
	return t.state & PTSCOPE_TLB_WATCHING ? 0 : -EPROTO;
}

/* The doors again, naming @pid by a pidfd (PTSCOPE_PID_PIDFD). */
static void probe_by_pidfd(int fd, pid_t pid, uint64_t addr, struct verdict *v)
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
static void probe(pid_t pid, uint64_t addr, struct verdict *v)
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
static uint64_t own_page(void)
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

static int probe_child(void *arg)
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
static void expect_ptscope(struct __test_metadata *_metadata, const char *what,
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
static void expect_kernel(struct __test_metadata *_metadata, const char *what,
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
static void expect_verdict(struct __test_metadata *_metadata, const char *what,
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
static void look(struct frames_seen *s, int fd, int pmfd, int procfd, char *p)
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
static void expect_frames_apart(struct __test_metadata *_metadata,
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
static void expect_frames(struct __test_metadata *_metadata, const char *what,
			  const struct frames_seen *s, bool visible)
{
	expect_frames_apart(_metadata, what, s, visible, visible);
}

static char *map_touched(void)
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

static void fds_open(struct fds *f)
{
	f->dev = ptscope_open_dev();
	f->pagemap = open("/proc/self/pagemap", O_RDONLY);
	f->proc = open(PTSCOPE_PROC_DIR "/pages", O_RDWR);
}

static void fds_close(struct fds *f)
{
	close(f->dev);
	close(f->pagemap);
	close(f->proc);
}

/*
 * ---- root_only and perf_event_paranoid, saved before the first test and
 * restored after the last ----
 */

static const char paranoid_path[] = "/proc/sys/kernel/perf_event_paranoid";
static pid_t main_pid;
static char root_only_at_start[8], paranoid_at_start[8];

static void __attribute__((constructor)) save_root_only(void)
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

static void __attribute__((destructor)) restore_root_only(void)
{
	if (getpid() != main_pid)
		return;
	if (root_only_at_start[0])
		write_str(root_only_path, root_only_at_start);
	if (paranoid_at_start[0])
		write_str(paranoid_path, paranoid_at_start);
}

static int set_root_only(bool on)
{
	return write_str(root_only_path, on ? "Y" : "N");
}

/* ================================================================ */

TEST(modes)
{
	static const struct {
		const char *path;
		mode_t mode;
	} files[] = {
		{ PTSCOPE_PROC_DIR "/pages", 0666 },
		{ PTSCOPE_PROC_DIR "/maps", 0666 },
		{ PTSCOPE_PROC_DIR "/stats", 0666 },
		{ PTSCOPE_PROC_DIR "/version", 0444 },
		{ PTSCOPE_PROC_DIR "/status", 0400 },
		{ root_only_path, 0644 },
	};
	struct stat st;
	size_t i;

	ASSERT_EQ(0, stat(PTSCOPE_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	ASSERT_EQ(0, stat(PTSCOPE_PROC_DIR, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0555, st.st_mode & 07777);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		ASSERT_EQ(0, stat(files[i].path, &st)) {
			TH_LOG("%s: %s", files[i].path, strerror(errno));
		}
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(files[i].mode, st.st_mode & 07777) {
			TH_LOG("%s: mode %o", files[i].path, st.st_mode & 07777);
		}
		EXPECT_EQ(0, st.st_uid);
		EXPECT_EQ(0, st.st_gid);
	}
}

struct status_result {
	int open_write, open_read, read_lines, write_inherited;
	int nocap_write;
};

static int status_as_nobody(void *arg)
{
	struct status_result *r = arg;
	int fd;

	fd = open(PTSCOPE_PROC_DIR "/status", O_WRONLY);
	r->open_write = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	fd = open(PTSCOPE_PROC_DIR "/status", O_RDONLY);
	r->open_read = fd < 0 ? -errno : 0;
	if (fd >= 0) {
		r->read_lines = read_all(fd, NULL, 0);
		close(fd);
	}
	return 0;
}

/*
 * The counters (other users' queries and lock holds) are root's to read
 * (0400), and resetting them needs CAP_SYS_ADMIN.
 */
TEST(status_reset_needs_cap_sys_admin)
{
	struct status_result *r = shared_alloc(sizeof(*r));
	struct caller nobody = CALLER(UID_NOBODY);
	char val[256];
	pid_t child;
	int fd;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_as(&nobody, status_as_nobody, r));
	EXPECT_EQ(-EACCES, r->open_write);	/* 0400: DAC refuses */
	EXPECT_EQ(-EACCES, r->open_read);
	EXPECT_EQ(0, r->read_lines);

	/* An fd opened for writing by root, written by nobody: EPERM. */
	fd = open(PTSCOPE_PROC_DIR "/status", O_WRONLY);
	ASSERT_LE(0, fd);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct ids id = IDS(UID_NOBODY, UID_NOBODY);

		if (set_ids(&id, true))
			_exit(100);
		_exit(write(fd, "reset\n", 6) < 0 && errno == EPERM ? 0 : 1);
	}
	EXPECT_EQ(0, reap(child));

	/* uid 0 without CAP_SYS_ADMIN can open it (owner) but not reset. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int f2;

		if (cap_effective(CAP_SYS_ADMIN, false))
			_exit(100);
		f2 = open(PTSCOPE_PROC_DIR "/status", O_WRONLY);
		if (f2 < 0)
			_exit(2);
		_exit(write(f2, "reset\n", 6) < 0 && errno == EPERM ? 0 : 1);
	}
	EXPECT_EQ(0, reap(child));

	/* Root may. */
	EXPECT_EQ(6, write(fd, "reset\n", 6));
	close(fd);
	ASSERT_EQ(0, read_keyed_line(PTSCOPE_PROC_DIR "/status", "lock_holds",
				     val, sizeof(val)));
	EXPECT_STREQ("0", val);
	munmap(r, sizeof(*r));
}

/* ---- the access matrix ---- */

FIXTURE(access) {
	struct target t;
	struct verdict *v;
};

FIXTURE_VARIANT(access) {
	struct caller caller;
	bool self;		/* the caller queries itself */
	struct ids target;
	bool nondumpable;
	uint64_t target_caps;	/* its permitted capabilities (uid != 0) */
	bool allowed;
};

FIXTURE_SETUP(access)
{
	self->v = shared_alloc(sizeof(*self->v));
	ASSERT_NE(NULL, self->v);
	if (!variant->self) {
		ASSERT_EQ(0, target_start_caps(&self->t, &variant->target,
					       !variant->nondumpable,
					       variant->target_caps));
	}
}

FIXTURE_TEARDOWN(access)
{
	target_stop(&self->t);
	if (self->v)
		munmap(self->v, sizeof(*self->v));
}

/* Itself: always (its own thread group). */
FIXTURE_VARIANT_ADD(access, nobody_self) {
	.caller = CALLER(UID_NOBODY), .self = true, .allowed = true,
};

FIXTURE_VARIANT_ADD(access, user_self) {
	.caller = CALLER(UID_USER), .self = true, .allowed = true,
};

/* Another process of the same user, dumpable: as ptrace read. */
FIXTURE_VARIANT_ADD(access, user_same_user) {
	.caller = CALLER(UID_USER), .target = IDS(UID_USER, UID_USER),
	.allowed = true,
};

/*
 * The capability rule (commoncap's cap_ptrace_access_check(), built into
 * every kernel): the target's permitted capabilities must be a subset of
 * the caller's effective ones, in the same user namespace, or the caller
 * needs CAP_SYS_PTRACE.  A process of the same user holding capabilities
 * (a service given AmbientCapabilities=, or one that kept them across
 * setuid) is closed to it.
 */
FIXTURE_VARIANT_ADD(access, user_same_user_with_caps) {
	.caller = CALLER(UID_USER), .target = IDS(UID_USER, UID_USER),
	.target_caps = CAPBIT(CAP_NET_RAW),
};

FIXTURE_VARIANT_ADD(access, nobody_root_process) {
	.caller = CALLER(UID_NOBODY), .target = IDS(0, 0),
};

FIXTURE_VARIANT_ADD(access, user_root_process) {
	.caller = CALLER(UID_USER), .target = IDS(0, 0),
};

FIXTURE_VARIANT_ADD(access, user_other_user) {
	.caller = CALLER(UID_USER), .target = IDS(UID_OTHER, UID_OTHER),
};

FIXTURE_VARIANT_ADD(access, user_same_user_nondumpable) {
	.caller = CALLER(UID_USER), .target = IDS(UID_USER, UID_USER),
	.nondumpable = true,
};

/* Setuid-like targets: one of the real/effective/saved ids differs. */
FIXTURE_VARIANT_ADD(access, user_setuid_euid) {
	.caller = CALLER(UID_USER),
	.target = { { UID_USER, 0, UID_USER }, { UID_USER, UID_USER, UID_USER } },
};

FIXTURE_VARIANT_ADD(access, user_setuid_suid) {
	.caller = CALLER(UID_USER),
	.target = { { UID_USER, UID_USER, 0 }, { UID_USER, UID_USER, UID_USER } },
};

FIXTURE_VARIANT_ADD(access, user_setuid_ruid) {
	.caller = CALLER(UID_USER),
	.target = { { 0, UID_USER, UID_USER }, { UID_USER, UID_USER, UID_USER } },
};

FIXTURE_VARIANT_ADD(access, user_setgid_egid) {
	.caller = CALLER(UID_USER),
	.target = { { UID_USER, UID_USER, UID_USER }, { UID_USER, 0, UID_USER } },
};

FIXTURE_VARIANT_ADD(access, user_setgid_sgid) {
	.caller = CALLER(UID_USER),
	.target = { { UID_USER, UID_USER, UID_USER }, { UID_USER, UID_USER, 0 } },
};

/* Root: CAP_SYS_PTRACE overrides both the ids and dumpability. */
FIXTURE_VARIANT_ADD(access, root_other_user) {
	.caller = ROOT, .target = IDS(UID_OTHER, UID_OTHER), .allowed = true,
};

FIXTURE_VARIANT_ADD(access, root_nondumpable) {
	.caller = ROOT, .target = IDS(UID_USER, UID_USER), .nondumpable = true,
	.allowed = true,
};

/*
 * uid 0 without CAP_SYS_PTRACE is an ordinary user (CAP_DAC_OVERRIDE kept,
 * so pagemap's 0400 is no obstacle).  Without CAP_SYS_ADMIN and CAP_PERFMON
 * too: the Debian 7.2 kernel grants ptrace reads for either (see
 * cap_sys_admin_is_not_cap_sys_ptrace).
 */
#define NO_INSPECT_CAPS	(CAPBIT(CAP_SYS_PTRACE) | CAPBIT(CAP_SYS_ADMIN) | \
			 CAPBIT(CAP_PERFMON))

FIXTURE_VARIANT_ADD(access, root_no_ptrace_other_user) {
	.caller = { .id = IDS(0, 0), .drop_caps = NO_INSPECT_CAPS },
	.target = IDS(UID_OTHER, UID_OTHER),
};

/* Root that dropped a capability may not look at root that has it. */
FIXTURE_VARIANT_ADD(access, root_no_ptrace_root) {
	.caller = { .id = IDS(0, 0), .drop_caps = NO_INSPECT_CAPS },
	.target = IDS(0, 0),
};

FIXTURE_VARIANT_ADD(access, root_no_ptrace_root_nondumpable) {
	.caller = { .id = IDS(0, 0), .drop_caps = NO_INSPECT_CAPS },
	.target = IDS(0, 0), .nondumpable = true,
};

TEST_F(access, verdict_matches_pagemap)
{
	struct probe_arg a = { self->t.pid, self->t.addr, self->v };

	ASSERT_EQ(0, run_as(&variant->caller, probe_child, &a));
	expect_verdict(_metadata, "query", self->v, variant->allowed);
}

/*
 * Root without CAP_SYS_PTRACE, but with CAP_SYS_ADMIN and CAP_PERFMON, and
 * another user's process.  6.1 and 6.12 refuse it pagemap; the Debian 7.2
 * kernel allows it.  ptscope follows the kernel it runs on, whichever it
 * says: the kernel decides.
 */
TEST(cap_sys_admin_without_cap_sys_ptrace_as_the_kernel_says)
{
	struct caller admin = { .id = IDS(0, 0), .drop_caps = CAPBIT(CAP_SYS_PTRACE) };
	struct verdict *v = shared_alloc(sizeof(*v));
	struct target t = {};
	struct probe_arg a;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, target_start(&t, &(struct ids)IDS(UID_OTHER, UID_OTHER), true));
	a = (struct probe_arg){ t.pid, t.addr, v };
	ASSERT_EQ(0, run_as(&admin, probe_child, &a));
	target_stop(&t);
	expect_verdict(_metadata, "CAP_SYS_ADMIN, no CAP_SYS_PTRACE", v,
		       v->pagemap == 0);
	TH_LOG("root without CAP_SYS_PTRACE, another user: pagemap %s, ptscope %s",
	       err_name(v->pagemap), err_name(v->pages));
	munmap(v, sizeof(*v));
}

/* ---- single cases ---- */

struct self_nd_result {
	struct verdict nondumpable, dumpable;
	int maps;
};

static int query_self_nondumpable(void *arg)
{
	struct self_nd_result *r = arg;
	uint64_t addr = own_page();
	int fd;

	if (prctl(PR_SET_DUMPABLE, 0))
		return 1;
	probe(getpid(), addr, &r->nondumpable);
	/* mm_access() always lets a process see itself: /proc/self/maps. */
	fd = open("/proc/self/maps", O_RDONLY);
	r->maps = fd < 0 ? -errno : read_all(fd, NULL, 0) > 0 ? 0 : -ENODATA;
	if (fd >= 0)
		close(fd);
	if (prctl(PR_SET_DUMPABLE, 1))
		return 1;
	probe(getpid(), addr, &r->dumpable);
	return 0;
}

/*
 * A non-dumpable process: mm_access() lets it read /proc/self/maps, but
 * /proc/self/pagemap is 0400 and owned by root while the process is
 * non-dumpable, so the open is refused, and ptscope, which the same open
 * decides, refuses too.  Dumpable again, it may look at itself.
 */
TEST(nondumpable_process_is_refused_itself_as_pagemap)
{
	struct self_nd_result *r = shared_alloc(sizeof(*r));
	struct caller user = CALLER(UID_USER);

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_as(&user, query_self_nondumpable, r));
	expect_ptscope(_metadata, "non-dumpable self", &r->nondumpable, -EPERM);
	EXPECT_EQ(0, r->maps);
	EXPECT_EQ(-EACCES, r->nondumpable.pagemap) {
		TH_LOG("pagemap of a non-dumpable self: %s",
		       err_name(r->nondumpable.pagemap));
	}
	expect_verdict(_metadata, "dumpable again", &r->dumpable, true);
	munmap(r, sizeof(*r));
}

/*
 * A /proc/ptscope query is authorised when it is written, with the
 * credentials of the file's opener and of the writer, and stays bound to
 * that address space: whoever reads the file gets that answer, as whoever
 * reads a pagemap file gets its opener's.  A new query written by someone
 * the kernel would refuse is refused, through the same open file.
 */
TEST(proc_query_authorised_when_written)
{
	static const char *const names[] = { "pages", "maps", "stats" };
	struct target t = {};
	int fds[3], i, n;
	char q[3][128];
	pid_t child;

	ASSERT_EQ(0, target_start(&t, &(struct ids)IDS(0, 0), true));
	for (i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", names[i]);
		fds[i] = open(path, O_RDWR);
		ASSERT_LE(0, fds[i]);
		if (i < 2)
			snprintf(q[i], sizeof(q[i]), "%d %#llx %#llx\n", t.pid,
				 (unsigned long long)t.addr,
				 (unsigned long long)t.addr + PAGE);
		else
			snprintf(q[i], sizeof(q[i]), "%d\n", t.pid);
		/* Root writes the query: allowed. */
		ASSERT_EQ((ssize_t)strlen(q[i]), write(fds[i], q[i], strlen(q[i])));
	}
	/*
	 * Nobody inherits the files: reads root's answer, but its own query
	 * of the same process is refused (it could not open its pagemap).
	 */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct ids id = IDS(UID_NOBODY, UID_NOBODY);

		if (set_ids(&id, true))
			_exit(100);
		if (pagemap_verdict(t.pid, t.addr) != -EACCES)
			_exit(99);
		for (i = 0; i < 3; i++) {
			if (read_all(fds[i], NULL, 0) < 2)
				_exit(1 + i);
			errno = 0;
			if (write(fds[i], q[i], strlen(q[i])) != -1 || errno != EPERM)
				_exit(10 + i);
		}
		_exit(0);
	}
	EXPECT_EQ(0, reap(child)) {
		TH_LOG("nobody with root's files (1-3: no answer, 10-12: its own query allowed)");
	}
	/* Root still reads the query it wrote. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, lseek(fds[i], 0, SEEK_SET));
		n = read_all(fds[i], NULL, 0);
		EXPECT_LE(2, n) {
			TH_LOG("/proc/ptscope/%s as root: %d", names[i], n);
		}
		close(fds[i]);
	}
	target_stop(&t);
}

/*
 * A query stays bound to the address space it was authorised for: once
 * the process execs (here a setuid-free image, the mechanism is the same
 * for a setuid one) every read fails with ESRCH, never answering about the
 * new image.  A new query is authorised afresh.
 */
TEST(proc_query_ends_at_exec)
{
	static const char *const names[] = { "pages", "maps", "stats" };
	int go[2], fds[3], i, n;
	char q[128], exe[PATH_MAX], path[64];
	uint64_t addr;
	pid_t child;

	ASSERT_EQ(0, pipe(go));
	addr = own_page();
	ASSERT_NE(0, addr);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		char x;

		close(go[1]);
		if (read(go[0], &x, 1) != 1)
			_exit(1);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(2);
	}
	close(go[0]);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", names[i]);
		fds[i] = open(path, O_RDWR);
		ASSERT_LE(0, fds[i]);
		if (i < 2)
			snprintf(q, sizeof(q), "%d %#llx %#llx\n", child,
				 (unsigned long long)addr,
				 (unsigned long long)addr + PAGE);
		else
			snprintf(q, sizeof(q), "%d\n", child);
		ASSERT_EQ((ssize_t)strlen(q), write(fds[i], q, strlen(q)));
		EXPECT_LE(2, read_all(fds[i], NULL, 0)) {
			TH_LOG("/proc/ptscope/%s before the exec", names[i]);
		}
	}
	/* The exec, seen through /proc/PID/exe. */
	ASSERT_EQ(1, write(go[1], "x", 1));
	snprintf(path, sizeof(path), "/proc/%d/exe", child);
	for (n = 0; n < 500; n++) {
		ssize_t len = readlink(path, exe, sizeof(exe) - 1);

		if (len > 0) {
			exe[len] = 0;
			if (strstr(exe, "sleep"))
				break;
		}
		usleep(10000);
	}
	ASSERT_GT(500, n) TH_LOG("the child did not exec sleep");
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, lseek(fds[i], 0, SEEK_SET));
		EXPECT_EQ(-ESRCH, read_all(fds[i], NULL, 0)) {
			TH_LOG("/proc/ptscope/%s after the exec", names[i]);
		}
		close(fds[i]);
	}
	/* A new query of the new image: allowed. */
	snprintf(q, sizeof(q), "%d\n", child);
	EXPECT_EQ(0, proc_query("stats", q, NULL, 0));
	kill(child, SIGKILL);
	reap(child);
	close(go[1]);
}

/* ---- files handed to another process (SCM_RIGHTS) ---- */

struct passed_fds {
	int dev, proc;
};

/* As nobody: open the doors and send them up @arg's socket. */
static int send_doors(void *arg)
{
	int sock = *(int *)arg;
	int fds[2] = { ptscope_open_dev(), open(PTSCOPE_PROC_DIR "/stats", O_RDWR) };
	char cbuf[CMSG_SPACE(sizeof(fds))] = {}, x = 'x';
	struct iovec iov = { &x, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (fds[0] < 0 || fds[1] < 0)
		return 1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : 2;
}

static int recv_doors(int sock, struct passed_fds *p)
{
	int fds[2];
	char cbuf[CMSG_SPACE(sizeof(fds))], x;
	struct iovec iov = { &x, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(fds)))
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	p->dev = fds[0];
	p->proc = fds[1];
	return 0;
}

/*
 * Files opened by nobody and handed to root answer as nobody: root's own
 * rights do not widen them (pagemap judges its opener too).  Root's own
 * files answer as root.
 */
TEST(files_handed_to_root_answer_as_their_opener)
{
	struct caller nobody = CALLER(UID_NOBODY);
	struct passed_fds p;
	struct target t = {};
	int sv[2], mine;
	char q[32];

	ASSERT_EQ(0, target_start(&t, &(struct ids)IDS(0, 0), true));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, run_as(&nobody, send_doors, &sv[1]));
	ASSERT_EQ(0, recv_doors(sv[0], &p));
	EXPECT_EQ(-EPERM, ioctl_pages(p.dev, t.pid, t.addr));
	EXPECT_EQ(-EPERM, ioctl_maps(p.dev, t.pid, t.addr));
	EXPECT_EQ(-EPERM, ioctl_stats(p.dev, t.pid));
	snprintf(q, sizeof(q), "%d\n", t.pid);
	errno = 0;
	EXPECT_EQ(-1, write(p.proc, q, strlen(q)));
	EXPECT_EQ(EPERM, errno);
	/* The same queries through root's own files. */
	mine = ptscope_open_dev();
	ASSERT_LE(0, mine);
	EXPECT_EQ(0, ioctl_pages(mine, t.pid, t.addr));
	EXPECT_EQ(0, proc_query("stats", q, NULL, 0));
	close(mine);
	close(p.dev);
	close(p.proc);
	close(sv[0]);
	close(sv[1]);
	target_stop(&t);
}

/* ---- names from user space ---- */

/* The last field of the line of @path whose first field starts with @key. */
static int line_field(const char *path, const char *key, int field,
		      char *out, size_t len)
{
	char line[1024], *tok, *save;
	FILE *f = fopen(path, "r");
	int i, ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		line[strcspn(line, "\n")] = 0;
		tok = strtok_r(line, " \t", &save);
		for (i = 0; tok && i < field; i++)
			tok = strtok_r(NULL, field == i + 1 ? "" : " \t", &save);
		if (tok) {
			snprintf(out, len, "%s", tok);
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

/*
 * A mapped file named with a newline and a thread whose comm holds one
 * cannot forge lines: /proc/ptscope/maps shows the name as
 * /proc/PID/maps does, /proc/ptscope/stats the comm as /proc/PID/status.
 */
TEST(names_are_escaped_as_proc_escapes_them)
{
	static const char name[] = "/tmp/ptscope name\nforged 0x0 0x0";
	static const char comm[] = "pt\nforged";
	char q[64], out[16384], want[512], got[512], path[64], key[32];
	int ready[2], fd, lines_maps, lines_out;
	uint64_t start;
	char *line, *save;
	pid_t child;

	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		uint64_t a = (uintptr_t)p;

		if (p == MAP_FAILED || prctl(PR_SET_NAME, comm))
			_exit(1);
		if (write(ready[1], &a, sizeof(a)) != sizeof(a))
			_exit(2);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(sizeof(start), read(ready[0], &start, sizeof(start)));
	close(ready[0]);
	close(fd);

	/* The oracle: the path field of /proc/PID/maps, escaped by the kernel. */
	snprintf(path, sizeof(path), "/proc/%d/maps", child);
	snprintf(key, sizeof(key), "%llx-", (unsigned long long)start);
	ASSERT_EQ(0, line_field(path, key, 5, want, sizeof(want)));
	while (*want == ' ')
		memmove(want, want + 1, strlen(want));
	EXPECT_NE(NULL, strstr(want, "\\012"));
	snprintf(q, sizeof(q), "%d %#llx %#llx\n", child,
		 (unsigned long long)start, (unsigned long long)start + PAGE);
	lines_out = proc_query("maps", q, out, sizeof(out));
	EXPECT_EQ(0, lines_out);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("want \"%s\" in: %s", want, out);
	lines_maps = 0;
	for (line = out; (line = strchr(line, '\n')); line++)
		lines_maps++;
	EXPECT_EQ(3, lines_maps) TH_LOG("%s", out);	/* header, the file, total */

	/* comm: as /proc/PID/status's Name: line has it. */
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	ASSERT_EQ(0, line_field(path, "Name:", 1, want, sizeof(want)));
	while (*want == '\t' || *want == ' ')
		memmove(want, want + 1, strlen(want));
	EXPECT_STREQ("pt\\nforged", want);
	snprintf(q, sizeof(q), "%d threads\n", child);
	EXPECT_EQ(0, proc_query("stats", q, out, sizeof(out)));
	got[0] = 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		EXPECT_NE(0, strncmp(line, "forged", 6)) TH_LOG("a forged line");
		if (!strncmp(line, "thread ", 7))
			snprintf(got, sizeof(got), "%s", strrchr(line, ' ') + 1);
	}
	EXPECT_STREQ(want, got);
	kill(child, SIGKILL);
	reap(child);
	unlink(name);
}

struct kthread_result {
	int pages, maps, stats, proc;
};

static int query_kthreadd(void *arg)
{
	struct kthread_result *r = arg;
	int fd = ptscope_open_dev();

	r->pages = ioctl_pages(fd, 2, 0x400000);
	r->maps = ioctl_maps(fd, 2, 0x400000);
	r->stats = ioctl_stats(fd, 2);
	r->proc = proc_query("stats", "2\n", NULL, 0);
	close(fd);
	return 0;
}

TEST(kernel_thread_is_einval)
{
	struct kthread_result *r = shared_alloc(sizeof(*r));
	struct caller root = ROOT, nobody = CALLER(UID_NOBODY);
	char stat[512], *p;
	unsigned long flags = 0;
	uint64_t pm;
	int fd, pass;

	ASSERT_NE(NULL, r);
	fd = open("/proc/2/stat", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, stat, sizeof(stat) - 1));
	close(fd);
	stat[sizeof(stat) - 1] = 0;
	p = strrchr(stat, ')');
	ASSERT_NE(NULL, p);
	/* ") S ppid pgrp session tty_nr tpgid flags" */
	ASSERT_EQ(1, sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags));
	if (!(flags & PF_KTHREAD))
		SKIP(return, "pid 2 is not a kernel thread here");

	/*
	 * The kernel: pid 2 has no address space; pagemap reads nothing
	 * (6.1), or refuses to open with ESRCH (6.12, 7.2).
	 */
	fd = open("/proc/2/pagemap", O_RDONLY);
	if (fd < 0) {
		EXPECT_EQ(ESRCH, errno);
	} else {
		EXPECT_EQ(0, pread(fd, &pm, sizeof(pm), 0x400000 / PAGE * 8));
		close(fd);
	}

	for (pass = 0; pass < 2; pass++) {
		memset(r, 0, sizeof(*r));
		ASSERT_EQ(0, run_as(pass ? &nobody : &root, query_kthreadd, r));
		EXPECT_EQ(-EINVAL, r->pages);
		EXPECT_EQ(-EINVAL, r->maps);
		EXPECT_EQ(-EINVAL, r->stats);
		EXPECT_EQ(-EINVAL, r->proc);
	}
	munmap(r, sizeof(*r));
}

TEST(missing_process_is_esrch)
{
	int fd = ptscope_open_dev();
	siginfo_t si;
	pid_t gone;

	ASSERT_LE(0, fd);
	gone = fork();
	ASSERT_LE(0, gone);
	if (!gone)
		_exit(0);
	/* A zombie: the pid exists (kill says so) but has no address space. */
	ASSERT_EQ(0, waitid(P_PID, gone, &si, WEXITED | WNOWAIT));
	EXPECT_EQ(0, kill(gone, 0));
	EXPECT_EQ(-ESRCH, ioctl_pages(fd, gone, 0x400000));
	EXPECT_EQ(-ESRCH, ioctl_maps(fd, gone, 0x400000));
	EXPECT_EQ(-ESRCH, ioctl_stats(fd, gone));
	/* Reaped: no such process, says kill(2) too. */
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	EXPECT_EQ(-1, kill(gone, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-ESRCH, ioctl_pages(fd, gone, 0x400000));
	EXPECT_EQ(-ESRCH, ioctl_maps(fd, gone, 0x400000));
	EXPECT_EQ(-ESRCH, ioctl_stats(fd, gone));
	{
		char q[32];

		snprintf(q, sizeof(q), "%d\n", gone);
		EXPECT_EQ(-ESRCH, proc_query("stats", q, NULL, 0));
	}
	close(fd);
}

/* ---- frames ---- */

static int frames_fresh_fds(void *arg)
{
	struct frames_seen *s = arg;
	char *p = map_touched();
	struct fds f;

	if (!p)
		return 1;
	fds_open(&f);
	look(s, f.dev, f.pagemap, f.proc, p);
	fds_close(&f);
	return 0;
}

TEST(frames_hidden_without_cap_sys_admin)
{
	struct frames_seen *s = shared_alloc(sizeof(*s));
	struct caller nobody = CALLER(UID_NOBODY);

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, run_as(&nobody, frames_fresh_fds, s));
	expect_frames(_metadata, "nobody", s, false);
	munmap(s, sizeof(*s));
}

TEST(frames_shown_to_root)
{
	struct frames_seen *s = shared_alloc(sizeof(*s));
	struct caller root = ROOT;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, run_as(&root, frames_fresh_fds, s));
	expect_frames(_metadata, "root", s, true);
	munmap(s, sizeof(*s));
}

/*
 * A pagemap file opened as root keeps showing frames after the process
 * drops to nobody.  A ptscope file is no window bound to one process: its
 * queries show frames only when both its opener and the caller have
 * CAP_SYS_ADMIN, so the same files used as nobody hide them, and so do
 * files opened after that.
 */
TEST(frames_need_both_opener_and_caller)
{
	struct frames_seen *s = shared_alloc(2 * sizeof(*s));
	pid_t child, creator = getpid();

	ASSERT_NE(NULL, s);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct ids id = IDS(UID_NOBODY, UID_NOBODY);
		char *p = map_touched();
		struct fds as_root, as_nobody;

		if (!p)
			_exit(1);
		fds_open(&as_root);
		if (set_ids(&id, true) || die_with(creator))
			_exit(100);
		fds_open(&as_nobody);
		look(&s[0], as_root.dev, as_root.pagemap, as_root.proc, p);
		look(&s[1], as_nobody.dev, as_nobody.pagemap, as_nobody.proc, p);
		_exit(0);
	}
	ASSERT_EQ(0, reap(child));
	expect_frames_apart(_metadata, "opened as root, used as nobody", &s[0],
			    true, false);
	expect_frames(_metadata, "opened as nobody", &s[1], false);
	munmap(s, 2 * sizeof(*s));
}

/*
 * CAP_SYS_ADMIN in the effective set at open time is what counts: root
 * without it opens files that hide frames, and they keep hiding them after
 * it is raised again; files opened after that show them.
 */
TEST(frames_need_cap_sys_admin_at_open)
{
	struct frames_seen *s = shared_alloc(2 * sizeof(*s));
	pid_t child, creator = getpid();

	ASSERT_NE(NULL, s);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		char *p = map_touched();
		struct fds without, with;

		if (!p || die_with(creator))
			_exit(1);
		if (cap_effective(CAP_SYS_ADMIN, false) ||
		    cap_in_effective(CAP_SYS_ADMIN))
			_exit(2);
		fds_open(&without);
		if (cap_effective(CAP_SYS_ADMIN, true) ||
		    !cap_in_effective(CAP_SYS_ADMIN))
			_exit(3);
		fds_open(&with);
		look(&s[0], without.dev, without.pagemap, without.proc, p);
		look(&s[1], with.dev, with.pagemap, with.proc, p);
		_exit(0);
	}
	ASSERT_EQ(0, reap(child));
	expect_frames(_metadata, "opened without CAP_SYS_ADMIN", &s[0], false);
	expect_frames(_metadata, "opened with CAP_SYS_ADMIN", &s[1], true);
	munmap(s, 2 * sizeof(*s));
}

#define SWAP_PAGES	32

struct swap_seen {
	int err;
	uint64_t addr;
	struct ptscope_page_region r[SWAP_PAGES];
	uint64_t pm[SWAP_PAGES];
};

/*
 * Swap offsets are hidden like frames: pagemap gives a swapped page's
 * entry as swap bit only, and ptscope must give no swap type or offset,
 * in its fields or in @raw, to a caller without CAP_SYS_ADMIN.
 */
TEST(swap_entries_hidden_without_cap_sys_admin)
{
	struct swap_seen *s = shared_alloc(sizeof(*s));
	struct ptscope_page_region root_view[SWAP_PAGES];
	uint64_t pm[SWAP_PAGES];
	int ready[2], i, swapped = 0, leaks = 0, first_leak = -1, fd;
	pid_t child, creator = getpid();
	char x;

	ASSERT_NE(NULL, s);
	if (!ensure_swap())
		SKIP(return, "no swap (zram) available");
	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct ids id = IDS(UID_NOBODY, UID_NOBODY);
		char *p;

		close(ready[0]);
		if (set_ids(&id, true) || die_with(creator))
			_exit(100);
		p = map_anon(SWAP_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
		if (!p)
			_exit(1);
		madvise(p, SWAP_PAGES * PAGE, MADV_NOHUGEPAGE);
		for (i = 0; i < SWAP_PAGES; i++)
			memset(p + i * PAGE, i + 1, 64);	/* zram must store them */
		s->addr = (uintptr_t)p;
		if (madvise(p, SWAP_PAGES * PAGE, MADV_PAGEOUT))
			s->err = -errno;
		fd = ptscope_open_dev();
		if (!s->err &&
		    query_pages(fd, getpid(), s->addr, s->addr + SWAP_PAGES * PAGE,
				0, SWAP_PAGES, s->r) != SWAP_PAGES)
			s->err = -EPROTO;
		if (!s->err)
			s->err = pagemap_read(getpid(), s->addr, SWAP_PAGES, s->pm);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &x, 1));
	close(ready[0]);
	if (s->err == -EINVAL) {
		target_stop(&(struct target){ .pid = child });
		SKIP(return, "MADV_PAGEOUT not supported");
	}
	ASSERT_EQ(0, s->err);

	/* Root looks at the same pages: the real entries. */
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(SWAP_PAGES, query_pages(fd, child, s->addr,
					  s->addr + SWAP_PAGES * PAGE, 0,
					  SWAP_PAGES, root_view));
	ASSERT_EQ(0, pagemap_read(child, s->addr, SWAP_PAGES, pm));
	close(fd);
	target_stop(&(struct target){ .pid = child });

	for (i = 0; i < SWAP_PAGES; i++) {
		const struct ptscope_page_region *r = &s->r[i];

		if (r->entry != PTSCOPE_ENTRY_SWAP)
			continue;
		swapped++;
		/* What nobody saw, and what pagemap showed nobody. */
		EXPECT_TRUE(s->pm[i] & PM_SWAP);
		EXPECT_EQ(0, s->pm[i] & PM_PFN_MASK);
		EXPECT_TRUE(r->flags & PTSCOPE_PF_SWAP);
		EXPECT_TRUE(r->flags & PTSCOPE_PF_PFN_HIDDEN);
		EXPECT_EQ(0, r->swap_offset);
		EXPECT_EQ(0, r->swap_type);
		/* x86-64 swap PTE: bits 9-58 are ~offset, 59-63 the type. */
		if (r->raw & ~0x1ffULL) {
			leaks++;
			if (first_leak < 0)
				first_leak = i;
		}
		/* Root sees the real entry, equal to root's pagemap. */
		if (root_view[i].entry == PTSCOPE_ENTRY_SWAP) {
			EXPECT_NE(0, root_view[i].swap_offset);
			EXPECT_FALSE(root_view[i].flags & PTSCOPE_PF_PFN_HIDDEN);
			EXPECT_EQ((pm[i] & PM_PFN_MASK) >> 5, root_view[i].swap_offset);
			EXPECT_EQ(pm[i] & 0x1f, root_view[i].swap_type);
		}
	}
	if (!swapped)
		SKIP(return, "MADV_PAGEOUT swapped nothing out");
	EXPECT_EQ(0, leaks) {
		i = first_leak;
		TH_LOG("%d of %d swap entries keep swap bits in raw, e.g. page %d: raw %#llx, where root sees offset %#llx type %u",
		       leaks, swapped, i, (unsigned long long)s->r[i].raw,
		       (unsigned long long)root_view[i].swap_offset,
		       root_view[i].swap_type);
	}
	munmap(s, sizeof(*s));
}

/* ---- pid namespaces ---- */

struct pidns_result {
	int err, pid_in_ns, stats_self, nr_threads, pages_self;
	uint64_t tid;
	char comm[16];
	int outer, kill_outer, two, kill_two;
};

static int pidns_init(struct pidns_result *r, pid_t outer)
{
	struct ptscope_thread th[4];
	struct ptscope_stats st = {
		.size = sizeof(st), .flags = PTSCOPE_STATS_THREADS, .pid = 1,
		.threads = (uintptr_t)th, .threads_len = 4,
		.thread_size = sizeof(th[0]),
	};
	int fd = ptscope_open_dev();

	prctl(PR_SET_NAME, "ptscope-pidns");
	r->pid_in_ns = getpid();
	r->stats_self = ioctl(fd, PTSCOPE_IOC_STATS, &st) < 0 ? -errno : 0;
	r->nr_threads = st.nr_threads;
	r->tid = th[0].tid;
	memcpy(r->comm, th[0].comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = 0;
	r->pages_self = ioctl_pages(fd, 1, own_page());
	r->outer = ioctl_stats(fd, outer);
	r->kill_outer = kill(outer, 0) ? -errno : 0;
	r->two = ioctl_stats(fd, 2);
	r->kill_two = kill(2, 0) ? -errno : 0;
	close(fd);
	return 0;
}

/*
 * Pids are looked up in the caller's pid namespace (find_get_pid()), as
 * kill(2) looks them up: in a new one, pid 1 is the caller itself, and
 * pids of the parent namespace do not exist.
 */
TEST(pids_are_in_the_callers_pid_namespace)
{
	struct pidns_result *r = shared_alloc(sizeof(*r));
	pid_t outer = getpid(), x;

	ASSERT_NE(NULL, r);
	r->err = -EAGAIN;
	x = fork();
	ASSERT_LE(0, x);
	if (!x) {
		pid_t g;

		if (die_with(outer))
			_exit(1);
		if (unshare(CLONE_NEWPID)) {
			r->err = -errno;
			_exit(0);
		}
		g = fork();
		if (!g) {
			/* Our parent is outside the namespace: getppid() is 0. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			r->err = 0;
			_exit(pidns_init(r, outer));
		}
		_exit(reap(g));
	}
	ASSERT_EQ(0, reap(x));
	if (r->err == -EPERM || r->err == -EINVAL)
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(-r->err));
	ASSERT_EQ(0, r->err);
	EXPECT_EQ(1, r->pid_in_ns);
	EXPECT_EQ(0, r->stats_self);
	EXPECT_EQ(1, r->nr_threads);
	EXPECT_EQ(1, r->tid);			/* tids in the caller's namespace too */
	EXPECT_STREQ("ptscope-pidns", r->comm);	/* pid 1 is us, not init */
	EXPECT_EQ(0, r->pages_self);
	EXPECT_EQ(-ESRCH, r->kill_outer);
	EXPECT_EQ(-ESRCH, r->outer);
	EXPECT_EQ(-ESRCH, r->kill_two);
	EXPECT_EQ(-ESRCH, r->two);		/* not kthreadd's EINVAL */
	munmap(r, sizeof(*r));
}

/* ---- root_only ---- */

FIXTURE(root_only) {
	struct verdict *v;
	struct target t;
};

FIXTURE_SETUP(root_only)
{
	self->v = shared_alloc(sizeof(*self->v));
	ASSERT_NE(NULL, self->v);
	ASSERT_EQ(0, set_root_only(true));
}

FIXTURE_TEARDOWN(root_only)
{
	set_root_only(false);
	target_stop(&self->t);
	if (self->v)
		munmap(self->v, sizeof(*self->v));
}

TEST_F(root_only, refuses_unprivileged_callers)
{
	struct caller nobody = CALLER(UID_NOBODY), user = CALLER(UID_USER);
	struct probe_arg a = { 0, 0, self->v };

	/* Even themselves, which pagemap allows. */
	ASSERT_EQ(0, run_as(&nobody, probe_child, &a));
	expect_ptscope(_metadata, "nobody, itself", self->v, -EPERM);
	expect_kernel(_metadata, "nobody, itself", self->v, true);

	ASSERT_EQ(0, target_start(&self->t, &(struct ids)IDS(UID_USER, UID_USER), true));
	a.pid = self->t.pid;
	a.addr = self->t.addr;
	ASSERT_EQ(0, run_as(&user, probe_child, &a));
	expect_ptscope(_metadata, "user, same user", self->v, -EPERM);
	expect_kernel(_metadata, "user, same user", self->v, true);
}

TEST_F(root_only, allows_root)
{
	struct caller root = ROOT;
	struct probe_arg a = { 0, 0, self->v };

	ASSERT_EQ(0, run_as(&root, probe_child, &a));
	expect_verdict(_metadata, "root, itself", self->v, true);
	ASSERT_EQ(0, target_start(&self->t, &(struct ids)IDS(UID_OTHER, UID_OTHER), true));
	a.pid = self->t.pid;
	a.addr = self->t.addr;
	ASSERT_EQ(0, run_as(&root, probe_child, &a));
	expect_verdict(_metadata, "root, another user", self->v, true);
}

/* CAP_SYS_ADMIN, not uid 0. */
TEST_F(root_only, refuses_root_without_cap_sys_admin)
{
	struct caller root = { .id = IDS(0, 0), .drop_caps = CAPBIT(CAP_SYS_ADMIN) };
	struct probe_arg a = { 0, 0, self->v };

	ASSERT_EQ(0, run_as(&root, probe_child, &a));
	expect_ptscope(_metadata, "uid 0 without CAP_SYS_ADMIN", self->v, -EPERM);
}

/*
 * root_only is a rule of each query: once it is set, every new query of an
 * unprivileged caller is refused, through files it opened before too.  A
 * query bound before (authorised then) still answers, as a pagemap file
 * opened before a change of rights does.
 */
TEST_F(root_only, is_checked_for_every_query)
{
	int up[2], down[2];
	pid_t child, creator = getpid();
	char x;

	ASSERT_EQ(0, set_root_only(false));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct ids id = IDS(UID_NOBODY, UID_NOBODY);
		char q[32];
		int fd, fresh, dev;

		if (set_ids(&id, true) || die_with(creator))
			_exit(100);
		fd = open(PTSCOPE_PROC_DIR "/stats", O_RDWR);
		fresh = open(PTSCOPE_PROC_DIR "/stats", O_RDWR);
		dev = ptscope_open_dev();
		snprintf(q, sizeof(q), "%d\n", getpid());
		if (fd < 0 || fresh < 0 || dev < 0 ||
		    write(fd, q, strlen(q)) != (ssize_t)strlen(q))
			_exit(1);
		if (ioctl_stats(dev, getpid()))
			_exit(2);
		if (write(up[1], "w", 1) != 1 || read(down[0], &x, 1) != 1)
			_exit(3);
		if (read_all(fd, NULL, 0) < 2)
			_exit(4);
		if (ioctl_stats(dev, getpid()) != -EPERM)
			_exit(5);
		errno = 0;
		if (write(fresh, q, strlen(q)) != -1 || errno != EPERM)
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(1, read(up[0], &x, 1));
	ASSERT_EQ(0, set_root_only(true));
	ASSERT_EQ(1, write(down[1], "r", 1));
	EXPECT_EQ(0, reap(child)) {
		TH_LOG("4: the bound query stopped answering; 5, 6: a new query was allowed");
	}
}

/* 0 if opening the parameter @arg (NULL: root_only) to write is refused. */
static int open_param_for_write(void *arg)
{
	int fd = open(arg ? arg : root_only_path, O_WRONLY);

	return fd < 0 && errno == EACCES ? 0 : 1;
}

TEST_F(root_only, unprivileged_cannot_change_it)
{
	struct caller nobody = CALLER(UID_NOBODY);

	EXPECT_EQ(0, run_as(&nobody, open_param_for_write, NULL));
}

/* ---- user namespaces ---- */

FIXTURE(userns) {
	char clone[16], max[16];
	struct target root_t, other_t, same_t;
};

FIXTURE_SETUP(userns)
{
	/* Debian's switch for unprivileged user namespaces, and the limit. */
	if (!read_word(userns_clone_path, self->clone, sizeof(self->clone)))
		ASSERT_EQ(0, write_str(userns_clone_path, "1"));
	if (!read_word(max_userns_path, self->max, sizeof(self->max)) &&
	    !strcmp(self->max, "0"))
		ASSERT_EQ(0, write_str(max_userns_path, "64"));
}

FIXTURE_TEARDOWN(userns)
{
	target_stop(&self->root_t);
	target_stop(&self->other_t);
	target_stop(&self->same_t);
	if (self->clone[0])
		write_str(userns_clone_path, self->clone);
	if (self->max[0])
		write_str(max_userns_path, self->max);
}

/* Become root of a new user namespace that maps only our own ids. */
static int enter_userns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWUSER))
		return -errno;
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	if (write_str("/proc/self/uid_map", map))
		return -EIO;
	if (write_str("/proc/self/setgroups", "deny"))
		return -EIO;
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	if (write_str("/proc/self/gid_map", map))
		return -EIO;
	return 0;
}

struct userns_result {
	int unshare, uid, sys_admin, sys_ptrace;
	struct verdict self_v, root_v, other_v, same_v;
	struct frames_seen frames;
	pid_t root_pid, other_pid, same_pid;
	uint64_t root_addr, other_addr, same_addr;
};

static int userns_child(void *arg)
{
	struct userns_result *r = arg;
	char *p;
	struct fds f;

	r->unshare = enter_userns();
	if (r->unshare)
		return 0;
	r->uid = getuid();
	r->sys_admin = cap_in_effective(CAP_SYS_ADMIN);
	r->sys_ptrace = cap_in_effective(CAP_SYS_PTRACE);
	probe(getpid(), own_page(), &r->self_v);
	probe(r->root_pid, r->root_addr, &r->root_v);
	probe(r->other_pid, r->other_addr, &r->other_v);
	probe(r->same_pid, r->same_addr, &r->same_v);
	p = map_touched();
	if (!p)
		return 1;
	fds_open(&f);
	look(&r->frames, f.dev, f.pagemap, f.proc, p);
	fds_close(&f);
	return 0;
}

/*
 * Root of its own user namespace has every capability there and none in
 * the initial one: it sees itself without frames, and other users'
 * processes not at all.  Nor, though its kernel uid is unchanged, a
 * process of its own uid outside the namespace: the capability rule wants
 * the same user namespace or CAP_SYS_PTRACE in the target's (pagemap
 * refuses).
 */
TEST_F(userns, namespace_root_is_still_the_user)
{
	struct userns_result *r = shared_alloc(sizeof(*r));
	struct caller user = CALLER(UID_USER);

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, target_start(&self->root_t, &(struct ids)IDS(0, 0), true));
	ASSERT_EQ(0, target_start(&self->other_t,
				  &(struct ids)IDS(UID_OTHER, UID_OTHER), true));
	ASSERT_EQ(0, target_start(&self->same_t,
				  &(struct ids)IDS(UID_USER, UID_USER), true));
	r->root_pid = self->root_t.pid;
	r->root_addr = self->root_t.addr;
	r->other_pid = self->other_t.pid;
	r->other_addr = self->other_t.addr;
	r->same_pid = self->same_t.pid;
	r->same_addr = self->same_t.addr;
	ASSERT_EQ(0, run_as(&user, userns_child, r));
	if (r->unshare)
		SKIP(return, "unshare(CLONE_NEWUSER) as uid %d: %s (with %s=1)",
		     UID_USER, strerror(-r->unshare), userns_clone_path);
	ASSERT_EQ(0, r->uid);
	ASSERT_TRUE(r->sys_admin);
	ASSERT_TRUE(r->sys_ptrace);
	expect_verdict(_metadata, "userns root, itself", &r->self_v, true);
	expect_verdict(_metadata, "userns root, init's root", &r->root_v, false);
	expect_verdict(_metadata, "userns root, another user", &r->other_v, false);
	expect_verdict(_metadata, "userns root, its own uid outside", &r->same_v, false);
	expect_frames(_metadata, "userns root", &r->frames, false);
	munmap(r, sizeof(*r));
}

/*
 * A container: uid 1000 creates a user namespace whose root is itself and
 * whose uids 1.. map to SUBUID_BASE + 1.. (root writes the map, as
 * newuidmap would), forks a process that becomes uid 1 there, and queries
 * it.  CAP_SYS_PTRACE in the namespace covers it, as for pagemap; unless it
 * is not dumpable, whose override needs CAP_SYS_PTRACE where its mm was
 * made (here the initial namespace: the mm came from fork, not exec).
 */
struct container_result {
	int unshare, uid, t_uid_ok;
	struct verdict v;
	bool nondumpable;
	int go[2], mapped[2];
};

static int container_child(void *arg)
{
	struct container_result *r = arg;
	struct target t = {};
	char x;
	int ret;

	r->unshare = unshare(CLONE_NEWUSER) ? -errno : 0;
	if (write(r->go[1], "u", 1) != 1 || r->unshare)
		return 0;
	if (read(r->mapped[0], &x, 1) != 1)
		return 1;
	r->uid = getuid();
	ret = target_start(&t, &(struct ids)IDS(1, 1), !r->nondumpable);
	if (ret)
		return 2;
	{
		char path[64], line[256];
		FILE *f;

		/* It is uid 1 in the container (status maps ids for its reader). */
		snprintf(path, sizeof(path), "/proc/%d/status", t.pid);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "Uid:", 4))
				r->t_uid_ok = !strncmp(line, "Uid:\t1\t1\t1\t1", 12);
		if (f)
			fclose(f);
	}
	probe(t.pid, t.addr, &r->v);
	target_stop(&t);
	return 0;
}

static void container_run(struct __test_metadata *_metadata, bool nondumpable)
{
	struct container_result *r = shared_alloc(sizeof(*r));
	struct caller user = CALLER(UID_USER);
	char path[64], map[128];
	pid_t c;
	char x;

	ASSERT_NE(NULL, r);
	r->nondumpable = nondumpable;
	ASSERT_EQ(0, pipe(r->go));
	ASSERT_EQ(0, pipe(r->mapped));
	c = spawn_as(&user, container_child, r);
	ASSERT_LT(0, c);
	ASSERT_EQ(1, read(r->go[0], &x, 1));
	if (r->unshare) {
		reap(c);
		SKIP(return, "unshare(CLONE_NEWUSER): %s", strerror(-r->unshare));
	}
	snprintf(map, sizeof(map), "0 %u 1\n1 %u 1000\n", UID_USER, SUBUID_BASE + 1);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", c);
	ASSERT_EQ(0, write_str(path, map));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", c);
	ASSERT_EQ(0, write_str(path, map));
	ASSERT_EQ(1, write(r->mapped[1], "m", 1));
	ASSERT_EQ(0, reap(c));
	EXPECT_EQ(0, r->uid);
	EXPECT_TRUE(r->t_uid_ok);
	expect_verdict(_metadata, nondumpable ? "container root, non-dumpable process"
			: "container root, its process", &r->v, !nondumpable);
	munmap(r, sizeof(*r));
}

TEST_F(userns, container_root_sees_its_processes)
{
	container_run(_metadata, false);
}

TEST_F(userns, container_root_not_a_nondumpable_process)
{
	container_run(_metadata, true);
}

/* ---- LSMs: Yama and Landlock ---- */

FIXTURE(lsm) {
	char yama[8];
	struct target t;
	struct verdict *v;
};

FIXTURE_SETUP(lsm)
{
	self->v = shared_alloc(3 * sizeof(*self->v));
	ASSERT_NE(NULL, self->v);
	if (read_word(yama_path, self->yama, sizeof(self->yama)))
		self->yama[0] = 0;
}

FIXTURE_TEARDOWN(lsm)
{
	target_stop(&self->t);
	/* Never 3: that cannot be undone without a reboot. */
	if (self->yama[0] && self->yama[0] != '3')
		write_str(yama_path, self->yama);
	set_root_only(false);
}

struct yama_arg {
	struct probe_arg a;
	int attach, mem;
};

static int yama_child(void *arg)
{
	struct yama_arg *y = arg;
	char path[64];
	int fd;

	probe_child(&y->a);
	/* Attach-mode accesses, which Yama does restrict. */
	y->attach = ptrace(PTRACE_ATTACH, y->a.pid, 0, 0) ? -errno : 0;
	if (!y->attach) {
		waitpid(y->a.pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, y->a.pid, 0, 0);
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", y->a.pid);
	fd = open(path, O_RDONLY);
	y->mem = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * Yama's ptrace_scope restricts attaching (PTRACE_ATTACH, /proc/PID/mem),
 * not reading (pagemap, maps): with scope 1 or 2 a same-user process that
 * is not our descendant stays readable, by pagemap and by ptscope alike.
 */
TEST_F(lsm, yama_restricts_attach_not_read)
{
	struct caller user = CALLER(UID_USER);
	struct yama_arg *y = shared_alloc(sizeof(*y));
	static const char *const scopes[] = { "1", "2" };
	size_t i;

	ASSERT_NE(NULL, y);
	if (!self->yama[0])
		SKIP(return, "no Yama (%s)", yama_path);
	ASSERT_EQ(0, target_start(&self->t, &(struct ids)IDS(UID_USER, UID_USER), true));
	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		memset(y, 0, sizeof(*y));
		y->a.pid = self->t.pid;
		y->a.addr = self->t.addr;
		y->a.v = self->v;
		ASSERT_EQ(0, write_str(yama_path, scopes[i]));
		ASSERT_EQ(0, run_as(&user, yama_child, y));
		EXPECT_EQ(-EPERM, y->attach) {
			TH_LOG("ptrace_scope %s: PTRACE_ATTACH %s", scopes[i],
			       err_name(y->attach));
		}
		EXPECT_TRUE(y->mem == -EACCES || y->mem == -EPERM) {
			TH_LOG("ptrace_scope %s: /proc/PID/mem %s", scopes[i],
			       err_name(y->mem));
		}
		expect_verdict(_metadata, scopes[i], self->v, true);
		TH_LOG("ptrace_scope %s: attach %s, /proc/PID/mem %s, pagemap %s, ptscope %s",
		       scopes[i], err_name(y->attach), err_name(y->mem),
		       err_name(self->v->pagemap), err_name(self->v->pages));
	}
	munmap(y, sizeof(*y));
}

static int landlocked_child(void *arg)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_REG,
	};
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 1;
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return 2;
	if (syscall(SYS_landlock_restrict_self, fd, 0))
		return 3;
	close(fd);
	return probe_child(arg);
}

static long landlock_abi(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION);
}

/*
 * Landlock forbids a sandboxed process any ptrace access, reading
 * included, to a process outside its sandbox: pagemap refuses, and so does
 * every ptscope door (the kernel's own pagemap_open() decides for ptscope).
 */
TEST_F(lsm, landlock_sandbox_is_obeyed)
{
	struct caller user = CALLER(UID_USER), root = ROOT;
	struct probe_arg a;
	long abi = landlock_abi();

	if (abi < 1)
		SKIP(return, "Landlock is not enabled: %s", strerror(errno));
	ASSERT_EQ(0, target_start(&self->t, &(struct ids)IDS(UID_USER, UID_USER), true));
	a = (struct probe_arg){ self->t.pid, self->t.addr, &self->v[0] };
	ASSERT_EQ(0, run_as(&user, landlocked_child, &a));
	expect_verdict(_metadata, "Landlock sandbox, same user", &self->v[0], false);

	/*
	 * Root in a sandbox: 6.1 and 6.12 refuse it pagemap; the Debian 7.2
	 * kernel (Landlock ABI 10) lets its CAP_SYS_PTRACE through.  Whichever
	 * the kernel says, every door must say the same.
	 */
	a.v = &self->v[1];
	ASSERT_EQ(0, run_as(&root, landlocked_child, &a));
	expect_verdict(_metadata, "Landlock sandbox, root", &self->v[1],
		       self->v[1].pagemap == 0);
	TH_LOG("Landlock sandbox, root: pagemap %s, ptscope %s",
	       err_name(self->v[1].pagemap), err_name(self->v[1].pages));

	/* Inside its sandbox a process still sees itself. */
	a = (struct probe_arg){ 0, 0, &self->v[2] };
	ASSERT_EQ(0, run_as(&user, landlocked_child, &a));
	expect_verdict(_metadata, "Landlock sandbox, itself", &self->v[2], true);
	TH_LOG("Landlock ABI %ld", abi);
}

/* ---- AppArmor: a profile that allows no ptrace access outside itself ---- */

#define AA_PROFILE	"ptscope-test-noptrace"
#define AA_DIR		"/sys/kernel/security/apparmor"

static const char aa_profile_text[] =
	"profile " AA_PROFILE " {\n"
	"  file,\n"
	"  capability,\n"
	"  signal,\n"
	"  unix,\n"
	"  network,\n"
	"  ptrace (read, readby, trace, tracedby) peer=" AA_PROFILE ",\n"
	"}\n";

/* Enter the profile now (change_profile from unconfined), then probe. */
static int apparmored_child(void *arg)
{
	static const char *const attrs[] = {
		"/proc/self/attr/apparmor/current", "/proc/self/attr/current",
	};
	const char cmd[] = "changeprofile " AA_PROFILE;
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		fd = open(attrs[i], O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd)) {
			close(fd);
			return probe_child(arg);
		}
		close(fd);
	}
	return 3;
}

/* Load (or, with @remove, unload) the test profile: 0 or the parser's status. */
static int aa_profile_load(bool remove)
{
	char path[] = "/tmp/ptscope-aa-XXXXXX", cmd[128];
	int fd = mkstemp(path), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, aa_profile_text, strlen(aa_profile_text)) ==
	      (ssize_t)strlen(aa_profile_text) ? 0 : -EIO;
	close(fd);
	if (!ret) {
		snprintf(cmd, sizeof(cmd), "apparmor_parser %s --skip-cache %s 2>&1",
			 remove ? "-R" : "-r", path);
		ret = system(cmd);
	}
	unlink(path);
	return ret;
}

/*
 * A process under an AppArmor profile with no ptrace rule for unconfined
 * peers may not read them: pagemap refuses, and every ptscope door, since
 * the same open decides.  Root under it: whatever the kernel says (the
 * profile grants every capability), every door says the same.
 */
TEST_F(lsm, apparmor_profile_is_obeyed)
{
	struct caller user = CALLER(UID_USER), root = ROOT;
	struct probe_arg a;

	if (access(AA_DIR, F_OK))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	if (access(AA_DIR "/profiles", R_OK))
		SKIP(return, "AppArmor is not enabled in this kernel");
	ASSERT_TRUE(cli_have_tool("apparmor_parser")) {
		TH_LOG("apparmor_parser is missing: scripts/deps installs apparmor");
	}
	ASSERT_EQ(0, aa_profile_load(false));
	ASSERT_EQ(0, target_start(&self->t, &(struct ids)IDS(UID_USER, UID_USER), true));
	a = (struct probe_arg){ self->t.pid, self->t.addr, &self->v[0] };
	EXPECT_EQ(0, run_as(&user, apparmored_child, &a));
	expect_verdict(_metadata, "AppArmor profile, same user", &self->v[0], false);
	a.v = &self->v[1];
	EXPECT_EQ(0, run_as(&root, apparmored_child, &a));
	expect_verdict(_metadata, "AppArmor profile, root", &self->v[1],
		       self->v[1].pagemap == 0);
	TH_LOG("AppArmor profile, root: pagemap %s, ptscope %s",
	       err_name(self->v[1].pagemap), err_name(self->v[1].pages));
	/* Unconfined, the same user may read it. */
	a.v = &self->v[2];
	EXPECT_EQ(0, run_as(&user, probe_child, &a));
	expect_verdict(_metadata, "unconfined, same user", &self->v[2], true);
	EXPECT_EQ(0, aa_profile_load(true));
}

struct sandboxed_fds {
	int pages, proc_stats, pagemap;
};

/* Open the doors, then enter a Landlock sandbox and use them on @a->pid. */
static int landlocked_with_old_fds(void *arg)
{
	struct probe_arg *a = arg;
	struct sandboxed_fds *r = (struct sandboxed_fds *)a->v;
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_REG,
	};
	int dev = ptscope_open_dev();
	int proc = open(PTSCOPE_PROC_DIR "/stats", O_RDWR);
	char q[32];
	int fd;

	if (dev < 0 || proc < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 1;
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0 || syscall(SYS_landlock_restrict_self, fd, 0))
		return 2;
	close(fd);
	r->pages = ioctl_pages(dev, a->pid, a->addr);
	snprintf(q, sizeof(q), "%d\n", a->pid);
	r->proc_stats = write(proc, q, strlen(q)) < 0 ? -errno : 0;
	r->pagemap = pagemap_verdict(a->pid, a->addr);
	return 0;
}

/*
 * Files opened before the sandbox was entered carry the old credentials,
 * but the caller's own count too: a sandboxed process cannot use them to
 * reach outside its sandbox.
 */
TEST_F(lsm, landlock_sandbox_obeyed_through_old_files)
{
	struct caller user = CALLER(UID_USER);
	struct sandboxed_fds r = {};
	struct probe_arg a;

	if (landlock_abi() < 1)
		SKIP(return, "Landlock is not enabled: %s", strerror(errno));
	ASSERT_EQ(0, target_start(&self->t, &(struct ids)IDS(UID_USER, UID_USER), true));
	a = (struct probe_arg){ self->t.pid, self->t.addr, (struct verdict *)self->v };
	ASSERT_EQ(0, run_as(&user, landlocked_with_old_fds, &a));
	memcpy(&r, self->v, sizeof(r));
	EXPECT_EQ(-EACCES, r.pagemap);
	EXPECT_EQ(-EPERM, r.pages);
	EXPECT_EQ(-EPERM, r.proc_stats);
}

/* ---- access state: for those who may attach ---- */

#define SHARERS		2	/* children sharing the target's page */

/* A process of @uid whose written page SHARERS children share (COW). */
static int shared_target_start(struct target *t, uid_t uid)
{
	struct ids id = IDS(uid, uid);

	return target_start_full(t, &id, true, 0, SHARERS);
}

struct access_seen {
	int mem;			/* the kernel: /proc/PID/mem opens? */
	int pages, maps, proc_pages, proc_maps;	/* 0 or -errno */
	uint64_t flags, raw, mm_flags;
	uint32_t mapcount;
	struct ptscope_page_counts counts;
	char proc_line[512], proc_maps_line[512];
};

static int look_at_access(void *arg)
{
	struct probe_arg *a = arg;
	struct access_seen *seen = (struct access_seen *)a->v;
	struct ptscope_page_region rec;
	struct ptscope_pages pa;
	struct ptscope_vma vma;
	struct ptscope_maps ma;
	char path[64], q[128], out[4096], *nl;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", a->pid);
	fd = open(path, O_RDONLY);
	seen->mem = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);

	fd = ptscope_open_dev();
	if (fd < 0)
		return 1;
	pages_args(&pa, a->pid, a->addr, a->addr + PAGE, 0, &rec, 1);
	seen->pages = ptscope_pages_call(fd, &pa) == 1 ? 0 : -errno;
	seen->flags = rec.flags;
	seen->raw = rec.raw;
	seen->mapcount = rec.mapcount;
	maps_args(&ma, a->pid, a->addr, a->addr + PAGE, &vma, 1);
	seen->maps = ptscope_maps_call(fd, &ma) == 1 ? 0 : -errno;
	seen->mm_flags = ma.mm_flags;
	seen->counts = vma.pages;
	close(fd);

	/* The /proc files: the record's line of each. */
	snprintf(q, sizeof(q), "%d %#llx %#llx all\n", a->pid,
		 (unsigned long long)a->addr, (unsigned long long)a->addr + PAGE);
	seen->proc_pages = proc_query("pages", q, out, sizeof(out));
	nl = strchr(out, '\n');
	snprintf(seen->proc_line, sizeof(seen->proc_line), "%s", nl ? nl + 1 : "");
	seen->proc_line[strcspn(seen->proc_line, "\n")] = 0;
	snprintf(q, sizeof(q), "%d %#llx %#llx\n", a->pid,
		 (unsigned long long)a->addr, (unsigned long long)a->addr + PAGE);
	seen->proc_maps = proc_query("maps", q, out, sizeof(out));
	nl = strchr(out, '\n');
	snprintf(seen->proc_maps_line, sizeof(seen->proc_maps_line), "%s",
		 nl ? nl + 1 : "");
	seen->proc_maps_line[strcspn(seen->proc_maps_line, "\n")] = 0;
	return 0;
}

/* Is @name one of the comma-separated flag names of @line's last column? */
static bool has_flag(const char *line, const char *name)
{
	const char *list = strrchr(line, ' '), *p;
	size_t n = strlen(name);

	for (p = list ? list + 1 : line; p && *p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

/* Column @col (from 0) of @line, as a string in @buf. */
static const char *column(const char *line, int col, char *buf, size_t len)
{
	const char *p = line;
	size_t n;

	while (col-- > 0 && (p = strchr(p, ' ')))
		p++;
	if (!p)
		return "";
	n = strcspn(p, " ");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
	return buf;
}

/*
 * Each page's accessed, dirty and writable state, its exact mapcount, and
 * KSM, go to callers the kernel lets attach (open /proc/PID/mem); one that
 * may only read (pagemap) gets no finer than pagemap, smaps and numa_maps
 * give it.  Yama's ptrace_scope 1 makes the difference for a same-user
 * process that is not the caller's descendant.
 */
TEST_F(lsm, access_state_follows_attach)
{
	const uint64_t hidden_flags = PTSCOPE_PF_WRITE | PTSCOPE_PF_ACCESSED |
		PTSCOPE_PF_DIRTY | PTSCOPE_PF_PROTNONE | PTSCOPE_PF_LRU |
		PTSCOPE_PF_USER | PTSCOPE_PF_NX | PTSCOPE_PF_GLOBAL;
	struct caller user = CALLER(UID_USER);
	struct access_seen *seen = shared_alloc(sizeof(*seen));
	struct probe_arg a = { .v = (struct verdict *)seen };
	uint64_t pm, count;
	char col[64];

	ASSERT_NE(NULL, seen);
	if (!self->yama[0])
		SKIP(return, "no Yama (%s)", yama_path);
	ASSERT_EQ(0, shared_target_start(&self->t, UID_USER));
	a.pid = self->t.pid;
	a.addr = self->t.addr;
	/* The oracle: the page's frame and its mapcount, as root sees them. */
	ASSERT_EQ(0, pagemap_read(a.pid, a.addr, 1, &pm));
	ASSERT_TRUE(pm & PM_PRESENT);
	count = kpagecount(pm & PM_PFN_MASK);
	ASSERT_EQ(1 + SHARERS, count);

	/* May read, may not attach: the pagemap view. */
	ASSERT_EQ(0, write_str(yama_path, "1"));
	memset(seen, 0, sizeof(*seen));
	ASSERT_EQ(0, run_as(&user, look_at_access, &a));
	ASSERT_TRUE(seen->mem == -EACCES || seen->mem == -EPERM) {
		TH_LOG("ptrace_scope 1: /proc/PID/mem %s", err_name(seen->mem));
	}
	ASSERT_EQ(0, seen->pages);
	ASSERT_EQ(0, seen->maps);
	EXPECT_EQ(PTSCOPE_PF_ACCESS_HIDDEN, seen->flags & (PTSCOPE_PF_ACCESS_HIDDEN | hidden_flags)) {
		TH_LOG("flags %#llx", (unsigned long long)seen->flags);
	}
	EXPECT_TRUE(seen->flags & PTSCOPE_PF_PRESENT);
	EXPECT_EQ(0, seen->raw);
	EXPECT_EQ(2, seen->mapcount);		/* "shared": pagemap's !exclusive */
	EXPECT_TRUE(seen->mm_flags & PTSCOPE_MM_ACCESS_HIDDEN);
	EXPECT_EQ(1, seen->counts.present);
	EXPECT_EQ(1, seen->counts.cow_shared);
	EXPECT_EQ(0, seen->counts.dirty);
	EXPECT_EQ(0, seen->counts.accessed);
	EXPECT_EQ(0, seen->counts.writable);
	EXPECT_EQ(0, seen->proc_pages);
	EXPECT_TRUE(has_flag(seen->proc_line, "access_hidden")) {
		TH_LOG("/proc/ptscope/pages: %s", seen->proc_line);
	}
	EXPECT_STREQ("2", column(seen->proc_line, 7, col, sizeof(col)));
	EXPECT_FALSE(has_flag(seen->proc_line, "dirty"));
	EXPECT_FALSE(has_flag(seen->proc_line, "accessed"));
	EXPECT_FALSE(has_flag(seen->proc_line, "lru"));
	EXPECT_EQ(0, seen->proc_maps);
	/* START END PERMS PRESENT SWAPPED DIRTY ... */
	EXPECT_STREQ("-", column(seen->proc_maps_line, 5, col, sizeof(col))) {
		TH_LOG("/proc/ptscope/maps: %s", seen->proc_maps_line);
	}

	/* May attach: everything but frames. */
	ASSERT_EQ(0, write_str(yama_path, "0"));
	memset(seen, 0, sizeof(*seen));
	ASSERT_EQ(0, run_as(&user, look_at_access, &a));
	ASSERT_EQ(0, seen->mem);
	ASSERT_EQ(0, seen->pages);
	EXPECT_FALSE(seen->flags & PTSCOPE_PF_ACCESS_HIDDEN);
	EXPECT_TRUE(seen->flags & PTSCOPE_PF_USER);
	EXPECT_TRUE(seen->flags & PTSCOPE_PF_ACCESSED);
	EXPECT_TRUE(seen->flags & PTSCOPE_PF_DIRTY);
	/* Shared copy-on-write: write-protected. */
	EXPECT_FALSE(seen->flags & PTSCOPE_PF_WRITE);
	EXPECT_NE(0, seen->raw);
	EXPECT_EQ(count, seen->mapcount);
	EXPECT_FALSE(seen->mm_flags & PTSCOPE_MM_ACCESS_HIDDEN);
	EXPECT_EQ(1, seen->counts.dirty);
	EXPECT_EQ(1, seen->counts.accessed);
	EXPECT_FALSE(has_flag(seen->proc_line, "access_hidden"));
	EXPECT_TRUE(has_flag(seen->proc_line, "dirty")) {
		TH_LOG("/proc/ptscope/pages: %s", seen->proc_line);
	}
	EXPECT_TRUE(has_flag(seen->proc_line, "accessed"));
	EXPECT_STREQ("1", column(seen->proc_maps_line, 5, col, sizeof(col))) {
		TH_LOG("/proc/ptscope/maps: %s", seen->proc_maps_line);
	}
}

/* ---- pidfds: one process for its whole life ---- */

/* A child with pid @pid (clone3's set_tid), waiting to be killed; its pid or -errno. */
static pid_t fork_with_pid(pid_t pid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};
	pid_t child;

	fflush(stdout);
	fflush(stderr);
	child = syscall(SYS_clone3, &args, sizeof(args));
	if (child < 0)
		return -errno;
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return child;
}

TEST(pidfd_names_one_process_for_its_life)
{
	struct ids root = IDS(0, 0);
	struct target t = {};
	char q[64], out[4096], want[32];
	int fd, pidfd, bound;
	uint64_t target;
	pid_t pid, again;

	ASSERT_EQ(0, target_start(&t, &root, true));
	pid = t.pid;
	pidfd = sys_pidfd_open(pid);
	ASSERT_LE(0, pidfd);
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);
	target = PTSCOPE_PID_PIDFD | (uint64_t)pidfd;

	/* Alive: the pidfd answers as its pid does. */
	EXPECT_EQ(0, ioctl_pages(fd, target, t.addr));
	EXPECT_EQ(0, ioctl_stats(fd, target));
	snprintf(q, sizeof(q), "pidfd:%d\n", pidfd);
	bound = open(PTSCOPE_PROC_DIR "/stats", O_RDWR);
	ASSERT_LE(0, bound);
	ASSERT_EQ((ssize_t)strlen(q), write(bound, q, strlen(q)));
	ASSERT_LT(0, read_all(bound, out, sizeof(out)));
	/* The "pid" line is the process's number, not the fd. */
	snprintf(want, sizeof(want), "pid %d\n", pid);
	EXPECT_EQ(0, strncmp(out, want, strlen(want))) {
		TH_LOG("stats by pidfd begins \"%.40s\", expected \"%s\"", out, want);
	}

	/* Reaped: every door says ESRCH, the bound file too. */
	target_stop(&t);
	EXPECT_EQ(-ESRCH, ioctl_pages(fd, target, t.addr));
	EXPECT_EQ(-ESRCH, ioctl_maps(fd, target, t.addr));
	EXPECT_EQ(-ESRCH, ioctl_stats(fd, target));
	EXPECT_EQ(-ESRCH, ioctl_tlb(fd, target));
	EXPECT_EQ(-ESRCH, proc_query("stats", q, NULL, 0));
	ASSERT_EQ(0, lseek(bound, 0, SEEK_SET));
	EXPECT_EQ(-ESRCH, read_all(bound, out, sizeof(out)));

	/*
	 * Its number given to a new process: the pid names the new one, the
	 * pidfd still the reaped one.
	 */
	again = fork_with_pid(pid);
	ASSERT_EQ(pid, again) {
		TH_LOG("clone3 with set_tid %d: %s", pid, strerror(-again));
	}
	EXPECT_EQ(0, ioctl_stats(fd, pid));
	EXPECT_EQ(-ESRCH, ioctl_stats(fd, target));
	EXPECT_EQ(-ESRCH, ioctl_tlb(fd, target));
	EXPECT_EQ(-ESRCH, proc_query("stats", q, NULL, 0));
	kill(again, SIGKILL);
	waitpid(again, NULL, 0);

	close(bound);
	close(pidfd);
	close(fd);
}

TEST(pidfd_that_is_not_one_is_ebadf)
{
	int fd = ptscope_open_dev();
	int null = open("/dev/null", O_RDONLY);
	char q[64];

	ASSERT_LE(0, fd);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EBADF, ioctl_stats(fd, PTSCOPE_PID_PIDFD | (uint64_t)null));
	EXPECT_EQ(-EBADF, ioctl_pages(fd, PTSCOPE_PID_PIDFD | (uint64_t)null, 0x10000));
	/* Not open, and beyond any fd. */
	EXPECT_EQ(-EBADF, ioctl_stats(fd, PTSCOPE_PID_PIDFD | 1000000));
	EXPECT_EQ(-EBADF, ioctl_stats(fd, PTSCOPE_PID_PIDFD | (1ULL << 40)));
	snprintf(q, sizeof(q), "pidfd:%d\n", null);
	EXPECT_EQ(-EBADF, proc_query("stats", q, NULL, 0));
	EXPECT_EQ(-EINVAL, proc_query("stats", "pidfd:x\n", NULL, 0));
	EXPECT_EQ(-EINVAL, proc_query("maps", "pidfd:-1\n", NULL, 0));
	close(null);
	close(fd);
}

/* ---- TLB watches: a limit per user, slots kept for CAP_PERFMON ---- */

static const char tlb_user_max_path[] =
	"/sys/module/ptscope/parameters/tlb_watch_user_max";

#define MAX_TRIES	40

/* A caller that starts @n watches of itself, each on a file of its own. */
struct watches {
	int n;
	int hold;		/* read end: keep the watches until it closes */
	int hold_w;		/* its write end, the test's alone */
	int done;		/* write end: the verdicts are in */
	int err[MAX_TRIES];
};

static int watch_self(void *arg)
{
	struct watches *w = arg;
	int fds[MAX_TRIES], i;
	char c;

	close(w->hold_w);
	for (i = 0; i < w->n; i++) {
		fds[i] = ptscope_open_dev();
		w->err[i] = fds[i] < 0 ? -errno : ioctl_tlb_watch(fds[i], getpid());
	}
	close(w->done);
	/* Hold them until the test has looked. */
	while (read(w->hold, &c, 1) > 0)
		;
	return 0;
}

/* Start a caller @c holding @n watches; *@w gets the verdicts. */
static pid_t watches_hold(const struct caller *c, struct watches *w, int n,
			  int *release)
{
	int hold[2], done[2];
	pid_t child;
	char ch;

	if (pipe(hold) || pipe(done))
		return -errno;
	w->n = n;
	w->hold = hold[0];
	w->hold_w = hold[1];
	w->done = done[1];
	child = spawn_as(c, watch_self, w);
	close(hold[0]);
	close(done[1]);
	/* EOF once the caller has tried all of them. */
	while (read(done[0], &ch, 1) > 0)
		;
	close(done[0]);
	*release = hold[1];
	return child;
}

static int count_err(const struct watches *w, int err)
{
	int i, n = 0;

	for (i = 0; i < w->n; i++)
		n += w->err[i] == err;
	return n;
}

TEST(tlb_watches_are_limited_per_user)
{
	const struct caller user = CALLER(UID_USER), other = CALLER(UID_OTHER);
	struct watches *w = shared_alloc(3 * sizeof(*w));
	char saved[16];
	int release[2], root_fd;
	pid_t a, b;

	ASSERT_NE(NULL, w);
	ASSERT_EQ(0, read_word(tlb_user_max_path, saved, sizeof(saved)));
	ASSERT_EQ(0, write_str(tlb_user_max_path, "4"));

	/* Four watches, then EDQUOT, in every file of that user. */
	a = watches_hold(&user, &w[0], 6, &release[0]);
	ASSERT_LT(0, a);
	EXPECT_EQ(4, count_err(&w[0], 0));
	EXPECT_EQ(2, count_err(&w[0], -EDQUOT));
	/* Another user and root have their own. */
	b = watches_hold(&other, &w[1], 1, &release[1]);
	ASSERT_LT(0, b);
	EXPECT_EQ(0, w[1].err[0]);
	root_fd = ptscope_open_dev();
	ASSERT_LE(0, root_fd);
	EXPECT_EQ(0, ioctl_tlb_watch(root_fd, getpid()));
	close(root_fd);
	close(release[1]);
	reap(b);
	/* Closing the files gives the watches back. */
	close(release[0]);
	EXPECT_EQ(0, reap(a));
	a = watches_hold(&user, &w[2], 4, &release[0]);
	ASSERT_LT(0, a);
	EXPECT_EQ(4, count_err(&w[2], 0));
	close(release[0]);
	reap(a);

	/* 0: watches are CAP_PERFMON's alone. */
	ASSERT_EQ(0, write_str(tlb_user_max_path, "0"));
	a = watches_hold(&user, &w[0], 1, &release[0]);
	ASSERT_LT(0, a);
	EXPECT_EQ(-EACCES, w[0].err[0]);
	close(release[0]);
	reap(a);

	/* perf_event_paranoid 2: as perf, no kernel events for the user. */
	ASSERT_EQ(0, write_str(tlb_user_max_path, "4"));
	ASSERT_EQ(0, write_str(paranoid_path, "2"));
	a = watches_hold(&user, &w[0], 1, &release[0]);
	ASSERT_LT(0, a);
	EXPECT_EQ(-EACCES, w[0].err[0]);
	close(release[0]);
	reap(a);
	root_fd = ptscope_open_dev();
	ASSERT_LE(0, root_fd);
	EXPECT_EQ(0, ioctl_tlb_watch(root_fd, getpid()));
	close(root_fd);
	ASSERT_EQ(0, write_str(paranoid_path, "1"));

	/* The last 8 slots stay free for CAP_PERFMON. */
	ASSERT_EQ(0, write_str(tlb_user_max_path, "32"));
	a = watches_hold(&user, &w[0], PTSCOPE_TLB_MAX_WATCHES, &release[0]);
	ASSERT_LT(0, a);
	EXPECT_EQ(PTSCOPE_TLB_MAX_WATCHES - 8, count_err(&w[0], 0));
	EXPECT_EQ(8, count_err(&w[0], -ENOSPC));
	root_fd = ptscope_open_dev();
	ASSERT_LE(0, root_fd);
	EXPECT_EQ(0, ioctl_tlb_watch(root_fd, getpid()));
	close(root_fd);
	close(release[0]);
	reap(a);

	write_str(tlb_user_max_path, saved);
}

TEST(tlb_watch_limit_is_roots_to_set)
{
	const struct caller user = CALLER(UID_USER);

	EXPECT_EQ(0, run_as(&user, open_param_for_write,
			    (void *)tlb_user_max_path));
}

/* ---- a setuid exec: never an answer about the new image ---- */

#define SUID_DIR	"/run/ptscope-suid"
#define MARKER		0x200000000000ULL	/* mapped only before the exec */
#define EXEC_ROUNDS	60

struct exec_race {
	int old_image;		/* answers that had the marker: before the exec */
	int new_image;		/* answers without it: the setuid image leaked */
	int refused;		/* pagemap refused: the exec was seen */
	int failed;		/* set-up trouble, as errno */
};

/* Does a MAPS answer of all user space hold the marker? -errno if refused. */
static int maps_has_marker(int fd, pid_t pid)
{
	struct ptscope_vma vec[64];
	struct ptscope_maps a;
	long ret, i;

	maps_args(&a, pid, PAGE, 0x7ffffffff000ULL, vec, ARRAY_SIZE(vec));
	ret = ptscope_maps_call(fd, &a);
	if (ret < 0)
		return ret;
	for (i = 0; i < ret; i++)
		if (vec[i].start == MARKER)
			return 1;
	return 0;
}

/* As the user: exec the setuid copy in a child, query it all along. */
static int exec_race_as_user(void *arg)
{
	struct exec_race *r = arg;
	int round, fd = ptscope_open_dev();

	if (fd < 0)
		return r->failed = errno, 1;
	for (round = 0; round < EXEC_ROUNDS; round++) {
		int ready[2], status;
		pid_t child;
		char c;

		if (pipe(ready))
			return r->failed = errno, 1;
		child = fork();
		if (!child) {
			char *m = mmap((void *)MARKER, PAGE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS |
				       MAP_FIXED_NOREPLACE, -1, 0);

			if (m != (void *)MARKER)
				_exit(1);
			m[0] = 1;
			close(ready[0]);
			close(ready[1]);
			execl(SUID_DIR "/sleep", "sleep", "0.2", (char *)NULL);
			_exit(127);
		}
		close(ready[1]);
		read(ready[0], &c, 1);	/* EOF: the child is at its exec */
		close(ready[0]);
		while (waitpid(child, &status, WNOHANG) == 0) {
			int got = maps_has_marker(fd, child);

			if (got == 1)
				r->old_image++;
			else if (got == 0)
				r->new_image++;
			if (pagemap_verdict(child, PAGE) == -EACCES)
				r->refused++;
		}
	}
	close(fd);
	return 0;
}

FIXTURE(exec_race) {
	int unused;
};

FIXTURE_SETUP(exec_race)
{
}

FIXTURE_TEARDOWN(exec_race)
{
}

/* 60 execs of a 0.2 s sleep: 15 s here, minutes on a KASAN kernel. */
TEST_F_TIMEOUT(exec_race, setuid_exec_never_answers_about_the_new_image, 600)
{
	const struct caller user = CALLER(UID_USER);
	struct exec_race *r = shared_alloc(sizeof(*r));
	char cmd[256];

	ASSERT_NE(NULL, r);
	/* A setuid-root sleep, on a tmpfs of our own mount namespace. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	mkdir(SUID_DIR, 0755);
	ASSERT_EQ(0, mount("ptscope-suid", SUID_DIR, "tmpfs", 0, "mode=0755"));
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s/sleep && chown 0:0 %s/sleep "
		 "&& chmod 4755 %s/sleep", SUID_DIR, SUID_DIR, SUID_DIR);
	ASSERT_EQ(0, system(cmd));

	EXPECT_EQ(0, run_as(&user, exec_race_as_user, r));
	EXPECT_EQ(0, r->failed);
	umount2(SUID_DIR, MNT_DETACH);
	rmdir(SUID_DIR);
	TH_LOG("%d rounds: %d answers before the exec, %d refusals by pagemap after it",
	       EXEC_ROUNDS, r->old_image, r->refused);
	/* The exec happened and was setuid: pagemap refused the new image. */
	EXPECT_LT(0, r->refused);
	EXPECT_LT(0, r->old_image);
	EXPECT_EQ(0, r->new_image);
}

TEST_HARNESS_MAIN
