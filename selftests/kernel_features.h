/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel was built with.  A test that needs a feature
 * some kernels lack starts with REQUIRE_FEATURE(), which SKIPs with the
 * reason, as kselftests do; scripts/check lists each kernel's skips, and a
 * skip on a generic kernel (which has them all) fails the run.
 *
 * Each feature is known by what the kernel shows of it, never by its
 * version: Debian's rt flavour (PREEMPT_RT) has no THP and no NUMA
 * balancing, for one.
 */
#ifndef PTSCOPE_KERNEL_FEATURES_H
#define PTSCOPE_KERNEL_FEATURES_H

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

enum kernel_feature {
	FEATURE_THP,
	FEATURE_NUMA_BALANCING,
	FEATURE_KSM,
	FEATURE_BTF,
	FEATURE_HUGETLB,
	FEATURE_NR
};

struct feature_probe {
	const char *name;	/* as a sentence says it */
	const char *config;	/* the Kconfig option that builds it */
	const char *path;	/* there when the kernel has it */
};

static const struct feature_probe feature_probes[FEATURE_NR] = {
	[FEATURE_THP] = { "transparent huge pages", "CONFIG_TRANSPARENT_HUGEPAGE",
			  "/sys/kernel/mm/transparent_hugepage" },
	[FEATURE_NUMA_BALANCING] = { "NUMA balancing", "CONFIG_NUMA_BALANCING",
				     "/proc/sys/kernel/numa_balancing" },
	[FEATURE_KSM] = { "KSM", "CONFIG_KSM", "/sys/kernel/mm/ksm" },
	[FEATURE_BTF] = { "BTF", "CONFIG_DEBUG_INFO_BTF", "/sys/kernel/btf/vmlinux" },
	[FEATURE_HUGETLB] = { "hugetlb pages", "CONFIG_HUGETLBFS",
			      "/sys/kernel/mm/hugepages" },
};

/* NULL when the kernel has @f, else why a test that needs it cannot run. */
static inline const char *kernel_lacks(enum kernel_feature f)
{
	static char why[FEATURE_NR][160];
	const struct feature_probe *probe = &feature_probes[f];

	if (!access(probe->path, F_OK))
		return NULL;
	snprintf(why[f], sizeof(why[f]), "this kernel has no %s (%s is not set: no %s)",
		 probe->name, probe->config, probe->path);
	return why[f];
}

#define REQUIRE_FEATURE(f) do {						\
	const char *lacking_ = kernel_lacks(f);				\
	if (lacking_)							\
		SKIP(return, "%s", lacking_);				\
} while (0)

/*
 * madvise(MADV_NOHUGEPAGE): 4 KiB pages for [@p, @p + @len).  A kernel
 * without THP refuses the advice (EINVAL), and there no page is huge.
 */
static inline int no_huge_pages(void *p, size_t len)
{
	if (!madvise(p, len, MADV_NOHUGEPAGE))
		return 0;
	return errno == EINVAL && kernel_lacks(FEATURE_THP) ? 0 : -1;
}

#endif /* PTSCOPE_KERNEL_FEATURES_H */
