/*
 * test_model.c - the whole machine, driven at random, against a model.
 *
 * Run i of a tcase builds a small machine with swap from a fixed seed
 * (frames, levels, the policy vm_policy_at(i), modulo their number, ASIDs
 * on or off, swap size and, in "limits", a global limit), then applies a
 * few thousand random steps: spawn, kill, reap, mmap (fixed or automatic,
 * some populated), munmap, mprotect, madvise (dontneed, willneed,
 * pageout), touch, byte-range reads and writes, loads and stores that may
 * cross a page, policy switches, ASIDs on and off, new TLB geometries
 * and, in "limits", per-process and global limits.
 *
 * The model is what each process should see, kept by the test alone: for
 * every page of a fixed window below VM_MMAP_BASE, its protection (or
 * "unmapped") and its bytes.  Every step stays inside the window, so the
 * model is complete: it says where an automatic mmap lands, which
 * accesses must succeed, may succeed or must fail, and what every read
 * returns.  What the regions say of an access to a page (fault.c, mmu.c):
 *
 *   unmapped, PROT_NONE   -> refused
 *   write                 -> allowed with PROT_WRITE, else refused
 *   exec                  -> allowed with PROT_EXEC, else refused
 *   read                  -> allowed with PROT_READ; with only W or X it
 *                            succeeds while the page is present (x86 has
 *                            no read bit) and is refused when it is not
 *
 * After every step the machine is checked against the model and against
 * its own invariants:
 *
 *   tables    every table's nent is its count of non-zero entries; no PTE
 *             outside a mapped page; a present PTE's RW, US, NX follow
 *             its region's protection
 *   counters  rss_anon, swapents, pt_pages and charged of each process,
 *             m->user_pages and the frame counts by use, recounted
 *   frames    mapcount = rmap length = PTEs found, and each rmap entry's
 *             PTE maps the frame; mapped frames are on the policy's lists;
 *             no pin left over; no frame charged to a dead process
 *   swap      each slot's references = swap PTEs + swap-cached frames
 *   TLB       each valid entry belongs to a live process and agrees with
 *             its PTE: PFN, and no RW, US, exec or D the PTE lacks
 *   zeros     a clean anonymous page with no swap copy is all zeros
 *   contents  each page, wherever it is (frame, slot, nowhere), holds
 *             the model's bytes; a write is read back through the MMU
 *
 * "core" machines have no limits and a slot for every page: an access
 * the regions allow must succeed and nothing is OOM-killed.  "limits"
 * machines are tight (limits, little swap): -ENOMEM and OOM kills are
 * allowed, a wrong byte or a broken invariant never.  At the end every
 * process is reaped and every frame and slot must be free.
 *
 * A failure names the tcase, the seed's index, the step and the operation,
 * so that it can be replayed alone (CK_RUN_SUITE=model CK_FORK=no).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#define PG VM_PAGE_SIZE
#define MODEL_PAGES 48	       /* pages in the window */
#define MODEL_TOP VM_MMAP_BASE /* automatic mmap searches below it */
#define MODEL_BASE (MODEL_TOP - MODEL_PAGES * PG)
#define MODEL_PROCS 6		/* processes at once, zombies included */
#define MODEL_STEPS 4000	/* steps of one run */
#define MODEL_SEEDS 12		/* runs per tcase */
#define XFER_MAX (2 * PG + 808) /* longest read or write */
#define TOUCH_MAX (3 * PG)	/* longest touch */
#define PTE_RIGHTS (VM_PTE_RW | VM_PTE_US | VM_PTE_NX)

/* One process as the model knows it. */
struct mproc {
	struct vm_proc *p;	       /* NULL: the entry is free */
	bool dead;		       /* a zombie: it has no memory */
	signed char prot[MODEL_PAGES]; /* enum vm_prot, -1: unmapped */
	uint8_t mem[MODEL_PAGES][PG];  /* what its pages hold */
	/* recounted by model_check() */
	uint64_t present, swapped, tables, owned;
};

/* The kind of machine a tcase runs. */
struct model_kind {
	const char *name;
	bool strict;	    /* no limits, a slot for every page */
	unsigned seed_base; /* seeds of this kind start here */
	uint64_t frames_lo, frames_hi;
	unsigned live_max; /* live processes at most */
	uint64_t swap_lo, swap_hi;
	bool limits; /* the limit step is drawn */
};

/* 7 or 8 kernel frames, 4 or 5 tables a process: "core" always has a
 * dozen frames or more for data, and a slot for every page its live
 * processes can map. */
static const struct model_kind kind_core = {
	.name = "core",
	.strict = true,
	.seed_base = 0,
	.frames_lo = 40,
	.frames_hi = 64,
	.live_max = 4,
	.swap_lo = 4 * MODEL_PAGES,
	.swap_hi = 6 * MODEL_PAGES,
};

static const struct model_kind kind_limits = {
	.name = "limits",
	.strict = false,
	.seed_base = 1000,
	.frames_lo = 25,
	.frames_hi = 40,
	.live_max = 6,
	.swap_lo = 16,
	.swap_hi = 64,
	.limits = true,
};

struct model {
	const struct model_kind *k;
	struct vm_machine *m;
	unsigned seed_no;
	uint64_t rng;
	long step;
	unsigned npol;	    /* policies known */
	char dir[128];	    /* the swap store's directory */
	char what[112];	    /* the step's operation, for messages */
	char why[512];	    /* a failure's message */
	struct mproc *segv; /* allowed to die of SIGSEGV in this step */
	uint64_t ooms;	    /* OOM kills seen so far */
	struct mproc proc[MODEL_PROCS];
	uint32_t *mapc;	     /* per PFN: present PTEs found */
	unsigned *slot_refs; /* per slot: holders found */
	uint8_t page[PG];    /* scratch page */
	uint8_t buf[XFER_MAX], back[XFER_MAX];
};

static const uint8_t zeros[PG];

