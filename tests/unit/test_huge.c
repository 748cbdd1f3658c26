/*
 * test_huge.c - huge pages: PS leaves, the 2 MiB fallback, splits, fork
 * and reclaim of huge pages, 1 GiB pages.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "lib.h"
#include "vmlab/huge.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define M2 (UINT64_C(2) << 20)
#define G1 (UINT64_C(1) << 30)
#define BASE UINT64_C(0x40000000) /* 1 GiB aligned */

static uint64_t
stat_of(struct vm_machine *m, enum vm_stat s)
{
	return m->stats.v[s];
}

static int
map_huge(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	 uint64_t len, unsigned vflags)
{
	struct vm_mmap_req r = { .addr = addr, .len = len, .prot = RW,
				 .flags = VM_MAP_FIXED, .vma_flags = vflags };
	uint64_t at;

	return vm_mmap(m, p, &r, &at);
}

/* The entry mapping va and its level (0: 4 KiB). */
static vm_pte_t
leaf(struct vm_machine *m, struct vm_proc *p, uint64_t va, int *level)
{
	struct vm_walk w;

	if (vm_pt_walk(m, p, va, 0, 0, &w) && !(*w.pte[w.level] & VM_PTE_P)) {
		*level = -1;
		return 0;
	}
	*level = w.level;
	return *w.pte[w.level];
}

static uint64_t
load(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	uint64_t v = 0;

	ck_assert_int_eq(vm_load(m, p, va, 8, &v), 0);
	return v;
}

/* Writes i * 7 + seed at the start of each 4 KiB page of [va, +len). */
static void
fill(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint64_t len,
     uint64_t seed)
{
	for (uint64_t i = 0; i < len / VM_PAGE_SIZE; i++)
		ck_assert_int_eq(vm_store(m, p, va + i * VM_PAGE_SIZE, 8,
					  i * 7 + seed), 0);
}

static void
check(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint64_t len,
      uint64_t seed)
{
	for (uint64_t i = 0; i < len / VM_PAGE_SIZE; i++)
		ck_assert_uint_eq(load(m, p, va + i * VM_PAGE_SIZE),
				  i * 7 + seed);
}

/* One write maps a whole 2 MiB page with one PS leaf and one TLB entry:
 * the rest of the page is hits, no more faults. */
START_TEST(test_huge_2m_fault)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	uint64_t pa, pa2, faults, misses;
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, 2 * M2, VM_VMA_HUGE_2M), 0);
	faults = stat_of(m, VM_STAT_pgfault);
	ck_assert_int_eq(vm_access(m, p, BASE + 5, VM_ACC_W, VM_MODE_USER, 0,
				   &pa, NULL), 0);
	e = leaf(m, p, BASE + M2 - 1, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & VM_PTE_PS);
	ck_assert_uint_eq(VM_PTE2PFN(e) % 512, 0);
	ck_assert_uint_eq(pa, (VM_PTE2PFN(e) << 12) + 5);
	ck_assert_uint_eq(stat_of(m, VM_STAT_pgfault) - faults, 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_alloc), 1);
	ck_assert_uint_eq(p->rss_anon, 512);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, VM_PTE2PFN(e)), 1);
	misses = stat_of(m, VM_STAT_tlb_miss);
	ck_assert_int_eq(vm_access(m, p, BASE + M2 - 8, VM_ACC_R,
				   VM_MODE_USER, 0, &pa2, NULL), 0);
	ck_assert_uint_eq(pa2, (VM_PTE2PFN(e) << 12) + M2 - 8);
	ck_assert_uint_eq(stat_of(m, VM_STAT_tlb_miss), misses);
	ck_assert_uint_eq(stat_of(m, VM_STAT_pgfault) - faults, 1);
	/* the whole region out: its 512 frames free again */
	ck_assert_int_eq(vm_munmap(m, p, BASE, 2 * M2), 0);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_huge_bad_requests)
{
	struct vm_machine *m = t_machine(1024);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .len = M2, .prot = RW,
				 .vma_flags = VM_VMA_HUGE_2M };
	uint64_t at;

	ck_assert_int_eq(map_huge(m, p, BASE + 4096, M2, VM_VMA_HUGE_2M),
			 -EINVAL);
	ck_assert_int_eq(map_huge(m, p, BASE, M2 + 4096, VM_VMA_HUGE_2M),
			 -EINVAL);
	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_1G), -EINVAL);
	/* no address given: an aligned one */
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(at % M2, 0);
	vm_machine_destroy(m);
}
END_TEST

/* No free aligned 2 MiB block: 4 KiB pages, counted as Linux's THP. */
START_TEST(test_huge_fallback)
{
	struct vm_machine *m = t_machine(1024);
	struct vm_proc *p = t_spawn(m);
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, 2 * M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 1); /* the one free 512-block */
	leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(vm_store(m, p, BASE + M2, 8, 99), 0);
	leaf(m, p, BASE + M2, &level);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_fallback), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_alloc), 1);
	ck_assert_uint_eq(load(m, p, BASE + M2), 99);
	check(m, p, BASE, M2, 1);
	vm_machine_destroy(m);
}
END_TEST

