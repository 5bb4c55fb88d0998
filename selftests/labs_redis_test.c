// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 13 (docs/labs/redis.md) as a test: a Redis server forks for BGSAVE,
 * writes while its child saves, and ptscope's count of the pages copied
 * must be pagemap's, page by page, over every mapping the two share; the
 * copies must be what the writes explain, with THP on or off for Redis.
 * Oracles: pagemap of both processes, smaps_rollup (Rss, AnonHugePages,
 * Private_Dirty: what Redis measures itself), status (THP_enabled) and
 * /proc/vmstat's thp_split_pmd.
 */
#include <dirent.h>

#include "labs.h"

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"
#define REDIS_KEYS	20000
#define REDIS_EVERY	10

/* Pages of two processes, by class, as pagemap of both sees them. */
struct cow_pages {
	long long shared;	/* the same frame on both sides */
	long long copied;	/* different frames */
	long long by_ptscope;	/* pages ptscope calls copied */
	long long disagree;	/* pages ptscope and pagemap class differently */
	long long pfnmap;	/* in VM_PFNMAP mappings: pagemap shows none */
};

/*
 * The VM_PFNMAP mappings of @pid (smaps' VmFlags "pf": [vvar] before
 * Linux 6.15), at most @max, into @r; how many.  pagemap does not walk
 * them (it reports their pages not present); ptscope shows their frames.
 */
static int pfnmap_ranges(pid_t pid, unsigned long long (*r)[2], int max)
{
	struct smaps_vma *v = calloc(512, sizeof(*v));
	int nr = v ? smaps_read(pid, v, 512) : -1, n = 0, i;

	for (i = 0; i < nr && n < max; i++)
		if (v[i].pfnmap) {
			r[n][0] = v[i].start;
			r[n++][1] = v[i].end;
		}
	free(v);
	return n;
}

/* Whether every thread of @pid is stopped ('T' in its stat). */
static bool all_stopped(pid_t pid)
{
	char path[320], buf[512], *p;
	struct dirent *d;
	bool all = true;
	DIR *dir;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return true;	/* gone */
	while (all && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, d->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		p = strrchr(buf, ')');
		all = p && p[1] && p[2] == 'T';
	}
	closedir(dir);
	return all;
}

/*
 * Stop @pid (SIGSTOP) and wait until all its threads are stopped (Redis
 * has background threads), or let it go on (SIGCONT).
 */
static void stop_cont(pid_t pid, int sig)
{
	int i;

	kill(pid, sig);
	for (i = 0; sig == SIGSTOP && i < 1000 && !all_stopped(pid); i++)
		usleep(10000);
}

/*
 * Every page ptscope compares between @a and @b (`ptscope cow --all`),
 * classed again by pagemap; false when they disagreed: the caller counts
 * again if the kernel moved frames meanwhile.
 */
static bool count_once(struct __test_metadata *_metadata, struct lab *l,
		       pid_t a, pid_t b, struct cow_pages *c)
{
	unsigned long long start, end;
	char *out, *line, *save, class[16];
	unsigned long long pfnmap[8][2];
	int st, npfnmap = pfnmap_ranges(a, pfnmap, 8), k;

	memset(c, 0, sizeof(*c));
	out = cli_capturef(&st,
			   "'%s' cow %d %d --all --json | jq -r '.mappings[].ranges[]? | \"\\(.start) \\(.end) \\(.class)\"'",
			   l->cli, a, b);
	/* No ASSERT here: the caller has the server stopped. */
	if (!out || st) {
		TH_LOG("ptscope cow --all --json | jq failed");
		free(out);
		c->disagree = -1;
		return true;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n, i;
		uint64_t *pa, *pb;

		if (sscanf(line, "%llu %llu %15s", &start, &end, class) != 3) {
			TH_LOG("a line of ptscope cow: %s", line);
			c->disagree = -1;
			break;
		}
		for (k = 0; k < npfnmap; k++)
			if (start >= pfnmap[k][0] && end <= pfnmap[k][1])
				break;
		if (k < npfnmap) {
			c->pfnmap += (end - start) / PAGE;
			continue;
		}
		n = (end - start) / PAGE;
		pa = pagemap(a, start, n);
		pb = pagemap(b, start, n);
		if (!pa || !pb) {
			TH_LOG("pagemap of %d or %d at %#llx failed", a, b, start);
			free(pa);
			free(pb);
			c->disagree = -1;
			break;
		}
		for (i = 0; i < n; i++) {
			bool both = pa[i] & pb[i] & PM_PRESENT;
			bool same = both && PFN(pa[i]) == PFN(pb[i]);
			bool copied = !strcmp(class, "copied");
			long long before = c->disagree;

			c->shared += same;
			c->copied += both && !same;
			c->by_ptscope += copied;
			if (!strcmp(class, "shared") || !strcmp(class, "ksm") ||
			    !strcmp(class, "zero"))
				c->disagree += !same;
			else if (copied)
				c->disagree += !both || same;
			else
				c->disagree += both;
			if (c->disagree > before && c->disagree <= 5)
				TH_LOG("%#llx: ptscope says %s; pagemap %#llx and %#llx",
				       start + i * PAGE, class,
				       (unsigned long long)pa[i], (unsigned long long)pb[i]);
		}
		free(pa);
		free(pb);
	}
	free(out);
	return c->disagree <= 0;
}

