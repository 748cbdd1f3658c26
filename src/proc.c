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
 *                                  read-only now (mprotect may give
 *                                  either side write access later)
 *
 * so every frame is mapped once more (mapcount + 1), and the first write
 * to a COW page by either side breaks it (fault.c).  The child joins the
 * parent's family in the reverse map (phys.h), whose entries then stand
 * for its pages too: a fork adds no rmap entry.  The copy goes a leaf
 * table at a time, one tight loop over its 512 entries that touches the
 * two tables and the mapcount array, never the frames; when a parent PTE
 * lost RW, the parent's TLB entries are shot down in one flush of its
 * ASID afterwards, as Linux flushes the whole mm.
 *
 * Lifecycle: spawn -> running -> (exit, kill or a bad access) zombie ->
 * reap.  A zombie has no address space: its pages, swap slots and tables,
 * root included, are freed when it dies, and its TLB entries flushed; only
 * its counters and its name stay for status until it is reaped.
 *
 * pids are handed out in order and never reused within a machine's life,
 * so a script can predict them (last_pid).  After VM_PID_MAX there are
 * no more: spawn and fork fail with EAGAIN, as Linux's do when every pid
 * up to pid_max is taken.  ASIDs are 1..4095, reused
 * once their process has died (its entries were flushed then).
 *
 * A process's limit is a memory cgroup's memory.max: lowering it below
 * what is charged reclaims the process's own pages at once, and when
 * they cannot all go (no swap, or swap full) the process is killed as a
 * cgroup's OOM killer kills, logged and counted as oom_kill.
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
	int rc = 0;

	*out = NULL;
	if (m->last_pid >= VM_PID_MAX) {
		free(p);
		return -EAGAIN;
	}
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
	/* into the reverse map once it has tables to look at */
	if (parent)
		vm_phys_family_join(&m->phys, p, (struct vm_proc *)parent);
	else
		rc = vm_phys_family_new(&m->phys, p);
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
	bool downgraded;	/* a parent PTE lost RW: flush its TLB */
};

/* The PTE the child gets for the parent's present PTE *pte: a private
 * page's is write-protected and COW in both, even a read-only one (only
 * COW keeps RW off a frame both map if mprotect makes it writable). */
static vm_pte_t
fork_present(struct fork_ctx *c, vm_pte_t *pte, bool shared)
{
	vm_pte_t val = *pte;

	if (shared)
		return val & ~(VM_PTE_A | VM_PTE_D); /* clean and old */
	if (val & VM_PTE_RW)
		c->downgraded = true;
	val = (val & ~VM_PTE_RW) | VM_PTE_COW;
	*pte = val;
	return val & ~VM_PTE_A;
}

/*
 * Copies the parent's leaf table ptbl (mapping va upwards) into the
 * child's table ctbl, entry by entry in one loop: the cost of fork is
 * this loop, a few stores a page, no page copied.  The child's resident
 * counts are the parent's, set once at the end (vm_proc_fork).
 */
static int
fork_table(struct fork_ctx *c, uint64_t ptbl, uint64_t ctbl, uint64_t va)
{
	struct vm_machine *m = c->m;
	vm_pte_t *src = vm_pt_table(m, ptbl), *dst = vm_pt_table(m, ctbl);
	const struct vm_vma *a = NULL;
	unsigned stored = 0;

	/* the child's table is new and empty: its entries are stored here
	 * directly and counted once, at the end (what vm_pt_store keeps) */
	for (unsigned i = 0; i < VM_PTES_PER_TABLE; i++) {
		uint64_t at = va + ((uint64_t)i << VM_PAGE_SHIFT), pfn;

		if (!src[i])
			continue;
		if (!(src[i] & VM_PTE_P)) {
			vm_pager_dup_slot(m, VM_SWP_SLOT(src[i]));
			dst[i] = src[i];
			stored++;
			c->child->swapents++;
			continue;
		}
		if (!a || at >= a->end)
			a = vm_vma_find(&c->parent->vmas, at);
		pfn = VM_PTE2PFN(src[i]);
		m->phys.mapcount[pfn]++; /* the family's entry covers it */
		dst[i] = fork_present(c, &src[i], a && (a->flags & VM_VMA_SHARED));
		stored++;
	}
	vm_phys_frame(&m->phys, ctbl)->nent += (uint16_t)stored;
	return 0;
}

/* The parent's huge leaf *pe at level l (mapping at) into the child: the
 * same page, COW in both (huge= regions are private), one more mapping
 * of its head; the child's tables are made down to level l. */
static int
fork_huge(struct fork_ctx *c, vm_pte_t *pe, int l, uint64_t at)
{
	struct vm_machine *m = c->m;
	uint64_t head = VM_PTE2PFN(*pe);
	struct vm_walk w;
	int rc;

	vm_frame_pin(m, head); /* the child's tables may make room */
	rc = vm_pt_walk(m, c->child, at, l, VM_WALK_ALLOC, &w);
	vm_frame_unpin(m, head);
	if (rc == 0 && c->parent->state == VM_PROC_ZOMBIE)
		rc = -ENOMEM;
	if (rc)
		return rc;
	if (*pe & VM_PTE_RW)
		c->downgraded = true;
	*pe = (*pe & ~VM_PTE_RW) | VM_PTE_COW;
	vm_pt_set(m, &w, l, *pe & ~VM_PTE_A);
	m->phys.mapcount[head]++; /* the family's entry covers it */
	return 0;
}

