// SPDX-License-Identifier: LGPL-2.1-or-later
/* libptscope: open, version handshake and error messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libptscope.h"

struct ptscope {
	int fd;
	struct ptscope_version version;
};

int ptscope_query_version(int fd, struct ptscope_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (ioctl(fd, PTSCOPE_IOC_VERSION, v))
		return -errno;
	return 0;
}

int ptscope_abi_compatible(const struct ptscope_version *v)
{
	return v->abi_major == PTSCOPE_ABI_MAJOR ? 0 : -EPROTO;
}

int ptscope_open(struct ptscope **out)
{
	const char *path = getenv("PTSCOPE_DEVICE");
	struct ptscope *ps;
	int ret;

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->fd = open(path && *path ? path : PTSCOPE_DEVICE, O_RDONLY | O_CLOEXEC);
	if (ps->fd < 0) {
		/* No device node means no module: say so, not "no such file". */
		ret = errno == ENOENT || errno == ENXIO || errno == ENODEV ?
			-ENODEV : -errno;
		goto err_free;
	}
	ret = ptscope_query_version(ps->fd, &ps->version);
	if (ret)
		goto err_close;
	ret = ptscope_abi_compatible(&ps->version);
	if (ret)
		goto err_close;
	*out = ps;
	return 0;

err_close:
	close(ps->fd);
err_free:
	free(ps);
	return ret;
}

void ptscope_close(struct ptscope *ps)
{
	if (!ps)
		return;
	close(ps->fd);
	free(ps);
}

const struct ptscope_version *ptscope_module_version(const struct ptscope *ps)
{
	return &ps->version;
}

int ptscope_fd(const struct ptscope *ps)
{
	return ps->fd;
}

const char *ptscope_strerror(int err)
{
	switch (-err) {
	case ENODEV:
		return "module not loaded: run `sudo modprobe ptscope` or `make load`";
	case EPROTO:
		return "the loaded module speaks another ABI major version: "
		       "rebuild the tool and module from the same source";
	case ESRCH:
		return "no such process (it may have exited)";
	case EPERM:
		return "permission denied: you may only inspect processes you could "
		       "ptrace-read (same user, dumpable), or run as root";
	case EACCES:
		return "permission denied opening " PTSCOPE_DEVICE;
	case ENOTTY:
		return "the module does not know this request (is it older than the tool?)";
	default:
		return strerror(-err);
	}
}
