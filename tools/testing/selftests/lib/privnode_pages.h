/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anonymous test memory: fill it with a pattern, check the pattern, and
 * ask move_pages() which node each page is on or move it somewhere.
 */
#ifndef PRIVNODE_PAGES_H
#define PRIVNODE_PAGES_H

#include <numaif.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Size of the node masks handed to the NUMA syscalls, in bits. */
#define PN_MAXNODE 64

static inline long pn_page_size(void)
{
	static long ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

static inline unsigned long pn_node_bit(int nid)
{
	return 1UL << nid;
}

/* Anonymous private memory of @n pages, not yet faulted in; NULL on error. */
static inline char *pn_anon(size_t n)
{
	char *p = mmap(NULL, n * pn_page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Never zero, so that a lost page never looks like a fresh zero page. */
static inline char pn_pattern(size_t i, int seed)
{
	return (char)((i + seed) % 255 + 1);
}

static inline void pn_fill(char *p, size_t n, int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		memset(p + i * pn_page_size(), pn_pattern(i, seed), pn_page_size());
}

/* Index of the first page whose content is not what pn_fill() wrote, or -1. */
static inline long pn_check(const char *p, size_t n, int seed)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < (size_t)pn_page_size(); j += 512)
			if (p[i * pn_page_size() + j] != pn_pattern(i, seed))
				return i;
	return -1;
}

/*
 * Node of each of @n pages of process @pid (0: the caller) starting at
 * @p, in @status (negative errno for a missing page); move_pages()'s result.
 */
static inline long pn_where_pid(int pid, char *p, size_t n, int *status)
{
	void **addrs = calloc(n, sizeof(*addrs));
	size_t i;
	long ret;

	if (!addrs)
		return -1;
	for (i = 0; i < n; i++)
		addrs[i] = p + i * pn_page_size();
	ret = move_pages(pid, n, addrs, NULL, status, 0);
	free(addrs);
	return ret;
}

static inline long pn_where(char *p, size_t n, int *status)
{
	return pn_where_pid(0, p, n, status);
}

/* How many of @n pages are on node @nid (0 if the query fails). */
static inline size_t pn_count_on(char *p, size_t n, int nid)
{
	int *status = calloc(n, sizeof(int));
	size_t i, c = 0;

	if (status && pn_where(p, n, status) == 0)
		for (i = 0; i < n; i++)
			c += status[i] == nid;
	free(status);
	return c;
}

/* Whether every one of @n pages is on an ordinary node of the mask @ordinary. */
static inline bool pn_all_on_mask(char *p, size_t n, unsigned long ordinary)
{
	int *status = calloc(n, sizeof(int));
	bool ok = status && pn_where(p, n, status) == 0;
	size_t i;

	for (i = 0; ok && i < n; i++)
		ok = status[i] >= 0 && status[i] < PN_MAXNODE &&
		     (ordinary & pn_node_bit(status[i]));
	free(status);
	return ok;
}

/*
 * move_pages() every one of @n pages of process @pid (0: the caller) at @p
 * to @nid; per-page results in @status.
 */
static inline long pn_move_pid(int pid, char *p, size_t n, int nid, int *status)
{
	void **addrs = calloc(n, sizeof(*addrs));
	int *nodes = calloc(n, sizeof(int));
	size_t i;
	long ret = -1;

	if (addrs && nodes) {
		for (i = 0; i < n; i++) {
			addrs[i] = p + i * pn_page_size();
			nodes[i] = nid;
		}
		ret = move_pages(pid, n, addrs, nodes, status, MPOL_MF_MOVE);
	}
	free(addrs);
	free(nodes);
	return ret;
}

/* move_pages() every page of @p to @nid; per-page results in @status. */
static inline long pn_move_all(char *p, size_t n, int nid, int *status)
{
	return pn_move_pid(0, p, n, nid, status);
}

/*
 * Where @n pages of process @pid (0: the caller) at @p are: how many on
 * each node below @nr in @per_node[], how many anywhere else (not present,
 * an error, a node >= @nr) in *@other.  0, or -1 if the query failed.
 */
static inline int pn_census_pid(int pid, char *p, size_t n, long *per_node, int nr,
				long *other)
{
	int *status = calloc(n, sizeof(int));
	size_t i;
	int j;

	for (j = 0; j < nr; j++)
		per_node[j] = 0;
	*other = 0;
	if (!status || pn_where_pid(pid, p, n, status)) {
		free(status);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] < nr)
			per_node[status[i]]++;
		else
			(*other)++;
	}
	free(status);
	return 0;
}

/*
 * Drain every CPU's LRU caches (lru_add_drain_all()), which may still hold
 * the last pages of a task that just exited: they are freed, and their
 * charges released, only then.  move_pages() with target nodes drains on
 * entry (lru_cache_disable()); moving a page of the caller's stack to the
 * node it is on changes nothing else.  0, or -1 if move_pages() failed.
 */
static inline int pn_drain_lru(void)
{
	volatile char here = 1;
	void *addr = (void *)&here;
	int status = -1, node;

	if (move_pages(0, 1, &addr, NULL, &status, 0) || status < 0)
		return -1;
	node = status;
	return move_pages(0, 1, &addr, &node, &status, MPOL_MF_MOVE) ? -1 : 0;
}

/*
 * Keep transparent huge pages out of (@thp false) or ask for them in
 * (@thp true) @n pages at @p, so that page counts are exact.
 */
static inline int pn_thp(char *p, size_t n, bool thp)
{
	return madvise(p, n * pn_page_size(), thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
}

#endif
