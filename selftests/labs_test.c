// SPDX-License-Identifier: GPL-2.0
/*
 * The labs of docs/labs/ as tests.  Each lab program (../userspace/labs/)
 * runs in its driver mode: it stops at each checkpoint and prints what it
 * knows (pages touched, written, paged out; addresses).  At each one this
 * runs the ptscope command (--json, through jq) and checks its numbers
 * against what the program knows and against the kernel's own interfaces:
 * /proc/PID/pagemap (present, frames, swap entries), /proc/kpageflags,
 * /proc/kpagecount, /proc/PID/smaps, /proc/PID/maps and /proc/PID/stat
 * (fault counts).  The labs use the sizes the lab pages use.
 *
 * The command is $PTSCOPE_CLI, else ../userspace/ptscope beside this
 * binary, and the labs are in ../userspace/labs/ beside it; jq must be
 * installed.  The shared-file lab needs $PTSCOPE_TEST_DIR on a disk file
 * system (run_tests.sh mounts ext4 there).
 */
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"

/*
 * The labs swap to zram, fork and run the CLI: seconds under TCG, but past
 * the harness's 30 s on the debug kernel (KASAN, lockdep: make check-debug).
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

#define PM_SWAP_TYPE(pm)	((pm) & 0x1f)
#define PM_SWAP_OFFSET(pm)	(((pm) & PM_PFN_MASK) >> 5)
#define PFN(pm)			((pm) & PM_PFN_MASK)

/* A running lab program and its last checkpoint line. */
struct lab {
	pid_t pid;
	FILE *out;		/* its stdout */
	int in;			/* its stdin: a line lets it go on */
	char line[2048];
	char tmp[64];		/* a directory for ptscope's output */
	char cli[PATH_MAX];
};

/* @rel beside this binary's directory, absolute, in @out. */
static int beside_me(const char *rel, char *out)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(path, sizeof(path), "%s/%s", exe, rel);
	return realpath(path, out) ? 0 : -1;
}

/* Start lab @name with up to three arguments (NULL-terminated). */
static int lab_start(struct lab *l, const char *name, ...)
{
	char prog[PATH_MAX], rel[64];
	const char *argv[6] = { name };
	const char *env = getenv("PTSCOPE_CLI");
	int to[2], from[2], i = 1;
	va_list ap;

	memset(l, 0, sizeof(*l));
	l->pid = -1;
	if (env && *env ? !realpath(env, l->cli) :
	    beside_me("../userspace/ptscope", l->cli))
		return -1;
	snprintf(rel, sizeof(rel), "../userspace/labs/%s", name);
	if (beside_me(rel, prog) || access(prog, X_OK))
		return -1;
	va_start(ap, name);
	while (i < 5 && (argv[i] = va_arg(ap, const char *)))
		i++;
	va_end(ap);
	snprintf(l->tmp, sizeof(l->tmp), "/tmp/ptscope-labs-XXXXXX");
	if (!mkdtemp(l->tmp) || pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return -1;
	l->pid = fork();
	if (!l->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(to[0], 0);
		dup2(from[1], 1);
		execv(prog, (char **)argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	l->in = to[1];
	l->out = fdopen(from[0], "r");
	return l->pid > 0 && l->out ? 0 : -1;
}

/* Wait for checkpoint @name; 0, or -1 (the line is in l->line). */
static int lab_at(struct lab *l, const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "checkpoint %s ", name);
	if (!fgets(l->line, sizeof(l->line), l->out))
		return -1;
	return strncmp(l->line, want, strlen(want)) ? -1 : 0;
}

/* The value of key= on the checkpoint line (decimal or 0x hex); -1 if absent. */
static long long lab_val(struct lab *l, const char *key)
{
	char k[64], *p;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(l->line, k);
	return p ? strtoll(p + strlen(k), NULL, 0) : -1;
}

static void lab_go(struct lab *l)
{
	if (write(l->in, "\n", 1) != 1)
		perror("lab stdin");
}

/* Let it run to its end; its exit status, or -1. */
static int lab_finish(struct lab *l)
{
	char cmd[128];
	int st = -1;

	if (l->pid > 0) {
		close(l->in);
		/* At end of file on stdin it runs to its end. */
		while (fgets(l->line, sizeof(l->line), l->out))
			;
		if (waitpid(l->pid, &st, 0) != l->pid || !WIFEXITED(st))
			st = -1;
		else
			st = WEXITSTATUS(st);
		fclose(l->out);
		l->pid = -1;
	}
	if (l->tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->tmp);
		system(cmd);
	}
	return st;
}

/*
 * Run `ptscope ARGS --json` (it must exit 0), then `jq -r FILTER` on its
 * output, which must print @n numbers (null for none: -1) into @v.
 * 0, or -1 after logging why.
 */
static int cli_nums(struct __test_metadata *_metadata, struct lab *l,
		    long long *v, int n, const char *filter, const char *fmt, ...)
{
	char args[512], cmd[PATH_MAX + 2048], buf[8192], *p, *end;
	size_t got;
	va_list ap;
	FILE *f;
	int i, st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd),
		 "'%s' %s --json >'%s/out' 2>'%s/err' && jq -r '%s' '%s/out' 2>&1",
		 l->cli, args, l->tmp, l->tmp, filter, l->tmp);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	got = fread(buf, 1, sizeof(buf) - 1, f);
	buf[got] = 0;
	st = pclose(f);
	p = buf;
	for (i = 0; i < n && !st; i++) {
		p += strspn(p, " \n");
		if (!strncmp(p, "null", 4)) {
			v[i] = -1;
			p += 4;
			continue;
		}
		v[i] = strtoll(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	if (st || i < n) {
		TH_LOG("ptscope %s --json | jq '%s' gave (status %d): %.300s",
		       args, filter, st, buf);
		snprintf(cmd, sizeof(cmd), "head -c 300 '%s/err' >&2", l->tmp);
		system(cmd);
		_metadata->passed = 0;
		return -1;
	}
	return 0;
}

/* The counts of `ptscope maps PID START+LEN --json`: one VMA, cut to the range. */
struct vma_counts {
	long long size, present, not_present, swapped, anon, file, zero, dirty;
	long long shared, cow_shared, anon_exclusive, thp_pmd;
	long long pte, pte_entries, pte_deposited;
};

#define VMA_FILTER							\
	"if (.vmas|length) != 1 then error(\"\\(.vmas|length) VMAs\") "	\
	"else .vmas[0] | \"\\(.end - .start) \\(.pages.present) "	\
	"\\(.pages.not_present) \\(.pages.swapped) \\(.pages.anon) "	\
	"\\(.pages.file) \\(.pages.zero) \\(.pages.dirty) "		\
	"\\(.pages.shared) \\(.pages.cow_shared) "			\
	"\\(.pages.anon_exclusive) \\(.pages.thp_pmd) "		\
	"\\(.pt_pages.pte) \\(.pt_pages.pte_entries) "			\
	"\\(.pt_pages.pte_deposited)\" end"

static int vma_counts(struct __test_metadata *_metadata, struct lab *l,
		      pid_t pid, uint64_t addr, uint64_t len,
		      struct vma_counts *c)
{
	return cli_nums(_metadata, l, (long long *)c,
			sizeof(*c) / sizeof(long long), VMA_FILTER,
			"maps %d %#llx+%llu", pid, (unsigned long long)addr,
			(unsigned long long)len);
}

/* Minor (@field 10) or major (12) faults of @pid by /proc/PID/stat. */
static long long stat_faults(pid_t pid, int field)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return stat_field(path, field);
}

