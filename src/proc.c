/*
 * proc.c - spawn, kill and reap.
 *
 * Lifecycle: spawn -> running -> (exit, kill or a bad access) zombie ->
 * reap.  A zombie has no address space: its pages, swap slots and tables,
 * root included, are freed when it dies, and its TLB entries flushed; only
 * its counters and its name stay for status until it is reaped.
 *
 * pids are handed out in order and never reused within a machine's life,
 * so a script can predict them (last_pid).  ASIDs are 1..4095, reused
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

#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"

static int
asid_get(struct vm_machine *m, unsigned *asid)
{
	*asid = 0;
	if (!m->cfg.asid)
		return 0;
	for (unsigned a = 1; a <= VM_TLB_ASID_MAX; a++) {
		if (!m->asid_used[a]) {
			m->asid_used[a] = 1;
			*asid = a;
			return 0;
		}
	}
	return -EAGAIN;
}

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

int
vm_proc_spawn(struct vm_machine *m, const char *comm, struct vm_proc **out)
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
	rc = asid_get(m, &p->asid);
	if (rc)
		goto err_free;
	rc = proc_root(m, p);
	if (rc)
		goto err_asid;
	rc = vm_vma_insert(&p->vmas, &stack);
	if (rc)
		goto err_root;
	strncpy(p->comm, comm ? comm : "proc", VM_COMM_LEN - 1);
	p->pid = ++m->last_pid;
	p->ppid = 0;
	p->state = VM_PROC_RUNNING;
	p->start_time = m->clock;
	p->start_stack = VM_STACK_TOP - 0x1000 + 0xf00;
	proc_link(m, p);
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
	if (m->cfg.asid)
		vm_count(m, NULL, VM_STAT_tlb_flush,
			 vm_tlb_flush_asid(&m->cpu.tlb, p->asid));
	else if (m->cpu.cur == p)
		vm_count(m, NULL, VM_STAT_tlb_flush,
			 vm_tlb_flush_nonglobal(&m->cpu.tlb));
	if (m->cpu.cur == p)
		m->cpu.cur = NULL;
	if (p->asid)
		m->asid_used[p->asid] = 0;
	p->asid = 0;
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
