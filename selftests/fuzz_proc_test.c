// SPDX-License-Identifier: GPL-2.0
/*
 * Each boundary case of the /proc/ptscope parsers gets the errno a mirror
 * of the parsers gives, and reading afterwards works (see fuzz.h).  The
 * one place of the /proc files' invalid queries, as fuzz_ioctl_test is
 * the ioctls'.
 */
#include "fuzz_proc.h"

FIXTURE(proc) {
	struct fz_ctx c;
};

FIXTURE_VARIANT(proc) {
	int file;		/* PF_* */
	const char *line;	/* with %P, %S, %E, %T */
	size_t len;		/* of @line, NULs included */
	size_t pad;		/* spaces appended up to this many bytes */
	int pid;		/* PID_*: what %P is */
	int from;		/* BUF_*: where the bytes come from */
	bool as_nobody;		/* write as user nobody (the file opened as root) */
	int expect;
};

FIXTURE_SETUP(proc)
{
	ASSERT_EQ(0, fz_setup(&self->c));
}

FIXTURE_TEARDOWN(proc)
{
	fz_teardown(_metadata, &self->c);
}

#define PROC_CASE(name, file_, line_, expect_, ...)			\
	FIXTURE_VARIANT_ADD(proc, name) {				\
		.file = file_,						\
		.line = line_,						\
		.len = sizeof(line_) - 1,				\
		.expect = expect_,					\
		__VA_ARGS__						\
	}

PROC_CASE(pages_valid, PF_PAGES, "%P %S %E", 0);
PROC_CASE(pages_valid_all, PF_PAGES, "%P %S %E all\n", 0);
PROC_CASE(pages_valid_tabs, PF_PAGES, "\t%P\t%S\t%E\t", 0);
PROC_CASE(pages_valid_plus_sign, PF_PAGES, "+%P %S %E", 0);
PROC_CASE(pages_valid_then_nul_garbage, PF_PAGES, "%P %S %E\0garbage", 0);
PROC_CASE(pages_padded_to_256, PF_PAGES, "%P %S %E", 0, .pad = 256);
PROC_CASE(pages_padded_to_257, PF_PAGES, "%P %S %E", EINVAL, .pad = 257);
PROC_CASE(pages_padded_to_4096, PF_PAGES, "%P %S %E", EINVAL, .pad = 4096);
PROC_CASE(pages_empty_write, PF_PAGES, "", EINVAL);
PROC_CASE(pages_only_spaces, PF_PAGES, "   \n", EINVAL);
PROC_CASE(pages_nul_first, PF_PAGES, "\0%P %S %E", EINVAL);
PROC_CASE(pages_nuls, PF_PAGES, "\0\0\0\0", EINVAL);
PROC_CASE(pages_one_nul, PF_PAGES, "\0", EINVAL);
PROC_CASE(pages_letter, PF_PAGES, "x", EINVAL);
PROC_CASE(pages_pid_only, PF_PAGES, "%P", EINVAL);
PROC_CASE(pages_two_numbers, PF_PAGES, "%P %S", EINVAL);
PROC_CASE(pages_bad_mode_word, PF_PAGES, "%P %S %E none", EINVAL);
PROC_CASE(pages_five_words, PF_PAGES, "%P %S %E all all", EINVAL);
PROC_CASE(pages_carriage_returns, PF_PAGES, "%P\r%S\r%E", EINVAL);
PROC_CASE(pages_negative_pid, PF_PAGES, "-1 %S %E", EINVAL);
PROC_CASE(pages_negative_start, PF_PAGES, "%P -4096 %E", EINVAL);
PROC_CASE(pages_pid_overflows, PF_PAGES, "18446744073709551616 %S %E", EINVAL);
PROC_CASE(pages_end_overflows, PF_PAGES, "%P %S 0x10000000000000000", EINVAL);
PROC_CASE(pages_end_u64_max, PF_PAGES, "%P 0x1000 0xffffffffffffffff", EINVAL);
PROC_CASE(pages_pid_u64_max, PF_PAGES, "18446744073709551615 %S %E", EBADF);
PROC_CASE(pages_pidfd_of_stdin, PF_PAGES, "pidfd:0 %S %E", EBADF);
PROC_CASE(pages_pidfd_junk, PF_PAGES, "pidfd:0x %S %E", EINVAL);
PROC_CASE(pages_pidfd_huge, PF_PAGES, "pidfd:2147483648 %S %E", EINVAL);
PROC_CASE(pages_partial_hex, PF_PAGES, "%P 0x %E", EINVAL);
PROC_CASE(pages_bad_hex_digit, PF_PAGES, "%P %S 0x7g000", EINVAL);
PROC_CASE(pages_bad_octal_digit, PF_PAGES, "%P 08 %E", EINVAL);
PROC_CASE(pages_trailing_junk, PF_PAGES, "%Px %S %E", EINVAL);
PROC_CASE(pages_unaligned, PF_PAGES, "%P 0x1001 0x2000", EINVAL);
PROC_CASE(pages_inverted, PF_PAGES, "%P %E %S", EINVAL);
PROC_CASE(pages_empty_range, PF_PAGES, "%P %S %S", EINVAL);
PROC_CASE(pages_end_task_size_max, PF_PAGES, "%P 0 %T", 0);
PROC_CASE(pages_end_past_user_space, PF_PAGES, "%P 0 0xffff800000000000", EINVAL);
PROC_CASE(pages_pid_0, PF_PAGES, "0 %S %E", EINVAL);
PROC_CASE(pages_pid_max_limit, PF_PAGES, "4194304 %S %E", ESRCH);
PROC_CASE(pages_pid_max_limit_minus_1, PF_PAGES, "4194303 %S %E", ESRCH);
PROC_CASE(pages_pid_above_max_limit, PF_PAGES, "4194305 %S %E", EINVAL);
PROC_CASE(pages_kthread, PF_PAGES, "%P %S %E", EINVAL, .pid = PID_KTHREAD);
PROC_CASE(pages_zombie, PF_PAGES, "%P %S %E", ESRCH, .pid = PID_ZOMBIE);
PROC_CASE(pages_reaped, PF_PAGES, "%P %S %E", ESRCH, .pid = PID_REAPED);
PROC_CASE(pages_init, PF_PAGES, "%P 0 %T", 0, .pid = PID_INIT);
PROC_CASE(pages_init_as_nobody, PF_PAGES, "%P 0 %T", EPERM, .pid = PID_INIT,
	  .as_nobody = true);
