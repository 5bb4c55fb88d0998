// SPDX-License-Identifier: GPL-2.0
/*
 * Each boundary case of every ioctl's argument checks gets exactly the
 * errno the module's checks give (see fuzz.h for what the fuzz programs
 * prove together).
 *
 * The one place of the ioctls' invalid-argument cases: each is a variant
 * of one command's fixture, built from fuzz.h's table of the commands
 * (cmds[]: structure sizes, record sizes, known flags) and checked against
 * both a hand-written errno and fuzz_model.h's model, which the random
 * phase uses.  The other programs test what a valid call answers.
 */
#include "fuzz_model.h"

/* ---------------------------------------------------------------------- */
/* The boundary cases: one test each, the errno derived from the module. */

typedef void (*fz_mod_t)(struct fz_ctx *c, struct fz_call *k);

static void run_case(struct __test_metadata *_metadata, struct fz_ctx *c,
		     int kind, fz_mod_t mod, int expect)
{
	static struct fz_call k;
	char desc[512], allowed[128];
	const char *bad;
	unsigned int mask;

	fz_template(c, kind, &k);
	mod(c, &k);
	if (k.skip)
		SKIP(return, "%s", k.skip);
	fz_call(c, &k);
	describe(&k, desc, sizeof(desc));
	EXPECT_EQ(expect, k.err) {
		TH_LOG("%s: got %s (ret %ld), expected %s", desc,
		       errname(k.err), k.ret, errname(expect));
	}
	/* The random phase's model must agree with the hand-made answer. */
	mask = model(c, &k);
	mask_names(mask, allowed, sizeof(allowed));
	EXPECT_TRUE(mask & M(expect)) {
		TH_LOG("%s: the model allows %s, not %s", desc, allowed,
		       errname(expect));
	}
	if (!k.err) {
		bad = check_answer(c, &k);
		EXPECT_EQ(NULL, bad) {
			TH_LOG("%s: %s", desc, bad);
		}
	}
}

#define DEFINE_IOCTL_FIXTURE(fix)					\
	FIXTURE(fix) {							\
		struct fz_ctx c;					\
	};								\
	FIXTURE_VARIANT(fix) {						\
		fz_mod_t mod;						\
		int expect;						\
	};								\
	FIXTURE_SETUP(fix)						\
	{								\
		ASSERT_EQ(0, fz_setup(&self->c));			\
	}								\
	FIXTURE_TEARDOWN(fix)						\
	{								\
		fz_teardown(_metadata, &self->c);			\
	}

/* One case: @body changes the valid call @k; @expect_ is 0 or an errno. */
#define CASE(fix, name, expect_, ...)					\
	static void fix##_##name##_mod(struct fz_ctx *c, struct fz_call *k) \
	{								\
		(void)c;						\
		__VA_ARGS__;						\
	}								\
	FIXTURE_VARIANT_ADD(fix, name) {				\
		.mod = fix##_##name##_mod,				\
		.expect = expect_,					\
	}

#define KSIZE		(cmds[k->kind].ksize)
#define KMIN		(cmds[k->kind].kmin)
/* The most records of @r bytes from @v that stay inside user space. */
#define ROOM_LEN(v, r)	((c->task_size_max - PAGE - (v)) / (r))
#define NR		(_IOC_NR(k->cmd))
#define NEEDS_KTHREAD	do { if (!c->kthread) k->skip = "no kernel thread at pid 2"; } while (0)

