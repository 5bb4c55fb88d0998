/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer.  libsmartcols prints a table as one JSON
 * array under the table's name; the documented ptscope JSON has top-level
 * keys beside the array ("pid") and nested objects ("swap"), which its
 * model cannot express, so the JSON views are written with this.
 */
#ifndef PTSCOPE_JSON_H
#define PTSCOPE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_open(struct json *j, const char *key, char bracket);	/* '{' or '[' */
void json_close(struct json *j, char bracket);			/* '}' or ']' */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
/* A number with 6 significant digits; NaN or infinity as null. */
void json_f64(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_str(struct json *j, const char *key, const char *v);
void json_null(struct json *j, const char *key);
void json_string_escaped(FILE *f, const char *s);

#endif /* PTSCOPE_JSON_H */