/* Formats a failure: where the run was, then what went wrong. */
static const char *__attribute__((format(printf, 2, 3)))
model_why(struct model *md, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(md->why, sizeof(md->why),
		     "%s seed %u step %ld [%s]: ", md->k->name, md->seed_no,
		     md->step, md->what);
	va_start(ap, fmt);
	vsnprintf(md->why + n, sizeof(md->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return md->why;
}

/*
 * ck_assert_msg() without Check's bookkeeping when the check holds: the
 * invariants are checked millions of times.  The message is only built
 * on failure.
 */
#define model_assert(md, expr, ...)                                            \
	do {                                                                   \
		if (!(expr))                                                   \
			ck_abort_msg("%s", model_why(md, __VA_ARGS__));        \
	} while (0)

#define model_say(md, ...) snprintf((md)->what, sizeof((md)->what), __VA_ARGS__)

/* xorshift64*: small, and a run repeats exactly from its seed. */
static uint64_t
model_rand(struct model *md)
{
	md->rng ^= md->rng >> 12;
	md->rng ^= md->rng << 25;
	md->rng ^= md->rng >> 27;
	return md->rng * UINT64_C(0x2545f4914f6cdd1d);
}

/* A number in [0, n), n > 0. */
static unsigned
below(struct model *md, uint64_t n)
{
	return (unsigned)(model_rand(md) % n);
}

/* The window's page holding va, or -1. */
static int
page_of(uint64_t va)
{
	if (va < MODEL_BASE || va >= MODEL_TOP)
		return -1;
	return (int)((va - MODEL_BASE) / PG);
}

static uint64_t
page_va(int i)
{
	return MODEL_BASE + (uint64_t)i * PG;
}

/* The model of p, or NULL.  p is only compared, never read: it may be
 * a pointer the machine should not hold any more. */
static struct mproc *
model_find(struct model *md, const struct vm_proc *p)
{
	for (int i = 0; p && i < MODEL_PROCS; i++)
		if (md->proc[i].p == p)
			return &md->proc[i];
	return NULL;
}

/* Starts the model of a process p: nothing mapped. */
static void
model_reset(struct mproc *mp, struct vm_proc *p)
{
	mp->p = p;
	mp->dead = false;
	memset(mp->prot, -1, sizeof(mp->prot));
	memset(mp->mem, 0, sizeof(mp->mem));
}

/* A process died: a zombie has no address space left. */
static void
model_bury(struct mproc *mp)
{
	model_reset(mp, mp->p);
	mp->dead = true;
}

/* Maps n pages at page pg with prot (-1: unmaps them); either way the
 * pages read as zeros afterwards. */
static void
model_map(struct mproc *mp, int pg, int n, int prot)
{
	for (int i = pg; i < pg + n; i++)
		mp->prot[i] = (signed char)prot;
	memset(mp->mem[pg], 0, (size_t)n * PG);
}

/* The model's bytes at va: the window is one array. */
static uint8_t *
model_bytes(struct mproc *mp, uint64_t va)
{
	return &mp->mem[0][0] + (va - MODEL_BASE);
}

/* ---- what the model predicts --------------------------------------- */

enum verdict { ALLOW, MAYBE, DENY };

/* What the regions say of an access to page i (-1: outside the window). */
static enum verdict
page_verdict(const struct mproc *mp, int i, int access)
{
	int prot = i < 0 ? -1 : mp->prot[i];

	if (prot <= VM_PROT_NONE)
		return DENY;
	if (access == VM_ACC_W)
		return (prot & VM_PROT_WRITE) ? ALLOW : DENY;
	if (access == VM_ACC_X)
		return (prot & VM_PROT_EXEC) ? ALLOW : DENY;
	return (prot & VM_PROT_READ) ? ALLOW : MAYBE;
}

/* How far an access to [va, va + len) may go: sure, the bytes before the
 * first page that may be refused; most, before the first that must be. */
struct reach {
	uint64_t sure, most;
};

static struct reach
model_reach(const struct mproc *mp, uint64_t va, uint64_t len, int access)
{
	struct reach r = {len, len};

	for (uint64_t at = va; at < va + len; at = (at & VM_PAGE_MASK) + PG) {
		enum verdict v = page_verdict(mp, page_of(at), access);

		if (v != ALLOW && r.sure == len)
			r.sure = at - va;
		if (v == DENY) {
			r.most = at - va;
			break;
		}
	}
	return r;
}

/* The page where an automatic mmap of n pages lands: the highest free
 * run (nothing is mapped below the window), -1 if that is below it. */
static int
model_gap(const struct mproc *mp, int n)
{
	for (int start = MODEL_PAGES - n; start >= 0; start--) {
		int i = start;

		while (i < start + n && mp->prot[i] < 0)
			i++;
		if (i == start + n)
			return start;
	}
	return -1;
}

/* The rights a region's prot gives its PTEs: US unless PROT_NONE (the
 * page stays present), RW with write, NX without exec. */
static vm_pte_t
prot_rights(int prot)
{
	vm_pte_t r = 0;

	if (prot != VM_PROT_NONE)
		r |= VM_PTE_US;
	if (prot & VM_PROT_WRITE)
		r |= VM_PTE_RW;
	if (!(prot & VM_PROT_EXEC))
		r |= VM_PTE_NX;
	return r;
}

/* The result of p's own access (touch, load, store) to len bytes: a
 * refusal kills p with SIGSEGV; -ENOMEM only on a tight machine. */
static void
expect_own(struct model *md, struct mproc *mp, int rc, struct reach r,
	   uint64_t len)
{
	struct vm_proc *p = mp->p;

	if (mp->dead) {
		model_assert(md, rc == -ESRCH, "a zombie's access gave %d", rc);
	} else if (rc == 0) {
		model_assert(md, r.most == len,
			     "allowed, but the regions refuse byte %" PRIu64,
			     r.most);
	} else if (rc == -EFAULT) {
		model_assert(md, r.sure < len,
			     "refused, but the regions allow it all");
		model_assert(md,
			     p->state == VM_PROC_ZOMBIE && p->exit_signal == 11,
			     "refused, but pid %d lives (state %c)", p->pid,
			     p->state);
		md->segv = mp;
	} else {
		model_assert(md, rc == -ENOMEM && !md->k->strict,
			     "the access gave %d", rc);
	}
}

/* The result of vm_mem_read/write of [va, va + len): stops only at a page
 * the regions may refuse (or, tight, at -ENOMEM), never inside a page. */
static void
expect_xfer(struct model *md, struct mproc *mp, ssize_t n, struct reach r,
	    uint64_t va, uint64_t len)
{
	if (mp->dead) {
		model_assert(md, n == -ESRCH, "a zombie's transfer gave %zd",
			     n);
	} else if (n > 0) {
		model_assert(
			md, (uint64_t)n <= r.most,
			"moved %zd bytes, the regions refuse byte %" PRIu64, n,
			r.most);
		model_assert(md, (uint64_t)n == len || (va + n) % PG == 0,
			     "stopped inside a page after %zd bytes", n);
		model_assert(
			md, !md->k->strict || (uint64_t)n >= r.sure,
			"stopped after %zd bytes, the regions allow %" PRIu64,
			n, r.sure);
	} else if (n == -EFAULT) {
		model_assert(md, r.sure == 0,
			     "refused, but the regions allow %" PRIu64 " bytes",
			     r.sure);
	} else {
		model_assert(md, n == -ENOMEM && !md->k->strict,
			     "the transfer gave %zd", n);
	}
}

/* ---- the checks ------------------------------------------------------ */

static unsigned
count_nent(const vm_pte_t *e)
{
	unsigned n = 0;

	for (int i = 0; i < VM_PTES_PER_TABLE; i++)
		n += e[i] != 0;
	return n;
}

/* True when frame pfn's reverse map holds (p, va). */
static bool
rmap_has(struct vm_machine *m, uint64_t pfn, const struct vm_proc *p,
	 uint64_t va)
{
	uint32_t r = vm_phys_frame(&m->phys, pfn)->rmap;

	for (uint32_t n = 0; r && n < m->phys.rmap_cap; n++) {
		if (m->phys.rmap[r].proc == p && m->phys.rmap[r].va == va)
			return true;
		r = m->phys.rmap[r].next;
	}
	return false;
}

/* A present leaf: an anonymous frame, the region's rights, on the
 * frame's rmap, and all zeros if it was never written nor swapped. */
static void
check_present(struct model *md, struct mproc *mp, vm_pte_t pte, uint64_t va)
{
	struct vm_machine *m = md->m;
	uint64_t pfn = VM_PTE2PFN(pte);
	int prot = mp->prot[page_of(va)];
	struct vm_frame *f;

	model_assert(md, pfn < m->phys.nframes,
		     "pid %d: %#" PRIx64 " maps pfn %" PRIu64 ", no frame",
		     mp->p->pid, va, pfn);
	f = vm_phys_frame(&m->phys, pfn);
	model_assert(md, f->use == VM_FRAME_ANON,
		     "pid %d: %#" PRIx64 " maps pfn %" PRIu64 " of use %d",
		     mp->p->pid, va, pfn, f->use);
	model_assert(md, (pte & PTE_RIGHTS) == prot_rights(prot),
		     "pid %d: PTE %#" PRIx64 " of %#" PRIx64
		     " has other rights than prot %d gives",
		     mp->p->pid, pte, va, prot);
	model_assert(md, rmap_has(m, pfn, mp->p, va),
		     "pid %d: pfn %" PRIu64 " has no rmap entry for %#" PRIx64,
		     mp->p->pid, pfn, va);
	model_assert(md,
		     (pte & VM_PTE_D) ||
			     (f->obj || (f->flags & VM_FF_DIRTY)) ||
			     !memcmp(vm_phys_ptr(&m->phys, pfn), zeros, PG),
		     "pid %d: clean page %#" PRIx64 " (pfn %" PRIu64
		     ", no swap copy) is not all zeros",
		     mp->p->pid, va, pfn);
	md->mapc[pfn]++;
	mp->present++;
}

/* A leaf entry: in a mapped page, a frame or a slot in use. */
static void
check_leaf(struct model *md, struct mproc *mp, vm_pte_t pte, uint64_t va)
{
	uint64_t slot = VM_SWP_SLOT(pte);
	int i = page_of(va);

	model_assert(md, i >= 0 && mp->prot[i] >= 0,
		     "pid %d: PTE %#" PRIx64 " at %#" PRIx64
		     ", where nothing is mapped",
		     mp->p->pid, pte, va);
	if (pte & VM_PTE_P) {
		check_present(md, mp, pte, va);
		return;
	}
	model_assert(md,
		     pte == VM_SWP_ENTRY(0, slot) && slot >= 1 &&
			     slot <= md->m->cfg.swap_pages,
		     "pid %d: %#" PRIx64 " holds %#" PRIx64 ", no swap entry",
		     mp->p->pid, va, pte);
	md->slot_refs[slot]++;
	mp->swapped++;
}

static void check_table(struct model *md, struct mproc *mp, uint64_t tbl,
			int level, uint64_t base);

/* An entry above the leaves: a present pointer to a table frame. */
static void
check_inner(struct model *md, struct mproc *mp, vm_pte_t pte, int level,
	    uint64_t va)
{
	uint64_t child = VM_PTE2PFN(pte);

	model_assert(md, (pte & VM_PTE_P) && !(pte & VM_PTE_PS),
		     "pid %d: level %d entry %#" PRIx64 " for %#" PRIx64
		     " is no table pointer",
		     mp->p->pid, level, pte, va);
	model_assert(md,
		     child < md->m->phys.nframes &&
			     vm_phys_frame(&md->m->phys, child)->use ==
				     VM_FRAME_PT,
		     "pid %d: level %d entry %#" PRIx64 " for %#" PRIx64
		     " points at no table frame",
		     mp->p->pid, level, pte, va);
	mp->tables++;
	check_table(md, mp, child, level - 1, va);
}

/* Walks the user half of a table (the root's lower 256 entries) and
 * checks its nent. */
static void
check_table(struct model *md, struct mproc *mp, uint64_t tbl, int level,
	    uint64_t base)
{
	vm_pte_t *e = vm_pt_table(md->m, tbl);
	unsigned nent = vm_phys_frame(&md->m->phys, tbl)->nent;
	int top = (int)md->m->cfg.levels - 1;
	int n = level == top ? VM_PTES_PER_TABLE / 2 : VM_PTES_PER_TABLE;

	model_assert(md, nent == count_nent(e),
		     "pid %d: table %" PRIu64 " (level %d): nent %u, %u used",
		     mp->p->pid, tbl, level, nent, count_nent(e));
	for (int i = 0; i < n; i++) {
		uint64_t va = base + (uint64_t)i * VM_LEVEL_SIZE(level);

		if (!e[i])
			continue;
		if (level == 0)
			check_leaf(md, mp, e[i], va);
		else
			check_inner(md, mp, e[i], level, va);
	}
}

/* The shared kernel tables under kernel_top: nent only. */
static void
check_kernel(struct model *md, uint64_t tbl, int level)
{
	vm_pte_t *e = vm_pt_table(md->m, tbl);
	unsigned nent = vm_phys_frame(&md->m->phys, tbl)->nent;

	model_assert(md, nent == count_nent(e),
		     "kernel table %" PRIu64 ": nent %u, %u used", tbl, nent,
		     count_nent(e));
	for (int i = 0; level > 0 && i < VM_PTES_PER_TABLE; i++)
		if (e[i])
			check_kernel(md, VM_PTE2PFN(e[i]), level - 1);
}

/* The bytes page i of mp holds now, found through its PTE alone: its
 * frame, its swap slot, or zeros. */
static const uint8_t *
page_now(struct model *md, struct mproc *mp, int i)
{
	vm_pte_t pte = t_pte(md->m, mp->p, page_va(i));
	int rc;

	if (pte & VM_PTE_P)
		return vm_phys_ptr(&md->m->phys, VM_PTE2PFN(pte));
	if (!pte)
		return zeros;
	rc = vm_swap_read(md->m->swap, VM_SWP_SLOT(pte), md->page);
	model_assert(md, rc == 0, "swap read of slot %" PRIu64 " gave %d",
		     VM_SWP_SLOT(pte), rc);
	return md->page;
}

/* Every page of the window holds what the model says. */
static void
check_contents(struct model *md, struct mproc *mp)
{
	for (int i = 0; i < MODEL_PAGES; i++) {
		const uint8_t *got = page_now(md, mp, i);
		unsigned b = 0;

		if (!memcmp(got, mp->mem[i], PG))
			continue;
		while (got[b] == mp->mem[i][b])
			b++;
		ck_abort_msg("%s", model_why(md,
					     "pid %d: byte %#" PRIx64
					     " (pte %#" PRIx64
					     ") is %#x, the model says %#x",
					     mp->p->pid, page_va(i) + b,
					     t_pte(md->m, mp->p, page_va(i)),
					     got[b], mp->mem[i][b]));
	}
}

/* One address space: root, tables, leaves, contents. */
static void
check_space(struct model *md, struct mproc *mp)
{
	struct vm_machine *m = md->m;
	vm_pte_t kernel = VM_PFN2PTE(m->kernel_top) | VM_PTE_P | VM_PTE_RW;
	struct vm_proc *p = mp->p;

	mp->present = mp->swapped = mp->tables = mp->owned = 0;
	model_assert(md, (p->state == VM_PROC_ZOMBIE) == mp->dead,
		     "pid %d: state %c", p->pid, p->state);
	if (mp->dead) {
		model_assert(md, p->cr3 == 0, "zombie %d has a root", p->pid);
		return;
	}
	model_assert(
		md,
		p->cr3 < m->phys.nframes &&
			vm_phys_frame(&m->phys, p->cr3)->use == VM_FRAME_PT,
		"pid %d: root %" PRIu64 " is no table frame", p->pid, p->cr3);
	model_assert(md, vm_pt_table(m, p->cr3)[511] == kernel,
		     "pid %d: root entry 511 is %#" PRIx64, p->pid,
		     vm_pt_table(m, p->cr3)[511]);
	check_table(md, mp, p->cr3, (int)m->cfg.levels - 1, 0);
	check_contents(md, mp);
}

/* An anonymous frame: charged to a live process, rmap = mapcount = PTEs
 * found, each rmap entry's PTE maps it, on the lists; its swap-cache
 * slot is counted. */
static void
check_anon(struct model *md, uint64_t pfn, const struct vm_frame *f)
{
	struct vm_machine *m = md->m;
	struct mproc *owner = model_find(md, f->owner);
	uint32_t len = 0;

	model_assert(md, owner && !owner->dead,
		     "pfn %" PRIu64 " is charged to %s", pfn,
		     owner ? "a zombie" : "no live process");
	owner->owned++;
	for (uint32_t r = f->rmap; r; r = m->phys.rmap[r].next) {
		const struct vm_rmap *e = &m->phys.rmap[r];
		struct mproc *mp = model_find(md, e->proc);
		vm_pte_t pte;

		model_assert(md, ++len <= f->mapcount,
			     "pfn %" PRIu64 ": rmap longer than mapcount %u",
			     pfn, f->mapcount);
		model_assert(md, mp && !mp->dead,
			     "pfn %" PRIu64 ": rmap entry of a dead process",
			     pfn);
		pte = t_pte(m, mp->p, e->va);
		model_assert(md, (pte & VM_PTE_P) && VM_PTE2PFN(pte) == pfn,
			     "pfn %" PRIu64
			     ": rmap says pid %d maps it at %#" PRIx64
			     ", the PTE is %#" PRIx64,
			     pfn, mp->p->pid, e->va, pte);
	}
	model_assert(md, len == f->mapcount && len == md->mapc[pfn] && len,
		     "pfn %" PRIu64 ": mapcount %u, rmap %u, PTEs %u", pfn,
		     f->mapcount, len, md->mapc[pfn]);
	model_assert(md, f->flags & VM_FF_LRU,
		     "pfn %" PRIu64 " is mapped but on no list", pfn);
	if (!f->obj)
		return;
	model_assert(md, f->obj == &m->pager.swap && f->index >= 1 &&
			     f->index <= m->cfg.swap_pages,
		     "pfn %" PRIu64 ": swap cache of slot %" PRIu64, pfn,
		     f->index);
	model_assert(md, vm_pager_find(m, f->obj, f->index) == (int64_t)pfn,
		     "pfn %" PRIu64 ": not found in the pager's index", pfn);
	md->slot_refs[f->index]++;
}

/* The frame table: every frame by its use, then the counts. */
static void
check_frames(struct model *md)
{
	struct vm_machine *m = md->m;
	uint64_t count[VM_FRAME_KERNEL + 1] = {0}, tables = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

		model_assert(md,
			     f->use <= VM_FRAME_KERNEL &&
				     f->use != VM_FRAME_FILE,
			     "pfn %" PRIu64 ": use %d", pfn, f->use);
		model_assert(md, !f->pin,
			     "pfn %" PRIu64 " is still pinned", pfn);
		count[f->use]++;
		if (f->use == VM_FRAME_ANON)
			check_anon(md, pfn, f);
		else
			model_assert(md,
				     !f->mapcount && !f->rmap && !f->owner &&
					     !f->flags,
				     "pfn %" PRIu64 " (use %d): mapcount %u, "
				     "flags %#x, owner %p",
				     pfn, f->use, f->mapcount, f->flags,
				     (void *)f->owner);
	}
	for (int u = 0; u <= VM_FRAME_KERNEL; u++)
		model_assert(md, count[u] == m->phys.count[u],
			     "%" PRIu64 " frames of use %d, counted %" PRIu64,
			     count[u], u, m->phys.count[u]);
	model_assert(md, m->phys.nfree == count[VM_FRAME_FREE],
		     "nfree %" PRIu64 ", %" PRIu64 " frames free",
		     m->phys.nfree, count[VM_FRAME_FREE]);
	model_assert(md, m->user_pages == count[VM_FRAME_ANON],
		     "user_pages %" PRIu64 ", %" PRIu64 " anonymous frames",
		     m->user_pages, count[VM_FRAME_ANON]);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p && !md->proc[i].dead)
			tables += md->proc[i].tables + 1;
	model_assert(md, count[VM_FRAME_PT] == tables,
		     "%" PRIu64
		     " table frames, the address spaces use %" PRIu64,
		     count[VM_FRAME_PT], tables);
}

