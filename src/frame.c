/*
 * frame.c - frame allocation with make-room, free, pins.  See frame.h.
 *
 * Charging: a data frame is charged to the process it is allocated for
 * (owner->charged, the memcg-style limit) and counted in user_pages (the
 * global limit) until it is freed; page-cache frames read or written
 * through files/ have no owner.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>

#include "vmlab/frame.h"
#include "vmlab/machine.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/reclaim.h"

/* Reclaims until full() no longer holds; on failure, OOM-kills and
 * retries.  0 or -ENOMEM (nothing left to reclaim or kill, or the owner
 * itself died). */
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
	(void)m;
	return p && p->limit && p->charged >= p->limit;
}

static bool
user_full(struct vm_machine *m, struct vm_proc *p)
{
	(void)p;
	return m->cfg.user_limit && m->user_pages >= m->cfg.user_limit;
}

static bool
phys_full(struct vm_machine *m, struct vm_proc *p)
{
	(void)p;
	return m->phys.nfree == 0;
}

/* Counts n frames from pfn on as allocated; data frames are charged to
 * owner (may be NULL) and to the machine's user pages. */
static void
frame_charge(struct vm_machine *m, uint64_t pfn, uint64_t n,
	     struct vm_proc *owner, bool data)
{
	vm_count(m, NULL, VM_STAT_pgalloc_normal, n);
	if (!data)
		return;
	for (uint64_t i = 0; i < n; i++)
		vm_phys_frame(&m->phys, pfn + i)->owner = owner;
	m->user_pages += n;
	if (owner)
		owner->charged += n;
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
	frame_charge(m, (uint64_t)pfn, 1, owner, data);
	return pfn;
}

int64_t
vm_frame_alloc_huge(struct vm_machine *m, struct vm_proc *owner,
		    unsigned order)
{
	uint64_t n = UINT64_C(1) << order;
	int64_t head;

	if ((owner && owner->limit && owner->charged + n > owner->limit) ||
	    (m->cfg.user_limit && m->user_pages + n > m->cfg.user_limit))
		return -ENOMEM;
	head = vm_phys_alloc_order(&m->phys, VM_FRAME_ANON, order);
	if (head < 0)
		return head;
	frame_charge(m, (uint64_t)head, n, owner, true);
	for (uint64_t i = 1; i < n; i++)
		vm_phys_frame(&m->phys, (uint64_t)head + i)->flags = VM_FF_TAIL;
	vm_phys_frame(&m->phys, (uint64_t)head)->flags |= VM_FF_COMPOUND;
	vm_phys_frame(&m->phys, (uint64_t)head)->nent = (uint16_t)order;
	return head;
}

void
vm_frame_free(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	if (f->use == VM_FRAME_ANON || f->use == VM_FRAME_FILE) {
		struct vm_pobj *obj = f->obj;

		if (f->flags & VM_FF_LRU)
			vm_reclaim_del(m, pfn);
		vm_pager_detach(m, pfn);
		if (obj && obj->kind == VM_POBJ_SHMEM)
			vm_shmem_detached(m, (struct vm_file *)obj);
		if (f->owner)
			f->owner->charged--;
		m->user_pages--;
	}
	vm_count(m, NULL, VM_STAT_pgfree, 1);
	vm_phys_free(&m->phys, pfn);
}

bool
vm_frame_unmapped(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	/* a whole huge page's frames go together (vm_huge_free) */
	if (f->use != VM_FRAME_ANON || vm_frame_mapcount(&m->phys, pfn) ||
	    f->pin || (f->flags & (VM_FF_COMPOUND | VM_FF_TAIL)) ||
	    vm_pager_keeps(m, pfn))
		return false;
	vm_frame_free(m, pfn);
	return true;
}

void
vm_frame_pin(struct vm_machine *m, uint64_t pfn)
{
	vm_phys_frame(&m->phys, pfn)->pin++;
}

void
vm_frame_unpin(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	assert(f->pin > 0);
	if (--f->pin == 0)
		vm_frame_unmapped(m, pfn);
}
