// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_RECLAIM: a private node whose owner opted in takes part in
 * reclaim.  It has a kswapd; memory cgroup reclaim (memory.reclaim, a
 * cgroup at memory.max) swaps out the cgroup's pages on it; an allocation
 * on the full node reclaims there instead of failing; and the owner can
 * raise the node's watermarks (node_private_set_boost(), the example
 * driver's "boost" file) to make kswapd free room on it, once or, with
 * its reclaim_policy claiming the boost, for as long as it keeps it.
 * Without the flag none of that touches the node: no kswapd, cgroup
 * reclaim leaves its pages where they are, and the boost is refused.
 *
 * The guest's swap is the virtio disk that "make vm-test" attaches; the
 * fixture turns it on for each test and off again.  A worker in a cgroup
 * granted node 2 binds its memory there (NP_OPS_MEMPOLICY); the test
 * counts the worker's pages on node 2 with move_pages(), which reports
 * swapped-out pages as absent, and the worker checks its data at the end,
 * which swaps them back in.
 */
#include <dirent.h>
#include <limits.h>
#include <numaif.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"
#include "privnode_swap.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-reclaim-test"
#define PAGES 8192			/* 32 MiB bound to node 2 */
#define SEED 11
#define REPLY_MS 60000
#define KSWAPD_MS 30000			/* kswapd's work under TCG */

FIXTURE(rc) {
	int unused;
};

FIXTURE_VARIANT(rc) {
	bool reclaim;		/* the owner sets NP_OPS_RECLAIM */
	bool own_boost;		/* ... and claims the boost (reclaim_policy) */
	bool cpuset;		/* the test cgroup has a cpuset (without node 2) */
};

FIXTURE_VARIANT_ADD(rc, reclaim)
{
	.reclaim = true,
};

FIXTURE_VARIANT_ADD(rc, reclaim_own_boost)
{
	.reclaim = true,
	.own_boost = true,
};

/*
 * Cpusets never contain private nodes.  With one in use, reclaim and
 * kswapd wakeups for __GFP_PRIVATE allocations must not be filtered by
 * it, nor the allocations' node mask dropped when it fails.
 */
FIXTURE_VARIANT_ADD(rc, reclaim_in_cpuset)
{
	.reclaim = true,
	.cpuset = true,
};

FIXTURE_VARIANT_ADD(rc, no_reclaim)
{
	.reclaim = false,
};

static int region_params(char *buf, size_t len, bool reclaim, bool own_boost)
{
	return snprintf(buf, len, "ops_flags=%d own_boost=%d",
			NP_OPS_MIGRATION | NP_OPS_MEMPOLICY |
			(reclaim ? NP_OPS_RECLAIM : 0), own_boost);
}

FIXTURE_SETUP(rc)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	ASSERT_EQ(0, swap_enable(SWAP_DEV))
		TH_LOG("no swap on %s: run through make vm-test", SWAP_DEV);
	region_params(params, sizeof(params), variant->reclaim,
		      variant->own_boost);
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	if (variant->cpuset)
		ASSERT_EQ(0, cg_write(CG_ROOT, "cgroup.subtree_control", "+cpuset"));
	region_grant_cg(_metadata, CG_TEST);
	ASSERT_EQ(0, cg_write(CG_TEST, PN_FALLBACK, "none"));
}

FIXTURE_TEARDOWN(rc)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	if (variant->cpuset)
		EXPECT_EQ(0, cg_write(CG_ROOT, "cgroup.subtree_control", "-cpuset"));
	unload_module(REGION_DRIVER);
	EXPECT_FALSE(node_is_private(NID));
	EXPECT_EQ(0, swap_disable(SWAP_DEV));
}

/* Whether a task named kswapd@nid exists. */
static bool kswapd_exists(int nid)
{
	char want[32], path[PATH_MAX], comm[32];
	struct dirent *d;
	bool found = false;
	DIR *dir = opendir("/proc");

	snprintf(want, sizeof(want), "kswapd%d", nid);
	while (dir && !found && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		found = !read_file(path, comm, sizeof(comm)) &&
			!strcmp(comm, want);
	}
	if (dir)
		closedir(dir);
	return found;
}

/*
 * Field @key ("boost", "high") of node @nid's movable zone in
 * /proc/zoneinfo, in pages; -1 if not found.
 */
