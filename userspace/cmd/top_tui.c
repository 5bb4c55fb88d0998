// SPDX-License-Identifier: GPL-2.0
/*
 * `ptscope top`'s full-screen view, with ncurses: a header with the order,
 * the filters and what the sweep cost, the rows (the view's columns, cut
 * at the screen's edge), a selected row to drill into (top_drill.c), keys
 * to sort, filter, pause and quit, and a help screen.  The screen is drawn
 * again only after a refresh, a key or a resize.
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
#include "top_screen.h"

#define HEADER_LINES	4	/* title, sweep, filters or keys, column names */
#define MAX_WIDTH	40	/* of a column of text */

struct tui {
	struct top_ctx *c;
	size_t selected, first;	/* row index; first row on screen */
	uint64_t selected_pid;
	bool paused;
	char message[256];
	int widths[CLI_MAX_COLUMNS];
	char name[64], cgroup[256];	/* the filters' text */
	char user[64];
};

static int screen_rows(void)
{
	return LINES > HEADER_LINES ? LINES - HEADER_LINES : 0;
}

/* The selection on screen, and each column as wide as its widest cell there. */
static void measure(struct tui *t)
{
	const struct top_ctx *c = t->c;
	size_t i, r, rows = screen_rows();
	char cell[256];

	if (t->selected >= c->nr_rows)
		t->selected = c->nr_rows ? c->nr_rows - 1 : 0;
	if (t->selected < t->first)
		t->first = t->selected;
	if (rows && t->selected >= t->first + rows)
		t->first = t->selected - rows + 1;
	for (i = 0; i < c->cols.nr; i++) {
		const struct view_field *f = &top_view.fields[c->cols.ids[i]];
		int w = (int)strlen(f->name);

		for (r = t->first; r < c->nr_rows && r < t->first + rows; r++) {
			int len;

			view_cell(cell, sizeof(cell), f, &c->rows[r]);
			len = (int)strlen(cell);
			if (len > w)
				w = len;
		}
		t->widths[i] = w < MAX_WIDTH ? w : MAX_WIDTH;
	}
}

/* A row, or the column names for a NULL @row. */
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
		top_put_text(y, x, cell, t->widths[i], f->flags & SCOLS_FL_RIGHT);
		x += t->widths[i] + 1;
	}
}

/* The filters in force, or the main keys when there are none. */
static void filters_line(const struct tui *t, char *buf, size_t len)
{
	const struct top_filter *f = &t->c->filter;
	int n;

	if (!f->by_uid && !f->name && !f->cgroup) {
		snprintf(buf, len, "h help  q quit  <> sort  r reverse  / name  u user  c cgroup  g by cgroup  Enter details");
		return;
	}
	n = snprintf(buf, len, "filter:");
	if (f->name && n < (int)len)
		n += snprintf(buf + n, len - n, " name %s", f->name);
	if (f->by_uid && n < (int)len)
		n += snprintf(buf + n, len - n, " user %s", t->user);
	if (f->cgroup && n < (int)len)
		snprintf(buf + n, len - n, " cgroup %s%s",
			 f->cgroup[0] ? f->cgroup : "(none)", f->cgroup_exact ? " (only)" : "");
}

