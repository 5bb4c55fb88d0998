// SPDX-License-Identifier: GPL-2.0
/*
 * The root_only parameter, and user namespaces: a namespace's root is still
 * the user it maps to.
 */
#include "security_verdict.h"

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

TEST_HARNESS_MAIN