/* munmap of one page of a huge one splits it; the bytes stay. */
START_TEST(test_huge_split_munmap)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	uint64_t head, anon;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 3);
	head = VM_PTE2PFN(leaf(m, p, BASE, &level));
	anon = m->phys.count[VM_FRAME_ANON];
	ck_assert_int_eq(vm_munmap(m, p, BASE + 4096, 4096), 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_pmd), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_page), 1);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], anon - 1);
	ck_assert_uint_eq(p->rss_anon, 511);
	ck_assert_uint_eq(VM_PTE2PFN(leaf(m, p, BASE + 8192, &level)),
			  head + 2);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(load(m, p, BASE), 3);
	check(m, p, BASE + 8192, M2 - 8192, 3 + 14);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head + 100), 1);
	vm_machine_destroy(m);
}
END_TEST

/* mprotect of part of a huge page splits it; the rest keeps its rights. */
START_TEST(test_huge_split_mprotect)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 5);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, M2 / 2, VM_PROT_READ), 0);
	e = leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 0);
	ck_assert(!(e & VM_PTE_RW));
	e = leaf(m, p, BASE + M2 / 2, &level);
	ck_assert(e & VM_PTE_RW);
	check(m, p, BASE, M2, 5);
	ck_assert_int_eq(vm_store(m, p, BASE + M2 / 2, 8, 1), 0);
	/* a write to the read-only half kills, as any write there would */
	vm_store(m, p, BASE, 8, 1);
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	vm_machine_destroy(m);
}
END_TEST

/* fork shares a huge page COW; the child's write splits it and copies
 * one 4 KiB page; the parent, alone again, gets a whole page back. */
START_TEST(test_huge_fork)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m), *c;
	uint64_t head;
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 11);
	head = VM_PTE2PFN(leaf(m, p, BASE, &level));
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	e = leaf(m, c, BASE, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & VM_PTE_COW);
	ck_assert(!(e & VM_PTE_RW));
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head), 2);
	ck_assert_uint_eq(c->rss_anon, 512);
	check(m, c, BASE, M2, 11);
	ck_assert_int_eq(vm_store(m, c, BASE + 4096 * 9, 8, 12345), 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_page), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_pmd), 2);
	ck_assert_uint_eq(stat_of(m, VM_STAT_cow_break), 1);
	ck_assert_uint_eq(load(m, c, BASE + 4096 * 9), 12345);
	ck_assert_uint_eq(load(m, p, BASE + 4096 * 9), 9 * 7 + 11);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head + 8), 2);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head + 9), 1);
	vm_proc_reap(m, c);
	/* a second page, forked, then the child gone: the parent reuses it */
	ck_assert_int_eq(map_huge(m, p, BASE + M2, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE + M2, M2, 2);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	vm_proc_reap(m, c);
	ck_assert_int_eq(vm_store(m, p, BASE + M2, 8, 7), 0);
	e = leaf(m, p, BASE + M2, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & VM_PTE_RW);
	ck_assert_uint_eq(stat_of(m, VM_STAT_cow_reuse), 1);
	vm_machine_destroy(m);
}
END_TEST

/* Reclaim takes a huge page out as 512 pages, split first; they come
 * back from swap one by one, with their bytes. */
START_TEST(test_huge_pageout)
{
	struct vm_config cfg;
	struct vm_machine *m;
	struct vm_proc *p;
	int level;

	vm_config_default(&cfg);
	cfg.frames = 4096;
	cfg.swap_pages = 2048;
	cfg.state_dir = t_state;
	m = t_machine_cfg(&cfg);
	p = t_spawn(m);
	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 21);
	ck_assert_int_eq(vm_madvise(m, p, BASE, M2, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_page), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_pswpout), 512);
	ck_assert_uint_eq(p->swapents, 512);
	ck_assert_uint_eq(p->rss_anon, 0);
	check(m, p, BASE, M2, 21);
	leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 0);
	vm_machine_destroy(m);
}
END_TEST

/* A 1 GiB page: one PS leaf in the PDPT; a cut through it is EINVAL; no
 * aligned free block is ENOMEM, not a fallback. */
START_TEST(test_huge_1g)
{
	struct vm_machine *m = t_machine((G1 >> 12) + 2048);
	struct vm_proc *p = t_spawn(m), *q;
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, G1, VM_VMA_HUGE_1G), 0);
	ck_assert_int_eq(vm_store(m, p, BASE + G1 - 8, 8, 42), 0);
	e = leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 2);
	ck_assert(e & VM_PTE_PS);
	ck_assert_uint_eq(p->rss_anon, G1 >> 12);
	ck_assert_uint_eq(load(m, p, BASE + G1 - 8), 42);
	ck_assert_int_eq(vm_munmap(m, p, BASE + M2, M2), -EINVAL);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, M2, VM_PROT_READ), -EINVAL);
	/* the only 1 GiB block is taken: a second page cannot be had */
	q = t_spawn(m);
	ck_assert_int_eq(map_huge(m, q, BASE, G1, VM_VMA_HUGE_1G), 0);
	ck_assert_int_eq(vm_store(m, q, BASE, 8, 1), -ENOMEM);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_fallback), 0);
	ck_assert_int_eq(vm_munmap(m, p, BASE, G1), 0);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], 0);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_huge(void)
{
	Suite *s = suite_create("huge");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, t_state_setup, t_state_teardown);
	tcase_add_test(tc, test_huge_2m_fault);
	tcase_add_test(tc, test_huge_bad_requests);
	tcase_add_test(tc, test_huge_fallback);
	tcase_add_test(tc, test_huge_split_munmap);
	tcase_add_test(tc, test_huge_split_mprotect);
	tcase_add_test(tc, test_huge_fork);
	tcase_add_test(tc, test_huge_pageout);
	tcase_add_test(tc, test_huge_1g);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
