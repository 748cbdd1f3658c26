/*
 * test_model.c - the whole machine, driven at random, against a model.
 *
 * Run i of a tcase builds a small machine with swap and a files/
 * directory of two small files from a fixed seed (frames, levels, the
 * policy vm_policy_at(i), modulo their number, ASIDs on or off, swap size,
 * the files' lengths and bytes and, in "limits", a global limit), then
 * applies a few thousand random steps: spawn, fork (reaping a zombie
 * first if that makes room), kill, reap, mmap (anonymous private or
 * shared, fixed or automatic, some populated; file mappings shared or
 * private at a page offset, running past the file's end or wholly beyond
 * it), munmap, mprotect, madvise (dontneed, willneed, pageout), msync,
 * touch, byte-range reads and writes, loads and stores that may cross a
 * page, read(2) and write(2) of a file at any offset (growing it),
 * truncation (shrinking or growing), fsync or a write-back of every
 * file, drop_caches, a file closed and opened again, policy switches,
 * ASIDs on and off, new TLB geometries and, in "limits", per-process and
 * global limits.  The steps that fork, share
 * and use files are about one in six, so a run still spends most of its
 * time on the private anonymous memory of independent processes.
 *
 * The model is what each process should see, kept by the test alone: for
 * every page of a fixed window below VM_MMAP_BASE, its protection (or
 * "unmapped") and where its bytes are; and for each file, its length and
 * bytes (zeros past the end).  Every step stays inside the window, so the
 * model is complete: it says where an automatic mmap lands, which
 * accesses must succeed, may succeed or must fail, and what every read
 * returns.  Where a page's bytes are (Linux's semantics):
 *
 *   private anonymous   its own, zeros at first and after dontneed;
 *                       a fork gives the child a copy of them
 *   shared anonymous    an object's (Linux's shmem) shared with every
 *                       process it was forked to or from, faulted in
 *                       before the fork or after; dontneed keeps its
 *                       bytes; it stops being shared only when a side
 *                       unmaps it or dies
 *   shared file         the file's: write(2), truncate and every shared
 *                       mapping see the same bytes
 *   private file        the file's current bytes until the process
 *                       accesses the page for writing (a store, a touch
 *                       for writing, a populated writable mapping), then
 *                       a private copy; truncation takes copies past the
 *                       new end away too
 *
 * A store through a shared mapping into the last page of a file past its end is never
 * drawn: what it leaves there is not specified (Linux zeroes it at
 * write-back).  What the regions and the files say of an access to a
 * page (fault.c, mmu.c):
 *
 *   unmapped, PROT_NONE   -> refused
 *   write                 -> allowed with PROT_WRITE, else refused
 *   exec                  -> allowed with PROT_EXEC, else refused
 *   read                  -> allowed with PROT_READ; with only W or X it
 *                            succeeds while the page is present (x86 has
 *                            no read bit) and is refused when it is not
 *   allowed, but a file   -> refused: the process's own access kills it
 *   page wholly past its     with SIGBUS (7), a PID/mem transfer stops
 *   end                      there (-EFAULT), killing nobody
 *
 * After every step the machine is checked against the model and against
 * its own invariants:
 *
 *   tables    every table's nent is its count of non-zero entries; no PTE
 *             outside a mapped page nor for a file page past the end; a
 *             present PTE's RW, US, NX follow its region's protection
 *             (RW never with COW); a page maps a frame of the right use:
 *             anonymous, or its file's page at its index
 *   COW       only private pages have VM_PTE_COW; a private page maps a
 *             file frame COW; a private PTE without COW maps an anonymous
 *             frame no one else can reach (one mapping, and a swap-cache
 *             slot no one else holds), so a frame mapped twice in private
 *             regions is read-only in all of them
 *   counters  rss_anon, rss_file, swapents, pt_pages and charged of each
 *             process, m->user_pages (anonymous and file frames) and the
 *             frame counts by use, recounted
 *   frames    mapcount = rmap visits = PTEs found, each visit a PTE that
 *             maps the frame, none twice; the rmap chain's entries
 *             distinct, each mapped by a member of its family; mapped and page-cache frames are on the
 *             policy's lists; no pin left over; no frame charged to a
 *             dead process; an anonymous frame nobody maps is in the swap
 *             cache with its slot held by PTEs; a file frame is attached
 *             to its file, below its end, never to swap
 *   index     every frame with an object is found under (object, index)
 *             by vm_pager_find and on the index's chains, every chained
 *             frame has an object, and each object's nrpages is its count
 *   swap      each slot's references = swap PTEs + swap-cached frames
 *   sharing   the processes sharing an anonymous page all map its frame
 *             or hold its slot; an anonymous shared page that is a
 *             process's own is reachable by no one else
 *   TLB       each valid entry belongs to a live process and agrees with
 *             its PTE: PFN, and no RW, US, exec or D the PTE lacks
 *   zeros     a clean anonymous frame with no swap copy is all zeros
 *   contents  each page, wherever it is (frame, slot, nowhere), holds
 *             the model's bytes; a write is read back through the MMU
 *   files     the file's length; each page below the end holds the
 *             model's bytes in the page cache, or else in the host file;
 *             a clean cached page's bytes are the host file's too; after
 *             fsync (or the write-back of every file) the host file is
 *             the model's, and after msync every file frame mapped in the
 *             range is clean
 *
 * "core" machines have no limits and a slot for every page: an access
 * the regions allow must succeed and nothing is OOM-killed.  "limits"
 * machines are tight (limits, little swap): -ENOMEM and OOM kills are
 * allowed, a wrong byte or a broken invariant never.  At the end every
 * process is reaped: no anonymous frame and no slot is left.  Odd runs
 * then fsync each file and drop the caches: no frame and no file object
 * is left; even ones leave dirty pages for the machine's end to write.
 * Either way the host files then hold exactly the model's bytes.
 *
 * A failure names the tcase, the seed's index, the step and the operation,
 * so that it can be replayed alone (CK_RUN_SUITE=model CK_FORK=no).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"

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
#define MODEL_FILES 2		/* files in files/ */
#define FILE_PAGES 6		/* the longest a file grows, in pages */
#define FILE_MAX (FILE_PAGES * PG)
#define MODEL_OBJS (MODEL_PROCS * MODEL_PAGES / 2) /* shared pages at most */
#define NEVER UINT64_MAX

/* Where a mapped page's bytes are. */
enum backing {
	B_ANON,	   /* private anonymous: its own */
	B_SHARED,  /* shared anonymous: its own, or an object's (obj) */
	B_FILE,	   /* shared file mapping: the file's */
	B_PRIVATE, /* private file mapping: the file's, or a copy */
};

static const char *const backing_name[] = {"anon", "shared anon",
					   "shared file", "private file"};

/* One page of the window as the model knows it. */
struct mpage {
	signed char prot; /* enum vm_prot, -1: unmapped */
	uint8_t backing;  /* enum backing */
	bool copied;	  /* B_PRIVATE: written, its copy is in mem */
	uint8_t file;	  /* B_FILE, B_PRIVATE: which file */
	uint16_t idx;	  /* B_FILE, B_PRIVATE: page of the file */
	int16_t obj;	  /* B_SHARED: the object it is shared in, or -1 */
};

/* One process as the model knows it. */
struct mproc {
	struct vm_proc *p;	      /* NULL: the entry is free */
	bool dead;		      /* a zombie: it has no memory */
	struct mpage pg[MODEL_PAGES]; /* the window */
	uint8_t mem[MODEL_PAGES][PG]; /* what its own pages hold */
	/* recounted by model_check() */
	uint64_t anon, file, swapped, tables, owned;
};

/* A file of files/ as the model knows it. */
struct mfile {
	char name[8];		      /* under files/ */
	struct vm_file *vf;	      /* its object: the model's handle */
	int fd;			      /* the host file, read-only */
	uint64_t size;		      /* its length */
	uint8_t mem[FILE_PAGES][PG];  /* its bytes, zeros past size */
	uint8_t host[FILE_PAGES][PG]; /* the host file as last read */
	uint64_t host_size;
	uint64_t host_at; /* writebacks() when host was read; NEVER: read */
	uint64_t frames;  /* recounted: its frames in the page cache */
};

/* One page shared by the processes of a fork: two or more pages of the
 * window link to it (one left alone gets the bytes back). */
struct mobj {
	unsigned refs; /* pages linked, 0: free */
	uint64_t id;   /* recounted: the frame or slot its pages reach */
	uint8_t mem[PG];
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
	char files[160];    /* the files/ directory, inside it */
	char what[112];	    /* the step's operation, for messages */
	char why[512];	    /* a failure's message */
	struct mproc *segv; /* allowed to die of its own access this step */
	uint64_t ooms;	    /* OOM kills seen so far */
	struct mproc proc[MODEL_PROCS];
	struct mfile file[MODEL_FILES];
	struct mobj obj[MODEL_OBJS];
	uint32_t *mapc;	     /* per PFN: present PTEs found */
	unsigned *slot_refs; /* per slot: holders found */
	uint64_t indexed;    /* frames with an object found */
	uint64_t cached;     /* frames in the swap cache found */
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

/* len random bytes, eight from each draw. */
static void
fill_random(struct model *md, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t r = model_rand(md);

		memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
	}
}

