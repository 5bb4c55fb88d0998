// SPDX-License-Identifier: GPL-2.0
/* `ptscope top`'s fields, order and filters: see top_view.h. */
#define _GNU_SOURCE	/* qsort_r */
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_path.h"
#include "numa_verdict.h"
#include "top_view.h"

#define PAGE 4096ULL
#define ROW(row) ((const struct top_row *)(row))
#define PROC(row) (ROW(row)->p)

static double fraction(const struct top_proc *p, int num, int den)
{
	if (p->walk == TOP_WALK_NONE || p->val[den] <= 0)
		return NAN;
	return p->val[num] / p->val[den];
}

static double thp_fraction(const struct top_proc *p)
{
	return fraction(p, TOP_E_THP, TOP_E_RSS);
}

static double mthp_fraction(const struct top_proc *p)
{
	return fraction(p, TOP_E_MTHP, TOP_E_RSS);
}

/* Remote against the nodes its threads run on; unknown without them. */
static double remote_fraction(const struct top_proc *p)
{
	return p->run_nodes ? fraction(p, TOP_E_REMOTE, TOP_E_NODED) : NAN;
}

static uint64_t rounded(double x)
{
	return x > 0 ? (uint64_t)(x + 0.5) : 0;
}

static struct view_value get_pid(const void *row, const struct view_field *f)
{
	(void)f;
	return PROC(row)->nr_procs ? view_null() : view_u64(PROC(row)->pid);
}

static struct view_value get_procs(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(PROC(row)->nr_procs ? PROC(row)->nr_procs : 1);
}

static struct view_value get_uid(const void *row, const struct view_field *f)
{
	(void)f;
	return PROC(row)->uid == (uint32_t)-1 || PROC(row)->uid == TOP_UID_MIXED ?
	       view_null() : view_u64(PROC(row)->uid);
}

static struct view_value get_user(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(ROW(row)->user);
}

static struct view_value get_cgroup(const void *row, const struct view_field *f)
{
	(void)f;
	return PROC(row)->cgroup[0] ? view_str(PROC(row)->cgroup) : view_null();
}

static struct view_value get_comm(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(PROC(row)->comm);
}

/* Counters: exact, from STATS. */
static struct view_value get_rss(const void *row, const struct view_field *f)
{
	const struct ptscope_stats *st = &PROC(row)->st;

	(void)f;
	return view_u64((st->rss_anon + st->rss_file + st->rss_shmem) * PAGE);
}

static struct view_value get_swap(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(PROC(row)->st.swap_ents * PAGE);
}

static struct view_value get_pt(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(PROC(row)->st.pgtables_bytes);
}

/* Walked values: @f->arg is a TOP_E_*; bytes. */
static struct view_value get_walked_bytes(const void *row, const struct view_field *f)
{
	const struct top_proc *p = PROC(row);

	if (p->walk == TOP_WALK_NONE)
		return view_null();
	return view_u64(rounded(p->val[f->arg]) * PAGE);
}

static struct view_value get_fraction(const void *row, const struct view_field *f)
{
	const struct top_proc *p = PROC(row);

	switch (f->arg) {
	case TOP_E_THP:
		return view_f64(thp_fraction(p));
	case TOP_E_MTHP:
		return view_f64(mthp_fraction(p));
	default:
		return view_f64(remote_fraction(p));
	}
}

static const struct view_field top_fields[TOP_NR_FIELDS];

/* A table cell of an estimate: "~" before a sampled process's. */
static void estimate_cell(char *buf, size_t len, const void *row, int col)
{
	struct view_field f = top_fields[col];
	char cell[64];

	f.cell = NULL;
	view_cell(cell, sizeof(cell), &f, row);
	snprintf(buf, len, "%s%s", PROC(row)->walk == TOP_WALK_SAMPLED &&
		 strcmp(cell, "-") ? "~" : "", cell);
}

static void thp_cell(char *buf, size_t len, const void *row)
{
	estimate_cell(buf, len, row, TOP_COL_THP);
}

static void mthp_cell(char *buf, size_t len, const void *row)
{
	estimate_cell(buf, len, row, TOP_COL_MTHP);
}

static void remote_cell(char *buf, size_t len, const void *row)
{
	estimate_cell(buf, len, row, TOP_COL_REMOTE);
}

static void cow_cell(char *buf, size_t len, const void *row)
{
	estimate_cell(buf, len, row, TOP_COL_COW);
}

