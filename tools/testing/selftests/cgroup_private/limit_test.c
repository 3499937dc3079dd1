// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node limits of private nodes in the memory controller (DESIGN.md
 * section 4.3): memory.private_nodes.max, .fallback, .stat and the "max"
 * and "fallback" counters of memory.private_nodes.events{,.local}.
 *
 * Node 2 is private (the example driver, NP_OPS_MIGRATION |
 * NP_OPS_MEMPOLICY) and the test cgroup CG_TEST, a child of the root,
 * requests it.  The test process stays in the root cgroup (whose tasks are
 * never charged); every page that should be charged is faulted, moved or
 * freed by a worker process inside the cgroup under test, which the test
 * drives command by command (wk_fault() below) so that it can look at the
 * counters while the pages are resident.
 *
 * Limits are small (1-16 MiB) so that the tests stay fast under TCG, and
 * every test region is MADV_NOHUGEPAGE except in the THP test, so that page
 * counts are exact.  Tests that provoke the OOM killer on purpose frame it
 * with OOM_EXPECTED_BEGIN/END on /dev/kmsg, the only OOM reports the
 * console scan of run-vm.sh lets through.
 */
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define NR_NODES 4			/* the guest's nodes 0-3 */
#define CG_TEST CG_ROOT "/privnode-limit-test"
#define READY_MS 30000			/* how long the test waits for a worker to start */
#define REPLY_MS 60000			/* ... and for one command to complete */
#define MiB (1024L * 1024)
#define PAGES(bytes) ((long)((bytes) / pn_page_size()))
#define BYTES(pages) ((long long)(pages) * pn_page_size())
#define PMD_SIZE_ (2 * MiB)
#define SIGKILLED (128 + SIGKILL)	/* cg_worker_finish() of a task killed by SIGKILL */

FIXTURE(lim) {
	char cg[PATH_MAX];
	bool driver;
};

/*
 * Node 2 private with MIGRATION | MEMPOLICY, the memory controller enabled
 * at the root, CG_TEST created and requesting node 2.  SIGPIPE is ignored:
 * a command to a worker the OOM killer just killed must fail, not kill the
 * test.
 */
FIXTURE_SETUP(lim)
{
	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST)) TH_LOG("cannot remove what an earlier test left");
	region_reload(_metadata, "ops_flags=3");
	self->driver = true;
	ASSERT_TRUE(node_is_private(NID));
	ASSERT_EQ(0, cg_enable_memory(CG_ROOT));
	snprintf(self->cg, sizeof(self->cg), "%s", CG_TEST);
	ASSERT_EQ(0, cg_create(self->cg));
	ASSERT_TRUE(cg_has(self->cg, PN_MAX))
		TH_LOG("no %s: a kernel without per-node limits", PN_MAX);
	ASSERT_EQ(0, cg_write(self->cg, PN_NODES, "2"));
}

FIXTURE_TEARDOWN(lim)
{
	EXPECT_EQ(0, cg_destroy(self->cg));
	if (self->driver)
		EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/* ------------------------------------------------------------------ */
/* Reading the files                                                   */
/* ------------------------------------------------------------------ */

/* A field of node 2's line of memory.private_nodes.stat; -1 if missing. */
static long long st(const char *cg, const char *key)
{
	return cg_node_key(cg, PN_STAT, NID, key);
}

/* Node 2's limit as memory.private_nodes.max reads it. */
static long long lim_max(const char *cg)
{
	return cg_node_key(cg, PN_MAX, NID, "max");
}

/* A counter of the hierarchical / local events file; -1 if missing. */
static long ev(const char *cg, const char *key)
{
	return cg_key(cg, PN_EVENTS, key);
}

static long evl(const char *cg, const char *key)
{
	return cg_key(cg, PN_EVENTS_LOCAL, key);
}

/* Write "2 max=@val" (val as memory.max takes it: "8M", "max", ...). */
static int set_max(const char *cg, const char *val)
{
	char s[64];

	snprintf(s, sizeof(s), "%d max=%s", NID, val);
	return cg_write(cg, PN_MAX, s);
}

/*
 * Node 2's current usage once it has settled: a task that just exited (or
 * was killed) may have its last pages in per-CPU LRU caches, not yet freed,
 * or still being torn down by the OOM reaper.  Up to 2 s.
 */
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

/* The whole of @file of @cg, exactly as read. */
#define EXPECT_FILE(cg, file, want) do {					\
	char __b[1024];								\
	ASSERT_LE(0, cg_read(cg, file, __b, sizeof(__b))) TH_LOG("%s/%s", cg, file); \
	EXPECT_STREQ(want, __b) TH_LOG("%s/%s", cg, file);			\
} while (0)

/*
 * A sampler reads "current" of node 2 in up to three cgroups while workers
 * run, and remembers the highest value seen in each.
 */
struct sampler {
	int n;
	const char *cg[3];
	long long highest[3];
	long samples, errors;
};

static void sampler_add(struct sampler *s, const char *cg)
{
	s->cg[s->n] = cg;
	s->highest[s->n] = 0;
	s->n++;
}

static void sample(struct sampler *s)
{
	long long v;
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		v = st(s->cg[i], "current");
		if (v < 0)
			s->errors++;
		else if (v > s->highest[i])
			s->highest[i] = v;
	}
	s->samples++;
}

/* Every sample of s->cg[i] at most @max bytes, and the sampler worked. */
#define EXPECT_SAMPLED_LE(s, i, max) do {					\
	EXPECT_EQ(0, (s)->errors) TH_LOG("current unreadable while sampling");	\
	EXPECT_LT(0, (s)->samples);						\
	EXPECT_GE((long long)(max), (s)->highest[i])				\
		TH_LOG("%s: current reached %lld, max %lld", (s)->cg[i],	\
		       (s)->highest[i], (long long)(max));			\
} while (0)

/* ------------------------------------------------------------------ */
/* The worker                                                          */
/* ------------------------------------------------------------------ */

/*
 * A worker maps @pages pages of anonymous memory (2 MiB aligned and
 * MADV_HUGEPAGE if @thp, else MADV_NOHUGEPAGE), applies mbind(@mode,
 * @mask) unless @mode is MPOL_DEFAULT, sends the address to the test, then
 * runs the test's commands on page ranges of it, answering each with a
 * struct reply: where the pages of the range are afterwards (move_pages()
 * query on itself) and whether its own checks held.
 */
struct fault_arg {
	int mode;
	unsigned long mask;
	long pages;
	int seed;
	bool thp;
};

enum {
	CMD_FAULT = 1,	/* write the pattern into pages [start, start + count) */
	CMD_UNMAP,	/* munmap() them */
	CMD_MOVE,	/* move_pages() them to @nid */
	CMD_DONE,	/* check the data of every page still mapped, then exit */
};

struct cmd {
	int op, nid;
	long start, count;
};

struct reply {
	int ok;			/* 0: a check failed, the worker said why on stderr */
	long ret;		/* CMD_MOVE: move_pages() result, -errno on error */
	long node[NR_NODES];	/* pages of the range on each node afterwards */
	long other;		/* pages of the range not present or elsewhere */
	long moved, enomem, bad;	/* CMD_MOVE statuses: @nid, -ENOMEM, else */
	long thp_kb;		/* AnonHugePages of the worker (THP regions only) */
};

#define WK_FAIL(r, fmt, ...) do {						\
	fprintf(stderr, "# worker %d, %s:%d: " fmt "\n", (int)getpid(),	\
		__FILE__, __LINE__, ##__VA_ARGS__);				\
	(r)->ok = 0;								\
} while (0)

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

static void wk_self_census(char *p, long n, struct reply *r)
{
	if (pn_census_pid(0, p, n, r->node, NR_NODES, &r->other))
		WK_FAIL(r, "move_pages() query: %s", strerror(errno));
}

static void wk_move(char *base, const struct fault_arg *a, const struct cmd *c,
		    struct reply *r)
{
	char *p = base + c->start * pn_page_size();
	unsigned int i, n = c->count;	/* wk_fault() checked the range */
	int *before = calloc(n, sizeof(int));
	int *status = calloc(n, sizeof(int));
	int *after = calloc(n, sizeof(int));

