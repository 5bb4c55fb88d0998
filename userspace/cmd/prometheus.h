/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus text exposition format (version 0.0.4): metric families
 * with HELP and TYPE lines, samples with escaped label values.
 */
#ifndef PTSCOPE_PROMETHEUS_H
#define PTSCOPE_PROMETHEUS_H

#include <stdio.h>

enum prom_type { PROM_GAUGE, PROM_COUNTER };

/* "# HELP name help" and "# TYPE name gauge|counter". */
void prom_family(FILE *f, const char *name, enum prom_type type,
		 const char *help);

/*
 * One sample: name{label="value",...} value.  @labels alternates names and
 * values and ends with NULL; values are escaped (\\, \", \n).  A value that
 * is not finite is written as NaN or +Inf/-Inf, as the format spells them.
 */
void prom_sample(FILE *f, const char *name, const char *const *labels,
		 double value);

/* Write @s as a label value, escaped, without the quotes. */
void prom_label_value(FILE *f, const char *s);

#endif /* PTSCOPE_PROMETHEUS_H */
