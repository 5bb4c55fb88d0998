// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of recordings and their replay, without the module:
 * what a recording holds, which questions a replay answers, and that the
 * commands replay what they recorded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libptscope.h"
#include "transport.h"

#include "recording.h"

TEST(recordings_hold_proc_reads_and_old_ones_still_replay)
{
	struct ptscope_open_how how = { 0 };
	struct ptscope_stats st;
	struct recording r;
	struct ptscope *ps;
	char comm[64], self[64] = "";
	FILE *f;

	f = fopen("/proc/self/comm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(self, sizeof(self), f));
	fclose(f);
	self[strcspn(self, "\n")] = 0;

	/* An old recording: its comm is read live, its STATS replayed. */
	rec_start(&r);
	rec_stats(&r, 77, PAGE);
	rec_done(&r);
	f = fopen(r.path, "r+");
	ASSERT_NE(NULL, f);
	fwrite(REPLAY_MAGIC_V1, REPLAY_MAGIC_LEN, 1, f);
	fclose(f);
	how.replay = r.path;
	ASSERT_EQ(0, ptscope_open_how(&ps, &how));
	ASSERT_EQ(0, ptscope_proc_comm(ps, getpid(), comm, sizeof(comm)));
	EXPECT_STREQ(self, comm);
	ASSERT_EQ(0, ptscope_stats(ps, PID, &st, NULL, NULL));
	EXPECT_EQ(77, st.min_flt);
	ptscope_close(ps);

	/* A new one without that read: refused, and STATS still answered. */
	f = fopen(r.path, "r+");
	ASSERT_NE(NULL, f);
	fwrite(REPLAY_MAGIC, REPLAY_MAGIC_LEN, 1, f);
	fclose(f);
	ASSERT_EQ(0, ptscope_open_how(&ps, &how));
	EXPECT_EQ(-EBADMSG, ptscope_proc_comm(ps, getpid(), comm, sizeof(comm)));
	ASSERT_EQ(0, ptscope_stats(ps, PID, &st, NULL, NULL));
	EXPECT_EQ(77, st.min_flt);
	ptscope_close(ps);
	unlink(r.path);
}

/* export --all's processes come from the recording too, with their comm. */
TEST(recorded_pid_list_and_comm_replay)
{
	struct ptscope_open_how how = { 0 };
	struct recording r;
	struct ptscope *ps;
	uint64_t *pids = NULL;
	char comm[64];
	size_t nr = 0;

	rec_start(&r);
	rec_proc(&r, 0, REPLAY_PROC_PIDS, "1\n4242\n77\n");
	rec_proc(&r, PID, "comm", "worker 7\n");
	rec_done(&r);
	how.replay = r.path;
	ASSERT_EQ(0, ptscope_open_how(&ps, &how));
	ASSERT_EQ(0, ptscope_proc_pids(ps, &pids, &nr));
	ASSERT_EQ(3, nr);
	EXPECT_EQ(1, pids[0]);
	EXPECT_EQ(4242, pids[1]);
	EXPECT_EQ(77, pids[2]);
	free(pids);
	/* Another process's comm than recorded: refused. */
	EXPECT_EQ(-EBADMSG, ptscope_proc_comm(ps, 1, comm, sizeof(comm)));
	ASSERT_EQ(0, ptscope_proc_comm(ps, PID, comm, sizeof(comm)));
	EXPECT_STREQ("worker 7", comm);
	/* The recording is used up. */
	EXPECT_EQ(-EBADMSG, ptscope_proc_pids(ps, &pids, &nr));
	ptscope_close(ps);
	unlink(r.path);
}

/* The live list: this process is in it. */
TEST(live_pid_list_holds_this_process)
{
	uint64_t *pids = NULL;
	size_t nr = 0, i;
	bool found = false;

	ASSERT_EQ(0, ptscope_proc_pids(NULL, &pids, &nr));
	for (i = 0; i < nr; i++)
		found |= pids[i] == (uint64_t)getpid();
	free(pids);
	EXPECT_TRUE(found);
}

/*
 * Replay `tlb PID` from a recording (of 0.6.1's format: no system facts)
 * whose walk of the mappings ended at @end; jq's @filter of its JSON.
 */
static int tlb_replay_with_end(uint64_t end, const char *filter, char *out,
			       size_t len)
{
	struct ptscope_tlb t = {
		.size = sizeof(t), .pid = PID, .ctx_id = 77, .tlb_gen = 5,
		.nr_cpu_ids = 2, .cpus = 1, .cpumask = { 1 },
	};
	struct ptscope_vma v = {
		.start = 0x40000000ULL, .end = 0x40000000ULL + 512 * PAGE,
		.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON,
		.page_size = PAGE, .pages = { .present = 16 },
	};
	struct replay_call c = {
		.nr = _IOC_NR(PTSCOPE_IOC_TLB), .key_end = 40,
		.args_size = sizeof(t),
	};
	struct recording r;
	FILE *f;
	int st;

	rec_start(&r);
	fwrite(&c, sizeof(c), 1, r.f);
	fwrite(&t, sizeof(t), 1, r.f);
	rec_maps(&r, 0, end, &v);
	rec_done(&r);
	f = fopen(r.path, "r+");
	if (!f)
		return -1;
	fwrite(REPLAY_MAGIC_V2, REPLAY_MAGIC_LEN, 1, f);
	fclose(f);
	st = run(out, len, "./ptscope --replay %s -j tlb %llu 2>/dev/null | jq -r '\"%s\"'",
		 r.path, PID, filter);
	unlink(r.path);
	return st;
}

/*
 * tlb PID replays: the module's answer fills the argument after the pid
 * (state, ctx_id...), which is not part of the question.  A recording of
 * 0.6.1 (replay2, its TLB question said to end at byte 40, no CPUID
 * leaves) replays too, with this machine's CPU.
 */
TEST(tlb_of_a_process_replays)
{
	char out[8192];

	ASSERT_EQ(0, tlb_replay_with_end(PTSCOPE_USER_TOP_4LEVEL,
					 "\\(.pid) \\(.mm.ctx_id) \\(.mm.tlb_gen)",
					 out, sizeof(out)));
	EXPECT_STREQ("4242 77 5\n", out);
}

/*
 * tlb's walk of the whole address space, recorded with the other paging
 * depth (its end 2^47 - 4 KiB against 2^56 - 4 KiB): the same question, it
 * replays; a recording that stops a page short of that top is another
 * question and is refused.
 */
TEST(a_recording_replays_at_the_other_paging_depth)
{
	uint64_t other = ptscope_user_top() == PTSCOPE_USER_TOP_4LEVEL ?
			 PTSCOPE_USER_TOP_5LEVEL : PTSCOPE_USER_TOP_4LEVEL;
	char out[256];

	ASSERT_EQ(0, tlb_replay_with_end(other, "\\(.mm.ctx_id)", out, sizeof(out)));
	EXPECT_STREQ("77\n", out);
	tlb_replay_with_end(ptscope_user_top() - PAGE, "\\(.mm.ctx_id)", out, sizeof(out));
	EXPECT_STRNE("77\n", out);
}

/* tlb PID replays with the recorded CPU's TLBs, not this machine's. */
TEST(tlb_replays_the_recorded_cpu)
{
	struct ptscope_tlb t = { .size = sizeof(t), .pid = PID, .ctx_id = 9 };
	struct ptscope_vma v = {
		.start = 0x40000000ULL, .end = 0x40000000ULL + 512 * PAGE,
		.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_ANON, .page_size = PAGE,
	};
	const char *dump = "tests/cpuid/intel-coffeelake-906ea.txt";
	char text[16384], out[16384], want[16384];
	struct recording r;
	size_t n;
	FILE *f;

	f = fopen(dump, "r");
	ASSERT_NE(NULL, f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	rec_start(&r);
	rec_proc(&r, 0, REPLAY_SYS_CPUID, text);
	rec_call(&r, PTSCOPE_IOC_TLB, 0, &t, sizeof(t), NULL, 0);
	rec_maps(&r, 0, 0x7ffffffff000ULL, &v);
	rec_done(&r);
	/* The oracle: the same dump decoded from a file. */
	ASSERT_EQ(0, run(want, sizeof(want), "./ptscope tlb -j --cpuid-file %s | jq -c .cpu",
			 dump));
	ASSERT_EQ(0, run(out, sizeof(out), "./ptscope --replay %s -j tlb %llu | jq -c .cpu",
			 r.path, PID));
	EXPECT_STREQ(want, out);
	EXPECT_NE(NULL, strstr(out, "GenuineIntel"));
	/* --cpuid-file passes the recorded leaves over, and replays the rest. */
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s -j tlb %llu --cpuid-file %s | jq -c '.cpu, .mm.ctx_id'",
			 r.path, PID, dump));
	strcat(want, "9\n");
	EXPECT_STREQ(want, out);
	unlink(r.path);
}