static struct view_value get_rate(const void *row, const struct view_field *f)
{
	return view_f64(f->arg ? PROC(row)->major_rate : PROC(row)->minor_rate);
}

static struct view_value get_verdict(const void *row, const struct view_field *f)
{
	(void)f;
	return PROC(row)->walk == TOP_WALK_NONE ? view_null() :
	       view_str(PROC(row)->verdict);
}

static const char *const walk_names[] = { "none", "exact", "sampled", "hidden" };

static struct view_value get_walk(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(walk_names[PROC(row)->walk]);
}

static struct view_value get_walked(const void *row, const struct view_field *f)
{
	(void)f;
	return PROC(row)->walk == TOP_WALK_NONE ? view_null() :
	       view_f64(PROC(row)->walked_fraction);
}

static struct view_value get_walk_ns(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(PROC(row)->walk_ns);
}

static struct view_value get_nodes_run(const void *row, const struct view_field *f)
{
	struct view_value v = { .kind = VIEW_TEXT };

	(void)f;
	numa_nodelist(v.text, sizeof(v.text), PROC(row)->run_nodes);
	return v;
}

/*
 * A sampled process's standard errors: of the fractions (taking the
 * resident or node total as exact) and of the byte counts.
 */
static void stderr_json(struct json *j, const char *key, const void *row)
{
	const struct top_proc *p = PROC(row);

	if (p->walk != TOP_WALK_SAMPLED) {
		json_null(j, key);
		return;
	}
	json_open(j, key, '{');
	json_f64(j, "thp_fraction", p->val[TOP_E_RSS] > 0 ?
		 p->se[TOP_E_THP] / p->val[TOP_E_RSS] : NAN);
	json_f64(j, "mthp_fraction", p->val[TOP_E_RSS] > 0 ?
		 p->se[TOP_E_MTHP] / p->val[TOP_E_RSS] : NAN);
	json_f64(j, "remote_fraction", p->run_nodes && p->val[TOP_E_NODED] > 0 ?
		 p->se[TOP_E_REMOTE] / p->val[TOP_E_NODED] : NAN);
	json_u64(j, "thp_bytes", rounded(p->se[TOP_E_THP]) * PAGE);
	json_u64(j, "mthp_bytes", rounded(p->se[TOP_E_MTHP]) * PAGE);
	json_u64(j, "hugetlb_bytes", rounded(p->se[TOP_E_HUGETLB]) * PAGE);
	json_u64(j, "cow_shared_bytes", rounded(p->se[TOP_E_COW]) * PAGE);
	json_close(j, '}');
}

#define NUM(n, k, u, w, h, g, a) { .name = n, .key = k, .unit = u,	\
	.whint = w, .flags = SCOLS_FL_RIGHT, .help = h, .get = g, .arg = a }

