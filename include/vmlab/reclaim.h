/*
 * reclaim.h - page replacement: the policies and eviction.
 *
 * Resident user data frames are on the policy's lists (VM_FF_LRU): a
 * frame enters when a fault maps it (vm_reclaim_add), leaves when it is
 * freed or evicted (vm_reclaim_del).  When memory is short, vm_reclaim_one()
 * asks the policy for a victim and evicts it: the frame is unmapped from
 * every PTE on its reverse map (each TLB entry shot down), a dirty page is
 * written to swap, a clean one with an up-to-date swap copy is not, and
 * each PTE gets the swap entry.  A page never written (all zeros, never
 * dirtied) is simply dropped: its PTEs go back to empty and the next touch
 * zero-fills it again.
 *
 * Policies plug in through struct vm_policy_ops.  All of them see the A
 * and D bits of the PTEs through the reverse map; the ones that need every
 * access (exact LRU, OPT) say so with VM_POL_TOUCH and are told of each
 * access by the MMU.
 */
#ifndef VMLAB_RECLAIM_H
#define VMLAB_RECLAIM_H

#include <stdbool.h>
#include <stdint.h>

struct vm_machine;
struct vm_proc;

enum vm_policy_flags {
	VM_POL_TOUCH = 1, /* wants vm_reclaim_touch() on every access */
	VM_POL_FUTURE = 2, /* needs m->next_use (trace replay only) */
	VM_POL_TICK = 4,   /* wants tick() every aging_period accesses */
};

struct vm_policy_ops {
	const char *name;
	const char *desc;
	unsigned flags;
	/* Sets up private state in m->pol_state; 0 or -ENOMEM. */
	int (*init)(struct vm_machine *m);
	void (*fini)(struct vm_machine *m);
	/* A frame became resident / leaves (freed or evicted). */
	void (*insert)(struct vm_machine *m, uint64_t pfn);
	void (*remove)(struct vm_machine *m, uint64_t pfn);
	/* An access hit the frame (VM_POL_TOUCH only). */
	void (*touch)(struct vm_machine *m, uint64_t pfn);
	/* Chooses a frame to evict, charged to only when not NULL; returns
	 * the PFN or -ENOMEM when it has none.  May clear A bits. */
	int64_t (*victim)(struct vm_machine *m, struct vm_proc *only);
	/* Called every aging_period accesses. */
	void (*tick)(struct vm_machine *m);
};

/* The policy called name, or NULL. */
const struct vm_policy_ops *vm_policy_find(const char *name);

/* The i-th policy (for listings), NULL past the end. */
const struct vm_policy_ops *vm_policy_at(unsigned i);

/* Sets up the policy named in m->cfg.policy. 0, -EINVAL, -ENOMEM. */
int vm_reclaim_init(struct vm_machine *m);
void vm_reclaim_fini(struct vm_machine *m);

/*
 * Switches policy at run time: every resident frame is handed to the new
 * policy in PFN order.  0, -EINVAL (unknown name; the old one stays),
 * -ENOMEM.
 */
int vm_reclaim_set_policy(struct vm_machine *m, const char *name);

void vm_reclaim_add(struct vm_machine *m, uint64_t pfn);
void vm_reclaim_del(struct vm_machine *m, uint64_t pfn);

/* Tells a VM_POL_TOUCH policy of an access; counts the aging period. */
void vm_reclaim_access(struct vm_machine *m, uint64_t pfn);

/*
 * Evicts one frame chosen by the policy (charged to only when not NULL).
 * Returns 0, -ENOMEM when nothing can be evicted (no candidate, swap
 * full), -EIO when swap failed.
 */
int vm_reclaim_one(struct vm_machine *m, struct vm_proc *only);

/* Evicts the given resident user frame now (madvise pageout). */
int vm_reclaim_page(struct vm_machine *m, uint64_t pfn);

/*
 * Kills the process with the largest resident set plus swap (an OOM
 * event naming its pid and size).  Returns its pid, or -ESRCH when no
 * process has memory.
 */
int vm_oom_kill(struct vm_machine *m);

#endif /* VMLAB_RECLAIM_H */
