/*
 * test_probe.c - the observed translation: every outcome with its exact
 * values, the TLB's state, the text of translate/VA byte for byte, and
 * the rule that a probe changes nothing.
 *
 * Values that depend on which frame an allocation took (PFNs, entries)
 * are read back from the page tables, so the tests state what the probe
 * must report, not the allocator's order.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "vmlab/probe.h"

#include "../../fs/labfmt.h"

Suite *suite_probe(void);

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x10000000ull /* PML4 0, PDPT 0, PD 128 */

/* fmt_translate's text, NUL-terminated, for the caller to free. */
static char *
xlate_text(const struct vm_xlate *x, int pid)
{
	struct sbuf sb;
	size_t len;
	char *s;

	sbuf_init(&sb);
	ck_assert_int_eq(fmt_translate(x, pid, &sb), 0);
	sbuf_put(&sb, "", 1);
	s = sbuf_take(&sb, &len);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* The entry at level of va's walk (the table must exist). */
static vm_pte_t
entry_at(struct vm_machine *m, struct vm_proc *p, uint64_t va, int level)
{
	struct vm_walk w;

	vm_pt_walk(m, p, va, level, 0, &w);
	ck_assert_int_eq(w.level, level);
	return *w.pte[level];
}

/* The four entry lines of a walk of BASE's region down to the PT. */
static void
walk_lines(struct vm_machine *m, struct vm_proc *p, uint64_t va, char *buf,
	   size_t len, const char *leaf_words)
{
	char flags[3][96];

	for (int l = 3; l >= 1; l--)
		vm_pte_flags_str(entry_at(m, p, va, l), l, flags[l - 1],
				 sizeof(flags[0]));
	snprintf(buf, len,
		 "PML4 index   0 (0x000) entry 0x%016" PRIx64 " %s\n"
		 "PDPT index   0 (0x000) entry 0x%016" PRIx64 " %s\n"
		 "PD   index 128 (0x080) entry 0x%016" PRIx64 " %s\n"
		 "PT   index %3u (0x%03x) entry 0x%016" PRIx64 " %s\n",
		 entry_at(m, p, va, 3), flags[2], entry_at(m, p, va, 2),
		 flags[1], entry_at(m, p, va, 1), flags[0],
		 (unsigned)VM_PX(0, va), (unsigned)VM_PX(0, va),
		 entry_at(m, p, va, 0), leaf_words);
}

START_TEST(test_probe_present)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t va = BASE + 0x123, leaf, pfn;
	struct vm_xlate x;
	char want[1024], lines[512];
	char *text;

	t_map(m, p, BASE, 8192, RW);
	ck_assert_int_eq(vm_store(m, p, va, 8, 42), 0);
	leaf = t_pte(m, p, va);
	pfn = VM_PTE2PFN(leaf);
	ck_assert_int_eq(vm_probe_translate(m, p, va, &x), 0);
	ck_assert(x.canonical);
	ck_assert_uint_eq(x.va, va);
	ck_assert_uint_eq(x.asid, p->asid);
	ck_assert_int_eq(x.top, 3);
	ck_assert_int_eq(x.level, 0);
	ck_assert_uint_eq(x.step[3].index, 0);
	ck_assert_uint_eq(x.step[2].index, 0);
	ck_assert_uint_eq(x.step[1].index, 128);
	ck_assert_uint_eq(x.step[0].index, 0);
	ck_assert_uint_eq(x.step[3].table, p->cr3);
	ck_assert_uint_eq(x.step[2].table, VM_PTE2PFN(x.step[3].entry));
	ck_assert_uint_eq(x.step[1].table, VM_PTE2PFN(x.step[2].entry));
	ck_assert_uint_eq(x.step[0].table, VM_PTE2PFN(x.step[1].entry));
	ck_assert_uint_eq(x.step[0].entry, leaf);
	ck_assert_uint_eq(leaf & ~VM_PTE_PFN_MASK,
			  VM_PTE_P | VM_PTE_RW | VM_PTE_US | VM_PTE_A |
			  VM_PTE_D | VM_PTE_NX);
	ck_assert_int_eq(x.result, VM_XLATE_PRESENT);
	ck_assert_uint_eq(x.pa, (pfn << 12) + 0x123);
	ck_assert_uint_eq(x.pfn, pfn);
	ck_assert_uint_eq(x.page_size, 4096);
	ck_assert(x.user && x.write && !x.exec);
	/* the store filled set 0 (0x10000 % 16 sets), its first way */
	ck_assert(x.tlb.hit);
	ck_assert_uint_eq(x.tlb.set, 0);
	ck_assert_uint_eq(x.tlb.way, 0);
	ck_assert_uint_eq(x.tlb.pfn, pfn);
	ck_assert_uint_eq(x.tlb.size, VM_TLB_4K);
	ck_assert_uint_eq(x.tlb.flags, VM_TLB_V | VM_TLB_RW | VM_TLB_US |
					       VM_TLB_D | VM_TLB_NX);
	walk_lines(m, p, va, lines, sizeof(lines), "P RW US A D NX");
	snprintf(want, sizeof(want),
		 "va 0x0000000010000123 pid 1 asid 1\n%s"
		 "physical 0x%" PRIx64 " (pfn %" PRIu64 ", 4K page)\n"
		 "access: user yes, write yes, exec no (NX=1)\n"
		 "tlb: hit set 0 way 0 pfn %" PRIu64 " size 4K RW US D NX\n",
		 lines, (pfn << 12) + 0x123, pfn, pfn);
	text = xlate_text(&x, p->pid);
	ck_assert_str_eq(text, want);
	free(text);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_probe_swapped)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t va = BASE + 0x1000, slot;
	struct vm_xlate x;
	char want[1024], lines[512];
	char *text;

	vm_config_default(&c);
	c.frames = 64;
	c.swap_pages = 16;
	c.state_dir = t_state;
	m = t_machine_cfg(&c);
	p = t_spawn(m);
	t_map(m, p, BASE, 8192, RW);
	ck_assert_int_eq(vm_store(m, p, va, 8, 42), 0);
	ck_assert_int_eq(vm_madvise(m, p, va, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert(VM_PTE_IS_SWAP(t_pte(m, p, va)));
	slot = VM_SWP_SLOT(t_pte(m, p, va));
	ck_assert_uint_ne(slot, 0);
	ck_assert_int_eq(vm_probe_translate(m, p, va, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_SWAPPED);
	ck_assert_int_eq(x.level, 0);
	ck_assert_uint_eq(x.step[0].index, 1);
	ck_assert_uint_eq(x.step[0].entry, t_pte(m, p, va));
	ck_assert_uint_eq(x.slot, slot);
	ck_assert_uint_eq(x.pa, 0);
	ck_assert(!x.user && !x.write && !x.exec);
	ck_assert(!x.tlb.hit); /* shot down at eviction */
	walk_lines(m, p, va, lines, sizeof(lines), "(swap entry)");
	snprintf(want, sizeof(want),
		 "va 0x0000000010001000 pid 1 asid 1\n%s"
		 "fault: not present, swapped out to slot %" PRIu64
		 " (a major fault on access)\n"
		 "tlb: miss\n", lines, slot);
	text = xlate_text(&x, p->pid);
	ck_assert_str_eq(text, want);
	free(text);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_probe_not_present)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t va = BASE + 0x8000;
	struct vm_xlate x;
	char want[1024], lines[512];
	char *text;

	t_map(m, p, BASE, 64 * 1024, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 42), 0);
	ck_assert_int_eq(vm_probe_translate(m, p, va, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_NOTPRESENT);
	ck_assert_int_eq(x.level, 0);
	ck_assert_uint_eq(x.step[0].index, 8);
	ck_assert_uint_eq(x.step[0].entry, 0);
	ck_assert(x.region);
	ck_assert(!x.tlb.hit);
	walk_lines(m, p, va, lines, sizeof(lines), "(empty)");
	snprintf(want, sizeof(want),
		 "va 0x0000000010008000 pid 1 asid 1\n%s"
		 "fault: not present at PT (demand zero on access)\n"
		 "tlb: miss\n", lines);
	text = xlate_text(&x, p->pid);
	ck_assert_str_eq(text, want);
	free(text);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_probe_no_region)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct vm_xlate x;
	char want[512];
	char *text;

	t_map(m, p, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 42), 0);
	/* PML4 0 is present, PDPT 1 is not */
	ck_assert_int_eq(vm_probe_translate(m, p, 0x50000000, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_NOTPRESENT);
	ck_assert_int_eq(x.level, 2);
	ck_assert_uint_eq(x.step[2].index, 1);
	ck_assert_uint_eq(x.step[2].entry, 0);
	ck_assert(!x.region);
	snprintf(want, sizeof(want),
		 "va 0x0000000050000000 pid 1 asid 1\n"
		 "PML4 index   0 (0x000) entry 0x%016" PRIx64 " P RW US A\n"
		 "PDPT index   1 (0x001) entry 0x0000000000000000 (empty)\n"
		 "fault: not present at PDPT (no mapping: SIGSEGV on access)\n"
		 "tlb: miss\n", x.step[3].entry);
	text = xlate_text(&x, p->pid);
	ck_assert_str_eq(text, want);
	free(text);
	/* a fresh process: the root's entry is empty */
	ck_assert_int_eq(vm_probe_translate(m, q, BASE, &x), 0);
	ck_assert_int_eq(x.level, 3);
	ck_assert_uint_eq(x.step[3].table, q->cr3);
	text = xlate_text(&x, q->pid);
	ck_assert_str_eq(text,
			 "va 0x0000000010000000 pid 2 asid 2\n"
			 "PML4 index   0 (0x000) entry "
			 "0x0000000000000000 (empty)\n"
			 "fault: not present at PML4 (no mapping: SIGSEGV on "
			 "access)\n"
			 "tlb: miss\n");
	free(text);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_probe_non_canonical)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_xlate x;
	char *text;

	ck_assert_int_eq(vm_probe_translate(m, p, 0x800000000000ull, &x), 0);
	ck_assert(!x.canonical);
	ck_assert_int_eq(x.result, VM_XLATE_NONCANON);
	ck_assert(!x.tlb.hit);
	text = xlate_text(&x, p->pid);
	ck_assert_str_eq(text, "va 0x0000800000000000 pid 1 asid 1\n"
			       "fault: non-canonical address (#GP)\n");
	free(text);
	vm_machine_destroy(m);
}
END_TEST

