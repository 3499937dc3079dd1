// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, item 15: the example drivers given a wrong range.
 *
 * Both example drivers (examples/private_region and examples/accel_mem)
 * take nid, start and size as module parameters and, in the QEMU guest,
 * borrow=1: the range is present as offline memory of node 2 and the
 * driver removes it, adds it back as private memory and gives it back on
 * unload.  Every parameter that does not describe whole memory blocks of
 * node @nid must make insmod fail cleanly:
 *
 *   - insmod (finit_module) fails with an errno;
 *   - no WARNING/BUG/Oops in the kernel log while it runs;
 *   - afterwards every block of nodes 2 and 3 is still there, still belongs
 *     to its node and is still offline;
 *   - and the driver then loads correctly for node 2 (and unloads, giving
 *     the DIMM back offline).
 *
 * Today's drivers check only "nid < 0 || !size" and then call
 * remove_memory() on whatever range they were given, and add_memory(nid, ...)
 * on the way out: a range with missing blocks WARNs (remove_memory_block_devices,
 * sparse_remove_section), an unaligned one hits the BUG_ON() of
 * try_remove_memory(), and a wrong nid hands node 2's blocks to another node.
 *
 * The cases are split in two fixtures: "bad" holds the cases that, on a
 * kernel with the defect, leave a state the teardown can repair (blocks
 * handed to another node are given back by loading the driver correctly for
 * their range and unloading it); "fatal" holds the cases that on such a
 * kernel crash the guest (BUG_ON, oops=panic), hang it or lose node 2's
 * memory for good.  They run last, so that every repairable case has been
 * recorded first.  With fixed drivers every case is harmless.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "privnode_cgroup.h"
#include "privnode_test.h"

#define MEM_SYSFS "/sys/devices/system/memory"

/* The guest's layout when the program started: nodes 2 and 3, 4 blocks each. */
static struct {
	unsigned long long bs;		/* memory block size */
	long first[4], count[4];	/* per node; only 2 and 3 are used */
	bool ok;
} L;

static void __attribute__((constructor)) record_layout(void)
{
	L.bs = memory_block_bytes();
	L.ok = L.bs && !node_blocks(2, &L.first[2], &L.count[2]) &&
	       !node_blocks(3, &L.first[3], &L.count[3]);
}

static unsigned long long node_start(int nid)
{
	return L.first[nid] * L.bs;
}

static unsigned long long node_size(int nid)
{
	return L.count[nid] * L.bs;
}

/* The node memory block @id belongs to; -1 if the block does not exist. */
static int block_nid(long id)
{
	char path[128];
	struct dirent *de;
	int nid = -1;
	DIR *d;

	snprintf(path, sizeof(path), MEM_SYSFS "/memory%ld", id);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "node", 4) && isdigit(de->d_name[4])) {
			nid = atoi(de->d_name + 4);
			break;
		}
	closedir(d);
	return nid;
}

static bool block_offline(long id)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), MEM_SYSFS "/memory%ld/state", id);
	return !read_file(path, buf, sizeof(buf)) && !strcmp(buf, "offline");
}

/*
 * Whether every block of node @nid's original range is there, belongs to
 * @nid and is offline, and the node has no other block; what is wrong in
 * @why.
 */
static bool node_intact(int nid, char *why, size_t len)
{
	long first, count, id;
	int n;

	for (id = L.first[nid]; id < L.first[nid] + L.count[nid]; id++) {
		n = block_nid(id);
		if (n != nid) {
			if (n < 0)
				snprintf(why, len, "block %ld (node %d's) is gone", id, nid);
			else
				snprintf(why, len, "block %ld (node %d's) belongs to node %d",
					 id, nid, n);
			return false;
		}
		if (!block_offline(id)) {
			snprintf(why, len, "block %ld of node %d is not offline", id, nid);
			return false;
		}
	}
	if (node_blocks(nid, &first, &count) || first != L.first[nid] ||
	    count != L.count[nid]) {
		snprintf(why, len, "node %d has blocks %ld+%ld, had %ld+%ld", nid,
			 first, count, L.first[nid], L.count[nid]);
		return false;
	}
	return true;
}

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* "nid=@nid start=@start size=@size borrow=1" */
static void params_of(char *buf, size_t len, int nid, unsigned long long start,
		      unsigned long long size)
{
	snprintf(buf, len, "nid=%d start=%llu size=%llu borrow=1", nid, start, size);
}

