/*
 * mmu.c - translation and the accesses built on it.
 *
 * Case table of one translation (vm_mmu_translate):
 *
 *   non-canonical va              -> NONCANON fault, nothing else touched
 *   TLB hit, permissions allow    -> pa; a write through a clean entry
 *                                    walks again to set D (refs counted)
 *   TLB hit, permissions refuse   -> PROT fault; the entry is dropped, as
 *                                    a #PF invalidates the faulting page
 *   TLB miss                      -> walk: an entry with P clear is a
 *                                    NOTPRESENT fault at its level; else
 *                                    RW/US (all levels) and NX (any level)
 *                                    decide; on success A is set at every
 *                                    level, D in the leaf on a write, and
 *                                    the TLB is filled
 *
 * Costs: every translation charges cost_tlb_hit (the lookup); every entry
 * a walk reads charges cost_mem_ref; the data reference of a successful
 * access charges cost_mem_ref.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmlab/fault.h"
#include "vmlab/frame.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"

static inline bool
tlb_allows(unsigned flags, int access, int mode)
{
	if (mode == VM_MODE_USER && !(flags & VM_TLB_US))
		return false;
	if ((access & VM_ACC_W) && !(flags & VM_TLB_RW))
		return false;
	if ((access & VM_ACC_X) && (flags & VM_TLB_NX))
		return false;
	return true;
}

static void
fault_set(struct vm_fault_info *fi, uint64_t va, int access, int mode,
	  int kind, int level, uint64_t pte)
{
	fi->va = va;
	fi->access = access;
	fi->mode = mode;
	fi->kind = kind;
	fi->level = level;
	fi->pte = pte;
}

unsigned
vm_mmu_walk_rights(const struct vm_walk *w)
{
	unsigned fl = VM_TLB_RW | VM_TLB_US;

	for (int l = w->top; l >= w->level; l--) {
		vm_pte_t e = *w->pte[l];

		if (!(e & VM_PTE_RW))
			fl &= ~(unsigned)VM_TLB_RW;
		if (!(e & VM_PTE_US))
			fl &= ~(unsigned)VM_TLB_US;
		if (e & VM_PTE_NX)
			fl |= VM_TLB_NX;
	}
	return fl;
}

/* Walks for va and charges the references. */
static int
mmu_walk(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	 struct vm_walk *w)
{
	int rc = vm_pt_walk(m, p, va, 0, 0, w);

	vm_count(m, p, VM_STAT_walk_refs, w->refs);
	m->clock += w->refs * m->cfg.cost_mem_ref;
	return rc;
}

/* A write through an entry cached clean: set D in the leaf, as hardware
 * does with a locked update after walking again. */
static void
mmu_set_dirty(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	      struct vm_tlb_entry *e)
{
	struct vm_walk w;

	if (mmu_walk(m, p, va, &w) == 0 && (*w.pte[w.level] & VM_PTE_P))
		*w.pte[w.level] |= VM_PTE_D | VM_PTE_A;
	e->flags |= VM_TLB_D;
}

static __attribute__((noinline)) int
mmu_miss(struct vm_machine *m, struct vm_proc *p, uint64_t va, int access,
	 int mode, uint64_t *pa, struct vm_fault_info *fi)
{
	struct vm_walk w;
	vm_pte_t *leaf;
	unsigned fl;
	uint64_t pfn;

	vm_count(m, p, VM_STAT_tlb_miss, 1);
	if (mmu_walk(m, p, va, &w) || !(*w.pte[w.level] & VM_PTE_P)) {
		fault_set(fi, va, access, mode, VM_FAULT_NOTPRESENT, w.level,
			  *w.pte[w.level]);
		return -EFAULT;
	}
	leaf = w.pte[w.level];
	fl = vm_mmu_walk_rights(&w);
	if (!tlb_allows(fl, access, mode)) {
		fault_set(fi, va, access, mode, VM_FAULT_PROT, w.level, *leaf);
		return -EFAULT;
	}
	for (int l = w.top; l >= w.level; l--)
		*w.pte[l] |= VM_PTE_A;
	if (access & VM_ACC_W)
		*leaf |= VM_PTE_D;
	fl |= (*leaf & VM_PTE_D) ? VM_TLB_D : 0;
	fl |= (*leaf & VM_PTE_G) ? VM_TLB_G : 0;
	pfn = VM_PTE2PFN(*leaf) & ~((1ull << (9 * w.level)) - 1);
	vm_tlb_insert(&m->cpu.tlb, m->cpu.asid, va, (unsigned)w.level, pfn, fl);
	*pa = (pfn << VM_PAGE_SHIFT) + (va & (VM_LEVEL_SIZE(w.level) - 1));
	return 0;
}

