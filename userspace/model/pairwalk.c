// SPDX-License-Identifier: GPL-2.0
/* Two sorted range lists, side by side (see pairwalk.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pairwalk.h"

/* The first two fields of every record the lists hold. */
struct range {
	uint64_t start;
	uint64_t end;
};

void range_list_init(struct range_list *l, size_t size)
{
	memset(l, 0, sizeof(*l));
	l->size = size;
}

int range_list_add(struct range_list *l, const void *rec)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *v = realloc(l->v, cap * l->size);

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memcpy((char *)l->v + l->nr * l->size, rec, l->size);
	l->nr++;
	return 0;
}

void range_list_free(struct range_list *l)
{
	free(l->v);
	range_list_init(l, l->size);
}

/* The first record of @l at or after index *@i that ends after @addr. */
static const struct range *seek(const struct range_list *l, size_t *i,
				uint64_t addr)
{
	while (*i < l->nr) {
		const struct range *r = range_list_at(l, *i);

		if (r->end > addr)
			return r;
		(*i)++;
	}
	return NULL;
}

/* The index of the first record of @l that ends after @addr (binary search). */
static size_t first_after(const struct range_list *l, uint64_t addr)
{
	size_t lo = 0, hi = l->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct range *r = range_list_at(l, mid);

		if (r->end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int pairwalk(const struct range_list *a, const struct range_list *b,
	     uint64_t start, uint64_t end, pairwalk_cb cb, void *arg)
{
	size_t ia = first_after(a, start), ib = first_after(b, start);
	uint64_t cur = start;
	int ret;

	while (cur < end) {
		const struct range *ra = seek(a, &ia, cur);
		const struct range *rb = seek(b, &ib, cur);
		const struct range *ca = ra && ra->start <= cur ? ra : NULL;
		const struct range *cb_ = rb && rb->start <= cur ? rb : NULL;
		uint64_t next = end;

		/* The piece ends where either list's coverage changes. */
		if (ra)
			next = ca ? (ra->end < next ? ra->end : next) :
				    (ra->start < next ? ra->start : next);
		if (rb)
			next = cb_ ? (rb->end < next ? rb->end : next) :
				     (rb->start < next ? rb->start : next);
		ret = cb(cur, next, ca, cb_, arg);
		if (ret)
			return ret;
		cur = next;
	}
	return 0;
}
