// SPDX-License-Identifier: GPL-2.0
/*
 * Decode a CPU's TLB geometry from CPUID leaf values.
 *
 * Sources (the tables below follow them field by field):
 *  - Intel SDM vol. 2A, CPUID, table 3-12 "Encoding of CPUID Leaf 2
 *    Descriptors" (the TLB descriptors) and the leaf 18H "Deterministic
 *    Address Translation Parameters" description;
 *  - AMD64 APM vol. 3, appendix E: CPUID Fn8000_0005 (L1 TLB), Fn8000_0006
 *    (L2 TLB, with its associativity encoding), Fn8000_0019 (1 GiB TLB),
 *    Fn8000_0008 EBX[3] INVLPGB and EDX[15:0] its page count;
 *  - PCID: CPUID.01H:ECX[17]; INVPCID: CPUID.(EAX=07H,ECX=0):EBX[10].
 *
 * Nothing here runs CPUID: the decoder takes any cpuid_fn, fed by a dump
 * of the leaves (libptscope's ptscope_cpuid_leaves() for this CPU, or a
 * recording, or the host tests' dumps).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid_tlb.h"

#define FULL 0	/* fully associative */

/* One leaf-2 descriptor: up to two arrays it describes. */
struct l2_desc {
	uint8_t code;
	uint8_t level;		/* enum tlb_level */
	uint8_t psizes;		/* bits of enum tlb_psize sharing the array */
	uint16_t entries;
	uint8_t ways;
	/* A second array (0x63, 0xC3: a separate 1 GiB array). */
	uint8_t level2, psizes2, ways2;
	uint16_t entries2;
};

#define P4K	(1u << TLB_4K)
#define P2M	(1u << TLB_2M)
#define P1G	(1u << TLB_1G)

/*
 * The TLB descriptors of SDM vol. 2A table 3-12.  "4 MByte" only arrays count
 * as 2M/4M; "entries" for a 4M array are its 4M entries.  Descriptors whose
 * associativity the table leaves open are taken as fully associative.
 */
#define D(c, l, p, e, w)	{ c, l, p, e, w, 0, 0, 0, 0 }
#define D2(c, l, p, e, w, l2, p2, w2, e2) { c, l, p, e, w, l2, p2, w2, e2 }

static const struct l2_desc l2_descs[] = {
	D(0x01, TLB_L1I, P4K, 32, 4),
	D(0x02, TLB_L1I, P2M, 2, FULL),
	D(0x03, TLB_L1D, P4K, 64, 4),
	D(0x04, TLB_L1D, P2M, 8, 4),
	D(0x05, TLB_L1D, P2M, 32, 4),
	D(0x0b, TLB_L1I, P2M, 4, 4),
	D(0x4f, TLB_L1I, P4K, 32, FULL),
	D(0x50, TLB_L1I, P4K | P2M, 64, FULL),
	D(0x51, TLB_L1I, P4K | P2M, 128, FULL),
	D(0x52, TLB_L1I, P4K | P2M, 256, FULL),
	D(0x55, TLB_L1I, P2M, 7, FULL),
	D(0x56, TLB_L1D, P2M, 16, 4),
	D(0x57, TLB_L1D, P4K, 16, 4),
	D(0x59, TLB_L1D, P4K, 16, FULL),
	D(0x5a, TLB_L1D, P2M, 32, 4),
	D(0x5b, TLB_L1D, P4K | P2M, 64, FULL),
	D(0x5c, TLB_L1D, P4K | P2M, 128, FULL),
	D(0x5d, TLB_L1D, P4K | P2M, 256, FULL),
	D(0x61, TLB_L1I, P4K, 48, FULL),
	D2(0x63, TLB_L1D, P2M, 32, 4, TLB_L1D, P1G, 4, 4),
	D(0x64, TLB_L1D, P4K, 512, 4),
	D(0x6a, TLB_L1D, P4K, 64, 8),		/* uTLB */
	D(0x6b, TLB_L1D, P4K, 256, 8),
	D(0x6c, TLB_L1D, P2M, 128, 8),
	D(0x6d, TLB_L1D, P1G, 16, FULL),
	D(0x76, TLB_L1I, P2M, 8, FULL),
	D(0xa0, TLB_L1D, P4K, 32, FULL),
	D(0xb0, TLB_L1I, P4K, 128, 4),
	D(0xb1, TLB_L1I, P2M, 8, 4),
	D(0xb2, TLB_L1I, P4K, 64, 4),
	D(0xb3, TLB_L1D, P4K, 128, 4),
	D(0xb4, TLB_L1D, P4K, 256, 4),
	D(0xb5, TLB_L1I, P4K, 64, 8),
	D(0xb6, TLB_L1I, P4K, 128, 8),
	D(0xba, TLB_L1D, P4K, 64, 4),
	D(0xc0, TLB_L1D, P4K | P2M, 8, 4),
	D(0xc1, TLB_L2, P4K | P2M, 1024, 8),
	D(0xc2, TLB_L1D, P4K | P2M, 16, 4),
	D2(0xc3, TLB_L2, P4K | P2M, 1536, 6, TLB_L2, P1G, 4, 16),
	D(0xc4, TLB_L1D, P2M, 32, 4),
	D(0xca, TLB_L2, P4K, 512, 4),
};

