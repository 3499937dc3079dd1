// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_NUMA_BALANCING: automatic NUMA balancing scans a private node's
 * pages, and moves them to the node of the CPU that uses them, only if
 * the node's owner opted in.
 *
 * The test runs on CPU 0 (node 0) with two regions under the default
 * policy: PAGES pages moved to private node 2 and, as a control, PAGES
 * pages moved to ordinary node 1.  With kernel.numa_balancing=1 it keeps
 * reading both until the control region has come to node 0 - proof that
 * the scanner went over the process and its hinting faults migrated what
 * they could - and then looks at the private region: on node 0 with the
 * flag, still on node 2 without it.
 */
#include <numaif.h>
#include <sched.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CONTROL_NID 1
#define PAGES 512
#define SEED 5
#define SYSCTL "/proc/sys/kernel/numa_balancing"
#define WAIT_MS 60000			/* scanning starts after ~1 s of CPU time */

FIXTURE(nb) {
	char *priv, *ctl;
	char old[16];
};

FIXTURE_VARIANT(nb) {
	bool numa_balancing;	/* the owner sets NP_OPS_NUMA_BALANCING */
};

FIXTURE_VARIANT_ADD(nb, opted_in)
{
	.numa_balancing = true,
};

FIXTURE_VARIANT_ADD(nb, not_opted_in)
{
	.numa_balancing = false,
};

static char *region_on(int nid, int seed)
{
	int *status = calloc(PAGES, sizeof(int));
	char *p = pn_anon(PAGES);
	long moved;

	if (!p || !status || pn_thp(p, PAGES, false))
		return NULL;
	pn_fill(p, PAGES, seed);
	moved = pn_move_all(p, PAGES, nid, status);
	free(status);
	return moved == 0 && pn_count_on(p, PAGES, nid) == PAGES ? p : NULL;
}

FIXTURE_SETUP(nb)
{
	char params[64];
	cpu_set_t cpus;

	self->priv = self->ctl = NULL;
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY |
		 (variant->numa_balancing ? NP_OPS_NUMA_BALANCING : 0));
	region_reload(_metadata, params);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	self->priv = region_on(NID, SEED);
	ASSERT_NE(NULL, self->priv);
	self->ctl = region_on(CONTROL_NID, SEED + 1);
	ASSERT_NE(NULL, self->ctl);
	ASSERT_EQ(0, read_file(SYSCTL, self->old, sizeof(self->old)));
	ASSERT_EQ(0, write_file(SYSCTL, "1"));
}

FIXTURE_TEARDOWN(nb)
{
	EXPECT_EQ(0, write_file(SYSCTL, self->old[0] ? self->old : "0"));
	if (self->priv)
		munmap(self->priv, PAGES * pn_page_size());
	if (self->ctl)
		munmap(self->ctl, PAGES * pn_page_size());
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/* Read one byte of each page of both regions; keeps the task on CPU. */
static long touch(const char *a, const char *b)
{
	long i, sum = 0;

	for (i = 0; i < PAGES; i++)
		sum += a[i * pn_page_size()] + b[i * pn_page_size()];
	return sum;
}

TEST_F(nb, hinting_moves_private_pages_only_if_opted_in)
{
	long start = cg_now_ms(), on0 = 0, priv0;
	volatile long sink = 0;

	while (cg_now_ms() - start < WAIT_MS) {
		int i;

		for (i = 0; i < 200; i++)
			sink += touch(self->priv, self->ctl);
		on0 = pn_count_on(self->ctl, PAGES, 0);
		if (on0 == PAGES &&
		    (!variant->numa_balancing ||
		     pn_count_on(self->priv, PAGES, 0) == PAGES))
			break;
	}
	priv0 = pn_count_on(self->priv, PAGES, 0);
	TH_LOG("after %ld ms: control %ld/%d on node 0, private %ld/%d",
	       cg_now_ms() - start, on0, PAGES, priv0, PAGES);
	ASSERT_EQ(PAGES, on0) TH_LOG("NUMA balancing did not run: no verdict");
	if (variant->numa_balancing) {
		EXPECT_EQ(PAGES, priv0);
	} else {
		EXPECT_EQ(0, priv0);
		EXPECT_EQ(PAGES, pn_count_on(self->priv, PAGES, NID));
	}
	EXPECT_EQ(-1, pn_check(self->priv, PAGES, SEED));
	EXPECT_EQ(-1, pn_check(self->ctl, PAGES, SEED + 1));
}

TEST_HARNESS_MAIN
