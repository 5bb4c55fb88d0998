// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope tlb [PID] [--interval S] [--count N] [--cpuid-file FILE]
 * [--cpuid-dump]: the CPU's TLB geometry from CPUID; with PID, what the
 * kernel knows of the process's translations, its TLB reach from its page
 * sizes, and (with --interval) the TLB flushes attributed to it.
 * What a TLB holds cannot be read: see docs/tlb.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cpuid_tlb.h"
#include "format.h"
#include "interval.h"
#include "json.h"

static const char *const reason_names[PTSCOPE_TLB_NR_REASONS] =
	PTSCOPE_TLB_REASON_NAMES;

static const char *const source_names[] = {
	"leaf2", "leaf18", "amd_80000005", "amd_80000006", "amd_80000019",
};

struct tlb_args {
	uint64_t pid;
	bool has_pid;
	double interval;
	uint64_t count;
	const char *cpuid_file;
	bool cpuid_dump;
};

static struct tlb_args targs;
enum { OPT_INTERVAL = CLI_OPT_BASE, OPT_COUNT, OPT_CPUID_FILE, OPT_CPUID_DUMP };

const struct option cmd_tlb_options[] = {
	{ "interval",	required_argument,	NULL, OPT_INTERVAL },
	{ "count",	required_argument,	NULL, OPT_COUNT },
	{ "cpuid-file",	required_argument,	NULL, OPT_CPUID_FILE },
	{ "cpuid-dump",	no_argument,		NULL, OPT_CPUID_DUMP },
	{ NULL }
};

int cmd_tlb_option(int val, const char *arg)
{

	switch (val) {
	case OPT_INTERVAL:
		return cli_interval_parse(arg, &targs.interval);
	case OPT_COUNT:
		return cli_count_parse(arg, &targs.count);
	case OPT_CPUID_FILE:
		targs.cpuid_file = arg;
		return 0;
	case OPT_CPUID_DUMP:
		targs.cpuid_dump = true;
		return 0;
	}
	return 2;
}

static void tlb_usage(FILE *f)
{
	fprintf(f, "Usage: ptscope tlb [PID] [--interval SECONDS] [--count N]\n"
		   "                   [--cpuid-file FILE] [--cpuid-dump]\n\n"
		   "Show the TLBs this CPU reports through CPUID (entries and\n"
		   "associativity per level and page size; PCID, INVPCID, INVLPGB).\n"
		   "With PID: the process's mm context id and TLB generation, the\n"
		   "CPUs of its mm_cpumask (which may hold its translations), and its\n"
		   "TLB reach: how much of its resident memory the TLBs cover with its\n"
		   "page sizes, with 4 KiB pages only and with 2 MiB pages only.\n"
		   "With --interval, also count the TLB flushes attributed to PID,\n"
		   "by reason, every SECONDS, until ^C or N samples.\n"
		   "No instruction reads what a TLB holds: see docs/tlb.md.\n\n"
		   "Options:\n"
		   "      --interval SECONDS  watch TLB flushes, print every SECONDS\n"
		   "      --count N           stop after N samples\n"
		   "      --cpuid-file FILE   decode a `cpuid -r` dump instead of this CPU\n"
		   "      --cpuid-dump        print this CPU's TLB leaves as `cpuid -r` does\n");
}

