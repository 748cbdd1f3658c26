/*
 * translate.c - simulated 8-byte loads per second, TLB-hit and TLB-miss
 * patterns, each against a bare host loop over the same bytes measured
 * in the same run.
 *
 *   hit pattern:  loads cycling over 32 resident pages (all in the TLB)
 *   miss pattern: loads striding over 4096 resident pages, one load a
 *                 page, through a 64-entry TLB: every load walks
 *
 * Output: loads/s of each and the ratio simulated / host.  Usage:
 * bench/translate [-n LOADS]
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/proc.h"

#include "bench.h"

#define BASE 0x10000000ull

/* The host baseline: the same addresses, loaded from a plain array. */
static double
host_loop(const uint8_t *mem, uint64_t pages, uint64_t stride, uint64_t n,
	  uint64_t *sink)
{
	uint64_t sum = 0, off = 0, span = pages * 4096;
	double t = bench_now();

	for (uint64_t i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, mem + off, 8);
		sum += v;
		off += stride;
		if (off >= span)
			off -= span;
	}
	t = bench_now() - t;
	*sink += sum;
	return t;
}

static double
sim_loop(struct vm_machine *m, struct vm_proc *p, uint64_t pages,
	 uint64_t stride, uint64_t n, uint64_t *sink)
{
	uint64_t sum = 0, off = 0, span = pages * 4096;
	double t = bench_now();

	for (uint64_t i = 0; i < n; i++) {
		uint64_t v;

		if (vm_load(m, p, BASE + off, 8, &v))
			exit(1);
		sum += v;
		off += stride;
		if (off >= span)
			off -= span;
	}
	t = bench_now() - t;
	*sink += sum;
	return t;
}

static void
pattern(const char *name, struct vm_machine *m, struct vm_proc *p,
	const uint8_t *host, uint64_t pages, uint64_t stride, uint64_t n)
{
	uint64_t sink = 0, h0 = m->stats.v[VM_STAT_tlb_hit];
	double ts, th;

	sim_loop(m, p, pages, stride, n / 10, &sink); /* warm up */
	h0 = m->stats.v[VM_STAT_tlb_hit];
	ts = sim_loop(m, p, pages, stride, n, &sink);
	th = host_loop(host, pages, stride, n, &sink);
	printf("%-9s simulated %7.1f M loads/s  host %8.1f M loads/s  "
	       "ratio %.4f  (tlb hit rate %.3f)%s\n",
	       name, n / ts / 1e6, n / th / 1e6, th / ts,
	       (double)(m->stats.v[VM_STAT_tlb_hit] - h0) / (double)n,
	       sink == 42 ? " " : "");
}

int
main(int argc, char **argv)
{
	uint64_t n = 50000000, pages = 4096, at;
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	uint8_t *host;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || !(n = strtoull(optarg, NULL, 0))) {
			fprintf(stderr, "usage: %s [-n LOADS]\n", argv[0]);
			return 2;
		}
	}
	vm_config_default(&c);
	c.frames = pages + 256;
	if (vm_machine_create(&c, NULL, &m) || vm_proc_spawn(m, "bench", &p))
		return 1;
	struct vm_mmap_req r = { .addr = BASE, .len = pages * 4096,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED | VM_MAP_POPULATE };
	if (vm_mmap(m, p, &r, &at))
		return 1;
	host = malloc(pages * 4096);
	for (uint64_t i = 0; i < pages * 4096; i += 8) {
		uint64_t v = i * 0x9e3779b97f4a7c15ull;

		memcpy(host + i, &v, 8);
		vm_store(m, p, BASE + i, 8, v);
	}
	printf("bench/translate: %" PRIu64 " loads a pattern, TLB %u entries "
	       "%u ways\n", n, c.tlb_entries, c.tlb_ways);
	pattern("tlb-hit", m, p, host, 32, 8 + 4096, n);
	pattern("tlb-miss", m, p, host, pages, 4096 + 8, n / 4);
	free(host);
	vm_machine_destroy(m);
	return 0;
}
