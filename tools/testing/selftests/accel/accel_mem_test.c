// SPDX-License-Identifier: GPL-2.0
/*
 * examples/accel_mem, the minimal accelerator owner, on node 2: it opts
 * the node into NP_OPS_MIGRATION | NP_OPS_MEMPOLICY with no callback.
 * Userspace must be able to place anonymous memory there by policy and
 * move_pages(), nothing else may land there, data survives every move,
 * and unloading the driver evacuates what users left on the node.
 */
#include <numaif.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "privnode_test.h"

#define DRIVER "accel_mem"
#define NID 2
#define MAXNODE 64

static long page_size;

static unsigned long node_bit(int nid)
{
	return 1UL << nid;
}

/* Is @nid in the node list (e.g. "0-1,3") of the sysfs file @file? */
static int in_nodelist(const char *file, int nid)
{
	char path[128], buf[256], *p;
	long a, b;

	snprintf(path, sizeof(path), NODE_SYSFS "/%s", file);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; *p; ) {
		a = strtol(p, &p, 10);
		b = *p == '-' ? strtol(p + 1, &p, 10) : a;
		if (nid >= a && nid <= b)
			return 1;
		if (*p != ',')
			break;
		p++;
	}
	return 0;
}

static char *map_pages(size_t n, int flags)
{
	char *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Never zero, different per page and per @seed. */
static char pattern(size_t i, int seed)
{
	return (char)((i * 7 + seed) % 255 + 1);
}

static void fill(char *p, size_t n, int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		memset(p + i * page_size, pattern(i, seed), page_size);
}

/* Index of the first page whose content is not what fill() wrote, or -1. */
static long check(const char *p, size_t n, int seed)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < (size_t)page_size; j += 256)
			if (p[i * page_size + j] != pattern(i, seed))
				return i;
	return -1;
}

/*
 * move_pages() @n pages of @p to @nid, or only query where they are if
 * @nid < 0; per-page node or -errno in @status.
 */
static long move_or_query(char *p, size_t n, int nid, int *status)
{
	void **addrs = calloc(n, sizeof(*addrs));
	int *nodes = calloc(n, sizeof(int));
	size_t i;
	long ret;

	for (i = 0; i < n; i++) {
		addrs[i] = p + i * page_size;
		nodes[i] = nid;
	}
	ret = move_pages(0, n, addrs, nid < 0 ? NULL : nodes, status,
			 MPOL_MF_MOVE);
	free(addrs);
	free(nodes);
	return ret;
}

/* How many of @n pages are on node @nid (-1 if the query failed). */
static long count_on(char *p, size_t n, int nid)
{
	int *status = calloc(n, sizeof(int));
	long c = 0;
	size_t i;

	if (move_or_query(p, n, -1, status))
		c = -1;
	for (i = 0; c >= 0 && i < n; i++)
		c += status[i] == nid;
	free(status);
	return c;
}

FIXTURE(accel)
{
	long free_kb;
};

FIXTURE_SETUP(accel)
{
	page_size = sysconf(_SC_PAGESIZE);
	/* A test that died on an assertion skipped its teardown. */
	if (unload_module(DRIVER) == 0)
		TH_LOG("unloaded " DRIVER " left behind by an earlier test");
	ASSERT_EQ(0, in_nodelist("has_memory_private", NID));
	ASSERT_EQ(0, load_node_module(DRIVER, NID, NULL));
	self->free_kb = node_meminfo_kb(NID, "MemFree");
	ASSERT_GT(self->free_kb, 400 * 1024);
}

FIXTURE_TEARDOWN(accel)
{
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	EXPECT_EQ(0, unload_module(DRIVER));
}

/* The node is private, owned by the driver, open to the two services. */
TEST_F(accel, node_is_private_with_owner_and_services)
{
	char buf[128];

	EXPECT_EQ(1, in_nodelist("has_memory_private", NID));
	EXPECT_EQ(0, in_nodelist("has_memory", NID));
	EXPECT_EQ(0, in_nodelist("has_normal_memory", NID));
	ASSERT_EQ(0, read_file(NODE_SYSFS "/node2/private/owner", buf, sizeof(buf)));
	EXPECT_STREQ(DRIVER, buf);
	ASSERT_EQ(0, read_file(NODE_SYSFS "/node2/private/services", buf, sizeof(buf)));
	EXPECT_STREQ("migration mempolicy", buf);
}

/* Anonymous faults under mbind(MPOL_BIND, {2}) are served by node 2. */
TEST_F(accel, mbind_faults_land_on_node)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 512;
	char *p = map_pages(n, MAP_PRIVATE);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, n * page_size, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0));
	fill(p, n, 1);
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 1));
	EXPECT_LE(node_meminfo_kb(NID, "MemFree"),
		  self->free_kb - (long)(n * page_size / 1024));
	ASSERT_EQ(0, munmap(p, n * page_size));
}

/* move_pages() node 0 -> 2 -> 0: every page moves, data survives. */
TEST_F(accel, move_pages_round_trip)
{
	const size_t n = 256;
	int *status = calloc(n, sizeof(int));
	unsigned long zero = node_bit(0);
	char *p = map_pages(n, MAP_PRIVATE);
	size_t i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mbind(p, n * page_size, MPOL_BIND, &zero, MAXNODE, 0));
	fill(p, n, 2);
	ASSERT_EQ(n, count_on(p, n, 0));

	ASSERT_EQ(0, move_or_query(p, n, NID, status));
	for (i = 0; i < n; i++)
		ASSERT_EQ(NID, status[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 2));

	ASSERT_EQ(0, move_or_query(p, n, 0, status));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, status[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(n, count_on(p, n, 0));
	EXPECT_EQ(-1, check(p, n, 2));
	free(status);
	munmap(p, n * page_size);
}

