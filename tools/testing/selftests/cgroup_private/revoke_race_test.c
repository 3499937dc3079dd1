// SPDX-License-Identifier: GPL-2.0
/*
 * Revoking a grant while the cgroup's tasks fault on the node (issue 13,
 * item 11).  cgroup-interface.rst: once the write() that revokes a node
 * returns, the cgroup has no page left on it (if the owner allows
 * migration).  A fault that passed the grant check before the revocation
 * can still allocate and map its page after the evacuation walked past
 * it: the page stays on the node, charged, after write() returned.
 *
 * A worker process in the cgroup runs THREADS threads, each faulting its
 * slice of a region bound to {2} over and over (write every page,
 * MADV_DONTNEED, again).  Each round the test revokes the grant (writes
 * "" to memory.private_nodes) and, right after write() returns, stops the
 * worker (SIGSTOP; waitpid(WUNTRACED) returns once every thread stopped,
 * so no fault is in progress), asks move_pages() where every page of the
 * region is, re-grants the node and reads the node's "current" (nothing
 * can charge while the worker is stopped), then lets the worker go on.
 * A page on node 2 or a non-zero current is a violation.
 */
#include <numaif.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define CG_R CG_ROOT "/privnode-revoke-race-test"
#define THREADS 8
#define SLICE 64			/* pages per thread */
#define NPAGES (THREADS * SLICE)
#define ROUNDS 200
#define BUDGET_MS 150000		/* stop earlier than ROUNDS if this runs out */

FIXTURE(rr) {
	bool driver;
};

FIXTURE_SETUP(rr)
{
	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_R));
	region_reload(_metadata, "ops_flags=3");
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(CG_R));
	ASSERT_EQ(0, cg_write(CG_R, PN_NODES, "2"));
}

