/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptscope: the only code that knows the /dev/ptscope ioctls.
 * Every function returns 0 or a negative errno.
 */
#ifndef LIBPTSCOPE_H
#define LIBPTSCOPE_H

#include <stddef.h>
#include <stdint.h>
#include <ptscope.h>

struct ptscope;

/* Open /dev/ptscope (or $PTSCOPE_DEVICE) and check the ABI major. */
int ptscope_open(struct ptscope **out);
void ptscope_close(struct ptscope *ps);
const struct ptscope_version *ptscope_module_version(const struct ptscope *ps);
int ptscope_fd(const struct ptscope *ps);

/* Ask the module for its version; used by ptscope_open. */
int ptscope_query_version(int fd, struct ptscope_version *v);

/* 0 when a module reporting @v can serve this library, -EPROTO if not. */
int ptscope_abi_compatible(const struct ptscope_version *v);

/* A plain sentence for an errno returned by this library. */
const char *ptscope_strerror(int err);

#endif /* LIBPTSCOPE_H */
