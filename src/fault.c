/*
 * fault.c - the page-fault handler.
 *
 * A fault is resolved in phases sharing one context (after OpenBSD's
 * uvm_fault): check, then the leaf PTE's case.
 *
 *   check: non-canonical            -> -EFAULT (general protection)
 *          kernel half from user    -> -EFAULT (US clear on the walk)
 *          no region at va          -> -EFAULT (SIGSEGV, SEGV_MAPERR)
 *          region forbids access    -> -EFAULT (SIGSEGV, SEGV_ACCERR)
 *   leaf:  empty, anonymous region  -> demand zero: a zeroed frame (minor)
 *          empty, file region       -> the page-cache frame (major when
 *                                      it had to be read); wholly past the
 *                                      file's end -> -ENXIO (SIGBUS)
 *          empty, shared anonymous  -> the region's shmem page: found,
 *                                      read from its slot (major), or a
 *                                      zeroed one, shared by every mapper
 *            shared                 -> mapped with the region's rights
 *            private, read          -> mapped read-only, COW
 *            private, write         -> copied at once into an anon frame
 *          swap entry               -> the swap cache's frame, read in if
 *                                      absent (major); a private page
 *                                      others still hold is mapped COW
 *          present, COW, write      -> break COW: the last mapper of an
 *                                      anonymous page gets write access
 *                                      back (cow_reuse), else the page is
 *                                      copied (cow_break)
 *          present, allowed         -> the TLB was stale, or mprotect
 *                                      raised the region's rights: the
 *                                      PTE takes them (never RW while COW)
 *
 * In a huge= region (huge.h) a fault first looks at the entry of the
 * page's level (1: 2 MiB, 2: 1 GiB):
 *
 *          empty, the aligned page inside the region
 *                                   -> a zeroed huge page, one PS leaf
 *                                      (thp_fault_alloc); no free block:
 *                                      2 MiB falls back to 4 KiB pages
 *                                      (thp_fault_fallback), 1 GiB fails
 *                                      with -ENOMEM (hugetlbfs's SIGBUS)
 *          a PS leaf, COW, write    -> the last mapper gets write access
 *                                      back (cow_reuse); else a 2 MiB
 *                                      page is split and its 4 KiB page
 *                                      copied, a 1 GiB page copied whole
 *          a PS leaf, allowed       -> takes the region's rights
 *          a table                  -> the 4 KiB cases below
 *
 * A file frame is never written through a private mapping: its PTE there
 * always has COW set, so mprotect cannot give it RW.
 *
 * Preconditions: p is alive and its tables are consistent.  The handler
 * may allocate, and allocation may reclaim (evicting pages of p itself) or
 * OOM-kill: after any allocation p may be a zombie, and a frame it still
 * needs (the source of a copy) is pinned across the allocation.  Eviction
 * never frees tables, so the leaf pointer stays valid while p lives.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "vmlab/fault.h"
#include "vmlab/frame.h"
#include "vmlab/huge.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"

/* One fault.  m, p, fi: set by vm_fault, read-only after; vma: set by
 * check; w: set by the walk, its leaf changed only through vm_pt_set. */
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

