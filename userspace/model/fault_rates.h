/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A process's fault rates between two of its STATS samples: the one rule
 * of `export` and `top`.
 */
#ifndef PTSCOPE_FAULT_RATES_H
#define PTSCOPE_FAULT_RATES_H

#include <ptscope.h>

/*
 * Minor and major faults per second from @before to @now; NaN both when
 * the interval is not positive or a counter went back (another process
 * under a reused pid).
 */
void fault_rates(const struct ptscope_stats *now, const struct ptscope_stats *before,
		 double *minor, double *major);

#endif /* PTSCOPE_FAULT_RATES_H */
