// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, item 10: DAMON's physical-address operations (paddr) walk
 * physical ranges, so an administrator can point them at a private node.
 * Their actions reclaim (pageout: damon_pa_pageout() -> reclaim_pages())
 * or reorder the LRUs of the folios they find, and a private node's
 * folios may only be reclaimed if its owner opted in (NP_OPS_RECLAIM).
 *
 * A worker in a cgroup granted node 2 (MIGRATION|MEMPOLICY) binds its
 * memory there, swap is on, and a kdamond runs a DAMOS pageout scheme
 * over node 2's physical range (DAMON sysfs interface).  Without
 * NP_OPS_RECLAIM no page may leave the node; with it (the control) the
 * scheme pages them out, which shows the scheme works.
 *
 * The kernel needs CONFIG_DAMON, CONFIG_DAMON_PADDR and
 * CONFIG_DAMON_SYSFS: without them the test fails and says so.
 */
#include <numaif.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"
#include "privnode_swap.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-damon-test"
#define DAMON "/sys/kernel/mm/damon/admin"
#define KD DAMON "/kdamonds/0"
#define CTX KD "/contexts/0"
#define SCHEME CTX "/schemes/0"
#define PAGES 2048			/* 8 MiB bound to node 2 */
#define SEED 19
#define REPLY_MS 60000
#define RUN_MS 8000			/* DAMON at work, under TCG */

FIXTURE(damon) {
	int unused;
};

FIXTURE_VARIANT(damon) {
	bool reclaim;		/* the owner sets NP_OPS_RECLAIM */
	const char *action;
};

/* Item 10 proper: no opt-in, pageout. */
FIXTURE_VARIANT_ADD(damon, pageout_not_opted_in)
{
	.reclaim = false,
	.action = "pageout",
};

/* Control: the owner opted into reclaim, so DAMON may page out. */
FIXTURE_VARIANT_ADD(damon, pageout_opted_in)
{
	.reclaim = true,
	.action = "pageout",
};

/* LRU reordering without the opt-in: nothing may leave the node either. */
FIXTURE_VARIANT_ADD(damon, lru_deprio_not_opted_in)
{
	.reclaim = false,
	.action = "lru_deprio",
};

static int dw(const char *path, const char *val)
{
	return write_file(path, val);
}

/* Stop and remove every kdamond (harmless if DAMON is idle). */
static void damon_reset(void)
{
	dw(KD "/state", "off");
	dw(DAMON "/kdamonds/nr_kdamonds", "0");
}

FIXTURE_SETUP(damon)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, access(DAMON, F_OK))
		TH_LOG("no DAMON sysfs interface (%s): the kernel lacks CONFIG_DAMON, CONFIG_DAMON_PADDR and CONFIG_DAMON_SYSFS",
		       DAMON);
	damon_reset();
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	ASSERT_EQ(0, swap_enable(SWAP_DEV))
		TH_LOG("no swap on %s: run through make vm-test", SWAP_DEV);
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY |
		 (variant->reclaim ? NP_OPS_RECLAIM : 0));
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	region_grant_cg(_metadata, CG_TEST);
	ASSERT_EQ(0, cg_write(CG_TEST, PN_FALLBACK, "none"));
}

FIXTURE_TEARDOWN(damon)
{
	damon_reset();
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	unload_module(REGION_DRIVER);
	EXPECT_FALSE(node_is_private(NID));
	EXPECT_EQ(0, swap_disable(SWAP_DEV));
}

/*
 * One kdamond, one paddr context over node 2's physical range, one
 * scheme with @action for every region whatever its access pattern;
 * 0 or the first -errno.
 */
static int scheme_setup(const char *action)
{
	unsigned long long start, size;
	char from[32], to[32];
	const char *files[][2] = {
		{ DAMON "/kdamonds/nr_kdamonds", "1" },
		{ KD "/contexts/nr_contexts", "1" },
		{ CTX "/operations", "paddr" },
		{ CTX "/monitoring_attrs/intervals/sample_us", "5000" },
		{ CTX "/monitoring_attrs/intervals/aggr_us", "100000" },
		{ CTX "/monitoring_attrs/intervals/update_us", "1000000" },
		{ CTX "/targets/nr_targets", "1" },
		{ CTX "/targets/0/regions/nr_regions", "1" },
		{ CTX "/targets/0/regions/0/start", from },
		{ CTX "/targets/0/regions/0/end", to },
		{ CTX "/schemes/nr_schemes", "1" },
		{ SCHEME "/action", action },
		{ SCHEME "/access_pattern/sz/min", "0" },
		{ SCHEME "/access_pattern/sz/max", "18446744073709551615" },
		{ SCHEME "/access_pattern/nr_accesses/min", "0" },
		{ SCHEME "/access_pattern/nr_accesses/max", "4294967295" },
		{ SCHEME "/access_pattern/age/min", "0" },
		{ SCHEME "/access_pattern/age/max", "4294967295" },
	};
	int ret = node_range(NID, &start, &size);
	size_t i;

	if (ret)
		return ret;
	snprintf(from, sizeof(from), "%llu", start);
	snprintf(to, sizeof(to), "%llu", start + size);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ret = dw(files[i][0], files[i][1]);
		if (ret)
			return ret;
	}
	return 0;
}