/* The same, write-protected for copy on write. */
static vm_pte_t
fault_pte_cow(const struct vm_vma *vma, uint64_t pfn)
{
	return (fault_pte(vma, pfn) & ~VM_PTE_RW) | VM_PTE_COW;
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

/* Maps resident frame pfn at the faulting page with pte, and counts the
 * fault (major when the page had to be read). */
static int
fault_install(struct fault_ctx *c, uint64_t pfn, vm_pte_t pte, bool major)
{
	uint64_t va = c->fi->va & VM_PAGE_MASK;
	int rc = vm_rmap_add(&c->m->phys, pfn, c->p, va);

	if (rc)
		return rc;
	vm_pt_set(c->m, &c->w, 0, pte);
	vm_frame_rss(c->p, vm_phys_frame(&c->m->phys, pfn), 1);
	vm_reclaim_add(c->m, pfn);
	vm_count(c->m, c->p, VM_STAT_pgfault, 1);
	if (major)
		vm_count(c->m, c->p, VM_STAT_pgmajfault, 1);
	else
		vm_clock_sys(c->m, c->m->cfg.cost_minor_fault);
	return 0;
}

static int
fault_zero(struct fault_ctx *c)
{
	int64_t pfn = vm_frame_alloc(c->m, VM_FRAME_ANON, c->p);
	int rc;

	if (pfn < 0)
		return (int)pfn;
	if (c->p->state == VM_PROC_ZOMBIE) {
		vm_frame_free(c->m, (uint64_t)pfn);
		return -ENOMEM;
	}
	rc = fault_install(c, (uint64_t)pfn, fault_pte(c->vma, (uint64_t)pfn),
			   false);
	if (rc) {
		vm_frame_free(c->m, (uint64_t)pfn);
		return rc;
	}
	vm_count(c->m, c->p, VM_STAT_demand_zero, 1);
	return 0;
}

/*
 * A copy of resident frame src in a new anonymous frame of p, dirty: its
 * bytes are in no swap slot, and they are no zeros reclaim may drop (a
 * populated private file page is copied with no write after it).  src is
 * pinned across the allocation.  Returns the new PFN, or -ENOMEM (also
 * when the allocation OOM-killed p).
 */
static int64_t
fault_copy(struct fault_ctx *c, uint64_t src)
{
	struct vm_machine *m = c->m;
	int64_t pfn;

	vm_frame_pin(m, src);
	pfn = vm_frame_alloc(m, VM_FRAME_ANON | VM_FRAME_NOZERO, c->p);
	if (pfn >= 0 && c->p->state == VM_PROC_ZOMBIE) {
		vm_frame_free(m, (uint64_t)pfn);
		pfn = -ENOMEM;
	}
	if (pfn >= 0) {
		memcpy(vm_phys_ptr(&m->phys, (uint64_t)pfn),
		       vm_phys_ptr(&m->phys, src), VM_PAGE_SIZE);
		vm_phys_frame(&m->phys, (uint64_t)pfn)->flags |= VM_FF_DIRTY;
	}
	vm_frame_unpin(m, src);
	return pfn;
}

/* An empty PTE in a file region: the page comes from the page cache. */
static int
fault_file(struct fault_ctx *c)
{
	struct vm_vma *a = c->vma;
	uint64_t index = a->pgoff + ((c->fi->va - a->start) >> VM_PAGE_SHIFT);
	uint64_t pfn;
	int64_t copy;
	bool major;
	int rc;

	if (index >= vm_file_pages(a->file))
		return -ENXIO;
	rc = vm_pager_get(c->m, &a->file->obj, index, c->p, &pfn, &major);
	if (rc || c->p->state == VM_PROC_ZOMBIE)
		return rc ? rc : -ENOMEM;
	if (a->flags & VM_VMA_SHARED)
		return fault_install(c, pfn, fault_pte(a, pfn), major);
	if (!(c->fi->access & VM_ACC_W))
		return fault_install(c, pfn, fault_pte_cow(a, pfn), major);
	copy = fault_copy(c, pfn);
	if (copy < 0)
		return (int)copy;
	rc = fault_install(c, (uint64_t)copy, fault_pte(a, (uint64_t)copy),
			   major);
	if (rc)
		vm_frame_free(c->m, (uint64_t)copy);
	return rc;
}

static int
fault_swapin(struct fault_ctx *c)
{
	struct vm_machine *m = c->m;
	uint64_t slot = VM_SWP_SLOT(*c->w.pte[0]), pfn;
	bool major, alone;
	vm_pte_t pte;
	int rc;

	rc = vm_pager_get(m, &m->pager.swap, slot, c->p, &pfn, &major);
	if (rc || c->p->state == VM_PROC_ZOMBIE)
		return rc ? rc : -ENOMEM;
	/* this PTE and the swap cache hold the slot, and no one maps it */
	alone = vm_pager_slot_refs(m, slot) == 2 &&
		vm_frame_mapcount(&m->phys, pfn) == 0;
	pte = (c->vma->flags & VM_VMA_SHARED) || alone
		      ? fault_pte(c->vma, pfn)
		      : fault_pte_cow(c->vma, pfn);
	rc = fault_install(c, pfn, pte, major);
	if (rc)
		return rc;
	/* the PTE's reference on the slot goes; the cache keeps its own */
	c->p->swapents--;
	vm_pager_drop_slot(m, slot);
	return 0;
}

/* A write to a COW page: reuse it when p is its last mapper, else copy. */
static int
fault_cow(struct fault_ctx *c)
{
	struct vm_machine *m = c->m;
	uint64_t va = c->fi->va & VM_PAGE_MASK;
	uint64_t src = VM_PTE2PFN(*c->w.pte[0]);
	struct vm_frame *f = vm_phys_frame(&m->phys, src);
	int64_t pfn;

	if (f->use == VM_FRAME_ANON && vm_frame_mapcount(&m->phys, src) == 1 &&
	    (!f->obj || vm_pager_slot_refs(m, f->index) == 1)) {
		vm_pt_set(m, &c->w, 0, (*c->w.pte[0] | VM_PTE_RW) & ~VM_PTE_COW);
		vm_tlb_shootdown(m, c->p, va);
		vm_count(m, c->p, VM_STAT_cow_reuse, 1);
		return 0;
	}
	pfn = fault_copy(c, src);
	if (pfn < 0)
		return (int)pfn;
	vm_frame_pin(m, src);
	vm_rmap_del(&m->phys, src, c->p, va);
	vm_frame_rss(c->p, f, -1);
	vm_tlb_shootdown(m, c->p, va);
	if (fault_install(c, (uint64_t)pfn, fault_pte(c->vma, (uint64_t)pfn),
			  false)) {
		/* no room for the rmap entry: the PTE keeps the old page */
		vm_rmap_add(&m->phys, src, c->p, va);
		vm_frame_unpin(m, src);
		vm_frame_free(m, (uint64_t)pfn);
		return -ENOMEM;
	}
	vm_count(m, c->p, VM_STAT_cow_break, 1);
	vm_frame_unpin(m, src); /* frees src when no one needs it now */
	return 0;
}

/* A present page the region allows: the PTE lacks a right the region
 * gives (mprotect raised it) or the TLB was stale.  Either way the PTE
 * takes the region's rights (but not RW while it is COW) and the page's
 * TLB entry goes. */
static int
fault_present(struct fault_ctx *c, int level)
{
	vm_pte_t *pte = c->w.pte[level];
	vm_pte_t keep = *pte & (VM_PTE_A | VM_PTE_D | VM_PTE_G | VM_PTE_COW |
				VM_PTE_SOFT_DIRTY | VM_PTE_PS);
	vm_pte_t val = fault_pte(c->vma, VM_PTE2PFN(*pte)) | keep;

	if (val & VM_PTE_COW)
		val &= ~VM_PTE_RW;
	*pte = val;
	vm_tlb_shootdown(c->m, c->p, c->fi->va);
	return 0;
}

/* A zeroed huge page of 2^(9 * level) frames for the faulting region,
 * mapped whole.  -EAGAIN where 4 KiB pages must do instead. */
static int
huge_zero(struct fault_ctx *c, int level)
{
	struct vm_machine *m = c->m;
	uint64_t size = VM_LEVEL_SIZE(level), va = c->fi->va & ~(size - 1);
	unsigned order = 9 * (unsigned)level;
	int64_t head;
	int rc;

	if (va < c->vma->start || va + size > c->vma->end)
		return -EAGAIN; /* the region no longer holds the whole page */
	head = vm_frame_alloc_huge(m, c->p, order);
	if (head < 0 && level == VM_HUGE_1G_LEVEL)
		return -ENOMEM;
	if (head < 0) {
		vm_count(m, c->p, VM_STAT_thp_fault_fallback, 1);
		return -EAGAIN;
	}
	rc = vm_rmap_add(&m->phys, (uint64_t)head, c->p, va);
	if (rc) {
		vm_huge_free(m, (uint64_t)head);
		return rc;
	}
	vm_pt_set(m, &c->w, level, fault_pte(c->vma, (uint64_t)head) |
					   VM_PTE_PS);
	c->p->rss_anon += UINT64_C(1) << order;
	if (level == VM_HUGE_2M_LEVEL) {
		vm_reclaim_add(m, (uint64_t)head); /* 1 GiB: never reclaimed */
		vm_count(m, c->p, VM_STAT_thp_fault_alloc, 1);
	}
	vm_count(m, c->p, VM_STAT_pgfault, 1);
	vm_clock_sys(m, m->cfg.cost_minor_fault);
	return 0;
}

/* A write to a 1 GiB page forked into another process: a copy of the
 * whole page, as hugetlbfs copies a private huge page. */
static int
huge_copy(struct fault_ctx *c, int level, uint64_t src)
{
	struct vm_machine *m = c->m;
	uint64_t size = VM_LEVEL_SIZE(level), va = c->fi->va & ~(size - 1);
	int64_t head;

	vm_frame_pin(m, src);
	head = vm_frame_alloc_huge(m, c->p, 9 * (unsigned)level);
	if (head < 0 || vm_rmap_add(&m->phys, (uint64_t)head, c->p, va)) {
		if (head >= 0)
			vm_huge_free(m, (uint64_t)head);
		vm_frame_unpin(m, src);
		return -ENOMEM;
	}
	memcpy(vm_phys_ptr(&m->phys, (uint64_t)head),
	       vm_phys_ptr(&m->phys, src), size);
	vm_rmap_del(&m->phys, src, c->p, va);
	vm_pt_set(m, &c->w, level, fault_pte(c->vma, (uint64_t)head) |
					   VM_PTE_PS | VM_PTE_D);
	vm_tlb_shootdown(m, c->p, va);
	vm_count(m, c->p, VM_STAT_cow_break, 1);
	vm_frame_unpin(m, src);
	if (!vm_frame_mapcount(&m->phys, src))
		vm_huge_free(m, src);
	return 0;
}

/* A fault in a huge= region, at the level of its pages.  -EAGAIN where
 * the 4 KiB cases take over. */
static int
fault_huge(struct fault_ctx *c, int level)
{
	struct vm_machine *m = c->m;
	vm_pte_t e, *leaf;
	uint64_t head;
	int rc;

	rc = vm_pt_walk(m, c->p, c->fi->va, level, VM_WALK_ALLOC, &c->w);
	if (rc)
		return rc;
	leaf = c->w.pte[level];
	e = *leaf;
	if (e == 0)
		return huge_zero(c, level);
	if (!(e & VM_PTE_PS))
		return -EAGAIN; /* split before, or 4 KiB pages from the start */
	head = VM_PTE2PFN(e);
	if (!(c->fi->access & VM_ACC_W) || !(e & VM_PTE_COW))
		return fault_present(c, level);
	if (vm_frame_mapcount(&m->phys, head) == 1) {
		vm_pt_set(m, &c->w, level, (e | VM_PTE_RW) & ~VM_PTE_COW);
		vm_tlb_shootdown(m, c->p, c->fi->va);
		vm_count(m, c->p, VM_STAT_cow_reuse, 1);
		return 0;
	}
	if (level == VM_HUGE_1G_LEVEL)
		return huge_copy(c, level, head);
	rc = vm_huge_split_page(m, head);
	return rc ? rc : -EAGAIN;
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
	if (vm_vma_huge_level(c.vma)) {
		rc = fault_huge(&c, vm_vma_huge_level(c.vma));
		if (rc != -EAGAIN)
			return rc;
		if (p->state == VM_PROC_ZOMBIE)
			return -ENOMEM; /* the split's tables cost its life */
	}
	rc = vm_pt_walk(m, p, fi->va, 0, VM_WALK_ALLOC, &c.w);
	if (rc)
		return rc;
	if (c.w.level != 0)
		return -EFAULT; /* huge leaf: handled with huge pages */
	pte = *c.w.pte[0];
	if (pte == 0)
		return c.vma->file ? fault_file(&c) : fault_zero(&c);
	if (VM_PTE_IS_SWAP(pte))
		return fault_swapin(&c);
	if ((fi->access & VM_ACC_W) && (pte & VM_PTE_COW))
		return fault_cow(&c);
	return fault_present(&c, 0);
}
