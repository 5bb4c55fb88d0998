// SPDX-License-Identifier: GPL-2.0
/* The shape of a process's page tables (pagetable_tree.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pagetable_tree.h"

/* Room for one more element in *@arr; -ENOMEM leaves it as it was. */
static int grow(void *arr, size_t *cap, size_t nr, size_t size)
{
	size_t bigger = *cap ? *cap * 2 : 16;
	void *p;

	if (nr < *cap)
		return 0;
	p = realloc(*(void **)arr, bigger * size);
	if (!p)
		return -ENOMEM;
	*(void **)arr = p;
	*cap = bigger;
	return 0;
}

static struct pud_table *pud_of(struct pt_tree *t, uint64_t addr)
{
	uint64_t base = addr & ~(P4D_SPAN - 1);
	struct pud_table *p;

	if (t->nr_pud && t->pud[t->nr_pud - 1].base == base)
		return &t->pud[t->nr_pud - 1];
	if (grow(&t->pud, &t->cap_pud, t->nr_pud, sizeof(*t->pud)))
		return NULL;
	p = &t->pud[t->nr_pud++];
	memset(p, 0, sizeof(*p));
	p->base = base;
	p->first_pmd = t->nr_pmd;
	return p;
}

/* An entry of @p at @addr (spanning PUD_SPAN) is in use: count it once. */
static void pud_entry(struct pud_table *p, uint64_t addr, bool huge)
{
	uint64_t base = addr & ~(PUD_SPAN - 1);

	if (p->any_entry && p->last_entry == base)
		return;
	p->any_entry = true;
	p->last_entry = base;
	p->used++;
	p->huge += huge;
}

static struct pmd_table *pmd_of(struct pt_tree *t, uint64_t addr)
{
	uint64_t base = addr & ~(PUD_SPAN - 1);
	struct pud_table *pud = pud_of(t, addr);
	struct pmd_table *p;

	if (!pud)
		return NULL;
	if (pud->nr_pmd && t->pmd[t->nr_pmd - 1].base == base)
		return &t->pmd[t->nr_pmd - 1];
	if (grow(&t->pmd, &t->cap_pmd, t->nr_pmd, sizeof(*t->pmd)))
		return NULL;
	p = &t->pmd[t->nr_pmd++];
	memset(p, 0, sizeof(*p));
	p->base = base;
	pud->nr_pmd++;
	pud_entry(pud, addr, false);
	return p;
}

static bool pmd_entry(struct pmd_table *p, uint64_t addr)
{
	uint64_t base = addr & ~(PMD_SPAN - 1);

	if (p->any_entry && p->last_entry == base)
		return false;
	p->any_entry = true;
	p->last_entry = base;
	p->used++;
	return true;
}

/* [start, end) of @r lies inside one PTE table, or one huge entry. */
static int tree_piece(struct pt_tree *t, const struct ptscope_page_region *r,
		      uint64_t start, uint64_t end)
{
	uint64_t pages = (end - start) / PAGE;
	bool used = r->entry != PTSCOPE_ENTRY_NONE;
	bool present = r->entry == PTSCOPE_ENTRY_PRESENT;
	struct pmd_table *pmd;
	struct pud_table *pud;
	struct pte_table *pte;

	switch (r->level) {
	case PTSCOPE_LEVEL_PUD:
		pud = pud_of(t, start);
		if (!pud)
			return -ENOMEM;
		if (used)
			pud_entry(pud, start, present);
		return 0;
	case PTSCOPE_LEVEL_PMD:
		pmd = pmd_of(t, start);
		if (!pmd)
			return -ENOMEM;
		if (used && pmd_entry(pmd, start)) {
			pmd->huge += present;
			pmd->huge_other += !present;
			/* As the module's MAPS count: see docs/tree.md. */
			if (r->entry == PTSCOPE_ENTRY_MIGRATION &&
			    !(r->flags & PTSCOPE_PF_HUGETLB)) {
				if (grow(&t->migrating, &t->cap_migrating,
					 t->nr_migrating, sizeof(*t->migrating)))
					return -ENOMEM;
				t->migrating[t->nr_migrating].r = *r;
				t->migrating[t->nr_migrating].r.start = start;
				t->migrating[t->nr_migrating++].pmd = pmd - t->pmd;
			} else if (ptscope_leaf_deposits(r, 0)) {
				pmd->deposited++;
			}
		}
		return 0;
	case PTSCOPE_LEVEL_PTE:
		pmd = pmd_of(t, start);
		if (!pmd)
			return -ENOMEM;
		if (pmd_entry(pmd, start)) {
			if (grow(&pmd->pte, &pmd->cap_pte, pmd->nr_pte,
				 sizeof(*pmd->pte)))
				return -ENOMEM;
			pte = &pmd->pte[pmd->nr_pte++];
			memset(pte, 0, sizeof(*pte));
			pte->base = start & ~(PMD_SPAN - 1);
		}
		pte = &pmd->pte[pmd->nr_pte - 1];
		if (used) {
			pte->used += pages;
			pmd->pte_used += pages;
		}
		if (present) {
			pte->present += pages;
			pmd->pte_present += pages;
		}
		if (r->entry == PTSCOPE_ENTRY_SWAP) {
			pte->swapped += pages;
			pmd->pte_swapped += pages;
		}
		return 0;
	}
	return 0;	/* no PGD/P4D entry: no table below */
}

