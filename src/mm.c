/*
 * mm.c - mmap, munmap, mprotect, madvise: the regions, their PTEs and the
 * TLB kept in step.
 *
 * Order of every change: check all arguments first (nothing changes on
 * -EINVAL), then change the regions, then the PTEs, each PTE change shot
 * down in the TLB.  A failure to allocate while changing regions leaves
 * everything as it was (vma.c reserves before it splits).
 *
 * PROT_NONE pages stay present with US clear: user accesses fault, and
 * the page keeps its contents and its place in reclaim, as Linux keeps
 * PROT_NONE pages present behind its own marker.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "vmlab/fault.h"
#include "vmlab/log.h"
#include "vmlab/machine.h"
#include "vmlab/huge.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"
#include "vmlab/frame.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"

uint64_t
vm_user_half(const struct vm_machine *m)
{
	return 1ull << (12 + 9 * m->cfg.levels - 1);
}

uint64_t
vm_user_top(const struct vm_machine *m)
{
	return vm_user_half(m) - VM_PAGE_SIZE;
}

uint64_t
vm_prot_pte(unsigned prot)
{
	uint64_t bits = 0;

	if (prot != VM_PROT_NONE)
		bits |= VM_PTE_US;
	if (prot & VM_PROT_WRITE)
		bits |= VM_PTE_RW;
	if (!(prot & VM_PROT_EXEC))
		bits |= VM_PTE_NX;
	return bits;
}

int
vm_mm_range(const struct vm_machine *m, uint64_t addr, uint64_t *len)
{
	uint64_t l = *len;

	if (l == 0 || addr & ~VM_PAGE_MASK || l > UINT64_MAX - VM_PAGE_SIZE)
		return -EINVAL;
	l = (l + VM_PAGE_SIZE - 1) & VM_PAGE_MASK;
	if (l > vm_user_top(m) || addr > vm_user_top(m) - l)
		return -ENOMEM;
	*len = l;
	return 0;
}

struct zap_ctx {
	struct vm_machine *m;
	struct vm_proc *p;
	bool flush;
	uint64_t n;
};

static int
zap_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct zap_ctx *z = arg;
	struct vm_machine *m = z->m;
	vm_pte_t old = *pte;
	uint64_t pfn = VM_PTE2PFN(old);
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	z->n++;
	vm_pt_store(m, tbl, pte, 0);
	if ((old & VM_PTE_P) && level > 0) { /* a whole huge page */
		if (z->flush)
			vm_tlb_shootdown(m, z->p, va);
		vm_rmap_del(&m->phys, pfn, z->p, va);
		z->p->rss_anon -= UINT64_C(1) << (9 * level);
		if (!vm_frame_mapcount(&m->phys, pfn))
			vm_huge_free(m, pfn);
		return 0;
	}
	if (!(old & VM_PTE_P)) {
		z->p->swapents--;
		vm_pager_drop_slot(m, VM_SWP_SLOT(old));
		return 0;
	}
	if (z->flush)
		vm_tlb_shootdown(m, z->p, va);
	vm_rmap_del(&m->phys, pfn, z->p, va);
	vm_frame_rss(z->p, f, -1);
	if (old & VM_PTE_D)
		f->flags |= VM_FF_DIRTY; /* the page outlives this mapping */
	vm_frame_unmapped(m, pfn);
	return 0;
}

uint64_t
vm_mm_zap(struct vm_machine *m, struct vm_proc *p, uint64_t start,
	  uint64_t end, bool prune, bool flush)
{
	struct zap_ctx z = { .m = m, .p = p, .flush = flush };

	vm_pt_range(m, p, start, end, prune ? VM_RANGE_PRUNE : 0, zap_one, &z);
	return z.n;
}

/* Faults every page of [start, end) in, as MAP_POPULATE does.  A file
 * page wholly past the file's end ends it with 0: the pages after it are
 * past the end too, and populating is no access (Linux ignores them). */