PROC_CASE(pages_buffer_null, PF_PAGES, "%P %S %E", EFAULT, .from = BUF_NULL);
PROC_CASE(pages_buffer_unmapped, PF_PAGES, "%P %S %E", EFAULT, .from = BUF_HOLE);
PROC_CASE(pages_buffer_kernel, PF_PAGES, "%P %S %E", EFAULT, .from = BUF_KERNEL);

PROC_CASE(maps_valid_pid, PF_MAPS, "%P", 0);
PROC_CASE(maps_valid_range, PF_MAPS, "%P %S %E\n", 0);
PROC_CASE(maps_padded_to_256, PF_MAPS, "%P", 0, .pad = 256);
PROC_CASE(maps_padded_to_257, PF_MAPS, "%P", EINVAL, .pad = 257);
PROC_CASE(maps_empty_write, PF_MAPS, "", EINVAL);
PROC_CASE(maps_newline_only, PF_MAPS, "\n", EINVAL);
PROC_CASE(maps_two_words, PF_MAPS, "%P %S", EINVAL);
PROC_CASE(maps_four_words, PF_MAPS, "%P %S %E x", EINVAL);
PROC_CASE(maps_negative_pid, PF_MAPS, "-5", EINVAL);
PROC_CASE(maps_pid_overflows, PF_MAPS, "99999999999999999999999", EINVAL);
PROC_CASE(maps_partial_token, PF_MAPS, "0x", EINVAL);
PROC_CASE(maps_unaligned, PF_MAPS, "%P 0x1001 0x2000", EINVAL);
PROC_CASE(maps_zero_range, PF_MAPS, "%P 0 0", EINVAL);
PROC_CASE(maps_end_past_user_space, PF_MAPS, "%P 0 0xfffffffffffff000", EINVAL);
PROC_CASE(maps_nul_in_pid, PF_MAPS, "%P\0 1 2 3 4", 0);
PROC_CASE(maps_pid_0, PF_MAPS, "0", EINVAL);
PROC_CASE(maps_kthread, PF_MAPS, "%P", EINVAL, .pid = PID_KTHREAD);
PROC_CASE(maps_zombie, PF_MAPS, "%P", ESRCH, .pid = PID_ZOMBIE);
PROC_CASE(maps_reaped, PF_MAPS, "%P", ESRCH, .pid = PID_REAPED);
PROC_CASE(maps_init_as_nobody, PF_MAPS, "%P", EPERM, .pid = PID_INIT,
	  .as_nobody = true);