static const char *const level_names[TLB_NR_LEVELS] = {
	[TLB_L1I] = "l1_itlb", [TLB_L1D] = "l1_dtlb",
	[TLB_L2] = "l2_tlb", [TLB_L2I] = "l2_itlb",
};

static const char *const psize_names[TLB_NR_PSIZES] = {
	[TLB_4K] = "4k", [TLB_2M] = "2m", [TLB_1G] = "1g",
};

const char *tlb_level_name(enum tlb_level l)
{
	return l < TLB_NR_LEVELS ? level_names[l] : "?";
}

const char *tlb_psize_name(enum tlb_psize p)
{
	return p < TLB_NR_PSIZES ? psize_names[p] : "?";
}

/*
 * Record an array for the page sizes @psizes of @level.  A level may be
 * reported more than once (leaf 0x18's load and store TLBs): keep the
 * largest.
 */
static void set_array(struct cpuid_tlb *t, unsigned int level,
		      unsigned int psizes, uint32_t entries, uint32_t ways)
{
	unsigned int p;

	if (!entries || level >= TLB_NR_LEVELS)
		return;
	for (p = 0; p < TLB_NR_PSIZES; p++) {
		if (!(psizes & (1u << p)) || t->a[level][p].entries >= entries)
			continue;
		t->a[level][p].entries = entries;
		t->a[level][p].ways = ways;
	}
	if (__builtin_popcount(psizes) > 1)
		t->shared[level] |= psizes;
}

static void decode_leaf2(cpuid_fn fn, void *ctx, struct cpuid_tlb *t)
{
	uint32_t r[4];
	unsigned int i, b;
	size_t k;

	fn(ctx, 2, 0, r);
	/* AL is the number of times to call; it is 1 on every CPU since P6. */
	r[0] &= ~0xffu;
	for (i = 0; i < 4; i++) {
		if (r[i] & 0x80000000u)
			continue;	/* bit 31: no valid descriptors in it */
		for (b = 0; b < 4; b++) {
			uint8_t code = r[i] >> (8 * b);

			/*
			 * Cache descriptors, 0xff (caches in leaf 4) and 0xfe
			 * (TLBs in leaf 0x18) are in no TLB entry: skipped.
			 */
			for (k = 0; k < sizeof(l2_descs) / sizeof(l2_descs[0]); k++) {
				const struct l2_desc *d = &l2_descs[k];

				if (d->code != code)
					continue;
				set_array(t, d->level, d->psizes, d->entries, d->ways);
				if (d->entries2)
					set_array(t, d->level2, d->psizes2,
						  d->entries2, d->ways2);
				t->sources |= TLB_SRC_LEAF2;
			}
		}
	}
}

/* Leaf 0x18: one subleaf per translation cache. */
static void decode_leaf18(cpuid_fn fn, void *ctx, struct cpuid_tlb *t)
{
	uint32_t r[4], max, sub;

	fn(ctx, 0x18, 0, r);
	max = r[0];
	for (sub = 0; sub <= max && sub < 64; sub++) {
		unsigned int type, level, psizes = 0, tl;
		uint32_t ways, sets;

		fn(ctx, 0x18, sub, r);
		type = r[3] & 0x1f;		/* EDX[4:0] */
		if (!type)
			continue;		/* null: this subleaf is invalid */
		level = (r[3] >> 5) & 0x7;	/* EDX[7:5], from 1 */
		ways = r[1] >> 16;		/* EBX[31:16] */
		sets = r[2];			/* ECX */
		if (r[1] & 1)
			psizes |= P4K;
		if (r[1] & 6)			/* 2 MiB or 4 MiB */
			psizes |= P2M;
		if (r[1] & 8)
			psizes |= P1G;
		if (level == 1)
			tl = type == 2 ? TLB_L1I : TLB_L1D;	/* 1 data, 3 unified, 4 load, 5 store */
		else if (level == 2)
			tl = type == 2 ? TLB_L2I : TLB_L2;
		else
			continue;
		set_array(t, tl, psizes, ways * sets,
			  (r[3] & (1u << 8)) ? FULL : ways);	/* EDX[8]: fully associative */
		t->sources |= TLB_SRC_LEAF18;
	}
}

