/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `ptscope top`'s full-screen parts share: text cut at the screen's
 * edge, and a key read that a SIGINT or SIGTERM interrupts.
 */
#ifndef PTSCOPE_TOP_SCREEN_H
#define PTSCOPE_TOP_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"

#define TOP_KEY_ESC		27
#define TOP_KEY_DEL		127
#define TOP_KEY_CTRL_H		8
#define TOP_KEY_STOPPED		(-2)	/* a signal asked to stop */

/*
 * @s at (@y, @x), at most @width columns and never past the screen's
 * edge, right-aligned if @right; a byte that is not printable ASCII (a
 * control character or part of a multibyte one in a name) shows as '?',
 * so that one byte is one column.
 */
void top_put_text(int y, int x, const char *s, int width, bool right);

/*
 * The next key within @ms milliseconds (-1: however long it takes), in
 * steps of at most 200 ms so that a stop signal is seen: a key, ERR when
 * the time is up, or TOP_KEY_STOPPED.
 */
int top_wait_key(int ms);

/*
 * Show `ptscope VIEW PID` (thp, maps or numa) scrollable until q or Esc;
 * t, m and N switch views.  A note for the main screen goes in @message.
 * Returns TOP_KEY_STOPPED when a signal asked to stop, else 0.
 */
int top_drill(struct ptscope *ps, const char *view, uint64_t pid,
	      char *message, size_t len);

#endif /* PTSCOPE_TOP_SCREEN_H */
