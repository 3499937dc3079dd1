// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, "Interface items (cgroup-interface.rst)": the contract of the
 * memory.private_nodes files at its edges.
 *
 *  - .fallback follows "delegation only narrows": a child's "sysram" does
 *    not beat an ancestor's "none";
 *  - .stat and .max keep a line for a node the cgroup still has charges on
 *    after a revoke;
 *  - what memory.private_nodes reads can always be written back, also
 *    after the node stopped being private;
 *  - a .max value that overflows is refused, not read as 0;
 *  - evacuation on a revoke written by an unprivileged delegatee moves
 *    only pages the cgroup's tasks own alone (MPOL_MF_MOVE), not pages
 *    shared with a task outside the subtree;
 *  - get_mempolicy(MPOL_F_MEMS_ALLOWED) names a granted private node;
 *  - /proc/PID/numa_maps shows N2= for pages on node 2;
 *  - private memory changes neither CommitLimit nor the dirty thresholds.
 *
 * Node 2 is private (the example driver, NP_OPS_MIGRATION |
 * NP_OPS_MEMPOLICY) and CG_TEST, a child of the root, requests it.  The
 * test stays in the root cgroup; a worker process in the cgroup under test
 * holds the memory and answers one-letter commands (wk_cmd()).
 */
#include <grp.h>
#include <numa.h>
#include <numaif.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define NR_NODES 4
#define CG_TEST CG_ROOT "/privnode-iface-test"
#define READY_MS 30000
#define REPLY_MS 60000
#define MiB (1024L * 1024)
#define PAGES(bytes) ((long)((bytes) / pn_page_size()))
#define SIGKILLED (128 + SIGKILL)
#define DELEGATE_UID 1000

/* ------------------------------------------------------------------ */
/* The worker                                                          */
/* ------------------------------------------------------------------ */

struct wk_arg {
	int mode;		/* mbind() mode, MPOL_DEFAULT for none */
	unsigned long mask;
	long pages;
};

struct wk_reply {
	int ok;
	long node[NR_NODES];	/* pages of the region on each node */
	long other;
	long val;		/* 'S': the sharer's pid; 'M': the mask */
};

/* Where the worker's region is. */
static void wk_census(char *p, long n, struct wk_reply *r)
{
	if (pn_census_pid(0, p, n, r->node, NR_NODES, &r->other))
		r->ok = 0;
}

/*
 * 'S': fork a sharer that moves itself to the root cgroup and sleeps; the
 * first half of the region stays shared with it (copy-on-write), the
 * second half is written by the worker, so that each side owns its own
 * copy of it.  The sharer's pid in r->val.
 */
