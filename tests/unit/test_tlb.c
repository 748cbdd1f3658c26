/*
 * test_tlb.c - the set-associative TLB, alone and under the MMU.
 */
#include <config.h>

#include <errno.h>

#include "lib.h"

/* Looks va up for asid; on a miss fills it (pfn = vpn + 100).  Returns 1
 * on a hit, 0 on a miss. */
static int
tlb_ref(struct vm_tlb *t, unsigned asid, uint64_t vpn)
{
	uint64_t va = vpn << 12;

	if (vm_tlb_lookup(t, asid, va))
		return 1;
	vm_tlb_insert(t, asid, va, VM_TLB_4K, vpn + 100, VM_TLB_US);
	return 0;
}

START_TEST(test_tlb_lru_sequence)
{
	struct vm_tlb t;
	/* 8 entries, 2 ways: 4 sets; vpn 0, 4, 8, 12 share set 0 */
	static const uint64_t seq[] = { 0, 4, 0, 8, 4, 0, 12, 8, 1, 5, 1, 9 };
	/* set 0: {0} {0,4} hit(0) {0,8}: 4 was LRU, {4,8}: 0 was LRU,
	 * {4,0}: 8 was LRU, {12,0}: 4 LRU, {12,8}: 0 LRU;
	 * set 1: {1} {1,5} hit(1) {1,9}: 5 was LRU */
	static const int hit[] = { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

	ck_assert_int_eq(vm_tlb_init(&t, 8, 2), 0);
	ck_assert_uint_eq(t.sets, 4);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		ck_assert_msg(tlb_ref(&t, 1, seq[i]) == hit[i],
			      "reference %zu (vpn %llu)", i,
			      (unsigned long long)seq[i]);
	/* set 0 holds 12 and 8, set 1 holds 1 and 9 */
	ck_assert_ptr_nonnull(vm_tlb_lookup(&t, 1, 12 << 12));
	ck_assert_ptr_nonnull(vm_tlb_lookup(&t, 1, 8 << 12));
	ck_assert_ptr_null(vm_tlb_lookup(&t, 1, 0));
	ck_assert_ptr_null(vm_tlb_lookup(&t, 1, 5 << 12));
	ck_assert_uint_eq(vm_tlb_lookup(&t, 1, 9 << 12)->pfn, 109);
	ck_assert_uint_eq(vm_tlb_used(&t), 4);
	vm_tlb_fini(&t);
}
END_TEST

START_TEST(test_tlb_fully_associative)
{
	struct vm_tlb t;

	ck_assert_int_eq(vm_tlb_init(&t, 4, 4), 0);
	ck_assert_uint_eq(t.sets, 1);
	/* 1 2 3 4 fill; 1 hit; 5 evicts 2 (LRU); 2 misses and evicts 3 */
	ck_assert_int_eq(tlb_ref(&t, 0, 1), 0);
	ck_assert_int_eq(tlb_ref(&t, 0, 2), 0);
	ck_assert_int_eq(tlb_ref(&t, 0, 3), 0);
	ck_assert_int_eq(tlb_ref(&t, 0, 4), 0);
	ck_assert_int_eq(tlb_ref(&t, 0, 1), 1);
	ck_assert_int_eq(tlb_ref(&t, 0, 5), 0);
	ck_assert_int_eq(tlb_ref(&t, 0, 2), 0);
	ck_assert_int_eq(tlb_ref(&t, 0, 4), 1);
	ck_assert_int_eq(tlb_ref(&t, 0, 3), 0);
	vm_tlb_fini(&t);
}
END_TEST

START_TEST(test_tlb_asid_and_global)
{
	struct vm_tlb t;

	ck_assert_int_eq(vm_tlb_init(&t, 16, 4), 0);
	vm_tlb_insert(&t, 1, 0x1000, VM_TLB_4K, 7, VM_TLB_US);
	vm_tlb_insert(&t, 2, 0x1000, VM_TLB_4K, 9, VM_TLB_US);
	vm_tlb_insert(&t, 1, 0x5000, VM_TLB_4K, 3, VM_TLB_G);
	ck_assert_uint_eq(vm_tlb_lookup(&t, 1, 0x1000)->pfn, 7);
	ck_assert_uint_eq(vm_tlb_lookup(&t, 2, 0x1000)->pfn, 9);
	ck_assert_ptr_null(vm_tlb_lookup(&t, 3, 0x1000));
	/* a global entry matches every ASID */
	ck_assert_uint_eq(vm_tlb_lookup(&t, 3, 0x5000)->pfn, 3);
	ck_assert_uint_eq(vm_tlb_flush_asid(&t, 1), 1);
	ck_assert_ptr_null(vm_tlb_lookup(&t, 1, 0x1000));
	ck_assert_ptr_nonnull(vm_tlb_lookup(&t, 2, 0x1000));
	ck_assert_uint_eq(vm_tlb_flush_nonglobal(&t), 1);
	ck_assert_ptr_nonnull(vm_tlb_lookup(&t, 2, 0x5000));
	ck_assert_uint_eq(vm_tlb_flush_all(&t), 1);
	ck_assert_uint_eq(vm_tlb_used(&t), 0);
	vm_tlb_fini(&t);
}
END_TEST

START_TEST(test_tlb_huge_sizes)
{
	struct vm_tlb t;
	struct vm_tlb_entry *e;

	ck_assert_int_eq(vm_tlb_init(&t, 16, 4), 0);
	vm_tlb_insert(&t, 1, 0x40000000, VM_TLB_1G, 0x40000, VM_TLB_US);
	vm_tlb_insert(&t, 1, 0x200000, VM_TLB_2M, 0x200, VM_TLB_US);
	ck_assert_uint_eq(t.nhuge, 2);
	/* any address inside a huge page hits its one entry */
	e = vm_tlb_lookup(&t, 1, 0x7fffffff);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->size, VM_TLB_1G);
	e = vm_tlb_lookup(&t, 1, 0x3ff123);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->size, VM_TLB_2M);
	ck_assert_ptr_null(vm_tlb_lookup(&t, 1, 0x400000));
	/* invalidating one page inside the 2M entry drops it */
	ck_assert_uint_eq(vm_tlb_flush_page(&t, 1, 0x3ff000), 1);
	ck_assert_ptr_null(vm_tlb_lookup(&t, 1, 0x200000));
	ck_assert_uint_eq(t.nhuge, 1);
	vm_tlb_fini(&t);
}
END_TEST

