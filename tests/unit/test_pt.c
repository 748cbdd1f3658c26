/*
 * test_pt.c - the PTE layout, the walker, tables allocated and freed.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "lib.h"

START_TEST(test_pt_indices)
{
	uint64_t va = 0x00007fffdeadbeefull;

	ck_assert_uint_eq(VM_PX(3, va), 0xff);
	ck_assert_uint_eq(VM_PX(2, va), 0x1ff);
	ck_assert_uint_eq(VM_PX(1, va), 0xf5);
	ck_assert_uint_eq(VM_PX(0, va), 0xdb);
	ck_assert_uint_eq(va & 0xfff, 0xeef);
	/* the kernel base: PML4 511, PDPT 510, PD 0, PT 0; PML5 511 */
	ck_assert_uint_eq(VM_PX(4, VM_KERNEL_BASE), 0x1ff);
	ck_assert_uint_eq(VM_PX(3, VM_KERNEL_BASE), 0x1ff);
	ck_assert_uint_eq(VM_PX(2, VM_KERNEL_BASE), 0x1fe);
	ck_assert_uint_eq(VM_PX(1, VM_KERNEL_BASE), 0);
	ck_assert_uint_eq(VM_PX(0, VM_KERNEL_BASE), 0);
	ck_assert_uint_eq(VM_LEVEL_SIZE(1), 2ull << 20);
	ck_assert_uint_eq(VM_LEVEL_SIZE(2), 1ull << 30);
}
END_TEST

START_TEST(test_pt_bits)
{
	ck_assert_uint_eq(VM_PTE_P, 0x1);
	ck_assert_uint_eq(VM_PTE_RW, 0x2);
	ck_assert_uint_eq(VM_PTE_US, 0x4);
	ck_assert_uint_eq(VM_PTE_PWT, 0x8);
	ck_assert_uint_eq(VM_PTE_PCD, 0x10);
	ck_assert_uint_eq(VM_PTE_A, 0x20);
	ck_assert_uint_eq(VM_PTE_D, 0x40);
	ck_assert_uint_eq(VM_PTE_PS, 0x80);
	ck_assert_uint_eq(VM_PTE_G, 0x100);
	ck_assert_uint_eq(VM_PTE_COW, 0x200);
	ck_assert_uint_eq(VM_PTE_NX, 0x8000000000000000ull);
	ck_assert_uint_eq(VM_PFN2PTE(0x12345), 0x12345000ull);
	ck_assert_uint_eq(VM_PTE2PFN(0x8000000123456e67ull), 0x123456);
	/* the PFN field is bits 12..51: bit 52 and up are not PFN */
	ck_assert_uint_eq(VM_PTE2PFN(0x7ff0000000001000ull), 1);
	ck_assert_uint_eq(VM_PTE_PFN_MASK, 0x000ffffffffff000ull);
}
END_TEST

START_TEST(test_pt_swap_entry)
{
	vm_pte_t e = VM_SWP_ENTRY(0, 1);

	ck_assert(!(e & VM_PTE_P));
	ck_assert(e != 0);
	ck_assert(VM_PTE_IS_SWAP(e));
	ck_assert_uint_eq(VM_SWP_SLOT(e), 1);
	e = VM_SWP_ENTRY(3, 0xabcdef);
	ck_assert_uint_eq(VM_SWP_TYPE(e), 3);
	ck_assert_uint_eq(VM_SWP_SLOT(e), 0xabcdef);
	ck_assert(!VM_PTE_IS_SWAP(0));
	ck_assert(!VM_PTE_IS_SWAP(VM_PTE_P | VM_PFN2PTE(5)));
}
END_TEST