static int
mm_populate(struct vm_machine *m, struct vm_proc *p, uint64_t start,
	    uint64_t end, unsigned prot)
{
	/* fault each page in with an access the region allows */
	struct vm_fault_info fi = {
		.access = (prot & VM_PROT_WRITE)  ? VM_ACC_W
			  : (prot & VM_PROT_READ) ? VM_ACC_R
						  : VM_ACC_X,
		.mode = VM_MODE_USER,
		.kind = VM_FAULT_NOTPRESENT,
	};
	struct vm_walk w;

	if (prot == VM_PROT_NONE)
		return 0;
	for (uint64_t va = start; va < end; va += VM_PAGE_SIZE) {
		int rc;

		if (vm_pt_walk(m, p, va, 0, 0, &w) == 0 &&
		    (*w.pte[w.level] & VM_PTE_P))
			continue; /* present, a huge leaf's page included */
		fi.va = va;
		rc = vm_fault(m, p, &fi);
		if (rc == -ENXIO)
			return 0; /* past a file's end: as far as it goes */
		if (rc)
			return rc;
		if (p->state == VM_PROC_ZOMBIE)
			return -ENOMEM;
	}
	return 0;
}

/* The rights WILLNEED faults a region's pages in with: those of the
 * region, but a private file page is read, not written (a write fault
 * would copy it, and advice changes no byte the process sees). */
static unsigned
willneed_prot(const struct vm_vma *a)
{
	if ((a->flags & VM_VMA_FILE) && !(a->flags & VM_VMA_SHARED))
		return a->prot & ~(unsigned)VM_PROT_WRITE;
	return a->prot;
}

