// SPDX-License-Identifier: GPL-2.0
/*
 * A hardware error in a page charged to a cgroup on a private node (issue
 * 13, item 6).  mm keeps a poisoned page forever: it is never freed, so
 * memcg_private_uncharge() never runs for it.  Unless memory-failure
 * handling releases it, the cgroup's node-2 charge, the charge-map slot
 * and the css reference it holds stay: "current" never returns to 0, the
 * removed cgroup stays a dying memcg, and offlining the block on driver
 * unload finds the slot set (WARN_ON_ONCE in private_charge_maps_drop()).
 *
 * Node 2 is the example driver with NP_OPS_MIGRATION | NP_OPS_MEMPOLICY
 * and claim_errors=0 (mm handles the error, as in memory_failure_test.c).
 * The control case does the same without the error: it shows that the
 * measures (current, nr_dying_descendants, the taint) settle in this guest.
 */
#include <numaif.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CG_H CG_ROOT "/privnode-hwpoison-test"
#define NPAGES 4
#define SEED 9
#define TAINT_WARN (1UL << 9)

FIXTURE(hw) {
	bool driver;
};

FIXTURE_SETUP(hw)
{
	pn_page_size();
	ASSERT_EQ(0, cg_destroy(CG_H));
	region_reload(_metadata, "ops_flags=3 claim_errors=0");
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(CG_H));
	ASSERT_EQ(0, cg_write(CG_H, PN_NODES, "2"));
}

FIXTURE_TEARDOWN(hw)
{
	EXPECT_EQ(0, cg_destroy(CG_H));
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

static long nr_dying(void)
{
	return cg_key(CG_ROOT, "cgroup.stat", "nr_dying_descendants");
}

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_count;

static void on_sigbus(int sig)
{
	bus_count++;
	siglongjmp(bus_jmp, 1);
}

/*
 * NPAGES pages bound to {2}; with @arg, MADV_HWPOISON on page 1.  Tells
 * the test (one byte) once the pages are in place, waits, then poisons and
 * exits: 0 if all went as expected.
 */
static int wk_poison(struct cg_worker *w, void *arg)
{
	bool poison = arg != NULL;
	unsigned long mask = pn_node_bit(NID);
	long ps = pn_page_size();
	char *p = pn_anon(NPAGES);

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(pn_thp(p, NPAGES, false) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(p, NPAGES * ps, MPOL_BIND, &mask, PN_MAXNODE, 0) == 0,
		     "mbind: %s", strerror(errno));
	pn_fill(p, NPAGES, SEED);
	WORKER_CHECK(pn_count_on(p, NPAGES, NID) == NPAGES, "not on node %d", NID);
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");
	if (!poison)
		return 0;
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(bus_jmp, 1) == 0)
		WORKER_CHECK(madvise(p + ps, ps, MADV_HWPOISON) == 0,
			     "MADV_HWPOISON: %s", strerror(errno));
	/* mm may signal the injecting task (BUS_MCEERR_AR) on return. */
	WORKER_CHECK(bus_count <= 1, "%d SIGBUS", (int)bus_count);
	return 0;
}

static void run(struct __test_metadata *_metadata, bool *driver, bool poison)
{
	int unloaded;
	unsigned long taint0 = kernel_tainted();
	long dying0 = nr_dying(), dying = -1;
	struct cg_worker w;
	int i, status;

	ASSERT_LE(0, dying0);
	ASSERT_EQ(0, cg_worker_start(&w, CG_H, wk_poison, poison ? (void *)1 : NULL));
	ASSERT_EQ(0, cgw_wait(&w, 30000)) {
		kill(w.pid, SIGKILL);
		cg_worker_finish(&w);
	}
	EXPECT_EQ(NPAGES * pn_page_size(), st(CG_H, "current"));
	ASSERT_EQ(0, cgw_signal(&w));
	status = cg_worker_finish(&w);
	ASSERT_EQ(0, status) TH_LOG("worker status %d", status);
	if (poison)
		EXPECT_EQ(1, region_stat("memory_failure")) TH_LOG("the owner saw no error");

	/* After the process exited, its charge on node 2 is gone. */
	EXPECT_EQ(0, settled_current(CG_H, 0))
		TH_LOG("node %d charge left after exit (poison %d)", NID, poison);

	/* The removed cgroup does not stay a dying memcg. */
	ASSERT_EQ(0, cg_destroy(CG_H));
	for (i = 0; i < 100; i++) {
		dying = nr_dying();
		if (dying <= dying0)
			break;
		pn_drain_lru();
		cg_sleep_ms(50);
	}
	EXPECT_GE(dying0, dying) TH_LOG("nr_dying_descendants %ld, %ld before", dying, dying0);

	/* Unloading offlines the node's blocks: no WARNING on a slot left set. */
	unloaded = unload_module(REGION_DRIVER);
	EXPECT_EQ(0, unloaded);
	if (!unloaded)
		*driver = false;
	if (taint0 & TAINT_WARN)
		TH_LOG("the kernel was WARN-tainted before: only the console scan can tell");
	else
		EXPECT_EQ(0, kernel_tainted() & TAINT_WARN)
			TH_LOG("a WARNING while unloading the driver (tainted %#lx)",
			       kernel_tainted());
}

/* Control: no error; everything settles (validates the measures). */
TEST_F_TIMEOUT(hw, no_poison_releases_charge_and_memcg, 60)
{
	run(_metadata, &self->driver, false);
}

/*
 * Item 6: MADV_HWPOISON on a page of node 2 charged to CG_H, exit,
 * remove the cgroup, unload the driver.  Wanted: current 0 after the
 * exit, nr_dying_descendants back to its value before within 5 s, no
 * WARNING on unload.
 */
TEST_F_TIMEOUT(hw, hwpoison_releases_charge_and_memcg, 60)
{
	run(_metadata, &self->driver, true);
}

TEST_HARNESS_MAIN