START_TEST(test_pt_canonical)
{
	struct vm_machine *m = t_machine(64);
	struct vm_config c;

	ck_assert(vm_pt_canonical(m, 0));
	ck_assert(vm_pt_canonical(m, 0x00007fffffffffffull));
	ck_assert(!vm_pt_canonical(m, 0x0000800000000000ull));
	ck_assert(vm_pt_canonical(m, 0xffff800000000000ull));
	ck_assert(!vm_pt_canonical(m, 0xffff7fffffffffffull));
	ck_assert(!vm_pt_canonical(m, 0x00ffffffffffffffull));
	/* TASK_SIZE: the page below 2^47 is not user memory */
	ck_assert_uint_eq(vm_user_top(m), 0x7ffffffff000ull);
	vm_machine_destroy(m);

	vm_config_default(&c);
	c.frames = 64;
	c.levels = 5;
	m = t_machine_cfg(&c);
	ck_assert(vm_pt_canonical(m, 0x00ffffffffffffffull));
	ck_assert(!vm_pt_canonical(m, 0x0100000000000000ull));
	ck_assert(vm_pt_canonical(m, 0xff00000000000000ull));
	ck_assert_uint_eq(vm_user_half(m), 1ull << 56);
	ck_assert_uint_eq(vm_user_top(m), (1ull << 56) - 4096);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pt_tables_alloc_free)
{
	struct vm_machine *m = t_machine(64);
	uint64_t free0 = m->phys.nfree;
	struct vm_proc *p = t_spawn(m);
	uint64_t a = 0x00007fffdeadb000ull - 0x100000000ull;

	/* a root table only */
	ck_assert_uint_eq(p->pt_pages, 1);
	ck_assert_uint_eq(m->phys.nfree, free0 - 1);
	t_map(m, p, a, 4096, VM_PROT_READ | VM_PROT_WRITE);
	ck_assert_int_eq(vm_touch(m, p, a, 1, VM_ACC_W), 0);
	/* PDPT, PD, PT under the root, and one data frame */
	ck_assert_uint_eq(p->pt_pages, 4);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_PT], 4);
	ck_assert_uint_eq(m->phys.nfree, free0 - 5);
	ck_assert_uint_eq(p->rss_anon, 1);
	/* a second page in the same leaf table costs one frame */
	t_map(m, p, a + 4096, 4096, VM_PROT_READ);
	ck_assert_int_eq(vm_touch(m, p, a + 4096, 1, VM_ACC_R), 0);
	ck_assert_uint_eq(p->pt_pages, 4);
	ck_assert_uint_eq(m->phys.nfree, free0 - 6);
	/* unmapping everything there frees the three tables */
	ck_assert_int_eq(vm_munmap(m, p, a, 8192), 0);
	ck_assert_uint_eq(p->pt_pages, 1);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_uint_eq(m->phys.nfree, free0 - 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pt_alloc], 4);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pt_free], 3);
	vm_proc_reap(m, p);
	ck_assert_uint_eq(m->phys.nfree, free0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pt_walk_levels)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_walk w;
	uint64_t a = 0x400000;

	/* nothing below the root yet: the walk stops at level 3 */
	ck_assert_int_eq(vm_pt_walk(m, p, a, 0, 0, &w), -ENOENT);
	ck_assert_int_eq(w.level, 3);
	ck_assert_uint_eq(w.refs, 1);
	ck_assert_int_eq(vm_pt_walk(m, p, a, 0, VM_WALK_ALLOC, &w), 0);
	ck_assert_int_eq(w.level, 0);
	ck_assert_uint_eq(w.refs, 4);
	ck_assert_uint_eq(*w.pte[0], 0);
	/* an intermediate entry is P|RW|US and points at the next table */
	ck_assert_uint_eq(*w.pte[1] & 0xfff, VM_PTE_P | VM_PTE_RW | VM_PTE_US);
	ck_assert_uint_eq(VM_PTE2PFN(*w.pte[1]), w.tbl[0]);
	ck_assert_uint_eq(w.tbl[3], p->cr3);
	/* the root's entry 511 is the shared kernel table, supervisor only */
	ck_assert_uint_eq(VM_PTE2PFN(vm_pt_table(m, p->cr3)[511]),
			  m->kernel_top);
	ck_assert(!(vm_pt_table(m, p->cr3)[511] & VM_PTE_US));
	/* the empty tables are freed by a prune */
	ck_assert_int_eq(vm_pt_prune(m, p, &w), 3);
	ck_assert_uint_eq(p->pt_pages, 1);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pt_five_levels)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t a = 1ull << 52, v = 0, pa;
	struct vm_walk w;

	vm_config_default(&c);
	c.frames = 64;
	c.levels = 5;
	m = t_machine_cfg(&c);
	p = t_spawn(m);
	/* an address above the 4-level user half */
	t_map(m, p, a, 4096, VM_PROT_READ | VM_PROT_WRITE);
	ck_assert_int_eq(vm_store(m, p, a + 8, 8, 0xabcdef), 0);
	ck_assert_int_eq(vm_load(m, p, a + 8, 8, &v), 0);
	ck_assert_uint_eq(v, 0xabcdef);
	/* PML5, PML4, PDPT, PD, PT: four tables under the root */
	ck_assert_uint_eq(p->pt_pages, 5);
	ck_assert_int_eq(vm_pt_walk(m, p, a, 0, 0, &w), 0);
	ck_assert_int_eq(w.top, 4);
	ck_assert_uint_eq(w.refs, 5);
	ck_assert_uint_eq(VM_PX(4, a), 0x10);
	/* the kernel half still answers the supervisor, five levels down */
	ck_assert_int_eq(vm_access(m, p, VM_KERNEL_BASE, VM_ACC_R,
				   VM_MODE_SUPER, 0, &pa, NULL), 0);
	ck_assert_uint_eq(pa, m->kernel_pfn[0] << 12);
	/* the 5-level kernel chain: PML4, PDPT, PD, PT and 4 pages */
	ck_assert_uint_eq(m->phys.count[VM_FRAME_KERNEL], 4 + 4);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pt_flags_str)
{
	char buf[128];

	vm_pte_flags_str(VM_PTE_P | VM_PTE_RW | VM_PTE_US | VM_PTE_A |
				 VM_PTE_D | VM_PTE_NX,
			 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "P RW US A D NX");
	vm_pte_flags_str(VM_PTE_P | VM_PTE_PS | VM_PTE_G, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "P PS G");
	vm_pte_flags_str(VM_PTE_P | VM_PTE_PS, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "P PAT");
	/* a short buffer is cut, never overrun */
	ck_assert_int_eq(vm_pte_flags_str(VM_PTE_P | VM_PTE_RW, 0, buf, 3), 4);
	ck_assert_str_eq(buf, "P ");
}
END_TEST

Suite *
suite_pt(void)
{
	Suite *s = suite_create("pt");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_pt_indices);
	tcase_add_test(core, test_pt_bits);
	tcase_add_test(core, test_pt_swap_entry);
	tcase_add_test(core, test_pt_walk_levels);
	tcase_add_test(core, test_pt_tables_alloc_free);
	tcase_add_test(core, test_pt_flags_str);
	tcase_add_test(limits, test_pt_canonical);
	tcase_add_test(limits, test_pt_five_levels);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