/* The minor and major faults of `ptscope faults PID --json`. */
static int cli_faults(struct __test_metadata *_metadata, struct lab *l,
		      pid_t pid, long long *minor, long long *major)
{
	long long v[2];

	if (cli_nums(_metadata, l, v, 2, "\"\\(.faults.minor) \\(.faults.major)\"",
		     "faults %d", pid))
		return -1;
	*minor = v[0];
	*major = v[1];
	return 0;
}

/* @n pagemap entries of @pid from @addr, malloc'd. */
static uint64_t *pagemap(pid_t pid, uint64_t addr, size_t n)
{
	uint64_t *pm = calloc(n, 8);

	if (pm && pagemap_read(pid, addr, n, pm)) {
		free(pm);
		return NULL;
	}
	return pm;
}

/* The smaps entry of the VMA starting at @addr of @pid (0 on success). */
static int smaps_at(pid_t pid, uint64_t addr, struct smaps_vma *out)
{
	struct smaps_vma *sm = calloc(1024, sizeof(*sm));
	int n, i, ret = -1;

	if (!sm)
		return -1;
	n = smaps_read(pid, sm, 1024);
	for (i = 0; i < n; i++) {
		if (sm[i].start == addr) {
			*out = sm[i];
			ret = 0;
		}
	}
	free(sm);
	return ret;
}

/* The perms of the /proc/PID/maps line holding @addr, in @perms[5]. */
static int maps_perms(pid_t pid, uint64_t addr, char *perms)
{
	unsigned long long s, e;
	char path[64], line[512];
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx %4s", &s, &e, perms) == 3 &&
		    addr >= s && addr < e)
			ret = 0;
	fclose(f);
	return ret;
}

static bool have_jq(void)
{
	return !system("command -v jq >/dev/null 2>&1");
}

#define START_LAB(l, ...) do {						\
	if (!have_jq())							\
		SKIP(return, "jq is not installed");			\
	ASSERT_EQ(0, lab_start(l, __VA_ARGS__, NULL))			\
		TH_LOG("cannot start the lab: build ../userspace (labs, ptscope)"); \
} while (0)

