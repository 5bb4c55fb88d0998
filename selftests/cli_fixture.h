/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the CLI programs (cli_json_test.c, cli_table_test.c) share: the
 * fixture, an idle child holding memory the test built, and the command
 * run on it.
 *
 * The ptscope command end to end.  An idle child (blocked in read(2) on a
 * pipe) holds fixtures the test builds; every subcommand's --json output
 * must parse (jq) and agree with the kernel's own interfaces on them:
 * /proc/PID/pagemap, smaps, status and stat, and /sys/module.  The table
 * views must fit an 80-column terminal (a detached tmux pane): no row may
 * wrap, and no row may be lost or cut.
 *
 * The command is $PTSCOPE_CLI, else ../userspace/ptscope next to this
 * binary; jq and tmux must be installed (the tests skip otherwise).
 */
#ifndef PTSCOPE_CLI_FIXTURE_H
#define PTSCOPE_CLI_FIXTURE_H

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "cli_exec.h"

#define NPAGES		64	/* pages of each anonymous fixture */
#define FILE_PAGES	16	/* pages of the file fixture */
#define FILE_READ	8	/* of which the target reads the first ones */
#define TERM_COLS	80
#define TERM_ROWS	200
#define PM_SWAP_TYPE(pm)	((pm) & 0x1f)
#define PM_SWAP_OFFSET(pm)	(((pm) & PM_PFN_MASK) >> 5)

/*
 * A check that leaves its helper on failure (an EXPECT_*() handler must
 * not jump out: the harness would then run the next check's handler).
 */
#define CHECK(cond, action, fmt, ...) do {				\
	if (!(cond)) {							\
		TH_LOG("check failed: %s: " fmt, #cond, ##__VA_ARGS__);	\
		_metadata->passed = 0;					\
		action;							\
	}								\
} while (0)

/* Where the target put its fixtures. */
struct layout {
	uint64_t anon;		/* NPAGES, the even ones written */
	uint64_t swap;		/* NPAGES written, the first half paged out */
	uint64_t file;		/* FILE_PAGES of the file, FILE_READ read */
	uint64_t thp;		/* 2 MiB, aligned, MADV_HUGEPAGE, written */
	bool swap_ok;		/* swap is on and MADV_PAGEOUT worked */
};

FIXTURE(cli) {
	char cli[PATH_MAX];	/* the command, absolute */
	char tmp[64];		/* private directory: outputs, tmux socket */
	char path[PATH_MAX + 8];	/* the file fixture: a short name */
	pid_t pid;		/* the target */
	int idle[2];		/* the target blocks reading idle[0] */
	bool tmux;		/* a tmux server may be running */
	struct layout l;
};

/*
 * @n read-write anonymous pages between two PROT_NONE pages, so that the
 * VMA never merges with a neighbour; no THP, so every page is one PTE.
 */
static inline char *map_guarded(size_t n)
{
	char *p = map_anon((n + 2) * PAGE, PROT_NONE, 0);

	if (!p || mprotect(p + PAGE, n * PAGE, PROT_READ | PROT_WRITE) ||
	    no_huge_pages(p + PAGE, n * PAGE))
		return NULL;
	return p + PAGE;
}

/* In the target: build the fixtures into @l.  0 or -1. */
static inline int build_fixtures(struct layout *l, const char *path)
{
	size_t i;
	char *p;
	int fd;

	p = map_guarded(NPAGES);
	if (!p)
		return -1;
	for (i = 0; i < NPAGES; i += 2)
		p[i * PAGE] = 1;
	l->anon = (uintptr_t)p;

	l->swap_ok = ensure_swap();
	p = map_guarded(NPAGES);
	if (!p)
		return -1;
	for (i = 0; i < NPAGES; i++)
		p[i * PAGE] = i + 1;
	if (l->swap_ok)
		l->swap_ok = !madvise(p, NPAGES / 2 * PAGE, MADV_PAGEOUT);
	l->swap = (uintptr_t)p;

	/* Its page cache was dropped: reading it takes major faults. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	p = mmap(NULL, FILE_PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, FILE_PAGES * PAGE, MADV_RANDOM);	/* no readahead */
	for (i = 0; i < FILE_READ; i++)
		(void)*(volatile char *)(p + i * PAGE);
	l->file = (uintptr_t)p;

	/* A THP if the kernel gives one (the test checks kpageflags). */
	p = map_aligned(SZ_2M, SZ_2M);
	if (!p)
		return -1;
	madvise(p, SZ_2M, MADV_HUGEPAGE);
	memset(p, 9, SZ_2M);
	l->thp = (uintptr_t)p;
	return 0;
}