static long movable_zone(int nid, const char *key)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256], zone[32], name[32];
	long val = -1, v;
	bool in = false;
	int node;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2) {
			in = node == nid && !strcmp(zone, "Movable");
		} else if (in && sscanf(line, " %31s %ld", name, &v) == 2 &&
			   !strcmp(name, key)) {
			val = v;
			break;
		}
	}
	if (f)
		fclose(f);
	return val;
}

static long movable_boost(int nid)
{
	return movable_zone(nid, "boost");
}

static long node_free_pages(int nid)
{
	return node_meminfo_kb(nid, "MemFree") * 1024 / pn_page_size();
}

/*
 * Worker: PAGES pages bound to node 2 and filled; sends their address.
 * Then serves one-byte commands until told to quit: 'c' checks the data
 * and sends the index of the first bad page (-1: none), 'm' binds and
 * fills PAGES more pages and sends 0, 'q' quits.
 */
static int wk_bound(struct cg_worker *w, void *arg)
{
	unsigned long node2 = pn_node_bit(NID);
	size_t len = PAGES * pn_page_size();
	char *p = pn_anon(PAGES), *more, cmd;
	long reply;

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(!pn_thp(p, PAGES, false), "madvise: %s", strerror(errno));
	WORKER_CHECK(!mbind(p, len, MPOL_BIND, &node2, PN_MAXNODE, 0),
		     "mbind: %s", strerror(errno));
	pn_fill(p, PAGES, SEED);
	WORKER_CHECK(!cgw_send(w, &p, sizeof(p)), "send");
	while (!cgw_recv(w, &cmd, 1, -1) && cmd != 'q') {
		reply = 0;
		if (cmd == 'c') {
			reply = pn_check(p, PAGES, SEED);
		} else if (cmd == 'm') {
			more = pn_anon(PAGES);
			WORKER_CHECK(more, "mmap: %s", strerror(errno));
			WORKER_CHECK(!pn_thp(more, PAGES, false), "madvise");
			WORKER_CHECK(!mbind(more, len, MPOL_BIND, &node2,
					    PN_MAXNODE, 0), "mbind");
			pn_fill(more, PAGES, SEED);
		}
		WORKER_CHECK(!cgw_send(w, &reply, sizeof(reply)), "send");
	}
	return 0;
}

/* Send @cmd to the worker; its reply, or -2 if it did not answer. */
static long ask(struct cg_worker *w, char cmd)
{
	long reply;

	if (cgw_send(w, &cmd, 1) || cgw_recv(w, &reply, sizeof(reply), REPLY_MS))
		return -2;
	return reply;
}

/* Let the worker quit; its exit status. */
static int quit(struct cg_worker *w)
{
	char cmd = 'q';

	cgw_send(w, &cmd, 1);
	return cg_worker_finish(w);
}

/* Pages of the worker at @p resident on node 2. */
static long on_node2(struct cg_worker *w, char *p)
{
	int *status = calloc(PAGES, sizeof(int));
	long i, c = 0;

	if (!status || pn_where_pid(w->pid, p, PAGES, status)) {
		free(status);
		return -1;
	}
	for (i = 0; i < PAGES; i++)
		c += status[i] == NID;
	free(status);
	return c;
}

/* Start the worker; its pages' address, all of them on node 2. */
static char *start_bound(struct __test_metadata *_metadata,
			 struct cg_worker *w)
{
	char *p = NULL;

	if (cg_worker_start(w, CG_TEST, wk_bound, NULL) ||
	    cgw_recv(w, &p, sizeof(p), REPLY_MS))
		return NULL;
	EXPECT_EQ(PAGES, on_node2(w, p));
	return p;
}

/*
 * Start the worker where the cgroup's OOM killer may take it before it
 * reports (@oom: open the kernel log window for the killer's report);
 * 0 once it sent its pages' address to @p, nonzero if it died first.
 */
static int start_bound_may_die(struct cg_worker *w, char **p, bool oom)
{
	int ret;

	if (oom)
		kmsg(OOM_EXPECTED_BEGIN);
	ret = cg_worker_start(w, CG_TEST, wk_bound, NULL);
	if (ret)
		return ret;
	return cgw_recv(w, p, sizeof(*p), REPLY_MS);
}

/* Reap a worker the OOM killer took; close the log window; its status. */
static int reap_killed(struct cg_worker *w)
{
	int status = cg_worker_finish(w);

	kmsg(OOM_EXPECTED_END);
	return status;
}

