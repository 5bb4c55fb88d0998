// SPDX-License-Identifier: GPL-2.0
/*
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
static char *map_guarded(size_t n)
{
	char *p = map_anon((n + 2) * PAGE, PROT_NONE, 0);

	if (!p || mprotect(p + PAGE, n * PAGE, PROT_READ | PROT_WRITE) ||
	    madvise(p + PAGE, n * PAGE, MADV_NOHUGEPAGE))
		return NULL;
	return p + PAGE;
}

/* In the target: build the fixtures into @l.  0 or -1. */
static int build_fixtures(struct layout *l, const char *path)
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
static int make_named_file(const char *path, size_t pages)
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
static char **split_lines(char *s, int *n)
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
static int columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Lines whose first word (after the padding) is @word. */
static int lines_starting_with(char **lines, int n, const char *word)
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
static int cli_run(FIXTURE_DATA(cli) *self, const char *fmt, ...)
{
	char args[512], cmd[PATH_MAX + 1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s/out' 2>'%s/err'", self->cli,
		 args, self->tmp, self->tmp);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* jq @opts '@filter' on tmp/out: its output (malloc'd); *@status: jq's. */
static char *jq(FIXTURE_DATA(cli) *self, const char *opts, const char *filter,
		int *status)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "jq %s '%s' '%s/out' 2>&1", opts, filter,
		 self->tmp);
	return cli_capture(cmd, status);
}

static void log_file(struct __test_metadata *_metadata,
		     FIXTURE_DATA(cli) *self, const char *name)
{
	char cmd[128], *s;
	int st;

	snprintf(cmd, sizeof(cmd), "head -c 2000 '%s/%s'", self->tmp, name);
	s = cli_capture(cmd, &st);
	TH_LOG("%s: %s", name, s ? s : "?");
	free(s);
}

/*
 * Run `ptscope ARGS --json`: it must exit 0 and print exactly one JSON
 * object.  Returns `jq -r FILTER` of it (malloc'd), or NULL after a
 * failure was recorded.
 */
static char *cli_json(struct __test_metadata *_metadata,
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
static char *tmux_capture(struct __test_metadata *_metadata,
			  FIXTURE_DATA(cli) *self, const char *args, int *rc)
{
	char sock[128], cmd[PATH_MAX + 2048], *screen, *s;
	int st;

	snprintf(sock, sizeof(sock), "%s/tmux", self->tmp);
	/* The pane outlives the command (sleep) until we captured it. */
	snprintf(cmd, sizeof(cmd),
		 "tmux -S '%s' -f /dev/null new-session -d -x %d -y %d "
		 "\"env -u COLUMNS -u LINES '%s' %s; echo \\$? >'%s/rc'; "
		 "tmux -S '%s' wait-for -S done; exec sleep 60\"",
		 sock, TERM_COLS, TERM_ROWS, self->cli, args, self->tmp, sock);
	self->tmux = true;
	CHECK(!system(cmd), return NULL, "tmux new-session failed");
	snprintf(cmd, sizeof(cmd), "timeout 60 tmux -S '%s' wait-for done", sock);
	CHECK(!system(cmd), return NULL, "ptscope %s did not finish in tmux",
	      args);
	snprintf(cmd, sizeof(cmd), "tmux -S '%s' capture-pane -p", sock);
	screen = cli_capture(cmd, &st);
	EXPECT_EQ(0, st);
	snprintf(cmd, sizeof(cmd), "tmux -S '%s' kill-server", sock);
	system(cmd);
	self->tmux = false;
	snprintf(cmd, sizeof(cmd), "cat '%s/rc'", self->tmp);
	s = cli_capture(cmd, &st);
	*rc = s ? atoi(s) : -1;
	free(s);
	return screen;
}

static void log_screen(struct __test_metadata *_metadata, char **lines, int n)
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
	char cmd[256];

	if (self->tmux) {
		snprintf(cmd, sizeof(cmd), "tmux -S '%s/tmux' kill-server 2>/dev/null",
			 self->tmp);
		system(cmd);
	}
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
		close(self->idle[1]);
	}
	unlink(self->path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->tmp);
	system(cmd);
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

/* One record of `ptscope pages --json`, per page with --all. */
struct cli_page {
	unsigned long long start, end;
	char present[8], swapped[8], pfn[32], swap_type[32], swap_offset[32];
};

