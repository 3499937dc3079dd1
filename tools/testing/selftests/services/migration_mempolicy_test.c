// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_MIGRATION and NP_OPS_MEMPOLICY, with the example driver owning
 * node 2: what each flag lets userspace do, what stays refused without
 * it, and what the node's owner sees (free_folio, folio_split,
 * migrate_to, folio_migrate).  Data must survive every move.
 */
#include <numaif.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "private_region.h"

#define NID REGION_NID
#define MAXNODE 64
#define HPAGE (2UL << 20)

static long page_size;

static unsigned long node_bit(int nid)
{
	return 1UL << nid;
}

/* Anonymous private memory of @n pages. */
static char *anon(size_t n)
{
	char *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Never zero: splitting an anonymous THP maps zero-filled subpages to the
 * shared zero page and frees them.
 */
static char pattern(size_t i, int seed)
{
	return (char)((i + seed) % 255 + 1);
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
		for (j = 0; j < page_size; j += 512)
			if (p[i * page_size + j] != pattern(i, seed))
				return i;
	return -1;
}

/* Node of each of @n pages (negative errno for a missing page). */
static int where(char *p, size_t n, int *status)
{
	void **addrs = calloc(n, sizeof(*addrs));
	size_t i;
	long ret;

	for (i = 0; i < n; i++)
		addrs[i] = p + i * page_size;
	ret = move_pages(0, n, addrs, NULL, status, 0);
	free(addrs);
	return ret;
}

/* How many of @n pages are on node @nid. */
static size_t count_on(char *p, size_t n, int nid)
{
	int *status = calloc(n, sizeof(int));
	size_t i, c = 0;

	if (where(p, n, status) == 0)
		for (i = 0; i < n; i++)
			c += status[i] == nid;
	free(status);
	return c;
}

/* move_pages() every page of @p to @nid; per-page results in @status. */
static long move_all(char *p, size_t n, int nid, int *status)
{
	void **addrs = calloc(n, sizeof(*addrs));
	int *nodes = calloc(n, sizeof(int));
	size_t i;
	long ret;

	for (i = 0; i < n; i++) {
		addrs[i] = p + i * page_size;
		nodes[i] = nid;
	}
	ret = move_pages(0, n, addrs, nodes, status, MPOL_MF_MOVE);
	free(addrs);
	free(nodes);
	return ret;
}

/* Physical frame of the page at @addr (root reads real PFNs); 0 if none. */
static uint64_t pfn_of(void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)addr / page_size * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) ? (e & ((1ULL << 55) - 1)) : 0;
}

static long node_free_kb(void)
{
	return node_meminfo_kb(NID, "MemFree");
}

/*
 * Free pages of node 2's zone including those cached on per-CPU lists,
 * from /proc/zoneinfo: unlike MemFree, it returns to the same value
 * once everything allocated there has been freed.
 */
static long node_free_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long v, total = -1;
	bool in = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int nid;
		char zone[32];

		if (sscanf(line, "Node %d, zone %31s", &nid, zone) == 2) {
			in = nid == NID && !strcmp(zone, "Movable");
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, " pages free %ld", &v) == 1)
			total = v;
		else if (sscanf(line, " count: %ld", &v) == 1)
			total += v;
	}
	fclose(f);
	return total;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * node_free_pages() once it reaches @want, or after 10 s.  Per-CPU lists
 * of a remote node are drained within seconds, and zoneinfo is read
 * without a lock: poll rather than sample once.
 */
static long settled_free_pages(long want)
{
	long v = node_free_pages();
	int i;

	for (i = 0; i < 100 && v != want; i++) {
		sleep_ms(100);
		v = node_free_pages();
	}
	return v;
}

FIXTURE(svc)
{
	long free_kb, free_pages;
};

FIXTURE_VARIANT(svc)
{
	bool migrate_to;	/* the driver provides a migrate_to callback */
};

FIXTURE_VARIANT_ADD(svc, with_migrate_to)
{
	.migrate_to = true,
};

FIXTURE_VARIANT_ADD(svc, without_migrate_to)
{
	.migrate_to = false,
};

