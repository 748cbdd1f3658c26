/*
 * bench/huge.c - a strided walk over 1 GiB in 4 KiB pages against 2 MiB
 * pages, with a bare host loop over the same offsets as the baseline, in
 * one run.
 *
 * One process maps two regions of 1 GiB, populated before any round:
 * one of 2 MiB pages (huge=2M, 512 pages, mapped first so that the buddy
 * allocator has its 512 aligned blocks whole) and one of 4 KiB pages
 * (262144 pages).  A pass loads 8 bytes every STRIDE bytes from the start
 * of a region to its end.  A round makes three passes:
 *
 *   4k        over the 4 KiB pages, through the simulated MMU
 *   2m        over the 2 MiB pages, through the simulated MMU
 *   baseline  over a host buffer of 1 GiB: the same offsets, plain loads
 *
 * and records, for the first two, the simulated clock's growth (vmlab(7),
 * "The simulated clock") and the TLB's misses and walk references, and
 * for all three the host time.
 *
 * The counts are worked out from the default TLB (64 entries, 4 ways: 16
 * sets, LRU within a set, all page sizes in the same entries) and checked
 * in every round: with 4 KiB pages a stride below 4 KiB misses once a page
 * (262144 misses a pass: 16384 pages a set come back long after their
 * entry is gone), a stride of 4 KiB or more misses on every load (the
 * pages it visits are at least 512 a set); with 2 MiB pages the 512 pages
 * are 32 a set, so the first load of every page misses, 512 misses a
 * pass.  A miss reads 4 entries of the page table for a 4 KiB page, 3 for
 * a 2 MiB one.
 *
 * Prints the medians over the rounds after one warm-up round: for each
 * page size the TLB misses and walk references of a pass, simulated and
 * host nanoseconds a load and the host time against the baseline's; then
 * the ratios 4 KiB / 2 MiB of TLB misses, walk references, simulated time
 * and host time.  There is no target to meet: the ratios are the result.
 * Exits 1 only when a count is not the one worked out.
 *
 * usage: bench/huge [-r ROUNDS] [-s STRIDE]   (5 rounds, stride 4096; the
 *        stride a power of two from 8 to 2 MiB)
 */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/proc.h"
#include "vmlab/vma.h"

#include "bench.h"

#define REGION (UINT64_C(1) << 30)
#define M2 (UINT64_C(2) << 20)
#define BASE_2M UINT64_C(0x40000000) /* 1 GiB aligned */
#define BASE_4K UINT64_C(0x80000000)
#define ROUNDS_MAX BENCH_ROUNDS_MAX

/* One pass through the MMU: host seconds and the counters' growth. */
struct pass {
	double host_s;
	uint64_t clock, miss, refs, loads;
};

struct round {
	struct pass p4k, p2m;
	double base_s; /* the baseline's host seconds */
};

/* Maps REGION at base, populated, in 2 MiB pages when huge.  0 or -errno
 * (-ENOMEM also when a 2 MiB page fell back to 4 KiB pages). */
static int
map_region(struct vm_machine *m, struct vm_proc *p, uint64_t base, bool huge)
{
	struct vm_mmap_req r = { .addr = base, .len = REGION,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED | VM_MAP_POPULATE,
				 .vma_flags = huge ? VM_VMA_HUGE_2M : 0 };
	uint64_t at;
	int rc = vm_mmap(m, p, &r, &at);

	if (!rc && m->stats.v[VM_STAT_thp_fault_fallback])
		rc = -ENOMEM;
	return rc;
}

/* A pass over the region at base, 8 bytes every stride.  0 or -errno. */
static int
sim_pass(struct vm_machine *m, struct vm_proc *p, uint64_t base,
	 uint64_t stride, struct pass *r, uint64_t *sink)
{
	const uint64_t *s = m->stats.v;
	uint64_t clock = m->clock, miss = s[VM_STAT_tlb_miss];
	uint64_t refs = s[VM_STAT_walk_refs], loads = s[VM_STAT_accesses];
	uint64_t sum = 0;
	double t = bench_now();

	for (uint64_t off = 0; off < REGION; off += stride) {
		uint64_t v;
		int rc = vm_load(m, p, base + off, 8, &v);

		if (rc)
			return rc;
		sum += v;
	}
	r->host_s = bench_now() - t;
	r->clock = m->clock - clock;
	r->miss = s[VM_STAT_tlb_miss] - miss;
	r->refs = s[VM_STAT_walk_refs] - refs;
	r->loads = s[VM_STAT_accesses] - loads;
	*sink += sum;
	return 0;
}

/* The baseline: the same offsets loaded from a host buffer. */
static double
host_pass(const unsigned char *mem, uint64_t stride, uint64_t *sink)
{
	uint64_t sum = 0;
	double t = bench_now();

	for (uint64_t off = 0; off < REGION; off += stride) {
		uint64_t v;

		memcpy(&v, mem + off, sizeof(v));
		sum += v;
	}
	t = bench_now() - t;
	*sink += sum;
	return t;
}

/* True when a pass counted what the header works out: loads, misses and
 * levels read a miss. */
static bool
pass_ok(const struct pass *r, uint64_t loads, uint64_t miss, unsigned levels)
{
	return r->loads == loads && r->miss == miss &&
	       r->refs == miss * levels;
}

