/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timing and statistics helpers shared by the guest benchmark programs.
 * Under QEMU -icount the guest's monotonic clock counts instructions, which
 * is what makes these figures repeat from run to run.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdlib.h>
#include <time.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* qsort() comparator for doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Median of @n values; sorts @v in place, so afterwards v[0] and v[n - 1]
 * are the minimum and the maximum.
 */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