/* kswapd runs for the node only with the flag, and stops when it goes. */
TEST_F(rc, kswapd_follows_flag)
{
	char params[64];

	EXPECT_EQ(variant->reclaim, kswapd_exists(NID));
	/* Memory going offline stops it; memory coming back, with the flag, starts it. */
	ASSERT_EQ(0, unload_module(REGION_DRIVER));
	EXPECT_FALSE(kswapd_exists(NID));
	region_params(params, sizeof(params), variant->reclaim,
		      variant->own_boost);
	ASSERT_EQ(0, region_load(params));
	EXPECT_EQ(variant->reclaim, kswapd_exists(NID));
}

/*
 * memory.reclaim of the cgroup swaps out its pages on node 2 with the
 * flag, data intact; without it the pages stay and nothing is swapped.
 */
TEST_F(rc, memory_reclaim_reaches_node)
{
	struct cg_worker w;
	long before, left;
	char req[32], *p;
	int i;

	ASSERT_NE(NULL, p = start_bound(_metadata, &w));
	before = swap_used_kb();
	snprintf(req, sizeof(req), "%ld", PAGES / 2 * pn_page_size());
	for (i = 0; i < 4; i++)
		cg_write(CG_TEST, "memory.reclaim", req);	/* -EAGAIN: short */
	left = on_node2(&w, p);
	if (variant->reclaim) {
		EXPECT_LE(left, PAGES / 2) TH_LOG("%ld pages still on node 2", left);
		EXPECT_GE(swap_used_kb() - before, PAGES / 2 * pn_page_size() / 1024);
	} else {
		EXPECT_EQ(PAGES, left);
		EXPECT_EQ(before, swap_used_kb());
	}
	EXPECT_EQ(-1, ask(&w, 'c'));
	EXPECT_EQ(0, quit(&w));
}

/*
 * A cgroup whose memory.max is below what it binds to node 2 keeps
 * running with the flag: charging reclaims its pages on the node.
 * Without the flag reclaim cannot free a page and the cgroup's OOM
 * killer takes the worker.
 */
TEST_F(rc, memory_max_reclaims_node)
{
	char max[32], *p = NULL;
	struct cg_worker w;
	int ret;

	snprintf(max, sizeof(max), "%ld", PAGES / 2 * pn_page_size());
	ASSERT_EQ(0, cg_write(CG_TEST, "memory.max", max));
	ret = start_bound_may_die(&w, &p, !variant->reclaim);
	if (variant->reclaim) {
		ASSERT_EQ(0, ret);
		EXPECT_LE(cg_key(CG_TEST, "memory.events", "oom_kill"), 0);
		EXPECT_LE(on_node2(&w, p), PAGES / 2);
		EXPECT_EQ(-1, ask(&w, 'c'));
		EXPECT_EQ(0, quit(&w));
	} else {
		EXPECT_NE(0, ret);
		EXPECT_EQ(128 + SIGKILL, reap_killed(&w));
		EXPECT_GE(cg_key(CG_TEST, "memory.events", "oom_kill"), 1);
	}
}

/*
 * With the node nearly full of the owner's own (unreclaimable) folios, a
 * bind policy's faults on it reclaim the worker's older pages there: all
 * of the worker's memory ends up on node 2 or in swap, none elsewhere.
 * Without the flag the allocation cannot be served and, the cgroup's
 * fallback being "none", the OOM killer takes the worker.
 */
TEST_F(rc, full_node_reclaims_for_fault)
{
	long room = PAGES / 4, fill = node_free_pages(NID) - room;
	char *p = NULL;
	struct cg_worker w;
	int ret;

	ASSERT_GT(fill, 0);
	ASSERT_EQ(0, region_write("alloc", fill));
	ASSERT_EQ(fill, region_stat("held"));
	ret = start_bound_may_die(&w, &p, !variant->reclaim);
	if (variant->reclaim) {
		ASSERT_EQ(0, ret);
		EXPECT_LE(on_node2(&w, p), room);
		EXPECT_GT(swap_used_kb(), 0);
		EXPECT_EQ(-1, ask(&w, 'c'));
		/* Nothing went to ordinary memory: fallback is "none". */
		EXPECT_EQ(0, cg_key(CG_TEST, PN_EVENTS, "fallback"));
		EXPECT_EQ(0, quit(&w));
	} else {
		EXPECT_NE(0, ret);
		EXPECT_EQ(128 + SIGKILL, reap_killed(&w));
	}
	region_write("free", fill);
}

/* Wait until node @nid's movable boost is @want; the last value read. */
static long boost_settles(int nid, long want)
{
	long b, t0 = cg_now_ms();

	while ((b = movable_boost(nid)) != want && cg_now_ms() - t0 < KSWAPD_MS)
		cg_sleep_ms(50);
	return b;
}

