// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_COMPACTION: compaction runs on a private node's zone only if the
 * node's owner opted in.  With the flag, compacting the node moves pages
 * inside it - new page frames, same data, still on the node, still
 * charged to their cgroup (the charge follows the page frame); without
 * it, not one page frame changes.
 *
 * A worker in a cgroup granted node 2 faults FAULTED pages there under a
 * bind policy and frees every other run of RUN pages, which leaves the node's zone
 * fragmented; the test then writes /sys/devices/system/node/node2/compact
 * and compares the page frames of the pages left, read from the worker's
 * /proc/PID/pagemap (the test runs as root, so frame numbers are shown).
 */
#include <fcntl.h>
#include <numaif.h>
#include <stdint.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-compaction-test"
#define COMPACT_NODE NODE_SYSFS "/node2/compact"
/*
 * 384 MiB, three quarters of the node, so that whichever frames the
 * allocator hands out, kept pages sit low in the zone, below free holes
 * higher up: compaction's migration scanner (from the bottom) then meets
 * pages to move before it meets its free scanner (from the top).
 */
#define FAULTED 98304
#define KEPT (FAULTED / 2)		/* every other run of pages stays */
/*
 * Runs of 32 pages kept and 32 freed.  Not every other page: the free
 * scanner of compaction doubles its stride, up to 32 pages, over each
 * pageblock where it finds nothing, and one-page holes at a fixed parity
 * are then never looked at.  Any 32-page stride lands in a 32-page hole.
 */
#define RUN 32

/* Index in the mapping of the @k-th kept page. */
static long kept_index(long k)
{
	return k / RUN * 2 * RUN + k % RUN;
}
#define SEED 11
#define REPLY_MS 60000
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

FIXTURE(compact) {
	bool driver;
};

FIXTURE_VARIANT(compact) {
	bool compaction;	/* the owner sets NP_OPS_COMPACTION */
};

FIXTURE_VARIANT_ADD(compact, opted_in)
{
	.compaction = true,
};

FIXTURE_VARIANT_ADD(compact, not_opted_in)
{
	.compaction = false,
};

/* Node 2 private, MIGRATION | MEMPOLICY (+ COMPACTION); CG_TEST granted it. */
FIXTURE_SETUP(compact)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY |
		 (variant->compaction ? NP_OPS_COMPACTION : 0));
	region_reload(_metadata, params);
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	region_grant_cg(_metadata, CG_TEST);
}

FIXTURE_TEARDOWN(compact)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	if (self->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/*
 * Worker: FAULTED pages on node 2, every other run freed again; sends the
 * address, waits, then sends the number of kept pages whose data changed.
 */
static int wk_fragment(struct cg_worker *w, void *arg)
{
	unsigned long node2 = pn_node_bit(NID);
	long ps = pn_page_size(), i, bad = 0;
	char *p = pn_anon(FAULTED);

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(!pn_thp(p, FAULTED, false), "madvise: %s", strerror(errno));
	WORKER_CHECK(!mbind(p, FAULTED * ps, MPOL_BIND, &node2, PN_MAXNODE, 0),
		     "mbind: %s", strerror(errno));
	pn_fill(p, FAULTED, SEED);
	for (i = RUN; i < FAULTED; i += 2 * RUN)
		WORKER_CHECK(!madvise(p + i * ps, RUN * ps, MADV_DONTNEED),
			     "MADV_DONTNEED: %s", strerror(errno));
	WORKER_CHECK(!cgw_send(w, &p, sizeof(p)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	for (i = 0; i < KEPT; i++) {
		long k = kept_index(i);

		bad += p[k * ps] != pn_pattern(k, SEED) ||
		       p[(k + 1) * ps - 1] != pn_pattern(k, SEED);
	}
	WORKER_CHECK(!cgw_send(w, &bad, sizeof(bad)), "send");
	return 0;
}

/* Page frames of the kept pages of @pid at @p into @pfn; 0 or -1. */
static int kept_pfns(pid_t pid, char *p, uint64_t *pfn)
{
	long ps = pn_page_size(), i;
	char path[64];
	uint64_t e;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	for (i = 0; i < KEPT && !ret; i++) {
		off_t off = ((uintptr_t)p / ps + kept_index(i)) * sizeof(e);

		if (pread(fd, &e, sizeof(e), off) != sizeof(e) ||
		    !(e & PM_PRESENT) || !(e & PM_PFN_MASK))
			ret = -1;
		pfn[i] = e & PM_PFN_MASK;
	}
	close(fd);
	return ret;
}

/* How many kept pages of @pid at @p are on node @nid. */
static long kept_on(pid_t pid, char *p, int nid)
{
	void **addrs = calloc(KEPT, sizeof(*addrs));
	int *status = calloc(KEPT, sizeof(int));
	long i, c = -1;

	if (addrs && status) {
		for (i = 0; i < KEPT; i++)
			addrs[i] = p + kept_index(i) * pn_page_size();
		if (!move_pages(pid, KEPT, addrs, NULL, status, 0))
			for (c = 0, i = 0; i < KEPT; i++)
				c += status[i] == nid;
	}
	free(addrs);
	free(status);
	return c;
}

/* "@key N" of node 2's vmstat; -1 if missing. */
static long node_vmstat(const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);

	if (read_file(NODE_SYSFS "/node2/vmstat", buf, sizeof(buf)))
		return -1;
	for (p = buf; (p = strstr(p, key)); p += klen)
		if ((p == buf || p[-1] == '\n') && p[klen] == ' ')
			return strtol(p + klen + 1, NULL, 10);
	return -1;
}

static void dump(const char *path, const char *from)
{
	static char buf[65536];
	char *p;

	if (read_file(path, buf, sizeof(buf)))
		return;
	p = from ? strstr(buf, from) : buf;
	if (!p)
		return;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, "Node    2") || strstr(line, "Node 2"))
			printf("# DIAG %s\n", line);
}

