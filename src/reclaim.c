/*
 * reclaim.c - how a page leaves memory: the frame lists, eviction, the
 * OOM killer; the policies themselves are in policy.c.
 *
 * Eviction, by the frame's state (the pager says where its copy goes):
 *
 *   anon, never dirtied, no swap copy,
 *   mapped once                       -> zeros: PTE cleared, the next
 *                                        touch zero-fills again (no I/O)
 *   anon, clean, swap copy up to date -> PTEs get the slot, no write
 *                                        (swap_clean)
 *   anon, dirty, or never dirtied and
 *   mapped more than once             -> written to its slot (a new one
 *                                        if it had none), PTEs get the
 *                                        slot (pswpout)
 *   file, clean                       -> dropped, PTEs cleared
 *   file, dirty                       -> written back to its file
 *                                        (pgpgout), then dropped
 *   pinned                            -> never chosen
 *
 * Every PTE on the frame's reverse map is changed and its TLB entry shot
 * down; each PTE that takes a swap entry takes a reference on the slot,
 * and the swap cache's own goes with the frame.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclaim.h"
#include "vmlab/huge.h"
#include "vmlab/mm.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"
#include "vmlab/frame.h"
#include "vmlab/pager.h"

void
vm_lru_init(struct vm_lru *l)
{
	l->head = l->tail = VM_PFN_NONE;
	l->n = 0;
}

static struct vm_frame *
fr(struct vm_machine *m, uint64_t pfn)
{
	return vm_phys_frame(&m->phys, pfn);
}

void
vm_lru_add_before(struct vm_machine *m, struct vm_lru *l, uint64_t at,
		  uint64_t pfn)
{
	struct vm_frame *f = fr(m, pfn);

	if (at == VM_PFN_NONE) {
		f->next = VM_PFN_NONE;
		f->prev = l->tail;
		if (l->tail != VM_PFN_NONE)
			fr(m, l->tail)->next = (uint32_t)pfn;
		else
			l->head = (uint32_t)pfn;
		l->tail = (uint32_t)pfn;
	} else {
		struct vm_frame *a = fr(m, at);

		f->next = (uint32_t)at;
		f->prev = a->prev;
		if (a->prev != VM_PFN_NONE)
			fr(m, a->prev)->next = (uint32_t)pfn;
		else
			l->head = (uint32_t)pfn;
		a->prev = (uint32_t)pfn;
	}
	l->n++;
}

void
vm_lru_add_tail(struct vm_machine *m, struct vm_lru *l, uint64_t pfn)
{
	vm_lru_add_before(m, l, VM_PFN_NONE, pfn);
}

void
vm_lru_add_head(struct vm_machine *m, struct vm_lru *l, uint64_t pfn)
{
	vm_lru_add_before(m, l, l->head, pfn);
}

void
vm_lru_del(struct vm_machine *m, struct vm_lru *l, uint64_t pfn)
{
	struct vm_frame *f = fr(m, pfn);

	if (f->prev != VM_PFN_NONE)
		fr(m, f->prev)->next = f->next;
	else
		l->head = f->next;
	if (f->next != VM_PFN_NONE)
		fr(m, f->next)->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = VM_PFN_NONE;
	l->n--;
}

uint64_t
vm_lru_next_wrap(struct vm_machine *m, const struct vm_lru *l, uint64_t pfn)
{
	uint32_t next = fr(m, pfn)->next;

	return next != VM_PFN_NONE ? next : l->head;
}

/* The leaf PTE through which p maps va, or NULL. */
static vm_pte_t *
rmap_pte(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	 struct vm_walk *w)
{
	if (vm_pt_walk(m, p, va, 0, 0, w) != 0)
		return NULL;
	return w->pte[w->level];
}

struct young_ctx {
	struct vm_machine *m;
	bool clear, young, dirty;
};

static int
young_one(void *arg, struct vm_proc *p, uint64_t va)
{
	struct young_ctx *c = arg;
	struct vm_walk w;
	vm_pte_t *pte = rmap_pte(c->m, p, va, &w);

	if (!pte)
		return 0;
	c->dirty |= (*pte & VM_PTE_D) != 0;
	if (!(*pte & VM_PTE_A))
		return 0;
	c->young = true;
	if (c->clear) {
		*pte &= ~VM_PTE_A;
		vm_tlb_shootdown(c->m, p, va);
	}
	return 0;
}