/* A version answer with the features thp and export need. */
static void rec_start_maps_policy(struct recording *r)
{
	struct ptscope_version ver = {
		.size = sizeof(ver), .abi_major = PTSCOPE_ABI_MAJOR,
		.abi_minor = PTSCOPE_ABI_MINOR, .release = "recorded",
		.kernel = "none",
		.features = PTSCOPE_FEAT_VERSION | PTSCOPE_FEAT_MAPS |
			    PTSCOPE_FEAT_MAPS_POLICY | PTSCOPE_FEAT_STATS,
	};

	snprintf(r->path, sizeof(r->path), "/tmp/ptscope-replay.XXXXXX");
	r->f = fdopen(mkstemp(r->path), "w");
	fwrite(REPLAY_MAGIC, REPLAY_MAGIC_LEN, 1, r->f);
	rec_call(r, PTSCOPE_IOC_VERSION, 0, &ver, sizeof(ver), NULL, 0);
}

/* 4 MiB of anonymous memory, 16 pages touched: two 2 MiB ranges, one used. */
static struct ptscope_vma sparse_anon_4m(void)
{
	struct ptscope_vma v = {
		.start = 0x40000000ULL, .end = 0x40000000ULL + 1024 * PAGE,
		.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON,
		.page_size = PAGE, .pages = { .present = 16, .anon = 16 },
		.ranges_2m = 2, .ranges_pte = 1,
	};

