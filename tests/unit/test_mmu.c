/*
 * test_mmu.c - translation, A/D bits, the x86-64 checks, faults, and the
 * byte-range API.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "lib.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x10000000ull

START_TEST(test_mmu_demand_zero)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t v = 1;

	t_map(m, p, BASE, 4 * 4096, RW);
	ck_assert_uint_eq(t_pte(m, p, BASE), 0);
	ck_assert_int_eq(vm_load(m, p, BASE + 8, 8, &v), 0);
	ck_assert_uint_eq(v, 0);
	/* one minor fault; the access was tried twice: a miss, a fault, a
	 * miss that fills the TLB */
	ck_assert_uint_eq(m->stats.v[VM_STAT_accesses], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgmajfault], 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_demand_zero], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_miss], 2);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_hit], 0);
	/* first walk: the root entry only (nothing below); second: 4 */
	ck_assert_uint_eq(m->stats.v[VM_STAT_walk_refs], 1 + 4);
	ck_assert_uint_eq(p->stats.v[VM_STAT_pgfault], 1);
	/* the next load of the page hits */
	ck_assert_int_eq(vm_load(m, p, BASE + 16, 8, &v), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_hit], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 1);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_accessed_dirty)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t v, pte, refs;
	struct vm_walk w;

	t_map(m, p, BASE, 2 * 4096, RW);
	ck_assert_int_eq(vm_load(m, p, BASE, 4, &v), 0);
	pte = t_pte(m, p, BASE);
	ck_assert(pte & VM_PTE_A);
	ck_assert(!(pte & VM_PTE_D));
	ck_assert(pte & VM_PTE_NX);
	ck_assert(pte & VM_PTE_RW);
	/* A is set at every level of the walk */
	ck_assert_int_eq(vm_pt_walk(m, p, BASE, 0, 0, &w), 0);
	for (int l = 3; l >= 1; l--)
		ck_assert(*w.pte[l] & VM_PTE_A);
	/* a store through the entry cached clean: a TLB hit, and a walk
	 * again to set D in memory */
	refs = m->stats.v[VM_STAT_walk_refs];
	ck_assert_int_eq(vm_store(m, p, BASE + 8, 8, 0x1122334455667788ull),
			 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_tlb_hit], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_walk_refs], refs + 4);
	ck_assert(t_pte(m, p, BASE) & VM_PTE_D);
	/* now cached dirty: another store walks nothing */
	ck_assert_int_eq(vm_store(m, p, BASE + 16, 1, 0xff), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_walk_refs], refs + 4);
	/* the other page, written first: A and D at once */
	ck_assert_int_eq(vm_store(m, p, BASE + 4096, 2, 0xbeef), 0);
	pte = t_pte(m, p, BASE + 4096);
	ck_assert((pte & (VM_PTE_A | VM_PTE_D)) == (VM_PTE_A | VM_PTE_D));
	ck_assert_int_eq(vm_load(m, p, BASE + 8, 8, &v), 0);
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_user_kernel)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_fault_info fi;
	uint64_t pa;
	char buf[32];

	/* supervisor reads the kernel's page; user mode may not */
	ck_assert_int_eq(vm_access(m, p, VM_KERNEL_BASE, VM_ACC_R,
				   VM_MODE_SUPER, 0, &pa, NULL), 0);
	memcpy(buf, m->phys.mem + pa, 22);
	buf[22] = '\0';
	ck_assert_str_eq(buf, "vmlab kernel page   0:");
	ck_assert_int_eq(vm_mmu_translate(m, p, VM_KERNEL_BASE, VM_ACC_R,
					  VM_MODE_USER, &pa, &fi), -EFAULT);
	ck_assert_int_eq(fi.kind, VM_FAULT_PROT);
	/* the kernel's data pages are not executable, its text is */
	ck_assert_int_eq(vm_access(m, p, VM_KERNEL_BASE + 4096, VM_ACC_X,
				   VM_MODE_SUPER, 0, &pa, &fi), -EFAULT);
	ck_assert_int_eq(fi.kind, VM_FAULT_PROT);
	ck_assert_int_eq(vm_access(m, p, VM_KERNEL_BASE, VM_ACC_X,
				   VM_MODE_SUPER, 0, &pa, NULL), 0);
	/* kernel text is read-only to the supervisor too (CR0.WP) */
	ck_assert_int_eq(vm_access(m, p, VM_KERNEL_BASE, VM_ACC_W,
				   VM_MODE_SUPER, 0, &pa, &fi), -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_RUNNING);
	/* the process's own user access to the kernel kills it */
	ck_assert_int_eq(vm_touch(m, p, VM_KERNEL_BASE, 1, VM_ACC_R), -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 11);
	ck_assert_uint_eq(m->stats.v[VM_STAT_segv], 1);
	ck_assert_ptr_nonnull(strstr(t_log_last, "killed with SIGSEGV"));
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_rw_nx_violation)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_fault_info fi;
	uint64_t pa, v;

	t_map(m, p, BASE, 4096, VM_PROT_READ);
	t_map(m, p, BASE + 4096, 4096, RW);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	/* a write to a read-only page through the mem API: EFAULT, no kill */
	ck_assert_int_eq(vm_mem_write(m, p, BASE, "x", 1), -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(m->stats.v[VM_STAT_prot_fault], 1);
	/* an instruction fetch from a data page */
	ck_assert_int_eq(vm_access(m, p, BASE + 4096, VM_ACC_X, VM_MODE_USER,
				   0, &pa, &fi), -EFAULT);
	ck_assert_uint_eq(m->stats.v[VM_STAT_prot_fault], 2);
	/* the hardware's view: a present page, RW clear */
	ck_assert_int_eq(vm_mmu_translate(m, p, BASE + 8, VM_ACC_W,
					  VM_MODE_USER, &pa, &fi), -EFAULT);
	ck_assert_int_eq(fi.kind, VM_FAULT_PROT);
	/* as the process's own store: killed */
	ck_assert_int_eq(vm_store(m, p, BASE, 1, 1), -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(vm_load(m, p, BASE, 1, &v), -ESRCH);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_noncanonical_and_holes)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_fault_info fi;
	uint64_t pa;

	ck_assert_int_eq(vm_mmu_translate(m, p, 0x0000800000000000ull,
					  VM_ACC_R, VM_MODE_USER, &pa, &fi),
			 -EFAULT);
	ck_assert_int_eq(fi.kind, VM_FAULT_NONCANON);
	ck_assert_int_eq(vm_access(m, p, 0xdead0000000000ull, VM_ACC_R,
				   VM_MODE_USER, 0, &pa, &fi), -EFAULT);
	/* no region: not present, and the handler refuses it */
	ck_assert_int_eq(vm_access(m, p, BASE, VM_ACC_R, VM_MODE_USER, 0, &pa,
				   &fi), -EFAULT);
	ck_assert_int_eq(fi.kind, VM_FAULT_NOTPRESENT);
	ck_assert_int_eq(fi.level, 3);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 0);
	/* the stack region exists from spawn */
	ck_assert_int_eq(vm_touch(m, p, VM_STACK_TOP - 8, 8, VM_ACC_W), 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_range_across_pages)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	static char out[10000], in[10000];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 3);
	t_map(m, p, BASE, 3 * 4096, RW);
	ck_assert_int_eq(vm_mem_write(m, p, BASE + 100, out, sizeof(out)),
			 10000);
	ck_assert_int_eq(vm_mem_read(m, p, BASE + 100, in, sizeof(in)), 10000);
	ck_assert_mem_eq(in, out, sizeof(out));
	/* 100 + 10000 bytes touch three pages */
	ck_assert_uint_eq(p->rss_anon, 3);
	/* bytes outside what was written read as zeros */
	ck_assert_int_eq(vm_mem_read(m, p, BASE, in, 100), 100);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(in[i], 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_range_into_hole)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	static char buf[3 * 4096];

	memset(buf, 0xab, sizeof(buf));
	t_map(m, p, BASE, 2 * 4096, RW);
	/* two mapped pages, then a hole: a short count */
	ck_assert_int_eq(vm_mem_write(m, p, BASE + 10, buf, sizeof(buf)),
			 2 * 4096 - 10);
	ck_assert_int_eq(vm_mem_read(m, p, BASE + 4096, buf, sizeof(buf)),
			 4096);
	/* starting in the hole: nothing moves, an error */
	ck_assert_int_eq(vm_mem_read(m, p, BASE + 2 * 4096, buf, 10), -EFAULT);
	ck_assert_int_eq(vm_mem_write(m, p, BASE - 1, buf, 10), -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_RUNNING);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_mprotect_follows)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t v;

	t_map(m, p, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 42), 0);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, 4096, VM_PROT_READ), 0);
	ck_assert(!(t_pte(m, p, BASE) & VM_PTE_RW));
	/* the TLB entry went with the change: the write is refused */
	ck_assert_int_eq(vm_mem_write(m, p, BASE, "x", 1), -EFAULT);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, 4096, VM_PROT_NONE), 0);
	ck_assert_int_eq(vm_mem_read(m, p, BASE, &v, 1), -EFAULT);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, 4096, RW), 0);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_uint_eq(v, 42);
	/* a hole in the range */
	ck_assert_int_eq(vm_mprotect(m, p, BASE, 8192, VM_PROT_READ), -ENOMEM);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_mmu_unaligned_load)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t v;

	t_map(m, p, BASE, 2 * 4096, RW);
	/* an 8-byte store across the page boundary touches both pages */
	ck_assert_int_eq(vm_store(m, p, BASE + 4092, 8, 0x0102030405060708ull),
			 0);
	ck_assert_uint_eq(p->rss_anon, 2);
	ck_assert_uint_eq(m->stats.v[VM_STAT_accesses], 1);
	ck_assert_int_eq(vm_load(m, p, BASE + 4092, 8, &v), 0);
	ck_assert_uint_eq(v, 0x0102030405060708ull);
	ck_assert_int_eq(vm_load(m, p, BASE + 4096, 4, &v), 0);
	ck_assert_uint_eq(v, 0x01020304);
	ck_assert_int_eq(vm_load(m, p, BASE, 3, &v), -EINVAL);
	ck_assert_int_eq(vm_touch(m, p, BASE, 0, VM_ACC_R), -EINVAL);
	ck_assert_int_eq(vm_touch(m, p, UINT64_MAX, 2, VM_ACC_R), -EINVAL);
	vm_machine_destroy(m);
}
END_TEST

