// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope_bench's targets: each a child that builds its memory (4 KiB
 * pages; THP-backed; half paged out to zram; shared copy-on-write with a
 * forked child; 4 KiB pages whose frames are out of sequence; 4 KiB pages
 * in 32,768 mappings), then waits, measuring its own mmap latency on
 * request.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

const char *const target_names[NR_TARGETS] = {
	"4k", "thp", "swapped", "shared", "scattered", "mappings",
};

/* Worst mmap()+munmap() of one page over @ms milliseconds, in ns. */
static uint64_t probe_mmap_latency(unsigned int ms)
{
	uint64_t end = now_ns() + ms * 1000000ULL, worst = 0, t, d;
	void *p;

	while ((t = now_ns()) < end) {
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, PAGE);
		d = now_ns() - t;
		if (d > worst)
			worst = d;
	}
	return worst;
}

static void target_main(enum target_kind kind, uint64_t len, int cmd, int reply)
{
	uint64_t addr, i;
	char *p, c;

	/*
	 * The target must not keep /dev/ptscope open: its forked sharer dies
	 * only after the bench, and would hold the module past its exit.
	 */
	close(dev_fd);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(p, len, kind == TARGET_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	/*
	 * A fresh guest hands out frames in sequence.  Faulting the pages in a
	 * stride of 257 (odd, so every page is visited once) gives neighbours
	 * frames far apart, as on a machine that has been up for a while.
	 */
	for (i = 0; i < len / PAGE; i++)
		p[(kind == TARGET_SCATTERED ? i * 257 % (len / PAGE) : i) * PAGE] = 1;
	if (kind == TARGET_SWAPPED)
		madvise(p, len / 2, MADV_PAGEOUT);
	/* Every other one read-only, so that neighbours cannot merge. */
	for (i = 1; kind == TARGET_MAPPINGS && i < MAPPINGS; i += 2)
		if (mprotect(p + i * (len / MAPPINGS), len / MAPPINGS, PROT_READ))
			_exit(1);
	if (kind == TARGET_SHARED && !fork()) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	addr = (uintptr_t)p;
	if (write(reply, &addr, sizeof(addr)) != sizeof(addr))
		_exit(1);
	while (read(cmd, &c, 1) == 1) {
		uint64_t worst = probe_mmap_latency(c == 'p' ? 2000 : 500);

		if (write(reply, &worst, sizeof(worst)) != sizeof(worst))
			_exit(1);
	}
	_exit(0);
}

int target_start(struct target *t, enum target_kind kind, uint64_t len)
{
	int cmd[2], reply[2];

	if (pipe(cmd) || pipe(reply))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		close(cmd[1]);
		close(reply[0]);
		target_main(kind, len, cmd[0], reply[1]);
	}
	close(cmd[0]);
	close(reply[1]);
	t->cmd = cmd[1];
	t->reply = reply[0];
	t->len = len;
	if (read(t->reply, &t->start, sizeof(t->start)) != sizeof(t->start))
		return -EIO;
	return 0;
}

void target_stop(struct target *t)
{
	close(t->cmd);
	close(t->reply);
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
}
