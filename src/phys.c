/*
 * phys.c - the frames, the frame table and the reverse map.
 *
 * Invariants:
 *  - a frame is on the free stack iff its use is VM_FRAME_FREE;
 *  - count[use] is the number of frames of each use, nfree == count[FREE];
 *  - a frame's mapcount is the length of its rmap chain;
 *  - rmap pool entry 0 is never used, so index 0 ends a chain.
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

int
vm_phys_init(struct vm_phys *ph, uint64_t nframes)
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
	if (!ph->frames)
		goto err_unmap;
	ph->nframes = nframes;
	/* push in reverse so that allocation hands out PFN 0, 1, 2, ... */
	ph->free_top = VM_PFN_NONE;
	for (uint64_t pfn = nframes; pfn-- > 0;) {
		ph->frames[pfn].next = ph->free_top;
		ph->free_top = (uint32_t)pfn;
	}
	ph->nfree = nframes;
	ph->count[VM_FRAME_FREE] = nframes;
	return 0;

err_unmap:
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
	free(ph->rmap);
	free(ph->mapper);
	memset(ph, 0, sizeof(*ph));
}

int64_t
vm_phys_alloc(struct vm_phys *ph, int use)
{
	uint32_t pfn = ph->free_top;
	bool zero = !(use & VM_FRAME_NOZERO);
	struct vm_frame *f;

	if (pfn == VM_PFN_NONE)
		return -ENOMEM;
	f = &ph->frames[pfn];
	ph->free_top = f->next;
	use &= ~VM_FRAME_NOZERO;
	memset(f, 0, sizeof(*f));
	f->use = (uint8_t)use;
	f->prev = f->next = f->hnext = VM_PFN_NONE;
	ph->nfree--;
	ph->count[VM_FRAME_FREE]--;
	ph->count[use]++;
	if (zero)
		memset(vm_phys_ptr(ph, pfn), 0, VM_PAGE_SIZE);
	return pfn;
}

void
vm_phys_free(struct vm_phys *ph, uint64_t pfn)
{
	struct vm_frame *f = &ph->frames[pfn];

	assert(f->mapcount == 0 && f->pin == 0 && f->obj == NULL);
	ph->count[f->use]--;
	memset(f, 0, sizeof(*f));
	f->use = VM_FRAME_FREE;
	f->next = ph->free_top;
	ph->free_top = (uint32_t)pfn;
	ph->nfree++;
	ph->count[VM_FRAME_FREE]++;
}

int
vm_phys_mapper_add(struct vm_phys *ph, struct vm_proc *p, uint32_t *who)
{
	uint32_t i = 1;

	while (i < ph->mapper_cap && ph->mapper[i])
		i++;
	if (i >= ph->mapper_cap) {
		uint32_t cap = ph->mapper_cap ? ph->mapper_cap * 2 : 64;
		struct vm_proc **n = realloc(ph->mapper, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		memset(n + ph->mapper_cap, 0,
		       (cap - ph->mapper_cap) * sizeof(*n));
		ph->mapper = n;
		ph->mapper_cap = cap;
		i = i ? i : 1;
	}
	ph->mapper[i] = p;
	*who = i;
	return 0;
}

void
vm_phys_mapper_del(struct vm_phys *ph, uint32_t who)
{
	if (who && who < ph->mapper_cap)
		ph->mapper[who] = NULL;
}

int
vm_rmap_grow(struct vm_phys *ph)
{
	uint32_t cap = ph->rmap_cap ? ph->rmap_cap * 2 : 1024;
	struct vm_rmap *r = realloc(ph->rmap, cap * sizeof(*r));

	if (!r)
		return -ENOMEM;
	/* chain the new entries onto the free list; entry 0 stays unused */
	for (uint32_t i = cap - 1; i >= ph->rmap_cap && i > 0; i--) {
		r[i].next = ph->rmap_free;
		ph->rmap_free = i;
	}
	ph->rmap = r;
	ph->rmap_cap = cap;
	return 0;
}

int
vm_rmap_del(struct vm_phys *ph, uint64_t pfn, struct vm_proc *p, uint64_t va)
{
	struct vm_frame *f = &ph->frames[pfn];
	uint32_t *link = &f->rmap;

	while (*link) {
		struct vm_rmap *r = &ph->rmap[*link];

		if (r->who == vm_proc_mapper(p) && r->va == va) {
			uint32_t i = *link;

			*link = r->next;
			r->next = ph->rmap_free;
			ph->rmap_free = i;
			f->mapcount--;
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
		/* read the link first: fn may remove this entry */
		uint32_t next = ph->rmap[i].next;
		int rc = fn(ctx, ph->mapper[ph->rmap[i].who], ph->rmap[i].va);

		if (rc)
			return rc;
		i = next;
	}
	return 0;
}
