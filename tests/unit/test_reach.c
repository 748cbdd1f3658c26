/*
 * test_reach.c - TLB reach: a strided walk over 64 MiB of 4 KiB pages
 * against the same walk over 2 MiB pages, through the default TLB, with
 * the misses and walk references worked out by hand.
 *
 * The default TLB (config.c, tlb.h): 64 entries in 4 ways, so 16 sets.
 * A 4 KiB translation lives in set (va >> 12) % 16, a 2 MiB one in set
 * (va >> 21) % 16, both in the same 64 entries; the least recently used
 * way of a set is replaced.  Its reach is 64 x 4 KiB = 256 KiB with
 * 4 KiB pages and 64 x 2 MiB = 128 MiB with 2 MiB pages.
 *
 * The region is 64 MiB at BASE (1 GiB aligned), populated before the
 * walk (populating faults pages in without the MMU: the TLB stays empty
 * and no counter of translation moves).  A walk reads one byte at BASE,
 * BASE + stride, ... up to the end, PASSES times, A = 64 MiB / stride
 * accesses a pass.  Page walks read 4 entries (PML4, PDPT, PD, PT) for a
 * 4 KiB page and 3 for a 2 MiB one, whose PS leaf is in the PD.
 *
 * 4 KiB pages (16384 of them, 1024 in each set):
 *   stride <= 4 KiB: a page's accesses come one after the other; the
 *     first misses, the rest hit the entry it just filled.  Between two
 *     passes over a page, the 1023 other pages of its set are filled, so
 *     it is gone (4 ways): every pass misses 16384 times.
 *   stride = 2 MiB: 32 accesses a pass, each on a page whose number is a
 *     multiple of 512, so all in set 0: 32 pages cycle through 4 ways
 *     under LRU and every access misses, although 32 pages are fewer
 *     than the 64 entries (conflict misses).
 * 2 MiB pages (32 of them, 2 in each set):
 *   any stride up to 2 MiB: every page is visited; each set holds its 2
 *   pages with ways to spare, so the first access of each page in the
 *   first pass misses (32 misses, 96 walk references) and nothing else.
 *
 * Clock (vmlab(7), "The simulated clock"), no faults during the walk:
 *   clock = cost_tlb_hit x A x PASSES
 *         + cost_mem_ref x (walk_refs + A x PASSES)
 * with the default costs 1 ns and 100 ns.
 */
#include <config.h>

#include <errno.h>

#include "lib.h"
#include "vmlab/tlb.h"

#define BASE UINT64_C(0x40000000)
#define REGION (UINT64_C(64) << 20)
#define M2 (UINT64_C(2) << 20)
#define PASSES 2

/* The growth of the counters a walk moves. */
struct moved {
	uint64_t accesses, hit, miss, refs, faults, clock;
};

static void
snap(const struct vm_machine *m, struct moved *s)
{
	s->accesses = m->stats.v[VM_STAT_accesses];
	s->hit = m->stats.v[VM_STAT_tlb_hit];
	s->miss = m->stats.v[VM_STAT_tlb_miss];
	s->refs = m->stats.v[VM_STAT_walk_refs];
	s->faults = m->stats.v[VM_STAT_pgfault];
	s->clock = m->clock;
}

/* A machine with the default TLB and costs, and p with REGION populated
 * at BASE: in 4 KiB pages, or in 2 MiB pages when huge. */
static struct vm_machine *
setup(bool huge, struct vm_proc **pp)
{
	struct vm_machine *m = t_machine(REGION / VM_PAGE_SIZE + 8192);
	struct vm_mmap_req r = { .addr = BASE, .len = REGION,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED | VM_MAP_POPULATE,
				 .vma_flags = huge ? VM_VMA_HUGE_2M : 0 };
	uint64_t at;

	ck_assert_uint_eq(m->cpu.tlb.entries, 64);
	ck_assert_uint_eq(m->cpu.tlb.ways, 4);
	ck_assert_uint_eq(m->cfg.cost_tlb_hit, 1);
	ck_assert_uint_eq(m->cfg.cost_mem_ref, 100);
	*pp = t_spawn(m);
	ck_assert_int_eq(vm_mmap(m, *pp, &r, &at), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_thp_fault_alloc],
			  huge ? REGION / M2 : 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_thp_fault_fallback], 0);
	ck_assert_uint_eq(vm_tlb_used(&m->cpu.tlb), 0);
	return m;
}

