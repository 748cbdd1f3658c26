/*
 * pt.h - x86-64 page tables, stored in simulated frames.
 *
 * A table is one 4 KiB frame of 512 eight-byte entries.  A virtual address
 * is cut like this (4 levels, 48 bits; 5 levels add bits 56..48 on top):
 *
 *   63      48 47    39 38    30 29    21 20    12 11         0
 *  +----------+--------+--------+--------+--------+------------+
 *  | sign ext | PML4 3 | PDPT 2 |  PD 1  |  PT 0  |   offset   |
 *  +----------+--------+--------+--------+--------+------------+
 *
 * VM_PX(level, va) is the 9-bit index at a level; level 0 is the leaf
 * table.  An entry:
 *
 *   63  62..52  51..12  11..9  8  7  6  5  4   3   2  1  0
 *   NX  (0)     PFN     soft   G  PS D  A  PCD PWT US RW P
 *
 * Software bits: 9 = COW (write-protected because shared after fork),
 * 10 = SPECIAL (reserved), 11 = SOFT_DIRTY, as Linux uses it.  A non-present
 * entry that is not zero is a swap entry: type in bits 1..5, slot in bits
 * 12..51.  Slot 0 is never used, so a swap entry is never zero.
 *
 * The table frames carry their own count of non-zero entries (the frame
 * table's nent), kept by vm_pt_set(); a table whose count falls to zero
 * is freed by vm_pt_prune().  Only unmapping prunes: eviction turns a
 * present entry into a swap entry or zero but never frees tables, so a
 * walk in progress cannot lose its tables under it.
 */
#ifndef VMLAB_PT_H
#define VMLAB_PT_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t vm_pte_t;

#define VM_PAGE_SHIFT 12
#define VM_PAGE_SIZE (UINT64_C(1) << VM_PAGE_SHIFT)
#define VM_PAGE_MASK (~(VM_PAGE_SIZE - 1))
#define VM_PTES_PER_TABLE 512
#define VM_LEVELS_MAX 5

#define VM_PTE_P (UINT64_C(1) << 0)
#define VM_PTE_RW (UINT64_C(1) << 1)
#define VM_PTE_US (UINT64_C(1) << 2)
#define VM_PTE_PWT (UINT64_C(1) << 3)
#define VM_PTE_PCD (UINT64_C(1) << 4)
#define VM_PTE_A (UINT64_C(1) << 5)
#define VM_PTE_D (UINT64_C(1) << 6)
#define VM_PTE_PS (UINT64_C(1) << 7)
#define VM_PTE_G (UINT64_C(1) << 8)
#define VM_PTE_COW (UINT64_C(1) << 9)
#define VM_PTE_SPECIAL (UINT64_C(1) << 10)
#define VM_PTE_SOFT_DIRTY (UINT64_C(1) << 11)
#define VM_PTE_NX (UINT64_C(1) << 63)
#define VM_PTE_PFN_MASK UINT64_C(0x000ffffffffff000)

#define VM_PTE2PFN(pte) ((uint64_t)(((pte) & VM_PTE_PFN_MASK) >> VM_PAGE_SHIFT))
#define VM_PFN2PTE(pfn) (((uint64_t)(pfn) << VM_PAGE_SHIFT) & VM_PTE_PFN_MASK)
#define VM_PXSHIFT(level) (VM_PAGE_SHIFT + 9 * (level))
#define VM_PX(level, va) (((uint64_t)(va) >> VM_PXSHIFT(level)) & 0x1ff)
/* Bytes mapped by one entry at a level: 4 KiB, 2 MiB, 1 GiB, ... */
#define VM_LEVEL_SIZE(level) (UINT64_C(1) << VM_PXSHIFT(level))

/* Swap entries in non-present PTEs. */
#define VM_SWP_TYPE_SHIFT 1
#define VM_SWP_TYPE_MASK UINT64_C(0x1f)
#define VM_SWP_ENTRY(type, slot)                                              \
	((((uint64_t)(type) & VM_SWP_TYPE_MASK) << VM_SWP_TYPE_SHIFT) |      \
	 VM_PFN2PTE(slot))