FIXTURE_SETUP(svc)
{
	char params[64];

	page_size = sysconf(_SC_PAGESIZE);
	snprintf(params, sizeof(params), "ops_flags=%d use_migrate_to=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY, variant->migrate_to);
	region_reload(_metadata, params);
	self->free_kb = node_free_kb();
	self->free_pages = node_free_pages();
	ASSERT_GT(self->free_kb, 400 * 1024);
}

FIXTURE_TEARDOWN(svc)
{
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	region_write("free", 1L << 30);
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

TEST_F(svc, services_listed_in_sysfs)
{
	char buf[128];

	ASSERT_EQ(0, read_file(NODE_SYSFS "/node2/private/services", buf, sizeof(buf)));
	EXPECT_STREQ("migration mempolicy", buf);
}

/* Faults under mbind(MPOL_BIND, {2}) land on node 2; freeing reaches free_folio. */
TEST_F(svc, bind_faults_land_on_node)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 256;
	long freed;
	char *p = anon(n);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0));
	fill(p, n, 1);
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 1));
	EXPECT_LE(node_free_kb(), self->free_kb - (long)(n * page_size / 1024));

	freed = region_stat("freed");
	ASSERT_EQ(0, munmap(p, n * page_size));
	EXPECT_EQ(freed + (long)n, region_stat("freed"));
	EXPECT_EQ(self->free_pages, settled_free_pages(self->free_pages));
}

/* The task policy places anonymous memory there, and only anonymous memory. */
TEST_F(svc, task_policy_anon_only)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 64;
	char *priv, *shared, *file;
	char buf[4096];
	int fd, i;

	ASSERT_EQ(0, set_mempolicy(MPOL_BIND, &mask, MAXNODE));
	priv = anon(n);
	ASSERT_NE(NULL, priv);
	fill(priv, n, 2);
	EXPECT_EQ(n, count_on(priv, n, NID));

	/* Shared anonymous memory is shmem: never on a private node. */
	shared = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	fill(shared, n, 3);
	EXPECT_EQ(0, count_on(shared, n, NID));

	/* Nor is the page cache of a file written under the policy. */
	fd = open("/tmp/privnode-pagecache", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < (int)n; i++)
		ASSERT_EQ(sizeof(buf), write(fd, buf, sizeof(buf)));
	file = mmap(NULL, n * page_size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, file);
	EXPECT_EQ(0x5a, file[(n - 1) * page_size]);
	EXPECT_EQ(0, count_on(file, n, NID));
	ASSERT_EQ(0, set_mempolicy(MPOL_DEFAULT, NULL, 0));

	munmap(file, n * page_size);
	close(fd);
	unlink("/tmp/privnode-pagecache");
	munmap(shared, n * page_size);
	munmap(priv, n * page_size);
}

/*
 * A THP fault under the policy gets a PMD-sized folio of node 2; splitting
 * it reaches folio_split once per new folio, and each resulting folio is
 * freed through free_folio exactly once.
 */
TEST_F(svc, thp_fault_split_and_free)
{
	unsigned long mask = node_bit(NID);
	const size_t n = HPAGE / 4096;
	long split, freed;
	char *raw, *p, cmd[128];
	uint64_t pfn0;

	raw = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	p = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	ASSERT_EQ(0, madvise(p, HPAGE, MADV_HUGEPAGE));
	ASSERT_EQ(0, mbind(p, HPAGE, MPOL_BIND, &mask, MAXNODE, 0));

	p[0] = 1;	/* one touch, one PMD fault */
	pfn0 = pfn_of(p);
	ASSERT_NE(0, pfn0);
	EXPECT_EQ(0, pfn0 % n) TH_LOG("pfn %#llx is not PMD aligned", (unsigned long long)pfn0);
	EXPECT_EQ(pfn0 + n - 1, pfn_of(p + HPAGE - page_size)) TH_LOG("not one huge folio");
	EXPECT_EQ(n, count_on(p, n, NID));
	fill(p, n, 4);

	split = region_stat("split");
	freed = region_stat("freed");
	snprintf(cmd, sizeof(cmd), "%d,%#lx,%#lx", getpid(), (unsigned long)p,
		 (unsigned long)p + HPAGE);
	ASSERT_EQ(0, write_file("/sys/kernel/debug/split_huge_pages", cmd));
	EXPECT_EQ(split + (long)n - 1, region_stat("split"));
	EXPECT_EQ(freed, region_stat("freed"));
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 4));

	ASSERT_EQ(0, munmap(raw, 2 * HPAGE));
	EXPECT_EQ(freed + (long)n, region_stat("freed"));
}

/* mbind(MPOL_MF_MOVE) migrates resident pages onto the node. */
TEST_F(svc, mbind_move_migrates_resident_pages)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 128;
	long in;
	char *p = anon(n);

	ASSERT_NE(NULL, p);
	fill(p, n, 5);
	ASSERT_EQ(0, count_on(p, n, NID));
	in = region_stat("migrated_in");
	ASSERT_EQ(0, mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE,
			   MPOL_MF_MOVE | MPOL_MF_STRICT));
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 5));
	EXPECT_EQ(in + (long)n, region_stat("migrated_in"));
	munmap(p, n * page_size);
}

