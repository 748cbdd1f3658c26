/*
 * phys.c - the frames, the frame table and the reverse map.
 *
 * Invariants:
 *  - a frame is in exactly one listed free block iff its use is
 *    VM_FRAME_FREE, and no two free buddies of one order are both listed;
 *  - count[use] is the number of frames of each use, nfree == count[FREE];
 *  - a data frame's mapcount is the number of PTEs that map it;
 *  - its rmap chain has one entry (family, va) for each family and address
 *    at which some member's PTE maps it, and no other;
 *  - rmap pool entry 0 is never used, so index 0 ends a chain;
 *  - a process is a member of its family until it maps nothing.
 *
 * The host mapping is MAP_NORESERVE and anonymous: frames never touched
 * cost the host nothing, and a freed frame is zeroed when it is taken
 * again (vm_phys_alloc), not when it is freed.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmlab/phys.h"

/* Takes the block at pfn off the list of its order. */
static void
buddy_unlink(struct vm_phys *ph, uint64_t pfn, unsigned k)
{
	struct vm_frame *f = &ph->frames[pfn];

	if (f->prev == VM_PFN_NONE)
		ph->free_head[k] = f->next;
	else
		ph->frames[f->prev].next = f->next;
	if (f->next != VM_PFN_NONE)
		ph->frames[f->next].prev = f->prev;
	f->flags = 0;
	f->nent = 0;
	f->prev = f->next = VM_PFN_NONE;
	ph->free_blocks[k]--;
}

/* Marks pfn the first frame of a listed free block of order k. */
static struct vm_frame *
buddy_mark(struct vm_phys *ph, uint64_t pfn, unsigned k)
{
	struct vm_frame *f = &ph->frames[pfn];

	f->flags = VM_FF_BUDDY;
	f->nent = (uint16_t)k;
	ph->free_blocks[k]++;
	return f;
}

/* Lists the free block of order k at pfn first on its order. */
static void
buddy_push(struct vm_phys *ph, uint64_t pfn, unsigned k)
{
	struct vm_frame *f = buddy_mark(ph, pfn, k);

	f->prev = VM_PFN_NONE;
	f->next = ph->free_head[k];
	if (f->next != VM_PFN_NONE)
		ph->frames[f->next].prev = (uint32_t)pfn;
	ph->free_head[k] = (uint32_t)pfn;
}

/* Lists the free block of order k at pfn last on its order (at init). */
static void
buddy_append(struct vm_phys *ph, uint64_t pfn, unsigned k)
{
	struct vm_frame *f = buddy_mark(ph, pfn, k);
	uint32_t *link = &ph->free_head[k], prev = VM_PFN_NONE;

	while (*link != VM_PFN_NONE) {
		prev = *link;
		link = &ph->frames[*link].next;
	}
	f->prev = prev;
	f->next = VM_PFN_NONE;
	*link = (uint32_t)pfn;
}

int
vm_phys_init(struct vm_phys *ph, uint64_t nframes, unsigned levels)
{
	memset(ph, 0, sizeof(*ph));
	if (nframes == 0 || nframes >= VM_PFN_NONE - 1)
		return -EINVAL;
	ph->size = (size_t)nframes << VM_PAGE_SHIFT;
	ph->mem = mmap(NULL, ph->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ph->mem == MAP_FAILED) {
		ph->mem = NULL;
		return -ENOMEM;
	}
	ph->frames = calloc(nframes, sizeof(*ph->frames));
	ph->mapcount = calloc(nframes, sizeof(*ph->mapcount));
	if (!ph->frames || !ph->mapcount)
		goto err_unmap;
	ph->nframes = nframes;
	ph->levels = levels;
	for (unsigned k = 0; k < VM_BUDDY_ORDERS; k++)
		ph->free_head[k] = VM_PFN_NONE;
	/* the largest aligned blocks that fit, each listed last on its
	 * order, so that a fresh machine hands out PFN 0, 1, 2, ... */
	for (uint64_t pfn = 0; pfn < nframes;) {
		unsigned k = VM_BUDDY_ORDERS - 1;

		while (k && ((pfn & ((UINT64_C(1) << k) - 1)) ||
			     pfn + (UINT64_C(1) << k) > nframes))
			k--;
		buddy_append(ph, pfn, k);
		pfn += UINT64_C(1) << k;
	}
	ph->nfree = nframes;
	ph->count[VM_FRAME_FREE] = nframes;
	return 0;

err_unmap:
	free(ph->frames);
	free(ph->mapcount);
	munmap(ph->mem, ph->size);
	ph->mem = NULL;
	return -ENOMEM;
}

