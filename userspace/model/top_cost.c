// SPDX-License-Identifier: GPL-2.0
/* `ptscope top`'s cost model and plan: see top_cost.h. */
#include "top_cost.h"

uint64_t top_units(const struct ptscope_stats *st)
{
	return st->pgtables_bytes / 8 + st->rss_anon + st->rss_file +
	       st->rss_shmem + st->swap_ents + TOP_UNITS_PER_VMA * st->map_count;
}

double top_cost_predict(const struct top_cost *cost, uint64_t units)
{
	double rate = TOP_NS_PER_UNIT_GUESS;

	if (units < TOP_UNITS_SMALL && cost->small_walks)
		return TOP_COST_MARGIN * cost->small_ns / cost->small_walks;
	if (cost->large_units)
		rate = cost->large_ns / cost->large_units;
	else if (cost->small_walks)	/* a small walk's cost per unit is dearer */
		rate = cost->small_ns / cost->small_walks / TOP_UNITS_SMALL;
	return TOP_COST_MARGIN * rate * (units < TOP_UNITS_SMALL ? TOP_UNITS_SMALL : units);
}

enum top_plan top_plan(const struct top_cost *cost, uint64_t units,
		       uint64_t left_ns, uint64_t reserve_ns, size_t nr_large_left)
{
	double predicted = top_cost_predict(cost, units);

	if (!left_ns)
		return TOP_PLAN_NONE;
	if (units <= TOP_UNITS_LARGE) {
		/* Nothing learned yet: walk it, and learn. */
		if (!cost->small_walks && !cost->large_units)
			return left_ns > reserve_ns ? TOP_PLAN_EXACT : TOP_PLAN_NONE;
		return left_ns > reserve_ns && predicted <= left_ns - reserve_ns ?
		       TOP_PLAN_EXACT : TOP_PLAN_NONE;
	}
	if (!nr_large_left)
		nr_large_left = 1;
	return predicted <= (double)left_ns / nr_large_left ? TOP_PLAN_EXACT :
	       TOP_PLAN_SAMPLE;
}

void top_cost_learn(struct top_cost *cost, uint64_t units, uint64_t ns)
{
	if (units < TOP_UNITS_SMALL) {
		cost->small_ns += ns;
		cost->small_walks++;
	} else {
		cost->large_ns += ns;
		cost->large_units += units;
	}
}

void top_cost_age(struct top_cost *cost)
{
	cost->small_ns /= 2;
	cost->small_walks /= 2;
	cost->large_ns /= 2;
	cost->large_units /= 2;
}
