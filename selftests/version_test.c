// SPDX-License-Identifier: GPL-2.0
/*
 * The module is loaded and answers PTSCOPE_IOC_VERSION, on an ioctl type of
 * its own; a larger structure is taken.  Invalid arguments are
 * fuzz_ioctl_test's to check.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "ptscope_test.h"

FIXTURE(dev) {
	int fd;
	struct ptscope_version v;
};

FIXTURE_SETUP(dev)
{
	self->fd = ptscope_open_dev();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s (is the module loaded?)", PTSCOPE_DEVICE,
		       strerror(errno));
	}
	memset(&self->v, 0, sizeof(self->v));
	self->v.size = sizeof(self->v);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(module_is_loaded)
{
	struct stat st;

	ASSERT_EQ(0, stat("/sys/module/ptscope", &st));
	ASSERT_EQ(0, stat(PTSCOPE_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0, stat(PTSCOPE_PROC_DIR "/version", &st));
}

TEST_F(dev, version_answers)
{
	char abi[256], expect[32], release[256], sysrel[256] = "";
	FILE *f;
	struct utsname uts;

	ASSERT_EQ(0, ptscope_ioctl(self->fd, PTSCOPE_IOC_VERSION, &self->v));
	EXPECT_EQ(PTSCOPE_ABI_MAJOR, self->v.abi_major);
	EXPECT_EQ(PTSCOPE_ABI_MINOR, self->v.abi_minor);
	EXPECT_TRUE(self->v.features & PTSCOPE_FEAT_VERSION);
	EXPECT_EQ(sizeof(self->v), self->v.size);

	/* The oracle for "kernel" is uname(2); for the rest, /proc/ptscope. */
	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, self->v.kernel);
	ASSERT_EQ(0, read_keyed_line(PTSCOPE_PROC_DIR "/version", "abi", abi,
				     sizeof(abi)));
	snprintf(expect, sizeof(expect), "%u.%u", self->v.abi_major,
		 self->v.abi_minor);
	EXPECT_STREQ(expect, abi);
	ASSERT_EQ(0, read_keyed_line(PTSCOPE_PROC_DIR "/version", "release",
				     release, sizeof(release)));
	EXPECT_STREQ(release, self->v.release);

	/* MODULE_VERSION() is what modinfo and sysfs show. */
	f = fopen("/sys/module/ptscope/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(sysrel, sizeof(sysrel), f));
	fclose(f);
	sysrel[strcspn(sysrel, "\n")] = 0;
	EXPECT_STREQ(release, sysrel);
}

/*
 * ABI 2 has an ioctl type of its own: not nsfs's 0xB7 (NSIO), which ABI 1
 * used, so neither ABI 1's commands nor nsfs's are answered.
 */
TEST_F(dev, abi_2_owns_its_ioctl_type)
{
	unsigned long old_abi[] = {
		_IOWR(0xB7, 0x00, struct ptscope_version),	/* ABI 1's VERSION */
		_IOWR(0xB7, 0x01, struct ptscope_pages),	/* ABI 1's PAGES */
		_IO(0xB7, 0x1),					/* NS_GET_USERNS */
		_IO(0xB7, 0x3),					/* NS_GET_NSTYPE */
	};
	size_t i;

	EXPECT_EQ(2, PTSCOPE_ABI_MAJOR);
	EXPECT_EQ(0xBC, PTSCOPE_IOC_MAGIC);
	EXPECT_EQ(0xBC, _IOC_TYPE(PTSCOPE_IOC_VERSION));
	EXPECT_EQ(0xBC, _IOC_TYPE(PTSCOPE_IOC_PAGES));
	EXPECT_EQ(0xBC, _IOC_TYPE(PTSCOPE_IOC_MAPS));
	EXPECT_EQ(0xBC, _IOC_TYPE(PTSCOPE_IOC_STATS));
	EXPECT_EQ(0xBC, _IOC_TYPE(PTSCOPE_IOC_TLB));
	ASSERT_EQ(0, ptscope_ioctl(self->fd, PTSCOPE_IOC_VERSION, &self->v));
	EXPECT_EQ(PTSCOPE_ABI_MAJOR, self->v.abi_major);
	for (i = 0; i < sizeof(old_abi) / sizeof(old_abi[0]); i++) {
		EXPECT_EQ(-ENOTTY, ptscope_ioctl(self->fd, old_abi[i], &self->v)) {
			TH_LOG("command 0x%lx", old_abi[i]);
		}
	}
}

TEST_F(dev, larger_struct_with_zero_tail_is_accepted)
{
	struct {
		struct ptscope_version v;
		__u64 future[4];
	} big;

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ASSERT_EQ(0, ptscope_ioctl(self->fd, PTSCOPE_IOC_VERSION, &big));
	EXPECT_EQ(PTSCOPE_ABI_MAJOR, big.v.abi_major);
	/* The module writes back no more than it knows. */
	EXPECT_EQ(0, big.future[0] | big.future[3]);

	big.future[2] = 1;
	EXPECT_EQ(-E2BIG, ptscope_ioctl(self->fd, PTSCOPE_IOC_VERSION, &big));
}

TEST_HARNESS_MAIN
