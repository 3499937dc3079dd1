// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, item 8: mlock accounting of pages on a private node must be
 * symmetric.  mlock()/munlock() walk the page tables (mlock_pte_range())
 * and step over private-node folios, but a folio can also become mlocked
 * without that walk: faulted in a VM_LOCKED VMA (folio_add_lru_vma() ->
 * mlock_new_folio()), or mapped there again by migration
 * (remove_migration_pte() -> mlock_vma_folio()).  Whatever is counted in
 * Mlocked when the range is locked must be uncounted when it is unlocked
 * (or never counted at all): after munlock() the node's and the system's
 * Mlocked and Unevictable are back where they were, and smaps no longer
 * shows the range Locked.
 *
 * A worker in a cgroup granted node 2 (MIGRATION|MEMPOLICY) places 1 MiB
 * (or a 2 MiB THP) there, by a bind policy or move_pages().
 */
#include <numaif.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-mlock-test"
#define PAGES 256			/* 1 MiB */
#define THP_PAGES 512
#define SEED 3
#define REPLY_MS 60000

enum how {
	LOCK_FAULTS_IN,		/* bind to node 2, mlock() faults the pages in */
	FAULT_THEN_LOCK,	/* bind to node 2, touch, then mlock() */
	MOVE_WHILE_LOCKED,	/* mlock() on node 0, then move_pages() to node 2 */
};

FIXTURE(ml) {
	int unused;
};

FIXTURE_VARIANT(ml) {
	enum how how;
	bool thp;
};

FIXTURE_VARIANT_ADD(ml, lock_faults_in)
{
	.how = LOCK_FAULTS_IN,
};

FIXTURE_VARIANT_ADD(ml, lock_faults_in_thp)
{
	.how = LOCK_FAULTS_IN,
	.thp = true,
};

FIXTURE_VARIANT_ADD(ml, fault_then_lock)
{
	.how = FAULT_THEN_LOCK,
};

FIXTURE_VARIANT_ADD(ml, move_while_locked)
{
	.how = MOVE_WHILE_LOCKED,
};

FIXTURE_SETUP(ml)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY);
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	region_grant_cg(_metadata, CG_TEST);
}

FIXTURE_TEARDOWN(ml)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
	EXPECT_FALSE(node_is_private(NID));
}

/* A "Key: N kB" line of /proc/meminfo; -1 if absent. */
static long meminfo_kb(const char *key)
{
	char buf[8192], *p;
	long kb;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), ": %ld", &kb) != 1)
		return -1;
	return kb;
}

