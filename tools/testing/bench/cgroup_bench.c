// SPDX-License-Identifier: GPL-2.0
/*
 * What the cgroup grant of a private node (memory.private_nodes) costs a
 * fault, in one run: anonymous 4 KiB faults (THP off) in a fresh region of
 * MiB per round, median ns per fault over ROUNDS rounds, the task in a
 * non-root cgroup of the memory controller, examples/accel_mem owning
 * node 2 (NP_OPS_MIGRATION | NP_OPS_MEMPOLICY):
 *
 *  ordinary   cgroup /cgb-ord (no request), mbind(MPOL_BIND) {0};
 *  granted    cgroup /cgb-grant, which requests "2", mbind {2}: every fault
 *             checks the grant and charges the (cgroup, node 2) counter;
 *  deep       cgroup /cgb-d1/.../cgb-d8, eight levels, each requesting
 *             "2", mbind {2}: the counter charge walks eight levels;
 *  deep0      the same cgroup, mbind {0}: the memory controller's own cost
 *             of the depth, for reference;
 *  ordinary1  cgroup /cgb-ord, mbind {1}: an ordinary node without CPUs,
 *             as far from the task as node 2 - the fair baseline for a
 *             private node, which has no CPUs either.
 *
 * These five alternate round by round (phase 1).  Then 999 empty siblings
 * of /cgb-grant are created (memory controller on), and ordinary and
 * granted alternate again (phase 2, "1000 cgroups"); then each sibling
 * requests "2" as well, so that 1000 cgroups hold counters for node 2, and
 * the two alternate once more (phase 3).  The task moves itself into the
 * scenario's cgroup before each round and is pinned to CPU 0.
 *
 * Every round checks that every page is on the node of its policy and
 * that memory.private_nodes.stat's "current" for node 2 is the region's
 * size at every level that requested node 2 while it is mapped (0 for
 * mbind {0}), and 0 again once it is unmapped; a mismatch fails the run.
 * Prints (ns per fault, medians):
 *   # bench cgroup fault_ns ordinary <m> granted <m> deep <m> deep0 <m>
 *       k_ordinary <m> k_granted <m> kg_ordinary <m> kg_granted <m>
 *       ordinary1 <m>
 *   # bench cgroup ratio granted/ordinary <r> k/granted <r> kg/granted <r>
 *       deep/granted <r> deep0/ordinary <r> deep/deep0 <r>
 *       k_ordinary/ordinary <r> kg_ordinary/ordinary <r>
 *       granted/ordinary1 <r> grant_depth <r>
 * where grant_depth = (deep/deep0) / (granted/ordinary): how much more the
 * grant costs eight levels deep than one level deep, the memory
 * controller's own depth cost divided out.
 *   # bench cgroup spread <scenario> <min>/<max> ...
 * (one line each; run-bench.sh reads the fields by position) and TAP.
 * Meant for QEMU -icount (guest ns = instructions).
 *   cgroup_bench [MiB] [rounds] [siblings]
 */
#define _GNU_SOURCE
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_stats.h"
#include "privnode_cgroup.h"

#define NID 2
#define MAXNODE 64
#define DEPTH 8

#define CG_ORD CG_ROOT "/cgb-ord"
#define CG_GRANT CG_ROOT "/cgb-grant"
#define CG_DEEP_TOP CG_ROOT "/cgb-d1"

enum { ORD, GRANT, DEEP, DEEP0, K_ORD, K_GRANT, KG_ORD, KG_GRANT, ORD1, NR_SCEN };

static const char *const scen_name[NR_SCEN] = {
	"ordinary", "granted", "deep", "deep0",
	"k_ordinary", "k_granted", "kg_ordinary", "kg_granted", "ordinary1",
};

static long page_size;
static int tap_nr, failed;
static char deep[DEPTH][PATH_MAX];	/* deep[0] = /cgb-d1 ... deep[7] = leaf */

static int tap(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++tap_nr, what);
	fflush(stdout);
	failed |= !ok;
	return ok;
}

/* The cgroups whose node-2 counter a fault of scenario @s charges. */
static int charged_cgroups(int s, const char **cgs)
{
	int i;

	switch (s) {
	case GRANT: case K_GRANT: case KG_GRANT:
		cgs[0] = CG_GRANT;
		return 1;
	case DEEP: case DEEP0:
		for (i = 0; i < DEPTH; i++)
			cgs[i] = deep[i];
		return DEPTH;
	default:
		return 0;
	}
}

/*
 * Whether node 2's "current" is @bytes in every cgroup that requested it
 * on the path of scenario @s; reports a mismatch.
 */
