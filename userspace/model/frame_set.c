// SPDX-License-Identifier: GPL-2.0
/* A sparse set of 64-bit numbers: see frame_set.h. */
#include <errno.h>
#include <stdlib.h>

#include "frame_set.h"

#define WORDS (FRAME_SET_CHUNK_BITS / 64)

struct frame_chunk {
	uint64_t index;		/* number / FRAME_SET_CHUNK_BITS */
	uint64_t bits[WORDS];
};

static size_t slot_of(uint64_t index, size_t nr_slots)
{
	/* Fibonacci hashing: neighbouring chunks land apart. */
	return (index * 0x9e3779b97f4a7c15ULL) >> 32 & (nr_slots - 1);
}

static int grow(struct frame_set *set)
{
	size_t nr = set->nr_slots ? 2 * set->nr_slots : 64, i, s;
	struct frame_chunk **slots = calloc(nr, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < set->nr_slots; i++) {
		if (!set->slots[i])
			continue;
		for (s = slot_of(set->slots[i]->index, nr); slots[s]; s = (s + 1) & (nr - 1))
			;
		slots[s] = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->nr_slots = nr;
	return 0;
}

static struct frame_chunk *chunk_of(struct frame_set *set, uint64_t index)
{
	size_t s;

	/* At most half full, so that a search ends soon. */
	if (2 * (set->nr_chunks + 1) > set->nr_slots && grow(set))
		return NULL;
	for (s = slot_of(index, set->nr_slots); set->slots[s]; s = (s + 1) & (set->nr_slots - 1))
		if (set->slots[s]->index == index)
			return set->slots[s];
	set->slots[s] = calloc(1, sizeof(struct frame_chunk));
	if (!set->slots[s])
		return NULL;
	set->slots[s]->index = index;
	set->nr_chunks++;
	return set->slots[s];
}

int64_t frame_set_add(struct frame_set *set, uint64_t first, uint64_t n)
{
	uint64_t had = 0, x = first, end = first + n, bit, mask, take;
	struct frame_chunk *c;
	uint64_t *w;

	if (end < first)
		return -EINVAL;
	while (x < end) {
		c = chunk_of(set, x / FRAME_SET_CHUNK_BITS);
		if (!c)
			return -ENOMEM;
		/* The rest of one word at a time. */
		bit = x % 64;
		take = 64 - bit < end - x ? 64 - bit : end - x;
		mask = (take == 64 ? ~0ULL : ((1ULL << take) - 1)) << bit;
		w = &c->bits[x % FRAME_SET_CHUNK_BITS / 64];
		had += __builtin_popcountll(*w & mask);
		*w |= mask;
		x += take;
	}
	return had;
}

void frame_set_free(struct frame_set *set)
{
	size_t i;

	for (i = 0; i < set->nr_slots; i++)
		free(set->slots[i]);
	free(set->slots);
	set->slots = NULL;
	set->nr_slots = 0;
	set->nr_chunks = 0;
}