	if (!before || !status || !after || pn_where(p, n, before)) {
		WK_FAIL(r, "move_pages() query before moving: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++)
		status[i] = 12345;	/* a status the kernel never wrote */
	r->ret = pn_move_all(p, n, c->nid, status);
	if (r->ret < 0)
		r->ret = -errno;
	if (pn_where(p, n, after)) {
		WK_FAIL(r, "move_pages() query after moving: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (status[i] == c->nid) {
			r->moved++;
			if (after[i] != c->nid)
				WK_FAIL(r, "page %ld: status %d but on node %d", c->start + i,
					status[i], after[i]);
		} else if (status[i] == -ENOMEM) {
			r->enomem++;
			if (after[i] != before[i])
				WK_FAIL(r, "page %ld: -ENOMEM but moved from node %d to %d",
					c->start + i, before[i], after[i]);
		} else {
			r->bad++;
		}
	}
	if (pn_check(p, n, a->seed + c->start) != -1)
		WK_FAIL(r, "data lost by move_pages()");
out:
	free(before);
	free(status);
	free(after);
}

static int wk_fault(struct cg_worker *w, void *arg)
{
	const struct fault_arg *a = arg;
	const long ps = pn_page_size();
	size_t len = a->pages * ps, maplen = len + (a->thp ? PMD_SIZE_ : 0);
	unsigned char *faulted = calloc(a->pages, 1);
	struct reply r;
	struct cmd c;
	char *map, *p;
	long i;

	WORKER_CHECK(faulted, "calloc");
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	WORKER_CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	p = a->thp ? (char *)(((unsigned long)map + PMD_SIZE_ - 1) & ~(PMD_SIZE_ - 1)) : map;
	WORKER_CHECK(pn_thp(p, a->pages, a->thp) == 0, "madvise: %s", strerror(errno));
	if (a->mode != MPOL_DEFAULT)
		WORKER_CHECK(mbind(p, len, a->mode, &a->mask, PN_MAXNODE, 0) == 0,
			     "mbind(%d, %#lx): %s", a->mode, a->mask, strerror(errno));
	WORKER_CHECK(cgw_send(w, &p, sizeof(p)) == 0, "lost the test");

	for (;;) {
		WORKER_CHECK(cgw_recv(w, &c, sizeof(c), -1) == 0, "lost the test");
		memset(&r, 0, sizeof(r));
		r.ok = 1;
		WORKER_CHECK(c.start >= 0 && c.count >= 0 && c.start + c.count <= a->pages,
			     "bad range %ld+%ld", c.start, c.count);
		switch (c.op) {
		case CMD_FAULT:
			pn_fill(p + c.start * ps, c.count, a->seed + c.start);
			memset(faulted + c.start, 1, c.count);
			if (pn_check(p + c.start * ps, c.count, a->seed + c.start) != -1)
				WK_FAIL(&r, "data lost right after the fault");
			wk_self_census(p + c.start * ps, c.count, &r);
			break;
		case CMD_UNMAP:
			if (munmap(p + c.start * ps, c.count * ps))
				WK_FAIL(&r, "munmap: %s", strerror(errno));
			memset(faulted + c.start, 0, c.count);
			break;
		case CMD_MOVE:
			wk_move(p, a, &c, &r);
			wk_self_census(p + c.start * ps, c.count, &r);
			break;
		case CMD_DONE:
			for (i = 0; i < a->pages; i++)
				if (faulted[i] && pn_check(p + i * ps, 1, a->seed + i) != -1) {
					WK_FAIL(&r, "page %ld lost its data", i);
					break;
				}
			WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
			return r.ok ? 0 : 1;
		default:
			WORKER_CHECK(0, "unknown command %d", c.op);
		}
		if (a->thp)
			r.thp_kb = anon_huge_kb();
		WORKER_CHECK(cgw_send(w, &r, sizeof(r)) == 0, "lost the test");
	}
}

/* The test's side of one worker. */
struct wk {
	struct cg_worker w;
	struct fault_arg a;
	char *addr;
	bool dead;		/* EOF instead of a reply: the worker is gone */
	int status;		/* cg_worker_finish() once reaped, else -1 */
};

/* Describe a worker's region: @pages pages under (@mode, @mask). */
static void wk_begin(struct wk *k, int mode, unsigned long mask, long pages, int seed)
{
	memset(k, 0, sizeof(*k));
	k->status = -1;
	k->a.mode = mode;
	k->a.mask = mask;
	k->a.pages = pages;
	k->a.seed = seed;
}

/* Start the worker in @cg and wait until it has mapped its region. */
static int wk_start(struct __test_metadata *_metadata, struct wk *k, const char *cg)
{
	int ret = cg_worker_start(&k->w, cg, wk_fault, &k->a);

	if (ret) {
		TH_LOG("cannot start a worker: %s", strerror(-ret));
		return ret;
	}
	if (cgw_recv(&k->w, &k->addr, sizeof(k->addr), READY_MS)) {
		kill(k->w.pid, SIGKILL);
		k->status = cg_worker_finish(&k->w);
		TH_LOG("worker never got ready: exit %d", k->status);
		return -1;
	}
	return 0;
}

/* wk_begin() + wk_start(): a worker with a region of @pages under (@mode, @mask). */
static int wk_new(struct __test_metadata *_metadata, struct wk *k, const char *cg,
		  int mode, unsigned long mask, long pages, int seed)
{
	wk_begin(k, mode, mask, pages, seed);
	return wk_start(_metadata, k, cg);
}

static int wk_send(struct wk *k, int op, long start, long count, int nid)
{
	struct cmd c = { .op = op, .nid = nid, .start = start, .count = count };

	return cgw_send(&k->w, &c, sizeof(c));
}

/*
 * Wait for the replies of the @n workers of @k[] that have one pending
 * (@pending[i]), sampling @s all along; a worker whose pipe reaches EOF is
 * marked dead.  0 when every pending reply arrived or its worker died, -1
 * on timeout.
 */
static int wk_collect(struct wk *k, int n, bool *pending, struct reply *r,
		      struct sampler *s, int timeout_ms)
{
	struct pollfd pfd[64];
	int idx[64], i, m;
	long deadline = cg_now_ms() + timeout_ms;

	for (;;) {
		m = 0;
		for (i = 0; i < n && m < 64; i++) {
			if (!pending[i])
				continue;
			pfd[m].fd = k[i].w.rd;
			pfd[m].events = POLLIN;
			idx[m++] = i;
		}
		if (!m) {
			sample(s);
			return 0;
		}
		if (cg_now_ms() > deadline)
			return -1;
		sample(s);
		if (poll(pfd, m, s ? 2 : 100) <= 0)
			continue;
		for (i = 0; i < m; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (cgw_recv(&k[idx[i]].w, &r[idx[i]], sizeof(*r), 1000))
				k[idx[i]].dead = true;
			pending[idx[i]] = false;
		}
	}
}

/* Send one command and wait for its reply, sampling @s meanwhile. */
static int wk_do(struct __test_metadata *_metadata, struct wk *k, int op, long start,
		 long count, int nid, struct reply *r, struct sampler *s)
{
	bool pending = true;

	memset(r, 0, sizeof(*r));
	if (wk_send(k, op, start, count, nid)) {
		k->dead = true;
		TH_LOG("worker gone before command %d", op);
		return -1;
	}
	if (wk_collect(k, 1, &pending, r, s, REPLY_MS)) {
		TH_LOG("worker did not answer command %d in %d ms", op, REPLY_MS);
		return -1;
	}
	if (k->dead) {
		TH_LOG("worker died during command %d", op);
		return -1;
	}
	if (!r->ok)
		TH_LOG("the worker's own checks failed during command %d", op);
	return 0;
}

/* Fault pages [start, start + count) in. */
static int wk_fault_range(struct __test_metadata *_metadata, struct wk *k, long start,
			  long count, struct reply *r, struct sampler *s)
{
	return wk_do(_metadata, k, CMD_FAULT, start, count, 0, r, s);
}

/* Reap a worker; its cg_worker_finish() status. */
static int wk_reap(struct wk *k)
{
	if (k->status < 0)
		k->status = cg_worker_finish(&k->w);
	return k->status;
}

/*
 * Let the worker check its data and exit; its exit status (0: clean).  A
 * worker that does not answer is killed.
 */
static int wk_end(struct __test_metadata *_metadata, struct wk *k)
{
	struct reply r;

	if (k->status >= 0)
		return k->status;
	if (!k->dead) {
		if (!wk_send(k, CMD_DONE, 0, 0, 0) &&
		    !cgw_recv(&k->w, &r, sizeof(r), REPLY_MS)) {
			if (!r.ok)
				TH_LOG("worker %d: data lost", (int)k->w.pid);
		} else {
			TH_LOG("worker %d did not answer: killing it", (int)k->w.pid);
			kill(k->w.pid, SIGKILL);
		}
	}
	return wk_reap(k);
}

/*
 * Pages of a worker's region on node 2 and on ordinary nodes, asked by the
 * test with move_pages(pid); 0 or -errno.
 */
static int wk_census(struct wk *k, long *on_nid, long *on_ordinary)
{
	long node[NR_NODES], other;

	*on_nid = *on_ordinary = -1;
	if (pn_census_pid(k->w.pid, k->addr, k->a.pages, node, NR_NODES, &other))
		return errno ? -errno : -ENOMEM;
	*on_nid = node[NID];
	*on_ordinary = node[0] + node[1];
	return 0;
}

/* wk_census() that must succeed (a test's _metadata in scope). */
#define wk_where(k, on_nid, on_ordinary) do {					\
	ASSERT_EQ(0, wk_census(k, on_nid, on_ordinary))			\
		TH_LOG("move_pages(%d) query: %s", (int)(k)->w.pid, strerror(errno)); \
} while (0)

/* mbind(MPOL_BIND, {2}) in a cgroup without the grant: EPERM. */
static int wk_refused_mbind(struct cg_worker *w, void *arg)
{
	unsigned long priv = pn_node_bit(NID);
	char *p = pn_anon(16);
	long ret;

	WORKER_CHECK(p, "mmap: %s", strerror(errno));
	errno = 0;
	ret = mbind(p, 16 * pn_page_size(), MPOL_BIND, &priv, PN_MAXNODE, 0);
	WORKER_CHECK(ret == -1 && errno == EPERM, "mbind({2}) = %ld, errno %d (%s)", ret,
		     errno, strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* The files                                                           */
/* ------------------------------------------------------------------ */

/*
 * .max and .fallback are rw, .stat ro; none of them is in the root cgroup,
 * in a cgroup without the memory controller, or in the delegate list.
 */
TEST_F(lim, files_modes_and_places)
{
	static const char *const files[] = { PN_MAX, PN_FALLBACK, PN_STAT };
	static const mode_t modes[] = { 0644, 0644, 0444 };
	char sub[PATH_MAX], path[PATH_MAX], buf[4096], *line, *save = NULL;
	struct stat sb;
	size_t i;

	cg_path(sub, sizeof(sub), self->cg, "nomemory");
	ASSERT_EQ(0, cg_create(sub));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		cg_path(path, sizeof(path), self->cg, files[i]);
		ASSERT_EQ(0, stat(path, &sb)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(modes[i], sb.st_mode & 0777) TH_LOG("%s", path);
		EXPECT_FALSE(cg_has(CG_ROOT, files[i])) TH_LOG("root has %s", files[i]);
		EXPECT_FALSE(cg_has(sub, files[i])) TH_LOG("no memory controller, has %s",
							   files[i]);
	}
	ASSERT_LE(0, cg_read("/sys/kernel/cgroup", "delegate", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		EXPECT_NE(0, strncmp(line, "memory.private_nodes", 20))
			TH_LOG("%s is delegatable", line ? line : "?");

	/* The stat file refuses writes and keeps its content. */
	ASSERT_LE(0, cg_read(self->cg, PN_STAT, buf, sizeof(buf)));
	EXPECT_NE(0, cg_write(self->cg, PN_STAT, "2 current=0"));
	EXPECT_FILE(self->cg, PN_STAT, buf);
}

/* Defaults of a cgroup that requests node 2: no limit, sysram, zeros. */
TEST_F(lim, defaults)
{
	EXPECT_FILE(self->cg, PN_MAX, "2 max=max\n");
	EXPECT_FILE(self->cg, PN_FALLBACK, "sysram\n");
	EXPECT_FILE(self->cg, PN_STAT,
		    "2 current=0 peak=0 max=max allocated=0 denied=0 fallback=0\n");
}

/* The events files list denied, max, fallback in that order, all zero. */
TEST_F(lim, events_keys_in_order)
{
	static const char want[] = "denied 0\nmax 0\nfallback 0\n";
	char buf[512];

	ASSERT_LE(0, cg_read(self->cg, PN_EVENTS, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, want, strlen(want))) TH_LOG("events:\n%s", buf);
	ASSERT_LE(0, cg_read(self->cg, PN_EVENTS_LOCAL, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, want, strlen(want))) TH_LOG("events.local:\n%s", buf);
}

/*
 * Values are parsed like memory.max and rounded down to whole pages; "max"
 * lifts the limit; a trailing newline (echo) is fine.  Over-commit is
 * allowed: a limit larger than the node is taken as written.
 */
TEST_F(lim, max_values_read_back)
{
	static const struct { const char *in, *out; } v[] = {
		{ "2 max=1G", "2 max=1073741824\n" },
		{ "2 max=4097", "2 max=4096\n" },
		{ "2 max=4096", "2 max=4096\n" },
		{ "2 max=4095", "2 max=0\n" },
		{ "2 max=0", "2 max=0\n" },
		{ "2 max=8M\n", "2 max=8388608\n" },
		{ "2 max=16384K", "2 max=16777216\n" },
		{ "2 max=12345678", "2 max=12345344\n" },
		{ "2 max=1T", "2 max=1099511627776\n" },
		{ "2 max=max", "2 max=max\n" },
		{ "2 max=4M", "2 max=4194304\n" },
		{ "2 max=max\n", "2 max=max\n" },
	};
	char b[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_EQ(0, cg_write(self->cg, PN_MAX, v[i].in)) TH_LOG("writing \"%s\"", v[i].in);
		EXPECT_FILE(self->cg, PN_MAX, v[i].out);
	}
	/* The stat file shows the same limit. */
	ASSERT_EQ(0, set_max(self->cg, "8M"));
	EXPECT_EQ(8 * MiB, st(self->cg, "max"));
	ASSERT_EQ(0, set_max(self->cg, "max"));
	EXPECT_EQ(PN_UNLIMITED, st(self->cg, "max"));

	/* A limit may be set for a private node the cgroup did not request. */
	ASSERT_EQ(0, cg_mkchild(self->cg, "b", b, sizeof(b)));
	EXPECT_EQ(0, set_max(b, "8M"));
	EXPECT_FILE(b, PN_MAX, "2 max=8388608\n");
}

/*
 * Anything else fails with EINVAL and changes nothing: tried with a limit
 * in place and without one.
 */
TEST_F(lim, max_bad_input_einval)
{
	static const char *const bad[] = {
		"0 max=1M", "1 max=1M", "3 max=1M", "9999 max=1M", "-1 max=1M",
		"2 foo=1M", "2 min=1M", "2 max=", "2 max=-1", "2 max=abc",
		"2 max=12Q", "2", "2 max", "2 =1M", "garbage", "max=1M", "x max=1M",
	};
	static const char *const state[] = { "2 max=8388608\n", "2 max=max\n" };
	size_t i;
	int s;

	for (s = 0; s < 2; s++) {
		ASSERT_EQ(0, cg_write(self->cg, PN_MAX, state[s]));
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_EQ(-EINVAL, cg_write(self->cg, PN_MAX, bad[i]))
				TH_LOG("writing \"%s\"", bad[i]);
			EXPECT_FILE(self->cg, PN_MAX, state[s]);
			/* Keep one accepted bad value from failing the next ones. */
			ASSERT_EQ(0, cg_write(self->cg, PN_MAX, state[s]));
		}
	}
	EXPECT_FILE(self->cg, PN_FALLBACK, "sysram\n");
}

/* .fallback: "sysram" or "none", read back verbatim; anything else EINVAL. */
TEST_F(lim, fallback_values)
{
	static const char *const bad[] = {
		"garbage", "SYSRAM", "None", "sysramx", "nonex", "sysram none", "1", "0",
		"max", "sys", "no", "-",
	};
	static const char *const good[] = { "none", "sysram" };
	size_t i, g;

	for (g = 0; g < ARRAY_SIZE(good); g++) {
		char want[16];

		snprintf(want, sizeof(want), "%s\n", good[g]);
		ASSERT_EQ(0, cg_write(self->cg, PN_FALLBACK, good[g]));
		EXPECT_FILE(self->cg, PN_FALLBACK, want);
		ASSERT_EQ(0, cg_write(self->cg, PN_FALLBACK, want));	/* echo */
		EXPECT_FILE(self->cg, PN_FALLBACK, want);
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_EQ(-EINVAL, cg_write(self->cg, PN_FALLBACK, bad[i]))
				TH_LOG("writing \"%s\"", bad[i]);
			EXPECT_FILE(self->cg, PN_FALLBACK, want);
			ASSERT_EQ(0, cg_write(self->cg, PN_FALLBACK, good[g]));
		}
	}
	EXPECT_FILE(self->cg, PN_MAX, "2 max=max\n");
}

/* ------------------------------------------------------------------ */
/* Charging and fallback                                               */
/* ------------------------------------------------------------------ */

/*
 * Limit 8M, a task faults 16M under mbind(MPOL_BIND, {2}) with fallback
 * sysram: exactly 8M land on node 2 (current == peak == max, never above
 * while faulting), the rest on ordinary nodes, each of those pages counted
 * as a fallback (events, events.local, stat) after at least one failed
 * charge ("max"), and the data is intact everywhere.
 */
TEST_F_TIMEOUT(lim, sysram_fallback_at_cap, 60)
{
	const long cap = PAGES(8 * MiB), n = PAGES(16 * MiB);
	struct sampler s = { 0 };
	long on_nid, on_ord;
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, set_max(self->cg, "8M"));
	sampler_add(&s, self->cg);
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(NID), n, 11));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, &s));
	EXPECT_TRUE(r.ok);
	EXPECT_EQ(cap, r.node[NID]);
	EXPECT_EQ(n - cap, r.node[0] + r.node[1]);
	EXPECT_EQ(0, r.other);
	EXPECT_SAMPLED_LE(&s, 0, 8 * MiB);

	wk_where(&k, &on_nid, &on_ord);
	EXPECT_EQ(cap, on_nid);
	EXPECT_EQ(BYTES(on_nid), st(self->cg, "current"));
	EXPECT_EQ(8 * MiB, st(self->cg, "current"));
	EXPECT_EQ(8 * MiB, st(self->cg, "peak"));
	EXPECT_EQ(8 * MiB, st(self->cg, "max"));
	EXPECT_EQ(cap, st(self->cg, "allocated"));
	EXPECT_EQ(0, st(self->cg, "denied"));
	EXPECT_EQ(n - cap, st(self->cg, "fallback"));
	EXPECT_EQ(n - cap, ev(self->cg, "fallback"));
	EXPECT_EQ(n - cap, evl(self->cg, "fallback"));
	EXPECT_LE(n - cap, ev(self->cg, "max"))
		TH_LOG("one failed charge per fallback page at least");
	EXPECT_LE(n - cap, evl(self->cg, "max"));
	EXPECT_EQ(0, ev(self->cg, "denied"));

	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
	EXPECT_EQ(8 * MiB, st(self->cg, "peak"));
}