#define AT(l, name)							\
	ASSERT_EQ(0, lab_at(l, name)) TH_LOG("expected checkpoint %s, got: %s", \
					     name, (l)->line)

/*
 * Lab 1: 256 MiB mapped, every 16th page touched.  Present pages are
 * exactly the touched ones (pagemap), each cost one minor fault (stat),
 * and a PTE table per 2 MiB holds the touched pages' entries.
 */
TEST(lab1_demand)
{
	long long min0, maj0, min1, maj1, touched, every, pages, faults;
	struct vma_counts c;
	struct smaps_vma sm;
	uint64_t addr, len, *pm;
	size_t i, present = 0, wrong = 0;
	struct lab l;

	START_LAB(&l, "demand", "256", "16");
	AT(&l, "mapped");
	addr = lab_val(&l, "addr");
	len = lab_val(&l, "len");
	pages = lab_val(&l, "pages");
	ASSERT_EQ(256ULL << 20, len);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ((long long)len, c.size);
	EXPECT_EQ(0, c.present);
	EXPECT_EQ(pages, c.not_present);
	ASSERT_EQ(0, cli_faults(_metadata, &l, l.pid, &min0, &maj0));
	EXPECT_EQ(stat_faults(l.pid, 10), min0);
	lab_go(&l);

	AT(&l, "touched");
	touched = lab_val(&l, "touched");
	every = lab_val(&l, "every");
	faults = lab_val(&l, "faults");
	ASSERT_EQ(4096, touched);
	pm = pagemap(l.pid, addr, pages);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < (size_t)pages; i++) {
		present += !!(pm[i] & PM_PRESENT);
		wrong += !!(pm[i] & PM_PRESENT) != (i % every == 0);
	}
	free(pm);
	EXPECT_EQ(touched, (long long)present);
	EXPECT_EQ(0, wrong) TH_LOG("pages present other than the touched ones");
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ(touched, c.present);
	EXPECT_EQ(pages - touched, c.not_present);
	EXPECT_EQ(touched, c.anon);
	EXPECT_EQ(touched, c.dirty);
	EXPECT_EQ((long long)(len / SZ_2M), c.pte);
	EXPECT_EQ(touched, c.pte_entries);
	ASSERT_EQ(0, smaps_at(l.pid, addr, &sm));
	EXPECT_EQ(touched * 4, sm.rss);
	/* One fault per touched page, no more: ptscope, stat, getrusage. */
	ASSERT_EQ(0, cli_faults(_metadata, &l, l.pid, &min1, &maj1));
	EXPECT_EQ(stat_faults(l.pid, 10), min1);
	EXPECT_EQ(touched, min1 - min0);
	EXPECT_EQ(touched, faults);
	EXPECT_EQ(0, maj1 - maj0);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

/*
 * Lab 2: 64 MiB, fork, the child writes every 10th page.  The frames of
 * parent and child (pagemap) differ exactly where the child wrote; the
 * rest are one frame mapped twice (kpagecount 2); together they use
 * pages + written frames; the child took one minor fault per write.
 */