/*
 * The copies between the server @a and its stopped child @b, ptscope's
 * against pagemap's: the server is stopped while they are counted, so
 * that only the kernel (migration, khugepaged) can move a frame.
 */
static void count_copies(struct __test_metadata *_metadata, struct lab *l,
			 pid_t a, pid_t b, struct cow_pages *c)
{
	long long moved;
	int attempt;
	bool agreed;

	stop_cont(a, SIGSTOP);
	for (attempt = 1; ; attempt++) {
		moved = frames_moved();
		agreed = count_once(_metadata, l, a, b, c);
		if (agreed || attempt == 3 || frames_moved() == moved)
			break;
		TH_LOG("frames moved while counting (migration, collapse): again");
	}
	stop_cont(a, SIGCONT);
	EXPECT_EQ(0, c->disagree)
		TH_LOG("%lld pages copied by pagemap, %lld by ptscope", c->copied,
		       c->by_ptscope);
	TH_LOG("%lld pages shared, %lld copied (%lld in VM_PFNMAP mappings not compared)",
	       c->shared, c->copied, c->pfnmap);
}

/* Bytes of "Key:" in /proc/PID/smaps_rollup. */
static long long rollup_bytes(pid_t pid, const char *key)
{
	return proc_key_value(pid, "smaps_rollup", key) * 1024LL;
}

/* THP "always" while the lab runs (if the kernel has THP), then restored. */
FIXTURE(redis) {
	char thp_saved[64];
	char dir[64];
	pid_t server, child;	/* killed at teardown, if the lab did not end */
};

/* @thp: the server runs with disable-thp no (Redis's default is yes). */
FIXTURE_VARIANT(redis) {
	bool thp;
};

FIXTURE_VARIANT_ADD(redis, default) {
	.thp = false,
};

FIXTURE_VARIANT_ADD(redis, thp) {
	.thp = true,
};

FIXTURE_SETUP(redis)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/ptscope-redis-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	knob_set(THP_ENABLED, "always", self->thp_saved, sizeof(self->thp_saved));
}

FIXTURE_TEARDOWN(redis)
{
	if (self->child > 0)
		kill(self->child, SIGKILL);
	if (self->server > 0) {
		kill(self->server, SIGCONT);
		kill(self->server, SIGKILL);
	}
	knob_restore(THP_ENABLED, self->thp_saved);
	/* The lab removes its files, unless it was killed. */
	cli_shell("rm -rf '%s'", self->dir);
}

/*
 * Lab 13: after BGSAVE's fork the server and the child share the dataset;
 * each write of the server copies one page; the child's Private_Dirty,
 * what Redis reports, holds every page copied.  With THP for Redis the
 * writes split the server's huge pages and still copy 4 KiB each.
 */