static void wk_share(char *p, long n, struct wk_reply *r)
{
	int sync[2];
	pid_t pid;
	char c;

	if (pipe(sync)) {
		r->ok = 0;
		return;
	}
	pid = fork();
	if (pid < 0) {
		r->ok = 0;
		return;
	}
	if (pid == 0) {
		alarm(120);
		c = cg_enter(CG_ROOT, getpid()) ? 0 : 1;
		if (write(sync[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1 || !c)
		r->ok = 0;
	close(sync[0]);
	pn_fill(p + (n / 2) * pn_page_size(), n - n / 2, 7);
	r->val = pid;
}

static int wk_main(struct cg_worker *w, void *arg)
{
	const struct wk_arg *a = arg;
	struct wk_reply r;
	unsigned long mask[2];
	char *p, cmd;

	p = pn_anon(a->pages);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(pn_thp(p, a->pages, false) == 0, "madvise: %s", strerror(errno));
	if (a->mode != MPOL_DEFAULT)
		WORKER_CHECK(mbind(p, a->pages * pn_page_size(), a->mode, &a->mask,
				   PN_MAXNODE, 0) == 0,
			     "mbind(%d, %#lx): %s", a->mode, a->mask, strerror(errno));
	WORKER_CHECK(cgw_send(w, &p, sizeof(p)) == 0, "lost the test");
	for (;;) {
		WORKER_CHECK(cgw_recv(w, &cmd, 1, -1) == 0, "lost the test");
		memset(&r, 0, sizeof(r));
		r.ok = 1;
		switch (cmd) {
		case 'F':	/* fault the whole region */
			pn_fill(p, a->pages, 3);
			wk_census(p, a->pages, &r);
			break;
		case 'C':	/* census */
			wk_census(p, a->pages, &r);
			break;
		case 'L':	/* leave for the root cgroup */
			if (cg_enter(CG_ROOT, getpid()))
				r.ok = 0;
			wk_census(p, a->pages, &r);
			break;
		case 'S':
			wk_share(p, a->pages, &r);
			wk_census(p, a->pages, &r);
			break;
		case 'M':	/* get_mempolicy(MPOL_F_MEMS_ALLOWED) */
			memset(mask, 0, sizeof(mask));
			if (get_mempolicy(NULL, mask, PN_MAXNODE, NULL, MPOL_F_MEMS_ALLOWED))
				r.ok = 0;
			r.val = mask[0];
			break;
		case 'Q':
			return 0;
		default:
			return 2;
		}
		WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	}
}

struct wk {
	struct cg_worker w;
	struct wk_arg a;
	char *addr;
	int status;
	bool started;
};

static int wk_new(struct wk *k, const char *cg, int mode, unsigned long mask, long pages)
{
	memset(k, 0, sizeof(*k));
	k->status = -1;
	k->a.mode = mode;
	k->a.mask = mask;
	k->a.pages = pages;
	if (cg_worker_start(&k->w, cg, wk_main, &k->a))
		return -1;
	k->started = true;
	if (cgw_recv(&k->w, &k->addr, sizeof(k->addr), READY_MS)) {
		kill(k->w.pid, SIGKILL);
		k->status = cg_worker_finish(&k->w);
		return -1;
	}
	return 0;
}

/* One command; 0 with the reply, -1 if the worker died or hung. */
static int wk_cmd(struct wk *k, char cmd, struct wk_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (cgw_send(&k->w, &cmd, 1))
		return -1;
	return cgw_recv(&k->w, r, sizeof(*r), REPLY_MS);
}

/* Quit (or kill) and reap; the exit status. */
static int wk_end(struct wk *k)
{
	char q = 'Q';

	if (!k->started || k->status >= 0)
		return k->status;
	if (cgw_send(&k->w, &q, 1))
		kill(k->w.pid, SIGKILL);
	k->status = cg_worker_finish(&k->w);
	return k->status;
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

static long long st(const char *cg, const char *key)
{
	return cg_node_key(cg, PN_STAT, NID, key);
}

/* Whole file as read, compared. */
#define EXPECT_FILE(cg, file, want) do {					\
	char __b[1024];								\
	ASSERT_LE(0, cg_read(cg, file, __b, sizeof(__b))) TH_LOG("%s/%s", cg, file); \
	EXPECT_STREQ(want, __b) TH_LOG("%s/%s", cg, file);			\
} while (0)

FIXTURE(ifc) {
	bool driver;
	pid_t sharer;
};

FIXTURE_SETUP(ifc)
{
	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST)) TH_LOG("cannot remove what an earlier test left");
	region_reload(_metadata, "ops_flags=3");
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	ASSERT_EQ(0, cg_create(CG_TEST));
	ASSERT_EQ(0, cg_write(CG_TEST, PN_NODES, "2"));
}

FIXTURE_TEARDOWN(ifc)
{
	if (self->sharer > 0) {
		kill(self->sharer, SIGKILL);
		/* Not our child (the worker's): it is reaped by init. */
	}
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	if (self->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/* ------------------------------------------------------------------ */
/* .fallback                                                           */
/* ------------------------------------------------------------------ */

/*
 * Interface item ".fallback hierarchical".  Trigger: parent "none", child
 * writes "sysram", child capped at 1M on node 2, a task of the child
 * faults 4M under mbind(MPOL_BIND, {2}).  Wanted: the effective setting is
 * "none", so the allocation beyond the cap fails (the OOM killer takes the
 * task, as with "none" on the child itself) and no page lands on ordinary
 * memory.  Today the child's own "sysram" applies: 3M fall back to node 0.
 */
TEST_F_TIMEOUT(ifc, fallback_none_of_parent_binds_child, 120)
{
	const long n = PAGES(4 * MiB);
	char child[PATH_MAX], buf[64];
	struct wk_reply r;
	struct wk k;
	int ret, status;

	ASSERT_EQ(0, cg_write(CG_TEST, PN_FALLBACK, "none"));
	ASSERT_EQ(0, cg_mkchild(CG_TEST, "child", child, sizeof(child)));
	ASSERT_EQ(0, cg_write(child, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(child, PN_MAX, "2 max=1M"));
	ret = cg_write(child, PN_FALLBACK, "sysram");
	TH_LOG("child writes sysram under a parent with none: %d (%s)", ret,
	       ret ? strerror(-ret) : "accepted");
	if (cg_read(child, PN_FALLBACK, buf, sizeof(buf)) > 0)
		TH_LOG("child's %s reads: %s", PN_FALLBACK, buf);

	ASSERT_EQ(0, wk_new(&k, child, MPOL_BIND, pn_node_bit(NID), n));
	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " interface_test: fallback none of the parent"));
	ret = wk_cmd(&k, 'F', &r);
	if (!ret) {
		TH_LOG("4M faulted under a 1M cap: %ld on node 2, %ld on node 0, %ld on node 1",
		       r.node[NID], r.node[0], r.node[1]);
		EXPECT_EQ(0, r.node[0] + r.node[1])
			TH_LOG("the child's sysram beat the parent's none");
		kill(k.w.pid, SIGKILL);
	}
	status = cg_worker_finish(&k.w);
	k.status = status;
	EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " interface_test"));
	TH_LOG("worker: %s (status %d)", ret ? "died faulting" : "survived", status);
	EXPECT_EQ(0, st(child, "fallback")) TH_LOG("fallbacks counted in the child");
	EXPECT_EQ(0, cg_key(CG_TEST, PN_EVENTS, "fallback"));
}

