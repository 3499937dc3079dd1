// SPDX-License-Identifier: GPL-2.0
/*
 * Who the OOM killer may take when a private node (node 2, the example
 * driver with NP_OPS_MIGRATION | NP_OPS_MEMPOLICY) cannot serve an
 * allocation (issue 13, items 4 and 5).
 *
 * Item 4: at a cgroup's memory.private_nodes.max with fallback "none",
 * private_charge_oom() calls the memcg OOM killer whatever the gfp mask
 * and order.  try_charge_memcg() never does that for a costly order (a
 * THP fault, which falls back to a small page) nor for __GFP_RETRY_MAYFAIL
 * (migration targets: mbind(MPOL_MF_MOVE) fails instead, as move_pages()
 * does at the cap).
 *
 * Item 5: when the node itself is full, the last attempt of
 * alloc_pages_private_mpol() reaches the page allocator's OOM path with
 * CONSTRAINT_MEMORY_POLICY, and the biggest task anywhere dies, which
 * frees nothing on node 2.  Only tasks holding memory on the node may be
 * killed, or the fault must fail (SIGBUS).
 *
 * Every step that may kill is framed by the oom-expected markers.  The test
 * process makes itself unkillable (oom_score_adj -1000) while a global OOM
 * may happen; its workers set theirs back to 0.
 */
#include <numaif.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define NR_NODES 4
#define CG_A CG_ROOT "/privnode-oomscope-a"
#define CG_B CG_ROOT "/privnode-oomscope-b"
#define MiB (1024L * 1024)
#define PAGES(bytes) ((long)((bytes) / pn_page_size()))
#define PMD_SIZE_ (2 * MiB)
#define READY_MS 60000
#define REPLY_MS 60000
#define SIGKILLED (128 + SIGKILL)
#define SIGBUSSED (128 + SIGBUS)
#define ALLOC_ORDER_PARAM "/sys/module/" REGION_DRIVER "/parameters/alloc_order"

FIXTURE(os) {
	bool driver;
	char adj[16];		/* the test's oom_score_adj before the test */
};

FIXTURE_SETUP(os)
{
	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_A));
	ASSERT_EQ(0, cg_destroy(CG_B));
	region_reload(_metadata, "ops_flags=3");
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(CG_A));
	ASSERT_EQ(0, cg_create(CG_B));
	ASSERT_EQ(0, cg_write(CG_A, PN_NODES, "2"));
	ASSERT_EQ(0, read_file("/proc/self/oom_score_adj", self->adj, sizeof(self->adj)));
	/* Never the test itself: it must live to clean up. */
	ASSERT_EQ(0, write_file("/proc/self/oom_score_adj", "-1000"));
}

FIXTURE_TEARDOWN(os)
{
	EXPECT_EQ(0, cg_destroy(CG_A));
	EXPECT_EQ(0, cg_destroy(CG_B));
	if (self->driver) {
		/* Give the driver's folios back before it goes. */
		region_write("free", 1L << 30);
		write_file(ALLOC_ORDER_PARAM, "0");
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
	}
	write_file("/proc/self/oom_score_adj", self->adj);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static long long st(const char *cg, const char *key)
{
	return cg_node_key(cg, PN_STAT, NID, key);
}

static int set_max(const char *cg, const char *val)
{
	char s[64];

	snprintf(s, sizeof(s), "%d max=%s", NID, val);
	return cg_write(cg, PN_MAX, s);
}

/* "oom_kill" of memory.events (hierarchical); -1 if unreadable. */
static long oom_kills(const char *cg)
{
	return cg_key(cg, "memory.events", "oom_kill");
}

/* Node 2's current once freed pages have settled (see limit_test.c). */
static long long settled_current(const char *cg, long long want)
{
	long long v = st(cg, "current");
	int i;

	for (i = 0; i < 40 && v != want; i++) {
		pn_drain_lru();
		cg_sleep_ms(50);
		v = st(cg, "current");
	}
	return v;
}

/* AnonHugePages of the calling process in kB; -1 if unreadable. */
static long anon_huge_kb(void)
{
	char buf[4096], *p;
	long kb;

	if (read_file("/proc/self/smaps_rollup", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "AnonHugePages:");
	if (!p || sscanf(p + 14, " %ld", &kb) != 1)
		return -1;
	return kb;
}

/* A worker may be OOM-killed: it must not inherit the test's -1000. */
static int wk_killable(void)
{
	return write_file("/proc/self/oom_score_adj", "0");
}

/*
 * Wait up to @ms for one reply of @len bytes from @w.  1 if it came, 0 if
 * the worker's pipe reached EOF (it died), -1 on timeout.
 */
static int wait_reply(struct cg_worker *w, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = w->rd, .events = POLLIN };
	long deadline = cg_now_ms() + ms;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		long left = deadline - cg_now_ms();

		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(w->rd, (char *)buf + got, len - got);
		if (n <= 0)
			return 0;
		got += n;
	}
	return 1;
}

