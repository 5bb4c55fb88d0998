// SPDX-License-Identifier: GPL-2.0
/*
 * `ptscope top`'s full-screen view, with ncurses: a header with what the
 * sweep cost, the rows (the view's columns, cut at the screen's edge), a
 * selected row to drill into (its `maps`, `thp` or `numa` view), keys to
 * sort, filter, pause and quit, and a help screen.
 */
#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "interval.h"
#include "top.h"

#define HEADER_LINES	4	/* title, sweep, message, column names */
#define MAX_WIDTH	40	/* of a column of text */

struct tui {
	struct top_ctx *c;
	size_t selected, first;	/* row index; first row on screen */
	uint64_t selected_pid;
	bool paused;
	char message[256];
	int widths[CLI_MAX_COLUMNS];
};

static void put_text(int y, int x, const char *s, int width, bool right)
{
	int len = (int)strlen(s), w = COLS - x;

	if (w <= 0 || y >= LINES)
		return;
	if (width < w)
		w = width;
	if (right && len < w)
		x += w - len;
	mvaddnstr(y, x, s, len < w ? len : w);
}

/* Each column as wide as its name and its widest cell on screen. */
static void measure(struct tui *t)
{
	const struct top_ctx *c = t->c;
	char cell[256];
	size_t i, r;

	for (i = 0; i < c->cols.nr; i++) {
		const struct view_field *f = &top_view.fields[c->cols.ids[i]];
		int w = (int)strlen(f->name);

		for (r = 0; r < c->nr_rows; r++) {
			int len;

			view_cell(cell, sizeof(cell), f, &c->rows[r]);
			len = (int)strlen(cell);
			if (len > w)
				w = len;
		}
		t->widths[i] = w < MAX_WIDTH ? w : MAX_WIDTH;
	}
}

static void draw_row(struct tui *t, int y, const struct top_row *row)
{
	const struct top_ctx *c = t->c;
	char cell[256];
	size_t i;
	int x = 0;

	for (i = 0; i < c->cols.nr && x < COLS; i++) {
		const struct view_field *f = &top_view.fields[c->cols.ids[i]];

		if (row)
			view_cell(cell, sizeof(cell), f, row);
		else
			snprintf(cell, sizeof(cell), "%s", f->name);
		put_text(y, x, cell, t->widths[i], f->flags & SCOLS_FL_RIGHT);
		x += t->widths[i] + 1;
	}
}

static void draw(struct tui *t)
{
	const struct top_ctx *c = t->c;
	char line[512], clock[16];
	time_t now = time(NULL);
	size_t r;
	int y, rows = LINES - HEADER_LINES;

	erase();
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	snprintf(line, sizeof(line),
		 "ptscope top - %s  every %gs, budget %g%% of a CPU  sort %s%s  %zu shown, %zu filtered%s",
		 clock, c->interval, c->budget_share * 100,
		 top_view.fields[c->sort_col].name, c->ascending ? " (asc)" : "",
		 c->nr_rows, c->filtered_out, t->paused ? "  PAUSED" : "");
	put_text(0, 0, line, COLS, false);
	put_text(1, 0, top_sweep_summary(line, sizeof(line), &c->cur), COLS, false);
	put_text(2, 0, t->message[0] ? t->message :
		 "h help  q quit  <> sort  r reverse  / name  u user  c cgroup  Enter details",
		 COLS, false);
	measure(t);
	attron(A_BOLD);
	draw_row(t, 3, NULL);
	attroff(A_BOLD);
	if (rows < 1)
		rows = 0;
	if (t->selected >= c->nr_rows)
		t->selected = c->nr_rows ? c->nr_rows - 1 : 0;
	if (t->selected < t->first)
		t->first = t->selected;
	if (rows && t->selected >= t->first + rows)
		t->first = t->selected - rows + 1;
	for (r = t->first, y = HEADER_LINES; r < c->nr_rows && y < LINES; r++, y++) {
		if (r == t->selected)
			attron(A_REVERSE);
		draw_row(t, y, &c->rows[r]);
		if (r == t->selected) {
			/* The whole line, so the selection shows past the last cell. */
			mvchgat(y, 0, -1, A_REVERSE, 0, NULL);
			attroff(A_REVERSE);
		}
	}
	if (c->nr_rows)
		t->selected_pid = c->rows[t->selected].p->pid;
	refresh();
}