/* Every command: the structure's size, tail, flags, pointer and word. */
#define COMMON_CASES(fix)						\
CASE(fix, size_0, EINVAL, k->a.word[0] = 0);				\
CASE(fix, size_1, EINVAL, k->a.word[0] = 1);				\
CASE(fix, size_7, EINVAL, k->a.word[0] = 7);				\
CASE(fix, size_8, EINVAL, k->a.word[0] = 8);				\
CASE(fix, size_16, EINVAL, k->a.word[0] = 16);				\
CASE(fix, size_ver0_minus_8, EINVAL, k->a.word[0] = KMIN - 8);	\
CASE(fix, size_ver0_minus_1, EINVAL, k->a.word[0] = KMIN - 1);	\
CASE(fix, size_ver0, 0, k->a.word[0] = KSIZE);				\
CASE(fix, size_ver0_plus_1, 0, k->a.word[0] = KSIZE + 1);		\
CASE(fix, size_ver0_plus_8, 0, k->a.word[0] = KSIZE + 8);		\
CASE(fix, size_page_minus_1, 0, k->a.word[0] = PAGE - 1);		\
CASE(fix, size_page, 0, k->a.word[0] = PAGE);				\
CASE(fix, size_page_plus_1, EINVAL, k->a.word[0] = PAGE + 1);		\
CASE(fix, size_2_pages, EINVAL, k->a.word[0] = 2 * PAGE);		\
CASE(fix, size_ver0_plus_4g, EINVAL, k->a.word[0] = (1ULL << 32) + KSIZE); \
CASE(fix, size_huge, EINVAL, k->a.word[0] = 1ULL << 63);		\
CASE(fix, size_u64_max, EINVAL, k->a.word[0] = ~0ULL);		\
CASE(fix, tail_first_byte_nonzero, E2BIG,				\
	k->a.word[0] = KSIZE + 8; k->a.byte[KSIZE] = 1);			\
CASE(fix, tail_last_byte_of_page_nonzero, E2BIG,			\
	k->a.word[0] = PAGE; k->a.byte[PAGE - 1] = 0x80);			\
CASE(fix, nonzero_beyond_size_is_ignored, 0,				\
	k->a.word[0] = KSIZE + 8; k->a.byte[KSIZE + 8] = 1;		\
	k->avail = KSIZE + 16);						\
CASE(fix, tail_unmapped, EFAULT,					\
	k->a.word[0] = KSIZE + 8; k->avail = KSIZE);			\
CASE(fix, tail_nonzero_then_unmapped, E2BIG,				\
	k->a.word[0] = PAGE; k->a.byte[KSIZE] = 1; k->avail = KSIZE + 8); \
CASE(fix, structure_end_unmapped, EFAULT, k->avail = KSIZE - 8);	\
CASE(fix, size_word_straddles_unmapped, EFAULT, k->avail = 4);		\
CASE(fix, e2big_before_bad_flags, E2BIG,				\
	k->a.word[0] = KSIZE + 8; k->a.byte[KSIZE + 3] = 1;		\
	k->a.word[1] = ~0ULL);						\
CASE(fix, flag_bit_63, EINVAL, k->a.word[1] = 1ULL << 63);		\
CASE(fix, flags_all_ones, EINVAL, k->a.word[1] = ~0ULL);		\
CASE(fix, arg_null, EFAULT, k->where = AT_NULL);			\
CASE(fix, arg_unmapped, EFAULT, k->where = AT_HOLE);			\
CASE(fix, arg_kernel, EFAULT, k->where = AT_KERNEL);			\
CASE(fix, arg_kernel_top, EFAULT, k->where = AT_KERNEL_TOP);		\
CASE(fix, arg_noncanonical, EFAULT, k->where = AT_NONCANONICAL);	\
CASE(fix, arg_read_only, EFAULT, k->where = AT_RDONLY);		\
CASE(fix, arg_low, EFAULT, k->where = AT_LOW);				\
CASE(fix, cmd_size_bits_0, 0,						\
	k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC, NR, 0));	\
CASE(fix, cmd_size_bits_max, 0,					\
	k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC, NR, 0x3fff)); \
CASE(fix, cmd_dir_none, ENOTTY, k->cmd = _IO(PTSCOPE_IOC_MAGIC, NR));	\
CASE(fix, cmd_dir_read, ENOTTY,					\
	k->cmd = _IOC(_IOC_READ, PTSCOPE_IOC_MAGIC, NR, KSIZE));		\
CASE(fix, cmd_dir_write, ENOTTY,					\
	k->cmd = _IOC(_IOC_WRITE, PTSCOPE_IOC_MAGIC, NR, KSIZE));		\
CASE(fix, cmd_other_type, ENOTTY,					\
	k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC + 1, NR, KSIZE))

