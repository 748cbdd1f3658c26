/*
 * proc.c - spawn, fork, kill and reap.
 *
 * fork copies the parent's regions and page tables into new table frames
 * (charged to the child); no data frame is copied:
 *
 *   swap entry                  -> shared by slot, one more reference
 *   present, shared region      -> the same frame, writable, clean, old
 *   present, private            -> the same frame, write-protected and
 *                                  COW in both, even when the region is
 *                                  read-only now; the parent's TLB entry
 *                                  is shot down
 *
 * so every frame gains the child's rmap entry (mapcount + 1), and the
 * first write to a COW page by either side breaks it (fault.c).
 *
 * Lifecycle: spawn -> running -> (exit, kill or a bad access) zombie ->
 * reap.  A zombie has no address space: its pages, swap slots and tables,
 * root included, are freed when it dies, and its TLB entries flushed; only
 * its counters and its name stay for status until it is reaped.
 *
 * pids are handed out in order and never reused within a machine's life,
 * so a script can predict them (last_pid).  ASIDs are 1..4095, reused
 * once their process has died (its entries were flushed then).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/frame.h"
#include "vmlab/machine.h"
#include "vmlab/pager.h"
#include "vmlab/mm.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"

static void
proc_link(struct vm_machine *m, struct vm_proc *p)
{
	struct vm_proc **link = &m->procs;

	while (*link)
		link = &(*link)->next;
	*link = p;
}

/* The root table: empty user half, entry 511 the shared kernel half. */
static int
proc_root(struct vm_machine *m, struct vm_proc *p)
{
	int64_t root = vm_frame_alloc(m, VM_FRAME_PT, p);
	vm_pte_t *t;

	if (root < 0)
		return (int)root;
	p->cr3 = (uint64_t)root;
	p->pt_pages = 1;
	vm_count(m, p, VM_STAT_pt_alloc, 1);
	t = vm_pt_table(m, p->cr3);
	vm_pt_store(m, p->cr3, &t[511],
		    VM_PFN2PTE(m->kernel_top) | VM_PTE_P | VM_PTE_RW);
	return 0;
}

/* A new process with an ASID, a root table and regions copied from
 * parent's (or a fresh [stack] when parent is NULL), not yet linked. */
static int
proc_new(struct vm_machine *m, const struct vm_proc *parent,
	 struct vm_proc **out)
{
	struct vm_proc *p = calloc(1, sizeof(*p));
	struct vm_vma stack = {
		.start = VM_STACK_TOP - VM_STACK_SIZE,
		.end = VM_STACK_TOP,
		.prot = VM_PROT_READ | VM_PROT_WRITE,
		.flags = VM_VMA_ANON | VM_VMA_STACK | VM_VMA_GROWSDOWN,
	};
	int rc;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	vm_vmas_init(&p->vmas);
	rc = vm_tlb_asid_get(m, p);
	if (rc)
		goto err_free;
	rc = proc_root(m, p);
	if (rc)
		goto err_asid;
	rc = parent ? vm_vmas_copy(&p->vmas, &parent->vmas)
		    : vm_vma_insert(&p->vmas, &stack);
	if (rc)
		goto err_root;
	p->state = VM_PROC_RUNNING;
	p->start_time = m->clock;
	*out = p;
	return 0;

err_root:
	vm_frame_free(m, p->cr3);
err_asid:
	m->asid_used[p->asid] = p->asid ? 0 : 1;
err_free:
	vm_vmas_fini(&p->vmas);
	free(p);
	return rc;
}

int
vm_proc_spawn(struct vm_machine *m, const char *comm, struct vm_proc **out)
{
	struct vm_proc *p;
	int rc = proc_new(m, NULL, &p);

	*out = NULL;
	if (rc)
		return rc;
	strncpy(p->comm, comm ? comm : "proc", VM_COMM_LEN - 1);
	p->pid = ++m->last_pid;
	p->ppid = 0;
	p->start_stack = VM_STACK_TOP - 0x1000 + 0xf00;
	proc_link(m, p);
	*out = p;
	return 0;
}

struct fork_ctx {
	struct vm_machine *m;
	struct vm_proc *parent, *child;
};

/* The PTE the child gets for the parent's present PTE at va, which is
 * write-protected first when the page is private (both then COW).  A
 * read-only private page is made COW too: mprotect may give either side
 * write access later, and only COW keeps RW off a frame both map. */
