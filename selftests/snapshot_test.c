// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope snapshot and ptscope diff against what the test did to a target
 * between two snapshots, and the kernel's own view of it.
 *
 * The target maps six regions; between the snapshots it writes one
 * (became_present), drops one with MADV_DONTNEED (became_not_present),
 * makes one writable again and writes it (became_writable), pages one out
 * (swapped_out, when swap is on: pagemap's swap bit says), and collapses a
 * PTE-mapped 2 MiB region with MADV_COLLAPSE (collapsed, when smaps'
 * AnonHugePages says it worked); the test moves one region to the other
 * NUMA node with move_pages(2) (frame_changed, when pagemap's frames
 * differ).  `ptscope diff A B --json --all` must give each page of the
 * regions exactly the changes these oracles give, and the snapshot's
 * header the target's pid, name and kernel (uname).  As user nobody the
 * frames are hidden: frame_changed must be null, never guessed.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "cli_exec.h"
#include "fixtures.h"
#include "ptscope_test.h"

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define N 16			/* pages of each small region */
#define THP_PAGES 512

enum { R_PRESENT, R_DROP, R_WRITE, R_FRAME, R_SWAP, R_THP, R_NR };
static const char *const region_names[R_NR] = {
	"present", "drop", "write", "frame", "swap", "thp",
};

/* Bits in the order of the change names ptscope prints. */
enum { D_PRESENT, D_NOT_PRESENT, D_FRAME, D_WRITABLE, D_READONLY,
       D_SWAPPED_OUT, D_SWAPPED_IN, D_COLLAPSED, D_SPLIT, D_NR };
static const char *const change_names[D_NR] = {
	"became_present", "became_not_present", "frame_changed",
	"became_writable", "became_read_only", "swapped_out", "swapped_in",
	"collapsed", "split",
};

struct layout {
	uint64_t r[R_NR];
	bool swap_ok, collapse_ok;
};

static size_t region_pages(int r)
{
	return r == R_THP ? THP_PAGES : N;
}

FIXTURE(snap) {
	char cli[PATH_MAX];
	char tmp[64];
	pid_t pid;
	int go[2], ready[2];
	struct layout *l;
};

FIXTURE_VARIANT(snap) {
	bool nobody;
};

FIXTURE_VARIANT_ADD(snap, root) { .nobody = false };
FIXTURE_VARIANT_ADD(snap, nobody) { .nobody = true };

static char *map_guarded(size_t n)
{
	char *p = map_anon((n + 2) * PAGE, PROT_NONE, 0);

	if (!p || mprotect(p + PAGE, n * PAGE, PROT_READ | PROT_WRITE) ||
	    no_huge_pages(p + PAGE, n * PAGE))
		return NULL;
	return p + PAGE;
}

/* Before the first snapshot. */
static int build(struct layout *l)
{
	char *p;
	int r;

	for (r = 0; r < R_THP; r++) {
		p = map_guarded(N);
		if (!p)
			return -1;
		if (r != R_PRESENT)
			memset(p, r + 1, N * PAGE);
		if (r == R_WRITE && mprotect(p, N * PAGE, PROT_READ))
			return -1;
		l->r[r] = (uintptr_t)p;
	}
	/* 512 PTEs of small pages in a 2 MiB aligned range. */
	p = map_aligned(SZ_2M, SZ_2M);
	if (!p || no_huge_pages(p, SZ_2M))
		return -1;
	memset(p, 9, SZ_2M);
	l->r[R_THP] = (uintptr_t)p;
	return 0;
}

/* Between the snapshots, in the target. */
static void change(struct layout *l)
{
	char *p;

	memset((char *)l->r[R_PRESENT], 1, N * PAGE);
	madvise((char *)l->r[R_DROP], N * PAGE, MADV_DONTNEED);
	p = (char *)l->r[R_WRITE];
	if (!mprotect(p, N * PAGE, PROT_READ | PROT_WRITE))
		memset(p, 3, N * PAGE);
	if (l->swap_ok)
		l->swap_ok = !madvise((char *)l->r[R_SWAP], N * PAGE, MADV_PAGEOUT);
	p = (char *)l->r[R_THP];
	l->collapse_ok = !madvise(p, SZ_2M, MADV_HUGEPAGE) &&
			 !madvise(p, SZ_2M, MADV_COLLAPSE);
}

FIXTURE_SETUP(snap)
{
	char x;
	bool ok;

	self->pid = -1;
	ASSERT_EQ(0, cli_find(self->cli));
	if (!cli_have_tool("jq"))
		SKIP(return, "jq is not installed");
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/ptscope-snap-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	ASSERT_EQ(0, chmod(self->tmp, 0777));
	self->l = mmap(NULL, sizeof(*self->l), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->l);
	self->l->swap_ok = ensure_swap();
	ASSERT_EQ(0, pipe(self->go));
	ASSERT_EQ(0, pipe(self->ready));
	self->pid = fork();
	if (!self->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "snaptarget");
		if (variant->nobody &&
		    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
			_exit(1);
		prctl(PR_SET_DUMPABLE, 1);
		if (build(self->l) || write(self->ready[1], "b", 1) != 1)
			_exit(1);
		if (read(self->go[0], &x, 1) != 1)
			_exit(1);
		change(self->l);
		write(self->ready[1], "c", 1);
		read(self->go[0], &x, 1);
		_exit(0);
	}
	close(self->ready[1]);	/* EOF, not a hang, if the target dies */
	ok = self->pid > 0 && read(self->ready[0], &x, 1) == 1;
	ASSERT_TRUE(ok) TH_LOG("the target could not build its fixtures");
}

FIXTURE_TEARDOWN(snap)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->tmp[0])
		cli_shell("rm -rf '%s'", self->tmp);
}