static void draw(struct tui *t)
{
	const struct top_ctx *c = t->c;
	char line[512], clock[16];
	time_t now = time(NULL);
	size_t r;
	int y;

	erase();
	measure(t);
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	/* The order and the counts first: a narrow screen cuts the rest. */
	snprintf(line, sizeof(line),
		 "ptscope top %s  %zu %sshown, %zu filtered  sort %s%s%s  every %gs, budget %g%%",
		 clock, c->nr_rows, c->by_cgroup ? "cgroups " : "", c->filtered_out, top_view.fields[c->sort_col].name,
		 c->ascending ? " (asc)" : "", t->paused ? "  PAUSED" : "",
		 c->interval, c->budget_share * 100);
	top_put_text(0, 0, line, COLS, false);
	top_put_text(1, 0, top_sweep_summary(line, sizeof(line), &c->cur), COLS, false);
	if (!t->message[0])
		filters_line(t, line, sizeof(line));
	top_put_text(2, 0, t->message[0] ? t->message : line, COLS, false);
	attron(A_BOLD);
	draw_row(t, 3, NULL);
	attroff(A_BOLD);
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
	"  Enter, t      its THP view (ptscope thp PID); on a cgroup, its processes",
	"  g             a row per cgroup, or per process again",
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

static int show_help(void)
{
	size_t i;

	erase();
	for (i = 0; i < ARRAY_SIZE(help_lines) && (int)i < LINES; i++)
		top_put_text((int)i, 0, help_lines[i], COLS, false);
	refresh();
	return top_wait_key(-1) == TOP_KEY_STOPPED ? TOP_KEY_STOPPED : 0;
}

/*
 * A line typed at the bottom into @buf (its old text discarded only when
 * Enter confirms the new one): 1 when confirmed, 0 when cancelled with
 * Esc, TOP_KEY_STOPPED.
 */
static int prompt(const char *question, char *buf, size_t len)
{
	char line[256] = "";
	size_t n = 0;
	int ch;

	curs_set(1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		top_put_text(LINES - 1, 0, question, COLS, false);
		top_put_text(LINES - 1, (int)strlen(question), line, COLS, false);
		refresh();
		ch = top_wait_key(-1);
		if (ch == TOP_KEY_STOPPED || ch == TOP_KEY_ESC) {
			curs_set(0);
			return ch == TOP_KEY_ESC ? 0 : TOP_KEY_STOPPED;
		}
		if (ch == '\n' || ch == KEY_ENTER)
			break;
		if ((ch == KEY_BACKSPACE || ch == TOP_KEY_DEL || ch == TOP_KEY_CTRL_H) && n)
			line[--n] = 0;
		else if (ch >= ' ' && ch < 127 && n + 1 < len && n + 1 < sizeof(line)) {
			line[n++] = (char)ch;
			line[n] = 0;
		}
	}
	curs_set(0);
	snprintf(buf, len, "%s", line);
	return 1;
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

/* A user's uid: a number, or the name of a user among the rows. */
static bool user_uid(const struct top_ctx *c, const char *user, uint32_t *uid)
{
	char name[33], *end;
	unsigned long u;
	size_t i;

	u = strtoul(user, &end, 10);
	if (!*end && end != user && u < UINT32_MAX) {
		*uid = u;
		return true;
	}
	for (i = 0; i < c->cur.nr; i++) {
		if (!strcmp(top_user_name(name, sizeof(name), c->cur.procs[i].uid), user)) {
			*uid = c->cur.procs[i].uid;
			return true;
		}
	}
	return false;
}

/* '/', 'c' or 'u': prompt, set the filter, rebuild the rows. */
static int filter_key(struct tui *t, int ch)
{
	struct top_ctx *c = t->c;
	char buf[64];
	uint32_t uid;
	int ret;

	if (ch == '/') {
		ret = prompt("command contains: ", t->name, sizeof(t->name));
		if (ret == 1)
			c->filter.name = t->name[0] ? t->name : NULL;
	} else if (ch == 'c') {
		ret = prompt("cgroup (from /): ", t->cgroup, sizeof(t->cgroup));
		if (ret == 1) {
			c->filter.cgroup = t->cgroup[0] ? t->cgroup : NULL;
			c->filter.cgroup_exact = false;
		}
	} else {
		ret = prompt("user (name or uid): ", buf, sizeof(buf));
		if (ret == 1 && !buf[0]) {
			c->filter.by_uid = false;
		} else if (ret == 1 && user_uid(c, buf, &uid)) {
			c->filter.by_uid = true;
			c->filter.uid = uid;
			snprintf(t->user, sizeof(t->user), "%s", buf);
		} else if (ret == 1) {
			snprintf(t->message, sizeof(t->message),
				 "no process of user '%s' is shown", buf);
		}
	}
	if (ret == TOP_KEY_STOPPED)
		return ret;
	return top_rows_build(c);
}

/*
 * A row per cgroup (@by_cgroup) or per process, with that view's columns
 * unless -o chose them; going down into one cgroup, @cgroup filters to it.
 */
static int regroup(struct tui *t, bool by_cgroup, const char *cgroup)
{
	struct top_ctx *c = t->c;
	int ret;

	c->by_cgroup = by_cgroup;
	if (by_cgroup && c->filter.cgroup_exact) {	/* back from Enter: all cgroups */
		c->filter.cgroup = NULL;
		c->filter.cgroup_exact = false;
		t->cgroup[0] = 0;
	}
	if (!opts.columns)
		view_defaults(&c->cols, by_cgroup ? &top_cgroup_view : &top_view);
	if (cgroup) {	/* the row's cgroup alone, as the row counted it */
		snprintf(t->cgroup, sizeof(t->cgroup), "%s", cgroup);
		c->filter.cgroup = t->cgroup;
		c->filter.cgroup_exact = true;
	}
	ret = top_rows_build(c);
	t->selected = 0;
	reselect(t);
	return ret;
}

/* One key of the main screen: 1 to quit, 0 to go on, < 0 an error. */
static int main_key(struct tui *t, int ch, double *next)
{
	struct top_ctx *c = t->c;
	size_t page = screen_rows() ? screen_rows() : 1;
	int ret = 0;

	t->message[0] = 0;
	switch (ch) {
	case 'q':
	case TOP_KEY_ESC:
	case TOP_KEY_STOPPED:
		return 1;
	case 'h':
	case '?':
		ret = show_help();
		break;
	case KEY_DOWN:
	case 'j':
		if (t->selected + 1 < c->nr_rows)
			t->selected++;
		break;
	case KEY_UP:
	case 'k':
		if (t->selected)
			t->selected--;
		break;
	case KEY_NPAGE:
		t->selected += page;
		break;
	case KEY_PPAGE:
		t->selected = t->selected > page ? t->selected - page : 0;
		break;
	case KEY_HOME:
		t->selected = 0;
		break;
	case KEY_END:
		t->selected = c->nr_rows ? c->nr_rows - 1 : 0;
		break;
	case 'g':
		ret = regroup(t, !c->by_cgroup, NULL);
		break;
	case '\n':
	case KEY_ENTER:
		if (c->by_cgroup && c->nr_rows) {
			ret = regroup(t, false, c->rows[t->selected].p->cgroup);
			break;
		}
		/* fall through */
	case 't':
	case 'm':
	case 'N':
		if (c->nr_rows)
			ret = top_drill(c->ps, ch == 'm' ? "maps" : ch == 'N' ? "numa" : "thp",
					t->selected_pid, t->message, sizeof(t->message));
		break;
	case '<':
	case '>':
		move_sort(c, ch == '<' ? -1 : 1);
		top_rows_sort(c->rows, c->nr_rows, c->sort_col, c->ascending);
		reselect(t);
		break;
	case 'r':
		c->ascending = !c->ascending;
		top_rows_sort(c->rows, c->nr_rows, c->sort_col, c->ascending);
		reselect(t);
		break;
	case '/':
	case 'u':
	case 'c':
		ret = filter_key(t, ch);
		reselect(t);
		break;
	case ' ':
		*next = 0;
		break;
	case 'p':
		t->paused = !t->paused;
		if (!t->paused)
			*next = 0;
		break;
	case KEY_RESIZE:
		break;
	default:
		snprintf(t->message, sizeof(t->message), "unknown key: press h for help");
		break;
	}
	return ret == TOP_KEY_STOPPED ? 1 : ret;
}

int top_tui(struct top_ctx *c)
{
	struct tui t = { .c = c };
	uint64_t done = 1;
	double next, now;
	SCREEN *screen;
	int ret, ch;

	/* newterm(), not initscr(): a terminal it does not know is an error, not an exit. */
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		cli_error("top: the terminal (TERM=%s) is unknown to ncurses; use -b",
			  getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (c->filter.by_uid)	/* --user: its name for the filter line */
		top_user_name(t.user, sizeof(t.user), c->filter.uid);
	ret = top_refresh(c);
	next = cli_seconds() + c->interval;
	while (!ret) {
		draw(&t);
		now = cli_seconds();
		/* Paused, only space (next = 0) refreshes. */
		if (now >= next && (!t.paused || !next)) {
			if (c->iterations && done >= c->iterations)
				break;
			ret = top_refresh(c);
			done++;
			reselect(&t);
			next = cli_seconds() + c->interval;
			continue;
		}
		ch = top_wait_key(t.paused ? -1 : (int)((next - now) * 1000) + 1);
		if (ch == ERR)
			continue;	/* time for the next refresh */
		ret = main_key(&t, ch, &next);
	}
	endwin();
	delscreen(screen);
	return ret == 1 ? 0 : ret;
}
