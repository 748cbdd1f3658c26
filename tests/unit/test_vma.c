/*
 * test_vma.c - the region list: insert, merge, split, protect, gaps.
 */
#include <config.h>

#include <errno.h>

#include "lib.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

static void
add(struct vm_vmas *vs, uint64_t start, uint64_t end, unsigned prot)
{
	struct vm_vma a = { .start = start, .end = end, .prot = prot,
			    .flags = VM_VMA_ANON };

	ck_assert_int_eq(vm_vma_insert(vs, &a), 0);
}

START_TEST(test_vma_insert_merge)
{
	struct vm_vmas vs;

	vm_vmas_init(&vs);
	add(&vs, 0x10000, 0x20000, RW);
	add(&vs, 0x30000, 0x40000, RW);
	ck_assert_uint_eq(vs.n, 2);
	/* filling the hole merges all three */
	add(&vs, 0x20000, 0x30000, RW);
	ck_assert_uint_eq(vs.n, 1);
	ck_assert_uint_eq(vs.v[0].start, 0x10000);
	ck_assert_uint_eq(vs.v[0].end, 0x40000);
	/* a neighbour with other rights stays apart */
	add(&vs, 0x40000, 0x41000, VM_PROT_READ);
	ck_assert_uint_eq(vs.n, 2);
	ck_assert_ptr_eq(vm_vma_find(&vs, 0x40fff), &vs.v[1]);
	ck_assert_ptr_null(vm_vma_find(&vs, 0x41000));
	ck_assert_ptr_null(vm_vma_find(&vs, 0xffff));
	ck_assert_uint_eq(vm_vmas_size(&vs), 0x31000);
	vm_vmas_fini(&vs);
}
END_TEST

START_TEST(test_vma_remove_split)
{
	struct vm_vmas vs;

	vm_vmas_init(&vs);
	add(&vs, 0x10000, 0x20000, RW);
	ck_assert_int_eq(vm_vma_remove(&vs, 0x14000, 0x15000), 0);
	ck_assert_uint_eq(vs.n, 2);
	ck_assert_uint_eq(vs.v[0].end, 0x14000);
	ck_assert_uint_eq(vs.v[1].start, 0x15000);
	ck_assert_uint_eq(vs.v[1].end, 0x20000);
	/* a range over a hole and two regions' edges */
	ck_assert_int_eq(vm_vma_remove(&vs, 0x12000, 0x18000), 0);
	ck_assert_uint_eq(vs.n, 2);
	ck_assert_uint_eq(vs.v[0].end, 0x12000);
	ck_assert_uint_eq(vs.v[1].start, 0x18000);
	ck_assert_int_eq(vm_vma_remove(&vs, 0, 0x100000), 0);
	ck_assert_uint_eq(vs.n, 0);
	vm_vmas_fini(&vs);
}
END_TEST

START_TEST(test_vma_protect)
{
	struct vm_vmas vs;

	vm_vmas_init(&vs);
	add(&vs, 0x10000, 0x20000, RW);
	ck_assert_int_eq(vm_vma_protect(&vs, 0x11000, 0x12000, VM_PROT_READ),
			 0);
	ck_assert_uint_eq(vs.n, 3);
	ck_assert_uint_eq(vs.v[1].prot, VM_PROT_READ);
	ck_assert_uint_eq(vs.v[1].start, 0x11000);
	ck_assert_uint_eq(vs.v[2].prot, RW);
	/* giving it back its rights merges the three again */
	ck_assert_int_eq(vm_vma_protect(&vs, 0x11000, 0x12000, RW), 0);
	ck_assert_uint_eq(vs.n, 1);
	/* a hole in the range: -ENOMEM, nothing changed */
	ck_assert_int_eq(vm_vma_protect(&vs, 0x1f000, 0x21000, VM_PROT_READ),
			 -ENOMEM);
	ck_assert_uint_eq(vs.n, 1);
	ck_assert_uint_eq(vs.v[0].prot, RW);
	vm_vmas_fini(&vs);
}
END_TEST

START_TEST(test_vma_gap)
{
	struct vm_vmas vs;

	vm_vmas_init(&vs);
	ck_assert_int_eq(vm_vma_gap(&vs, 0x2000, 0x10000, 0x100000), 0xfe000);
	add(&vs, 0xf0000, 0x100000, RW);
	ck_assert_int_eq(vm_vma_gap(&vs, 0x2000, 0x10000, 0x100000), 0xee000);
	add(&vs, 0xe0000, 0xef000, RW);
	/* 0xef000..0xf0000 is one page: too small for two */
	ck_assert_int_eq(vm_vma_gap(&vs, 0x2000, 0x10000, 0x100000), 0xde000);
	ck_assert_int_eq(vm_vma_gap(&vs, 0x1000, 0x10000, 0x100000), 0xef000);
	ck_assert_int_eq(vm_vma_gap(&vs, 0x100000, 0x10000, 0x100000),
			 -ENOMEM);
	ck_assert_int_eq(vm_vma_gap(&vs, 0xd0000, 0x10000, 0x100000), 0x10000);
	vm_vmas_fini(&vs);
}
END_TEST

START_TEST(test_vma_bad_insert)
{
	struct vm_vmas vs;
	struct vm_vma a = { .start = 0x1000, .end = 0x1000 };

	vm_vmas_init(&vs);
	ck_assert_int_eq(vm_vma_insert(&vs, &a), -EINVAL);
	a.end = 0x1800;
	ck_assert_int_eq(vm_vma_insert(&vs, &a), -EINVAL);
	add(&vs, 0x10000, 0x20000, RW);
	a.start = 0x1f000;
	a.end = 0x21000;
	ck_assert_int_eq(vm_vma_insert(&vs, &a), -EINVAL);
	ck_assert_uint_eq(vs.n, 1);
	vm_vmas_fini(&vs);
}
END_TEST

Suite *
suite_vma(void)
{
	Suite *s = suite_create("vma");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_vma_insert_merge);
	tcase_add_test(core, test_vma_remove_split);
	tcase_add_test(core, test_vma_protect);
	tcase_add_test(core, test_vma_gap);
	tcase_add_test(errors, test_vma_bad_insert);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
