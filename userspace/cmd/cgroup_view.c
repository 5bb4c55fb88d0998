// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope maps|thp|numa|faults --cgroup PATH: the processes of a cgroup
 * subtree, a row each, and their total (cgroup_sum.h), with the columns
 * that command is about.
 */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_path.h"
#include "cgroup_sum.h"
#include "cli.h"
#include "json.h"
#include "top_view.h"
#include "view.h"

#define PAGE 4096ULL

/* A row: a process, or the total (@p NULL) of @n. */
struct cg_row {
	const struct cg_proc *p;
	const struct cg_counts *n;
	const struct cg_sum *s;
	const char *label;		/* the total's COMMAND cell */
	char user[33];
};

#define ROW(row) ((const struct cg_row *)(row))

enum {
	COL_PID, COL_USER, COL_COMMAND, COL_CGROUP, COL_VMAS, COL_RSS, COL_ANON,
	COL_FILE, COL_SHMEM, COL_KSM, COL_THP, COL_ANON_THP, COL_FILE_THP,
	COL_MTHP, COL_HUGETLB, COL_HUGE_PCT, COL_SWAP, COL_SHARED, COL_COW,
	COL_PT, COL_MINFLT, COL_MAJFLT, COL_NODES, COL_ANON_NODES,
	F_UID, NR_FIELDS
};

static struct view_value get_pid(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->p ? view_u64(ROW(row)->p->pid) : view_null();
}

static struct view_value get_uid(const void *row, const struct view_field *f)
{
	(void)f;
	if (!ROW(row)->p)
		return view_absent();
	return ROW(row)->p->uid == (uint32_t)-1 ? view_null() : view_u64(ROW(row)->p->uid);
}

static struct view_value get_user(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->p ? view_str(ROW(row)->user) : view_absent();
}

static struct view_value get_comm(const void *row, const struct view_field *f)
{
	(void)f;
	return view_str(ROW(row)->p ? ROW(row)->p->comm : ROW(row)->label);
}

static struct view_value get_cgroup(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->p ? view_str(ROW(row)->p->cgroup) : view_absent();
}

static struct view_value get_vmas(const void *row, const struct view_field *f)
{
	(void)f;
	return ROW(row)->p ? view_u64(ROW(row)->p->vmas) : view_absent();
}

/* A count (enum cg_count @f->arg) in bytes. */
static struct view_value get_count(const void *row, const struct view_field *f)
{
	return view_u64(ROW(row)->n->c[f->arg] * PAGE);
}

static struct view_value get_thp(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64((ROW(row)->n->c[CG_THP_ANON] + ROW(row)->n->c[CG_THP_FILE]) * PAGE);
}

static struct view_value get_huge_pct(const void *row, const struct view_field *f)
{
	const struct cg_counts *n = ROW(row)->n;
	uint64_t huge = n->c[CG_THP_ANON] + n->c[CG_THP_FILE] + n->c[CG_MTHP] +
			n->c[CG_HUGETLB];

	(void)f;
	return n->c[CG_RESIDENT] ? view_f64((double)huge / n->c[CG_RESIDENT]) :
				   view_null();
}

/* Page-table bytes and faults: the process's counters, summed for the total. */
static struct view_value get_pt(const void *row, const struct view_field *f)
{
	(void)f;
	return view_u64(ROW(row)->p ? ROW(row)->p->st.pgtables_bytes :
			ROW(row)->s->pagetables_bytes);
}

static struct view_value get_faults(const void *row, const struct view_field *f)
{
	const struct cg_row *r = ROW(row);

	if (f->arg)
		return view_u64(r->p ? r->p->st.maj_flt : r->s->maj_flt);
	return view_u64(r->p ? r->p->st.min_flt : r->s->min_flt);
}

static const uint64_t *row_nodes(const void *row, uint64_t arg)
{
	return arg ? ROW(row)->n->anon_node : ROW(row)->n->node;
}

static void nodes_cell(char *buf, size_t len, const void *row, uint64_t arg)
{
	const uint64_t *node = row_nodes(row, arg);
	size_t used = 0;
	char sz[32];
	int i;

	buf[0] = 0;
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		if (node[i])
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%d:%s", used ? " " : "", i,
					 cli_size(sz, sizeof(sz), node[i] * PAGE));
	if (!used)
		snprintf(buf, len, "-");
}

