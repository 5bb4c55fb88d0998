// SPDX-License-Identifier: GPL-2.0
/*
 * `ptscope maps --heatmap` on a fixture whose state the test set up: a
 * quarter written, a quarter read (the zero page), half never touched, and
 * with two NUMA nodes half of the written quarter moved to node 1.  The
 * strip must show exactly that, as pagemap and move_pages() see it; and a
 * --record'ed run must replay to the same output.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "cli_exec.h"

#define NR_PAGES	512
#define WIDTH		64	/* 8 pages a cell */
#define MPOL_MF_MOVE	(1 << 1)

FIXTURE(halves) {
	pid_t pid;
	int go;			/* closing it ends the target */
	uint64_t addr;
};

FIXTURE_SETUP(halves)
{
	int up[2], down[2];
	char c = 0, *p;
	size_t i;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(up[0]);
		close(down[1]);
		p = map_anon(NR_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
		if (!p)
			_exit(1);
		no_huge_pages(p, NR_PAGES * PAGE);
		for (i = 0; i < NR_PAGES / 4; i++)
			p[i * PAGE] = 1;
		for (; i < NR_PAGES / 2; i++)
			c += *(volatile char *)(p + i * PAGE);
		if (write(up[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		read(down[0], &c, 1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(sizeof(p), read(up[0], &p, sizeof(p)));
	close(up[0]);
	self->go = down[1];
	self->addr = (uintptr_t)p;
}

FIXTURE_TEARDOWN(halves)
{
	if (self->pid <= 0)	/* never forked: kill(0 or -1) hits more */
		return;
	close(self->go);
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
}

/* What each page is according to pagemap: present or not, in halves. */
static void check_pagemap_halves(struct __test_metadata *_metadata,
				 pid_t pid, uint64_t addr)
{
	uint64_t pm[NR_PAGES];
	size_t i;

	ASSERT_EQ(0, pagemap_read(pid, addr, NR_PAGES, pm));
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(i < NR_PAGES / 2, !!(pm[i] & PM_PRESENT)) {
			TH_LOG("page %zu", i);
		}
}

TEST_F(halves, strip_shows_written_read_and_untouched_quarters)
{
	char want[WIDTH + 2], *out, *strip;
	int st;

	check_pagemap_halves(_metadata, self->pid, self->addr);
	out = cli_tool(&st, "--color=never maps %d %#llx+2M --heatmap --width %d",
		       self->pid, (unsigned long long)self->addr, WIDTH);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st);
	/* 128 written pages: 16 dirty cells; 128 read: the zero page,
	 * present and clean; 256 untouched.
	 */
	memset(want, 'd', 16);
	memset(want + 16, 'p', 16);
	memset(want + 32, '.', 32);
	want[WIDTH] = '\n';
	want[WIDTH + 1] = 0;
	strip = strchr(out, '\n');
	ASSERT_NE(NULL, strip);
	EXPECT_EQ(0, strncmp(strip + 1, want, WIDTH + 1)) {
		TH_LOG("got:\n%s", out);
	}
	EXPECT_NE(NULL, strstr(out, "cell=32K"));
	EXPECT_NE(NULL, strstr(out, "d dirty"));
	free(out);

	/* The JSON counts each class's pages exactly. */
	out = cli_tool(&st, "-j maps %d %#llx+2M --heatmap --width %d | jq -r "
		       "'.mappings[0] | \"\\(.pages.dirty) \\(.pages.present) \\(.pages.not_present) \\(.cells)\"'",
		       self->pid, (unsigned long long)self->addr, WIDTH);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st);
	want[WIDTH] = 0;
	EXPECT_EQ(0, strncmp(out, "128 128 256 ", 12)) {
		TH_LOG("got: %s", out);
	}
	EXPECT_EQ(0, strncmp(out + 12, want, WIDTH));
	free(out);
}

/* With two nodes: move the first 64 pages to node 1, the strip by node. */
TEST_F(halves, strip_by_node_follows_move_pages)
{
	void *pages[NR_PAGES / 4];
	int nodes[NR_PAGES / 4], status[NR_PAGES / 4];
	char want[32 + 2], *out, *strip;
	unsigned int i, cell, n1;
	int st;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node: run under scripts/vm-run --numa");
	for (i = 0; i < NR_PAGES / 4; i++) {
		pages[i] = (void *)(uintptr_t)(self->addr + i * PAGE);
		nodes[i] = i < NR_PAGES / 8 ? 1 : 0;
	}
	ASSERT_EQ(0, syscall(SYS_move_pages, self->pid, NR_PAGES / 4, pages,
			     nodes, status, MPOL_MF_MOVE));
	/* The oracle: where move_pages() says each page now is. */
	ASSERT_EQ(0, syscall(SYS_move_pages, self->pid, NR_PAGES / 4, pages,
			     NULL, status, 0));
	/* The written quarter, 128 pages in 16 cells of 8. */
	for (cell = 0; cell < 16; cell++) {
		for (n1 = 0, i = cell * 8; i < cell * 8 + 8; i++) {
			ASSERT_LE(0, status[i]);
			n1 += status[i] == 1;
		}
		want[cell] = n1 > 4 ? '1' : '0';	/* a tie goes to node 0 */
	}
	want[16] = '\n';
	want[17] = 0;
	EXPECT_EQ(0, memcmp(want, "11111111", 8)) {
		TH_LOG("move_pages did not move the pages: %.16s", want);
	}
	out = cli_tool(&st, "--color=never maps %d %#llx+512K --heatmap --by node --width 16",
		       self->pid, (unsigned long long)self->addr);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st);
	strip = strchr(out, '\n');
	ASSERT_NE(NULL, strip);
	EXPECT_EQ(0, strncmp(strip + 1, want, 17)) {
		TH_LOG("want %s got:\n%s", want, out);
	}
	EXPECT_NE(NULL, strstr(out, "1 node 1"));
	EXPECT_NE(NULL, strstr(out, "0 node 0"));
	free(out);
}

/*
 * --record saves the answers, and the /proc files read beside them (the
 * sample's layout); --replay renders them the same, module or not.
 */
TEST_F(halves, recording_replays_to_the_same_output)
{
	char path[] = "/tmp/ptscope-rec.XXXXXX", *live, *replayed;
	static const char *const views[] = {
		"maps %d", "maps %d %#llx+2M --heatmap --width 80", "pages %d",
		"tree %d", "-j maps %d %#llx+1M", "-j pages %d %#llx+1M --all",
		"faults %d", "maps %d --sample 0.5 --seed 7",
	};
	char args[128];
	unsigned int i;
	int fd, st;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);
	for (i = 0; i < ARRAY_SIZE(views); i++) {
		snprintf(args, sizeof(args), views[i], self->pid,
			 (unsigned long long)self->addr);
		live = cli_tool(&st, "--record %s %s", path, args);
		ASSERT_NE(NULL, live);
		ASSERT_EQ(0, st);
		replayed = cli_capturef(&st, "PTSCOPE_DEVICE=/nonexistent '%s' --replay %s %s",
					cli_path(), path, args);
		ASSERT_NE(NULL, replayed);
		ASSERT_EQ(0, st);
		EXPECT_STREQ(live, replayed) {
			TH_LOG("%s", args);
		}
		EXPECT_LT(100, strlen(live));
		free(live);
		free(replayed);
	}
	unlink(path);
}

TEST_HARNESS_MAIN