/*
 * A file of @pages pages at @path that stays linked (so its mapping is
 * named @path, not "... (deleted)"), written back and dropped from the
 * page cache.
 */
static inline int make_named_file(const char *path, size_t pages)
{
	char buf[PAGE];
	size_t i;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	memset(buf, 'f', sizeof(buf));
	for (i = 0; i < pages; i++) {
		if (write(fd, buf, PAGE) != PAGE) {
			close(fd);
			return -1;
		}
	}
	fsync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return 0;
}

/*
 * Split @s in place into lines (without their newlines); a malloc'd
 * array of them and their count in *@n.  A last empty line is dropped.
 */
static inline char **split_lines(char *s, int *n)
{
	int max = 1, i = 0;
	char **lines, *p;

	for (p = s; *p; p++)
		max += *p == '\n';
	lines = calloc(max, sizeof(*lines));
	if (!lines)
		return NULL;
	for (p = s; *p && i < max; ) {
		lines[i++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p++ = 0;
	}
	*n = i;
	return lines;
}

/* Display columns of a captured line (UTF-8: count the lead bytes). */
static inline int columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Lines whose first word (after the padding) is @word. */
static inline int lines_starting_with(char **lines, int n, const char *word)
{
	size_t len = strlen(word);
	int i, count = 0;

	for (i = 0; i < n; i++) {
		const char *p = lines[i] + strspn(lines[i], " ");

		if (!strncmp(p, word, len) && (p[len] == ' ' || !p[len]))
			count++;
	}
	return count;
}

/* Run `ptscope ARGS` with stdout in tmp/out, stderr in tmp/err; its status. */
static inline int cli_run(FIXTURE_DATA(cli) *self, const char *fmt, ...)
{
	char args[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return cli_shell("'%s' %s >'%s/out' 2>'%s/err'", self->cli, args,
			 self->tmp, self->tmp);
}

/* jq @opts '@filter' on tmp/out: its output (malloc'd); *@status: jq's. */
static inline char *jq(FIXTURE_DATA(cli) *self, const char *opts, const char *filter,
		int *status)
{
	return cli_capturef(status, "jq %s '%s' '%s/out' 2>&1", opts, filter,
			    self->tmp);
}

static inline void log_file(struct __test_metadata *_metadata,
		     FIXTURE_DATA(cli) *self, const char *name)
{
	char *s;
	int st;

	s = cli_capturef(&st, "head -c 2000 '%s/%s'", self->tmp, name);
	TH_LOG("%s: %s", name, s ? s : "?");
	free(s);
}

/*
 * Run `ptscope ARGS --json`: it must exit 0 and print exactly one JSON
 * object.  Returns `jq -r FILTER` of it (malloc'd), or NULL after a
 * failure was recorded.
 */
static inline char *cli_json(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cli) *self, const char *filter,
		      const char *fmt, ...)
{
	char args[512], *s = NULL;
	va_list ap;
	int rc, st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	rc = cli_run(self, "%s --json", args);
	CHECK(rc == 0, goto fail, "ptscope %s --json exited with %d", args, rc);
	s = jq(self, "-s -r", "map(type) | join(\",\")", &st);
	CHECK(st == 0, goto fail, "ptscope %s --json does not parse: %s", args, s);
	CHECK(s && !strcmp(s, "object\n"), goto fail,
	      "ptscope %s --json is not one object but: %s", args, s);
	free(s);
	s = jq(self, "-r", filter, &st);
	CHECK(st == 0, goto fail, "jq '%s' on ptscope %s --json: %s", filter,
	      args, s);
	return s;
fail:
	log_file(_metadata, self, "err");
	log_file(_metadata, self, "out");
	free(s);
	return NULL;
}

/*
 * Run `ptscope ARGS` in a detached tmux pane of TERM_COLS x TERM_ROWS and
 * return the screen as captured (malloc'd).  capture-pane without -J: a
 * row wider than the pane shows as two lines.  The command's exit status
 * goes in *@rc.
 */
static inline char *tmux_capture(struct __test_metadata *_metadata,
			  FIXTURE_DATA(cli) *self, const char *args, int *rc)
{
	char sock[128], *screen, *s;
	int st;

	snprintf(sock, sizeof(sock), "%s/tmux", self->tmp);
	self->tmux = true;
	/* The pane outlives the command (sleep) until we captured it. */
	CHECK(!cli_shell("tmux -S '%s' -f /dev/null new-session -d -x %d -y %d "
			 "\"env -u COLUMNS -u LINES '%s' %s; echo \\$? >'%s/rc'; "
			 "tmux -S '%s' wait-for -S done; exec sleep 60\"",
			 sock, TERM_COLS, TERM_ROWS, self->cli, args, self->tmp,
			 sock),
	      return NULL, "tmux new-session failed");
	CHECK(!cli_shell("timeout 60 tmux -S '%s' wait-for done", sock),
	      return NULL, "ptscope %s did not finish in tmux", args);
	screen = cli_capturef(&st, "tmux -S '%s' capture-pane -p", sock);
	EXPECT_EQ(0, st);
	cli_shell("tmux -S '%s' kill-server", sock);
	self->tmux = false;
	s = cli_capturef(&st, "cat '%s/rc'", self->tmp);
	*rc = s ? atoi(s) : -1;
	free(s);
	return screen;
}

static inline void log_screen(struct __test_metadata *_metadata, char **lines, int n)
{
	int i;

	TH_LOG("captured at %d columns (%d lines):", TERM_COLS, n);
	for (i = 0; i < n; i++)
		TH_LOG("%3d|%s|", columns(lines[i]), lines[i]);
}

FIXTURE_SETUP(cli)
{
	const char *dir = getenv("PTSCOPE_TEST_DIR");
	char real[PATH_MAX], x;
	struct layout *shared;
	pid_t parent = getpid();
	int ready[2];
	bool ok;

	self->pid = -1;
	ASSERT_EQ(0, cli_find(self->cli)) {
		TH_LOG("no ptscope command: set PTSCOPE_CLI or build ../userspace");
	}
	ASSERT_EQ(0, access(self->cli, X_OK));
	ASSERT_EQ(NULL, strchr(self->cli, '\''));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-cli-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	ASSERT_NE(NULL, realpath(dir ? dir : ".", real));
	/* Short, so that the NAME column has no reason to cut it. */
	snprintf(self->path, sizeof(self->path), "%s/pt", real);
	ASSERT_EQ(0, make_named_file(self->path, FILE_PAGES));

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->idle, O_CLOEXEC));
	self->pid = fork();
	if (!self->pid) {
		/* Die with the test, whatever way it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(ready[0]);
		close(self->idle[1]);
		if (build_fixtures(shared, self->path))
			_exit(1);
		write(ready[1], "r", 1);
		/* Idle: no faults, no mapping changes, until EOF or killed. */
		read(self->idle[0], &x, 1);
		_exit(0);
	}
	close(ready[1]);
	close(self->idle[0]);
	ok = self->pid > 0 && read(ready[0], &x, 1) == 1;
	close(ready[0]);
	self->l = *shared;
	munmap(shared, sizeof(*shared));
	if (!ok && self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	ASSERT_TRUE(ok) TH_LOG("the target could not build its fixtures");
}

FIXTURE_TEARDOWN(cli)
{
	if (self->tmux)
		cli_shell("tmux -S '%s/tmux' kill-server 2>/dev/null", self->tmp);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
		close(self->idle[1]);
	}
	unlink(self->path);
	cli_shell("rm -rf '%s'", self->tmp);
}

/* jq, and tmux too if @tmux, are installed; else the one missing. */
static const char *missing_tool(bool tmux)
{
	if (!cli_have_tool("jq"))
		return "jq";
	if (tmux && !cli_have_tool("tmux"))
		return "tmux";
	return NULL;
}

#endif /* PTSCOPE_CLI_FIXTURE_H */
