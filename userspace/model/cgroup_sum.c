// SPDX-License-Identifier: GPL-2.0
/* A cgroup subtree's processes and their sums: see cgroup_sum.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_path.h"
#include "cgroup_sum.h"
#include "frame_set.h"

#define PAGE 4096ULL

/* A mapping with no file or shmem page: its THPs and nodes are anonymous. */
static bool anon_class(const struct ptscope_page_counts *c)
{
	return !c->file && !c->shmem;
}

void cg_counts_add_vma(struct cg_counts *n, const struct ptscope_vma *v)
{
	const struct ptscope_page_counts *c = &v->pages;
	bool anon = anon_class(c);
	int i;

	n->c[CG_RESIDENT] += c->anon + c->file + c->shmem + c->ksm;
	n->c[CG_ANON] += c->anon;
	n->c[CG_FILE] += c->file;
	n->c[CG_SHMEM] += c->shmem;
	n->c[CG_KSM] += c->ksm;
	n->c[anon ? CG_THP_ANON : CG_THP_FILE] += c->thp_pmd;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		n->c[CG_MTHP] += c->large_pte[i];
	n->c[CG_HUGETLB] += c->hugetlb_pmd + c->hugetlb_pud;
	n->c[CG_SWAP] += c->swapped;
	n->c[CG_SHARED] += c->shared;
	n->c[CG_COW] += c->cow_shared;
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		n->node[i] += c->node[i];
		if (anon)
			n->anon_node[i] += c->node[i];
	}
}

/* @n += @d pages of region @r, by the rules of the module's counts. */
static void count_region(struct cg_counts *n, const struct ptscope_page_region *r,
			 uint64_t d, bool anon)
{
	if (r->entry == PTSCOPE_ENTRY_SWAP) {
		n->c[CG_SWAP] += d;
		return;
	}
	if (r->entry != PTSCOPE_ENTRY_PRESENT)
		return;
	if (r->node >= 0 && r->node < PTSCOPE_MAX_NODES) {
		n->node[r->node] += d;
		if (anon)
			n->anon_node[r->node] += d;
	}
	switch (r->kind) {
	case PTSCOPE_KIND_ANON:
		n->c[CG_ANON] += d;
		break;
	case PTSCOPE_KIND_FILE:
		n->c[CG_FILE] += d;
		break;
	case PTSCOPE_KIND_SHMEM:
		n->c[CG_SHMEM] += d;
		break;
	case PTSCOPE_KIND_KSM:
		n->c[CG_KSM] += d;
		break;
	default:
		return;	/* the zero page, PFN maps: not frames of its own */
	}
	n->c[CG_RESIDENT] += d;
	if (r->mapcount >= 2) {
		n->c[CG_SHARED] += d;
		if (r->kind == PTSCOPE_KIND_ANON)
			n->c[CG_COW] += d;
	}
	if (r->flags & PTSCOPE_PF_HUGETLB)
		n->c[CG_HUGETLB] += d;
	else if (r->level == PTSCOPE_LEVEL_PMD)
		n->c[anon ? CG_THP_ANON : CG_THP_FILE] += d;
	else if (r->folio_order)
		n->c[CG_MTHP] += d;
}

/* @to += @sign * @from, count by count. */
static void counts_add(struct cg_counts *to, const struct cg_counts *from, int sign)
{
	int k;

	for (k = 0; k < CG_COUNT; k++)
		to->c[k] += sign > 0 ? from->c[k] : -from->c[k];
	for (k = 0; k < PTSCOPE_MAX_NODES; k++) {
		to->node[k] += sign > 0 ? from->node[k] : -from->node[k];
		to->anon_node[k] += sign > 0 ? from->anon_node[k] : -from->anon_node[k];
	}
}

/* A mapping whose pages may be another's too, kept for the second pass. */
struct shared_vma {
	uint64_t start, end;
	struct ptscope_vma rec;
};