TEST_F(redis, lab13)
{
	long long writes, dataset_pages = REDIS_KEYS * 4096LL / PAGE;
	long long split_pmd, anon_huge, cow;
	struct cow_pages forked, written;
	pid_t server, child;
	struct lab l;

	if (access("/usr/bin/redis-check-rdb", X_OK) && access("/usr/bin/redis-server", X_OK))
		SKIP(return, "redis-tools is not installed (scripts/deps installs it)");
	if (access("/usr/bin/python3", X_OK))
		SKIP(return, "python3 is not installed (scripts/deps installs it)");
	if (geteuid())
		SKIP(return, "pagemap's frames, the oracle, are root's");
	if (variant->thp && kernel_lacks(FEATURE_THP))
		SKIP(return, "%s", kernel_lacks(FEATURE_THP));
	if (variant->thp)
		START_LAB(&l, "redis.py", self->dir, "20000", "10", "thp");
	else
		START_LAB(&l, "redis.py", self->dir, "20000", "10");

	AT(&l, "populated");
	server = self->server = lab_val(&l, "server");
	ASSERT_EQ(REDIS_KEYS, lab_val(&l, "keys"));
	/* 20,000 values of 4 KiB take 5 KiB each: more than 20,000 pages. */
	EXPECT_LE(dataset_pages * PAGE, lab_val(&l, "used"));
	EXPECT_LE(dataset_pages * PAGE, rollup_bytes(server, "Rss"));
	anon_huge = rollup_bytes(server, "AnonHugePages");
	TH_LOG("server: Rss %lld kB, AnonHugePages %lld kB, THP_enabled %ld",
	       rollup_bytes(server, "Rss") / 1024, anon_huge / 1024,
	       status_value(server, "THP_enabled"));
	if (variant->thp) {
		/* The dataset is mostly in huge pages. */
		EXPECT_LE(dataset_pages * PAGE / 2, anon_huge);
		EXPECT_EQ(1, status_value(server, "THP_enabled"));
	} else if (self->thp_saved[0]) {
		/* Redis turned THP off for itself: prctl(PR_SET_THP_DISABLE). */
		EXPECT_EQ(0, status_value(server, "THP_enabled"));
		EXPECT_GE(dataset_pages * PAGE / 8, anon_huge);
	}
	lab_go(&l);

	AT(&l, "forked");
	child = self->child = lab_val(&l, "child");
	count_copies(_metadata, &l, server, child, &forked);
	/* The dataset is shared; hardly anything is copied yet. */
	EXPECT_LE(dataset_pages, forked.shared);
	EXPECT_GE(dataset_pages / 20, forked.copied);
	split_pmd = vmstat_value("thp_split_pmd");
	lab_go(&l);

	AT(&l, "written");
	writes = lab_val(&l, "writes");
	ASSERT_EQ(REDIS_KEYS / REDIS_EVERY, writes);
	ASSERT_EQ(child, lab_val(&l, "child"));
	count_copies(_metadata, &l, server, child, &written);
	/*
	 * Each write landed in a page of its own (values 5 KiB apart) and
	 * copied it; the rest is the server's own buffers (the pipelined
	 * commands, their replies).  With THP too: 4 KiB a write, not 2 MiB.
	 */
	EXPECT_LE(writes, written.copied - forked.copied);
	EXPECT_GE(writes + writes / 4 + 256, written.copied - forked.copied);
	/* Every page copied is the child's alone now: its Private_Dirty. */
	EXPECT_LE(written.copied * PAGE, rollup_bytes(child, "Private_Dirty"));
	TH_LOG("%lld writes copied %lld pages; child Private_Dirty %lld kB; thp_split_pmd +%lld",
	       writes, written.copied - forked.copied,
	       rollup_bytes(child, "Private_Dirty") / 1024,
	       vmstat_value("thp_split_pmd") - split_pmd);
	if (variant->thp) {
		/* The first write to each huge page split its PMD in the server. */
		EXPECT_LT(split_pmd, vmstat_value("thp_split_pmd"));
		EXPECT_GT(anon_huge / 2, rollup_bytes(server, "AnonHugePages"));
	}
	lab_go(&l);

	AT(&l, "saved");
	self->child = -1;	/* the save ended */
	cow = lab_val(&l, "cow");
	/* Redis's own figure, the child's Private_Dirty at the end. */
	EXPECT_LT(0, cow);
	TH_LOG("rdb_last_cow_size %lld kB against %lld kB copied at the writes",
	       cow / 1024, written.copied * PAGE / 1024);
	if (variant->thp)	/* no MADV_DONTNEED in the child under THP */
		EXPECT_LE(written.copied * PAGE, cow);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
	self->server = -1;	/* shut down */
}

TEST_HARNESS_MAIN