/* A process's counters against the recount (a zombie's are all 0; a
 * live process has its root besides the tables found under it). */
static void
check_counters(struct model *md, struct mproc *mp)
{
	struct vm_proc *p = mp->p;
	uint64_t tables = mp->dead ? 0 : mp->tables + 1;

	model_assert(md, p->rss_anon == mp->present && p->rss_file == 0,
		     "pid %d: rss_anon %" PRIu64 ", %" PRIu64
		     " present PTEs; rss_file %" PRIu64,
		     p->pid, p->rss_anon, mp->present, p->rss_file);
	model_assert(md, p->swapents == mp->swapped,
		     "pid %d: swapents %" PRIu64 ", %" PRIu64 " swap PTEs",
		     p->pid, p->swapents, mp->swapped);
	model_assert(md, p->pt_pages == tables,
		     "pid %d: pt_pages %" PRIu64 ", %" PRIu64 " tables", p->pid,
		     p->pt_pages, tables);
	model_assert(md, p->charged == mp->owned,
		     "pid %d: charged %" PRIu64 ", %" PRIu64
		     " frames charged to it",
		     p->pid, p->charged, mp->owned);
}

/* Each slot's references: its swap PTEs and its swap-cached frame. */
static void
check_slots(struct model *md)
{
	for (uint64_t s = 1; s <= md->m->cfg.swap_pages; s++)
		model_assert(md,
			     vm_swap_count(md->m->swap, s) == md->slot_refs[s],
			     "slot %" PRIu64 ": %u references, %u holders", s,
			     vm_swap_count(md->m->swap, s), md->slot_refs[s]);
}

