// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text exposition format: see prometheus.h. */
#include <math.h>

#include "prometheus.h"

void prom_family(FILE *f, const char *name, enum prom_type type,
		 const char *help)
{
	fprintf(f, "# HELP %s ", name);
	/* HELP text escapes only backslash and newline. */
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name,
		type == PROM_COUNTER ? "counter" : "gauge");
}

void prom_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

void prom_sample(FILE *f, const char *name, const char *const *labels,
		 double value)
{
	const char *sep = "{";

	fputs(name, f);
	for (; labels && labels[0] && labels[1]; labels += 2) {
		fprintf(f, "%s%s=\"", sep, labels[0]);
		prom_label_value(f, labels[1]);
		fputc('"', f);
		sep = ",";
	}
	if (*sep == ',')
		fputc('}', f);
	if (isnan(value))
		fputs(" NaN\n", f);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (value == (double)(long long)value && fabs(value) < 9e15)
		fprintf(f, " %lld\n", (long long)value);
	else
		fprintf(f, " %.17g\n", value);
}
