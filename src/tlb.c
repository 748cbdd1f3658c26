/*
 * tlb.c - fills and invalidations of the set-associative TLB (lookups are
 * inline in tlb.h, on the MMU's hot path), and the machine's TLB kept
 * true: switches, shootdowns, ASIDs and resizing, all in this one file.
 *
 * Invariants: nhuge is the number of valid entries whose size is not
 * 4 KiB; an entry is valid iff VM_TLB_V is in its flags iff its key is not
 * 0.  Every function that makes or kills an entry keeps all three.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/machine.h"
#include "vmlab/proc.h"
#include "vmlab/tlb.h"

int
vm_tlb_init(struct vm_tlb *t, unsigned entries, unsigned ways)
{
	unsigned sets;

	memset(t, 0, sizeof(*t));
	if (ways == 0 || entries == 0 || entries > VM_TLB_ENTRIES_MAX ||
	    ways > entries || entries % ways)
		return -EINVAL;
	sets = entries / ways;
	if (sets & (sets - 1))
		return -EINVAL;
	t->e = calloc(entries, sizeof(*t->e));
	if (!t->e)
		return -ENOMEM;
	t->entries = entries;
	t->ways = ways;
	t->sets = sets;
	return 0;
}

void
vm_tlb_fini(struct vm_tlb *t)
{
	free(t->e);
	t->e = NULL;
}

static void
tlb_kill(struct vm_tlb *t, struct vm_tlb_entry *e)
{
	if (e->size != VM_TLB_4K)
		t->nhuge--;
	e->flags = 0;
	e->key = 0;
}

struct vm_tlb_entry *
vm_tlb_insert(struct vm_tlb *t, unsigned asid, uint64_t va, unsigned size,
	      uint64_t pfn, unsigned flags)
{
	uint64_t tag = va >> vm_tlb_shift(size);
	struct vm_tlb_entry *set = &t->e[(tag & (t->sets - 1)) * t->ways];
	struct vm_tlb_entry *victim = NULL;

	for (unsigned w = 0; w < t->ways; w++) {
		struct vm_tlb_entry *e = &set[w];

		if (!(e->flags & VM_TLB_V)) {
			if (!victim || (victim->flags & VM_TLB_V))
				victim = e;
			continue;
		}
		if (e->tag == tag && e->size == size &&
		    (e->asid == asid || (e->flags & VM_TLB_G))) {
			victim = e;
			break;
		}
		if (!victim || ((victim->flags & VM_TLB_V) &&
				e->stamp < victim->stamp))
			victim = e;
	}
	if (victim->flags & VM_TLB_V)
		tlb_kill(t, victim);
	victim->key = vm_tlb_key(tag, size);
	victim->tag = tag;
	victim->pfn = pfn;
	victim->asid = (uint16_t)asid;
	victim->size = (uint8_t)size;
	victim->flags = (uint8_t)(flags | VM_TLB_V);
	victim->stamp = ++t->stamp;
	if (size != VM_TLB_4K)
		t->nhuge++;
	return victim;
}

unsigned
vm_tlb_flush_page(struct vm_tlb *t, unsigned asid, uint64_t va)
{
	unsigned n = 0;

	for (unsigned size = VM_TLB_4K; size <= VM_TLB_1G; size++) {
		uint64_t tag = va >> vm_tlb_shift(size);
		struct vm_tlb_entry *e = &t->e[(tag & (t->sets - 1)) * t->ways];

		for (unsigned w = 0; w < t->ways; w++, e++) {
			if ((e->flags & VM_TLB_V) && e->tag == tag &&
			    e->size == size &&
			    (e->asid == asid || (e->flags & VM_TLB_G))) {
				tlb_kill(t, e);
				n++;
			}
		}
	}
	return n;
}

/* Invalidates valid entries of asid (or of all when any_asid), global
 * ones only when global. */
static unsigned
tlb_flush_if(struct vm_tlb *t, bool any_asid, unsigned asid, bool global)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->entries; i++) {
		struct vm_tlb_entry *e = &t->e[i];

		if (!(e->flags & VM_TLB_V))
			continue;
		if ((e->flags & VM_TLB_G) && !global)
			continue;
		if (!any_asid && e->asid != asid)
			continue;
		tlb_kill(t, e);
		n++;
	}
	return n;
}

unsigned
vm_tlb_flush_asid(struct vm_tlb *t, unsigned asid)
{
	return tlb_flush_if(t, false, asid, false);
}

unsigned
vm_tlb_flush_nonglobal(struct vm_tlb *t)
{
	return tlb_flush_if(t, true, 0, false);
}

unsigned
vm_tlb_flush_all(struct vm_tlb *t)
{
	return tlb_flush_if(t, true, 0, true);
}

unsigned
vm_tlb_used(const struct vm_tlb *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->entries; i++)
		n += (t->e[i].flags & VM_TLB_V) != 0;
	return n;
}

struct vm_tlb_entry *
vm_tlb_peek(const struct vm_tlb *t, unsigned asid, uint64_t va)
{
	for (unsigned size = VM_TLB_4K; size <= VM_TLB_1G; size++) {
		uint64_t tag = va >> vm_tlb_shift(size);
		uint64_t key = vm_tlb_key(tag, size);
		struct vm_tlb_entry *e = &t->e[(tag & (t->sets - 1)) * t->ways];

		for (unsigned w = 0; w < t->ways; w++, e++)
			if (e->key == key &&
			    (e->asid == asid || (e->flags & VM_TLB_G)))
				return e;
	}
	return NULL;
}

/* ---- the machine's TLB -------------------------------------------------- */

void
vm_cpu_switch(struct vm_machine *m, struct vm_proc *p)
{
	if (m->cpu.cur == p)
		return;
	m->cpu.cur = p;
	if (p)
		m->cpu.ctxt++;
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

void
vm_tlb_flush_proc(struct vm_machine *m, struct vm_proc *p)
{
	unsigned n = 0;

	if (m->cfg.asid)
		n = vm_tlb_flush_asid(&m->cpu.tlb, p->asid);
	else if (m->cpu.cur == p)
		n = vm_tlb_flush_nonglobal(&m->cpu.tlb);
	vm_count(m, p, VM_STAT_tlb_shootdown, 1);
	vm_count(m, p, VM_STAT_tlb_flush, n);
}

int
vm_tlb_asid_get(struct vm_machine *m, struct vm_proc *p)
{
	p->asid = 0;
	if (!m->cfg.asid)
		return 0;
	for (unsigned a = 1; a <= VM_TLB_ASID_MAX; a++) {
		if (!m->asid_used[a]) {
			m->asid_used[a] = 1;
			p->asid = a;
			return 0;
		}
	}
	return -EAGAIN;
}

void
vm_tlb_proc_gone(struct vm_machine *m, struct vm_proc *p)
{
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
}

int
vm_tlb_resize(struct vm_machine *m, unsigned entries, unsigned ways)
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

/* With ASIDs turned on, every live process without one gets one. */
static void
asid_give_all(struct vm_machine *m)
{
	for (struct vm_proc *p = m->procs; p; p = p->next)
		if (!p->asid && p->state != VM_PROC_ZOMBIE)
			vm_tlb_asid_get(m, p);
}

int
vm_tlb_set_asid(struct vm_machine *m, bool on)
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
	m->cfg.asid = on;
	if (on)
		asid_give_all(m);
	vm_count(m, NULL, VM_STAT_tlb_flush,
		 vm_tlb_flush_nonglobal(&m->cpu.tlb));
	m->cpu.cur = NULL;
	m->cpu.asid = 0;
	return 0;
}
