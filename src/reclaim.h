/*
 * reclaim.h (private) - what the policies share with eviction: the frame
 * lists threaded through struct vm_frame, and the A/D bits seen through the
 * reverse map.
 */
#ifndef VMLAB_SRC_RECLAIM_H
#define VMLAB_SRC_RECLAIM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmlab/machine.h"

/* A doubly linked list of frames through their prev/next links. */
struct vm_lru {
	uint32_t head, tail;
	uint64_t n;
};

void vm_lru_init(struct vm_lru *l);
void vm_lru_add_tail(struct vm_machine *m, struct vm_lru *l, uint64_t pfn);
void vm_lru_add_head(struct vm_machine *m, struct vm_lru *l, uint64_t pfn);
/* Inserts pfn just before at (at the tail when at is VM_PFN_NONE). */
void vm_lru_add_before(struct vm_machine *m, struct vm_lru *l, uint64_t at,
		       uint64_t pfn);
void vm_lru_del(struct vm_machine *m, struct vm_lru *l, uint64_t pfn);
/* The frame after pfn, wrapping to the head (a clock's hand). */
uint64_t vm_lru_next_wrap(struct vm_machine *m, const struct vm_lru *l,
			  uint64_t pfn);

/* Any PTE mapping the frame has A set, or the frame is marked referenced
 * (read or written through files/); with clear, both are cleared (A in
 * every PTE, their TLB entries shot down), so the next access sets them
 * again. */
bool vm_frame_young(struct vm_machine *m, uint64_t pfn, bool clear);

/* Any PTE mapping the frame has D set (or the frame is marked dirty). */
bool vm_frame_dirty(struct vm_machine *m, uint64_t pfn);

/* The frame may be taken for a reclaim restricted to only. */
static inline bool
vm_frame_eligible(struct vm_machine *m, uint64_t pfn, struct vm_proc *only)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	return !f->pin && (!only || f->owner == only);
}

/* Counts an access toward the policy's period; ticks when it is over. */
void vm_reclaim_tick_maybe(struct vm_machine *m);

/* Counts one frame looked at by a scan. */
void vm_reclaim_scanned(struct vm_machine *m, uint64_t pfn);

#endif /* VMLAB_SRC_RECLAIM_H */