/*
 * The task policy: set_mempolicy(MPOL_BIND, {2}) places the task's new
 * anonymous memory on node 2, and only that.  Shared anonymous memory and
 * a memfd (both shmem) faulted under the same policy stay on ordinary
 * nodes.
 */
TEST_F(accel, set_mempolicy_anon_only)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 128;
	char *priv, *shared, *mfd;
	int fd = memfd_create("accel_mem_test", 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, n * page_size));
	ASSERT_EQ(0, set_mempolicy(MPOL_BIND, &mask, MAXNODE));
	priv = map_pages(n, MAP_PRIVATE);
	shared = map_pages(n, MAP_SHARED);
	mfd = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(NULL, priv);
	ASSERT_NE(NULL, shared);
	ASSERT_NE(MAP_FAILED, mfd);
	fill(priv, n, 3);
	fill(shared, n, 4);
	fill(mfd, n, 5);
	ASSERT_EQ(0, set_mempolicy(MPOL_DEFAULT, NULL, 0));

	EXPECT_EQ(n, count_on(priv, n, NID));
	EXPECT_EQ(-1, check(priv, n, 3));

	/* Resident, but on ordinary nodes. */
	EXPECT_EQ(0, count_on(shared, n, NID));
	EXPECT_EQ(n, count_on(shared, n, 0) + count_on(shared, n, 1));
	EXPECT_EQ(-1, check(shared, n, 4));
	EXPECT_EQ(0, count_on(mfd, n, NID));
	EXPECT_EQ(n, count_on(mfd, n, 0) + count_on(mfd, n, 1));
	EXPECT_EQ(-1, check(mfd, n, 5));
	munmap(mfd, n * page_size);
	close(fd);
	munmap(shared, n * page_size);
	munmap(priv, n * page_size);
}

/* The same for an mbind() policy on a MAP_SHARED anonymous mapping. */
TEST_F(accel, mbind_shared_anon_stays_ordinary)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 128;
	int *status = calloc(n, sizeof(int));
	char *p = map_pages(n, MAP_SHARED);
	size_t i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0));
	fill(p, n, 6);
	EXPECT_EQ(0, count_on(p, n, NID));
	EXPECT_EQ(n, count_on(p, n, 0) + count_on(p, n, 1));
	/* Nor can move_pages() put shmem there. */
	EXPECT_EQ(0, move_or_query(p, n, NID, status));
	for (i = 0; i < n; i++)
		EXPECT_EQ(-EACCES, status[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(0, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 6));
	free(status);
	munmap(p, n * page_size);
}

/*
 * Unloading the driver while a process has pages on the node: offlining
 * migrates them to ordinary memory, the process keeps its data, and the
 * node leaves N_MEMORY_PRIVATE with its DIMM back offline.
 */
TEST(unload_evacuates_resident_pages)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 1024;
	int to_child[2], to_parent[2], wstatus;
	long first, count, before_first, before_count;
	char c = 0, path[128], buf[32];
	pid_t pid;
	int i;

	page_size = sysconf(_SC_PAGESIZE);
	unload_module(DRIVER);
	ASSERT_EQ(0, node_blocks(NID, &before_first, &before_count));
	ASSERT_EQ(0, load_node_module(DRIVER, NID, NULL));
	ASSERT_EQ(1, in_nodelist("has_memory_private", NID));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p = map_pages(n, MAP_PRIVATE);

		if (!p || mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0))
			_exit(2);
		fill(p, n, 7);
		c = count_on(p, n, NID) == (long)n;
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		if (check(p, n, 7) != -1)
			_exit(4);
		/* Every page resident, on an ordinary node. */
		if (count_on(p, n, 0) + count_on(p, n, 1) != (long)n)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(1, c) TH_LOG("the child's pages were not on node %d", NID);
	EXPECT_EQ(0, unload_module(DRIVER));
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &wstatus, 0));
	ASSERT_TRUE(WIFEXITED(wstatus));
	EXPECT_EQ(0, WEXITSTATUS(wstatus))
		TH_LOG("child exit %d: 4 data lost, 5 not all on nodes 0-1",
		       WEXITSTATUS(wstatus));

	/* The node is no longer private, and its DIMM is offline again. */
	EXPECT_EQ(0, in_nodelist("has_memory_private", NID));
	EXPECT_EQ(0, in_nodelist("has_memory", NID));
	EXPECT_NE(0, access(NODE_SYSFS "/node2/private", F_OK));
	EXPECT_EQ(0, node_meminfo_kb(NID, "MemTotal"));
	ASSERT_EQ(0, node_blocks(NID, &first, &count));
	EXPECT_EQ(before_first, first);
	EXPECT_EQ(before_count, count);
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%ld/state", first + i);
		ASSERT_EQ(0, read_file(path, buf, sizeof(buf)));
		EXPECT_STREQ("offline", buf);
	}
}

TEST_HARNESS_MAIN