/* A JSON number in @s (as jq printed it) into *@v; false for null. */
static bool number(const char *s, unsigned long long *v)
{
	char *end;

	if (!strcmp(s, "null"))
		return false;
	*v = strtoull(s, &end, 10);
	return !*end;
}

/*
 * `ptscope pages PID START-END --json` (with --all if @all) over @n pages
 * at @start against pagemap, read before and after (retried if the target
 * changed between, e.g. compaction moved a page).  Per page: `present` is
 * pagemap's bit 63 and `swapped` its bit 62; a pfn or swap entry given
 * agrees with pagemap's (with --all they must be given: the test is
 * root; in region mode docs/json.md says they are null); the records
 * cover the range exactly, in order.  Returns the record count, or -1.
 */
static long check_pages(struct __test_metadata *_metadata,
			FIXTURE_DATA(cli) *self, uint64_t start, size_t n,
			bool all)
{
	static const char *filter_regions =
		"\"\\(.pid) \\(.regions|length)\", (.regions[] | "
		"\"\\(.start) \\(.end) \\(.present) \\(.swapped) \\(.pfn) "
		"\\(.swap.type) \\(.swap.offset)\")";
	static const char *filter_all =
		"\"\\(.pid) \\(.pages|length)\", (.pages[] | "
		"\"\\(.addr) \\(.addr + 4096) \\(.present) \\(.swapped) \\(.pfn) "
		"\\(.swap.type) \\(.swap.offset)\")";
	uint64_t *pm = calloc(n, 8), *pm2 = calloc(n, 8), end = start + n * PAGE;
	unsigned long long pid, nrec, a, v;
	char **lines = NULL, *s = NULL;
	int nlines = 0, i, tries;
	uint64_t cur = start;
	long ret = -1;

	if (!pm || !pm2)
		goto out;
	for (tries = 0; tries < 3; tries++) {
		free(s);
		CHECK(!pagemap_read(self->pid, start, n, pm), goto out, "pagemap");
		s = cli_json(_metadata, self, all ? filter_all : filter_regions,
			     "pages %d %#llx-%#llx%s", self->pid,
			     (unsigned long long)start, (unsigned long long)end,
			     all ? " --all" : "");
		if (!s)
			goto out;
		CHECK(!pagemap_read(self->pid, start, n, pm2), goto out, "pagemap");
		if (!memcmp(pm, pm2, n * 8))
			break;
	}
	lines = split_lines(s, &nlines);
	CHECK(lines && nlines > 0, goto out, "no output");
	CHECK(sscanf(lines[0], "%llu %llu", &pid, &nrec) == 2, goto out,
	      "%s", lines[0]);
	EXPECT_EQ((unsigned long long)self->pid, pid);
	CHECK(nrec + 1 == (unsigned long long)nlines, goto out,
	      "%llu records, %d lines", nrec, nlines - 1);
	for (i = 1; i < nlines; i++) {
		struct cli_page r;

		CHECK(sscanf(lines[i], "%llu %llu %7s %7s %31s %31s %31s",
			     &r.start, &r.end, r.present, r.swapped, r.pfn,
			     r.swap_type, r.swap_offset) == 7, goto out,
		      "record: %s", lines[i]);
		CHECK(r.start == cur && r.start < r.end && r.end <= end, goto out,
		      "record %d of %llu is %#llx-%#llx, expected one from %#llx in %#llx-%#llx",
		      i - 1, nrec, r.start, r.end, (unsigned long long)cur,
		      (unsigned long long)start, (unsigned long long)end);
		CHECK(!all || r.end - r.start == PAGE, goto out,
		      "--all record %d is not one page", i - 1);
		for (a = r.start; a < r.end; a += PAGE) {
			uint64_t e = pm[(a - start) / PAGE], k = (a - r.start) / PAGE;
			bool present = e & PM_PRESENT, swapped = e & PM_SWAP;

			EXPECT_STREQ(present ? "true" : "false", r.present)
				TH_LOG("present of %#llx (pagemap %#llx)", a,
				       (unsigned long long)e);
			EXPECT_STREQ(swapped ? "true" : "false", r.swapped)
				TH_LOG("swapped of %#llx (pagemap %#llx)", a,
				       (unsigned long long)e);
			if (number(r.pfn, &v)) {
				/* Regions advance the frame by one per page. */
				if (present) {
					EXPECT_EQ(e & PM_PFN_MASK, v + k)
						TH_LOG("pfn of %#llx", a);
				} else {
					EXPECT_EQ(0, v) TH_LOG("pfn of %#llx", a);
				}
			} else {
				EXPECT_FALSE(all) TH_LOG("pfn of %#llx is null", a);
			}
			if (!swapped)
				continue;
			if (number(r.swap_type, &v)) {
				EXPECT_EQ(PM_SWAP_TYPE(e), v)
					TH_LOG("swap type of %#llx", a);
			} else {
				EXPECT_FALSE(all)
					TH_LOG("swap type of %#llx is null", a);
			}
			if (number(r.swap_offset, &v)) {
				EXPECT_EQ(PM_SWAP_OFFSET(e), v + k)
					TH_LOG("swap offset of %#llx", a);
			} else {
				EXPECT_FALSE(all)
					TH_LOG("swap offset of %#llx is null", a);
			}
		}
		cur = r.end;
	}
	EXPECT_EQ(end, cur) TH_LOG("the records stop short of the range");
	ret = nrec;
out:
	free(lines);
	free(s);
	free(pm);
	free(pm2);
	return ret;
}

