/*
 * fault.c - the page-fault handler.
 *
 * A fault is resolved in phases sharing one context (after OpenBSD's
 * uvm_fault): check, then the PTE's case.
 *
 *   check: non-canonical            -> -EFAULT (general protection)
 *          kernel half from user    -> -EFAULT (US clear on the walk)
 *          no region at va          -> -EFAULT (SIGSEGV, SEGV_MAPERR)
 *          region forbids access    -> -EFAULT (SIGSEGV, SEGV_ACCERR)
 *   leaf:  empty                    -> demand zero: a zeroed frame (minor)
 *          swap entry               -> swap-in: read the slot (major)
 *          present, COW, write      -> break COW (copy, or reuse if alone)
 *          present, allowed         -> the TLB was stale: drop its entry,
 *                                      or give the PTE the region's rights
 *
 * Preconditions: p is alive and its tables are consistent.  The handler may
 * allocate, and allocation may reclaim (evicting pages of p itself) or
 * OOM-kill: after any allocation the walk is only trusted if p is alive,
 * and eviction never frees tables, so the leaf pointer stays valid.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "vmlab/fault.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"
#include "vmlab/swap.h"

struct fault_ctx {
	struct vm_machine *m;
	struct vm_proc *p;
	const struct vm_fault_info *fi;
	struct vm_vma *vma;
	struct vm_walk w;
};

/* The leaf PTE a region's protections give to frame pfn. */
static vm_pte_t
fault_pte(const struct vm_vma *vma, uint64_t pfn)
{
	return VM_PFN2PTE(pfn) | VM_PTE_P | vm_prot_pte(vma->prot);
}

static bool
vma_allows(const struct vm_vma *vma, int access)
{
	if ((access & VM_ACC_R) && !(vma->prot & VM_PROT_READ))
		return false;
	if ((access & VM_ACC_W) && !(vma->prot & VM_PROT_WRITE))
		return false;
	if ((access & VM_ACC_X) && !(vma->prot & VM_PROT_EXEC))
		return false;
	return true;
}

static int
fault_check(struct fault_ctx *c)
{
	const struct vm_fault_info *fi = c->fi;

	if (fi->kind == VM_FAULT_NONCANON)
		return -EFAULT;
	if (fi->va >= vm_user_top(c->m))
		return -EFAULT;
	c->vma = vm_vma_find(&c->p->vmas, fi->va);
	if (!c->vma || !vma_allows(c->vma, fi->access))
		return -EFAULT;
	return 0;
}

/* Maps frame pfn at the faulting page; the frame is resident and listed. */
static int
fault_install(struct fault_ctx *c, uint64_t pfn, vm_pte_t pte)
{
	uint64_t va = c->fi->va & VM_PAGE_MASK;
	int rc = vm_rmap_add(&c->m->phys, pfn, c->p, va);

	if (rc)
		return rc;
	vm_pt_set(c->m, &c->w, 0, pte);
	c->p->rss_anon++;
	vm_reclaim_add(c->m, pfn);
	vm_count(c->m, c->p, VM_STAT_pgfault, 1);
	return 0;
}

static int
fault_zero(struct fault_ctx *c)
{
	int64_t pfn = vm_frame_alloc(c->m, VM_FRAME_ANON, c->p);
	int rc;

	if (pfn < 0)
		return (int)pfn;
	rc = fault_install(c, (uint64_t)pfn, fault_pte(c->vma, (uint64_t)pfn));
	if (rc) {
		vm_frame_free(c->m, (uint64_t)pfn);
		return rc;
	}
	vm_count(c->m, c->p, VM_STAT_demand_zero, 1);
	c->m->clock += c->m->cfg.cost_minor_fault;
	return 0;
}

static int
fault_swapin(struct fault_ctx *c)
{
	uint64_t slot = VM_SWP_SLOT(*c->w.pte[0]);
	int64_t pfn;
	struct vm_frame *f;
	int rc;

	if (!c->m->swap)
		return -EIO;
	pfn = vm_frame_alloc(c->m, VM_FRAME_ANON | VM_FRAME_NOZERO, c->p);
	if (pfn < 0)
		return (int)pfn;
	rc = vm_swap_read(c->m->swap, slot, vm_phys_ptr(&c->m->phys, pfn));
	if (rc == 0)
		rc = fault_install(c, (uint64_t)pfn,
				   fault_pte(c->vma, (uint64_t)pfn));
	if (rc) {
		vm_frame_free(c->m, (uint64_t)pfn);
		return rc < 0 ? rc : -EIO;
	}
	/* the PTE's reference to the slot passes to the swap cache */
	f = vm_phys_frame(&c->m->phys, pfn);
	f->flags |= VM_FF_SWAPCACHE;
	f->slot = slot;
	c->p->swapents--;
	vm_count(c->m, c->p, VM_STAT_pgmajfault, 1);
	vm_count(c->m, c->p, VM_STAT_pswpin, 1);
	c->m->clock += c->m->cfg.cost_major_fault;
	return 0;
}

/* A present page the region allows: the PTE lacks a right the region
 * gives (mprotect raised it) or the TLB was stale.  Either way the PTE
 * takes the region's rights and the page's TLB entry goes. */
static int
fault_present(struct fault_ctx *c)
{
	vm_pte_t *pte = c->w.pte[0];
	vm_pte_t keep = *pte & (VM_PTE_A | VM_PTE_D | VM_PTE_G |
				VM_PTE_SOFT_DIRTY);

	*pte = fault_pte(c->vma, VM_PTE2PFN(*pte)) | keep;
	vm_tlb_shootdown(c->m, c->p, c->fi->va);
	return 0;
}

int
vm_fault(struct vm_machine *m, struct vm_proc *p,
	 const struct vm_fault_info *fi)
{
	struct fault_ctx c = { .m = m, .p = p, .fi = fi };
	vm_pte_t pte;
	int rc;

	rc = fault_check(&c);
	if (rc)
		return rc;
	rc = vm_pt_walk(m, p, fi->va, 0, VM_WALK_ALLOC, &c.w);
	if (rc)
		return rc;
	if (c.w.level != 0)
		return -EFAULT; /* huge leaf: handled with huge pages */
	pte = *c.w.pte[0];
	if (pte == 0)
		return fault_zero(&c);
	if (VM_PTE_IS_SWAP(pte))
		return fault_swapin(&c);
	return fault_present(&c);
}
