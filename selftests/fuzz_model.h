/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz programs' model of the module's argument checks (which errnos a
 * call may get, in the order module/query_args.c, the *_get_args() and
 * module/target.c check), and the checks of a successful answer.
 */
#ifndef PTSCOPE_FUZZ_MODEL_H
#define PTSCOPE_FUZZ_MODEL_H

#include "fuzz.h"

/* ---------------------------------------------------------------------- */
/* The model: what the module's checks answer, in their order. */

static inline bool range_ok(const struct fz_ctx *c, __u64 start, __u64 end)
{
	return !(start % PAGE) && !(end % PAGE) && start < end &&
	       end <= c->task_size_max;
}

/*
 * ptscope_check_vec(): @extra gets EFAULT when access_ok() may go either
 * way (the limit moved by a page between 6.1 and 6.12, and would move to
 * bit 63 with LAM), so that both answers are allowed.
 */
static inline unsigned int model_vec(const struct fz_ctx *c, __u64 vec,
			      __u64 len, __u64 rec, __u64 min,
			      unsigned int *extra)
{
	__u64 bytes, sum;

	if (rec < min || rec > PAGE || rec % 8)
		return M(EINVAL);
	if (!len || len > ULONG_MAX / 2)
		return M(EINVAL);
	if (__builtin_mul_overflow(len, rec, &bytes))
		return M(EINVAL);
	if (__builtin_add_overflow(vec, bytes, &sum) ||
	    sum > (1ULL << 63) - PAGE)
		return M(EFAULT);
	if (sum >= c->task_size_max)
		*extra |= M(EFAULT);
	return 0;
}

/* ptscope_get_target(): 0 when the query proceeds. */
static inline unsigned int model_target(const struct fz_ctx *c, __u64 pid)
{
	if (c->root_only && !c->admin)
		return M(EPERM);
	/* PTSCOPE_PID_PIDFD: the fuzzer holds no pidfd, so no fd is one. */
	if (pid & PTSCOPE_PID_PIDFD)
		return M(EBADF);
	if (!pid || pid > PID_MAX_LIMIT)
		return M(EINVAL);
	/*
	 * Ourselves, as the kernel lets us open our pagemap: not when the
	 * credentials changed from root's, which leaves a process
	 * non-dumpable (its /proc files then belong to root).
	 */
	if (pid == (__u64)c->self)
		return c->self_ok ? 0 : M(EPERM);
	if (c->kthread && pid == (__u64)c->kthread)
		return M(EINVAL);
	if ((c->reaped && pid == (__u64)c->reaped) || pid == PID_MAX_LIMIT)
		return M(ESRCH);
	/*
	 * Root's zombie has no address space (ESRCH), but to nobody its
	 * /proc/PID/pagemap, root's and 0400, does not even open (EPERM).
	 */
	if (c->zombie && pid == (__u64)c->zombie)
		return c->admin ? M(ESRCH) : M(ESRCH) | M(EPERM);
	if (pid == 1)
		return c->admin ? 0 : M(EPERM);
	/* Whoever it is: it runs, is gone, is a kernel thread, or is not ours. */
	return M(ESRCH) | M(EINVAL) | M(EPERM) | M(0);
}

