// SPDX-License-Identifier: GPL-2.0
/*
 * `ptscope top`'s drill-down: a process's thp, maps or numa view, as this
 * program prints it, run as a child (no shell) and shown scrollable.
 */
#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interval.h"
#include "top_screen.h"

/* `/proc/self/exe --color=never VIEW PID`'s output, whole; NULL on failure. */
static char *run_view(const char *view, uint64_t pid)
{
	char pidarg[24], columns[32], *text = NULL, *more;
	size_t len = 0, cap = 0;
	int fds[2], status, ready;
	ssize_t n;
	pid_t child;

	snprintf(pidarg, sizeof(pidarg), "%" PRIu64, pid);
	snprintf(columns, sizeof(columns), "%d", COLS);
	if (pipe(fds))
		return NULL;
	child = fork();
	if (!child) {
		char *argv[] = { "ptscope", "--color=never", (char *)view, pidarg, NULL };

		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("COLUMNS", columns, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	if (child < 0) {
		close(fds[0]);
		return NULL;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			more = realloc(text, cap);
			if (!more)
				break;
			text = more;
		}
		/* A stop signal ends the view too, however long it takes. */
		if (cli_interval_stopped()) {
			kill(child, SIGTERM);
			break;
		}
		ready = poll(&pfd, 1, 200);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			break;
		if (!ready)
			continue;
		n = read(fds[0], text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fds[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (text)
		text[len] = 0;
	return text;
}

/* @text cut into its lines, in place; *@nr of them. */
static char **split_lines(char *text, size_t *nr)
{
	char **lines = NULL, **more, *s;

	*nr = 0;
	for (s = text; s && *s; ) {
		more = realloc(lines, (*nr + 1) * sizeof(*lines));
		if (!more)
			break;
		lines = more;
		lines[(*nr)++] = s;
		s = strchr(s, '\n');
		if (s)
			*s++ = 0;
	}
	return lines;
}

int top_drill(struct ptscope *ps, const char *view, uint64_t pid,
	      char *message, size_t len)
{
	char title[128], *text = NULL, **lines = NULL;
	size_t nr = 0, top = 0, i, page;
	int ch, ret = 0;

	if (ptscope_is_replay(ps)) {
		snprintf(message, len,
			 "a recording is replayed: its processes cannot be inspected live");
		return 0;
	}
	for (;;) {
		if (!text) {
			text = run_view(view, pid);
			free(lines);
			lines = split_lines(text, &nr);
			top = 0;
		}
		page = LINES > 1 ? (size_t)LINES - 1 : 1;
		erase();
		snprintf(title, sizeof(title),
			 "ptscope %s %" PRIu64 "   t thp  m maps  N numa  Up/Down/PgUp/PgDn  q back",
			 view, pid);
		attron(A_BOLD);
		top_put_text(0, 0, title, COLS, false);
		attroff(A_BOLD);
		if (!text)
			top_put_text(1, 0, "(the view could not be run)", COLS, false);
		for (i = 0; top + i < nr && i < page; i++)
			top_put_text((int)i + 1, 0, lines[top + i], COLS, false);
		refresh();
		ch = top_wait_key(-1);
		if (ch == TOP_KEY_STOPPED) {
			ret = TOP_KEY_STOPPED;
			break;
		}
		if (ch == 'q' || ch == TOP_KEY_ESC)
			break;
		if (ch == 't' || ch == 'm' || ch == 'N') {
			view = ch == 't' ? "thp" : ch == 'm' ? "maps" : "numa";
			free(text);
			text = NULL;
		} else if ((ch == KEY_DOWN || ch == 'j') && top + 1 < nr) {
			top++;
		} else if ((ch == KEY_UP || ch == 'k') && top) {
			top--;
		} else if (ch == KEY_NPAGE || ch == ' ') {
			if (top + page < nr)
				top += page;
		} else if (ch == KEY_PPAGE) {
			top = top > page ? top - page : 0;
		}
	}
	free(lines);
	free(text);
	return ret;
}
