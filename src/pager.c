/*
 * pager.c - the index (object, index) -> frame, page-in, page-out and the
 * slot references of PTEs.  See pager.h for the cases.
 *
 * The index is a hash table of chains threaded through the frame table:
 * bucket[h] is the first PFN of a chain, vm_frame.hnext the next.  It has
 * as many buckets as the machine has frames (rounded up to a power of
 * two), so chains stay short: at most every frame is in it.
 *
 * Invariants (checked by the model test):
 *   - a frame is in the index iff f->obj != NULL, once, under
 *     hash(f->obj, f->index); obj->nrpages counts them;
 *   - an attached swap-cache frame holds one reference on its slot;
 *   - an attached file frame has f->use == VM_FRAME_FILE, a swap-cache
 *     frame VM_FRAME_ANON.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reclaim.h"
#include "vmlab/frame.h"
#include "vmlab/machine.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/swap.h"

#define F(m, pfn) vm_phys_frame(&(m)->phys, (pfn))

static uint64_t
pager_hash(const struct vm_pager *pg, const struct vm_pobj *obj,
	   uint64_t index)
{
	uint64_t h = (uint64_t)(uintptr_t)obj * 0x9e3779b97f4a7c15ull;

	h ^= index * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	return h & pg->mask;
}

/* Opens the swap store in the state directory, when there is swap.  Its
 * first page is the header, as in a Linux swap area: slots 1 .. pages - 1
 * hold pages, so a swap of n pages has n - 1 of them. */
static int
pager_swap_open(struct vm_machine *m)
{
	struct vm_swap_opts o = {
		.nslots = m->cfg.swap_pages - 1,
		.mapsize = m->cfg.swap_mapsize,
		.log = &m->log,
	};

	if (!m->cfg.swap_pages)
		return 0;
	return vm_swap_open(m->cfg.state_dir, &o, &m->swap);
}

int
vm_pager_init(struct vm_machine *m)
{
	struct vm_pager *pg = &m->pager;
	uint64_t n = 1;
	int rc;

	while (n < m->phys.nframes)
		n <<= 1;
	pg->bucket = malloc(n * sizeof(*pg->bucket));
	if (!pg->bucket)
		return -ENOMEM;
	memset(pg->bucket, 0xff, n * sizeof(*pg->bucket));
	pg->mask = n - 1;
	pg->swap.kind = VM_POBJ_SWAP;
	pg->swap.nrpages = 0;
	rc = pager_swap_open(m);
	if (rc) {
		free(pg->bucket);
		pg->bucket = NULL;
	}
	return rc;
}

void
vm_pager_fini(struct vm_machine *m)
{
	vm_swap_close(m->swap);
	m->swap = NULL;
	free(m->pager.bucket);
	m->pager.bucket = NULL;
}

int64_t
vm_pager_find(struct vm_machine *m, const struct vm_pobj *obj,
	      uint64_t index)
{
	struct vm_pager *pg = &m->pager;
	uint32_t pfn = pg->bucket[pager_hash(pg, obj, index)];

	while (pfn != VM_PFN_NONE) {
		struct vm_frame *f = F(m, pfn);

		if (f->obj == obj && f->index == index)
			return pfn;
		pfn = f->hnext;
	}
	return -ENOENT;
}

void
vm_pager_attach(struct vm_machine *m, uint64_t pfn, struct vm_pobj *obj,
		uint64_t index)
{
	struct vm_pager *pg = &m->pager;
	struct vm_frame *f = F(m, pfn);
	uint32_t *head = &pg->bucket[pager_hash(pg, obj, index)];

	assert(!f->obj && vm_pager_find(m, obj, index) < 0);
	f->obj = obj;
	f->index = index;
	f->hnext = *head;
	*head = (uint32_t)pfn;
	obj->nrpages++;
	if (obj->kind == VM_POBJ_SWAP)
		vm_swap_dup(m->swap, index);
}

void
vm_pager_detach(struct vm_machine *m, uint64_t pfn)
{
	struct vm_pager *pg = &m->pager;
	struct vm_frame *f = F(m, pfn);
	uint32_t *link;

	if (!f->obj)
		return;
	link = &pg->bucket[pager_hash(pg, f->obj, f->index)];
	while (*link != pfn) {
		assert(*link != VM_PFN_NONE);
		link = &F(m, *link)->hnext;
	}
	*link = f->hnext;
	f->hnext = VM_PFN_NONE;
	f->obj->nrpages--;
	if (f->obj->kind == VM_POBJ_SWAP)
		vm_swap_free(m->swap, f->index);
	f->obj = NULL;
	f->index = 0;
}

/* Reads slot into a new anonymous frame charged to owner, attached. */
static int
pager_swapin(struct vm_machine *m, uint64_t slot, struct vm_proc *owner,
	     uint64_t *out)
{
	int64_t pfn;
	int rc;

	if (!m->swap)
		return -EIO;
	pfn = vm_frame_alloc(m, VM_FRAME_ANON | VM_FRAME_NOZERO, owner);
	if (pfn < 0)
		return (int)pfn;
	rc = vm_pager_swap_load(m, slot, (uint64_t)pfn, owner);
	if (rc) {
		vm_frame_free(m, (uint64_t)pfn);
		return rc;
	}
	vm_pager_attach(m, (uint64_t)pfn, &m->pager.swap, slot);
	*out = (uint64_t)pfn;
	return 0;
}

int
vm_pager_get(struct vm_machine *m, struct vm_pobj *obj, uint64_t index,
	     struct vm_proc *owner, uint64_t *pfn, bool *major)
{
	int64_t found = vm_pager_find(m, obj, index);