/* A counter of the scheme's stats, refreshed; -1 if unreadable. */
static long scheme_stat(const char *name)
{
	char path[256], buf[64];

	if (dw(KD "/state", "update_schemes_stats"))
		return -1;
	snprintf(path, sizeof(path), SCHEME "/stats/%s", name);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * Worker: PAGES pages bound to node 2 and filled; sends their address,
 * waits, sends the index of the first page whose data changed (-1: none).
 */
static int wk_bound(struct cg_worker *w, void *arg)
{
	unsigned long node2 = pn_node_bit(NID);
	size_t len = PAGES * pn_page_size();
	char *p = pn_anon(PAGES);
	long bad;

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(!pn_thp(p, PAGES, false), "madvise: %s", strerror(errno));
	WORKER_CHECK(!mbind(p, len, MPOL_BIND, &node2, PN_MAXNODE, 0),
		     "mbind: %s", strerror(errno));
	pn_fill(p, PAGES, SEED);
	WORKER_CHECK(!cgw_send(w, &p, sizeof(p)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	bad = pn_check(p, PAGES, SEED);
	WORKER_CHECK(!cgw_send(w, &bad, sizeof(bad)), "send");
	return 0;
}

static long on_node2(struct cg_worker *w, char *p)
{
	long per[NID + 1], other;

	if (pn_census_pid(w->pid, p, PAGES, per, NID + 1, &other))
		return -1;
	return per[NID];
}

/*
 * Item 10 (DAMON paddr acts on private folios).  Trigger: a DAMOS
 * scheme (pageout, lru_deprio) over node 2's physical range, node 2 not
 * opted into RECLAIM, pages of a granted cgroup on node 2, swap on.
 * Wanted: no page leaves node 2, the data is intact, no splat.  With
 * RECLAIM (the control) pageout takes them.
 */
TEST_F_TIMEOUT(damon, scheme_over_private_node, 120)
{
	long swap0, left, bad, t0, applied;
	struct cg_worker w;
	char *p = NULL;
	int ret;

	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_bound, NULL));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));
	ASSERT_EQ(PAGES, on_node2(&w, p));
	swap0 = swap_used_kb();

	ret = scheme_setup(variant->action);
	ASSERT_EQ(0, ret) TH_LOG("DAMON sysfs setup: %s", strerror(-ret));
	ASSERT_EQ(0, dw(KD "/state", "on"));
	t0 = cg_now_ms();
	do {
		cg_sleep_ms(500);
		left = on_node2(&w, p);
	} while (cg_now_ms() - t0 < RUN_MS && (!variant->reclaim || left > PAGES / 2));
	applied = scheme_stat("sz_applied");
	TH_LOG("%s: %ld of %d pages on node 2, swap used %ld -> %ld kB; scheme tried %ld applied %ld bytes",
	       variant->action, left, PAGES, swap0, swap_used_kb(),
	       scheme_stat("sz_tried"), applied);
	EXPECT_EQ(0, dw(KD "/state", "off"));
	if (variant->reclaim) {
		EXPECT_LE(left, PAGES / 2) TH_LOG("DAMON pageout did nothing: is the scheme right?");
	} else {
		EXPECT_EQ(PAGES, left) TH_LOG("DAMON took pages off node 2 without NP_OPS_RECLAIM");
		EXPECT_LE(swap_used_kb() - swap0, 64);
		/* DAMON acted on none of the node's folios. */
		EXPECT_EQ(0, applied);
	}
	EXPECT_EQ(0, cgw_signal(&w));
	EXPECT_EQ(0, cgw_recv(&w, &bad, sizeof(bad), REPLY_MS));
	EXPECT_EQ(-1, bad);
	EXPECT_EQ(0, cg_worker_finish(&w));
}

TEST_HARNESS_MAIN
