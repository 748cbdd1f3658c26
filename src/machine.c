/*
 * machine.c - building and tearing down a machine; the CPU; frame
 * allocation with reclaim; counting.
 *
 * The kernel half.  Every address space's root entry 511 points at one
 * shared table (kernel_top), and under it a chain of tables leads to the
 * kernel's pages at VM_KERNEL_BASE (0xffffffff80000000: PML4 511, PDPT 510,
 * PD 0, PT 0..).  The chain's entries are P|RW without US, so any
 * user-mode access to the kernel half faults on the first level it meets;
 * the leaves are global (G): their TLB entries survive address-space
 * switches.  Page 0 is the kernel's text (read-only, executable), the rest
 * its data (RW, NX).  Each page is filled with a line naming it, so that a
 * supervisor read of it is recognisable in a hexdump.
 *
 * Frame allocation order: a data frame first respects its owner's limit
 * and the global user limit (reclaiming from the owner, or from anyone),
 * then any frame needs a free frame (reclaiming from anyone); when reclaim
 * fails the OOM killer picks a process and allocation tries again.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"
#include "vmlab/swap.h"

/* Allocates one kernel frame; machine creation cannot fail half-way
 * through this because the frames were just mapped and are all free. */
static uint64_t
kernel_frame(struct vm_machine *m)
{
	int64_t pfn = vm_phys_alloc(&m->phys, VM_FRAME_KERNEL);

	return (uint64_t)pfn;
}

static void
kernel_fill(struct vm_machine *m, uint64_t pfn, unsigned i)
{
	char line[80];
	uint8_t *page = vm_phys_ptr(&m->phys, pfn);
	size_t len;

	/* 63 characters and a newline: 64 lines a page */
	len = (size_t)snprintf(line, sizeof(line),
			       "vmlab kernel page %3u: supervisor only, global",
			       i % 1000);
	memset(line + len, ' ', 63 - len);
	line[63] = '\n';
	for (unsigned off = 0; off < VM_PAGE_SIZE; off += 64)
		memcpy(page + off, line, 64);
}

static void
kernel_build(struct vm_machine *m)
{
	int top = (int)m->cfg.levels - 1;
	uint64_t tbl, leaf;

	m->kernel_top = kernel_frame(m);
	tbl = m->kernel_top;
	for (int l = top - 1; l > 0; l--) {
		uint64_t next = kernel_frame(m);

		vm_pt_table(m, tbl)[VM_PX(l, VM_KERNEL_BASE)] =
			VM_PFN2PTE(next) | VM_PTE_P | VM_PTE_RW;
		vm_phys_frame(&m->phys, tbl)->nent++;
		tbl = next;
	}
	leaf = tbl;
	for (unsigned i = 0; i < m->cfg.kernel_pages; i++) {
		uint64_t pfn = kernel_frame(m);
		vm_pte_t pte = VM_PFN2PTE(pfn) | VM_PTE_P | VM_PTE_G;

		pte |= i == 0 ? 0 : VM_PTE_RW | VM_PTE_NX;
		vm_pt_table(m, leaf)[VM_PX(0, VM_KERNEL_BASE) + i] = pte;
		vm_phys_frame(&m->phys, leaf)->nent++;
		kernel_fill(m, pfn, i);
		m->kernel_pfn[i] = pfn;
	}
}

static int
machine_swap_open(struct vm_machine *m)
{
	struct vm_swap_opts o = {
		.nslots = m->cfg.swap_pages,
		.mapsize = m->cfg.swap_mapsize,
		.log = &m->log,
	};

	if (!m->cfg.swap_pages)
		return 0;
	return vm_swap_open(m->cfg.state_dir, &o, &m->swap);
}

int
vm_machine_create(const struct vm_config *c, const struct vm_log *log,
		  struct vm_machine **out)
{
	struct vm_machine *m;
	int rc;

	*out = NULL;
	if (vm_config_check(c, NULL))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *c;
	if (c->state_dir) {
		m->state_dir = strdup(c->state_dir);
		if (!m->state_dir) {
			free(m);
			return -ENOMEM;
		}
	}
	m->cfg.state_dir = m->state_dir;
	m->va_bits = 12 + 9 * c->levels;
	if (log)
		m->log = *log;
	rc = vm_phys_init(&m->phys, c->frames);
	if (rc)
		goto err_free;
	rc = vm_tlb_init(&m->cpu.tlb, c->tlb_entries, c->tlb_ways);
	if (rc)
		goto err_phys;
	kernel_build(m);
	rc = vm_reclaim_init(m);
	if (rc)
		goto err_tlb;
	rc = machine_swap_open(m);
	if (rc)
		goto err_reclaim;
	m->asid_used[0] = 1; /* ASID 0 means "untagged" */
	*out = m;
	return 0;

err_reclaim:
	vm_reclaim_fini(m);
err_tlb:
	vm_tlb_fini(&m->cpu.tlb);
err_phys:
	vm_phys_fini(&m->phys);
err_free:
	free(m->state_dir);
	free(m);
	return rc;
}

void
vm_machine_destroy(struct vm_machine *m)
{
	if (!m)
		return;
	while (m->procs)
		vm_proc_reap(m, m->procs);
	vm_swap_close(m->swap);
	vm_reclaim_fini(m);
	vm_tlb_fini(&m->cpu.tlb);
	vm_phys_fini(&m->phys);
	free(m->state_dir);
	free(m);
}