void
vm_phys_fini(struct vm_phys *ph)
{
	if (ph->mem)
		munmap(ph->mem, ph->size);
	free(ph->frames);
	free(ph->mapcount);
	free(ph->rmap);
	free(ph->family);
	memset(ph, 0, sizeof(*ph));
}

int64_t
vm_phys_alloc_order(struct vm_phys *ph, int use, unsigned order)
{
	bool zero = !(use & VM_FRAME_NOZERO);
	uint64_t pfn, n;
	unsigned k = order;

	if (order >= VM_BUDDY_ORDERS)
		return -EINVAL;
	while (k < VM_BUDDY_ORDERS && ph->free_head[k] == VM_PFN_NONE)
		k++;
	if (k == VM_BUDDY_ORDERS)
		return -ENOMEM;
	pfn = ph->free_head[k];
	buddy_unlink(ph, pfn, k);
	while (k > order) { /* halve it, listing the upper half */
		k--;
		buddy_push(ph, pfn + (UINT64_C(1) << k), k);
	}
	use &= ~VM_FRAME_NOZERO;
	n = UINT64_C(1) << order;
	for (uint64_t i = pfn; i < pfn + n; i++) {
		struct vm_frame *f = &ph->frames[i];

		memset(f, 0, sizeof(*f));
		f->use = (uint8_t)use;
		f->prev = f->next = f->hnext = VM_PFN_NONE;
	}
	ph->nfree -= n;
	ph->count[VM_FRAME_FREE] -= n;
	ph->count[use] += n;
	if (zero)
		memset(vm_phys_ptr(ph, pfn), 0, n << VM_PAGE_SHIFT);
	return (int64_t)pfn;
}

int64_t
vm_phys_alloc(struct vm_phys *ph, int use)
{
	return vm_phys_alloc_order(ph, use, 0);
}

void
vm_phys_free(struct vm_phys *ph, uint64_t pfn)
{
	struct vm_frame *f = &ph->frames[pfn];
	unsigned k = 0;

	assert(ph->mapcount[pfn] == 0 && f->pin == 0 && f->obj == NULL);
	ph->count[f->use]--;
	memset(f, 0, sizeof(*f));
	f->use = VM_FRAME_FREE;
	ph->nfree++;
	ph->count[VM_FRAME_FREE]++;
	/* merge with the buddy while it is a free block of the same order */
	while (k + 1 < VM_BUDDY_ORDERS) {
		uint64_t b = pfn ^ (UINT64_C(1) << k);

		if (b >= ph->nframes || !(ph->frames[b].flags & VM_FF_BUDDY) ||
		    ph->frames[b].nent != k)
			break;
		buddy_unlink(ph, b, k);
		pfn &= ~(UINT64_C(1) << k);
		k++;
	}
	buddy_push(ph, pfn, k);
}