/*
 * mbind(MPOL_BIND, {0, 2}): node 2 first; at the cap the pages go to the
 * policy's ordinary node 0, whatever the fallback policy, and count as
 * fallbacks.  No OOM kill with "none": the policy has an ordinary node.
 */
static void bind_with_ordinary(struct __test_metadata *_metadata, const char *cg,
			       const char *fallback)
{
	const long cap = PAGES(8 * MiB), n = PAGES(16 * MiB);
	struct sampler s = { 0 };
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, cg_write(cg, PN_FALLBACK, fallback));
	ASSERT_EQ(0, set_max(cg, "8M"));
	sampler_add(&s, cg);
	ASSERT_EQ(0, wk_new(_metadata, &k, cg, MPOL_BIND, pn_node_bit(0) | pn_node_bit(NID),
			    n, 12));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, &s));
	EXPECT_TRUE(r.ok);
	EXPECT_EQ(cap, r.node[NID]);
	EXPECT_EQ(n - cap, r.node[0]);
	EXPECT_EQ(0, r.node[1]) TH_LOG("a page outside the bind mask");
	EXPECT_SAMPLED_LE(&s, 0, 8 * MiB);
	EXPECT_EQ(8 * MiB, st(cg, "current"));
	EXPECT_EQ(n - cap, ev(cg, "fallback"));
	EXPECT_EQ(n - cap, st(cg, "fallback"));
	EXPECT_LE(1, ev(cg, "max"));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(cg, 0));
}

