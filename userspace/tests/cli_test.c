// SPDX-License-Identifier: GPL-2.0
/* Host unit tests for the CLI's command lookup and libptscope's checks. */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cli.h"

static int nop(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const struct cli_command table[] = {
	{ .name = "pages", .run = nop },
	{ .name = "maps", .run = nop },
	{ .name = "map", .run = nop },
	{ .name = "faults", .run = nop },
	{ NULL }
};

TEST(exact_name_wins_over_prefix)
{
	bool amb;

	ASSERT_EQ(&table[2], cli_find(table, "map", &amb));
	EXPECT_FALSE(amb);
}

TEST(unique_prefix_matches)
{
	bool amb;

	ASSERT_EQ(&table[0], cli_find(table, "pa", &amb));
	ASSERT_EQ(&table[3], cli_find(table, "f", &amb));
}

TEST(ambiguous_prefix_is_refused)
{
	bool amb;

	ASSERT_EQ(NULL, cli_find(table, "m", &amb));
	EXPECT_TRUE(amb);
}

TEST(unknown_and_empty_are_refused)
{
	bool amb;

	ASSERT_EQ(NULL, cli_find(table, "tlb", &amb));
	EXPECT_FALSE(amb);
	ASSERT_EQ(NULL, cli_find(table, "", &amb));
	ASSERT_EQ(NULL, cli_find(table, "pagesx", &amb));
}

TEST(abi_major_mismatch_is_refused)
{
	struct ptscope_version v = { .abi_major = PTSCOPE_ABI_MAJOR,
				     .abi_minor = PTSCOPE_ABI_MINOR + 7 };

	ASSERT_EQ(0, ptscope_abi_compatible(&v));
	v.abi_major = PTSCOPE_ABI_MAJOR + 1;
	ASSERT_EQ(-EPROTO, ptscope_abi_compatible(&v));
	v.abi_major = PTSCOPE_ABI_MAJOR - 1;
	ASSERT_EQ(-EPROTO, ptscope_abi_compatible(&v));
}

TEST(missing_device_says_module_not_loaded)
{
	struct ptscope *ps;

	setenv("PTSCOPE_DEVICE", "/nonexistent/ptscope", 1);
	ASSERT_EQ(-ENODEV, ptscope_open(&ps));
	EXPECT_NE(NULL, strstr(ptscope_strerror(-ENODEV), "module not loaded"));
	unsetenv("PTSCOPE_DEVICE");
}

TEST(uapi_structures_have_no_padding)
{
	ASSERT_EQ((size_t)PTSCOPE_VERSION_SIZE_VER0, sizeof(struct ptscope_version));
}

TEST_HARNESS_MAIN