/* The live process whose TLB entries carry asid: with ASIDs off, the one
 * running (the others' entries went when it was switched in). */
static struct mproc *
tlb_owner(struct model *md, unsigned asid)
{
	if (!md->m->cfg.asid)
		return asid ? NULL : model_find(md, md->m->cpu.cur);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p && !md->proc[i].dead &&
		    md->proc[i].p->asid == asid)
			return &md->proc[i];
	return NULL;
}

/* A valid non-global entry agrees with the PTE it caches: no PFN, write,
 * user, exec or dirty state the PTE does not have. */
static void
check_tlb_entry(struct model *md, const struct vm_tlb_entry *e)
{
	struct mproc *mp = tlb_owner(md, e->asid);
	uint64_t va = e->tag << VM_PAGE_SHIFT;
	vm_pte_t pte;

	model_assert(md, e->size == VM_TLB_4K && mp && !mp->dead,
		     "TLB entry for %#" PRIx64 " (ASID %u, size %u) belongs "
		     "to no live process",
		     va, e->asid, e->size);
	pte = t_pte(md->m, mp->p, va);
	model_assert(md, (pte & VM_PTE_P) && VM_PTE2PFN(pte) == e->pfn,
		     "pid %d: stale TLB entry %#" PRIx64 " -> pfn %" PRIu64
		     ", PTE %#" PRIx64,
		     mp->p->pid, va, e->pfn, pte);
	model_assert(md, !(e->flags & VM_TLB_RW) || (pte & VM_PTE_RW),
		     "pid %d: TLB entry %#" PRIx64 " (flags %#x) allows "
		     "writes, its PTE %#" PRIx64 " does not",
		     mp->p->pid, va, e->flags, pte);
	model_assert(md, !(e->flags & VM_TLB_US) || (pte & VM_PTE_US),
		     "pid %d: TLB entry %#" PRIx64 " (flags %#x) allows "
		     "user access, its PTE %#" PRIx64 " does not",
		     mp->p->pid, va, e->flags, pte);
	model_assert(md, (e->flags & VM_TLB_NX) || !(pte & VM_PTE_NX),
		     "pid %d: TLB entry %#" PRIx64 " (flags %#x) allows "
		     "exec, its PTE %#" PRIx64 " does not",
		     mp->p->pid, va, e->flags, pte);
	model_assert(md, !(e->flags & VM_TLB_D) || (pte & VM_PTE_D),
		     "pid %d: TLB entry %#" PRIx64 " (flags %#x) is dirty, "
		     "its PTE %#" PRIx64 " is clean",
		     mp->p->pid, va, e->flags, pte);
}