/* Walks the region PASSES times at stride; returns what moved. */
static struct moved
walk(struct vm_machine *m, struct vm_proc *p, uint64_t stride)
{
	struct moved a, b;
	uint64_t pa;

	snap(m, &a);
	for (unsigned pass = 0; pass < PASSES; pass++)
		for (uint64_t off = 0; off < REGION; off += stride)
			ck_assert_int_eq(vm_access(m, p, BASE + off, VM_ACC_R,
						   VM_MODE_USER, VM_AF_OWN,
						   &pa, NULL),
					 0);
	snap(m, &b);
	return (struct moved){ b.accesses - a.accesses, b.hit - a.hit,
			       b.miss - a.miss, b.refs - a.refs,
			       b.faults - a.faults, b.clock - a.clock };
}

/* What the header works out for one walk, checked field by field. */
static void
expect(const struct moved *got, uint64_t accesses, uint64_t miss,
       unsigned levels)
{
	ck_assert_uint_eq(got->accesses, accesses);
	ck_assert_uint_eq(got->miss, miss);
	ck_assert_uint_eq(got->hit, accesses - miss);
	ck_assert_uint_eq(got->refs, miss * levels);
	ck_assert_uint_eq(got->faults, 0);
	ck_assert_uint_eq(got->clock, accesses + 100 * (miss * levels +
							accesses));
}

/* One access a 4 KiB page: 16384 a pass, every one a miss. */
START_TEST(test_reach_4k_page_stride)
{
	struct vm_proc *p;
	struct vm_machine *m = setup(false, &p);
	struct moved got = walk(m, p, VM_PAGE_SIZE);

	/* 2 x 16384 misses, 4 references each; 501 ns an access */
	expect(&got, 32768, 32768, 4);
	ck_assert_uint_eq(got.clock, 32768 * 501);
	vm_machine_destroy(m);
}
END_TEST

/* The same walk over 2 MiB pages: 32 misses in all, the TLB holds the
 * whole region. */
START_TEST(test_reach_2m_page_stride)
{
	struct vm_proc *p;
	struct vm_machine *m = setup(true, &p);
	struct moved got = walk(m, p, VM_PAGE_SIZE);

	/* 32 misses, 3 references each: 32768 + 100 x (96 + 32768) ns */
	expect(&got, 32768, 32, 3);
	ck_assert_uint_eq(got.clock, 3319168);
	ck_assert_uint_eq(m->cpu.tlb.nhuge, 32);
	ck_assert_uint_eq(vm_tlb_used(&m->cpu.tlb), 32);
	vm_machine_destroy(m);
}
END_TEST

/* Eight accesses a 4 KiB page (stride 512): the first misses, seven hit;
 * over 2 MiB pages still 32 misses. */
START_TEST(test_reach_small_stride)
{
	struct vm_proc *p;
	struct vm_machine *m = setup(false, &p);
	struct moved got = walk(m, p, 512);

	/* 2 x 131072 accesses, 2 x 16384 misses */
	expect(&got, 262144, 32768, 4);
	vm_machine_destroy(m);
	m = setup(true, &p);
	got = walk(m, p, 512);
	expect(&got, 262144, 32, 3);
	vm_machine_destroy(m);
}
END_TEST

/* Stride 2 MiB: 32 pages of 4 KiB all in set 0 miss every time, fewer
 * than the TLB's entries as they are; 32 pages of 2 MiB, 2 a set, miss
 * once each. */
START_TEST(test_reach_conflict)
{
	struct vm_proc *p;
	struct vm_machine *m = setup(false, &p);
	struct moved got = walk(m, p, M2);

	expect(&got, 64, 64, 4);
	ck_assert_uint_eq(vm_tlb_used(&m->cpu.tlb), 4);
	vm_machine_destroy(m);
	m = setup(true, &p);
	got = walk(m, p, M2);
	expect(&got, 64, 32, 3);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_reach(void)
{
	Suite *s = suite_create("reach");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reach_4k_page_stride);
	tcase_add_test(tc, test_reach_2m_page_stride);
	tcase_add_test(tc, test_reach_small_stride);
	tcase_add_test(tc, test_reach_conflict);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