/* AMD L1 associativity: 0xff full, else the number of ways. */
static uint32_t amd_l1_ways(uint32_t v)
{
	return v == 0xff ? FULL : v;
}

/* AMD L2/L3 associativity encoding, APM vol. 3 Fn8000_0006. */
static uint32_t amd_l2_ways(uint32_t v)
{
	static const uint32_t ways[16] = {
		[1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 6, [6] = 8, [8] = 16,
		[0xa] = 32, [0xb] = 48, [0xc] = 64, [0xd] = 96, [0xe] = 128,
		[0xf] = FULL,
	};

	return ways[v & 0xf];
}

/* An AMD register of four fields [31:28|24] [27:16|23:16] [15:12|8] [11:0|7:0]. */
static void amd_l1(struct cpuid_tlb *t, uint32_t v, unsigned int p)
{
	set_array(t, TLB_L1D, 1u << p, (v >> 16) & 0xff, amd_l1_ways(v >> 24));
	set_array(t, TLB_L1I, 1u << p, v & 0xff, amd_l1_ways((v >> 8) & 0xff));
}

static void amd_l2(struct cpuid_tlb *t, uint32_t v, unsigned int p,
		   unsigned int dlevel, unsigned int ilevel)
{
	/* Associativity 0: the array is disabled. */
	if ((v >> 28) & 0xf)
		set_array(t, dlevel, 1u << p, (v >> 16) & 0xfff,
			  amd_l2_ways(v >> 28));
	if ((v >> 12) & 0xf)
		set_array(t, ilevel, 1u << p, v & 0xfff,
			  amd_l2_ways((v >> 12) & 0xf));
}

static void decode_amd(cpuid_fn fn, void *ctx, uint32_t max_ext,
		       struct cpuid_tlb *t)
{
	uint32_t r[4];

	if (max_ext >= 0x80000005) {
		fn(ctx, 0x80000005, 0, r);
		amd_l1(t, r[0], TLB_2M);	/* EAX: 2 MiB/4 MiB */
		amd_l1(t, r[1], TLB_4K);	/* EBX: 4 KiB */
		if (r[0] | r[1])
			t->sources |= TLB_SRC_AMD5;
	}
	if (max_ext >= 0x80000006) {
		fn(ctx, 0x80000006, 0, r);
		amd_l2(t, r[0], TLB_2M, TLB_L2, TLB_L2I);
		amd_l2(t, r[1], TLB_4K, TLB_L2, TLB_L2I);
		if (r[0] | r[1])
			t->sources |= TLB_SRC_AMD6;
	}
	if (max_ext >= 0x80000019) {
		fn(ctx, 0x80000019, 0, r);
		amd_l2(t, r[0], TLB_1G, TLB_L1D, TLB_L1I);
		amd_l2(t, r[1], TLB_1G, TLB_L2, TLB_L2I);
		if (r[0] | r[1])
			t->sources |= TLB_SRC_AMD19;
	}
}

void cpuid_tlb_decode(cpuid_fn fn, void *ctx, struct cpuid_tlb *t)
{
	uint32_t r[4], max, max_ext;
	bool intel;

	memset(t, 0, sizeof(*t));
	fn(ctx, 0, 0, r);
	max = r[0];
	memcpy(t->vendor, &r[1], 4);
	memcpy(t->vendor + 4, &r[3], 4);
	memcpy(t->vendor + 8, &r[2], 4);
	t->vendor[12] = 0;
	intel = !strcmp(t->vendor, "GenuineIntel");
	fn(ctx, 0x80000000, 0, r);
	max_ext = (r[0] & 0xffff0000u) == 0x80000000u ? r[0] : 0;

	if (max >= 1) {
		fn(ctx, 1, 0, r);
		t->pcid = r[2] & (1u << 17);
	}
	if (max >= 7) {
		fn(ctx, 7, 0, r);
		t->invpcid = r[1] & (1u << 10);
	}
	if (max_ext >= 0x80000008) {
		fn(ctx, 0x80000008, 0, r);
		t->invlpgb = r[1] & (1u << 3);
		t->invlpgb_max = r[3] & 0xffff;
	}

	/*
	 * Intel documents TLBs in leaf 2 and (newer parts) leaf 0x18; its
	 * 0x80000005/6 carry no TLB information.  Other vendors (AMD, Hygon,
	 * and QEMU's default models, which claim to be AMD) use the
	 * extended leaves; a leaf-2 answer is taken from anyone who gives one.
	 */
	if (max >= 2)
		decode_leaf2(fn, ctx, t);
	if (max >= 0x18)
		decode_leaf18(fn, ctx, t);
	if (!intel)
		decode_amd(fn, ctx, max_ext, t);
}

int cpuid_dump_read(FILE *f, struct cpuid_dump *d)
{
	char line[512];

	d->nr = 0;
	while (fgets(line, sizeof(line), f)) {
		uint32_t leaf, sub, a, b, c, x;
		char *s = line;

		while (*s == ' ' || *s == '\t')
			s++;
		if (sscanf(s, "0x%" SCNx32 " 0x%" SCNx32 ": eax=0x%" SCNx32
			   " ebx=0x%" SCNx32 " ecx=0x%" SCNx32 " edx=0x%" SCNx32,
			   &leaf, &sub, &a, &b, &c, &x) != 6)
			continue;
		if (d->nr == CPUID_DUMP_MAX)
			return -1;
		d->e[d->nr].leaf = leaf;
		d->e[d->nr].subleaf = sub;
		d->e[d->nr].regs[0] = a;
		d->e[d->nr].regs[1] = b;
		d->e[d->nr].regs[2] = c;
		d->e[d->nr].regs[3] = x;
		d->nr++;
	}
	return d->nr ? 0 : -1;
}

void cpuid_dump_fn(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	const struct cpuid_dump *d = ctx;
	unsigned int i;

	memset(regs, 0, 4 * sizeof(regs[0]));
	for (i = 0; i < d->nr; i++) {
		if (d->e[i].leaf == leaf && d->e[i].subleaf == subleaf) {
			memcpy(regs, d->e[i].regs, 4 * sizeof(regs[0]));
			return;
		}
	}
}

#define SZ_4K	(4096ULL)
#define SZ_2M	(2ULL << 20)
#define SZ_1G	(1ULL << 30)

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * Greedy fill of one level: 1 GiB pages, then 2 MiB, then 4 KiB, each into
 * its array; sizes sharing an array (Intel's STLB holds 4 KiB and 2 MiB
 * translations together) take their entries from one pool.  Without a
 * 1 GiB array, a 1 GiB page is taken as 512 2 MiB translations (the
 * splintering Intel documents for such parts).
 */
static uint64_t level_covers(const struct cpuid_tlb *t, unsigned int l,
			     uint64_t n4k, uint64_t n2m, uint64_t n1g)
{
	const struct tlb_array *a = t->a[l];
	uint64_t left[TLB_NR_PSIZES], used, bytes = 0;
	unsigned int p;

	for (p = 0; p < TLB_NR_PSIZES; p++)
		left[p] = a[p].entries;
	if (!left[TLB_1G]) {
		n2m += n1g * 512;
		n1g = 0;
	}
	used = min_u64(n1g, left[TLB_1G]);
	bytes += used * SZ_1G;

	used = min_u64(n2m, left[TLB_2M]);
	bytes += used * SZ_2M;
	if ((t->shared[l] & (P4K | P2M)) == (P4K | P2M))
		left[TLB_4K] = left[TLB_4K] > used ? left[TLB_4K] - used : 0;

	used = min_u64(n4k, left[TLB_4K]);
	bytes += used * SZ_4K;
	return bytes;
}

void tlb_reach_compute(const struct cpuid_tlb *t, const struct tlb_mix *m,
		       struct tlb_reach *r)
{
	unsigned int l, p;

	memset(r, 0, sizeof(*r));
	r->resident = m->n4k * SZ_4K + m->n2m * SZ_2M + m->n1g * SZ_1G;
	r->entries_needed = m->n4k + m->n2m + m->n1g;
	r->entries_needed_4k = r->resident / SZ_4K;
	r->entries_needed_2m = (r->resident + SZ_2M - 1) / SZ_2M;
	for (l = 0; l < TLB_NR_LEVELS; l++) {
		struct tlb_reach_level *rl = &r->level[l];

		rl->covered = level_covers(t, l, m->n4k, m->n2m, m->n1g);
		rl->covered_4k = level_covers(t, l, r->entries_needed_4k, 0, 0);
		rl->covered_2m = min_u64(level_covers(t, l, 0,
						      r->entries_needed_2m, 0),
					 r->resident);
		for (p = 0; p < TLB_NR_PSIZES; p++) {
			/* A shared array counts once. */
			if (p == TLB_2M && (t->shared[l] & P4K) &&
			    (t->shared[l] & P2M))
				continue;
			rl->capacity += t->a[l][p].entries;
		}
	}
}