static inline __attribute__((always_inline)) int
mmu_translate(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	      int access, int mode, uint64_t *pa, struct vm_fault_info *fi)
{
	struct vm_tlb_entry *e;

	if (m->cpu.cur != p)
		vm_cpu_switch(m, p);
	m->clock += m->cfg.cost_tlb_hit;
	if (!vm_va_canonical(va, m->va_bits)) {
		fault_set(fi, va, access, mode, VM_FAULT_NONCANON, -1, 0);
		return -EFAULT;
	}
	e = vm_tlb_lookup(&m->cpu.tlb, m->cpu.asid, va);
	if (!e)
		return mmu_miss(m, p, va, access, mode, pa, fi);
	m->stats.v[VM_STAT_tlb_hit]++;
	p->stats.v[VM_STAT_tlb_hit]++;
	if (!tlb_allows(e->flags, access, mode)) {
		vm_tlb_shootdown(m, p, va);
		fault_set(fi, va, access, mode, VM_FAULT_PROT, 0, 0);
		return -EFAULT;
	}
	if ((access & VM_ACC_W) && !(e->flags & VM_TLB_D))
		mmu_set_dirty(m, p, va, e);
	*pa = (e->pfn << VM_PAGE_SHIFT) +
	      (va & ((1ull << vm_tlb_shift(e->size)) - 1));
	return 0;
}

int
vm_mmu_translate(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		 int access, int mode, uint64_t *pa, struct vm_fault_info *fi)
{
	return mmu_translate(m, p, va, access, mode, pa, fi);
}

/* Why the fault handler refused an access, in words for the log. */
static const char *
refusal(struct vm_machine *m, struct vm_proc *p,
	const struct vm_fault_info *fi, char *buf, size_t len)
{
	struct vm_vma *a;

	if (fi->kind == VM_FAULT_NONCANON)
		return "non-canonical address";
	if (fi->va >= vm_user_half(m))
		return fi->mode == VM_MODE_USER && fi->kind == VM_FAULT_PROT
			       ? "supervisor-only page (US=0)"
			       : "kernel address";
	a = vm_vma_find(&p->vmas, fi->va);
	if (!a)
		return "no mapping";
	snprintf(buf, len, "region is %c%c%c", a->prot & VM_PROT_READ ? 'r' : '-',
		 a->prot & VM_PROT_WRITE ? 'w' : '-',
		 a->prot & VM_PROT_EXEC ? 'x' : '-');
	return buf;
}

/* A refused access: count it, log it, and kill p when it was its own:
 * with SIGBUS (7) for a file page past the end (sigbus), else SIGSEGV. */
static void
access_refused(struct vm_machine *m, struct vm_proc *p,
	       const struct vm_fault_info *fi, unsigned flags, bool sigbus)
{
	static const char *const acc[] = { "?", "read", "write", "?", "exec" };
	char buf[32];

	vm_count(m, p, VM_STAT_prot_fault, 1);
	vm_log(&m->log, VM_LOG_WARN,
	       "pid %d: %s %s at 0x%llx refused: %s (pte 0x%llx)%s", p->pid,
	       fi->mode == VM_MODE_USER ? "user" : "supervisor",
	       acc[fi->access & 7], (unsigned long long)fi->va,
	       sigbus ? "file page past the end of the file"
		      : refusal(m, p, fi, buf, sizeof(buf)),
	       (unsigned long long)fi->pte,
	       !(flags & VM_AF_OWN) ? ""
	       : sigbus	     ? ": killed with SIGBUS"
			     : ": killed with SIGSEGV");
	if (flags & VM_AF_OWN) {
		vm_count(m, p, sigbus ? VM_STAT_sigbus : VM_STAT_segv, 1);
		vm_proc_kill(m, p, sigbus ? 7 : 11);
	}
}

/* The fault path of an access: fault, retry, up to three times. */
static __attribute__((noinline)) int
access_slow(struct vm_machine *m, struct vm_proc *p, uint64_t va, int access,
	    int mode, unsigned flags, uint64_t *pa, struct vm_fault_info *fi)
{
	for (int tries = 0;; tries++) {
		int rc = tries < 3 ? vm_fault(m, p, fi) : -EFAULT;

		if (rc == -EFAULT || rc == -ENXIO) {
			access_refused(m, p, fi, flags, rc == -ENXIO);
			return -EFAULT;
		}
		if (rc)
			return rc;
		if (mmu_translate(m, p, va, access, mode, pa, fi) == 0)
			return 0;
	}
}

