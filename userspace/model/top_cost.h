/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ptscope top`'s plan: what walking a process is predicted to cost, and
 * whether it is walked whole, sampled or not walked within the budget
 * that is left.  Pure functions of the counters and of what earlier walks
 * cost, so that the host unit tests (tests/top_model_test.c) check them.
 */
#ifndef PTSCOPE_TOP_COST_H
#define PTSCOPE_TOP_COST_H

#include <stddef.h>
#include <stdint.h>
#include <ptscope.h>

/*
 * The cost model, learned from the walks made whole: a small walk (fewer
 * than TOP_UNITS_SMALL units of work, top_units()) costs about what every
 * walk costs, so it is predicted from the mean small walk; a larger one
 * from the mean cost per unit of the larger walks (their CPU time over
 * their units), scaled to its units.  Both with TOP_COST_MARGIN to spare.
 * What earlier sweeps learned counts half as much at each new sweep.
 */
struct top_cost {
	double small_ns, small_walks;	/* sums over the small walks */
	double large_ns, large_units;	/* and over the larger ones */
};
#define TOP_COST_INIT { 0 }
#define TOP_UNITS_PER_VMA	256	/* a mapping's record costs as much as this */
#define TOP_UNITS_SMALL		8192
#define TOP_UNITS_LARGE		(256 * 1024)	/* a 1 GiB process in 4 KiB pages */
#define TOP_COST_MARGIN		1.5
#define TOP_NS_PER_UNIT_GUESS	100.0	/* a slow machine's (TCG), until one is known */
#define TOP_LARGE_SHARE		4	/* 1/4 of the budget is kept for large ones */

/* How a process's page tables are read. */
enum top_plan { TOP_PLAN_NONE, TOP_PLAN_EXACT, TOP_PLAN_SAMPLE };

/*
 * The plan for a process of @units, the processes coming smallest first:
 * @left_ns of the budget is left, @nr_large_left processes above
 * TOP_UNITS_LARGE are still to come (this one included, if it is one),
 * for which @reserve_ns is kept.  A process up to TOP_UNITS_LARGE is walked
 * whole if it is predicted to fit what is left beyond the reserve, else
 * not at all (the ones after it are no smaller); a larger one whole if it
 * fits an even share of what is left, else sampled with that share.
 */
enum top_plan top_plan(const struct top_cost *cost, uint64_t units,
		       uint64_t left_ns, uint64_t reserve_ns, size_t nr_large_left);
/* The cost a walk of @units is predicted to have. */
double top_cost_predict(const struct top_cost *cost, uint64_t units);
/* Learn from a whole walk of @units that took @ns. */
void top_cost_learn(struct top_cost *cost, uint64_t units, uint64_t ns);
/* A new sweep: what was learned before counts half. */
void top_cost_age(struct top_cost *cost);
/*
 * The walk's work predicted from the counters: the entries of its page
 * tables (VmPTE / 8: zero-page and sparse mappings cost their tables,
 * not their RSS), its resident and swapped pages, and its mappings.
 */
uint64_t top_units(const struct ptscope_stats *st);

#endif /* PTSCOPE_TOP_COST_H */