/* move_pages() both ways: data intact, the owner sees every move. */
TEST_F(svc, move_pages_both_ways)
{
	const size_t n = 128;
	long in, out, calls;
	int *status = calloc(n, sizeof(int));
	char *p = anon(n);
	size_t i;

	ASSERT_NE(NULL, p);
	fill(p, n, 6);
	in = region_stat("migrated_in");
	out = region_stat("migrated_out");
	calls = region_stat("migrate_to");

	ASSERT_EQ(0, move_all(p, n, NID, status));
	for (i = 0; i < n; i++)
		ASSERT_EQ(NID, status[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 6));
	EXPECT_EQ(in + (long)n, region_stat("migrated_in"));
	if (variant->migrate_to) {
		EXPECT_LT(calls, region_stat("migrate_to"));
	} else {
		EXPECT_EQ(calls, region_stat("migrate_to"));
	}

	ASSERT_EQ(0, move_all(p, n, 0, status));
	EXPECT_EQ(n, count_on(p, n, 0));
	EXPECT_EQ(-1, check(p, n, 6));
	EXPECT_EQ(out + (long)n, region_stat("migrated_out"));
	free(status);
	munmap(p, n * page_size);
}

/* Only anonymous memory is moved there: a shmem page reports -EACCES. */
TEST_F(svc, move_pages_refuses_shmem)
{
	const size_t n = 8;
	int status[8];
	char *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t i;

	ASSERT_NE(MAP_FAILED, p);
	fill(p, n, 7);
	EXPECT_EQ(0, move_all(p, n, NID, status));
	for (i = 0; i < n; i++)
		EXPECT_EQ(-EACCES, status[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(0, count_on(p, n, NID));
	munmap(p, n * page_size);
}

/* migrate_pages(2) moves the process's anonymous pages there and back. */
TEST_F(svc, migrate_pages_syscall)
{
	unsigned long ordinary = node_bit(0) | node_bit(1), priv = node_bit(NID);
	unsigned long zero = node_bit(0);
	const size_t n = 64;
	char *p = anon(n);

	ASSERT_NE(NULL, p);
	fill(p, n, 8);
	ASSERT_LE(0, migrate_pages(0, MAXNODE, &ordinary, &priv));
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 8));
	ASSERT_LE(0, migrate_pages(0, MAXNODE, &priv, &zero));
	EXPECT_EQ(0, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 8));
	munmap(p, n * page_size);
}

/*
 * A full node: bind {0,2} and preferred {2} fall back to ordinary memory
 * (the private node is tried without reclaim and never OOM-kills); once
 * the node has room again, new faults land there.
 */
TEST_F(svc, full_node_falls_back)
{
	unsigned long both = node_bit(0) | node_bit(NID), priv = node_bit(NID);
	const size_t n = 64;
	char *a, *b, *c;

	/* Fill the node: huge folios first, then the crumbs. */
	ASSERT_EQ(0, write_file("/sys/module/" REGION_DRIVER "/parameters/alloc_order", "9"));
	ASSERT_EQ(0, region_write("alloc", 1L << 20));
	ASSERT_EQ(0, write_file("/sys/module/" REGION_DRIVER "/parameters/alloc_order", "0"));
	region_write("alloc", 1L << 20);	/* -ENOMEM if there are none */
	EXPECT_LT(node_free_kb(), 4096);

	a = anon(n);
	b = anon(n);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, mbind(a, n * page_size, MPOL_BIND, &both, MAXNODE, 0));
	ASSERT_EQ(0, mbind(b, n * page_size, MPOL_PREFERRED, &priv, MAXNODE, 0));
	fill(a, n, 9);
	fill(b, n, 10);
	EXPECT_EQ(n, count_on(a, n, 0));
	EXPECT_EQ(0, count_on(b, n, NID));
	EXPECT_EQ(-1, check(a, n, 9));
	EXPECT_EQ(-1, check(b, n, 10));

	ASSERT_EQ(0, region_write("free", 1L << 30));
	c = anon(n);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, mbind(c, n * page_size, MPOL_BIND, &both, MAXNODE, 0));
	fill(c, n, 11);
	EXPECT_EQ(n, count_on(c, n, NID));
	munmap(a, n * page_size);
	munmap(b, n * page_size);
	munmap(c, n * page_size);
}