/* The anonymous fixture, region by region: every other page present. */
TEST_F_TIMEOUT(cli, pages_regions_match_pagemap, 120)
{
	const char *missing;
	uint64_t pm[NPAGES];
	int i;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	/* The oracle sees the fixture as built. */
	ASSERT_EQ(0, pagemap_read(self->pid, self->l.anon, NPAGES, pm));
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(i % 2 == 0, !!(pm[i] & PM_PRESENT));
	/* Present and empty pages alternate: no two neighbours merge. */
	EXPECT_EQ(NPAGES, check_pages(_metadata, self, self->l.anon, NPAGES,
				      false));
}

/* --all: one record per page, with its frame. */
TEST_F_TIMEOUT(cli, pages_all_match_pagemap, 120)
{
	const char *missing = missing_tool(false);

	if (missing)
		SKIP(return, "%s is not installed", missing);
	EXPECT_EQ(NPAGES, check_pages(_metadata, self, self->l.anon, NPAGES,
				      true));
}

/* Swap entries: pagemap's bit 62, and type and offset with --all. */
TEST_F_TIMEOUT(cli, pages_swap_entries_match_pagemap, 120)
{
	const char *missing;
	uint64_t pm[NPAGES];
	int i, swapped = 0;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	if (!self->l.swap_ok)
		SKIP(return, "no swap");
	ASSERT_EQ(0, pagemap_read(self->pid, self->l.swap, NPAGES, pm));
	for (i = 0; i < NPAGES; i++)
		swapped += !!(pm[i] & PM_SWAP);
	ASSERT_LT(0, swapped);
	EXPECT_LE(1, check_pages(_metadata, self, self->l.swap, NPAGES, false));
	EXPECT_EQ(NPAGES, check_pages(_metadata, self, self->l.swap, NPAGES,
				      true));
}

/*
 * --all over a PMD-mapped THP: 512 records, one per page, each with its
 * own frame (the frames are consecutive, yet --all must not merge them).
 */
TEST_F_TIMEOUT(cli, pages_all_of_a_thp_is_per_page, 120)
{
	const char *missing = missing_tool(false);
	uint64_t pm;

	if (missing)
		SKIP(return, "%s is not installed", missing);
	ASSERT_EQ(0, pagemap_read(self->pid, self->l.thp, 1, &pm));
	if (!(pm & PM_PRESENT) ||
	    !(kpageflags(pm & PM_PFN_MASK) & (1ULL << KPF_THP)))
		SKIP(return, "no THP for the fixture");
	EXPECT_LE(1, check_pages(_metadata, self, self->l.thp, SZ_2M / PAGE,
				 false));
	EXPECT_EQ(SZ_2M / PAGE, check_pages(_metadata, self, self->l.thp,
					    SZ_2M / PAGE, true));
}

/* One VMA of `ptscope maps --json`. */
struct cli_vma {
	unsigned long long start, end, present, anon, ksm, file, shmem, zero;
	unsigned long long pfnmap, swapped, thp_pmd, shared;
	const char *name;
};