/* The CPU runs a live process with its tag; live ASIDs are distinct. */
static void
check_cpu(struct model *md)
{
	struct vm_machine *m = md->m;
	struct mproc *cur = model_find(md, m->cpu.cur);

	model_assert(md, !m->cpu.cur || (cur && !cur->dead),
		     "the CPU runs a dead or unknown process");
	model_assert(md,
		     !cur || m->cpu.asid == (m->cfg.asid ? cur->p->asid : 0),
		     "the CPU's tag is %u", m->cpu.asid);
	for (int i = 0; m->cfg.asid && i < MODEL_PROCS; i++) {
		struct mproc *mp = &md->proc[i];

		if (!mp->p || mp->dead)
			continue;
		model_assert(md,
			     mp->p->asid && m->asid_used[mp->p->asid] &&
				     tlb_owner(md, mp->p->asid) == mp,
			     "pid %d: ASID %u, unused or shared", mp->p->pid,
			     mp->p->asid);
	}
}

static void
check_tlb(struct model *md)
{
	const struct vm_tlb *t = &md->m->cpu.tlb;

	check_cpu(md);
	for (unsigned i = 0; i < t->entries; i++) {
		const struct vm_tlb_entry *e = &t->e[i];

		model_assert(md, !(e->flags & VM_TLB_V) == !e->key,
			     "TLB entry %u: flags %#x, key %#" PRIx64, i,
			     e->flags, e->key);
		if ((e->flags & VM_TLB_V) && !(e->flags & VM_TLB_G))
			check_tlb_entry(md, e);
	}
}

/* The machine's processes are the model's. */
static void
check_procs(struct model *md)
{
	unsigned n = 0, used = 0;

	for (struct vm_proc *p = md->m->procs; p; p = p->next, n++)
		model_assert(md, model_find(md, p), "pid %d is not ours",
			     p->pid);
	for (int i = 0; i < MODEL_PROCS; i++)
		used += md->proc[i].p != NULL;
	model_assert(md, n == used, "%u processes, %u expected", n, used);
}

/* Everything, after every step. */
static void
model_check(struct model *md)
{
	struct vm_machine *m = md->m;

	memset(md->mapc, 0, m->phys.nframes * sizeof(*md->mapc));
	memset(md->slot_refs, 0,
	       (m->cfg.swap_pages + 1) * sizeof(*md->slot_refs));
	check_procs(md);
	check_kernel(md, m->kernel_top, (int)m->cfg.levels - 2);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p)
			check_space(md, &md->proc[i]);
	check_frames(md);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p)
			check_counters(md, &md->proc[i]);
	check_slots(md);
	check_tlb(md);
}

/*
 * Takes note of the processes that died: by SIGSEGV only the one whose
 * own access was refused in this step (md->segv), otherwise by the OOM
 * killer, once per kill counted, and never on a "core" machine.
 */
static void
model_sync(struct model *md)
{
	uint64_t ooms = md->m->stats.v[VM_STAT_oom_kill], died = 0;

	for (int i = 0; i < MODEL_PROCS; i++) {
		struct mproc *mp = &md->proc[i];

		if (!mp->p || mp->dead || mp->p->state != VM_PROC_ZOMBIE)
			continue;
		if (mp->p->exit_signal == 11) {
			model_assert(md, mp == md->segv,
				     "pid %d died of SIGSEGV", mp->p->pid);
		} else {
			model_assert(md, mp->p->exit_signal == 9,
				     "pid %d died of signal %d", mp->p->pid,
				     mp->p->exit_signal);
			died++;
		}
		model_bury(mp);
	}
	model_assert(md, ooms - md->ooms == died,
		     "%" PRIu64 " OOM kills counted, %" PRIu64 " processes "
		     "killed",
		     ooms - md->ooms, died);
	model_assert(md, !md->k->strict || !died,
		     "OOM kill on a machine with room for everything");
	md->ooms = ooms;
}

/* ---- the steps ------------------------------------------------------- */