/* The pid: word 2 of PAGES, MAPS and STATS. */
#define PID_CASES(fix)							\
CASE(fix, pid_self, 0, k->a.word[2] = c->self);				\
CASE(fix, pid_init, 0, k->a.word[2] = 1);				\
CASE(fix, pid_0, EINVAL, k->a.word[2] = 0);				\
CASE(fix, pid_minus_1, EBADF, k->a.word[2] = ~0ULL);			\
CASE(fix, pid_pidfd_of_stdin, EBADF, k->a.word[2] = PTSCOPE_PID_PIDFD | 0); \
CASE(fix, pid_pidfd_not_open, EBADF,					\
	k->a.word[2] = PTSCOPE_PID_PIDFD | 100000);			\
CASE(fix, pid_minus_1_32bit, EINVAL, k->a.word[2] = 0xffffffffULL);	\
CASE(fix, pid_max_limit, ESRCH, k->a.word[2] = PID_MAX_LIMIT);		\
CASE(fix, pid_max_limit_minus_1, ESRCH, k->a.word[2] = PID_MAX_LIMIT - 1); \
CASE(fix, pid_above_max_limit, EINVAL, k->a.word[2] = PID_MAX_LIMIT + 1); \
CASE(fix, pid_bit_40, EINVAL, k->a.word[2] = 1ULL << 40);		\
CASE(fix, pid_self_with_high_bits, EINVAL,				\
	k->a.word[2] = (1ULL << 32) | c->self);				\
CASE(fix, pid_kthread, EINVAL, NEEDS_KTHREAD; k->a.word[2] = c->kthread); \
CASE(fix, pid_zombie, ESRCH, k->a.word[2] = fz_zombie(c));		\
CASE(fix, pid_reaped, ESRCH, k->a.word[2] = fz_reaped(c))

/* start and end: words 3 and 4 of PAGES and MAPS. */
#define RANGE_CASES(fix)						\
CASE(fix, start_unaligned, EINVAL, k->a.word[3] += 1);			\
CASE(fix, end_unaligned, EINVAL, k->a.word[4] -= 1);			\
CASE(fix, start_odd_bit_11, EINVAL, k->a.word[3] += PAGE / 2);		\
CASE(fix, range_empty, EINVAL, k->a.word[4] = k->a.word[3]);		\
CASE(fix, range_inverted, EINVAL, k->a.word[4] = k->a.word[3] - PAGE); \
CASE(fix, range_wraps, EINVAL,						\
	k->a.word[3] = 0xfffffffffffff000ULL; k->a.word[4] = PAGE);	\
CASE(fix, range_zero_to_zero, EINVAL, k->a.word[3] = k->a.word[4] = 0); \
CASE(fix, end_kernel, EINVAL, k->a.word[4] = KERNEL_ADDR);		\
CASE(fix, start_and_end_kernel, EINVAL,				\
	k->a.word[3] = KERNEL_ADDR; k->a.word[4] = KERNEL_ADDR + PAGE);	\
CASE(fix, end_last_page_of_memory, EINVAL,				\
	k->a.word[4] = 0xfffffffffffff000ULL);				\
CASE(fix, end_task_size_max, 0, k->a.word[4] = c->task_size_max);	\
CASE(fix, end_past_task_size_max, EINVAL,				\
	k->a.word[4] = c->task_size_max + PAGE);				\
CASE(fix, start_at_task_size_max, EINVAL,				\
	k->a.word[3] = c->task_size_max; k->a.word[4] = c->task_size_max + PAGE); \
CASE(fix, whole_address_space, 0,					\
	k->a.word[3] = 0; k->a.word[4] = c->task_size_max);		\
CASE(fix, range_without_vma, 0,					\
	k->a.word[3] = 0; k->a.word[4] = 16 * PAGE);			\
CASE(fix, range_in_the_hole, 0,					\
	k->a.word[3] = (uintptr_t)c->hole;					\
	k->a.word[4] = (uintptr_t)c->hole + 2 * PAGE)

