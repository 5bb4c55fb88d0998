/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sampling a process's mappings by 2 MiB windows and estimating their
 * totals, with no I/O: `ptscope maps --sample/--budget` drives it, the host
 * unit tests (tests/sample_test.c) check it on populations with known totals.
 *
 * Each mapping is a stratum; its windows are the 2 MiB-aligned slots it
 * overlaps, cut to it.  Within a stratum the windows walked are a simple
 * random sample without replacement: the first n of a keyed pseudo-random
 * permutation, so a sample can grow one window at a time (the time budget)
 * and is the same for the same seed.  The estimate of a stratum's total is
 * N * mean, its variance N^2 (1 - n/N) s^2 / n (s^2 the between-window
 * variance): zero when every window was walked.
 */
#ifndef PTSCOPE_SAMPLE_H
#define PTSCOPE_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAMPLE_WINDOW	(2ULL << 20)	/* one PTE table */
#define SAMPLE_Z95	1.96		/* the two-sided 95% normal quantile */

/* splitmix64: the next value of the generator at *@state. */
uint64_t sample_rng_next(uint64_t *state);
/* Uniform in [0, 1). */
double sample_rng_unit(uint64_t *state);

/* Windows of [start, end) (page aligned, start < end), and window @i of them. */
uint64_t sample_windows(uint64_t start, uint64_t end);
void sample_window(uint64_t start, uint64_t end, uint64_t i,
		   uint64_t *wstart, uint64_t *wend);

/*
 * Windows to walk out of @n for the fraction @f (0 < f <= 1): ceil(f n), but
 * at least two (one window says nothing about the spread) and at most n.
 */
uint64_t sample_quota(uint64_t n, double f);

/* A keyed bijection of [0, n): a 4-round Feistel network, cycle-walked. */
struct sample_perm {
	uint64_t n;
	unsigned int half;	/* bits of each half */
	uint64_t keys[4];
};
void sample_perm_init(struct sample_perm *p, uint64_t n, uint64_t seed);
uint64_t sample_perm_at(const struct sample_perm *p, uint64_t i);

/* The windows walked of one stratum: running means and sums of squares. */
struct sample_stratum {
	uint64_t windows;	/* N */
	uint64_t walked;	/* n */
	size_t nvals;
	double *mean;		/* Welford: per value */
	double *m2;
};
int sample_stratum_init(struct sample_stratum *s, uint64_t windows, size_t nvals);
void sample_stratum_free(struct sample_stratum *s);
/* Add one walked window's values @y[nvals]. */
void sample_stratum_add(struct sample_stratum *s, const double *y);
/*
 * The estimate of value @k's total over the stratum and its variance; with
 * fewer than two windows walked of more than one, the variance is unknown
 * (returned as -1).
 */
void sample_stratum_estimate(const struct sample_stratum *s, size_t k,
			     double *est, double *var);

/*
 * The order a time budget walks windows in: over all strata, the next
 * window is that of the stratum with the smallest (j + u) / N (j windows
 * walked, u uniform per stratum), so every stratum's sampled fraction grows
 * evenly and each stays a random sample of its own.
 */
struct sample_sched {
	size_t nr;		/* strata in the heap */
	size_t *heap;		/* stratum indexes */
	double *u;
	uint64_t *next;		/* j of each stratum */
	const uint64_t *windows; /* N of each stratum */
};
int sample_sched_init(struct sample_sched *q, size_t nstrata,
		      const uint64_t *windows, const uint64_t *walked,
		      uint64_t seed);
/* The next stratum and its window's position in its permutation; false when all are walked. */
bool sample_sched_next(struct sample_sched *q, size_t *stratum, uint64_t *j);
void sample_sched_free(struct sample_sched *q);

/*
 * Parse the argument of --sample: "1/N", a decimal fraction in (0, 1] or a
 * percentage "P%"; and of --budget: "N ms", "N s" (decimals allowed, "us"
 * too) or "unlimited" (*@ns = UINT64_MAX).  -1 if malformed or out of range.
 */
int sample_parse_fraction(const char *s, double *f);
int sample_parse_budget(const char *s, uint64_t *ns);

#endif /* PTSCOPE_SAMPLE_H */
