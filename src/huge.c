/*
 * huge.c - splitting and freeing huge pages.  See huge.h.
 *
 * A split is done in two passes so that it either happens everywhere or
 * nowhere: first a table frame for every mapping and room in the reverse
 * map are taken (allocation may reclaim, or OOM-kill a mapper: the head
 * is pinned meanwhile, so it is not the victim), then, with nothing left
 * to fail, each PS leaf is replaced by its table.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "vmlab/frame.h"
#include "vmlab/huge.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"

#define TABLE_FLAGS (VM_PTE_P | VM_PTE_RW | VM_PTE_US)

struct mapping {
	struct vm_proc *p;
	uint64_t va;
};

struct mappings {
	struct mapping *v;
	uint32_t n, cap;
};

static int
collect_one(void *ctx, struct vm_proc *p, uint64_t va)
{
	struct mappings *ms = ctx;

	if (ms->n == ms->cap)
		return -ENOMEM; /* mapcount said fewer */
	ms->v[ms->n].p = p;
	ms->v[ms->n].va = va;
	ms->n++;
	return 0;
}

/* Replaces p's PS leaf at va (mapping head) by table tbl. */
static void
split_leaf(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	   uint64_t head, uint64_t tbl)
{
	struct vm_walk w;
	vm_pte_t *t = vm_pt_table(m, tbl), e;

	vm_pt_walk(m, p, va, VM_HUGE_2M_LEVEL, 0, &w);
	e = *w.pte[VM_HUGE_2M_LEVEL];
	for (unsigned i = 0; i < VM_PTES_PER_TABLE; i++)
		t[i] = (e & ~(VM_PTE_PS | VM_PTE_PFN_MASK)) |
		       VM_PFN2PTE(head + i);
	vm_phys_frame(&m->phys, tbl)->nent = VM_PTES_PER_TABLE;
	vm_pt_set(m, &w, VM_HUGE_2M_LEVEL, VM_PFN2PTE(tbl) | TABLE_FLAGS);
	p->pt_pages++;
	vm_count(m, p, VM_STAT_pt_alloc, 1);
	vm_count(m, p, VM_STAT_thp_split_pmd, 1);
	vm_tlb_shootdown(m, p, va);
}

int
vm_huge_split_page(struct vm_machine *m, uint64_t head)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, head);
	uint64_t n = UINT64_C(1) << 9, *tbl;
	struct mappings ms = { 0 };
	uint32_t k, got = 0;
	bool listed;
	int rc = 0;

	if (!(f->flags & VM_FF_COMPOUND))
		return 0;
	if (f->nent != 9)
		return -EINVAL;
	k = vm_frame_mapcount(&m->phys, head);
	ms.cap = k;
	ms.v = calloc(k ? k : 1, sizeof(*ms.v));
	tbl = calloc(k ? k : 1, sizeof(*tbl));
	if (!ms.v || !tbl) {
		rc = -ENOMEM;
		goto out;
	}
	vm_frame_pin(m, head);
	/* pass 1: the tables, each charged to the table's process */
	vm_rmap_each(&m->phys, head, collect_one, &ms);
	for (uint32_t i = 0; i < ms.n && !rc; i++) {
		int64_t t = vm_frame_alloc(m, VM_FRAME_PT, ms.v[i].p);

		if (t < 0)
			rc = (int)t;
		else
			tbl[got++] = (uint64_t)t;
	}
	if (!rc)
		rc = vm_rmap_reserve(&m->phys, (uint64_t)k * n);
	if (rc) {
		for (uint32_t i = 0; i < got; i++)
			vm_frame_free(m, tbl[i]);
		vm_frame_unpin(m, head);
		goto out;
	}
	/* pass 2: allocation may have killed a mapper; those left split */
	ms.n = 0;
	vm_rmap_each(&m->phys, head, collect_one, &ms);
	for (uint32_t i = ms.n; i < got; i++)
		vm_frame_free(m, tbl[i]);
	for (uint32_t i = 0; i < ms.n; i++) {
		split_leaf(m, ms.v[i].p, ms.v[i].va, head, tbl[i]);
		for (uint64_t j = 1; j < n; j++)
			vm_rmap_add(&m->phys, head + j, ms.v[i].p,
				     ms.v[i].va + (j << VM_PAGE_SHIFT));
	}
	listed = f->flags & VM_FF_LRU;
	f->flags &= ~VM_FF_COMPOUND;
	f->nent = 0;
	for (uint64_t j = 1; j < n; j++) {
		vm_phys_frame(&m->phys, head + j)->flags &= ~VM_FF_TAIL;
		if (listed)
			vm_reclaim_add(m, head + j);
	}
	vm_count(m, f->owner, VM_STAT_thp_split_page, 1);
	vm_frame_unpin(m, head);
out:
	free(ms.v);
	free(tbl);
	return rc;
}

int
vm_huge_split_edges(struct vm_machine *m, struct vm_proc *p, uint64_t start,
		    uint64_t end)
{
	uint64_t at[2] = { start, end };

	for (int i = 0; i < 2; i++) {
		struct vm_walk w;
		vm_pte_t e;
		int rc;

		if (at[i] >= vm_user_top(m) ||
		    vm_pt_walk(m, p, at[i], 0, 0, &w) || w.level == 0)
			continue; /* no huge leaf there */
		e = *w.pte[w.level];
		if (!(at[i] & (VM_LEVEL_SIZE(w.level) - 1)))
			continue; /* on its edge: not cut */
		if (w.level == VM_HUGE_1G_LEVEL)
			return -EINVAL;
		rc = vm_huge_split_page(m, VM_PTE2PFN(e));
		if (rc)
			return rc;
	}
	return 0;
}

struct heads {
	uint64_t *v;
	size_t n, cap;
};

static int
head_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct heads *h = arg;

	(void)tbl;
	(void)va;
	if (level != VM_HUGE_2M_LEVEL || !(*pte & VM_PTE_P))
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		uint64_t *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = VM_PTE2PFN(*pte);
	return 0;
}

int
vm_huge_split_range(struct vm_machine *m, struct vm_proc *p, uint64_t start,
		    uint64_t end)
{
	struct heads h = { 0 };
	int rc = vm_pt_range(m, p, start, end, 0, head_one, &h);

	for (size_t i = 0; !rc && i < h.n; i++)
		rc = vm_huge_split_page(m, h.v[i]);
	free(h.v);
	return rc;
}

void
vm_huge_free(struct vm_machine *m, uint64_t head)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, head);
	uint64_t n = UINT64_C(1) << f->nent;

	f->flags &= ~VM_FF_COMPOUND;
	f->nent = 0;
	for (uint64_t j = 0; j < n; j++) {
		struct vm_frame *t = vm_phys_frame(&m->phys, head + j);

		t->flags &= ~VM_FF_TAIL;
		if (!t->pin) /* else freed at its last unpin */
			vm_frame_free(m, head + j);
	}
}
