// SPDX-License-Identifier: GPL-2.0
/*
 * The ptscope command's tables in an 80-column terminal (a detached tmux
 * pane): no row may wrap, and no row may be lost or cut.
 */
#include "cli_fixture.h"

/*
 * `ptscope ARGS` in the 80-column pane: its lines, trailing blank ones
 * dropped, in *@lines (free both it and *@screen); lines wider than the
 * pane are counted into *@bad.
 */
static int pane_lines(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cli) *self, const char *args,
		      char **screen, char ***lines, int *bad)
{
	int n = 0, i, rc;

	*lines = NULL;
	*screen = tmux_capture(_metadata, self, args, &rc);
	if (!*screen)
		return -1;
	EXPECT_EQ(0, rc);
	*lines = split_lines(*screen, &n);
	if (!*lines)
		return -1;
	while (n && !*(*lines)[n - 1])
		n--;
	for (i = 0; i < n; i++)
		EXPECT_GE(TERM_COLS, columns((*lines)[i])) (*bad)++;
	return n;
}

/* Each address of @starts (decimal, from --json) begins exactly one line. */
static void expect_a_line_each(struct __test_metadata *_metadata,
			       char **lines, int nlines, char **starts,
			       int nstarts, const char *what, int *bad)
{
	unsigned long long a;
	char word[32];
	int i;

	for (i = 0; i < nstarts; i++) {
		ASSERT_EQ(1, sscanf(starts[i], "%llu", &a));
		snprintf(word, sizeof(word), "%#llx", a);
		EXPECT_EQ(1, lines_starting_with(lines, nlines, word)) {
			TH_LOG("%s %s", what, word);
			(*bad)++;
		}
	}
}

/*
 * `ptscope maps PID` in an 80-column terminal: one heading, one row per
 * mapping (as many as --json reports for the same idle target), the total
 * row and the footer, each on one line: a row that does not fit wraps
 * into two lines of the pane.  Each mapping's START begins exactly one
 * line, and the file fixture's short name is shown in full.
 */
TEST_F_TIMEOUT(cli, maps_table_fits_80_columns, 120)
{
	const char *missing;
	char **starts = NULL, **lines = NULL, *json, *screen, args[64], word[32];
	int nstarts = 0, nlines = 0, i, bad = 0, name = 0;

	missing = missing_tool(true);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	json = cli_json(_metadata, self, ".vmas[].start", "maps %d", self->pid);
	ASSERT_NE(NULL, json);
	starts = split_lines(json, &nstarts);
	ASSERT_NE(NULL, starts);
	ASSERT_LT(3, nstarts);

	snprintf(args, sizeof(args), "maps %d", self->pid);
	nlines = pane_lines(_metadata, self, args, &screen, &lines, &bad);
	ASSERT_LE(0, nlines);
	/* heading + a row per mapping + total + footer */
	EXPECT_EQ(nstarts + 3, nlines) {
		TH_LOG("%d mappings: expected %d lines", nstarts, nstarts + 3);
		bad++;
	}
	EXPECT_EQ(1, lines_starting_with(lines, nlines > 0 ? 1 : 0, "START")) bad++;
	if (nlines >= 2) {
		EXPECT_EQ(1, lines_starting_with(lines + nlines - 2, 1, "total")) bad++;
		EXPECT_EQ(1, lines_starting_with(lines + nlines - 1, 1, "faults:")) bad++;
	}
	expect_a_line_each(_metadata, lines, nlines, starts, nstarts, "mapping", &bad);
	/* The file's row ends with its name, whole: path or file name. */
	snprintf(word, sizeof(word), "%#llx", (unsigned long long)self->l.file);
	for (i = 0; i < nlines; i++) {
		const char *p = lines[i] + strspn(lines[i], " "), *last;

		if (strncmp(p, word, strlen(word)) || p[strlen(word)] != ' ')
			continue;
		last = strrchr(p, ' ') + 1;
		name = !strcmp(last, self->path) ||
		       !strcmp(last, strrchr(self->path, '/') + 1);
	}
	EXPECT_EQ(1, name) {
		TH_LOG("the row of %s does not end with its name", self->path);
		bad++;
	}
	if (bad)
		log_screen(_metadata, lines, nlines);
	free(lines);
	free(screen);
	free(starts);
	free(json);
}

/* `ptscope pages PID START-END` in 80 columns: a line per region. */
TEST_F_TIMEOUT(cli, pages_table_fits_80_columns, 120)
{
	const char *missing;
	char **starts = NULL, **lines = NULL, *json, *screen, args[128];
	uint64_t start = self->l.anon, end = start + NPAGES * PAGE;
	int nstarts = 0, nlines = 0, bad = 0;

	missing = missing_tool(true);
	if (missing)
		SKIP(return, "%s is not installed", missing);
	snprintf(args, sizeof(args), "pages %d %#llx-%#llx", self->pid,
		 (unsigned long long)start, (unsigned long long)end);
	json = cli_json(_metadata, self, ".regions[].start", "%s", args);
	ASSERT_NE(NULL, json);
	starts = split_lines(json, &nstarts);
	ASSERT_NE(NULL, starts);
	ASSERT_EQ(NPAGES, nstarts);

	nlines = pane_lines(_metadata, self, args, &screen, &lines, &bad);
	ASSERT_LE(0, nlines);
	/* heading + a row per region */
	EXPECT_EQ(nstarts + 1, nlines) {
		TH_LOG("%d regions: expected %d lines", nstarts, nstarts + 1);
		bad++;
	}
	EXPECT_EQ(1, lines_starting_with(lines, nlines > 0 ? 1 : 0, "START")) bad++;
	expect_a_line_each(_metadata, lines, nlines, starts, nstarts, "region", &bad);
	if (bad)
		log_screen(_metadata, lines, nlines);
	free(lines);
	free(screen);
	free(starts);
	free(json);
}

TEST_HARNESS_MAIN