/* ------------------------------------------------------------------ */
/* .stat and .max after a revoke                                       */
/* ------------------------------------------------------------------ */

/*
 * Interface item ".stat/.max keep a line while charges remain".  Trigger:
 * a task of the cgroup faults 1M on node 2, then moves to the root cgroup
 * (the charges stay with the cgroup; cgroup v2 does not move them), and the
 * cgroup's request is cleared.  The evacuation finds no task in the cgroup,
 * so the pages stay on node 2, charged to it.  (A node without
 * NP_OPS_MIGRATION would keep them too, but no user path can place a
 * cgroup's pages on such a node: mempolicy and demotion both need
 * migration.)  Wanted: .stat still has node 2's line with current=1M, and
 * .max a line for node 2.  Today both lines go with the request.
 */
TEST_F_TIMEOUT(ifc, stat_and_max_keep_charged_node_after_revoke, 120)
{
	const long n = PAGES(1 * MiB);
	char stat[1024], max[256];
	struct wk_reply r;
	struct wk k;

	ASSERT_EQ(0, wk_new(&k, CG_TEST, MPOL_BIND, pn_node_bit(NID), n));
	ASSERT_EQ(0, wk_cmd(&k, 'F', &r));
	ASSERT_EQ(n, r.node[NID]);
	ASSERT_EQ(1 * MiB, st(CG_TEST, "current"));
	ASSERT_EQ(0, wk_cmd(&k, 'L', &r));
	ASSERT_TRUE(r.ok) TH_LOG("the worker could not leave the cgroup");

	ASSERT_EQ(0, cg_write(CG_TEST, PN_NODES, "\n"));
	ASSERT_EQ(0, wk_cmd(&k, 'C', &r));
	ASSERT_EQ(n, r.node[NID]) TH_LOG("the pages did not stay on node 2");

	ASSERT_LE(0, cg_read(CG_TEST, PN_STAT, stat, sizeof(stat)));
	ASSERT_LE(0, cg_read(CG_TEST, PN_MAX, max, sizeof(max)));
	TH_LOG("after the revoke, 1M still charged: stat \"%s\", max \"%s\"", stat, max);
	EXPECT_EQ(1 * MiB, st(CG_TEST, "current")) TH_LOG(".stat lost the charged node");
	EXPECT_EQ(PN_UNLIMITED, cg_node_key(CG_TEST, PN_MAX, NID, "max"))
		TH_LOG(".max lost the charged node");

	EXPECT_EQ(0, wk_end(&k));
}

