// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope maps PID --heatmap: each mapping as a strip of cells, each cell the
 * dominant state of its pages, a legend underneath; or the same as JSON.
 * A picture, not a table: libsmartcols has no cell-per-character model, so
 * this view prints its own lines (and its JSON through json.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "heatmap.h"
#include "json.h"

/* The mapping fields the view needs, kept from the MAPS walk. */
struct heat_vma {
	uint64_t start, end, flags;
	char name[PTSCOPE_VMA_NAME_LEN];
};

struct heat_vmas {
	struct heat_vma *v;
	size_t nr, cap;
};

static int collect_vma(const struct ptscope_vma *r, void *arg)
{
	struct heat_vmas *l = arg;
	struct heat_vma *bigger;

	if (l->nr == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		bigger = realloc(l->v, l->cap * sizeof(*l->v));
		if (!bigger)
			return -ENOMEM;
		l->v = bigger;
	}
	l->v[l->nr].start = r->start;
	l->v[l->nr].end = r->end;
	l->v[l->nr].flags = r->flags;
	snprintf(l->v[l->nr].name, sizeof(l->v[l->nr].name), "%s", r->name);
	l->nr++;
	return 0;
}

struct heat_walk {
	struct heat_strip *strip;
	enum heat_by by;
};

static int add_region(const struct ptscope_page_region *r, void *arg)
{
	struct heat_walk *w = arg;

	heat_strip_add(w->strip, r, w->by);
	return 0;
}

/* ANSI background per class; nodes cycle through six colours. */
static const char *colour(enum heat_class c)
{
	static const char *const state[] = {
		[HEAT_NONE] = NULL,
		[HEAT_PRESENT] = "\033[30;42m",
		[HEAT_DIRTY] = "\033[30;43m",
		[HEAT_SWAPPED] = "\033[30;45m",
		[HEAT_COW] = "\033[30;46m",
		[HEAT_THP] = "\033[37;44m",
		[HEAT_HUGETLB] = "\033[37;41m",
		[HEAT_OTHER] = "\033[30;47m",
	};
	static const char *const nodes[] = {
		"\033[30;42m", "\033[37;44m", "\033[30;43m", "\033[30;45m",
		"\033[30;46m", "\033[37;41m",
	};

	if (c < HEAT_NODE0)
		return state[c];
	return nodes[(c - HEAT_NODE0) % 6];
}

static void put_glyph(enum heat_class c)
{
	const char *col = opts.color > 0 ? colour(c) : NULL;

	if (col)
		printf("%s%c\033[0m", col, heat_glyph(c));
	else
		putchar(heat_glyph(c));
}

/* Whether class @c has a legend entry: every state, or what was seen. */
static bool in_legend(enum heat_by by, int c, const uint64_t *seen)
{
	if (by == HEAT_BY_STATE)
		return c < HEAT_NODE0;
	if (c == HEAT_NONE || c == HEAT_SWAPPED)
		return true;
	return (c == HEAT_OTHER || c >= HEAT_NODE0) && seen[c];
}

/* The legend, wrapped at @width. */
static void print_legend(enum heat_by by, const uint64_t *seen,
			 unsigned int width)
{
	unsigned int used = 0, len;
	char text[32];
	int c;

	for (c = 0; c < HEAT_NR_CLASSES; c++) {
		if (!in_legend(by, c, seen))
			continue;
		heat_class_label(c, text, sizeof(text));
		len = strlen(text) + 2;
		if (used && used + 2 + len > width) {
			putchar('\n');
			used = 0;
		}
		printf("%s", used ? "  " : "");
		put_glyph(c);
		printf(" %s", text);
		used += (used ? 2 : 0) + len;
	}
	putchar('\n');
}

/*
 * "START-END PERMS SIZE cell=SIZE NAME", the name shortened from the left
 * ("...libc.so.6") so the line fits @width.
 */
static void print_strip(const struct heat_vma *v, const struct heat_strip *s,
			unsigned int width)
{
	char p[8], size[32], cell[32], label[128];
	const char *name = v->name[0] ? v->name : "[anon]";
	size_t i, room, len;

	snprintf(label, sizeof(label), "%#" PRIx64 "-%#" PRIx64 " %s %s cell=%s ",
		 s->start, s->end, format_perms(p, v->flags),
		 format_size(size, sizeof(size), s->end - s->start),
		 format_size(cell, sizeof(cell), s->pages_per_cell * 4096));
	len = strlen(name);
	room = width > strlen(label) ? width - strlen(label) : 0;
	if (len <= room)
		printf("%s%s\n", label, name);
	else if (room > 3)
		printf("%s...%s\n", label, name + len - (room - 3));
	else
		printf("%s\n", label);
	for (i = 0; i < s->nr_cells; i++)
		put_glyph(heat_cell_class(s, i));
	putchar('\n');
}

static void json_strip(struct json *j, const struct heat_vma *v,
		       const struct heat_strip *s)
{
	char p[8], name[32], *cells;
	size_t i;
	int c;

	cells = malloc(s->nr_cells + 1);
	if (!cells)
		return;
	for (i = 0; i < s->nr_cells; i++)
		cells[i] = heat_glyph(heat_cell_class(s, i));
	cells[i] = 0;
	json_open(j, NULL, '{');
	json_u64(j, "start", s->start);
	json_u64(j, "end", s->end);
	json_str(j, "perms", format_perms(p, v->flags));
	json_str(j, "name", v->name);
	json_u64(j, "pages_per_cell", s->pages_per_cell);
	json_str(j, "cells", cells);
	json_open(j, "pages", '{');
	for (c = 0; c < HEAT_NR_CLASSES; c++)
		if (s->totals[c])
			json_u64(j, heat_class_name(c, name, sizeof(name)), s->totals[c]);
	json_close(j, '}');
	json_close(j, '}');
	free(cells);
}

static void json_legend(struct json *j, enum heat_by by, const uint64_t *seen)
{
	char glyph[2] = { 0 }, name[32];
	int c;

	json_open(j, "legend", '{');
	for (c = 0; c < HEAT_NR_CLASSES; c++) {
		/* Nodes from 36 on share '+': one key, named after the first. */
		if (!in_legend(by, c, seen) || (c > HEAT_NODE0 + 36))
			continue;
		glyph[0] = heat_glyph(c);
		json_str(j, glyph, heat_class_name(c, name, sizeof(name)));
	}
	json_close(j, '}');
}

unsigned int heatmap_default_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_col)
		return ws.ws_col;
	if (env && atoi(env) > 0)
		return atoi(env);
	return 80;
}

