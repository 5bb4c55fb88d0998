// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope top's full-screen view, driven in a detached tmux pane at 80x24
 * and at 200x50: the header and columns, no row cut into two lines, keys
 * that sort, reverse, filter and show help, the drill-down into a process's
 * thp and maps views, a resize, and quitting with status 0.  The rows are
 * checked against what the test set up: its target's pid, and the
 * processes whose command matches a filter.
 */
#include <ctype.h>
#include <time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"

FIXTURE(tui) {
	char cli[PATH_MAX];
	char tmp[64];
	char sock[128];
	pid_t pid;
	int idle[2];
	bool tmux;
};

FIXTURE_SETUP(tui)
{
	char c = 0;
	int ready[2];

	ASSERT_EQ(0, cli_find(self->cli));
	ASSERT_TRUE(cli_have_tool("tmux"));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-tui-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	snprintf(self->sock, sizeof(self->sock), "%s/tmux", self->tmp);
	ASSERT_EQ(0, pipe(self->idle));
	ASSERT_EQ(0, pipe(ready));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		char *m;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(self->idle[1]);
		close(ready[0]);
		m = map_anon(64 * PAGE, PROT_READ | PROT_WRITE, 0);
		if (!m)
			_exit(1);
		memset(m, 1, 64 * PAGE);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(self->idle[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(self->idle[0]);
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
}

FIXTURE_TEARDOWN(tui)
{
	if (self->tmux)
		cli_shell("tmux -S '%s' kill-server 2>/dev/null", self->sock);
	if (self->pid > 0) {
		close(self->idle[1]);
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	cli_shell("rm -rf '%s'", self->tmp);
}

/* Start `ptscope top ARGS` in a pane of @cols x @rows. */
static int tui_start(FIXTURE_DATA(tui) *self, int cols, int rows, const char *args)
{
	self->tmux = true;
	return cli_shell("tmux -S '%s' -f /dev/null new-session -d -x %d -y %d "
			 "\"env -u COLUMNS -u LINES TERM=screen '%s' top %s; echo \\$? >'%s/rc'; "
			 "tmux -S '%s' wait-for -S done; exec sleep 60\"",
			 self->sock, cols, rows, self->cli, args, self->tmp, self->sock);
}

static char *tui_screen(FIXTURE_DATA(tui) *self)
{
	int st;

	return cli_capturef(&st, "tmux -S '%s' capture-pane -p", self->sock);
}

/* Keys, as tmux send-keys names them. */
/* The header lines above the rows: the top line, the sweep, the filters, the columns. */
#define HEADER_LINES 4

/* Line @n (from 0) of screen text @s, or NULL. */
static char *screen_line(char *s, int n)
{
	while (s && n-- > 0) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return s && *s ? s : NULL;
}

static void tui_keys(FIXTURE_DATA(tui) *self, const char *keys)
{
	cli_shell("tmux -S '%s' send-keys %s", self->sock, keys);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The screen once it shows @text (within 30 s), else NULL. */
static char *tui_wait_for_(struct __test_metadata *_metadata,
			   FIXTURE_DATA(tui) *self, const char *text)
{
	double t0 = seconds();
	char *s;
	int i;

	for (i = 0; i < 300; i++) {
		s = tui_screen(self);
		if (s && strstr(s, text)) {
			TH_LOG("\"%s\" after %.1f s", text, seconds() - t0);
			return s;
		}
		free(s);
		usleep(100000);
	}
	TH_LOG("no \"%s\" in 30 s", text);
	return NULL;
}
#define tui_wait_for(self, text) tui_wait_for_(_metadata, self, text)

/* Each line of @screen, at most @cols wide; the rows under the header start with a pid. */
static int check_layout(struct __test_metadata *_metadata, char *screen, int cols)
{
	char *line = screen, *next;
	int y, rows = 0;

	for (y = 0; *line; y++, line = next) {
		int len;

		next = line + strcspn(line, "\n");
		len = (int)(next - line);
		if (*next)
			next++;
		EXPECT_GE(cols, len) TH_LOG("line %d: %.*s", y, len, line);
		if (y < HEADER_LINES || !len)
			continue;
		/* A row cut in two would start with its tail, not a pid. */
		{
			const char *p = line;

			while (*p == ' ')
				p++;
			EXPECT_TRUE(isdigit((unsigned char)*p))
				TH_LOG("line %d is no row: %.*s", y, len, line);
		}
		rows++;
	}
	return rows;
}

static void log_screen(struct __test_metadata *_metadata, const char *s)
{
	TH_LOG("screen:\n%s", s ? s : "(none)");
}

TEST_F_TIMEOUT(tui, keys_at_80x24, 240)
{
	char *s, pid[24];
	int rows, st;

	snprintf(pid, sizeof(pid), "%d", self->pid);
	ASSERT_EQ(0, tui_start(self, 80, 24, "-d 0.5"));
	s = tui_wait_for(self, "sweep:");
	ASSERT_NE(NULL, s);
	EXPECT_EQ(0, strncmp(s, "ptscope top ", 12)) log_screen(_metadata, s);
	rows = check_layout(_metadata, s, 80);
	/* At most 24 less the header; the test's own three at least. */
	EXPECT_LE(3, rows) log_screen(_metadata, s);
	EXPECT_GE(20, rows) log_screen(_metadata, s);
	/* The default columns that fit in 80, and VERDICT, which does not. */
	EXPECT_NE(NULL, strstr(s, "PID USER")) log_screen(_metadata, s);
	EXPECT_EQ(NULL, strstr(s, "VERDICT")) log_screen(_metadata, s);
	free(s);

	/* Sort by the next column (RSS is the default), reverse, filter. */
	tui_keys(self, "'>'");
	s = tui_wait_for(self, "sort THP");
	EXPECT_NE(NULL, s);
	free(s);
	tui_keys(self, "r");
	s = tui_wait_for(self, "sort THP (asc)");
	EXPECT_NE(NULL, s);
	free(s);
	tui_keys(self, "/ top_tui Enter");
	s = tui_wait_for(self, "filter: name top_tui");
	ASSERT_NE(NULL, s);
	free(s);
	/* Every row the filter's: the harness, the test, the target, at least. */
	{
		int i, n = 0, other = 1, target = 0;

		for (i = 0; i < 100 && (other || n < 3 || !target); i++) {
			char *l, *next;
			int y;

			s = tui_screen(self);
			ASSERT_NE(NULL, s);
			n = other = target = 0;
			for (y = 0, l = s; *l; y++, l = next) {
				next = l + strcspn(l, "\n");
				if (*next)
					*next++ = 0;
				if (y < HEADER_LINES || !*l)
					continue;
				n++;
				other += !strstr(l, "top_tui");
				target += atoi(l) == self->pid;
			}
			if (other || n < 3 || !target) {
				free(s);
				s = NULL;
				usleep(100000);
			}
		}
		EXPECT_EQ(0, other);
		EXPECT_LE(3, n);
		EXPECT_EQ(1, target) TH_LOG("the target %s is not shown", pid);
		free(s);
	}

	/* Help, and back. */
	tui_keys(self, "h");
	s = tui_wait_for(self, "ptscope top: keys");
	EXPECT_NE(NULL, s);
	free(s);
	tui_keys(self, "x");
	s = tui_wait_for(self, "sweep:");
	EXPECT_NE(NULL, s);
	free(s);

	/*
	 * Drill into the target: by PID (ascending), it is the last of the
	 * rows the filter leaves (the harness, the test, then the target it
	 * forked).
	 */
	tui_keys(self, "'<' '<' '<' '<'");
	s = tui_wait_for(self, "sort PID (asc)");
	EXPECT_NE(NULL, s);
	free(s);
	/*
	 * Paused, so that no refresh moves it (a process the test forks for a
	 * moment has a higher pid): down to the target's row, and Enter.
	 */
	tui_keys(self, "p");
	s = tui_wait_for(self, "PAUSED");
	ASSERT_NE(NULL, s);
	{
		char keys[1024] = "Home", *l, *next;
		int y, row = 0, at = -1;

		for (y = 0, l = s; *l; y++, l = next) {
			next = l + strcspn(l, "\n");
			if (*next)
				*next++ = 0;
			if (y < HEADER_LINES || !*l)
				continue;
			if (atoi(l) == self->pid)
				at = row;
			row++;
		}
		ASSERT_LE(0, at) TH_LOG("the target %s is not on the paused screen", pid);
		while (at-- > 0 && strlen(keys) + 8 < sizeof(keys))
			strcat(keys, " Down");
		strcat(keys, " Enter");
		free(s);
		tui_keys(self, keys);
	}
	{
		char want[64];

		/*
		 * ptscope thp's own table (START), which comes after the
		 * drill-down's top line: a capture may come between the two.
		 */
		snprintf(want, sizeof(want), "ptscope thp %s ", pid);
		s = tui_wait_for(self, "START");
		ASSERT_NE(NULL, s) log_screen(_metadata, tui_screen(self));
		EXPECT_NE(NULL, strstr(s, want)) log_screen(_metadata, s);
		free(s);
	}
	tui_keys(self, "m");
	s = tui_wait_for(self, "ptscope maps ");
	EXPECT_NE(NULL, s);
	free(s);
	tui_keys(self, "q");
	s = tui_wait_for(self, "sweep:");
	EXPECT_NE(NULL, s);
	free(s);

	tui_keys(self, "q");
	EXPECT_EQ(0, cli_shell("timeout 30 tmux -S '%s' wait-for done", self->sock));
	s = cli_capturef(&st, "cat '%s/rc'", self->tmp);
	EXPECT_STREQ("0\n", s);
	free(s);
}

TEST_F_TIMEOUT(tui, wide_then_resized, 180)
{
	char *s;
	int rows, st;

	ASSERT_EQ(0, tui_start(self, 200, 50, "-d 0.5 -o +CGROUP,WALK"));
	s = tui_wait_for(self, "sweep:");
	ASSERT_NE(NULL, s);
	check_layout(_metadata, s, 200);
	/* Every default column fits, and the added ones. */
	EXPECT_NE(NULL, strstr(s, "VERDICT")) log_screen(_metadata, s);
	EXPECT_NE(NULL, strstr(s, "CGROUP")) log_screen(_metadata, s);
	EXPECT_NE(NULL, strstr(s, "WALK")) log_screen(_metadata, s);
	free(s);

	/* Narrower: the rows are cut at the edge, not wrapped. */
	cli_shell("tmux -S '%s' resize-window -x 80 -y 24", self->sock);
	for (rows = 0; rows < 100; rows++) {	/* until it has drawn at 80 */
		s = tui_screen(self);
		if (s && !strstr(s, "VERDICT"))
			break;
		free(s);
		s = NULL;
		usleep(100000);
	}
	ASSERT_NE(NULL, s);
	rows = check_layout(_metadata, s, 80);
	EXPECT_LE(3, rows) log_screen(_metadata, s);
	EXPECT_GE(20, rows) log_screen(_metadata, s);
	free(s);
	/* Wider again: only drawing anew shows the columns past 80. */
	cli_shell("tmux -S '%s' resize-window -x 200 -y 50", self->sock);
	s = tui_wait_for(self, "VERDICT");
	EXPECT_NE(NULL, s);
	free(s);

	/*
	 * A row per cgroup (-o chose the columns, so they stay): no PID of its
	 * own, and every cgroup only once; Enter shows one cgroup's processes.
	 */
	tui_keys(self, "g");
	s = tui_wait_for(self, "cgroups shown");
	ASSERT_NE(NULL, s);
	{
		char *row = screen_line(s, HEADER_LINES), pid[16] = "";

		ASSERT_NE(NULL, row) log_screen(_metadata, s);
		sscanf(row, "%15s", pid);
		EXPECT_STREQ("-", pid) log_screen(_metadata, s);
	}
	free(s);
	tui_keys(self, "Enter");
	s = tui_wait_for(self, "(only)");
	ASSERT_NE(NULL, s);
	EXPECT_EQ(NULL, strstr(s, "cgroups shown")) log_screen(_metadata, s);
	/* Every process shown is of that cgroup, not of one below it. */
	{
		char *f = strstr(s, "filter: cgroup "), *head = screen_line(s, HEADER_LINES - 1);
		char path[256] = "", *l, *next, *name;
		int col, rows = 0;

		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, head);
		name = strstr(head, "CGROUP");
		ASSERT_NE(NULL, name) log_screen(_metadata, s);
		sscanf(f + strlen("filter: cgroup "), "%255s", path);
		col = name - head;
		for (l = strchr(head, '\n'); l && l[1]; l = next) {
			char cell[256] = "";

			l++;
			next = strchr(l, '\n');
			if ((next ? next - l : (long)strlen(l)) <= col)
				continue;
			sscanf(l + col, "%255s", cell);
			EXPECT_STREQ(path, cell) log_screen(_metadata, s);
			rows++;
		}
		EXPECT_LE(1, rows) log_screen(_metadata, s);
	}
	free(s);

	/* SIGTERM ends it cleanly too. */
	cli_shell("pkill -TERM -f \"^%s top -d 0.5\"", self->cli);
	EXPECT_EQ(0, cli_shell("timeout 30 tmux -S '%s' wait-for done", self->sock));
	s = cli_capturef(&st, "cat '%s/rc'", self->tmp);
	EXPECT_STREQ("0\n", s);
	free(s);
}

TEST_HARNESS_MAIN
