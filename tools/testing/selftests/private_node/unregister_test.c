// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, item 13: an unregister that fails leaves a dangling owner.
 *
 * The example driver owns part of node 2 (two of its four blocks, with
 * borrow=1, so the other two stay present and offline as memory of node 2).
 * The admin then onlines one of the others through its sysfs state file.
 * If the kernel lets that happen, the node has online memory the driver
 * does not know about: on unload, offline_and_remove_private_memory() of
 * the driver's range succeeds, the node stays N_MEMORY_PRIVATE, and
 * node_private_clear_ops() and node_private_unregister() fail with -EBUSY
 * (WARN_ON in the module's exit, which cannot fail).  node_privates[2] then
 * points into the freed module.
 *
 * Wanted: either the onlining is refused (EBUSY or EINVAL), or the unload
 * leaves no dangling owner: no WARNING, node 2 no longer private with its
 * owner gone, its private/ files readable, and the driver loads again.
 *
 * On a kernel with the defect the test stops (ASSERT) before it reads
 * the files of node2/private: those reads would dereference the freed module (an oops,
 * and the guest runs with oops=panic).  It also leaves node 2 as it is
 * then: offlining the extra block would consult the dangling owner too.
 * Nothing can repair that state but a reboot, so this program is the last
 * of its target.
 *
 * Seen on today's series: "online" is refused (EINVAL: the default zone is
 * a kernel zone), "online_movable" is accepted; rmmod then WARNs twice
 * (private_region_exit: node_private_clear_ops() and
 * node_private_unregister() return -EBUSY) and node 2 stays private.  In a
 * separate run, reading node2/private/services afterwards oopsed in
 * node_private_show_services() (page fault at the freed module's address,
 * then the panic), and loading the driver again with the same parameters
 * failed with EINVAL ("ops flags 0x3 refused"): the new module's struct
 * node_private landed at the old address and was taken for the registered
 * owner.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_test.h"

#define MEM_SYSFS "/sys/devices/system/memory"
#define PRIVATE_DIR NODE_SYSFS "/node2/private"

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static int block_state(long id, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), MEM_SYSFS "/memory%ld/state", id);
	return read_file(path, buf, len);
}

static int block_set_state(long id, const char *state)
{
	char path[128];

	snprintf(path, sizeof(path), MEM_SYSFS "/memory%ld/state", id);
	return write_file(path, state);
}

/* /dev/kmsg from its current end; see kmsg_splats(). */
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
			continue;
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

FIXTURE(unreg) {
	unsigned long long bs;
	long first, count;	/* node 2's blocks */
	long extra;		/* the block the admin onlines */
	char params[160];	/* the driver's: the first two blocks */
	bool dangling;
};

FIXTURE_SETUP(unreg)
{
	char st[32];

	if (unload_module(REGION_DRIVER) == 0)
		TH_LOG("unloaded a driver left behind by an earlier test");
	self->bs = memory_block_bytes();
	ASSERT_NE(0, self->bs);
	ASSERT_EQ(0, node_blocks(REGION_NID, &self->first, &self->count));
	ASSERT_LE(3, self->count) TH_LOG("node 2 has %ld blocks", self->count);
	self->extra = self->first + 2;
	ASSERT_EQ(0, block_state(self->extra, st, sizeof(st)));
	ASSERT_STREQ("offline", st);
	snprintf(self->params, sizeof(self->params),
		 "nid=%d start=%llu size=%llu borrow=1 ops_flags=3", REGION_NID,
		 self->first * self->bs, 2 * self->bs);
}

FIXTURE_TEARDOWN(unreg)
{
	char st[32];

	if (self->dangling) {
		TH_LOG("node 2 left with a dangling owner: not touching it any more");
		return;
	}
	if (!block_state(self->extra, st, sizeof(st)) && strcmp(st, "offline"))
		EXPECT_EQ(0, block_set_state(self->extra, "offline"));
	if (module_loaded(REGION_DRIVER))
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
	/* As found: the whole of node 2 loads and unloads. */
	if (!node_is_private(REGION_NID)) {
		EXPECT_EQ(0, region_load("ops_flags=3"));
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
	}
}