static int tree_record(const struct ptscope_page_region *r, void *arg)
{
	/* PTE runs: one piece per PTE table; huge levels: one per entry. */
	uint64_t span = r->level == PTSCOPE_LEVEL_PMD ? PMD_SPAN :
			r->level == PTSCOPE_LEVEL_PUD ? PUD_SPAN : PMD_SPAN;
	uint64_t s, e;
	int ret;

	/* A run may cross tables or cover many huge entries: split it. */
	for (s = r->start; s < r->end; s = e) {
		e = (s | (span - 1)) + 1;
		if (e > r->end)
			e = r->end;
		ret = tree_piece(arg, r, s, e);
		if (ret)
			return ret;
	}
	return 0;
}

void pt_tree_sum(const struct pt_tree *t, struct pt_tree_totals *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->pud = t->nr_pud;
	s->pmd = t->nr_pmd;
	for (i = 0; i < t->nr_pud; i++) {
		s->pud_used += t->pud[i].used;
		s->pud_huge += t->pud[i].huge;
	}
	for (i = 0; i < t->nr_pmd; i++) {
		s->pte += t->pmd[i].nr_pte;
		s->deposited += t->pmd[i].deposited;
		s->pmd_used += t->pmd[i].used;
		s->pmd_huge += t->pmd[i].huge;
		s->pte_used += t->pmd[i].pte_used;
		s->pte_present += t->pmd[i].pte_present;
	}
}

static int vma_flags_of(const struct ptscope_vma *v, void *flags)
{
	*(uint64_t *)flags = v->flags;
	return 0;
}

/* The deposits of PMD migration entries: by their mapping's flags. */
static int tree_migrating(struct ptscope *ps, uint64_t pid, struct pt_tree *t)
{
	const struct ptscope_page_region *r;
	uint64_t flags;
	size_t i;
	int ret;

	for (i = 0; i < t->nr_migrating; i++) {
		r = &t->migrating[i].r;
		flags = 0;	/* unmapped since: none */
		ret = ptscope_maps(ps, pid, r->start, r->start + PAGE,
				   vma_flags_of, &flags, NULL);
		if (ret)
			return ret;
		if (ptscope_leaf_deposits(r, flags))
			t->pmd[t->migrating[i].pmd].deposited++;
	}
	return 0;
}

void pt_tree_free(struct pt_tree *t)
{
	size_t i;

	for (i = 0; i < t->nr_pmd; i++)
		free(t->pmd[i].pte);
	free(t->pmd);
	free(t->pud);
	free(t->migrating);
}

int pt_tree_build(struct ptscope *ps, uint64_t pid, struct pt_tree *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = ptscope_pages(ps, pid, 0, PTSCOPE_USER_TOP, PTSCOPE_PAGES_REGIONS,
			    tree_record, t);
	if (!ret)
		ret = tree_migrating(ps, pid, t);
	if (ret)
		pt_tree_free(t);
	return ret;
}
