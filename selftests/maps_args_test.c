// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_IOC_MAPS and PTSCOPE_IOC_STATS: a valid call, larger records,
 * and /proc/ptscope/maps against the ioctl.  Invalid arguments are
 * fuzz_ioctl_test's to check, permissions the security_*_test programs'.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ptscope_test.h"
#include "fixtures.h"
#include "maps_oracle.h"

#define TOP 0x7ffffffff000ULL

FIXTURE(m) {
	int fd;
	struct ptscope_vma vec[8];
	struct ptscope_maps a;
	struct ptscope_stats st;
};

FIXTURE_SETUP(m)
{
	self->fd = ptscope_open_dev();
	ASSERT_LE(0, self->fd);
	maps_args(&self->a, getpid(), 0, TOP, self->vec, 8);
	memset(&self->st, 0, sizeof(self->st));
	self->st.size = sizeof(self->st);
	self->st.pid = getpid();
}

FIXTURE_TEARDOWN(m)
{
	close(self->fd);
}

static long stats(int fd, struct ptscope_stats *st)
{
	long ret = ptscope_ioctl(fd, PTSCOPE_IOC_STATS, st);

	return ret < 0 ? ret : 0;
}

TEST_F(m, maps_baseline_works)
{
	EXPECT_EQ(8, ptscope_maps_call(self->fd, &self->a));
	EXPECT_EQ(0, stats(self->fd, &self->st));
}

/* A caller with a bigger record gets its tail zeroed. */
TEST_F(m, maps_larger_records_are_zero_filled)
{
	size_t big = sizeof(struct ptscope_vma) + 64;
	char *buf = malloc(4 * big);
	size_t i;

	ASSERT_NE(NULL, buf);
	memset(buf, 0xff, 4 * big);
	self->a.vec = (uintptr_t)buf;
	self->a.vec_len = 4;
	self->a.rec_size = big;
	ASSERT_EQ(4, ptscope_maps_call(self->fd, &self->a));
	for (i = sizeof(struct ptscope_vma); i < big; i++)
		EXPECT_EQ(0, buf[i]);
	free(buf);
}

/* /proc/ptscope/maps: one line per VMA and a total, as the ioctl. */
TEST_F(m, proc_maps_file_matches_the_ioctl)
{
	int pf = open("/proc/ptscope/maps", O_RDWR), pf2, ready[2];
	struct ptscope_vma *v = calloc(1024, sizeof(*v));
	unsigned long long s, e, present, tp, sum = 0;
	char q[64], line[1024], x;
	long n, lines = 0;
	pid_t target;
	FILE *f;

	/* A target that holds still while both are read. */
	ASSERT_EQ(0, pipe(ready));
	target = fork();
	if (!target) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);	/* EOF, not a hang, if the target dies */
	ASSERT_EQ(1, read(ready[0], &x, 1));
	ASSERT_LE(0, pf);
	ASSERT_NE(NULL, v);
	/* A second reader with its own query must not disturb the first. */
	pf2 = open("/proc/ptscope/maps", O_RDWR);
	ASSERT_LE(0, pf2);
	ASSERT_EQ(2, write(pf2, "1\n", 2));

	snprintf(q, sizeof(q), "%d\n", target);
	ASSERT_EQ((ssize_t)strlen(q), write(pf, q, strlen(q)));
	maps_args(&self->a, target, 0, TOP, v, 1024);
	n = ptscope_maps_call(self->fd, &self->a);
	ASSERT_LT(0, n);
	f = fdopen(pf, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));	/* header */
	EXPECT_EQ(0, strncmp(line, "START END PERMS PRESENT", 23));
	ASSERT_LT(0, read(pf2, line, sizeof(line)));	/* interleaved */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "total ", 6)) {
			ASSERT_EQ(1, sscanf(line, "total - ---- %llu", &tp));
			EXPECT_EQ(self->a.totals.present, tp);
			EXPECT_EQ(sum, tp);
			continue;
		}
		ASSERT_EQ(3, sscanf(line, "%llx %llx %*s %llu", &s, &e, &present));
		ASSERT_LT(lines, n);
		EXPECT_EQ(v[lines].start, s);
		EXPECT_EQ(v[lines].end, e);
		EXPECT_EQ(v[lines].pages.present, present);
		sum += present;
		lines++;
	}
	EXPECT_EQ(n, lines);
	fclose(f);
	close(pf2);
	free(v);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}

TEST_HARNESS_MAIN
