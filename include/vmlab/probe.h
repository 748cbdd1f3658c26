/*
 * probe.h - a debugger's look at one translation.
 *
 * vm_probe_translate() tells what the MMU would do if p touched va now:
 * the entry it would read at each level, the outcome (a physical address
 * and the rights the levels allow together, a swapped page, a fault and
 * why) and whether the TLB holds the translation.  It is an observation:
 * no A or D bit is set, the TLB is neither filled nor its LRU stamps
 * moved, no counter counts and the clock does not tick.  The front ends
 * show it as text (translate/VA, vmlab-demo).
 *
 * Outcomes, as the MMU and the fault handler would decide them:
 *
 *   not canonical           -> a general-protection fault; nothing walked
 *   leaf present            -> PRESENT: pa, the 4 KiB frame, page size,
 *                              user/write/exec as RW, US (every level) and
 *                              NX (any level) allow
 *   leaf holds a swap entry -> SWAPPED: the slot; an access is a major fault
 *   an entry is empty       -> NOTPRESENT at its level: demand zero when a
 *                              region covers va, else SIGSEGV
 */
#ifndef VMLAB_PROBE_H
#define VMLAB_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmlab/pt.h"

struct vm_machine;
struct vm_proc;

enum vm_xlate_result {
	VM_XLATE_NONCANON = 0,	/* a #GP: no walk, no TLB lookup */
	VM_XLATE_PRESENT,
	VM_XLATE_SWAPPED,
	VM_XLATE_NOTPRESENT,
};

/* Where a not-present page in a region would come from on access. */
enum vm_xlate_fill {
	VM_XLATE_ZERO = 0,	/* anonymous: demand zero */
	VM_XLATE_CACHED,	/* a file page in the page cache: minor fault */
	VM_XLATE_READ,		/* a file page read from its file: major */
	VM_XLATE_EOF,		/* a file page wholly past the end: SIGBUS */
};

/* One entry the walk reads. */
struct vm_xlate_step {
	unsigned index;		/* VM_PX(level, va) */
	vm_pte_t entry;		/* its value */
	uint64_t table;		/* PFN of the table that holds it */
};

/* The TLB entry a lookup for va would hit, if any. */
struct vm_xlate_tlb {
	bool hit;
	unsigned set, way;
	uint64_t pfn;		/* first 4 KiB frame of the entry's page */
	unsigned size;		/* enum vm_tlb_size */
	unsigned flags;		/* enum vm_tlb_flags */
};

/*
 * What vm_probe_translate() found.  step[] is indexed by level and filled
 * from top down to level; the fields after result are those of its
 * outcome (the others are 0); tlb is empty for NONCANON.
 */
struct vm_xlate {
	uint64_t va;
	unsigned asid;		/* a lookup's tag: p's, 0 without ASIDs */
	bool canonical;
	int top;		/* the root's level: levels - 1 */
	int level;		/* the last level the walk reached */
	struct vm_xlate_step step[VM_LEVELS_MAX];
	int result;		/* enum vm_xlate_result */
	/* PRESENT */
	uint64_t pa;
	uint64_t pfn;		/* the 4 KiB frame holding va */
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB */
	bool user;		/* a user-mode access is allowed (US) */
	bool write;		/* a write is allowed (RW) */
	bool exec;		/* a fetch is allowed (no NX) */
	/* SWAPPED */
	uint64_t slot;
	/* NOTPRESENT: at step[level]; is va in one of p's regions, and
	 * where would its page come from? */
	bool region;
	int fill;		/* enum vm_xlate_fill */
	struct vm_xlate_tlb tlb;
};

/*
 * Fills *out with the translation of va in p's address space, changing
 * nothing.  The TLB counts as holding it only when a lookup for p would
 * find it: with ASIDs off only global entries when p is not the running
 * process (its own were flushed when it was switched out).
 * Costs one walk and one TLB probe of every page size.  Returns 0, or
 * -ESRCH for a zombie (it has no tables).
 */
int vm_probe_translate(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		       struct vm_xlate *out);

#endif /* VMLAB_PROBE_H */