int
vm_mm_populate(struct vm_machine *m, struct vm_proc *p, uint64_t start,
	       uint64_t end, int how)
{
	const struct vm_vma *a;
	uint64_t from, to;
	int rc;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	for (uint64_t va = start; va < end; va = to) {
		a = vm_vma_next(&p->vmas, va);
		if (!a || a->start >= end)
			break;
		from = a->start > va ? a->start : va;
		to = a->end < end ? a->end : end;
		rc = mm_populate(m, p, from, to,
				 how == VM_POPULATE_WILLNEED ? willneed_prot(a)
							     : a->prot);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Readies [start, end) of p for a change: a cut through a 1 GiB region
 * off its page boundaries is refused (EINVAL, as hugetlbfs), the 2 MiB
 * pages it cuts are split.  0 or -errno.
 */
static int
mm_huge_edges(struct vm_machine *m, struct vm_proc *p, uint64_t start,
	      uint64_t end)
{
	uint64_t g = VM_LEVEL_SIZE(VM_HUGE_1G_LEVEL) - 1;

	for (const struct vm_vma *a = vm_vma_next(&p->vmas, start);
	     a && a->start < end; a = vm_vma_next(&p->vmas, a->end))
		if ((a->flags & VM_VMA_HUGE_1G) &&
		    ((start > a->start && (start & g)) ||
		     (end < a->end && (end & g))))
			return -EINVAL;
	return vm_huge_split_edges(m, p, start, end);
}

int
vm_mmap(struct vm_machine *m, struct vm_proc *p, const struct vm_mmap_req *r,
	uint64_t *out)
{
	struct vm_vma a = { .prot = r->prot, .flags = VM_VMA_ANON };
	uint64_t len = r->len;
	bool fixed = r->flags & (VM_MAP_FIXED | VM_MAP_FIXED_NOREPLACE);
	uint64_t hsize = 0;
	int64_t at;
	int rc;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (r->file && (r->offset & ~VM_PAGE_MASK ||
			r->offset + r->len < r->offset))
		return -EINVAL;
	if (r->file && r->file->rdonly && (r->flags & VM_MAP_SHARED) &&
	    (r->prot & VM_PROT_WRITE))
		return -EACCES;
	if (r->prot & ~(unsigned)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC))
		return -EINVAL;
	rc = vm_mm_range(m, fixed ? r->addr : 0, &len);
	if (rc)
		return rc;
	if (fixed && r->addr < VM_MMAP_MIN)
		return -EINVAL;
	if (r->vma_flags & (VM_VMA_HUGE_2M | VM_VMA_HUGE_1G)) {
		/* anonymous private memory only, aligned to its page size */
		hsize = VM_LEVEL_SIZE((r->vma_flags & VM_VMA_HUGE_1G)
					      ? VM_HUGE_1G_LEVEL
					      : VM_HUGE_2M_LEVEL);
		if (r->file || (r->flags & VM_MAP_SHARED) ||
		    ((r->vma_flags & VM_VMA_HUGE_2M) &&
		     (r->vma_flags & VM_VMA_HUGE_1G)) ||
		    (fixed && (r->addr & (hsize - 1))) ||
		    (len & (hsize - 1)))
			return -EINVAL;
	}
	if ((r->flags & VM_MAP_FIXED_NOREPLACE) &&
	    vm_vma_next(&p->vmas, r->addr) &&
	    vm_vma_next(&p->vmas, r->addr)->start < r->addr + len)
		return -EEXIST;
	at = fixed ? (int64_t)r->addr
		   : vm_vma_gap(&p->vmas, len + (hsize ? hsize : 0),
				VM_MMAP_MIN, VM_MMAP_BASE);
	if (at < 0)
		return -ENOMEM;
	if (!fixed && hsize) /* an aligned start inside the larger gap */
		at = (int64_t)(((uint64_t)at + hsize - 1) & ~(hsize - 1));
	if (fixed) {
		rc = vm_munmap(m, p, r->addr, len);
		if (rc)
			return rc;
	}
	a.start = (uint64_t)at;
	a.end = a.start + len;
	a.flags |= r->vma_flags;
	if (r->file) {
		a.flags = (a.flags & ~(unsigned)VM_VMA_ANON) | VM_VMA_FILE;
		a.file = r->file;
		a.pgoff = r->offset >> VM_PAGE_SHIFT;
	}
	if (r->flags & VM_MAP_SHARED)
		a.flags |= VM_VMA_SHARED;
	if (!r->file && (r->flags & VM_MAP_SHARED)) {
		/* shared anonymous memory lives in an object of its own, so
		 * that every process it is forked to shares each page */
		rc = vm_shmem_create(m, len >> VM_PAGE_SHIFT, &a.file);
		if (rc)
			return rc;
	}
	rc = vm_vma_insert(&p->vmas, &a);
	if (a.file && !r->file)
		vm_file_put(a.file); /* the region holds its own reference */
	if (rc)
		return rc;
	*out = a.start;
	if (r->flags & VM_MAP_POPULATE)
		return vm_mm_populate(m, p, a.start, a.end, VM_POPULATE_MAP);
	return 0;
}

int
vm_munmap(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	  uint64_t len)
{
	int rc;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (vm_mm_range(m, addr, &len))
		return -EINVAL;
	rc = mm_huge_edges(m, p, addr, addr + len);
	if (rc)
		return rc;
	rc = vm_vma_remove(&p->vmas, addr, addr + len);
	if (rc)
		return rc;
	vm_mm_zap(m, p, addr, addr + len, true, true);
	return 0;
}

/* False when [start, end) holds a shared region of a file the host lets
 * the machine only read: mprotect may not make it writable (EACCES, as
 * Linux refuses a mapping without VM_MAYWRITE). */
static bool
mm_may_write(const struct vm_proc *p, uint64_t start, uint64_t end)
{
	for (const struct vm_vma *a = vm_vma_next(&p->vmas, start);
	     a && a->start < end; a = vm_vma_next(&p->vmas, a->end))
		if ((a->flags & VM_VMA_SHARED) && a->file && a->file->rdonly)
			return false;
	return true;
}

struct prot_ctx {
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t bits;
};

static int
protect_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct prot_ctx *c = arg;
	vm_pte_t keep = VM_PTE_P | VM_PTE_A | VM_PTE_D | VM_PTE_G |
			VM_PTE_COW | VM_PTE_SOFT_DIRTY | VM_PTE_PS |
			VM_PTE_PFN_MASK;
	vm_pte_t val = (*pte & keep) | c->bits;

	if (!(*pte & VM_PTE_P))
		return 0;
	if (val & VM_PTE_COW)
		val &= ~VM_PTE_RW;
	vm_pt_store(c->m, tbl, pte, val);
	vm_tlb_shootdown(c->m, c->p, va);
	return 0;
}