#define VMA_FILTER							\
	"\"\\(.vm_pte_bytes) \\(.vmas|length)\", (.vmas[] | "		\
	"\"\\(.start) \\(.end) \\(.pages.present) \\(.pages.anon) "	\
	"\\(.pages.ksm) \\(.pages.file) \\(.pages.shmem) \\(.pages.zero) " \
	"\\(.pages.pfnmap) \\(.pages.swapped) \\(.pages.thp_pmd) "	\
	"\\(.pages.shared) \\(.name)\")"

static int parse_vma(const char *line, struct cli_vma *v)
{
	int off = -1;

	if (sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %n",
		   &v->start, &v->end, &v->present, &v->anon, &v->ksm,
		   &v->file, &v->shmem, &v->zero, &v->pfnmap, &v->swapped,
		   &v->thp_pmd, &v->shared, &off) < 12 || off < 0)
		return -1;
	v->name = line + off;
	return 0;
}

/*
 * `ptscope maps PID START-END --json` over the VMA at @addr of @len bytes
 * and a page either side: the VMA it reports at @addr ends where smaps
 * says, and its counts agree with smaps; vm_pte_bytes is VmPTE.  The VMA
 * is returned in *@out (its name points into *@keep, to free).
 */
static void check_maps(struct __test_metadata *_metadata,
		       FIXTURE_DATA(cli) *self, uint64_t addr, size_t len,
		       struct cli_vma *out, char **keep)
{
	struct smaps_vma *sm = calloc(1024, sizeof(*sm)), *s = NULL;
	unsigned long long vm_pte, nr;
	char **lines = NULL, *txt;
	int nsm, nlines = 0, i;
	bool found = false;

	*keep = NULL;
	ASSERT_NE(NULL, sm);
	nsm = smaps_read(self->pid, sm, 1024);
	ASSERT_LT(0, nsm);
	for (i = 0; i < nsm; i++)
		if (sm[i].start == addr)
			s = &sm[i];
	ASSERT_NE(NULL, s) TH_LOG("no VMA at %#llx in smaps", (unsigned long long)addr);
	ASSERT_EQ(addr + len, s->end);	/* the fixture is one VMA */

	txt = cli_json(_metadata, self, VMA_FILTER, "maps %d %#llx-%#llx",
		       self->pid, (unsigned long long)(addr - PAGE),
		       (unsigned long long)(addr + len + PAGE));
	ASSERT_NE(NULL, txt);
	*keep = txt;
	lines = split_lines(txt, &nlines);
	ASSERT_NE(NULL, lines);
	ASSERT_EQ(2, sscanf(lines[0], "%llu %llu", &vm_pte, &nr));
	ASSERT_EQ(nr + 1, (unsigned long long)nlines);
	EXPECT_EQ(status_value(self->pid, "VmPTE") * 1024, (long)vm_pte);
	for (i = 1; i < nlines; i++) {
		struct cli_vma v;

		ASSERT_EQ(0, parse_vma(lines[i], &v)) TH_LOG("%s", lines[i]);
		if (v.start != addr)
			continue;
		found = true;
		*out = v;
		EXPECT_EQ(s->end, v.end);
		EXPECT_EQ(s->rss, (long)(v.present - v.zero - v.pfnmap) * 4)
			TH_LOG("Rss of %#llx", v.start);
		EXPECT_EQ(s->anonymous, (long)(v.anon + v.ksm) * 4)
			TH_LOG("Anonymous of %#llx", v.start);
		EXPECT_EQ(s->rss - s->anonymous, (long)(v.file + v.shmem) * 4)
			TH_LOG("Rss - Anonymous of %#llx", v.start);
		EXPECT_EQ(s->swap, (long)v.swapped * 4)
			TH_LOG("Swap of %#llx", v.start);
		EXPECT_EQ(s->anon_huge + s->shmem_pmd + s->file_pmd,
			  (long)v.thp_pmd * 4);
		EXPECT_EQ(s->shared_clean + s->shared_dirty, (long)v.shared * 4)
			TH_LOG("Shared of %#llx", v.start);
	}
	EXPECT_TRUE(found) TH_LOG("no VMA starts at %#llx", (unsigned long long)addr);
	free(lines);
	free(sm);
}

