/*
 * demo.c - vmlab-demo: a short tour of the simulated MMU, printed.
 *
 * It spawns two processes, maps memory, and shows a translation walked
 * level by level, a demand-zero fault, TLB hits and misses with and
 * without ASIDs, the A and D bits, the faults the x86-64 checks raise,
 * and a walk that stops at the PS leaf of a 2 MiB page.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/probe.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"

static void
demo_log(void *ctx, int level, const char *line)
{
	printf("  log: %s\n", line);
}

static const char *const level_names[] = { "PT", "PD", "PDPT", "PML4",
					   "PML5" };

/* Prints the walk for va in p, as translate/VA will show it. */
static void
show_walk(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	struct vm_xlate x;
	char flags[96];

	vm_probe_translate(m, p, va, &x);
	printf("  walk of 0x%016" PRIx64 " in pid %d (CR3 = pfn %" PRIu64 ")\n",
	       va, p->pid, p->cr3);
	for (int l = x.top; x.canonical && l >= x.level; l--) {
		vm_pte_flags_str(x.step[l].entry, l, flags, sizeof(flags));
		printf("    %-4s [%3u] = 0x%016" PRIx64 "  %s\n",
		       level_names[l], x.step[l].index, x.step[l].entry,
		       flags[0] ? flags : "(empty)");
	}
	if (x.result == VM_XLATE_PRESENT)
		printf("    -> physical 0x%" PRIx64 " (%s page)\n", x.pa,
		       x.page_size == VM_LEVEL_SIZE(0)	 ? "4K"
		       : x.page_size == VM_LEVEL_SIZE(1) ? "2M"
							 : "1G");
	else
		printf("    -> not present: an access faults\n");
}

static void
show_stats(struct vm_machine *m, const char *what)
{
	const struct vm_stats *s = &m->stats;

	printf("  [%s] accesses %" PRIu64 ", tlb hit %" PRIu64 " miss %" PRIu64
	       ", walk refs %" PRIu64 ", faults %" PRIu64 ", clock %" PRIu64
	       " ns\n",
	       what, s->v[VM_STAT_accesses], s->v[VM_STAT_tlb_hit],
	       s->v[VM_STAT_tlb_miss], s->v[VM_STAT_walk_refs],
	       s->v[VM_STAT_pgfault], m->clock);
}

/* A 2 MiB page: one write maps it whole, the walk stops at the PD. */
static void
show_huge(struct vm_machine *m, struct vm_proc *p)
{
	struct vm_mmap_req r = { .addr = 0x40000000, .len = 2u << 20,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED,
				 .vma_flags = VM_VMA_HUGE_2M };
	uint64_t at;

	printf("\n4. A huge page: mmap 0x40000000 2M rw- huge=2M, one "
	       "store.\n");
	if (vm_mmap(m, p, &r, &at) ||
	    vm_store(m, p, 0x40123456, 8, 1)) {
		printf("  (no 2 MiB page could be had)\n");
		return;
	}
	show_walk(m, p, 0x40123456);
	show_stats(m, "one store, one fault for all 2 MiB");
}

static int
run(bool asid)
{
	struct vm_config c;
	struct vm_log log = { .fn = demo_log };
	struct vm_machine *m;
	struct vm_proc *a, *b;
	struct vm_mmap_req r = { .addr = 0x7fffdeadb000ull - (1ull << 32),
				 .len = 2 * 4096,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED };
	uint64_t va, v, at;

	vm_config_default(&c);
	c.frames = 1024; /* a free 2 MiB block for the huge page */
	c.asid = asid;
	if (vm_machine_create(&c, &log, &m))
		return 1;
	if (vm_proc_spawn(m, "alpha", &a) || vm_proc_spawn(m, "beta", &b) ||
	    vm_mmap(m, a, &r, &at) || vm_mmap(m, b, &r, &at))
		return 1;
	va = at + 0xeef;
	printf("\n== machine: %" PRIu64 " frames, %u-entry %u-way TLB, "
	       "ASIDs %s\n", c.frames, c.tlb_entries, c.tlb_ways,
	       asid ? "on" : "off");
	if (asid) {
		printf("\n1. Before any access: nothing below the root.\n");
		show_walk(m, a, va);
	}
	vm_store(m, a, va, 8, 0x1122334455667788ull);
	vm_load(m, b, va, 8, &v);
	show_stats(m, "pid 1 stores, pid 2 loads: two demand-zero faults");
	if (asid) {
		printf("\n2. After the store: tables built, A and D set.\n");
		show_walk(m, a, va);
	}
	for (int i = 0; i < 4; i++) {
		vm_load(m, a, va, 8, &v);
		vm_load(m, b, va, 8, &v);
	}
	show_stats(m, "4 rounds of pid 1 load, pid 2 load");
	printf("  pid 1 reads 0x%" PRIx64 " at 0x%" PRIx64
	       ", pid 2 reads 0x%" PRIx64 " (separate frames)\n",
	       (vm_load(m, a, va, 8, &v), v), va, (vm_load(m, b, va, 8, &v), v));
	if (asid) {
		printf("\n3. The x86-64 checks.\n");
		vm_touch(m, b, VM_KERNEL_BASE, 1, VM_ACC_R);
		show_walk(m, a, VM_KERNEL_BASE);
		vm_mem_write(m, a, 0x1000, "x", 1);
		printf("  pid 2 is now %s\n",
		       b->state == VM_PROC_ZOMBIE ? "a zombie (SIGSEGV)" : "alive");
		show_huge(m, a);
	}
	vm_machine_destroy(m);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vmlab-demo\n"
		       "Prints a tour of the simulated MMU: a page walk, demand "
		       "faults, TLB hits\nand misses with and without ASIDs, "
		       "A/D bits and protection faults.\n");
		return 0;
	}
	printf("vmlab-demo: two processes, one page each at the same "
	       "virtual address.\n");
	if (run(true) || run(false)) {
		fprintf(stderr, "vmlab-demo: the machine could not be built\n");
		return 1;
	}
	printf("\nWith ASIDs the TLB keeps both processes' entries; without, "
	       "each switch\nflushes them and every load after a switch "
	       "misses.\n");
	return 0;
}