/* The kernel's global entry: a hit for any process, with its flags. */
START_TEST(test_probe_tlb_hit_global)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	uint64_t va = VM_KERNEL_BASE + 0x1000, kpfn = m->kernel_pfn[1];
	struct vm_xlate x;
	char want[1024];
	char *text;

	ck_assert_int_eq(vm_touch_kernel(m, p, va, 8, VM_ACC_R), 0);
	ck_assert_int_eq(vm_probe_translate(m, q, va + 8, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_PRESENT);
	ck_assert_uint_eq(x.step[3].index, 511);
	ck_assert_uint_eq(x.step[2].index, 510);
	ck_assert_uint_eq(x.step[1].index, 0);
	ck_assert_uint_eq(x.step[0].index, 1);
	ck_assert_uint_eq(x.pfn, kpfn);
	ck_assert_uint_eq(x.pa, (kpfn << 12) + 8);
	ck_assert(!x.user && x.write && !x.exec);
	ck_assert(x.tlb.hit);
	ck_assert_uint_eq(x.tlb.set, 1); /* 0xffffffff80001 % 16 */
	ck_assert_uint_eq(x.tlb.way, 0);
	ck_assert_uint_eq(x.tlb.pfn, kpfn);
	ck_assert_uint_eq(x.tlb.flags,
			  VM_TLB_V | VM_TLB_RW | VM_TLB_G | VM_TLB_NX);
	snprintf(want, sizeof(want),
		 "physical 0x%" PRIx64 " (pfn %" PRIu64 ", 4K page)\n"
		 "access: user no (US=0: a user access faults), write yes, "
		 "exec no (NX=1)\n"
		 "tlb: hit set 1 way 0 pfn %" PRIu64 " size 4K RW G NX\n",
		 (kpfn << 12) + 8, kpfn, kpfn);
	text = xlate_text(&x, q->pid);
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_str_eq(strstr(text, want), want);
	free(text);
	vm_machine_destroy(m);
}
END_TEST

