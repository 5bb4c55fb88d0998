// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 11 of docs/labs/ as a test: thrashing (labs.h).  The lab program
 * writes one byte in every page of its buffer, four passes over, inside a
 * cgroup v2 memory cgroup that this test makes (memory.max 32 MiB, swap
 * on zram) and moves it into: 64 MiB do not fit, 16 MiB do.
 *
 * What the kernel says is the oracle: /proc/PID/stat's fault counts,
 * /proc/PID/pagemap's present pages and swap entries, and the cgroup's own
 * counters (memory.current and memory.swap.current, exact page counters;
 * memory.events; memory.stat, whose counters may lag by a flush batch, so
 * that only zero against many is asserted of them).  The bound on major
 * faults comes from the sizes alone: at the start of a pass at most
 * memory.max / 4 KiB pages are in memory (mapped, or in the swap cache),
 * so at least pages - memory.max / 4 KiB of the buffer's pages must be
 * faulted in again in each pass after the first; from zram, which reads
 * no page ahead, each is a major fault.  Time is not asserted (a shared
 * TCG machine is no clock to test by): it is logged, and docs/labs/
 * thrash.md reports it.
 *
 * The teardown kills the lab if it still runs, removes the cgroup, and
 * undoes what this turned on: the mount of cgroup v2, the memory
 * controller for the root's children, swap on zram.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "labs.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define CG		CG_ROOT "/ptscope-test-thrash"
#define CG_MAX		(32LL << 20)
#define PASSES		4

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC		0x62656572
#endif

/* Swap areas on, and whether they are all zram (no swap readahead). */
static int swaps_on(bool *all_zram)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int n = 0;

	*all_zram = true;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Filename", 8))
			continue;
		n++;
		*all_zram &= !strncmp(line, "/dev/zram", 9);
	}
	fclose(f);
	return n;
}

/* The number in cgroup file @name, or -1. */
static long long cg_num(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", CG, name);
	return file_number(path);
}

/* @key's value in the flat keyed cgroup file @name (memory.stat, memory.events), or -1. */
static long long cg_key(const char *name, const char *key)
{
	char path[128], line[256];
	long long v = -1;
	size_t k = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CG, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == ' ')
			v = strtoll(line + k + 1, NULL, 10);
	fclose(f);
	return v;
}

static bool has_word(const char *path, const char *word)
{
	char buf[512], *t, *save;
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		for (t = strtok_r(buf, " \t\n", &save); t && !found;
		     t = strtok_r(NULL, " \t\n", &save))
			found = !strcmp(t, word);
	fclose(f);
	return found;
}

/* Kill what is left in the cgroup and remove it; 0 when it is gone. */
static int cg_remove(void)
{
	int i;

	if (access(CG, F_OK))
		return 0;
	write_str(CG "/cgroup.kill", "1");
	for (i = 0; i < 100; i++) {
		if (!rmdir(CG) || errno == ENOENT)
			return 0;
		usleep(50000);
	}
	return -1;
}

/* The comma-separated list of @n numbers after key= on the checkpoint line. */
static int lab_list(struct lab *l, const char *key, long long *v, int n)
{
	char k[64], *p, *end;
	int i;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(l->line, k);
	if (!p)
		return -1;
	p += strlen(k);
	for (i = 0; i < n; i++) {
		v[i] = strtoll(p, &end, 10);
		if (end == p || (i < n - 1 && *end != ','))
			return -1;
		p = end + 1;
	}
	return 0;
}

FIXTURE(lab11_thrash) {
	struct lab l;
	bool mounted, subtree, cgroup, swap;
};

FIXTURE_VARIANT(lab11_thrash) {
	const char *mib;
	bool fits;
};

/* 64 MiB under 32 MiB; 16 MiB under 32 MiB. */
FIXTURE_VARIANT_ADD(lab11_thrash, thrashing) { .mib = "64", .fits = false };
FIXTURE_VARIANT_ADD(lab11_thrash, fits) { .mib = "16", .fits = true };

FIXTURE_SETUP(lab11_thrash)
{
	self->l.pid = -1;
}

FIXTURE_TEARDOWN(lab11_thrash)
{
	if (self->l.pid > 0)
		kill(self->l.pid, SIGKILL);
	lab_finish(&self->l);
	if (self->cgroup && cg_remove())
		TH_LOG("cannot remove %s", CG);
	if (self->subtree)
		write_str(CG_ROOT "/cgroup.subtree_control", "-memory");
	if (self->mounted)
		umount(CG_ROOT);
	if (self->swap &&
	    system("swapoff /dev/zram0 && echo 1 > /sys/block/zram0/reset"))
		TH_LOG("cannot turn off the swap on zram this turned on");
}

