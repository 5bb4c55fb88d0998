// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the sampling estimator (sample.c) on synthetic
 * populations whose totals and sampling variances this test computes
 * itself: unbiased over many seeds, the stated standard error matching the
 * spread of the estimates, a full sample exact with zero error, the
 * permutation a bijection, the budget's order fair between strata.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "sample.h"

#define NSTRATA 3
#define REPS 4000

/* Window values of three mappings: skewed, clustered, and a small one. */
static const uint64_t pop_windows[NSTRATA] = { 240, 60, 9 };

static double pop_value(size_t h, uint64_t i)
{
	uint64_t s = h * 1000003 + i;

	switch (h) {
	case 0:		/* every 8th window a whole THP, else a few pages */
		return i % 8 == 0 ? 512 : sample_rng_next(&s) % 40;
	case 1:		/* a populated first third */
		return i < 20 ? 400 + sample_rng_next(&s) % 100 : 0;
	default:
		return sample_rng_next(&s) % 512;
	}
}

/* The population total and the exact variance of the estimator at quotas @n. */
static void pop_truth(const uint64_t *n, double *total, double *var)
{
	double N, sum, sumsq, S2;
	size_t h;
	uint64_t i;

	*total = *var = 0;
	for (h = 0; h < NSTRATA; h++) {
		N = pop_windows[h];
		sum = sumsq = 0;
		for (i = 0; i < pop_windows[h]; i++) {
			sum += pop_value(h, i);
			sumsq += pop_value(h, i) * pop_value(h, i);
		}
		S2 = (sumsq - sum * sum / N) / (N - 1);
		*total += sum;
		*var += N * N * (1 - n[h] / N) * S2 / n[h];
	}
}

/* One stratified sample at quotas @n with @seed: the estimate and its variance. */
static void one_sample(const uint64_t *n, uint64_t seed, double *est, double *var)
{
	struct sample_stratum s;
	struct sample_perm p;
	double y, e, v;
	size_t h;
	uint64_t j;

	*est = *var = 0;
	for (h = 0; h < NSTRATA; h++) {
		sample_stratum_init(&s, pop_windows[h], 1);
		sample_perm_init(&p, pop_windows[h], seed * 31 + h);
		for (j = 0; j < n[h]; j++) {
			y = pop_value(h, sample_perm_at(&p, j));
			sample_stratum_add(&s, &y);
		}
		sample_stratum_estimate(&s, 0, &e, &v);
		*est += e;
		*var += v;
		sample_stratum_free(&s);
	}
}

TEST(perm_is_a_bijection)
{
	static const uint64_t sizes[] = { 1, 2, 3, 5, 64, 100, 1000, 4097 };
	struct sample_perm p;
	unsigned char *seen;
	uint64_t i, x, seed;
	size_t k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (seed = 1; seed < 4; seed++) {
			seen = calloc(sizes[k], 1);
			ASSERT_NE(NULL, seen);
			sample_perm_init(&p, sizes[k], seed);
			for (i = 0; i < sizes[k]; i++) {
				x = sample_perm_at(&p, i);
				ASSERT_LT(x, sizes[k]);
				ASSERT_EQ(0, seen[x]) TH_LOG("n=%llu: %llu twice",
							    (unsigned long long)sizes[k],
							    (unsigned long long)x);
				seen[x] = 1;
			}
			free(seen);
		}
	}
}

TEST(perm_depends_on_the_seed)
{
	struct sample_perm a, b;
	uint64_t i, same = 0;

	sample_perm_init(&a, 1000, 1);
	sample_perm_init(&b, 1000, 2);
	for (i = 0; i < 1000; i++)
		same += sample_perm_at(&a, i) == sample_perm_at(&b, i);
	EXPECT_LT(same, 20);
	sample_perm_init(&b, 1000, 1);
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(sample_perm_at(&a, i), sample_perm_at(&b, i));
}

TEST(windows_are_2m_slots_cut_to_the_mapping)
{
	uint64_t s, e;

	EXPECT_EQ(1, sample_windows(0x1000, 0x200000));
	EXPECT_EQ(2, sample_windows(0x1ff000, 0x201000));
	EXPECT_EQ(256, sample_windows(0x40000000, 0x40000000 + (512ULL << 20)));
	EXPECT_EQ(257, sample_windows(0x40001000, 0x40001000 + (512ULL << 20)));
	sample_window(0x1ff000, 0x401000, 0, &s, &e);
	EXPECT_EQ(0x1ff000, s);
	EXPECT_EQ(0x200000, e);
	sample_window(0x1ff000, 0x401000, 1, &s, &e);
	EXPECT_EQ(0x200000, s);
	EXPECT_EQ(0x400000, e);
	sample_window(0x1ff000, 0x401000, 2, &s, &e);
	EXPECT_EQ(0x400000, s);
	EXPECT_EQ(0x401000, e);
}

TEST(quota)
{
	EXPECT_EQ(2, sample_quota(100, 0.001));
	EXPECT_EQ(1, sample_quota(1, 0.5));
	EXPECT_EQ(10, sample_quota(100, 0.1));
	EXPECT_EQ(11, sample_quota(101, 0.1));
	EXPECT_EQ(4, sample_quota(256, 1.0 / 64));
	EXPECT_EQ(100, sample_quota(100, 1));
}

TEST(full_sample_is_exact_with_zero_error)
{
	uint64_t n[NSTRATA];
	double total, var, est, v;
	size_t h;

	for (h = 0; h < NSTRATA; h++)
		n[h] = pop_windows[h];
	pop_truth(n, &total, &var);
	EXPECT_EQ(0, var);
	one_sample(n, 7, &est, &v);
	EXPECT_EQ(0, v);
	EXPECT_LT(fabs(est - total), 1e-6 * total) TH_LOG("%f != %f", est, total);
}

