// SPDX-License-Identifier: GPL-2.0
/*
 * A private node as userspace and the admin see it, with the example
 * driver (examples/private_region) owning node 2: node states and sysfs,
 * free memory, the driver's free_folio accounting, refused mempolicy and
 * migration calls, the ZONE_MOVABLE-only rule, offlining while pages are
 * in use, and unload/reload.
 */
#include <numaif.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"

#define NID REGION_NID
#define DRIVER REGION_DRIVER

static int load_driver(void)
{
	return region_load("");
}

static void expect_file(struct __test_metadata *_metadata, const char *path,
			const char *want)
{
	char buf[256];

	ASSERT_EQ(0, read_file(path, buf, sizeof(buf))) TH_LOG("%s", path);
	EXPECT_STREQ(want, buf) TH_LOG("%s", path);
}

static char *block_state_path(long block, char *buf, size_t len)
{
	snprintf(buf, len, "/sys/devices/system/memory/memory%ld/state", block);
	return buf;
}

FIXTURE(region)
{
	long first_block, nr_blocks;
};

FIXTURE_SETUP(region)
{
	/* A test that died on an assertion skipped its teardown. */
	if (unload_module(DRIVER) == 0)
		TH_LOG("unloaded " DRIVER " left behind by an earlier test");
	ASSERT_EQ(0, node_blocks(NID, &self->first_block, &self->nr_blocks));
	ASSERT_EQ(0, load_driver());
}

FIXTURE_TEARDOWN(region)
{
	region_write("free", 1L << 30);
	EXPECT_EQ(0, unload_module(DRIVER));
}

TEST_F(region, node_states_and_sysfs)
{
	expect_file(_metadata, NODE_SYSFS "/has_memory_private", "2");
	expect_file(_metadata, NODE_SYSFS "/has_memory", "0-1");
	expect_file(_metadata, NODE_SYSFS "/has_normal_memory", "0-1");
	expect_file(_metadata, NODE_SYSFS "/node2/private/owner", DRIVER);
	expect_file(_metadata, NODE_SYSFS "/node2/private/services", "");
	/* Only the owned node has the directory. */
	EXPECT_NE(0, access(NODE_SYSFS "/node0/private", F_OK));
	EXPECT_NE(0, access(NODE_SYSFS "/node3/private", F_OK));
}

/* The whole DIMM is there and free: nothing but the owner allocated. */
TEST_F(region, all_memory_free)
{
	long total = node_meminfo_kb(NID, "MemTotal");

	EXPECT_EQ(self->nr_blocks * (long)(memory_block_bytes() >> 10), total);
	EXPECT_EQ(total, node_meminfo_kb(NID, "MemFree"));
}

/* Every folio handed out comes back through free_folio exactly once. */
TEST_F(region, free_folio_once_per_folio)
{
	ASSERT_EQ(0, region_write("alloc", 100));
	EXPECT_EQ(100, region_stat("allocated"));
	EXPECT_EQ(100, region_stat("held"));
	EXPECT_EQ(0, region_stat("freed"));
	EXPECT_LT(node_meminfo_kb(NID, "MemFree"), node_meminfo_kb(NID, "MemTotal"));

	ASSERT_EQ(0, region_write("free", 60));
	EXPECT_EQ(60, region_stat("freed"));
	ASSERT_EQ(0, region_write("free", 40));
	EXPECT_EQ(100, region_stat("freed"));
	EXPECT_EQ(0, region_stat("held"));

	/* PMD-sized folios: one callback per folio, not per page. */
	ASSERT_EQ(0, write_file("/sys/module/" DRIVER "/parameters/alloc_order", "9"));
	ASSERT_EQ(0, region_write("alloc", 10));
	ASSERT_EQ(0, region_write("free", 10));
	EXPECT_EQ(110, region_stat("allocated"));
	EXPECT_EQ(110, region_stat("freed"));
	write_file("/sys/module/" DRIVER "/parameters/alloc_order", "0");
}

/*
 * Pages the driver mapped into a process are freed when the process exits,
 * through the batched unmap path, each reaching free_folio once.
 */
