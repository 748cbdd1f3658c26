/*
 * frame.h - taking and giving back frames: allocation with make-room
 * through reclaim, the limits on resident user pages, free, pins.
 *
 * Allocation order: a data frame (anon, file) first respects its owner's
 * limit (reclaiming from the owner only, as a memory cgroup does) and the
 * global user limit (reclaiming from anyone), then any frame needs a free
 * frame (reclaiming from anyone); when reclaim fails the OOM killer picks
 * a process and allocation tries again.
 *
 * Pins are counts: every holder that needs a frame to stay resident and in
 * place (a PID/mem reply written from it, the first page of a crossing
 * access while the second faults in, a page being copied) takes one and
 * gives it back; reclaim never picks a pinned frame.
 */
#ifndef VMLAB_FRAME_H
#define VMLAB_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "vmlab/phys.h"
#include "vmlab/proc.h"

struct vm_machine;
struct vm_proc;

/*
 * Takes a frame for use (enum vm_frame_use, VM_FRAME_NOZERO or'ed in to
 * skip zeroing), charged to owner (may be NULL) when it is a data frame.
 * May reclaim, and may OOM-kill a process (owner included).  Returns the
 * PFN, or -ENOMEM when nothing can be freed.
 */
int64_t vm_frame_alloc(struct vm_machine *m, int use, struct vm_proc *owner);

/*
 * Takes an aligned block of 2^order zeroed anonymous frames for a huge
 * page of owner, its head marked VM_FF_COMPOUND, each frame charged as
 * vm_frame_alloc charges one.  Never reclaims (the lab does not compact):
 * returns the head's PFN, or -ENOMEM when no free block is that large or
 * a limit would be passed.
 */
int64_t vm_frame_alloc_huge(struct vm_machine *m, struct vm_proc *owner,
			    unsigned order);

/*
 * Frees a frame that nothing maps: off the policy's lists, out of the
 * pager's index (a swap slot loses the cache's reference), uncharged.
 */
void vm_frame_free(struct vm_machine *m, uint64_t pfn);

/*
 * A PTE stopped mapping the data frame pfn (its rmap entry is gone).  An
 * anonymous frame that nobody maps and the pager does not keep is freed;
 * page-cache frames stay cached.  Returns true when the frame was freed.
 */
bool vm_frame_unmapped(struct vm_machine *m, uint64_t pfn);

/* p's resident set gains (delta 1) or loses (-1) a mapping of data
 * frame f: rss_file for a page-cache frame, else rss_anon. */
static inline void
vm_frame_rss(struct vm_proc *p, const struct vm_frame *f, int delta)
{
	if (f->use == VM_FRAME_FILE)
		p->rss_file += (uint64_t)(int64_t)delta;
	else
		p->rss_anon += (uint64_t)(int64_t)delta;
}

/* Takes a pin on a resident data frame / gives it back.  A frame whose
 * last mapping went while it was pinned is freed at the last unpin. */
void vm_frame_pin(struct vm_machine *m, uint64_t pfn);
void vm_frame_unpin(struct vm_machine *m, uint64_t pfn);

#endif /* VMLAB_FRAME_H */
