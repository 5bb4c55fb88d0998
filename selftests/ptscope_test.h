/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the ptscope selftests. */
#ifndef PTSCOPE_TEST_H
#define PTSCOPE_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ptscope.h>

/* /dev/ptscope, read-only as every query needs it: the fd, or -1. */
static inline int ptscope_open_dev(void)
{
	return open(PTSCOPE_DEVICE, O_RDONLY);
}

/*
 * The one ioctl() of the selftests on /dev/ptscope: -errno, or what the
 * command returns (0, or a count of records), for EXPECT_EQ(-EINVAL, ...).
 */
static inline long ptscope_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* Read the value of "key value" from a small text file; -1 if absent. */
static inline int read_keyed_line(const char *path, const char *key,
				  char *val, size_t len)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			snprintf(val, len, "%s", line + klen + 1);
			val[strcspn(val, "\n")] = 0;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * "allocations N" of /proc/ptscope/status: what the module holds right now
 * (0 with no query in flight), or -1.
 */
static inline long ptscope_live_allocations(void)
{
	char val[256];

	if (read_keyed_line(PTSCOPE_PROC_DIR "/status", "allocations", val,
			    sizeof(val)))
		return -1;
	return strtol(val, NULL, 10);
}

/* Run @fn as user nobody in a child; returns its exit status. */
static inline int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t child = fork();
	int status;

	if (!child) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		/* Changing uid made us non-dumpable; a normal process is not. */
		prctl(PR_SET_DUMPABLE, 1);
		_exit(fn(arg));
	}
	if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* PTSCOPE_TEST_H */