/* Load @drv for node @nid's own range and unload it: 0, or -errno. */
static int load_right(const char *drv, int nid)
{
	char p[160];
	int ret;

	params_of(p, sizeof(p), nid, node_start(nid), node_size(nid));
	ret = load_module(drv, p);
	if (ret)
		return ret;
	if (!node_is_private(nid)) {
		unload_module(drv);
		return -ENODEV;
	}
	return unload_module(drv);
}

/*
 * Put node @nid's original blocks back where they belong: a driver loaded
 * correctly for the range removes its blocks (offline, whatever node they
 * were given to) and adds them back to @nid on unload.
 */
static void repair_node(int nid)
{
	char why[160];

	if (node_intact(nid, why, sizeof(why)))
		return;
	fprintf(stderr, "# repairing node %d: %s\n", nid, why);
	if (load_right("private_region", nid))
		fprintf(stderr, "# repairing node %d failed\n", nid);
}

/*
 * The kernel log from now on: /dev/kmsg opened at its end.  Lines that
 * show a kernel splat are counted by kmsg_splats().
 */
static int kmsg_watch(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Splat lines logged since kmsg_watch(); the first in @first.  Closes @fd. */
static int kmsg_splats(int fd, char *first, size_t len)
{
	static const char *const marks[] = {
		"WARNING:", "BUG:", "Oops", "cut here", "Call Trace", "kernel BUG",
		"UBSAN", "general protection",
	};
	char rec[2048];
	ssize_t n;
	size_t i;
	int found = 0;

	first[0] = '\0';
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (strstr(rec, marks[i])) {
				if (!found++) {
					const char *msg = strchr(rec, ';') ? strchr(rec, ';') + 1 : rec;
					size_t m = strcspn(msg, "\n");

					if (m >= len)
						m = len - 1;
					memcpy(first, msg, m);
					first[m] = '\0';
				}
				break;
			}
	}
	close(fd);
	return found;
}

FIXTURE(bad) {
	int unused;
};

FIXTURE_VARIANT(bad) {
	const char *drv;
};

FIXTURE_VARIANT_ADD(bad, private_region) {
	.drv = "private_region",
};

FIXTURE_VARIANT_ADD(bad, accel_mem) {
	.drv = "accel_mem",
};

