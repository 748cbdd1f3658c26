/*
 * phys.h - physical memory: the frames and the frame table.
 *
 * All simulated RAM is one host mapping of nframes * 4 KiB; frame pfn lives
 * at mem + pfn * 4096, so physical address = offset into that mapping.
 * Each frame has a struct vm_frame saying what it holds (use), who holds
 * it (refcount, the reverse map of the PTEs that map it, the process it is
 * charged to) and its place in the replacement policy's lists.
 *
 * Reverse map, by families as Linux's anon_vma: a process and the
 * processes forked from it (while it lived) form a family, and a frame's
 * rmap chain holds one entry (family, va) for each address some member
 * of a family maps it at.  A fork joins the child to its parent's family
 * and adds no entry: the parent's entries already name every page the
 * child now maps, so a fork costs a PTE and a mapcount a page, no more.
 * vm_rmap_each visits the members of each entry's family whose PTE at
 * va maps the frame, each (process, va) once.  mapcount, the number of
 * PTEs that map a data frame, is kept in an array of its own beside the
 * frame table, 4 bytes a frame, for the same reason.  Reclaim follows the
 * rmap to unmap a frame from every process; COW and kpagecount read
 * mapcount.  Page-table frames have no rmap: their parent entry is found
 * by walking, and nent counts their non-zero entries so that empty
 * tables can be freed.
 *
 * Free frames are kept by a buddy allocator, as Linux's: a free block of
 * order k is 2^k frames starting at a PFN that is a multiple of 2^k, kept
 * on the list of its order (k from 0 to VM_BUDDY_ORDERS - 1, 4 KiB to
 * 1 GiB) through its first frame's prev and next links; the first frame
 * says VM_FF_BUDDY with the order in nent, the others are plain free
 * frames.  Taking a block splits the smallest one that fits, halving it
 * and listing the upper halves; a freed block merges with its buddy
 * (the block it was split from) while that one is free and whole.  So
 * frames are handed out lowest PFN first from a fresh machine, and an
 * aligned run of 512 (2 MiB) or 262144 (1 GiB) frames can be found while
 * one is free.
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
#define VM_BUDDY_ORDERS 19 /* orders 0 (4 KiB) to 18 (1 GiB) */

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
	VM_FF_TAIL = 1 << 2,	  /* a tail frame of a whole huge page */
	VM_FF_DIRTY = 1 << 3,	  /* written since last clean (kept here for
				     pages with no PTE: page cache) */
	VM_FF_REFERENCED = 1 << 5, /* software referenced bit */
	VM_FF_BUDDY = 1 << 6,	  /* free: the first frame of a listed block */
	VM_FF_COMPOUND = 1 << 7,  /* the head of a whole huge page; its order
				     in nent */
};

struct vm_proc;
struct vm_pobj;

/* The mappings of a frame by one family at one address. */
struct vm_rmap {
	uint64_t va;
	uint32_t who;  /* the family's number: vm_phys.family[who] */
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
	uint16_t nent;	   /* PT frames: non-zero entries; a free block's
			      first frame: its order */
	uint32_t rmap;	   /* first rmap entry, 0 = none */
	uint32_t prev;	   /* policy list links, or free stack link */
	uint32_t next;
	uint32_t hnext;	   /* pager index chain, VM_PFN_NONE = end */
	uint32_t pin;	   /* pin count: not reclaimable while > 0 */
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
	uint32_t free_head[VM_BUDDY_ORDERS]; /* by order, VM_PFN_NONE = empty */
	uint64_t free_blocks[VM_BUDDY_ORDERS]; /* blocks on each list */
	struct vm_frame *frames;
	struct vm_rmap *rmap; /* pool; entry 0 unused */
	uint32_t rmap_cap;
	uint32_t rmap_free; /* free chain in the pool, 0 = none */
	uint32_t rmap_nfree; /* entries on the free chain */
	uint32_t *mapcount; /* by PFN: PTEs that map the data frame */
	unsigned levels;    /* paging levels, for the rmap's lookups */
	struct vm_proc **family; /* by number: its first member; [0] unused,
				    NULL = free */
	uint32_t family_cap;
};