	*major = false;
	if (found >= 0) {
		*pfn = (uint64_t)found;
		return 0;
	}
	*major = true;
	if (obj->kind == VM_POBJ_SWAP)
		return pager_swapin(m, index, owner, pfn);
	if (obj->kind == VM_POBJ_SHMEM)
		return vm_shmem_pagein(m, (struct vm_file *)obj, index, owner,
				       pfn, major);
	return vm_file_pagein(m, (struct vm_file *)obj, index, owner, pfn);
}

/* Clears D in a PTE mapping the frame: its copy is now written. */
static int
clean_one(void *arg, struct vm_proc *p, uint64_t va)
{
	struct vm_machine *m = arg;
	struct vm_walk w;

	if (vm_pt_walk(m, p, va, 0, 0, &w) != 0)
		return 0;
	if (*w.pte[w.level] & VM_PTE_D) {
		*w.pte[w.level] &= ~VM_PTE_D;
		vm_tlb_shootdown(m, p, va);
	}
	return 0;
}

/* Writes an anonymous frame to its slot (a new one if it has none). */
static int
pager_swapout(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = F(m, pfn);
	bool fresh = !f->obj;
	int64_t slot;
	int rc;

	if (fresh) {
		slot = vm_pager_swap_alloc(m);
		if (slot < 0)
			return (int)slot;
		vm_pager_attach(m, pfn, &m->pager.swap, (uint64_t)slot);
		vm_swap_free(m->swap, (uint64_t)slot); /* attach took one */
	}
	rc = vm_pager_swap_store(m, f->index, pfn);
	if (rc && fresh)
		vm_pager_detach(m, pfn);
	return rc;
}

int
vm_pager_clean(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = F(m, pfn);
	int rc;

	if (!vm_frame_dirty(m, pfn))
		return 0;
	if (f->use == VM_FRAME_FILE)
		rc = vm_file_pageout(m, (struct vm_file *)f->obj, pfn);
	else if (f->obj && f->obj->kind == VM_POBJ_SHMEM)
		rc = vm_shmem_pageout(m, (struct vm_file *)f->obj, pfn);
	else
		rc = pager_swapout(m, pfn);
	if (rc)
		return rc;
	f->flags &= ~VM_FF_DIRTY;
	vm_rmap_each(&m->phys, pfn, clean_one, m);
	return 0;
}

vm_pte_t
vm_pager_entry(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = F(m, pfn);

	if (vm_pager_in_swapcache(f->obj))
		return VM_SWP_ENTRY(0, f->index);
	return 0;
}

void
vm_pager_dup_slot(struct vm_machine *m, uint64_t slot)
{
	vm_swap_dup(m->swap, slot);
}

void
vm_pager_drop_slot(struct vm_machine *m, uint64_t slot)
{
	int64_t pfn = vm_pager_find(m, &m->pager.swap, slot);

	vm_swap_free(m->swap, slot);
	if (pfn < 0 || vm_frame_mapcount(&m->phys, (uint64_t)pfn) ||
	    F(m, pfn)->pin ||
	    vm_swap_count(m->swap, slot) > 1)
		return;
	vm_frame_free(m, (uint64_t)pfn);
}

unsigned
vm_pager_slot_refs(struct vm_machine *m, uint64_t slot)
{
	return vm_swap_count(m->swap, slot);
}

bool
vm_pager_keeps(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = F(m, pfn);

	if (f->use == VM_FRAME_FILE)
		return true;
	if (f->obj && f->obj->kind == VM_POBJ_SHMEM)
		return ((struct vm_file *)f->obj)->refs > 0;
	return vm_pager_in_swapcache(f->obj) &&
	       vm_swap_count(m->swap, f->index) > 1;
}

int64_t
vm_pager_swap_alloc(struct vm_machine *m)
{
	int64_t slot = m->swap ? vm_swap_alloc(m->swap) : -ENOMEM;

	return slot < 0 ? -ENOMEM : slot;
}

void
vm_pager_swap_release(struct vm_machine *m, uint64_t slot)
{
	vm_swap_free(m->swap, slot);
}

int
vm_pager_swap_store(struct vm_machine *m, uint64_t slot, uint64_t pfn)
{
	int rc = vm_swap_write(m->swap, slot, vm_phys_ptr(&m->phys, pfn));
	struct vm_frame *f = F(m, pfn);

	if (rc) {
		vm_log(&m->log, VM_LOG_ERR, "swap: write of pfn %llu failed: %s",
		       (unsigned long long)pfn, strerror(-rc));
		return rc == -ENOSPC ? -ENOMEM : -EIO;
	}
	vm_count(m, f->owner, VM_STAT_pswpout, 1);
	vm_count(m, f->owner, VM_STAT_pgpgout, VM_PAGE_SIZE >> 10);
	vm_clock_sys(m, m->cfg.cost_swap_out);
	return 0;
}

int
vm_pager_swap_load(struct vm_machine *m, uint64_t slot, uint64_t pfn,
		   struct vm_proc *owner)
{
	int rc = vm_swap_read(m->swap, slot, vm_phys_ptr(&m->phys, pfn));

	if (rc)
		return rc == -ENOMEM ? rc : -EIO;
	vm_count(m, owner, VM_STAT_pswpin, 1);
	vm_count(m, owner, VM_STAT_pgpgin, VM_PAGE_SIZE >> 10);
	vm_clock_sys(m, m->cfg.cost_major_fault);
	return 0;
}

int
vm_pager_swap_peek(struct vm_machine *m, uint64_t slot, void *page)
{
	return vm_swap_read(m->swap, slot, page);
}

void
vm_pager_swap_info(struct vm_machine *m, struct vm_swap_info *info)
{
	vm_swap_get_info(m->swap, info);
}

uint64_t
vm_pager_swap_next(struct vm_machine *m, uint64_t after)
{
	return vm_swap_next_used(m->swap, after);
}