static int check_current(int s, long long bytes, const char *when)
{
	const char *cgs[DEPTH];
	int i, n = charged_cgroups(s, cgs);
	long long cur;

	for (i = 0; i < n; i++) {
		cur = cg_node_key(cgs[i], PN_STAT, NID, "current");
		if (cur != bytes) {
			printf("# %s, %s: %s/" PN_STAT " node %d current=%lld, expected %lld\n",
			       scen_name[s], when, cgs[i], NID, cur, bytes);
			return 0;
		}
	}
	return 1;
}

/* Every one of @n pages of @p on node @nid? Reports the first that is not. */
static int all_on(char *p, size_t n, int nid, void **addrs, int *status,
		  const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		addrs[i] = p + i * page_size;
	if (move_pages(0, n, addrs, NULL, status, 0)) {
		printf("# %s: move_pages query failed: %s\n", what, strerror(errno));
		return 0;
	}
	for (i = 0; i < n; i++)
		if (status[i] != nid) {
			printf("# %s: page %zu on node %d, expected %d\n",
			       what, i, status[i], nid);
			return 0;
		}
	return 1;
}

static const char *scen_cgroup(int s)
{
	switch (s) {
	case ORD: case K_ORD: case KG_ORD: case ORD1:
		return CG_ORD;
	case GRANT: case K_GRANT: case KG_GRANT:
		return CG_GRANT;
	default:
		return deep[DEPTH - 1];
	}
}

static int scen_node(int s)
{
	if (s == ORD1)
		return 1;
	return s == GRANT || s == K_GRANT || s == KG_GRANT || s == DEEP ? NID : 0;
}

/*
 * One round of scenario @s: enter its cgroup, map a fresh region bound to
 * its node, time one write per page; ns per fault, or -1 if a check failed.
 */