TEST(lab2_cow)
{
	long long pages, written, every, cmin0, cmaj0, cmin1, cmaj1;
	uint64_t addr, len, *pp, *pc, *pfns;
	size_t i, differ = 0, wrong = 0, bad_count = 0, distinct = 0;
	struct vma_counts cp, cc;
	struct lab l;
	pid_t child;
	int kfd;

	START_LAB(&l, "cow", "64", "10");
	AT(&l, "filled");
	lab_go(&l);
	AT(&l, "forked");
	child = lab_val(&l, "child");
	addr = lab_val(&l, "addr");
	len = lab_val(&l, "len");
	pages = lab_val(&l, "pages");
	ASSERT_EQ(64ULL << 20, len);
	pp = pagemap(l.pid, addr, pages);
	pc = pagemap(child, addr, pages);
	ASSERT_TRUE(pp && pc);
	for (i = 0; i < (size_t)pages; i++)
		wrong += !(pp[i] & PM_PRESENT) || PFN(pp[i]) != PFN(pc[i]);
	EXPECT_EQ(0, wrong) TH_LOG("after fork, pages not on one frame");
	free(pp);
	free(pc);
	ASSERT_EQ(0, vma_counts(_metadata, &l, child, addr, len, &cc));
	EXPECT_EQ(pages, cc.present);
	EXPECT_EQ(pages, cc.cow_shared);
	EXPECT_EQ(0, cc.anon_exclusive);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &cp));
	EXPECT_EQ(pages, cp.cow_shared);
	ASSERT_EQ(0, cli_faults(_metadata, &l, child, &cmin0, &cmaj0));
	EXPECT_EQ(stat_faults(child, 10), cmin0);
	lab_go(&l);

	AT(&l, "written");
	written = lab_val(&l, "written");
	every = lab_val(&l, "every");
	ASSERT_EQ((pages + every - 1) / every, written);
	pp = pagemap(l.pid, addr, pages);
	pc = pagemap(child, addr, pages);
	pfns = calloc(2 * pages, 8);
	ASSERT_TRUE(pp && pc && pfns);
	kfd = open("/proc/kpagecount", O_RDONLY);
	ASSERT_LE(0, kfd);
	for (i = 0; i < (size_t)pages; i++) {
		bool copied = PFN(pp[i]) != PFN(pc[i]);
		uint64_t cnt[2] = { 0, 0 };

		differ += copied;
		wrong += copied != (i % every == 0);
		pread(kfd, &cnt[0], 8, PFN(pp[i]) * 8);
		pread(kfd, &cnt[1], 8, PFN(pc[i]) * 8);
		bad_count += copied ? cnt[0] != 1 || cnt[1] != 1 : cnt[0] != 2;
		pfns[2 * i] = PFN(pp[i]);
		pfns[2 * i + 1] = PFN(pc[i]);
	}
	close(kfd);
	EXPECT_EQ(written, (long long)differ);
	EXPECT_EQ(0, wrong) TH_LOG("copies other than the written pages");
	EXPECT_EQ(0, bad_count) TH_LOG("kpagecount: shared 2, copies 1");
	/* Physical use: every distinct frame of the two processes. */
	for (i = 0; i < 2 * (size_t)pages; i++) {
		size_t j = i & ~1UL;

		distinct += !(i & 1) || pfns[i] != pfns[j];
	}
	EXPECT_EQ(pages + written, (long long)distinct);
	free(pp);
	free(pc);
	free(pfns);

	ASSERT_EQ(0, vma_counts(_metadata, &l, child, addr, len, &cc));
	EXPECT_EQ(pages, cc.present);
	EXPECT_EQ(pages - written, cc.cow_shared);
	EXPECT_EQ(pages - written, cc.shared);
	EXPECT_EQ(written, cc.anon_exclusive);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &cp));
	EXPECT_EQ(pages, cp.present);
	EXPECT_EQ(pages - written, cp.cow_shared);
	/* Frames of both: the parent's, and the child's own copies. */
	EXPECT_EQ(pages + written, cp.present + cc.present - cc.cow_shared);
	ASSERT_EQ(0, cli_faults(_metadata, &l, child, &cmin1, &cmaj1));
	EXPECT_EQ(stat_faults(child, 10), cmin1);
	EXPECT_EQ(written, cmin1 - cmin0);
	EXPECT_EQ(written, lab_val(&l, "child_faults"));
	EXPECT_EQ(0, cmaj1 - cmaj0);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

/*
 * Lab 3: one file, mapped shared by the parent and private by the
 * child.  Both map the page cache's frames (pagemap: same frame, file
 * bit; kpagecount 2); each page the child writes becomes its own
 * anonymous page (pagemap: another frame, no file bit; kpageflags ANON).
 */
TEST(lab3_sharedfile)
{
	const char *dir = getenv("PTSCOPE_TEST_DIR");
	long long pages, written, every;
	uint64_t a, b, len, *pa, *pb;
	size_t i, wrong = 0, bad_count = 0, anon = 0;
	struct vma_counts ca, cb;
	char path[PATH_MAX];
	struct lab l;
	pid_t child;
	int run;

	if (!dir)
		SKIP(return, "PTSCOPE_TEST_DIR (a disk file system) is not set");
	snprintf(path, sizeof(path), "%s/lab-sharedfile.data", dir);
	/*
	 * The page cache is the kernel's to reclaim or migrate: a CI run
	 * on 7.2 once found 512 of the 1024 pages on no common frame at
	 * the first checkpoint.  Then the lab runs again (three runs at
	 * most) and the same checks judge the last.
	 */
	for (run = 1;; run++) {
		START_LAB(&l, "sharedfile", path, "4", "8");
		AT(&l, "mapped");
		child = lab_val(&l, "child");
		a = lab_val(&l, "addr");
		b = lab_val(&l, "child_addr");
		len = lab_val(&l, "len");
		pages = lab_val(&l, "pages");
		pa = pagemap(l.pid, a, pages);
		pb = pagemap(child, b, pages);
		ASSERT_TRUE(pa && pb);
		wrong = bad_count = 0;
		for (i = 0; i < (size_t)pages; i++) {
			wrong += !(pa[i] & PM_PRESENT) || !(pa[i] & PM_FILE) ||
				 !(pb[i] & PM_FILE) || PFN(pa[i]) != PFN(pb[i]);
			bad_count += kpagecount(PFN(pa[i])) != 2;
		}
		if ((!wrong && !bad_count) || run == 3)
			break;
		TH_LOG("run %d: %zu of %lld pages not on one page-cache frame of both: the lab again",
		       run, wrong, pages);
		free(pa);
		free(pb);
		lab_finish(&l);
	}
	EXPECT_EQ(0, wrong) TH_LOG("pages not on one page-cache frame");
	EXPECT_EQ(0, bad_count) TH_LOG("kpagecount is not 2");
	free(pa);
	free(pb);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, a, len, &ca));
	ASSERT_EQ(0, vma_counts(_metadata, &l, child, b, len, &cb));
	EXPECT_EQ(pages, ca.file);
	EXPECT_EQ(pages, ca.shared);
	EXPECT_EQ(pages, cb.file);
	EXPECT_EQ(pages, cb.shared);
	EXPECT_EQ(0, cb.anon);
	lab_go(&l);

	AT(&l, "written");
	written = lab_val(&l, "written");
	every = lab_val(&l, "every");
	ASSERT_EQ(pages / every, written);
	pa = pagemap(l.pid, a, pages);
	pb = pagemap(child, b, pages);
	ASSERT_TRUE(pa && pb);
	wrong = bad_count = 0;
	for (i = 0; i < (size_t)pages; i++) {
		bool w = i % every == 0;
		bool copied = PFN(pa[i]) != PFN(pb[i]);

		wrong += copied != w || !!(pb[i] & PM_FILE) == w ||
			 !(pa[i] & PM_FILE) || !(pb[i] & PM_PRESENT);
		bad_count += kpagecount(PFN(pa[i])) != (w ? 1 : 2);
		anon += w && (kpageflags(PFN(pb[i])) & (1ULL << KPF_ANON));
	}
	EXPECT_EQ(0, wrong) TH_LOG("copies other than the written pages");
	EXPECT_EQ(0, bad_count) TH_LOG("kpagecount: written 1, others 2");
	EXPECT_EQ(written, (long long)anon);
	free(pa);
	free(pb);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, a, len, &ca));
	ASSERT_EQ(0, vma_counts(_metadata, &l, child, b, len, &cb));
	EXPECT_EQ(pages, ca.file);
	EXPECT_EQ(pages - written, ca.shared);
	EXPECT_EQ(written, cb.anon);
	EXPECT_EQ(pages - written, cb.file);
	EXPECT_EQ(pages - written, cb.shared);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

