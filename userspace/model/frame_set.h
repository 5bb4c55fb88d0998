/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of 64-bit numbers (frame numbers, swap slots) that are dense in
 * places and absent in between: bitmaps of FRAME_SET_CHUNK_BITS numbers,
 * made as they are first touched and found by a hash of the chunk.  It
 * costs a bit per number of each chunk touched, so a cgroup's frames cost
 * at most the machine's memory / 32768 bytes, however many times they
 * are mapped.
 */
#ifndef PTSCOPE_FRAME_SET_H
#define PTSCOPE_FRAME_SET_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_SET_CHUNK_BITS 32768

struct frame_chunk;

struct frame_set {
	struct frame_chunk **slots;	/* open addressing, a power of two */
	size_t nr_slots;
	size_t nr_chunks;
};

/*
 * Add [@first, @first + @n) to @set; how many of them were in it already,
 * or -ENOMEM (the set is as it was for the numbers not yet added).
 */
int64_t frame_set_add(struct frame_set *set, uint64_t first, uint64_t n);

void frame_set_free(struct frame_set *set);

#endif /* PTSCOPE_FRAME_SET_H */
