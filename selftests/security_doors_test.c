// SPDX-License-Identifier: GPL-2.0
/*
 * Single cases of who may ask: a non-dumpable process itself, /proc queries
 * authorised when written and ended at exec, files handed to another
 * process, names escaped, kernel threads and missing processes.
 */
#include "security_verdict.h"

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

TEST_HARNESS_MAIN
