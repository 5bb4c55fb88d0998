// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libptscope's transport: ioctls to /dev/ptscope, optionally recorded, or
 * answered from a recording.
 *
 * A recording is "ptscope-replay1\n" followed by one record per ioctl, in
 * the order they were made, in the host's byte order:
 *
 *	struct replay_call, then @args_size bytes of the argument structure
 *	as the ioctl left it, then @out_size bytes of the array it filled.
 *
 * A read of a /proc file of the process (or of a fact of the system:
 * system_files.h) is recorded the same way, with nr
 * REPLAY_NR_PROC_FILE, a struct replay_proc_file for the argument (all of
 * it the question), and the file's bytes for the array; such recordings
 * start "ptscope-replay3\n".  A "ptscope-replay2\n" recording (0.6.1)
 * holds no system facts: replaying it, they are this machine's, as then;
 * a "ptscope-replay1\n" recording (0.6.0 and before) holds ioctls only:
 * replaying it, /proc is read live too.
 *
 * Replaying hands the same answers back in the same order; a question that
 * differs from the recorded one (another ioctl, pid, range or flags) is
 * refused with -EBADMSG rather than answered with someone else's data.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "system_files.h"
#include "transport.h"

#define REPLAY_MAX_BYTES (64ULL << 20)	/* no answer is bigger */

/* One record: call number @nr (an ioctl's _IOC_NR, or REPLAY_NR_PROC_FILE). */
static int record_call(struct ptscope *ps, uint32_t nr, size_t key_end,
		       long ret, const void *args, size_t size,
		       const void *vec, size_t out)
{
	struct replay_call c = {
		.nr = nr,
		.key_end = key_end,
		.ret = ret,
		.args_size = size,
		.out_size = out,
	};

	if (fwrite(&c, sizeof(c), 1, ps->record) != 1 ||
	    fwrite(args, size, 1, ps->record) != 1 ||
	    (out && fwrite(vec, out, 1, ps->record) != 1))
		return -EIO;
	return 0;
}

/*
 * Whether @asked is the question @recorded (bytes 8 to @key_end: flags,
 * pid, range).  "To the top of the user address space" is one question on
 * every machine, 2^47 - 4 KiB with 4-level paging or 2^56 - 4 KiB with
 * 5-level (ptscope_user_top()): a recording replays on the other kind.
 */
static bool same_question(const unsigned char *recorded,
			  const unsigned char *asked, size_t key_end)
{
	const size_t end_at = offsetof(struct ptscope_pages, end);
	uint64_t r, a;

	_Static_assert(offsetof(struct ptscope_maps, end) ==
		       offsetof(struct ptscope_pages, end),
		       "every ranged question has its end in one place");

	if (key_end < end_at + sizeof(uint64_t))
		return !memcmp(recorded + 8, asked + 8, key_end - 8);
	if (memcmp(recorded + 8, asked + 8, end_at - 8) ||
	    memcmp(recorded + end_at + 8, asked + end_at + 8,
		   key_end - end_at - 8))
		return false;
	memcpy(&r, recorded + end_at, sizeof(r));
	memcpy(&a, asked + end_at, sizeof(a));
	if (r == PTSCOPE_USER_TOP_5LEVEL)
		r = PTSCOPE_USER_TOP_4LEVEL;
	if (a == PTSCOPE_USER_TOP_5LEVEL)
		a = PTSCOPE_USER_TOP_4LEVEL;
	return r == a;
}

static long replay_call(struct ptscope *ps, unsigned long req, size_t key_end,
			void *args, size_t size, void *vec, size_t vec_cap)
{
	struct replay_call c;
	unsigned char *recorded;

	if (fread(&c, sizeof(c), 1, ps->replay) != 1)
		return -EBADMSG;	/* no more answers: another command */
	/* 0.6.1 and before took a TLB answer's first fields for its question. */
	if (req == PTSCOPE_IOC_TLB && c.key_end == 40 && !ps->replay_system)
		c.key_end = key_end;
	if (c.nr != _IOC_NR(req) || c.args_size != size || c.key_end != key_end ||
	    c.out_size > vec_cap || c.out_size > REPLAY_MAX_BYTES)
		return -EBADMSG;
	recorded = malloc(size);
	if (!recorded)
		return -ENOMEM;
	if (fread(recorded, size, 1, ps->replay) != 1 ||
	    !same_question(recorded, args, key_end)) {
		free(recorded);
		return -EBADMSG;
	}
	memcpy(args, recorded, size);
	free(recorded);
	if (c.out_size && fread(vec, c.out_size, 1, ps->replay) != 1)
		return -EBADMSG;
	return c.ret;
}

long ps_ioctl(struct ptscope *ps, unsigned long req, void *args, size_t size,
	      void *vec, size_t vec_cap, ps_answer_bytes answer_bytes)
{
	size_t key_end = replay_key_end(req);
	size_t out = 0;
	long ret;

	if (ps->replay)
		return replay_call(ps, req, key_end, args, size, vec, vec_cap);

	ret = ioctl(ps->fd, req, args);
	if (ret < 0)
		ret = -errno;
	if (!ps->record)
		return ret;
	if (ret >= 0 && answer_bytes)
		out = answer_bytes(args, ret);
	if (out > vec_cap)
		return -EIO;
	if (record_call(ps, _IOC_NR(req), key_end, ret, args, size, vec, out))
		return -EIO;
	return ret;
}

