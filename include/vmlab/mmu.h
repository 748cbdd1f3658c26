/*
 * mmu.h - address translation, as an x86-64 MMU does it, and the accesses
 * built on it.
 *
 * vm_mmu_translate() is the hardware: TLB, then the walk, the checks of P,
 * RW, US and NX (RW and US must allow the access at every level, NX at any
 * level forbids fetches; supervisor writes honour RW as with CR0.WP=1), the
 * A bit set in every entry used and D in the leaf on a write.  It never
 * fixes anything: a failed translation returns the fault.
 *
 * vm_access() is the CPU taking the fault: translate, hand a fault to
 * vm_fault(), retry.  vm_mem_read()/vm_mem_write() move byte ranges as a
 * process's user-mode loads and stores, page by page.
 */
#ifndef VMLAB_MMU_H
#define VMLAB_MMU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm_machine;
struct vm_proc;
struct vm_walk;

enum vm_access {
	VM_ACC_R = 1,
	VM_ACC_W = 2,
	VM_ACC_X = 4,
};

enum vm_mode {
	VM_MODE_USER = 0,
	VM_MODE_SUPER = 1,
};

enum vm_fault_kind {
	VM_FAULT_NONE = 0,
	VM_FAULT_NOTPRESENT,	/* an entry on the walk had P clear */
	VM_FAULT_PROT,		/* RW, US or NX forbade the access */
	VM_FAULT_NONCANON,	/* a general-protection fault */
};

/* What a failed translation saw: x86's error code and the walk's stop. */
struct vm_fault_info {
	uint64_t va;
	int access;	/* enum vm_access */
	int mode;	/* enum vm_mode */
	int kind;	/* enum vm_fault_kind */
	int level;	/* level of the entry that failed, -1 for NONCANON */
	uint64_t pte;	/* that entry */
};

/* Flags of vm_access(). */
enum vm_access_flags {
	VM_AF_OWN = 1,	 /* the process's own access: a violation kills it */
	VM_AF_NOCOUNT = 2, /* not counted in accesses (second page of one) */
};

/*
 * The rights a walk grants, as TLB flags: VM_TLB_RW and VM_TLB_US when
 * every entry from the root down to w->level has RW and US, VM_TLB_NX
 * when any has NX.  Reads the entries only.
 */
unsigned vm_mmu_walk_rights(const struct vm_walk *w);

/*
 * Translates va for p (switching the CPU to p) and checks the access.
 * Returns 0 with *pa the physical address, or -EFAULT with *fi filled.
 * Counts accesses, tlb_hit/tlb_miss and walk_refs and charges the clock.
 */
int vm_mmu_translate(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		     int access, int mode, uint64_t *pa,
		     struct vm_fault_info *fi);

/*
 * Translates, handling faults: 0 with *pa set; -EFAULT when the access is
 * refused (counted as prot_fault, logged; with VM_AF_OWN p is killed with
 * SIGSEGV); -ENOMEM when memory and swap are exhausted; for a
 * zombie: -ESRCH.  fi may be NULL.
 */
int vm_access(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	      int access, int mode, unsigned flags, uint64_t *pa,
	      struct vm_fault_info *fi);

/*
 * Touches len bytes at va (len >= 1) with one access of kind access per
 * page the range covers, as p's own user-mode accesses (VM_AF_OWN).
 * Returns 0 or vm_access()'s error.
 */
int vm_touch(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	     uint64_t len, int access);

/*
 * The same in supervisor mode, as the kernel touching p's address space:
 * the kernel half is reachable, user pages too (no SMAP); a refused
 * access fails with -EFAULT, is counted and logged, and kills nobody.
 */
int vm_touch_kernel(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		    uint64_t len, int access);

/*
 * One access of size bytes at va by p (VM_AF_OWN), as a trace record is:
 * every page it covers is translated, but it counts as one access.
 */
int vm_access_bytes(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		    uint64_t size, int access);

/*
 * Reads len bytes at va into buf as p's user-mode loads, page by page.
 * Returns the bytes read; when the first page fails nothing is read and
 * the error is returned (-EFAULT, -ENOMEM); a later failure ends the
 * transfer short.  A violation kills nobody (it is a debugger's read that
 * obeys the rules), but it is counted and logged.
 */
ssize_t vm_mem_read(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		    void *buf, size_t len);

/*
 * An observer's look at len bytes of p's memory at va: copies what is
 * there without an access, a fault or a count (a resident page from its
 * frame, a swapped one from its slot, an untouched one as zeros).  Stops
 * at a page no region maps.  Returns the bytes copied (0 for a zombie).
 */
size_t vm_mem_peek(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		   void *buf, size_t len);

/* A piece of a pinned read: len bytes at ptr, in frame pfn. */
struct vm_mem_span {
	void *ptr;
	size_t len;
	uint64_t pfn;
};

/* Pages that [va, va + len) touches (len >= 1). */
static inline uint64_t
vm_mem_pages(uint64_t va, uint64_t len)
{
	return ((va + (len - 1)) >> 12) - (va >> 12) + 1;
}

/*
 * vm_mem_read without the copy: translates [va, va + len) as p's
 * user-mode loads and pins each page's frame, filling spans (room for
 * vm_mem_pages(va, len) of them) with where the bytes are, for a reply
 * written straight from simulated memory.  Returns the bytes covered
 * (*nspans spans, all pinned: give them back with vm_mem_unpin), the
 * error of the first page as vm_mem_read does, or -E2BIG with nothing
 * pinned when the range needs more frames than may be pinned at once (or
 * the pins left too little room to fault the rest in): the caller then
 * copies with vm_mem_read.
 */
ssize_t vm_mem_pin_read(struct vm_machine *m, struct vm_proc *p, uint64_t va,
			size_t len, struct vm_mem_span *spans,
			size_t *nspans);

/* Gives back the pins of n spans. */
void vm_mem_unpin(struct vm_machine *m, const struct vm_mem_span *spans,
		  size_t n);

/*
 * The same for stores: a write to a read-only page fails.  When memory
 * and swap run out during the write and the OOM killer takes p itself,
 * the write fails with -ENOMEM even if some bytes were stored: the
 * process they were for is gone.
 */
ssize_t vm_mem_write(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		     const void *buf, size_t len);

/*
 * One simulated load of size bytes (1, 2, 4 or 8) at va, little endian,
 * crossing into the next page if it must.  0 or vm_access()'s error.
 */
int vm_load(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	    unsigned size, uint64_t *val);

/* One simulated store of size bytes. */
int vm_store(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	     unsigned size, uint64_t val);

#endif /* VMLAB_MMU_H */