/*
 * Maps nframes frames of zeroed memory and builds the frame table, every
 * frame free, for page tables of levels levels.  Returns 0, -EINVAL for 0 frames or more than 2^32 - 2, or
 * -ENOMEM.
 */
int vm_phys_init(struct vm_phys *ph, uint64_t nframes, unsigned levels);

/* Unmaps everything.  ph may have been only zeroed. */
void vm_phys_fini(struct vm_phys *ph);

/*
 * Takes a free frame for use, zeroed (unless use has VM_FRAME_NOZERO),
 * refcounts and links cleared.  Returns
 * the PFN or -ENOMEM when no frame is free.  Does not reclaim: that is the
 * machine's vm_frame_alloc().
 */
int64_t vm_phys_alloc(struct vm_phys *ph, int use);

/*
 * Takes a free block of 2^order frames, its first PFN a multiple of
 * 2^order, every frame for use as vm_phys_alloc takes one.  Returns the
 * first PFN, -ENOMEM when no block that large is free, -EINVAL for an
 * order of VM_BUDDY_ORDERS or more.
 */
int64_t vm_phys_alloc_order(struct vm_phys *ph, int use, unsigned order);

/* Returns a frame with no mappings to the free blocks. */
void vm_phys_free(struct vm_phys *ph, uint64_t pfn);

/* The number of free blocks of each order, as /proc/buddyinfo counts. */
static inline uint64_t
vm_phys_free_blocks(const struct vm_phys *ph, unsigned order)
{
	return order < VM_BUDDY_ORDERS ? ph->free_blocks[order] : 0;
}

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

/* The number of PTEs that map data frame pfn. */
static inline uint32_t
vm_frame_mapcount(const struct vm_phys *ph, uint64_t pfn)
{
	return ph->mapcount[pfn];
}

/* The PFN of frame f. */
static inline uint64_t
vm_phys_pfn(const struct vm_phys *ph, const struct vm_frame *f)
{
	return (uint64_t)(f - ph->frames);
}

/*
 * Families.  vm_phys_family_new makes p the one member of a new family,
 * 0 or -ENOMEM; vm_phys_family_join adds child to parent's family, last;
 * vm_phys_family_leave takes p, which maps nothing any more, out of its
 * family, freeing the number with the last member.
 */
int vm_phys_family_new(struct vm_phys *ph, struct vm_proc *p);
void vm_phys_family_join(struct vm_phys *ph, struct vm_proc *child,
			 struct vm_proc *parent);
void vm_phys_family_leave(struct vm_phys *ph, struct vm_proc *p);

/* The first member of rmap entry r's family. */
static inline struct vm_proc *
vm_rmap_family(const struct vm_phys *ph, const struct vm_rmap *r)
{
	return ph->family[r->who];
}

/* Grows the rmap pool until n entries are free, so that the next n
 * vm_rmap_add calls cannot fail.  0 or -ENOMEM. */
int vm_rmap_reserve(struct vm_phys *ph, uint64_t n);

/*
 * Counts a new mapping of data frame pfn by p at va (whose PTE the
 * caller sets): mapcount + 1, and an entry for p's family at va unless
 * one is there.  0 or -ENOMEM, with nothing changed.
 */
int vm_rmap_add(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p,
		uint64_t va);

/*
 * Counts the end of p's mapping of pfn at va: mapcount - 1, and the
 * family's entry goes when no other member maps pfn at va (p's own PTE
 * is not looked at: it may be changed before or after).  0, or -ENOENT
 * when the family has no entry there.
 */
int vm_rmap_del(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p,
		uint64_t va);

/*
 * Calls fn for each (proc, va) whose PTE maps the frame: entries in
 * order, and in each the family's members in fork order.  fn may end the
 * mapping it is given (vm_rmap_del of it) but no other.  Stops at the
 * first non-zero return and returns it.
 */
int vm_rmap_each(struct vm_phys *ph, uint64_t pfn,
		 int (*fn)(void *ctx, struct vm_proc *p, uint64_t va),
		 void *ctx);

#endif /* VMLAB_PHYS_H */