struct proc_walk {
	struct cg_proc *p;
	struct shared_vma *v;
	size_t nr, cap;
};

static int add_vma(const struct ptscope_vma *v, void *arg)
{
	struct proc_walk *w = arg;
	struct shared_vma *more;

	cg_counts_add_vma(&w->p->n, v);
	w->p->vmas++;
	if (!v->pages.shared && !v->pages.swapped)
		return 0;
	if (w->nr == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		more = realloc(w->v, w->cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		w->v = more;
	}
	w->v[w->nr].start = v->start;
	w->v[w->nr].end = v->end;
	w->v[w->nr++].rec = *v;
	return 0;
}

/* The second pass's state: the frames and swap slots seen so far. */
struct dedup {
	struct cg_sum *s;
	struct frame_set frames, slots;
	bool anon;		/* the mapping being walked is of anon_class() */
	bool hidden;		/* frames are not shown to this caller */
	uint64_t walked;
	/* The mapping being walked: all its pages, and those not seen before. */
	struct cg_counts all, unseen;
};

/* A present page of its own with no frame shown: the caller may not see frames. */
static bool frame_hidden(const struct ptscope_page_region *r)
{
	if (r->flags & PTSCOPE_PF_PFN_HIDDEN)
		return true;
	return r->entry == PTSCOPE_ENTRY_PRESENT && !r->pfn &&
	       (r->kind == PTSCOPE_KIND_ANON || r->kind == PTSCOPE_KIND_FILE ||
		r->kind == PTSCOPE_KIND_SHMEM || r->kind == PTSCOPE_KIND_KSM);
}

static int dedup_region(const struct ptscope_page_region *r, void *arg)
{
	struct dedup *d = arg;
	uint64_t nr = (r->end - r->start) / PAGE;
	int64_t seen = 0;

	d->walked += nr;
	if (frame_hidden(r)) {
		d->hidden = true;
		return -EPERM;
	}
	if (r->entry == PTSCOPE_ENTRY_SWAP)
		seen = frame_set_add(&d->slots, (uint64_t)r->swap_type << 58 |
				     r->swap_offset, nr);
	else if (r->entry == PTSCOPE_ENTRY_PRESENT && r->pfn &&
		 r->kind != PTSCOPE_KIND_ZERO && r->kind != PTSCOPE_KIND_HUGE_ZERO &&
		 r->kind != PTSCOPE_KIND_PFNMAP)
		seen = frame_set_add(&d->frames, r->pfn, nr);
	if (seen < 0)
		return (int)seen;
	count_region(&d->all, r, nr, d->anon);
	count_region(&d->unseen, r, nr - seen, d->anon);
	return 0;
}

/*
 * Walk process @p's mappings that may share pages (@v), page by page: in
 * the total, each mapping's summary is replaced by its pages not seen
 * before; in the process's counts (@n, already in the sum) and the sum, by
 * all its pages as this walk found them, so that a process that changed
 * between its two walks is counted by the later one everywhere, and the
 * total is never more than the sum.
 */
static int dedup_proc(struct ptscope *ps, struct dedup *d, uint64_t pid,
		      struct cg_counts *n, const struct shared_vma *v, size_t nr)
{
	struct cg_counts summary;
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		memset(&summary, 0, sizeof(summary));
		memset(&d->all, 0, sizeof(d->all));
		memset(&d->unseen, 0, sizeof(d->unseen));
		cg_counts_add_vma(&summary, &v[i].rec);
		d->anon = anon_class(&v[i].rec.pages);
		ret = ptscope_pages(ps, pid, v[i].start, v[i].end,
				    PTSCOPE_PAGES_REGIONS | PTSCOPE_PAGES_PFN,
				    dedup_region, d);
		if (ret)
			return ret;
		counts_add(&d->s->once, &summary, -1);
		counts_add(&d->s->once, &d->unseen, 1);
		counts_add(&d->s->sum, &summary, -1);
		counts_add(&d->s->sum, &d->all, 1);
		counts_add(n, &summary, -1);
		counts_add(n, &d->all, 1);
	}
	return 0;
}

