/*
 * phys.h - physical memory: the frames and the frame table.
 *
 * All simulated RAM is one host mapping of nframes * 4 KiB; frame pfn lives
 * at mem + pfn * 4096, so physical address = offset into that mapping.
 * Each frame has a struct vm_frame saying what it holds (use), who holds
 * it (refcount, the reverse map of the PTEs that map it, the process it is
 * charged to) and its place in the replacement policy's lists.
 *
 * Reverse map: every user PTE that maps a data frame has one rmap entry
 * (process, virtual address) on that frame's chain; the chain's length is
 * the frame's mapcount.  Reclaim follows it to unmap a frame from every
 * process, COW and kpagecount read it.  Page-table frames have no rmap:
 * their parent entry is found by walking, and nent counts their non-zero
 * entries so that empty tables can be freed.
 *
 * Free frames are kept on a LIFO stack through their next links.
 */
#ifndef VMLAB_PHYS_H
#define VMLAB_PHYS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmlab/pt.h"
#include "vmlab/proc.h"

#define VM_PFN_NONE UINT32_MAX

enum vm_frame_use {
	VM_FRAME_FREE = 0,
	VM_FRAME_ANON,	 /* anonymous user data */
	VM_FRAME_FILE,	 /* page-cache page of a file */
	VM_FRAME_PT,	 /* a page table */
	VM_FRAME_KERNEL, /* the kernel's own pages and shared tables */
};

/* Or'ed into the use given to an allocation: the caller fills the whole
 * frame at once, so it need not be zeroed first. */
#define VM_FRAME_NOZERO 0x80

enum vm_frame_flags {
	VM_FF_LRU = 1 << 0,	  /* on the replacement policy's lists */
	VM_FF_ACTIVE = 1 << 1,	  /* on the active list (two-list LRU) */
	VM_FF_DIRTY = 1 << 3,	  /* written since last clean (kept here for
				     pages with no PTE: page cache) */
	VM_FF_REFERENCED = 1 << 5, /* software referenced bit */
};

struct vm_proc;
struct vm_pobj;

/* One mapping of a frame: 16 bytes, so that a fork, which makes one for
 * every page it shares, moves as little memory as it can. */
struct vm_rmap {
	uint64_t va;
	uint32_t who;  /* the mapper's number: vm_phys.mapper[who] */
	uint32_t next; /* index of the next entry, 0 = end */
};

/*
 * One frame.  A data frame that is the page of a pager object (a swap slot's
 * copy in the swap cache, or a file's page in the page cache) names it in
 * (obj, index) and sits on the pager's index through hnext; see pager.h.
 * pin counts the holders that need the frame to stay where it is (a reply
 * being written from it, the first page of a crossing access, a page being
 * copied): reclaim passes over a pinned frame.
 */
struct vm_frame {
	uint8_t use;	   /* enum vm_frame_use */
	uint8_t flags;	   /* enum vm_frame_flags */
	uint16_t nent;	   /* PT frames: non-zero entries */
	uint32_t mapcount; /* data frames: PTEs that map it (rmap length) */
	uint32_t rmap;	   /* first rmap entry, 0 = none */
	uint32_t prev;	   /* policy list links, or free stack link */
	uint32_t next;
	uint32_t hnext;	   /* pager index chain, VM_PFN_NONE = end */
	uint32_t pin;	   /* pin count: not reclaimable while > 0 */
	uint32_t pad;
	uint64_t pdata;	   /* policy's own per-frame word */
	struct vm_pobj *obj; /* pager object whose page this is, or NULL */
	uint64_t index;	   /* page index in obj (the slot, for swap) */
	struct vm_proc *owner; /* process the frame is charged to */
};

