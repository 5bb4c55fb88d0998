// SPDX-License-Identifier: GPL-2.0
/*
 * The LSMs (Yama, Landlock, AppArmor), which ptscope obeys because the
 * kernel itself opens the target's files for it, and the access state,
 * shown only to those who may attach.
 */
#include "security_verdict.h"

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
		SKIP(return, "this kernel has no Yama (CONFIG_SECURITY_YAMA is not set: no %s)", yama_path);
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
		SKIP(return, "this kernel has no Landlock (CONFIG_SECURITY_LANDLOCK is not set, or not in lsm=: %s)",
		     strerror(errno));
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
		SKIP(return, "this kernel has no AppArmor (CONFIG_SECURITY_APPARMOR is not set, or not in lsm=: no %s)",
		     AA_DIR "/profiles");
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
		SKIP(return, "this kernel has no Landlock (CONFIG_SECURITY_LANDLOCK is not set, or not in lsm=: %s)",
		     strerror(errno));
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
		SKIP(return, "this kernel has no Yama (CONFIG_SECURITY_YAMA is not set: no %s)", yama_path);
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

TEST_HARNESS_MAIN
