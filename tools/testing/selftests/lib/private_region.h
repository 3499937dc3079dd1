/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The example driver examples/private_region as the guest tests drive it:
 * it owns node REGION_NID (the QEMU DIMM of node 2), and its debugfs
 * files allocate, free and count the node's folios.  For kselftest_harness
 * tests only: the fixture helpers assert through _metadata.
 */
#ifndef PRIVATE_REGION_H
#define PRIVATE_REGION_H

#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "privnode_cgroup.h"
#include "privnode_test.h"

#define REGION_NID 2
#define REGION_DRIVER "private_region"
#define REGION_DEBUGFS "/sys/kernel/debug/" REGION_DRIVER

/* NP_OPS_* values of include/linux/node_private.h */
#define NP_OPS_MIGRATION	0x1
#define NP_OPS_MEMPOLICY	0x2
#define NP_OPS_DEMOTION		0x4
#define NP_OPS_PROTECT_WRITE	0x8
#define NP_OPS_RECLAIM		0x10
#define NP_OPS_NUMA_BALANCING	0x20
#define NP_OPS_COMPACTION	0x40
#define NP_OPS_LONGTERM_PIN	0x80

/* Load the driver for node 2 with extra module parameters @extra. */
static inline int region_load(const char *extra)
{
	return load_node_module(REGION_DRIVER, REGION_NID, extra);
}

/*
 * Fixture setup: the driver loaded afresh with @extra.  One still loaded
 * was left by an earlier test that died on an assertion and so skipped its
 * teardown; loading on top of it would fail.
 */
static inline void region_reload(struct __test_metadata *_metadata,
				 const char *extra)
{
	if (unload_module(REGION_DRIVER) == 0)
		TH_LOG("unloaded a driver left behind by an earlier test");
	ASSERT_EQ(0, region_load(extra));
}

/*
 * Fixture setup: cgroup @cg created under the root with the memory
 * controller and granted node 2, for workers that must use the node.
 */
static inline void region_grant_cg(struct __test_metadata *_metadata,
				   const char *cg)
{
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(cg));
	ASSERT_EQ(0, cg_write(cg, PN_NODES, "2"));
}

/* One counter of the driver's stats file; -1 if missing. */
static inline long region_stat(const char *key)
{
	char buf[512], *p;
	long v;

	if (read_file(REGION_DEBUGFS "/stats", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), " %ld", &v) != 1)
		return -1;
	return v;
}

/* Write the number @n to the driver's debugfs file @file. */
static inline int region_write(const char *file, long n)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), REGION_DEBUGFS "/%s", file);
	snprintf(val, sizeof(val), "%ld", n);
	return write_file(path, val);
}

#endif
