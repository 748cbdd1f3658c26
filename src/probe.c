/*
 * probe.c - the translation of one address, observed.
 *
 * The walk is vm_pt_walk() without VM_WALK_ALLOC, which reads entries and
 * touches nothing; the TLB is read with vm_tlb_peek(), which leaves the
 * LRU stamps alone.  The outcome is decided as mmu.c and fault.c would
 * decide it (see the case table in probe.h), from the same entries.
 *
 * Rights: an entry pointing at a lower table carries RW, US and NX as
 * well as the leaf, and the MMU combines them all (vm_mmu_walk_rights():
 * RW and US must be set at every level, NX at any level forbids fetches).
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "vmlab/machine.h"
#include "vmlab/mmu.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"
#include "vmlab/probe.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/tlb.h"
#include "vmlab/vma.h"

/* Copies the walk's entries into x, with the rights they grant. */
static void
probe_steps(struct vm_xlate *x, const struct vm_walk *w)
{
	unsigned rights = vm_mmu_walk_rights(w);

	x->top = w->top;
	x->level = w->level;
	for (int l = w->top; l >= w->level; l--) {
		x->step[l].index = (unsigned)VM_PX(l, x->va);
		x->step[l].entry = *w->pte[l];
		x->step[l].table = w->tbl[l];
	}
	x->user = (rights & VM_TLB_US) != 0;
	x->write = (rights & VM_TLB_RW) != 0;
	x->exec = !(rights & VM_TLB_NX);
}

/* Where the page at va of region a would come from. */
static int
probe_fill(struct vm_machine *m, const struct vm_vma *a, uint64_t va)
{
	uint64_t index = a->pgoff + ((va - a->start) >> VM_PAGE_SHIFT);

	if (!a->file)
		return VM_XLATE_ZERO;
	if (index >= vm_file_pages(a->file))
		return VM_XLATE_EOF;
	if (vm_pager_find(m, &a->file->obj, index) >= 0)
		return VM_XLATE_CACHED;
	if (a->file->obj.kind == VM_POBJ_SHMEM)
		return a->file->slots[index] ? VM_XLATE_READ : VM_XLATE_ZERO;
	return VM_XLATE_READ;
}

/* The outcome of the walk, from the last entry it reached. */
static void
probe_outcome(struct vm_machine *m, struct vm_proc *p, struct vm_xlate *x)
{
	vm_pte_t e = x->step[x->level].entry;
	const struct vm_vma *a;
	uint64_t size = VM_LEVEL_SIZE(x->level), base, off;

	if (e & VM_PTE_P) {
		base = VM_PTE2PFN(e) & ~((size >> VM_PAGE_SHIFT) - 1);
		off = x->va & (size - 1);
		x->result = VM_XLATE_PRESENT;
		x->pa = (base << VM_PAGE_SHIFT) + off;
		x->pfn = base + (off >> VM_PAGE_SHIFT);
		x->page_size = size;
		return;
	}
	x->user = x->write = x->exec = false;
	if (VM_PTE_IS_SWAP(e)) {
		x->result = VM_XLATE_SWAPPED;
		x->slot = VM_SWP_SLOT(e);
		return;
	}
	x->result = VM_XLATE_NOTPRESENT;
	a = vm_vma_find(&p->vmas, x->va);
	x->region = a != NULL;
	x->fill = a ? probe_fill(m, a, x->va) : VM_XLATE_ZERO;
}

/* The TLB entry a lookup by p for va would hit. */
static void
probe_tlb(struct vm_machine *m, struct vm_proc *p, struct vm_xlate *x)
{
	const struct vm_tlb *t = &m->cpu.tlb;
	const struct vm_tlb_entry *e = vm_tlb_peek(t, x->asid, x->va);

	if (!e)
		return;
	/* without ASIDs, tag 0 belongs to whoever runs */
	if (!m->cfg.asid && m->cpu.cur != p && !(e->flags & VM_TLB_G))
		return;
	x->tlb.hit = true;
	x->tlb.set = (unsigned)((e - t->e) / t->ways);
	x->tlb.way = (unsigned)((e - t->e) % t->ways);
	x->tlb.pfn = e->pfn;
	x->tlb.size = e->size;
	x->tlb.flags = e->flags;
}

int
vm_probe_translate(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		   struct vm_xlate *out)
{
	struct vm_walk w;

	memset(out, 0, sizeof(*out));
	out->va = va;
	out->asid = m->cfg.asid ? p->asid : 0;
	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	out->canonical = vm_pt_canonical(m, va);
	if (!out->canonical)
		return 0;
	vm_pt_walk(m, p, va, 0, 0, &w);
	probe_steps(out, &w);
	probe_outcome(m, p, out);
	probe_tlb(m, p, out);
	return 0;
}