int
vm_mprotect(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	    uint64_t len, unsigned prot)
{
	struct prot_ctx c = { .m = m, .p = p, .bits = vm_prot_pte(prot) };
	int rc;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (vm_mm_range(m, addr, &len) ||
	    prot & ~(unsigned)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC))
		return -EINVAL;
	if ((prot & VM_PROT_WRITE) && !mm_may_write(p, addr, addr + len))
		return -EACCES;
	rc = mm_huge_edges(m, p, addr, addr + len);
	if (rc)
		return rc;
	rc = vm_vma_protect(&p->vmas, addr, addr + len, prot);
	if (rc)
		return rc;
	vm_pt_range(m, p, addr, addr + len, 0, protect_one, &c);
	return 0;
}

struct pageout_ctx {
	struct vm_machine *m;
	int rc;
};

static int
pageout_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct pageout_ctx *c = arg;

	if (!(*pte & VM_PTE_P) || level != 0)
		return 0;
	c->rc = vm_reclaim_page(c->m, VM_PTE2PFN(*pte));
	if (c->rc == -EBUSY)
		c->rc = 0; /* pinned: passed over, as Linux skips busy pages */
	return c->rc;
}

int
vm_madvise(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	   uint64_t len, int advice)
{
	struct pageout_ctx c = { .m = m };
	int rc;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (vm_mm_range(m, addr, &len))
		return -EINVAL;
	switch (advice) {
	case VM_ADV_DONTNEED:
		rc = mm_huge_edges(m, p, addr, addr + len);
		if (rc)
			return rc;
		vm_mm_zap(m, p, addr, addr + len, false, true);
		return 0;
	case VM_ADV_WILLNEED:
		return vm_mm_populate(m, p, addr, addr + len,
				      VM_POPULATE_WILLNEED);
	case VM_ADV_PAGEOUT:
		/* huge pages go out as 4 KiB ones, split first (1 GiB pages
		 * are never reclaimed, as hugetlbfs's) */
		rc = mm_huge_edges(m, p, addr, addr + len);
		if (!rc)
			rc = vm_huge_split_range(m, p, addr, addr + len);
		if (rc)
			return rc;
		vm_pt_range(m, p, addr, addr + len, 0, pageout_one, &c);
		return c.rc;
	default:
		return -EINVAL;
	}
}

/* The file pages a shared file region maps of [addr, end), written back. */
static int
sync_vma(struct vm_machine *m, const struct vm_vma *a, uint64_t addr,
	 uint64_t end)
{
	uint64_t from = addr > a->start ? addr : a->start;
	uint64_t to = end < a->end ? end : a->end;

	if (!(a->flags & VM_VMA_FILE) || !(a->flags & VM_VMA_SHARED))
		return 0;
	return vm_file_sync_range(m, a->file,
				  a->pgoff + ((from - a->start) >> VM_PAGE_SHIFT),
				  a->pgoff + ((to - a->start) >> VM_PAGE_SHIFT));
}

int
vm_msync(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	 uint64_t len)
{
	uint64_t end;
	int rc = 0;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (vm_mm_range(m, addr, &len))
		return -EINVAL;
	end = addr + len;
	for (uint64_t va = addr; va < end;) {
		struct vm_vma *a = vm_vma_find(&p->vmas, va);

		if (!a)
			return -ENOMEM;
		va = a->end;
	}
	for (uint64_t va = addr; va < end;) {
		struct vm_vma *a = vm_vma_find(&p->vmas, va);
		int e = sync_vma(m, a, addr, end);

		if (e && !rc)
			rc = e;
		va = a->end;
	}
	return rc ? -EIO : 0;
}