/* /proc/@pid/@name, whole, from the file system. */
static int read_proc_file(uint64_t pid, const char *name, char **text,
			  size_t *len)
{
	size_t cap = 4096, n = 0;
	char path[96], *buf, *bigger;
	ssize_t got;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	buf = malloc(cap + 1);
	while (buf) {
		got = read(fd, buf + n, cap - n);
		if (got < 0) {
			ret = errno == ESRCH ? -ESRCH : -errno;
			break;
		}
		if (!got)
			break;
		n += got;
		if (n == cap) {
			if (cap >= REPLAY_MAX_BYTES) {
				ret = -EFBIG;
				break;
			}
			cap *= 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	if (ret) {
		free(buf);
		return ret;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

/*
 * The recorded answer to /proc question @q.  A recording that does not
 * hold it next is left where it was, so that the command's next question
 * can still be answered.
 */
static int replay_proc_file(struct ptscope *ps,
			    const struct replay_proc_file *q, char **text,
			    size_t *len)
{
	struct replay_proc_file recorded;
	long at = ftell(ps->replay);
	struct replay_call c;
	char *buf;

	if (fread(&c, sizeof(c), 1, ps->replay) != 1 ||
	    c.nr != REPLAY_NR_PROC_FILE || c.args_size != sizeof(*q) ||
	    c.key_end != sizeof(*q) || c.out_size > REPLAY_MAX_BYTES ||
	    fread(&recorded, sizeof(recorded), 1, ps->replay) != 1 ||
	    memcmp(&recorded, q, sizeof(*q))) {
		if (at >= 0)
			fseek(ps->replay, at, SEEK_SET);
		return -EBADMSG;
	}
	buf = malloc(c.out_size + 1);
	if (!buf)
		return -ENOMEM;
	if (c.out_size && fread(buf, c.out_size, 1, ps->replay) != 1) {
		free(buf);
		return -EBADMSG;
	}
	if (c.ret < 0) {
		free(buf);
		return c.ret;
	}
	buf[c.out_size] = 0;
	*text = buf;
	*len = c.out_size;
	return 0;
}

/*
 * The system's facts a pid-0 question names, and the first recording
 * format that holds each: replaying an older recording, the fact is this
 * machine's, as it was then.
 */
static const struct system_fact {
	const char *name;
	int (*read)(char **text, size_t *len);
	bool since_replay3;
} system_facts[] = {
	{ REPLAY_PROC_PIDS, sys_proc_pids, false },
	{ REPLAY_SYS_THP, sys_thp_settings, true },
	{ REPLAY_SYS_CPUID, sys_cpuid_leaves, true },
};

static const struct system_fact *system_fact(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(system_facts) / sizeof(system_facts[0]); i++)
		if (!strcmp(name, system_facts[i].name))
			return &system_facts[i];
	return NULL;
}

int ps_read_proc(struct ptscope *ps, uint64_t pid, const char *name,
		 char **text, size_t *len)
{
	const struct system_fact *fact = pid ? NULL : system_fact(name);
	struct replay_proc_file q = { .pid = pid };
	bool recorded;
	int ret;

	if (pid & PTSCOPE_PID_PIDFD || !*name || strchr(name, '/') ||
	    strlen(name) >= sizeof(q.name) || (!pid && !fact))
		return -EINVAL;
	strcpy(q.name, name);
	if (ps && ps->replay) {
		recorded = fact && fact->since_replay3 ? ps->replay_system :
							 ps->replay_proc;
		if (recorded)
			return replay_proc_file(ps, &q, text, len);
	}
	ret = fact ? fact->read(text, len) : read_proc_file(pid, name, text, len);
	if (!ps || !ps->record)
		return ret;
	if (record_call(ps, REPLAY_NR_PROC_FILE, sizeof(q), ret, &q, sizeof(q),
			ret ? NULL : *text, ret ? 0 : *len)) {
		if (!ret)
			free(*text);
		return -EIO;
	}
	return ret;
}

int ps_record_open(struct ptscope *ps, const char *path)
{
	ps->record = fopen(path, "we");
	if (!ps->record)
		return -errno;
	if (fwrite(REPLAY_MAGIC, REPLAY_MAGIC_LEN, 1, ps->record) != 1) {
		fclose(ps->record);
		ps->record = NULL;
		return -EIO;
	}
	return 0;
}

int ps_replay_open(struct ptscope *ps, const char *path)
{
	char magic[REPLAY_MAGIC_LEN];

	ps->replay = fopen(path, "re");
	if (!ps->replay)
		return -errno;
	if (fread(magic, sizeof(magic), 1, ps->replay) != 1 ||
	    (memcmp(magic, REPLAY_MAGIC, sizeof(magic)) &&
	     memcmp(magic, REPLAY_MAGIC_V2, sizeof(magic)) &&
	     memcmp(magic, REPLAY_MAGIC_V1, sizeof(magic)))) {
		fclose(ps->replay);
		ps->replay = NULL;
		return -EBADMSG;
	}
	ps->replay_system = !memcmp(magic, REPLAY_MAGIC, sizeof(magic));
	ps->replay_proc = ps->replay_system ||
			  !memcmp(magic, REPLAY_MAGIC_V2, sizeof(magic));
	return 0;
}
