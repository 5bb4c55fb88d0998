// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope: /proc/ptscope/maps, the per-mapping summary for shell users.
 *
 *	exec 3<>/proc/ptscope/maps
 *	echo "$pid" >&3			# or "$pid START END"
 *	cat <&3
 *
 * One line per VMA, counts in 4 KiB pages, then a total line.  A query
 * file (proc_query.c): each open file holds its own query, authorised when
 * written and bound to that one address space; the VMAs are walked as the
 * file is read.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "maps.h"
#include "procfs.h"

struct ptscope_proc_maps {
	struct ptscope_proc_query head;
	u64 start;
	u64 end;
	struct ptscope_maps_state st;
	struct ptscope_vma rec;		/* the record at @index */
	struct ptscope_vma next;	/* the one being walked */
	struct ptscope_page_counts totals;
	loff_t index;			/* of @rec; -1: none yet */
	bool done;			/* all VMAs read: next is the total */
};

static struct ptscope_proc_maps *ptscope_proc_maps(struct ptscope_proc_query *q)
{
	return container_of(q, struct ptscope_proc_maps, head);
}

/* The query from its start; ranges are the ioctl's to count. */
static void ptscope_proc_maps_reset(struct ptscope_proc_maps *q)
{
	ptscope_maps_start(&q->st, q->start, q->end, 0, q->head.target.attach);
	memset(&q->totals, 0, sizeof(q->totals));
	q->index = -1;
	q->done = false;
}

/* Read the next VMA into q->rec; 0 or -errno. */
static int ptscope_proc_maps_advance(struct ptscope_proc_maps *q)
{
	int ret;

	q->st.mm = ptscope_target_get(&q->head.target, NULL);
	if (IS_ERR(q->st.mm)) {
		ret = PTR_ERR(q->st.mm);
		q->st.mm = NULL;
		return ret;
	}
	memset(&q->next, 0, sizeof(q->next));
	ret = ptscope_maps_next(&q->st, &q->next);
	mmput(q->st.mm);
	q->st.mm = NULL;
	if (ret < 0)
		return ret;
	if (!ret) {
		q->done = true;
		return 0;
	}
	q->rec = q->next;
	ptscope_counts_add(&q->totals, &q->rec.pages);
	q->index++;
	return 0;
}

/* Positions: 0 the header, 1..n the VMAs, n+1 the total. */
static void *ptscope_maps_seq_start(struct seq_file *m, loff_t *pos)
{
	struct ptscope_proc_maps *q = ptscope_proc_maps(m->private);
	int ret;

	if (!*pos) {
		ret = q->head.have_query ?
		      ptscope_proc_target_alive(&q->head.target) : 0;
		return ret ? ERR_PTR(ret) : SEQ_START_TOKEN;
	}
	if (!q->head.have_query)
		return NULL;
	if (*pos - 1 < q->index)
		ptscope_proc_maps_reset(q);	/* backwards: walk again */
	while (!q->done && q->index < *pos - 1) {
		ret = ptscope_proc_maps_advance(q);
		if (ret)
			return ERR_PTR(ret);
	}
	if (*pos - 1 == q->index)
		return &q->rec;
	if (q->done && *pos - 1 == q->index + 1)
		return &q->totals;
	return NULL;
}

static void *ptscope_maps_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ptscope_maps_seq_start(m, pos);
}

static void ptscope_maps_seq_stop(struct seq_file *m, void *v)
{
}

static void ptscope_show_perms(struct seq_file *m, u64 flags)
{
	seq_putc(m, flags & PTSCOPE_VMA_READ ? 'r' : '-');
	seq_putc(m, flags & PTSCOPE_VMA_WRITE ? 'w' : '-');
	seq_putc(m, flags & PTSCOPE_VMA_EXEC ? 'x' : '-');
	seq_putc(m, flags & PTSCOPE_VMA_SHARED ? 's' : 'p');
}

/* @access: the access state was counted (else DIRTY and KSM are "-"). */
static void ptscope_show_counts(struct seq_file *m,
				const struct ptscope_page_counts *c, bool access)
{
	bool any = false;
	unsigned int i;

	seq_printf(m, " %llu %llu ", c->present, c->swapped);
	if (access)
		seq_printf(m, "%llu ", c->dirty);
	else
		seq_puts(m, "- ");
	seq_printf(m, "%llu %llu %llu %llu ", c->anon, c->file, c->shmem, c->zero);
	if (access)
		seq_printf(m, "%llu ", c->ksm);
	else
		seq_puts(m, "- ");
	seq_printf(m, "%llu %llu %llu %llu %llu ", c->cow_shared,
		   c->anon_exclusive, c->thp_pmd,
		   c->hugetlb_pmd + c->hugetlb_pud, c->soft_dirty);
	for (i = 0; i < PTSCOPE_MAX_NODES; i++) {
		if (!c->node[i])
			continue;
		seq_printf(m, "%sN%u=%llu", any ? "," : "", i, c->node[i]);
		any = true;
	}
	if (c->node_other) {
		seq_printf(m, "%sNother=%llu", any ? "," : "", c->node_other);
		any = true;
	}
	if (!any)
		seq_putc(m, '-');
}