/* A run of n pages at page pg, inside the window. */
static void
pick_pages(struct model *md, int *pg, int *n)
{
	*pg = (int)below(md, MODEL_PAGES);
	*n = 1 + (int)below(md, 12);
	if (*pg + *n > MODEL_PAGES)
		*n = MODEL_PAGES - *pg;
}

/* The bytes from va on that the regions allow to access, up to the
 * first page they do not. */
static uint64_t
allowed_run(const struct mproc *mp, uint64_t va, int access)
{
	uint64_t end = va & VM_PAGE_MASK;

	while (end < MODEL_TOP &&
	       page_verdict(mp, page_of(end), access) == ALLOW)
		end += PG;
	return end > va ? end - va : 0;
}

/*
 * A range for an access of at most max bytes.  Aimed, it starts in a page
 * the regions allow and stays within what they allow (false when no page
 * allows the access); else it is anywhere in the window.  With span, it
 * starts within span bytes of its page's end, so that it may go on into
 * the next page.
 */
static bool
pick_range(struct model *md, const struct mproc *mp, int access, bool aim,
	   unsigned span, uint64_t max, uint64_t *va, uint64_t *len)
{
	int ok[MODEL_PAGES], n = 0, pg;
	uint64_t run;

	for (int i = 0; aim && i < MODEL_PAGES; i++)
		if (page_verdict(mp, i, access) == ALLOW)
			ok[n++] = i;
	if (aim && !n)
		return false;
	pg = aim ? ok[below(md, (unsigned)n)] : (int)below(md, MODEL_PAGES);
	*va = page_va(pg) + (span ? PG - 1 - below(md, span) : below(md, PG));
	run = aim ? allowed_run(mp, *va, access) : MODEL_TOP - *va;
	*len = 1 + below(md, max < run ? max : run);
	return true;
}

static void
op_spawn(struct model *md)
{
	struct mproc *mp = NULL;
	unsigned live = 0;
	struct vm_proc *p;
	int rc;

	for (int i = 0; i < MODEL_PROCS; i++) {
		if (!md->proc[i].p && !mp)
			mp = &md->proc[i];
		live += md->proc[i].p && !md->proc[i].dead;
	}
	model_say(md, "spawn");
	if (!mp || live >= md->k->live_max)
		return;
	rc = vm_proc_spawn(md->m, "model", &p);
	model_assert(md, rc == 0 || (rc == -ENOMEM && !md->k->strict),
		     "spawn gave %d", rc);
	if (rc == 0)
		model_reset(mp, p);
}

static void
op_kill(struct model *md, struct mproc *mp)
{
	model_say(md, "kill pid %d", mp->p->pid);
	vm_proc_kill(md->m, mp->p, 9);
	model_bury(mp);
}

static void
op_reap(struct model *md, struct mproc *mp)
{
	model_say(md, "reap pid %d", mp->p->pid);
	vm_proc_reap(md->m, mp->p);
	model_reset(mp, NULL);
}

/* mmap of a few pages, fixed or where the model says a search lands;
 * one in three populated. */
static void
op_mmap(struct model *md, struct mproc *mp, bool fixed)
{
	struct vm_mmap_req r = {.prot = below(md, 8)};
	bool populate = below(md, 3) == 0;
	uint64_t at = 0;
	int pg, n, rc;

	pick_pages(md, &pg, &n);
	if (!fixed)
		pg = model_gap(mp, n);
	model_say(md, "mmap pid %d %s+%d prot %u%s", mp->p->pid,
		  fixed ? "fixed" : "auto", n, r.prot,
		  populate ? " populate" : "");
	if (pg < 0)
		return; /* it would land below the window */
	r.addr = fixed ? page_va(pg) : 0;
	r.len = (uint64_t)n * PG;
	r.flags = (fixed ? VM_MAP_FIXED : 0) | (populate ? VM_MAP_POPULATE : 0);
	rc = vm_mmap(md->m, mp->p, &r, &at);
	if (mp->dead) {
		model_assert(md, rc == -ESRCH, "mmap gave %d", rc);
		return;
	}
	model_assert(md,
		     rc == 0 || (rc == -ENOMEM && populate && !md->k->strict),
		     "mmap gave %d", rc);
	model_assert(md, at == page_va(pg),
		     "mapped at %#" PRIx64 ", the model says %#" PRIx64, at,
		     page_va(pg));
	model_map(mp, pg, n, (int)r.prot);
}

static void
op_munmap(struct model *md, struct mproc *mp)
{
	int pg, n, rc;

	pick_pages(md, &pg, &n);
	model_say(md, "munmap pid %d %#" PRIx64 "+%d", mp->p->pid, page_va(pg),
		  n);
	rc = vm_munmap(md->m, mp->p, page_va(pg), (uint64_t)n * PG);
	model_assert(md, rc == (mp->dead ? -ESRCH : 0), "munmap gave %d", rc);
	if (!mp->dead)
		model_map(mp, pg, n, -1);
}

/* mprotect: -ENOMEM, and nothing changed, when a page is unmapped. */
static void
op_mprotect(struct model *md, struct mproc *mp)
{
	unsigned prot = below(md, 8);
	int pg, n, rc, want = 0;

	pick_pages(md, &pg, &n);
	model_say(md, "mprotect pid %d %#" PRIx64 "+%d prot %u", mp->p->pid,
		  page_va(pg), n, prot);
	for (int i = pg; i < pg + n; i++)
		if (mp->prot[i] < 0)
			want = -ENOMEM;
	rc = vm_mprotect(md->m, mp->p, page_va(pg), (uint64_t)n * PG, prot);
	model_assert(md, rc == (mp->dead ? -ESRCH : want), "mprotect gave %d",
		     rc);
	for (int i = pg; rc == 0 && i < pg + n; i++)
		mp->prot[i] = (signed char)prot;
}

/* madvise: dontneed zeroes the pages; willneed and pageout change no
 * byte (on a tight machine they may run out of memory or swap). */
static void
op_madvise(struct model *md, struct mproc *mp)
{
	static const char *const name[] = {"", "dontneed", "willneed",
					   "pageout"};
	int advice = VM_ADV_DONTNEED + (int)below(md, 3);
	int pg, n, rc;

	pick_pages(md, &pg, &n);
	model_say(md, "madvise pid %d %#" PRIx64 "+%d %s", mp->p->pid,
		  page_va(pg), n, name[advice]);
	rc = vm_madvise(md->m, mp->p, page_va(pg), (uint64_t)n * PG, advice);
	if (mp->dead) {
		model_assert(md, rc == -ESRCH, "madvise gave %d", rc);
		return;
	}
	model_assert(md,
		     rc == 0 || (rc == -ENOMEM && !md->k->strict &&
				 advice != VM_ADV_DONTNEED),
		     "madvise gave %d", rc);
	if (advice == VM_ADV_DONTNEED)
		memset(mp->mem[pg], 0, (size_t)n * PG);
}