/*
 * Lab 4: 16 MiB paged out with MADV_PAGEOUT to zram.  ptscope's swap
 * entries (type, offset) are pagemap's; reading the pages back costs one
 * major fault per swapped page (stat, getrusage).
 */
TEST(lab4_swap)
{
	long long pages, swapped, min0, maj0, min1, maj1, v[2];
	size_t i, n = 0, wrong = 0;
	struct vma_counts c;
	uint64_t addr, len, *pm;
	struct lab l;

	if (!ensure_swap())
		SKIP(return, "no swap and no zram");
	START_LAB(&l, "swap", "16");
	AT(&l, "filled");
	lab_go(&l);
	AT(&l, "paged-out");
	addr = lab_val(&l, "addr");
	len = lab_val(&l, "len");
	pages = lab_val(&l, "pages");
	swapped = lab_val(&l, "swapped");
	ASSERT_EQ(16ULL << 20, len);
	pm = pagemap(l.pid, addr, pages);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < (size_t)pages; i++)
		n += !!(pm[i] & PM_SWAP);
	EXPECT_EQ(swapped, (long long)n);
	ASSERT_LT(0, n) TH_LOG("MADV_PAGEOUT swapped nothing out");
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ((long long)n, c.swapped);
	EXPECT_EQ(pages - (long long)n, c.present);
	/* Type and offset of each swapped page, as pagemap has them. */
	for (i = 0; i < (size_t)pages; i += pages / 64) {
		if (!(pm[i] & PM_SWAP))
			continue;
		ASSERT_EQ(0, cli_nums(_metadata, &l, v, 2,
				      "\"\\(.pages[0].swap.type) \\(.pages[0].swap.offset)\"",
				      "pages %d %#llx+4K --all", l.pid,
				      (unsigned long long)(addr + i * PAGE)));
		wrong += v[0] != (long long)PM_SWAP_TYPE(pm[i]) ||
			 v[1] != (long long)PM_SWAP_OFFSET(pm[i]);
	}
	EXPECT_EQ(0, wrong) TH_LOG("swap type or offset differs from pagemap");
	free(pm);
	ASSERT_EQ(0, cli_faults(_metadata, &l, l.pid, &min0, &maj0));
	EXPECT_EQ(stat_faults(l.pid, 12), maj0);
	lab_go(&l);

	AT(&l, "touched");
	ASSERT_EQ(0, cli_faults(_metadata, &l, l.pid, &min1, &maj1));
	EXPECT_EQ(stat_faults(l.pid, 12), maj1);
	EXPECT_EQ((long long)n, maj1 - maj0);
	EXPECT_EQ((long long)n, lab_val(&l, "major"));
	/* The pages never paged out were resident: no fault at all. */
	EXPECT_EQ((long long)n, (min1 - min0) + (maj1 - maj0));
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ(0, c.swapped);
	EXPECT_EQ(pages, c.present);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

