// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, item 1: reclaim of a cgroup while a private node is a
 * demotion target (NP_OPS_DEMOTION).  Only the folios that may go to the
 * private node - anonymous ones, of a cgroup granted the node and below
 * its limit there - may be queued for it; everything else (page cache,
 * the anonymous memory of a cgroup without the grant or at its cap) must
 * take the ordinary path, swap and page-cache reclaim, as on a kernel
 * without private nodes.  memory.reclaim is proactive reclaim: a folio
 * queued for demotion and refused is not reclaimed at all in that pass,
 * so queueing what the private node will refuse makes memory.reclaim
 * fail with -EAGAIN while nothing is freed.
 *
 * The cgroup holds a 64 MiB file in page cache (a real file system, not
 * tmpfs, whose pages are swap-backed) and 16 MiB of anonymous memory;
 * swap is on; the test asks memory.reclaim for 32 MiB.  The guest's empty
 * disk /dev/vda carries the file system for the time of a test: ext2
 * (busybox mke2fs; the kernel's ext4 driver mounts it), with the data
 * file and a swap file on it.
 */
#include <numaif.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/swap.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"
#include "privnode_swap.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-demotion-reclaim-test"
#define DEMOTION_ENABLED "/sys/kernel/mm/numa/demotion_enabled"
#define DISK "/dev/vda"
#define MNT "/tmp/privnode-demotion-reclaim"
#define DATA MNT "/data"
#define SWAPFILE MNT "/swapfile"
#define MIB (1024L * 1024)
#define FILE_BYTES (64 * MIB)
#define SWAP_BYTES (80 * MIB)
#define ANON_PAGES (16 * MIB / pn_page_size())
#define RECLAIM_BYTES (32 * MIB)
#define CAP_BYTES (4 * MIB)
#define SEED 13
#define REPLY_MS 120000

FIXTURE(dr) {
	char enabled[16];
};

FIXTURE_VARIANT(dr) {
	bool demotion;	/* node 2 is a demotion target (NP_OPS_DEMOTION) */
	bool grant;	/* the cgroup is granted node 2 */
	bool cap;	/* ... with memory.private_nodes.max of CAP_BYTES */
};

/* The cgroup may demote its anonymous pages; its page cache must go. */
FIXTURE_VARIANT_ADD(dr, granted)
{
	.demotion = true,
	.grant = true,
};

/* Nothing of the cgroup may be demoted: reclaim as if node 2 were not there. */
FIXTURE_VARIANT_ADD(dr, not_granted)
{
	.demotion = true,
	.grant = false,
};

/* Demotion stops at the cap: the rest is swapped or dropped. */
FIXTURE_VARIANT_ADD(dr, granted_at_cap)
{
	.demotion = true,
	.grant = true,
	.cap = true,
};

/* Control: node 2 private but no demotion target (the base kernel's path). */
FIXTURE_VARIANT_ADD(dr, no_demotion_target)
{
	.demotion = false,
	.grant = true,
};

/* Write @len bytes of @byte to @path (created), then fsync; 0 or -errno. */
static int write_filled(const char *path, long len, int byte)
{
	char *buf = malloc(MIB);
	long done;
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (done = 0; done < len && !ret; done += MIB) {
		memset(buf, byte + (int)(done / MIB), MIB);
		if (write(fd, buf, MIB) != MIB)
			ret = -EIO;
	}
	if (!ret && fsync(fd))
		ret = -errno;
	/* Out of the page cache: the worker reads it back into its cgroup. */
	if (!ret)
		ret = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ? -EIO : 0;
	close(fd);
	free(buf);
	return ret;
}

/* A swap signature (what mkswap writes) on the swap file; 0 or -errno. */
static int swapfile_format(const char *path, long len)
{
	struct {
		uint32_t version, last_page, nr_badpages;
	} info = { 1, len / pn_page_size() - 1, 0 };
	char *page = calloc(1, pn_page_size());
	int fd, ret = 0;

	if (!page)
		return -ENOMEM;
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		free(page);
		return -errno;
	}
	memcpy(page + 1024, &info, sizeof(info));
	memcpy(page + pn_page_size() - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, page, pn_page_size(), 0) != pn_page_size() || fsync(fd))
		ret = -EIO;
	close(fd);
	free(page);
	return ret;
}