/* A write through PID/mem that makes the OOM killer take another process
 * succeeds; one that makes it take the writer fails with ENOMEM, though
 * some bytes were stored. */
START_TEST(test_mmu_mem_write_oom)
{
	struct vm_machine *m = t_machine(48);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	static char buf[64 * 4096];

	memset(buf, 0x5a, sizeof(buf));
	t_map(m, q, BASE, 30 * 4096, RW);
	ck_assert_int_eq(vm_mem_write(m, q, BASE, buf, 30 * 4096), 30 * 4096);
	t_map(m, p, BASE, 64 * 4096, RW);
	ck_assert_int_eq(vm_mem_write(m, p, BASE, buf, 8 * 4096), 8 * 4096);
	ck_assert_int_eq(q->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 1);
	ck_assert_int_eq(vm_mem_write(m, p, BASE, buf, sizeof(buf)), -ENOMEM);
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 9);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 2);
	/* a zombie's memory: the access is refused before anything */
	ck_assert_int_eq(vm_mem_write(m, p, BASE, buf, 1), -ESRCH);
	vm_machine_destroy(m);
}
END_TEST

/* An observer's peek: resident bytes from the frame, swapped ones from
 * the slot, untouched ones as zeros, up to the first unmapped page; no
 * access, fault or page-in. */
