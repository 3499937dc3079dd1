// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * accel-app: what a program using an accelerator's private node does.
 *
 * It binds a buffer to its node with mbind(2), touches every page, asks
 * move_pages(2) (status query, no move) where each page is, and prints one
 * verdict line.  The node is --node N, or else the first node of its
 * cgroup's memory.private_nodes.effective (run it under "privnode exec").
 *
 * Exit status: 0 every page is on the node, 1 some page is elsewhere,
 * 2 the buffer could not be bound or allocated (e.g. node not granted:
 * mbind fails with EPERM), 64 usage.
 *
 * Built with libprivnode (for the grant) and libnuma; "make static" links
 * it statically for a guest.
 */
#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "privnode.h"

#define MAX_NODES 1024

/* Lowest node of the calling process' effective grant, or -1. */
static int granted_node(void)
{
	char rel[PN_CG_PATH_MAX];
	struct pn_nodemask eff;
	unsigned int i;

	if (pn_proc_cgroup(0, rel, sizeof(rel)) || pn_cg_read_effective(rel, &eff)) {
		fprintf(stderr, "accel-app: %s\n", pn_errmsg());
		return -1;
	}
	for (i = 0; i < PN_MAX_NODES; i++)
		if (pn_nodemask_test(&eff, i))
			return (int)i;
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long mask[MAX_NODES / (8 * sizeof(unsigned long))] = { 0 };
	unsigned long pages = 4096, on_node = 0, i;
	long psz = sysconf(_SC_PAGESIZE);
	int node = -1, opt, *status;
	unsigned long where[MAX_NODES + 1] = { 0 };	/* last: error status */
	void **addrs;
	char *buf;

	while ((opt = getopt(argc, argv, "n:p:h")) != -1) {
		switch (opt) {
		case 'n':
			node = atoi(optarg);
			break;
		case 'p':
			pages = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-n NODE] [-p PAGES]\n", argv[0]);
			return 64;
		}
	}
	if (node < 0)
		node = granted_node();
	if (node < 0 || node >= MAX_NODES || !pages || pages > (1ul << 24)) {
		fprintf(stderr, "accel-app: FAIL: no node (give -n NODE, or run in a "
			"cgroup granted one)\n");
		return 64;
	}
	buf = mmap(NULL, pages * (unsigned long)psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	status = calloc(pages, sizeof(*status));
	addrs = calloc(pages, sizeof(*addrs));
	if (buf == MAP_FAILED || !status || !addrs) {
		fprintf(stderr, "accel-app: FAIL: out of memory\n");
		return 2;
	}
	mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
	if (mbind(buf, pages * (unsigned long)psz, MPOL_BIND, mask, MAX_NODES, 0)) {
		printf("accel-app: node %d: FAIL: mbind: %s\n", node, strerror(errno));
		return 2;
	}
	memset(buf, 0x5a, pages * (unsigned long)psz);
	for (i = 0; i < pages; i++)
		addrs[i] = buf + i * (unsigned long)psz;
	if (move_pages(0, pages, addrs, NULL, status, 0)) {
		printf("accel-app: node %d: FAIL: move_pages: %s\n", node, strerror(errno));
		return 2;
	}
	for (i = 0; i < pages; i++) {
		if (status[i] == node)
			on_node++;
		if (status[i] >= 0 && status[i] < MAX_NODES)
			where[status[i]]++;
		else
			where[MAX_NODES]++;
	}
	if (on_node == pages) {
		printf("accel-app: node %d: PASS: %lu/%lu pages on node %d\n", node,
		       on_node, pages, node);
		return 0;
	}
	printf("accel-app: node %d: FAIL: %lu/%lu pages on node %d, elsewhere:", node,
	       on_node, pages, node);
	for (i = 0; i < MAX_NODES; i++)
		if (where[i] && i != (unsigned long)node)
			printf(" node%lu=%lu", i, where[i]);
	if (where[MAX_NODES])
		printf(" unknown=%lu", where[MAX_NODES]);
	printf("\n");
	return 1;
}
