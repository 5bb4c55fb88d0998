// SPDX-License-Identifier: GPL-2.0
/* The streaming JSON writer (see json.h for why it exists). */
#include <math.h>
#include <inttypes.h>

#include "json.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
	j->first[0] = true;
}

/*
 * Strings go out in runs of bytes that need no escape, and numbers are
 * formatted here: a process of 100,000 mappings is tens of megabytes of
 * JSON, and a stdio call per byte, or vfprintf() per number, was most of
 * `ptscope -j maps`'s time.
 */
void json_string_escaped(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0' };
	const char *run = s;

	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite(run, 1, s - run, f);
		run = s + 1;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fwrite("\\n", 1, 2, f);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			fwrite(esc, 1, sizeof(esc), f);
		}
	}
	fwrite(run, 1, s - run, f);
	fputc('"', f);
}

/* A newline and the indentation of @depth. */
static void json_indent(FILE *f, int depth)
{
	static const char spaces[2 * JSON_MAX_DEPTH + 1] = {
		[0 ... 2 * JSON_MAX_DEPTH] = ' ',
	};

	fputc('\n', f);
	fwrite(spaces, 1, 2 * depth, f);
}

/* Separator, indentation and key before a value. */
static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->pretty && j->depth)
		json_indent(j->f, j->depth);
	if (key) {
		json_string_escaped(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

void json_open(struct json *j, const char *key, char bracket)
{
	json_key(j, key);
	fputc(bracket, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

void json_close(struct json *j, char bracket)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (j->pretty && !empty)
		json_indent(j->f, j->depth);
	fputc(bracket, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_f64(struct json *j, const char *key, double v)
{
	if (!isfinite(v)) {
		json_null(j, key);
		return;
	}
	json_key(j, key);
	fprintf(j->f, "%.6g", v);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	char digits[20], *p = digits + sizeof(digits);

	json_key(j, key);
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite(p, 1, digits + sizeof(digits) - p, j->f);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_string_escaped(j->f, v);
}

void json_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}
