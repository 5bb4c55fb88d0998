// SPDX-License-Identifier: GPL-2.0
/*
 * Who sees frames and swap slots (CAP_SYS_ADMIN in caller and opener, as
 * pagemap), and pids read in the caller's pid namespace.
 */
#include "security_verdict.h"

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
	REQUIRE_SWAP();
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
		no_huge_pages(p, SWAP_PAGES * PAGE);
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
	r->stats_self = ptscope_ioctl(fd, PTSCOPE_IOC_STATS, &st);
	if (r->stats_self > 0)
		r->stats_self = 0;	/* the number of threads */
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

TEST_HARNESS_MAIN
