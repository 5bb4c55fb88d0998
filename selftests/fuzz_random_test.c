// SPDX-License-Identifier: GPL-2.0
/*
 * PTSCOPE_FUZZ_ITERS (default 100000) randomly mutated ioctls, and a tenth
 * as many random writes to /proc/ptscope, the last tenth of each as user
 * nobody, each with an outcome the model allows (see fuzz.h).
 * PTSCOPE_FUZZ_SEED replays a run.
 */
#include "fuzz_proc.h"
#include "fuzz_random.h"

/* ---------------------------------------------------------------------- */
/* Random calls. */

enum { C_OUT, C_SIZE, C_FLAGS, C_PID, C_ADDR, C_PTR, C_LEN, C_RECSZ };

/* What word @w of @kind's structure is. */
static int word_class(int kind, unsigned int w)
{
	static const unsigned char pages[] = {
		C_SIZE, C_FLAGS, C_PID, C_ADDR, C_ADDR, C_PTR, C_LEN, C_RECSZ,
		C_LEN
	};
	static const unsigned char stats[] = {
		C_SIZE, C_FLAGS, C_PID, C_PTR, C_LEN, C_RECSZ
	};

	switch (kind) {
	case FZ_VERSION:
		return w == 0 ? C_SIZE : w == 1 ? C_FLAGS : C_OUT;
	case FZ_PAGES:
	case FZ_MAPS:
		/* MAPS: the same first eight words, no max_pages. */
		if (w < (kind == FZ_PAGES ? 9u : 8u))
			return pages[w];
		return C_OUT;
	default:
		return w < sizeof(stats) ? stats[w] : C_OUT;
	}
}

/*
 * Hostile values for each kind of field.  Each pool is built around one
 * random number @r, so that a seed gives the same calls with any compiler.
 */
#define PICK(c, pool)	((pool)[below(c, ARRAY_SIZE(pool))])

static __u64 pick_pid(struct fz_ctx *c)
{
	__u64 self = c->self, r = rnd(c);
	const __u64 pool[] = {
		0, ~0ULL, PID_MAX_LIMIT, PID_MAX_LIMIT + 1, (1ULL << 32) | self,
		c->kthread ?: 2, c->zombie, c->reaped, 1, r % 32768, r,
		self, self, self, self, self, self,
	};

	return PICK(c, pool);
}

static __u64 pick_addr(struct fz_ctx *c)
{
	__u64 t = (uintptr_t)c->target, tsm = c->task_size_max, r = rnd(c);
	__u64 near = t + PAGE * (r % (TARGET_PAGES + 5)) - 2 * PAGE;
	int local;
	const __u64 pool[] = {
		0, PAGE, tsm, tsm - PAGE, tsm + PAGE, 1ULL << 47, KERNEL_ADDR,
		~0xfffULL, ~0ULL, t + 1 + r % (PAGE - 1), r, (r % tsm) & ~0xfffULL,
		(uintptr_t)c->vec, (uintptr_t)&local & ~0xfffULL,
		near, near, near, near, near, near,
	};

	return PICK(c, pool);
}

/* Never our own live memory: the module may write there. */
static __u64 pick_ptr(struct fz_ctx *c, __u64 rec)
{
	__u64 vec = (uintptr_t)c->vec, room = c->vec_guard - c->vec, r = rnd(c);
	const __u64 pool[] = {
		vec + 8 * (r % (room / 8)), vec + r % room,
		(uintptr_t)c->vec_guard - rec * (1 + r % 3),
		0, (uintptr_t)c->hole, (uintptr_t)c->ro, KERNEL_ADDR,
		VSYSCALL_ADDR, ~0ULL, ~0xfffULL, 1ULL << 63, 1ULL << 47,
		c->task_size_max - PAGE * (r & 1) - rec * (r >> 1 & 1), r,
		vec, vec, vec, vec, vec,
	};

	return PICK(c, pool);
}

static __u64 pick_len(struct fz_ctx *c, __u64 cap)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, 1, 2, 3, 7, 64, 1024, 1025, 65536, 65537, 1ULL << 24,
		1ULL << 32, ULONG_MAX / 2, ULONG_MAX / 2 + 1, ~0ULL,
		cap, cap + 1, r, r % (2 * cap + 1),
	};

	return PICK(c, pool);
}