static bool
round_ok(const struct round *r, uint64_t stride)
{
	uint64_t loads = REGION / stride;
	uint64_t miss4 = stride < VM_PAGE_SIZE ? REGION / VM_PAGE_SIZE : loads;

	return pass_ok(&r->p4k, loads, miss4, 4) &&
	       pass_ok(&r->p2m, loads, REGION / M2, 3);
}

#define MEDIAN(r, k, field)                                                   \
	bench_median(r, sizeof(*(r)), k, offsetof(struct round, field))

/* A line of the table: a pass's counts, its simulated time, the median
 * host time h and h against the baseline's hb. */
static void
row(const char *name, const struct pass *r, double h, double hb)
{
	double loads = (double)r->loads;

	printf("%-11s %9llu %10llu %8.2f %12.1f %8.2f %13.2f %16.2f\n", name,
	       (unsigned long long)r->miss, (unsigned long long)r->refs,
	       (double)r->clock / 1e6, (double)r->clock / loads, h * 1e3,
	       h * 1e9 / loads, h / hb);
}

static void
report(const struct round *r, unsigned k, uint64_t stride,
       const struct vm_config *c)
{
	const struct pass *a = &r[0].p4k, *b = &r[0].p2m; /* counts: exact */
	double loads = (double)a->loads;
	double h4 = MEDIAN(r, k, p4k.host_s), h2 = MEDIAN(r, k, p2m.host_s);
	double hb = MEDIAN(r, k, base_s);

	printf("huge bench: 1 GiB walked, 8 bytes every %llu bytes (%llu loads "
	       "a pass), TLB %u entries %u ways; medians of %u rounds\n",
	       (unsigned long long)stride, (unsigned long long)a->loads,
	       c->tlb_entries, c->tlb_ways, k);
	printf("             tlb_miss  walk_refs   sim ms  sim ns/load  "
	       "host ms  host ns/load  host / baseline\n");
	row("4 KiB pages", a, h4, hb);
	row("2 MiB pages", b, h2, hb);
	printf("baseline    %9s %10s %8s %12s %8.2f %13.2f  (host loads, same "
	       "offsets)\n", "-", "-", "-", "-", hb * 1e3, hb * 1e9 / loads);
	printf("ratio 4 KiB / 2 MiB: tlb_miss %.1f, walk_refs %.1f, "
	       "simulated time %.2f, host time %.2f\n",
	       (double)a->miss / (double)b->miss,
	       (double)a->refs / (double)b->refs,
	       (double)a->clock / (double)b->clock, h4 / h2);
}

/* One warm-up round, then k rounds into r[].  0 or -errno; -EIO when a
 * count is wrong. */
static int
run_rounds(struct vm_machine *m, struct vm_proc *p, const unsigned char *host,
	   uint64_t stride, struct round *r, unsigned k, uint64_t *sink)
{
	for (unsigned i = 0; i <= k; i++) {
		struct round *cur = &r[i ? i - 1 : 0];
		int rc = sim_pass(m, p, BASE_4K, stride, &cur->p4k, sink);

		if (!rc)
			rc = sim_pass(m, p, BASE_2M, stride, &cur->p2m, sink);
		if (rc)
			return rc;
		cur->base_s = host_pass(host, stride, sink);
		if (!round_ok(cur, stride))
			return -EIO;
	}
	return 0;
}

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r ROUNDS] [-s STRIDE]\n", prog);
	return 2;
}

int
main(int argc, char **argv)
{
	unsigned long long k = 5, stride = 4096;
	struct round r[ROUNDS_MAX];
	struct vm_machine *m = NULL;
	struct vm_proc *p;
	struct vm_config c;
	unsigned char *host;
	uint64_t sink = 0;
	int opt, rc;

	while ((opt = getopt(argc, argv, "r:s:")) != -1) {
		if (opt == 'r')
			k = strtoull(optarg, NULL, 0);
		else if (opt == 's')
			stride = strtoull(optarg, NULL, 0);
		else
			return usage(argv[0]);
	}
	if (optind != argc || k == 0 || k > ROUNDS_MAX || stride < 8 ||
	    stride > M2 || (stride & (stride - 1)))
		return usage(argv[0]);
	host = malloc(REGION);
	if (!host)
		return 1;
	for (uint64_t i = 0; i < REGION; i += 8) {
		uint64_t v = i * 0x9e3779b97f4a7c15ull;

		memcpy(host + i, &v, 8);
	}
	vm_config_default(&c);
	c.frames = 2 * (REGION / VM_PAGE_SIZE) + 4096; /* regions, tables */
	rc = vm_machine_create(&c, NULL, &m);
	if (!rc)
		rc = vm_proc_spawn(m, "bench", &p);
	if (!rc)
		rc = map_region(m, p, BASE_2M, true);
	if (!rc)
		rc = map_region(m, p, BASE_4K, false);
	if (!rc)
		rc = run_rounds(m, p, host, stride, r, (unsigned)k, &sink);
	if (!rc)
		report(r, (unsigned)k, stride, &c);
	else
		fprintf(stderr, "bench-huge: %s\n",
			rc == -EIO ? "a count differs from the one worked out"
				   : strerror(-rc));
	if (sink == 42)
		putchar(' '); /* keeps the loads */
	vm_machine_destroy(m);
	free(host);
	return rc ? 1 : 0;
}
