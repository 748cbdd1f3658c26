/*
 * tlb.h - a set-associative TLB with ASID tags and three page sizes.
 *
 * entries = sets * ways, sets a power of two (ways == entries is fully
 * associative).  A 4 KiB translation lives in set (va >> 12) % sets, a
 * 2 MiB one in set (va >> 21) % sets, a 1 GiB one in set (va >> 30) % sets;
 * a lookup probes the 4 KiB set first and the huge sets only while huge
 * entries exist.  Within a set the least recently used way is replaced
 * (a stamp per entry, bumped on every hit and fill).
 *
 * Tags: an entry matches when its tag (va >> page shift), its size and
 * either its ASID or its G bit match.  With ASIDs off the machine passes
 * ASID 0 for everyone and flushes the non-global entries at each switch.
 *
 * An entry caches the combined permissions of the walk (RW and US of every
 * level, NX of any) and the leaf's D bit, as hardware does: a write through
 * an entry cached clean goes back to the page table to set D.
 *
 * The TLB is a cache, not a model of timing: counting hits and misses is
 * the MMU's job.
 */
#ifndef VMLAB_TLB_H
#define VMLAB_TLB_H

#include <stdbool.h>
#include <stdint.h>

enum vm_tlb_flags {
	VM_TLB_V = 1 << 0,
	VM_TLB_RW = 1 << 1,
	VM_TLB_US = 1 << 2,
	VM_TLB_D = 1 << 3,
	VM_TLB_G = 1 << 4,
	VM_TLB_NX = 1 << 5,
};

enum vm_tlb_size {
	VM_TLB_4K = 0,
	VM_TLB_2M = 1,
	VM_TLB_1G = 2,
};

struct vm_tlb_entry {
	uint64_t key;	/* vm_tlb_key(): tag, size and valid in one word */
	uint64_t tag;	/* va >> (12 + 9 * size) */
	uint64_t pfn;	/* first 4 KiB frame of the page */
	uint64_t stamp; /* last use, for LRU within the set */
	uint16_t asid;
	uint8_t size;	/* enum vm_tlb_size */
	uint8_t flags;	/* enum vm_tlb_flags */
	uint32_t pad;
};

struct vm_tlb {
	unsigned entries, ways, sets;
	unsigned nhuge;	/* valid 2M/1G entries */
	uint64_t stamp;
	struct vm_tlb_entry *e; /* set s, way w at e[s * ways + w] */
};

#define VM_TLB_ENTRIES_MAX 65536
#define VM_TLB_ASID_MAX 4095

/*
 * Sets up an empty TLB of entries entries in ways ways.  Returns -EINVAL
 * unless 1 <= ways <= entries <= VM_TLB_ENTRIES_MAX and entries / ways is
 * a power of two; -ENOMEM.
 */
int vm_tlb_init(struct vm_tlb *t, unsigned entries, unsigned ways);
void vm_tlb_fini(struct vm_tlb *t);

static inline unsigned
vm_tlb_shift(unsigned size)
{
	return 12 + 9 * size;
}

/* One word a probe compares: the tag, the size and a valid bit (an
 * invalid entry's key is 0, which no valid key equals). */
static inline uint64_t
vm_tlb_key(uint64_t tag, unsigned size)
{
	return tag << 3 | (uint64_t)size << 1 | 1;
}

static inline __attribute__((always_inline)) struct vm_tlb_entry *
vm_tlb_probe(struct vm_tlb *t, unsigned asid, uint64_t va, unsigned size)
{
	uint64_t tag = va >> vm_tlb_shift(size);
	uint64_t key = vm_tlb_key(tag, size);
	struct vm_tlb_entry *e = &t->e[(tag & (t->sets - 1)) * t->ways];

	for (unsigned w = 0; w < t->ways; w++, e++) {
		if (e->key == key &&
		    (e->asid == asid || (e->flags & VM_TLB_G))) {
			e->stamp = ++t->stamp;
			return e;
		}
	}
	return NULL;
}