bool
vm_frame_young(struct vm_machine *m, uint64_t pfn, bool clear)
{
	struct young_ctx c = { .m = m, .clear = clear };
	struct vm_frame *f = fr(m, pfn);
	bool ref = f->flags & VM_FF_REFERENCED;

	vm_rmap_each(&m->phys, pfn, young_one, &c);
	if (clear)
		f->flags &= ~VM_FF_REFERENCED;
	return c.young || ref;
}

bool
vm_frame_dirty(struct vm_machine *m, uint64_t pfn)
{
	struct young_ctx c = { .m = m };

	vm_rmap_each(&m->phys, pfn, young_one, &c);
	return c.dirty || (fr(m, pfn)->flags & VM_FF_DIRTY);
}

void
vm_reclaim_scanned(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = fr(m, pfn);

	vm_count(m, f->owner, VM_STAT_pgscan_direct, 1);
	vm_count(m, f->owner, f->use == VM_FRAME_FILE ? VM_STAT_pgscan_file
						      : VM_STAT_pgscan_anon, 1);
}

void
vm_reclaim_add(struct vm_machine *m, uint64_t pfn)
{
	if (fr(m, pfn)->flags & VM_FF_LRU)
		return;
	fr(m, pfn)->flags |= VM_FF_LRU;
	m->pol->insert(m, pfn);
}

void
vm_reclaim_del(struct vm_machine *m, uint64_t pfn)
{
	m->pol->remove(m, pfn);
	fr(m, pfn)->flags &= ~(VM_FF_LRU | VM_FF_ACTIVE);
}

void
vm_reclaim_access(struct vm_machine *m, uint64_t pfn)
{
	if ((m->pol->flags & VM_POL_TOUCH) && (fr(m, pfn)->flags & VM_FF_LRU))
		m->pol->touch(m, pfn);
	if (m->pol->flags & VM_POL_TICK)
		vm_reclaim_tick_maybe(m);
}

struct unmap_ctx {
	struct vm_machine *m;
	uint64_t pfn;
	vm_pte_t entry;	/* what the PTEs become: a swap entry or 0 */
};

/* Replaces one mapping of the frame being evicted by c->entry. */
static int
unmap_one(void *arg, struct vm_proc *p, uint64_t va)
{
	struct unmap_ctx *c = arg;
	struct vm_walk w;
	vm_pte_t *pte = rmap_pte(c->m, p, va, &w);

	if (pte) {
		vm_pt_set(c->m, &w, w.level, c->entry);
		vm_tlb_shootdown(c->m, p, va);
	}
	if (c->entry) {
		vm_pager_dup_slot(c->m, VM_SWP_SLOT(c->entry));
		p->swapents++;
	}
	vm_frame_rss(p, fr(c->m, c->pfn), -1);
	vm_rmap_del(&c->m->phys, c->pfn, p, va);
	return 0;
}

/*
 * Evicts frame pfn, which is on the policy's lists: its backing copy is
 * made up to date (a write when it is dirty), every PTE mapping it takes
 * the pager's entry for it, and the frame is freed.
 */
static int
evict(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = fr(m, pfn);
	struct unmap_ctx c = { .m = m, .pfn = pfn };
	struct vm_proc *owner = f->owner;
	bool file = f->use == VM_FRAME_FILE;
	bool dirty;
	int rc;

	if (f->use != VM_FRAME_ANON && !file)
		return -EINVAL;
	if (f->pin)
		return -EBUSY;
	if (f->flags & VM_FF_COMPOUND) {
		/* a huge page goes out as 512 pages, split first (counted) */
		rc = vm_huge_split_page(m, pfn);
		if (rc)
			return rc;
	}
	/* zeros are each mapper's own: a page forked into a shared region
	 * would be one page no more, so one mapped twice keeps a slot */
	if (!file && !f->obj && vm_frame_mapcount(&m->phys, pfn) > 1)
		f->flags |= VM_FF_DIRTY;
	dirty = vm_frame_dirty(m, pfn);
	rc = vm_pager_clean(m, pfn);
	if (rc)
		return rc;
	if (!dirty && !file && vm_pager_in_swapcache(f->obj))
		vm_count(m, owner, VM_STAT_swap_clean, 1);
	c.entry = vm_pager_entry(m, pfn);
	vm_rmap_each(&m->phys, pfn, unmap_one, &c);
	vm_count(m, owner, VM_STAT_pgsteal_direct, 1);
	vm_count(m, owner, file ? VM_STAT_pgsteal_file : VM_STAT_pgsteal_anon,
		 1);
	vm_frame_free(m, pfn);
	return 0;
}

