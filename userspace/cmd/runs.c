// SPDX-License-Identifier: GPL-2.0
/* Rows over pieces of mappings, and --all's runs (runs.h). */

#include "runs.h"

int run_flush(struct run_acc *r)
{
	if (!r->has_run)
		return 0;
	r->has_run = false;
	return r->emit(r->view, r->start, r->end, r->key);
}

int run_add(struct run_acc *r, uint64_t s, uint64_t e, unsigned int key,
	    bool start_new)
{
	int ret;

	if (r->has_run && r->end == s && r->key == key) {
		r->end = e;
		return 0;
	}
	ret = run_flush(r);
	if (start_new) {
		r->has_run = true;
		r->start = s;
		r->end = e;
		r->key = key;
	}
	return ret;
}
