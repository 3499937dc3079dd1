// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup grant of private nodes (DESIGN.md section 4.3):
 * memory.private_nodes, memory.private_nodes.effective and the "denied"
 * counter of memory.private_nodes.events{,.local}, and what a task may do
 * with private node 2 (the example driver, NP_OPS_MIGRATION |
 * NP_OPS_MEMPOLICY unless a fixture says otherwise) depending on the grant
 * of its cgroup.
 *
 * The test process stays in the root cgroup; every syscall whose outcome
 * depends on the grant runs in a worker process that moved itself into the
 * cgroup under test (lib/privnode_cgroup.h).  Each test owns one cgroup,
 * CG_TEST below, a child of the root, and removes it with everything below
 * it in teardown.
 */
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define ORDINARY (pn_node_bit(0) | pn_node_bit(1))
#define CG_TEST CG_ROOT "/privnode-grant-test"
#define NOBODY 65534
#define READY_MS 30000	/* how long the test waits for a worker's signal */

/*
 * What every fixture sets up: node 2 private with @ops_flags (or not
 * private at all for ops_flags < 0), the memory controller enabled at the
 * root, and an empty cgroup CG_TEST.
 */
struct ctx {
	char cg[PATH_MAX];
	bool driver;
};

static void ctx_setup(struct __test_metadata *_metadata, struct ctx *c, int ops_flags)
{
	char params[64];
	int ret;

	pn_page_size();
	ASSERT_EQ(0, cg_destroy(CG_TEST)) TH_LOG("cannot remove what an earlier test left");
	if (unload_module(REGION_DRIVER) == 0)
		TH_LOG("unloaded a driver left behind by an earlier test");
	if (ops_flags >= 0) {
		snprintf(params, sizeof(params), "ops_flags=%d", ops_flags);
		ret = region_load(params);
		if (ret == -EINVAL && !(ops_flags & NP_OPS_MIGRATION))
			SKIP(return, "the kernel refuses NP_OPS_MEMPOLICY without NP_OPS_MIGRATION");
		ASSERT_EQ(0, ret);
		c->driver = true;
		ASSERT_TRUE(node_is_private(NID));
	} else {
		ASSERT_FALSE(node_is_private(NID));
	}
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	snprintf(c->cg, sizeof(c->cg), "%s", CG_TEST);
	ASSERT_EQ(0, cg_create(c->cg));
}

static void ctx_teardown(struct __test_metadata *_metadata, struct ctx *c)
{
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	EXPECT_EQ(0, cg_destroy(c->cg));
	if (c->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/* Node 2 private, MIGRATION | MEMPOLICY: the case the contract describes. */
FIXTURE(cg) { struct ctx c; };
FIXTURE_SETUP(cg) { ctx_setup(_metadata, &self->c, NP_OPS_MIGRATION | NP_OPS_MEMPOLICY); }
FIXTURE_TEARDOWN(cg) { ctx_teardown(_metadata, &self->c); }

/* Node 2 private, MEMPOLICY only: nothing may migrate its pages. */
FIXTURE(cg_nomigrate) { struct ctx c; };
FIXTURE_SETUP(cg_nomigrate) { ctx_setup(_metadata, &self->c, NP_OPS_MEMPOLICY); }
FIXTURE_TEARDOWN(cg_nomigrate) { ctx_teardown(_metadata, &self->c); }

/* Node 2 private, MIGRATION only: policies naming it are invalid. */
FIXTURE(cg_nompol) { struct ctx c; };
FIXTURE_SETUP(cg_nompol) { ctx_setup(_metadata, &self->c, NP_OPS_MIGRATION); }
FIXTURE_TEARDOWN(cg_nompol) { ctx_teardown(_metadata, &self->c); }

/* No private node at all. */
FIXTURE(cg_nodrv) { struct ctx c; };
FIXTURE_SETUP(cg_nodrv) { ctx_setup(_metadata, &self->c, -1); }
FIXTURE_TEARDOWN(cg_nodrv) { ctx_teardown(_metadata, &self->c); }

/* @cg's memory.private_nodes and .effective, exactly as read. */
#define EXPECT_NODES(cg, want) do {						\
	char __b[256];								\
	ASSERT_LE(0, cg_read(cg, PN_NODES, __b, sizeof(__b))) TH_LOG("%s", cg);	\
	EXPECT_STREQ(want, __b) TH_LOG("%s/" PN_NODES, cg);			\
} while (0)

#define EXPECT_EFFECTIVE(cg, want) do {						\
	char __b[256];								\
	ASSERT_LE(0, cg_read(cg, PN_EFFECTIVE, __b, sizeof(__b))) TH_LOG("%s", cg); \
	EXPECT_STREQ(want, __b) TH_LOG("%s/" PN_EFFECTIVE, cg);			\
} while (0)

/* ------------------------------------------------------------------ */
/* Workers: the syscalls, run inside the cgroup under test.            */
/* ------------------------------------------------------------------ */

static const char *mode_name(int mode)
{
	switch (mode) {
	case MPOL_BIND: return "MPOL_BIND";
	case MPOL_PREFERRED: return "MPOL_PREFERRED";
	default: return "mode?";
	}
}

/*
 * Apply a policy naming @mask (mbind() on fresh memory, or set_mempolicy()
 * if @task) and touch the memory.  @err 0: the call must succeed and the
 * pages land on node 2.  Otherwise it must fail with @err, leave the
 * policy as it was (default) and no page may land on node 2.
 */
struct policy_arg {
	bool task;
	int mode;
	unsigned long mask;
	int err;
};

static int wk_policy(struct cg_worker *w, void *arg)
{
	struct policy_arg *a = arg;
	const size_t n = 32;
	const char *call = a->task ? "set_mempolicy" : "mbind";
	int mode = -1;
	long ret;
	char *p;

	p = pn_anon(n);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	errno = 0;
	if (a->task)
		ret = set_mempolicy(a->mode, &a->mask, PN_MAXNODE);
	else
		ret = mbind(p, n * pn_page_size(), a->mode, &a->mask, PN_MAXNODE, 0);
	if (a->err) {
		WORKER_CHECK(ret == -1 && errno == a->err,
			     "%s(%s, %#lx) = %ld, errno %d (%s); want errno %d (%s)",
			     call, mode_name(a->mode), a->mask, ret, errno,
			     strerror(errno), a->err, strerror(a->err));
		if (a->task)
			ret = get_mempolicy(&mode, NULL, 0, NULL, 0);
		else
			ret = get_mempolicy(&mode, NULL, 0, p, MPOL_F_ADDR);
		WORKER_CHECK(ret == 0 && mode == MPOL_DEFAULT,
			     "refused %s changed the policy: mode %d", call, mode);
	} else {
		WORKER_CHECK(ret == 0, "%s(%s, %#lx) = %ld: %s", call,
			     mode_name(a->mode), a->mask, ret, strerror(errno));
	}
	pn_fill(p, n, 1);
	WORKER_CHECK(pn_check(p, n, 1) == -1, "data lost");
	if (a->err)
		WORKER_CHECK(pn_count_on(p, n, NID) == 0, "%zu pages on node %d after a refused %s",
			     pn_count_on(p, n, NID), NID, call);
	else
		WORKER_CHECK(pn_count_on(p, n, NID) == n, "%zu of %zu pages on node %d after %s",
			     pn_count_on(p, n, NID), n, NID, call);
	if (a->task)
		set_mempolicy(MPOL_DEFAULT, NULL, 0);
	munmap(p, n * pn_page_size());
	return 0;
}

