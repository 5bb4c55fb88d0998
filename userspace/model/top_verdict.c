// SPDX-License-Identifier: GPL-2.0
/* `ptscope top`'s one-word verdict: see top_verdict.h. */
#include "numa_verdict.h"
#include "top_verdict.h"

#define PAGE 4096ULL

/* The reasons a mapping's flags and the settings give, without its ranges. */
#define TOP_SETTINGS_REASONS						\
	((1ULL << THP_R_SMALL) | (1ULL << THP_R_NEVER) |		\
	 (1ULL << THP_R_MADVISE) | (1ULL << THP_R_NOHUGEPAGE) |		\
	 (1ULL << THP_R_PRCTL) | (1ULL << THP_R_SHMEM_OFF) |		\
	 (1ULL << THP_R_FILE) | (1ULL << THP_R_NOT_BUILT))

/*
 * Which of a mapping's reasons its memory is counted under: the most
 * direct first (a setting or an madvise that forbids THP), then what the
 * mapping is, then the state of its ranges.
 */
static const int reason_priority[] = {
	THP_R_NOT_BUILT, THP_R_NEVER, THP_R_NOHUGEPAGE, THP_R_PRCTL,
	THP_R_SHMEM_OFF, THP_R_MADVISE, THP_R_SMALL, THP_R_UNALIGNED,
	THP_R_FILE, THP_R_SPLIT, THP_R_UNPOPULATED, THP_R_SPARSE,
	THP_R_COLLAPSIBLE,
};
_Static_assert(sizeof(reason_priority) / sizeof(reason_priority[0]) == THP_R_COUNT,
	       "every THP reason has its place");

void top_verdict_add(struct top_verdict_acc *a, const struct ptscope_vma *v,
		     uint64_t mm_flags, uint64_t run_nodes,
		     const struct thp_settings *s, bool sampled)
{
	struct thp_settings kind_only = *s;
	struct thp_bytes b;
	uint64_t r, rest, noded, remote;
	size_t k;

	if (v->flags & PTSCOPE_VMA_ANON) {
		numa_remote(&v->pages, run_nodes, &noded, &remote);
		a->anon_noded += noded;
		a->anon_remote += remote;
	}

	/* The kind of mapping THP could back, had the kernel THP. */
	kind_only.present = true;
	if (!thp_candidate(v, &kind_only))
		return;
	thp_bytes(&v->pages, &b);
	a->eligible += b.rss / PAGE;
	a->pmd += b.pmd / PAGE;
	rest = (b.rss - b.pmd) / PAGE;
	r = thp_reasons(v, mm_flags, s);
	if (sampled)
		r &= TOP_SETTINGS_REASONS;
	for (k = 0; rest && k < sizeof(reason_priority) / sizeof(reason_priority[0]); k++) {
		if (r >> reason_priority[k] & 1) {
			a->by_reason[reason_priority[k]] += rest;
			return;
		}
	}
}

const char *top_verdict(const struct top_verdict_acc *a)
{
	uint64_t best = 0;
	int k, which = -1;

	if (a->anon_noded >= TOP_VERDICT_MIN_PAGES &&
	    a->anon_remote > TOP_REMOTE_SHARE * a->anon_noded)
		return "remote";
	if (a->eligible < TOP_VERDICT_MIN_PAGES)
		return "-";
	if (a->pmd >= TOP_HUGE_SHARE * a->eligible)
		return "huge";
	for (k = 0; k < THP_R_COUNT; k++) {
		if (a->by_reason[k] > best) {
			best = a->by_reason[k];
			which = k;
		}
	}
	return which >= 0 && best >= TOP_VERDICT_MIN_PAGES ?
	       thp_reason_names[which] : "-";
}