/* Wait until node @nid has @want free pages; the last count read. */
static long free_reaches(int nid, long want)
{
	long f, t0 = cg_now_ms();

	while ((f = node_free_pages(nid)) < want && cg_now_ms() - t0 < KSWAPD_MS)
		cg_sleep_ms(50);
	return f;
}

/*
 * Faults that find the node below its low watermark wake its kswapd,
 * which brings the node back above its high watermark in the background
 * (the faults themselves, with fallback "sysram", go to ordinary memory
 * meanwhile).  Without the flag the node has no kswapd and stays low.
 */
TEST_F_TIMEOUT(rc, faults_wake_kswapd, 120)
{
	long high = movable_zone(NID, "high"), got;
	/* Above the low watermark: filling does not wake kswapd yet. */
	long fill = node_free_pages(NID) - 2 * high;
	/* A kswapd that gave up on the node ignores wakeups: say if it had. */
	long unrec0 = movable_zone(NID, "node_unreclaimable:");
	struct cg_worker w;
	char *p;

	ASSERT_GT(high, 0);
	ASSERT_GT(fill, 0);
	ASSERT_EQ(0, cg_write(CG_TEST, PN_FALLBACK, "sysram"));
	ASSERT_EQ(0, region_write("alloc", fill));
	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_bound, NULL));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));
	EXPECT_GT(cg_key(CG_TEST, PN_EVENTS, "fallback"), 0);
	if (variant->reclaim) {
		got = free_reaches(NID, high);
		EXPECT_GE(got, high)
			TH_LOG("node 2: %ld free, high %ld; kswapd gave up: %ld (at start %ld)",
			       got, high, movable_zone(NID, "node_unreclaimable:"),
			       unrec0);
	} else {
		cg_sleep_ms(1000);
		EXPECT_LT(node_free_pages(NID), high);
	}
	EXPECT_EQ(-1, ask(&w, 'c'));
	EXPECT_EQ(0, quit(&w));
	region_write("free", fill);
}

/*
 * The owner raises the node's watermarks by more than is free: kswapd
 * swaps out the worker's pages until the free memory is above them,
 * however many passes that takes.  kswapd then drops the boost, unless
 * the owner claimed it; a claimed
 * boost keeps the node's free memory up when the worker allocates more,
 * until the owner lowers it.  Without the flag the boost is refused.
 */
TEST_F_TIMEOUT(rc, boost_frees_room, 120)
{
	long want = PAGES / 4, boost, got, b;
	struct cg_worker w;
	char *p;

	ASSERT_NE(NULL, p = start_bound(_metadata, &w));
	ASSERT_EQ(0, movable_boost(NID));
	/* Garbage changes nothing. */
	EXPECT_EQ(-EINVAL, write_file(REGION_DEBUGFS "/boost", "lots"));
	EXPECT_EQ(-EINVAL, write_file(REGION_DEBUGFS "/boost", "-1"));
	EXPECT_EQ(0, movable_boost(NID));
	boost = node_free_pages(NID) + want;
	if (!variant->reclaim) {
		EXPECT_EQ(-EOPNOTSUPP, region_write("boost", boost));
		EXPECT_EQ(0, movable_boost(NID));
		cg_sleep_ms(500);
		EXPECT_EQ(PAGES, on_node2(&w, p));
		EXPECT_EQ(-1, ask(&w, 'c'));
		EXPECT_EQ(0, quit(&w));
		return;
	}

	ASSERT_EQ(0, region_write("boost", boost));
	got = free_reaches(NID, boost);
	EXPECT_GE(got, boost) TH_LOG("%ld pages free, %ld wanted", got, boost);
	EXPECT_LT(on_node2(&w, p), PAGES);
	if (!variant->own_boost) {
		EXPECT_EQ(0, boost_settles(NID, 0));
	} else {
		/* Still there once kswapd is done, and still at work. */
		cg_sleep_ms(500);
		EXPECT_EQ(boost, movable_boost(NID));
		EXPECT_EQ(0, ask(&w, 'm'));
		got = free_reaches(NID, boost);
		EXPECT_GE(got, boost) TH_LOG("%ld free after more faults", got);
		EXPECT_EQ(boost, movable_boost(NID));
		ASSERT_EQ(0, region_write("boost", 0));
		b = movable_boost(NID);
		EXPECT_EQ(0, b);
	}
	EXPECT_EQ(-1, ask(&w, 'c'));
	EXPECT_EQ(0, quit(&w));
}

TEST_HARNESS_MAIN