/*
 * The entry translating va for asid, marked most recently used, or NULL.
 * O(ways), three probes at most.
 */
static inline __attribute__((always_inline)) struct vm_tlb_entry *
vm_tlb_lookup(struct vm_tlb *t, unsigned asid, uint64_t va)
{
	struct vm_tlb_entry *e = vm_tlb_probe(t, asid, va, VM_TLB_4K);

	if (e || !t->nhuge)
		return e;
	e = vm_tlb_probe(t, asid, va, VM_TLB_2M);
	return e ? e : vm_tlb_probe(t, asid, va, VM_TLB_1G);
}

/* The entry translating va for asid, or NULL, without touching LRU
 * state: an observer's look. */
struct vm_tlb_entry *vm_tlb_peek(const struct vm_tlb *t, unsigned asid,
				 uint64_t va);

/*
 * Installs a translation, replacing an entry for the same page and ASID,
 * else an invalid way, else the set's LRU way.  Returns the entry.
 */
struct vm_tlb_entry *vm_tlb_insert(struct vm_tlb *t, unsigned asid,
				   uint64_t va, unsigned size, uint64_t pfn,
				   unsigned flags);

/* Invalidates every entry (any size) translating va for asid, and global
 * ones for va.  Returns the number invalidated. */
unsigned vm_tlb_flush_page(struct vm_tlb *t, unsigned asid, uint64_t va);

/* Invalidates the non-global entries of asid. */
unsigned vm_tlb_flush_asid(struct vm_tlb *t, unsigned asid);

/* Invalidates every non-global entry (a CR3 write without PCID). */
unsigned vm_tlb_flush_nonglobal(struct vm_tlb *t);

/* Invalidates everything, global entries too. */
unsigned vm_tlb_flush_all(struct vm_tlb *t);

/* Number of valid entries. */
unsigned vm_tlb_used(const struct vm_tlb *t);

/*
 * The machine's TLB kept true: every change of a translation, of the
 * running process and of the TLB's shape goes through these, and they
 * count what they invalidate (tlb_flush, tlb_shootdown).
 */
struct vm_machine;
struct vm_proc;

/*
 * Makes p the running process of the CPU: loads its CR3 and, with ASIDs
 * off, flushes the TLB's non-global entries.  Cheap when p already runs.
 */
void vm_cpu_switch(struct vm_machine *m, struct vm_proc *p);

/*
 * Invalidates va in p's address space on the CPU (an invlpg, or the
 * shootdown of an unmap).  Counts tlb_flush and tlb_shootdown.
 */
void vm_tlb_shootdown(struct vm_machine *m, struct vm_proc *p, uint64_t va);

/*
 * Invalidates every non-global entry of p's address space (with ASIDs
 * off: of the running process, when that is p).  Counts one shootdown
 * and the entries flushed.
 */
void vm_tlb_flush_proc(struct vm_machine *m, struct vm_proc *p);

/* Gives p an ASID (0 with ASIDs off): 0, or -EAGAIN when none is free. */
int vm_tlb_asid_get(struct vm_machine *m, struct vm_proc *p);

/* p's address space is gone: its entries are flushed, its ASID freed and
 * the CPU runs no one if it ran p. */
void vm_tlb_proc_gone(struct vm_machine *m, struct vm_proc *p);

/*
 * Rebuilds the TLB with a new geometry (all entries dropped, counted as
 * tlb_flush).  Returns 0 or -EINVAL (the old TLB stays), -ENOMEM.
 */
int vm_tlb_resize(struct vm_machine *m, unsigned entries, unsigned ways);

/*
 * Turns ASID tagging on or off.  Non-global entries are flushed; turning
 * it on gives every live process an ASID.  0 or -EAGAIN (out of ASIDs:
 * nothing changed).
 */
int vm_tlb_set_asid(struct vm_machine *m, bool on);

#endif /* VMLAB_TLB_H */