/*
 * The PTE tables of `ptscope tree --all --json` inside [addr, addr+len):
 * their number and entries in use, in v[0], v[1]; v[2] is leaves.pmd of
 * the whole process, v[3] the tree's bytes and v[4] VmPTE.
 */
static int tree_counts(struct __test_metadata *_metadata, struct lab *l,
		       uint64_t addr, uint64_t len, long long *v)
{
	char filter[1024];

	snprintf(filter, sizeof(filter),
		 "[.pud_tables[].pmd_tables[].pte_table_list[]? | "
		 "select(.start >= %llu and .start < %llu)] as $t | "
		 "\"\\($t|length) \\([$t[].used]|add // 0) \\(.leaves.pmd) "
		 "\\(.bytes) \\(.vm_pte_bytes)\"",
		 (unsigned long long)addr, (unsigned long long)(addr + len));
	return cli_nums(_metadata, l, v, 5, filter, "tree %d --all", l->pid);
}

#define THP_COLLAPSED	"/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed"

/* How many huge pages khugepaged has collapsed since boot; -1 unknown. */
static long long khugepaged_collapsed(void)
{
	FILE *f = fopen(THP_COLLAPSED, "r");
	long long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Lab 5: 512 MiB touched in 4 KiB pages, then in THPs.  Without THP:
 * 131072 PTEs in 256 PTE tables, one fault a page.  With: as many PMD
 * leaves as smaps's AnonHugePages says, no PTE table for them (one
 * deposited each), one fault per THP.
 *
 * Two things besides the lab change its THPs under the test.  NUMA
 * balancing: on 6.1, smaps leaves a THP whose PMD it made a NUMA-hinting
 * (PROT_NONE) entry out of AnonHugePages (follow_trans_huge_pmd() without
 * FOLL_FORCE), while pagemap and ptscope still count it; the fixture turns
 * it off.  And khugepaged, collapsing a 2 MiB block that got no THP at
 * its fault: the fault count no longer tells, and smaps and ptscope may
 * see the block on either side of it.  A run of the lab during which
 * khugepaged collapsed anything is run again.
 */
FIXTURE(thp_lab) {
	char saved_numa[32];
};

FIXTURE_SETUP(thp_lab)
{
	knob_set(NUMA_BALANCING, "0", self->saved_numa, sizeof(self->saved_numa));
}

FIXTURE_TEARDOWN(thp_lab)
{
	knob_restore(NUMA_BALANCING, self->saved_numa);
}

/* What lab 5 says at one checkpoint, and what pagemap, smaps and ptscope say. */
struct lab5_seen {
	uint64_t addr, len;
	long long pages, faults, present, anon_huge, rollup_huge, tree[5];
	struct vma_counts c;
};

static void lab5_look(struct __test_metadata *_metadata, struct lab *l,
		      const char *name, struct lab5_seen *s)
{
	struct smaps_vma sm;
	uint64_t *pm;
	long long i;

	memset(s, 0, sizeof(*s));
	AT(l, name);
	s->addr = lab_val(l, "addr");
	s->len = lab_val(l, "len");
	s->pages = lab_val(l, "pages");
	s->faults = lab_val(l, "faults");
	ASSERT_EQ(512ULL << 20, s->len);
	ASSERT_EQ(0, s->addr % SZ_2M);
	pm = pagemap(l->pid, s->addr, s->pages);
	ASSERT_NE(NULL, pm);
	for (i = 0; i < s->pages; i++)
		s->present += !!(pm[i] & PM_PRESENT);
	free(pm);
	ASSERT_EQ(0, smaps_at(l->pid, s->addr, &sm));
	s->anon_huge = sm.anon_huge;
	s->rollup_huge = proc_key_value(l->pid, "smaps_rollup", "AnonHugePages");
	ASSERT_EQ(0, vma_counts(_metadata, l, l->pid, s->addr, s->len, &s->c));
	ASSERT_EQ(0, tree_counts(_metadata, l, s->addr, s->len, s->tree));
	lab_go(l);
}