/* Whether @pid (a child not yet reaped) is still alive; its status in *@st. */
static bool alive(pid_t pid, int *status)
{
	int ws;
	pid_t r = waitpid(pid, &ws, WNOHANG);

	if (r == 0)
		return true;
	if (r == pid)
		*status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
	else
		*status = -1;
	return false;
}

/* Kill a worker (if still there) and reap it; its status. */
static int finish_killed(struct cg_worker *w)
{
	kill(w->pid, SIGKILL);
	return cg_worker_finish(w);
}

/* ------------------------------------------------------------------ */
/* Item 4 (a): a THP fault at the cap                                  */
/* ------------------------------------------------------------------ */

struct thp_reply {
	int node;		/* of the byte touched, or -errno */
	long thp_kb;		/* AnonHugePages afterwards */
};

/*
 * 2M-aligned MADV_HUGEPAGE region bound to {2}; on the test's signal touch
 * one byte, then report where the page is and whether it is huge.
 */
static int wk_thp_touch(struct cg_worker *w, void *arg)
{
	unsigned long mask = pn_node_bit(NID);
	struct thp_reply r = { 0 };
	char *map, *p;
	int status = -1;

	WORKER_CHECK(wk_killable() == 0, "oom_score_adj");
	map = mmap(NULL, 2 * PMD_SIZE_, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	WORKER_CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	p = (char *)(((unsigned long)map + PMD_SIZE_ - 1) & ~(PMD_SIZE_ - 1));
	WORKER_CHECK(madvise(p, PMD_SIZE_, MADV_HUGEPAGE) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(p, PMD_SIZE_, MPOL_BIND, &mask, PN_MAXNODE, 0) == 0,
		     "mbind: %s", strerror(errno));
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");
	p[100] = 1;
	WORKER_CHECK(pn_where(p, 1, &status) == 0, "move_pages: %s", strerror(errno));
	r.node = status;
	r.thp_kb = anon_huge_kb();
	WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	return p[100] == 1 ? 0 : 1;
}

/*
 * Item 4, first trigger: memory.private_nodes.max 1M, fallback none, a
 * MADV_HUGEPAGE region bound to {2}, one byte touched.  The 2M charge
 * cannot fit; as at memory.max (costly order: no OOM) the THP fault must
 * fall back to a small page, which fits: the task lives, its page is on
 * node 2, one page is charged, and nobody is OOM-killed.
 */
TEST_F_TIMEOUT(os, thp_fault_at_cap_falls_back_to_small_page, 120)
{
	struct cg_worker w;
	struct thp_reply r;
	char buf[256];
	int got, status;

	if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)))
		SKIP(return, "no transparent huge pages in this kernel");
	if (strstr(buf, "[never]"))
		SKIP(return, "transparent huge pages disabled: %s", buf);

	ASSERT_EQ(0, set_max(CG_A, "1M"));
	ASSERT_EQ(0, cg_write(CG_A, PN_FALLBACK, "none"));
	ASSERT_EQ(0, cg_worker_start(&w, CG_A, wk_thp_touch, NULL));
	ASSERT_EQ(0, cgw_wait(&w, READY_MS)) {
		finish_killed(&w);
	}

	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " oom_scope_test: THP fault at a 1M cap"));
	ASSERT_EQ(0, cgw_signal(&w));
	got = wait_reply(&w, &r, sizeof(r), REPLY_MS);
	if (got == 1)
		cgw_signal(&w);
	status = got == -1 ? finish_killed(&w) : cg_worker_finish(&w);
	EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " oom_scope_test"));

	EXPECT_EQ(1, got) TH_LOG("the task died in its THP fault (status %d)", status);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, oom_kills(CG_A)) TH_LOG("an OOM kill for a THP charge beyond the cap");
	if (got == 1) {
		EXPECT_EQ(NID, r.node) TH_LOG("the small page is not on node %d", NID);
		EXPECT_EQ(0, r.thp_kb) TH_LOG("a THP beyond a 1M cap");
	}
	EXPECT_EQ(0, settled_current(CG_A, 0));
}