TEST_F(region, process_exit_frees_through_free_folio)
{
	const int npages = 64;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		long page = sysconf(_SC_PAGESIZE);
		int fd = open(REGION_DEBUGFS "/map", O_RDWR);
		int i, node;
		char *p;

		if (fd < 0)
			_exit(10);
		p = mmap(NULL, npages * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(11);
		for (i = 0; i < npages; i++) {
			void *addr = p + i * page;

			if (p[i * page] != 0)
				_exit(12);	/* pages come zeroed */
			p[i * page] = 1;
			if (move_pages(0, 1, &addr, NULL, &node, 0) || node != NID)
				_exit(13);	/* and from the private node */
		}
		_exit(0);	/* no munmap: exit tears the mapping down */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(npages, region_stat("allocated"));
	EXPECT_EQ(npages, region_stat("freed"));
}

/* No mempolicy or migration service is opted in: every door is shut. */
TEST_F(region, mempolicy_and_migration_refused)
{
	unsigned long node2 = 1UL << NID, low = 0x3, status_nodes;
	int target = NID, status = 0;
	long page = sysconf(_SC_PAGESIZE);
	char *p;
	int i;

	p = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);

	EXPECT_EQ(-1, mbind(p, 64 * page, MPOL_BIND, &node2, 64, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mbind(p, 64 * page, MPOL_PREFERRED, &node2, 64, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_mempolicy(MPOL_BIND, &node2, 64));
	EXPECT_EQ(EINVAL, errno);

	p[0] = 1;
	EXPECT_EQ(-1, move_pages(0, 1, (void **)&p, &target, &status, MPOL_MF_MOVE));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, migrate_pages(0, 64, &low, &node2));
	EXPECT_EQ(EINVAL, errno);

	/* Named among ordinary nodes, it is refused rather than dropped. */
	status_nodes = low | node2;
	EXPECT_EQ(-1, set_mempolicy(MPOL_INTERLEAVE, &status_nodes, 64));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mbind(p, 64 * page, MPOL_PREFERRED_MANY, &status_nodes, 64, 0));
	EXPECT_EQ(EINVAL, errno);
	for (i = 0; i < 64; i++) {
		void *addr = p + i * page;

		p[i * page] = 1;
		ASSERT_EQ(0, move_pages(0, 1, &addr, NULL, &status, 0));
		EXPECT_NE(NID, status) TH_LOG("page %d on node %d", i, status);
	}
	EXPECT_EQ(node_meminfo_kb(NID, "MemTotal"), node_meminfo_kb(NID, "MemFree"));
	munmap(p, 64 * page);
}

/* Private memory is movable memory only: kernel zones are refused. */
TEST_F(region, kernel_zones_refused)
{
	char path[128];

	block_state_path(self->first_block, path, sizeof(path));
	ASSERT_EQ(0, write_file(path, "offline"));
	EXPECT_EQ(-EINVAL, write_file(path, "online_kernel"));
	expect_file(_metadata, path, "offline");
	EXPECT_EQ(0, write_file(path, "online_movable"));
	expect_file(_metadata, path, "online");
	/* The node stayed private throughout. */
	expect_file(_metadata, NODE_SYSFS "/has_memory_private", "2");
	expect_file(_metadata, NODE_SYSFS "/has_normal_memory", "0-1");
}

static void on_alarm(int sig)
{
}

/*
 * Offlining waits while the owner holds pages (no migration service):
 * a signal interrupts it, nothing changes, and it succeeds once the
 * pages are freed.
 */
TEST_F(region, offline_waits_for_pages_in_use)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char path[128];
	long held;
	int ret;

	/* Fill the node, so every block has pages in use. */
	ASSERT_EQ(0, region_write("alloc", 1L << 20));
	held = region_stat("held");
	EXPECT_GT(held, (long)(self->nr_blocks * memory_block_bytes() / 4096) * 9 / 10);

	block_state_path(self->first_block, path, sizeof(path));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(3);
	ret = write_file(path, "offline");
	alarm(0);
	EXPECT_TRUE(ret == -EINTR || ret == -EBUSY) TH_LOG("offline: %d", ret);
	expect_file(_metadata, path, "online");
	EXPECT_EQ(held, region_stat("held"));
	EXPECT_EQ(0, region_stat("freed"));

	ASSERT_EQ(0, region_write("free", held));
	EXPECT_EQ(held, region_stat("freed"));
	EXPECT_EQ(0, write_file(path, "offline"));
	EXPECT_EQ(0, write_file(path, "online_movable"));
}

/* Unloading gives the DIMM back as ordinary offline memory, repeatedly. */
TEST(unload_restores_and_reload_repeats)
{
	long first, count, before_first, before_count;
	char path[128], buf[32];
	int round, i;

	ASSERT_EQ(0, node_blocks(NID, &before_first, &before_count));
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, load_driver()) TH_LOG("round %d", round);
		expect_file(_metadata, NODE_SYSFS "/has_memory_private", "2");
		ASSERT_EQ(0, unload_module(DRIVER)) TH_LOG("round %d", round);

		expect_file(_metadata, NODE_SYSFS "/has_memory_private", "");
		expect_file(_metadata, NODE_SYSFS "/has_memory", "0-1");
		EXPECT_NE(0, access(NODE_SYSFS "/node2/private", F_OK));
		EXPECT_EQ(0, node_meminfo_kb(NID, "MemTotal"));
		ASSERT_EQ(0, node_blocks(NID, &first, &count));
		EXPECT_EQ(before_first, first);
		EXPECT_EQ(before_count, count);
		for (i = 0; i < count; i++) {
			ASSERT_EQ(0, read_file(block_state_path(first + i, path,
								sizeof(path)),
					       buf, sizeof(buf)));
			EXPECT_STREQ("offline", buf);
		}
	}
}

TEST_HARNESS_MAIN
