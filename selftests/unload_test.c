// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading ptscope while it is in use must wait or fail, never free what
 * a query still uses:
 *  - an open /dev/ptscope holds the module (the misc device's fops owner),
 *    so delete_module() fails while ioctls are in flight;
 *  - /proc/ptscope files do not hold it: proc_remove() waits for the reads
 *    and writes in progress, then releases the open files itself.  Readers
 *    in the middle of a walk see their read finish, then ENOENT or EIO.
 * The module is loaded again from $PTSCOPE_KO (vm-run sets it) at the end
 * and must answer.  With the module of ABI 1 in its place
 * ($PTSCOPE_KO_ABI1, built from git by scripts/kernels build-abi1), the
 * tool refuses it in one sentence.  Leaks at unload are kmemleak's to find: `make
 * check-debug` runs this under a kernel with kmemleak on.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "oracle.h"
#include "ptscope_test.h"
#include "cli_exec.h"

#define TARGET_BYTES	(64UL << 20)
#define NR_QUERIERS	6

struct unload_run {
	atomic_int stop;
	atomic_int unloading;	/* from here on, ENOENT/EIO are expected */
	atomic_long done;	/* queries completed */
	atomic_long refused;	/* ENOENT/EIO once unloading */
	atomic_long errors;	/* anything else */
	atomic_long last_error;
	char *mem;
};

static int delete_ptscope(void)
{
	return syscall(SYS_delete_module, "ptscope", O_NONBLOCK) ? -errno : 0;
}

static int load_ko(const char *ko)
{
	int fd, ret;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int load_ptscope(void)
{
	return load_ko(getenv("PTSCOPE_KO"));
}

static bool ptscope_loaded(void)
{
	return !access("/proc/ptscope/version", R_OK);
}

static void note_error(struct unload_run *r, long err)
{
	if (atomic_load(&r->unloading) && (err == -ENOENT || err == -EIO)) {
		atomic_fetch_add(&r->refused, 1);
		return;
	}
	atomic_fetch_add(&r->errors, 1);
	atomic_store(&r->last_error, err);
}

static void *ioctl_querier(void *arg)
{
	struct unload_run *r = arg;
	struct ptscope_page_region vec[64];
	struct ptscope_pages a;
	int fd = ptscope_open_dev();
	uint64_t start = (uintptr_t)r->mem, cur;
	long ret;

	if (fd < 0) {
		note_error(r, -errno);
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		for (cur = start; cur < start + TARGET_BYTES; cur = a.walk_end) {
			pages_args(&a, getpid(), cur, start + TARGET_BYTES, 0,
				   vec, 64);
			ret = ptscope_pages_call(fd, &a);
			if (ret < 0) {
				note_error(r, ret);
				break;
			}
		}
		atomic_fetch_add(&r->done, 1);
	}
	close(fd);
	return NULL;
}

static void *proc_querier(void *arg)
{
	struct unload_run *r = arg;
	char query[80], buf[8192];
	ssize_t n;
	int fd;

	snprintf(query, sizeof(query), "%d 0x%lx 0x%lx\n", getpid(),
		 (unsigned long)r->mem, (unsigned long)r->mem + TARGET_BYTES);
	while (!atomic_load(&r->stop)) {
		fd = open("/proc/ptscope/pages", O_RDWR);
		if (fd < 0) {
			note_error(r, -errno);
			usleep(1000);
			continue;
		}
		if (write(fd, query, strlen(query)) < 0) {
			note_error(r, -errno);
		} else {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				;
			if (n < 0)
				note_error(r, -errno);
			else
				atomic_fetch_add(&r->done, 1);
		}
		close(fd);
	}
	return NULL;
}

FIXTURE(unload)
{
	struct unload_run run;
	pthread_t threads[NR_QUERIERS];
	int nr_threads;
};

FIXTURE_SETUP(unload)
{
	if (!getenv("PTSCOPE_KO"))
		SKIP(return, "PTSCOPE_KO is not set (run through scripts/vm-run)");
	ASSERT_TRUE(ptscope_loaded());
	memset(&self->run, 0, sizeof(self->run));
	self->run.mem = mmap(NULL, TARGET_BYTES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->run.mem);
	memset(self->run.mem, 1, TARGET_BYTES);
	self->nr_threads = 0;
}

FIXTURE_TEARDOWN(unload)
{
	int i;

	atomic_store(&self->run.stop, 1);
	for (i = 0; i < self->nr_threads; i++)
		pthread_join(self->threads[i], NULL);
	if (self->run.mem)
		munmap(self->run.mem, TARGET_BYTES);
	/* Whatever happened, leave the module loaded for the next test. */
	if (!ptscope_loaded())
		load_ptscope();
}

static void start_queriers(struct __test_metadata *_metadata,
			   FIXTURE_DATA(unload) *self,
			   void *(*fn)(void *))
{
	int i;

	for (i = 0; i < NR_QUERIERS; i++) {
		ASSERT_EQ(0, pthread_create(&self->threads[i], NULL, fn,
					    &self->run));
		self->nr_threads++;
	}
	/* Let every querier get into a walk. */
	while (atomic_load(&self->run.done) < NR_QUERIERS)
		usleep(10000);
}

TEST_F(unload, rmmod_fails_while_ioctls_are_in_flight)
{
	int i, ret;

	start_queriers(_metadata, self, ioctl_querier);
	for (i = 0; i < 20; i++) {
		ret = delete_ptscope();
		EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY) {
			TH_LOG("delete_module gave %d with /dev/ptscope open", ret);
		}
		usleep(20000);
	}
	EXPECT_TRUE(ptscope_loaded());
	atomic_store(&self->run.stop, 1);
	for (i = 0; i < self->nr_threads; i++)
		pthread_join(self->threads[i], NULL);
	self->nr_threads = 0;
	EXPECT_EQ(0, atomic_load(&self->run.errors)) {
		TH_LOG("a query failed with %ld while rmmod was refused",
		       atomic_load(&self->run.last_error));
	}
}

TEST_F(unload, rmmod_waits_for_proc_readers_then_reload)
{
	uint64_t start = (uintptr_t)self->run.mem;
	struct ptscope_page_region vec[1];
	struct ptscope_pages a;
	long before;
	int i, fd;

	start_queriers(_metadata, self, proc_querier);
	before = atomic_load(&self->run.done);
	atomic_store(&self->run.unloading, 1);
	ASSERT_EQ(0, delete_ptscope());
	EXPECT_FALSE(ptscope_loaded());
	EXPECT_NE(0, access("/proc/ptscope/pages", F_OK));

	/* The readers go on failing cleanly while it is gone. */
	usleep(200000);
	atomic_store(&self->run.stop, 1);
	for (i = 0; i < self->nr_threads; i++)
		pthread_join(self->threads[i], NULL);
	self->nr_threads = 0;
	EXPECT_EQ(0, atomic_load(&self->run.errors)) {
		TH_LOG("a reader failed with %ld",
		       atomic_load(&self->run.last_error));
	}
	EXPECT_LT(0, atomic_load(&self->run.refused));

	/* Loaded again, it answers. */
	ASSERT_EQ(0, load_ptscope());
	ASSERT_TRUE(ptscope_loaded());
	fd = ptscope_open_dev();
	ASSERT_LE(0, fd);
	pages_args(&a, getpid(), start, start + PAGE, 0, vec, 1);
	EXPECT_EQ(1, ptscope_pages_call(fd, &a));
	close(fd);
	TH_LOG("%ld reads done before the unload, %ld refused after",
	       before, atomic_load(&self->run.refused));
}

/* With the module of ABI 1 loaded, the tool says so and stops. */
TEST(tool_refuses_a_module_of_abi_1)
{
	static const char *const cmds[] = { "version", "maps 1", "-j faults 1" };
	const char *abi1 = getenv("PTSCOPE_KO_ABI1");
	char cli[4096], cmd[4200], *out;
	struct ptscope_version v;
	size_t i;
	int fd, status;

	if (!abi1)
		SKIP(return, "PTSCOPE_KO_ABI1 is not set (scripts/check builds it)");
	ASSERT_EQ(0, cli_find(cli));
	ASSERT_EQ(0, delete_ptscope());
	ASSERT_EQ(0, load_ko(abi1)) {
		load_ptscope();
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1", cli, cmds[i]);
		/* No ASSERT until ours is back: the next tests need it. */
		out = cli_capture(cmd, &status);
		EXPECT_NE(NULL, out);
		if (!out)
			continue;
		EXPECT_EQ(1, status);
		EXPECT_NE(NULL, strstr(out, "the loaded module 0.5.0 speaks ABI 1.2 "
				       "and this tool ABI 2.0: load the module of "
				       "the tool's own release (the module is older)")) {
			TH_LOG("ptscope %s said: %s", cmds[i], out);
		}
		free(out);
	}
	/* Nor does the ABI 1 module answer ABI 2's version. */
	fd = ptscope_open_dev();
	EXPECT_LE(0, fd);
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	EXPECT_EQ(-ENOTTY, ptscope_ioctl(fd, PTSCOPE_IOC_VERSION, &v));
	if (fd >= 0)
		close(fd);

	ASSERT_EQ(0, delete_ptscope());
	ASSERT_EQ(0, load_ptscope());
	ASSERT_TRUE(ptscope_loaded());
}

TEST_HARNESS_MAIN