/* The array: words 5, 6, 7 of PAGES and MAPS, 3, 4, 5 of STATS. */
#define VEC_CASES(fix, V, L, R)						\
CASE(fix, vec_null, EFAULT, k->a.word[V] = 0);				\
CASE(fix, vec_unmapped, EFAULT, k->a.word[V] = (uintptr_t)c->hole);	\
CASE(fix, vec_read_only, EFAULT, k->a.word[V] = (uintptr_t)c->ro);	\
CASE(fix, vec_kernel, EFAULT, k->a.word[V] = KERNEL_ADDR);		\
CASE(fix, vec_kernel_direct_map, EFAULT,				\
	k->a.word[V] = 0xffff888000000000ULL);				\
CASE(fix, vec_low, EFAULT, k->a.word[V] = 8);				\
CASE(fix, vec_vsyscall, EFAULT, k->a.word[V] = VSYSCALL_ADDR);		\
CASE(fix, vec_noncanonical, EFAULT, k->a.word[V] = 1ULL << 63);	\
CASE(fix, vec_u64_max, EFAULT, k->a.word[V] = ~0ULL);			\
CASE(fix, vec_last_user_page, EFAULT,					\
	k->a.word[V] = c->task_size_max - PAGE; k->a.word[L] = 1);	\
CASE(fix, vec_end_past_user_space, EFAULT,				\
	k->a.word[V] = c->task_size_max - k->a.word[R]; k->a.word[L] = 2); \
CASE(fix, vec_crosses_into_unmapped, EFAULT,				\
	k->a.word[V] = (uintptr_t)c->vec_guard - k->a.word[R] / 2);	\
CASE(fix, vec_one_record_before_unmapped, 0,				\
	k->a.word[V] = (uintptr_t)c->vec_guard - k->a.word[R];		\
	k->a.word[L] = 1);							\
CASE(fix, vec_unaligned, 0, k->a.word[V] = (uintptr_t)c->vec + 3;	\
	k->a.word[L] = 1);							\
CASE(fix, vec_len_0, EINVAL, k->a.word[L] = 0);			\
CASE(fix, vec_len_1, 0, k->a.word[L] = 1);				\
CASE(fix, vec_len_2, 0, k->a.word[L] = 2);				\
CASE(fix, vec_len_huge_but_addressable, 0,				\
	k->a.word[L] = ROOM_LEN(k->a.word[V], k->a.word[R]));		\
CASE(fix, vec_len_past_user_space, EFAULT,				\
	k->a.word[L] = c->task_size_max / k->a.word[R] + 1);		\
CASE(fix, vec_len_overflows, EINVAL, k->a.word[L] = 1ULL << 60);	\
CASE(fix, vec_len_2_to_62, EINVAL, k->a.word[L] = 1ULL << 62);		\
CASE(fix, vec_len_half_ulong_max, EINVAL, k->a.word[L] = ULONG_MAX / 2); \
CASE(fix, vec_len_above_half_ulong_max, EINVAL,			\
	k->a.word[L] = ULONG_MAX / 2 + 1);					\
CASE(fix, vec_len_u64_max, EINVAL, k->a.word[L] = ~0ULL);		\
CASE(fix, rec_size_0, EINVAL, k->a.word[R] = 0);			\
CASE(fix, rec_size_8, EINVAL, k->a.word[R] = 8);			\
CASE(fix, rec_size_ver0_minus_8, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min - 8);				\
CASE(fix, rec_size_ver0_minus_1, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min - 1);				\
CASE(fix, rec_size_ver0_plus_1, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min + 1);				\
CASE(fix, rec_size_ver0_plus_4, EINVAL,				\
	k->a.word[R] = cmds[k->kind].rec_min + 4);				\
CASE(fix, rec_size_ours_plus_4, EINVAL, k->a.word[R] += 4);		\
CASE(fix, rec_size_ver0, 0, k->a.word[R] = cmds[k->kind].rec_min);	\
CASE(fix, rec_size_ver0_plus_8, 0,					\
	k->a.word[R] = cmds[k->kind].rec_min + 8; k->a.word[L] = 8);	\