/* Without ASIDs the TLB's untagged entries belong to the running process. */
START_TEST(test_probe_tlb_no_asid)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p, *q;
	struct vm_xlate x;

	vm_config_default(&c);
	c.frames = 64;
	c.asid = false;
	m = t_machine_cfg(&c);
	p = t_spawn(m);
	q = t_spawn(m);
	t_map(m, p, BASE, 4096, RW);
	t_map(m, q, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, q, BASE, 8, 1), 0);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 2), 0);
	ck_assert_ptr_eq(m->cpu.cur, p);
	ck_assert_int_eq(vm_probe_translate(m, p, BASE, &x), 0);
	ck_assert_uint_eq(x.asid, 0);
	ck_assert(x.tlb.hit);
	ck_assert_uint_eq(x.tlb.pfn, VM_PTE2PFN(t_pte(m, p, BASE)));
	ck_assert_int_eq(vm_probe_translate(m, q, BASE, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_PRESENT);
	ck_assert(!x.tlb.hit);
	vm_machine_destroy(m);
}
END_TEST

/* A 2 MiB leaf, written into the tables by hand. */
START_TEST(test_probe_huge)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t va = BASE + 0x212345;
	struct vm_walk w;
	struct vm_xlate x;
	char *text;

	t_map(m, p, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 1), 0);
	ck_assert_int_eq(vm_pt_walk(m, p, va, 1, 0, &w), 0);
	vm_pt_set(m, &w, 1, VM_PFN2PTE(1024) | VM_PTE_P | VM_PTE_US |
				    VM_PTE_PS);
	ck_assert_int_eq(vm_probe_translate(m, p, va, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_PRESENT);
	ck_assert_int_eq(x.level, 1);
	ck_assert_uint_eq(x.step[1].index, 129);
	ck_assert_uint_eq(x.page_size, 2u << 20);
	ck_assert_uint_eq(x.pfn, 1024 + 0x12);
	ck_assert_uint_eq(x.pa, (1024ull << 12) + 0x12345);
	ck_assert(x.user && !x.write && x.exec);
	text = xlate_text(&x, p->pid);
	ck_assert_ptr_nonnull(strstr(text,
				     "\nphysical 0x412345 (pfn 1042, 2M page)\n"
				     "access: user yes, write no (RW=0), exec "
				     "yes\ntlb: miss\n"));
	free(text);
	vm_pt_set(m, &w, 1, 0);
	vm_machine_destroy(m);
}
END_TEST