#define VM_PTE_IS_SWAP(pte) (!((pte) & VM_PTE_P) && (pte) != 0)
#define VM_SWP_TYPE(pte) (((pte) >> VM_SWP_TYPE_SHIFT) & VM_SWP_TYPE_MASK)
#define VM_SWP_SLOT(pte) VM_PTE2PFN(pte)

struct vm_machine;
struct vm_proc;

/*
 * The path of one walk: the entry used at each level, top down.  pte[l]
 * points into the table frame tbl[l] (a PFN) at index VM_PX(l, va).
 */
struct vm_walk {
	vm_pte_t *pte[VM_LEVELS_MAX];
	uint64_t tbl[VM_LEVELS_MAX];
	int top;	/* the root's level: levels - 1 */
	int level;	/* the last level reached */
	unsigned refs;	/* table entries read */
};

enum vm_walk_flags {
	VM_WALK_ALLOC = 1, /* allocate missing tables on the way down */
};

/*
 * The one walker.  Walks p's tables (from p->cr3) for va down to
 * target (0 = the 4 KiB leaf, 1 = a 2 MiB entry, 2 = 1 GiB).  Returns 0 with
 * w->level == target and w->pte[target] the entry, or w->level > target if
 * a huge leaf (PS) was met higher up.  Returns -ENOENT when an entry on the
 * way is not present and VM_WALK_ALLOC was not given (w->level is that
 * entry's level; w->pte[w->level] points at it), -ENOMEM when a table could
 * not be allocated (tables allocated on the way stay, empty, and are freed
 * when their range is unmapped).  New tables are charged to p (pt_pages).  Counts one reference per
 * entry read in w->refs; touches no A bit and no counter.
 */
int vm_pt_walk(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	       int target, int flags, struct vm_walk *w);

/*
 * Stores val in the entry at level of a walk, keeping the table's count of
 * non-zero entries.  Does not touch the TLB.
 */
void vm_pt_set(struct vm_machine *m, struct vm_walk *w, int level,
	       vm_pte_t val);

/*
 * Frees the tables of a walk of p that have become empty, bottom up,
 * clearing their parents' entries.  The root and the shared kernel tables
 * are never freed.  Returns the number of tables freed.
 */
int vm_pt_prune(struct vm_machine *m, struct vm_proc *p, struct vm_walk *w);

/*
 * Stores val in *pte, an entry of table frame tbl, keeping the table's
 * count of non-zero entries.  The primitive under vm_pt_set().
 */
void vm_pt_store(struct vm_machine *m, uint64_t tbl, vm_pte_t *pte,
		 vm_pte_t val);

typedef int vm_pt_visit_fn(void *ctx, vm_pte_t *pte, uint64_t tbl, int level,
			   uint64_t va);

enum vm_range_flags {
	VM_RANGE_PRUNE = 1, /* free tables the visits left empty */
};

/*
 * The walker's range form: visits, in address order, every non-zero leaf
 * entry of p that maps part of [start, end) (user half only): present 4 KiB
 * entries and swap entries at level 0, huge (PS) entries at levels 1 and
 * 2.  Missing tables are skipped whole, so a sparse range costs what it
 * holds, not its size.  fn may change or clear the entry it is given (with
 * vm_pt_store); with VM_RANGE_PRUNE, tables left empty are freed on the
 * way back up.  Stops at the first non-zero return of fn and returns it.
 */
int vm_pt_range(struct vm_machine *m, struct vm_proc *p, uint64_t start,
		uint64_t end, int flags, vm_pt_visit_fn *fn, void *ctx);

/* A pointer to the table frame's 512 entries. */
vm_pte_t *vm_pt_table(struct vm_machine *m, uint64_t pfn);

/* True when va is canonical for the machine's number of levels. */
bool vm_pt_canonical(const struct vm_machine *m, uint64_t va);

/* True when bits 63..bits-1 of va are all equal (bits: 48 or 57). */
static inline bool
vm_va_canonical(uint64_t va, unsigned bits)
{
	int64_t sva = (int64_t)(va << (64 - bits)) >> (64 - bits);

	return (uint64_t)sva == va;
}

/* Writes the names of the set flags of pte ("P RW US A D ...") into buf. */
int vm_pte_flags_str(vm_pte_t pte, int level, char *buf, unsigned len);

#endif /* VMLAB_PT_H */