static void
op_touch(struct model *md, struct mproc *mp)
{
	int access = 1 << below(md, 3);
	uint64_t va, len;
	struct reach r;
	int rc;

	model_say(md, "touch pid %d: nothing allows access %d", mp->p->pid,
		  access);
	if (!pick_range(md, mp, access, below(md, 32), below(md, 3) ? 0 : 16,
			TOUCH_MAX, &va, &len))
		return;
	model_say(md, "touch pid %d %#" PRIx64 "+%" PRIu64 " access %d",
		  mp->p->pid, va, len, access);
	r = model_reach(mp, va, len, access);
	rc = vm_touch(md->m, mp->p, va, len, access);
	expect_own(md, mp, rc, r, len);
}

/* vm_mem_write of random bytes, then the same range read back through
 * the MMU, which must give what the model holds. */
static void
op_write(struct model *md, struct mproc *mp)
{
	uint64_t va, len;
	ssize_t n;

	model_say(md, "write pid %d: nothing writable", mp->p->pid);
	if (!pick_range(md, mp, VM_ACC_W, below(md, 8), below(md, 3) ? 0 : 16,
			XFER_MAX, &va, &len))
		return;
	model_say(md, "write pid %d %#" PRIx64 "+%" PRIu64, mp->p->pid, va,
		  len);
	for (uint64_t i = 0; i < len; i++)
		md->buf[i] = (uint8_t)model_rand(md);
	n = vm_mem_write(md->m, mp->p, va, md->buf, len);
	expect_xfer(md, mp, n, model_reach(mp, va, len, VM_ACC_W), va, len);
	if (n <= 0)
		return;
	memcpy(model_bytes(mp, va), md->buf, (size_t)n);
	model_sync(md); /* a tight machine may have killed it meanwhile */
	if (mp->dead)
		return;
	len = (uint64_t)n;
	n = vm_mem_read(md->m, mp->p, va, md->back, len);
	expect_xfer(md, mp, n, model_reach(mp, va, len, VM_ACC_R), va, len);
	model_assert(
		md, n <= 0 || !memcmp(md->back, model_bytes(mp, va), (size_t)n),
		"read back other bytes than were written");
}

static void
op_read(struct model *md, struct mproc *mp)
{
	uint64_t va, len;
	ssize_t n;

	model_say(md, "read pid %d: nothing readable", mp->p->pid);
	if (!pick_range(md, mp, VM_ACC_R, below(md, 8), below(md, 3) ? 0 : 16,
			XFER_MAX, &va, &len))
		return;
	model_say(md, "read pid %d %#" PRIx64 "+%" PRIu64, mp->p->pid, va, len);
	n = vm_mem_read(md->m, mp->p, va, md->back, len);
	expect_xfer(md, mp, n, model_reach(mp, va, len, VM_ACC_R), va, len);
	model_assert(
		md, n <= 0 || !memcmp(md->back, model_bytes(mp, va), (size_t)n),
		"read other bytes than the model holds");
}

/* A load or store of 1, 2, 4 or 8 bytes, half of them across a page;
 * aimed, one that the regions would refuse is moved to its page's
 * start. */
static void
op_load_store(struct model *md, struct mproc *mp, bool store)
{
	unsigned size = 1u << below(md, 4);
	int access = store ? VM_ACC_W : VM_ACC_R;
	bool aim = below(md, 32);
	uint64_t val = model_rand(md), want = 0, va, len;
	int rc;

	model_say(md, "%s pid %d: nothing allows it", store ? "store" : "load",
		  mp->p->pid);
	if (!pick_range(md, mp, access, aim, below(md, 2) ? size : 0, size, &va,
			&len))
		return;
	if (aim && allowed_run(mp, va, access) < size)
		va &= VM_PAGE_MASK;
	if (va + size > MODEL_TOP)
		va = MODEL_TOP - size;
	model_say(md, "%s pid %d %#" PRIx64 " size %u",
		  store ? "store" : "load", mp->p->pid, va, size);
	if (store)
		rc = vm_store(md->m, mp->p, va, size, val);
	else
		rc = vm_load(md->m, mp->p, va, size, &val);
	expect_own(md, mp, rc, model_reach(mp, va, size, access), size);
	if (rc != 0)
		return;
	/* the machine copies the value's first size bytes, as memcpy does */
	if (store) {
		memcpy(model_bytes(mp, va), &val, size);
		return;
	}
	memcpy(&want, model_bytes(mp, va), size);
	model_assert(md, val == want,
		     "loaded %#" PRIx64 ", the model says %#" PRIx64, val,
		     want);
}

/* A policy switch: every resident frame goes to the new policy. */
static void
op_policy(struct model *md)
{
	const char *name = vm_policy_at(below(md, md->npol))->name;
	int rc;

	model_say(md, "policy %s", name);
	rc = vm_reclaim_set_policy(md->m, name);
	model_assert(md, rc == 0 && !strcmp(md->m->cfg.policy, name),
		     "gave %d, the policy is %s", rc, md->m->cfg.policy);
}

static void
op_asid(struct model *md)
{
	bool on = below(md, 2);
	int rc;

	model_say(md, "asid %s", on ? "on" : "off");
	rc = vm_tlb_set_asid(md->m, on);
	model_assert(md, rc == 0 && md->m->cfg.asid == on, "gave %d", rc);
}

/* A new TLB of 1 to 64 entries, of any associativity. */
static void
op_tlb(struct model *md)
{
	unsigned entries = 1u << below(md, 7);
	unsigned ways = entries >> below(md, 7);
	int rc;

	ways = ways ? ways : 1;
	model_say(md, "tlb %u entries %u ways", entries, ways);
	rc = vm_tlb_resize(md->m, entries, ways);
	model_assert(md, rc == 0, "gave %d", rc);
}

/* A process's limit (0 most often) or the global one. */
static void
op_limit(struct model *md, struct mproc *mp)
{
	if (below(md, 2))
		mp->p->limit = below(md, 3) ? 0 : 1 + below(md, 8);
	else
		md->m->cfg.user_limit = below(md, 2) ? 0 : 4 + below(md, 24);
	model_say(md, "limit pid %d %" PRIu64 ", user %" PRIu64, mp->p->pid,
		  mp->p->limit, md->m->cfg.user_limit);
}

enum model_op {
	OP_SPAWN,
	OP_KILL,
	OP_REAP,
	OP_MMAP,
	OP_MMAP_AUTO,
	OP_MUNMAP,
	OP_MPROTECT,
	OP_MADVISE,
	OP_TOUCH,
	OP_WRITE,
	OP_READ,
	OP_LOAD,
	OP_STORE,
	OP_POLICY,
	OP_ASID,
	OP_TLB,
	OP_LIMIT,
	OP_COUNT
};

/* How often each step is drawn, out of the sum. */
static const unsigned op_weight[OP_COUNT] = {
	[OP_SPAWN] = 4,	   [OP_KILL] = 1,      [OP_REAP] = 1,
	[OP_MMAP] = 14,	   [OP_MMAP_AUTO] = 6, [OP_MUNMAP] = 4,
	[OP_MPROTECT] = 8, [OP_MADVISE] = 10,  [OP_TOUCH] = 16,
	[OP_WRITE] = 28,   [OP_READ] = 12,     [OP_LOAD] = 10,
	[OP_STORE] = 16,   [OP_POLICY] = 2,    [OP_ASID] = 2,
	[OP_TLB] = 2,	   [OP_LIMIT] = 4,
};