TEST_F_TIMEOUT(lim, bind_with_ordinary_node_sysram, 60)
{
	bind_with_ordinary(_metadata, self->cg, "sysram");
}

TEST_F_TIMEOUT(lim, bind_with_ordinary_node_none, 60)
{
	bind_with_ordinary(_metadata, self->cg, "none");
}

/*
 * fallback none, limit 4M, a task faults 8M under a policy that names only
 * node 2: the charge beyond the cap fails and the OOM killer kills the task
 * (SIGKILL).  current never exceeds max, nothing lands on ordinary memory,
 * the failed charge is counted, and the task's pages are uncharged.
 */
static void none_oom(struct __test_metadata *_metadata, const char *cg, int mode)
{
	const long n = PAGES(8 * MiB);
	struct sampler s = { 0 };
	struct reply r;
	struct wk k;
	bool pending = true;
	int status;

	ASSERT_EQ(0, cg_write(cg, PN_FALLBACK, "none"));
	ASSERT_EQ(0, set_max(cg, "4M"));
	sampler_add(&s, cg);
	ASSERT_EQ(0, wk_new(_metadata, &k, cg, mode, pn_node_bit(NID), n, 13));

	ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " limit_test: fallback none, mode %d", mode));
	ASSERT_EQ(0, wk_send(&k, CMD_FAULT, 0, n, 0));
	EXPECT_EQ(0, wk_collect(&k, 1, &pending, &r, &s, REPLY_MS))
		TH_LOG("task neither done nor dead");
	if (!k.dead) {
		TH_LOG("8M faulted under a 4M cap, task alive: %ld on node %d, %ld ordinary",
		       r.node[NID], NID, r.node[0] + r.node[1]);
		kill(k.w.pid, SIGKILL);
	}
	status = wk_reap(&k);
	EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " limit_test"));
	EXPECT_EQ(SIGKILLED, status) TH_LOG("task status %d, want killed by SIGKILL", status);

	EXPECT_SAMPLED_LE(&s, 0, 4 * MiB);
	EXPECT_EQ(4 * MiB, st(cg, "peak"));
	EXPECT_EQ(0, settled_current(cg, 0));
	EXPECT_LE(1, ev(cg, "max"));
	EXPECT_LE(1, evl(cg, "max"));
	EXPECT_EQ(0, ev(cg, "fallback"));
	EXPECT_EQ(0, st(cg, "fallback"));
}

TEST_F_TIMEOUT(lim, none_fallback_bind_oom_kills, 60)
{
	none_oom(_metadata, self->cg, MPOL_BIND);
}

TEST_F_TIMEOUT(lim, none_fallback_preferred_oom_kills, 60)
{
	none_oom(_metadata, self->cg, MPOL_PREFERRED);
}

/*
 * RACE_TASKS processes of one cgroup fault RACE_PAGES each at once under
 * mbind(MPOL_BIND, {2}), together four times the 8M limit.  While they
 * run and afterwards, current <= max; peak <= max; the pages the tasks
 * have on node 2 (move_pages() over all of them) are exactly current.
 * With sysram every task finishes, the rest of the pages on ordinary nodes
 * counted as fallbacks; with none some tasks are OOM-killed (the survivors
 * have all their pages on node 2).  When all are gone, current is 0.
 */
#define RACE_TASKS 16
#define RACE_PAGES PAGES(2 * MiB)

