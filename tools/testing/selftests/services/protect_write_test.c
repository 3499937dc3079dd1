// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_PROTECT_WRITE: mm maps the pages of such a private node
 * read-only, and every write to one reaches the owner's handle_fault.
 * The example owner promotes the folio to ordinary memory there
 * (node_private_promote_fault()), as compressed memory would, so after a
 * write the page is on node 0 with the written data; the cgroup charged
 * for it counts it as "promoted".  Without the flag the node's pages are
 * mapped like any other: the write lands on node 2 and the owner never
 * hears of it.
 *
 * Pages reach node 2 by move_pages() from the test process (the root
 * cgroup, which may use every private node) or from a worker in a cgroup
 * granted node 2.  Each way a mapping could turn writable without a
 * write fault gets its test: the end of the migration itself, mprotect(),
 * a FOLL_FORCE write through /proc/self/mem into a read-only VMA, and a
 * PMD-mapped THP.  Two tasks writing the same pages at once must each
 * see their write land once, on the promoted copy.
 */
#include <fcntl.h>
#include <numaif.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-protect-write-test"
#define PAGES 64
#define THP_PAGES 512
#define ROUNDS 16
#define SEED 5
#define REPLY_MS 60000

FIXTURE(pw) {
	int unused;
};

FIXTURE_VARIANT(pw) {
	bool protect;		/* the owner sets NP_OPS_PROTECT_WRITE */
};

FIXTURE_VARIANT_ADD(pw, protected)
{
	.protect = true,
};

FIXTURE_VARIANT_ADD(pw, not_protected)
{
	.protect = false,
};

FIXTURE_SETUP(pw)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | (variant->protect ? NP_OPS_PROTECT_WRITE : 0));
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	region_grant_cg(_metadata, CG_TEST);
}

FIXTURE_TEARDOWN(pw)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
	EXPECT_FALSE(node_is_private(NID));
}

/* @n pages at @p filled with SEED and moved to node 2; 0 or -1. */
static int fill_and_move(char *p, size_t n)
{
	int *status = calloc(n, sizeof(int));
	size_t i;
	int ret = -1;

	pn_fill(p, n, SEED);
	if (status && pn_move_all(p, n, NID, status) == 0) {
		ret = 0;
		for (i = 0; i < n; i++)
			if (status[i] != NID)
				ret = -1;
	}
	free(status);
	return ret;
}

/* Write byte @v at offset @off of each of @n pages at @p. */
static void poke(char *p, size_t n, size_t off, char v)
{
	size_t i;

	for (i = 0; i < n; i++)
		((volatile char *)p)[i * pn_page_size() + off] = v;
}

/*
 * Index of the first of @n pages whose content is not pn_fill()'s with
 * byte @off1 (and @off2, if not -1) replaced by @v; -1 if none.
 */
static long check_poked(const char *p, size_t n, long off1, long off2, char v)
{
	size_t i;
	long j;
	char want;

	for (i = 0; i < n; i++)
		for (j = 0; j < pn_page_size(); j++) {
			want = (j == off1 || j == off2) ? v : pn_pattern(i, SEED);
			if (p[i * pn_page_size() + j] != want)
				return i;
		}
	return -1;
}

/* Node of a written page: promoted to node 0 with the flag, else still 2. */
#define AFTER_WRITE (variant->protect ? 0 : NID)

/*
 * Pages arrive on the node read-only: reading them costs nothing, the
 * first write of each page goes to the owner exactly once, and promotes
 * it with its data.
 */
TEST_F(pw, migrated_pages_arrive_read_only)
{
	char *p = pn_anon(PAGES);
	volatile char sum = 0;
	size_t i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pn_thp(p, PAGES, false));
	ASSERT_EQ(0, fill_and_move(p, PAGES));
	for (i = 0; i < PAGES; i++)
		sum += p[i * pn_page_size()];
	EXPECT_EQ(0, region_stat("write_faults")) TH_LOG("reads faulted");
	EXPECT_EQ(PAGES, pn_count_on(p, PAGES, NID));

	poke(p, PAGES, 0, 'w');
	EXPECT_EQ(-1, check_poked(p, PAGES, 0, -1, 'w'));
	if (variant->protect) {
		EXPECT_EQ(PAGES, region_stat("write_faults"));
		EXPECT_EQ(PAGES, region_stat("migrated_out"));
	} else {
		EXPECT_EQ(0, region_stat("write_faults"));
		EXPECT_EQ(0, region_stat("migrated_out"));
	}
	EXPECT_EQ(PAGES, pn_count_on(p, PAGES, AFTER_WRITE));
	/* Promoted pages are ordinary: writing again faults no more. */
	poke(p, PAGES, 1, 'w');
	EXPECT_EQ(variant->protect ? PAGES : 0, region_stat("write_faults"));
	EXPECT_EQ(-1, check_poked(p, PAGES, 0, 1, 'w'));
	munmap(p, PAGES * pn_page_size());
}