/* ------------------------------------------------------------------ */
/* Item 4 (b): mbind(MPOL_MF_MOVE) beyond the cap                      */
/* ------------------------------------------------------------------ */

struct move_arg {
	int flags;		/* of the moving mbind() */
	long pages;
};

struct move_reply {
	long ret;		/* the moving mbind()'s result */
	int err;		/* its errno */
	long node[NR_NODES], other;
	int data_ok;
};

/*
 * @pages pages faulted on node 0 (bound there), then mbind(MPOL_BIND, {2},
 * @flags) on the test's signal; report the result and where the pages are.
 */
static int wk_mbind_move(struct cg_worker *w, void *arg)
{
	const struct move_arg *a = arg;
	unsigned long node0 = pn_node_bit(0), node2 = pn_node_bit(NID);
	long len = a->pages * pn_page_size();
	struct move_reply r = { 0 };
	char *p = pn_anon(a->pages);

	WORKER_CHECK(wk_killable() == 0, "oom_score_adj");
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(pn_thp(p, a->pages, false) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(p, len, MPOL_BIND, &node0, PN_MAXNODE, 0) == 0,
		     "mbind({0}): %s", strerror(errno));
	pn_fill(p, a->pages, 7);
	WORKER_CHECK(pn_count_on(p, a->pages, 0) == (size_t)a->pages, "not all on node 0");
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");
	errno = 0;
	r.ret = mbind(p, len, MPOL_BIND, &node2, PN_MAXNODE, a->flags);
	r.err = r.ret ? errno : 0;
	WORKER_CHECK(pn_census_pid(0, p, a->pages, r.node, NR_NODES, &r.other) == 0,
		     "move_pages: %s", strerror(errno));
	r.data_ok = pn_check(p, a->pages, 7) == -1;
	WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	return 0;
}

/*
 * Item 4, second trigger: 8M of a task on node 0, memory.private_nodes.max
 * 4M, fallback none, mbind(MPOL_BIND, {2}, @flags) over all of it.  The
 * migration targets are __GFP_RETRY_MAYFAIL: like move_pages() at the cap
 * (limit_test.c: move_pages_uncharges_and_respects_cap), the pages that
 * fit move and the others stay on node 0.  mbind(2) reports pages it
 * could not move only with MPOL_MF_STRICT (EIO, or ENOMEM); without it
 * the call succeeds, as on any full node.  Nobody is OOM-killed, current
 * is what moved and never above the cap.
 */