static int run(FIXTURE_DATA(snap) *self, bool nobody, const char *args, char **out)
{
	char cmd[PATH_MAX + 1024];
	int st;

	snprintf(cmd, sizeof(cmd), "%s'%s' %s 2>&1",
		 nobody ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "",
		 self->cli, args);
	*out = cli_capture(cmd, &st);
	return st;
}

/* Pagemap of every region into @pm[r]. */
static int read_all(FIXTURE_DATA(snap) *self, uint64_t *pm[R_NR])
{
	int r;

	for (r = 0; r < R_NR; r++)
		if (pagemap_read(self->pid, self->l->r[r], region_pages(r), pm[r]))
			return -1;
	return 0;
}

/* The other node's number, or -1 with one node. */
static int other_node(pid_t pid, uint64_t addr)
{
	int status = -1;

	if (pages_nodes(pid, addr, 1, &status) || status < 0)
		return -1;
	if (access("/sys/devices/system/node/node1", F_OK))
		return -1;
	return status == 0 ? 1 : 0;
}

static void move_region(pid_t pid, uint64_t start, int node)
{
	void *pages[N];
	int nodes[N], status[N], i;

	for (i = 0; i < N; i++) {
		pages[i] = (void *)(uintptr_t)(start + i * PAGE);
		nodes[i] = node;
	}
	syscall(SYS_move_pages, pid, N, pages, nodes, status, MPOL_MF_MOVE);
}

