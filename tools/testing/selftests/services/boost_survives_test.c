// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, item 7: a watermark boost the owner of a private node claimed
 * (NP_OPS_RECLAIM, reclaim_policy's owner_boost; the example driver's
 * own_boost=1 and its boost file) stays until the owner lowers it.  The
 * kernel recomputes every zone's watermarks when min_free_kbytes or
 * watermark_scale_factor is written and when memory goes online or
 * offline anywhere (__setup_per_zone_wmarks()); none of that is the owner
 * lowering its boost, so the boost must survive it, and kswapd must keep
 * the node's free memory above it afterwards.
 *
 * Writing min_free_kbytes, even its own value, makes it "user defined"
 * for the rest of the boot: memory hotplug no longer lowers it (the
 * kernel says "min_free_kbytes is not updated to N because user defined
 * value M is preferred").  No write can undo that; the value stays what
 * it was.
 *
 * As in reclaim_test.c: swap on the guest's disk, a worker in a cgroup
 * granted node 2 binds its memory there, the owner raises the boost above
 * what is free, kswapd swaps the worker's pages out until the room is
 * there.
 */
#include <numaif.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"
#include "privnode_swap.h"

#define NID REGION_NID
#define OTHER_NID 3			/* the guest's other offline DIMM */
#define CG_TEST CG_ROOT "/privnode-boost-survives-test"
#define PAGES 8192			/* 32 MiB bound to node 2 */
#define SEED 17
#define REPLY_MS 60000
#define KSWAPD_MS 30000			/* kswapd's work under TCG */
#define MIN_FREE "/proc/sys/vm/min_free_kbytes"
#define SCALE "/proc/sys/vm/watermark_scale_factor"

enum trigger { MIN_FREE_KBYTES, WATERMARK_SCALE_FACTOR, MEMORY_ONLINE };

FIXTURE(bs) {
	int unused;
};

FIXTURE_VARIANT(bs) {
	enum trigger trigger;
};

FIXTURE_VARIANT_ADD(bs, min_free_kbytes)
{
	.trigger = MIN_FREE_KBYTES,
};

FIXTURE_VARIANT_ADD(bs, watermark_scale_factor)
{
	.trigger = WATERMARK_SCALE_FACTOR,
};

/* A block of another node onlined and offlined again. */
FIXTURE_VARIANT_ADD(bs, memory_online_offline)
{
	.trigger = MEMORY_ONLINE,
};

FIXTURE_SETUP(bs)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	ASSERT_EQ(0, swap_enable(SWAP_DEV))
		TH_LOG("no swap on %s: run through make vm-test", SWAP_DEV);
	snprintf(params, sizeof(params), "ops_flags=%d own_boost=1",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY | NP_OPS_RECLAIM);
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	region_grant_cg(_metadata, CG_TEST);
	/*
	 * "sysram": the worker's faults below the boosted watermarks wake
	 * kswapd and go to ordinary memory.  With "none" they reclaim
	 * directly and, when swapping out cannot keep up under TCG, end
	 * in an OOM kill, which is that setting's contract on a full node
	 * and not what this test is about.
	 */
	ASSERT_EQ(0, cg_write(CG_TEST, PN_FALLBACK, "sysram"));
}

FIXTURE_TEARDOWN(bs)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	unload_module(REGION_DRIVER);
	EXPECT_FALSE(node_is_private(NID));
	EXPECT_EQ(0, swap_disable(SWAP_DEV));
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

/* Wait until node @nid has @want free pages; the last count read. */
static long free_reaches(int nid, long want)
{
	long f, t0 = cg_now_ms();

	while ((f = node_free_pages(nid)) < want && cg_now_ms() - t0 < KSWAPD_MS)
		cg_sleep_ms(50);
	return f;
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

/* Write @path's own value back to it; 0 or -errno. */
static int rewrite(const char *path)
{
	char val[64];
	int ret = read_file(path, val, sizeof(val));

	return ret ? ret : write_file(path, val);
}

/* Online the first block of OTHER_NID (offline at boot), then offline it. */
static int online_offline_block(void)
{
	char path[128];
	long first, count;
	int ret = node_blocks(OTHER_NID, &first, &count);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%ld/state",
		 first);
	ret = write_file(path, "online_movable");
	if (ret)
		return ret;
	return write_file(path, "offline");
}

static int fire(enum trigger t)
{
	switch (t) {
	case MIN_FREE_KBYTES:
		return rewrite(MIN_FREE);
	case WATERMARK_SCALE_FACTOR:
		return rewrite(SCALE);
	case MEMORY_ONLINE:
		return online_offline_block();
	}
	return -EINVAL;
}

/*
 * Item 7 (claimed boost lost).  Trigger: the owner claims a boost
 * (owner_boost) above the node's free memory, kswapd makes the room;
 * then min_free_kbytes (or watermark_scale_factor) is rewritten with its
 * current value, or a block of another node goes online and offline.
 * Wanted: node 2's boost in /proc/zoneinfo is unchanged, and when the
 * worker allocates more on the node kswapd again keeps the free memory
 * above the boost.
 */
TEST_F_TIMEOUT(bs, claimed_boost_survives_watermark_setup, 180)
{
	long boost, got, b;
	struct cg_worker w;
	char *p = NULL;

	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_bound, NULL));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));
	ASSERT_EQ(0, movable_boost(NID));
	boost = node_free_pages(NID) + PAGES / 4;
	ASSERT_EQ(0, region_write("boost", boost));
	got = free_reaches(NID, boost);
	ASSERT_GE(got, boost) TH_LOG("kswapd did not make the room: %ld free, %ld wanted",
				     got, boost);
	ASSERT_EQ(boost, movable_boost(NID));

	ASSERT_EQ(0, fire(variant->trigger));
	b = movable_boost(NID);
	EXPECT_EQ(boost, b) TH_LOG("boost %ld after the watermarks were set up again", b);

	/* kswapd keeps the room when the worker takes more on the node. */
	EXPECT_EQ(0, ask(&w, 'm'));
	got = free_reaches(NID, boost);
	EXPECT_GE(got, boost) TH_LOG("%ld free after more faults, boost %ld wanted, %ld in zoneinfo",
				     got, boost, movable_boost(NID));

	EXPECT_EQ(0, region_write("boost", 0));
	EXPECT_EQ(0, movable_boost(NID));
	EXPECT_EQ(-1, ask(&w, 'c'));
	cgw_send(&w, "q", 1);
	EXPECT_EQ(0, cg_worker_finish(&w));
}

TEST_HARNESS_MAIN