/* A huge=2M and a huge=1G region faulted in: the walk stops at the PS
 * leaf of the PD or the PDPT, the frame is the page's head plus the
 * 4 KiB index, the TLB entry an access left is of the page's size. */
START_TEST(test_probe_huge_regions)
{
	struct vm_machine *m = t_machine((1u << 18) + 4096);
	struct vm_proc *p = t_spawn(m);
	const struct {
		uint64_t base, len;
		unsigned flags;
		int level;
		unsigned tlb_size;
		const char *text;
	} r[] = {
		{ 0x40000000, 4u << 20, VM_VMA_HUGE_2M, 1, VM_TLB_2M,
		  "2M page)\n" },
		{ 0x80000000, 1u << 30, VM_VMA_HUGE_1G, 2, VM_TLB_1G,
		  "1G page)\n" },
	};

	for (size_t i = 0; i < 2; i++) {
		struct vm_mmap_req q = { .addr = r[i].base, .len = r[i].len,
					 .prot = RW, .flags = VM_MAP_FIXED,
					 .vma_flags = r[i].flags };
		uint64_t at, va = r[i].base + r[i].len - 0x1ff8, head;
		struct vm_xlate x;
		char *text;

		ck_assert_int_eq(vm_mmap(m, p, &q, &at), 0);
		ck_assert_int_eq(vm_store(m, p, va, 8, 1), 0);
		ck_assert_int_eq(vm_probe_translate(m, p, va, &x), 0);
		ck_assert_int_eq(x.result, VM_XLATE_PRESENT);
		ck_assert_int_eq(x.level, r[i].level);
		ck_assert(x.step[r[i].level].entry & VM_PTE_PS);
		ck_assert_uint_eq(x.page_size, VM_LEVEL_SIZE(r[i].level));
		head = VM_PTE2PFN(x.step[r[i].level].entry);
		ck_assert_uint_eq(head % (VM_LEVEL_SIZE(r[i].level) >> 12), 0);
		ck_assert_uint_eq(x.pfn,
				  head + ((va & (VM_LEVEL_SIZE(r[i].level) -
						 1)) >> 12));
		ck_assert_uint_eq(x.pa, (x.pfn << 12) | (va & 0xfff));
		ck_assert(x.tlb.hit);
		ck_assert_uint_eq(x.tlb.size, r[i].tlb_size);
		ck_assert_uint_eq(x.tlb.pfn, head);
		text = xlate_text(&x, p->pid);
		ck_assert_ptr_nonnull(strstr(text, r[i].text));
		free(text);
	}
	vm_machine_destroy(m);
}
END_TEST