FIXTURE_TEARDOWN(rr)
{
	EXPECT_EQ(0, cg_destroy(CG_R));
	if (self->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

static long long st(const char *cg, const char *key)
{
	return cg_node_key(cg, PN_STAT, NID, key);
}

static volatile int stop_threads;
static volatile long faults[THREADS];

struct slice {
	char *p;
	int i;
};

static void *fault_loop(void *arg)
{
	struct slice *s = arg;
	long ps = pn_page_size(), j;

	while (!stop_threads) {
		for (j = 0; j < SLICE; j++)
			s->p[j * ps] = (char)(j + 1);
		faults[s->i] += SLICE;
		madvise(s->p, SLICE * ps, MADV_DONTNEED);
	}
	return NULL;
}

/*
 * The worker: the region bound to {2} (MADV_NOHUGEPAGE), its address to
 * the test, THREADS faulting threads until the test says stop; then the
 * number of pages faulted to the test.
 */
static int wk_race(struct cg_worker *w, void *arg)
{
	unsigned long mask = pn_node_bit(NID);
	long ps = pn_page_size(), total = 0;
	struct slice s[THREADS];
	pthread_t t[THREADS];
	char *p = pn_anon(NPAGES);
	int i;

	alarm(BUDGET_MS / 1000 + 60);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(pn_thp(p, NPAGES, false) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(p, NPAGES * ps, MPOL_BIND, &mask, PN_MAXNODE, 0) == 0,
		     "mbind: %s", strerror(errno));
	for (i = 0; i < THREADS; i++) {
		s[i].p = p + (long)i * SLICE * ps;
		s[i].i = i;
		WORKER_CHECK(pthread_create(&t[i], NULL, fault_loop, &s[i]) == 0, "pthread");
	}
	WORKER_CHECK(cgw_send(w, &p, sizeof(p)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	stop_threads = 1;
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += faults[i];
	}
	WORKER_CHECK(cgw_send(w, &total, sizeof(total)) == 0, "lost the test");
	return 0;
}

/* Stop @pid and wait until every thread of it stopped; 0 or -1. */
static int stop_worker(pid_t pid)
{
	int ws;

	if (kill(pid, SIGSTOP))
		return -1;
	if (waitpid(pid, &ws, WUNTRACED) != pid || !WIFSTOPPED(ws))
		return -1;
	return 0;
}

/*
 * Item 11: THREADS threads fault memory bound to {2} while the test
 * revokes and re-grants the node ROUNDS times.  After every revoking
 * write() returned: no page of the region on node 2 and node 2's current
 * 0.
 */
TEST_F_TIMEOUT(rr, revoke_during_faults_leaves_nothing, 300)
{
	int *status = calloc(NPAGES, sizeof(int));
	long rounds = 0, bad_rounds = 0, pages_left = 0, charged_rounds = 0;
	long max_left = 0, on_nid_before = 0, total = -1;
	long t0 = cg_now_ms();
	long long cur, max_cur = 0;
	struct cg_worker w;
	char *p = NULL;
	int i, ret;

	ASSERT_NE(NULL, status);
	ASSERT_EQ(0, cg_worker_start(&w, CG_R, wk_race, NULL));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), 30000)) {
		kill(w.pid, SIGKILL);
		cg_worker_finish(&w);
	}

	for (rounds = 0; rounds < ROUNDS && cg_now_ms() - t0 < BUDGET_MS; rounds++) {
		long left = 0;

		/* Let the threads fault on node 2 for a moment. */
		cg_sleep_ms(5 + rounds % 20);
		ret = cg_write(CG_R, PN_NODES, "");
		if (ret) {
			TH_LOG("round %ld: revoking: %s", rounds, strerror(-ret));
			break;
		}
		/* write() returned: from now on nothing may be on node 2. */
		if (stop_worker(w.pid)) {
			TH_LOG("round %ld: cannot stop the worker", rounds);
			break;
		}
		if (pn_where_pid(w.pid, p, NPAGES, status)) {
			TH_LOG("round %ld: move_pages(%d): %s", rounds, (int)w.pid,
			       strerror(errno));
			kill(w.pid, SIGCONT);
			break;
		}
		for (i = 0; i < NPAGES; i++)
			left += status[i] == NID;
		/* Requested again: the stat line is back, counters kept. */
		ret = cg_write(CG_R, PN_NODES, "2");
		cur = st(CG_R, "current");
		if (kill(w.pid, SIGCONT) || ret) {
			TH_LOG("round %ld: re-grant %d, SIGCONT", rounds, ret);
			break;
		}
		if (left) {
			bad_rounds++;
			pages_left += left;
			if (left > max_left)
				max_left = left;
			if (bad_rounds <= 5)
				TH_LOG("round %ld: %ld pages on node %d after the revoke, "
				       "current %lld", rounds, left, NID, cur);
		}
		if (cur != 0) {
			charged_rounds++;
			if (cur > max_cur)
				max_cur = cur;
			if (!left && charged_rounds <= 5)
				TH_LOG("round %ld: current %lld with no page on node %d",
				       rounds, cur, NID);
		}
	}

	/* Did the threads reach node 2 at all?  Look once more, granted. */
	cg_sleep_ms(50);
	if (!stop_worker(w.pid)) {
		if (!pn_where_pid(w.pid, p, NPAGES, status))
			for (i = 0; i < NPAGES; i++)
				on_nid_before += status[i] == NID;
		kill(w.pid, SIGCONT);
	}
	if (cgw_signal(&w) || cgw_recv(&w, &total, sizeof(total), 30000))
		kill(w.pid, SIGKILL);
	ret = cg_worker_finish(&w);

	TH_LOG("%ld rounds in %ld ms, %ld pages faulted; %ld rounds with pages left on node %d "
	       "(%ld pages, at most %ld), %ld rounds with current != 0 (at most %lld); "
	       "granted, %ld pages on node %d at the end",
	       rounds, cg_now_ms() - t0, total, bad_rounds, NID, pages_left, max_left,
	       charged_rounds, max_cur, on_nid_before, NID);
	EXPECT_EQ(0, ret) TH_LOG("worker status %d", ret);
	EXPECT_LE(50, rounds) TH_LOG("too few rounds to mean anything");
	EXPECT_LT(0, on_nid_before) TH_LOG("the threads never reached node %d", NID);
	EXPECT_EQ(0, bad_rounds) TH_LOG("pages stayed on node %d after the revoking write()",
					NID);
	EXPECT_EQ(0, charged_rounds) TH_LOG("node %d charge left after the revoking write()",
					    NID);
	free(status);
}

TEST_HARNESS_MAIN
