// SPDX-License-Identifier: GPL-2.0
/* Fault rates between two STATS samples: see fault_rates.h. */
#include <math.h>
#include <stdint.h>

#include "fault_rates.h"

void fault_rates(const struct ptscope_stats *now, const struct ptscope_stats *before,
		 double *minor, double *major)
{
	double dt = (int64_t)(now->timestamp_ns - before->timestamp_ns) / 1e9;

	*minor = *major = NAN;
	if (dt > 0 && now->min_flt >= before->min_flt &&
	    now->maj_flt >= before->maj_flt) {
		*minor = (now->min_flt - before->min_flt) / dt;
		*major = (now->maj_flt - before->maj_flt) / dt;
	}
}