static inline __attribute__((always_inline)) int
access_inline(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	      int access, int mode, unsigned flags, uint64_t *pa,
	      struct vm_fault_info *fi)
{
	uint64_t t0 = m->clock, s0 = m->clock_sys;
	int rc = 0;

	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (!(flags & VM_AF_NOCOUNT)) {
		m->stats.v[VM_STAT_accesses]++;
		p->stats.v[VM_STAT_accesses]++;
	}
	if (mmu_translate(m, p, va, access, mode, pa, fi))
		rc = access_slow(m, p, va, access, mode, flags, pa, fi);
	if (!rc) {
		m->clock += m->cfg.cost_mem_ref;
		if (m->pol->flags & (VM_POL_TOUCH | VM_POL_TICK))
			vm_reclaim_access(m, *pa >> VM_PAGE_SHIFT);
	}
	/* the access's time is p's, as a task's: what its faults did and
	 * waited for (reclaim, swap I/O) is its system time */
	p->cpu_ns += m->clock - t0;
	p->cpu_sys_ns += m->clock_sys - s0;
	return rc;
}

int
vm_access(struct vm_machine *m, struct vm_proc *p, uint64_t va, int access,
	  int mode, unsigned flags, uint64_t *pa, struct vm_fault_info *fi)
{
	struct vm_fault_info local;

	return access_inline(m, p, va, access, mode, flags, pa,
			     fi ? fi : &local);
}

/* Touches every page of [va, va + len) in mode with flags; with once,
 * only the first translation counts as an access. */
static int
touch_range(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	    uint64_t len, int access, int mode, unsigned flags, bool once)
{
	uint64_t pa, last;

	if (len == 0 || va + (len - 1) < va)
		return -EINVAL;
	last = (va + (len - 1)) & VM_PAGE_MASK;
	for (uint64_t page = va & VM_PAGE_MASK;; page += VM_PAGE_SIZE) {
		uint64_t at = page < va ? va : page;
		int rc = vm_access(m, p, at, access, mode, flags, &pa, NULL);

		if (rc)
			return rc;
		if (page == last)
			return 0;
		if (once)
			flags |= VM_AF_NOCOUNT;
	}
}

int
vm_touch(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint64_t len,
	 int access)
{
	return touch_range(m, p, va, len, access, VM_MODE_USER, VM_AF_OWN,
			   false);
}

int
vm_touch_kernel(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		uint64_t len, int access)
{
	return touch_range(m, p, va, len, access, VM_MODE_SUPER, 0, false);
}

int
vm_access_bytes(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		uint64_t size, int access)
{
	return touch_range(m, p, va, size, access, VM_MODE_USER, VM_AF_OWN,
			   true);
}

static ssize_t
mem_rw(struct vm_machine *m, struct vm_proc *p, uint64_t va, void *buf,
       const void *src, size_t len)
{
	size_t done = 0;

	if (len > UINT64_MAX - va)
		len = (size_t)(UINT64_MAX - va);
	while (done < len) {
		uint64_t at = va + done, pa;
		size_t n = VM_PAGE_SIZE - (at & (VM_PAGE_SIZE - 1));
		int rc;

		if (n > len - done)
			n = len - done;
		rc = vm_access(m, p, at, src ? VM_ACC_W : VM_ACC_R,
			       VM_MODE_USER, 0, &pa, NULL);
		if (rc)
			return done ? (ssize_t)done : rc;
		if (src)
			memcpy(m->phys.mem + pa, (const char *)src + done, n);
		else
			memcpy((char *)buf + done, m->phys.mem + pa, n);
		done += n;
	}
	return (ssize_t)done;
}

/* The most frames one pinned read may hold: a fraction of the machine and
 * of the global limit, and no more than p's own limit, so that faulting
 * the next page in with the earlier ones pinned always finds room. */
static uint64_t
pin_cap(const struct vm_machine *m, const struct vm_proc *p)
{
	uint64_t cap = m->phys.nframes / 4;

	if (m->cfg.user_limit && m->cfg.user_limit / 2 < cap)
		cap = m->cfg.user_limit / 2;
	if (p->limit && p->limit < cap)
		cap = p->limit;
	return cap;
}

void
vm_mem_unpin(struct vm_machine *m, const struct vm_mem_span *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vm_frame_unpin(m, s[i].pfn);
}

ssize_t
vm_mem_pin_read(struct vm_machine *m, struct vm_proc *p, uint64_t va,
		size_t len, struct vm_mem_span *spans, size_t *nspans)
{
	size_t done = 0, n = 0;
	int rc = 0;

	*nspans = 0;
	if (len > UINT64_MAX - va)
		len = (size_t)(UINT64_MAX - va);
	if (len && vm_mem_pages(va, len) > pin_cap(m, p))
		return -E2BIG;
	while (done < len) {
		uint64_t at = va + done, pa;
		size_t k = VM_PAGE_SIZE - (at & (VM_PAGE_SIZE - 1));

		if (k > len - done)
			k = len - done;
		rc = vm_access(m, p, at, VM_ACC_R, VM_MODE_USER, 0, &pa, NULL);
		if (rc)
			break;
		spans[n].pfn = pa >> VM_PAGE_SHIFT;
		spans[n].ptr = m->phys.mem + pa;
		spans[n++].len = k;
		vm_frame_pin(m, pa >> VM_PAGE_SHIFT);
		done += k;
	}
	*nspans = n;
	if (rc == -ENOMEM && done) {
		/* pins held the room the rest needed: let go, copy instead */
		vm_mem_unpin(m, spans, n);
		*nspans = 0;
		return -E2BIG;
	}
	return done ? (ssize_t)done : rc;
}

