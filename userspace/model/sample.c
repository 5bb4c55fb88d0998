// SPDX-License-Identifier: GPL-2.0
/* Window sampling and stratified estimation: see sample.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

uint64_t sample_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sample_rng_unit(uint64_t *state)
{
	return (sample_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t sample_windows(uint64_t start, uint64_t end)
{
	uint64_t first = start & ~(SAMPLE_WINDOW - 1);

	return (end - first + SAMPLE_WINDOW - 1) / SAMPLE_WINDOW;
}

void sample_window(uint64_t start, uint64_t end, uint64_t i,
		   uint64_t *wstart, uint64_t *wend)
{
	uint64_t s = (start & ~(SAMPLE_WINDOW - 1)) + i * SAMPLE_WINDOW;
	uint64_t e = s + SAMPLE_WINDOW;

	*wstart = s < start ? start : s;
	*wend = e > end ? end : e;
}

uint64_t sample_quota(uint64_t n, double f)
{
	double want = ceil(f * (double)n - 1e-9);
	uint64_t q = want >= (double)n ? n : (uint64_t)want;

	if (q < 2)
		q = 2;
	return q > n ? n : q;
}

void sample_perm_init(struct sample_perm *p, uint64_t n, uint64_t seed)
{
	unsigned int bits = 2;
	int i;

	while (bits < 64 && (1ULL << bits) < n)
		bits++;
	bits += bits & 1;
	p->n = n;
	p->half = bits / 2;
	for (i = 0; i < 4; i++)
		p->keys[i] = sample_rng_next(&seed);
}

static uint64_t perm_round(uint64_t x, uint64_t key)
{
	uint64_t s = x ^ key;

	return sample_rng_next(&s);
}

uint64_t sample_perm_at(const struct sample_perm *p, uint64_t i)
{
	uint64_t mask = (1ULL << p->half) - 1, l, r, t;
	int k;

	/* Cycle-walking: the domain is at most 4n, so a few rounds at most. */
	do {
		l = i >> p->half;
		r = i & mask;
		for (k = 0; k < 4; k++) {
			t = r;
			r = l ^ (perm_round(r, p->keys[k]) & mask);
			l = t;
		}
		i = (l << p->half) | r;
	} while (i >= p->n);
	return i;
}

int sample_stratum_init(struct sample_stratum *s, uint64_t windows, size_t nvals)
{
	memset(s, 0, sizeof(*s));
	s->windows = windows;
	s->nvals = nvals;
	s->mean = calloc(nvals, sizeof(double));
	s->m2 = calloc(nvals, sizeof(double));
	if (!s->mean || !s->m2) {
		sample_stratum_free(s);
		return -ENOMEM;
	}
	return 0;
}

void sample_stratum_free(struct sample_stratum *s)
{
	free(s->mean);
	free(s->m2);
	s->mean = s->m2 = NULL;
}

void sample_stratum_add(struct sample_stratum *s, const double *y)
{
	double d;
	size_t k;

	s->walked++;
	for (k = 0; k < s->nvals; k++) {
		d = y[k] - s->mean[k];
		s->mean[k] += d / s->walked;
		s->m2[k] += d * (y[k] - s->mean[k]);
	}
}

void sample_stratum_estimate(const struct sample_stratum *s, size_t k,
			     double *est, double *var)
{
	double n = s->walked, N = s->windows, s2;

	*est = N * s->mean[k];
	if (s->walked >= s->windows) {
		*var = 0;
		return;
	}
	if (s->walked < 2) {
		*var = -1;
		return;
	}
	s2 = s->m2[k] / (n - 1);
	*var = N * N * (1 - n / N) * s2 / n;
}

/* The heap of sample_sched, by (next + u) / windows. */
static double sched_key(const struct sample_sched *q, size_t h)
{
	return (q->next[h] + q->u[h]) / (double)q->windows[h];
}

static void sched_down(struct sample_sched *q, size_t i)
{
	size_t c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= q->nr)
			return;
		if (c + 1 < q->nr && sched_key(q, q->heap[c + 1]) < sched_key(q, q->heap[c]))
			c++;
		if (sched_key(q, q->heap[i]) <= sched_key(q, q->heap[c]))
			return;
		t = q->heap[i];
		q->heap[i] = q->heap[c];
		q->heap[c] = t;
		i = c;
	}
}

int sample_sched_init(struct sample_sched *q, size_t nstrata,
		      const uint64_t *windows, const uint64_t *walked,
		      uint64_t seed)
{
	size_t h, i;

	memset(q, 0, sizeof(*q));
	q->windows = windows;
	q->heap = calloc(nstrata + 1, sizeof(*q->heap));
	q->u = calloc(nstrata + 1, sizeof(*q->u));
	q->next = calloc(nstrata + 1, sizeof(*q->next));
	if (!q->heap || !q->u || !q->next) {
		sample_sched_free(q);
		return -ENOMEM;
	}
	for (h = 0; h < nstrata; h++) {
		q->u[h] = sample_rng_unit(&seed);
		q->next[h] = walked[h];
		if (walked[h] < windows[h])
			q->heap[q->nr++] = h;
	}
	for (i = q->nr / 2; i-- > 0;)
		sched_down(q, i);
	return 0;
}

bool sample_sched_next(struct sample_sched *q, size_t *stratum, uint64_t *j)
{
	size_t h;

	if (!q->nr)
		return false;
	h = q->heap[0];
	*stratum = h;
	*j = q->next[h]++;
	if (q->next[h] >= q->windows[h])
		q->heap[0] = q->heap[--q->nr];
	sched_down(q, 0);
	return true;
}

void sample_sched_free(struct sample_sched *q)
{
	free(q->heap);
	free(q->u);
	free(q->next);
	q->heap = NULL;
	q->u = NULL;
	q->next = NULL;
}

int sample_parse_fraction(const char *s, double *f)
{
	char *end;
	double v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	if (s[0] == '1' && s[1] == '/') {
		if (!s[2] || s[2] == '-' || s[2] == '+')
			return -1;
		errno = 0;
		v = strtod(s + 2, &end);
		if (errno || *end || !(v >= 1 && v <= 1e15) || v != floor(v))
			return -1;
		*f = 1 / v;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	if (!strcmp(end, "%"))
		v /= 100;
	else if (*end)
		return -1;
	if (!(v > 0 && v <= 1))
		return -1;
	*f = v;
	return 0;
}

int sample_parse_budget(const char *s, uint64_t *ns)
{
	char *end;
	double v, unit;

	if (!strcmp(s, "unlimited")) {
		*ns = UINT64_MAX;
		return 0;
	}
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	if (!strcmp(end, "ms"))
		unit = 1e6;
	else if (!strcmp(end, "s"))
		unit = 1e9;
	else if (!strcmp(end, "us"))
		unit = 1e3;
	else
		return -1;
	v *= unit;
	/* Below a microsecond or above a day is surely a typo. */
	if (!(v >= 1e3 && v <= 86400e9))
		return -1;
	*ns = (uint64_t)v;
	return 0;
}