static const struct view_field top_fields[TOP_NR_FIELDS] = {
	[TOP_COL_PID] = NUM("PID", "pid", VIEW_NUMBER, 7, "process id", get_pid, 0),
	[TOP_COL_USER] = { .name = "USER", .key = "user", .whint = 8,
		.help = "the process's owner (real uid)", .get = get_user },
	[TOP_COL_CGROUP] = { .name = "CGROUP", .key = "cgroup", .whint = 20,
		.flags = SCOLS_FL_TRUNC, .help = "its cgroup (v2) path", .get = get_cgroup },
	[TOP_COL_COMMAND] = { .name = "COMMAND", .key = "command", .whint = 15,
		.flags = SCOLS_FL_TRUNC, .help = "its command (comm)", .get = get_comm },
	[TOP_COL_RSS] = NUM("RSS", "rss_bytes", VIEW_BYTES, 6,
		"resident bytes (RssAnon + RssFile + RssShmem)", get_rss, 0),
	[TOP_COL_THP] = { .name = "THP", .key = "thp_fraction", .unit = VIEW_PERCENT,
		.whint = 6, .flags = SCOLS_FL_RIGHT, .cell = thp_cell,
		.help = "share of resident memory in PMD-mapped THPs",
		.get = get_fraction, .arg = TOP_E_THP },
	[TOP_COL_MTHP] = { .name = "MTHP", .key = "mthp_fraction", .unit = VIEW_PERCENT,
		.whint = 6, .flags = SCOLS_FL_RIGHT, .cell = mthp_cell,
		.help = "share in large folios mapped by PTEs (mTHP, split THPs)",
		.get = get_fraction, .arg = TOP_E_MTHP },
	[TOP_COL_REMOTE] = { .name = "REMOTE", .key = "remote_fraction",
		.unit = VIEW_PERCENT, .whint = 6, .flags = SCOLS_FL_RIGHT,
		.cell = remote_cell,
		.help = "share of pages on nodes none of its threads last ran on",
		.get = get_fraction, .arg = TOP_E_REMOTE },
	[TOP_COL_COW] = { .name = "COW", .key = "cow_shared_bytes",
		.unit = VIEW_BYTES, .whint = 6, .flags = SCOLS_FL_RIGHT,
		.cell = cow_cell,
		.help = "anonymous bytes shared copy-on-write (mapped more than once)",
		.get = get_walked_bytes, .arg = TOP_E_COW },
	[TOP_COL_SWAP] = NUM("SWAP", "swap_bytes", VIEW_BYTES, 6,
		"swapped-out bytes (VmSwap)", get_swap, 0),
	[TOP_COL_PT] = NUM("PT", "page_table_bytes", VIEW_BYTES, 6,
		"page-table bytes (VmPTE)", get_pt, 0),
	[TOP_COL_MINFLT] = NUM("MINFLT/s", "minor_faults_per_second", VIEW_NUMBER, 8,
		"minor faults per second since the last refresh", get_rate, 0),
	[TOP_COL_MAJFLT] = NUM("MAJFLT/s", "major_faults_per_second", VIEW_NUMBER, 8,
		"major faults per second since the last refresh", get_rate, 1),
	[TOP_COL_VERDICT] = { .name = "VERDICT", .key = "verdict", .whint = 10,
		.help = "remote, huge, a THP reason (see 'ptscope thp --help'), or -",
		.get = get_verdict },
	[TOP_COL_WALK] = { .name = "WALK", .key = "walk", .whint = 7,
		.help = "how its page tables were read: exact, sampled, none (over budget)",
		.get = get_walk },
	[TOP_COL_HUGETLB] = NUM("HUGETLB", "hugetlb_bytes", VIEW_BYTES, 6,
		"resident bytes in hugetlb pages", get_walked_bytes, TOP_E_HUGETLB),
	[TOP_COL_UID] = NUM("UID", "uid", VIEW_NUMBER, 5, "the owner's uid", get_uid, 0),
	[TOP_COL_NODES_RUN] = { .name = "RUN-NODES", .key = "run_nodes", .whint = 6,
		.help = "nodes its threads last ran on", .get = get_nodes_run },
	[TOP_COL_PROCS] = NUM("PROCS", "processes", VIEW_NUMBER, 5,
		"processes in the row (a cgroup's, with --by cgroup)", get_procs, 0),
	[TOP_F_THP_BYTES] = { .key = "thp_bytes", .unit = VIEW_BYTES,
		.get = get_walked_bytes, .arg = TOP_E_THP },
	[TOP_F_MTHP_BYTES] = { .key = "mthp_bytes", .unit = VIEW_BYTES,
		.get = get_walked_bytes, .arg = TOP_E_MTHP },
	[TOP_F_WALKED] = { .key = "walked_fraction", .get = get_walked },
	[TOP_F_WALK_NS] = { .key = "walk_cpu_ns", .get = get_walk_ns },
	[TOP_F_STDERR] = { .key = "stderr", .json = stderr_json },
};

static const int top_defaults[] = {
	TOP_COL_PID, TOP_COL_USER, TOP_COL_COMMAND, TOP_COL_RSS, TOP_COL_THP,
	TOP_COL_MTHP, TOP_COL_REMOTE, TOP_COL_COW, TOP_COL_SWAP, TOP_COL_PT,
	TOP_COL_MINFLT, TOP_COL_MAJFLT, TOP_COL_VERDICT,
};

static const int top_cgroup_defaults[] = {
	TOP_COL_CGROUP, TOP_COL_PROCS, TOP_COL_USER, TOP_COL_RSS, TOP_COL_THP,
	TOP_COL_MTHP, TOP_COL_REMOTE, TOP_COL_COW, TOP_COL_SWAP, TOP_COL_PT,
	TOP_COL_MINFLT, TOP_COL_MAJFLT, TOP_COL_VERDICT,
};

const struct view top_view = {
	.fields = top_fields, .nr_fields = TOP_NR_FIELDS,
	.defaults = top_defaults, .nr_defaults = ARRAY_SIZE(top_defaults),
};