ssize_t
vm_mem_read(struct vm_machine *m, struct vm_proc *p, uint64_t va, void *buf,
	    size_t len)
{
	return mem_rw(m, p, va, buf, NULL, len);
}

size_t
vm_mem_peek(struct vm_machine *m, struct vm_proc *p, uint64_t va, void *buf,
	    size_t len)
{
	unsigned char page[VM_PAGE_SIZE];
	size_t done = 0;

	if (p->state == VM_PROC_ZOMBIE)
		return 0;
	while (done < len) {
		uint64_t at = va + done, off = at & (VM_PAGE_SIZE - 1);
		size_t n = VM_PAGE_SIZE - off;
		const unsigned char *src = NULL;
		struct vm_walk w;
		vm_pte_t e = 0;

		if (n > len - done)
			n = len - done;
		if (at >= vm_user_top(m) || !vm_vma_find(&p->vmas, at))
			break;
		if (vm_pt_walk(m, p, at, 0, 0, &w) == 0 || w.level > 0)
			e = *w.pte[w.level];
		if (e & VM_PTE_P) {
			uint64_t pa = (VM_PTE2PFN(e) << VM_PAGE_SHIFT) +
				      (at & (VM_LEVEL_SIZE(w.level) - 1));

			src = m->phys.mem + pa;
		} else if (e && vm_pager_swap_peek(m, VM_SWP_SLOT(e),
						   page) == 0) {
			src = page + off;
		}
		if (src)
			memcpy((char *)buf + done, src, n);
		else
			memset((char *)buf + done, 0, n);
		done += n;
	}
	return done;
}

ssize_t
vm_mem_write(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	     const void *buf, size_t len)
{
	bool alive = p->state != VM_PROC_ZOMBIE;
	ssize_t n = mem_rw(m, p, va, NULL, buf, len);

	/* only the OOM killer ends p here: its accesses are not its own */
	if (alive && p->state == VM_PROC_ZOMBIE)
		return -ENOMEM;
	return n;
}

/* One load or store of size bytes; the bytes after a page end go through
 * a second translation that is not counted as another access. */
static int
mem_op(struct vm_machine *m, struct vm_proc *p, uint64_t va, unsigned size,
       uint64_t *val, bool store)
{
	int access = store ? VM_ACC_W : VM_ACC_R;
	unsigned first = size, off = (unsigned)(va & (VM_PAGE_SIZE - 1));
	uint64_t pa, pa2 = 0;
	struct vm_fault_info fi;
	int rc;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	rc = access_inline(m, p, va, access, VM_MODE_USER, VM_AF_OWN, &pa, &fi);
	if (rc)
		return rc;
	if (size == 8 && off + 8 <= VM_PAGE_SIZE) {
		/* the common case, with a copy of constant size */
		if (store)
			memcpy(m->phys.mem + pa, val, 8);
		else
			memcpy(val, m->phys.mem + pa, 8);
		return 0;
	}
	if (off + size > VM_PAGE_SIZE) {
		/* the first page's frame is pinned while the second is
		 * faulted in, so that reclaim cannot take it meanwhile */
		uint64_t pfn = pa >> VM_PAGE_SHIFT;

		first = (unsigned)VM_PAGE_SIZE - off;
		vm_frame_pin(m, pfn);
		rc = vm_access(m, p, va + first, access, VM_MODE_USER,
			       VM_AF_OWN | VM_AF_NOCOUNT, &pa2, NULL);
		vm_frame_unpin(m, pfn);
		if (rc)
			return rc;
	}
	if (!store)
		*val = 0;
	if (store) {
		memcpy(m->phys.mem + pa, val, first);
		memcpy(m->phys.mem + pa2, (char *)val + first, size - first);
	} else {
		memcpy(val, m->phys.mem + pa, first);
		memcpy((char *)val + first, m->phys.mem + pa2, size - first);
	}
	return 0;
}

int
vm_load(struct vm_machine *m, struct vm_proc *p, uint64_t va, unsigned size,
	uint64_t *val)
{
	return mem_op(m, p, va, size, val, false);
}

int
vm_store(struct vm_machine *m, struct vm_proc *p, uint64_t va, unsigned size,
	 uint64_t val)
{
	return mem_op(m, p, va, size, &val, true);
}