static int add_proc(struct cg_sum *s, const struct cg_proc *p)
{
	struct cg_proc *more;

	more = realloc(s->procs, (s->nr + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	s->procs = more;
	s->procs[s->nr++] = *p;
	counts_add(&s->sum, &p->n, 1);
	s->pagetables_bytes += p->st.pgtables_bytes;
	s->min_flt += p->st.min_flt;
	s->maj_flt += p->st.maj_flt;
	return 0;
}

/* Read one process of the subtree: 1 if it is not one, 0 or -errno. */
static int read_proc(struct ptscope *ps, uint64_t pid, const char *subtree,
		     struct cg_proc *p, struct proc_walk *w)
{
	char *text = NULL, *line;
	size_t len;
	int ret;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	ret = cgroup_of_pid(ps, pid, p->cgroup, sizeof(p->cgroup));
	if (ret)
		return ret;
	if (!cgroup_within(p->cgroup, subtree))
		return 1;
	ret = ptscope_stats(ps, pid, &p->st, NULL, NULL);
	if (ret == -EINVAL)
		return 2;	/* a kernel thread: no memory of its own */
	if (ret)
		return ret;
	if (ptscope_proc_comm(ps, pid, p->comm, sizeof(p->comm)) || !p->comm[0])
		snprintf(p->comm, sizeof(p->comm), "?");
	p->uid = (uint32_t)-1;
	if (!ptscope_proc_read(ps, pid, "status", &text, &len)) {
		line = strstr(text, "\nUid:");
		if (line)
			p->uid = strtoul(line + 5, NULL, 10);
	}
	free(text);
	w->p = p;
	w->nr = 0;
	return ptscope_maps(ps, pid, 0, ptscope_user_top(), add_vma, w, NULL);
}

int cgroup_sum(struct ptscope *ps, const char *subtree, struct cg_sum *s)
{
	struct dedup d = { .s = s };
	struct proc_walk w = { 0 };
	struct cg_proc p;
	uint64_t *pids = NULL;
	size_t nr_pids, i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ptscope_proc_pids(ps, &pids, &nr_pids);
	if (ret)
		return ret;
	s->by_frame = true;
	for (i = 0; i < nr_pids; i++) {
		ret = read_proc(ps, pids[i], subtree, &p, &w);
		if (ret == 1)
			continue;
		if (ret == 2) {
			s->kernel_threads++;
			continue;
		}
		if (ret == -EPERM || ret == -EACCES) {
			s->hidden++;
			continue;
		}
		if (ret == -ESRCH || ret == -ENOENT) {
			s->vanished++;
			continue;
		}
		if (ret)
			goto out;
		ret = add_proc(s, &p);
		if (ret)
			goto out;
		/* The page-by-page total, for as long as frames are shown. */
		if (s->by_frame) {
			counts_add(&s->once, &p.n, 1);
			ret = dedup_proc(ps, &d, p.pid, &s->procs[s->nr - 1].n, w.v, w.nr);
			if (d.hidden) {
				s->by_frame = false;
				s->frames_hidden = true;
			} else if (ret == -ESRCH || ret == -ENOENT ||
				   ret == -EPERM || ret == -EACCES) {
				/* gone or changed between its two walks */
				s->by_frame = false;
			} else if (ret) {
				goto out;
			}
		}
	}
	ret = 0;
	if (!s->by_frame)
		memset(&s->once, 0, sizeof(s->once));
	s->dedup_walked = d.walked;
out:
	if (ret)
		cgroup_sum_free(s);
	free(pids);
	free(w.v);
	frame_set_free(&d.frames);
	frame_set_free(&d.slots);
	return ret;
}

void cgroup_sum_free(struct cg_sum *s)
{
	free(s->procs);
	s->procs = NULL;
	s->nr = 0;
}