/* Run one policy call in @cg; the worker's verdict. */
static int run_policy(const char *cg, bool task, int mode, unsigned long mask, int err)
{
	struct policy_arg a = { .task = task, .mode = mode, .mask = mask, .err = err };

	return cg_run(cg, wk_policy, &a);
}

/*
 * move_pages() of MOVE_PAGES resident pages to node 2.  The call must
 * return 0; each page's status must be @want (NID or -EACCES), and a
 * refused page must stay where it was.
 */
#define MOVE_PAGES 64

static int wk_move_pages(struct cg_worker *w, void *arg)
{
	int want = *(int *)arg, before[MOVE_PAGES], status[MOVE_PAGES], after[MOVE_PAGES];
	const size_t n = MOVE_PAGES;
	size_t i;
	long ret;
	char *p;

	p = pn_anon(n);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	pn_fill(p, n, 3);
	WORKER_CHECK(pn_where(p, n, before) == 0, "query: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		WORKER_CHECK(before[i] >= 0 && before[i] != NID,
			     "page %zu starts on node %d", i, before[i]);
		status[i] = 12345;
	}
	ret = pn_move_all(p, n, NID, status);
	WORKER_CHECK(ret == 0, "move_pages() = %ld: %s", ret, strerror(errno));
	for (i = 0; i < n; i++)
		WORKER_CHECK(status[i] == want, "page %zu: status %d, want %d", i,
			     status[i], want);
	WORKER_CHECK(pn_where(p, n, after) == 0, "query: %s", strerror(errno));
	for (i = 0; i < n; i++)
		WORKER_CHECK(after[i] == (want == NID ? NID : before[i]),
			     "page %zu: on node %d, was on %d", i, after[i], before[i]);
	WORKER_CHECK(pn_check(p, n, 3) == -1, "data lost");
	munmap(p, n * pn_page_size());
	return 0;
}

/*
 * migrate_pages(self, {0}, {2}) with the worker's pages on node 0.  @err
 * 0: must succeed and move them to node 2.  Otherwise it must fail with
 * @err and move nothing.
 */
static int wk_migrate_pages(struct cg_worker *w, void *arg)
{
	unsigned long zero = pn_node_bit(0), priv = pn_node_bit(NID);
	int err = *(int *)arg;
	const size_t n = 64;
	long ret;
	char *p;

	ret = set_mempolicy(MPOL_BIND, &zero, PN_MAXNODE);
	WORKER_CHECK(ret == 0, "set_mempolicy({0}): %s", strerror(errno));
	p = pn_anon(n);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	pn_fill(p, n, 4);
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	WORKER_CHECK(pn_count_on(p, n, 0) == n, "only %zu pages on node 0",
		     pn_count_on(p, n, 0));
	errno = 0;
	ret = migrate_pages(0, PN_MAXNODE, &zero, &priv);
	if (err) {
		WORKER_CHECK(ret == -1 && errno == err,
			     "migrate_pages({0}, {2}) = %ld, errno %d (%s); want errno %d (%s)",
			     ret, errno, strerror(errno), err, strerror(err));
		WORKER_CHECK(pn_count_on(p, n, 0) == n, "%zu pages left node 0",
			     n - pn_count_on(p, n, 0));
	} else {
		WORKER_CHECK(ret >= 0, "migrate_pages({0}, {2}) = %ld: %s", ret,
			     strerror(errno));
		WORKER_CHECK(pn_count_on(p, n, NID) == n, "%zu of %zu pages on node %d",
			     pn_count_on(p, n, NID), n, NID);
	}
	WORKER_CHECK(pn_check(p, n, 4) == -1, "data lost");
	munmap(p, n * pn_page_size());
	return 0;
}

/*
 * Fault-time check.  mbind(MPOL_BIND, {2}) while granted, fault the first
 * half in (node 2), signal, wait for the test to revoke the grant, then
 * fault the second half in: those pages must land on ordinary nodes.
 */
#define FAULT_PAGES 128

static int wk_fault_after_revoke(struct cg_worker *w, void *arg)
{
	unsigned long priv = pn_node_bit(NID);
	const size_t half = FAULT_PAGES / 2;
	char *p, *second;

	p = pn_anon(FAULT_PAGES);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	second = p + half * pn_page_size();
	WORKER_CHECK(mbind(p, FAULT_PAGES * pn_page_size(), MPOL_BIND, &priv,
			   PN_MAXNODE, 0) == 0, "granted mbind({2}): %s", strerror(errno));
	pn_fill(p, half, 5);
	WORKER_CHECK(pn_count_on(p, half, NID) == half, "granted: %zu of %zu pages on node %d",
		     pn_count_on(p, half, NID), half, NID);
	WORKER_CHECK(cgw_signal(w) == 0 && cgw_wait(w, -1) == 0, "lost the test");

	pn_fill(second, half, 6);
	WORKER_CHECK(pn_count_on(second, half, NID) == 0,
		     "revoked: %zu new pages still faulted on node %d",
		     pn_count_on(second, half, NID), NID);
	WORKER_CHECK(pn_all_on_mask(second, half, ORDINARY),
		     "revoked: new pages not on ordinary nodes");
	WORKER_CHECK(pn_check(p, half, 5) == -1, "data of the first half lost");
	WORKER_CHECK(pn_check(second, half, 6) == -1, "data of the second half lost");
	munmap(p, FAULT_PAGES * pn_page_size());
	return 0;
}

/*
 * Resident pages: RESIDENT_PAGES pages on node 2 (granted mbind), their
 * address sent to the test, which revokes the grant and looks where they
 * are with move_pages(pid); on its signal the worker checks their data.
 */
#define RESIDENT_PAGES 128

static int wk_resident(struct cg_worker *w, void *arg)
{
	unsigned long priv = pn_node_bit(NID);
	const size_t n = RESIDENT_PAGES;
	char *p;

	p = pn_anon(n);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(mbind(p, n * pn_page_size(), MPOL_BIND, &priv, PN_MAXNODE, 0) == 0,
		     "granted mbind({2}): %s", strerror(errno));
	pn_fill(p, n, 7);
	WORKER_CHECK(pn_count_on(p, n, NID) == n, "granted: %zu of %zu pages on node %d",
		     pn_count_on(p, n, NID), n, NID);
	WORKER_CHECK(cgw_send(w, &p, sizeof(p)) == 0 && cgw_wait(w, -1) == 0,
		     "lost the test");
	WORKER_CHECK(pn_check(p, n, 7) == -1, "data lost after the revocation");
	munmap(p, n * pn_page_size());
	return 0;
}

