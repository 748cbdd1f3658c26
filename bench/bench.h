/*
 * bench/bench.h - what the benchmarks share: the host clock and the
 * median of a field over rounds.
 */
#ifndef VMLAB_BENCH_H
#define VMLAB_BENCH_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_ROUNDS_MAX 32

/* Seconds on the host's monotonic clock. */
static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of the double at offset off in k (at most BENCH_ROUNDS_MAX)
 * records of size bytes from rounds on. */
static inline double
bench_median(const void *rounds, size_t size, unsigned k, size_t off)
{
	double v[BENCH_ROUNDS_MAX];

	for (unsigned i = 0; i < k; i++)
		memcpy(&v[i], (const char *)rounds + i * size + off,
		       sizeof(double));
	qsort(v, k, sizeof(v[0]), bench_cmp_double);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

#endif /* VMLAB_BENCH_H */
