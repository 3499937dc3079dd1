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
 * "\n" to memory.private_nodes and checks that .effective is empty) and,
 * right after write() returns, stops the worker (SIGSTOP;
 * waitpid(WUNTRACED) returns once every thread stopped, so no fault is in
 * progress), asks move_pages() where every page of the region is,
 * re-grants the node and reads the node's "current" (nothing can charge
 * while the worker is stopped), then lets the worker go on.
 * A page on node 2 or a non-zero current is a violation.
 */
#include <numaif.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"
#include "privnode_swap.h"

#define NID REGION_NID
#define CG_R CG_ROOT "/privnode-revoke-race-test"
#define THREADS 8
#define SLICE 64			/* pages per thread */
#define NPAGES (THREADS * SLICE)
#define ROUNDS 200
#define BUDGET_MS 150000		/* stop earlier than ROUNDS if this runs out */
#define DRAM_PAGES 4096			/* memcg_pressure: 16M of ordinary memory ... */
#define PRESSURE_MAX "8M"		/* ... under an 8M memory.max */

FIXTURE(rr) {
	bool driver, swap;
};

/*
 * plain: nothing else going on; faults are short (the guest kernel is
 * PREEMPT_NONE), so the window is narrow.  memcg_pressure: the cgroup's
 * memory.max is below what the worker touches (swap on /dev/vda), so the
 * memcg charge of each fault - after the page was allocated on node 2,
 * before it is mapped - reclaims, and the window is wide.
 */
FIXTURE_VARIANT(rr) {
	bool pressure;
};

FIXTURE_VARIANT_ADD(rr, plain) { .pressure = false };
FIXTURE_VARIANT_ADD(rr, memcg_pressure) { .pressure = true };

static void race_setup(struct __test_metadata *_metadata, bool *driver)
{
	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_R));
	region_reload(_metadata, "ops_flags=3");
	*driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(CG_R));
	ASSERT_EQ(0, cg_write(CG_R, PN_NODES, "2"));
}

