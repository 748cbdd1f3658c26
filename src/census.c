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
 *   compound     HEAD when an entry maps it with a huge leaf (PS); TAIL
 *                when nothing maps it and a 2 MiB or 1 GiB aligned frame
 *                below it is mapped by a huge leaf of that size, whose
 *                state it then reports
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
#include "vmlab/machine.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/vma.h"

#define VMA_HUGE (VM_VMA_HUGE_2M | VM_VMA_HUGE_1G)

/* What a look along a frame's reverse map found. */
struct look {
	struct vm_machine *m;
	uint64_t pfn;
	bool young, dirty;	/* A, D in an entry that maps it */
	bool hugetlb;		/* mapped in a huge= region */
	int level;		/* leaf level of its mappings, -1: none */
};

static int
look_one(void *arg, struct vm_proc *p, uint64_t va)
{
	struct look *l = arg;
	const struct vm_vma *a;
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
	a = vm_vma_find(&p->vmas, va);
	if (a && (a->flags & VMA_HUGE))
		l->hugetlb = true;
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

/*
 * True when data frame pfn, mapped by nothing itself, lies inside a huge
 * page: a 2 MiB or 1 GiB aligned frame below it is mapped by a huge leaf
 * of that level.  Sets *head and fills *l with the head's look.
 */
static bool
huge_tail(struct vm_machine *m, uint64_t pfn, uint64_t *head, struct look *l)
{
	for (int level = 1; level <= 2; level++) {
		uint64_t span = VM_LEVEL_SIZE(level) >> VM_PAGE_SHIFT;
		uint64_t h = pfn & ~(span - 1);

		if (h == pfn || vm_frame_mapcount(&m->phys, h) == 0)
			continue;
		frame_look(m, h, l);
		if (l->level == level) {
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
	const struct vm_frame *f;
	struct look l = { .level = -1 };
	uint64_t head = pfn;

	memset(out, 0, sizeof(*out));
	if (pfn >= m->phys.nframes)
		return -ENOENT;
	f = vm_phys_frame(&m->phys, pfn);
	if (is_data(f) && vm_frame_mapcount(&m->phys, pfn) == 0 && huge_tail(m, pfn, &head, &l))
		out->compound = VM_COMPOUND_TAIL;
	else if (is_data(f))
		frame_look(m, pfn, &l);
	frame_facts(m, head, out);
	out->dirty = out->flag_dirty || l.dirty;
	out->referenced = out->flag_referenced || l.young;
	out->hugetlb = l.hugetlb;
	if (l.level > 0 && out->compound == VM_COMPOUND_NONE)
		out->compound = VM_COMPOUND_HEAD;
	return 0;
}

/* Adds data frame pfn to the totals. */
static void
totals_add(struct vm_machine *m, uint64_t pfn, struct vm_frame_totals *t)
{
	struct vm_frame_info fi;
	struct look l = { .level = -1 };
	bool file;

	frame_facts(m, pfn, &fi);
	file = fi.use == VM_FRAME_FILE;
	if (fi.pinned)
		t->unevictable++;
	else if (fi.lru && file)
		*(fi.active ? &t->active_file : &t->inactive_file) += 1;
	else if (fi.lru)
		*(fi.active ? &t->active_anon : &t->inactive_anon) += 1;
	t->swapcached += fi.swapcache;
	t->shmem += fi.shmem;
	if (fi.mapcount)
		*(file || fi.shmem ? &t->file_mapped : &t->anon_mapped) += 1;
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
	memset(t, 0, sizeof(*t));
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++)
		if (is_data(vm_phys_frame(&m->phys, pfn)))
			totals_add(m, pfn, t);
}
