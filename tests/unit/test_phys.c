/*
 * test_phys.c - the frame table's buddy allocator, on a bare vm_phys.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "lib.h"

static void
want_blocks(const struct vm_phys *ph, const uint64_t *want)
{
	for (unsigned k = 0; k < VM_BUDDY_ORDERS; k++)
		ck_assert_msg(vm_phys_free_blocks(ph, k) == want[k],
			      "order %u: %llu free blocks, want %llu", k,
			      (unsigned long long)vm_phys_free_blocks(ph, k),
			      (unsigned long long)want[k]);
}

/* 50 frames: the largest aligned blocks, 32 + 16 + 2. */
START_TEST(test_phys_init_blocks)
{
	struct vm_phys ph;
	uint64_t want[VM_BUDDY_ORDERS] = { [1] = 1, [4] = 1, [5] = 1 };

	ck_assert_int_eq(vm_phys_init(&ph, 50, 4), 0);
	want_blocks(&ph, want);
	ck_assert_uint_eq(ph.nfree, 50);
	vm_phys_fini(&ph);
	ck_assert_int_eq(vm_phys_init(&ph, 0, 4), -EINVAL);
}
END_TEST

/* A fresh power-of-two machine hands out PFN 0, 1, 2, ... */
START_TEST(test_phys_in_order)
{
	struct vm_phys ph;

	ck_assert_int_eq(vm_phys_init(&ph, 1024, 4), 0);
	for (int64_t i = 0; i < 1024; i++)
		ck_assert_int_eq(vm_phys_alloc(&ph, VM_FRAME_ANON), i);
	ck_assert_int_eq(vm_phys_alloc(&ph, VM_FRAME_ANON), -ENOMEM);
	ck_assert_uint_eq(ph.nfree, 0);
	ck_assert_uint_eq(ph.count[VM_FRAME_ANON], 1024);
	vm_phys_fini(&ph);
}
END_TEST

/* A 2 MiB block is aligned, all its frames taken and zeroed; freed page
 * by page, in any order, it merges back into what there was. */
START_TEST(test_phys_order_merge)
{
	struct vm_phys ph;
	uint64_t all[VM_BUDDY_ORDERS] = { [11] = 1 };
	int64_t one, big;

	ck_assert_int_eq(vm_phys_init(&ph, 2048, 4), 0);
	one = vm_phys_alloc(&ph, VM_FRAME_ANON);
	ck_assert_int_eq(one, 0);
	*(uint64_t *)vm_phys_ptr(&ph, 600) = 0xdead; /* a free frame */
	big = vm_phys_alloc_order(&ph, VM_FRAME_ANON, 9);
	ck_assert_int_eq(big, 512); /* 1..511 are split off below it */
	ck_assert_uint_eq(*(uint64_t *)vm_phys_ptr(&ph, 600), 0);
	for (int64_t i = big; i < big + 512; i++)
		ck_assert_int_eq(ph.frames[i].use, VM_FRAME_ANON);
	ck_assert_uint_eq(ph.nfree, 2048 - 1 - 512);
	ck_assert_uint_eq(ph.count[VM_FRAME_ANON], 513);
	/* free the big block from its middle outwards, then the first page */
	for (int64_t i = 0; i < 256; i++) {
		vm_phys_free(&ph, (uint64_t)(big + 256 + i));
		vm_phys_free(&ph, (uint64_t)(big + 255 - i));
	}
	vm_phys_free(&ph, (uint64_t)one);
	want_blocks(&ph, all);
	ck_assert_uint_eq(ph.nfree, 2048);
	ck_assert_uint_eq(ph.count[VM_FRAME_FREE], 2048);
	vm_phys_fini(&ph);
}
END_TEST

/* Half the frames free, every other one: no two contiguous, so no
 * order-1 block, as Linux's fragmentation; a whole pair frees one. */
START_TEST(test_phys_fragmented)
{
	struct vm_phys ph;

	ck_assert_int_eq(vm_phys_init(&ph, 64, 4), 0);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(vm_phys_alloc(&ph, VM_FRAME_ANON), i);
	for (uint64_t i = 0; i < 64; i += 2)
		vm_phys_free(&ph, i);
	ck_assert_uint_eq(ph.nfree, 32);
	ck_assert_uint_eq(vm_phys_free_blocks(&ph, 0), 32);
	ck_assert_int_eq(vm_phys_alloc_order(&ph, VM_FRAME_ANON, 1), -ENOMEM);
	vm_phys_free(&ph, 41);
	ck_assert_uint_eq(vm_phys_free_blocks(&ph, 1), 1);
	ck_assert_int_eq(vm_phys_alloc_order(&ph, VM_FRAME_ANON, 1), 40);
	ck_assert_int_eq(vm_phys_alloc_order(&ph, VM_FRAME_ANON,
					     VM_BUDDY_ORDERS), -EINVAL);
	vm_phys_fini(&ph);
}
END_TEST

Suite *
suite_phys(void)
{
	Suite *s = suite_create("phys");
	TCase *tc = tcase_create("buddy");

	tcase_add_test(tc, test_phys_init_blocks);
	tcase_add_test(tc, test_phys_in_order);
	tcase_add_test(tc, test_phys_order_merge);
	tcase_add_test(tc, test_phys_fragmented);
	suite_add_tcase(s, tc);
	return s;
}