START_TEST(test_tlb_bad_geometry)
{
	struct vm_tlb t;

	ck_assert_int_eq(vm_tlb_init(&t, 0, 1), -EINVAL);
	ck_assert_int_eq(vm_tlb_init(&t, 8, 0), -EINVAL);
	ck_assert_int_eq(vm_tlb_init(&t, 8, 16), -EINVAL);
	ck_assert_int_eq(vm_tlb_init(&t, 12, 4), -EINVAL); /* 3 sets */
	ck_assert_int_eq(vm_tlb_init(&t, 10, 4), -EINVAL);
	ck_assert_int_eq(vm_tlb_init(&t, VM_TLB_ENTRIES_MAX * 2, 2), -EINVAL);
	ck_assert_int_eq(vm_tlb_init(&t, 12, 3), 0); /* 4 sets of 3 */
	vm_tlb_fini(&t);
}
END_TEST

/* A machine with one process at 0x400000 populated in A and B. */
static void
two_procs(bool asid, struct vm_machine **mp, struct vm_proc **a,
	  struct vm_proc **b)
{
	struct vm_config c;
	struct vm_mmap_req r = {
		.addr = 0x400000, .len = 4096,
		.prot = VM_PROT_READ | VM_PROT_WRITE,
		.flags = VM_MAP_FIXED | VM_MAP_POPULATE,
	};
	uint64_t at;

	vm_config_default(&c);
	c.frames = 64;
	c.asid = asid;
	*mp = t_machine_cfg(&c);
	*a = t_spawn(*mp);
	*b = t_spawn(*mp);
	ck_assert_int_eq(vm_mmap(*mp, *a, &r, &at), 0);
	ck_assert_int_eq(vm_mmap(*mp, *b, &r, &at), 0);
}

/* A user read of va by p; returns the tlb_hit delta (1 hit, 0 miss). */
static int
mmu_read(struct vm_machine *m, struct vm_proc *p, uint64_t va, int mode)
{
	uint64_t hits = m->stats.v[VM_STAT_tlb_hit], pa;

	ck_assert_int_eq(vm_access(m, p, va, VM_ACC_R, mode, 0, &pa, NULL),
			 0);
	return (int)(m->stats.v[VM_STAT_tlb_hit] - hits);
}

START_TEST(test_tlb_switch_with_asid)
{
	struct vm_machine *m;
	struct vm_proc *a, *b;

	two_procs(true, &m, &a, &b);
	ck_assert_int_eq(mmu_read(m, a, 0x400000, VM_MODE_USER), 0);
	ck_assert_int_eq(mmu_read(m, b, 0x400000, VM_MODE_USER), 0);
	ck_assert_int_eq(mmu_read(m, a, 0x400010, VM_MODE_USER), 1);
	ck_assert_int_eq(mmu_read(m, b, 0x400020, VM_MODE_USER), 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_miss], 2);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_flush], 0);
	ck_assert_uint_ne(a->asid, b->asid);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_tlb_switch_without_asid)
{
	struct vm_machine *m;
	struct vm_proc *a, *b;

	two_procs(false, &m, &a, &b);
	ck_assert_int_eq(mmu_read(m, a, 0x400000, VM_MODE_USER), 0);
	ck_assert_int_eq(mmu_read(m, a, VM_KERNEL_BASE, VM_MODE_SUPER), 0);
	ck_assert_int_eq(mmu_read(m, b, 0x400000, VM_MODE_USER), 0);
	/* the global kernel entry survived the switch; a's did not */
	ck_assert_int_eq(mmu_read(m, b, VM_KERNEL_BASE + 8, VM_MODE_SUPER), 1);
	ck_assert_int_eq(mmu_read(m, a, 0x400010, VM_MODE_USER), 0);
	ck_assert_int_eq(mmu_read(m, b, 0x400020, VM_MODE_USER), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_miss], 5);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_hit], 1);
	/* three switches, each dropping the one user entry it found */
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_flush], 3);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_tlb(void)
{
	Suite *s = suite_create("tlb");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_tlb_lru_sequence);
	tcase_add_test(core, test_tlb_fully_associative);
	tcase_add_test(core, test_tlb_asid_and_global);
	tcase_add_test(core, test_tlb_huge_sizes);
	tcase_add_test(core, test_tlb_switch_with_asid);
	tcase_add_test(core, test_tlb_switch_without_asid);
	tcase_add_test(errors, test_tlb_bad_geometry);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