static __u64 pick_recsz(struct fz_ctx *c, __u64 min)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, 8, min - 8, min - 1, min + 1, min + 4, min + 8, PAGE - 8, PAGE,
		PAGE + 8, ~0ULL, r, min + 8 * (r % ((PAGE - min) / 8 + 1)),
		min, min, min,
	};

	return PICK(c, pool);
}

static __u64 pick_size(struct fz_ctx *c, __u64 ksize)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, 1, 7, 8, ksize - 8, ksize - 1, ksize + 1, ksize + 7, ksize + 8,
		PAGE - 1, PAGE, PAGE + 1, (1ULL << 32) | ksize, 1ULL << 63, ~0ULL,
		r, ksize + r % (PAGE - ksize + 1), ksize + r % (PAGE - ksize + 1),
		ksize, ksize, ksize,
	};

	return PICK(c, pool);
}

static __u64 pick_flags(struct fz_ctx *c, __u64 known)
{
	__u64 r = rnd(c);
	const __u64 pool[] = {
		0, known, 1ULL << (r % 64), known | 1ULL << (r % 64), r, ~0ULL,
		known & r, known & r,
	};

	return PICK(c, pool);
}

static void mutate_word(struct fz_ctx *c, struct fz_call *k, unsigned int w)
{
	__u64 vec = 0, len = 0, rec = 0;

	call_vec(k, &vec, &len, &rec);
	switch (word_class(k->kind, w)) {
	case C_SIZE:
		k->a.word[w] = pick_size(c, cmds[k->kind].ksize);
		break;
	case C_FLAGS:
		k->a.word[w] = pick_flags(c, cmds[k->kind].flags);
		break;
	case C_PID:
		k->a.word[w] = pick_pid(c);
		break;
	case C_ADDR:
		k->a.word[w] = pick_addr(c);
		break;
	case C_PTR:
		k->a.word[w] = pick_ptr(c, rec < PAGE ? rec : PAGE);
		break;
	case C_LEN:
		k->a.word[w] = pick_len(c, vec_capacity(c, rec && rec < PAGE ? rec : PAGE));
		break;
	case C_RECSZ:
		k->a.word[w] = pick_recsz(c, cmds[k->kind].rec_min);
		break;
	default:
		k->a.word[w] = below(c, 3) ? rnd(c) : below(c, 2) ? 0 : ~0ULL;
		break;
	}
}

/* A garbage command word the VFS leaves to the driver. */
static unsigned long garbage_cmd(struct fz_ctx *c)
{
	unsigned long cmd, size = below(c, 1 << 14);
	unsigned int type;

	switch (below(c, 4)) {
	case 0:		/* the right type and number, a wrong direction */
		return _IOC(below(c, 3), PTSCOPE_IOC_MAGIC, below(c, FZ_NR_RANDOM), size);
	case 1:		/* numbers no command has */
		return _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC,
			    FZ_NR_KNOWN + below(c, 256 - FZ_NR_KNOWN), size);
	default:
		cmd = (uint32_t)rnd(c);
		type = _IOC_TYPE(cmd);
		/* Not a type the VFS answers itself (FIFREEZE, FIONBIO, ...). */
		if (type == 0 || type == 0x15 || type == 'T' || type == 'X' ||
		    type == 'f' || type == 0x94 || type == PTSCOPE_IOC_MAGIC)
			cmd ^= (type ^ 0xb8UL) << _IOC_TYPESHIFT;
		return cmd;
	}
}