/* Without NP_OPS_COMPACTION, compaction leaves the node's folios in place. */
TEST_F(svc, compaction_leaves_node_alone)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 1024;
	uint64_t *pfn = calloc(n, sizeof(*pfn));
	char *p = anon(n);
	size_t i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0));
	fill(p, n, 12);
	/* Punch every other page out: a fragmented node invites compaction. */
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, madvise(p + i * page_size, page_size, MADV_DONTNEED));
	for (i = 1; i < n; i += 2)
		pfn[i] = pfn_of(p + i * page_size);

	ASSERT_EQ(0, write_file("/proc/sys/vm/compact_memory", "1"));
	ASSERT_EQ(0, write_file(NODE_SYSFS "/node2/compact", "1"));
	for (i = 1; i < n; i += 2) {
		ASSERT_NE(0, pfn[i]);
		ASSERT_EQ(pfn[i], pfn_of(p + i * page_size)) TH_LOG("page %zu moved", i);
	}
	free(pfn);
	munmap(p, n * page_size);
}

/* A process killed while its pages move to and from the node leaks nothing. */
TEST_F(svc, exit_during_migration)
{
	const size_t n = 512;
	int round;

	for (round = 0; round < 4; round++) {
		int *status = calloc(n, sizeof(int));
		pid_t pid = fork();
		int wstatus;

		ASSERT_LE(0, pid);
		if (pid == 0) {
			char *p = anon(n);

			fill(p, n, 13);
			for (;;) {
				move_all(p, n, NID, status);
				move_all(p, n, 0, status);
			}
		}
		sleep_ms(200 + round * 150);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &wstatus, 0));
		EXPECT_TRUE(WIFSIGNALED(wstatus));
		free(status);
	}
	/* Everything the children had there came back. */
	EXPECT_EQ(self->free_pages, settled_free_pages(self->free_pages));
}

/*
 * Unloading the driver while a process has pages on the node: offlining
 * migrates them to ordinary memory (NP_OPS_MIGRATION allows it), and the
 * process keeps its data.
 */
TEST(unload_evacuates_resident_pages)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 256;
	int to_child[2], to_parent[2], wstatus;
	char c = 0, params[64];
	pid_t pid;

	page_size = sysconf(_SC_PAGESIZE);
	unload_module(REGION_DRIVER);
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY);
	ASSERT_EQ(0, region_load(params));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p = anon(n);
		int ok;

		if (!p || mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0))
			_exit(2);
		fill(p, n, 14);
		c = count_on(p, n, NID) == n;
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		ok = check(p, n, 14) == -1 && count_on(p, n, NID) == 0;
		_exit(ok ? 0 : 4);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(1, c) TH_LOG("the child's pages were not on node %d", NID);
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &wstatus, 0));
	ASSERT_TRUE(WIFEXITED(wstatus));
	EXPECT_EQ(0, WEXITSTATUS(wstatus)) TH_LOG("data lost or still on the node");
}

/* NP_OPS_MIGRATION alone: move_pages() works, policies stay refused. */
TEST(migration_without_mempolicy)
{
	unsigned long mask = node_bit(NID);
	const size_t n = 32;
	int status[32];
	char *p, params[64];

	page_size = sysconf(_SC_PAGESIZE);
	unload_module(REGION_DRIVER);
	snprintf(params, sizeof(params), "ops_flags=%d", NP_OPS_MIGRATION);
	ASSERT_EQ(0, region_load(params));
	p = anon(n);
	ASSERT_NE(NULL, p);
	fill(p, n, 15);

	EXPECT_EQ(-1, mbind(p, n * page_size, MPOL_BIND, &mask, MAXNODE, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_mempolicy(MPOL_PREFERRED, &mask, MAXNODE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, move_all(p, n, NID, status));
	EXPECT_EQ(n, count_on(p, n, NID));
	EXPECT_EQ(-1, check(p, n, 15));
	munmap(p, n * page_size);
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/* Without any flag the node takes nothing: both syscalls fail, nothing moves. */
TEST(no_services_refuses_everything)
{
	unsigned long ordinary = node_bit(0) | node_bit(1), priv = node_bit(NID);
	const size_t n = 16;
	int status[16];
	long free_kb;
	char *p;

	page_size = sysconf(_SC_PAGESIZE);
	unload_module(REGION_DRIVER);
	ASSERT_EQ(0, region_load(""));
	free_kb = node_free_kb();
	p = anon(n);
	ASSERT_NE(NULL, p);
	fill(p, n, 16);
	EXPECT_EQ(-1, move_all(p, n, NID, status));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, migrate_pages(0, MAXNODE, &ordinary, &priv));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mbind(p, n * page_size, MPOL_BIND, &priv, MAXNODE, MPOL_MF_MOVE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, count_on(p, n, NID));
	EXPECT_EQ(free_kb, node_free_kb());
	munmap(p, n * page_size);
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

TEST_HARNESS_MAIN
