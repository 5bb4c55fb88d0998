/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What do a process's page tables look like?  Built from one region-mode
 * PAGES walk: every record says at which level its entry (or the empty
 * entry that ended the walk) sits, so each record proves that the tables
 * above that level exist.  PUD tables (512 GiB each) and PMD tables (1 GiB
 * each) are kept in order, and the PTE tables (2 MiB each) of each PMD
 * table.  ptscope tree shows it (cmd/cmd_tree.c).
 */
#ifndef PTSCOPE_PAGETABLE_TREE_H
#define PTSCOPE_PAGETABLE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libptscope.h"

#define PAGE		4096ULL
#define PMD_SPAN	(2ULL << 20)
#define PUD_SPAN	(1ULL << 30)
#define P4D_SPAN	(512ULL << 30)
#define ENTRIES		512

struct pte_table {
	uint64_t base;
	uint64_t used, present, swapped;
};

struct pmd_table {
	uint64_t base;
	uint64_t used;			/* entries: PTE tables + huge entries */
	uint64_t huge;			/* present PMD leaves */
	uint64_t huge_other;		/* swap/migration PMD entries */
	uint64_t deposited;		/* PTE tables kept under anon PMD leaves */
	uint64_t last_entry;		/* base of the last entry counted */
	bool any_entry;
	struct pte_table *pte;
	size_t nr_pte, cap_pte;
	uint64_t pte_used, pte_present, pte_swapped;
};

struct pud_table {
	uint64_t base;
	uint64_t used;			/* entries: PMD tables + huge entries */
	uint64_t huge;
	uint64_t last_entry;
	bool any_entry;
	size_t first_pmd, nr_pmd;	/* its PMD tables in tree.pmd[] */
};

struct pt_tree {
	struct pud_table *pud;
	size_t nr_pud, cap_pud;
	struct pmd_table *pmd;
	size_t nr_pmd, cap_pmd;
	/*
	 * PMD migration entries: whether one keeps a deposited table depends
	 * on its mapping, asked of the module once the walk is done.
	 */
	struct migrating {
		struct ptscope_page_region r;
		size_t pmd;		/* its table: an index of pmd[] */
	} *migrating;
	size_t nr_migrating, cap_migrating;
};

struct pt_tree_totals {
	uint64_t pud, pmd, pte, deposited;
	uint64_t pud_used, pmd_used, pte_used;
	uint64_t pud_huge, pmd_huge, pte_present;
};

/* The tables of process @pid; 0 or a negative errno.  pt_tree_free() it. */
int pt_tree_build(struct ptscope *ps, uint64_t pid, struct pt_tree *t);
void pt_tree_sum(const struct pt_tree *t, struct pt_tree_totals *s);
void pt_tree_free(struct pt_tree *t);

#endif /* PTSCOPE_PAGETABLE_TREE_H */