static void nodes_json(struct json *j, const char *key, const void *row, uint64_t arg)
{
	const uint64_t *node = row_nodes(row, arg);
	char name[16];
	int i;

	json_open(j, key, '{');
	for (i = 0; i < PTSCOPE_MAX_NODES; i++)
		if (node[i]) {
			snprintf(name, sizeof(name), "%d", i);
			json_u64(j, name, node[i] * PAGE);
		}
	json_close(j, '}');
}

static void all_nodes_cell(char *buf, size_t len, const void *row)
{
	nodes_cell(buf, len, row, 0);
}

static void anon_nodes_cell(char *buf, size_t len, const void *row)
{
	nodes_cell(buf, len, row, 1);
}

static void all_nodes_json(struct json *j, const char *key, const void *row)
{
	nodes_json(j, key, row, 0);
}

static void anon_nodes_json(struct json *j, const char *key, const void *row)
{
	nodes_json(j, key, row, 1);
}

#define NUM(n, k, w, h, g, a) { .name = n, .key = k, .unit = VIEW_BYTES,	\
	.whint = w, .flags = SCOLS_FL_RIGHT, .help = h, .get = g, .arg = a }

static const struct view_field cg_fields[NR_FIELDS] = {
	[COL_PID] = { .name = "PID", .key = "pid", .whint = 7, .flags = SCOLS_FL_RIGHT,
		.help = "process id (empty on the total)", .get = get_pid },
	[COL_USER] = { .name = "USER", .key = "user", .whint = 8,
		.help = "the process's owner (real uid)", .get = get_user },
	[COL_COMMAND] = { .name = "COMMAND", .key = "command", .whint = 15,
		.flags = SCOLS_FL_TRUNC,
		.help = "its command (comm); on the total, how pages were counted",
		.get = get_comm },
	[COL_CGROUP] = { .name = "CGROUP", .key = "cgroup", .whint = 20,
		.flags = SCOLS_FL_TRUNC, .help = "its cgroup (v2) path", .get = get_cgroup },
	[COL_VMAS] = { .name = "VMAS", .key = "vmas", .whint = 5, .flags = SCOLS_FL_RIGHT,
		.help = "its mappings", .get = get_vmas },
	[COL_RSS] = NUM("RSS", "resident_bytes", 6,
		"resident: anonymous, file, shmem and KSM pages", get_count, CG_RESIDENT),
	[COL_ANON] = NUM("ANON", "anon_bytes", 6, "anonymous pages (THPs included)",
		get_count, CG_ANON),
	[COL_FILE] = NUM("FILE", "file_bytes", 6, "page cache of files mapped",
		get_count, CG_FILE),
	[COL_SHMEM] = NUM("SHMEM", "shmem_bytes", 6, "shmem/tmpfs pages mapped",
		get_count, CG_SHMEM),
	[COL_KSM] = NUM("KSM", "ksm_bytes", 6, "pages merged by KSM", get_count, CG_KSM),
	[COL_THP] = NUM("THP", "thp_bytes", 6, "in PMD-mapped THPs", get_thp, 0),
	[COL_ANON_THP] = NUM("ANON-THP", "anon_thp_bytes", 6,
		"in PMD-mapped THPs of anonymous mappings", get_count, CG_THP_ANON),
	[COL_FILE_THP] = NUM("FILE-THP", "file_thp_bytes", 6,
		"in PMD-mapped THPs of file and shmem mappings", get_count, CG_THP_FILE),
	[COL_MTHP] = NUM("MTHP", "mthp_bytes", 6,
		"in large folios mapped by PTEs (mTHP, split THPs)", get_count, CG_MTHP),
	[COL_HUGETLB] = NUM("HUGETLB", "hugetlb_bytes", 6, "in hugetlb pages",
		get_count, CG_HUGETLB),
	[COL_HUGE_PCT] = { .name = "HUGE", .key = "huge_fraction", .unit = VIEW_PERCENT,
		.whint = 6, .flags = SCOLS_FL_RIGHT,
		.help = "share of RSS in THPs, mTHP and hugetlb", .get = get_huge_pct },
	[COL_SWAP] = NUM("SWAP", "swap_bytes", 6, "swap entries", get_count, CG_SWAP),
	[COL_SHARED] = NUM("SHARED", "shared_bytes", 6,
		"mapped more than once (mapcount >= 2)", get_count, CG_SHARED),
	[COL_COW] = NUM("COW", "cow_shared_bytes", 6,
		"anonymous and mapped more than once: shared since a fork", get_count, CG_COW),
	[COL_PT] = NUM("PT", "page_table_bytes", 6,
		"page-table bytes (VmPTE), summed on the total", get_pt, 0),
	[COL_MINFLT] = { .name = "MINFLT", .key = "minor_faults", .whint = 8,
		.flags = SCOLS_FL_RIGHT, .help = "minor faults since it started",
		.get = get_faults, .arg = 0 },
	[COL_MAJFLT] = { .name = "MAJFLT", .key = "major_faults", .whint = 8,
		.flags = SCOLS_FL_RIGHT, .help = "major faults since it started",
		.get = get_faults, .arg = 1 },
	[COL_NODES] = { .name = "NODES", .key = "node_bytes", .whint = 12,
		.help = "present pages by NUMA node", .cell = all_nodes_cell,
		.json = all_nodes_json },
	[COL_ANON_NODES] = { .name = "ANON-NODES", .key = "anon_node_bytes", .whint = 12,
		.help = "present pages of anonymous mappings by NUMA node",
		.cell = anon_nodes_cell, .json = anon_nodes_json },
	[F_UID] = { .key = "uid", .get = get_uid },
};