/* Wait for a worker's ready signal; on failure reap it and log why. */
static int worker_ready(struct __test_metadata *_metadata, struct cg_worker *w,
			void *buf, size_t len)
{
	char c;
	int ret = buf ? cgw_recv(w, buf, len, READY_MS) : cgw_recv(w, &c, 1, READY_MS);

	if (ret) {
		kill(w->pid, SIGKILL);
		TH_LOG("worker never got ready: exit %d", cg_worker_finish(w));
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* The files                                                           */
/* ------------------------------------------------------------------ */

static const char *const pn_files[] = {
	PN_NODES, PN_EFFECTIVE, PN_EVENTS, PN_EVENTS_LOCAL,
};

/*
 * The four files exist in a non-root cgroup with the memory controller,
 * with the modes of rw and ro cgroup files, and nowhere else: not in the
 * root, not in a cgroup whose parent did not enable the controller.
 */
TEST_F(cg_nodrv, files_only_in_nonroot_memory_cgroups)
{
	char sub[PATH_MAX], path[PATH_MAX];
	struct stat st;
	size_t i;

	cg_path(sub, sizeof(sub), self->c.cg, "nomemory");
	ASSERT_EQ(0, cg_create(sub));
	for (i = 0; i < ARRAY_SIZE(pn_files); i++) {
		EXPECT_FALSE(cg_has(CG_ROOT, pn_files[i])) TH_LOG("root has %s", pn_files[i]);
		EXPECT_FALSE(cg_has(sub, pn_files[i])) TH_LOG("no memory controller, has %s",
							      pn_files[i]);
		cg_path(path, sizeof(path), self->c.cg, pn_files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(i == 0 ? 0644 : 0444, st.st_mode & 0777) TH_LOG("%s", path);
	}
}

/* None of the files may be delegated to a cgroup namespace. */
TEST_F(cg_nodrv, files_not_in_delegate_list)
{
	char buf[4096], *line, *save = NULL;
	bool procs = false;

	ASSERT_LE(0, cg_read("/sys/kernel/cgroup", "delegate", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		procs |= !strcmp(line, "cgroup.procs");
		EXPECT_NE(0, strncmp(line, "memory.private_nodes", 20))
			TH_LOG("%s is delegatable", line);
	}
	EXPECT_TRUE(procs) TH_LOG("the delegate list does not look like one");
}

/* While node 2 is not private, "2" is refused like any other node. */
TEST_F(cg_nodrv, write_nonprivate_node_einval)
{
	EXPECT_EQ(-EINVAL, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_NODES(self->c.cg, "\n");
	EXPECT_EFFECTIVE(self->c.cg, "\n");
}

/* A new cgroup is closed: empty request, empty effective, no denial. */
TEST_F(cg, new_cgroup_is_closed)
{
	char buf[256];

	EXPECT_NODES(self->c.cg, "\n");
	EXPECT_EFFECTIVE(self->c.cg, "\n");
	ASSERT_LE(0, cg_read(self->c.cg, PN_EVENTS, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "denied 0\n")) TH_LOG("events: %s", buf);
	ASSERT_LE(0, cg_read(self->c.cg, PN_EVENTS_LOCAL, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "denied 0\n")) TH_LOG("events.local: %s", buf);
	EXPECT_EQ(0, cg_denied(self->c.cg));
	EXPECT_EQ(0, cg_denied_local(self->c.cg));
}

/* "2" is accepted, with or without a newline, and read back as "2\n". */
TEST_F(cg, write_private_node_reads_back)
{
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_NODES(self->c.cg, "2\n");
	EXPECT_EFFECTIVE(self->c.cg, "2\n");
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, "\n"));
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, "2\n"));
	EXPECT_NODES(self->c.cg, "2\n");
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, "2-2"));
	EXPECT_NODES(self->c.cg, "2\n");
}

/*
 * An empty list clears the request: "echo > memory.private_nodes" writes
 * "\n".  A zero-length write(2) never reaches the file's handler (the
 * cgroup core returns 0 for it), so it changes nothing.
 */
TEST_F(cg, write_empty_clears)
{
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, "\n"));
	EXPECT_NODES(self->c.cg, "\n");
	EXPECT_EFFECTIVE(self->c.cg, "\n");

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, ""));	/* write(fd, "", 0) */
	EXPECT_NODES(self->c.cg, "2\n");
	EXPECT_EQ(0, cg_write(self->c.cg, PN_NODES, "\n"));
	EXPECT_NODES(self->c.cg, "\n");
}

/*
 * Anything but a list of private nodes fails with EINVAL and leaves both
 * the request and the effective grant as they were: tried on a cgroup
 * granted "2" and on an empty one.
 */
TEST_F(cg, bad_writes_einval_unchanged)
{
	static const char *const bad[] = {
		"0", "1", "3", "0\n", "9999", "garbage", "2-", "-1", "2,,3", "0-2",
		"2,3", "0,2", "2-3", "1-2", "3-2", "2 3", "2x", "x2", "-", "4095",
		"-2", "0x2", "2:1", "2,3\n", "2-x",
	};
	static const char *const state[] = { "2\n", "\n" };
	int s;
	size_t i;

	for (s = 0; s < 2; s++) {
		ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, state[s]));
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_EQ(-EINVAL, cg_write(self->c.cg, PN_NODES, bad[i]))
				TH_LOG("writing \"%s\"", bad[i]);
			EXPECT_NODES(self->c.cg, state[s]);
			EXPECT_EFFECTIVE(self->c.cg, state[s]);
		}
	}
}

/*
 * Long strings: up to a page they reach the parser and fail with EINVAL;
 * longer ones kernfs refuses itself (E2BIG).  Nothing changes.
 */
TEST_F(cg, long_writes_refused)
{
	long page = pn_page_size();
	char *s = malloc(2 * page + 1);
	size_t i;
	int err;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));

	/* A number far beyond any node id. */
	memset(s, '9', page - 1);
	s[page - 1] = '\0';
	EXPECT_EQ(-EINVAL, cg_write(self->c.cg, PN_NODES, s));
	EXPECT_NODES(self->c.cg, "2\n");

	/* A long list naming ordinary node 0 again and again, then 2. */
	for (i = 0; i + 2 < (size_t)page - 2; i += 2)
		memcpy(s + i, "0,", 2);
	memcpy(s + i, "2", 2);
	EXPECT_EQ(-EINVAL, cg_write(self->c.cg, PN_NODES, s));
	EXPECT_NODES(self->c.cg, "2\n");

	/* A full page of garbage. */
	memset(s, 'g', page);
	s[page] = '\0';
	EXPECT_EQ(-EINVAL, cg_write(self->c.cg, PN_NODES, s));
	EXPECT_NODES(self->c.cg, "2\n");

	/* More than a page: refused before or by the parser. */
	memset(s, '2', 2 * page);
	s[2 * page] = '\0';
	err = -cg_write(self->c.cg, PN_NODES, s);
	EXPECT_TRUE(err == E2BIG || err == EINVAL) TH_LOG("errno %d", err);
	EXPECT_NODES(self->c.cg, "2\n");

	/* And the empty grant survives them too. */
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "\n"));
	memset(s, '9', page - 1);
	s[page - 1] = '\0';
	EXPECT_EQ(-EINVAL, cg_write(self->c.cg, PN_NODES, s));
	EXPECT_NODES(self->c.cg, "\n");
	free(s);
}