TEST(unbiased_and_stderr_matches_the_spread)
{
	uint64_t n[NSTRATA];
	double total, var, est, v, sum = 0, sumsq = 0, sumvar = 0, mean, emp;
	unsigned int seed, covered = 0;
	size_t h;

	for (h = 0; h < NSTRATA; h++)
		n[h] = sample_quota(pop_windows[h], 0.2);
	pop_truth(n, &total, &var);
	ASSERT_GT(var, 0);
	for (seed = 1; seed <= REPS; seed++) {
		one_sample(n, seed, &est, &v);
		ASSERT_GE(v, 0);
		sum += est;
		sumsq += est * est;
		sumvar += v;
		covered += fabs(est - total) <= SAMPLE_Z95 * sqrt(v);
	}
	mean = sum / REPS;
	emp = (sumsq - sum * sum / REPS) / (REPS - 1);
	/* Unbiased: the mean within 4 standard errors of the mean. */
	EXPECT_LT(fabs(mean - total), 4 * sqrt(var / REPS))
		TH_LOG("mean %f, total %f", mean, total);
	/* The spread is the sampling variance the formula gives... */
	EXPECT_LT(fabs(emp / var - 1), 0.15) TH_LOG("empirical %f, exact %f", emp, var);
	/* ...and the stated variances average to it (s^2 is unbiased for S^2). */
	EXPECT_LT(fabs(sumvar / REPS / var - 1), 0.15)
		TH_LOG("stated %f, exact %f", sumvar / REPS, var);
	/* A 95% interval covers the total about 95% of the time. */
	EXPECT_GT(covered, REPS * 0.88);
	EXPECT_LT(covered, REPS * 0.995);
}

TEST(one_window_has_unknown_error)
{
	struct sample_stratum s;
	double y = 5, e, v;

	ASSERT_EQ(0, sample_stratum_init(&s, 10, 1));
	sample_stratum_add(&s, &y);
	sample_stratum_estimate(&s, 0, &e, &v);
	EXPECT_EQ(50, e);
	EXPECT_LT(v, 0);
	sample_stratum_free(&s);
}

TEST(budget_order_is_even_and_complete)
{
	static const uint64_t windows[3] = { 100, 10, 1000 };
	uint64_t walked[3] = { 2, 2, 2 }, j, steps = 0;
	struct sample_sched q;
	size_t h, k;
	double f[3], lo, hi;

	ASSERT_EQ(0, sample_sched_init(&q, 3, windows, walked, 5));
	while (sample_sched_next(&q, &h, &j)) {
		ASSERT_EQ(walked[h], j);	/* each window once, in order */
		walked[h]++;
		steps++;
		if (steps % 97)
			continue;
		for (k = 0; k < 3; k++)
			f[k] = (double)walked[k] / windows[k];
		lo = hi = f[0];
		for (k = 1; k < 3; k++) {
			lo = f[k] < lo ? f[k] : lo;
			hi = f[k] > hi ? f[k] : hi;
		}
		/* Past the two each got first, fractions stay within a window. */
		if (steps > 200)
			EXPECT_LT(hi - lo, 1.0 / 10 + 1e-9);
	}
	EXPECT_EQ(1110 - 6, steps);
	for (k = 0; k < 3; k++)
		EXPECT_EQ(windows[k], walked[k]);
	sample_sched_free(&q);
}

TEST(parse_fraction_and_budget)
{
	double f;
	uint64_t ns;

	ASSERT_EQ(0, sample_parse_fraction("1/64", &f));
	EXPECT_EQ(1.0 / 64, f);
	ASSERT_EQ(0, sample_parse_fraction("0.25", &f));
	EXPECT_EQ(0.25, f);
	ASSERT_EQ(0, sample_parse_fraction("5%", &f));
	EXPECT_LT(fabs(f - 0.05), 1e-12);
	ASSERT_EQ(0, sample_parse_fraction("1", &f));
	EXPECT_EQ(1, f);
	EXPECT_EQ(-1, sample_parse_fraction("0", &f));
	EXPECT_EQ(-1, sample_parse_fraction("1.5", &f));
	EXPECT_EQ(-1, sample_parse_fraction("1/0", &f));
	EXPECT_EQ(-1, sample_parse_fraction("1/-3", &f));
	EXPECT_EQ(-1, sample_parse_fraction("1/2.5", &f));
	EXPECT_EQ(-1, sample_parse_fraction("abc", &f));
	EXPECT_EQ(-1, sample_parse_fraction("", &f));
	EXPECT_EQ(-1, sample_parse_fraction("-0.5", &f));
	EXPECT_EQ(-1, sample_parse_fraction("nan", &f));

	ASSERT_EQ(0, sample_parse_budget("200ms", &ns));
	EXPECT_EQ(200000000ULL, ns);
	ASSERT_EQ(0, sample_parse_budget("1.5s", &ns));
	EXPECT_EQ(1500000000ULL, ns);
	ASSERT_EQ(0, sample_parse_budget("unlimited", &ns));
	EXPECT_EQ(UINT64_MAX, ns);
	EXPECT_EQ(-1, sample_parse_budget("200", &ns));
	EXPECT_EQ(-1, sample_parse_budget("-1s", &ns));
	EXPECT_EQ(-1, sample_parse_budget("0ms", &ns));
	EXPECT_EQ(-1, sample_parse_budget("5min", &ns));
	EXPECT_EQ(-1, sample_parse_budget("", &ns));
}

TEST_HARNESS_MAIN