int
vm_phys_family_new(struct vm_phys *ph, struct vm_proc *p)
{
	uint32_t i = 1;

	while (i < ph->family_cap && ph->family[i])
		i++;
	if (i >= ph->family_cap) {
		uint32_t cap = ph->family_cap ? ph->family_cap * 2 : 64;
		struct vm_proc **n = realloc(ph->family, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		memset(n + ph->family_cap, 0,
		       (cap - ph->family_cap) * sizeof(*n));
		ph->family = n;
		ph->family_cap = cap;
		i = i ? i : 1;
	}
	ph->family[i] = p;
	p->family = i;
	p->family_next = NULL;
	return 0;
}

void
vm_phys_family_join(struct vm_phys *ph, struct vm_proc *child,
		    struct vm_proc *parent)
{
	struct vm_proc **link = &ph->family[parent->family];

	while (*link)
		link = &(*link)->family_next;
	*link = child;
	child->family = parent->family;
	child->family_next = NULL;
}

void
vm_phys_family_leave(struct vm_phys *ph, struct vm_proc *p)
{
	struct vm_proc **link;

	if (!p->family || p->family >= ph->family_cap)
		return;
	link = &ph->family[p->family];
	while (*link && *link != p)
		link = &(*link)->family_next;
	if (*link)
		*link = p->family_next;
	p->family = 0;
	p->family_next = NULL;
}

/* Doubles the rmap pool (the first call makes 1024 entries) and chains the
 * new entries onto its free list.  0, or -ENOMEM with the pool unchanged. */
static int
rmap_grow(struct vm_phys *ph)
{
	uint32_t cap = ph->rmap_cap ? ph->rmap_cap * 2 : 1024;
	struct vm_rmap *r = realloc(ph->rmap, cap * sizeof(*r));

	if (!r)
		return -ENOMEM;
	/* chain the new entries onto the free list; entry 0 stays unused */
	for (uint32_t i = cap - 1; i >= ph->rmap_cap && i > 0; i--) {
		r[i].next = ph->rmap_free;
		ph->rmap_free = i;
		ph->rmap_nfree++;
	}
	ph->rmap = r;
	ph->rmap_cap = cap;
	return 0;
}

/* True when q's PTE at va maps frame pfn (a huge leaf: one of its
 * frames).  A read-only walk: the reverse map's look at one member. */
static bool
rmap_maps(const struct vm_phys *ph, const struct vm_proc *q, uint64_t va,
	  uint64_t pfn)
{
	uint64_t tbl = q->cr3;

	if (q->state == VM_PROC_ZOMBIE)
		return false; /* it has no tables (nor a family) */
	for (int l = (int)ph->levels - 1; l >= 0; l--) {
		const vm_pte_t *t = vm_phys_ptr(ph, tbl);
		vm_pte_t e = t[VM_PX(l, va)];

		if (!(e & VM_PTE_P))
			return false;
		if (l == 0 || (e & VM_PTE_PS))
			return VM_PTE2PFN(e) +
				       ((va >> VM_PAGE_SHIFT) &
					((UINT64_C(1) << (9 * l)) - 1)) ==
			       pfn;
		tbl = VM_PTE2PFN(e);
	}
	return false;
}

int
vm_rmap_reserve(struct vm_phys *ph, uint64_t n)
{
	while (ph->rmap_nfree < n)
		if (ph->rmap_cap >= UINT32_MAX / 2 || rmap_grow(ph))
			return -ENOMEM;
	return 0;
}

int
vm_rmap_add(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p, uint64_t va)
{
	struct vm_frame *f = &ph->frames[pfn];
	uint32_t i;

	for (i = f->rmap; i; i = ph->rmap[i].next)
		if (ph->rmap[i].who == p->family && ph->rmap[i].va == va)
			break;
	if (!i) {
		if (vm_rmap_reserve(ph, 1))
			return -ENOMEM;
		i = ph->rmap_free;
		ph->rmap_free = ph->rmap[i].next;
		ph->rmap_nfree--;
		ph->rmap[i].va = va;
		ph->rmap[i].who = p->family;
		ph->rmap[i].next = f->rmap;
		f->rmap = i;
	}
	ph->mapcount[pfn]++;
	return 0;
}

int
vm_rmap_del(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p, uint64_t va)
{
	struct vm_frame *f = &ph->frames[pfn];
	uint32_t *link = &f->rmap;

	while (*link) {
		struct vm_rmap *r = &ph->rmap[*link];

		if (r->who == p->family && r->va == va) {
			uint32_t i = *link;

			ph->mapcount[pfn]--;
			for (struct vm_proc *q = ph->family[r->who]; q;
			     q = q->family_next)
				if (q != p && rmap_maps(ph, q, va, pfn))
					return 0; /* a relative maps it */
			*link = r->next;
			r->next = ph->rmap_free;
			r->who = 0;
			ph->rmap_free = i;
			ph->rmap_nfree++;
			return 0;
		}
		link = &r->next;
	}
	return -ENOENT;
}

int
vm_rmap_each(struct vm_phys *ph, uint64_t pfn,
	     int (*fn)(void *ctx, struct vm_proc *p, uint64_t va), void *ctx)
{
	uint32_t i = ph->frames[pfn].rmap;

	while (i) {
		/* read the entry first: fn may remove it */
		uint32_t next = ph->rmap[i].next;
		uint64_t va = ph->rmap[i].va;
		struct vm_proc *q = ph->family[ph->rmap[i].who];

		while (q) {
			struct vm_proc *qn = q->family_next;

			if (rmap_maps(ph, q, va, pfn)) {
				int rc = fn(ctx, q, va);

				if (rc)
					return rc;
			}
			q = qn;
		}
		i = next;
	}
	return 0;
}
