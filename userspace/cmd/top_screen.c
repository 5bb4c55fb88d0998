// SPDX-License-Identifier: GPL-2.0
/* What `ptscope top`'s full-screen parts share: see top_screen.h. */
#include <curses.h>

#include "interval.h"
#include "top_screen.h"

#define KEY_STEP_MS	200	/* the longest a signal waits to be seen */

void top_put_text(int y, int x, const char *s, int width, bool right)
{
	char buf[1024];
	int len, w = COLS - x, i;

	if (w <= 0 || y >= LINES || width <= 0)
		return;
	if (width < w)
		w = width;
	for (len = 0; s[len] && len < w && len < (int)sizeof(buf) - 1; len++)
		buf[len] = s[len] >= ' ' && s[len] < 127 ? s[len] : '?';
	buf[len] = 0;
	i = right && len < w ? w - len : 0;
	mvaddnstr(y, x + i, buf, len);
}

int top_wait_key(int ms)
{
	int ch, step;

	for (;;) {
		step = ms < 0 || ms > KEY_STEP_MS ? KEY_STEP_MS : ms;
		timeout(step);
		ch = getch();
		if (cli_interval_stopped())
			return TOP_KEY_STOPPED;
		if (ch != ERR)
			return ch;
		if (ms >= 0) {
			ms -= step;
			if (ms <= 0)
				return ERR;
		}
	}
}