/* AnonHugePages of the mapping at @addr in /proc/PID/smaps, in KiB. */
static long smaps_anon_huge(pid_t pid, uint64_t addr)
{
	char path[64], line[256];
	unsigned long long s, e;
	bool in = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = s <= addr && addr < e;
		else if (in && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return kb;
}

TEST_F(snap, diff_gives_each_page_the_changes_made)
{
	char args[512], path_a[96], path_b[96], *out, *line, *s, *save = NULL;
	uint64_t *before[R_NR], *after[R_NR];
	unsigned int *got[R_NR];
	struct utsname u;
	int r, node, st;
	size_t i, bad = 0;
	char x;

	for (r = 0; r < R_NR; r++) {
		before[r] = calloc(region_pages(r), 8);
		after[r] = calloc(region_pages(r), 8);
		got[r] = calloc(region_pages(r), sizeof(unsigned int));
		ASSERT_TRUE(before[r] && after[r] && got[r]);
	}
	snprintf(path_a, sizeof(path_a), "%s/a.snap", self->tmp);
	snprintf(path_b, sizeof(path_b), "%s/b.snap", self->tmp);

	/* A, then the changes, then B; pagemap right after each. */
	snprintf(args, sizeof(args), "snapshot %d -o '%s'", self->pid, path_a);
	st = run(self, variant->nobody, args, &out);
	ASSERT_EQ(0, st) TH_LOG("%s", out);
	free(out);
	ASSERT_EQ(0, read_all(self, before));
	ASSERT_EQ(1, write(self->go[1], "g", 1));
	ASSERT_EQ(1, read(self->ready[0], &x, 1));
	node = other_node(self->pid, self->l->r[R_FRAME]);
	if (node >= 0)
		move_region(self->pid, self->l->r[R_FRAME], node);
	snprintf(args, sizeof(args), "snapshot %d '%s' --json", self->pid, path_b);
	st = run(self, variant->nobody, args, &out);
	ASSERT_EQ(0, st) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, variant->nobody ? "\"frames\":false" : "\"frames\":true"))
		TH_LOG("%s", out);
	free(out);
	ASSERT_EQ(0, read_all(self, after));

	/* The header: pid, name, kernel. */
	ASSERT_EQ(0, uname(&u));
	snprintf(args, sizeof(args),
		 "diff '%s' '%s' --json | jq -r '\"\\(.a.pid) \\(.a.comm) \\(.a.kernel) \\(.frames) \\(.totals.pages.frame_changed)\"'",
		 path_a, path_b);
	st = run(self, false, args, &out);
	ASSERT_EQ(0, st) TH_LOG("%s", out);
	snprintf(args, sizeof(args), "%d snaptarget %s %s %s\n", self->pid, u.release,
		 variant->nobody ? "false" : "true", variant->nobody ? "null" : "");
	if (variant->nobody) {
		EXPECT_STREQ(args, out);
	} else {
		/* As root frame_changed is a number: compare up to it. */
		EXPECT_EQ(0, strncmp(args, out, strlen(args) - 1)) TH_LOG("%s", out);
	}
	free(out);

	/* Every range of the --all output onto the regions' pages. */
	snprintf(args, sizeof(args),
		 "diff '%s' '%s' --json --all | jq -r '.mappings[].ranges[] | \"\\(.start) \\(.end) \\(.changes | join(\",\"))\"'",
		 path_a, path_b);
	st = run(self, false, args, &out);
	ASSERT_EQ(0, st) TH_LOG("%s", out);
	for (s = out; (line = strtok_r(s, "\n", &save)); s = NULL) {
		unsigned long long a, b;
		char names[256], *n, *nsave = NULL;
		unsigned int m = 0;
		int k;

		if (sscanf(line, "%llu %llu %255s", &a, &b, names) != 3)
			continue;
		for (n = strtok_r(names, ",", &nsave); n; n = strtok_r(NULL, ",", &nsave))
			for (k = 0; k < D_NR; k++)
				if (!strcmp(n, change_names[k]))
					m |= 1u << k;
		for (; a < b; a += PAGE)
			for (r = 0; r < R_NR; r++)
				if (a >= self->l->r[r] &&
				    a < self->l->r[r] + region_pages(r) * PAGE)
					got[r][(a - self->l->r[r]) / PAGE] = m;
	}
	free(out);

	TH_LOG("swap %s, MADV_COLLAPSE %s (AnonHugePages %ld KiB), NUMA move %s",
	       self->l->swap_ok ? "on" : "off", self->l->collapse_ok ? "worked" : "failed",
	       smaps_anon_huge(self->pid, self->l->r[R_THP]), node >= 0 ? "done" : "skipped");
	for (r = 0; r < R_NR; r++) {
		for (i = 0; i < region_pages(r); i++) {
			uint64_t b = before[r][i], a = after[r][i];
			unsigned int want = 0;

			/* The oracles: what the test did, pagemap, smaps. */
			switch (r) {
			case R_PRESENT:
				want = 1u << D_PRESENT;
				break;
			case R_DROP:
				want = 1u << D_NOT_PRESENT;
				break;
			case R_WRITE:
				want = 1u << D_WRITABLE;
				break;
			case R_SWAP:
				if (a & PM_SWAP)
					want = 1u << D_SWAPPED_OUT;
				break;
			case R_THP:
				if (smaps_anon_huge(self->pid, self->l->r[R_THP]) == 2048)
					want = 1u << D_COLLAPSED;
				break;
			}
			if (!variant->nobody && (b & a & PM_PRESENT) &&
			    (b & PM_PFN_MASK) != (a & PM_PFN_MASK))
				want |= 1u << D_FRAME;
			if (got[r][i] != want && bad++ < 6)
				TH_LOG("%s page %zu: ptscope says %#x, expected %#x (pagemap %#llx -> %#llx)",
				       region_names[r], i, got[r][i], want,
				       (unsigned long long)b, (unsigned long long)a);
		}
	}
	EXPECT_EQ(0, bad);
	/* The frame region did move, as root: its pages must say so. */
	if (node >= 0 && !variant->nobody)
		EXPECT_EQ(1u << D_FRAME, got[R_FRAME][0]);
	for (r = 0; r < R_NR; r++) {
		free(before[r]);
		free(after[r]);
		free(got[r]);
	}
}

TEST_F(snap, broken_files_are_refused)
{
	char args[512], path[96], *out;
	int st;

	snprintf(path, sizeof(path), "%s/a.snap", self->tmp);
	snprintf(args, sizeof(args), "snapshot %d -o '%s'", self->pid, path);
	ASSERT_EQ(0, run(self, variant->nobody, args, &out));
	free(out);
	ASSERT_EQ(0, cli_shell("truncate -s -100 '%s'", path));
	snprintf(args, sizeof(args), "diff '%s' '%s'", path, path);
	st = run(self, false, args, &out);
	EXPECT_EQ(1, st);
	EXPECT_NE(NULL, strstr(out, "truncated")) TH_LOG("%s", out);
	free(out);
	/* No snapshot of a process that is not there, and no file left. */
	snprintf(args, sizeof(args), "snapshot 999999999 -o '%s/gone'", self->tmp);
	st = run(self, variant->nobody, args, &out);
	EXPECT_EQ(1, st);
	free(out);
	snprintf(path, sizeof(path), "%s/gone", self->tmp);
	EXPECT_NE(0, access(path, F_OK));
}

TEST_HARNESS_MAIN