/* A valid call, then a few of its words replaced by hostile values. */
static void random_call(struct fz_ctx *c, struct fz_call *k)
{
	int kind = below(c, FZ_NR_RANDOM);
	size_t ksize = cmds[kind].ksize, words = ksize / 8, i;
	unsigned int m, n;
	__u64 usize, tail_end;

	fz_template(c, kind, k);
	switch (kind) {
	case FZ_PAGES:
		k->a.pages.flags = below(c, 4);
		if (below(c, 5))
			k->a.pages.vec_len = 1ULL << 2 * below(c, 4);	/* 1 to 64 */
		break;
	case FZ_MAPS:
		k->a.maps.vec_len = below(c, 2) ? 2 : k->a.maps.vec_len;
		break;
	case FZ_STATS:
		k->a.stats.flags = below(c, 2);
		break;
	}

	/* Mutations: 0 (15%), 1 (40%), 2 (25%), 3-5 (20%). */
	n = below(c, 100);
	m = n < 15 ? 0 : n < 55 ? 1 : n < 80 ? 2 : 3 + below(c, 3);
	while (m--) {
		/* Mostly the fields the module reads. */
		for (n = 0; n < 8; n++) {
			i = below(c, words);
			if (word_class(kind, i) != C_OUT || chance(c, 15))
				break;
		}
		mutate_word(c, k, i);
	}
	if (chance(c, 2)) {		/* pure garbage */
		for (i = 0; i < words; i++)
			k->a.word[i] = rnd(c);
		if (chance(c, 50))
			k->a.word[0] = ksize;
	}

	/* Unprivileged: aim at someone else's process often (EPERM). */
	if (!c->admin && kind != FZ_VERSION && chance(c, 20))
		k->a.word[2] = 1;

	/* Bytes beyond the structure: zero, or one not. */
	usize = k->a.word[0];
	if (usize > ksize && usize <= PAGE && chance(c, 30))
		k->a.byte[ksize + below(c, usize - ksize)] = 1 + below(c, 255);

	/* Where the argument is. */
	n = below(c, 100);
	if (n < 86) {
		k->where = AT_ARENA;
		if (chance(c, 20)) {
			tail_end = usize <= PAGE ? usize : ksize;
			switch (below(c, 6)) {
			case 0:
				k->avail = 1 + below(c, 8);
				break;
			case 1:
				k->avail = ksize - 1 - below(c, 8);
				break;
			case 2:
				k->avail = tail_end > 1 ? tail_end - 1 : 1;
				break;
			case 3:
				/* a nonzero byte just past what the caller says */
				k->avail = tail_end + 8 + below(c, 64);
				if (tail_end >= ksize && tail_end < sizeof(k->a))
					k->a.byte[tail_end + below(c, 8)] = 0xff;
				break;
			default:
				k->avail = 1 + below(c, ARENA_BYTES);
				break;
			}
		}
	} else if (n < 89) {
		k->where = AT_RDONLY;
	} else {
		/* Not AT_LOW: a seed replays the calls it made before. */
		k->where = AT_NULL + below(c, AT_LOW - AT_NULL);
	}

	/* The command word. */
	n = below(c, 100);
	if (n >= 96)
		k->cmd = garbage_cmd(c);
	else if (n >= 90)
		k->cmd = _IOC(_IOC_READ | _IOC_WRITE, PTSCOPE_IOC_MAGIC, kind,
			      below(c, 1 << 14));
}

/* One seed for the whole program, so one number replays both phases. */
static __u64 program_seed;

static void __attribute__((constructor)) pick_program_seed(void)
{
	program_seed = fuzz_seed();
}

FIXTURE(random) {
	struct fz_ctx c;
	unsigned long iters;
};

FIXTURE_SETUP(random)
{
	ASSERT_EQ(0, fz_setup(&self->c));
	self->iters = fuzz_iters();
	seed_rng(&self->c, program_seed);
	/* A zombie and a reaped pid to aim at. */
	fz_zombie(&self->c);
	fz_reaped(&self->c);
	ksft_print_msg("%s: PTSCOPE_FUZZ_SEED=%llu PTSCOPE_FUZZ_ITERS=%lu replays it\n",
		       _metadata->name, program_seed, self->iters);
	fflush(stdout);
}

FIXTURE_TEARDOWN(random)
{
	fz_teardown(_metadata, &self->c);
}

#define MAX_REPORTS	10

static void ioctl_loop(struct __test_metadata *_metadata, struct fz_ctx *c,
		       unsigned long from, unsigned long to, struct tally *t)
{
	static struct fz_call k;
	char desc[512], allowed[128];
	unsigned int mask;
	const char *bad;
	unsigned long i;

	for (i = from; i < to; i++) {
		random_call(c, &k);
		fz_call(c, &k);
		t->n[outcome(k.err)]++;
		t->calls++;

		mask = model(c, &k) | M_TRANSIENT;
		bad = NULL;
		if (!(mask & M(k.err))) {
			mask_names(mask, allowed, sizeof(allowed));
			bad = WHY("got %s (ret %ld), the checks allow %s",
				  errname(k.err), k.ret, allowed);
		} else if (!k.err && cmd_kind(k.cmd) == k.kind) {
			bad = check_answer(c, &k);
		}
		if (bad && ++t->failures <= MAX_REPORTS) {
			describe(&k, desc, sizeof(desc));
			TH_LOG("call %lu%s: %s: %s", i,
			       c->admin ? "" : " (as nobody)", desc, bad);
		}
	}
}

