// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_DEMOTION: a private node whose owner opted in joins the memory
 * tiers below DRAM, and reclaim demotes anonymous pages to it, charged to
 * each page's cgroup there (memory.private_nodes.stat "demoted").  A
 * cgroup without the grant, or at its limit, is not demoted and the
 * refusal is counted ("cram_throttled").  Without the flag the node is in
 * no tier and reclaim never puts a page there.
 *
 * The guest has no swap, so demotion is the only way reclaim can take
 * anonymous memory: a worker in the test cgroup faults pages on node 0
 * and the test asks the cgroup to give memory back (memory.reclaim).
 */
#include <numaif.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-demotion-test"
#define DEMOTION_ENABLED "/sys/kernel/mm/numa/demotion_enabled"
#define TIERS "/sys/devices/virtual/memory_tiering"
#define PAGES 256			/* 1 MiB: quick to reclaim under TCG */
#define THP_PAGES 1024			/* two PMD-sized folios */
#define SEED 7
#define REPLY_MS 60000

FIXTURE(demote) {
	char enabled[16];
};

FIXTURE_VARIANT(demote) {
	bool demotion;		/* the owner sets NP_OPS_DEMOTION */
	bool migrate_to;	/* ... and demotes through its migrate_to */
};

FIXTURE_VARIANT_ADD(demote, opted_in)
{
	.demotion = true,
};

FIXTURE_VARIANT_ADD(demote, opted_in_migrate_to)
{
	.demotion = true,
	.migrate_to = true,
};

FIXTURE_VARIANT_ADD(demote, not_opted_in)
{
	.demotion = false,
};

/*
 * Node 2 private with MIGRATION (+ DEMOTION), demotion enabled, CG_TEST
 * created under the root and granted node 2.  The old demotion_enabled
 * value goes to @enabled.
 */
static void node2_setup(struct __test_metadata *_metadata, bool demotion,
			 bool migrate_to, char *enabled, size_t len)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	snprintf(params, sizeof(params), "ops_flags=%d use_migrate_to=%d",
		 NP_OPS_MIGRATION | (demotion ? NP_OPS_DEMOTION : 0), migrate_to);
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, read_file(DEMOTION_ENABLED, enabled, len));
	ASSERT_EQ(0, write_file(DEMOTION_ENABLED, "1"));
	region_grant_cg(_metadata, CG_TEST);
}

static void node2_teardown(struct __test_metadata *_metadata,
			    const char *enabled)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	EXPECT_EQ(0, write_file(DEMOTION_ENABLED,
				strncmp(enabled, "true", 4) ? "0" : "1"));
	unload_module(REGION_DRIVER);
	EXPECT_FALSE(node_is_private(NID));
}

FIXTURE_SETUP(demote)
{
	node2_setup(_metadata, variant->demotion, variant->migrate_to,
		     self->enabled, sizeof(self->enabled));
}

FIXTURE_TEARDOWN(demote)
{
	node2_teardown(_metadata, self->enabled);
}

/* Node 2 opted into demotion, for what only matters where it happens. */
FIXTURE(demote_on) {
	char enabled[16];
};

FIXTURE_SETUP(demote_on)
{
	node2_setup(_metadata, true, false, self->enabled,
		     sizeof(self->enabled));
}

FIXTURE_TEARDOWN(demote_on)
{
	node2_teardown(_metadata, self->enabled);
}

/* The memory tier node @nid is in (its id), or -1 if none. */
static int tier_of(int nid)
{
	char path[PATH_MAX], list[256];
	struct dirent *d;
	int tier = -1;
	DIR *dir = opendir(TIERS);

	if (!dir)
		return -1;
	while (tier < 0 && (d = readdir(dir))) {
		if (strncmp(d->d_name, "memory_tier", 11))
			continue;
		snprintf(path, sizeof(path), TIERS "/%s/nodelist", d->d_name);
		if (!read_file(path, list, sizeof(list)) && nodelist_has(list, nid))
			tier = atoi(d->d_name + 11);
	}
	closedir(dir);
	return tier;
}

struct resident {
	long pages;
	bool thp;
};

/*
 * Worker: @pages pages of anonymous memory faulted on node 0 (a bind
 * policy; demotion ignores policies), filled; sends their address, waits,
 * then sends the index of the first page whose data changed (-1: none).
 */