/* ------------------------------------------------------------------ */
/* memory.private_nodes read back and written                          */
/* ------------------------------------------------------------------ */

/*
 * Interface item "read and write back always works".  Trigger: the cgroup
 * requests node 2, the driver is unloaded (node 2 is no longer private),
 * the file is read and what it said is written back.  Wanted: the write
 * succeeds.  Today the vanished node is still shown ("2") and writing it
 * back fails with EINVAL.  Then the driver comes back: the request applies
 * to the node again (documented).
 */
TEST_F_TIMEOUT(ifc, private_nodes_write_back_after_node_left, 120)
{
	char buf[256], eff[256];
	int ret;

	ASSERT_LE(0, cg_read(CG_TEST, PN_NODES, buf, sizeof(buf)));
	EXPECT_STREQ("2\n", buf);
	EXPECT_EQ(0, cg_write(CG_TEST, PN_NODES, buf));

	ASSERT_EQ(0, unload_module(REGION_DRIVER));
	self->driver = false;
	ASSERT_FALSE(node_is_private(NID));

	ASSERT_LE(0, cg_read(CG_TEST, PN_NODES, buf, sizeof(buf)));
	ASSERT_LE(0, cg_read(CG_TEST, PN_EFFECTIVE, eff, sizeof(eff)));
	TH_LOG("node 2 gone: %s reads \"%s\", effective \"%s\"", PN_NODES, buf, eff);
	EXPECT_STREQ("\n", eff);
	ret = cg_write(CG_TEST, PN_NODES, buf);
	EXPECT_EQ(0, ret) TH_LOG("writing back \"%s\": %s", buf, strerror(-ret));
	EXPECT_LE(0, cg_read(CG_TEST, PN_MAX, eff, sizeof(eff)));
	EXPECT_LE(0, cg_read(CG_TEST, PN_STAT, eff, sizeof(eff)));

	/* The driver again: a request naming node 2 applies to it again. */
	region_reload(_metadata, "ops_flags=3");
	self->driver = true;
	ASSERT_LE(0, cg_read(CG_TEST, PN_NODES, buf, sizeof(buf)));
	TH_LOG("node 2 back: %s reads \"%s\"", PN_NODES, buf);
	if (ret == 0 && !strcmp(buf, "2\n"))
		EXPECT_FILE(CG_TEST, PN_EFFECTIVE, "2\n");
	EXPECT_EQ(0, cg_write(CG_TEST, PN_NODES, buf));
}

/* ------------------------------------------------------------------ */
/* .max overflow                                                       */
/* ------------------------------------------------------------------ */

/*
 * Interface item ".max overflow".  Trigger: "2 max=18446744073709551616"
 * (2^64) with a limit of 8M in place.  Wanted: EINVAL or ERANGE and the
 * limit unchanged.  Today memparse() wraps to 0 and the limit becomes 0.
 * What memory.max does with the same number is recorded (not asserted):
 * on 6.12 it is accepted and memory.max reads back 0 too.
 */
TEST_F_TIMEOUT(ifc, max_overflow_refused, 60)
{
	static const char *const big[] = {
		"18446744073709551616",		/* 2^64 */
		"36893488147419103232",		/* 2^65 */
		"18446744073709551616K",
	};
	char buf[256], in[64];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(big); i++) {
		ASSERT_EQ(0, cg_write(CG_TEST, PN_MAX, "2 max=8M"));
		snprintf(in, sizeof(in), "2 max=%s", big[i]);
		ret = cg_write(CG_TEST, PN_MAX, in);
		ASSERT_LE(0, cg_read(CG_TEST, PN_MAX, buf, sizeof(buf)));
		TH_LOG("\"%s\": %d (%s), reads back \"%s\"", in, ret,
		       ret ? strerror(-ret) : "accepted", buf);
		EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE);
		EXPECT_STREQ("2 max=8388608\n", buf);

		/* memory.max, for the record. */
		ASSERT_EQ(0, cg_write(CG_TEST, "memory.max", "max"));
		ret = cg_write(CG_TEST, "memory.max", big[i]);
		ASSERT_LE(0, cg_read(CG_TEST, "memory.max", buf, sizeof(buf)));
		TH_LOG("memory.max \"%s\": %d (%s), reads back \"%s\"", big[i], ret,
		       ret ? strerror(-ret) : "accepted", buf);
		ASSERT_EQ(0, cg_write(CG_TEST, "memory.max", "max"));
	}
}