/*
 * A cgroup v2 memory cgroup at CG: memory.max 32 MiB, memory.swap.max
 * 128 MiB (room for the whole working set).
 */
static void make_cgroup(struct __test_metadata *_metadata,
			FIXTURE_DATA(lab11_thrash) *self)
{
	struct statfs sfs;

	if (!has_word("/proc/filesystems", "cgroup2"))
		SKIP(return, "this kernel has no cgroup v2 (CONFIG_CGROUPS is not set: no cgroup2 in /proc/filesystems)");
	ASSERT_EQ(0, statfs(CG_ROOT, &sfs)) TH_LOG("no %s", CG_ROOT);
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		/* Nothing mounted (sysfs's own directory) can be helped; v1 (tmpfs) cannot. */
		ASSERT_EQ(SYSFS_MAGIC, sfs.f_type)
			TH_LOG("%s is not cgroup v2: boot with systemd.unified_cgroup_hierarchy=1", CG_ROOT);
		ASSERT_EQ(0, mount("none", CG_ROOT, "cgroup2", 0, NULL))
			TH_LOG("cannot mount cgroup v2 at %s: %s", CG_ROOT, strerror(errno));
		self->mounted = true;
	}
	if (!has_word(CG_ROOT "/cgroup.controllers", "memory")) {
		/*
		 * /proc/cgroups lists the controllers a v1 hierarchy may
		 * have (7.2's, built without v1 memory cgroups, has no
		 * memory line): one listed there is not missing.
		 */
		ASSERT_FALSE(has_word("/proc/cgroups", "memory"))
			TH_LOG("the memory controller is not on cgroup v2 (cgroup_disable=memory, or a v1 hierarchy has it)");
		SKIP(return, "this kernel has no memory cgroup (CONFIG_MEMCG is not set: no memory in %s/cgroup.controllers)",
		     CG_ROOT);
	}
	if (!has_word(CG_ROOT "/cgroup.subtree_control", "memory")) {
		ASSERT_EQ(0, write_str(CG_ROOT "/cgroup.subtree_control", "+memory"));
		self->subtree = true;
	}
	ASSERT_EQ(0, cg_remove()) TH_LOG("a %s from before will not go", CG);
	ASSERT_EQ(0, mkdir(CG, 0755));
	self->cgroup = true;
	ASSERT_EQ(0, write_str(CG "/memory.max", "32M"));
	ASSERT_EQ(0, write_str(CG "/memory.swap.max", "128M"))
		TH_LOG("no %s/memory.swap.max", CG);
}

