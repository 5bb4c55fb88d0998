/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The random phases' machinery: the generator, its seed and iteration
 * count from the environment, and a phase run as root and then as nobody.
 */
#ifndef PTSCOPE_FUZZ_RANDOM_H
#define PTSCOPE_FUZZ_RANDOM_H

#include "fuzz.h"

/* ---------------------------------------------------------------------- */
/* The random phase. */

static inline __u64 rnd(struct fz_ctx *c)
{
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dULL;
}

static inline __u64 below(struct fz_ctx *c, __u64 n)
{
	return n ? rnd(c) % n : 0;
}

static inline bool chance(struct fz_ctx *c, unsigned int percent)
{
	return below(c, 100) < percent;
}

static inline unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 0);
	return *end ? def : v;
}

static inline unsigned long fuzz_iters(void)
{
	/* About 6 s of ioctls and 1 s of writes under QEMU/TCG. */
	return env_ulong("PTSCOPE_FUZZ_ITERS", 100000);
}

static inline __u64 fuzz_seed(void)
{
	const char *s = getenv("PTSCOPE_FUZZ_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
	       (__u64)getpid() << 32;
}

static inline void seed_rng(struct fz_ctx *c, __u64 seed)
{
	/* splitmix64, so that nearby seeds give unrelated streams */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	c->rng = (seed ^ (seed >> 31)) ?: 1;
}

/* What a random phase saw. */
struct tally {
	unsigned long n[O_NR];
	unsigned long calls, failures;
	double secs;
};

typedef void (*loop_fn)(struct __test_metadata *_metadata, struct fz_ctx *c,
			unsigned long from, unsigned long to, struct tally *t);

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Calls [0, iters): nine tenths as root, the last tenth in a child that
 * is user nobody (EPERM from others' processes and from status), with the
 * same stream of random numbers.
 */
static inline void run_phase(struct __test_metadata *_metadata, struct fz_ctx *c,
		      unsigned long iters, loop_fn loop, struct tally *t)
{
	unsigned long split = c->admin ? iters - iters / 10 : iters;
	struct tally *shared;
	double t0 = now();
	pid_t child;
	int status, o;

	memset(t, 0, sizeof(*t));
	loop(_metadata, c, 0, split, t);
	if (split < iters) {
		shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, shared);
		memset(shared, 0, sizeof(*shared));
		fflush(stdout);
		fflush(stderr);
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			if (setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534))
				_exit(1);
			c->self = getpid();
			c->self_ok = own_pagemap_opens();
			c->admin = false;
			loop(_metadata, c, split, iters, shared);
			_exit(0);
		}
		ASSERT_EQ(child, waitpid(child, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
			TH_LOG("the unprivileged part ended with status %#x",
			       status);
		}
		for (o = 0; o < O_NR; o++)
			t->n[o] += shared->n[o];
		t->calls += shared->calls;
		t->failures += shared->failures;
		munmap(shared, sizeof(*shared));
	}
	t->secs = now() - t0;
}

static inline void print_tally(const char *what, const struct tally *t)
{
	char line[512];
	size_t used = 0;
	int o;

	for (o = 0; o < O_NR; o++)
		if (t->n[o] || o < O_ENOMEM)
			used += snprintf(line + used, sizeof(line) - used,
					 " %s=%lu", outcome_names[o], t->n[o]);
	ksft_print_msg("%s: %lu calls in %.1f s:%s\n", what, t->calls, t->secs,
		       line);
	fflush(stdout);		/* the test ends in _exit() */
}

#endif /* PTSCOPE_FUZZ_RANDOM_H */