const struct view top_cgroup_view = {
	.fields = top_fields, .nr_fields = TOP_NR_FIELDS,
	.defaults = top_cgroup_defaults, .nr_defaults = ARRAY_SIZE(top_cgroup_defaults),
};

bool top_filter_match(const struct top_filter *f, const struct top_proc *p)
{
	if (f->by_uid && p->uid != f->uid)
		return false;
	if (f->name && !strstr(p->comm, f->name))
		return false;
	if (f->cgroup && (f->cgroup_exact ? strcmp(p->cgroup, f->cgroup) :
			  !cgroup_within(p->cgroup, f->cgroup)))
		return false;
	return true;
}

struct sort_key {
	int col;
	bool ascending;
};

/* A value to order by: numbers by value, text by strcmp, unknown last. */
static int compare_values(const struct view_value *a, const struct view_value *b,
			  bool ascending)
{
	double x, y;
	bool na = a->kind == VIEW_NULL || (a->kind == VIEW_F64 && isnan(a->d));
	bool nb = b->kind == VIEW_NULL || (b->kind == VIEW_F64 && isnan(b->d));

	if (na || nb)
		return na - nb;
	if (a->kind == VIEW_STR || a->kind == VIEW_TEXT) {
		int c = strcmp(a->kind == VIEW_STR ? a->s : a->text,
			       b->kind == VIEW_STR ? b->s : b->text);

		return ascending ? c : -c;
	}
	x = a->kind == VIEW_F64 ? a->d : (double)a->u;
	y = b->kind == VIEW_F64 ? b->d : (double)b->u;
	if (x == y)
		return 0;
	return (x < y) == ascending ? -1 : 1;
}

static int by_column(const void *pa, const void *pb, void *key)
{
	const struct sort_key *k = key;
	const struct view_field *f = &top_view.fields[k->col];
	struct view_value a = f->get(pa, f), b = f->get(pb, f);
	int c = compare_values(&a, &b, k->ascending);
	uint64_t x = ((const struct top_row *)pa)->p->pid;
	uint64_t y = ((const struct top_row *)pb)->p->pid;

	return c ? c : (x > y) - (x < y);
}

void top_rows_sort(struct top_row *rows, size_t nr, int col, bool ascending)
{
	struct sort_key key = { .col = col, .ascending = ascending };

	qsort_r(rows, nr, sizeof(*rows), by_column, &key);
}

/* The names looked up lately: getpwuid() may read /etc/passwd each time. */
static struct { uint32_t uid; char name[33]; } user_cache[64];
static size_t user_cache_used, user_cache_next;

char *top_user_name(char *buf, size_t len, uint32_t uid)
{
	struct passwd *pw;
	size_t i;

	for (i = 0; i < user_cache_used; i++) {
		if (user_cache[i].uid == uid) {
			snprintf(buf, len, "%s", user_cache[i].name);
			return buf;
		}
	}
	if (uid == TOP_UID_MIXED) {
		snprintf(buf, len, "*");
		return buf;
	}
	pw = uid == (uint32_t)-1 ? NULL : getpwuid(uid);
	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else if (uid == (uint32_t)-1)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%" PRIu32, uid);
	/* Round robin: a name is copied out, so replacing one is harmless. */
	i = user_cache_used < ARRAY_SIZE(user_cache) ? user_cache_used++ :
	    user_cache_next++ % ARRAY_SIZE(user_cache);
	user_cache[i].uid = uid;
	snprintf(user_cache[i].name, sizeof(user_cache[i].name), "%s", buf);
	return buf;
}

char *top_sweep_summary(char *buf, size_t len, const struct top_sweep *sw)
{
	char budget[32] = "";

	/* What it cost first: the rest may be cut at a narrow screen's edge. */
	if (sw->budget_ns)
		snprintf(budget, sizeof(budget), " of %.1f", sw->budget_ns / 1e6);
	snprintf(buf, len,
		 "sweep: CPU %.1f ms%s, wall %.1f ms; %zu processes: %" PRIu64
		 " exact, %" PRIu64 " sampled, %" PRIu64 " counters only, %" PRIu64
		 " not visible; %" PRIu64 " pages walked",
		 sw->cpu_ns / 1e6, budget, sw->wall_ns / 1e6, sw->nr, sw->exact,
		 sw->sampled, sw->unwalked, sw->hidden, sw->pages_walked);
	return buf;
}
