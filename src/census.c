/*
 * census.c - the state of each frame, decided from the frame table and
 * the entries that map it.
 *
 * Case table of a data frame (anonymous or page cache):
 *
 *   dirty        its own dirty bit (a page-cache page written through
 *                files/), or D in any present entry that maps it
 *   referenced   its own referenced bit (set by policies), or A in any
 *                present entry that maps it
 *   shmem        anonymous, a page of a shared anonymous region's shmem
 *                object (mapped or not)
 *   compound     HEAD when it is marked VM_FF_COMPOUND (the first frame
 *                of a whole huge page, its order in nent); TAIL when the
 *                2 MiB or 1 GiB aligned frame below it is such a head of
 *                that order: a tail reports its head's state (a huge page
 *                is one page to reclaim, dirty and mapped as a whole,
 *                as a folio in Linux)
 *   hugetlb      a 1 GiB page (hugetlbfs's kind in Linux); a 2 MiB one
 *                is a transparent huge page
 *
 * Free, table and kernel frames are what their use says; their lists,
 * bits and entries are reported as the frame table holds them.
 *
 * The entries are found through the reverse map and read with the
 * walker (no VM_WALK_ALLOC); zombies map nothing and are skipped.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "vmlab/census.h"
#include "vmlab/huge.h"
#include "vmlab/machine.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/vma.h"

/* What a look along a frame's reverse map found. */
struct look {
	struct vm_machine *m;
	uint64_t pfn;
	bool young, dirty;	/* A, D in an entry that maps it */
	int level;		/* leaf level of its mappings, -1: none */
};

static int
look_one(void *arg, struct vm_proc *p, uint64_t va)
{
	struct look *l = arg;
	struct vm_walk w;
	vm_pte_t pte;

	if (p->state == VM_PROC_ZOMBIE || vm_pt_walk(l->m, p, va, 0, 0, &w))
		return 0;
	pte = *w.pte[w.level];
	if (!(pte & VM_PTE_P) || VM_PTE2PFN(pte) != l->pfn)
		return 0;
	l->young |= (pte & VM_PTE_A) != 0;
	l->dirty |= (pte & VM_PTE_D) != 0;
	l->level = w.level;
	return 0;
}

/* Follows frame pfn's reverse map: O(mapcount) walks, no change. */
static void
frame_look(struct vm_machine *m, uint64_t pfn, struct look *l)
{
	memset(l, 0, sizeof(*l));
	l->m = m;
	l->pfn = pfn;
	l->level = -1;
	vm_rmap_each(&m->phys, pfn, look_one, l);
}

static bool
is_data(const struct vm_frame *f)
{
	return f->use == VM_FRAME_ANON || f->use == VM_FRAME_FILE;
}

/* True when an anonymous frame is a page of a shared anonymous region:
 * such pages live in the region's shmem object (pager.h). */
static bool
frame_shmem(const struct vm_frame *f)
{
	return f->use == VM_FRAME_ANON && f->obj &&
	       f->obj->kind == VM_POBJ_SHMEM;
}

/* The order of the huge page frame pfn heads, or 0. */
static unsigned
head_order(const struct vm_machine *m, uint64_t pfn)
{
	const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	return (f->flags & VM_FF_COMPOUND) ? f->nent : 0;
}

/*
 * True when frame pfn is a tail of a huge page: the 2 MiB or 1 GiB
 * aligned frame below it heads a page of that order.  Sets *head.
 */
static bool
huge_tail(const struct vm_machine *m, uint64_t pfn, uint64_t *head)
{
	static const unsigned order[] = { VM_HUGE_2M_ORDER, VM_HUGE_1G_ORDER };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		uint64_t h = pfn & ~((UINT64_C(1) << order[i]) - 1);

		if (h != pfn && head_order(m, h) == order[i]) {
			*head = h;
			return true;
		}
	}
	return false;
}

/* The facts the frame table holds about frame pfn. */
static void
frame_facts(const struct vm_machine *m, uint64_t pfn,
	    struct vm_frame_info *out)
{
	const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

	out->use = f->use;
	out->mapcount = vm_frame_mapcount(&m->phys, pfn);
	out->entries = f->nent;
	out->lru = (f->flags & VM_FF_LRU) != 0;
	out->active = (f->flags & VM_FF_ACTIVE) != 0;
	out->swapcache = vm_pager_in_swapcache(f->obj);
	out->pinned = f->pin > 0;
	out->flag_dirty = (f->flags & VM_FF_DIRTY) != 0;
	out->flag_referenced = (f->flags & VM_FF_REFERENCED) != 0;
	out->shmem = frame_shmem(f);
	out->head = pfn;
}

int
vm_frame_census(struct vm_machine *m, uint64_t pfn,
		struct vm_frame_info *out)
{
	struct look l = { .level = -1 };
	uint64_t head = pfn;
	unsigned order;

	memset(out, 0, sizeof(*out));
	if (pfn >= m->phys.nframes)
		return -ENOENT;
	if (huge_tail(m, pfn, &head))
		out->compound = VM_COMPOUND_TAIL;
	else if (head_order(m, pfn))
		out->compound = VM_COMPOUND_HEAD;
	if (is_data(vm_phys_frame(&m->phys, head)))
		frame_look(m, head, &l);
	frame_facts(m, head, out);
	order = out->compound ? head_order(m, head) : 0;
	out->dirty = out->flag_dirty || l.dirty;
	out->referenced = out->flag_referenced || l.young;
	out->hugetlb = order == VM_HUGE_1G_ORDER;
	out->pages = UINT64_C(1) << order;
	return 0;
}

/* Adds data frame pfn, standing for n frames (a huge page), to the
 * totals. */
static void
totals_add(struct vm_machine *m, uint64_t pfn, uint64_t n,
	   struct vm_frame_totals *t)
{
	struct vm_frame_info fi;
	struct look l = { .level = -1 };
	bool file;

	frame_facts(m, pfn, &fi);
	file = fi.use == VM_FRAME_FILE;
	if (fi.pinned)
		t->unevictable += n;
	else if (fi.lru && file)
		*(fi.active ? &t->active_file : &t->inactive_file) += n;
	else if (fi.lru)
		*(fi.active ? &t->active_anon : &t->inactive_anon) += n;
	t->swapcached += fi.swapcache ? n : 0;
	t->shmem += fi.shmem ? n : 0;
	if (fi.mapcount)
		*(file || fi.shmem ? &t->file_mapped : &t->anon_mapped) += n;
	if (fi.mapcount && n > 1)
		t->anon_thp += n;
	if (!file)
		return;
	t->file++;
	/* the walks only where the frame's own bit does not decide */
	if (!fi.flag_dirty && fi.mapcount)
		frame_look(m, pfn, &l);
	t->file_dirty += fi.flag_dirty || l.dirty;
}

void
vm_frame_totals(struct vm_machine *m, struct vm_frame_totals *t)
{
	uint64_t pfn = 0, n;

	memset(t, 0, sizeof(*t));
	while (pfn < m->phys.nframes) {
		n = UINT64_C(1) << head_order(m, pfn);
		if (n > 1 && head_order(m, pfn) == VM_HUGE_1G_ORDER)
			t->hugetlb += n; /* not anonymous memory to Linux */
		else if (is_data(vm_phys_frame(&m->phys, pfn)))
			totals_add(m, pfn, n, t);
		pfn += n;
	}
}
