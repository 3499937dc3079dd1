// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test, never part of the normal suite: a task is killed by
 * the OOM killer at its cgroup's memory.max twice, first between the
 * "oom-expected" markers (lib/privnode_test.h), then, after a line that
 * says so, without them.  The test itself passes; "make harness-selftest"
 * asserts that the run is red because of the second report only: the
 * console up to UNMARKED, which holds the first one, must scan clean.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "privnode_cgroup.h"

#define CG CG_ROOT "/harness-oom"
#define UNMARKED "privnode-test: harness-oom: an unmarked OOM follows"
#define LIMIT "16M"
#define HOG (64UL << 20)

/* Touch 64M, four times memory.max; without swap the OOM killer ends it. */
static int hog(struct cg_worker *w, void *arg)
{
	size_t i;
	char *p = mmap(NULL, HOG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	WORKER_CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < HOG; i += 4096)
		p[i] = 1;
	return 0;	/* survived: the test fails */
}

/* Run the hog in a fresh cgroup limited to LIMIT; its cg_run() status. */
static int oom_once(struct __test_metadata *_metadata)
{
	int status;

	if (cg_destroy(CG) || cg_enable_memory(CG_ROOT) || cg_create(CG))
		return -1;
	if (cg_write(CG, "memory.max", LIMIT))
		return -1;
	cg_write(CG, "memory.swap.max", "0");	/* absent without swap: fine */
	status = cg_run(CG, hog, NULL);
	EXPECT_EQ(0, cg_destroy(CG));
	return status;
}

TEST(oom_inside_then_outside_markers)
{
	int status;

	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " harness-oom"));
	status = oom_once(_metadata);
	ASSERT_EQ(0, kmsg(OOM_EXPECTED_END " harness-oom"));
	ASSERT_EQ(128 + SIGKILL, status) TH_LOG("marked hog: status %d", status);

	ASSERT_EQ(0, kmsg(UNMARKED));
	status = oom_once(_metadata);
	ASSERT_EQ(128 + SIGKILL, status) TH_LOG("unmarked hog: status %d", status);
}

TEST_HARNESS_MAIN