/* The read-only files refuse writes (even root's) and keep their content. */
TEST_F(cg, readonly_files_refuse_writes)
{
	static const char *const ro[] = { PN_EFFECTIVE, PN_EVENTS, PN_EVENTS_LOCAL };
	char before[256], after[256];
	size_t i;

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		ASSERT_LE(0, cg_read(self->c.cg, ro[i], before, sizeof(before)));
		EXPECT_NE(0, cg_write(self->c.cg, ro[i], "2")) TH_LOG("%s", ro[i]);
		EXPECT_NE(0, cg_write(self->c.cg, ro[i], "\n")) TH_LOG("%s", ro[i]);
		EXPECT_NE(0, cg_write(self->c.cg, ro[i], "denied 0")) TH_LOG("%s", ro[i]);
		ASSERT_LE(0, cg_read(self->c.cg, ro[i], after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("%s", ro[i]);
	}
}

/* ------------------------------------------------------------------ */
/* The effective grant                                                 */
/* ------------------------------------------------------------------ */

/* A child of the root gets what it requests: the root's effective is all. */
TEST_F(cg, effective_child_of_root)
{
	EXPECT_EFFECTIVE(self->c.cg, "\n");
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EFFECTIVE(self->c.cg, "2\n");
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "\n"));
	EXPECT_EFFECTIVE(self->c.cg, "\n");
}

/*
 * A grandchild's request counts only once its parent requests the node
 * too; a sibling that requested nothing stays closed.  Requests are kept
 * as written.
 */
TEST_F(cg, effective_needs_every_ancestor)
{
	char b[PATH_MAX], c[PATH_MAX];
	const char *a = self->c.cg;

	ASSERT_EQ(0, cg_mkchild(a, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_mkchild(a, "c", c, sizeof(c)));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	EXPECT_NODES(b, "2\n");
	EXPECT_EFFECTIVE(b, "\n");
	EXPECT_EFFECTIVE(a, "\n");
	EXPECT_EFFECTIVE(c, "\n");

	ASSERT_EQ(0, cg_write(a, PN_NODES, "2"));
	EXPECT_EFFECTIVE(a, "2\n");
	EXPECT_EFFECTIVE(b, "2\n");
	EXPECT_EFFECTIVE(c, "\n");
	EXPECT_NODES(c, "\n");
}

/*
 * Narrowing an ancestor narrows every descendant at once, without touching
 * their requests; widening it again restores them.
 */
TEST_F(cg, narrowing_parent_narrows_descendants)
{
	char b[PATH_MAX], c[PATH_MAX];
	const char *a = self->c.cg;

	ASSERT_EQ(0, cg_mkchild(a, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_mkchild(b, "c", c, sizeof(c)));
	ASSERT_EQ(0, cg_write(a, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(c, PN_NODES, "2"));
	EXPECT_EFFECTIVE(a, "2\n");
	EXPECT_EFFECTIVE(b, "2\n");
	EXPECT_EFFECTIVE(c, "2\n");

	ASSERT_EQ(0, cg_write(a, PN_NODES, "\n"));
	EXPECT_EFFECTIVE(a, "\n");
	EXPECT_EFFECTIVE(b, "\n");
	EXPECT_EFFECTIVE(c, "\n");
	EXPECT_NODES(b, "2\n");
	EXPECT_NODES(c, "2\n");

	ASSERT_EQ(0, cg_write(a, PN_NODES, "2"));
	EXPECT_EFFECTIVE(b, "2\n");
	EXPECT_EFFECTIVE(c, "2\n");

	ASSERT_EQ(0, cg_write(b, PN_NODES, "\n"));
	EXPECT_EFFECTIVE(a, "2\n");
	EXPECT_EFFECTIVE(b, "\n");
	EXPECT_EFFECTIVE(c, "\n");
	EXPECT_NODES(c, "2\n");
}

/* ------------------------------------------------------------------ */
/* Refusals in a cgroup without the grant                              */
/* ------------------------------------------------------------------ */

/* mbind(MPOL_BIND, {2}): EPERM, one denial. */
TEST_F(cg, ungranted_mbind_bind_eperm)
{
	EXPECT_EQ(0, run_policy(self->c.cg, false, MPOL_BIND, pn_node_bit(NID), EPERM));
	EXPECT_EQ(1, cg_denied(self->c.cg));
	EXPECT_EQ(1, cg_denied_local(self->c.cg));
}

/* mbind(MPOL_PREFERRED, {2}): EPERM, one denial. */
TEST_F(cg, ungranted_mbind_preferred_eperm)
{
	EXPECT_EQ(0, run_policy(self->c.cg, false, MPOL_PREFERRED, pn_node_bit(NID), EPERM));
	EXPECT_EQ(1, cg_denied(self->c.cg));
	EXPECT_EQ(1, cg_denied_local(self->c.cg));
}

/*
 * set_mempolicy() naming node 2, alone or with ordinary node 0: EPERM and
 * one denial per call; the task keeps the default policy.
 */
TEST_F(cg, ungranted_set_mempolicy_eperm)
{
	unsigned long priv = pn_node_bit(NID), both = pn_node_bit(0) | pn_node_bit(NID);

	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_BIND, priv, EPERM));
	EXPECT_EQ(1, cg_denied(self->c.cg));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_BIND, both, EPERM));
	EXPECT_EQ(2, cg_denied(self->c.cg));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_PREFERRED, priv, EPERM));
	EXPECT_EQ(3, cg_denied(self->c.cg));
	EXPECT_EQ(3, cg_denied_local(self->c.cg));
}

/*
 * move_pages() to node 2: the call returns 0, every page reports -EACCES
 * and stays where it was; one denial per page.
 */
TEST_F(cg, ungranted_move_pages_eacces)
{
	int want = -EACCES;

	EXPECT_EQ(0, cg_run(self->c.cg, wk_move_pages, &want));
	EXPECT_EQ(MOVE_PAGES, cg_denied(self->c.cg));
	EXPECT_EQ(MOVE_PAGES, cg_denied_local(self->c.cg));
}

/* migrate_pages(self, {0}, {2}): EPERM, nothing moves, one denial. */
TEST_F(cg, ungranted_migrate_pages_eperm)
{
	int err = EPERM;

	EXPECT_EQ(0, cg_run(self->c.cg, wk_migrate_pages, &err));
	EXPECT_EQ(1, cg_denied(self->c.cg));
	EXPECT_EQ(1, cg_denied_local(self->c.cg));
}

/*
 * A cgroup whose own request names node 2 but whose parent requested
 * nothing has an empty effective grant: refused like any other.
 */
