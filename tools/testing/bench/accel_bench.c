// SPDX-License-Identifier: GPL-2.0
/*
 * What a task pays for using accelerator memory (examples/accel_mem on
 * node 2) instead of ordinary memory, in one run:
 *
 *  fault   anonymous 4 KiB faults (THP off) in a region mbind(MPOL_BIND)
 *          to node 2, against the same region bound to node 0 (and, for
 *          reference, to node 1, ordinary but not local): median ns per
 *          fault over ROUNDS regions of MiB each, the nodes alternating
 *          round by round;
 *  move    move_pages(2) of a fresh buffer of MOVE_MiB faulted on node 0,
 *          to node 2 against to node 1: median pages per second of the
 *          move_pages() call alone, over ROUNDS fresh buffers.
 *
 * Loads accel_mem for node 2 (the DIMM that boots offline) and unloads it
 * at the end.  Checks that every page landed where it should; a page
 * elsewhere fails the run rather than skewing a figure.  Prints
 *   # bench accel fault_ns node2 <m> node0 <m> ratio <r> node1 <m> ratio1 <r>
 *   # bench accel move_pps node2 <median> node1 <median> ratio <r>
 * and TAP.  Meant for QEMU -icount (guest ns = instructions).
 *   accel_bench [MiB] [rounds] [move_MiB]
 */
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_stats.h"
#include "privnode_test.h"

#define NID 2
#define MAXNODE 64

static long page_size;
static int tap_nr, failed;

static int tap(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++tap_nr, what);
	failed |= !ok;
	return ok;
}

/* Private anonymous 4 KiB pages (THP off), bound to node @nid. */
static char *bound_region(size_t len, int nid)
{
	unsigned long mask = 1UL << nid;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_NOHUGEPAGE) ||
	    mbind(p, len, MPOL_BIND, &mask, MAXNODE, 0)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

/* Are all @n pages of @p on node @nid? */
static int all_on(char *p, size_t n, int nid, void **addrs, int *status)
{
	size_t i;

	for (i = 0; i < n; i++)
		addrs[i] = p + i * page_size;
	if (move_pages(0, n, addrs, NULL, status, 0))
		return 0;
	for (i = 0; i < n; i++)
		if (status[i] != nid)
			return 0;
	return 1;
}

/* One round: fault @len bytes bound to @nid; ns per fault, or -1. */
static double fault_round(size_t len, int nid, int verify, void **addrs,
			  int *status)
{
	size_t pages = len / page_size, i;
	char *p = bound_region(len, nid);
	double t0, ns;

	if (!p)
		return -1;
	t0 = now_ns();
	for (i = 0; i < pages; i++)
		p[i * page_size] = 1;
	ns = (now_ns() - t0) / pages;
	if (verify && !all_on(p, pages, nid, addrs, status))
		ns = -1;
	munmap(p, len);
	return ns;
}

/*
 * One round: fault a fresh buffer on node 0, move_pages() all of it to
 * @nid; pages per second of the call, or -1 if a page did not move.
 */
static double move_round(size_t len, int nid, void **addrs, int *nodes,
			 int *status)
{
	size_t pages = len / page_size, i;
	char *p = bound_region(len, 0);
	double t0, ns;
	long ret;

	if (!p)
		return -1;
	for (i = 0; i < pages; i++) {
		memset(p + i * page_size, (int)(i % 255) + 1, 64);
		addrs[i] = p + i * page_size;
		nodes[i] = nid;
	}
	t0 = now_ns();
	ret = move_pages(0, pages, addrs, nodes, status, MPOL_MF_MOVE);
	ns = now_ns() - t0;
	for (i = 0; !ret && i < pages; i++)
		if (status[i] != nid || p[i * page_size] != (char)(i % 255 + 1))
			ret = -1;
	munmap(p, len);
	return ret ? -1 : pages / (ns / 1e9);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 25;
	size_t move_mib = argc > 3 ? strtoul(argv[3], NULL, 0) : 32;
	double *f2, *f0, *f1, *m2, *m1, mf2, mf0, mf1, mm2, mm1;
	size_t max_pages;
	int *nodes, *status, r, ok = 1;
	void **addrs;

	page_size = sysconf(_SC_PAGESIZE);
	max_pages = ((mib > move_mib ? mib : move_mib) << 20) / page_size;
	f2 = calloc(rounds, sizeof(double));
	f0 = calloc(rounds, sizeof(double));
	f1 = calloc(rounds, sizeof(double));
	m2 = calloc(rounds, sizeof(double));
	m1 = calloc(rounds, sizeof(double));
	addrs = calloc(max_pages, sizeof(*addrs));
	nodes = calloc(max_pages, sizeof(int));
	status = calloc(max_pages, sizeof(int));
	printf("TAP version 13\n1..4\n");
	if (rounds < 1 || !f2 || !f0 || !f1 || !m2 || !m1 || !addrs || !nodes || !status)
		return 1;
	if (!tap(load_node_module("accel_mem", NID, NULL) == 0,
		 "accel_mem loaded for node 2"))
		return 1;

	/* Alternate the nodes so that drift over the run hits both alike. */
	for (r = 0; ok && r < rounds; r++) {
		f2[r] = fault_round(mib << 20, NID, r == 0, addrs, status);
		f0[r] = fault_round(mib << 20, 0, r == 0, addrs, status);
		f1[r] = fault_round(mib << 20, 1, r == 0, addrs, status);
		ok = f2[r] > 0 && f0[r] > 0 && f1[r] > 0;
	}
	if (tap(ok, "fault: every page on the node of its policy")) {
		mf2 = median(f2, rounds);
		mf0 = median(f0, rounds);
		mf1 = median(f1, rounds);
		printf("# bench accel fault_ns node2 %.1f node0 %.1f ratio %.4f node1 %.1f ratio1 %.4f (%zu pages x %d rounds; min/max node2 %.1f/%.1f node0 %.1f/%.1f node1 %.1f/%.1f)\n",
		       mf2, mf0, mf2 / mf0, mf1, mf2 / mf1,
		       (mib << 20) / page_size, rounds, f2[0], f2[rounds - 1],
		       f0[0], f0[rounds - 1], f1[0], f1[rounds - 1]);
	}

	for (r = 0, ok = 1; ok && r < rounds; r++) {
		m2[r] = move_round(move_mib << 20, NID, addrs, nodes, status);
		m1[r] = move_round(move_mib << 20, 1, addrs, nodes, status);
		ok = m2[r] > 0 && m1[r] > 0;
	}
	if (tap(ok, "move: every page moved, data intact")) {
		mm2 = median(m2, rounds);
		mm1 = median(m1, rounds);
		printf("# bench accel move_pps node2 %.0f node1 %.0f ratio %.4f (%zu pages x %d rounds; min/max node2 %.0f/%.0f node1 %.0f/%.0f)\n",
		       mm2, mm1, mm2 / mm1, (move_mib << 20) / page_size, rounds,
		       m2[0], m2[rounds - 1], m1[0], m1[rounds - 1]);
	}

	tap(unload_module("accel_mem") == 0, "accel_mem unloaded");
	return failed;
}