TEST_F(thp_lab, lab5_thp)
{
	long long collapsed, blocks, huge;
	struct lab5_seen small, big;
	int runs = 0;
	struct lab l;
	bool quiet;

	do {
		collapsed = khugepaged_collapsed();
		START_LAB(&l, "thp", "512");
		lab5_look(_metadata, &l, "small", &small);
		lab5_look(_metadata, &l, "huge", &big);
		ASSERT_EQ(0, lab_finish(&l));
		quiet = khugepaged_collapsed() == collapsed;
	} while (!quiet && ++runs < 3);
	if (!quiet)
		TH_LOG("khugepaged collapsed huge pages during all %d runs", runs);

	blocks = small.len / SZ_2M;
	EXPECT_EQ(small.pages, small.present);
	EXPECT_EQ(0, small.anon_huge);
	EXPECT_EQ(small.pages, small.c.present);
	EXPECT_EQ(0, small.c.thp_pmd);
	EXPECT_EQ(blocks, small.c.pte);
	EXPECT_EQ(small.pages, small.c.pte_entries);
	EXPECT_EQ(0, small.c.pte_deposited);
	EXPECT_EQ(blocks, small.tree[0]);
	EXPECT_EQ(small.pages, small.tree[1]);
	EXPECT_EQ(small.tree[4], small.tree[3]);
	EXPECT_EQ(small.pages, small.faults);

	if (!thp_enabled())
		SKIP(return, "transparent huge pages are off");
	huge = big.anon_huge / 2048;
	ASSERT_LT(0, huge) TH_LOG("MADV_HUGEPAGE gave no THP");
	EXPECT_EQ(big.pages, big.present);
	EXPECT_EQ(big.pages, big.c.present);
	EXPECT_EQ(huge * 512, big.c.thp_pmd);
	EXPECT_EQ(blocks - huge, big.c.pte);
	EXPECT_EQ(big.pages - huge * 512, big.c.pte_entries);
	EXPECT_EQ(huge, big.c.pte_deposited);
	EXPECT_EQ(blocks - huge, big.tree[0]);
	EXPECT_EQ(big.pages - huge * 512, big.tree[1]);
	/* PMD leaves of the whole process: its AnonHugePages, all of it. */
	EXPECT_EQ(big.rollup_huge / 2048, big.tree[2]);
	EXPECT_EQ(big.tree[4], big.tree[3]);
	/* One fault per THP, one per page of the 2 MiB blocks without. */
	EXPECT_EQ(huge + (blocks - huge) * 512, big.faults);
}

/* regions[0] of `ptscope pages PID ADDR+4K --all --json`: writable nx user pfn. */
static int page_bits(struct __test_metadata *_metadata, struct lab *l,
		     pid_t pid, uint64_t addr, long long *v)
{
	return cli_nums(_metadata, l, v, 4,
			".pages[0] | \"\\(if .writable then 1 else 0 end) "
			"\\(if .nx then 1 else 0 end) \\(if .user then 1 else 0 end) "
			"\\(.pfn)\"",
			"pages %d %#llx+4K --all", pid,
			(unsigned long long)(addr & ~(PAGE - 1)));
}

/*
 * The page at @addr of @pid: present, its frame pagemap's, writable and
 * NX as /proc/PID/maps's perms @want (which it must have) imply for a
 * page the process wrote since fork.
 */
static void check_prot(struct __test_metadata *_metadata, struct lab *l,
		       pid_t pid, uint64_t addr, const char *want)
{
	char perms[8] = "";
	long long v[4];
	uint64_t pm;

	ASSERT_EQ(0, maps_perms(pid, addr, perms));
	ASSERT_STREQ(want, perms);
	ASSERT_EQ(0, pagemap_read(pid, addr & ~(PAGE - 1), 1, &pm));
	ASSERT_TRUE(pm & PM_PRESENT);
	ASSERT_EQ(0, page_bits(_metadata, l, pid, addr, v));
	EXPECT_EQ(perms[1] == 'w', v[0]) TH_LOG("writable at %#llx (%s)",
						(unsigned long long)addr, perms);
	EXPECT_EQ(perms[2] != 'x', v[1]) TH_LOG("nx at %#llx (%s)",
						(unsigned long long)addr, perms);
	EXPECT_EQ(1, v[2]);
	EXPECT_EQ((long long)PFN(pm), v[3]);
}

/*
 * Lab 6: one address, two frames (pagemap of both); code R-X, data and
 * stack RW- with NX, as /proc/PID/maps has them; mprotect rewrites the
 * entry's bits in place (same frame).
 */