PROC_CASE(maps_buffer_null, PF_MAPS, "%P", EFAULT, .from = BUF_NULL);

PROC_CASE(stats_valid, PF_STATS, "%P", 0);
PROC_CASE(stats_valid_threads, PF_STATS, "%P threads\n", 0);
PROC_CASE(stats_nul_before_threads, PF_STATS, "%P\0threads", 0);
PROC_CASE(stats_padded_to_257, PF_STATS, "%P", EINVAL, .pad = 257);
PROC_CASE(stats_empty_write, PF_STATS, "", EINVAL);
PROC_CASE(stats_thread_misspelt, PF_STATS, "%P thread", EINVAL);
PROC_CASE(stats_three_words, PF_STATS, "%P threads threads", EINVAL);
PROC_CASE(stats_three_numbers, PF_STATS, "1 2 3\n", EINVAL);
PROC_CASE(stats_word_only, PF_STATS, "threads", EINVAL);
PROC_CASE(stats_negative_pid, PF_STATS, "-1", EINVAL);
PROC_CASE(stats_pid_overflows, PF_STATS, "0x10000000000000000", EINVAL);
PROC_CASE(stats_pid_32bit_minus_1, PF_STATS, "4294967295", EINVAL);
PROC_CASE(stats_pid_0, PF_STATS, "0", EINVAL);
PROC_CASE(stats_pid_max_limit, PF_STATS, "4194304", ESRCH);
PROC_CASE(stats_kthread, PF_STATS, "%P", EINVAL, .pid = PID_KTHREAD);
PROC_CASE(stats_zombie, PF_STATS, "%P threads", ESRCH, .pid = PID_ZOMBIE);
PROC_CASE(stats_reaped, PF_STATS, "%P", ESRCH, .pid = PID_REAPED);
PROC_CASE(stats_init_as_nobody, PF_STATS, "%P", EPERM, .pid = PID_INIT,
	  .as_nobody = true);
PROC_CASE(stats_buffer_unmapped, PF_STATS, "%P", EFAULT, .from = BUF_HOLE);

PROC_CASE(status_reset, PF_STATUS, "reset", 0);
PROC_CASE(status_reset_newline, PF_STATUS, "reset\n", 0);
PROC_CASE(status_reset_spaces, PF_STATUS, " reset ", 0);
PROC_CASE(status_reset_nul_junk, PF_STATUS, "reset\0x", 0);
PROC_CASE(status_reset_8_bytes, PF_STATUS, "reset  \n", EINVAL);
PROC_CASE(status_empty_write, PF_STATUS, "", EINVAL);
PROC_CASE(status_other_word, PF_STATUS, "resetx", EINVAL);
PROC_CASE(status_upper_case, PF_STATUS, "RESET", EINVAL);
PROC_CASE(status_nul, PF_STATUS, "\0", EINVAL);
PROC_CASE(status_overlong, PF_STATUS, "reset", EINVAL, .pad = 300);
PROC_CASE(status_buffer_null, PF_STATUS, "reset", EFAULT, .from = BUF_NULL);
PROC_CASE(status_buffer_kernel, PF_STATUS, "reset", EFAULT, .from = BUF_KERNEL);
PROC_CASE(status_reset_as_nobody, PF_STATUS, "reset", EPERM, .as_nobody = true);