TEST_F_TIMEOUT(random, ioctls, TIMEOUT_RANDOM)
{
	struct tally t;

	run_phase(_metadata, &self->c, self->iters, ioctl_loop, &t);
	print_tally("random ioctls", &t);
	EXPECT_EQ(0, t.n[O_OTHER]);
	EXPECT_EQ(0, t.failures) {
		TH_LOG("seed %llu: %lu of %lu calls wrong", program_seed,
		       t.failures, t.calls);
	}
}

/* Tokens of hostile query lines; %P %S %E %T as for the proc cases. */
static const char *const tokens[] = {
	"%P", "%P", "%P", "%S", "%E", "%T", "1", "2", "0", "-1", "+%P", "0x",
	"0x1g", "08", "010", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999", "0xffffffffffffffff", "0x10000000000000000",
	"0xffff800000000000", "4194304", "4194305", "4096", "0x1001", "all",
	"threads", "ALL", "reset", "", "-", "+", " ", "%P%P", "0X1000",
};

static const char *const seps[] = {
	" ", " ", " ", "\t", "\n", "  ", "\r", "\v", ",", "\0"
};

/* A valid query: the target, or a random range, of a random pid. */
static size_t valid_line(struct fz_ctx *c, int file, __u64 pid, char *out,
			 size_t room)
{
	__u64 start = (uintptr_t)c->target, end = start + TARGET_PAGES * PAGE;

	if (chance(c, 30)) {
		start = pick_addr(c);
		end = pick_addr(c);
	}
	switch (file) {
	case PF_PAGES:
		return snprintf(out, room, "%llu %#llx %#llx%s", pid, start, end,
				below(c, 2) ? " all" : "");
	case PF_MAPS:
		if (below(c, 2))
			return snprintf(out, room, "%llu", pid);
		return snprintf(out, room, "%llu %#llx %#llx", pid, start, end);
	case PF_STATS:
		return snprintf(out, room, "%llu%s", pid,
				below(c, 2) ? " threads" : "");
	default:
		return snprintf(out, room, "reset");
	}
}

/* A line of random bytes, tokens, a (damaged) valid query or an overlong one. */
static size_t random_line(struct fz_ctx *c, int file, __u64 pid, char *out,
			  size_t room)
{
	static const size_t lengths[] = { 255, 256, 257, 300, 4096 };
	char tmpl[512];
	size_t len = 0, i, n;

	switch (below(c, 6)) {
	case 0:		/* random bytes, often printable */
		n = below(c, 300);
		for (i = 0; i < n; i++)
			out[i] = below(c, 2) ? (char)(' ' + below(c, 95)) : (char)rnd(c);
		return n;
	case 1:
	case 2:		/* a soup of tokens */
		n = below(c, 6);
		for (i = 0; i < n && len + 64 < sizeof(tmpl); i++) {
			const char *t = tokens[below(c, ARRAY_SIZE(tokens))];
			const char *s = seps[below(c, ARRAY_SIZE(seps))];

			len += sprintf(tmpl + len, "%s", t);
			tmpl[len++] = s[0];	/* "\0" gives a NUL */
			if (s[0] && s[1])
				tmpl[len++] = s[1];
		}
		if (chance(c, 50) && len)
			len--;
		return expand(c, tmpl, len, pid, out, room);
	case 3:		/* a valid query */
		return valid_line(c, file, pid, out, room);
	case 4:		/* a valid query, damaged */
		len = valid_line(c, file, pid, out, room);
		switch (below(c, 3)) {
		case 0:		/* cut */
			return below(c, len + 1);
		case 1:		/* a byte replaced */
			if (len)
				out[below(c, len)] = rnd(c);
			return len;
		default:	/* a byte inserted */
			i = below(c, len + 1);
			memmove(out + i + 1, out + i, len - i);
			out[i] = below(c, 2) ? (char)rnd(c) : "0x9 -\n\t\0"[below(c, 7)];
			return len + 1;
		}
	default:	/* a valid query padded to the limit, or past it */
		len = valid_line(c, file, pid, out, room);
		n = PICK(c, lengths);
		if (n > room)
			n = room;
		if (n < len)
			n = len;
		memset(out + len, below(c, 2) ? ' ' : '0', n - len);
		return n;
	}
}