/* Each fixture's VMA against smaps, and what the test put there. */
TEST_F_TIMEOUT(cli, maps_match_smaps_and_vmpte, 120)
{
	const char *missing;
	struct cli_vma v;
	char *keep;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	memset(&v, 0, sizeof(v));
	check_maps(_metadata, self, self->l.anon, NPAGES * PAGE, &v, &keep);
	EXPECT_EQ(NPAGES / 2, v.present);
	EXPECT_EQ(NPAGES / 2, v.anon);
	EXPECT_EQ(0, v.swapped);
	EXPECT_STREQ("", v.name);
	free(keep);

	memset(&v, 0, sizeof(v));
	check_maps(_metadata, self, self->l.swap, NPAGES * PAGE, &v, &keep);
	EXPECT_EQ(NPAGES, v.present + v.swapped);
	if (self->l.swap_ok)
		EXPECT_LE(1, v.swapped);
	free(keep);

	memset(&v, 0, sizeof(v));
	check_maps(_metadata, self, self->l.file, FILE_PAGES * PAGE, &v, &keep);
	EXPECT_LE(FILE_READ, v.file);
	EXPECT_EQ(0, v.anon);
	EXPECT_STREQ(self->path, v.name);
	free(keep);
}

/*
 * `ptscope faults PID --json` against /proc/PID/stat fields 10 and 12,
 * read before and after.  No margin: the target is blocked in read(2) and
 * takes no faults, so both reads agree (asserted), and the module sums the
 * same counters as /proc/PID/stat (every thread's, live and exited), so
 * ptscope must give exactly those numbers.
 */
TEST_F_TIMEOUT(cli, faults_match_proc_stat, 120)
{
	const char *missing;
	unsigned long long pid, minor, major, vm_pte;
	long long min0, maj0, min1, maj1;
	char path[64], *s;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	snprintf(path, sizeof(path), "/proc/%d/stat", self->pid);
	min0 = stat_field(path, 10);
	maj0 = stat_field(path, 12);
	s = cli_json(_metadata, self,
		     "\"\\(.pid) \\(.faults.minor) \\(.faults.major) \\(.vm_pte_bytes)\"",
		     "faults %d", self->pid);
	ASSERT_NE(NULL, s);
	min1 = stat_field(path, 10);
	maj1 = stat_field(path, 12);
	ASSERT_EQ(min0, min1) TH_LOG("the target is not idle");
	ASSERT_EQ(maj0, maj1) TH_LOG("the target is not idle");
	ASSERT_EQ(4, sscanf(s, "%llu %llu %llu %llu", &pid, &minor, &major, &vm_pte))
		TH_LOG("%s", s);
	EXPECT_EQ((unsigned long long)self->pid, pid);
	EXPECT_EQ(min0, (long long)minor);
	EXPECT_EQ(maj0, (long long)major);
	/* The fixtures took both kinds (uncached file pages: major). */
	EXPECT_LE(NPAGES, minor);
	if (getenv("PTSCOPE_TEST_DIR"))
		EXPECT_LE(1, major);
	EXPECT_EQ(status_value(self->pid, "VmPTE") * 1024, (long)vm_pte);
	free(s);
}

/* `ptscope tree PID --json`: the tables it found add up to VmPTE. */
TEST_F_TIMEOUT(cli, tree_bytes_match_vmpte, 120)
{
	const char *missing;
	unsigned long long pid, bytes, vm_pte_bytes, pud, pmd, pte, dep;
	long vm_pte;
	char *s;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	s = cli_json(_metadata, self,
		     "\"\\(.pid) \\(.bytes) \\(.vm_pte_bytes) \\(.tables.pud) "
		     "\\(.tables.pmd) \\(.tables.pte) \\(.tables.pte_deposited)\"",
		     "tree %d", self->pid);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(7, sscanf(s, "%llu %llu %llu %llu %llu %llu %llu", &pid,
			    &bytes, &vm_pte_bytes, &pud, &pmd, &pte, &dep))
		TH_LOG("%s", s);
	vm_pte = status_value(self->pid, "VmPTE");
	ASSERT_LT(0, vm_pte);
	EXPECT_EQ((unsigned long long)self->pid, pid);
	EXPECT_EQ(vm_pte * 1024, (long)bytes) {
		TH_LOG("pud %llu pmd %llu pte %llu deposited %llu", pud, pmd,
		       pte, dep);
	}
	EXPECT_EQ(vm_pte * 1024, (long)vm_pte_bytes);
	EXPECT_EQ((pud + pmd + pte + dep) * PAGE, bytes);
	/* The two anonymous fixtures alone need a PTE table. */
	EXPECT_LE(1, pte);
	free(s);
}