TEST(lab6_isolation)
{
	uint64_t value, code, stack, buf, pp, pc, pm;
	long long v[4];
	struct lab l;
	pid_t child;

	START_LAB(&l, "isolation");
	AT(&l, "forked");
	child = lab_val(&l, "child");
	value = lab_val(&l, "value");
	code = lab_val(&l, "code");
	stack = lab_val(&l, "stack");
	buf = lab_val(&l, "buf");
	ASSERT_EQ(0, pagemap_read(l.pid, value & ~(PAGE - 1), 1, &pp));
	ASSERT_EQ(0, pagemap_read(child, value & ~(PAGE - 1), 1, &pc));
	ASSERT_TRUE((pp & PM_PRESENT) && (pc & PM_PRESENT));
	EXPECT_NE(PFN(pp), PFN(pc));
	ASSERT_EQ(0, page_bits(_metadata, &l, child, value, v));
	EXPECT_EQ((long long)PFN(pc), v[3]);
	/* Code is one page-cache frame for both. */
	ASSERT_EQ(0, pagemap_read(l.pid, code & ~(PAGE - 1), 1, &pp));
	ASSERT_EQ(0, pagemap_read(child, code & ~(PAGE - 1), 1, &pc));
	EXPECT_EQ(PFN(pp), PFN(pc));
	check_prot(_metadata, &l, l.pid, code, "r-xp");
	check_prot(_metadata, &l, l.pid, value, "rw-p");
	check_prot(_metadata, &l, l.pid, stack, "rw-p");
	check_prot(_metadata, &l, l.pid, buf, "rw-p");
	check_prot(_metadata, &l, child, value, "rw-p");
	ASSERT_EQ(0, pagemap_read(l.pid, buf, 1, &pm));
	lab_go(&l);

	AT(&l, "readonly");
	check_prot(_metadata, &l, l.pid, buf, "r--p");
	ASSERT_EQ(0, pagemap_read(l.pid, buf, 1, &pp));
	EXPECT_EQ(PFN(pm), PFN(pp));
	lab_go(&l);

	AT(&l, "exec");
	check_prot(_metadata, &l, l.pid, buf, "r-xp");
	ASSERT_EQ(0, pagemap_read(l.pid, buf, 1, &pp));
	EXPECT_EQ(PFN(pm), PFN(pp));
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

/*
 * Lab 7: reading fresh anonymous memory maps one frame everywhere, in
 * both processes (pagemap), flagged ZERO_PAGE (kpageflags); smaps's Rss
 * leaves it out; writing a page replaces it with a page of its own.
 */
TEST(lab7_zeropage)
{
	long long pages, written, every, v[2];
	uint64_t addr, caddr, len, *pp, *pc, zero;
	size_t i, wrong = 0, own = 0;
	struct vma_counts c;
	struct smaps_vma sm;
	struct lab l;
	pid_t child;

	START_LAB(&l, "zeropage", "16", "4");
	AT(&l, "read");
	child = lab_val(&l, "child");
	addr = lab_val(&l, "addr");
	caddr = lab_val(&l, "child_addr");
	len = lab_val(&l, "len");
	pages = lab_val(&l, "pages");
	EXPECT_EQ(pages, lab_val(&l, "faults"));
	pp = pagemap(l.pid, addr, pages);
	pc = pagemap(child, caddr, pages);
	ASSERT_TRUE(pp && pc);
	ASSERT_TRUE(pp[0] & PM_PRESENT);
	zero = PFN(pp[0]);
	for (i = 0; i < (size_t)pages; i++)
		wrong += !(pp[i] & PM_PRESENT) || PFN(pp[i]) != zero ||
			 PFN(pc[i]) != zero;
	EXPECT_EQ(0, wrong) TH_LOG("pages not on the one zero frame %#llx",
				   (unsigned long long)zero);
	EXPECT_TRUE(kpageflags(zero) & (1ULL << KPF_ZERO_PAGE));
	free(pp);
	free(pc);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ(pages, c.present);
	EXPECT_EQ(pages, c.zero);
	EXPECT_EQ(0, c.anon);
	ASSERT_EQ(0, cli_nums(_metadata, &l, v, 2,
			      "\"\\(if ([.regions[].kind] | unique) == [\"zero\"] then 1 else 0 end) "
			      "\\([.regions[] | select(.kind == \"zero\") | "
			      "(.end - .start) / 4096] | add)\"",
			      "pages %d %#llx+%llu", l.pid,
			      (unsigned long long)addr, (unsigned long long)len));
	EXPECT_EQ(1, v[0]) TH_LOG("kinds other than zero");
	EXPECT_EQ(pages, v[1]);
	ASSERT_EQ(0, cli_nums(_metadata, &l, v, 1, ".pages[0].pfn",
			      "pages %d %#llx+4K --all", child,
			      (unsigned long long)caddr));
	EXPECT_EQ((long long)zero, v[0]);
	ASSERT_EQ(0, smaps_at(l.pid, addr, &sm));
	EXPECT_EQ(0, sm.rss);
	lab_go(&l);

	AT(&l, "written");
	written = lab_val(&l, "written");
	every = lab_val(&l, "every");
	ASSERT_EQ(pages / every, written);
	pp = pagemap(l.pid, addr, pages);
	ASSERT_NE(NULL, pp);
	wrong = 0;
	for (i = 0; i < (size_t)pages; i++) {
		bool w = i % every == 0;

		wrong += (PFN(pp[i]) == zero) == w;
		own += w && (kpageflags(PFN(pp[i])) & (1ULL << KPF_ANON));
	}
	free(pp);
	EXPECT_EQ(0, wrong) TH_LOG("written pages on the zero frame, or others not");
	EXPECT_EQ(written, (long long)own);
	ASSERT_EQ(0, vma_counts(_metadata, &l, l.pid, addr, len, &c));
	EXPECT_EQ(pages - written, c.zero);
	EXPECT_EQ(written, c.anon);
	lab_go(&l);
	EXPECT_EQ(0, lab_finish(&l));
}

TEST_HARNESS_MAIN