TEST_F(lab11_thrash, sweep)
{
	long long pages, passes, min0, maj0, min1, maj1, climin, climaj;
	long long ns[PASSES], minor[PASSES], major[PASSES];
	long long max, max_pages, cur, swap_cur, sum_min = 0, sum_maj = 0;
	long long ev_max, ev_oom, memcg_majflt, pswpout, bound, p;
	size_t i, present = 0, swapped = 0;
	char path[64], want[64];
	struct vma_counts c;
	uint64_t addr, len, *pm;
	struct lab *l = &self->l;
	bool all_zram, had_swap;

	had_swap = swaps_on(&all_zram);
	REQUIRE_SWAP();
	self->swap = !had_swap;
	swaps_on(&all_zram);
	make_cgroup(_metadata, self);
	if (_metadata->skip || !_metadata->passed)
		return;
	max = cg_num("memory.max");
	ASSERT_EQ(CG_MAX, max);
	max_pages = max / PAGE;

	START_LAB(l, "thrash", variant->mib, "4");
	AT(l, "mapped");
	addr = lab_val(l, "addr");
	len = lab_val(l, "len");
	pages = lab_val(l, "pages");
	passes = lab_val(l, "passes");
	ASSERT_EQ(strtoull(variant->mib, NULL, 0) << 20, len);
	ASSERT_EQ(PASSES, passes);
	/* The sizes are what the lab says they are: fits, or does not. */
	if (variant->fits) {
		ASSERT_LT(pages, max_pages);
	} else {
		ASSERT_GT(pages, max_pages);
	}
	ASSERT_EQ(0, vma_counts(_metadata, l, l->pid, addr, len, &c));
	EXPECT_EQ(0, c.present);
	ASSERT_EQ(0, cli_faults(_metadata, l, l->pid, &climin, &climaj));
	min0 = stat_faults(l->pid, 10);
	maj0 = stat_faults(l->pid, 12);
	EXPECT_EQ(min0, climin);
	EXPECT_EQ(maj0, climaj);
	snprintf(want, sizeof(want), "%d", l->pid);
	ASSERT_EQ(0, write_str(CG "/cgroup.procs", want));
	/* It is in the cgroup now, by the kernel's word. */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", l->pid);
	EXPECT_TRUE(has_word(path, "0::/ptscope-test-thrash")) TH_LOG("%s says otherwise", path);
	lab_go(l);

	AT(l, "swept");
	ASSERT_EQ(0, lab_list(l, "ns_per_page", ns, PASSES)) TH_LOG("%s", l->line);
	ASSERT_EQ(0, lab_list(l, "minor", minor, PASSES)) TH_LOG("%s", l->line);
	ASSERT_EQ(0, lab_list(l, "major", major, PASSES)) TH_LOG("%s", l->line);
	TH_LOG("%s MiB under 32 MiB: ns per page per pass %lld %lld %lld %lld, major faults %lld %lld %lld %lld",
	       variant->mib, ns[0], ns[1], ns[2], ns[3], major[0], major[1], major[2], major[3]);
	/* ptscope's fault counts are /proc/PID/stat's. */
	ASSERT_EQ(0, cli_faults(_metadata, l, l->pid, &climin, &climaj));
	min1 = stat_faults(l->pid, 10);
	maj1 = stat_faults(l->pid, 12);
	EXPECT_EQ(min1, climin);
	EXPECT_EQ(maj1, climaj);
	/* The passes' own counts (getrusage) are part of the kernel's. */
	for (p = 0; p < PASSES; p++) {
		sum_min += minor[p];
		sum_maj += major[p];
	}
	EXPECT_GE(min1 - min0, sum_min);
	EXPECT_GE(maj1 - maj0, sum_maj);
	/* Every page was written: it is in memory or in swap, as pagemap says. */
	pm = pagemap(l->pid, addr, pages);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < (size_t)pages; i++) {
		present += !!(pm[i] & PM_PRESENT);
		swapped += !!(pm[i] & PM_SWAP);
	}
	free(pm);
	ASSERT_EQ(0, vma_counts(_metadata, l, l->pid, addr, len, &c));
	EXPECT_EQ((long long)present, c.present);
	EXPECT_EQ((long long)swapped, c.swapped);
	EXPECT_EQ(pages, c.present + c.swapped);
	/* RSS within memory.max: the buffer's frames are charged to the cgroup. */
	cur = cg_num("memory.current");
	swap_cur = cg_num("memory.swap.current");
	ASSERT_LE(0, cur);
	ASSERT_LE(0, swap_cur);
	EXPECT_LE(cur, max);
	EXPECT_LE(c.present * PAGE, cur);
	ev_max = cg_key("memory.events", "max");
	ev_oom = cg_key("memory.events", "oom");
	memcg_majflt = cg_key("memory.stat", "pgmajfault");
	pswpout = cg_key("memory.stat", "pswpout");	/* not in 6.1 */
	ASSERT_LE(0, ev_max);
	ASSERT_LE(0, memcg_majflt);
	EXPECT_EQ(0, ev_oom);

	if (variant->fits) {
		/* The first pass faults every page in; after it, nothing. */
		EXPECT_EQ(pages, minor[0]);
		for (p = 0; p < PASSES; p++) {
			EXPECT_EQ(0, major[p]) TH_LOG("pass %lld", p + 1);
			if (p)
				EXPECT_EQ(0, minor[p]) TH_LOG("pass %lld", p + 1);
		}
		EXPECT_EQ(maj0, maj1);
		EXPECT_EQ(pages, c.present);
		EXPECT_EQ(0, c.swapped);
		EXPECT_EQ(0, swap_cur);
		EXPECT_EQ(0, ev_max);
		EXPECT_EQ(0, memcg_majflt);
		if (pswpout >= 0)
			EXPECT_EQ(0, pswpout);
	} else {
		/*
		 * At most max_pages are in memory when a pass starts: the
		 * rest must come back from swap.
		 */
		bound = pages - max_pages;
		EXPECT_LE(pages, minor[0]);	/* each page's first touch */
		for (p = 1; p < PASSES; p++) {
			EXPECT_LE(bound, minor[p] + major[p]) TH_LOG("pass %lld", p + 1);
			if (all_zram)
				EXPECT_LE(bound, major[p]) TH_LOG("pass %lld", p + 1);
		}
		if (all_zram) {
			EXPECT_LE((PASSES - 1) * bound, maj1 - maj0);
		} else {
			TH_LOG("swap is not all zram: swap readahead may turn major faults into minor ones");
		}
		EXPECT_GE(max_pages, c.present);
		EXPECT_LE(bound, c.swapped);
		/* Each swapped page is charged to the cgroup's swap. */
		EXPECT_LE(c.swapped * PAGE, swap_cur);
		EXPECT_LT(0, ev_max);
		EXPECT_LT(0, memcg_majflt);
		if (pswpout >= 0)
			EXPECT_LT(0, pswpout);
	}
	lab_go(l);
	EXPECT_EQ(0, lab_finish(l));
}

TEST_HARNESS_MAIN