static int open_proc(int file)
{
	char path[64];

	snprintf(path, sizeof(path), PTSCOPE_PROC_DIR "/%s", proc_names[file]);
	return open(path, O_RDWR);
}

/*
 * The files are opened by root before the loop and closed after the whole
 * phase (proc_close_all()), so that the unprivileged part writes to them too
 * (status is root's alone to open for writing).
 */
static void proc_loop(struct __test_metadata *_metadata, struct fz_ctx *c,
		      unsigned long from, unsigned long to, struct tally *t)
{
	/* Not on the stack: a count far past it must stay in user space. */
	static char line[8192];
	bool *have_query = c->have_query;
	int *fds = c->proc_fd, file, buf, err;
	unsigned int mask;
	char allowed[128];
	const char *bad;
	unsigned long i;
	ssize_t n;
	size_t len;
	__u64 pid;

	for (i = from; i < to; i++) {
		/* status: seldom, it only knows "reset" */
		file = below(c, 20) ? below(c, PF_STATUS) : PF_STATUS;
		pid = below(c, 4) ? (__u64)c->self : pick_pid(c);
		if (!c->admin && chance(c, 20))
			pid = 1;	/* not ours: EPERM */
		len = random_line(c, file, pid, line, sizeof(line));
		if (chance(c, 2))	/* a count far past the bytes there */
			len = PROC_QUERY_MAX + 1 + below(c, 1 << 20);
		buf = chance(c, 3) ? 1 + below(c, 3) : BUF_OK;
		/* A fresh open now and then (status: only root may). */
		if (chance(c, 2) && (file != PF_STATUS || c->admin)) {
			close(fds[file]);
			fds[file] = open_proc(file);
			have_query[file] = false;
			if (fds[file] < 0) {
				t->failures++;
				TH_LOG("open %s: %s", proc_names[file],
				       errname(errno));
				return;
			}
		}

		n = write(fds[file], proc_buf(c, buf, line), len);
		err = n < 0 ? errno : 0;
		t->n[outcome(err)]++;
		t->calls++;
		mask = proc_model_buf(c, file, buf, line, len) | M_TRANSIENT;
		bad = NULL;
		if (!(mask & M(err))) {
			mask_names(mask, allowed, sizeof(allowed));
			bad = WHY("got %s, the parser allows %s", errname(err),
				  allowed);
		} else if (!err && (size_t)n != len) {
			bad = WHY("wrote %zd of %zu bytes", n, len);
		}
		if (!err && file != PF_STATUS)
			have_query[file] = true;

		/* Read it back, now and then from further on. */
		if (!bad && chance(c, 50)) {
			bad = proc_read_check(fds[file], file, have_query[file],
					      false);
			if (!bad && chance(c, 20) &&
			    lseek(fds[file], below(c, 1 << 16), SEEK_SET) >= 0 &&
			    read(fds[file], line, below(c, 4096) + 1) < 0 &&
			    !(M(errno) & (M(ESRCH) | M(EPERM) | M(EINVAL) |
					  M_TRANSIENT)))
				bad = WHY("read further on: %s", errname(errno));
		}
		if (bad && ++t->failures <= MAX_REPORTS) {
			TH_LOG("write %lu%s to %s, %zu bytes%s \"%.*s\": %s", i,
			       c->admin ? "" : " (as nobody)", proc_names[file],
			       len, buf ? " from a bad buffer" : "",
			       len > 80 ? 80 : (int)len, buf ? "" : line, bad);
		}
	}
}

TEST_F_TIMEOUT(random, proc_writes, TIMEOUT_RANDOM)
{
	struct fz_ctx *c = &self->c;
	struct tally t;
	int file;

	for (file = 0; file < PF_NR; file++) {
		c->proc_fd[file] = open_proc(file);
		ASSERT_LE(0, c->proc_fd[file]);
	}
	run_phase(_metadata, c, self->iters / 10, proc_loop, &t);
	for (file = 0; file < PF_NR; file++)
		close(c->proc_fd[file]);
	print_tally("random /proc writes", &t);
	EXPECT_EQ(0, t.n[O_OTHER]);
	EXPECT_EQ(0, t.failures) {
		TH_LOG("seed %llu: %lu of %lu writes wrong", program_seed,
		       t.failures, t.calls);
	}
}

FUZZ_LEAKS_TEST()

TEST_HARNESS_MAIN