static const char *const help_lines[] = {
	"ptscope top: keys",
	"",
	"  q, Esc        quit",
	"  h, ?          this help",
	"  Up, Down, j, k, PgUp, PgDn, Home, End   select a process",
	"  Enter, t      its THP view (ptscope thp PID)",
	"  m             its mappings (ptscope maps PID)",
	"  N             its NUMA placement (ptscope numa PID)",
	"  < >           sort by the column to the left / right",
	"  r             reverse the order",
	"  /             show only commands containing a text (empty: all)",
	"  u             show only a user's processes (empty: all)",
	"  c             show only a cgroup and those below it (empty: all)",
	"  space         refresh now",
	"  p             pause / resume refreshing",
	"",
	"~ marks an estimate: the process was sampled to stay within the budget.",
	"VERDICT: remote, huge, or the THP reason holding most non-huge memory.",
	"",
	"Press any key to go back.",
};

static void show_help(void)
{
	size_t i;

	erase();
	for (i = 0; i < ARRAY_SIZE(help_lines) && (int)i < LINES; i++)
		put_text((int)i, 0, help_lines[i], COLS, false);
	refresh();
	timeout(-1);
	getch();
}

/* A line typed at the bottom; false when cancelled with Esc. */
static bool prompt(const char *question, char *buf, size_t len)
{
	size_t n = 0;
	int ch;

	buf[0] = 0;
	timeout(-1);
	curs_set(1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		put_text(LINES - 1, 0, question, COLS, false);
		put_text(LINES - 1, (int)strlen(question), buf, COLS, false);
		refresh();
		ch = getch();
		if (ch == '\n' || ch == KEY_ENTER)
			break;
		if (ch == 27) {
			curs_set(0);
			return false;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n)
			buf[--n] = 0;
		else if (ch >= ' ' && ch < 127 && n + 1 < len) {
			buf[n++] = (char)ch;
			buf[n] = 0;
		}
	}
	curs_set(0);
	return true;
}

/*
 * `ptscope VIEW PID` as this program runs it, read whole; a view of a
 * recording cannot be had (its process is not live).
 */
static char *run_view(const struct tui *t, const char *view, uint64_t pid)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 128], *text = NULL;
	size_t len = 0, cap = 0, n;
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	if (el <= 0 || strchr(exe, '\''))
		return NULL;
	exe[el] = 0;
	snprintf(cmd, sizeof(cmd), "COLUMNS=%d '%s' --color=never %s %" PRIu64 " 2>&1",
		 COLS, exe, view, pid);
	(void)t;
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *more = realloc(text, cap = cap ? 2 * cap : 65536);

			if (!more)
				break;
			text = more;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		if (!n)
			break;
		len += n;
	}
	pclose(f);
	if (text)
		text[len] = 0;
	return text;
}

/* Show @view of @pid, scrollable; m/t/N switch views, q or Esc goes back. */
static void drill(struct tui *t, const char *view, uint64_t pid)
{
	char title[128], *text = NULL, **lines = NULL, *s;
	size_t nr = 0, top = 0, i;
	int ch = 0;

	if (ptscope_is_replay(t->c->ps)) {
		snprintf(t->message, sizeof(t->message),
			 "a recording is replayed: its processes cannot be inspected live");
		return;
	}
	for (;;) {
		if (!text) {
			text = run_view(t, view, pid);
			free(lines);
			lines = NULL;
			nr = 0;
			top = 0;
			for (s = text; s && *s; ) {
				char **more = realloc(lines, (nr + 1) * sizeof(*lines));

				if (!more)
					break;
				lines = more;
				lines[nr++] = s;
				s = strchr(s, '\n');
				if (!s)
					break;
				*s++ = 0;
			}
		}
		erase();
		snprintf(title, sizeof(title),
			 "ptscope %s %" PRIu64 "   t thp  m maps  N numa  Up/Down/PgUp/PgDn  q back",
			 view, pid);
		attron(A_BOLD);
		put_text(0, 0, title, COLS, false);
		attroff(A_BOLD);
		if (!text)
			put_text(1, 0, "(the view could not be run)", COLS, false);
		for (i = 0; top + i < nr && (int)i + 1 < LINES; i++)
			put_text((int)i + 1, 0, lines[top + i], COLS, false);
		refresh();
		timeout(-1);
		ch = getch();
		if (ch == 'q' || ch == 27 || ch == ERR)
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
			top = top + LINES - 1 < nr ? top + LINES - 1 : top;
		} else if (ch == KEY_PPAGE) {
			top = top > (size_t)LINES - 1 ? top - LINES + 1 : 0;
		}
	}
	free(lines);
	free(text);
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The selection follows its process across refreshes and re-sorts. */
static void reselect(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->c->nr_rows; i++) {
		if (t->c->rows[i].p->pid == t->selected_pid) {
			t->selected = i;
			return;
		}
	}
}