struct vm_proc *
vm_machine_proc(struct vm_machine *m, int pid)
{
	for (struct vm_proc *p = m->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

void
vm_cpu_switch(struct vm_machine *m, struct vm_proc *p)
{
	if (m->cpu.cur == p)
		return;
	m->cpu.cur = p;
	if (m->cfg.asid) {
		m->cpu.asid = p ? p->asid : 0;
		return;
	}
	m->cpu.asid = 0;
	vm_count(m, NULL, VM_STAT_tlb_flush,
		 vm_tlb_flush_nonglobal(&m->cpu.tlb));
}

void
vm_tlb_shootdown(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	unsigned asid;

	if (m->cfg.asid)
		asid = p->asid;
	else if (m->cpu.cur == p)
		asid = 0;
	else
		return; /* flushed when p was switched out */
	vm_count(m, p, VM_STAT_tlb_shootdown, 1);
	vm_count(m, p, VM_STAT_tlb_flush,
		 vm_tlb_flush_page(&m->cpu.tlb, asid, va));
}

/* Reclaims until cond holds; on failure, OOM-kills and retries.  Returns 0
 * or -ENOMEM (nothing left to reclaim or kill, or owner itself died). */
static int
frame_make_room(struct vm_machine *m, struct vm_proc *owner, bool mine,
		bool (*full)(struct vm_machine *, struct vm_proc *))
{
	while (full(m, owner)) {
		int rc = vm_reclaim_one(m, mine ? owner : NULL);

		if (rc == 0)
			continue;
		if (rc != -ENOMEM)
			return rc;
		if (mine)
			return -ENOMEM; /* a cgroup's own limit: no OOM kill */
		if (vm_oom_kill(m) < 0)
			return -ENOMEM;
		if (owner && owner->state == VM_PROC_ZOMBIE)
			return -ENOMEM;
	}
	return 0;
}

static bool
owner_full(struct vm_machine *m, struct vm_proc *p)
{
	return p && p->limit && p->charged >= p->limit;
}

static bool
user_full(struct vm_machine *m, struct vm_proc *p)
{
	return m->cfg.user_limit && m->user_pages >= m->cfg.user_limit;
}

static bool
phys_full(struct vm_machine *m, struct vm_proc *p)
{
	return m->phys.nfree == 0;
}

int64_t
vm_frame_alloc(struct vm_machine *m, int use, struct vm_proc *owner)
{
	int kind = use & ~VM_FRAME_NOZERO;
	bool data = kind == VM_FRAME_ANON || kind == VM_FRAME_FILE;
	int64_t pfn;
	int rc = 0;

	if (data)
		rc = frame_make_room(m, owner, true, owner_full);
	if (!rc && data)
		rc = frame_make_room(m, owner, false, user_full);
	if (!rc)
		rc = frame_make_room(m, owner, false, phys_full);
	if (rc)
		return rc;
	pfn = vm_phys_alloc(&m->phys, use);
	if (pfn < 0)
		return pfn;
	vm_count(m, NULL, VM_STAT_pgalloc, 1);
	if (data) {
		vm_phys_frame(&m->phys, pfn)->owner = owner;
		m->user_pages++;
		if (owner)
			owner->charged++;
	}
	return pfn;
}

void
vm_frame_free(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	if (f->use == VM_FRAME_ANON || f->use == VM_FRAME_FILE) {
		if (f->flags & VM_FF_LRU)
			vm_reclaim_del(m, pfn);
		if (f->flags & VM_FF_SWAPCACHE)
			vm_swap_free(m->swap, f->slot);
		if (f->owner)
			f->owner->charged--;
		m->user_pages--;
	}
	vm_count(m, NULL, VM_STAT_pgfree, 1);
	vm_phys_free(&m->phys, pfn);
}

void
vm_count(struct vm_machine *m, struct vm_proc *p, enum vm_stat s, uint64_t n)
{
	m->stats.v[s] += n;
	if (p)
		p->stats.v[s] += n;
}

int
vm_machine_set_tlb(struct vm_machine *m, unsigned entries, unsigned ways)
{
	struct vm_tlb t;
	int rc = vm_tlb_init(&t, entries, ways);

	if (rc)
		return rc;
	vm_count(m, NULL, VM_STAT_tlb_flush, vm_tlb_used(&m->cpu.tlb));
	vm_tlb_fini(&m->cpu.tlb);
	m->cpu.tlb = t;
	m->cfg.tlb_entries = entries;
	m->cfg.tlb_ways = ways;
	return 0;
}

int
vm_machine_set_asid(struct vm_machine *m, bool on)
{
	unsigned need = 0, free_ids = 0;

	if (on == m->cfg.asid)
		return 0;
	for (struct vm_proc *p = m->procs; on && p; p = p->next)
		need += p->state != VM_PROC_ZOMBIE && !p->asid;
	for (unsigned a = 1; on && a <= VM_TLB_ASID_MAX; a++)
		free_ids += !m->asid_used[a];
	if (need > free_ids)
		return -EAGAIN;
	for (struct vm_proc *p = m->procs; on && p; p = p->next) {
		for (unsigned a = 1; !p->asid && p->state != VM_PROC_ZOMBIE &&
				     a <= VM_TLB_ASID_MAX; a++) {
			if (!m->asid_used[a]) {
				m->asid_used[a] = 1;
				p->asid = a;
			}
		}
	}
	vm_count(m, NULL, VM_STAT_tlb_flush,
		 vm_tlb_flush_nonglobal(&m->cpu.tlb));
	m->cfg.asid = on;
	m->cpu.cur = NULL;
	m->cpu.asid = 0;
	return 0;
}