static vm_pte_t
fork_present(struct fork_ctx *c, vm_pte_t *pte, uint64_t tbl, uint64_t va)
{
	struct vm_vma *a = vm_vma_find(&c->parent->vmas, va);
	vm_pte_t val = *pte;

	if (a && (a->flags & VM_VMA_SHARED))
		return val & ~(VM_PTE_A | VM_PTE_D); /* clean and old */
	val = (val & ~VM_PTE_RW) | VM_PTE_COW;
	if (val != *pte) {
		vm_pt_store(c->m, tbl, pte, val);
		vm_tlb_shootdown(c->m, c->parent, va);
	}
	return val & ~VM_PTE_A;
}

/* Copies one leaf of the parent into the child's tables. */
static int
fork_one(void *arg, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct fork_ctx *c = arg;
	struct vm_machine *m = c->m;
	struct vm_walk w;
	vm_pte_t val;
	uint64_t pfn;
	int rc;

	if (level != 0)
		return -EOPNOTSUPP; /* huge leaves come with huge pages */
	/* the child's table first: allocating it may evict this very page,
	 * so the parent's entry is read after */
	rc = vm_pt_walk(m, c->child, va, 0, VM_WALK_ALLOC, &w);
	if (rc)
		return rc;
	if (c->parent->state == VM_PROC_ZOMBIE)
		return -ENOMEM; /* OOM-killed: its tables are gone, stop */
	if (*pte == 0)
		return 0;
	if (!(*pte & VM_PTE_P)) {
		vm_pager_dup_slot(m, VM_SWP_SLOT(*pte));
		vm_pt_set(m, &w, 0, *pte);
		c->child->swapents++;
		return 0;
	}
	pfn = VM_PTE2PFN(*pte);
	rc = vm_rmap_add(&m->phys, pfn, c->child, va);
	if (rc)
		return rc;
	val = fork_present(c, pte, tbl, va);
	vm_pt_set(m, &w, 0, val);
	if (vm_phys_frame(&m->phys, pfn)->use == VM_FRAME_FILE)
		c->child->rss_file++;
	else
		c->child->rss_anon++;
	return 0;
}

int
vm_proc_fork(struct vm_machine *m, struct vm_proc *parent,
	     struct vm_proc **out)
{
	struct fork_ctx c = { .m = m, .parent = parent };
	int rc;

	*out = NULL;
	if (parent->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	rc = proc_new(m, parent, &c.child);
	if (rc)
		return rc;
	memcpy(c.child->comm, parent->comm, VM_COMM_LEN);
	c.child->pid = ++m->last_pid;
	c.child->ppid = parent->pid;
	c.child->start_stack = parent->start_stack;
	c.child->limit = parent->limit;
	proc_link(m, c.child);
	rc = vm_pt_range(m, parent, 0, vm_user_top(m), 0, fork_one, &c);
	if (rc == 0 && parent->state == VM_PROC_ZOMBIE)
		rc = -ENOMEM; /* the OOM killer took the parent meanwhile */
	if (rc) {
		vm_proc_reap(m, c.child);
		return rc < 0 ? rc : -ENOMEM;
	}
	vm_count(m, parent, VM_STAT_fork, 1);
	*out = c.child;
	return 0;
}

/* Frames still charged to p (shared with others) are charged to no one. */
static void
proc_uncharge(struct vm_machine *m, struct vm_proc *p)
{
	for (uint64_t pfn = 0; p->charged && pfn < m->phys.nframes; pfn++) {
		struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

		if (f->owner == p) {
			f->owner = NULL;
			p->charged--;
		}
	}
}

void
vm_proc_kill(struct vm_machine *m, struct vm_proc *p, int sig)
{
	vm_pte_t *root;

	if (p->state == VM_PROC_ZOMBIE)
		return;
	vm_mm_zap(m, p, 0, vm_user_top(m), true, false);
	root = vm_pt_table(m, p->cr3);
	vm_pt_store(m, p->cr3, &root[511], 0);
	vm_frame_free(m, p->cr3);
	p->cr3 = 0;
	p->pt_pages--;
	vm_count(m, p, VM_STAT_pt_free, 1);
	vm_tlb_proc_gone(m, p);
	proc_uncharge(m, p);
	vm_vmas_fini(&p->vmas);
	p->state = VM_PROC_ZOMBIE;
	p->exit_signal = sig;
}

void
vm_proc_reap(struct vm_machine *m, struct vm_proc *p)
{
	struct vm_proc **link = &m->procs;

	vm_proc_kill(m, p, 0);
	while (*link && *link != p)
		link = &(*link)->next;
	if (*link)
		*link = p->next;
	free(p);
}