static void race(struct __test_metadata *_metadata, const char *cg, bool none)
{
	struct wk k[RACE_TASKS];
	struct reply r[RACE_TASKS];
	bool pending[RACE_TASKS];
	struct sampler s = { 0 };
	long on_nid, on_ord, sum_nid = 0, sum_ord = 0, killed = 0, done = 0;
	int i, started = 0, status;

	ASSERT_EQ(0, cg_write(cg, PN_FALLBACK, none ? "none" : "sysram"));
	ASSERT_EQ(0, set_max(cg, "8M"));
	sampler_add(&s, cg);
	for (i = 0; i < RACE_TASKS; i++) {
		if (wk_new(_metadata, &k[i], cg, MPOL_BIND, pn_node_bit(NID), RACE_PAGES, 20 + i))
			break;
		started++;
	}
	ASSERT_EQ(RACE_TASKS, started);

	if (none)
		ASSERT_EQ(0, kmsg(OOM_EXPECTED_BEGIN " limit_test: race, fallback none"));
	for (i = 0; i < RACE_TASKS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		pending[i] = !wk_send(&k[i], CMD_FAULT, 0, RACE_PAGES, 0);
		if (!pending[i])
			k[i].dead = true;
	}
	EXPECT_EQ(0, wk_collect(k, RACE_TASKS, pending, r, &s, 90000))
		TH_LOG("tasks neither done nor dead after 90 s");

	/*
	 * With "none", a task that answered may still be the victim of an OOM
	 * kill issued by another task's last fault: give it time to die, and
	 * take EOF on its pipe (it writes nothing unasked) as its death.
	 */
	if (none) {
		cg_sleep_ms(300);
		for (i = 0; i < RACE_TASKS; i++) {
			struct pollfd p = { .fd = k[i].w.rd, .events = POLLIN };

			if (!k[i].dead && poll(&p, 1, 0) > 0)
				k[i].dead = true;
		}
	}
	/* Reap the dead first: their pages are uncharged once they are gone. */
	for (i = 0; i < RACE_TASKS; i++) {
		if (!k[i].dead)
			continue;
		status = wk_reap(&k[i]);
		killed += status == SIGKILLED;
		EXPECT_EQ(SIGKILLED, status) TH_LOG("task %d: status %d", i, status);
	}
	for (i = 0; i < RACE_TASKS; i++) {
		if (k[i].dead)
			continue;
		done++;
		EXPECT_TRUE(r[i].ok) TH_LOG("task %d", i);
		ASSERT_EQ(0, wk_census(&k[i], &on_nid, &on_ord))
			TH_LOG("task %d: move_pages(%d) query: %s", i, (int)k[i].w.pid,
			       strerror(errno));
		EXPECT_EQ(r[i].node[NID], on_nid) TH_LOG("task %d", i);
		EXPECT_EQ(RACE_PAGES, on_nid + on_ord) TH_LOG("task %d: pages missing", i);
		if (none)
			EXPECT_EQ(0, on_ord) TH_LOG("task %d: fallback none, %ld pages ordinary",
						    i, on_ord);
		sum_nid += on_nid;
		sum_ord += on_ord;
	}
	sample(&s);
	EXPECT_EQ(BYTES(sum_nid), settled_current(cg, BYTES(sum_nid)))
		TH_LOG("pages on node %d: %ld", NID, sum_nid);
	EXPECT_SAMPLED_LE(&s, 0, 8 * MiB);
	EXPECT_GE(8 * MiB, st(cg, "peak"));
	if (none) {
		EXPECT_LE(1, killed) TH_LOG("4x the limit with fallback none, nobody killed");
		EXPECT_EQ(0, ev(cg, "fallback"));
	} else {
		EXPECT_EQ(RACE_TASKS, done);
		EXPECT_EQ(RACE_PAGES * RACE_TASKS, sum_nid + sum_ord);
		EXPECT_EQ(sum_ord, ev(cg, "fallback"));
		EXPECT_EQ(sum_ord, st(cg, "fallback"));
		EXPECT_LE(sum_ord, ev(cg, "max"));
	}
	TH_LOG("%ld tasks done, %ld killed; %ld pages on node %d, %ld ordinary, %ld samples",
	       done, killed, sum_nid, NID, sum_ord, s.samples);

	for (i = 0; i < RACE_TASKS; i++)
		if (!k[i].dead)
			EXPECT_EQ(0, wk_end(_metadata, &k[i])) TH_LOG("task %d", i);
	if (none)
		EXPECT_EQ(0, kmsg(OOM_EXPECTED_END " limit_test"));
	EXPECT_EQ(0, settled_current(cg, 0)) TH_LOG("charge leaked");
	EXPECT_GE(8 * MiB, st(cg, "peak"));
}

TEST_F_TIMEOUT(lim, race_sysram, 120)
{
	race(_metadata, self->cg, false);
}

TEST_F_TIMEOUT(lim, race_none, 120)
{
	race(_metadata, self->cg, true);
}

/* ------------------------------------------------------------------ */
/* Hierarchy                                                           */
/* ------------------------------------------------------------------ */

/*
 * Parent max 8M, child max 16M, both request node 2: a task of the child
 * faulting 16M stops at the parent's 8M.  The charge counts in both;
 * "max" counts in the parent (whose limit was hit) and not in the child;
 * the fallbacks count where the task is and, hierarchically, above.
 */
TEST_F_TIMEOUT(lim, nested_parent_limit_binds_child, 60)
{
	const long cap = PAGES(8 * MiB), n = PAGES(16 * MiB);
	const char *a = self->cg;
	struct sampler s = { 0 };
	char b[PATH_MAX];
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, cg_mkchild(a, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	ASSERT_EQ(0, set_max(a, "8M"));
	ASSERT_EQ(0, set_max(b, "16M"));
	sampler_add(&s, a);
	sampler_add(&s, b);
	ASSERT_EQ(0, wk_new(_metadata, &k, b, MPOL_BIND, pn_node_bit(NID), n, 14));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, &s));
	EXPECT_TRUE(r.ok);
	EXPECT_EQ(cap, r.node[NID]);
	EXPECT_EQ(n - cap, r.node[0] + r.node[1]);
	EXPECT_SAMPLED_LE(&s, 0, 8 * MiB);
	/*
	 * A charge goes up the chain level by level (page_counter, as for
	 * memory.current): the child's counter takes the page before the
	 * parent refuses it and gives it back, so a sample of the child may
	 * catch one single-task charge, one page, above the parent's limit.
	 */
	EXPECT_SAMPLED_LE(&s, 1, 8 * MiB + pn_page_size());

	EXPECT_EQ(8 * MiB, st(b, "current"));
	EXPECT_EQ(8 * MiB, st(a, "current"));
	EXPECT_EQ(8 * MiB, st(a, "peak"));
	/*
	 * The child's own counter may have taken a charge for a moment that
	 * the parent then refused (page_counter_try_charge() raises each
	 * level's watermark as it goes, as for memory.peak): its peak is only
	 * bounded by its own max.
	 */
	EXPECT_LE(8 * MiB, st(b, "peak"));
	EXPECT_GE(16 * MiB, st(b, "peak"));
	EXPECT_EQ(16 * MiB, st(b, "max"));

	EXPECT_LE(n - cap, evl(a, "max")) TH_LOG("the parent's limit was hit");
	EXPECT_LE(n - cap, ev(a, "max"));
	EXPECT_EQ(0, evl(b, "max")) TH_LOG("the child's own limit was never reached");
	EXPECT_EQ(0, ev(b, "max"));
	EXPECT_EQ(n - cap, evl(b, "fallback"));
	EXPECT_EQ(n - cap, ev(b, "fallback"));
	EXPECT_EQ(n - cap, ev(a, "fallback"));
	EXPECT_EQ(0, evl(a, "fallback"));

	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(b, 0));
	EXPECT_EQ(0, settled_current(a, 0));
}

/*
 * Two children without limits of their own share their parent's 8M: the
 * first holds 6M, the second gets the remaining 2M on node 2 and the rest
 * from ordinary memory; the parent's current is their sum.  When the first
 * exits, its share is released in both.
 */