/* The offset of the first byte where two pages differ (PG: none). */
static size_t
first_diff(const uint8_t *a, const uint8_t *b)
{
	size_t i = 0;

	while (i < PG && a[i] == b[i])
		i++;
	return i;
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

/* ---- files and shared objects ----------------------------------------- */

/* Pages of a file of size bytes. */
static uint64_t
pages_of(uint64_t size)
{
	return (size + PG - 1) / PG;
}

static bool
file_backed(const struct mpage *g)
{
	return g->backing == B_FILE || g->backing == B_PRIVATE;
}

/* A page that shows its file's bytes (not a private copy). */
static bool
file_view(const struct mpage *g)
{
	return g->backing == B_FILE || (g->backing == B_PRIVATE && !g->copied);
}

/* A mapped file page wholly past its file's end. */
static bool
past_eof(const struct model *md, const struct mpage *g)
{
	return file_backed(g) && g->idx >= pages_of(md->file[g->file].size);
}

/* Page idx of a file (zeros far past its end). */
static const uint8_t *
file_page(const struct mfile *mf, unsigned idx)
{
	return idx < FILE_PAGES ? mf->mem[idx] : zeros;
}

/* The bytes page i of mp shows. */
static const uint8_t *
page_view(const struct model *md, const struct mproc *mp, int i)
{
	const struct mpage *g = &mp->pg[i];

	if (file_view(g))
		return file_page(&md->file[g->file], g->idx);
	if (g->backing == B_SHARED && g->obj >= 0)
		return md->obj[g->obj].mem;
	return mp->mem[i];
}

/* The bytes a write to page i of mp changes: a private file page gets
 * its copy first.  The page is not past its file's end. */
static uint8_t *
page_for_write(struct model *md, struct mproc *mp, int i)
{
	struct mpage *g = &mp->pg[i];

	if (g->backing == B_PRIVATE && !g->copied) {
		memcpy(mp->mem[i], file_page(&md->file[g->file], g->idx), PG);
		g->copied = true;
	}
	if (g->backing == B_FILE)
		return md->file[g->file].mem[g->idx];
	if (g->backing == B_SHARED && g->obj >= 0)
		return md->obj[g->obj].mem;
	return mp->mem[i];
}

/* Copies len bytes at va of mp out of the model, page by page. */
static void
model_get(struct model *md, struct mproc *mp, uint64_t va, void *buf,
	  uint64_t len)
{
	for (uint64_t done = 0, n; done < len; done += n) {
		uint64_t at = va + done, in = at % PG;

		n = PG - in < len - done ? PG - in : len - done;
		memcpy((uint8_t *)buf + done,
		       page_view(md, mp, page_of(at)) + in, n);
	}
}

/* Writes len bytes at va of mp into the model. */
static void
model_put(struct model *md, struct mproc *mp, uint64_t va, const void *buf,
	  uint64_t len)
{
	for (uint64_t done = 0, n; done < len; done += n) {
		uint64_t at = va + done, in = at % PG;

		n = PG - in < len - done ? PG - in : len - done;
		memcpy(page_for_write(md, mp, page_of(at)) + in,
		       (const uint8_t *)buf + done, n);
	}
}

/* Object o has one page left in it: that page gets the bytes back. */
static void
obj_dissolve(struct model *md, int o)
{
	for (int k = 0; k < MODEL_PROCS; k++) {
		struct mproc *q = &md->proc[k];

		for (int i = 0; q->p && i < MODEL_PAGES; i++) {
			if (q->pg[i].backing != B_SHARED || q->pg[i].obj != o)
				continue;
			memcpy(q->mem[i], md->obj[o].mem, PG);
			q->pg[i].obj = -1;
		}
	}
	md->obj[o].refs = 0;
}

/* Page i of mp leaves the object it is shared in, if any. */
static void
obj_leave(struct model *md, struct mproc *mp, int i)
{
	int o = mp->pg[i].obj;

	if (o < 0)
		return;
	mp->pg[i].obj = -1;
	if (--md->obj[o].refs == 1)
		obj_dissolve(md, o);
}

/* Page i of child shares parent's page i: in its object, or in a new one
 * holding the parent's bytes. */
static void
obj_link(struct model *md, struct mproc *parent, struct mproc *child, int i)
{
	int o = parent->pg[i].obj;

	if (o < 0) {
		for (o = 0; md->obj[o].refs; o++)
			model_assert(md, o + 1 < MODEL_OBJS, "no object left");
		memcpy(md->obj[o].mem, parent->mem[i], PG);
		md->obj[o].refs = 1;
		parent->pg[i].obj = (int16_t)o;
	}
	md->obj[o].refs++;
	child->pg[i].obj = (int16_t)o;
}

/* Page i of mp: nothing mapped, and no longer shared. */
static void
page_clear(struct model *md, struct mproc *mp, int i)
{
	obj_leave(md, mp, i);
	mp->pg[i] = (struct mpage){.prot = -1, .obj = -1};
	memset(mp->mem[i], 0, PG);
}

/* Starts the model of a process p: nothing mapped. */
static void
model_reset(struct model *md, struct mproc *mp, struct vm_proc *p)
{
	for (int i = 0; i < MODEL_PAGES; i++)
		page_clear(md, mp, i);
	mp->p = p;
	mp->dead = false;
}

/* A process died: a zombie has no address space left. */
static void
model_bury(struct model *md, struct mproc *mp)
{
	model_reset(md, mp, mp->p);
	mp->dead = true;
}

/* Maps n pages at page pg with prot (-1: unmaps them), backed as said;
 * either way the process's own bytes are zeros afterwards.  File pages
 * are pages idx on of file f. */
static void
model_map(struct model *md, struct mproc *mp, int pg, int n, int prot,
	  enum backing b, unsigned f, unsigned idx)
{
	for (int i = pg; i < pg + n; i++) {
		page_clear(md, mp, i);
		mp->pg[i].prot = (signed char)prot;
		mp->pg[i].backing = (uint8_t)b;
		mp->pg[i].file = (uint8_t)f;
		mp->pg[i].idx = (uint16_t)(idx + (unsigned)(i - pg));
	}
}

/* dontneed: private anonymous pages read as zeros again; a private file
 * page shows the file again; shared pages (shmem, files) keep their
 * bytes, as Linux reads them back from the object. */
static void
model_dontneed(struct model *md, struct mproc *mp, int pg, int n)
{
	for (int i = pg; i < pg + n; i++) {
		struct mpage *g = &mp->pg[i];

		g->copied = false;
		if (g->backing == B_SHARED || g->backing == B_FILE)
			continue; /* shmem and files keep the bytes */
		obj_leave(md, mp, i);
		memset(mp->mem[i], 0, PG);
	}
}

/* ---- what the model predicts --------------------------------------- */

enum verdict { ALLOW, MAYBE, DENY, BUS };

/* What the regions and the files say of an access to page i (-1:
 * outside the window). */
static enum verdict
page_verdict(const struct model *md, const struct mproc *mp, int i,
	     int access)
{
	int prot = i < 0 ? -1 : mp->pg[i].prot;
	enum verdict v;

	if (prot <= VM_PROT_NONE)
		return DENY;
	if (access == VM_ACC_W)
		v = (prot & VM_PROT_WRITE) ? ALLOW : DENY;
	else if (access == VM_ACC_X)
		v = (prot & VM_PROT_EXEC) ? ALLOW : DENY;
	else
		v = (prot & VM_PROT_READ) ? ALLOW : MAYBE;
	return v == ALLOW && past_eof(md, &mp->pg[i]) ? BUS : v;
}

/* How far an access to [va, va + len) may go: sure, the bytes before the
 * first page that may be refused; most, before the first that must be;
 * and the signals a refusal of the process's own access may kill with. */
struct reach {
	uint64_t sure, most;
	bool segv, bus;
};

static struct reach
model_reach(const struct model *md, const struct mproc *mp, uint64_t va,
	    uint64_t len, int access)
{
	struct reach r = {len, len, false, false};

	for (uint64_t at = va; at < va + len; at = (at & VM_PAGE_MASK) + PG) {
		enum verdict v = page_verdict(md, mp, page_of(at), access);

		if (v != ALLOW && r.sure == len)
			r.sure = at - va;
		if (v == MAYBE)
			r.segv = true;
		if (v >= DENY) {
			r.most = at - va;
			r.segv |= v == DENY;
			r.bus = v == BUS;
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

		while (i < start + n && mp->pg[i].prot < 0)
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
 * refusal kills p with SIGSEGV, or SIGBUS past a file's end; -ENOMEM
 * only on a tight machine. */
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
		model_assert(md, p->state == VM_PROC_ZOMBIE,
			     "refused, but pid %d lives (state %c)", p->pid,
			     p->state);
		model_assert(md,
			     (p->exit_signal == 11 && r.segv) ||
				     (p->exit_signal == 7 && r.bus),
			     "refused: pid %d died of signal %d", p->pid,
			     p->exit_signal);
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

struct rmap_find {
	struct vm_machine *m;
	const struct vm_proc *p; /* look for (p, va), or any dirty PTE */
	uint64_t va;
};

static int
rmap_find_one(void *ctx, struct vm_proc *p, uint64_t va)
{
	struct rmap_find *r = ctx;

	if (r->p)
		return r->p == p && r->va == va;
	return (t_pte(r->m, p, va) & VM_PTE_D) != 0;
}

/* True when frame pfn's reverse map visits (p, va). */
static bool
rmap_has(struct vm_machine *m, uint64_t pfn, const struct vm_proc *p,
	 uint64_t va)
{
	struct rmap_find r = { .m = m, .p = p, .va = va };

	return vm_rmap_each(&m->phys, pfn, rmap_find_one, &r) != 0;
}

/* True when a data frame was written since its backing copy was: its
 * own dirty flag, or D in a PTE mapping it (its rmap is sound). */
static bool
frame_dirty(struct vm_machine *m, uint64_t pfn)
{
	const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);
	struct rmap_find r = { .m = m };

	if (f->flags & VM_FF_DIRTY)
		return true;
	return vm_rmap_each(&m->phys, pfn, rmap_find_one, &r) != 0;
}

/* The frame use a present page of g's backing maps. */
static int
page_use(const struct mpage *g)
{
	return file_view(g) ? VM_FRAME_FILE : VM_FRAME_ANON;
}

/*
 * Copy on write: only a private page has COW, and a COW PTE has no RW; a
 * private page maps a file frame only COW; a private PTE without COW maps
 * an anonymous frame no one else reaches (one mapping, a swap-cache slot
 * no one else holds), or a write through it would show elsewhere.
 */
static void
check_cow(struct model *md, struct mproc *mp, const struct mpage *g,
	  vm_pte_t pte, uint64_t va, const struct vm_frame *f)
{
	bool priv = g->backing == B_ANON || g->backing == B_PRIVATE;

	model_assert(md, !(pte & VM_PTE_COW) || (priv && !(pte & VM_PTE_RW)),
		     "pid %d: PTE %#" PRIx64 " of %#" PRIx64 " (%s) is COW",
		     mp->p->pid, pte, va, backing_name[g->backing]);
	if (!priv || (pte & VM_PTE_COW))
		return;
	model_assert(md, f->use == VM_FRAME_ANON,
		     "pid %d: private %#" PRIx64 " maps a file frame without "
		     "COW (PTE %#" PRIx64 ")",
		     mp->p->pid, va, pte);
	model_assert(md,
		     vm_frame_mapcount(&md->m->phys, vm_phys_pfn(&md->m->phys, f)) == 1 &&
			     (!f->obj ||
			      vm_swap_count(md->m->swap, f->index) == 1),
		     "pid %d: %#" PRIx64 " (PTE %#" PRIx64 ") is not COW, "
		     "but its frame is mapped %u times, %s slot %" PRIu64
		     " held %u times",
		     mp->p->pid, va, pte,
		     vm_frame_mapcount(&md->m->phys, vm_phys_pfn(&md->m->phys, f)),
		     f->obj ? "its" : "no", f->index,
		     f->obj ? vm_swap_count(md->m->swap, f->index) : 0);
}

/* A present leaf: a frame of the page's use (its file's page at its
 * index), the region's rights, COW kept, on the frame's rmap. */
static void
check_present(struct model *md, struct mproc *mp, vm_pte_t pte, uint64_t va)
{
	struct vm_machine *m = md->m;
	uint64_t pfn = VM_PTE2PFN(pte);
	const struct mpage *g = &mp->pg[page_of(va)];
	vm_pte_t want = prot_rights(g->prot);
	struct vm_frame *f;

	model_assert(md, pfn < m->phys.nframes,
		     "pid %d: %#" PRIx64 " maps pfn %" PRIu64 ", no frame",
		     mp->p->pid, va, pfn);
	f = vm_phys_frame(&m->phys, pfn);
	model_assert(md, f->use == page_use(g),
		     "pid %d: %#" PRIx64 " (%s%s) maps pfn %" PRIu64
		     " of use %d",
		     mp->p->pid, va, backing_name[g->backing],
		     g->copied ? ", copied" : "", pfn, f->use);
	model_assert(md,
		     f->use != VM_FRAME_FILE ||
			     (f->obj == &md->file[g->file].vf->obj &&
			      f->index == g->idx),
		     "pid %d: %#" PRIx64 " maps pfn %" PRIu64
		     ", page %" PRIu64 " of another object, not page %u "
		     "of %s",
		     mp->p->pid, va, pfn, f->index, g->idx,
		     md->file[g->file].name);
	check_cow(md, mp, g, pte, va, f);
	if (pte & VM_PTE_COW)
		want &= ~VM_PTE_RW;
	model_assert(md, (pte & PTE_RIGHTS) == want,
		     "pid %d: PTE %#" PRIx64 " of %#" PRIx64
		     " has other rights than prot %d gives",
		     mp->p->pid, pte, va, g->prot);
	model_assert(md, rmap_has(m, pfn, mp->p, va),
		     "pid %d: pfn %" PRIu64 " has no rmap entry for %#" PRIx64,
		     mp->p->pid, pfn, va);
	md->mapc[pfn]++;
	if (f->use == VM_FRAME_FILE)
		mp->file++;
	else
		mp->anon++;
}

/* A leaf entry: in a mapped page not past its file's end, a frame or a
 * slot in use; a page that shows its file never holds a slot. */
static void
check_leaf(struct model *md, struct mproc *mp, vm_pte_t pte, uint64_t va)
{
	uint64_t slot = VM_SWP_SLOT(pte);
	int i = page_of(va);
	const struct mpage *g = &mp->pg[i < 0 ? 0 : i];

	model_assert(md, i >= 0 && g->prot >= 0,
		     "pid %d: PTE %#" PRIx64 " at %#" PRIx64
		     ", where nothing is mapped",
		     mp->p->pid, pte, va);
	model_assert(md, !past_eof(md, g),
		     "pid %d: PTE %#" PRIx64 " at %#" PRIx64
		     ", page %u of %s, past its end",
		     mp->p->pid, pte, va, g->idx, md->file[g->file].name);
	if (pte & VM_PTE_P) {
		check_present(md, mp, pte, va);
		return;
	}
	model_assert(md,
		     pte == VM_SWP_ENTRY(0, slot) && slot >= 1 &&
			     slot <= md->m->cfg.swap_pages,
		     "pid %d: %#" PRIx64 " holds %#" PRIx64 ", no swap entry",
		     mp->p->pid, va, pte);
	model_assert(md, !file_view(g),
		     "pid %d: %#" PRIx64 " (%s) holds swap entry %#" PRIx64,
		     mp->p->pid, va, backing_name[g->backing], pte);
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
 * checks its nent, in one pass. */
static void
check_table(struct model *md, struct mproc *mp, uint64_t tbl, int level,
	    uint64_t base)
{
	vm_pte_t *e = vm_pt_table(md->m, tbl);
	unsigned nent = vm_phys_frame(&md->m->phys, tbl)->nent, used = 0;
	int top = (int)md->m->cfg.levels - 1;
	int n = level == top ? VM_PTES_PER_TABLE / 2 : VM_PTES_PER_TABLE;

	for (int i = 0; i < VM_PTES_PER_TABLE; i++) {
		uint64_t va = base + (uint64_t)i * VM_LEVEL_SIZE(level);

		if (!e[i])
			continue;
		used++;
		if (i >= n)
			continue;
		if (level == 0)
			check_leaf(md, mp, e[i], va);
		else
			check_inner(md, mp, e[i], level, va);
	}
	model_assert(md, nent == used,
		     "pid %d: table %" PRIu64 " (level %d): nent %u, %u used",
		     mp->p->pid, tbl, level, nent, used);
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
 * frame, its slot's frame in the swap cache (newer than the slot when
 * dirty), its swap slot, or zeros; NULL for a page that shows its file
 * (check_present() has seen that a present one maps the file's page,
 * check_file() sees to the file's bytes).  A private copy is never
 * lost. */
/* A shared anonymous page no PTE of mp maps: its region's shmem object
 * has it in a frame, in a slot, or nowhere (zeros). */
static const uint8_t *
shmem_now(struct model *md, struct mproc *mp, int i)
{
	const struct vm_vma *a = vm_vma_find(&mp->p->vmas, page_va(i));
	uint64_t index, slot;
	int64_t pfn;
	int rc;

	model_assert(md, a && a->file && a->file->obj.kind == VM_POBJ_SHMEM,
		     "pid %d: shared %#" PRIx64 " has no shmem object",
		     mp->p->pid, page_va(i));
	index = a->pgoff + ((page_va(i) - a->start) >> 12);
	pfn = vm_pager_find(md->m, &a->file->obj, index);
	if (pfn >= 0)
		return vm_phys_ptr(&md->m->phys, (uint64_t)pfn);
	slot = a->file->slots[index];
	if (!slot)
		return zeros;
	rc = vm_swap_read(md->m->swap, slot, md->page);
	model_assert(md, rc == 0, "swap read of shmem slot %" PRIu64
		     " gave %d", slot, rc);
	return md->page;
}

static const uint8_t *
page_now(struct model *md, struct mproc *mp, int i)
{
	vm_pte_t pte = t_pte(md->m, mp->p, page_va(i));
	int64_t pfn;
	int rc;

	if (file_view(&mp->pg[i]))
		return NULL;
	if (pte & VM_PTE_P)
		return vm_phys_ptr(&md->m->phys, VM_PTE2PFN(pte));
	if (!pte && mp->pg[i].backing == B_SHARED)
		return shmem_now(md, mp, i);
	if (!pte) {
		model_assert(md,
			     mp->pg[i].backing != B_PRIVATE ||
				     !mp->pg[i].copied,
			     "pid %d: the private copy at %#" PRIx64
			     " is gone",
			     mp->p->pid, page_va(i));
		return zeros;
	}
	pfn = vm_pager_find(md->m, &md->m->pager.swap, VM_SWP_SLOT(pte));
	if (pfn >= 0)
		return vm_phys_ptr(&md->m->phys, (uint64_t)pfn);
	rc = vm_swap_read(md->m->swap, VM_SWP_SLOT(pte), md->page);
	model_assert(md, rc == 0, "swap read of slot %" PRIu64 " gave %d",
		     VM_SWP_SLOT(pte), rc);
	return md->page;
}

/* Every page of the window holds what the model says (an unmapped one
 * has no PTE, check_leaf() says, and zeros in the model). */
static void
check_contents(struct model *md, struct mproc *mp)
{
	for (int i = 0; i < MODEL_PAGES; i++) {
		const uint8_t *got, *want;
		size_t b;

		if (mp->pg[i].prot < 0)
			continue;
		got = page_now(md, mp, i);
		want = page_view(md, mp, i);
		if (!got || !memcmp(got, want, PG))
			continue;
		b = first_diff(got, want);
		ck_abort_msg("%s", model_why(md,
					     "pid %d: byte %#" PRIx64
					     " (%s, pte %#" PRIx64
					     ") is %#x, the model says %#x",
					     mp->p->pid, page_va(i) + b,
					     backing_name[mp->pg[i].backing],
					     t_pte(md->m, mp->p, page_va(i)),
					     got[b], want[b]));
	}
}

/* One address space: root, tables, leaves, contents. */
static void
check_space(struct model *md, struct mproc *mp)
{
	struct vm_machine *m = md->m;
	vm_pte_t kernel = VM_PFN2PTE(m->kernel_top) | VM_PTE_P | VM_PTE_RW;
	struct vm_proc *p = mp->p;

	mp->anon = mp->file = mp->swapped = mp->tables = mp->owned = 0;
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

/* The model file whose object obj is, or NULL. */
static struct mfile *
file_of(struct model *md, const struct vm_pobj *obj)
{
	for (int k = 0; k < MODEL_FILES; k++)
		if (obj == &md->file[k].vf->obj)
			return &md->file[k];
	return NULL;
}

/* An anonymous frame: mapped, or kept in the swap cache because PTEs
 * still hold its slot; clean with no swap copy, it is all zeros. */
static void
check_anon(struct model *md, uint64_t pfn, const struct vm_frame *f)
{
	struct vm_machine *m = md->m;

	if (!f->obj) {
		model_assert(md, vm_frame_mapcount(&m->phys, pfn),
			     "pfn %" PRIu64 ": anonymous, unmapped, uncached",
			     pfn);
		model_assert(md,
			     frame_dirty(m, pfn) ||
				     !memcmp(vm_phys_ptr(&m->phys, pfn), zeros,
					     PG),
			     "pfn %" PRIu64 ": clean, no swap copy, and not "
			     "all zeros",
			     pfn);
		return;
	}
	if (f->obj->kind == VM_POBJ_SHMEM) {
		const struct vm_file *sh = (const struct vm_file *)f->obj;

		model_assert(md, sh->refs && f->index < vm_file_pages(sh) &&
				     vm_pager_find(m, f->obj, f->index) ==
					     (int64_t)pfn,
			     "pfn %" PRIu64 ": shmem page %" PRIu64
			     " of a dead object, or not in the index",
			     pfn, f->index);
		return;
	}
	model_assert(md, f->obj == &m->pager.swap && f->index >= 1 &&
			     f->index <= m->cfg.swap_pages,
		     "pfn %" PRIu64 ": swap cache of slot %" PRIu64, pfn,
		     f->index);
	model_assert(md,
		     vm_frame_mapcount(&m->phys, pfn) ||
			     vm_swap_count(m->swap, f->index) > 1,
		     "pfn %" PRIu64 ": unmapped in the swap cache, slot "
		     "%" PRIu64 " held by no PTE",
		     pfn, f->index);
	md->slot_refs[f->index]++;
	md->cached++;
}

/* A file frame: attached to a file of the model, below its end. */
static void
check_file_frame(struct model *md, uint64_t pfn, const struct vm_frame *f)
{
	struct mfile *mf = file_of(md, f->obj);

	model_assert(md, mf,
		     "pfn %" PRIu64 ": a file frame of no file (object %p)",
		     pfn, (void *)f->obj);
	model_assert(md, f->index < pages_of(mf->size),
		     "pfn %" PRIu64 ": page %" PRIu64 " of %s, past its end",
		     pfn, f->index, mf->name);
	mf->frames++;
}

struct rmap_visit {
	struct vm_machine *m;
	struct model *md;
	uint64_t pfn;
	uint32_t n;
	struct vm_proc *seen_p[64];
	uint64_t seen_va[64];
};

/* One mapping vm_rmap_each visits: a live process of the model whose PTE
 * maps the frame, not visited before. */
static int
visit_one(void *ctx, struct vm_proc *p, uint64_t va)
{
	struct rmap_visit *v = ctx;
	struct mproc *mp = model_find(v->md, p);
	vm_pte_t pte = t_pte(v->m, p, va);

	model_assert(v->md, mp && !mp->dead,
		     "pfn %" PRIu64 ": rmap visits a dead process", v->pfn);
	model_assert(v->md, (pte & VM_PTE_P) && VM_PTE2PFN(pte) == v->pfn,
		     "pfn %" PRIu64 ": rmap visits pid %d at %#" PRIx64
		     ", whose PTE is %#" PRIx64,
		     v->pfn, p->pid, va, pte);
	for (uint32_t i = 0; i < v->n && i < 64; i++)
		model_assert(v->md, v->seen_p[i] != p || v->seen_va[i] != va,
			     "pfn %" PRIu64 ": rmap visits pid %d at %#" PRIx64
			     " twice",
			     v->pfn, p->pid, va);
	if (v->n < 64) {
		v->seen_p[v->n] = p;
		v->seen_va[v->n] = va;
	}
	v->n++;
	return 0;
}

/*
 * A data frame: charged to a live process or to no one, mapcount = rmap
 * visits = PTEs found, each visit's PTE maps it, on the lists when it is
 * mapped or cached, found in the pager's index under its object.
 */
static void
check_data(struct model *md, uint64_t pfn, const struct vm_frame *f)
{
	struct vm_machine *m = md->m;
	struct mproc *owner = model_find(md, f->owner);
	struct rmap_visit v = { 0 };
	uint32_t len = 0, chain = 0;

	model_assert(md, !f->owner || (owner && !owner->dead),
		     "pfn %" PRIu64 " is charged to %s", pfn,
		     owner ? "a zombie" : "no process of ours");
	if (owner)
		owner->owned++;
	/* the chain: distinct (family, va), each mapped by a member */
	for (uint32_t r = f->rmap; r; r = m->phys.rmap[r].next) {
		const struct vm_rmap *e = &m->phys.rmap[r];
		bool mapped = false;

		model_assert(md, ++chain <= md->mapc[pfn],
			     "pfn %" PRIu64 ": rmap longer than its PTEs %u",
			     pfn, md->mapc[pfn]);
		for (uint32_t o = m->phys.rmap[r].next; o;
		     o = m->phys.rmap[o].next)
			model_assert(md,
				     m->phys.rmap[o].who != e->who ||
					     m->phys.rmap[o].va != e->va,
				     "pfn %" PRIu64 ": two rmap entries of "
				     "family %u at %#" PRIx64,
				     pfn, e->who, e->va);
		for (struct vm_proc *q = vm_rmap_family(&m->phys, e); q;
		     q = q->family_next) {
			vm_pte_t pte = t_pte(m, q, e->va);

			model_assert(md, q->family == e->who,
				     "pid %d is on family %u's list but "
				     "says %u",
				     q->pid, e->who, q->family);
			mapped |= (pte & VM_PTE_P) && VM_PTE2PFN(pte) == pfn;
		}
		model_assert(md, mapped,
			     "pfn %" PRIu64 ": rmap entry of family %u at "
			     "%#" PRIx64 ", which no member maps it at",
			     pfn, e->who, e->va);
	}
	/* the walk: every mapping once, each a live process's PTE */
	v.m = m;
	v.md = md;
	v.pfn = pfn;
	vm_rmap_each(&m->phys, pfn, visit_one, &v);
	len = v.n;
	model_assert(md,
		     len == vm_frame_mapcount(&m->phys, pfn) &&
			     len == md->mapc[pfn],
		     "pfn %" PRIu64 ": mapcount %u, rmap visits %u, PTEs %u",
		     pfn, vm_frame_mapcount(&m->phys, pfn), len,
		     md->mapc[pfn]);
	model_assert(md, (f->flags & VM_FF_LRU) || !len,
		     "pfn %" PRIu64 " is mapped but on no list", pfn);
	if (f->obj) {
		model_assert(md,
			     vm_pager_find(m, f->obj, f->index) == (int64_t)pfn,
			     "pfn %" PRIu64 ": not found in the pager's index",
			     pfn);
		md->indexed++;
	}
	if (f->use == VM_FRAME_ANON) {
		check_anon(md, pfn, f);
		return;
	}
	model_assert(md, f->flags & VM_FF_LRU,
		     "pfn %" PRIu64 " is in the page cache but on no list",
		     pfn);
	check_file_frame(md, pfn, f);
}

/*
 * The free blocks: each listed block aligned to its order, inside the
 * machine, its frames free and in no other block, its links sound; the
 * lists' counts right; every free frame in a block; no block whose buddy
 * is listed whole at the same order (it would have merged).
 */
static void
check_buddy(struct model *md)
{
	struct vm_phys *ph = &md->m->phys;
	uint8_t *in = calloc(ph->nframes, 1);
	uint64_t covered = 0;

	for (unsigned k = 0; in && k < VM_BUDDY_ORDERS; k++) {
		uint64_t n = 0, size = UINT64_C(1) << k;
		uint32_t prev = VM_PFN_NONE;

		for (uint32_t b = ph->free_head[k]; b != VM_PFN_NONE;
		     b = ph->frames[b].next) {
			const struct vm_frame *f = &ph->frames[b];
			uint64_t bud = b ^ size;

			model_assert(md, !(b & (size - 1)) &&
					     b + size <= ph->nframes &&
					     (f->flags & VM_FF_BUDDY) &&
					     f->nent == k && f->prev == prev,
				     "free block %" PRIu32 " on order %u: "
				     "flags %#x, order %u, prev %" PRIu32,
				     b, k, f->flags, f->nent, f->prev);
			for (uint64_t i = b; i < b + size; i++) {
				model_assert(md, !in[i] &&
						     ph->frames[i].use ==
							     VM_FRAME_FREE,
					     "frame %" PRIu64 " of free block "
					     "%" PRIu32 " (order %u): use %d, "
					     "in another block %d",
					     i, b, k, ph->frames[i].use, in[i]);
				in[i] = 1;
			}
			model_assert(md, k + 1 == VM_BUDDY_ORDERS ||
					     bud >= ph->nframes ||
					     !(ph->frames[bud].flags &
					       VM_FF_BUDDY) ||
					     ph->frames[bud].nent != k,
				     "free blocks %" PRIu32 " and %" PRIu64
				     " of order %u did not merge",
				     b, bud, k);
			covered += size;
			prev = b;
			model_assert(md, ++n <= ph->nframes,
				     "order %u's list loops", k);
		}
		model_assert(md, n == ph->free_blocks[k],
			     "order %u lists %" PRIu64 " blocks, counts %" PRIu64,
			     k, n, ph->free_blocks[k]);
	}
	model_assert(md, covered == ph->nfree,
		     "free blocks cover %" PRIu64 " frames, %" PRIu64 " free",
		     covered, ph->nfree);
	free(in);
}

/* The frame table: every frame by its use, then the counts. */
static void
check_frames(struct model *md)
{
	struct vm_machine *m = md->m;
	uint64_t count[VM_FRAME_KERNEL + 1] = {0}, tables = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

		model_assert(md, f->use <= VM_FRAME_KERNEL,
			     "pfn %" PRIu64 ": use %d", pfn, f->use);
		model_assert(md, !f->pin,
			     "pfn %" PRIu64 " is still pinned", pfn);
		count[f->use]++;
		if (f->use == VM_FRAME_ANON || f->use == VM_FRAME_FILE)
			check_data(md, pfn, f);
		else
			model_assert(md,
				     !vm_frame_mapcount(&m->phys, pfn) &&
					     !f->rmap && !f->owner &&
					     (!f->flags ||
					      (f->use == VM_FRAME_FREE &&
					       f->flags == VM_FF_BUDDY)) &&
					     !f->obj,
				     "pfn %" PRIu64 " (use %d): mapcount %u, "
				     "flags %#x, owner %p, object %p",
				     pfn, f->use,
				     vm_frame_mapcount(&m->phys, pfn), f->flags,
				     (void *)f->owner, (void *)f->obj);
	}
	for (int u = 0; u <= VM_FRAME_KERNEL; u++)
		model_assert(md, count[u] == m->phys.count[u],
			     "%" PRIu64 " frames of use %d, counted %" PRIu64,
			     count[u], u, m->phys.count[u]);
	model_assert(md, m->phys.nfree == count[VM_FRAME_FREE],
		     "nfree %" PRIu64 ", %" PRIu64 " frames free",
		     m->phys.nfree, count[VM_FRAME_FREE]);
	model_assert(md,
		     m->user_pages ==
			     count[VM_FRAME_ANON] + count[VM_FRAME_FILE],
		     "user_pages %" PRIu64 ", %" PRIu64 " anonymous and "
		     "%" PRIu64 " file frames",
		     m->user_pages, count[VM_FRAME_ANON], count[VM_FRAME_FILE]);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p && !md->proc[i].dead)
			tables += md->proc[i].tables + 1;
	model_assert(md, count[VM_FRAME_PT] == tables,
		     "%" PRIu64
		     " table frames, the address spaces use %" PRIu64,
		     count[VM_FRAME_PT], tables);
}

/* The pager's index: its chains hold exactly the frames with an object,
 * each found under its (object, index); nrpages counts them. */
static void
check_index(struct model *md)
{
	struct vm_machine *m = md->m;
	uint64_t chained = 0;

	for (uint64_t b = 0; b <= m->pager.mask; b++) {
		uint32_t pfn = m->pager.bucket[b];

		while (pfn != VM_PFN_NONE) {
			const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

			model_assert(md,
				     ++chained <= md->indexed && f->obj &&
					     vm_pager_find(m, f->obj,
							   f->index) == pfn,
				     "pfn %u on the index's chain %" PRIu64
				     " (object %p, index %" PRIu64 ")",
				     pfn, b, (void *)f->obj, f->index);
			pfn = f->hnext;
		}
	}
	model_assert(md, chained == md->indexed,
		     "%" PRIu64 " frames on the index's chains, %" PRIu64
		     " with an object",
		     chained, md->indexed);
	model_assert(md, m->pager.swap.nrpages == md->cached,
		     "swap: nrpages %" PRIu64 ", %" PRIu64 " frames cached",
		     m->pager.swap.nrpages, md->cached);
	for (int k = 0; k < MODEL_FILES; k++)
		model_assert(md,
			     md->file[k].vf->obj.nrpages == md->file[k].frames,
			     "%s: nrpages %" PRIu64 ", %" PRIu64 " frames",
			     md->file[k].name, md->file[k].vf->obj.nrpages,
			     md->file[k].frames);
}

/* A process's counters against the recount (a zombie's are all 0; a
 * live process has its root besides the tables found under it). */
static void
check_counters(struct model *md, struct mproc *mp)
{
	struct vm_proc *p = mp->p;
	uint64_t tables = mp->dead ? 0 : mp->tables + 1;

	model_assert(md, p->rss_anon == mp->anon && p->rss_file == mp->file,
		     "pid %d: rss_anon %" PRIu64 ", rss_file %" PRIu64
		     "; %" PRIu64 " and %" PRIu64 " present PTEs",
		     p->pid, p->rss_anon, p->rss_file, mp->anon, mp->file);
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

/* What an anonymous PTE reaches: its slot (directly, or through the
 * swap cache's frame), or a frame of no slot (the top bit set). */
static uint64_t
pte_reach(struct vm_machine *m, vm_pte_t pte)
{
	const struct vm_frame *f;

	if (!(pte & VM_PTE_P))
		return VM_SWP_SLOT(pte);
	f = vm_phys_frame(&m->phys, VM_PTE2PFN(pte));
	return f->obj ? f->index : (UINT64_C(1) << 63) | VM_PTE2PFN(pte);
}

/* A shared anonymous page of one process: no other PTE maps its frame
 * nor holds its slot. */
static void
check_alone(struct model *md, struct mproc *mp, int i, vm_pte_t pte)
{
	struct vm_machine *m = md->m;
	int64_t pfn = (pte & VM_PTE_P) ? (int64_t)VM_PTE2PFN(pte) : -1;
	uint64_t slot = 0;
	unsigned maps, refs, want_refs = 0;

	if (pfn < 0) {
		slot = VM_SWP_SLOT(pte);
		pfn = vm_pager_find(m, &m->pager.swap, slot);
		want_refs = 1 + (pfn >= 0);
	} else if (vm_phys_frame(&m->phys, (uint64_t)pfn)->obj &&
		   vm_phys_frame(&m->phys, (uint64_t)pfn)->obj->kind ==
			   VM_POBJ_SWAP) {
		slot = vm_phys_frame(&m->phys, (uint64_t)pfn)->index;
		want_refs = 1;
	}
	maps = pfn >= 0 ? vm_frame_mapcount(&m->phys, (uint64_t)pfn) : 0;
	refs = slot ? vm_swap_count(m->swap, slot) : 0;
	model_assert(md, maps == ((pte & VM_PTE_P) != 0) && refs == want_refs,
		     "pid %d: shared %#" PRIx64 " is its own, but its frame "
		     "is mapped %u times and its slot %" PRIu64 " held %u "
		     "times (PTE %#" PRIx64 ")",
		     mp->p->pid, page_va(i), maps, slot, refs, pte);
}

/* Sharing: the pages of an object all reach one frame or slot, and a
 * shared anonymous page of one process reaches one no one else does. */
static void
check_shared(struct model *md)
{
	for (int o = 0; o < MODEL_OBJS; o++)
		md->obj[o].id = NEVER;
	for (int k = 0; k < MODEL_PROCS; k++) {
		struct mproc *mp = &md->proc[k];

		for (int i = 0; mp->p && !mp->dead && i < MODEL_PAGES; i++) {
			const struct mpage *g = &mp->pg[i];
			vm_pte_t pte;
			struct mobj *o;

			if (g->prot < 0 || g->backing != B_SHARED)
				continue;
			pte = t_pte(md->m, mp->p, page_va(i));
			if (g->obj < 0) {
				if (pte)
					check_alone(md, mp, i, pte);
				continue;
			}
			o = &md->obj[g->obj];
			if (!pte)
				continue; /* in the shmem object, not here */
			if (o->id == NEVER)
				o->id = pte_reach(md->m, pte);
			model_assert(md, o->id == pte_reach(md->m, pte),
				     "pid %d: shared %#" PRIx64 " (PTE "
				     "%#" PRIx64 ") reaches another page "
				     "than its sharers",
				     mp->p->pid, page_va(i), pte);
		}
	}
}

/* File pages the machine has written back so far: pgpgout counts the
 * KiB of swap-outs (pswpout) and of file write-backs alike. */
static uint64_t
writebacks(const struct vm_machine *m)
{
	return m->stats.v[VM_STAT_pgpgout] / (PG >> 10) -
	       m->stats.v[VM_STAT_pswpout];
}

/* Reads the host file anew. */
static void
host_read(struct model *md, struct mfile *mf)
{
	struct stat st;
	ssize_t n;

	memset(mf->host, 0, sizeof(mf->host));
	n = pread(mf->fd, mf->host, sizeof(mf->host), 0);
	model_assert(md, n >= 0 && fstat(mf->fd, &st) == 0,
		     "%s: the host file cannot be read", mf->name);
	mf->host_size = (uint64_t)st.st_size;
	mf->host_at = md->m ? writebacks(md->m) : NEVER;
}

/* A page of a file, got, against the model's, want. */
static void
check_file_page(struct model *md, const struct mfile *mf, unsigned idx,
		const uint8_t *got, const char *where)
{
	size_t b;

	if (!memcmp(got, mf->mem[idx], PG))
		return;
	b = first_diff(got, mf->mem[idx]);
	ck_abort_msg("%s", model_why(md,
				     "%s byte %#" PRIx64 " is %#x in the %s, "
				     "the model says %#x",
				     mf->name, (uint64_t)idx * PG + b, got[b],
				     where, mf->mem[idx][b]));
}

/* A file: its length, and each page below the end in the page cache,
 * or else in the host file (read again whenever a file page was written
 * back, or the file truncated); a clean cached page is in the host file
 * too. */
static void
check_file(struct model *md, struct mfile *mf)
{
	struct vm_machine *m = md->m;

	model_assert(md, mf->vf->size == mf->size,
		     "%s: %" PRIu64 " bytes, the model says %" PRIu64,
		     mf->name, mf->vf->size, mf->size);
	if (mf->host_at != writebacks(m))
		host_read(md, mf);
	model_assert(md, mf->host_size <= mf->size,
		     "%s: the host file has %" PRIu64 " bytes, the file "
		     "%" PRIu64,
		     mf->name, mf->host_size, mf->size);
	for (unsigned idx = 0; idx < pages_of(mf->size); idx++) {
		int64_t pfn = vm_pager_find(m, &mf->vf->obj, idx);

		if (pfn < 0) {
			check_file_page(md, mf, idx, mf->host[idx],
					"host file");
			continue;
		}
		check_file_page(md, mf, idx,
				vm_phys_ptr(&m->phys, (uint64_t)pfn),
				"page cache");
		if (!frame_dirty(m, (uint64_t)pfn))
			check_file_page(md, mf, idx, mf->host[idx],
					"host file (the page is clean)");
	}
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
/* The slots the shmem objects of live regions hold, one reference each;
 * every object counted once (regions of it may be in several
 * processes: one object is marked by the first that meets it). */
static void
count_shmem_slots(struct model *md)
{
	const struct vm_file *seen[MODEL_PROCS * MODEL_PAGES];
	unsigned nseen = 0;

	for (int k = 0; k < MODEL_PROCS; k++) {
		struct mproc *mp = &md->proc[k];

		for (size_t i = 0; mp->p && !mp->dead && i < mp->p->vmas.n;
		     i++) {
			const struct vm_file *f = mp->p->vmas.v[i].file;
			bool known = false;

			if (!f || f->obj.kind != VM_POBJ_SHMEM)
				continue;
			for (unsigned j = 0; j < nseen; j++)
				known |= seen[j] == f;
			if (known || nseen == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[nseen++] = f;
			for (uint64_t pg = 0; pg < vm_file_pages(f); pg++)
				if (f->slots[pg])
					md->slot_refs[f->slots[pg]]++;
		}
	}
}

static void
model_check(struct model *md)
{
	struct vm_machine *m = md->m;

	memset(md->mapc, 0, m->phys.nframes * sizeof(*md->mapc));
	memset(md->slot_refs, 0,
	       (m->cfg.swap_pages + 1) * sizeof(*md->slot_refs));
	md->indexed = md->cached = 0;
	for (int k = 0; k < MODEL_FILES; k++)
		md->file[k].frames = 0;
	check_procs(md);
	check_kernel(md, m->kernel_top, (int)m->cfg.levels - 2);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p)
			check_space(md, &md->proc[i]);
	check_frames(md);
	check_buddy(md);
	count_shmem_slots(md);
	check_index(md);
	for (int i = 0; i < MODEL_PROCS; i++)
		if (md->proc[i].p)
			check_counters(md, &md->proc[i]);
	check_slots(md);
	check_shared(md);
	for (int k = 0; k < MODEL_FILES; k++)
		check_file(md, &md->file[k]);
	check_tlb(md);
}

/*
 * Takes note of the processes that died: by SIGSEGV or SIGBUS only the
 * one whose own access was refused in this step (md->segv), otherwise by
 * the OOM killer, once per kill counted, and never on a "core" machine.
 */
static void
model_sync(struct model *md)
{
	uint64_t ooms = md->m->stats.v[VM_STAT_oom_kill], died = 0;

	for (int i = 0; i < MODEL_PROCS; i++) {
		struct mproc *mp = &md->proc[i];

		if (!mp->p || mp->dead || mp->p->state != VM_PROC_ZOMBIE)
			continue;
		if (mp->p->exit_signal == 11 || mp->p->exit_signal == 7) {
			model_assert(md, mp == md->segv,
				     "pid %d died of signal %d", mp->p->pid,
				     mp->p->exit_signal);
		} else {
			model_assert(md, mp->p->exit_signal == 9,
				     "pid %d died of signal %d", mp->p->pid,
				     mp->p->exit_signal);
			died++;
		}
		model_bury(md, mp);
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
allowed_run(const struct model *md, const struct mproc *mp, uint64_t va,
	    int access)
{
	uint64_t end = va & VM_PAGE_MASK;

	while (end < MODEL_TOP &&
	       page_verdict(md, mp, page_of(end), access) == ALLOW)
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
		if (page_verdict(md, mp, i, access) == ALLOW)
			ok[n++] = i;
	if (aim && !n)
		return false;
	pg = aim ? ok[below(md, (unsigned)n)] : (int)below(md, MODEL_PAGES);
	*va = page_va(pg) + (span ? PG - 1 - below(md, span) : below(md, PG));
	run = aim ? allowed_run(md, mp, *va, access) : MODEL_TOP - *va;
	*len = 1 + below(md, max < run ? max : run);
	return true;
}

/*
 * The bytes from va on (at most len) that a store may change without
 * reaching, through a shared mapping, past the end of its file in the
 * file's last page: what such a store leaves is not specified.
 */
static uint64_t
eof_clip(const struct model *md, const struct mproc *mp, uint64_t va,
	 uint64_t len)
{
	for (uint64_t at = va; at < va + len; at = (at & VM_PAGE_MASK) + PG) {
		int i = page_of(at);
		const struct mpage *g = &mp->pg[i < 0 ? 0 : i];
		uint64_t size = md->file[g->file].size, stop;

		if (i < 0 || g->prot < 0 || g->backing != B_FILE ||
		    past_eof(md, g) || size % PG == 0 ||
		    g->idx != size / PG)
			continue;
		stop = page_va(i) + size % PG;
		if (at >= stop)
			return at - va;
		if (va + len > stop)
			return stop - va;
	}
	return len;
}

static struct mproc *pick_zombie(struct model *md, struct mproc *mp);

/* Processes alive. */
static unsigned
live_count(const struct model *md)
{
	unsigned live = 0;

	for (int i = 0; i < MODEL_PROCS; i++)
		live += md->proc[i].p && !md->proc[i].dead;
	return live;
}

/* A free entry for a new process, when fewer than live_max live. */
static struct mproc *
pick_free(struct model *md)
{
	for (int i = 0; live_count(md) < md->k->live_max && i < MODEL_PROCS;
	     i++)
		if (!md->proc[i].p)
			return &md->proc[i];
	return NULL;
}

static void
op_spawn(struct model *md)
{
	struct mproc *mp = pick_free(md);
	struct vm_proc *p;
	int rc;

	model_say(md, "spawn");
	if (!mp)
		return;
	rc = vm_proc_spawn(md->m, "model", &p);
	model_assert(md, rc == 0 || (rc == -ENOMEM && !md->k->strict),
		     "spawn gave %d", rc);
	if (rc == 0)
		model_reset(md, mp, p);
}

/* The child c of mp, just forked: a copy of it, sharing every shared
 * anonymous page (its PTE and the child's are both empty or both not). */
static void
model_fork(struct model *md, struct mproc *mp, struct mproc *c)
{
	memcpy(c->pg, mp->pg, sizeof(c->pg));
	memcpy(c->mem, mp->mem, sizeof(c->mem));
	for (int i = 0; i < MODEL_PAGES; i++) {
		vm_pte_t pp, cp;

		c->pg[i].obj = -1;
		if (mp->pg[i].prot < 0 || mp->pg[i].backing != B_SHARED)
			continue;
		pp = t_pte(md->m, mp->p, page_va(i));
		cp = t_pte(md->m, c->p, page_va(i));
		model_assert(md, !pp == !cp,
			     "shared %#" PRIx64 ": PTE %#" PRIx64 " in the "
			     "parent, %#" PRIx64 " in the child",
			     page_va(i), pp, cp);
		obj_link(md, mp, c, i); /* shmem: every page, faulted or not */
	}
}

/*
 * A failed fork on a tight machine: the OOM killer may have taken the
 * child itself, which was reaped with it; such a kill is counted, but
 * no process of the model died of it.
 */
static void
fork_failed(struct model *md)
{
	uint64_t ooms = md->m->stats.v[VM_STAT_oom_kill] - md->ooms;
	uint64_t died = 0;

	for (int i = 0; i < MODEL_PROCS; i++) {
		struct mproc *mp = &md->proc[i];

		died += mp->p && !mp->dead &&
			mp->p->state == VM_PROC_ZOMBIE &&
			mp->p->exit_signal == 9;
	}
	model_assert(md, ooms <= died + 1,
		     "%" PRIu64 " OOM kills in a failed fork, %" PRIu64
		     " processes killed",
		     ooms, died);
	md->ooms += ooms - died;
}

/* fork of mp; when fewer than live_max live but no entry is free, a
 * zombie other than mp is reaped first (zombies fill them otherwise). */
static void
op_fork(struct model *md, struct mproc *mp)
{
	struct mproc *c = pick_free(md), *z = pick_zombie(md, mp);
	struct vm_proc *p;
	int rc;

	if (!c && z != mp && live_count(md) < md->k->live_max) {
		vm_proc_reap(md->m, z->p);
		model_reset(md, z, NULL);
		c = pick_free(md);
	}
	model_say(md, "fork pid %d", mp->p->pid);
	if (!c)
		return;
	rc = vm_proc_fork(md->m, mp->p, &p);
	if (mp->dead) {
		model_assert(md, rc == -ESRCH, "fork of a zombie gave %d", rc);
		return;
	}
	if (rc) {
		model_assert(md, rc == -ENOMEM && !md->k->strict,
			     "fork gave %d", rc);
		fork_failed(md);
		return;
	}
	model_assert(md, p->ppid == mp->p->pid, "the child's ppid is %d",
		     p->ppid);
	model_reset(md, c, p);
	model_fork(md, mp, c);
}

static void
op_kill(struct model *md, struct mproc *mp)
{
	model_say(md, "kill pid %d", mp->p->pid);
	vm_proc_kill(md->m, mp->p, 9);
	model_bury(md, mp);
}

static void
op_reap(struct model *md, struct mproc *mp)
{
	model_say(md, "reap pid %d", mp->p->pid);
	vm_proc_reap(md->m, mp->p);
	model_reset(md, mp, NULL);
}

/* mmap of a few anonymous pages, private or shared, fixed or where the
 * model says a search lands; one in three populated. */
static void
op_mmap(struct model *md, struct mproc *mp, bool fixed, bool shared)
{
	struct vm_mmap_req r = {.prot = below(md, 8)};
	bool populate = below(md, 3) == 0;
	uint64_t at = 0;
	int pg, n, rc;

	pick_pages(md, &pg, &n);
	if (!fixed)
		pg = model_gap(mp, n);
	model_say(md, "mmap pid %d %s+%d prot %u%s%s", mp->p->pid,
		  fixed ? "fixed" : "auto", n, r.prot,
		  shared ? " shared" : "", populate ? " populate" : "");
	if (pg < 0)
		return; /* it would land below the window */
	r.addr = fixed ? page_va(pg) : 0;
	r.len = (uint64_t)n * PG;
	r.flags = (fixed ? VM_MAP_FIXED : 0) | (shared ? VM_MAP_SHARED : 0) |
		  (populate ? VM_MAP_POPULATE : 0);
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
	model_map(md, mp, pg, n, (int)r.prot, shared ? B_SHARED : B_ANON, 0,
		  0);
}

/*
 * After write accesses to [va, va + len) that stopped short (out of
 * memory): the private file pages they copied are those now holding an
 * anonymous frame or a slot.
 */
static void
model_copied(struct model *md, struct mproc *mp, uint64_t va, uint64_t len)
{
	for (uint64_t at = va; at < va + len; at = (at & VM_PAGE_MASK) + PG) {
		int i = page_of(at);
		const struct mpage *g = &mp->pg[i < 0 ? 0 : i];
		vm_pte_t pte;

		if (i < 0 || g->prot < 0 || !file_view(g) ||
		    g->backing != B_PRIVATE || past_eof(md, g))
			continue;
		pte = t_pte(md->m, mp->p, page_va(i));
		if ((pte & VM_PTE_P) ? vm_phys_frame(&md->m->phys,
						     VM_PTE2PFN(pte))
						       ->use == VM_FRAME_ANON
				     : pte != 0)
			page_for_write(md, mp, i);
	}
}

/* Write accesses to every page of [va, va + len): a private file page
 * is a copy afterwards, with or without a byte written. */
static void
model_write_access(struct model *md, struct mproc *mp, uint64_t va,
		   uint64_t len)
{
	for (uint64_t at = va; at < va + len; at = (at & VM_PAGE_MASK) + PG)
		if (mp->pg[page_of(at)].backing == B_PRIVATE)
			page_for_write(md, mp, page_of(at));
}

/* mmap of a file, shared or private, fixed, from a page offset that may
 * run past the file's end or start beyond it; one in three populated. */
static void
op_mmap_file(struct model *md, struct mproc *mp)
{
	unsigned k = below(md, MODEL_FILES), idx = below(md, FILE_PAGES + 2);
	struct vm_mmap_req r = {.prot = below(md, 8), .file = md->file[k].vf};
	bool shared = below(md, 2), populate = below(md, 3) == 0;
	uint64_t at = 0;
	int pg, n, rc;

	pick_pages(md, &pg, &n);
	model_say(md, "mmap pid %d %#" PRIx64 "+%d prot %u %s@%u %s%s",
		  mp->p->pid, page_va(pg), n, r.prot, md->file[k].name, idx,
		  shared ? "shared" : "private", populate ? " populate" : "");
	r.addr = page_va(pg);
	r.len = (uint64_t)n * PG;
	r.offset = (uint64_t)idx * PG;
	r.flags = VM_MAP_FIXED | (shared ? VM_MAP_SHARED : 0) |
		  (populate ? VM_MAP_POPULATE : 0);
	rc = vm_mmap(md->m, mp->p, &r, &at);
	if (mp->dead) {
		model_assert(md, rc == -ESRCH, "mmap gave %d", rc);
		return;
	}
	model_assert(md,
		     rc == 0 || (rc == -ENOMEM && populate && !md->k->strict),
		     "mmap gave %d", rc);
	model_assert(md, at == page_va(pg), "mapped at %#" PRIx64, at);
	model_map(md, mp, pg, n, (int)r.prot, shared ? B_FILE : B_PRIVATE, k,
		  idx);
	/* populated writable, a private page below the end is a copy */
	if (!populate || shared || !(r.prot & VM_PROT_WRITE) ||
	    mp->p->state == VM_PROC_ZOMBIE)
		return;
	if (rc)
		model_copied(md, mp, page_va(pg), (uint64_t)n * PG);
	for (int i = pg; !rc && i < pg + n; i++)
		if (!past_eof(md, &mp->pg[i]))
			page_for_write(md, mp, i);
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
		model_map(md, mp, pg, n, -1, B_ANON, 0, 0);
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
		if (mp->pg[i].prot < 0)
			want = -ENOMEM;
	rc = vm_mprotect(md->m, mp->p, page_va(pg), (uint64_t)n * PG, prot);
	model_assert(md, rc == (mp->dead ? -ESRCH : want), "mprotect gave %d",
		     rc);
	for (int i = pg; rc == 0 && i < pg + n; i++)
		mp->pg[i].prot = (signed char)prot;
}

/* madvise: dontneed drops the pages (model_dontneed); willneed and
 * pageout change no byte (on a tight machine they may run out of memory
 * or swap). */
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
		model_dontneed(md, mp, pg, n);
}

/* msync: -ENOMEM when a page is unmapped; else every cached page of the
 * file ranges the range's shared file regions map is clean afterwards,
 * mapped here or not (check_file() then finds its bytes in the host
 * file); private regions are left alone, as Linux's msync does. */
static void
op_msync(struct model *md, struct mproc *mp)
{
	int pg, n, rc, want = 0;

	pick_pages(md, &pg, &n);
	model_say(md, "msync pid %d %#" PRIx64 "+%d", mp->p->pid, page_va(pg),
		  n);
	for (int i = pg; i < pg + n; i++)
		if (mp->pg[i].prot < 0)
			want = -ENOMEM;
	rc = vm_msync(md->m, mp->p, page_va(pg), (uint64_t)n * PG);
	model_assert(md, rc == (mp->dead ? -ESRCH : want), "msync gave %d",
		     rc);
	for (int i = pg; rc == 0 && i < pg + n; i++) {
		const struct vm_vma *a = vm_vma_find(&mp->p->vmas, page_va(i));
		int64_t pfn;

		if (!a || !(a->flags & VM_VMA_FILE) ||
		    !(a->flags & VM_VMA_SHARED))
			continue;
		pfn = vm_pager_find(md->m, &a->file->obj,
				    a->pgoff + ((page_va(i) - a->start) >> 12));
		if (pfn < 0)
			continue;
		model_assert(md, !frame_dirty(md->m, (uint64_t)pfn),
			     "pfn %" PRId64 " at %#" PRIx64 " is dirty after "
			     "msync",
			     pfn, page_va(i));
	}
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
	r = model_reach(md, mp, va, len, access);
	rc = vm_touch(md->m, mp->p, va, len, access);
	expect_own(md, mp, rc, r, len);
	if (access == VM_ACC_W && rc == 0)
		model_write_access(md, mp, va, len);
	else if (access == VM_ACC_W && rc == -ENOMEM)
		model_copied(md, mp, va, len);
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
	len = eof_clip(md, mp, va, len);
	if (!len)
		return;
	n = vm_mem_write(md->m, mp->p, va, md->buf, len);
	expect_xfer(md, mp, n, model_reach(md, mp, va, len, VM_ACC_W), va,
		    len);
	if (n <= 0)
		return;
	model_put(md, mp, va, md->buf, (uint64_t)n);
	model_sync(md); /* a tight machine may have killed it meanwhile */
	if (mp->dead)
		return;
	len = (uint64_t)n;
	n = vm_mem_read(md->m, mp->p, va, md->back, len);
	expect_xfer(md, mp, n, model_reach(md, mp, va, len, VM_ACC_R), va,
		    len);
	model_get(md, mp, va, md->buf, n > 0 ? (uint64_t)n : 0);
	model_assert(md, n <= 0 || !memcmp(md->back, md->buf, (size_t)n),
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
	expect_xfer(md, mp, n, model_reach(md, mp, va, len, VM_ACC_R), va,
		    len);
	model_get(md, mp, va, md->buf, n > 0 ? (uint64_t)n : 0);
	model_assert(md, n <= 0 || !memcmp(md->back, md->buf, (size_t)n),
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
	if (aim && allowed_run(md, mp, va, access) < size)
		va &= VM_PAGE_MASK;
	if (va + size > MODEL_TOP)
		va = MODEL_TOP - size;
	model_say(md, "%s pid %d %#" PRIx64 " size %u",
		  store ? "store" : "load", mp->p->pid, va, size);
	if (store && eof_clip(md, mp, va, size) < size)
		return;
	if (store)
		rc = vm_store(md->m, mp->p, va, size, val);
	else
		rc = vm_load(md->m, mp->p, va, size, &val);
	expect_own(md, mp, rc, model_reach(md, mp, va, size, access), size);
	if (store && rc == -ENOMEM)
		model_copied(md, mp, va, size); /* the first page may be */
	if (rc != 0)
		return;
	/* the machine copies the value's first size bytes, as memcpy does */
	if (store) {
		model_put(md, mp, va, &val, size);
		return;
	}
	model_get(md, mp, va, &want, size);
	model_assert(md, val == want,
		     "loaded %#" PRIx64 ", the model says %#" PRIx64, val,
		     want);
}

/* write(2) of random bytes at any offset (growing the file); on a tight
 * machine it may stop short at a page's end, or move nothing. */
static void
op_file_write(struct model *md)
{
	struct mfile *mf = &md->file[below(md, MODEL_FILES)];
	uint64_t off = below(md, FILE_MAX), len = 1 + below(md, XFER_MAX);
	ssize_t n;

	if (off + len > FILE_MAX)
		len = FILE_MAX - off;
	model_say(md, "write(2) %s %#" PRIx64 "+%" PRIu64, mf->name, off, len);
	fill_random(md, md->buf, len);
	n = vm_file_write(md->m, mf->vf, md->buf, len, off);
	model_assert(md,
		     (uint64_t)n == len ||
			     (!md->k->strict &&
			      (n == -ENOMEM ||
			       (n > 0 && (off + (uint64_t)n) % PG == 0))),
		     "write(2) gave %zd", n);
	if (n <= 0)
		return;
	memcpy(&mf->mem[0][0] + off, md->buf, (size_t)n);
	if (off + (uint64_t)n > mf->size)
		mf->size = off + (uint64_t)n;
}

/* read(2) at any offset, up to a page past the end: it stops there. */
static void
op_file_read(struct model *md)
{
	struct mfile *mf = &md->file[below(md, MODEL_FILES)];
	uint64_t off = below(md, FILE_MAX + PG), len = 1 + below(md, XFER_MAX);
	uint64_t want = off < mf->size ? mf->size - off : 0;
	ssize_t n;

	want = want < len ? want : len;
	model_say(md, "read(2) %s %#" PRIx64 "+%" PRIu64, mf->name, off, len);
	n = vm_file_read(md->m, mf->vf, md->back, len, off);
	model_assert(md,
		     (uint64_t)n == want ||
			     (!md->k->strict &&
			      (n == -ENOMEM ||
			       (n > 0 && (uint64_t)n < want &&
				(off + (uint64_t)n) % PG == 0))),
		     "read(2) gave %zd of %" PRIu64 " bytes", n, want);
	model_assert(md,
		     n <= 0 || !memcmp(md->back, &mf->mem[0][0] + off,
				       (size_t)n),
		     "read(2) other bytes than the model holds");
}

/* ftruncate: a shrink takes the pages past the new end from every
 * mapping, private copies too; the bytes past it read as zeros. */
static void
op_truncate(struct model *md)
{
	unsigned k = below(md, MODEL_FILES);
	struct mfile *mf = &md->file[k];
	uint64_t size = below(md, 2) ? below(md, mf->size + 1)
				     : below(md, FILE_MAX + 1);
	int rc;

	model_say(md, "truncate %s %" PRIu64 " -> %" PRIu64, mf->name,
		  mf->size, size);
	rc = vm_file_truncate(md->m, mf->vf, size);
	model_assert(md, rc == 0, "truncate gave %d", rc);
	if (size < mf->size)
		memset(&mf->mem[0][0] + size, 0, FILE_MAX - size);
	mf->size = size;
	mf->host_at = NEVER;
	for (int j = 0; j < MODEL_PROCS; j++) {
		struct mproc *mp = &md->proc[j];

		for (int i = 0; mp->p && i < MODEL_PAGES; i++) {
			struct mpage *g = &mp->pg[i];

			if (g->prot >= 0 && g->backing == B_PRIVATE &&
			    g->file == k && past_eof(md, g)) {
				g->copied = false;
				memset(mp->mem[i], 0, PG);
			}
		}
	}
}

/* After fsync, or a write-back of every file: the host file is the
 * model's file. */
static void
synced_check(struct model *md, struct mfile *mf)
{
	host_read(md, mf);
	model_assert(md, mf->host_size == mf->size,
		     "%s: %" PRIu64 " bytes on the host after fsync, %" PRIu64
		     " in the file",
		     mf->name, mf->host_size, mf->size);
	for (unsigned idx = 0; idx < FILE_PAGES; idx++)
		check_file_page(md, mf, idx, mf->host[idx],
				"host file after fsync");
}

/* fsync of a file and its check. */
static void
fsync_check(struct model *md, struct mfile *mf)
{
	int rc = vm_file_sync(md->m, mf->vf);

	model_assert(md, rc == 0, "fsync of %s gave %d", mf->name, rc);
	synced_check(md, mf);
}

/* fsync of one file, or (three times in four: it costs no host fsync)
 * the write-back of every dirty page-cache page, as at unmount. */
static void
op_sync(struct model *md)
{
	struct mfile *mf = &md->file[below(md, MODEL_FILES)];
	int rc;

	if (!below(md, 4)) {
		model_say(md, "fsync %s", mf->name);
		fsync_check(md, mf);
		return;
	}
	model_say(md, "sync all");
	rc = vm_pagecache_sync_all(md->m);
	model_assert(md, rc == 0, "sync gave %d", rc);
	for (int k = 0; k < MODEL_FILES; k++)
		synced_check(md, &md->file[k]);
}

/* The file frames left: mapped or dirty, after drop_caches. */
static uint64_t
count_cached(struct model *md, bool drop)
{
	struct vm_machine *m = md->m;
	uint64_t n = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

		if (f->use != VM_FRAME_FILE)
			continue;
		model_assert(md,
			     !drop || vm_frame_mapcount(&m->phys, pfn) ||
				     frame_dirty(m, pfn),
			     "pfn %" PRIu64 " clean, unmapped, not dropped",
			     pfn);
		n++;
	}
	return n;
}

/* drop_caches: every clean page-cache page nobody maps goes. */
static void
op_drop(struct model *md)
{
	uint64_t before = count_cached(md, false), n;

	model_say(md, "drop_caches");
	n = vm_pagecache_drop(md->m);
	model_assert(md, before - count_cached(md, true) == n,
		     "drop_caches says %" PRIu64 " pages went", n);
}

/* The model's handle on a file closed (maybe dropping the caches, which
 * frees the object when nothing maps it and no page of it is left) and
 * opened again: the same length. */
static void
op_reopen(struct model *md)
{
	struct mfile *mf = &md->file[below(md, MODEL_FILES)];
	bool drop = below(md, 2);
	int rc;

	model_say(md, "reopen %s%s", mf->name, drop ? ", drop_caches" : "");
	vm_file_put(mf->vf);
	if (drop)
		vm_pagecache_drop(md->m);
	rc = vm_file_open(md->m, mf->name, &mf->vf);
	model_assert(md, rc == 0 && mf->vf->size == mf->size,
		     "open gave %d, %" PRIu64 " bytes", rc,
		     rc ? 0 : mf->vf->size);
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
	OP_FORK,
	OP_MMAP_SHARED,
	OP_MMAP_FILE,
	OP_MSYNC,
	OP_FILE_WRITE,
	OP_FILE_READ,
	OP_TRUNCATE,
	OP_SYNC,
	OP_DROP,
	OP_REOPEN,
	OP_COUNT
};

/* How often each step is drawn, out of the sum: the steps of sharing,
 * forking and files about one in six. */
static const unsigned op_weight[OP_COUNT] = {
	[OP_SPAWN] = 4,	      [OP_KILL] = 1,	    [OP_REAP] = 1,
	[OP_MMAP] = 14,	      [OP_MMAP_AUTO] = 6,   [OP_MUNMAP] = 4,
	[OP_MPROTECT] = 8,    [OP_MADVISE] = 10,    [OP_TOUCH] = 16,
	[OP_WRITE] = 28,      [OP_READ] = 12,	    [OP_LOAD] = 10,
	[OP_STORE] = 16,      [OP_POLICY] = 2,	    [OP_ASID] = 2,
	[OP_TLB] = 2,	      [OP_LIMIT] = 4,	    [OP_FORK] = 4,
	[OP_MMAP_SHARED] = 3, [OP_MMAP_FILE] = 8,   [OP_MSYNC] = 2,
	[OP_FILE_WRITE] = 4,  [OP_FILE_READ] = 3,   [OP_TRUNCATE] = 1,
	[OP_SYNC] = 1,	      [OP_DROP] = 1,	    [OP_REOPEN] = 1,
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

/* The steps of the machine as a whole: files, policy, TLB. */
static void
model_step_machine(struct model *md, enum model_op op)
{
	switch (op) {
	case OP_FILE_WRITE:
		op_file_write(md);
		break;
	case OP_FILE_READ:
		op_file_read(md);
		break;
	case OP_TRUNCATE:
		op_truncate(md);
		break;
	case OP_SYNC:
		op_sync(md);
		break;
	case OP_DROP:
		op_drop(md);
		break;
	case OP_REOPEN:
		op_reopen(md);
		break;
	case OP_POLICY:
		op_policy(md);
		break;
	case OP_ASID:
		op_asid(md);
		break;
	default:
		op_tlb(md);
		break;
	}
}

/* The steps of a process's memory. */
static void
model_step_mem(struct model *md, enum model_op op, struct mproc *mp)
{
	switch (op) {
	case OP_MMAP:
	case OP_MMAP_AUTO:
		op_mmap(md, mp, op == OP_MMAP, false);
		break;
	case OP_MMAP_SHARED:
		op_mmap(md, mp, below(md, 2), true);
		break;
	case OP_MMAP_FILE:
		op_mmap_file(md, mp);
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
	case OP_MSYNC:
		op_msync(md, mp);
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
	default:
		op_load_store(md, mp, op == OP_STORE);
		break;
	}
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
	case OP_FORK:
		op_fork(md, mp);
		break;
	case OP_LIMIT:
		op_limit(md, mp);
		break;
	case OP_POLICY:
	case OP_ASID:
	case OP_TLB:
	case OP_FILE_WRITE:
	case OP_FILE_READ:
	case OP_TRUNCATE:
	case OP_SYNC:
	case OP_DROP:
	case OP_REOPEN:
		model_step_machine(md, op);
		break;
	default:
		model_step_mem(md, op, mp);
		break;
	}
}

/* ---- a run ----------------------------------------------------------- */

/* Makes files/ with the model's files: up to four pages and a bit of
 * random bytes each; the host files are opened read-only for checks. */
static void
model_files_make(struct model *md)
{
	ck_assert(mkdir(md->dir, 0700) == 0 || errno == EEXIST);
	ck_assert(mkdir(md->files, 0700) == 0 || errno == EEXIST);
	for (int k = 0; k < MODEL_FILES; k++) {
		struct mfile *mf = &md->file[k];
		char path[192];
		int fd;

		snprintf(mf->name, sizeof(mf->name), "f%d", k);
		snprintf(path, sizeof(path), "%s/%s", md->files, mf->name);
		mf->size = below(md, 4 * PG + 1);
		fill_random(md, &mf->mem[0][0], mf->size);
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, mf->mem, mf->size),
				 (ssize_t)mf->size);
		close(fd);
		mf->fd = open(path, O_RDONLY);
		ck_assert_int_ge(mf->fd, 0);
		mf->host_at = NEVER;
	}
}

/* A machine drawn from seed i of kind k, its swap store and its files/
 * in their own directory under t_state (so a run that fails without its
 * teardown cannot hold the next one's store). */
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
	snprintf(md->files, sizeof(md->files), "%s/files", md->dir);
	for (int j = 0; j < MODEL_PROCS; j++)
		for (int pg = 0; pg < MODEL_PAGES; pg++)
			md->proc[j].pg[pg] = (struct mpage){.prot = -1,
							    .obj = -1};
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
	c.files_dir = md->files;
	if (k->limits && below(md, 2))
		c.user_limit = 8 + below(md, 16);
	model_files_make(md);
	md->m = t_machine_cfg(&c);
	for (int f = 0; f < MODEL_FILES; f++)
		ck_assert_int_eq(vm_file_open(md->m, md->file[f].name,
					      &md->file[f].vf),
				 0);
	md->mapc = calloc(c.frames, sizeof(*md->mapc));
	md->slot_refs = calloc(c.swap_pages + 1, sizeof(*md->slot_refs));
	ck_assert(md->mapc && md->slot_refs);
	model_say(md,
		  "start: %" PRIu64 " frames, %u levels, %s, asid %d, "
		  "%" PRIu64 " slots, files of %" PRIu64 " and %" PRIu64
		  " bytes",
		  c.frames, c.levels, c.policy, c.asid, c.swap_pages,
		  md->file[0].size, md->file[1].size);
	return md;
}

/*
 * The files' end: odd runs fsync them and drop the caches, after which
 * no frame and no file object is left; even runs leave dirty pages for
 * the machine's end.  Either way the host files are then the model's.
 */
static void
model_files_finish(struct model *md)
{
	struct vm_machine *m = md->m;
	bool sync = md->seed_no & 1;

	model_say(md, "%s", sync ? "fsync, drop_caches" : "destroy");
	for (int k = 0; k < MODEL_FILES; k++) {
		if (sync)
			fsync_check(md, &md->file[k]);
		vm_file_put(md->file[k].vf);
	}
	if (sync) {
		vm_pagecache_drop(m);
		model_assert(md,
			     m->phys.nfree + m->phys.count[VM_FRAME_KERNEL] ==
				     m->phys.nframes,
			     "%" PRIu64 " frames in use after drop_caches",
			     m->phys.nframes - m->phys.nfree);
		model_assert(md, !m->files, "a file object outlives them all");
	}
	vm_machine_destroy(m);
	md->m = NULL;
	model_say(md, "after the machine");
	for (int k = 0; k < MODEL_FILES; k++) {
		struct mfile *mf = &md->file[k];

		host_read(md, mf);
		model_assert(md, mf->host_size == mf->size,
			     "%s: %" PRIu64 " bytes on the host, %" PRIu64
			     " in the model",
			     mf->name, mf->host_size, mf->size);
		for (unsigned idx = 0; idx < FILE_PAGES; idx++)
			check_file_page(md, mf, idx, mf->host[idx],
					"host file at the end");
		close(mf->fd);
	}
}

/* Reaps everyone: no anonymous frame and no slot is left, every page
 * cache frame is unmapped. */
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
		     m->phys.nfree + m->phys.count[VM_FRAME_KERNEL] +
				     m->phys.count[VM_FRAME_FILE] ==
			     m->phys.nframes,
		     "%" PRIu64 " frames in use after the last reap",
		     m->phys.nframes - m->phys.nfree);
	model_assert(md, vm_swap_next_used(m->swap, 0) == 0,
		     "slot %" PRIu64 " in use after the last reap",
		     vm_swap_next_used(m->swap, 0));
	/* the run moved pages both ways: it tested something */
	ck_assert_uint_gt(m->stats.v[VM_STAT_pswpout], 0);
	ck_assert_uint_gt(m->stats.v[VM_STAT_pswpin], 0);
	ck_assert_uint_gt(m->stats.v[VM_STAT_fork], 0);
	model_files_finish(md);
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
