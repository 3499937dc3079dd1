// SPDX-License-Identifier: GPL-2.0
/*
 * MPOL_INTERLEAVE over an ordinary and a private node at the private
 * node's cap (issue 13, item 9).  cgroup-interface.rst: fallback "none"
 * fails an allocation only when the policy names no ordinary node; a
 * policy that names one (MPOL_BIND {0, 2}: limit_test.c,
 * bind_with_ordinary_node_none) takes the pages beyond the cap there.  The
 * interleave branch of alloc_pages_private_mpol() clears the policy's
 * ordinary nodes instead, so with "none" the pages interleaved to node 2
 * beyond the cap fail (and the cgroup's OOM killer runs).
 *
 * Node 2 is the example driver with NP_OPS_MIGRATION | NP_OPS_MEMPOLICY;
 * the worker interleaves 16M over {0, 2} under a 4M cap: half of the pages
 * are node 2's turn, 4M of them fit, everything else must land on node 0.
 */
#include <numaif.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define NR_NODES 4
#define CG_I CG_ROOT "/privnode-interleave-test"
#define MiB (1024L * 1024)
#define PAGES(bytes) ((long)((bytes) / pn_page_size()))
#define SEED 17

FIXTURE(il) {
	bool driver;
};

FIXTURE_VARIANT(il) {
	const char *fallback;
};

FIXTURE_VARIANT_ADD(il, fallback_none) { .fallback = "none" };
FIXTURE_VARIANT_ADD(il, fallback_sysram) { .fallback = "sysram" };

FIXTURE_SETUP(il)
{
	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_I));
	region_reload(_metadata, "ops_flags=3");
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(CG_I));
	ASSERT_EQ(0, cg_write(CG_I, PN_NODES, "2"));
}

FIXTURE_TEARDOWN(il)
{
	EXPECT_EQ(0, cg_destroy(CG_I));
	if (self->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

static long long st(const char *cg, const char *key)
{
	return cg_node_key(cg, PN_STAT, NID, key);
}

static long long settled_current(const char *cg, long long want)
{
	long long v = st(cg, "current");
	int i;

	for (i = 0; i < 40 && v != want; i++) {
		pn_drain_lru();
		cg_sleep_ms(50);
		v = st(cg, "current");
	}
	return v;
}

struct il_reply {
	long node[NR_NODES], other;
	int data_ok;
};

/*
 * 16M under mbind(MPOL_INTERLEAVE, {0, 2}), faulted on the test's signal;
 * report where the pages are, then wait for the end.
 */
static int wk_interleave(struct cg_worker *w, void *arg)
{
	const long n = PAGES(16 * MiB);
	unsigned long mask = pn_node_bit(0) | pn_node_bit(NID);
	struct il_reply r = { 0 };
	char *p = pn_anon(n);

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(pn_thp(p, n, false) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(p, n * pn_page_size(), MPOL_INTERLEAVE, &mask, PN_MAXNODE, 0) == 0,
		     "mbind: %s", strerror(errno));
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");
	pn_fill(p, n, SEED);
	WORKER_CHECK(pn_census_pid(0, p, n, r.node, NR_NODES, &r.other) == 0,
		     "move_pages: %s", strerror(errno));
	r.data_ok = pn_check(p, n, SEED) == -1;
	WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	return 0;
}

/*
 * Item 9: MPOL_INTERLEAVE {0, 2}, memory.private_nodes.max 4M, fallback
 * none (and sysram, for comparison), 16M faulted.  Wanted: no failure and
 * no OOM kill; node 2 holds exactly the cap, node 0 everything else
 * (nothing on node 1, outside the policy); current is 4M.
 */
TEST_F_TIMEOUT(il, interleave_beyond_cap_goes_to_node0, 120)
{
	const long n = PAGES(16 * MiB), cap = PAGES(4 * MiB);
	struct il_reply r;
	struct cg_worker w;
	int got, status;
	char s[32];

	snprintf(s, sizeof(s), "%d max=4M", NID);
	ASSERT_EQ(0, cg_write(CG_I, PN_MAX, s));
	ASSERT_EQ(0, cg_write(CG_I, PN_FALLBACK, variant->fallback));
	ASSERT_EQ(0, cg_worker_start(&w, CG_I, wk_interleave, NULL));
	ASSERT_EQ(0, cgw_wait(&w, 30000)) {
		kill(w.pid, SIGKILL);
		cg_worker_finish(&w);
	}

	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " interleave_fallback_test: %s",
			  variant->fallback));
	ASSERT_EQ(0, cgw_signal(&w));
	got = cgw_recv(&w, &r, sizeof(r), 60000) == 0;
	if (got) {
		EXPECT_EQ(4 * MiB, st(CG_I, "current"));
		cgw_signal(&w);
	} else {
		kill(w.pid, SIGKILL);
	}
	status = cg_worker_finish(&w);
	EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " interleave_fallback_test"));

	EXPECT_TRUE(got) TH_LOG("the task died or hung faulting (status %d)", status);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, cg_key(CG_I, "memory.events", "oom_kill"));
	if (got) {
		TH_LOG("node 0: %ld, node 1: %ld, node 2: %ld, elsewhere %ld pages",
		       r.node[0], r.node[1], r.node[NID], r.node[3] + r.other);
		EXPECT_EQ(cap, r.node[NID]);
		EXPECT_EQ(n - cap, r.node[0]) TH_LOG("pages beyond the cap not on node 0");
		EXPECT_EQ(0, r.node[1]) TH_LOG("a page outside the policy");
		EXPECT_TRUE(r.data_ok);
	}
	EXPECT_GE(4 * MiB, st(CG_I, "peak"));
	EXPECT_EQ(0, settled_current(CG_I, 0));
}

TEST_HARNESS_MAIN