/*
 * Item 13.  Trigger: the driver owns blocks 0-1 of node 2; the admin
 * writes "online" (and, if that is refused, "online_movable") to block
 * 2's state; then unloads the driver.
 */
TEST_F_TIMEOUT(unreg, online_foreign_block_then_unload, 240)
{
	char st[32], buf[256], splat[256];
	int ret_online, ret_movable = 1, ret, fd, splats;
	bool onlined;

	ASSERT_EQ(0, load_module(REGION_DRIVER, self->params)) TH_LOG("%s", self->params);
	ASSERT_TRUE(node_is_private(REGION_NID));
	ASSERT_EQ(0, block_state(self->extra, st, sizeof(st)));
	ASSERT_STREQ("offline", st) TH_LOG("block %ld is not offline", self->extra);

	fd = kmsg_watch();
	ASSERT_LE(0, fd);
	ret_online = block_set_state(self->extra, "online");
	TH_LOG("echo online > memory%ld/state: %d (%s)", self->extra, ret_online,
	       ret_online ? strerror(-ret_online) : "accepted");
	if (ret_online) {
		ret_movable = block_set_state(self->extra, "online_movable");
		TH_LOG("echo online_movable > memory%ld/state: %d (%s)", self->extra,
		       ret_movable, ret_movable ? strerror(-ret_movable) : "accepted");
	}
	ASSERT_EQ(0, block_state(self->extra, st, sizeof(st)));
	onlined = !strcmp(st, "online");
	TH_LOG("block %ld is %s", self->extra, st);
	if (!onlined) {
		/* Refused: it must be with EBUSY or EINVAL. */
		EXPECT_TRUE(ret_online == -EBUSY || ret_online == -EINVAL);
		EXPECT_TRUE(ret_movable == -EBUSY || ret_movable == -EINVAL);
	}

	ret = unload_module(REGION_DRIVER);
	EXPECT_EQ(0, ret) TH_LOG("rmmod: %s", strerror(-ret));
	splats = kmsg_splats(fd, splat, sizeof(splat));
	EXPECT_EQ(0, splats) TH_LOG("%d splat lines while onlining and unloading, first: %s",
				    splats, splat);

	/*
	 * The module is gone: if node 2 is still private, its owner is the
	 * freed module's struct node_private.
	 */
	self->dangling = !module_loaded(REGION_DRIVER) && node_is_private(REGION_NID);
	ASSERT_FALSE(self->dangling)
		TH_LOG("node 2 is still private (block %ld %s) with its owner module unloaded: node_privates[2] dangles; private/ not read (it would oops)",
		       self->extra, st);

	/* Readable (or gone with the owner). */
	ret = read_file(PRIVATE_DIR "/owner", buf, sizeof(buf));
	EXPECT_TRUE(ret == 0 || ret == -ENOENT) TH_LOG("owner: %s", strerror(-ret));
	if (!ret)
		TH_LOG("node2/private/owner: \"%s\"", buf);
	ret = read_file(PRIVATE_DIR "/services", buf, sizeof(buf));
	EXPECT_TRUE(ret == 0 || ret == -ENOENT) TH_LOG("services: %s", strerror(-ret));
	if (!ret)
		TH_LOG("node2/private/services: \"%s\"", buf);

	/* The driver loads again, as before. */
	if (!block_state(self->extra, st, sizeof(st)) && strcmp(st, "offline"))
		TH_LOG("block %ld is %s after the unload", self->extra, st);
	fd = kmsg_watch();
	ret = load_module(REGION_DRIVER, self->params);
	EXPECT_EQ(0, ret) TH_LOG("loading again: %s", strerror(-ret));
	if (!ret) {
		EXPECT_TRUE(node_is_private(REGION_NID));
		EXPECT_EQ(0, read_file(PRIVATE_DIR "/owner", buf, sizeof(buf)));
		EXPECT_STREQ(REGION_DRIVER, buf);
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
	}
	splats = kmsg_splats(fd, splat, sizeof(splat));
	EXPECT_EQ(0, splats) TH_LOG("loading again: %s", splat);
}

TEST_HARNESS_MAIN