/* `ptscope version --json`: the module's release is what sysfs says. */
TEST_F_TIMEOUT(cli, version_matches_the_module, 120)
{
	const char *missing;
	char **lines, *s, abi[32], sysrel[256] = "";
	struct utsname uts;
	int n = 0;
	FILE *f;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	s = cli_json(_metadata, self,
		     ".tool, \"\\(.abi.major).\\(.abi.minor)\", .module.release, "
		     "\"\\(.module.abi.major).\\(.module.abi.minor)\", .module.kernel",
		     "version");
	ASSERT_NE(NULL, s);
	lines = split_lines(s, &n);
	ASSERT_NE(NULL, lines);
	ASSERT_EQ(5, n) TH_LOG("%s", s);
	EXPECT_STRNE("", lines[0]);
	EXPECT_STRNE("null", lines[0]);
	snprintf(abi, sizeof(abi), "%u.%u", PTSCOPE_ABI_MAJOR, PTSCOPE_ABI_MINOR);
	EXPECT_STREQ(abi, lines[1]);
	EXPECT_STREQ(abi, lines[3]);
	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, lines[4]);
	EXPECT_STRNE("", lines[2]);
	EXPECT_STRNE("null", lines[2]);
	f = fopen("/sys/module/ptscope/version", "r");
	if (f) {
		if (fgets(sysrel, sizeof(sysrel), f))
			sysrel[strcspn(sysrel, "\n")] = 0;
		fclose(f);
		EXPECT_STREQ(sysrel, lines[2]);
	} else {
		TH_LOG("no /sys/module/ptscope/version to compare with");
	}
	free(lines);
	free(s);
}

/* A pid that does not exist: one {"error": "..."} object, exit status 1. */
TEST_F_TIMEOUT(cli, json_error_for_a_missing_pid, 120)
{
	const char *missing;
	static const char *const cmds[] = { "pages", "maps", "faults", "tree" };
	pid_t gone;
	char *s;
	size_t i;
	int st;

	missing = missing_tool(false);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	/* A child, reaped: its pid is free (pids are not reused at once). */
	gone = fork();
	if (!gone)
		_exit(0);
	ASSERT_LT(0, gone);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	ASSERT_EQ(-1, kill(gone, 0));
	ASSERT_EQ(ESRCH, errno);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(1, cli_run(self, "%s %d --json", cmds[i], gone))
			TH_LOG("exit status of ptscope %s %d --json", cmds[i], gone);
		s = jq(self, "-s -c", "map(keys)", &st);
		EXPECT_EQ(0, st) TH_LOG("%s: %s", cmds[i], s);
		EXPECT_STREQ("[[\"error\"]]\n", s) {
			TH_LOG("ptscope %s %d --json:", cmds[i], gone);
			log_file(_metadata, self, "out");
		}
		free(s);
		s = jq(self, "-r", ".error | type", &st);
		EXPECT_STREQ("string\n", s);
		free(s);
	}
}

/*
 * `ptscope ARGS` in the 80-column pane: its lines, trailing blank ones
 * dropped, in *@lines (free both it and *@screen); lines wider than the
 * pane are counted into *@bad.
 */
static int pane_lines(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cli) *self, const char *args,
		      char **screen, char ***lines, int *bad)
{
	int n = 0, i, rc;

	*lines = NULL;
	*screen = tmux_capture(_metadata, self, args, &rc);
	if (!*screen)
		return -1;
	EXPECT_EQ(0, rc);
	*lines = split_lines(*screen, &n);
	if (!*lines)
		return -1;
	while (n && !*(*lines)[n - 1])
		n--;
	for (i = 0; i < n; i++)
		EXPECT_GE(TERM_COLS, columns((*lines)[i])) (*bad)++;
	return n;
}

/* Each address of @starts (decimal, from --json) begins exactly one line. */
static void expect_a_line_each(struct __test_metadata *_metadata,
			       char **lines, int nlines, char **starts,
			       int nstarts, const char *what, int *bad)
{
	unsigned long long a;
	char word[32];
	int i;

	for (i = 0; i < nstarts; i++) {
		ASSERT_EQ(1, sscanf(starts[i], "%llu", &a));
		snprintf(word, sizeof(word), "%#llx", a);
		EXPECT_EQ(1, lines_starting_with(lines, nlines, word)) {
			TH_LOG("%s %s", what, word);
			(*bad)++;
		}
	}
}