START_TEST(test_mmu_peek)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	char buf[3 * 4096], want[3 * 4096];
	uint64_t faults, acc;

	vm_config_default(&c);
	c.frames = 256;
	c.swap_pages = 64;
	c.state_dir = t_state;
	m = t_machine_cfg(&c);
	p = t_spawn(m);
	t_map(m, p, BASE, 3 * 4096, VM_PROT_READ | VM_PROT_WRITE);
	memset(want, 0, sizeof(want));
	memcpy(want + 4090, "hello, world", 12); /* across pages 0 and 1 */
	ck_assert_int_eq(vm_mem_write(m, p, BASE + 4090, "hello, world", 12),
			 12);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(p->swapents, 1);
	faults = m->stats.v[VM_STAT_pgfault];
	acc = m->stats.v[VM_STAT_accesses];
	memset(buf, 0x55, sizeof(buf));
	ck_assert_uint_eq(vm_mem_peek(m, p, BASE, buf, sizeof(buf)),
			  sizeof(buf));
	ck_assert_mem_eq(buf, want, sizeof(buf));
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], faults);
	ck_assert_uint_eq(m->stats.v[VM_STAT_accesses], acc);
	ck_assert_uint_eq(p->swapents, 1); /* nothing paged in */
	/* the page after the region ends the peek */
	ck_assert_uint_eq(vm_mem_peek(m, p, BASE + 2 * 4096, buf, 2 * 4096),
			  4096);
	vm_proc_kill(m, p, 9);
	ck_assert_uint_eq(vm_mem_peek(m, p, BASE, buf, 16), 0);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_mmu(void)
{
	Suite *s = suite_create("mmu");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");
	TCase *peek = tcase_create("peek");

	tcase_add_test(core, test_mmu_demand_zero);
	tcase_add_test(core, test_mmu_accessed_dirty);
	tcase_add_test(core, test_mmu_range_across_pages);
	tcase_add_test(core, test_mmu_mprotect_follows);
	tcase_add_test(core, test_mmu_unaligned_load);
	tcase_add_test(errors, test_mmu_user_kernel);
	tcase_add_test(errors, test_mmu_rw_nx_violation);
	tcase_add_test(errors, test_mmu_noncanonical_and_holes);
	tcase_add_test(errors, test_mmu_range_into_hole);
	tcase_add_test(errors, test_mmu_mem_write_oom);
	tcase_add_checked_fixture(peek, t_state_setup, t_state_teardown);
	tcase_add_test(peek, test_mmu_peek);
	suite_add_tcase(s, peek);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