static void mbind_move_beyond_cap(struct __test_metadata *_metadata, int flags)
{
	struct move_arg a = { .flags = flags, .pages = PAGES(8 * MiB) };
	const long cap = PAGES(4 * MiB);
	struct move_reply r;
	struct cg_worker w;
	int got, status;

	ASSERT_EQ(0, set_max(CG_A, "4M"));
	ASSERT_EQ(0, cg_write(CG_A, PN_FALLBACK, "none"));
	ASSERT_EQ(0, cg_worker_start(&w, CG_A, wk_mbind_move, &a));
	ASSERT_EQ(0, cgw_wait(&w, READY_MS)) {
		finish_killed(&w);
	}

	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " oom_scope_test: mbind move beyond a 4M cap"));
	ASSERT_EQ(0, cgw_signal(&w));
	got = wait_reply(&w, &r, sizeof(r), REPLY_MS);
	if (got == 1) {
		/* Look while the task still holds its pages. */
		EXPECT_EQ(r.node[NID] * pn_page_size(), st(CG_A, "current"));
		cgw_signal(&w);
	}
	status = got == -1 ? finish_killed(&w) : cg_worker_finish(&w);
	EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " oom_scope_test"));

	EXPECT_EQ(1, got) TH_LOG("the task died in mbind() (status %d)", status);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, oom_kills(CG_A)) TH_LOG("an OOM kill for a migration beyond the cap");
	if (got == 1) {
		TH_LOG("mbind() = %ld (%s); %ld pages on node %d, %ld on node 0, %ld elsewhere",
		       r.ret, strerror(r.err), r.node[NID], NID, r.node[0],
		       r.node[1] + r.node[3] + r.other);
		if (flags & MPOL_MF_STRICT) {
			EXPECT_EQ(-1, r.ret) TH_LOG("mbind() moved beyond the cap and succeeded");
			EXPECT_TRUE(r.err == EIO || r.err == ENOMEM) TH_LOG("errno %d", r.err);
		} else {
			EXPECT_EQ(0, r.ret) TH_LOG("errno %d", r.err);
		}
		EXPECT_LT(0, r.node[0]) TH_LOG("everything moved: the cap was not reached");
		EXPECT_GE(cap, r.node[NID]);
		EXPECT_EQ(a.pages, r.node[NID] + r.node[0]) TH_LOG("pages left node 0 for another");
		EXPECT_TRUE(r.data_ok) TH_LOG("data lost");
	}
	EXPECT_GE(4 * MiB, st(CG_A, "peak"));
	EXPECT_EQ(0, settled_current(CG_A, 0));
}

TEST_F_TIMEOUT(os, mbind_move_beyond_cap_fails, 120)
{
	mbind_move_beyond_cap(_metadata, MPOL_MF_MOVE);
}

TEST_F_TIMEOUT(os, mbind_move_strict_beyond_cap_fails, 120)
{
	mbind_move_beyond_cap(_metadata, MPOL_MF_MOVE | MPOL_MF_STRICT);
}

/* ------------------------------------------------------------------ */
/* Item 5: a full private node and a bystander                         */
/* ------------------------------------------------------------------ */

#define BYSTANDER_BYTES (300 * MiB)
#define A_DRAM_BYTES (48 * MiB)	/* bigger than any task but the bystander */
#define A_HELD 64		/* pages A holds on node 2 before the node fills */