static int write_as_nobody(int fd, const void *buf, size_t len)
{
	pid_t child = fork();
	int status;

	if (!child) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(200);
		_exit(write(fd, buf, len) == (ssize_t)len ? 0 : errno);
	}
	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(proc, write_then_read)
{
	struct fz_ctx *c = &self->c;
	char path[64], line[8192], desc[128], allowed[128];
	__u64 pid = c->self;
	const char *bad;
	unsigned int mask;
	ssize_t n;
	size_t len;
	int fd, err;

	switch (variant->pid) {
	case PID_INIT:
		pid = 1;
		break;
	case PID_KTHREAD:
		if (!c->kthread)
			SKIP(return, "no kernel thread at pid 2");
		pid = c->kthread;
		break;
	case PID_ZOMBIE:
		pid = fz_zombie(c);
		break;
	case PID_REAPED:
		pid = fz_reaped(c);
		break;
	}
	if (variant->as_nobody && !c->admin)
		SKIP(return, "needs root to become nobody");
	len = expand(c, variant->line, variant->len, pid, line, sizeof(line));
	if (variant->pad > len) {
		memset(line + len, ' ', variant->pad - len);
		len = variant->pad;
	}
	snprintf(desc, sizeof(desc), "%s <- \"%.*s\" (%zu bytes)",
		 proc_names[variant->file], len > 60 ? 60 : (int)len, line, len);

	snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s",
		 proc_names[variant->file]);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	if (variant->as_nobody) {
		err = write_as_nobody(fd, proc_buf(c, variant->from, line), len);
		ASSERT_NE(200, err);
	} else {
		n = write(fd, proc_buf(c, variant->from, line), len);
		err = n < 0 ? errno : 0;
		EXPECT_TRUE(n < 0 || (size_t)n == len);
	}
	EXPECT_EQ(variant->expect, err) {
		TH_LOG("%s: %s, expected %s", desc, errname(err),
		       errname(variant->expect));
	}
	if (!variant->as_nobody) {
		mask = proc_model_buf(c, variant->file, variant->from, line, len);
		mask_names(mask, allowed, sizeof(allowed));
		EXPECT_TRUE(mask & M(variant->expect)) {
			TH_LOG("%s: the model allows %s", desc, allowed);
		}
	}
	bad = proc_read_check(fd, variant->file, !err, !err);
	EXPECT_EQ(NULL, bad) {
		TH_LOG("%s: %s", desc, bad);
	}
	close(fd);
}

/* A refused write leaves the query that was there. */
TEST(proc_refused_write_keeps_the_query)
{
	static const char *const garbage[] = { "", "x", "-1", "0 0 0" };
	struct fz_ctx c;
	char q[128];
	const char *bad;
	int file, fd;
	size_t i;

	ASSERT_EQ(0, fz_setup(&c));
	for (file = PF_PAGES; file <= PF_STATS; file++) {
		snprintf(q, sizeof(q), PTSCOPE_PROC_DIR "/%s", proc_names[file]);
		fd = open(q, O_RDWR);
		ASSERT_LE(0, fd);
		snprintf(q, sizeof(q), file == PF_PAGES ? "%d %#lx %#lx" : "%d",
			 c.self, (unsigned long)c.target,
			 (unsigned long)c.target + TARGET_PAGES * PAGE);
		ASSERT_EQ((ssize_t)strlen(q), write(fd, q, strlen(q)));
		for (i = 0; i < ARRAY_SIZE(garbage); i++) {
			EXPECT_EQ(-1, write(fd, garbage[i], strlen(garbage[i])));
			EXPECT_EQ(EINVAL, errno);
			bad = proc_read_check(fd, file, true, true);
			EXPECT_EQ(NULL, bad) {
				TH_LOG("%s after \"%s\": %s", proc_names[file],
				       garbage[i], bad);
			}
		}
		close(fd);
	}
	fz_teardown(_metadata, &c);
}

FUZZ_LEAKS_TEST()

TEST_HARNESS_MAIN
