// SPDX-License-Identifier: GPL-2.0
/*
 * The memory_failure callback: a hardware error in a page of a private
 * node goes to the node's owner first.  An owner that claims it keeps the
 * page as it is (mm does nothing); one that leaves it to mm - and an
 * owner without the callback - gets mm's ordinary handling: the page is
 * poisoned, unmapped, and its user gets SIGBUS on the next access.
 * (An owner without the callback gets the same as one leaving it to mm:
 * node_private_memory_failure() returns -EOPNOTSUPP for both.)
 *
 * Errors are injected with madvise(MADV_HWPOISON) into anonymous pages a
 * child placed on node 2 under a bind policy; the child then reads them.
 */
#include <numaif.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define PAGES 4
#define SEED 3

FIXTURE(mf) {
	bool driver;
};

FIXTURE_VARIANT(mf) {
	const char *params;	/* module parameters of the owner */
	bool claimed;		/* the owner claims the error */
};

FIXTURE_VARIANT_ADD(mf, owner_claims)
{
	.params = "ops_flags=3 claim_errors=1",
	.claimed = true,
};

FIXTURE_VARIANT_ADD(mf, owner_leaves_to_mm)
{
	.params = "ops_flags=3 claim_errors=0",
	.claimed = false,
};

FIXTURE_SETUP(mf)
{
	region_reload(_metadata, variant->params);
	self->driver = true;
}

FIXTURE_TEARDOWN(mf)
{
	/* Offlining skips poisoned pages: the driver must still go away. */
	if (self->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed, bus_count;

/*
 * mm signals the task that injected the error (BUS_MCEERR_AR, on return
 * from madvise()) and then every access to the poisoned page: count both,
 * and jump out of the access.
 */
static void on_sigbus(int sig)
{
	bus_count++;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
}

/*
 * Child: PAGES pages on node 2, an error injected into page 1, then every
 * page read.  Exit status: 0 no SIGBUS at all and all data intact, 2
 * SIGBUS at the injection and on page 1 only (the others intact), 1
 * anything else.
 */
static int child_run(void)
{
	unsigned long node2 = pn_node_bit(NID);
	long ps = pn_page_size();
	char *p = pn_anon(PAGES);
	volatile int bus = 0, i;

	if (!p || pn_thp(p, PAGES, false) ||
	    mbind(p, PAGES * ps, MPOL_BIND, &node2, PN_MAXNODE, 0))
		return 1;
	pn_fill(p, PAGES, SEED);
	if (pn_count_on(p, PAGES, NID) != PAGES)
		return 1;
	signal(SIGBUS, on_sigbus);
	if (madvise(p + ps, ps, MADV_HWPOISON)) {
		fprintf(stderr, "# MADV_HWPOISON: %s\n", strerror(errno));
		return 1;
	}
	if (bus_count > 1)
		return 1;
	bus = bus_count;
	for (i = 0; i < PAGES; i++) {
		bus_armed = 1;
		if (sigsetjmp(bus_jmp, 1)) {
			if (i != 1 || !bus)
				return 1;
			bus = 2;
			continue;
		}
		if (p[i * ps] != pn_pattern(i, SEED) ||
		    p[(i + 1) * ps - 1] != pn_pattern(i, SEED))
			return 1;
	}
	bus_armed = 0;
	return bus == 2 ? 2 : bus ? 1 : 0;
}

/* HardwareCorrupted of /proc/meminfo, in kB; -1 if missing. */
static long hardware_corrupted_kb(void)
{
	char buf[8192], *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "HardwareCorrupted:");
	return p ? strtol(p + strlen("HardwareCorrupted:"), NULL, 10) : -1;
}

TEST_F(mf, error_goes_to_owner_first)
{
	long before = hardware_corrupted_kb();
	int status;
	pid_t pid;

	ASSERT_GE(before, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(child_run());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));

	EXPECT_EQ(1, region_stat("memory_failure"));
	if (variant->claimed) {
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the claimed page was touched");
		EXPECT_EQ(before, hardware_corrupted_kb());
	} else {
		EXPECT_EQ(2, WEXITSTATUS(status)) TH_LOG("no SIGBUS on the poisoned page");
		EXPECT_EQ(before + pn_page_size() / 1024, hardware_corrupted_kb());
	}
}

TEST_HARNESS_MAIN
