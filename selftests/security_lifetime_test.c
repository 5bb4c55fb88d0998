// SPDX-License-Identifier: GPL-2.0
/*
 * One process for its whole life: pidfds, TLB watches (a limit per user,
 * slots kept for CAP_PERFMON), and a setuid exec that never gets an answer
 * about the new image.
 */
#include "security_verdict.h"

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
