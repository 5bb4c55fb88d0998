/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TLB geometry a CPU reports through CPUID, decoded from leaf values
 * (a pure decoder: the leaves come from the CPUID instruction or from a
 * recorded dump), and the TLB reach of a mix of page sizes.
 */
#ifndef PTSCOPE_CPUID_TLB_H
#define PTSCOPE_CPUID_TLB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum tlb_level {
	TLB_L1I,	/* first-level instruction TLB */
	TLB_L1D,	/* first-level data TLB */
	TLB_L2,		/* second level: Intel's STLB (unified), AMD's L2 data TLB */
	TLB_L2I,	/* AMD's L2 instruction TLB */
	TLB_NR_LEVELS
};

enum tlb_psize {
	TLB_4K,
	TLB_2M,		/* 2 MiB / 4 MiB pages */
	TLB_1G,
	TLB_NR_PSIZES
};

/* One array: @entries translations, @ways ways (0: fully associative). */
struct tlb_array {
	uint32_t entries;
	uint32_t ways;
};

/* Which leaves the answer came from (struct cpuid_tlb.sources). */
#define TLB_SRC_LEAF2		(1u << 0)	/* Intel leaf 2 descriptors */
#define TLB_SRC_LEAF18		(1u << 1)	/* Intel leaf 0x18 */
#define TLB_SRC_AMD5		(1u << 2)	/* AMD 0x80000005 */
#define TLB_SRC_AMD6		(1u << 3)	/* AMD 0x80000006 */
#define TLB_SRC_AMD19		(1u << 4)	/* AMD 0x80000019 (1 GiB) */

struct cpuid_tlb {
	char vendor[13];
	struct tlb_array a[TLB_NR_LEVELS][TLB_NR_PSIZES];
	/* Page sizes of a level held in one array, bit per enum tlb_psize. */
	uint32_t shared[TLB_NR_LEVELS];
	bool pcid;		/* CPUID.1:ECX[17] */
	bool invpcid;		/* CPUID.(7,0):EBX[10] */
	bool invlpgb;		/* CPUID.80000008:EBX[3] (AMD) */
	uint32_t invlpgb_max;	/* CPUID.80000008:EDX[15:0]: pages per INVLPGB - 1 */
	uint32_t sources;	/* TLB_SRC_* */
};

/* Answer CPUID (@leaf, @subleaf) into regs[] = eax, ebx, ecx, edx. */
typedef void (*cpuid_fn)(void *ctx, uint32_t leaf, uint32_t subleaf,
			 uint32_t regs[4]);

/* Decode the TLB geometry from @fn's answers. */
void cpuid_tlb_decode(cpuid_fn fn, void *ctx, struct cpuid_tlb *t);

/*
 * A recorded dump: lines as `cpuid -r` prints them,
 *   0x00000002 0x00: eax=0x76036301 ebx=0x00f0b5ff ecx=0x00000000 edx=0x00c30000
 * other lines ignored.  Leaves not in the dump answer zeros.
 */
#define CPUID_DUMP_MAX 256
struct cpuid_dump {
	unsigned int nr;
	struct { uint32_t leaf, subleaf, regs[4]; } e[CPUID_DUMP_MAX];
};
int cpuid_dump_read(FILE *f, struct cpuid_dump *d);
void cpuid_dump_fn(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

const char *tlb_level_name(enum tlb_level l);
const char *tlb_psize_name(enum tlb_psize p);

/* A process's translations by page size (counts of pages of that size). */
struct tlb_mix {
	uint64_t n4k;
	uint64_t n2m;
	uint64_t n1g;
};

/* What one TLB level covers of a mix, in bytes, and what it would. */
struct tlb_reach_level {
	uint64_t covered;	/* with the mix as it is */
	uint64_t covered_4k;	/* if every page were 4 KiB */
	uint64_t covered_2m;	/* if every page were 2 MiB */
	uint64_t capacity;	/* entries of the level, all page sizes */
};

struct tlb_reach {
	uint64_t resident;		/* bytes */
	uint64_t entries_needed;	/* translations of the mix */
	uint64_t entries_needed_4k;	/* if all were 4 KiB */
	uint64_t entries_needed_2m;	/* if all were 2 MiB */
	struct tlb_reach_level level[TLB_NR_LEVELS];
};

void tlb_reach_compute(const struct cpuid_tlb *t, const struct tlb_mix *m,
		       struct tlb_reach *r);

#endif /* PTSCOPE_CPUID_TLB_H */