static const int maps_defaults[] = {
	COL_PID, COL_USER, COL_COMMAND, COL_VMAS, COL_RSS, COL_ANON, COL_FILE,
	COL_SHMEM, COL_SWAP, COL_SHARED, COL_COW, COL_PT,
};
static const int thp_defaults[] = {
	COL_PID, COL_COMMAND, COL_RSS, COL_ANON_THP, COL_FILE_THP, COL_MTHP,
	COL_HUGETLB, COL_HUGE_PCT,
};
static const int numa_defaults[] = {
	COL_PID, COL_COMMAND, COL_RSS, COL_ANON, COL_NODES, COL_ANON_NODES,
};
static const int faults_defaults[] = {
	COL_PID, COL_COMMAND, COL_MINFLT, COL_MAJFLT, COL_RSS, COL_SWAP, COL_PT,
};
static const int json_order[] = {
	COL_PID, F_UID, COL_USER, COL_COMMAND, COL_CGROUP, COL_VMAS, COL_RSS,
	COL_ANON, COL_FILE, COL_SHMEM, COL_KSM, COL_THP, COL_ANON_THP,
	COL_FILE_THP, COL_MTHP, COL_HUGETLB, COL_HUGE_PCT, COL_SWAP, COL_SHARED,
	COL_COW, COL_PT, COL_MINFLT, COL_MAJFLT, COL_NODES, COL_ANON_NODES,
};

static const struct view cg_views[] = {
	[CG_VIEW_MAPS] = VIEW_INIT_JSON(cg_fields, maps_defaults, json_order),
	[CG_VIEW_THP] = VIEW_INIT_JSON(cg_fields, thp_defaults, json_order),
	[CG_VIEW_NUMA] = VIEW_INIT_JSON(cg_fields, numa_defaults, json_order),
	[CG_VIEW_FAULTS] = VIEW_INIT_JSON(cg_fields, faults_defaults, json_order),
};

const struct option cli_cgroup_options[] = {
	CLI_CGROUP_OPTION,
	{ NULL }
};

int cli_cgroup_option(int val, const char *arg)
{
	if (val != CLI_OPT_CGROUP)
		return 2;
	opts.cgroup = arg;
	return 0;
}

void cgroup_view_help(FILE *f, enum cg_view which)
{
	fprintf(f, "\nOptions (instead of a PID):\n"
		   "      --cgroup PATH     every process of cgroup PATH (v2, from /, as\n"
		   "                        /proc/PID/cgroup shows it) and those below it:\n"
		   "                        a row each and their total, each page once\n"
		   "                        (by frame) for CAP_SYS_ADMIN, else summed.\n"
		   "                        See docs/cgroups.md.\n");
	if (!opts.cgroup) {
		fprintf(f, "'ptscope %s --cgroup / --help' lists the columns it has then.\n",
			which == CG_VIEW_MAPS ? "maps" : which == CG_VIEW_THP ? "thp" :
			which == CG_VIEW_NUMA ? "numa" : "faults");
		return;
	}
	fprintf(f, "\nColumns with --cgroup (-o NAME,...):\n");
	view_help(f, &cg_views[which]);
}