static void race_teardown(struct __test_metadata *_metadata, bool driver, bool swap)
{
	EXPECT_EQ(0, cg_destroy(CG_R));
	if (swap)
		EXPECT_EQ(0, swap_disable(SWAP_DEV));
	if (driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

FIXTURE_SETUP(rr)
{
	race_setup(_metadata, &self->driver);
	if (variant->pressure) {
		ASSERT_EQ(0, swap_enable(SWAP_DEV)) TH_LOG("no swap on %s", SWAP_DEV);
		self->swap = true;
		ASSERT_EQ(0, cg_write(CG_R, "memory.max", PRESSURE_MAX));
	}
}

FIXTURE_TEARDOWN(rr)
{
	race_teardown(_metadata, self->driver, self->swap);
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

/* memcg_pressure: keep writing 16M of ordinary memory. */
static void *dram_loop(void *arg)
{
	char *d = arg;
	long ps = pn_page_size(), j;

	while (!stop_threads)
		for (j = 0; j < DRAM_PAGES && !stop_threads; j++)
			d[j * ps]++;
	return NULL;
}

/*
 * The worker: the region bound to {2} (MADV_NOHUGEPAGE), its address to
 * the test, THREADS faulting threads (and, with @arg, a thread writing
 * DRAM_PAGES of ordinary memory) until the test says stop; then the
 * number of pages faulted to the test.
 */
static int wk_race(struct cg_worker *w, void *arg)
{
	unsigned long mask = pn_node_bit(NID);
	long ps = pn_page_size(), total = 0;
	struct slice s[THREADS];
	pthread_t t[THREADS], td;
	char *p = pn_anon(NPAGES), *d = NULL;
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
	if (arg) {
		d = pn_anon(DRAM_PAGES);
		WORKER_CHECK(d, "mmap: %s", strerror(errno));
		WORKER_CHECK(pthread_create(&td, NULL, dram_loop, d) == 0, "pthread");
	}
	WORKER_CHECK(cgw_send(w, &p, sizeof(p)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	stop_threads = 1;
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += faults[i];
	}
	if (d)
		pthread_join(td, NULL);
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
	long max_left = 0, on_nid_before = 0, total = -1, not_revoked = 0;
	char eff[64] = "";
	long t0 = cg_now_ms();
	long long cur, max_cur = 0;
	struct cg_worker w;
	char *p = NULL;
	int i, ret;

	ASSERT_NE(NULL, status);
	ASSERT_EQ(0, cg_worker_start(&w, CG_R, wk_race, variant->pressure ? (void *)1 : NULL));
	ASSERT_EQ(0, cgw_recv(&w, &p, sizeof(p), 30000)) {
		kill(w.pid, SIGKILL);
		cg_worker_finish(&w);
	}

	for (rounds = 0; rounds < ROUNDS && cg_now_ms() - t0 < BUDGET_MS; rounds++) {
		long left = 0;

		/* Let the threads fault on node 2 for a moment. */
		cg_sleep_ms(5 + rounds % 20);
		/*
		 * "\n", as echo writes it: a zero-length write() never
		 * reaches the handler (grant_test.c, write_empty_clears).
		 */
		ret = cg_write(CG_R, PN_NODES, "\n");
		if (ret) {
			TH_LOG("round %ld: revoking: %s", rounds, strerror(-ret));
			break;
		}
		if (cg_read(CG_R, PN_EFFECTIVE, eff, sizeof(eff)) < 0 || strcmp(eff, "\n")) {
			TH_LOG("round %ld: not revoked, effective \"%s\"", rounds, eff);
			not_revoked++;
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

	if (variant->pressure)
		TH_LOG("memory.events max %ld, swap used %ld kB",
		       cg_key(CG_R, "memory.events", "max"), swap_used_kb());
	TH_LOG("%ld rounds in %ld ms, %ld pages faulted; %ld rounds with pages left on node %d "
	       "(%ld pages, at most %ld), %ld rounds with current != 0 (at most %lld); "
	       "granted, %ld pages on node %d at the end",
	       rounds, cg_now_ms() - t0, total, bad_rounds, NID, pages_left, max_left,
	       charged_rounds, max_cur, on_nid_before, NID);
	EXPECT_EQ(0, ret) TH_LOG("worker status %d", ret);
	EXPECT_EQ(0, not_revoked) TH_LOG("the revoking write did not revoke");
	EXPECT_LE(50, rounds) TH_LOG("too few rounds to mean anything");
	EXPECT_LT(0, on_nid_before) TH_LOG("the threads never reached node %d", NID);
	EXPECT_EQ(0, bad_rounds) TH_LOG("pages stayed on node %d after the revoking write()",
					NID);
	EXPECT_EQ(0, charged_rounds) TH_LOG("node %d charge left after the revoking write()",
					    NID);
	free(status);
}

/* ------------------------------------------------------------------ */
/* A deterministic in-flight allocation: UFFDIO_COPY                    */
/* ------------------------------------------------------------------ */

FIXTURE(rru) {
	bool driver;
};

FIXTURE_SETUP(rru)
{
	race_setup(_metadata, &self->driver);
}

FIXTURE_TEARDOWN(rru)
{
	race_teardown(_metadata, self->driver, false);
}

struct uffd_copy {
	int uffd;
	char *dst, *src;
	long ret, copied;
	int err;
};

static void *uffd_copy_thread(void *arg)
{
	struct uffd_copy *c = arg;
	struct uffdio_copy cp = {
		.dst = (unsigned long)c->dst,
		.src = (unsigned long)c->src,
		.len = pn_page_size(),
	};

	c->ret = ioctl(c->uffd, UFFDIO_COPY, &cp);
	c->err = c->ret ? errno : 0;
	c->copied = cp.copy;
	return NULL;
}

struct uffd_reply {
	long ret, copied;
	int err;
	int node;		/* of the destination page afterwards */
	int data_ok;
};

/*
 * One page D bound to {2} and one page S, both registered (MISSING) with a
 * userfaultfd.  A thread runs UFFDIO_COPY from S to D: it allocates D's
 * page on node 2 (grant checked, charged), cannot read S without faulting,
 * drops mmap_lock and faults on S - which waits for this worker.  The
 * worker tells the test, which revokes the grant; then the worker fills S
 * and the thread maps the page it allocated before the revocation.
 */
static int wk_uffd(struct cg_worker *w, void *arg)
{
	unsigned long mask = pn_node_bit(NID);
	long ps = pn_page_size();
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffd_copy c = { 0 };
	struct uffd_reply r = { 0 };
	struct uffdio_copy fill;
	struct uffd_msg msg;
	struct pollfd pfd;
	char *area, *buf;
	pthread_t t;

	c.uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	WORKER_CHECK(c.uffd >= 0, "userfaultfd: %s", strerror(errno));
	WORKER_CHECK(ioctl(c.uffd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
	area = pn_anon(2);
	buf = pn_anon(1);
	WORKER_CHECK(area && buf, "mmap: %s", strerror(errno));
	memset(buf, 0x5a, ps);
	c.dst = area;
	c.src = area + ps;
	WORKER_CHECK(pn_thp(area, 2, false) == 0, "madvise: %s", strerror(errno));
	WORKER_CHECK(mbind(c.dst, ps, MPOL_BIND, &mask, PN_MAXNODE, 0) == 0,
		     "mbind: %s", strerror(errno));
	reg.range.start = (unsigned long)area;
	reg.range.len = 2 * ps;
	WORKER_CHECK(ioctl(c.uffd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER: %s",
		     strerror(errno));
	WORKER_CHECK(pthread_create(&t, NULL, uffd_copy_thread, &c) == 0, "pthread");

	/* The copy thread's fault on S. */
	pfd.fd = c.uffd;
	pfd.events = POLLIN;
	WORKER_CHECK(poll(&pfd, 1, 30000) == 1, "no fault on the source page");
	WORKER_CHECK(read(c.uffd, &msg, sizeof(msg)) == sizeof(msg), "read: %s", strerror(errno));
	WORKER_CHECK(msg.event == UFFD_EVENT_PAGEFAULT &&
		     msg.arg.pagefault.address == (unsigned long)c.src,
		     "event %d at %#llx", msg.event, (unsigned long long)msg.arg.pagefault.address);
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");

	/* Revoked: let the copy go on. */
	fill.dst = (unsigned long)c.src;
	fill.src = (unsigned long)buf;
	fill.len = ps;
	fill.mode = 0;
	WORKER_CHECK(ioctl(c.uffd, UFFDIO_COPY, &fill) == 0, "filling S: %s", strerror(errno));
	pthread_join(t, NULL);
	r.ret = c.ret;
	r.copied = c.copied;
	r.err = c.err;
	r.node = -1;
	if (!c.ret) {
		WORKER_CHECK(pn_where(c.dst, 1, &r.node) == 0, "move_pages: %s", strerror(errno));
		r.data_ok = c.dst[0] == 0x5a && c.dst[ps - 1] == 0x5a;
	}
	WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	WORKER_CHECK(cgw_wait(w, -1) == 0, "lost the test");
	return 0;
}

/*
 * Item 11, deterministic: an allocation under a policy naming node 2 that
 * passed the grant check before the revocation and maps its page after
 * the revoking write() returned (UFFDIO_COPY blocked between the two).
 * Wanted: after the write() returned, the cgroup has nothing on node 2 -
 * the copy fails, or its page is not on node 2 - and node 2's current is
 * 0.
 */
TEST_F_TIMEOUT(rru, revoke_during_uffd_copy_leaves_nothing, 60)
{
	struct uffd_reply r;
	struct cg_worker w;
	long long cur_before;
	char eff[64] = "";
	int status;

	ASSERT_EQ(0, cg_worker_start(&w, CG_R, wk_uffd, NULL));
	ASSERT_EQ(0, cgw_wait(&w, 30000)) {
		kill(w.pid, SIGKILL);
		cg_worker_finish(&w);
	}
	/* The page is allocated on node 2 and charged, not mapped yet. */
	cur_before = st(CG_R, "current");
	ASSERT_EQ(0, cg_write(CG_R, PN_NODES, "\n"));
	EXPECT_LE(0, cg_read(CG_R, PN_EFFECTIVE, eff, sizeof(eff)));
	EXPECT_STREQ("\n", eff);
	ASSERT_EQ(0, cgw_signal(&w));
	ASSERT_EQ(0, cgw_recv(&w, &r, sizeof(r), 30000)) {
		kill(w.pid, SIGKILL);
		cg_worker_finish(&w);
	}
	ASSERT_EQ(0, cg_write(CG_R, PN_NODES, "2"));
	TH_LOG("before the revoke current %lld; UFFDIO_COPY = %ld (%s), %ld bytes, page on "
	       "node %d; current %lld", cur_before, r.ret, strerror(r.err), r.copied, r.node,
	       st(CG_R, "current"));
	EXPECT_NE(NID, r.node) TH_LOG("a page mapped on node %d after the revoking write()", NID);
	EXPECT_EQ(0, st(CG_R, "current")) TH_LOG("node %d charge after the revoking write()", NID);
	if (!r.ret)
		EXPECT_TRUE(r.data_ok);
	cgw_signal(&w);
	status = cg_worker_finish(&w);
	EXPECT_EQ(0, status);
}

TEST_HARNESS_MAIN
