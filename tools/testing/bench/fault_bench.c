// SPDX-License-Identifier: GPL-2.0
/*
 * Page-fault cost on ordinary anonymous memory: map a region, touch every
 * page once (THP off, so one fault per 4 KiB page), unmap; repeat.  Prints
 * the median cost per fault of ROUNDS rounds as
 *   # bench fault_ns <median> (min <min> max <max>, <pages> pages x <rounds>)
 * and a TAP line.  Meant to run under QEMU -icount, where the guest clock
 * counts instructions and the figure repeats from run to run.
 *   fault_bench [MiB] [rounds] [node]   (node: mbind the region there first)
 */
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_stats.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	int node = argc > 3 ? atoi(argv[3]) : -1;
	long page = sysconf(_SC_PAGESIZE);
	size_t len = mib << 20, pages = len / page, i;
	double *per_fault = calloc(rounds, sizeof(double));
	int r;

	printf("TAP version 13\n1..1\n");
	if (!per_fault || rounds < 1)
		return 1;
	for (r = 0; r < rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		double t0;

		if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE)) {
			printf("not ok 1 fault_bench: mmap/madvise failed\n");
			return 1;
		}
		if (node >= 0) {
			unsigned long mask = 1UL << node;

			if (mbind(p, len, MPOL_BIND, &mask, 64, 0)) {
				printf("not ok 1 fault_bench: mbind node %d failed\n", node);
				return 1;
			}
		}
		t0 = now_ns();
		for (i = 0; i < pages; i++)
			p[i * page] = 1;
		per_fault[r] = (now_ns() - t0) / pages;
		munmap(p, len);
	}
	qsort(per_fault, rounds, sizeof(double), cmp_double);
	printf("# bench fault_ns %.1f (min %.1f max %.1f, %zu pages x %d rounds)\n",
	       per_fault[rounds / 2], per_fault[0], per_fault[rounds - 1],
	       pages, rounds);
	printf("ok 1 fault_bench\n");
	return 0;
}