FIXTURE_SETUP(bad)
{
	char why[160];

	ASSERT_TRUE(L.ok) TH_LOG("nodes 2 and 3 have no memory blocks");
	ASSERT_LE(2, L.count[2]);
	/* A driver left by a test that died half-way. */
	unload_module("private_region");
	unload_module("accel_mem");
	repair_node(2);
	repair_node(3);
	ASSERT_TRUE(node_intact(2, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_TRUE(node_intact(3, why, sizeof(why))) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(bad)
{
	unload_module(variant->drv);
	repair_node(2);
	repair_node(3);
}

/*
 * Load @drv with @params (which must be refused), then check the rules of
 * the file comment.
 */
static void refused(struct __test_metadata *_metadata, const char *drv,
		    const char *params)
{
	char why[256], splat[256];
	int fd, ret, splats;

	fd = kmsg_watch();
	ASSERT_LE(0, fd) TH_LOG("/dev/kmsg: %s", strerror(errno));
	ret = load_module(drv, params);
	TH_LOG("insmod %s %s: %d (%s)", drv, params, ret, ret ? strerror(-ret) : "loaded");
	if (!ret) {
		TH_LOG("node 2 private: %d, node 3 private: %d", node_is_private(2),
		       node_is_private(3));
		EXPECT_EQ(0, unload_module(drv));
	}
	EXPECT_NE(0, ret) TH_LOG("the driver accepted a wrong range");
	EXPECT_FALSE(module_loaded(drv));

	splats = kmsg_splats(fd, splat, sizeof(splat));
	EXPECT_EQ(0, splats) TH_LOG("%d splat lines in the kernel log, first: %s", splats,
				    splat);

	EXPECT_TRUE(node_intact(2, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_TRUE(node_intact(3, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_FALSE(node_is_private(2));
	EXPECT_FALSE(node_is_private(3));

	/* Whatever happened, node 2 must load correctly now. */
	repair_node(2);
	repair_node(3);
	fd = kmsg_watch();
	EXPECT_EQ(0, load_right(drv, 2)) TH_LOG("the right parameters no longer load");
	EXPECT_TRUE(node_intact(2, why, sizeof(why))) TH_LOG("after a correct load: %s", why);
	splats = kmsg_splats(fd, splat, sizeof(splat));
	EXPECT_EQ(0, splats) TH_LOG("correct load/unload: %s", splat);
}

/* Run refused() on "nid=@nid start=@start size=@size borrow=1". */
#define REFUSED(nid, start, size) do {						\
	char __p[160];								\
	params_of(__p, sizeof(__p), nid, start, size);				\
	refused(_metadata, variant->drv, __p);					\
} while (0)

/* Item 15: size 0. */
TEST_F_TIMEOUT(bad, size_zero, 120)
{
	REFUSED(2, node_start(2), 0ULL);
}

/* Item 15: no nid given (the default, NUMA_NO_NODE) and a negative one. */
TEST_F_TIMEOUT(bad, nid_missing_or_negative, 120)
{
	char p[160];

	snprintf(p, sizeof(p), "start=%llu size=%llu borrow=1", node_start(2),
		 node_size(2));
	refused(_metadata, variant->drv, p);
	REFUSED(-5, node_start(2), node_size(2));
}

/*
 * Item 15: nid 0, an ordinary node with memory, given node 2's range.  Today
 * the registration fails with EBUSY and the driver "gives back" node 2's
 * range with add_memory(0, ...): the blocks become node 0's.
 */
TEST_F_TIMEOUT(bad, nid_ordinary_node0, 120)
{
	REFUSED(0, node_start(2), node_size(2));
}

/* Item 15: the same with node 1 (CPU-less ordinary memory). */
TEST_F_TIMEOUT(bad, nid_ordinary_node1, 120)
{
	REFUSED(1, node_start(2), node_size(2));
}

/*
 * Item 15: nid 3 while node 2's range is given.  Node 3 could be private,
 * but the range is not its memory: today node 2's DIMM becomes node 3's
 * private memory and insmod succeeds.
 */
TEST_F_TIMEOUT(bad, nid3_with_node2_range, 120)
{
	REFUSED(3, node_start(2), node_size(2));
}

/* Item 15: nid 2 with node 3's range: the other way round. */
TEST_F_TIMEOUT(bad, nid2_with_node3_range, 120)
{
	REFUSED(2, node_start(3), node_size(3));
}

/*
 * Item 15, found by hand: a size one block more than node 2 has.  In the
 * guest the next block is node 3's first one (0x120000000).  Seen: insmod
 * fails with EEXIST ("adding [0x100000000+0x28000000] to node 2 failed:
 * -17") after remove_memory() took all five blocks, and the give-back
 * fails too: node 2's DIMM and node 3's first block are gone.  The next
 * correct load (borrow=1) then calls remove_memory() on a range with
 * missing blocks: the two WARNINGs of the issue (remove_memory_block_devices,
 * sparse_remove_section).
 */
TEST_F_TIMEOUT(bad, size_one_block_past_node, 120)
{
	REFUSED(2, node_start(2), node_size(2) + L.bs);
}

/* Item 15: a range that starts on node 2 and ends in the middle of node 3. */
TEST_F_TIMEOUT(bad, range_across_two_nodes, 120)
{
	REFUSED(2, node_start(2) + node_size(2) / 2, node_size(2));
}

/*
 * The cases that on today's drivers crash the guest (BUG_ON in
 * try_remove_memory() with oops=panic), loop for hours in the kernel, or
 * remove node 2's memory for good.  Same checks.
 */
FIXTURE(fatal) {
	int unused;
};

FIXTURE_VARIANT(fatal) {
	const char *drv;
};

FIXTURE_VARIANT_ADD(fatal, private_region) {
	.drv = "private_region",
};

FIXTURE_VARIANT_ADD(fatal, accel_mem) {
	.drv = "accel_mem",
};

FIXTURE_SETUP(fatal)
{
	char why[160];

	ASSERT_TRUE(L.ok) TH_LOG("nodes 2 and 3 have no memory blocks");
	unload_module("private_region");
	unload_module("accel_mem");
	repair_node(2);
	repair_node(3);
	ASSERT_TRUE(node_intact(2, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_TRUE(node_intact(3, why, sizeof(why))) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(fatal)
{
	unload_module(variant->drv);
	repair_node(2);
	repair_node(3);
}

/*
 * Item 15: a nid that is not a node of this machine (5: possible nodes are
 * 0-3).  Seen on today's series: insmod fails with EINVAL, but the driver
 * removed node 2's range first and gives it back with add_memory(5, ...),
 * which WARNs ("node 5 was absent from the node_possible_map") and fails:
 * node 2's blocks are gone (the teardown's correct load re-adds them, with
 * the remove_memory_block_devices WARNING of a range with missing blocks).
 */
TEST_F_TIMEOUT(fatal, nid_not_a_node, 120)
{
	REFUSED(5, node_start(2), node_size(2));
}

/*
 * Item 15: huge values: a block-aligned start at 64 TiB, beyond
 * MAX_PHYSMEM_BITS.  Seen: E2BIG, after remove_memory() of blocks that do
 * not exist (WARNINGs in remove_memory_block_devices, sparse_remove_section,
 * release_mem_region_adjustable).
 */
TEST_F_TIMEOUT(fatal, start_huge, 120)
{
	REFUSED(2, 1ULL << 46, L.bs);
}

/*
 * Item 15: a block-aligned size of 1 TiB from node 2's start.  Seen: EEXIST,
 * the same three WARNINGs, and nodes 2 and 3 lose their DIMMs.
 */
TEST_F_TIMEOUT(fatal, size_huge, 120)
{
	REFUSED(2, node_start(2), 1ULL << 40);
}

/*
 * Item 15: a start that is not block aligned (2 MiB into node 2).  Seen:
 * remove_memory() -> try_remove_memory() -> BUG_ON(check_hotplug_memory_range())
 * ("kernel BUG at mm/memory_hotplug.c:2305"), a panic with oops=panic.
 */
TEST_F_TIMEOUT(fatal, start_not_block_aligned, 120)
{
	REFUSED(2, node_start(2) + (2ULL << 20), node_size(2));
}

/* Item 15: a size that is not a whole number of blocks.  Seen: the same BUG. */
TEST_F_TIMEOUT(fatal, size_not_block_aligned, 120)
{
	REFUSED(2, node_start(2), node_size(2) - 4096);
}

/* Item 15: the largest size (unaligned, start + size wraps).  Seen: the same BUG. */
TEST_F_TIMEOUT(fatal, size_ullong_max, 120)
{
	REFUSED(2, node_start(2), ~0ULL);
}

/*
 * Item 15: nid 64, one past MAX_NUMNODES (NODES_SHIFT=6).  Seen: "kernel BUG
 * at include/linux/gfp.h:270" in vmemmap_alloc_block() (add_memory() with
 * that nid after the registration refused it).
 */
TEST_F_TIMEOUT(fatal, nid_max_numnodes, 120)
{
	REFUSED(64, node_start(2), node_size(2));
}

/* Item 15: nid INT_MAX.  Seen: a page fault in __add_memory_resource() (node_possible()). */
TEST_F_TIMEOUT(fatal, nid_int_max, 120)
{
	REFUSED(2147483647, node_start(2), node_size(2));
}

/*
 * Item 15: a block-aligned size with which start + size wraps to 0.  Seen:
 * insmod never returns and the console stays silent (walk_memory_blocks()
 * walks about 2^37 block ids); the guest run times out.  Last for that
 * reason.
 */
TEST_F_TIMEOUT(fatal, start_plus_size_wraps, 120)
{
	REFUSED(2, node_start(2), 0ULL - node_start(2));
}

TEST_HARNESS_MAIN