/* The sort column moved by @step among the columns shown. */
static void move_sort(struct top_ctx *c, int step)
{
	size_t i;

	for (i = 0; i < c->cols.nr; i++)
		if (c->cols.ids[i] == c->sort_col)
			break;
	if (i == c->cols.nr)
		i = 0;
	else
		i = (i + c->cols.nr + step) % c->cols.nr;
	c->sort_col = c->cols.ids[i];
}

static int filter_key(struct tui *t, int ch)
{
	static char name[64], cgroup[256];
	struct top_ctx *c = t->c;
	char buf[256];

	if (ch == '/' && prompt("command contains: ", name, sizeof(name)))
		c->filter.name = name[0] ? name : NULL;
	if (ch == 'c' && prompt("cgroup (from /): ", cgroup, sizeof(cgroup)))
		c->filter.cgroup = cgroup[0] ? cgroup : NULL;
	if (ch == 'u' && prompt("user (name or uid): ", buf, sizeof(buf))) {
		char *end;
		unsigned long uid;
		size_t i;

		c->filter.by_uid = false;
		if (buf[0]) {
			uid = strtoul(buf, &end, 10);
			if (*end) {
				/* A name: any row of that name tells its uid. */
				for (i = 0, uid = ULONG_MAX; i < c->cur.nr; i++)
					if (!strcmp(top_user_name(c->cur.procs[i].uid), buf))
						uid = c->cur.procs[i].uid;
			}
			if (uid > UINT32_MAX) {
				snprintf(t->message, sizeof(t->message),
					 "no process of user '%.64s'", buf);
				return 0;
			}
			c->filter.uid = uid;
			c->filter.by_uid = true;
		}
	}
	return top_rows_build(c);
}

int top_tui(struct top_ctx *c)
{
	struct tui t = { .c = c };
	uint64_t done = 0;
	double next;
	int ret, ch;

	ret = top_refresh(c);
	if (ret)
		return ret;
	done = 1;
	if (!initscr())
		return -ENOTTY;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	next = seconds_now() + c->interval;
	for (;;) {
		double now;

		draw(&t);
		now = seconds_now();
		if (now >= next && !t.paused) {
			if (c->iterations && done >= c->iterations)
				break;
			ret = top_refresh(c);
			if (ret)
				break;
			done++;
			reselect(&t);
			next = now + c->interval;
			continue;
		}
		/* At most 200 ms, so that SIGINT/SIGTERM are seen soon. */
		timeout(t.paused ? 200 : (int)((next - now) * 1000) < 200 ?
			(int)((next - now) * 1000) + 1 : 200);
		ch = getch();
		if (cli_interval_stopped())
			break;
		if (ch == ERR || ch == KEY_RESIZE)
			continue;
		t.message[0] = 0;
		if (ch == 'q' || ch == 27)
			break;
		switch (ch) {
		case 'h':
		case '?':
			show_help();
			break;
		case KEY_DOWN:
		case 'j':
			if (t.selected + 1 < c->nr_rows)
				t.selected++;
			break;
		case KEY_UP:
		case 'k':
			if (t.selected)
				t.selected--;
			break;
		case KEY_NPAGE:
			t.selected += LINES - HEADER_LINES;
			break;
		case KEY_PPAGE:
			t.selected = t.selected > (size_t)(LINES - HEADER_LINES) ?
				     t.selected - (LINES - HEADER_LINES) : 0;
			break;
		case KEY_HOME:
			t.selected = 0;
			break;
		case KEY_END:
			t.selected = c->nr_rows ? c->nr_rows - 1 : 0;
			break;
		case '\n':
		case KEY_ENTER:
		case 't':
		case 'm':
		case 'N':
			if (c->nr_rows)
				drill(&t, ch == 'm' ? "maps" : ch == 'N' ? "numa" : "thp",
				      t.selected_pid);
			break;
		case '<':
		case '>':
			move_sort(c, ch == '<' ? -1 : 1);
			top_rows_sort(c->rows, c->nr_rows, c->sort_col, c->ascending);
			reselect(&t);
			break;
		case 'r':
			c->ascending = !c->ascending;
			top_rows_sort(c->rows, c->nr_rows, c->sort_col, c->ascending);
			reselect(&t);
			break;
		case '/':
		case 'u':
		case 'c':
			ret = filter_key(&t, ch);
			if (ret)
				goto out;
			reselect(&t);
			break;
		case ' ':
			next = 0;
			break;
		case 'p':
			t.paused = !t.paused;
			if (!t.paused)
				next = 0;
			break;
		default:
			snprintf(t.message, sizeof(t.message), "unknown key: press h for help");
			break;
		}
	}
out:
	endwin();
	return ret;
}