struct vm_phys {
	uint8_t *mem;
	size_t size;	 /* bytes of the mapping */
	uint64_t nframes;
	uint64_t nfree;
	uint64_t count[VM_FRAME_KERNEL + 1]; /* frames per use */
	uint32_t free_top; /* top of the free stack, VM_PFN_NONE = empty */
	struct vm_frame *frames;
	struct vm_rmap *rmap; /* pool; entry 0 unused */
	uint32_t rmap_cap;
	uint32_t rmap_free; /* free chain in the pool, 0 = none */
	struct vm_proc **mapper; /* by number; [0] unused, NULL = free */
	uint32_t mapper_cap;
};

/*
 * Maps nframes frames of zeroed memory and builds the frame table, every
 * frame free.  Returns 0, -EINVAL for 0 frames or more than 2^32 - 2, or
 * -ENOMEM.
 */
int vm_phys_init(struct vm_phys *ph, uint64_t nframes);

/* Unmaps everything.  ph may have been only zeroed. */
void vm_phys_fini(struct vm_phys *ph);

/*
 * Takes a free frame for use, zeroed (unless use has VM_FRAME_NOZERO),
 * refcounts and links cleared.  Returns
 * the PFN or -ENOMEM when no frame is free.  Does not reclaim: that is the
 * machine's vm_frame_alloc().
 */
int64_t vm_phys_alloc(struct vm_phys *ph, int use);

/* Returns a frame with no mappings to the free stack. */
void vm_phys_free(struct vm_phys *ph, uint64_t pfn);

static inline void *
vm_phys_ptr(const struct vm_phys *ph, uint64_t pfn)
{
	return ph->mem + (pfn << VM_PAGE_SHIFT);
}

static inline struct vm_frame *
vm_phys_frame(const struct vm_phys *ph, uint64_t pfn)
{
	return &ph->frames[pfn];
}

/*
 * Gives p a mapper number for the reverse map (stored in p by the
 * caller); 0 or -ENOMEM.  vm_phys_mapper_del frees the number of a
 * process that maps nothing any more.
 */
int vm_phys_mapper_add(struct vm_phys *ph, struct vm_proc *p,
		       uint32_t *who);
void vm_phys_mapper_del(struct vm_phys *ph, uint32_t who);

/* The process of rmap entry r. */
static inline struct vm_proc *
vm_rmap_proc(const struct vm_phys *ph, const struct vm_rmap *r)
{
	return ph->mapper[r->who];
}

/*
 * Doubles the rmap pool (the first call makes 1024 entries) and chains the
 * new entries onto its free list.  0, or -ENOMEM with the pool unchanged.
 * Only vm_rmap_add calls it, when the free list is empty.
 */
int vm_rmap_grow(struct vm_phys *ph);

/*
 * Adds (proc, va) to the frame's reverse map.  0 or -ENOMEM.  Inline: it
 * runs once for every page a fork shares, and the call cost a fifth of
 * the fork's instructions.
 */
static inline int
vm_rmap_add(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p, uint64_t va)
{
	struct vm_frame *f = &ph->frames[pfn];
	uint32_t i;

	if (!ph->rmap_free && vm_rmap_grow(ph))
		return -ENOMEM;
	i = ph->rmap_free;
	ph->rmap_free = ph->rmap[i].next;
	ph->rmap[i].va = va;
	ph->rmap[i].who = vm_proc_mapper(p);
	ph->rmap[i].next = f->rmap;
	f->rmap = i;
	f->mapcount++;
	return 0;
}

/* Removes (proc, va) from the frame's reverse map.  0 or -ENOENT. */
int vm_rmap_del(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p,
		uint64_t va);

/*
 * Calls fn for each (proc, va) mapping the frame, in order.  fn may remove
 * the entry it is given but no other.  Stops at the first non-zero return
 * and returns it.
 */
int vm_rmap_each(struct vm_phys *ph, uint64_t pfn,
		 int (*fn)(void *ctx, struct vm_proc *p, uint64_t va),
		 void *ctx);

#endif /* VMLAB_PHYS_H */