/* Copies the parent's subtree under table tbl (level l, mapping va
 * upwards) into the child, leaf tables by fork_table. */
static int
fork_level(struct fork_ctx *c, uint64_t tbl, int l, uint64_t va)
{
	struct vm_machine *m = c->m;
	unsigned n = VM_PTES_PER_TABLE;

	if (l == (int)m->cfg.levels - 1)
		n = (unsigned)(vm_user_half(m) >> VM_PXSHIFT(l)); /* user half */
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = va + ((uint64_t)i << VM_PXSHIFT(l));
		vm_pte_t e = vm_pt_table(m, tbl)[i];
		struct vm_walk w;
		int rc;

		if (!(e & VM_PTE_P))
			continue;
		if (e & VM_PTE_PS) {
			rc = fork_huge(c, &vm_pt_table(m, tbl)[i], l, at);
			if (rc)
				return rc;
			continue;
		}
		if (l > 1) {
			rc = fork_level(c, VM_PTE2PFN(e), l - 1, at);
		} else {
			/* the child's leaf table first: allocating it may
			 * evict the parent's pages, whose PTEs are read after;
			 * it may OOM-kill the parent, whose tables then go */
			rc = vm_pt_walk(m, c->child, at, 0, VM_WALK_ALLOC, &w);
			if (rc == 0 && c->parent->state == VM_PROC_ZOMBIE)
				rc = -ENOMEM;
			if (rc == 0)
				rc = fork_table(c, VM_PTE2PFN(e), w.tbl[0], at);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int
recount_one(void *ctx, vm_pte_t *pte, uint64_t tbl, int level, uint64_t va)
{
	struct fork_ctx *c = ctx;

	(void)tbl;
	(void)va;
	if (level == 0 && (*pte & VM_PTE_P))
		vm_frame_rss(c->child,
			     vm_phys_frame(&c->m->phys, VM_PTE2PFN(*pte)), 1);
	return 0;
}

/* The resident counts of a child whose fork stopped half way, from its
 * PTEs, so that its end takes off what it has. */
static void
fork_recount(struct vm_machine *m, struct vm_proc *child)
{
	struct fork_ctx c = { .m = m, .child = child };

	child->rss_anon = child->rss_file = 0;
	if (child->state != VM_PROC_ZOMBIE)
		vm_pt_range(m, child, 0, vm_user_top(m), 0, recount_one, &c);
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
	if (parent->state == VM_PROC_ZOMBIE) {
		/* the child's root cost the parent its life (OOM) */
		vm_proc_reap(m, c.child);
		return -ENOMEM;
	}
	memcpy(c.child->comm, parent->comm, VM_COMM_LEN);
	c.child->pid = ++m->last_pid;
	c.child->ppid = parent->pid;
	c.child->start_stack = parent->start_stack;
	c.child->layout = parent->layout;
	c.child->limit = parent->limit;
	proc_link(m, c.child);
	rc = fork_level(&c, parent->cr3, (int)m->cfg.levels - 1, 0);
	if (c.downgraded && parent->state != VM_PROC_ZOMBIE)
		vm_tlb_flush_proc(m, parent);
	if (rc) {
		fork_recount(m, c.child);
		vm_proc_reap(m, c.child);
		return rc < 0 ? rc : -ENOMEM;
	}
	/* every present PTE of the parent's user half is the child's too
	 * (a page evicted meanwhile left both) */
	c.child->rss_anon = parent->rss_anon;
	c.child->rss_file = parent->rss_file;
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
	vm_phys_family_leave(&m->phys, p); /* it maps nothing now */
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

int
vm_proc_drop_mm(struct vm_machine *m, struct vm_proc *p)
{
	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	vm_mm_zap(m, p, 0, vm_user_top(m), true, false);
	vm_tlb_flush_proc(m, p);
	vm_vmas_fini(&p->vmas);
	vm_phys_family_leave(&m->phys, p); /* it maps nothing now */
	memset(&p->layout, 0, sizeof(p->layout));
	p->start_stack = 0;
	return vm_phys_family_new(&m->phys, p);
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

/* Kills p, over its own limit with nothing left to evict, as a memory
 * cgroup's OOM killer does (the line of vm_oom_kill(), its own prefix). */
static void
proc_memcg_oom(struct vm_machine *m, struct vm_proc *p)
{
	vm_log(&m->log, VM_LOG_ERR,
	       "Memory cgroup out of memory: Killed process %d (%s) "
	       "total-vm:%llukB, anon-rss:%llukB, swap:%llukB, pgtables:%llukB",
	       p->pid, p->comm,
	       (unsigned long long)(vm_vmas_size(&p->vmas) >> 10),
	       (unsigned long long)(p->rss_anon * 4),
	       (unsigned long long)(p->swapents * 4),
	       (unsigned long long)(p->pt_pages * 4));
	vm_count(m, p, VM_STAT_oom_kill, 1);
	vm_proc_kill(m, p, 9);
}

int
vm_proc_set_limit(struct vm_machine *m, struct vm_proc *p, uint64_t pages)
{
	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (pages > m->phys.nframes)
		return -EINVAL;
	p->limit = pages;
	while (pages && p->charged > pages) {
		int rc = vm_reclaim_one(m, p);

		if (rc == -ENOMEM) {
			proc_memcg_oom(m, p);
			return 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}