static int wk_resident(struct cg_worker *w, void *arg)
{
	const struct resident *r = arg;
	unsigned long node0 = pn_node_bit(0);
	size_t len = r->pages * pn_page_size();
	char *p = pn_anon(r->pages + (r->thp ? 512 : 0));
	long bad;

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	if (r->thp)	/* a PMD-aligned start inside the extra 2 MiB */
		p = (char *)(((unsigned long)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	WORKER_CHECK(!pn_thp(p, r->pages, r->thp), "madvise: %s", strerror(errno));
	WORKER_CHECK(!mbind(p, len, MPOL_BIND, &node0, PN_MAXNODE, 0),
		     "mbind: %s", strerror(errno));
	pn_fill(p, r->pages, SEED);
	WORKER_CHECK(!cgw_send(w, &p, sizeof(p)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	bad = pn_check(p, r->pages, SEED);
	WORKER_CHECK(!cgw_send(w, &bad, sizeof(bad)), "send");
	return 0;
}

/* Pages of @w at @p on node @nid. */
static long on_node(struct cg_worker *w, char *p, long n, int nid)
{
	int *status = calloc(n, sizeof(int));
	long i, c = 0;

	if (!status || pn_where_pid(w->pid, p, n, status)) {
		free(status);
		return -1;
	}
	for (i = 0; i < n; i++)
		c += status[i] == nid;
	free(status);
	return c;
}

/*
 * Ask CG_TEST to give back the worker's memory, up to @tries times until
 * all @n pages left node 0; the number of pages then on node 2.
 */
static long reclaim(struct cg_worker *w, char *p, long n, int tries)
{
	char req[32];

	snprintf(req, sizeof(req), "%ld", n * pn_page_size());
	while (tries-- > 0 && on_node(w, p, n, 0) > 0)
		cg_write(CG_TEST, "memory.reclaim", req);	/* -EAGAIN: short */
	return on_node(w, p, n, NID);
}

/* Let the worker check its data and exit; its data-check result. */
static long finish(struct cg_worker *w)
{
	long bad = -2;

	if (cgw_signal(w) || cgw_recv(w, &bad, sizeof(bad), REPLY_MS))
		bad = -2;
	if (cg_worker_finish(w))
		return -2;
	return bad;
}

static long long st(const char *key)
{
	return cg_node_key(CG_TEST, PN_STAT, NID, key);
}

/* Node 2's usage once it is @want or 2 s passed (exit frees lazily). */
static long long settled_current(long long want)
{
	long long cur;
	int i;

	for (i = 0; i < 200; i++) {
		pn_drain_lru();
		cur = st("current");
		if (cur == want)
			break;
		cg_sleep_ms(10);
	}
	return cur;
}

static long ev(const char *key)
{
	return cg_key(CG_TEST, PN_EVENTS, key);
}

/* With the flag the node is a tier below node 0's; without, in no tier. */
TEST_F(demote, memory_tier)
{
	int t0 = tier_of(0), t2 = tier_of(NID);

	ASSERT_GE(t0, 0);
	if (variant->demotion) {
		EXPECT_GT(t2, t0) TH_LOG("node 2 in tier %d, node 0 in %d", t2, t0);
	} else {
		EXPECT_EQ(-1, t2) TH_LOG("node 2 in tier %d without the flag", t2);
	}
}

/*
 * Reclaim of a granted cgroup: with the flag every page goes to node 2,
 * charged there, data intact, through the owner's migrate_to if it has
 * one; without it no page does (and reclaim cannot free anything).
 */
TEST_F(demote, reclaim_demotes_granted_cgroup)
{
	struct resident r = { .pages = PAGES };
	struct cg_worker w;
	long demoted;
	char *p;

	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_resident, &r));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));
	ASSERT_EQ(PAGES, on_node(&w, p, PAGES, 0));

	demoted = reclaim(&w, p, PAGES, 8);
	if (variant->demotion) {
		EXPECT_EQ(PAGES, demoted);
		EXPECT_EQ(PAGES * pn_page_size(), st("current"));
		EXPECT_GE(st("demoted"), PAGES);
		EXPECT_EQ(0, st("throttled"));
		EXPECT_EQ(0, ev("cram_throttled"));
		if (variant->migrate_to) {
			EXPECT_GT(region_stat("migrate_to"), 0);
		} else {
			EXPECT_EQ(0, region_stat("migrate_to"));
		}
		EXPECT_GE(region_stat("migrated_in"), PAGES);
	} else {
		EXPECT_EQ(0, demoted);
		EXPECT_EQ(PAGES, on_node(&w, p, PAGES, 0));
		EXPECT_EQ(0, st("current"));
		/* The stat line of a node without the flag has no such key. */
		EXPECT_EQ(-1, st("demoted"));
		EXPECT_EQ(0, region_stat("migrated_in"));
	}
	EXPECT_EQ(-1, finish(&w));
	/* The worker is gone: its pages on node 2 were freed and uncharged. */
	EXPECT_EQ(0, settled_current(0));
}

