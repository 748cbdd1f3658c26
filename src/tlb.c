/*
 * tlb.c - fills and invalidations of the set-associative TLB (lookups are
 * inline in tlb.h, on the MMU's hot path).
 *
 * Invariants: nhuge is the number of valid entries whose size is not
 * 4 KiB; an entry is valid iff VM_TLB_V is in its flags iff its key is not
 * 0.  Every function that makes or kills an entry keeps all three.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