/* ------------------------------------------------------------------ */
/* Evacuation by an unprivileged delegatee                             */
/* ------------------------------------------------------------------ */

/* Run write_file(@path, @s) as DELEGATE_UID without capabilities; -errno. */
static int write_as_user(const char *path, const char *s)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int ret;

		if (setgroups(0, NULL) || setresgid(DELEGATE_UID, DELEGATE_UID, DELEGATE_UID) ||
		    setresuid(DELEGATE_UID, DELEGATE_UID, DELEGATE_UID))
			_exit(255);
		ret = write_file(path, s);
		_exit(ret ? -ret : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return status == 0 ? 0 : -WEXITSTATUS(status);
}

static int mkdir_as_user(const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(DELEGATE_UID, DELEGATE_UID, DELEGATE_UID) ||
		    setresuid(DELEGATE_UID, DELEGATE_UID, DELEGATE_UID))
			_exit(255);
		_exit(mkdir(path, 0755) ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/* Delegate cgroup @cg to DELEGATE_UID, as cgroup-v2.rst describes. */
static int delegate(const char *cg)
{
	static const char *const files[] = {
		"", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (*files[i])
			cg_path(path, sizeof(path), cg, files[i]);
		else
			snprintf(path, sizeof(path), "%s", cg);
		if (chown(path, DELEGATE_UID, DELEGATE_UID))
			return -errno;
	}
	return 0;
}

/*
 * Interface item "evacuation on revoke: MPOL_MF_MOVE for a delegatee".
 * Trigger: CG_TEST, granted node 2, is delegated to uid 1000, which creates
 * CG_TEST/sub and requests node 2 there.  A task W of sub faults 16 pages
 * on node 2 under mbind(MPOL_BIND, {2}) and forks X, which moves to the
 * root cgroup: pages 0-7 are shared between W and X (copy-on-write), W
 * then writes pages 8-15 and owns its copies alone.  uid 1000 revokes
 * node 2 in sub.  Wanted: W's own pages move to ordinary memory, the
 * pages shared with X (a task outside the subtree) stay on node 2, as
 * migrate_pages(2) without CAP_SYS_NICE would leave them.  Today the
 * evacuation uses MPOL_MF_MOVE_ALL and moves them too.
 */
TEST_F_TIMEOUT(ifc, delegatee_revoke_leaves_shared_pages, 120)
{
	const long n = 16, half = n / 2;
	char sub[PATH_MAX], path[PATH_MAX];
	long w_node[NR_NODES], x_node[NR_NODES], other;
	struct wk_reply r;
	struct wk k;
	int ret;

	ASSERT_EQ(0, cg_enable_memory(CG_TEST));
	ASSERT_EQ(0, delegate(CG_TEST));
	cg_path(sub, sizeof(sub), CG_TEST, "sub");
	ASSERT_EQ(0, mkdir_as_user(sub));
	cg_path(path, sizeof(path), sub, PN_NODES);
	ASSERT_EQ(0, write_as_user(path, "2")) TH_LOG("uid %d requests node 2", DELEGATE_UID);
	EXPECT_FILE(sub, PN_EFFECTIVE, "2\n");

	ASSERT_EQ(0, wk_new(&k, sub, MPOL_BIND, pn_node_bit(NID), n));
	ASSERT_EQ(0, wk_cmd(&k, 'F', &r));
	ASSERT_EQ(n, r.node[NID]);
	ASSERT_EQ(0, wk_cmd(&k, 'S', &r));
	ASSERT_TRUE(r.ok) TH_LOG("no sharer");
	self->sharer = r.val;
	ASSERT_EQ(n, r.node[NID]) TH_LOG("the copies of pages 8-15 are not on node 2");

	ret = write_as_user(path, "\n");
	ASSERT_EQ(0, ret) TH_LOG("uid %d revokes node 2: %s", DELEGATE_UID, strerror(-ret));

	ASSERT_EQ(0, pn_census_pid(k.w.pid, k.addr, half, w_node, NR_NODES, &other));
	TH_LOG("W's shared pages: %ld on node 2, %ld on 0, %ld on 1", w_node[NID], w_node[0],
	       w_node[1]);
	EXPECT_EQ(half, w_node[NID]) TH_LOG("pages shared with a task outside were moved");
	ASSERT_EQ(0, pn_census_pid(self->sharer, k.addr, half, x_node, NR_NODES, &other));
	EXPECT_EQ(half, x_node[NID]) TH_LOG("X's view of the shared pages");
	ASSERT_EQ(0, pn_census_pid(k.w.pid, k.addr + half * pn_page_size(), n - half,
				   w_node, NR_NODES, &other));
	TH_LOG("W's own pages: %ld on node 2, %ld on 0, %ld on 1", w_node[NID], w_node[0],
	       w_node[1]);
	EXPECT_EQ(0, w_node[NID]) TH_LOG("W's own pages stayed on the revoked node");
	ASSERT_EQ(0, pn_census_pid(self->sharer, k.addr + half * pn_page_size(), n - half,
				   x_node, NR_NODES, &other));
	EXPECT_EQ(n - half, x_node[NID]) TH_LOG("X's own pages (outside) were moved");

	kill(self->sharer, SIGKILL);
	self->sharer = 0;
	EXPECT_EQ(0, wk_end(&k));
}

/* ------------------------------------------------------------------ */
/* What userspace sees of a granted node                               */
/* ------------------------------------------------------------------ */

/*
 * Interface item "get_mempolicy(MPOL_F_MEMS_ALLOWED)".  Trigger: a task of
 * a cgroup granted node 2 (NP_OPS_MEMPOLICY) asks which nodes it may
 * use.  Wanted: node 2 is in the mask, so that libnuma/numactl can name it;
 * a task of a cgroup without the grant does not see it.  Today the mask is
 * the cpuset's, ordinary nodes only.
 */
TEST_F_TIMEOUT(ifc, mems_allowed_names_granted_node, 60)
{
	char other[PATH_MAX];
	struct wk_reply r;
	struct wk k;

	ASSERT_EQ(0, wk_new(&k, CG_TEST, MPOL_DEFAULT, 0, 1));
	ASSERT_EQ(0, wk_cmd(&k, 'M', &r));
	ASSERT_TRUE(r.ok) TH_LOG("get_mempolicy: failed");
	TH_LOG("granted cgroup: MPOL_F_MEMS_ALLOWED = %#lx", r.val);
	EXPECT_TRUE(r.val & pn_node_bit(NID)) TH_LOG("the granted node is missing");
	EXPECT_TRUE(r.val & pn_node_bit(0));
	EXPECT_EQ(0, wk_end(&k));

	ASSERT_EQ(0, cg_mkchild(CG_TEST, "nogrant", other, sizeof(other)));
	ASSERT_EQ(0, wk_new(&k, other, MPOL_DEFAULT, 0, 1));
	ASSERT_EQ(0, wk_cmd(&k, 'M', &r));
	TH_LOG("cgroup without the grant: MPOL_F_MEMS_ALLOWED = %#lx", r.val);
	EXPECT_FALSE(r.val & pn_node_bit(NID));
	EXPECT_EQ(0, wk_end(&k));
}

/*
 * Interface item "numa_maps shows N2=".  Trigger: a task faults 64 pages
 * on node 2 under mbind(MPOL_BIND, {2}).  Wanted: its numa_maps line for
 * the region says N2=64.  Today show_numa_map() walks N_MEMORY only, and
 * can_gather_numa_stats() skips pages of nodes outside N_MEMORY: the line
 * reads just "<addr> bind:2", without anon=, dirty= or N2=.
 */
TEST_F_TIMEOUT(ifc, numa_maps_shows_private_node, 60)
{
	const long n = 64;
	char path[64], line[1024], want[32], addr[32];
	struct wk_reply r;
	struct wk k;
	bool found = false;
	FILE *f;

	ASSERT_EQ(0, wk_new(&k, CG_TEST, MPOL_BIND, pn_node_bit(NID), n));
	ASSERT_EQ(0, wk_cmd(&k, 'F', &r));
	ASSERT_EQ(n, r.node[NID]);

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)k.w.pid);
	snprintf(addr, sizeof(addr), "%lx ", (unsigned long)k.addr);
	snprintf(want, sizeof(want), " N%d=%ld", NID, n);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, addr, strlen(addr))) {
			found = true;
			line[strcspn(line, "\n")] = '\0';
			break;
		}
	fclose(f);
	ASSERT_TRUE(found) TH_LOG("no numa_maps line for %s", addr);
	TH_LOG("numa_maps: %s", line);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("want \"%s\"", want);
	EXPECT_EQ(0, wk_end(&k));
}

