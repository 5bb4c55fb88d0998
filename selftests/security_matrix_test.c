// SPDX-License-Identifier: GPL-2.0
/*
 * Who may query whom: the device and /proc modes, the status file, and the
 * access matrix, every verdict of ptscope against pagemap's for the same
 * caller (see security_creds.h).
 */
#include "security_verdict.h"

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
	pid_t pid;		/* a process of the system's (init), not started here */
	struct ids target;
	bool nondumpable;
	uint64_t target_caps;	/* its permitted capabilities (uid != 0) */
	bool allowed;
};

FIXTURE_SETUP(access)
{
	self->v = shared_alloc(sizeof(*self->v));
	ASSERT_NE(NULL, self->v);
	if (!variant->self && !variant->pid) {
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

/* The system's own: init (from pages_args_test and maps_args_test). */
FIXTURE_VARIANT_ADD(access, nobody_init) {
	.caller = CALLER(UID_NOBODY), .pid = 1,
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

	if (variant->pid)	/* refused before any address is looked at */
		a = (struct probe_arg){ variant->pid, 0x400000, self->v };

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

TEST_HARNESS_MAIN