/* The "Locked:" of the VMA of process @pid that starts at @start; -1 if none. */
static long smaps_locked_kb(pid_t pid, void *start)
{
	char path[64], line[256], want[32];
	bool in = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {	/* a VMA header */
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (in && sscanf(line, "Locked: %ld kB", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb;
}

struct snap {
	long mlocked, node_mlocked, node_unevictable;
};

/*
 * The counters exactly: per-CPU deltas below the vmstat threshold would
 * otherwise hide the last pages for up to a second.
 */
static void snap(struct snap *s)
{
	pn_drain_lru();
	write_file("/proc/sys/vm/stat_refresh", "1");
	s->mlocked = meminfo_kb("Mlocked");
	s->node_mlocked = node_meminfo_kb(NID, "Mlocked");
	s->node_unevictable = node_meminfo_kb(NID, "Unevictable");
}

struct how_arg {
	enum how how;
	bool thp;
};

/*
 * Worker: the range placed on node 2 and locked as @arg says; sends its
 * address (NULL on failure), waits, munlock()s it, sends 0, waits, checks
 * the data and sends the first bad page (-1: none).
 */
static int wk_lock(struct cg_worker *w, void *arg)
{
	const struct how_arg *a = arg;
	size_t n = a->thp ? THP_PAGES : PAGES, len = n * pn_page_size();
	unsigned long node2 = pn_node_bit(NID), node0 = pn_node_bit(0);
	char *raw = pn_anon(a->thp ? 2 * n : n), *p;
	int *status = calloc(n, sizeof(int));
	long reply = 0;

	WORKER_CHECK(raw && status, "mmap: %s", strerror(errno));
	p = a->thp ? (char *)(((unsigned long)raw + len - 1) & ~(len - 1)) : raw;
	WORKER_CHECK(!pn_thp(p, n, a->thp), "madvise: %s", strerror(errno));
	WORKER_CHECK(!mbind(p, len, MPOL_BIND,
			    a->how == MOVE_WHILE_LOCKED ? &node0 : &node2,
			    PN_MAXNODE, 0), "mbind: %s", strerror(errno));
	if (a->how == FAULT_THEN_LOCK)
		pn_fill(p, n, SEED);
	WORKER_CHECK(!mlock(p, len), "mlock: %s", strerror(errno));
	if (a->how != FAULT_THEN_LOCK)
		pn_fill(p, n, SEED);
	if (a->how == MOVE_WHILE_LOCKED)
		WORKER_CHECK(!pn_move_all(p, n, NID, status), "move_pages: %s",
			     strerror(errno));
	WORKER_CHECK(pn_count_on(p, n, NID) == n, "not all on node 2: %zu",
		     pn_count_on(p, n, NID));
	if (a->thp)
		WORKER_CHECK(node_meminfo_kb(NID, "AnonHugePages") >= 2048,
			     "no THP on node 2");
	WORKER_CHECK(!cgw_send(w, &p, sizeof(p)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	WORKER_CHECK(!munlock(p, len), "munlock: %s", strerror(errno));
	WORKER_CHECK(!cgw_send(w, &reply, sizeof(reply)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	reply = pn_check(p, n, SEED);
	WORKER_CHECK(!cgw_send(w, &reply, sizeof(reply)), "send");
	return 0;
}

/*
 * Item 8 (mlock asymmetry).  Trigger: 1 MiB (a THP) on node 2, by a bind
 * policy whose faults mlock() makes, by faults before mlock(), or by
 * move_pages() of locked pages; then munlock().  Wanted: symmetric - the
 * pages are either never counted as mlocked or counted and uncounted:
 * after munlock() Mlocked (system and node 2) and node 2's Unevictable
 * are back to their values before, and smaps shows the range not Locked.
 */
TEST_F(ml, munlock_undoes_mlock)
{
	struct how_arg a = { variant->how, variant->thp };
	long n = variant->thp ? THP_PAGES : PAGES, kb = n * pn_page_size() / 1024;
	struct snap before, locked, unlocked;
	struct cg_worker w;
	char *p = NULL;
	long reply;

	snap(&before);
	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_lock, &a));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), REPLY_MS))
		TH_LOG("worker failed (status %d)", cg_worker_finish(&w));
	snap(&locked);
	EXPECT_EQ(kb, smaps_locked_kb(w.pid, p));
	ASSERT_EQ(0, cgw_signal(&w));
	ASSERT_EQ(0, cgw_recv(&w, &reply, sizeof(reply), REPLY_MS));
	snap(&unlocked);
	TH_LOG("Mlocked kB (system/node 2): before %ld/%ld, locked %ld/%ld, unlocked %ld/%ld; node 2 Unevictable %ld, %ld, %ld",
	       before.mlocked, before.node_mlocked, locked.mlocked,
	       locked.node_mlocked, unlocked.mlocked, unlocked.node_mlocked,
	       before.node_unevictable, locked.node_unevictable,
	       unlocked.node_unevictable);
	EXPECT_EQ(0, smaps_locked_kb(w.pid, p));
	EXPECT_EQ(before.node_mlocked, unlocked.node_mlocked)
		TH_LOG("node 2 still counts %ld kB mlocked after munlock",
		       unlocked.node_mlocked - before.node_mlocked);
	EXPECT_EQ(before.node_unevictable, unlocked.node_unevictable);
	/* The rest of the guest mlocks nothing meanwhile. */
	EXPECT_LT(labs(unlocked.mlocked - before.mlocked), kb / 2)
		TH_LOG("system Mlocked off by %ld kB after munlock",
		       unlocked.mlocked - before.mlocked);
	/* Locked: counted in full or not at all, never in part. */
	EXPECT_TRUE(locked.node_mlocked - before.node_mlocked == 0 ||
		    locked.node_mlocked - before.node_mlocked == kb);

	ASSERT_EQ(0, cgw_signal(&w));
	ASSERT_EQ(0, cgw_recv(&w, &reply, sizeof(reply), REPLY_MS));
	EXPECT_EQ(-1, reply);
	EXPECT_EQ(0, cg_worker_finish(&w));
	/* Gone with the task in any case. */
	snap(&unlocked);
	EXPECT_EQ(before.node_mlocked, unlocked.node_mlocked);
}

TEST_HARNESS_MAIN