int heatmap_show(struct ptscope *ps, uint64_t pid, uint64_t start,
		 uint64_t end, int by, unsigned int width)
{
	struct heat_vmas vmas = { 0 };
	uint64_t seen[HEAT_NR_CLASSES] = { 0 };
	struct heat_strip strip;
	struct heat_walk w = { .strip = &strip, .by = by };
	struct json j;
	size_t i;
	int ret, c;

	ret = ptscope_maps(ps, pid, start, end, collect_vma, &vmas, NULL);
	if (ret)
		goto out;
	if (opts.json) {
		json_init(&j, stdout, opts.pretty);
		json_open(&j, NULL, '{');
		json_u64(&j, "pid", pid);
		json_str(&j, "by", by == HEAT_BY_NODE ? "node" : "state");
		json_u64(&j, "width", width);
		json_open(&j, "mappings", '[');
	}
	for (i = 0; i < vmas.nr; i++) {
		uint64_t s = vmas.v[i].start > start ? vmas.v[i].start : start;
		uint64_t e = vmas.v[i].end < end ? vmas.v[i].end : end;

		ret = heat_strip_init(&strip, s, e, width);
		if (ret)
			break;
		ret = ptscope_pages(ps, pid, s, e, PTSCOPE_PAGES_REGIONS,
				    add_region, &w);
		if (!ret) {
			for (c = 0; c < HEAT_NR_CLASSES; c++)
				seen[c] += strip.totals[c];
			if (opts.json)
				json_strip(&j, &vmas.v[i], &strip);
			else
				print_strip(&vmas.v[i], &strip, width);
		}
		heat_strip_free(&strip);
		if (ret)
			break;
	}
	if (opts.json) {
		json_close(&j, ']');
		if (!ret)
			json_legend(&j, by, seen);
		json_close(&j, '}');
	} else if (!ret) {
		print_legend(by, seen, width);
	}
out:
	free(vmas.v);
	return ret;
}