/* A cgroup without the grant keeps its pages: the refusal is counted. */
TEST_F(demote, ungranted_cgroup_not_demoted)
{
	struct resident r = { .pages = PAGES };
	struct cg_worker w;
	char eff[64], *p;

	ASSERT_EQ(0, cg_write(CG_TEST, PN_NODES, "\n"));
	ASSERT_GT(cg_read(CG_TEST, PN_EFFECTIVE, eff, sizeof(eff)), 0);
	ASSERT_STREQ("\n", eff);
	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_resident, &r));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));

	EXPECT_EQ(0, reclaim(&w, p, PAGES, 3));
	EXPECT_EQ(PAGES, on_node(&w, p, PAGES, 0));
	if (variant->demotion) {
		EXPECT_GT(ev("cram_throttled"), 0);
	} else {	/* not a demotion target at all: nothing was refused */
		EXPECT_EQ(0, ev("cram_throttled"));
	}
	EXPECT_EQ(0, ev("denied")) TH_LOG("demotion is not a request of the task");
	EXPECT_EQ(-1, finish(&w));
}

/*
 * At memory.private_nodes.max demotion stops: usage never goes above the
 * limit, the rest stays on node 0, the refusals are counted.
 */
TEST_F(demote_on, limit_stops_demotion)
{
	struct resident r = { .pages = PAGES };
	long cap = PAGES / 4, demoted;
	struct cg_worker w;
	char max[64];
	char *p;

	snprintf(max, sizeof(max), "%d max=%ld", NID, cap * pn_page_size());
	ASSERT_EQ(0, cg_write(CG_TEST, PN_MAX, max));
	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_resident, &r));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));

	demoted = reclaim(&w, p, PAGES, 4);
	EXPECT_GT(demoted, 0);
	EXPECT_LE(demoted, cap);
	EXPECT_LE(st("peak"), cap * pn_page_size());
	EXPECT_EQ(demoted * pn_page_size(), st("current"));
	EXPECT_EQ(PAGES - demoted, on_node(&w, p, PAGES, 0));
	EXPECT_GT(ev("cram_throttled"), 0);
	EXPECT_EQ(-1, finish(&w));
}

/* Transparent huge pages are demoted whole and charged in full. */
TEST_F(demote_on, thp_demoted_whole)
{
	struct resident r = { .pages = THP_PAGES, .thp = true };
	long huge_before = node_meminfo_kb(NID, "AnonHugePages");
	struct cg_worker w;
	char *p;

	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_resident, &r));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));
	ASSERT_GT(node_meminfo_kb(0, "AnonHugePages"), 0)
		TH_LOG("no THP on node 0 to begin with");

	EXPECT_EQ(THP_PAGES, reclaim(&w, p, THP_PAGES, 8));
	EXPECT_EQ(THP_PAGES * pn_page_size(), st("current"));
	EXPECT_GE(node_meminfo_kb(NID, "AnonHugePages") - huge_before,
		  THP_PAGES * pn_page_size() / 1024)
		TH_LOG("THP split on the way to node 2");
	EXPECT_EQ(-1, finish(&w));
}

/*
 * The kernel gave the node its private memory type (below DRAM).  Once
 * the owner is gone and the DIMM is ordinary memory again, onlining it
 * must put the node in the tier of ordinary memory, not keep the
 * private node's.
 */
TEST_F(demote_on, ordinary_again_after_owner_leaves)
{
	char path[128];
	long first, count;
	int t0 = tier_of(0);

	ASSERT_GT(tier_of(NID), t0);
	ASSERT_EQ(0, unload_module(REGION_DRIVER));
	ASSERT_FALSE(node_is_private(NID));
	ASSERT_EQ(-1, tier_of(NID));
	ASSERT_EQ(0, node_blocks(NID, &first, &count));
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%ld/state",
		 first);
	ASSERT_EQ(0, write_file(path, "online_movable"));
	EXPECT_EQ(t0, tier_of(NID)) TH_LOG("ordinary node 2 in tier %d, node 0 in %d",
					   tier_of(NID), t0);
	/* Offline again, for the next test's driver to take it over. */
	EXPECT_EQ(0, write_file(path, "offline"));
}

TEST_HARNESS_MAIN