/*
 * `ptscope maps PID` in an 80-column terminal: one heading, one row per
 * mapping (as many as --json reports for the same idle target), the total
 * row and the footer, each on one line: a row that does not fit wraps
 * into two lines of the pane.  Each mapping's START begins exactly one
 * line, and the file fixture's short name is shown in full.
 */
TEST_F_TIMEOUT(cli, maps_table_fits_80_columns, 120)
{
	const char *missing;
	char **starts = NULL, **lines = NULL, *json, *screen, args[64], word[32];
	int nstarts = 0, nlines = 0, i, bad = 0, name = 0;

	missing = missing_tool(true);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	json = cli_json(_metadata, self, ".vmas[].start", "maps %d", self->pid);
	ASSERT_NE(NULL, json);
	starts = split_lines(json, &nstarts);
	ASSERT_NE(NULL, starts);
	ASSERT_LT(3, nstarts);

	snprintf(args, sizeof(args), "maps %d", self->pid);
	nlines = pane_lines(_metadata, self, args, &screen, &lines, &bad);
	ASSERT_LE(0, nlines);
	/* heading + a row per mapping + total + footer */
	EXPECT_EQ(nstarts + 3, nlines) {
		TH_LOG("%d mappings: expected %d lines", nstarts, nstarts + 3);
		bad++;
	}
	EXPECT_EQ(1, lines_starting_with(lines, nlines > 0 ? 1 : 0, "START")) bad++;
	if (nlines >= 2) {
		EXPECT_EQ(1, lines_starting_with(lines + nlines - 2, 1, "total")) bad++;
		EXPECT_EQ(1, lines_starting_with(lines + nlines - 1, 1, "faults:")) bad++;
	}
	expect_a_line_each(_metadata, lines, nlines, starts, nstarts, "mapping", &bad);
	/* The file's row ends with its name, whole: path or file name. */
	snprintf(word, sizeof(word), "%#llx", (unsigned long long)self->l.file);
	for (i = 0; i < nlines; i++) {
		const char *p = lines[i] + strspn(lines[i], " "), *last;

		if (strncmp(p, word, strlen(word)) || p[strlen(word)] != ' ')
			continue;
		last = strrchr(p, ' ') + 1;
		name = !strcmp(last, self->path) ||
		       !strcmp(last, strrchr(self->path, '/') + 1);
	}
	EXPECT_EQ(1, name) {
		TH_LOG("the row of %s does not end with its name", self->path);
		bad++;
	}
	if (bad)
		log_screen(_metadata, lines, nlines);
	free(lines);
	free(screen);
	free(starts);
	free(json);
}

/* `ptscope pages PID START-END` in 80 columns: a line per region. */
TEST_F_TIMEOUT(cli, pages_table_fits_80_columns, 120)
{
	const char *missing;
	char **starts = NULL, **lines = NULL, *json, *screen, args[128];
	uint64_t start = self->l.anon, end = start + NPAGES * PAGE;
	int nstarts = 0, nlines = 0, bad = 0;

	missing = missing_tool(true);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	snprintf(args, sizeof(args), "pages %d %#llx-%#llx", self->pid,
		 (unsigned long long)start, (unsigned long long)end);
	json = cli_json(_metadata, self, ".regions[].start", "%s", args);
	ASSERT_NE(NULL, json);
	starts = split_lines(json, &nstarts);
	ASSERT_NE(NULL, starts);
	ASSERT_EQ(NPAGES, nstarts);

	nlines = pane_lines(_metadata, self, args, &screen, &lines, &bad);
	ASSERT_LE(0, nlines);
	/* heading + a row per region */
	EXPECT_EQ(nstarts + 1, nlines) {
		TH_LOG("%d regions: expected %d lines", nstarts, nstarts + 1);
		bad++;
	}
	EXPECT_EQ(1, lines_starting_with(lines, nlines > 0 ? 1 : 0, "START")) bad++;
	expect_a_line_each(_metadata, lines, nlines, starts, nstarts, "region", &bad);
	if (bad)
		log_screen(_metadata, lines, nlines);
	free(lines);
	free(screen);
	free(starts);
	free(json);
}

TEST_HARNESS_MAIN
