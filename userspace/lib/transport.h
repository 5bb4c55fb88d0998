/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptscope's one way to the module: each ioctl goes to /dev/ptscope, and
 * may be recorded to a file; or it is answered from such a recording, so
 * the tool can be tested and its output reproduced without the module.
 */
#ifndef PTSCOPE_TRANSPORT_H
#define PTSCOPE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libptscope.h"

struct ptscope {
	int fd;			/* -1 when replaying */
	FILE *record;		/* answers are appended here, or NULL */
	FILE *replay;		/* answers come from here, or NULL */
	bool replay_proc;	/* the recording holds /proc reads too (replay2+) */
	bool replay_system;	/* and the system's facts (replay3) */
	struct ptscope_version version;
};

/*
 * Issue ioctl @req with @args (@size bytes; its pid, if any, at byte 16).
 * @vec is the array the module fills, @vec_cap its size in bytes;
 * @answer_bytes says how much of it an answer filled.  Returns the
 * ioctl's value or a negative errno.
 */
typedef size_t (*ps_answer_bytes)(const void *args, long ret);
long ps_ioctl(struct ptscope *ps, unsigned long req, void *args, size_t size,
	      void *vec, size_t vec_cap, ps_answer_bytes answer_bytes);

/*
 * Read /proc/@pid/@name whole into a malloc()ed, NUL-terminated *@text of
 * *@len bytes (pid 0, REPLAY_PROC_PIDS: the pids of /proc, a line each;
 * REPLAY_SYS_THP, REPLAY_SYS_CPUID: system_files.h);
 * recorded and replayed like an ioctl (@ps NULL: neither).  0 or a
 * negative errno.
 */
int ps_read_proc(struct ptscope *ps, uint64_t pid, const char *name,
		 char **text, size_t *len);

/* The recording's format (see transport.c). */
#define REPLAY_MAGIC "ptscope-replay3\n"	/* with /proc reads and system facts */
#define REPLAY_MAGIC_V2 "ptscope-replay2\n"	/* 0.6.1: no THP settings, no CPUID */
#define REPLAY_MAGIC_V1 "ptscope-replay1\n"	/* 0.6.0 and before: ioctls only */
#define REPLAY_MAGIC_LEN 16

struct replay_call {
	uint32_t nr;		/* _IOC_NR of the request */
	uint32_t key_end;	/* args bytes [8, key_end) are the question */
	int64_t ret;		/* the ioctl's value, or -errno */
	uint64_t args_size;
	uint64_t out_size;
};

/*
 * A /proc read in a recording: its replay_call's nr, and its question.
 * Pid 0 and name REPLAY_PROC_PIDS is /proc itself: its process
 * directories, one pid a line; pid 0 and REPLAY_SYS_THP the system's THP
 * settings (ptscope_thp_settings()), REPLAY_SYS_CPUID the CPU's CPUID
 * leaves (ptscope_cpuid_leaves()).
 */
#define REPLAY_NR_PROC_FILE	0xf0
#define REPLAY_PROC_PIDS	"pids"
#define REPLAY_SYS_THP		"thp"
#define REPLAY_SYS_CPUID	"cpuid"
struct replay_proc_file {
	uint64_t pid;
	char name[56];
};

/*
 * The question of each request: flags, pid and range follow .size.  STATS
 * and TLB ask of a pid alone; what follows it is the answer.
 */
static inline uint32_t replay_key_end(unsigned long req)
{
	return req == PTSCOPE_IOC_VERSION ? 8 :
	       req == PTSCOPE_IOC_STATS || req == PTSCOPE_IOC_TLB ? 24 : 40;
}

/* Start a recording at @path (truncated); 0 or a negative errno. */
int ps_record_open(struct ptscope *ps, const char *path);
/* Open a recording for replay; 0, -errno, or -EBADMSG if not one. */
int ps_replay_open(struct ptscope *ps, const char *path);

#endif /* PTSCOPE_TRANSPORT_H */
