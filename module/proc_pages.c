// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: /proc/ptscope/pages, the per-page query for shell users.
 *
 *	exec 3<>/proc/ptscope/pages
 *	echo "$pid 0x7f0000000000 0x7f0000200000" >&3	# add "all" for per page
 *	cat <&3
 *
 * A query file (proc_query.c): each open file holds its own query,
 * authorised when written and bound to that one address space; the walk
 * runs as the file is read, a chunk at a time.
 */
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pages.h"
#include "procfs.h"

struct ptscope_proc_pages {
	struct ptscope_proc_query head;
	struct ptscope_pages_query query;
	struct ptscope_pages_state st;
	loff_t base;		/* record index of st.out.buf[0] */
};

static struct ptscope_proc_pages *ptscope_proc_pages(struct ptscope_proc_query *q)
{
	return container_of(q, struct ptscope_proc_pages, head);
}

static const char *const ptscope_kind_names[] = PTSCOPE_KIND_NAMES;
static const char *const ptscope_entry_names[] = PTSCOPE_ENTRY_NAMES;

/* The query from its start: no limit but the file's reader. */
static void ptscope_query_reset(struct ptscope_proc_pages *q)
{
	q->st.out.cap = PTSCOPE_CHUNK_RECORDS;
	q->st.out.room = U64_MAX;
	q->st.out.pages_left = U64_MAX;
	ptscope_pages_start(&q->st, &q->query);
	q->base = 0;
}

/* Walk until the buffer holds something or the query is over. */
static int ptscope_query_fill(struct ptscope_proc_pages *q)
{
	struct mm_struct *mm;
	int ret = 0;

	q->base += q->st.out.nr;
	ptscope_out_drain(&q->st.out);
	if (q->st.done) {
		ptscope_out_flush_pending(&q->st.out);
		return 0;
	}
	mm = ptscope_target_get(&q->head.target, NULL);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	while (!q->st.out.nr && !q->st.done) {
		ret = ptscope_pages_step(mm, &q->st);
		if (ret)
			break;
		cond_resched();
	}
	if (q->st.done)
		ptscope_out_flush_pending(&q->st.out);
	mmput(mm);
	return ret;
}

static void *ptscope_pages_seq_start(struct seq_file *m, loff_t *pos)
{
	struct ptscope_proc_pages *q = ptscope_proc_pages(m->private);
	loff_t idx;
	int ret;

	if (!q->head.have_query)
		return *pos ? NULL : SEQ_START_TOKEN;
	if (!*pos) {
		ret = ptscope_proc_target_alive(&q->head.target);
		return ret ? ERR_PTR(ret) : SEQ_START_TOKEN;
	}
	idx = *pos - 1;
	if (idx < q->base)
		ptscope_query_reset(q);	/* a seek backwards: walk again */
	while (idx >= q->base + q->st.out.nr) {
		if (q->st.done && !q->st.out.has_pending)
			return NULL;	/* every record has been shown */
		ret = ptscope_query_fill(q);
		if (ret)
			return ERR_PTR(ret);
	}
	return &q->st.out.buf[idx - q->base];
}

static void *ptscope_pages_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ptscope_pages_seq_start(m, pos);
}

static void ptscope_pages_seq_stop(struct seq_file *m, void *v)
{
}

static const char *ptscope_page_size_name(u8 level)
{
	switch (level) {
	case PTSCOPE_LEVEL_PTE:
		return "4K";
	case PTSCOPE_LEVEL_PMD:
		return "2M";
	case PTSCOPE_LEVEL_PUD:
		return "1G";
	default:
		return "-";
	}
}

/* Flag names, from the uapi's one table. */
#define PTSCOPE_FLAG_NAME(bit, name) { bit, name },
static const struct {
	u64 bit;
	const char *name;
} ptscope_flag_names[] = {
	PTSCOPE_PF_FOREACH(PTSCOPE_FLAG_NAME)
};

#undef PTSCOPE_FLAG_NAME

static void ptscope_show_flags(struct seq_file *m, u64 flags)
{
	bool first = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ptscope_flag_names); i++) {
		if (!(flags & ptscope_flag_names[i].bit))
			continue;
		seq_printf(m, "%s%s", first ? "" : ",", ptscope_flag_names[i].name);
		first = false;
	}
	if (first)
		seq_putc(m, '-');
}