/* Victims that could not be written, passed over in one reclaim before
 * it gives up: a bound on the work of a reclaim that is failing (each
 * policy's victim() may cost O(resident frames)). */
#define RECLAIM_SKIP_MAX 256

/*
 * Evicts one frame chosen by the policy.  A victim that cannot be written
 * (a dirty page with swap full or absent) is pinned for the rest of this
 * call so that the policy offers another, up to RECLAIM_SKIP_MAX of them.
 * The pins are undone before returning.
 */
int
vm_reclaim_one(struct vm_machine *m, struct vm_proc *only)
{
	uint64_t *skipped = NULL;
	size_t nskipped = 0, cap = 0;
	int rc = -ENOMEM;

	for (;;) {
		int64_t pfn = m->pol->victim(m, only);

		if (pfn < 0)
			break;
		rc = evict(m, (uint64_t)pfn);
		if (rc == -EIO)
			rc = -ENOMEM; /* a file that cannot be written: skip */
		if (rc != -ENOMEM || nskipped == RECLAIM_SKIP_MAX)
			break;
		if (nskipped == cap) {
			uint64_t *n;

			cap = cap ? cap * 2 : 16;
			n = realloc(skipped, cap * sizeof(*n));
			if (!n)
				break;
			skipped = n;
		}
		fr(m, (uint64_t)pfn)->pin++;
		skipped[nskipped++] = (uint64_t)pfn;
	}
	for (size_t i = 0; i < nskipped; i++)
		fr(m, skipped[i])->pin--;
	free(skipped);
	return rc;
}

int
vm_reclaim_page(struct vm_machine *m, uint64_t pfn)
{
	if (pfn >= m->phys.nframes || !(fr(m, pfn)->flags & VM_FF_LRU))
		return -EINVAL;
	return evict(m, pfn);
}

int
vm_oom_kill(struct vm_machine *m)
{
	struct vm_proc *victim = NULL;
	uint64_t best = 0;

	for (struct vm_proc *p = m->procs; p; p = p->next) {
		uint64_t size = vm_proc_rss(p) + p->swapents + p->pt_pages;

		if (p->state != VM_PROC_ZOMBIE && size > best) {
			best = size;
			victim = p;
		}
	}
	if (!victim)
		return -ESRCH;
	vm_log(&m->log, VM_LOG_ERR,
	       "Out of memory: Killed process %d (%s) total-vm:%llukB, "
	       "anon-rss:%llukB, swap:%llukB, pgtables:%llukB",
	       victim->pid, victim->comm,
	       (unsigned long long)(vm_vmas_size(&victim->vmas) >> 10),
	       (unsigned long long)(victim->rss_anon * 4),
	       (unsigned long long)(victim->swapents * 4),
	       (unsigned long long)(victim->pt_pages * 4));
	vm_count(m, victim, VM_STAT_oom_kill, 1);
	vm_proc_kill(m, victim, 9);
	return victim->pid;
}

int
vm_reclaim_init(struct vm_machine *m)
{
	const struct vm_policy_ops *ops = vm_policy_find(m->cfg.policy);

	if (!ops)
		return -EINVAL;
	m->pol = ops;
	return ops->init(m);
}

void
vm_reclaim_fini(struct vm_machine *m)
{
	if (m->pol)
		m->pol->fini(m);
	m->pol = NULL;
}

int
vm_reclaim_set_policy(struct vm_machine *m, const char *name)
{
	const struct vm_policy_ops *ops = vm_policy_find(name);
	const struct vm_policy_ops *old = m->pol;
	int rc;

	if (!ops)
		return -EINVAL;
	old->fini(m);
	m->pol = ops;
	rc = ops->init(m);
	if (rc) {
		m->pol = old;
		if (old->init(m))
			return rc; /* cannot happen: old state was just freed */
		ops = old;
	}
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		struct vm_frame *f = fr(m, pfn);

		if (f->flags & VM_FF_LRU) {
			f->flags &= ~VM_FF_ACTIVE;
			f->pdata = 0;
			ops->insert(m, pfn);
		}
	}
	snprintf(m->cfg.policy, sizeof(m->cfg.policy), "%s", ops->name);
	return rc;
}