/*
 * What "numactl --membind=2 PROG" does, in a fresh process: libnuma reads
 * the nodes a task may use when it starts (Mems_allowed of
 * /proc/self/status), numa_parse_nodestring() refuses a node outside
 * them, then numa_set_membind() binds the task.  Debian's numactl is not
 * in the guest; the same libnuma (2.0.16, linked statically) is.  The test
 * below runs this program again, inside the cgroup, with only this case
 * selected (-r) and IFC_NUMACTL set; in an ordinary run it is skipped.
 */
#define NUMACTL_HELPER "global.numactl_membind_helper"
#define NUMACTL_LOG "/tmp/interface_test.numactl.log"

TEST(numactl_membind_helper)
{
	struct bitmask *bm;
	char status[4096], *p;
	int node = -1;
	void *addr;
	char *m;

	if (!getenv("IFC_NUMACTL"))
		SKIP(return, "helper of libnuma_membind_names_granted_node");
	if (!read_file("/proc/self/status", status, sizeof(status)) &&
	    (p = strstr(status, "Mems_allowed_list:")))
		TH_LOG("%.*s", (int)strcspn(p, "\n"), p);
	ASSERT_NE(-1, numa_available());
	bm = numa_parse_nodestring("2");
	ASSERT_NE(NULL, bm) TH_LOG("numa_parse_nodestring(\"2\") refused the granted node");
	numa_set_membind(bm);
	m = pn_anon(1);
	ASSERT_NE(NULL, m);
	m[0] = 1;
	addr = m;
	ASSERT_EQ(0, move_pages(0, 1, &addr, NULL, &node, 0));
	EXPECT_EQ(NID, node);
}