static int ptscope_pages_seq_show(struct seq_file *m, void *v)
{
	struct ptscope_proc_query *q = m->private;
	const struct ptscope_page_region *r = v;

	if (v == SEQ_START_TOKEN) {
		if (!q->have_query) {
			seq_puts(m, "# write \"PID START END [all]\" to this open file, then read it\n");
			return 0;
		}
		seq_puts(m, "START END PAGES ENTRY KIND SIZE ORDER MAPCOUNT REFCOUNT NODE PFN SWAP FLAGS\n");
		return 0;
	}
	seq_printf(m, "%#llx %#llx %llu %s %s %s %u %u %u ",
		   r->start, r->end, (r->end - r->start) >> PAGE_SHIFT,
		   r->entry < PTSCOPE_ENTRY_COUNT ? ptscope_entry_names[r->entry] : "?",
		   r->kind < PTSCOPE_KIND_COUNT ? ptscope_kind_names[r->kind] : "?",
		   ptscope_page_size_name(r->level), r->folio_order,
		   r->mapcount, r->refcount);
	if (r->node == NUMA_NO_NODE)
		seq_puts(m, "- ");
	else
		seq_printf(m, "%d ", r->node);
	if (r->pfn)
		seq_printf(m, "%#llx ", r->pfn);
	else
		seq_puts(m, "- ");
	if (r->flags & PTSCOPE_PF_SWAP)
		seq_printf(m, "%u:%#llx ", r->swap_type, r->swap_offset);
	else
		seq_puts(m, "- ");
	ptscope_show_flags(m, r->flags);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations ptscope_pages_seq_ops = {
	.start	= ptscope_pages_seq_start,
	.next	= ptscope_pages_seq_next,
	.stop	= ptscope_pages_seq_stop,
	.show	= ptscope_pages_seq_show,
};

/* One slot more than a chunk's records, for the run being grown. */
static int ptscope_proc_pages_init(struct ptscope_proc_query *query)
{
	struct ptscope_proc_pages *q = ptscope_proc_pages(query);

	q->st.out.buf = ptscope_alloc(PTSCOPE_CHUNK_RECORDS + 1,
				      sizeof(*q->st.out.buf));
	return q->st.out.buf ? 0 : -ENOMEM;
}

static void ptscope_proc_pages_fini(struct ptscope_proc_query *query)
{
	ptscope_free(ptscope_proc_pages(query)->st.out.buf);
}

/* "PID START END [all]": numbers in C syntax (0x for hex). */
static int ptscope_proc_pages_parse(char *line, u64 *pid, void *parsed)
{
	struct ptscope_proc_pages_line *l = parsed;
	char *tok[4];
	int n = ptscope_proc_split(line, tok, ARRAY_SIZE(tok));

	if (n < 3)
		return -EINVAL;
	if (ptscope_proc_parse_pid(tok[0], pid) || kstrtou64(tok[1], 0, &l->start) ||
	    kstrtou64(tok[2], 0, &l->end))
		return -EINVAL;
	l->regions = true;
	if (n == 4) {
		if (strcmp(tok[3], "all"))
			return -EINVAL;
		l->regions = false;
	}
	if (!ptscope_range_ok(l->start, l->end))
		return -EINVAL;
	return 0;
}

/* Runs here never carry frames: "all" shows them, page by page. */
static void ptscope_proc_pages_apply(struct file *file,
				     struct ptscope_proc_query *query,
				     const void *parsed)
{
	const struct ptscope_proc_pages_line *l = parsed;
	struct ptscope_proc_pages *q = ptscope_proc_pages(query);

	q->query = (struct ptscope_pages_query) {
		.start = l->start,
		.end = l->end,
		.regions = l->regions,
		.see_frames = ptscope_may_see_frames(file),
		.attach = query->target.attach,
	};
	ptscope_query_reset(q);
}

const struct ptscope_proc_query_ops ptscope_proc_pages_query = {
	.size		= sizeof(struct ptscope_proc_pages),
	.want_attach	= true,
	.seq_ops	= &ptscope_pages_seq_ops,
	.init		= ptscope_proc_pages_init,
	.fini		= ptscope_proc_pages_fini,
	.parse		= ptscope_proc_pages_parse,
	.apply		= ptscope_proc_pages_apply,
};