/* The outcomes the module may give @k. */
static inline unsigned int model(const struct fz_ctx *c, const struct fz_call *k)
{
	int kind = cmd_kind(k->cmd);
	const union fz_args *a = &k->a;
	unsigned int extra = 0, ret = 0, target;
	__u64 usize, vec = 0, len = 0, rec = 0;
	size_t ksize, end, i;

	if (kind < 0)
		return M(ENOTTY);
	/* A command word of another kind reads our structure as its own. */
	if (kind != k->kind)
		return ~0u;
	ksize = cmds[kind].ksize;

	/* ptscope_copy_args(): get_user(), then copy_struct_from_user(). */
	if (k->where != AT_ARENA && k->where != AT_RDONLY)
		return M(EFAULT);
	if (k->avail < 8)
		return M(EFAULT);
	usize = a->word[0];
	if (usize < cmds[kind].kmin || usize > PAGE)
		return M(EINVAL);
	if (usize > ksize) {
		end = usize < k->avail ? usize : k->avail;
		for (i = ksize; i < end; i++)
			if (a->byte[i])
				return M(E2BIG);
		if (usize > k->avail)
			return M(EFAULT);
	} else if (k->avail < usize) {
		return M(EFAULT);
	}

	switch (kind) {
	case FZ_VERSION:
		if (a->version.flags)
			return M(EINVAL);
		return k->where == AT_RDONLY ? M(EFAULT) : M(0);
	case FZ_PAGES:
		if (a->pages.flags & ~(__u64)PTSCOPE_PAGES_FLAGS_ALL ||
		    !range_ok(c, a->pages.start, a->pages.end))
			return M(EINVAL);
		break;
	case FZ_MAPS:
		if (a->maps.flags || !range_ok(c, a->maps.start, a->maps.end))
			return M(EINVAL);
		/* ABI 1.2's input, when the caller's structure has it */
		if (usize >= offsetof(struct ptscope_maps, collapse_max_none) + 8 &&
		    a->maps.collapse_max_none > PTSCOPE_COLLAPSE_MAX_NONE)
			return M(EINVAL);
		break;
	case FZ_STATS:
		if (a->stats.flags & ~(__u64)PTSCOPE_STATS_FLAGS_ALL)
			return M(EINVAL);
		break;
	case FZ_TLB:
		if (a->tlb.flags & ~(__u64)PTSCOPE_TLB_FLAGS_ALL ||
		    (a->tlb.flags & PTSCOPE_TLB_WATCH &&
		     a->tlb.flags & PTSCOPE_TLB_UNWATCH))
			return M(EINVAL);
		break;
	}
	if ((kind != FZ_STATS || a->stats.flags & PTSCOPE_STATS_THREADS) &&
	    call_vec(k, &vec, &len, &rec)) {
		ret = model_vec(c, vec, len, rec, cmds[kind].rec_min, &extra);
		if (ret)
			return ret;
	}

	target = model_target(c, a->word[2]);	/* pid is word 2 of all three */
	ret = extra | (target & ~M(0));
	if (target && !(target & M(0)))
		return ret;
	/* It runs: writing the records or the answer back may fault. */
	if (k->where == AT_RDONLY)
		return ret | M(EFAULT);
	if (kind == FZ_TLB ||
	    (kind == FZ_STATS && !(a->stats.flags & PTSCOPE_STATS_THREADS)))
		return ret | M(0);
	return ret | M(0) | M(EFAULT);
}

/* ---------------------------------------------------------------------- */
/* Checking a successful answer. */

static char why[512];

#define WHY(...)	(snprintf(why, sizeof(why), __VA_ARGS__), why)

static inline bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* The records of the answer, if they are in our array. */
static const __attribute__((unused)) char *records_of(const struct fz_ctx *c, const struct fz_call *k,
			      __u64 nr)
{
	__u64 vec = 0, len = 0, rec = 0;

	if (!nr || !call_vec(k, &vec, &len, &rec) ||
	    vec < (uintptr_t)c->vec || vec + nr * rec > (uintptr_t)c->vec_guard)
		return NULL;
	return (const char *)(uintptr_t)vec;
}

static const __attribute__((unused)) char *check_canary(const struct fz_ctx *c,
				const struct fz_call *k, __u64 nr)
{
	__u64 vec = 0, len = 0, rec = 0;
	const unsigned char *p, *from;

	if (!k->canary_end)
		return NULL;
	call_vec(k, &vec, &len, &rec);
	from = (const unsigned char *)(uintptr_t)(vec + nr * rec);
	for (p = (const unsigned char *)c->vec; p < (unsigned char *)k->canary_end; p++) {
		if ((uintptr_t)p == vec)
			p = from;
		if (p >= (unsigned char *)k->canary_end)
			break;
		if (*p != 0xa5)
			return WHY("byte %+ld of the array written, %llu records of %llu bytes",
				   (long)((uintptr_t)p - vec), nr, rec);
	}
	return NULL;
}

