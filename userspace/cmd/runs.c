// SPDX-License-Identifier: GPL-2.0
/* Rows over pieces of mappings, and --all's runs (runs.h). */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "format.h"
#include "runs.h"

void range_cell(char *buf, size_t len, enum range_column which, uint64_t s,
		uint64_t e, uint64_t flags, const char *name, const char *total)
{
	buf[0] = 0;
	if (!name) {
		if (which == RANGE_START)
			snprintf(buf, len, "total");
		else if (which == RANGE_NAME || which == RANGE_PATH)
			snprintf(buf, len, "%s", total);
		return;
	}
	switch (which) {
	case RANGE_START:
		snprintf(buf, len, "%#" PRIx64, s);
		break;
	case RANGE_END:
		snprintf(buf, len, "%#" PRIx64, e);
		break;
	case RANGE_SIZE:
		cli_size(buf, len, e - s);
		break;
	case RANGE_PERMS:
		format_perms(buf, flags);
		break;
	case RANGE_NAME:
		snprintf(buf, len, "%s", cli_short_name(name));
		break;
	case RANGE_PATH:
		snprintf(buf, len, "%s", name);
		break;
	case RANGE_NONE:
		break;
	}
}

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
