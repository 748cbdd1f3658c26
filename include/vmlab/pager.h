/*
 * pager.h - where a user page's contents live.
 *
 * A pager object is something pages come from and go back to: the swap
 * device (index = slot) or a file of files/ (index = page of the file; see
 * pagecache.h).  The pager keeps ONE index (object, index) -> frame over
 * all of them, threaded through the frame table (vm_frame.hnext), so that
 * a page is in at most one frame: a second fault on a swapped or file page
 * that is already resident finds that frame (the swap cache, the page
 * cache) instead of reading a second copy.
 *
 * fault.c and reclaim.c ask the pager where a page lives and never call
 * the swap store: page-in (vm_pager_get), page-out and cleaning
 * (vm_pager_clean, vm_pager_entry), slot references of PTEs (dup on fork,
 * drop on zap) and release at frame free all go through here.  swap.c is a
 * leaf that only this module calls.
 *
 * Slot references: every swap PTE holds one reference on its slot, and a
 * frame in the swap cache holds one more for as long as it is attached.
 *
 * Anonymous frames and the swap cache:
 *
 *   no object, never dirtied,
 *   mapped once                    -> zeros: evicting it leaves an empty PTE
 *   no object, dirty               -> clean gives it a slot and writes it
 *                                     (reclaim makes a never-dirtied frame
 *                                     mapped more than once dirty first: a
 *                                     shared page must stay one page)
 *   swap cache, clean              -> evicting it costs no write
 *                                     (swap_clean); PTEs get the slot
 *   swap cache, dirty              -> clean rewrites its slot
 *
 * File frames are always attached to their file; clean writes a dirty
 * one back to the file, never to swap, and eviction leaves empty PTEs
 * (the next fault finds the page in the page cache or reads the file).
 *
 * Shared anonymous memory is an object too (Linux's shmem): its pages are
 * anonymous frames attached to it, shared by every process that maps the
 * region (across fork), kept while it lives even when no PTE maps them;
 * clean writes a dirty one to a swap slot the object remembers for that
 * page, and eviction leaves empty PTEs (the next fault reads it back).
 *
 * Locking: none inside; the machine lock covers every call.
 */
#ifndef VMLAB_PAGER_H
#define VMLAB_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "vmlab/pt.h"

struct vm_machine;
struct vm_proc;
struct vm_swap_info;

enum vm_pobj_kind {
	VM_POBJ_SWAP = 1, /* the swap device: index = slot */
	VM_POBJ_FILE,	  /* a file: index = page; a struct vm_file */
	VM_POBJ_SHMEM,	  /* a shared anonymous region's memory: index =
			     page of the region; a struct vm_file with no
			     host file, whose pages go to swap */
};

/* The part of a pager object the pager sees; embedded first in the
 * object's own struct. */
struct vm_pobj {
	int kind;	  /* enum vm_pobj_kind */
	uint64_t nrpages; /* frames of this object in the index */
};

struct vm_pager {
	struct vm_pobj swap; /* the swap device, present also without swap */
	uint32_t *bucket;    /* heads of the index chains */
	uint64_t mask;	     /* buckets - 1, a power of two less one */
};

/* Sets up the index for the machine's frames and opens the swap store
 * (when cfg.swap_pages > 0).  0, -ENOMEM, or the store's error (swap.h:
 * -EBUSY when another machine holds the state directory).  fini writes
 * the store's buffered pages and closes it. */
int vm_pager_init(struct vm_machine *m);
void vm_pager_fini(struct vm_machine *m);

/* The frame holding page index of obj, or -ENOENT.  O(1) expected. */
int64_t vm_pager_find(struct vm_machine *m, const struct vm_pobj *obj,
		      uint64_t index);

/*
 * Attaches frame pfn (no object yet) as page index of obj; a swap slot
 * gains the cache's reference.  The page must not be in the index.
 */