static const __attribute__((unused)) char *check_pages(const struct fz_ctx *c, const struct fz_call *k)
{
	const struct ptscope_pages *in = &k->a.pages, *out = &k->out.pages;
	const char *recs = records_of(c, k, out->nr_records);
	__u64 i, prev = in->start;

	if (memcmp(in, out, offsetof(struct ptscope_pages, walk_end)))
		return WHY("an input field changed");
	if ((__u64)k->ret != out->nr_records)
		return WHY("returned %ld, nr_records %llu", k->ret,
			   out->nr_records);
	if (out->nr_records > in->vec_len)
		return WHY("nr_records %llu > vec_len %llu",
			   out->nr_records, in->vec_len);
	if (out->walk_end < in->start || out->walk_end > in->end)
		return WHY("walk_end %#llx outside [%#llx, %#llx]",
			   out->walk_end, in->start, in->end);
	for (i = 0; recs && i < out->nr_records; i++) {
		const char *raw = recs + i * in->rec_size;
		struct ptscope_page_region rec, *r = &rec;

		memcpy(r, raw, sizeof(*r));	/* the array may be unaligned */
		if (r->start % PAGE || r->end % PAGE || r->start >= r->end ||
		    r->start < prev || r->end > out->walk_end)
			return WHY("record %llu [%#llx, %#llx) after %#llx, walk_end %#llx", i,
				   r->start, r->end, prev, out->walk_end);
		if (!(in->flags & PTSCOPE_PAGES_REGIONS) &&
		    r->end - r->start != PAGE)
			return WHY("record %llu is not one page", i);
		if (r->flags & ~PF_KNOWN || r->kind >= PTSCOPE_KIND_COUNT ||
		    r->entry >= PTSCOPE_ENTRY_COUNT ||
		    r->level > PTSCOPE_LEVEL_PUD ||
		    r->mapcount_src > PTSCOPE_MAPCOUNT_AVERAGE ||
		    !all_zero(r->reserved, sizeof(r->reserved)))
			return WHY("record %llu has flags %#llx kind %u entry %u level %u",
				   i, r->flags, r->kind, r->entry, r->level);
		if (!all_zero(raw + sizeof(*r), in->rec_size - sizeof(*r)))
			return WHY("record %llu's tail is not zeroed", i);
		prev = r->end;
	}
	return check_canary(c, k, out->nr_records);
}

static const __attribute__((unused)) char *check_maps(const struct fz_ctx *c, const struct fz_call *k)
{
	const struct ptscope_maps *in = &k->a.maps, *out = &k->out.maps;
	const char *recs = records_of(c, k, out->nr_records);
	struct ptscope_page_counts sum = { 0 };
	__u64 i, j, prev = in->start;

	if (memcmp(in, out, offsetof(struct ptscope_maps, walk_end)))
		return WHY("an input field changed");
	if ((__u64)k->ret != out->nr_records)
		return WHY("returned %ld, nr_records %llu", k->ret,
			   out->nr_records);
	if (out->nr_records > in->vec_len)
		return WHY("nr_records %llu > vec_len %llu",
			   out->nr_records, in->vec_len);
	if (out->walk_end < in->start || out->walk_end > in->end)
		return WHY("walk_end %#llx outside [%#llx, %#llx]",
			   out->walk_end, in->start, in->end);
	if (in->pid == (__u64)c->self && out->nr_records > out->map_count)
		return WHY("%llu records of %llu VMAs",
			   out->nr_records, out->map_count);
	for (i = 0; recs && i < out->nr_records; i++) {
		const char *raw = recs + i * in->rec_size;
		static struct ptscope_vma rec;
		struct ptscope_vma *r = &rec;
		const __u64 *from = (const __u64 *)&r->pages;
		__u64 *to = (__u64 *)&sum;

		/* An ABI 1.1 record (VER0) is a prefix of ours. */
		memset(r, 0, sizeof(*r));
		memcpy(r, raw, in->rec_size < sizeof(*r) ? in->rec_size : sizeof(*r));
		if (r->start % PAGE || r->end % PAGE || r->start >= r->end ||
		    r->start < prev || r->end > out->walk_end)
			return WHY("record %llu [%#llx, %#llx) after %#llx, walk_end %#llx", i,
				   r->start, r->end, prev, out->walk_end);
		if (r->flags & ~VMA_KNOWN || !memchr(r->name, 0, sizeof(r->name)))
			return WHY("record %llu: flags %#llx, or no NUL in its name",
				   i, r->flags);
		if (in->rec_size > sizeof(*r) &&
		    !all_zero(raw + sizeof(*r), in->rec_size - sizeof(*r)))
			return WHY("record %llu's tail is not zeroed", i);
		for (j = 0; j < sizeof(sum) / 8; j++)
			to[j] += from[j];
		prev = r->end;
	}
	if (recs && memcmp(&sum, &out->totals, sizeof(sum)))
		return WHY("totals are not the sum of the records");
	return check_canary(c, k, out->nr_records);
}