/* 300M of ordinary memory, touched; then wait for the end. */
static int wk_bystander(struct cg_worker *w, void *arg)
{
	char *p;
	long i;

	WORKER_CHECK(wk_killable() == 0, "oom_score_adj");
	p = mmap(NULL, BYSTANDER_BYTES, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	WORKER_CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < BYSTANDER_BYTES; i += pn_page_size())
		p[i] = 1;
	WORKER_CHECK(cgw_signal(w) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	return 0;
}

struct full_reply {
	int node;		/* of the last page faulted, or -errno */
};

/*
 * The task that uses node 2: 48M of ordinary memory, A_HELD pages bound to
 * {2} faulted at once; on the test's signal one more page of the bound
 * region is faulted and its node reported.
 */
static int wk_full_user(struct cg_worker *w, void *arg)
{
	unsigned long mask = pn_node_bit(NID);
	struct full_reply r = { 0 };
	char *dram, *p;
	long i;

	WORKER_CHECK(wk_killable() == 0, "oom_score_adj");
	dram = mmap(NULL, A_DRAM_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	WORKER_CHECK(dram != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < A_DRAM_BYTES; i += pn_page_size())
		dram[i] = 1;
	p = pn_anon(A_HELD + 1);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(pn_thp(p, A_HELD + 1, false) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(p, (A_HELD + 1) * pn_page_size(), MPOL_BIND, &mask, PN_MAXNODE,
			   0) == 0, "mbind: %s", strerror(errno));
	pn_fill(p, A_HELD, 5);
	WORKER_CHECK(pn_count_on(p, A_HELD, NID) == A_HELD, "not on node %d", NID);
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");
	p[A_HELD * pn_page_size()] = 1;
	r.node = -1;
	WORKER_CHECK(pn_where(p + A_HELD * pn_page_size(), 1, &r.node) == 0, "move_pages");
	WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	return 0;
}

/*
 * Fill what is left of node 2 with the driver's own folios (huge ones
 * first, then single pages) until it refuses one: its held count.
 */
static long fill_node(void)
{
	long held;

	write_file(ALLOC_ORDER_PARAM, "9");
	while (region_write("alloc", 1000000) == 0)
		;
	write_file(ALLOC_ORDER_PARAM, "0");
	while (region_write("alloc", 1000000) == 0)
		;
	held = region_stat("held");
	return held;
}

/*
 * Item 5: cgroup A is granted node 2 with fallback none (or, @root, the
 * task is in the root cgroup, bound to {2}); it holds A_HELD pages there,
 * then the node's owner takes every free page; a 300M task of another
 * cgroup, B, uses only ordinary memory.  A faults one more page bound to
 * {2}.  Killing the bystander frees nothing on node 2: it must survive
 * (and B see no OOM kill).  A may be killed (it holds memory on node 2) or
 * get SIGBUS, or its fault may complete; it must not spin.
 */
static void full_node(struct __test_metadata *_metadata, bool root)
{
	struct cg_worker by, a;
	struct full_reply r = { .node = -1 };
	int got, by_status = -1, a_status;
	long held, b_kills0;
	bool by_alive;

	if (!root)
		ASSERT_EQ(0, cg_write(CG_A, PN_FALLBACK, "none"));
	b_kills0 = oom_kills(CG_B);
	ASSERT_EQ(0, b_kills0);

	ASSERT_EQ(0, cg_worker_start(&by, CG_B, wk_bystander, NULL));
	ASSERT_EQ(0, cgw_wait(&by, READY_MS)) {
		finish_killed(&by);
	}
	ASSERT_EQ(0, cg_worker_start(&a, root ? NULL : CG_A, wk_full_user, NULL)) {
		finish_killed(&by);
	}
	ASSERT_EQ(0, cgw_wait(&a, READY_MS)) {
		finish_killed(&a);
		finish_killed(&by);
	}
	if (!root)
		EXPECT_EQ(A_HELD * pn_page_size(), st(CG_A, "current"));

	held = fill_node();
	TH_LOG("the driver holds %ld folios; node %d MemFree %ld kB", held, NID,
	       node_meminfo_kb(NID, "MemFree"));
	EXPECT_LT(0, held);

	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " oom_scope_test: full node %d, %s", NID,
			  root ? "root cgroup" : "fallback none"));
	ASSERT_EQ(0, cgw_signal(&a));
	got = wait_reply(&a, &r, sizeof(r), REPLY_MS);
	by_alive = alive(by.pid, &by_status);
	if (got == 1)
		cgw_signal(&a);
	a_status = got == -1 ? finish_killed(&a) : cg_worker_finish(&a);
	/* Room again on node 2 before anything else runs. */
	region_write("free", 1L << 30);
	if (by_alive) {
		cgw_signal(&by);
		by_status = cg_worker_finish(&by);
	} else {
		close(by.rd);
		close(by.wr);
	}
	EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " oom_scope_test"));

	TH_LOG("A: %s, status %d, page on node %d; bystander %s, status %d",
	       got == 1 ? "fault done" : got ? "stuck" : "died", a_status, r.node,
	       by_alive ? "alive" : "dead", by_status);
	EXPECT_TRUE(by_alive) TH_LOG("the bystander, with no memory on node %d, was killed",
				     NID);
	EXPECT_EQ(0, by_status);
	EXPECT_EQ(0, oom_kills(CG_B)) TH_LOG("an OOM kill in the bystander's cgroup");
	EXPECT_NE(-1, got) TH_LOG("A's fault on the full node neither completed nor failed "
				  "in %d ms", REPLY_MS);
	if (got == 1) {
		EXPECT_EQ(0, a_status);
		EXPECT_EQ(NID, r.node) TH_LOG("fallback none or bind, yet not on node %d", NID);
	} else if (got == 0) {
		EXPECT_TRUE(a_status == SIGKILLED || a_status == SIGBUSSED)
			TH_LOG("A: status %d", a_status);
	}
	if (!root)
		EXPECT_EQ(0, settled_current(CG_A, 0));
}

TEST_F_TIMEOUT(os, full_node_fallback_none_spares_bystander, 240)
{
	full_node(_metadata, false);
}

TEST_F_TIMEOUT(os, full_node_root_bind_spares_bystander, 240)
{
	full_node(_metadata, true);
}

TEST_HARNESS_MAIN