static int wk_numactl(struct cg_worker *w, void *arg)
{
	int fd = open(NUMACTL_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	WORKER_CHECK(fd >= 0, "%s: %s", NUMACTL_LOG, strerror(errno));
	WORKER_CHECK(dup2(fd, 1) == 1 && dup2(fd, 2) == 2, "dup2");
	setenv("IFC_NUMACTL", "1", 1);
	execl("/proc/self/exe", "interface_test", "-r", NUMACTL_HELPER, (char *)NULL);
	return 126;
}

/*
 * Interface item "get_mempolicy(MPOL_F_MEMS_ALLOWED)", the numactl half:
 * "numactl --membind=2" in a cgroup granted node 2 must work (libnuma
 * must be able to name the node).  Trigger: the helper above, run in
 * CG_TEST.  Today libnuma's allowed nodes are Mems_allowed, the cpuset's
 * ordinary nodes, and numa_parse_nodestring("2") fails ("node argument 2
 * is out of range"), as numactl does.
 */
TEST_F_TIMEOUT(ifc, libnuma_membind_names_granted_node, 60)
{
	char log[4096], *line, *save = NULL;
	int status;

	status = cg_run(CG_TEST, wk_numactl, NULL);
	if (read_file(NUMACTL_LOG, log, sizeof(log)) == 0)
		for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (line[0] == '#' || strstr(line, "libnuma"))
				TH_LOG("helper: %s", line);
	unlink(NUMACTL_LOG);
	EXPECT_EQ(0, status) TH_LOG("numactl --membind=2 equivalent failed (status %d)", status);
}

/* ------------------------------------------------------------------ */
/* Global counters                                                     */
/* ------------------------------------------------------------------ */

static long meminfo_kb(const char *key)
{
	char buf[8192], *p;
	long v;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), ": %ld", &v) != 1)
		return -1;
	return v;
}