static void row_of(struct cg_row *r, const struct cg_sum *s, const struct cg_proc *p)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->p = p;
	r->n = &p->n;
	top_user_name(r->user, sizeof(r->user), p->uid);
}

/* What the total row's COMMAND cell and the JSON say of how it was counted. */
static const char *counted_as(const struct cg_sum *s)
{
	if (s->by_frame)
		return "once_per_page";
	return s->frames_hidden ? "per_process_frames_hidden" : "per_process_changed";
}

static void total_json(struct json *j, const char *key, const struct cg_sum *s,
		       const struct cg_counts *n, const struct view *view)
{
	struct cg_row r = { .s = s, .n = n, .label = "" };

	json_open(j, key, '{');
	view_json_members(j, view, &r);
	json_close(j, '}');
}

static void show_json(const char *subtree, const struct cg_sum *s,
		      const struct view *view)
{
	struct cg_row r;
	struct json j;
	size_t i;

	json_init(&j, stdout, opts.pretty);
	json_open(&j, NULL, '{');
	json_str(&j, "cgroup", subtree);
	json_str(&j, "counted", counted_as(s));
	json_u64(&j, "not_visible", s->hidden);
	json_u64(&j, "vanished", s->vanished);
	json_u64(&j, "kernel_threads", s->kernel_threads);
	json_u64(&j, "pages_walked_for_frames", s->dedup_walked);
	json_open(&j, "processes", '[');
	for (i = 0; i < s->nr; i++) {
		row_of(&r, s, &s->procs[i]);
		json_open(&j, NULL, '{');
		view_json_members(&j, view, &r);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	total_json(&j, "sum", s, &s->sum, view);
	if (s->by_frame)
		total_json(&j, "total", s, &s->once, view);
	else
		json_null(&j, "total");
	json_close(&j, '}');
}

static int show_table(const struct cg_sum *s, const struct cli_columns *cols,
		      const struct view *view)
{
	struct libscols_table *tb = view_table_new(cols, view);
	char label[128], hidden[48] = "";
	struct cg_row r;
	size_t i;
	int ret = -ENOMEM;

	if (!tb)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++) {
		row_of(&r, s, &s->procs[i]);
		if (view_table_add(tb, cols, view, &r))
			goto out;
	}
	if (s->hidden)
		snprintf(hidden, sizeof(hidden), ", %" PRIu64 " not visible", s->hidden);
	snprintf(label, sizeof(label), "(%zu processes%s, %s)", s->nr, hidden,
		 s->by_frame ? "each page once" :
		 s->frames_hidden ? "summed: frames hidden" : "summed: processes changed");
	r = (struct cg_row){ .s = s, .n = s->by_frame ? &s->once : &s->sum, .label = label };
	if (view_table_add(tb, cols, view, &r))
		goto out;
	scols_print_table(tb);
	ret = 0;
out:
	scols_unref_table(tb);
	return ret;
}

int cgroup_view_run(enum cg_view which, const char *subtree, int argc)
{
	const struct view *view = &cg_views[which];
	struct cli_columns cols;
	struct cg_sum s;
	struct ptscope *ps;
	int ret;

	if (argc > 1)
		return cli_error("--cgroup takes the processes of a cgroup: give no PID") + 1;
	ret = cli_cgroup_check(subtree);
	if (ret)
		return ret;
	if (view_select(&cols, view))
		return 2;
	ps = cli_open();
	if (!ps)
		return 1;
	ret = cgroup_sum(ps, subtree, &s);
	if (ret) {
		cli_error("cgroup %s: %s", subtree, ptscope_strerror(ret));
		cli_close(ps);
		return 1;
	}
	if (opts.json)
		show_json(subtree, &s, view);
	else
		ret = show_table(&s, &cols, view);
	cgroup_sum_free(&s);
	if (ret)
		cli_error("%s", ptscope_strerror(ret));
	return cli_close(ps) || ret ? 1 : 0;
}