/* This CPU's leaves that the decoder reads, as `cpuid -r` prints them. */
static int print_cpuid_dump(void)
{
	size_t len;
	char *text;
	int ret;

	ret = ptscope_cpuid_leaves(NULL, &text, &len);
	if (ret)
		return cli_error("CPUID: %s", strerror(-ret));
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

/* The TLBs of a `cpuid -r` dump: @a's file, else the CPU's through @ps. */
static int load_geometry(const struct tlb_args *a, struct ptscope *ps,
			 struct cpuid_tlb *t)
{
	static struct cpuid_dump d;
	size_t len;
	char *text;
	FILE *f;
	int ret;

	if (a->cpuid_file) {
		/* A recording's leaves are passed over, so that its answers follow. */
		if (ps && !ptscope_cpuid_leaves(ps, &text, &len))
			free(text);
		f = fopen(a->cpuid_file, "r");
		if (!f)
			return cli_error("cannot read %s: %s", a->cpuid_file, strerror(errno));
		ret = cpuid_dump_read(f, &d);
		fclose(f);
		if (ret)
			return cli_error("%s holds no `cpuid -r` lines (\"   0x00000002 0x00: eax=...\")",
					 a->cpuid_file);
		cpuid_tlb_decode(cpuid_dump_fn, &d, t);
		return 0;
	}
	ret = ptscope_cpuid_leaves(ps, &text, &len);
	if (ret)
		return cli_error("CPUID: %s", ptscope_strerror(ret));
	f = fmemopen(text, len + 1, "r");
	if (!f || cpuid_dump_read(f, &d))
		d.nr = 0;	/* no CPUID: nothing is known */
	if (f)
		fclose(f);
	free(text);
	cpuid_tlb_decode(cpuid_dump_fn, &d, t);
	return 0;
}

static char *array_str(char *buf, size_t len, const struct cpuid_tlb *t,
		       unsigned int l, unsigned int p)
{
	const struct tlb_array *x = &t->a[l][p];

	if (!x->entries)
		snprintf(buf, len, "-");
	else if (!x->ways)
		snprintf(buf, len, "%u full%s", x->entries,
			 (t->shared[l] & (1u << p)) ? "*" : "");
	else
		snprintf(buf, len, "%u %u-way%s", x->entries, x->ways,
			 (t->shared[l] & (1u << p)) ? "*" : "");
	return buf;
}

static void print_geometry(const struct cpuid_tlb *t)
{
	char b[3][32];
	bool shared = false;
	unsigned int l, i;

	printf("CPU %s, TLBs from CPUID", t->vendor);
	for (i = 0; i < ARRAY_SIZE(source_names); i++)
		if (t->sources & (1u << i))
			printf(" %s", source_names[i]);
	if (!t->sources)
		printf(": none reported");
	printf("\nPCID %s, INVPCID %s, INVLPGB %s\n", t->pcid ? "yes" : "no",
	       t->invpcid ? "yes" : "no", t->invlpgb ? "yes" : "no");
	printf("%-8s %-14s %-14s %-14s\n", "TLB", "4K", "2M/4M", "1G");
	for (l = 0; l < TLB_NR_LEVELS; l++) {
		if (!t->a[l][TLB_4K].entries && !t->a[l][TLB_2M].entries &&
		    !t->a[l][TLB_1G].entries)
			continue;
		shared |= t->shared[l] != 0;
		printf("%-8s %-14s %-14s %-14s\n", tlb_level_name(l),
		       array_str(b[0], sizeof(b[0]), t, l, TLB_4K),
		       array_str(b[1], sizeof(b[1]), t, l, TLB_2M),
		       array_str(b[2], sizeof(b[2]), t, l, TLB_1G));
	}
	if (shared)
		printf("(* one array shared by these page sizes)\n");
}

static void json_geometry(struct json *j, const struct cpuid_tlb *t)
{
	unsigned int l, p, i;

	json_open(j, "cpu", '{');
	json_str(j, "vendor", t->vendor);
	json_open(j, "sources", '[');
	for (i = 0; i < ARRAY_SIZE(source_names); i++)
		if (t->sources & (1u << i))
			json_str(j, NULL, source_names[i]);
	json_close(j, ']');
	json_bool(j, "pcid", t->pcid);
	json_bool(j, "invpcid", t->invpcid);
	json_bool(j, "invlpgb", t->invlpgb);
	json_u64(j, "invlpgb_max_pages", t->invlpgb ? t->invlpgb_max + 1 : 0);
	json_open(j, "tlb", '{');
	for (l = 0; l < TLB_NR_LEVELS; l++) {
		json_open(j, tlb_level_name(l), '{');
		for (p = 0; p < TLB_NR_PSIZES; p++) {
			json_open(j, tlb_psize_name(p), '{');
			json_u64(j, "entries", t->a[l][p].entries);
			json_u64(j, "ways", t->a[l][p].ways);
			json_bool(j, "fully_associative",
				  t->a[l][p].entries && !t->a[l][p].ways);
			json_bool(j, "shared", t->shared[l] & (1u << p));
			json_close(j, '}');
		}
		json_close(j, '}');
	}
	json_close(j, '}');
	json_close(j, '}');
}

/* CPUs of the mask as "0-3,6". */
static void cpulist(char *buf, size_t len, const struct ptscope_tlb *t)
{
	size_t off = 0;
	unsigned int c, n = PTSCOPE_TLB_MASK_WORDS * 64, start;

	buf[0] = 0;
	for (c = 0; c < n && off < len; c++) {
		if (!(t->cpumask[c / 64] & (1ULL << (c % 64))))
			continue;
		start = c;
		while (c + 1 < n && (t->cpumask[(c + 1) / 64] & (1ULL << ((c + 1) % 64))))
			c++;
		off += snprintf(buf + off, len - off, "%s%u", off ? "," : "", start);
		if (c > start && off < len)
			off += snprintf(buf + off, len - off, "-%u", c);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

struct tlb_mix_pages {
	struct tlb_mix mix;
	uint64_t large_pte;	/* of n4k: pages of large folios mapped by PTEs */
};

static int count_only(const struct ptscope_vma *v, void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

static int process_mix(struct ptscope *ps, uint64_t pid, struct tlb_mix_pages *m)
{
	struct ptscope_maps_totals tot;
	const struct ptscope_page_counts *c = &tot.pages;
	uint64_t huge;
	unsigned int i;
	int ret;

	ret = ptscope_maps(ps, pid, 0, PTSCOPE_USER_TOP, count_only, NULL, &tot);
	if (ret)
		return ret;
	memset(m, 0, sizeof(*m));
	huge = c->thp_pmd + c->hugetlb_pmd + c->hugetlb_pud;
	m->mix.n2m = (c->thp_pmd + c->hugetlb_pmd) / 512;
	m->mix.n1g = c->hugetlb_pud / 262144;
	m->mix.n4k = c->present > huge ? c->present - huge : 0;
	for (i = 0; i < PTSCOPE_MAX_ORDERS; i++)
		m->large_pte += c->large_pte[i];
	return 0;
}

static void print_reach(const struct tlb_mix_pages *m, const struct tlb_reach *r)
{
	char b[4][32];
	unsigned int l;

	printf("Resident %s: %" PRIu64 " x 4K (%" PRIu64 " of them in large folios), %"
	       PRIu64 " x 2M, %" PRIu64 " x 1G\n",
	       cli_size(b[0], sizeof(b[0]), r->resident), m->mix.n4k, m->large_pte,
	       m->mix.n2m, m->mix.n1g);
	printf("TLB entries to map it all: %" PRIu64 " (all 4K: %" PRIu64
	       ", all 2M: %" PRIu64 ")\n", r->entries_needed,
	       r->entries_needed_4k, r->entries_needed_2m);
	printf("%-8s %8s %10s %10s %10s\n", "REACH", "ENTRIES", "NOW",
	       "ALL-4K", "ALL-2M");
	for (l = 0; l < TLB_NR_LEVELS; l++) {
		const struct tlb_reach_level *rl = &r->level[l];

		if (!rl->capacity || l == TLB_L1I || l == TLB_L2I)
			continue;
		printf("%-8s %8" PRIu64 " %10s %10s %10s\n", tlb_level_name(l),
		       rl->capacity, cli_size(b[0], sizeof(b[0]), rl->covered),
		       cli_size(b[1], sizeof(b[1]), rl->covered_4k),
		       cli_size(b[2], sizeof(b[2]), rl->covered_2m));
	}
}

static void json_reach(struct json *j, const struct tlb_mix_pages *m,
		       const struct tlb_reach *r)
{
	unsigned int l;

	json_open(j, "pages", '{');
	json_u64(j, "pages_4k", m->mix.n4k);
	json_u64(j, "large_pte", m->large_pte);
	json_u64(j, "pages_2m", m->mix.n2m);
	json_u64(j, "pages_1g", m->mix.n1g);
	json_close(j, '}');
	json_open(j, "reach", '{');
	json_u64(j, "resident", r->resident);
	json_u64(j, "entries_needed", r->entries_needed);
	json_u64(j, "entries_needed_4k", r->entries_needed_4k);
	json_u64(j, "entries_needed_2m", r->entries_needed_2m);
	for (l = 0; l < TLB_NR_LEVELS; l++) {
		const struct tlb_reach_level *rl = &r->level[l];

		json_open(j, tlb_level_name(l), '{');
		json_u64(j, "entries", rl->capacity);
		json_u64(j, "covered", rl->covered);
		json_u64(j, "covered_4k", rl->covered_4k);
		json_u64(j, "covered_2m", rl->covered_2m);
		json_close(j, '}');
	}
	json_close(j, '}');
}

static void print_mm(const struct ptscope_tlb *t)
{
	char cpus[256];

	cpulist(cpus, sizeof(cpus), t);
	if (t->state & PTSCOPE_TLB_ACCESS_HIDDEN)
		printf("\nProcess %" PRIu64 "%s: ctx_id %" PRIu64 ", tlb_gen and "
		       "mm_cpumask not shown: you may read this process but not "
		       "ptrace-attach to it\n", (uint64_t)t->pid,
		       t->state & PTSCOPE_TLB_EXITED ? " (exited)" : "",
		       (uint64_t)t->ctx_id);
	else
		printf("\nProcess %" PRIu64 "%s: ctx_id %" PRIu64 ", tlb_gen %" PRIu64
		       ", mm_cpumask %s (%" PRIu64 " of %" PRIu64 " CPUs)\n",
		       (uint64_t)t->pid,
		       t->state & PTSCOPE_TLB_EXITED ? " (exited)" : "",
		       (uint64_t)t->ctx_id, (uint64_t)t->tlb_gen, cpus,
		       (uint64_t)t->cpus, (uint64_t)t->nr_cpu_ids);
	if (t->state & PTSCOPE_TLB_HAS_GLOBAL_ASID)
		printf("Global ASID: %" PRIu64 "%s\n", (uint64_t)t->global_asid,
		       t->global_asid ? "" : " (none: only busy processes on INVLPGB hardware get one)");
	printf("Kernel uses: PCID %s, INVPCID %s, INVLPGB %s, PTI %s\n",
	       t->state & PTSCOPE_TLB_PCID ? "yes" : "no",
	       t->state & PTSCOPE_TLB_INVPCID ? "yes" : "no",
	       t->state & PTSCOPE_TLB_INVLPGB ? "yes" : "no",
	       t->state & PTSCOPE_TLB_PTI ? "yes" : "no");
}

static void json_mm(struct json *j, const struct ptscope_tlb *t)
{
	unsigned int c;

	json_open(j, "mm", '{');
	json_u64(j, "ctx_id", t->ctx_id);
	if (t->state & PTSCOPE_TLB_ACCESS_HIDDEN)
		json_null(j, "tlb_gen");
	else
		json_u64(j, "tlb_gen", t->tlb_gen);
	json_bool(j, "exited", t->state & PTSCOPE_TLB_EXITED);
	if (t->state & PTSCOPE_TLB_HAS_GLOBAL_ASID)
		json_u64(j, "global_asid", t->global_asid);
	else
		json_null(j, "global_asid");
	json_u64(j, "nr_cpu_ids", t->nr_cpu_ids);
	if (t->state & PTSCOPE_TLB_ACCESS_HIDDEN) {
		json_null(j, "mm_cpumask");
	} else {
		json_open(j, "mm_cpumask", '[');
		for (c = 0; c < PTSCOPE_TLB_MASK_WORDS * 64; c++)
			if (t->cpumask[c / 64] & (1ULL << (c % 64)))
				json_u64(j, NULL, c);
		json_close(j, ']');
	}
	json_close(j, '}');
	json_open(j, "kernel", '{');
	json_bool(j, "pcid", t->state & PTSCOPE_TLB_PCID);
	json_bool(j, "invpcid", t->state & PTSCOPE_TLB_INVPCID);
	json_bool(j, "invlpgb", t->state & PTSCOPE_TLB_INVLPGB);
	json_bool(j, "pti", t->state & PTSCOPE_TLB_PTI);
	json_bool(j, "has_global_asid", t->state & PTSCOPE_TLB_HAS_GLOBAL_ASID);
	json_close(j, '}');
}

static void json_flushes(struct json *j, const struct ptscope_tlb *t,
			 const struct ptscope_tlb *prev)
{
	unsigned int i;

	json_open(j, "flushes", '{');
	for (i = 0; i < PTSCOPE_TLB_NR_REASONS; i++)
		json_u64(j, reason_names[i], t->flushes[i] - (prev ? prev->flushes[i] : 0));
	json_u64(j, "flush_all", t->flush_all - (prev ? prev->flush_all : 0));
	json_u64(j, "flush_pages", t->flush_pages - (prev ? prev->flush_pages : 0));
	json_u64(j, "switch_noflush", t->switch_noflush - (prev ? prev->switch_noflush : 0));
	json_close(j, '}');
}

static int watch_loop(struct ptscope *ps, const struct tlb_args *a,
		      struct ptscope_tlb *t)
{
	struct ptscope_tlb prev;
	uint64_t shown = 0;
	struct json j;
	int ret = 0;

	cli_interval_catch_signals();
	if (!opts.json)
		printf("\n%8s %8s %8s %8s %8s %8s %8s %10s\n", "TIME", "SWITCH",
		       "REMOTE", "LOCAL", "LOCAL-MM", "SENT-IPI", "ALL",
		       "PAGES");
	while (!cli_interval_stopped() && (!a->count || shown < a->count)) {
		prev = *t;
		/* Stopped while waiting: one last sample, as before. */
		cli_interval_wait(ps, a->interval);
		ret = ptscope_tlb(ps, a->pid, 0, t);
		if (ret)
			break;
		shown++;
		if (opts.json) {
			json_init(&j, stdout, opts.pretty);
			json_open(&j, NULL, '{');
			json_u64(&j, "pid", a->pid);
			json_u64(&j, "timestamp_ns", t->timestamp_ns);
			json_u64(&j, "interval_ns", t->timestamp_ns - prev.timestamp_ns);
			json_u64(&j, "tlb_gen", (uint64_t)t->tlb_gen);
			json_bool(&j, "exited", t->state & PTSCOPE_TLB_EXITED);
			json_flushes(&j, t, &prev);
			json_close(&j, '}');
		} else {
			printf("%8.1f %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
			       " %8" PRIu64 " %8" PRIu64 " %10" PRIu64 "\n",
			       t->watch_ns / 1e9,
			       (uint64_t)(t->flushes[PTSCOPE_TLB_TASK_SWITCH] - prev.flushes[PTSCOPE_TLB_TASK_SWITCH]),
			       (uint64_t)(t->flushes[PTSCOPE_TLB_REMOTE_SHOOTDOWN] - prev.flushes[PTSCOPE_TLB_REMOTE_SHOOTDOWN]),
			       (uint64_t)(t->flushes[PTSCOPE_TLB_LOCAL_SHOOTDOWN] - prev.flushes[PTSCOPE_TLB_LOCAL_SHOOTDOWN]),
			       (uint64_t)(t->flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN] - prev.flushes[PTSCOPE_TLB_LOCAL_MM_SHOOTDOWN]),
			       (uint64_t)(t->flushes[PTSCOPE_TLB_REMOTE_SEND_IPI] - prev.flushes[PTSCOPE_TLB_REMOTE_SEND_IPI]),
			       (uint64_t)(t->flush_all - prev.flush_all),
			       (uint64_t)(t->flush_pages - prev.flush_pages));
		}
		fflush(stdout);
		if (t->state & PTSCOPE_TLB_EXITED)
			break;
	}
	return ret;
}

int cmd_tlb(int argc, char **argv)
{
	struct tlb_args a = targs;
	struct tlb_mix_pages mix;
	struct cpuid_tlb geo;
	struct tlb_reach reach;
	struct ptscope_tlb t;
	struct ptscope *ps;
	struct json j;
	int ret;

	if (opts.help) {
		tlb_usage(stdout);
		return 0;
	}
	if (argc > 2) {
		tlb_usage(stderr);
		return 2;
	}
	if (a.cpuid_dump)
		return print_cpuid_dump();
	if (argc == 2) {
		if (parse_pid(argv[1], &a.pid))
			return cli_error("'%s' is not a process id", argv[1]) + 1;
		a.has_pid = true;
	}
	if ((a.interval || a.count) && !a.has_pid)
		return cli_error("--interval and --count need a PID") + 1;
	if (a.count && !a.interval)
		return cli_error("--count goes with --interval") + 1;
	/*
	 * With a PID, the CPU's leaves go into the recording with the
	 * module's answers; a replay gives them back, PID or not.
	 */
	ps = NULL;
	if (a.has_pid || (opts.replay && !a.cpuid_file)) {
		ps = cli_open();
		if (!ps)
			return 1;
	}
	if (load_geometry(&a, ps, &geo)) {
		if (ps)
			cli_close(ps);
		return 1;
	}

	if (!a.has_pid) {
		if (opts.json) {
			json_init(&j, stdout, opts.pretty);
			json_open(&j, NULL, '{');
			json_geometry(&j, &geo);
			json_close(&j, '}');
		} else {
			print_geometry(&geo);
		}
		return ps ? cli_close(ps) : 0;
	}

	ret = ptscope_tlb(ps, a.pid, a.interval ? PTSCOPE_TLB_WATCH : 0, &t);
	if (!ret)
		ret = process_mix(ps, a.pid, &mix);
	if (ret)
		goto out;
	tlb_reach_compute(&geo, &mix.mix, &reach);
	if (opts.json) {
		json_init(&j, stdout, opts.pretty);
		json_open(&j, NULL, '{');
		json_u64(&j, "pid", a.pid);
		json_geometry(&j, &geo);
		json_mm(&j, &t);
		json_reach(&j, &mix, &reach);
		json_close(&j, '}');
	} else {
		print_geometry(&geo);
		print_mm(&t);
		print_reach(&mix, &reach);
	}
	fflush(stdout);
	if (a.interval)
		ret = watch_loop(ps, &a, &t);
out:
	cli_close(ps);
	if (ret == -ENOTTY)
		return cli_error("the loaded module has no TLB query (ABI 1.2): load a newer ptscope.ko");
	if (ret == -ENOSPC)
		return cli_error("%d processes are watched already: stop another ptscope tlb --interval",
				 PTSCOPE_TLB_MAX_WATCHES);
	if (ret == -EACCES && a.interval)
		return cli_error("counting TLB flushes (--interval) needs CAP_PERFMON, or "
				 "kernel.perf_event_paranoid at most 1 and the module's "
				 "tlb_watch_user_max above 0, as perf's kernel events do");
	if (ret)
		return cli_error("tlb of %" PRIu64 ": %s", a.pid, ptscope_strerror(ret));
	return 0;
}
