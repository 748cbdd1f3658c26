/*
 * pt.c - the page-table walker and the upkeep of table frames.
 *
 * Tables are allocated on demand by a walk with VM_WALK_ALLOC; an entry
 * pointing at a lower table is P|RW|US so that the leaf alone decides
 * permissions (as Linux builds its user tables).  Every store into a table
 * goes through vm_pt_set(), which keeps the table's count of non-zero
 * entries; vm_pt_prune() frees tables whose count fell to zero.
 *
 * Shared kernel tables are VM_FRAME_KERNEL frames: a prune stops there,
 * and they are never charged to a process.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>

#include "vmlab/frame.h"
#include "vmlab/machine.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"

#define PT_TABLE_FLAGS (VM_PTE_P | VM_PTE_RW | VM_PTE_US)

vm_pte_t *
vm_pt_table(struct vm_machine *m, uint64_t pfn)
{
	return vm_phys_ptr(&m->phys, pfn);
}

bool
vm_pt_canonical(const struct vm_machine *m, uint64_t va)
{
	return vm_va_canonical(va, 12 + 9 * m->cfg.levels);
}

/* Allocates a table for entry l of the walk and links it in. */
static int
pt_grow(struct vm_machine *m, struct vm_proc *p, struct vm_walk *w, int l)
{
	int64_t pfn = vm_frame_alloc(m, VM_FRAME_PT, p);

	if (pfn < 0)
		return (int)pfn;
	p->pt_pages++;
	vm_count(m, p, VM_STAT_pt_alloc, 1);
	vm_pt_set(m, w, l, VM_PFN2PTE(pfn) | PT_TABLE_FLAGS);
	return 0;
}

int
vm_pt_walk(struct vm_machine *m, struct vm_proc *p, uint64_t va, int target,
	   int flags, struct vm_walk *w)
{
	uint64_t tbl = p->cr3;

	w->top = (int)m->cfg.levels - 1;
	w->refs = 0;
	for (int l = w->top;; l--) {
		vm_pte_t *pte = &vm_pt_table(m, tbl)[VM_PX(l, va)];

		w->tbl[l] = tbl;
		w->pte[l] = pte;
		w->level = l;
		w->refs++;
		if (l <= target)
			return 0;
		if (!(*pte & VM_PTE_P)) {
			int rc;

			if (!(flags & VM_WALK_ALLOC))
				return -ENOENT;
			rc = pt_grow(m, p, w, l);
			if (rc)
				return rc;
		} else if (*pte & VM_PTE_PS) {
			return 0;
		}
		tbl = VM_PTE2PFN(*pte);
	}
}

void
vm_pt_store(struct vm_machine *m, uint64_t tbl, vm_pte_t *pte, vm_pte_t val)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, tbl);

	if (*pte == 0 && val != 0)
		f->nent++;
	else if (*pte != 0 && val == 0)
		f->nent--;
	*pte = val;
}

void
vm_pt_set(struct vm_machine *m, struct vm_walk *w, int level, vm_pte_t val)
{
	vm_pt_store(m, w->tbl[level], w->pte[level], val);
}

/* Frees table frame tbl, which has no entries left, charged to p. */
static void
pt_release(struct vm_machine *m, struct vm_proc *p, uint64_t tbl)
{
	vm_frame_free(m, tbl);
	p->pt_pages--;
	vm_count(m, p, VM_STAT_pt_free, 1);
}

int
vm_pt_prune(struct vm_machine *m, struct vm_proc *p, struct vm_walk *w)
{
	int freed = 0;

	for (int l = w->level; l < w->top; l++) {
		uint64_t tbl = w->tbl[l];
		struct vm_frame *f = vm_phys_frame(&m->phys, tbl);

		if (f->nent != 0 || f->use != VM_FRAME_PT)
			break;
		vm_pt_set(m, w, l + 1, 0);
		pt_release(m, p, tbl);
		freed++;
	}
	return freed;
}

struct pt_range {
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t start, end;
	int flags;
	vm_pt_visit_fn *fn;
	void *ctx;
};

/* Visits the entries of table tbl at level, which maps from base. */
static int
pt_range_rec(struct pt_range *r, uint64_t tbl, int level, uint64_t base)
{
	vm_pte_t *t = vm_pt_table(r->m, tbl);
	uint64_t size = VM_LEVEL_SIZE(level);
	unsigned i = r->start > base ? (unsigned)((r->start - base) / size) : 0;

	for (; i < VM_PTES_PER_TABLE; i++) {
		uint64_t va = base + i * size, child;
		int rc;

		if (va >= r->end)
			break;
		if (t[i] == 0)
			continue;
		if (level == 0 || !(t[i] & VM_PTE_P) || (t[i] & VM_PTE_PS)) {
			rc = r->fn(r->ctx, &t[i], tbl, level, va);
			if (rc)
				return rc;
			continue;
		}
		child = VM_PTE2PFN(t[i]);
		rc = pt_range_rec(r, child, level - 1, va);
		if (rc)
			return rc;
		if ((r->flags & VM_RANGE_PRUNE) &&
		    vm_phys_frame(&r->m->phys, child)->nent == 0 &&
		    vm_phys_frame(&r->m->phys, child)->use == VM_FRAME_PT) {
			vm_pt_store(r->m, tbl, &t[i], 0);
			pt_release(r->m, r->p, child);
		}
	}
	return 0;
}

int
vm_pt_range(struct vm_machine *m, struct vm_proc *p, uint64_t start,
	    uint64_t end, int flags, vm_pt_visit_fn *fn, void *ctx)
{
	struct pt_range r = {
		.m = m, .p = p, .start = start, .end = end,
		.flags = flags, .fn = fn, .ctx = ctx,
	};

	if (start >= end)
		return 0;
	return pt_range_rec(&r, p->cr3, (int)m->cfg.levels - 1, 0);
}

int
vm_pte_flags_str(vm_pte_t pte, int level, char *buf, unsigned len)
{
	static const char *const names[12] = {
		"P", "RW", "US", "PWT", "PCD", "A", "D", "PS", "G",
		"COW", "SPECIAL", "SOFT_DIRTY",
	};
	unsigned off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned b = 0; b < 12; b++) {
		const char *name = names[b];

		if (!(pte & (1ull << b)))
			continue;
		if (b == 7 && level == 0)
			name = "PAT";
		off += (unsigned)snprintf(off < len ? buf + off : NULL,
					  off < len ? len - off : 0, "%s%s",
					  off ? " " : "", name);
	}
	if (pte & VM_PTE_NX)
		off += (unsigned)snprintf(off < len ? buf + off : NULL,
					  off < len ? len - off : 0, "%sNX",
					  off ? " " : "");
	return (int)off;
}