/* A probe moves no counter, clock, A bit or TLB stamp. */
START_TEST(test_probe_changes_nothing)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_stats stats;
	struct vm_tlb_entry *tlb;
	size_t tlb_bytes;
	uint64_t clock, stamp, leaf;
	struct vm_xlate x;

	t_map(m, p, BASE, 8192, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 1), 0);
	tlb_bytes = m->cpu.tlb.entries * sizeof(*tlb);
	tlb = malloc(tlb_bytes);
	ck_assert_ptr_nonnull(tlb);
	memcpy(tlb, m->cpu.tlb.e, tlb_bytes);
	stats = m->stats;
	clock = m->clock;
	stamp = m->cpu.tlb.stamp;
	leaf = t_pte(m, p, BASE);
	for (uint64_t va = BASE; va < BASE + 0x3000; va += 0x800)
		ck_assert_int_eq(vm_probe_translate(m, p, va, &x), 0);
	ck_assert_int_eq(vm_probe_translate(m, p, VM_KERNEL_BASE, &x), 0);
	ck_assert_int_eq(memcmp(&stats, &m->stats, sizeof(stats)), 0);
	ck_assert_uint_eq(clock, m->clock);
	ck_assert_uint_eq(stamp, m->cpu.tlb.stamp);
	ck_assert_uint_eq(leaf, t_pte(m, p, BASE));
	ck_assert_int_eq(memcmp(tlb, m->cpu.tlb.e, tlb_bytes), 0);
	free(tlb);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_probe_zombie)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_xlate x;

	vm_proc_kill(m, p, 11);
	ck_assert_int_eq(vm_probe_translate(m, p, BASE, &x), -ESRCH);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_probe(void)
{
	Suite *s = suite_create("probe");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");
	TCase *limits = tcase_create("limits");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_probe_present);
	tcase_add_test(core, test_probe_swapped);
	tcase_add_test(core, test_probe_not_present);
	tcase_add_test(core, test_probe_no_region);
	tcase_add_test(core, test_probe_tlb_hit_global);
	tcase_add_test(core, test_probe_tlb_no_asid);
	tcase_add_test(core, test_probe_huge);
	tcase_add_test(core, test_probe_changes_nothing);
	tcase_add_test(errors, test_probe_non_canonical);
	tcase_add_test(errors, test_probe_zombie);
	tcase_add_unchecked_fixture(limits, t_state_setup, t_state_teardown);
	tcase_add_test(limits, test_probe_huge_regions);
	tcase_set_timeout(limits, 60); /* a 1 GiB page is zeroed */
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, limits);
	return s;
}