static const __attribute__((unused)) char *check_stats(const struct fz_ctx *c, const struct fz_call *k)
{
	const struct ptscope_stats *in = &k->a.stats, *out = &k->out.stats;
	bool threads = in->flags & PTSCOPE_STATS_THREADS;
	__u64 want = 0, i;
	const char *recs;

	if (memcmp(in, out, offsetof(struct ptscope_stats, nr_threads)))
		return WHY("an input field changed");
	if (!out->nr_threads || !out->map_count || !out->total_vm)
		return WHY("nr_threads %llu map_count %llu total_vm %llu",
			   out->nr_threads,
			   out->map_count,
			   out->total_vm);
	if (threads) {
		want = out->nr_threads;
		if (want > in->threads_len)
			want = in->threads_len;
		if (want > MAX_THREADS)
			want = MAX_THREADS;
	}
	if ((__u64)k->ret != want)
		return WHY("returned %ld of %llu threads, threads_len %llu",
			   k->ret, out->nr_threads,
			   in->threads_len);
	recs = threads ? records_of(c, k, want) : NULL;
	for (i = 0; recs && i < want; i++) {
		const char *raw = recs + i * in->thread_size;
		struct ptscope_thread th, *t = &th;

		memcpy(t, raw, sizeof(*t));
		if (!t->tid || t->cpu < 0 || !memchr(t->comm, 0, sizeof(t->comm)))
			return WHY("thread %llu: tid %llu cpu %d", i,
				   t->tid, t->cpu);
		if (!all_zero(raw + sizeof(*t), in->thread_size - sizeof(*t)))
			return WHY("thread %llu's tail is not zeroed", i);
	}
	return check_canary(c, k, want);
}

static const __attribute__((unused)) char *check_tlb(const struct fz_call *k)
{
	const struct ptscope_tlb *in = &k->a.tlb, *out = &k->out.tlb;

	if (memcmp(in, out, offsetof(struct ptscope_tlb, state)))
		return WHY("an input field changed");
	if (k->ret || !out->nr_cpu_ids || !out->timestamp_ns)
		return WHY("returned %ld, nr_cpu_ids %llu, timestamp_ns %llu",
			   k->ret, out->nr_cpu_ids, out->timestamp_ns);
	return NULL;
}

/* NULL if a successful answer is sane, else what is wrong. */
static const __attribute__((unused)) char *check_answer(const struct fz_ctx *c, const struct fz_call *k)
{
	size_t ksize = cmds[k->kind].ksize, i, seen;
	const struct ptscope_version *v = &k->out.version;

	if (k->where != AT_ARENA)
		return WHY("success with the argument %s", where_names[k->where]);
	/* Nothing past the structure the module knows is written. */
	seen = k->avail < sizeof(k->a) ? k->avail : sizeof(k->a);
	for (i = ksize; i < seen; i++)
		if (k->out.byte[i] != k->a.byte[i])
			return WHY("byte %zu past the structure changed", i);
	switch (k->kind) {
	case FZ_VERSION:
		if (k->ret || memcmp(&k->a, v, 16) ||
		    v->abi_major != PTSCOPE_ABI_MAJOR ||
		    !(v->features & PTSCOPE_FEAT_VERSION) ||
		    !memchr(v->release, 0, sizeof(v->release)) ||
		    !memchr(v->kernel, 0, sizeof(v->kernel)))
			return WHY("version answer: ret %ld abi %u.%u features %#llx",
				   k->ret, v->abi_major, v->abi_minor,
				   v->features);
		return NULL;
	case FZ_PAGES:
		return check_pages(c, k);
	case FZ_MAPS:
		return check_maps(c, k);
	case FZ_TLB:
		return check_tlb(k);
	default:
		return check_stats(c, k);
	}
}

static inline void describe(const struct fz_call *k, char *buf, size_t len)
{
	size_t used, i, words = cmds[k->kind].ksize / 8;

	if (words > 11)
		words = 11;
	used = snprintf(buf, len, "%s cmd %#lx arg %s", cmds[k->kind].name,
			k->cmd, where_names[k->where]);
	if (k->where == AT_ARENA || k->where == AT_RDONLY)
		used += snprintf(buf + used, len - used, " (%zu bytes mapped)",
				 k->avail);
	used += snprintf(buf + used, len - used, ", words:");
	for (i = 0; i < words && used < len; i++)
		used += snprintf(buf + used, len - used, " %#llx",
				 k->a.word[i]);
}

#endif /* PTSCOPE_FUZZ_MODEL_H */
