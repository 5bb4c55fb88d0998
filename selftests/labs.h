/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lab tests (labs_1_4_test.c, labs_5_7_test.c, labs_python_test.c,
 * labs_overcommit_test.c, labs_thrash_test.c, labs_tlbreach_test.c) share: a lab
 * program driven checkpoint by checkpoint, the CLI's numbers, and the
 * kernel's own.
 *
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
#ifndef PTSCOPE_LABS_H
#define PTSCOPE_LABS_H

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "fixtures.h"
#include "maps_oracle.h"
#include "cli_exec.h"

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
static inline int beside_me(const char *rel, char *out)
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
static inline int lab_start(struct lab *l, const char *name, ...)
{
	char prog[PATH_MAX], rel[64];
	const char *argv[6] = { name };
	int to[2], from[2], i = 1;
	va_list ap;

	memset(l, 0, sizeof(*l));
	l->pid = -1;
	if (cli_find(l->cli))
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
static inline int lab_at(struct lab *l, const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "checkpoint %s ", name);
	if (!fgets(l->line, sizeof(l->line), l->out))
		return -1;
	return strncmp(l->line, want, strlen(want)) ? -1 : 0;
}

/* The value of key= on the checkpoint line (decimal or 0x hex); -1 if absent. */
static inline long long lab_val(struct lab *l, const char *key)
{
	char k[64], *p;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(l->line, k);
	return p ? strtoll(p + strlen(k), NULL, 0) : -1;
}

static inline void lab_go(struct lab *l)
{
	if (write(l->in, "\n", 1) != 1)
		perror("lab stdin");
}

/* Let it run to its end; its exit status, or -1. */
static inline int lab_finish(struct lab *l)
{
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
	if (l->tmp[0])
		cli_shell("rm -rf '%s'", l->tmp);
	return st;
}

/*
 * Run `ptscope ARGS --json` (it must exit 0), then `jq -r FILTER` on its
 * output, which must print @n numbers (null for none: -1) into @v.
 * 0, or -1 after logging why.
 */
static inline int cli_nums(struct __test_metadata *_metadata, struct lab *l,
		    long long *v, int n, const char *filter, const char *fmt, ...)
{
	char args[512], *buf, *p, *end;
	va_list ap;
	int i, st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	buf = cli_capturef(&st,
			   "'%s' %s --json >'%s/out' 2>'%s/err' && jq -r '%s' '%s/out' 2>&1",
			   l->cli, args, l->tmp, l->tmp, filter, l->tmp);
	if (!buf)
		return -1;
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
		cli_shell("head -c 300 '%s/err' >&2", l->tmp);
		_metadata->passed = 0;
		free(buf);
		return -1;
	}
	free(buf);
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

static inline int vma_counts(struct __test_metadata *_metadata, struct lab *l,
		      pid_t pid, uint64_t addr, uint64_t len,
		      struct vma_counts *c)
{
	return cli_nums(_metadata, l, (long long *)c,
			sizeof(*c) / sizeof(long long), VMA_FILTER,
			"maps %d %#llx+%llu", pid, (unsigned long long)addr,
			(unsigned long long)len);
}

/* Counter @key of /proc/vmstat, 0 if the kernel has none. */
static inline long long vmstat_value(const char *key)
{
	char v[256];

	return read_keyed_line("/proc/vmstat", key, v, sizeof(v)) ? 0 : atoll(v);
}

/*
 * Pages the kernel migrated or collapsed since boot: it moves frames, so
 * two looks at a page's frame (ptscope's, pagemap's) may disagree.
 */
static inline long long frames_moved(void)
{
	return vmstat_value("pgmigrate_success") + vmstat_value("thp_collapse_alloc");
}

/* Minor (@field 10) or major (12) faults of @pid by /proc/PID/stat. */
static inline long long stat_faults(pid_t pid, int field)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return stat_field(path, field);
}

/* The minor and major faults of `ptscope faults PID --json`. */
static inline int cli_faults(struct __test_metadata *_metadata, struct lab *l,
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
static inline uint64_t *pagemap(pid_t pid, uint64_t addr, size_t n)
{
	uint64_t *pm = calloc(n, 8);

	if (pm && pagemap_read(pid, addr, n, pm)) {
		free(pm);
		return NULL;
	}
	return pm;
}

/* The smaps entry of the VMA starting at @addr of @pid (0 on success). */
static inline int smaps_at(pid_t pid, uint64_t addr, struct smaps_vma *out)
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
static inline int maps_perms(pid_t pid, uint64_t addr, char *perms)
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

static inline bool have_jq(void)
{
	return cli_have_tool("jq");
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

#endif /* PTSCOPE_LABS_H */