static void diag(struct __test_metadata *_metadata, const char *when)
{
	dump("/proc/pagetypeinfo", NULL);
	dump("/proc/buddyinfo", NULL);
	TH_LOG("%s: node 2 free %ld kB, isolated_anon %ld, inactive_anon %ld, active_anon %ld, migrated in %ld out %ld",
	       when, node_meminfo_kb(NID, "MemFree"), node_vmstat("nr_isolated_anon"),
	       node_vmstat("nr_inactive_anon"), node_vmstat("nr_active_anon"),
	       region_stat("migrated_in"), region_stat("migrated_out"));
}

static long long current_on_node(void)
{
	return cg_node_key(CG_TEST, PN_STAT, NID, "current");
}

/* Fragmenting 192 MiB and five compaction passes take minutes under KASAN. */
TEST_F_TIMEOUT(compact, compaction_moves_pages_keeps_charges, 300)
{
	uint64_t *before = calloc(KEPT, sizeof(*before));
	uint64_t *after = calloc(KEPT, sizeof(*after));
	long i, moved = 0, bad = -1;
	int tries;
	long long charged;
	struct cg_worker w;
	char *p;

	ASSERT_TRUE(before && after);
	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_fragment, NULL));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS));
	ASSERT_EQ(KEPT, kept_on(w.pid, p, NID));
	ASSERT_EQ(0, pn_drain_lru());
	charged = current_on_node();
	ASSERT_EQ((long long)KEPT * pn_page_size(), charged);
	ASSERT_EQ(0, kept_pfns(w.pid, p, before));

	/*
	 * Refused or not, the write succeeds: compaction is best effort.
	 * How much one pass moves varies from run to run (from a few dozen
	 * pages up), so a pass that moved nothing is tried again.
	 */
	diag(_metadata, "before");
	for (tries = 0; tries < 5 && !moved; tries++) {
		EXPECT_EQ(0, write_file(COMPACT_NODE, "1"));
		ASSERT_EQ(0, kept_pfns(w.pid, p, after));
		for (i = 0; i < KEPT; i++)
			moved += before[i] != after[i];
	}
	TH_LOG("%ld of %d pages moved to new page frames in %d passes",
	       moved, KEPT, tries);
	diag(_metadata, "after");
	if (variant->compaction) {
		EXPECT_GT(moved, 0);
	} else {
		EXPECT_EQ(0, moved);
	}
	EXPECT_EQ(KEPT, kept_on(w.pid, p, NID));
	/* The old frames were freed: the charge went with the pages. */
	EXPECT_EQ(0, pn_drain_lru());
	EXPECT_EQ(charged, current_on_node());

	ASSERT_EQ(0, cgw_signal(&w));
	ASSERT_EQ(0, cgw_recv(&w, &bad, sizeof(bad), REPLY_MS));
	EXPECT_EQ(0, bad) TH_LOG("%ld kept pages lost their data", bad);
	EXPECT_EQ(0, cg_worker_finish(&w));
	/* ... and the new frames release it when the worker is gone. */
	for (i = 0; i < 200 && current_on_node() != 0; i++)
		cg_sleep_ms(10);
	EXPECT_EQ(0, current_on_node());
	free(before);
	free(after);
}

TEST_HARNESS_MAIN
