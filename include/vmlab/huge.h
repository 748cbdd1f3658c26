/*
 * huge.h - huge pages: 2 MiB (order 9, a PS leaf in the page directory)
 * and 1 GiB (order 18, a PS leaf in the PDPT).
 *
 * A huge page is one aligned buddy block (vm_frame_alloc_huge), its head
 * frame marked VM_FF_COMPOUND with the order, the rest VM_FF_TAIL with no
 * mapcount and no rmap entry of their own; a pin on a tail keeps that
 * frame only, so it is not freed on its own at its unpin.  While it is whole every
 * mapping of it is a PS leaf, counted on the head (mapcount, rmap).  A
 * 2 MiB page is split, for every process at once, when a range cuts it
 * (munmap, mprotect, madvise), when a write must copy it (COW), and
 * before reclaim evicts it: each leaf becomes a table of 512 entries
 * (thp_split_pmd) and the page 512 ordinary frames (thp_split_page).  A
 * 1 GiB page, as hugetlbfs's, is never split nor reclaimed: a range that
 * cuts one is refused with EINVAL.
 */
#ifndef VMLAB_HUGE_H
#define VMLAB_HUGE_H

#include <stdint.h>

#include "vmlab/vma.h"

struct vm_machine;
struct vm_proc;

#define VM_HUGE_2M_LEVEL 1
#define VM_HUGE_1G_LEVEL 2
#define VM_HUGE_2M_ORDER 9	/* frames: 512 */
#define VM_HUGE_1G_ORDER 18	/* frames: 262144 */

/* The level of the leaves a region's pages take: 0 (4 KiB), 1 or 2. */
static inline int
vm_vma_huge_level(const struct vm_vma *a)
{
	if (a->flags & VM_VMA_HUGE_1G)
		return VM_HUGE_1G_LEVEL;
	if (a->flags & VM_VMA_HUGE_2M)
		return VM_HUGE_2M_LEVEL;
	return 0;
}

/*
 * Splits the whole 2 MiB page whose head is head: every PS leaf mapping
 * it becomes a table of 512 entries with the leaf's bits, the page's TLB
 * entries shot down; its frames become ordinary pages, on the policy's
 * lists.  0 (nothing to do for a page already split), -EINVAL for a
 * 1 GiB page, -ENOMEM (no frame for a table: nothing changed).
 */
int vm_huge_split_page(struct vm_machine *m, uint64_t head);

/*
 * Splits the 2 MiB pages of p that [start, end) covers in part, so that
 * a change to the range meets only whole huge leaves and 4 KiB entries.
 * 0, -EINVAL when the range cuts a 1 GiB page, -ENOMEM.
 */
int vm_huge_split_edges(struct vm_machine *m, struct vm_proc *p,
			uint64_t start, uint64_t end);

/* Splits every 2 MiB page of p that [start, end) holds or cuts, as
 * reclaim needs them (madvise pageout).  0 or -ENOMEM. */
int vm_huge_split_range(struct vm_machine *m, struct vm_proc *p,
			uint64_t start, uint64_t end);

/* Frees the frames of huge page head, mapped by no one now; a pinned one
 * (a reply being written from it) goes at its last unpin. */
void vm_huge_free(struct vm_machine *m, uint64_t head);

#endif /* VMLAB_HUGE_H */