void vm_pager_attach(struct vm_machine *m, uint64_t pfn, struct vm_pobj *obj,
		     uint64_t index);

/* Takes frame pfn out of the index; a swap slot loses the cache's
 * reference (freeing the slot when it was the last). */
void vm_pager_detach(struct vm_machine *m, uint64_t pfn);

/*
 * Finds page index of obj in a frame, or reads it into a new one charged
 * to owner (a data frame of the object's kind: anon for swap, file for a
 * file), attached.  *major is set when the page had to be read.  Counts
 * pswpin or pgpgin for reads and charges the clock for them.  Returns 0
 * with *pfn, -ENOMEM, -EIO (no swap, or the read failed), or -ENXIO for a
 * file page wholly beyond the file's end.
 */
int vm_pager_get(struct vm_machine *m, struct vm_pobj *obj, uint64_t index,
		 struct vm_proc *owner, uint64_t *pfn, bool *major);

/*
 * Makes the frame's backing copy up to date: a dirty anonymous frame is
 * written to its slot (a new one if it had none, attached to the swap
 * cache), a dirty file frame to its file.  Afterwards the frame is clean:
 * VM_FF_DIRTY and the D bit of every PTE mapping it are cleared (their TLB
 * entries shot down).  A clean frame costs nothing.  Returns 0, -ENOMEM
 * (no swap, or swap full), -EIO.
 */
int vm_pager_clean(struct vm_machine *m, uint64_t pfn);

/*
 * The non-present PTE a page takes when its (clean) frame goes: the swap
 * entry of its slot for the swap cache, 0 otherwise (file pages are found
 * again in their file, never-dirtied anonymous pages are zeros).
 */
vm_pte_t vm_pager_entry(struct vm_machine *m, uint64_t pfn);

/* A PTE takes a swap entry for slot: one more reference. */
void vm_pager_dup_slot(struct vm_machine *m, uint64_t slot);

/*
 * A PTE lets go of its swap entry for slot.  When nobody but the swap
 * cache holds the slot any more, a cached frame that no PTE maps is freed
 * too (and with it the slot).
 */
void vm_pager_drop_slot(struct vm_machine *m, uint64_t slot);

/* References held on slot (PTEs plus the swap cache), 0 if free. */
unsigned vm_pager_slot_refs(struct vm_machine *m, uint64_t slot);

/*
 * True when an anonymous frame that no PTE maps any more must stay: it is
 * in the swap cache and other PTEs still hold its slot, so the frame is
 * the page's newest copy.  False for a frame that may be freed.
 */
bool vm_pager_keeps(struct vm_machine *m, uint64_t pfn);

/* True when a frame with object obj is a swap slot's copy (the swap
 * cache). */
static inline bool
vm_pager_in_swapcache(const struct vm_pobj *obj)
{
	return obj && obj->kind == VM_POBJ_SWAP;
}

/* Slots for objects that keep their own (shmem): take one (-ENOMEM when
 * there is no swap or it is full), let one go, write frame pfn to it,
 * read it into frame pfn (counted as swap I/O, as swap-ins and outs). */
int64_t vm_pager_swap_alloc(struct vm_machine *m);
void vm_pager_swap_release(struct vm_machine *m, uint64_t slot);
int vm_pager_swap_store(struct vm_machine *m, uint64_t slot, uint64_t pfn);
int vm_pager_swap_load(struct vm_machine *m, uint64_t slot, uint64_t pfn,
		       struct vm_proc *owner);

/* For observers: a slot's bytes as stored (swap/N), the store's figures,
 * and iteration over used slots.  Change nothing simulated. */
int vm_pager_swap_peek(struct vm_machine *m, uint64_t slot, void *page);
void vm_pager_swap_info(struct vm_machine *m, struct vm_swap_info *info);
uint64_t vm_pager_swap_next(struct vm_machine *m, uint64_t after);

#endif /* VMLAB_PAGER_H */