static long vmstat(const char *key)
{
	char buf[16384], *p;
	size_t klen = strlen(key);
	long v;

	if (read_file("/proc/vmstat", buf, sizeof(buf)))
		return -1;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ' &&
		    sscanf(p + klen, " %ld", &v) == 1)
			return v;
	return -1;
}

static long sysctl_vm(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/* The driver unloaded before and after: node 2 becomes private in the test. */
FIXTURE(glob) {
	int unused;
};

FIXTURE_SETUP(glob)
{
	unload_module(REGION_DRIVER);
}

FIXTURE_TEARDOWN(glob)
{
	unload_module(REGION_DRIVER);
}

/*
 * Interface item "CommitLimit".  Trigger: node 2 becomes private (the
 * driver loads, 512M online).  Wanted: CommitLimit unchanged (private
 * memory is not memory the overcommit heuristics can hand out).  Today
 * totalram_pages grows and CommitLimit with it (by overcommit_ratio% of
 * the node).
 */
TEST_F_TIMEOUT(glob, commit_limit_excludes_private_memory, 120)
{
	long before, after, total_before, total_after, node_kb, ratio;
	unsigned long long start, size;

	ASSERT_FALSE(node_is_private(NID));
	ASSERT_EQ(0, node_range(NID, &start, &size));
	node_kb = size / 1024;
	ratio = sysctl_vm("overcommit_ratio");
	before = meminfo_kb("CommitLimit");
	total_before = meminfo_kb("MemTotal");
	ASSERT_EQ(0, region_load("ops_flags=3"));
	after = meminfo_kb("CommitLimit");
	total_after = meminfo_kb("MemTotal");
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
	TH_LOG("node 2: %ld kB; overcommit_ratio %ld", node_kb, ratio);
	TH_LOG("CommitLimit %ld -> %ld kB (%+ld), MemTotal %ld -> %ld kB (%+ld)", before, after,
	       after - before, total_before, total_after, total_after - total_before);
	ASSERT_LT(0, before);
	EXPECT_GT(4096, labs(after - before)) TH_LOG("private memory counts in CommitLimit");
}

/*
 * Interface item "dirty thresholds".  Trigger: as above.  Wanted:
 * nr_dirty_threshold and nr_dirty_background_threshold of /proc/vmstat
 * (global_dirty_limits(), computed when read) do not grow with node 2's
 * free memory.  Today global_dirtyable_memory() counts every free page,
 * so they grow by dirty_ratio% of the node.  Tolerance: a tenth of that.
 */
TEST_F_TIMEOUT(glob, dirty_thresholds_exclude_private_memory, 120)
{
	long t0, t1, b0, b1, ratio, bratio, node_pages;
	unsigned long long start, size;

	ASSERT_FALSE(node_is_private(NID));
	ASSERT_EQ(0, node_range(NID, &start, &size));
	node_pages = size / pn_page_size();
	ratio = sysctl_vm("dirty_ratio");
	bratio = sysctl_vm("dirty_background_ratio");
	sync();
	t0 = vmstat("nr_dirty_threshold");
	b0 = vmstat("nr_dirty_background_threshold");
	ASSERT_EQ(0, region_load("ops_flags=3"));
	t1 = vmstat("nr_dirty_threshold");
	b1 = vmstat("nr_dirty_background_threshold");
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
	TH_LOG("dirty_ratio %ld, dirty_background_ratio %ld, dirty_bytes %ld, node 2: %ld pages",
	       ratio, bratio, sysctl_vm("dirty_bytes"), node_pages);
	TH_LOG("nr_dirty_threshold %ld -> %ld (%+ld); nr_dirty_background_threshold %ld -> %ld (%+ld)",
	       t0, t1, t1 - t0, b0, b1, b1 - b0);
	ASSERT_LT(0, t0);
	if (ratio <= 0 || sysctl_vm("dirty_bytes") > 0)
		SKIP(return, "thresholds set in bytes");
	EXPECT_GT(node_pages * ratio / 100 / 10, labs(t1 - t0))
		TH_LOG("private memory counts as dirtyable");
	EXPECT_GT(node_pages * bratio / 100 / 10 + 1, labs(b1 - b0));
}

TEST_HARNESS_MAIN
