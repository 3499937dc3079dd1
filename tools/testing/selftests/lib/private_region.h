/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The example driver examples/private_region as the guest tests drive it:
 * it owns node REGION_NID (the QEMU DIMM of node 2), and its debugfs
 * files allocate, free and count the node's folios.
 */
#ifndef PRIVATE_REGION_H
#define PRIVATE_REGION_H

#include <stdio.h>
#include <string.h>

#include "privnode_test.h"

#define REGION_NID 2
#define REGION_DRIVER "private_region"
#define REGION_DEBUGFS "/sys/kernel/debug/" REGION_DRIVER

/* NP_OPS_* values of include/linux/node_private.h */
#define NP_OPS_MIGRATION	0x1
#define NP_OPS_MEMPOLICY	0x2
#define NP_OPS_DEMOTION		0x4
#define NP_OPS_PROTECT_WRITE	0x8
#define NP_OPS_NUMA_BALANCING	0x20
#define NP_OPS_COMPACTION	0x40
#define NP_OPS_LONGTERM_PIN	0x80

/* Load the driver for node 2 with extra module parameters @extra. */
static inline int region_load(const char *extra)
{
	unsigned long long start, size;
	char params[256];
	int ret = node_range(REGION_NID, &start, &size);

	if (ret)
		return ret;
	snprintf(params, sizeof(params), "nid=%d start=%llu size=%llu borrow=1 %s",
		 REGION_NID, start, size, extra);
	return load_module(REGION_DRIVER, params);
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