	return v;
}

/*
 * thp replays the THP settings of the machine it recorded on: what a
 * mapping's reasons mean depends on them, not on the replaying machine's.
 */
TEST(thp_settings_come_from_the_recording)
{
	struct ptscope_vma v = sparse_anon_4m();
	struct recording r;
	char out[8192];

	rec_start_maps_policy(&r);
	ASSERT_NE(NULL, r.f);
	rec_proc(&r, 0, REPLAY_SYS_THP,
		 "enabled always madvise [never]\n"
		 "defrag always defer [defer+madvise] madvise never\n"
		 "khugepaged/max_ptes_none 100\n"
		 "hugepages-64kB/enabled always [inherit] madvise never\n"
		 "hugepages-2048kB/enabled always [inherit] madvise never\n");
	rec_maps(&r, 0, 0x7ffffffff000ULL, &v);
	rec_done(&r);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s -j thp %llu | jq -c '[.settings.enabled, "
			 ".settings.defrag, .settings.max_ptes_none, .settings.sizes, "
			 ".vmas[0].reasons]'", r.path, PID));
	EXPECT_STREQ("[\"never\",\"defer+madvise\",100,{\"64kB\":\"inherit\",\"2048kB\":\"inherit\"},"
		     "[\"thp_never\",\"unpopulated\",\"too_sparse\"]]\n", out);
	unlink(r.path);
}

/*
 * export from a kernel without THP leaves THP out (no fraction, no
 * thp_pmd bytes) rather than exporting zeros; the rest is there.
 */
TEST(export_on_a_kernel_without_thp)
{
	struct ptscope_stats st = {
		.size = sizeof(st), .flags = PTSCOPE_STATS_THREADS, .pid = PID,
		.thread_size = sizeof(struct ptscope_thread), .rss_anon = 16,
		.timestamp_ns = 1,
	};
	struct ptscope_vma v = {
		.start = 0x40000000ULL, .end = 0x40000000ULL + 1024 * PAGE,
		.flags = PTSCOPE_VMA_READ | PTSCOPE_VMA_WRITE | PTSCOPE_VMA_ANON,
		.page_size = PAGE, .pages = { .present = 16, .anon = 16 },
	};
	struct recording r;
	char out[8192];

	rec_start_maps_policy(&r);
	rec_proc(&r, 0, REPLAY_SYS_THP, "");
	rec_call(&r, PTSCOPE_IOC_STATS, 0, &st, sizeof(st), NULL, 0);
	rec_maps(&r, 0, 0x7ffffffff000ULL, &v);
	rec_proc(&r, PID, "comm", "rtapp\n");
	rec_done(&r);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s export --pid %llu | grep -v '^#' | "
			 "grep -E '^ptscope_(thp|huge|rss)' | cut -d' ' -f1",
			 r.path, PID));
	EXPECT_STREQ("ptscope_huge_bytes{pid=\"4242\",comm=\"rtapp\",kind=\"large_folio_pte\"}\n"
		     "ptscope_huge_bytes{pid=\"4242\",comm=\"rtapp\",kind=\"hugetlb\"}\n"
		     "ptscope_rss_bytes{pid=\"4242\",comm=\"rtapp\",kind=\"anon\"}\n"
		     "ptscope_rss_bytes{pid=\"4242\",comm=\"rtapp\",kind=\"file\"}\n"
		     "ptscope_rss_bytes{pid=\"4242\",comm=\"rtapp\",kind=\"shmem\"}\n", out);
	unlink(r.path);
}

/* Replayed from a kernel without THP: one reason, no candidate. */
TEST(thp_on_a_kernel_without_thp)
{
	struct ptscope_vma v = sparse_anon_4m();
	struct recording r;
	char out[8192];

	rec_start_maps_policy(&r);
	ASSERT_NE(NULL, r.f);
	rec_proc(&r, 0, REPLAY_SYS_THP, "");
	rec_maps(&r, 0, 0x7ffffffff000ULL, &v);
	rec_done(&r);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s -j thp %llu | jq -c '[.settings.thp_available, "
			 ".vmas[0].candidate, .vmas[0].reasons]'", r.path, PID));
	EXPECT_STREQ("[false,false,[\"thp_not_built\"]]\n", out);
	ASSERT_EQ(0, run(out, sizeof(out),
			 "./ptscope --replay %s thp %llu | grep -c 'THP: not available'",
			 r.path, PID));
	EXPECT_STREQ("1\n", out);
	unlink(r.path);
}

TEST_HARNESS_MAIN