TEST_F_TIMEOUT(lim, nested_siblings_share_parent_limit, 60)
{
	const long n = PAGES(6 * MiB);
	const char *a = self->cg;
	struct sampler s = { 0 };
	char b[PATH_MAX], c[PATH_MAX];
	struct reply r;
	struct wk kb, kc;

	ASSERT_EQ(0, cg_mkchild(a, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_mkchild(a, "c", c, sizeof(c)));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	ASSERT_EQ(0, cg_write(c, PN_NODES, "2"));
	ASSERT_EQ(0, set_max(a, "8M"));
	sampler_add(&s, a);

	ASSERT_EQ(0, wk_new(_metadata, &kb, b, MPOL_BIND, pn_node_bit(NID), n, 15));
	ASSERT_EQ(0, wk_new(_metadata, &kc, c, MPOL_BIND, pn_node_bit(NID), n, 16));
	ASSERT_EQ(0, wk_fault_range(_metadata, &kb, 0, n, &r, &s));
	EXPECT_EQ(n, r.node[NID]);
	ASSERT_EQ(0, wk_fault_range(_metadata, &kc, 0, n, &r, &s));
	EXPECT_EQ(PAGES(2 * MiB), r.node[NID]);
	EXPECT_EQ(PAGES(4 * MiB), r.node[0] + r.node[1]);
	EXPECT_SAMPLED_LE(&s, 0, 8 * MiB);

	EXPECT_EQ(6 * MiB, st(b, "current"));
	EXPECT_EQ(2 * MiB, st(c, "current"));
	EXPECT_EQ(8 * MiB, st(a, "current"));
	EXPECT_EQ(st(b, "current") + st(c, "current"), st(a, "current"));
	EXPECT_EQ(PAGES(4 * MiB), evl(c, "fallback"));
	EXPECT_EQ(0, evl(b, "fallback"));

	EXPECT_EQ(0, wk_end(_metadata, &kb));
	EXPECT_EQ(0, settled_current(b, 0));
	EXPECT_EQ(2 * MiB, settled_current(a, 2 * MiB));
	EXPECT_EQ(0, wk_end(_metadata, &kc));
	EXPECT_EQ(0, settled_current(a, 0));
}

/* ------------------------------------------------------------------ */
/* Uncharging                                                          */
/* ------------------------------------------------------------------ */

/*
 * munmap() and exit release the charge; peak and the allocation counter
 * keep their values.
 */
TEST_F_TIMEOUT(lim, uncharge_on_munmap_and_exit, 60)
{
	const long n = PAGES(4 * MiB);
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, set_max(self->cg, "16M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(NID), n, 17));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	EXPECT_EQ(n, r.node[NID]);
	EXPECT_EQ(4 * MiB, st(self->cg, "current"));
	EXPECT_EQ(n, st(self->cg, "allocated"));

	ASSERT_EQ(0, wk_do(_metadata, &k, CMD_UNMAP, 0, n / 2, 0, &r, NULL));
	EXPECT_EQ(2 * MiB, settled_current(self->cg, 2 * MiB));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
	EXPECT_EQ(4 * MiB, st(self->cg, "peak"));
	EXPECT_EQ(n, st(self->cg, "allocated"));
	EXPECT_EQ(0, st(self->cg, "fallback"));
}

/* The "anon" line of memory.numa_stat: bytes on node @nid, or -1. */
static long long numa_stat_anon(const char *cg, int nid)
{
	char buf[4096], key[16], *p;
	long long v;

	if (cg_read(cg, "memory.numa_stat", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "anon ");
	if (p != buf && (!p || p[-1] != '\n'))
		return -1;
	snprintf(key, sizeof(key), " N%d=", nid);
	p = strstr(p, key);
	if (!p || sscanf(p + strlen(key), "%lld", &v) != 1)
		return -1;
	return v;
}

/*
 * Per-node statistics of the memory controller count the private node:
 * memory.numa_stat has a column for it and the cgroup's anonymous pages
 * there show in it.
 */
TEST_F_TIMEOUT(lim, numa_stat_counts_private_node, 60)
{
	const long n = PAGES(4 * MiB);
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(NID), n, 23));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	ASSERT_EQ(n, r.node[NID]);
	/* Stats are flushed lazily; reading numa_stat flushes them. */
	EXPECT_LE(4 * MiB, numa_stat_anon(self->cg, NID));
	EXPECT_GT(4 * MiB, numa_stat_anon(self->cg, 0))
		TH_LOG("node 0 shows the private node's pages");
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
}

/*
 * move_pages() from node 2 to node 0 releases the charge; back from node 0
 * to node 2 under a 2M cap, the pages that fit move and the call fails
 * with ENOMEM, as it does for a full target node: the others stay on node
 * 0.  A failed charge counts as "max", not as a fallback (no page was
 * served from ordinary memory in its place).
 */
TEST_F_TIMEOUT(lim, move_pages_uncharges_and_respects_cap, 60)
{
	const long n = PAGES(4 * MiB), cap = PAGES(2 * MiB);
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, set_max(self->cg, "16M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(NID), n, 18));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	ASSERT_EQ(n, r.node[NID]);
	EXPECT_EQ(4 * MiB, st(self->cg, "current"));

	ASSERT_EQ(0, wk_do(_metadata, &k, CMD_MOVE, 0, n, 0, &r, NULL));
	EXPECT_TRUE(r.ok);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(n, r.moved);
	EXPECT_EQ(n, r.node[0]);
	EXPECT_EQ(0, st(self->cg, "current")) TH_LOG("moving off node %d kept the charge", NID);

	ASSERT_EQ(0, set_max(self->cg, "2M"));
	ASSERT_EQ(0, wk_do(_metadata, &k, CMD_MOVE, 0, n, NID, &r, NULL));
	EXPECT_TRUE(r.ok);
	EXPECT_EQ(-ENOMEM, r.ret) TH_LOG("move_pages() beyond the cap: %ld", r.ret);
	EXPECT_LE(r.node[NID], cap);
	EXPECT_LT(0, r.node[NID]) TH_LOG("no page moved below the cap");
	EXPECT_EQ(n, r.node[NID] + r.node[0]);
	EXPECT_EQ(r.node[NID] * pn_page_size(), st(self->cg, "current"));
	EXPECT_LE(1, ev(self->cg, "max"));
	EXPECT_EQ(0, ev(self->cg, "fallback"));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
}

/*
 * A migration started by another process (the test, in the root cgroup,
 * whose own tasks are never charged) charges the cgroup the pages belong
 * to: move_pages(pid) of a worker's pages from node 0 to node 2 under a 2M
 * cap moves up to 2M, charged to the worker's cgroup, and fails with
 * ENOMEM for the rest, which stay on node 0.
 */
TEST_F_TIMEOUT(lim, move_pages_by_root_charges_page_owner, 60)
{
	const long n = PAGES(4 * MiB), cap = PAGES(2 * MiB);
	long moved = 0, bad = 0, on_nid, on_ord, i;
	int *status = calloc(n, sizeof(int));
	struct reply r;
	struct wk k;
	long ret;

	ASSERT_NE(NULL, status);
	ASSERT_EQ(0, set_max(self->cg, "2M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(0), n, 19));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	ASSERT_EQ(n, r.node[0]);
	EXPECT_EQ(0, st(self->cg, "current"));

	for (i = 0; i < n; i++)
		status[i] = 12345;
	ret = pn_move_pid(k.w.pid, k.addr, n, NID, status);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ENOMEM, errno);
	for (i = 0; i < n; i++) {
		moved += status[i] == NID;
		bad += status[i] != NID && status[i] != 12345;
	}
	EXPECT_EQ(0, bad) TH_LOG("statuses other than %d or untouched", NID);
	wk_where(&k, &on_nid, &on_ord);
	EXPECT_LE(on_nid, cap);
	EXPECT_LT(0, on_nid);
	EXPECT_LE(moved, on_nid);
	EXPECT_EQ(n, on_nid + on_ord);
	EXPECT_EQ(on_nid * pn_page_size(), st(self->cg, "current"));
	EXPECT_LE(1, evl(self->cg, "max"));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
	free(status);
}

/*
 * migrate_pages(pid, {0}, {2}) by the test: the worker's pages are charged
 * to its cgroup up to the 2M cap and the rest stay on node 0.  The worker
 * may have a few more private pages on node 0 than its region (stack,
 * heap), which migrate too, so the region's count is only bounded.
 */
TEST_F_TIMEOUT(lim, migrate_pages_charges_page_owner, 60)
{
	const long n = PAGES(4 * MiB), cap = PAGES(2 * MiB);
	unsigned long from = pn_node_bit(0), to = pn_node_bit(NID);
	long on_nid, on_ord, ret;
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, set_max(self->cg, "2M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(0), n, 21));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	ASSERT_EQ(n, r.node[0]);

	errno = 0;
	ret = migrate_pages(k.w.pid, PN_MAXNODE, &from, &to);
	EXPECT_TRUE(ret >= 0 || errno == ENOMEM)
		TH_LOG("migrate_pages() = %ld: %s", ret, strerror(errno));
	wk_where(&k, &on_nid, &on_ord);
	EXPECT_GE(cap, on_nid);
	EXPECT_LE(cap - 64, on_nid) TH_LOG("the cap is 2M, only %ld pages moved", on_nid);
	EXPECT_EQ(n - on_nid, on_ord);
	EXPECT_EQ(2 * MiB, st(self->cg, "current"));
	EXPECT_LE(1, evl(self->cg, "max"));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
}

/*
 * Lowering max below current is allowed and reclaims nothing: current
 * stays, new faults fall back; once usage is below the new limit, faults
 * land on node 2 again up to it.
 */
TEST_F_TIMEOUT(lim, lower_max_below_current, 60)
{
	const long mb = PAGES(MiB);
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, set_max(self->cg, "16M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(NID), 12 * mb, 22));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, 8 * mb, &r, NULL));
	ASSERT_EQ(8 * mb, r.node[NID]);
	EXPECT_EQ(8 * MiB, st(self->cg, "current"));

	EXPECT_EQ(0, set_max(self->cg, "4M"));
	EXPECT_FILE(self->cg, PN_MAX, "2 max=4194304\n");
	EXPECT_EQ(8 * MiB, st(self->cg, "current")) TH_LOG("lowering max reclaimed");
	EXPECT_EQ(4 * MiB, st(self->cg, "max"));

	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 8 * mb, 2 * mb, &r, NULL));
	EXPECT_EQ(0, r.node[NID]);
	EXPECT_EQ(2 * mb, r.node[0] + r.node[1]);
	EXPECT_EQ(2 * mb, ev(self->cg, "fallback"));
	EXPECT_LE(2 * mb, ev(self->cg, "max"));
	EXPECT_EQ(8 * MiB, st(self->cg, "current"));
	EXPECT_EQ(8 * MiB, st(self->cg, "peak")) TH_LOG("the high-water mark before lowering");

	/* Down to 2M used: the next 2M fit again under 4M. */
	ASSERT_EQ(0, wk_do(_metadata, &k, CMD_UNMAP, 0, 6 * mb, 0, &r, NULL));
	EXPECT_EQ(2 * MiB, settled_current(self->cg, 2 * MiB));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 10 * mb, 2 * mb, &r, NULL));
	EXPECT_EQ(2 * mb, r.node[NID]);
	EXPECT_EQ(4 * MiB, st(self->cg, "current"));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
}

/* ------------------------------------------------------------------ */
/* Revocation                                                          */
/* ------------------------------------------------------------------ */

/*
 * A worker in @leaf holds 4M on node 2; writing "\n" to @victim's
 * memory.private_nodes migrates them to ordinary nodes before write()
 * returns, and @leaf's current drops to 0 at once.
 */
static void revoke_and_check(struct __test_metadata *_metadata, const char *leaf,
			     const char *victim)
{
	const long n = PAGES(4 * MiB);
	long on_nid, on_ord;
	struct reply r;
	struct wk k;

	ASSERT_EQ(0, set_max(leaf, "16M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, leaf, MPOL_BIND, pn_node_bit(NID), n, 23));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	ASSERT_EQ(n, r.node[NID]);
	EXPECT_EQ(4 * MiB, st(leaf, "current"));
	EXPECT_EQ(4 * MiB, st(victim, "current"));

	ASSERT_EQ(0, cg_write(victim, PN_NODES, "\n"));
	/* Right after write() returned: no waiting. */
	wk_where(&k, &on_nid, &on_ord);
	EXPECT_EQ(0, on_nid);
	EXPECT_EQ(n, on_ord);
	if (strcmp(leaf, victim))
		EXPECT_EQ(0, st(leaf, "current"));
	/*
	 * The victim no longer requests node 2: its stat line may be gone.
	 * Requested again, it must read 0.
	 */
	if (cg_node_key(victim, PN_STAT, NID, "current") >= 0)
		EXPECT_EQ(0, st(victim, "current"));
	ASSERT_EQ(0, cg_write(victim, PN_NODES, "2"));
	EXPECT_EQ(0, st(victim, "current"));
	EXPECT_EQ(0, st(leaf, "current"));
	EXPECT_EQ(0, wk_end(_metadata, &k)) TH_LOG("data lost in the revocation");
}

TEST_F_TIMEOUT(lim, revoke_own_grant_uncharges, 60)
{
	revoke_and_check(_metadata, self->cg, self->cg);
}

TEST_F_TIMEOUT(lim, revoke_ancestor_grant_uncharges, 60)
{
	char b[PATH_MAX];

	ASSERT_EQ(0, cg_mkchild(self->cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_write(b, PN_NODES, "2"));
	revoke_and_check(_metadata, b, self->cg);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

/*
 * One stat line per requested node, fields in the documented order and
 * consistent with .max and with the pages actually on the node; a cgroup
 * that requests nothing has no line for node 2; a refused mbind() counts
 * in the node's "denied".
 */
TEST_F_TIMEOUT(lim, stat_lines_consistent, 60)
{
	const long n = PAGES(4 * MiB);
	long long cur, peak, alloc, denied, fb;
	char line[1024], maxs[32], b[PATH_MAX], c[PATH_MAX];
	long on_nid, on_ord;
	struct reply r;
	struct wk k;
	int nid;

	ASSERT_EQ(0, set_max(self->cg, "8M"));
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(NID), n, 24));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	wk_where(&k, &on_nid, &on_ord);

	EXPECT_EQ(1, cg_lines(self->cg, PN_STAT));
	ASSERT_EQ(0, cg_node_line(self->cg, PN_STAT, NID, line, sizeof(line)));
	ASSERT_EQ(7, sscanf(line, "%d current=%lld peak=%lld max=%31s allocated=%lld "
			    "denied=%lld fallback=%lld",
			    &nid, &cur, &peak, maxs, &alloc, &denied, &fb)) TH_LOG("'%s'", line);
	EXPECT_EQ(NID, nid);
	EXPECT_EQ(BYTES(on_nid), cur);
	EXPECT_EQ(4 * MiB, cur);
	EXPECT_EQ(4 * MiB, peak);
	EXPECT_STREQ("8388608", maxs);
	EXPECT_EQ(lim_max(self->cg), st(self->cg, "max"));
	EXPECT_EQ(n, alloc);
	EXPECT_EQ(0, denied);
	EXPECT_EQ(0, fb);
	EXPECT_EQ(0, wk_end(_metadata, &k));

	/* b requests nothing: no line.  b/c requests 2 but b does not grant it. */
	ASSERT_EQ(0, cg_mkchild(self->cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_mkchild(b, "c", c, sizeof(c)));
	EXPECT_EQ(-ENOENT, cg_node_line(b, PN_STAT, NID, line, sizeof(line)));
	ASSERT_EQ(0, cg_write(c, PN_NODES, "2"));
	EXPECT_EQ(1, cg_lines(c, PN_STAT));
	EXPECT_EQ(0, st(c, "denied"));
	EXPECT_EQ(0, cg_run(c, wk_refused_mbind, NULL));
	EXPECT_EQ(1, evl(c, "denied"));
	EXPECT_EQ(1, st(c, "denied"));
	EXPECT_EQ(0, st(c, "current"));
	EXPECT_EQ(0, st(c, "allocated"));
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/* Open @file of @cg for POLLPRI and consume what is pending. */
static int poll_open(const char *cg, const char *file)
{
	char path[PATH_MAX], buf[512];
	int fd;

	cg_path(path, sizeof(path), cg, file);
	fd = open(path, O_RDONLY);
	if (fd >= 0 && read(fd, buf, sizeof(buf)) <= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Re-read (re-arm) the files after a wake-up. */
static void poll_rearm(struct pollfd *pfd, int n)
{
	char buf[512];
	int i;

	for (i = 0; i < n; i++) {
		lseek(pfd[i].fd, 0, SEEK_SET);
		if (read(pfd[i].fd, buf, sizeof(buf)) < 0)
			perror("# re-reading an events file");
	}
}

/* Which of @n files woke with POLLPRI within 10 s: a bit mask. */
static int poll_wait(struct pollfd *pfd, int n)
{
	long deadline = cg_now_ms() + 10000;
	int got = 0, all = (1 << n) - 1, i;

	for (i = 0; i < n; i++)
		pfd[i].events = POLLPRI;
	while (got != all && cg_now_ms() < deadline) {
		if (poll(pfd, n, deadline - cg_now_ms()) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents & POLLPRI) {
				got |= 1 << i;
				pfd[i].fd = -pfd[i].fd - 1;	/* stop polling it */
			}
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd < 0)
			pfd[i].fd = -pfd[i].fd - 1;
	return got;
}

/*
 * poll(POLLPRI) on .events and .events.local wakes when "max" changes
 * (move_pages() beyond the cap: no fallback) and when "fallback" changes
 * (a fault beyond the cap with fallback sysram); nothing is pending before.
 */
TEST_F_TIMEOUT(lim, events_poll_wakes_on_max_and_fallback, 60)
{
	const long n = PAGES(2 * MiB);
	struct pollfd pfd[2];
	long max0, fb0;
	struct reply r;
	struct wk k, kf;
	int i;

	ASSERT_EQ(0, set_max(self->cg, "1M"));
	pfd[0].fd = poll_open(self->cg, PN_EVENTS);
	pfd[1].fd = poll_open(self->cg, PN_EVENTS_LOCAL);
	ASSERT_LE(0, pfd[0].fd);
	ASSERT_LE(0, pfd[1].fd);
	for (i = 0; i < 2; i++)
		pfd[i].events = POLLPRI;
	EXPECT_EQ(0, poll(pfd, 2, 0)) TH_LOG("an event pending before any");

	/* "max" alone: move_pages() of 2M to node 2 under a 1M cap. */
	ASSERT_EQ(0, wk_new(_metadata, &k, self->cg, MPOL_BIND, pn_node_bit(0), n, 26));
	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, n, &r, NULL));
	max0 = ev(self->cg, "max");
	fb0 = ev(self->cg, "fallback");
	/* The per-page statuses are move_pages_*'s business, not this test's. */
	ASSERT_EQ(0, wk_do(_metadata, &k, CMD_MOVE, 0, n, NID, &r, NULL));
	EXPECT_EQ(3, poll_wait(pfd, 2)) TH_LOG("no POLLPRI on a \"max\" event");
	EXPECT_LT(max0, ev(self->cg, "max"));
	EXPECT_EQ(fb0, ev(self->cg, "fallback"));

	/* "fallback": faults beyond the (full) cap with sysram. */
	poll_rearm(pfd, 2);
	ASSERT_EQ(0, wk_new(_metadata, &kf, self->cg, MPOL_BIND, pn_node_bit(NID), 64, 27));
	ASSERT_EQ(0, wk_fault_range(_metadata, &kf, 0, 64, &r, NULL));
	EXPECT_EQ(64, r.node[0] + r.node[1]);
	EXPECT_EQ(3, poll_wait(pfd, 2)) TH_LOG("no POLLPRI on a \"fallback\" event");
	EXPECT_EQ(fb0 + 64, ev(self->cg, "fallback"));

	for (i = 0; i < 2; i++)
		close(pfd[i].fd);
	EXPECT_EQ(0, wk_end(_metadata, &kf));
	EXPECT_EQ(0, wk_end(_metadata, &k));
}

/* ------------------------------------------------------------------ */
/* Transparent huge pages                                              */
/* ------------------------------------------------------------------ */

/*
 * A PMD fault on node 2 charges 2M at once: under a 4M cap two THPs fit,
 * the third range comes from ordinary memory and current stays at 4M.
 */
TEST_F_TIMEOUT(lim, thp_fault_charges_pmd, 60)
{
	const long pmd = PAGES(PMD_SIZE_);
	char buf[256];
	struct reply r;
	struct wk k;

	if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)))
		SKIP(return, "no transparent huge pages in this kernel");
	if (strstr(buf, "[never]"))
		SKIP(return, "transparent huge pages disabled: %s", buf);

	ASSERT_EQ(0, set_max(self->cg, "4M"));
	wk_begin(&k, MPOL_BIND, pn_node_bit(NID), 3 * pmd, 28);
	k.a.thp = true;
	ASSERT_EQ(0, wk_start(_metadata, &k, self->cg));

	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 0, pmd, &r, NULL));
	EXPECT_EQ(pmd, r.node[NID]);
	ASSERT_LE(2048, r.thp_kb) TH_LOG("no THP on node %d (AnonHugePages %ld kB)", NID, r.thp_kb);
	EXPECT_EQ(PMD_SIZE_, st(self->cg, "current"));
	EXPECT_EQ(pmd, st(self->cg, "allocated"));

	ASSERT_EQ(0, wk_fault_range(_metadata, &k, pmd, pmd, &r, NULL));
	EXPECT_EQ(pmd, r.node[NID]);
	EXPECT_EQ(2 * PMD_SIZE_, st(self->cg, "current"));

	ASSERT_EQ(0, wk_fault_range(_metadata, &k, 2 * pmd, pmd, &r, NULL));
	EXPECT_EQ(0, r.node[NID]);
	EXPECT_EQ(pmd, r.node[0] + r.node[1]);
	EXPECT_EQ(2 * PMD_SIZE_, st(self->cg, "current"));
	EXPECT_EQ(2 * PMD_SIZE_, st(self->cg, "peak"));
	EXPECT_LE(1, ev(self->cg, "fallback"));
	EXPECT_LE(1, ev(self->cg, "max"));
	EXPECT_EQ(0, wk_end(_metadata, &k));
	EXPECT_EQ(0, settled_current(self->cg, 0));
}