/* mprotect() taking write away and giving it back does not unprotect. */
TEST_F(pw, mprotect_does_not_make_writable)
{
	size_t len = PAGES * pn_page_size();
	char *p = pn_anon(PAGES);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pn_thp(p, PAGES, false));
	ASSERT_EQ(0, fill_and_move(p, PAGES));
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));
	ASSERT_EQ(0, mprotect(p, len, PROT_READ | PROT_WRITE));

	poke(p, PAGES, 7, 'm');
	EXPECT_EQ(variant->protect ? PAGES : 0, region_stat("write_faults"));
	EXPECT_EQ(PAGES, pn_count_on(p, PAGES, AFTER_WRITE));
	EXPECT_EQ(-1, check_poked(p, PAGES, 7, -1, 'm'));
	munmap(p, len);
}

/*
 * A FOLL_FORCE write (ptrace, /proc/PID/mem) into a read-only private
 * VMA may skip the fault for an exclusive, dirty anonymous page; on a
 * write-protected node it must not.
 */
TEST_F(pw, forced_write_into_read_only_vma)
{
	size_t len = PAGES * pn_page_size();
	char *p = pn_anon(PAGES), v = 'f';
	size_t i;
	int fd;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pn_thp(p, PAGES, false));
	ASSERT_EQ(0, fill_and_move(p, PAGES));
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));
	fd = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < PAGES; i++)
		ASSERT_EQ(1, pwrite(fd, &v, 1, (off_t)(unsigned long)(p + i * pn_page_size() + 3)));
	close(fd);

	EXPECT_EQ(-1, check_poked(p, PAGES, 3, -1, 'f'));
	EXPECT_EQ(variant->protect ? PAGES : 0, region_stat("write_faults"));
	EXPECT_EQ(PAGES, pn_count_on(p, PAGES, AFTER_WRITE));
	munmap(p, len);
}

/*
 * A PMD-mapped THP on the node: one write faults once (do_huge_pmd_wp_page)
 * and promotes the whole folio.
 */
TEST_F(pw, thp_promoted_whole)
{
	size_t len = THP_PAGES * pn_page_size();
	char *raw = pn_anon(2 * THP_PAGES), *p;
	int status = -1;
	long thp_kb;

	ASSERT_NE(NULL, raw);
	p = (char *)(((unsigned long)raw + len - 1) & ~(len - 1));
	ASSERT_EQ(0, pn_thp(p, THP_PAGES, true));
	pn_fill(p, THP_PAGES, SEED);
	/* Moving the head page moves the folio (the tails would be -EBUSY). */
	ASSERT_EQ(0, pn_move_all(p, 1, NID, &status));
	ASSERT_EQ(THP_PAGES, pn_count_on(p, THP_PAGES, NID));
	thp_kb = node_meminfo_kb(NID, "AnonHugePages");
	ASSERT_GE(thp_kb, 2048) TH_LOG("no THP on node 2: %ld kB", thp_kb);

	p[100] = 't';
	EXPECT_EQ(variant->protect ? 1 : 0, region_stat("write_faults"));
	EXPECT_EQ(THP_PAGES, pn_count_on(p, THP_PAGES, AFTER_WRITE));
	if (variant->protect) {
		EXPECT_EQ(THP_PAGES, region_stat("migrated_out"));
		EXPECT_EQ(0, node_meminfo_kb(NID, "AnonHugePages"));
		EXPECT_GE(node_meminfo_kb(0, "AnonHugePages"), 2048);
	}
	EXPECT_EQ('t', p[100]);
	p[100] = pn_pattern(0, SEED);
	EXPECT_EQ(-1, pn_check(p, THP_PAGES, SEED));
	munmap(raw, 2 * len);
}

struct writer {
	char *p;
	size_t off;
	pthread_barrier_t *go;
};

static void *write_pages(void *arg)
{
	struct writer *w = arg;

	pthread_barrier_wait(w->go);
	poke(w->p, PAGES, w->off, 'c');
	return NULL;
}

/*
 * Two threads write the same pages at once, round after round, each at
 * its own offset: one of them promotes each page, the other waits for
 * the migration or retries; both writes land on the promoted copy.
 */
TEST_F(pw, two_threads_write_same_pages)
{
	pthread_barrier_t go;
	pthread_t t[2];
	struct writer w[2];
	char *p = pn_anon(PAGES);
	long bad = -1;
	int r, i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pn_thp(p, PAGES, false));
	for (r = 0; r < ROUNDS && bad < 0; r++) {
		ASSERT_EQ(0, fill_and_move(p, PAGES));
		ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
		for (i = 0; i < 2; i++) {
			w[i] = (struct writer){ .p = p, .off = 11 + i, .go = &go };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, write_pages, &w[i]));
		}
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		bad = check_poked(p, PAGES, 11, 12, 'c');
		EXPECT_EQ(PAGES, pn_count_on(p, PAGES, AFTER_WRITE))
			TH_LOG("round %d", r);
	}
	EXPECT_EQ(-1, bad) TH_LOG("round %d", r - 1);
	if (variant->protect) {
		/* Each page left the node once per round, whoever moved it. */
		EXPECT_EQ(ROUNDS * PAGES, region_stat("migrated_out"));
		EXPECT_GE(region_stat("write_faults"), ROUNDS * PAGES);
	} else {
		EXPECT_EQ(0, region_stat("write_faults"));
	}
	munmap(p, PAGES * pn_page_size());
}