static int ptscope_maps_seq_show(struct seq_file *m, void *v)
{
	struct ptscope_proc_maps *q = ptscope_proc_maps(m->private);
	bool access = q->head.target.attach;
	const struct ptscope_vma *r = v;
	const struct ptscope_table_counts *t;

	if (v == SEQ_START_TOKEN) {
		if (!q->head.have_query)
			seq_puts(m, "# write \"PID [START END]\" to this open file, then read it\n");
		else
			seq_puts(m, "START END PERMS PRESENT SWAPPED DIRTY ANON FILE SHMEM ZERO KSM COW_SHARED ANON_EXCLUSIVE THP_PMD HUGETLB SOFT_DIRTY NODES PT_PTE PT_PMD PT_PUD NAME\n");
		return 0;
	}
	if (v == &q->totals) {
		t = &q->st.total_tables;
		seq_puts(m, "total - ----");
		ptscope_show_counts(m, &q->totals, access);
		seq_printf(m, " %llu %llu %llu -\n", t->pte, t->pmd, t->pud);
		return 0;
	}
	seq_printf(m, "%#llx %#llx ", r->start, r->end);
	ptscope_show_perms(m, r->flags);
	ptscope_show_counts(m, &r->pages, access);
	seq_printf(m, " %llu %llu %llu ", r->tables.pte, r->tables.pmd,
		   r->tables.pud);
	/* Escaped as /proc/PID/maps escapes it: no name forges a line. */
	if (r->name[0])
		seq_escape(m, r->name, "\n");
	else
		seq_putc(m, '-');
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations ptscope_maps_seq_ops = {
	.start	= ptscope_maps_seq_start,
	.next	= ptscope_maps_seq_next,
	.stop	= ptscope_maps_seq_stop,
	.show	= ptscope_maps_seq_show,
};

static int ptscope_proc_maps_init(struct ptscope_proc_query *query)
{
	struct ptscope_proc_maps *q = ptscope_proc_maps(query);

	q->st.names.path_buf = ptscope_alloc(1, PAGE_SIZE);
	return q->st.names.path_buf ? 0 : -ENOMEM;
}

static void ptscope_proc_maps_fini(struct ptscope_proc_query *query)
{
	ptscope_free(ptscope_proc_maps(query)->st.names.path_buf);
}

/* "PID" or "PID START END": numbers in C syntax (0x for hex). */
static int ptscope_proc_maps_parse(char *line, u64 *pid, void *parsed)
{
	struct ptscope_proc_maps_line *l = parsed;
	char *tok[3];
	int n = ptscope_proc_split(line, tok, ARRAY_SIZE(tok));

	l->start = 0;
	l->end = TASK_SIZE_MAX;
	if (n != 1 && n != 3)
		return -EINVAL;
	if (ptscope_proc_parse_pid(tok[0], pid))
		return -EINVAL;
	if (n == 3 && (kstrtou64(tok[1], 0, &l->start) ||
		       kstrtou64(tok[2], 0, &l->end)))
		return -EINVAL;
	if (!ptscope_range_ok(l->start, l->end))
		return -EINVAL;
	return 0;
}

static void ptscope_proc_maps_apply(struct file *file,
				    struct ptscope_proc_query *query,
				    const void *parsed)
{
	const struct ptscope_proc_maps_line *l = parsed;
	struct ptscope_proc_maps *q = ptscope_proc_maps(query);

	q->start = l->start;
	q->end = l->end;
	ptscope_proc_maps_reset(q);
}

const struct ptscope_proc_query_ops ptscope_proc_maps_query = {
	.size		= sizeof(struct ptscope_proc_maps),
	.want_attach	= true,
	.seq_ops	= &ptscope_maps_seq_ops,
	.init		= ptscope_proc_maps_init,
	.fini		= ptscope_proc_maps_fini,
	.parse		= ptscope_proc_maps_parse,
	.apply		= ptscope_proc_maps_apply,
};