/*
 * Isolation under load: stress-ng (anonymous, mmap and fork stressors)
 * runs in a cgroup without the grant, next to a task of that cgroup whose
 * pages the test keeps trying to move to node 2, while granted workers in
 * a sibling cgroup fault against an 8M cap.  Afterwards the ungranted
 * cgroup has nothing on node 2, every attempt was refused and counted,
 * and the granted cgroup's charge matches its pages there and never
 * exceeded the cap.
 */
TEST_F_TIMEOUT(lim, isolation_under_stress, 240)
{
	const long n = PAGES(4 * MiB), rounds = 10;
	char a[PATH_MAX], b[PATH_MAX];
	long on_nid, on_ord, sum = 0, refused = 0, i, j;
	int *status = calloc(n, sizeof(int));
	struct wk ka[3], kb;
	struct reply r;
	pid_t stress;
	int ws;

	ASSERT_NE(NULL, status);
	ASSERT_EQ(0, cg_mkchild(self->cg, "a", a, sizeof(a)));
	ASSERT_EQ(0, cg_mkchild(self->cg, "b", b, sizeof(b)));
	ASSERT_EQ(0, cg_write(a, PN_NODES, "2"));
	ASSERT_EQ(0, set_max(a, "8M"));

	stress = fork();
	ASSERT_LE(0, stress);
	if (!stress) {
		if (cg_enter(b, getpid()))
			_exit(126);
		/*
		 * Not --numa: it names every node in set_mempolicy(), and
		 * its refusal (EPERM, as it should) fails the stressor.
		 */
		execl("/usr/bin/stress-ng", "stress-ng", "--timeout", "20s",
		      "--vm", "2", "--vm-bytes", "32M", "--mmap", "1",
		      "--mmap-bytes", "16M", "--fork", "1", "--quiet", NULL);
		_exit(127);
	}

	ASSERT_EQ(0, wk_new(_metadata, &kb, b, MPOL_BIND, pn_node_bit(0), n, 41));
	ASSERT_EQ(0, wk_fault_range(_metadata, &kb, 0, n, &r, NULL));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wk_new(_metadata, &ka[i], a, MPOL_BIND,
				    pn_node_bit(NID), n, 42 + i));
		ASSERT_EQ(0, wk_fault_range(_metadata, &ka[i], 0, n, &r, NULL));
	}
	for (i = 0; i < rounds; i++) {
		EXPECT_EQ(0, pn_move_pid(kb.w.pid, kb.addr, n, NID, status));
		for (j = 0; j < n; j++)
			refused += status[j] == -EACCES;
	}
	EXPECT_EQ(rounds * n, refused) TH_LOG("move_pages to node %d not refused", NID);

	ASSERT_EQ(stress, waitpid(stress, &ws, 0));
	EXPECT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		TH_LOG("stress-ng: status %#x", ws);

	wk_where(&kb, &on_nid, &on_ord);
	EXPECT_EQ(0, on_nid);
	EXPECT_EQ(n, on_ord);
	EXPECT_LE(rounds * n, cg_denied_local(b));
	for (i = 0; i < 3; i++) {
		wk_where(&ka[i], &on_nid, &on_ord);
		EXPECT_EQ(n, on_nid + on_ord);
		sum += on_nid;
	}
	EXPECT_EQ(BYTES(sum), st(a, "current"));
	EXPECT_EQ(8 * MiB, st(a, "current"));
	EXPECT_GE(8 * MiB, st(a, "peak"));
	EXPECT_EQ(BYTES(3 * n - sum), BYTES(st(a, "fallback")));

	EXPECT_EQ(0, wk_end(_metadata, &kb));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, wk_end(_metadata, &ka[i]));
	EXPECT_EQ(0, settled_current(a, 0));
	free(status);
}

TEST_HARNESS_MAIN
