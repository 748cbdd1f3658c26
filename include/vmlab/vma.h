/*
 * vma.h - a process's virtual memory areas.
 *
 * A sorted array of disjoint [start, end) regions, page aligned.  Lookups
 * are a binary search; insertions and removals move the tail (address
 * spaces here have tens of regions, not millions).  Neighbouring anonymous
 * regions with equal protections and flags are merged, as Linux does, so
 * that a trace mapping memory page by page on demand stays one region.
 *
 * This module only keeps the list: PTEs, frames and the TLB are the job of
 * mm.c, which calls it.  A file region holds one reference on its file
 * (vm_file_hold), taken when it is inserted or split off, dropped when it
 * is removed; file regions are never merged.
 */
#ifndef VMLAB_VMA_H
#define VMLAB_VMA_H

#include <stddef.h>
#include <stdint.h>

enum vm_prot {
	VM_PROT_NONE = 0,
	VM_PROT_READ = 1,
	VM_PROT_WRITE = 2,
	VM_PROT_EXEC = 4,
};

enum vm_vma_flags {
	VM_VMA_ANON = 1 << 0,
	VM_VMA_SHARED = 1 << 1,
	VM_VMA_FILE = 1 << 2,
	VM_VMA_STACK = 1 << 3,
	VM_VMA_HEAP = 1 << 4,
	VM_VMA_GROWSDOWN = 1 << 5,
	VM_VMA_HUGE_2M = 1 << 6,
	VM_VMA_HUGE_1G = 1 << 7,
};

struct vm_file;

struct vm_vma {
	uint64_t start, end;	/* [start, end), page aligned */
	uint64_t pgoff;		/* file offset of start, in pages */
	unsigned prot;		/* enum vm_prot */
	unsigned flags;		/* enum vm_vma_flags */
	struct vm_file *file;	/* VM_VMA_FILE */
};

struct vm_vmas {
	struct vm_vma *v;
	size_t n, cap;
};

void vm_vmas_init(struct vm_vmas *vs);
void vm_vmas_fini(struct vm_vmas *vs);

/* The region containing va, or NULL. */
struct vm_vma *vm_vma_find(const struct vm_vmas *vs, uint64_t va);

/* The first region that ends above va, or NULL. */
struct vm_vma *vm_vma_next(const struct vm_vmas *vs, uint64_t va);

/*
 * Adds a copy of a, which must not overlap any region; merges it with
 * compatible neighbours.  Returns 0, -EINVAL (empty, unaligned, or
 * overlapping) or -ENOMEM.
 */
int vm_vma_insert(struct vm_vmas *vs, const struct vm_vma *a);

/*
 * Removes [start, end) from the list, trimming or splitting the regions it
 * cuts.  Returns 0 or -ENOMEM (a split needed room; nothing changed).
 */
int vm_vma_remove(struct vm_vmas *vs, uint64_t start, uint64_t end);

/*
 * Sets prot on [start, end), splitting regions at the edges, merging
 * after.  Every page of the range must be mapped: -ENOMEM otherwise (as
 * mprotect(2) says), nothing changed.
 */
int vm_vma_protect(struct vm_vmas *vs, uint64_t start, uint64_t end,
		   unsigned prot);

/*
 * The highest address A with [A, A + len) free and inside [lo, hi), or
 * -ENOMEM.  This is mmap's top-down search.
 */
int64_t vm_vma_gap(const struct vm_vmas *vs, uint64_t len, uint64_t lo,
		   uint64_t hi);

/* Makes dst (uninitialised) a copy of src; file regions take one more
 * reference on their file.  0 or -ENOMEM (dst then empty). */
int vm_vmas_copy(struct vm_vmas *dst, const struct vm_vmas *src);

/* Bytes covered by all regions. */
uint64_t vm_vmas_size(const struct vm_vmas *vs);

#endif /* VMLAB_VMA_H */
