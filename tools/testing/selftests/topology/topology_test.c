// SPDX-License-Identifier: GPL-2.0
/*
 * The guest topology every other test relies on (DESIGN.md section 3):
 * node 0 has the CPUs and boot memory, node 1 is CPU-less DRAM, nodes 2 and 3
 * are CPU-less and hold one 512 MiB DIMM each whose memory blocks are present
 * but offline, waiting for a driver to claim them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#define NODE_SYSFS "/sys/devices/system/node"
#define DIMM_BYTES (512ULL << 20)

/* Read a sysfs file into buf without its trailing newline; -1 on error. */
static int read_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static void expect_nodelist(struct __test_metadata *_metadata,
			    const char *file, const char *want)
{
	char path[256], buf[256];

	snprintf(path, sizeof(path), NODE_SYSFS "/%s", file);
	ASSERT_EQ(0, read_sysfs(path, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

TEST(four_nodes_online)
{
	expect_nodelist(_metadata, "online", "0-3");
}

TEST(cpus_only_on_node0)
{
	expect_nodelist(_metadata, "has_cpu", "0");
	expect_nodelist(_metadata, "node0/cpulist", "0-1");
}

TEST(boot_memory_on_nodes_0_and_1)
{
	expect_nodelist(_metadata, "has_memory", "0-1");
}

FIXTURE(dimm_node)
{
	unsigned long long block_bytes;
};

FIXTURE_VARIANT(dimm_node)
{
	int nid;
};

FIXTURE_VARIANT_ADD(dimm_node, node2) { .nid = 2 };
FIXTURE_VARIANT_ADD(dimm_node, node3) { .nid = 3 };

FIXTURE_SETUP(dimm_node)
{
	char buf[64];

	ASSERT_EQ(0, read_sysfs("/sys/devices/system/memory/block_size_bytes",
				buf, sizeof(buf)));
	self->block_bytes = strtoull(buf, NULL, 16);
	ASSERT_NE(0, self->block_bytes);
}

FIXTURE_TEARDOWN(dimm_node)
{
}

/* Exactly one DIMM's worth of blocks, every one of them offline. */
TEST_F(dimm_node, blocks_present_and_offline)
{
	char dir[128], path[512], state[32];
	unsigned int blocks = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), NODE_SYSFS "/node%d", variant->nid);
	d = opendir(dir);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "memory", 6) || !de->d_name[6] ||
		    strspn(de->d_name + 6, "0123456789") != strlen(de->d_name + 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s/state", dir, de->d_name);
		ASSERT_EQ(0, read_sysfs(path, state, sizeof(state)));
		EXPECT_STREQ("offline", state)
			TH_LOG("%s is %s", de->d_name, state);
		blocks++;
	}
	closedir(d);
	EXPECT_EQ(DIMM_BYTES / self->block_bytes, blocks);
}

/* Offline memory contributes nothing to the node's meminfo. */
TEST_F(dimm_node, no_memory_online)
{
	char path[128], buf[4096];
	unsigned long total_kb = ~0UL;
	char *p;

	snprintf(path, sizeof(path), NODE_SYSFS "/node%d/meminfo", variant->nid);
	ASSERT_EQ(0, read_sysfs(path, buf, sizeof(buf)));
	p = strstr(buf, "MemTotal:");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p, "MemTotal: %lu kB", &total_kb));
	EXPECT_EQ(0, total_kb);
}

/* No CPU of the node is online: the placeholder CPU is never brought up. */
TEST_F(dimm_node, cpuless)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), NODE_SYSFS "/node%d/cpulist", variant->nid);
	ASSERT_EQ(0, read_sysfs(path, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

TEST_HARNESS_MAIN
