// SPDX-License-Identifier: GPL-2.0
/*
 * OOM eligibility (NP_OPS_OOM_ELIGIBLE = NP_OPS_MIGRATION |
 * NP_OPS_DEMOTION): the OOM killer weighs a task's memory against the
 * memory that could serve it.  A private node whose owner lets ordinary
 * memory be demoted to it, and moved off it again, is such memory; any
 * other private node is not - it can never relieve ordinary memory - and
 * must not dilute the badness of tasks (/proc/PID/oom_score).
 *
 * A child holding CHILD_MB of anonymous memory on node 0 waits; the test
 * recomputes its oom_score from /proc (the kernel's formula for
 * oom_score_adj 0) with node 2 counted or not, and compares.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CHILD_MB 192

FIXTURE(oom) {
	pid_t child;
};

FIXTURE_VARIANT(oom) {
	unsigned long flags;	/* the owner's NP_OPS_* */
	bool eligible;
};

FIXTURE_VARIANT_ADD(oom, migration_demotion)
{
	.flags = NP_OPS_MIGRATION | NP_OPS_DEMOTION,
	.eligible = true,
};

FIXTURE_VARIANT_ADD(oom, migration_mempolicy)
{
	.flags = NP_OPS_MIGRATION | NP_OPS_MEMPOLICY,
	.eligible = false,
};

FIXTURE_VARIANT_ADD(oom, no_services)
{
	.flags = 0,
	.eligible = false,
};

FIXTURE_SETUP(oom)
{
	int ready[2];
	char params[64], c;

	self->child = -1;
	snprintf(params, sizeof(params), "ops_flags=%lu", variant->flags);
	region_reload(_metadata, params);
	ASSERT_EQ(0, pipe(ready));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		size_t len = (size_t)CHILD_MB << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 1, len);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
}

FIXTURE_TEARDOWN(oom)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/* "Key:  N kB" of /proc/meminfo, in kB; -1 if missing. */
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

/* A number from /proc/@pid/@file after @key (or the @field-th of statm). */
static long proc_status_kb(pid_t pid, const char *key)
{
	char path[64], buf[4096], *p;
	long kb;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), ": %ld", &kb) != 1)
		return -1;
	return kb;
}

static long proc_long(pid_t pid, const char *file, int field)
{
	char path[64], buf[256], *p = buf;
	long v = -1;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	for (i = 0; i <= field; i++)
		v = strtol(p, &p, 10);
	return v;
}

/*
 * oom_score as proc_oom_score() computes it for oom_score_adj 0:
 * (1000 + badness * 1000 / totalpages) * 2 / 3, badness being resident
 * pages + swap entries + page-table pages.
 */
TEST_F(oom, oom_score_counts_node_only_if_eligible)
{
	long kb_per_page = pn_page_size() / 1024;
	long ram = meminfo_kb("MemTotal"), swap = meminfo_kb("SwapTotal");
	long node2 = node_meminfo_kb(NID, "MemTotal");
	long rss = proc_long(self->child, "statm", 1);
	long pte = proc_status_kb(self->child, "VmPTE");
	long swapents = proc_status_kb(self->child, "VmSwap");
	long score = proc_long(self->child, "oom_score", 0);
	long total, badness, want;

	ASSERT_GT(ram, 0);
	ASSERT_GE(swap, 0);
	ASSERT_GT(node2, 0) TH_LOG("node 2 has no memory online");
	ASSERT_GT(rss, (CHILD_MB << 20) / pn_page_size() / 2);
	ASSERT_GE(pte, 0);
	ASSERT_GE(swapents, 0);
	ASSERT_GE(score, 0);

	total = (ram + swap - (variant->eligible ? 0 : node2)) / kb_per_page;
	badness = rss + (pte + swapents) / kb_per_page;
	want = (1000 + badness * 1000 / total) * 2 / 3;
	TH_LOG("oom_score %ld, expected %ld (%ld of %ld pages; node 2 %ld kB %s)",
	       score, want, badness, total, node2,
	       variant->eligible ? "counted" : "not counted");
	/* The child's page tables may grow by a page between the reads. */
	EXPECT_LE(labs(score - want), 1);
}

TEST_HARNESS_MAIN