TEST_F(cg, request_without_parent_grant_eperm)
{
	char b[PATH_MAX];

	ASSERT_EQ(0, cg_mkchild(self->c.cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	EXPECT_EFFECTIVE(b, "\n");
	EXPECT_EQ(0, run_policy(b, false, MPOL_BIND, pn_node_bit(NID), EPERM));
	EXPECT_EQ(0, run_policy(b, true, MPOL_BIND, pn_node_bit(NID), EPERM));
	EXPECT_EQ(2, cg_denied_local(b));
}

/*
 * A node whose owner did not opt into MEMPOLICY stays EINVAL, granted or
 * not: that check comes first, and such a call is not counted as denied.
 */
TEST_F(cg_nompol, mempolicy_not_opted_in_einval)
{
	unsigned long priv = pn_node_bit(NID);

	EXPECT_EQ(0, run_policy(self->c.cg, false, MPOL_BIND, priv, EINVAL));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_PREFERRED, priv, EINVAL));
	EXPECT_EQ(0, cg_denied(self->c.cg));

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EFFECTIVE(self->c.cg, "2\n");
	EXPECT_EQ(0, run_policy(self->c.cg, false, MPOL_BIND, priv, EINVAL));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_PREFERRED, priv, EINVAL));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/* Tasks of the root cgroup are never restricted. */
TEST_F(cg, root_cgroup_unrestricted)
{
	unsigned long priv = pn_node_bit(NID), both = pn_node_bit(0) | pn_node_bit(NID);
	char mine[PATH_MAX];
	int want = NID, err = 0;

	cg_of_pid(getpid(), mine, sizeof(mine));
	if (strcmp(mine, "/"))
		SKIP(return, "the test runs in cgroup '%s', not the root", mine);
	EXPECT_EQ(0, run_policy(NULL, false, MPOL_BIND, priv, 0));
	EXPECT_EQ(0, run_policy(NULL, false, MPOL_PREFERRED, priv, 0));
	EXPECT_EQ(0, run_policy(NULL, true, MPOL_BIND, priv, 0));
	EXPECT_EQ(0, run_policy(NULL, true, MPOL_BIND, both, 0));
	EXPECT_EQ(0, cg_run(NULL, wk_move_pages, &want));
	EXPECT_EQ(0, cg_run(NULL, wk_migrate_pages, &err));
}

/* ------------------------------------------------------------------ */
/* With the grant                                                      */
/* ------------------------------------------------------------------ */

/* mbind() naming node 2 works and faults land there. */
TEST_F(cg, granted_mbind_lands_on_node)
{
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EQ(0, run_policy(self->c.cg, false, MPOL_BIND, pn_node_bit(NID), 0));
	EXPECT_EQ(0, run_policy(self->c.cg, false, MPOL_PREFERRED, pn_node_bit(NID), 0));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/*
 * A granted task with pages on node 2 still sees only ordinary nodes in
 * its cpuset: with the cpuset controller on, cpuset.mems.effective of its
 * cgroup leaves node 2 out.  Mems_allowed_list of /proc/self/status, where
 * libnuma learns which nodes a policy may name, lists the granted node as
 * well (patch 27), next to the ordinary ones.
 */
static int wk_cpuset_view(struct cg_worker *w, void *arg)
{
	const char *cg = arg;
	unsigned long priv = pn_node_bit(NID);
	char buf[4096], *line;
	const size_t n = 16;
	char *p = pn_anon(n);

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(mbind(p, n * pn_page_size(), MPOL_BIND, &priv, PN_MAXNODE, 0) == 0,
		     "granted mbind({2}): %s", strerror(errno));
	pn_fill(p, n, 5);
	WORKER_CHECK(pn_count_on(p, n, NID) == n, "pages not on node %d", NID);
	WORKER_CHECK(read_file("/proc/self/status", buf, sizeof(buf)) == 0,
		     "read /proc/self/status");
	line = strstr(buf, "Mems_allowed_list:");
	WORKER_CHECK(line, "no Mems_allowed_list");
	line += strlen("Mems_allowed_list:");
	*strchrnul(line, '\n') = 0;
	WORKER_CHECK(nodelist_has(line, NID), "Mems_allowed_list lacks node %d: %s",
		     NID, line);
	WORKER_CHECK(nodelist_has(line, 0), "Mems_allowed_list lacks node 0: %s", line);
	if (cg_read(cg, "cpuset.mems.effective", buf, sizeof(buf)) >= 0)
		WORKER_CHECK(!nodelist_has(buf, NID),
			     "cpuset.mems.effective shows node %d: %s", NID, buf);
	return 0;
}

TEST_F(cg, cpuset_view_keeps_ordinary_nodes)
{
	char mine[PATH_MAX], parent_ctl[PATH_MAX];

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	/* The cpuset controller, if the kernel has it, for the test cgroup. */
	cg_path(parent_ctl, sizeof(parent_ctl), self->c.cg, "..");
	cg_write(parent_ctl, "cgroup.subtree_control", "+cpuset");
	snprintf(mine, sizeof(mine), "%s", self->c.cg);
	EXPECT_EQ(0, cg_run(self->c.cg, wk_cpuset_view, mine));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/* set_mempolicy() naming node 2, alone or with node 0, works. */
TEST_F(cg, granted_set_mempolicy_lands_on_node)
{
	unsigned long priv = pn_node_bit(NID), both = pn_node_bit(0) | pn_node_bit(NID);

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_BIND, priv, 0));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_BIND, both, 0));
	EXPECT_EQ(0, run_policy(self->c.cg, true, MPOL_PREFERRED, priv, 0));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/* move_pages() to node 2 moves every page, data intact. */