/*
 * After fork() parent and child share the node's pages copy-on-write;
 * both write them at once.  The first write promotes the shared folio
 * (both mappings move), then each task breaks COW on ordinary memory:
 * each sees only its own write.
 */
TEST_F(pw, parent_and_child_write_shared_pages)
{
	char *p = pn_anon(PAGES);
	int go[2], status;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pn_thp(p, PAGES, false));
	ASSERT_EQ(0, fill_and_move(p, PAGES));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		poke(p, PAGES, 21, 'k');
		_exit(check_poked(p, PAGES, 21, -1, 'k') == -1 ? 0 : 1);
	}
	close(go[0]);
	c = 1;
	ASSERT_EQ(1, write(go[1], &c, 1));
	poke(p, PAGES, 20, 'p');
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child saw wrong data: status %#x", status);
	EXPECT_EQ(-1, check_poked(p, PAGES, 20, -1, 'p'));
	if (variant->protect) {
		EXPECT_EQ(PAGES, region_stat("migrated_out"));
		EXPECT_GE(region_stat("write_faults"), PAGES);
		EXPECT_EQ(0, pn_count_on(p, PAGES, NID));
	} else {
		EXPECT_EQ(0, region_stat("write_faults"));
	}
	munmap(p, PAGES * pn_page_size());
}

/*
 * Worker in CG_TEST: PAGES pages moved to node 2, then (after a signal)
 * written; replies the number of pages on node 2 after each step.
 */
static int wk_move_then_write(struct cg_worker *w, void *arg)
{
	char *p = pn_anon(PAGES);
	long n;

	WORKER_CHECK(p && !pn_thp(p, PAGES, false), "mmap");
	WORKER_CHECK(!fill_and_move(p, PAGES), "move_pages: %s", strerror(errno));
	n = pn_count_on(p, PAGES, NID);
	WORKER_CHECK(!cgw_send(w, &n, sizeof(n)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	poke(p, PAGES, 0, 'g');
	WORKER_CHECK(check_poked(p, PAGES, 0, -1, 'g') == -1, "data lost");
	n = pn_count_on(p, PAGES, NID);
	WORKER_CHECK(!cgw_send(w, &n, sizeof(n)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	return 0;
}

/*
 * The cgroup charged for the pages counts their promotion, and its usage
 * of the node drops with it; a node without the flag shows no such key.
 */
TEST_F(pw, promotion_counted_in_cgroup)
{
	long long cur, promoted;
	struct cg_worker w;
	long n;

	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_move_then_write, NULL));
	ASSERT_EQ(0, cgw_recv(&w, &n, sizeof(n), REPLY_MS));
	ASSERT_EQ(PAGES, n);
	EXPECT_EQ(PAGES * pn_page_size(), cg_node_key(CG_TEST, PN_STAT, NID, "current"));
	EXPECT_EQ(variant->protect ? 0 : -1,
		  cg_node_key(CG_TEST, PN_STAT, NID, "promoted"));

	ASSERT_EQ(0, cgw_signal(&w));
	ASSERT_EQ(0, cgw_recv(&w, &n, sizeof(n), REPLY_MS));
	cur = cg_node_key(CG_TEST, PN_STAT, NID, "current");
	promoted = cg_node_key(CG_TEST, PN_STAT, NID, "promoted");
	if (variant->protect) {
		EXPECT_EQ(0, n);
		EXPECT_EQ(PAGES, promoted);
		EXPECT_EQ(0, cur);
	} else {
		EXPECT_EQ(PAGES, n);
		EXPECT_EQ(-1, promoted);
		EXPECT_EQ(PAGES * pn_page_size(), cur);
	}
	EXPECT_EQ(0, cgw_signal(&w));
	EXPECT_EQ(0, cg_worker_finish(&w));
}

/* A node whose pages a policy could place cannot also protect them. */
TEST(protect_write_excludes_mempolicy)
{
	char params[64];

	if (unload_module(REGION_DRIVER) == 0)
		TH_LOG("unloaded a driver left behind by an earlier test");
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY | NP_OPS_PROTECT_WRITE);
	EXPECT_EQ(-EINVAL, region_load(params));
	EXPECT_FALSE(node_is_private(NID));
	if (node_is_private(NID))
		unload_module(REGION_DRIVER);
}

TEST_HARNESS_MAIN