static double fault_round(int s, size_t len, void **addrs, int *status)
{
	size_t pages = len / page_size, i;
	int nid = scen_node(s), ret;
	unsigned long mask = 1UL << nid;
	double t0, ns;
	char *p;

	ret = cg_enter(scen_cgroup(s), getpid());
	if (ret) {
		printf("# %s: cannot enter %s: %s\n", scen_name[s], scen_cgroup(s),
		       strerror(-ret));
		return -1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (madvise(p, len, MADV_NOHUGEPAGE) ||
	    mbind(p, len, MPOL_BIND, &mask, MAXNODE, 0)) {
		printf("# %s: madvise/mbind {%d}: %s\n", scen_name[s], nid, strerror(errno));
		munmap(p, len);
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		p[i * page_size] = 1;
	ns = (now_ns() - t0) / pages;
	if (!all_on(p, pages, nid, addrs, status, scen_name[s]) ||
	    !check_current(s, nid == NID ? (long long)len : 0, "mapped"))
		ns = -1;
	munmap(p, len);
	/* Freeing a page of the private node releases its charge at once. */
	if (!check_current(s, 0, "unmapped"))
		ns = -1;
	return ns;
}

/* Rounds of the scenarios @sc (@n of them) alternating; 0 or -1. */
static int run_phase(const int *sc, int n, int rounds, size_t len,
		     double **v, void **addrs, int *status)
{
	int r, i;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++) {
			v[sc[i]][r] = fault_round(sc[i], len, addrs, status);
			if (v[sc[i]][r] <= 0)
				return -1;
		}
	return 0;
}

static void sibling_path(char *buf, size_t len, int i)
{
	snprintf(buf, len, CG_ROOT "/cgb-s%03d", i);
}

/* Create the cgroups of phase 1: /cgb-ord, /cgb-grant, /cgb-d1/.../cgb-d8. */
static int setup_cgroups(void)
{
	const char *parent = CG_ROOT;
	char name[16];
	int i;

	if (cg_enable_memory(CG_ROOT) || cg_create(CG_ORD) || cg_create(CG_GRANT) ||
	    cg_write(CG_GRANT, PN_NODES, "2"))
		return -1;
	for (i = 0; i < DEPTH; i++) {
		snprintf(name, sizeof(name), "cgb-d%d", i + 1);
		/* Enables the controller in the parent, creates the child. */
		if (cg_mkchild(parent, name, deep[i], sizeof(deep[i])) ||
		    cg_write(deep[i], PN_NODES, "2"))
			return -1;
		parent = deep[i];
	}
	return 0;
}

/* Remove everything this program created; 0 if all of it is gone. */
static int cleanup_cgroups(int siblings)
{
	char path[PATH_MAX];
	int i, ret = 0;

	cg_enter(CG_ROOT, getpid());
	for (i = 1; i <= siblings; i++) {
		sibling_path(path, sizeof(path), i);
		ret |= cg_destroy(path);
	}
	ret |= cg_destroy(CG_ORD);
	ret |= cg_destroy(CG_GRANT);
	ret |= cg_destroy(CG_DEEP_TOP);
	return ret;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 25;
	int siblings = argc > 3 ? atoi(argv[3]) : 999;
	static const int phase1[] = { ORD, GRANT, DEEP, DEEP0, ORD1 };
	static const int phase2[] = { K_ORD, K_GRANT };
	static const int phase3[] = { KG_ORD, KG_GRANT };
	double *v[NR_SCEN], m[NR_SCEN], t0;
	char path[PATH_MAX], msg[128];
	size_t len = mib << 20;
	int *status, s, i, ok;
	cpu_set_t cpu0;
	void **addrs;

	page_size = sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n1..8\n");
	addrs = calloc(len / page_size, sizeof(*addrs));
	status = calloc(len / page_size, sizeof(int));
	for (s = 0; s < NR_SCEN; s++)
		v[s] = calloc(rounds > 0 ? rounds : 1, sizeof(double));
	for (s = 0; s < NR_SCEN; s++)
		if (!v[s])
			return 1;
	if (rounds < 1 || siblings < 0 || !len || !addrs || !status)
		return 1;

	/* One CPU: no migration mid-round, and every LRU batch drained at munmap. */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (!tap(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0, "pinned to CPU 0"))
		return 1;
	if (!tap(load_node_module("accel_mem", NID, NULL) == 0,
		 "accel_mem loaded for node 2"))
		return 1;
	if (!tap(setup_cgroups() == 0, "cgroups: /cgb-ord, /cgb-grant (2), /cgb-d1/.../cgb-d8 (2 at each level)"))
		goto out;

	ok = run_phase(phase1, 5, rounds, len, v, addrs, status) == 0;
	if (!tap(ok, "phase 1: ordinary, granted, deep, deep0, ordinary1: pages and charges where expected"))
		goto out;

	t0 = now_ns();
	ok = !cg_enter(CG_ROOT, getpid());
	for (i = 1; ok && i <= siblings; i++) {
		sibling_path(path, sizeof(path), i);
		ok = !cg_create(path);
	}
	printf("# %d empty sibling cgroups created in %.0f ms (guest clock)\n",
	       siblings, (now_ns() - t0) / 1e6);
	ok = ok && run_phase(phase2, 2, rounds, len, v, addrs, status) == 0;
	snprintf(msg, sizeof(msg), "phase 2: %d empty siblings: pages and charges where expected",
		 siblings);
	if (!tap(ok, msg))
		goto out;

	for (i = 1, ok = 1; ok && i <= siblings; i++) {
		sibling_path(path, sizeof(path), i);
		ok = !cg_write(path, PN_NODES, "2");
	}
	ok = ok && run_phase(phase3, 2, rounds, len, v, addrs, status) == 0;
	snprintf(msg, sizeof(msg), "phase 3: %d siblings requesting 2: pages and charges where expected",
		 siblings);
	if (tap(ok, msg)) {
		for (s = 0; s < NR_SCEN; s++)
			m[s] = median(v[s], rounds);
		printf("# bench cgroup fault_ns");
		for (s = 0; s < NR_SCEN; s++)
			printf(" %s %.1f", scen_name[s], m[s]);
		printf(" (%zu pages x %d rounds, %d siblings)\n", len / page_size,
		       rounds, siblings);
		/* median() sorted each series: first and last are min and max. */
		printf("# bench cgroup spread");
		for (s = 0; s < NR_SCEN; s++)
			printf(" %s %.1f/%.1f", scen_name[s], v[s][0], v[s][rounds - 1]);
		printf(" (min/max over rounds)\n");
		printf("# bench cgroup ratio granted/ordinary %.4f k/granted %.4f kg/granted %.4f deep/granted %.4f deep0/ordinary %.4f deep/deep0 %.4f k_ordinary/ordinary %.4f kg_ordinary/ordinary %.4f granted/ordinary1 %.4f grant_depth %.4f\n",
		       m[GRANT] / m[ORD], m[K_GRANT] / m[GRANT],
		       m[KG_GRANT] / m[GRANT], m[DEEP] / m[GRANT],
		       m[DEEP0] / m[ORD], m[DEEP] / m[DEEP0],
		       m[K_ORD] / m[ORD], m[KG_ORD] / m[ORD],
		       m[GRANT] / m[ORD1],
		       (m[DEEP] / m[DEEP0]) / (m[GRANT] / m[ORD]));
	}
out:
	tap(cleanup_cgroups(siblings) == 0, "cgroups removed");
	tap(unload_module("accel_mem") == 0, "accel_mem unloaded");
	return failed;
}