CASE(fix, rec_size_page, 0, k->a.word[R] = PAGE; k->a.word[L] = 8);	\
CASE(fix, rec_size_page_plus_8, EINVAL, k->a.word[R] = PAGE + 8);	\
CASE(fix, rec_size_page_plus_1, EINVAL, k->a.word[R] = PAGE + 1);	\
CASE(fix, rec_size_2_pages, EINVAL, k->a.word[R] = 2 * PAGE);		\
CASE(fix, rec_size_u64_max, EINVAL, k->a.word[R] = ~0ULL);		\
CASE(fix, rec_size_times_vec_len_overflows, EINVAL,			\
	k->a.word[R] = PAGE; k->a.word[L] = 1ULL << 52)

DEFINE_IOCTL_FIXTURE(version)
COMMON_CASES(version);
CASE(version, flag_bit_0, EINVAL, k->a.version.flags = 1);
CASE(version, output_fields_garbage, 0,
	memset(&k->a.version.abi_major, 0xff,
	    sizeof(k->a.version) - offsetof(struct ptscope_version, abi_major)));

TEST_F(version, call)
{
	run_case(_metadata, &self->c, FZ_VERSION, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(pages)
COMMON_CASES(pages);
PID_CASES(pages);
RANGE_CASES(pages);
VEC_CASES(pages, 5, 6, 7);
CASE(pages, flag_unknown_bit_2, EINVAL, k->a.pages.flags |= 1ULL << 2);
CASE(pages, flags_none_one_record_a_page, 0, k->a.pages.flags = 0);
CASE(pages, flags_pfn_alone, 0, k->a.pages.flags = PTSCOPE_PAGES_PFN);
CASE(pages, flags_regions_and_pfn, 0,
	k->a.pages.flags = PTSCOPE_PAGES_FLAGS_ALL);
CASE(pages, vec_null_without_records, 0,
	k->a.pages.vec = 0; k->a.pages.start = 0; k->a.pages.end = 16 * PAGE);
CASE(pages, per_page_whole_space_overflows_array, EFAULT,
	k->a.pages.flags = 0; k->a.pages.start = 0;
	k->a.pages.end = c->task_size_max;
	k->a.pages.vec = (uintptr_t)c->vec_guard - 8 * k->a.pages.rec_size;
	k->a.pages.vec_len = ROOM_LEN(k->a.pages.vec, k->a.pages.rec_size));
CASE(pages, max_pages_0_is_unlimited, 0, k->a.pages.max_pages = 0);
CASE(pages, max_pages_1, 0, k->a.pages.max_pages = 1);
CASE(pages, max_pages_u64_max, 0, k->a.pages.max_pages = ~0ULL);
CASE(pages, output_fields_garbage, 0,
	k->a.pages.walk_end = ~0ULL; k->a.pages.nr_records = ~0ULL);

TEST_F(pages, call)
{
	run_case(_metadata, &self->c, FZ_PAGES, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(maps)
COMMON_CASES(maps);
PID_CASES(maps);
RANGE_CASES(maps);
VEC_CASES(maps, 5, 6, 7);
CASE(maps, flag_bit_0, EINVAL, k->a.maps.flags = 1);
CASE(maps, vec_null_without_records, 0,
	k->a.maps.vec = 0; k->a.maps.start = 0; k->a.maps.end = 16 * PAGE);
CASE(maps, output_fields_garbage, 0,
	memset(&k->a.maps.walk_end, 0xff,
	    sizeof(k->a.maps) - offsetof(struct ptscope_maps, walk_end));
	k->a.maps.collapse_max_none = 0);	/* an input since ABI 1.2 */

TEST_F(maps, call)
{
	run_case(_metadata, &self->c, FZ_MAPS, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(stats)
COMMON_CASES(stats);
PID_CASES(stats);
VEC_CASES(stats, 3, 4, 5);
CASE(stats, flag_unknown_bit_1, EINVAL, k->a.stats.flags |= 1ULL << 1);
CASE(stats, no_threads_flag_ignores_a_bad_array, 0,
	k->a.stats.flags = 0; k->a.stats.threads = KERNEL_ADDR;
	k->a.stats.threads_len = ~0ULL; k->a.stats.thread_size = 3);
CASE(stats, threads_len_above_max_threads, 0,
	k->a.stats.threads_len = MAX_THREADS + 1);
CASE(stats, output_fields_garbage, 0,
	memset(&k->a.stats.nr_threads, 0xff,
	    sizeof(k->a.stats) - offsetof(struct ptscope_stats, nr_threads)));

TEST_F(stats, call)
{
	run_case(_metadata, &self->c, FZ_STATS, variant->mod, variant->expect);
}

DEFINE_IOCTL_FIXTURE(tlb)
COMMON_CASES(tlb);
PID_CASES(tlb);
CASE(tlb, watch_and_unwatch, EINVAL,
	k->a.tlb.flags = PTSCOPE_TLB_WATCH | PTSCOPE_TLB_UNWATCH);
CASE(tlb, watch_self, 0, k->a.tlb.flags = PTSCOPE_TLB_WATCH);
CASE(tlb, unwatch_without_a_watch, 0, k->a.tlb.flags = PTSCOPE_TLB_UNWATCH);
/* No watch of it: a process that is gone is gone. */
CASE(tlb, pid_reaped_unwatch, ESRCH,
	k->a.tlb.flags = PTSCOPE_TLB_UNWATCH; k->a.word[2] = fz_reaped(c));
CASE(tlb, output_fields_garbage, 0,
	memset(&k->a.tlb.state, 0xff,
	    sizeof(k->a.tlb) - offsetof(struct ptscope_tlb, state)));

TEST_F(tlb, call)
{
	run_case(_metadata, &self->c, FZ_TLB, variant->mod, variant->expect);
}

/* Every flag bit the module does not know, one at a time. */
TEST(unknown_flag_bits_are_einval)
{
	static struct fz_call k;
	struct fz_ctx c;
	int kind, bit;

	ASSERT_EQ(0, fz_setup(&c));
	for (kind = 0; kind < FZ_NR_CMDS; kind++) {
		for (bit = 0; bit < 64; bit++) {
			__u64 flag = 1ULL << bit;
			int expect = cmds[kind].flags & flag ? 0 : EINVAL;

			fz_template(&c, kind, &k);
			k.a.word[1] = flag;
			fz_call(&c, &k);
			EXPECT_EQ(expect, k.err) {
				TH_LOG("%s flags %#llx: %s", cmds[kind].name,
				       flag, errname(k.err));
			}
		}
	}
	fz_teardown(_metadata, &c);
}

/* Unknown numbers and types, and the /proc files, have no ioctls. */
TEST(unknown_commands_are_enotty)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE
	};
	static const char *const files[] = { "pages", "maps", "stats", "status" };
	struct ptscope_version v = { .size = sizeof(v) };
	struct fz_ctx c;
	unsigned int nr, d;
	unsigned long cmd;
	char path[64];
	int fd;
	size_t i;

	ASSERT_EQ(0, fz_setup(&c));
	/* Command word 0: no type, no number, no direction. */
	EXPECT_EQ(-ENOTTY, ptscope_ioctl(c.fd, 0, &v));
	for (d = 0; d < 4; d++) {
		for (nr = 0; nr < 256; nr++) {
			cmd = _IOC(dirs[d], PTSCOPE_IOC_MAGIC, nr, sizeof(v));
			if (cmd_kind(cmd) >= 0)
				continue;
			EXPECT_EQ(-ENOTTY, ptscope_ioctl(c.fd, cmd, &v)) {
				TH_LOG("cmd %#lx", cmd);
			}
		}
	}
	for (i = 0; i < 256; i++) {
		/* Types the VFS answers itself ('T', 'X', 'f', 0x94, 0x15, 0). */
		if (i == PTSCOPE_IOC_MAGIC || i == 'T' || i == 'X' || i == 'f' ||
		    i == 0x94 || i == 0x15 || i == 0)
			continue;
		cmd = _IOC(_IOC_READ | _IOC_WRITE, i, 0, sizeof(v));
		EXPECT_EQ(-ENOTTY, ptscope_ioctl(c.fd, cmd, &v)) {
			TH_LOG("cmd %#lx", cmd);
		}
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", files[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-ENOTTY, ptscope_ioctl(fd, PTSCOPE_IOC_VERSION, &v)) {
			TH_LOG("%s", path);
		}
		close(fd);
	}
	fz_teardown(_metadata, &c);
}

FUZZ_LEAKS_TEST()

TEST_HARNESS_MAIN