/* Leave the disk as found: no swap on it, not mounted. */
static void disk_release(void)
{
	swapoff(SWAPFILE);
	umount(MNT);
	rmdir(MNT);
}

/*
 * ext2 on the disk with the data file and an active swap file; NULL, or
 * what failed (and the disk released).
 */
static const char *disk_prepare(void)
{
	const char *what = NULL;

	swapoff(DISK);	/* a reclaim test may have left its swap there */
	disk_release();
	if (system("mke2fs -F " DISK " >/dev/null 2>&1"))
		return "mke2fs (busybox) on " DISK " (a disk: make vm-test)";
	mkdir(MNT, 0755);
	if (mount(DISK, MNT, "ext2", 0, NULL))
		what = "mount";
	else if (write_filled(DATA, FILE_BYTES, 'a'))
		what = "data file";
	else if (write_filled(SWAPFILE, SWAP_BYTES, 0) ||
		 swapfile_format(SWAPFILE, SWAP_BYTES))
		what = "swap file";
	else if (swapon(SWAPFILE, 0))
		what = "swapon";
	if (what)
		disk_release();
	return what;
}

FIXTURE_SETUP(dr)
{
	char params[64], max[64];
	const char *failed;

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | (variant->demotion ? NP_OPS_DEMOTION : 0));
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, read_file(DEMOTION_ENABLED, self->enabled, sizeof(self->enabled)));
	ASSERT_EQ(0, write_file(DEMOTION_ENABLED, "1"));
	region_grant_cg(_metadata, CG_TEST);
	if (!variant->grant)
		ASSERT_EQ(0, cg_write(CG_TEST, PN_NODES, "\n"));
	if (variant->cap) {
		snprintf(max, sizeof(max), "%d max=%ld", NID, CAP_BYTES);
		ASSERT_EQ(0, cg_write(CG_TEST, PN_MAX, max));
	}
	failed = disk_prepare();
	ASSERT_EQ(NULL, failed) TH_LOG("%s: %s", failed, strerror(errno));
}

FIXTURE_TEARDOWN(dr)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	EXPECT_EQ(0, write_file(DEMOTION_ENABLED,
				strncmp(self->enabled, "true", 4) ? "0" : "1"));
	unload_module(REGION_DRIVER);
	EXPECT_FALSE(node_is_private(NID));
	EXPECT_EQ(0, swapoff(SWAPFILE)) TH_LOG("swapoff: %s", strerror(errno));
	EXPECT_EQ(0, umount(MNT)) TH_LOG("umount: %s", strerror(errno));
	rmdir(MNT);
}

/*
 * Worker: reads the data file into the page cache (charged to its
 * cgroup), faults ANON_PAGES anonymous pages on node 0 and fills them;
 * says so, waits, then sends the index of the first anonymous page whose
 * data changed (-1: none), and of the file, 0 if it reads back right.
 */