/* A step's weight on this kind of machine. */
static unsigned
weight_of(const struct model *md, int op)
{
	return op == OP_LIMIT && !md->k->limits ? 0 : op_weight[op];
}

static enum model_op
pick_op(struct model *md)
{
	unsigned sum = 0, x;
	int op = 0;

	for (int i = 0; i < OP_COUNT; i++)
		sum += weight_of(md, i);
	x = below(md, sum);
	while (x >= weight_of(md, op))
		x -= weight_of(md, op++);
	return (enum model_op)op;
}

/* A process for a step: seven times in eight a live one, if any. */
static struct mproc *
pick_proc(struct model *md)
{
	struct mproc *all[MODEL_PROCS], *live[MODEL_PROCS];
	unsigned na = 0, nl = 0;

	for (int i = 0; i < MODEL_PROCS; i++) {
		if (!md->proc[i].p)
			continue;
		all[na++] = &md->proc[i];
		if (!md->proc[i].dead)
			live[nl++] = &md->proc[i];
	}
	if (nl && below(md, 8))
		return live[below(md, nl)];
	return na ? all[below(md, na)] : NULL;
}

/* A zombie to reap, if there is one, else p. */
static struct mproc *
pick_zombie(struct model *md, struct mproc *mp)
{
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p && md->proc[i].dead)
			return &md->proc[i];
	return mp;
}

static void
model_step(struct model *md)
{
	enum model_op op = pick_op(md);
	struct mproc *mp = pick_proc(md);

	md->segv = NULL;
	if (!mp || op == OP_SPAWN) {
		op_spawn(md);
		return;
	}
	switch (op) {
	case OP_KILL:
		op_kill(md, mp);
		break;
	case OP_REAP:
		op_reap(md, pick_zombie(md, mp));
		break;
	case OP_MMAP:
	case OP_MMAP_AUTO:
		op_mmap(md, mp, op == OP_MMAP);
		break;
	case OP_MUNMAP:
		op_munmap(md, mp);
		break;
	case OP_MPROTECT:
		op_mprotect(md, mp);
		break;
	case OP_MADVISE:
		op_madvise(md, mp);
		break;
	case OP_TOUCH:
		op_touch(md, mp);
		break;
	case OP_WRITE:
		op_write(md, mp);
		break;
	case OP_READ:
		op_read(md, mp);
		break;
	case OP_LOAD:
	case OP_STORE:
		op_load_store(md, mp, op == OP_STORE);
		break;
	case OP_POLICY:
		op_policy(md);
		break;
	case OP_ASID:
		op_asid(md);
		break;
	case OP_TLB:
		op_tlb(md);
		break;
	default:
		op_limit(md, mp);
		break;
	}
}

/* ---- a run ----------------------------------------------------------- */

/* A machine drawn from seed i of kind k, its swap store in its own
 * directory under t_state (so a run that fails without its teardown
 * cannot hold the next one's store). */
static struct model *
model_new(const struct model_kind *k, unsigned i)
{
	struct model *md = calloc(1, sizeof(*md));
	struct vm_config c;

	ck_assert_ptr_nonnull(md);
	md->k = k;
	md->seed_no = i;
	md->rng = UINT64_C(0x9e3779b97f4a7c15) * (2 * (k->seed_base + i) + 1);
	while (vm_policy_at(md->npol))
		md->npol++;
	snprintf(md->dir, sizeof(md->dir), "%s/%s-%u", t_state, k->name, i);
	vm_config_default(&c);
	c.frames = k->frames_lo + below(md, k->frames_hi - k->frames_lo + 1);
	c.levels = below(md, 4) ? 4 : 5;
	c.tlb_entries = 16;
	c.tlb_ways = 4;
	c.asid = i & 1;
	snprintf(c.policy, sizeof(c.policy), "%s",
		 vm_policy_at(i % md->npol)->name);
	c.seed = md->rng;
	c.aging_period = 7;
	c.ws_tau = 20;
	c.swap_pages = k->swap_lo + below(md, k->swap_hi - k->swap_lo + 1);
	c.state_dir = md->dir;
	if (k->limits && below(md, 2))
		c.user_limit = 8 + below(md, 16);
	md->m = t_machine_cfg(&c);
	md->mapc = calloc(c.frames, sizeof(*md->mapc));
	md->slot_refs = calloc(c.swap_pages + 1, sizeof(*md->slot_refs));
	ck_assert(md->mapc && md->slot_refs);
	model_say(md,
		  "start: %" PRIu64 " frames, %u levels, %s, asid %d, "
		  "%" PRIu64 " slots",
		  c.frames, c.levels, c.policy, c.asid, c.swap_pages);
	return md;
}

/* Reaps everyone: every frame but the kernel's and every slot is free. */
static void
model_finish(struct model *md)
{
	struct vm_machine *m = md->m;

	model_say(md, "reap all");
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p)
			op_reap(md, &md->proc[i]);
	model_check(md);
	model_assert(md,
		     m->phys.nfree + m->phys.count[VM_FRAME_KERNEL] ==
			     m->phys.nframes,
		     "%" PRIu64 " frames in use after the last reap",
		     m->phys.nframes - m->phys.nfree);
	model_assert(md, vm_swap_next_used(m->swap, 0) == 0,
		     "slot %" PRIu64 " in use after the last reap",
		     vm_swap_next_used(m->swap, 0));
	/* the run moved pages both ways: it tested something */
	ck_assert_uint_gt(m->stats.v[VM_STAT_pswpout], 0);
	ck_assert_uint_gt(m->stats.v[VM_STAT_pswpin], 0);
	vm_machine_destroy(m);
	free(md->mapc);
	free(md->slot_refs);
	free(md);
}

static void
model_run(const struct model_kind *k, unsigned i)
{
	struct model *md = model_new(k, i);

	model_check(md);
	for (md->step = 0; md->step < MODEL_STEPS; md->step++) {
		model_step(md);
		model_sync(md);
		model_check(md);
	}
	model_finish(md);
}

START_TEST(test_model_core)
{
	model_run(&kind_core, (unsigned)_i);
}
END_TEST

START_TEST(test_model_limits)
{
	model_run(&kind_limits, (unsigned)_i);
}
END_TEST

Suite *
suite_model(void)
{
	Suite *s = suite_create("model");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_unchecked_fixture(limits, t_state_setup, t_state_teardown);
	/* a run takes well under a second; sanitizers slow it down */
	tcase_set_timeout(core, 60);
	tcase_set_timeout(limits, 60);
	tcase_add_loop_test(core, test_model_core, 0, MODEL_SEEDS);
	tcase_add_loop_test(limits, test_model_limits, 0, MODEL_SEEDS);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