TEST_F(cg, granted_move_pages)
{
	int want = NID;

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EQ(0, cg_run(self->c.cg, wk_move_pages, &want));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/* migrate_pages(self, {0}, {2}) moves the pages, data intact. */
TEST_F(cg, granted_migrate_pages)
{
	int err = 0;

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	EXPECT_EQ(0, cg_run(self->c.cg, wk_migrate_pages, &err));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/* A grant reaches a deep cgroup when every ancestor requests the node. */
TEST_F(cg, granted_through_every_ancestor)
{
	char b[PATH_MAX], c[PATH_MAX];
	int want = NID;

	ASSERT_EQ(0, cg_mkchild(self->c.cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_mkchild(b, "c", c, sizeof(c)));
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(c, PN_NODES, "2"));
	EXPECT_EQ(0, run_policy(c, false, MPOL_BIND, pn_node_bit(NID), 0));
	EXPECT_EQ(0, run_policy(c, true, MPOL_BIND, pn_node_bit(NID), 0));
	EXPECT_EQ(0, cg_run(c, wk_move_pages, &want));
	EXPECT_EQ(0, cg_denied(self->c.cg));
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/*
 * A denial in a grandchild counts in its own events and events.local and
 * in every ancestor's (hierarchical) events, never in their events.local
 * nor in a sibling's.
 */
TEST_F(cg, events_hierarchical_and_local)
{
	char b[PATH_MAX], c[PATH_MAX], s[PATH_MAX];
	const char *a = self->c.cg;
	int want = -EACCES;

	ASSERT_EQ(0, cg_mkchild(a, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_mkchild(b, "c", c, sizeof(c)));
	ASSERT_EQ(0, cg_mkchild(a, "s", s, sizeof(s)));
	EXPECT_EQ(0, run_policy(c, false, MPOL_BIND, pn_node_bit(NID), EPERM));
	EXPECT_EQ(1, cg_denied(c));
	EXPECT_EQ(1, cg_denied_local(c));
	EXPECT_EQ(1, cg_denied(b));
	EXPECT_EQ(0, cg_denied_local(b));
	EXPECT_EQ(1, cg_denied(a));
	EXPECT_EQ(0, cg_denied_local(a));

	/* A sibling's own denials add up at the common ancestor only. */
	EXPECT_EQ(0, cg_run(s, wk_move_pages, &want));
	EXPECT_EQ(MOVE_PAGES, cg_denied_local(s));
	EXPECT_EQ(1, cg_denied(b));
	EXPECT_EQ(1, cg_denied(c));
	EXPECT_EQ(1 + MOVE_PAGES, cg_denied(a));
	EXPECT_EQ(0, cg_denied_local(a));
}

/*
 * poll(POLLPRI) on the events files, as on memory.events: nothing pending
 * once read, woken when a denial changes the counter (the cgroup's own
 * events.local and the ancestor's hierarchical events).
 */
TEST_F(cg, events_poll_wakes_on_denial)
{
	char b[PATH_MAX], path[PATH_MAX], buf[256];
	struct pollfd pfd[2];
	long deadline;
	int i, got = 0;

	ASSERT_EQ(0, cg_mkchild(self->c.cg, "b", b, sizeof(b)));
	cg_path(path, sizeof(path), self->c.cg, PN_EVENTS);
	pfd[0].fd = open(path, O_RDONLY);
	cg_path(path, sizeof(path), b, PN_EVENTS_LOCAL);
	pfd[1].fd = open(path, O_RDONLY);
	ASSERT_LE(0, pfd[0].fd);
	ASSERT_LE(0, pfd[1].fd);
	for (i = 0; i < 2; i++) {
		pfd[i].events = POLLPRI;
		ASSERT_LT(0, read(pfd[i].fd, buf, sizeof(buf)));
	}
	EXPECT_EQ(0, poll(pfd, 2, 0)) TH_LOG("an event pending before any denial");

	EXPECT_EQ(0, run_policy(b, false, MPOL_BIND, pn_node_bit(NID), EPERM));
	deadline = cg_now_ms() + 10000;
	while (got != 3 && cg_now_ms() < deadline) {
		if (poll(pfd, 2, deadline - cg_now_ms()) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents & POLLPRI) {
				got |= 1 << i;
				pfd[i].fd = -pfd[i].fd - 1;	/* stop polling it */
			}
		}
	}
	EXPECT_TRUE(got & 1) TH_LOG("no POLLPRI on the parent's " PN_EVENTS);
	EXPECT_TRUE(got & 2) TH_LOG("no POLLPRI on the child's " PN_EVENTS_LOCAL);
	for (i = 0; i < 2; i++) {
		if (pfd[i].fd < 0)
			pfd[i].fd = -pfd[i].fd - 1;
		close(pfd[i].fd);
	}
	EXPECT_EQ(1, cg_denied(self->c.cg));
	EXPECT_EQ(1, cg_denied_local(b));
}

/* ------------------------------------------------------------------ */
/* Revocation                                                          */
/* ------------------------------------------------------------------ */

/*
 * Revoke the grant of @victim (the worker's cgroup @leaf or an ancestor)
 * between two faults of a granted mbind({2}) region: new faults go to
 * ordinary nodes and count as denied.
 */
static void fault_after_revoke(struct __test_metadata *_metadata,
			       const char *leaf, const char *victim)
{
	struct cg_worker w;
	long denied;

	ASSERT_EQ(0, cg_worker_start(&w, leaf, wk_fault_after_revoke, NULL));
	ASSERT_EQ(0, worker_ready(_metadata, &w, NULL, 0));
	denied = cg_denied(leaf);
	ASSERT_LE(0, denied);
	EXPECT_EQ(0, cg_write(victim, PN_NODES, "\n"));
	EXPECT_EFFECTIVE(leaf, "\n");
	EXPECT_EQ(0, cgw_signal(&w));
	EXPECT_EQ(0, cg_worker_finish(&w));
	EXPECT_LT(denied, cg_denied(leaf));
}

/* Revoking the cgroup's own grant stops new placements at fault time. */
TEST_F(cg, revoke_own_grant_redirects_new_faults)
{
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	fault_after_revoke(_metadata, self->c.cg, self->c.cg);
}

/* So does narrowing an ancestor. */
TEST_F(cg, revoke_ancestor_grant_redirects_new_faults)
{
	char b[PATH_MAX];

	ASSERT_EQ(0, cg_mkchild(self->c.cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	fault_after_revoke(_metadata, b, self->c.cg);
	EXPECT_NODES(b, "2\n");
}

/*
 * A worker in @leaf holds RESIDENT_PAGES pages on node 2; revoke @victim's
 * grant.  When write() returns, the pages must be on ordinary nodes if
 * @migrated, else still on node 2; their data intact either way.
 */
static void resident_after_revoke(struct __test_metadata *_metadata,
				  const char *leaf, const char *victim, bool migrated)
{
	int status[RESIDENT_PAGES];
	size_t i, on_priv = 0, on_ordinary = 0;
	struct cg_worker w;
	char *p;

	ASSERT_EQ(0, cg_worker_start(&w, leaf, wk_resident, NULL));
	ASSERT_EQ(0, worker_ready(_metadata, &w, &p, sizeof(p)));
	ASSERT_EQ(0, pn_where_pid(w.pid, p, RESIDENT_PAGES, status));
	for (i = 0; i < RESIDENT_PAGES; i++)
		on_priv += status[i] == NID;
	ASSERT_EQ(RESIDENT_PAGES, on_priv) TH_LOG("pages not on node %d before revoking", NID);

	EXPECT_EQ(0, cg_write(victim, PN_NODES, "\n"));
	/* Right after write() returned: no waiting. */
	ASSERT_EQ(0, pn_where_pid(w.pid, p, RESIDENT_PAGES, status));
	on_priv = 0;
	for (i = 0; i < RESIDENT_PAGES; i++) {
		on_priv += status[i] == NID;
		on_ordinary += status[i] == 0 || status[i] == 1;
	}
	if (migrated) {
		EXPECT_EQ(RESIDENT_PAGES, on_ordinary)
			TH_LOG("%zu pages still on node %d after the revocation", on_priv, NID);
	} else {
		EXPECT_EQ(RESIDENT_PAGES, on_priv)
			TH_LOG("%zu pages left node %d without NP_OPS_MIGRATION",
			       RESIDENT_PAGES - on_priv, NID);
	}
	EXPECT_EQ(0, cgw_signal(&w));
	EXPECT_EQ(0, cg_worker_finish(&w)) TH_LOG("data lost");
}

/* With NP_OPS_MIGRATION, revoking migrates resident pages off the node. */
TEST_F(cg, revoke_migrates_resident_pages)
{
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	resident_after_revoke(_metadata, self->c.cg, self->c.cg, true);
}

/* Narrowing an ancestor migrates a descendant's resident pages too. */
TEST_F(cg, revoke_ancestor_migrates_resident_pages)
{
	char b[PATH_MAX];

	ASSERT_EQ(0, cg_mkchild(self->c.cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	resident_after_revoke(_metadata, b, self->c.cg, true);
}

/* Without NP_OPS_MIGRATION, resident pages stay where they are. */
TEST_F(cg_nomigrate, revoke_leaves_resident_pages)
{
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	resident_after_revoke(_metadata, self->c.cg, self->c.cg, false);
}

/* ------------------------------------------------------------------ */
/* Delegation                                                          */
/* ------------------------------------------------------------------ */

struct deleg_arg {
	const char *d;
	char sub[PATH_MAX];
};

/*
 * As uid/gid NOBODY, the delegatee of cgroup D: create D/sub, move there,
 * enable the memory controller under D, grant itself node 2 in D/sub.  The
 * write is allowed (it owns the file) but widens nothing, and D's own
 * file is out of reach.
 */
static int wk_delegatee(struct cg_worker *w, void *arg)
{
	struct deleg_arg *a = arg;
	unsigned long priv = pn_node_bit(NID);
	char path[PATH_MAX], buf[256];
	const size_t n = 16;
	struct stat st;
	long ret;
	int fd;
	char *p;

	WORKER_CHECK(setgroups(0, NULL) == 0, "setgroups: %s", strerror(errno));
	WORKER_CHECK(setresgid(NOBODY, NOBODY, NOBODY) == 0, "setresgid: %s", strerror(errno));
	WORKER_CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0, "setresuid: %s", strerror(errno));

	WORKER_CHECK(stat(a->d, &st) == 0, "uid %d cannot reach %s: %s (is every directory on the path searchable?)",
		     NOBODY, a->d, strerror(errno));
	WORKER_CHECK(cg_create(a->sub) == 0, "mkdir %s: %s", a->sub, strerror(errno));
	ret = cg_enter(a->sub, getpid());
	WORKER_CHECK(ret == 0, "entering %s: %s", a->sub, strerror(-ret));
	ret = cg_enable_memory(a->d);
	WORKER_CHECK(ret == 0, "+memory in %s: %s", a->d, strerror(-ret));
	cg_path(path, sizeof(path), a->sub, PN_NODES);
	WORKER_CHECK(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	WORKER_CHECK(st.st_uid == NOBODY, "%s is owned by uid %d", path, (int)st.st_uid);

	ret = cg_write(a->sub, PN_NODES, "2");
	WORKER_CHECK(ret == 0, "writing 2 to %s: %s", path, strerror(-ret));
	WORKER_CHECK(cg_read(a->sub, PN_NODES, buf, sizeof(buf)) >= 0 && !strcmp(buf, "2\n"),
		     "%s reads '%s'", path, buf);
	WORKER_CHECK(cg_read(a->sub, PN_EFFECTIVE, buf, sizeof(buf)) >= 0 && !strcmp(buf, "\n"),
		     "the delegatee widened its grant: effective '%s'", buf);

	p = pn_anon(n);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	errno = 0;
	ret = mbind(p, n * pn_page_size(), MPOL_BIND, &priv, PN_MAXNODE, 0);
	WORKER_CHECK(ret == -1 && errno == EPERM, "mbind({2}) = %ld, errno %d (%s)",
		     ret, errno, strerror(errno));
	pn_fill(p, n, 8);
	WORKER_CHECK(pn_count_on(p, n, NID) == 0, "pages on node %d", NID);

	cg_path(path, sizeof(path), a->d, PN_NODES);
	errno = 0;
	fd = open(path, O_WRONLY);
	WORKER_CHECK(fd < 0 && (errno == EACCES || errno == EPERM),
		     "opened %s for writing: fd %d, %s", path, fd, strerror(errno));
	return 0;
}

/*
 * A delegated subtree only narrows what its root was granted: D (a child
 * of the root, granted nothing) is delegated to NOBODY, who may write
 * "2" into its own D/sub but gains nothing by it.
 */
TEST_F(cg, delegatee_cannot_widen_grant)
{
	static const char *const owned[] = {
		"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control",
	};
	struct deleg_arg a = { .d = self->c.cg };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(owned); i++) {
		snprintf(path, sizeof(path), "%s%s", self->c.cg, owned[i]);
		ASSERT_EQ(0, chown(path, NOBODY, NOBODY)) TH_LOG("%s: %s", path, strerror(errno));
	}
	cg_path(a.sub, sizeof(a.sub), self->c.cg, "sub");
	/* Root moves the worker into D; it drops its privileges there. */
	EXPECT_EQ(0, cg_run(self->c.cg, wk_delegatee, &a));
	EXPECT_NODES(self->c.cg, "\n");
	EXPECT_EFFECTIVE(self->c.cg, "\n");
	EXPECT_NODES(a.sub, "2\n");
	EXPECT_EFFECTIVE(a.sub, "\n");
	EXPECT_EQ(1, cg_denied_local(a.sub));
	EXPECT_EQ(1, cg_denied(self->c.cg));
}

/* ------------------------------------------------------------------ */
/* Races                                                               */
/* ------------------------------------------------------------------ */

struct race {
	char top[PATH_MAX], sub[PATH_MAX];
	bool stop;		/* __atomic accesses */
	long good, opened;
	pthread_mutex_t lock;
	int unexpected;		/* first errno (or -1: a bad value accepted) */
	char what[128];
};

/* Create and remove top and top/sub, both with the memory controller. */
static void *race_churn(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		mkdir(r->top, 0755);
		cg_enable_memory(r->top);
		mkdir(r->sub, 0755);
		cg_sleep_ms(1);
		rmdir(r->sub);
		rmdir(r->top);
	}
	return NULL;
}

static void race_note(struct race *r, int err, const char *file, const char *val)
{
	pthread_mutex_lock(&r->lock);
	if (!r->unexpected) {
		r->unexpected = err;
		snprintf(r->what, sizeof(r->what), "%s <- \"%s\"", file, val);
	}
	pthread_mutex_unlock(&r->lock);
}

/*
 * Write good and bad values through descriptors that stay open across the
 * removal, and read the other files: errors are fine (ENOENT, ENODEV,
 * EINVAL), a bad value accepted or any other errno is not.
 */
struct race_file {
	const char *name;
	const char *const *vals;	/* NULL-terminated */
	int nr_valid;			/* the first nr_valid values are valid */
};

static const char *const grant_vals[] = {
	"2", "2\n", "\n", "garbage", "9999", "2-", "0", "-1", "2,,3", "3", "2x", NULL,
};
static const char *const max_vals[] = {
	"2 max=4M", "2 max=max\n", "2 max=", "2", "0 max=1M", "2 min=1M",
	"2 max=-1", "9999 max=1", "max=1M", NULL,
};
static const char *const fallback_vals[] = {
	"none", "sysram\n", "", "None", "sysram none", "-1", NULL,
};
static const struct race_file race_files[] = {
	{ PN_NODES, grant_vals, 3 },
	{ "memory.private_nodes.max", max_vals, 2 },
	{ "memory.private_nodes.fallback", fallback_vals, 2 },
};

static void *race_write(void *arg)
{
	static const char *const ro[] = {
		PN_EFFECTIVE, PN_EVENTS, PN_EVENTS_LOCAL, "memory.private_nodes.stat",
	};
	struct race *r = arg;
	char path[PATH_MAX], buf[256];
	unsigned int k = 0;
	int fd, i, j;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		const struct race_file *f = &race_files[k % ARRAY_SIZE(race_files)];
		const char *cg = k++ & 1 ? r->sub : r->top;
		int nr_vals = 0;

		while (f->vals[nr_vals])
			nr_vals++;
		cg_path(path, sizeof(path), cg, f->name);
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENODEV)
				race_note(r, errno, path, "(open)");
			continue;
		}
		__atomic_add_fetch(&r->opened, 1, __ATOMIC_RELAXED);
		for (i = 0; i < 40; i++) {
			int vi = (i + k) % nr_vals;
			const char *v = f->vals[vi];
			bool valid = vi < f->nr_valid;

			/* A zero-length write never reaches the kernel's handler. */
			if (!*v)
				continue;

			if (write(fd, v, strlen(v)) >= 0) {
				if (!valid)
					race_note(r, -1, path, v);
				else
					__atomic_add_fetch(&r->good, 1, __ATOMIC_RELAXED);
			} else if (errno != ENOENT && errno != ENODEV && errno != EINVAL) {
				race_note(r, errno, path, v);
			}
		}
		close(fd);
		for (j = 0; j < (int)ARRAY_SIZE(ro); j++)
			cg_read(cg, ro[j], buf, sizeof(buf));
	}
	return NULL;
}

/*
 * Writers hammer memory.private_nodes, .max and .fallback of a cgroup and
 * its child while another thread creates and removes them: errors, but no bad value
 * accepted, no unexpected errno, no kernel splat (taint), and the
 * interface works afterwards.
 */
TEST_F_TIMEOUT(cg, writes_race_rmdir, 90)
{
	unsigned long taint = kernel_tainted();
	struct race r = { .stop = false, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t churn, writers[2];
	char b[PATH_MAX];
	int i;

	ASSERT_EQ(0, cg_enable_memory(self->c.cg));
	cg_path(r.top, sizeof(r.top), self->c.cg, "race");
	cg_path(r.sub, sizeof(r.sub), r.top, "sub");
	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	ASSERT_EQ(0, pthread_create(&churn, NULL, race_churn, &r));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&writers[i], NULL, race_write, &r));
	sleep(5);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(churn, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(writers[i], NULL);

	EXPECT_EQ(0, r.unexpected) TH_LOG("%s: %s", r.what,
					   r.unexpected > 0 ? strerror(r.unexpected)
							    : "bad value accepted");
	EXPECT_LT(0, r.opened) TH_LOG("the writers never caught the cgroup alive");
	EXPECT_LT(0, r.good) TH_LOG("no valid write ever succeeded");
	EXPECT_EQ(0, (kernel_tainted() & ~taint) & TAINT_BUG_MASK)
		TH_LOG("kernel tainted %#lx -> %#lx", taint, kernel_tainted());

	EXPECT_EQ(0, cg_destroy(r.top));
	ASSERT_EQ(0, cg_mkchild(self->c.cg, "after", b, sizeof(b)));
	EXPECT_EQ(0, cg_write(b, PN_NODES, "2"));
	EXPECT_NODES(b, "2\n");
	EXPECT_EFFECTIVE(b, "2\n");
}

/*
 * Fault a granted mbind({2}) region over and over, checking the data each
 * round, until the test tells it to stop; then report the rounds done.
 */
#define TOGGLE_PAGES 64

static int wk_toggle(struct cg_worker *w, void *arg)
{
	unsigned long priv = pn_node_bit(NID);
	const size_t n = TOGGLE_PAGES;
	struct pollfd pfd = { .fd = w->rd, .events = POLLIN };
	long rounds = 0, bad;
	char *p;

	p = pn_anon(n);
	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	WORKER_CHECK(mbind(p, n * pn_page_size(), MPOL_BIND, &priv, PN_MAXNODE, 0) == 0,
		     "granted mbind({2}): %s", strerror(errno));
	WORKER_CHECK(cgw_signal(w) == 0, "lost the test");
	while (poll(&pfd, 1, 0) == 0) {
		pn_fill(p, n, rounds);
		bad = pn_check(p, n, rounds);
		WORKER_CHECK(bad == -1, "round %ld: page %ld lost its data", rounds, bad);
		WORKER_CHECK(madvise(p, n * pn_page_size(), MADV_DONTNEED) == 0,
			     "madvise: %s", strerror(errno));
		rounds++;
	}
	WORKER_CHECK(cgw_send(w, &rounds, sizeof(rounds)) == 0, "lost the test");
	return 0;
}

/*
 * Revoke and restore the grant again and again while a task of the cgroup
 * faults on node 2 (revocation migrates its pages each time): every write
 * succeeds, no data is lost, no kernel splat.
 */
TEST_F_TIMEOUT(cg, grant_toggle_while_faulting, 90)
{
	unsigned long taint = kernel_tainted();
	long deadline, toggles = 0, rounds = 0;
	struct cg_worker w;
	struct pollfd pfd;
	int ret, failed = 0;

	ASSERT_EQ(0, cg_write(self->c.cg, PN_NODES, "2"));
	ASSERT_EQ(0, cg_worker_start(&w, self->c.cg, wk_toggle, NULL));
	ASSERT_EQ(0, worker_ready(_metadata, &w, NULL, 0));
	pfd.fd = w.rd;
	pfd.events = POLLIN;
	deadline = cg_now_ms() + 5000;
	while (cg_now_ms() < deadline) {
		ret = cg_write(self->c.cg, PN_NODES, toggles & 1 ? "2" : "\n");
		if (ret && !failed++)
			TH_LOG("write %ld failed: %s", toggles, strerror(-ret));
		toggles++;
		if (poll(&pfd, 1, 0) > 0)
			break;	/* the worker died: it writes nothing before our signal */
	}
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, cgw_signal(&w));
	EXPECT_EQ(0, cgw_recv(&w, &rounds, sizeof(rounds), READY_MS));
	EXPECT_EQ(0, cg_worker_finish(&w));
	EXPECT_LT(10, toggles);
	EXPECT_LT(0, rounds);
	TH_LOG("%ld grant toggles during %ld fault rounds", toggles, rounds);
	EXPECT_EQ(0, (kernel_tainted() & ~taint) & TAINT_BUG_MASK)
		TH_LOG("kernel tainted %#lx -> %#lx", taint, kernel_tainted());
}

TEST_HARNESS_MAIN