static int wk_file_and_anon(struct cg_worker *w, void *arg)
{
	unsigned long node0 = pn_node_bit(0);
	size_t len = ANON_PAGES * pn_page_size();
	char *p = pn_anon(ANON_PAGES), *buf = malloc(MIB);
	long done, bad;
	int fd = open(DATA, O_RDONLY);

	WORKER_CHECK(fd >= 0 && p && buf, "open/mmap: %s", strerror(errno));
	for (done = 0; done < FILE_BYTES; done += MIB)
		WORKER_CHECK(read(fd, buf, MIB) == MIB, "read: %s", strerror(errno));
	WORKER_CHECK(!pn_thp(p, ANON_PAGES, false), "madvise: %s", strerror(errno));
	WORKER_CHECK(!mbind(p, len, MPOL_BIND, &node0, PN_MAXNODE, 0),
		     "mbind: %s", strerror(errno));
	pn_fill(p, ANON_PAGES, SEED);
	WORKER_CHECK(!cgw_signal(w), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	bad = pn_check(p, ANON_PAGES, SEED);
	WORKER_CHECK(!cgw_send(w, &bad, sizeof(bad)), "send");
	bad = 0;
	for (done = 0; done < FILE_BYTES && !bad; done += MIB)
		bad = pread(fd, buf, MIB, done) != MIB ||
		      buf[0] != (char)('a' + done / MIB) ||
		      buf[MIB - 1] != (char)('a' + done / MIB);
	WORKER_CHECK(!cgw_send(w, &bad, sizeof(bad)), "send");
	close(fd);
	return 0;
}

static long stat_of(const char *key)
{
	return cg_key(CG_TEST, "memory.stat", key);
}

/* The cgroup's charge on node 2 (0 if it has no line there). */
static long long node2_current(void)
{
	long long cur = cg_node_key(CG_TEST, PN_STAT, NID, "current");

	return cur < 0 ? 0 : cur;
}

/*
 * Item 1 (demotion queueing).  Trigger: demotion_enabled=1, node 2
 * private with MIGRATION|DEMOTION, the cgroup holding a 64 MiB file in
 * page cache plus 16 MiB of anonymous memory, swap on,
 * "echo 32M > memory.reclaim".  Wanted: the write succeeds (not -EAGAIN),
 * and the 32 MiB are taken as on the base kernel: page cache dropped,
 * anonymous memory swapped out or - only if the cgroup may, within its
 * cap - demoted to node 2.  Nothing of a cgroup without the grant lands
 * on node 2.
 */
TEST_F_TIMEOUT(dr, memory_reclaim_takes_ordinary_path, 300)
{
	long file0, anon0, file1, anon1, freed, migrated0, bad;
	long long demoted;
	struct cg_worker w;
	char req[32];
	int ret;

	migrated0 = region_stat("migrated_in");
	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_file_and_anon, NULL));
	ASSERT_EQ(0, cgw_wait(&w, REPLY_MS));
	file0 = stat_of("file");
	anon0 = stat_of("anon");
	ASSERT_GE(file0, FILE_BYTES - 4 * MIB)
		TH_LOG("page cache not charged to the cgroup: file %ld", file0);
	ASSERT_GE(anon0, ANON_PAGES * pn_page_size());

	snprintf(req, sizeof(req), "%ldM", RECLAIM_BYTES / MIB);
	ret = cg_write(CG_TEST, "memory.reclaim", req);
	file1 = stat_of("file");
	anon1 = stat_of("anon");
	demoted = node2_current();
	freed = (file0 - file1) + (anon0 - anon1);
	TH_LOG("memory.reclaim %s: %s; file %ld -> %ld kB, anon %ld -> %ld kB, on node 2 %lld kB, swap used %ld kB",
	       req, ret ? strerror(-ret) : "ok", file0 / 1024, file1 / 1024,
	       anon0 / 1024, anon1 / 1024, demoted / 1024,
	       swap_used_kb());
	EXPECT_EQ(0, ret) TH_LOG("memory.reclaim failed: %s", strerror(-ret));
	/* Demoted pages stay charged (anon), so count them as taken. */
	EXPECT_GE(freed + demoted, RECLAIM_BYTES * 9 / 10);
	/* Page cache can go nowhere but away: it must have been reclaimed. */
	EXPECT_GE(file0 - file1, 8 * MIB)
		TH_LOG("page cache not reclaimed: %ld kB dropped", (file0 - file1) / 1024);
	if (!variant->demotion || !variant->grant) {
		EXPECT_EQ(0, demoted);
		EXPECT_EQ(migrated0, region_stat("migrated_in"))
			TH_LOG("pages landed on node 2");
		/* All of it left memory: swap or dropped page cache. */
		EXPECT_GE(freed, RECLAIM_BYTES * 9 / 10);
	}
	if (variant->cap)
		EXPECT_LE(demoted, CAP_BYTES);

	EXPECT_EQ(0, cgw_signal(&w));
	EXPECT_EQ(0, cgw_recv(&w, &bad, sizeof(bad), REPLY_MS));
	EXPECT_EQ(-1, bad) TH_LOG("anonymous data lost");
	EXPECT_EQ(0, cgw_recv(&w, &bad, sizeof(bad), REPLY_MS));
	EXPECT_EQ(0, bad) TH_LOG("file data lost");
	EXPECT_EQ(0, cg_worker_finish(&w));
}

TEST_HARNESS_MAIN