struct each_ctx {
	int (*fn)(void *ctx, uint64_t va, uint64_t pte, int level);
	void *ctx;
};

static int
each_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct each_ctx *c = arg;

	return c->fn(c->ctx, va, *pte, level);
}

int
vm_mm_each_pte(struct vm_machine *m, struct vm_proc *p, uint64_t start,
	       uint64_t end,
	       int (*fn)(void *ctx, uint64_t va, uint64_t pte, int level),
	       void *ctx)
{
	struct each_ctx c = { .fn = fn, .ctx = ctx };

	if (end > vm_user_top(m))
		return -EINVAL;
	if (p->state == VM_PROC_ZOMBIE)
		return 0; /* no address space: nothing to visit */
	return vm_pt_range(m, p, start, end, 0, each_one, &c);
}

/* ---- clear_refs ---------------------------------------------------- */

struct young_ctx {
	struct vm_machine *m;
	struct vm_proc *p;
};

/* vm_pt_range() visitor: a present leaf loses its A bit and its frame
 * its referenced flag, as clear_refs_pte_range(). */
static int
clear_young_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level,
		uint64_t va)
{
	struct young_ctx *c = arg;
	uint64_t pfn = VM_PTE2PFN(*pte);

	(void)level;
	if (!(*pte & VM_PTE_P))
		return 0;
	if (pfn < c->m->phys.nframes)
		vm_phys_frame(&c->m->phys, pfn)->flags &= ~VM_FF_REFERENCED;
	if (*pte & VM_PTE_A) {
		vm_pt_store(c->m, tbl, pte, *pte & ~VM_PTE_A);
		vm_tlb_shootdown(c->m, c->p, va);
	}
	return 0;
}

int
vm_clear_refs(struct vm_machine *m, struct vm_proc *p, int what)
{
	struct young_ctx c = { .m = m, .p = p };

	if (what < VM_CLEAR_REFS_ALL || what > VM_CLEAR_REFS_MM_HIWATER_RSS)
		return -EINVAL;
	if (p->state == VM_PROC_ZOMBIE || what > VM_CLEAR_REFS_MAPPED)
		return 0;
	for (size_t i = 0; i < p->vmas.n; i++) {
		const struct vm_vma *a = &p->vmas.v[i];

		/* Linux tells the two by vm_file, which shmem has */
		if ((what == VM_CLEAR_REFS_ANON && a->file) ||
		    (what == VM_CLEAR_REFS_MAPPED && !a->file))
			continue;
		vm_pt_range(m, p, a->start, a->end, 0, clear_young_one, &c);
	}
	return 0;
}

/* kstrtoint(strstrip(s), 10): 0 with *out, -EINVAL, -ERANGE. */
static int
clear_refs_number(char *s, int *out)
{
	size_t n = strlen(s);
	bool neg = false;
	int64_t v = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > (int64_t)INT_MAX + 1)
			return -ERANGE;
	}
	if (!neg && v > INT_MAX)
		return -ERANGE;
	*out = (int)(neg ? -v : v);
	return 0;
}

int
vm_clear_refs_write(struct vm_machine *m, struct vm_proc *p,
		    const char *buf, size_t len)
{
	char text[13]; /* PROC_NUMBUF: the rest of a longer write is ignored */
	int what, rc;

	if (len > sizeof(text) - 1)
		len = sizeof(text) - 1;
	memcpy(text, buf, len);
	text[len] = '\0';
	rc = clear_refs_number(text, &what);
	if (rc == 0)
		rc = vm_clear_refs(m, p, what);
	if (rc)
		vm_log(&m->log, VM_LOG_WARN,
		       "pid %d clear_refs: not a number from 1 to 5", p->pid);
	return rc;
}
