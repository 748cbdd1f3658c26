/*
 * procfmt.c - Linux's /proc formats, rendered from the simulated machine.
 *
 * Rule: these are observation files.  A renderer reads fields, follows
 * reverse maps and walks page tables with vm_mm_each_pte() and
 * vm_pt_walk() without VM_WALK_ALLOC; it never translates, faults, sets
 * an A or D bit, fills or probes the TLB, touches a policy list or
 * bumps a counter.  The caller holds the machine lock.
 *
 * The formats, and the kernel code they copy (fs/proc/task_mmu.c,
 * fs/proc/array.c, fs/proc/meminfo.c, fs/proc/page.c, mm/swapfile.c,
 * mm/vmstat.c, Documentation/admin-guide/mm/pagemap.rst):
 *
 *   maps     show_vma_header_prefix(): "%08lx-%08lx %c%c%c%c %08llx
 *            %02x:%02x %lu " (the header ends with a space); a name is
 *            preceded by seq_pad() to width 25 + 6 * sizeof(void *) - 1
 *            = 72 and one more space, so it starts at byte 73; an
 *            unnamed region's line ends "0 \n".  A header of 72 bytes or
 *            more gets just the one space.  Offset is 0 for anonymous
 *            private anonymous regions.  Names: [stack], [heap], the
 *            file hook's path (newlines escaped \012 as seq_path does);
 *            a shared anonymous region is shmem_zero_setup()'s file:
 *            device 00:01, the object's inode, "/dev/zero (deleted)".
 *   smaps    the maps line, Size / KernelPageSize / MMUPageSize, the
 *            keys of __show_smap() (label padded to 16, value "%8lu kB";
 *            "Private_Hugetlb: " is 17 wide with "%7lu"), THPeligible
 *            "%8u", VmFlags mnemonics in bit order each followed by a
 *            space.  Pss as smaps_page_accumulate(): a page mapped n > 1
 *            times adds size / n in 12-bit fixed point, and is Shared_*;
 *            dirty = PTE D or frame dirty; referenced = PTE A or frame
 *            referenced; SwapPss divides by the slot's references.
 *            A huge=1G region is hugetlb as Linux's: its pages count in
 *            Private_Hugetlb or Shared_Hugetlb (mapped twice or more),
 *            not in Rss; KernelPageSize and MMUPageSize 1048576 kB,
 *            VmFlags "de" and "ht".  A huge=2M region is anonymous memory
 *            with transparent huge pages (madvise(MADV_HUGEPAGE), VmFlags
 *            "hg"): its 2 MiB leaves count in Rss and AnonHugePages,
 *            page sizes 4 kB as Linux shows them for THP; THPeligible 1
 *            when a whole 2 MiB block fits below the region's end.
 *   status   task_name/task_state/task_mem...: "Key:\t", Vm* "%8lu kB",
 *            the keys of Linux 6.18 in its order.  Pages of 1 GiB
 *            (hugetlb) regions count in HugetlbPages, not in VmRSS or
 *            RssAnon (nor in statm's resident or stat's rss), as
 *            Linux's hugetlb_count_add() keeps them apart.
 *            VmPeak and VmHWM equal VmSize and VmRSS (no high-water
 *            marks are kept).  VmPTE counts every table, root included.
 *   stat     do_task_stat(): 52 fields; minflt 10 = pgfault - pgmajfault,
 *            majflt 12, starttime 22 in USER_HZ (100) ticks of the
 *            simulated clock, vsize 23 bytes, rss 24 pages, startstack 28,
 *            after an exec startcode 26, endcode 27 and 45-51 (start_data
 *            .. env_end) as the loader set them (elf.c),
 *            exit_signal 38 = SIGCHLD, exit_code 52 = the killing signal.
 *   meminfo  show_val_kb(): "%-16s%8lu kB", the keys of this kernel
 *            (zswap and balloon ones 0).  MemTotal counts every frame,
 *            kernel ones included; DirectMap4k is all of it.  Shared
 *            anonymous pages are Shmem, as in Linux (so not AnonPages,
 *            and part of Cached).  A 2 MiB page counts its 512 frames
 *            in AnonPages, the LRU lines and AnonHugePages (and vmstat
 *            nr_anon_transparent_hugepages, in huge pages).  1 GiB pages
 *            are hugetlb pages of a size other than the default: as in
 *            hugetlb_report_meminfo(), HugePages_* and Hugepagesize
 *            describe the default 2 MiB pool (empty: the lab's 2 MiB
 *            pages are THP), while Hugetlb sums every pool, here the
 *            1 GiB pages in use (the pool grows and shrinks with them;
 *            vmstat nr_hugetlb, in frames).
 *   vmstat   "name value": every key of this kernel's vmstat_text in
 *            its order (0 where the lab has no such thing), then the
 *            lab's own counters in VM_STAT_LIST order, then its gauges.
 *   swaps    swap_show(): the header, then the path padded to 40, "file\t",
 *            Size (the slots: the header page left out) and Used in KiB
 *            with a second tab under 10000000, priority -2 (the first
 *            swapon without a priority).
 *   uptime   "%lu.%02lu %lu.%02lu": the clock, truncated; idle 0.00 (the
 *            simulated CPU is never idle).
 *   pagemap  bit 63 present, 62 swapped, 61 file page or shared anonymous,
 *            56 mapped exactly once, 55 soft-dirty; PFN in 0..54 (always
 *            shown: the lab is root's view), swap type in 0..4 and slot
 *            in 5..54.  No soft-dirty tracking, as a kernel without
 *            CONFIG_MEM_SOFT_DIRTY: bit 55 is never set, VmFlags has no
 *            "sd".  A page with neither a present nor a swap entry reads
 *            0, mapped or not.  A huge leaf gives an entry for each of
 *            its 4 KiB pages, PFN head + index, with the leaf's bits
 *            (pagemap_pmd_range() and pagemap_hugetlb_range(); 56 when
 *            one leaf maps the page).  The file ends at TASK_SIZE
 *            (vm_user_top()).
 *   kpageflags  stable_page_flags(): free frames BUDDY (all of them, as
 *            is_free_buddy_page() makes it), page tables PGTABLE, the
 *            kernel's frames RESERVED (bit 32), data frames UPTODATE plus
 *            MMAP, ANON (not for shared anonymous: shmem in Linux),
 *            SWAPBACKED, LRU, ACTIVE, SWAPCACHE, UNEVICTABLE (pinned),
 *            COMPOUND_HEAD on a huge page's first frame, COMPOUND_TAIL on
 *            the others, with THP (2 MiB) or HUGE (1 GiB) on all; a tail
 *            shows its page's state, as folio flags do; 1 GiB pages, as
 *            hugetlb folios, are neither LRU nor SWAPBACKED.  REFERENCED
 *            and DIRTY also take the A and D bits of the mapping PTEs:
 *            Linux only moves them into page flags during reclaim, but reclaim here
 *            reads them in place, so they are the page's state.
 *            Past the last frame: NOPAGE.
 *   kpagecount  the mapcount; 0 for free, table and kernel frames (page
 *            types read 0 in folio_precise_page_mapcount()).  Every
 *            frame of a huge page reads the number of huge leaves that
 *            map it, as a PMD-mapped folio's entire mapcount adds to
 *            each of its pages.
 */
#include <config.h>

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "vmlab/census.h"
#include "vmlab/huge.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/pagecache.h"
#include "vmlab/phys.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/stats.h"
#include "vmlab/swap.h"
#include "vmlab/vma.h"

#include "procfmt.h"

#define BIT(n) (UINT64_C(1) << (n))
#define PG_KB(pages) ((uint64_t)(pages) << (VM_PAGE_SHIFT - 10))
#define PSS_SHIFT 12
#define USER_HZ 100
#define NS_PER_TICK (UINT64_C(1000000000) / USER_HZ)
#define MAPS_NAME_COL 72 /* 25 + sizeof(void *) * 6 - 1 on 64 bits */
#define SWAPS_NAME_COL 40
#define SWAP_PRIO (-2)
#define SIGCHLD_NR 17
#define SHM_MINOR 1 /* the device of Linux's internal shm mount, 00:01 */
#define MEMS_GROUPS 32 /* MAX_NUMNODES 1024 in 32-bit groups */

static fmt_file_fn *file_hook;

void
fmt_set_file_hook(fmt_file_fn *fn)
{
	file_hook = fn;
}

const char *
fmt_state_name(int state)
{
	switch (state) {
	case VM_PROC_RUNNING:
		return "R (running)";
	case VM_PROC_SLEEPING:
		return "S (sleeping)";
	case VM_PROC_ZOMBIE:
		return "Z (zombie)";
	default:
		return "X (dead)";
	}
}

static bool
is_zombie(const struct vm_proc *p)
{
	return p->state == VM_PROC_ZOMBIE;
}

static bool
vma_shared_anon(const struct vm_vma *a)
{
	return (a->flags & VM_VMA_SHARED) && !(a->flags & VM_VMA_FILE);
}

/* Writes s with each byte found in esc as \ooo, as mangle_path(). */
static void
put_escaped(struct sbuf *sb, const char *s, const char *esc)
{
	for (; *s; s++) {
		if (strchr(esc, *s))
			sbuf_printf(sb, "\\%03o", (unsigned char)*s);
		else
			sbuf_put(sb, s, 1);
	}
}

/* ---- maps ---------------------------------------------------------- */

/* One maps line before its newline. */
struct maps_line {
	uint64_t start, end, off, ino;
	unsigned major, minor;
	char perms[5];
	const char *name; /* NULL: none */
	bool path;	  /* name is a path: escape newlines */
};

/* Fills l for region a; file names are copied into *file. */
static void
maps_line_of(const struct vm_vma *a, struct maps_line *l,
	     struct fmt_file_id *file)
{
	memset(l, 0, sizeof(*l));
	l->start = a->start;
	l->end = a->end;
	l->perms[0] = (a->prot & VM_PROT_READ) ? 'r' : '-';
	l->perms[1] = (a->prot & VM_PROT_WRITE) ? 'w' : '-';
	l->perms[2] = (a->prot & VM_PROT_EXEC) ? 'x' : '-';
	l->perms[3] = (a->flags & VM_VMA_SHARED) ? 's' : 'p';
	if (a->flags & VM_VMA_FILE) {
		l->off = a->pgoff << VM_PAGE_SHIFT;
		memset(file, 0, sizeof(*file));
		if (file_hook && file_hook(a, file) == 0) {
			file->path[FMT_PATH_MAX - 1] = '\0';
			l->major = file->major;
			l->minor = file->minor;
			l->ino = file->ino;
			l->name = file->path;
			l->path = true;
		}
	} else if (vma_shared_anon(a) && a->file) {
		/* shmem_zero_setup(): a file on the internal shm mount */
		l->off = a->pgoff << VM_PAGE_SHIFT;
		l->minor = SHM_MINOR;
		l->ino = a->file->ino;
		l->name = "/dev/zero (deleted)";
	} else if (a->flags & VM_VMA_STACK) {
		l->name = "[stack]";
	} else if (a->flags & VM_VMA_HEAP) {
		l->name = "[heap]";
	}
}

/* Writes a maps line: the header, then a name at byte 73 if any. */
static void
put_maps_line(struct sbuf *sb, const struct maps_line *l)
{
	size_t at = sb->len, w;

	sbuf_printf(sb,
		    "%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64
		    " %02x:%02x %" PRIu64 " ",
		    l->start, l->end, l->perms, l->off, l->major, l->minor,
		    l->ino);
	if (l->name) {
		w = sb->len - at;
		if (w < MAPS_NAME_COL)
			sbuf_printf(sb, "%*s", (int)(MAPS_NAME_COL - w), "");
		sbuf_put(sb, " ", 1);
		put_escaped(sb, l->name, l->path ? "\n" : "");
	}
	sbuf_put(sb, "\n", 1);
}

static void
put_vma_line(struct sbuf *sb, const struct vm_vma *a)
{
	struct fmt_file_id file;
	struct maps_line l;

	maps_line_of(a, &l, &file);
	put_maps_line(sb, &l);
}

int
fmt_maps(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	if (is_zombie(p))
		return sb->err;
	for (size_t i = 0; i < p->vmas.n; i++)
		put_vma_line(sb, &p->vmas.v[i]);
	return sb->err;
}

/* ---- smaps --------------------------------------------------------- */

enum page_kind { KIND_ANON, KIND_FILE, KIND_SHMEM, KIND_NR };

/* What smaps sums over a region; sizes in bytes, pss in bytes << 12. */
struct mss {
	uint64_t resident, shared_clean, shared_dirty, private_clean;
	uint64_t private_dirty, referenced, anonymous, anon_thp, swap;
	uint64_t shared_hugetlb, private_hugetlb;
	uint64_t pss, pss_dirty, pss_kind[KIND_NR], swap_pss;
};

struct smaps_ctx {
	struct vm_machine *m;
	const struct vm_vma *vma;
	struct mss *s;
};

/* Adds one mapping of size bytes, as smaps_page_accumulate(). */
static void
mss_account(struct mss *s, uint64_t size, uint32_t mapcount, bool dirty,
	    int kind)
{
	uint64_t pss = size << PSS_SHIFT;
	bool private = mapcount < 2;

	if (!private)
		pss /= mapcount;
	s->pss += pss;
	s->pss_kind[kind] += pss;
	if (dirty) {
		s->pss_dirty += pss;
		*(private ? &s->private_dirty : &s->shared_dirty) += size;
	} else {
		*(private ? &s->private_clean : &s->shared_clean) += size;
	}
}

static int
smaps_swap(struct smaps_ctx *c, uint64_t pte)
{
	unsigned refs = vm_pager_slot_refs(c->m, VM_SWP_SLOT(pte));
	uint64_t pss = VM_PAGE_SIZE << PSS_SHIFT;

	c->s->swap += VM_PAGE_SIZE;
	c->s->swap_pss += refs >= 2 ? pss / refs : pss;
	return 0;
}

/* vm_mm_each_pte() visitor: one present or swapped leaf of c->vma. */
static int
smaps_pte(void *arg, uint64_t va, uint64_t pte, int level)
{
	struct smaps_ctx *c = arg;
	uint64_t size = VM_LEVEL_SIZE(level), pfn = VM_PTE2PFN(pte);
	const struct vm_frame *f;
	bool dirty;
	int kind;

	if (!(pte & VM_PTE_P))
		return level == 0 ? smaps_swap(c, pte) : 0;
	if (pfn >= c->m->phys.nframes)
		return 0; /* no frame behind it: nothing to count */
	f = vm_phys_frame(&c->m->phys, pfn);
	if (c->vma->flags & VM_VMA_HUGE_1G) {
		bool shared = vm_frame_mapcount(&c->m->phys, pfn) >= 2;

		*(shared ? &c->s->shared_hugetlb : &c->s->private_hugetlb) +=
			size;
		return 0;
	}
	kind = f->use == VM_FRAME_FILE	 ? KIND_FILE
	       : vma_shared_anon(c->vma) ? KIND_SHMEM
					 : KIND_ANON;
	c->s->resident += size;
	if (kind == KIND_ANON) {
		c->s->anonymous += size;
		if (level > 0)
			c->s->anon_thp += size;
	}
	if ((pte & VM_PTE_A) || (f->flags & VM_FF_REFERENCED))
		c->s->referenced += size;
	dirty = (pte & VM_PTE_D) || (f->flags & VM_FF_DIRTY);
	mss_account(c->s, size, vm_frame_mapcount(&c->m->phys, pfn), dirty,
		    kind);
	return 0;
}

/* Adds region a's pages to *s. */
static void
mss_collect(struct vm_machine *m, struct vm_proc *p, const struct vm_vma *a,
	    struct mss *s)
{
	struct smaps_ctx c = {.m = m, .vma = a, .s = s};

	vm_mm_each_pte(m, p, a->start, a->end, smaps_pte, &c);
}

/* "Label:" padded to 16 and a width-8 value, or as Linux does for a
 * 16-byte label, one space and width 7. */
static void
put_smap_kb(struct sbuf *sb, const char *label, uint64_t bytes)
{
	uint64_t kb = bytes >> 10;

	if (strlen(label) < 16)
		sbuf_printf(sb, "%-16s%8" PRIu64 " kB\n", label, kb);
	else
		sbuf_printf(sb, "%s %7" PRIu64 " kB\n", label, kb);
}

/* The keys of __show_smap(), in its order. */
static void
put_mss(struct sbuf *sb, const struct mss *s, bool rollup)
{
	put_smap_kb(sb, "Rss:", s->resident);
	put_smap_kb(sb, "Pss:", s->pss >> PSS_SHIFT);
	put_smap_kb(sb, "Pss_Dirty:", s->pss_dirty >> PSS_SHIFT);
	if (rollup) {
		put_smap_kb(sb,
			    "Pss_Anon:", s->pss_kind[KIND_ANON] >> PSS_SHIFT);
		put_smap_kb(sb,
			    "Pss_File:", s->pss_kind[KIND_FILE] >> PSS_SHIFT);
		put_smap_kb(sb,
			    "Pss_Shmem:", s->pss_kind[KIND_SHMEM] >> PSS_SHIFT);
	}
	put_smap_kb(sb, "Shared_Clean:", s->shared_clean);
	put_smap_kb(sb, "Shared_Dirty:", s->shared_dirty);
	put_smap_kb(sb, "Private_Clean:", s->private_clean);
	put_smap_kb(sb, "Private_Dirty:", s->private_dirty);
	put_smap_kb(sb, "Referenced:", s->referenced);
	put_smap_kb(sb, "Anonymous:", s->anonymous);
	put_smap_kb(sb, "KSM:", 0);
	put_smap_kb(sb, "LazyFree:", 0);
	put_smap_kb(sb, "AnonHugePages:", s->anon_thp);
	put_smap_kb(sb, "ShmemPmdMapped:", 0);
	put_smap_kb(sb, "FilePmdMapped:", 0);
	put_smap_kb(sb, "Shared_Hugetlb:", s->shared_hugetlb);
	put_smap_kb(sb, "Private_Hugetlb:", s->private_hugetlb);
	put_smap_kb(sb, "Swap:", s->swap);
	put_smap_kb(sb, "SwapPss:", s->swap_pss >> PSS_SHIFT);
	put_smap_kb(sb, "Locked:", 0);
}

/*
 * VmFlags as show_smap_vma_flags() prints them, in Linux's bit order:
 * rd wr ex sh mr mw me ms gd de ac ht hg.  Anonymous memory may always
 * be read, written and executed (mr mw me); private writable memory is
 * accounted (ac).  A 1 GiB region is hugetlb: VM_HUGETLB (ht) and
 * VM_DONTEXPAND (de), and not accounted (hugetlb pages are charged to
 * their pool, not to overcommit).  A 2 MiB region is ordinary anonymous
 * memory marked as madvise(MADV_HUGEPAGE) marks it (hg).  No "sd": the
 * lab keeps no soft-dirty bits, as a kernel built without
 * CONFIG_MEM_SOFT_DIRTY.
 */
static void
put_vmflags(struct sbuf *sb, const struct vm_vma *a)
{
	bool shared = a->flags & VM_VMA_SHARED;
	bool hugetlb = a->flags & VM_VMA_HUGE_1G;

	sbuf_printf(sb, "VmFlags: %s%s%s%s%s%s%s%s%s%s%s\n",
		    (a->prot & VM_PROT_READ) ? "rd " : "",
		    (a->prot & VM_PROT_WRITE) ? "wr " : "",
		    (a->prot & VM_PROT_EXEC) ? "ex " : "", shared ? "sh " : "",
		    "mr mw me ", shared ? "ms " : "",
		    (a->flags & VM_VMA_GROWSDOWN) ? "gd " : "",
		    hugetlb ? "de " : "",
		    !shared && !hugetlb && (a->prot & VM_PROT_WRITE) ? "ac "
								     : "",
		    hugetlb ? "ht " : "",
		    (a->flags & VM_VMA_HUGE_2M) ? "hg " : "");
}

/* vma_kernel_pagesize(): a hugetlb region's page size; 4 KiB for the
 * rest, a region of transparent huge pages included. */
static uint64_t
vma_page_size(const struct vm_vma *a)
{
	if (a->flags & VM_VMA_HUGE_1G)
		return VM_LEVEL_SIZE(VM_HUGE_1G_LEVEL);
	return VM_PAGE_SIZE;
}

/* THPeligible: thp_vma_allowable_order() for smaps, with THP enabled
 * for "madvise" regions (huge=2M is the lab's MADV_HUGEPAGE): the last
 * 2 MiB aligned block below the region's end lies wholly inside it. */
static unsigned
vma_thp_eligible(const struct vm_vma *a)
{
	uint64_t size = VM_LEVEL_SIZE(VM_HUGE_2M_LEVEL);
	uint64_t h = (a->end - size) & ~(size - 1);

	if (!(a->flags & VM_VMA_HUGE_2M) || a->end - a->start < size)
		return 0;
	return h >= a->start && h + size <= a->end;
}

static void
put_smap(struct vm_machine *m, struct vm_proc *p, const struct vm_vma *a,
	 struct sbuf *sb)
{
	struct mss s;

	memset(&s, 0, sizeof(s));
	mss_collect(m, p, a, &s);
	put_vma_line(sb, a);
	put_smap_kb(sb, "Size:", a->end - a->start);
	put_smap_kb(sb, "KernelPageSize:", vma_page_size(a));
	put_smap_kb(sb, "MMUPageSize:", vma_page_size(a));
	put_mss(sb, &s, false);
	sbuf_printf(sb, "%-16s%8u\n", "THPeligible:", vma_thp_eligible(a));
	put_vmflags(sb, a);
}

int
fmt_smaps(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	if (is_zombie(p))
		return sb->err;
	for (size_t i = 0; i < p->vmas.n && !sb->err; i++)
		put_smap(m, p, &p->vmas.v[i], sb);
	return sb->err;
}

int
fmt_smaps_rollup(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	struct maps_line l = {.perms = "---p", .name = "[rollup]"};
	struct mss s;

	if (is_zombie(p))
		return -ESRCH;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < p->vmas.n; i++)
		mss_collect(m, p, &p->vmas.v[i], &s);
	if (p->vmas.n) {
		l.start = p->vmas.v[0].start;
		l.end = p->vmas.v[p->vmas.n - 1].end;
	}
	put_maps_line(sb, &l);
	put_mss(sb, &s, true);
	return sb->err;
}

/* ---- status, stat, statm, cmdline ---------------------------------- */

/* A process's regions by kind, as Linux's mm counters; bytes. */
struct usage {
	uint64_t total, data, stack, exec;
	uint64_t code_start, code_end; /* the lowest executable region */
	uint64_t heap_start;
	uint64_t shmem; /* resident pages of shared anonymous regions */
	uint64_t hugetlb; /* resident pages of 1 GiB (hugetlb) regions */
};

static int
count_resident(void *arg, uint64_t va, uint64_t pte, int level)
{
	uint64_t *n = arg;

	if (pte & VM_PTE_P)
		*n += VM_LEVEL_SIZE(level) >> VM_PAGE_SHIFT;
	return 0;
}

/* Adds region a to *u: is_stack/is_data/is_exec_mapping() of Linux. */
static void
usage_add(struct vm_machine *m, struct vm_proc *p, const struct vm_vma *a,
	  struct usage *u)
{
	uint64_t len = a->end - a->start;

	u->total += len;
	if (a->flags & (VM_VMA_STACK | VM_VMA_GROWSDOWN)) {
		u->stack += len;
	} else if (a->prot & VM_PROT_WRITE) {
		if (!(a->flags & VM_VMA_SHARED))
			u->data += len;
	} else if (a->prot & VM_PROT_EXEC) {
		u->exec += len;
		if (!u->code_end) {
			u->code_start = a->start;
			u->code_end = a->end;
		}
	}
	if ((a->flags & VM_VMA_HEAP) && !u->heap_start)
		u->heap_start = a->start;
	if (vma_shared_anon(a))
		vm_mm_each_pte(m, p, a->start, a->end, count_resident,
			       &u->shmem);
	if (a->flags & VM_VMA_HUGE_1G)
		vm_mm_each_pte(m, p, a->start, a->end, count_resident,
			       &u->hugetlb);
}

/* get_mm_rss(): resident pages, hugetlb ones left out (Linux counts
 * them apart, in HugetlbPages). */
static uint64_t
usage_rss(const struct vm_proc *p, const struct usage *u)
{
	return vm_proc_rss(p) - u->hugetlb;
}

static void
proc_usage(struct vm_machine *m, struct vm_proc *p, struct usage *u)
{
	memset(u, 0, sizeof(*u));
	if (is_zombie(p))
		return;
	for (size_t i = 0; i < p->vmas.n; i++)
		usage_add(m, p, &p->vmas.v[i], u);
	if (u->hugetlb > p->rss_anon)
		u->hugetlb = p->rss_anon;
	if (u->shmem > p->rss_anon - u->hugetlb)
		u->shmem = p->rss_anon - u->hugetlb;
}

/* Name escaped as task_name(): "\n" and "\\" and tabs spelled out. */
static void
put_status_name(struct sbuf *sb, const struct vm_proc *p)
{
	sbuf_printf(sb, "Name:\t");
	for (size_t i = 0; i < VM_COMM_LEN && p->comm[i]; i++) {
		char c = p->comm[i];

		if (c == '\n')
			sbuf_printf(sb, "\\n");
		else if (c == '\t')
			sbuf_printf(sb, "\\t");
		else if (c == '\\')
			sbuf_printf(sb, "\\\\");
		else
			sbuf_put(sb, &c, 1);
	}
	sbuf_put(sb, "\n", 1);
}

/* From Umask to Kthread: task_state() and the namespace ids. */
static void
put_status_ids(struct sbuf *sb, const struct vm_proc *p)
{
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();

	put_status_name(sb, p);
	if (!is_zombie(p))
		sbuf_printf(sb, "Umask:\t0022\n");
	sbuf_printf(sb,
		    "State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		    "PPid:\t%d\nTracerPid:\t0\n",
		    fmt_state_name(p->state), p->pid, p->pid, p->ppid);
	sbuf_printf(sb, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", uid,
		    uid, uid, uid, gid, gid, gid, gid);
	sbuf_printf(sb, "FDSize:\t%d\nGroups:\t \n", is_zombie(p) ? 0 : 64);
	sbuf_printf(sb,
		    "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n"
		    "Kthread:\t0\n",
		    p->pid, p->pid, p->pid, p->pid);
}

static void
put_status_kb(struct sbuf *sb, const char *key, uint64_t kb)
{
	sbuf_printf(sb, "%s:\t%8" PRIu64 " kB\n", key, kb);
}

/* task_mem(): from VmPeak to VmSwap, then HugetlbPages. */
static void
put_status_mem(struct sbuf *sb, const struct vm_proc *p, const struct usage *u)
{
	uint64_t text = u->code_end - u->code_start;

	put_status_kb(sb, "VmPeak", u->total >> 10);
	put_status_kb(sb, "VmSize", u->total >> 10);
	put_status_kb(sb, "VmLck", 0);
	put_status_kb(sb, "VmPin", 0);
	put_status_kb(sb, "VmHWM", PG_KB(usage_rss(p, u)));
	put_status_kb(sb, "VmRSS", PG_KB(usage_rss(p, u)));
	put_status_kb(sb, "RssAnon",
		      PG_KB(p->rss_anon - u->shmem - u->hugetlb));
	put_status_kb(sb, "RssFile", PG_KB(p->rss_file));
	put_status_kb(sb, "RssShmem", PG_KB(u->shmem));
	put_status_kb(sb, "VmData", u->data >> 10);
	put_status_kb(sb, "VmStk", u->stack >> 10);
	put_status_kb(sb, "VmExe", text >> 10);
	put_status_kb(sb, "VmLib", (u->exec - text) >> 10);
	put_status_kb(sb, "VmPTE", PG_KB(p->pt_pages));
	put_status_kb(sb, "VmSwap", PG_KB(p->swapents));
	put_status_kb(sb, "HugetlbPages", PG_KB(u->hugetlb));
	sbuf_printf(sb, "CoreDumping:\t0\nTHP_enabled:\t1\n"
			"untag_mask:\t0xffffffffffffffff\n");
}

/* From Threads to the context switches: one thread, no signals, no
 * capabilities, CPU 0 and node 0.  The simulated CPU does not
 * speculate, so it is not vulnerable to store bypass and not affected
 * by indirect branch speculation.  Mems_allowed as
 * cpuset_task_status_allowed() prints a nodemask: 32-bit groups, the
 * highest first, joined by commas. */
static void
put_status_task(struct sbuf *sb)
{
	static const char *const sig[] = {
		"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};

	sbuf_printf(sb, "Threads:\t1\nSigQ:\t0/0\n");
	for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		sbuf_printf(sb, "%s:\t%016x\n", sig[i], 0u);
	sbuf_printf(sb, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
			"Speculation_Store_Bypass:\tnot vulnerable\n"
			"SpeculationIndirectBranch:\tnot affected\n"
			"Cpus_allowed:\t1\nCpus_allowed_list:\t0\n"
			"Mems_allowed:\t");
	for (int i = MEMS_GROUPS - 1; i >= 0; i--)
		sbuf_printf(sb, "%08x%s", i == 0 ? 1u : 0u, i ? "," : "\n");
	sbuf_printf(sb, "Mems_allowed_list:\t0\n"
			"voluntary_ctxt_switches:\t0\n"
			"nonvoluntary_ctxt_switches:\t0\n");
}

int
fmt_status(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	struct usage u;

	put_status_ids(sb, p);
	if (!is_zombie(p)) {
		proc_usage(m, p, &u);
		put_status_mem(sb, p, &u);
	}
	put_status_task(sb);
	return sb->err;
}

int
fmt_stat(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	const uint64_t *v = p->stats.v;
	bool live = !is_zombie(p);
	uint64_t majflt = v[VM_STAT_pgmajfault];
	uint64_t minflt = v[VM_STAT_pgfault] - majflt;
	uint64_t rsslim = p->limit ? p->limit * VM_PAGE_SIZE : UINT64_MAX;
	static const struct vm_proc_layout none;
	const struct vm_proc_layout *l = live ? &p->layout : &none;
	struct usage u;

	proc_usage(m, p, &u);
	if (l->entry) { /* an exec'd image: its own bounds, as Linux's mm */
		u.code_start = l->start_code;
		u.code_end = l->end_code;
		u.heap_start = l->start_brk;
	}
	/* 1-21: pid .. itrealvalue */
	sbuf_printf(sb,
		    "%d (%.*s) %c %d %d %d 0 -1 0 %" PRIu64 " 0 %" PRIu64
		    " 0 %" PRIu64 " %" PRIu64 " 0 0 20 0 1 0",
		    p->pid, VM_COMM_LEN, p->comm, p->state, p->ppid, p->pid,
		    p->pid, minflt, majflt,
		    (p->cpu_ns - p->cpu_sys_ns) / NS_PER_TICK,
		    p->cpu_sys_ns / NS_PER_TICK);
	/* 22-28: starttime vsize rss rsslim startcode endcode startstack */
	sbuf_printf(sb,
		    " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		    " %" PRIu64 " %" PRIu64,
		    p->start_time / NS_PER_TICK, u.total,
		    live ? usage_rss(p, &u) : 0, rsslim, u.code_start,
		    u.code_end,
		    live ? p->start_stack : 0);
	/* 29-44: esp eip, signals, wchan nswap cnswap, exit_signal cpu
	 * rt_priority policy blkio guest cguest */
	sbuf_printf(sb, " 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0", SIGCHLD_NR);
	/* 45-52: data, brk, args, env, exit_code */
	sbuf_printf(sb,
		    " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		    " %" PRIu64 " %" PRIu64 " %d\n",
		    l->start_data, l->end_data, u.heap_start, l->arg_start,
		    l->arg_end, l->env_start, l->env_end,
		    live ? 0 : p->exit_signal);
	return sb->err;
}

int
fmt_statm(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	struct usage u;
	uint64_t text;

	proc_usage(m, p, &u);
	text = u.code_end - u.code_start;
	if (is_zombie(p)) {
		sbuf_printf(sb, "0 0 0 0 0 0 0\n");
		return sb->err;
	}
	sbuf_printf(sb,
		    "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 %" PRIu64
		    " 0\n",
		    u.total >> VM_PAGE_SHIFT, usage_rss(p, &u),
		    p->rss_file + u.shmem, text >> VM_PAGE_SHIFT,
		    (u.data + u.stack) >> VM_PAGE_SHIFT);
	return sb->err;
}

/* cmdline: the argument strings of an exec'd process, read as an
 * observer from its stack, as Linux reads [arg_start, arg_end); else
 * (no argument vector) the name and a NUL. */
int
fmt_cmdline(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	uint64_t len = p->layout.arg_end - p->layout.arg_start;
	char args[VM_PAGE_SIZE];

	if (is_zombie(p))
		return sb->err;
	if (p->layout.arg_end > p->layout.arg_start && len <= sizeof(args) &&
	    vm_mem_peek(m, p, p->layout.arg_start, args, len) == len)
		sbuf_put(sb, args, len);
	else
		sbuf_put(sb, p->comm, strnlen(p->comm, VM_COMM_LEN) + 1);
	return sb->err;
}

/* ---- frames: meminfo and vmstat ------------------------------------ */

/* Pages Linux would charge to Committed_AS: private writable and
 * shared anonymous regions of live processes. */
static uint64_t
committed_pages(const struct vm_machine *m)
{
	uint64_t n = 0;

	for (const struct vm_proc *p = m->procs; p; p = p->next) {
		for (size_t i = 0; !is_zombie(p) && i < p->vmas.n; i++) {
			const struct vm_vma *a = &p->vmas.v[i];
			bool priv_w = (a->prot & VM_PROT_WRITE) &&
				      !(a->flags & VM_VMA_SHARED);

			if (priv_w || vma_shared_anon(a))
				n += (a->end - a->start) >> VM_PAGE_SHIFT;
		}
	}
	return n;
}

static void
swap_usage(struct vm_machine *m, uint64_t *total, uint64_t *used)
{
	struct vm_swap_info si;

	*total = *used = 0;
	if (!m->swap)
		return;
	vm_pager_swap_info(m, &si);
	*total = si.nslots;
	*used = si.used;
}

static void
put_meminfo_kb(struct sbuf *sb, const char *key, uint64_t pages)
{
	sbuf_printf(sb, "%-16s%8" PRIu64 " kB\n", key, PG_KB(pages));
}

/* MemTotal .. Mlocked. */
static void
put_meminfo_lru(struct sbuf *sb, const struct vm_machine *m,
		const struct vm_frame_totals *c)
{
	uint64_t act = c->active_anon + c->active_file;
	uint64_t inact = c->inactive_anon + c->inactive_file;

	put_meminfo_kb(sb, "MemTotal:", m->phys.nframes);
	put_meminfo_kb(sb, "MemFree:", m->phys.nfree);
	put_meminfo_kb(sb, "MemAvailable:", m->phys.nfree + c->file);
	put_meminfo_kb(sb, "Buffers:", 0);
	put_meminfo_kb(sb, "Cached:", c->file + c->shmem);
	put_meminfo_kb(sb, "SwapCached:", c->swapcached);
	put_meminfo_kb(sb, "Active:", act);
	put_meminfo_kb(sb, "Inactive:", inact);
	put_meminfo_kb(sb, "Active(anon):", c->active_anon);
	put_meminfo_kb(sb, "Inactive(anon):", c->inactive_anon);
	put_meminfo_kb(sb, "Active(file):", c->active_file);
	put_meminfo_kb(sb, "Inactive(file):", c->inactive_file);
	put_meminfo_kb(sb, "Unevictable:", c->unevictable);
	put_meminfo_kb(sb, "Mlocked:", 0);
}

/* SwapTotal .. Committed_AS. */
static void
put_meminfo_use(struct sbuf *sb, struct vm_machine *m,
		const struct vm_frame_totals *c)
{
	uint64_t swap, used;

	swap_usage(m, &swap, &used);
	put_meminfo_kb(sb, "SwapTotal:", swap);
	put_meminfo_kb(sb, "SwapFree:", swap - used);
	put_meminfo_kb(sb, "Zswap:", 0);
	put_meminfo_kb(sb, "Zswapped:", 0);
	put_meminfo_kb(sb, "Dirty:", c->file_dirty);
	put_meminfo_kb(sb, "Writeback:", 0);
	put_meminfo_kb(sb, "AnonPages:", c->anon_mapped);
	put_meminfo_kb(sb, "Mapped:", c->file_mapped);
	put_meminfo_kb(sb, "Shmem:", c->shmem);
	put_meminfo_kb(sb, "KReclaimable:", 0);
	put_meminfo_kb(sb, "Slab:", 0);
	put_meminfo_kb(sb, "SReclaimable:", 0);
	put_meminfo_kb(sb, "SUnreclaim:", 0);
	put_meminfo_kb(sb, "KernelStack:", 0);
	put_meminfo_kb(sb, "PageTables:", m->phys.count[VM_FRAME_PT]);
	put_meminfo_kb(sb, "SecPageTables:", 0);
	put_meminfo_kb(sb, "NFS_Unstable:", 0);
	put_meminfo_kb(sb, "Bounce:", 0);
	put_meminfo_kb(sb, "WritebackTmp:", 0);
	/* overcommit_ratio 50: half of memory plus swap */
	put_meminfo_kb(sb, "CommitLimit:", m->phys.nframes / 2 + swap);
	put_meminfo_kb(sb, "Committed_AS:", committed_pages(m));
}

/* VmallocTotal .. Hugetlb: the kernel's own areas and huge pages. */
static void
put_meminfo_kernel(struct sbuf *sb, const struct vm_machine *m,
		   const struct vm_frame_totals *c)
{
	/* VMALLOC_END - VMALLOC_START of x86-64: 32 TiB, or 12800 TiB */
	uint64_t vmalloc_kb = (m->cfg.levels == 5 ? UINT64_C(12800) : 32) << 30;
	static const char *const zero[] = {
		"ShmemHugePages:", "ShmemPmdMapped:", "FileHugePages:",
		"FilePmdMapped:", "Balloon:",
	};

	sbuf_printf(sb, "%-16s%8" PRIu64 " kB\n",
		    "VmallocTotal:", vmalloc_kb - 1);
	put_meminfo_kb(sb, "VmallocUsed:", 0);
	put_meminfo_kb(sb, "VmallocChunk:", 0);
	put_meminfo_kb(sb, "Percpu:", 0);
	put_meminfo_kb(sb, "AnonHugePages:", c->anon_thp);
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		put_meminfo_kb(sb, zero[i], 0);
	/* hugetlb_report_meminfo(): HugePages_* of the default size only
	 * (2 MiB, whose pool is empty: the lab's 2 MiB pages are THP);
	 * Hugetlb sums every size's pool, here the 1 GiB pages in use */
	sbuf_printf(sb,
		    "HugePages_Total:%8d\nHugePages_Free: %8d\n"
		    "HugePages_Rsvd: %8d\nHugePages_Surp: %8d\n",
		    0, 0, 0, 0);
	sbuf_printf(sb, "%-16s%8u kB\n", "Hugepagesize:", 2048u);
	put_meminfo_kb(sb, "Hugetlb:", c->hugetlb);
	/* the kernel maps all of memory with 4 KiB pages */
	put_meminfo_kb(sb, "DirectMap4k:", m->phys.nframes);
	put_meminfo_kb(sb, "DirectMap2M:", 0);
}

int
fmt_meminfo(struct vm_machine *m, struct sbuf *sb)
{
	struct vm_frame_totals c;

	vm_frame_totals(m, &c);
	put_meminfo_lru(sb, m, &c);
	put_meminfo_use(sb, m, &c);
	put_meminfo_kernel(sb, m, &c);
	return sb->err;
}

/* Every key of this kernel's /proc/vmstat (Linux 6.18 with NUMA, THP,
 * zswap, balloon, CMA off), in its vmstat_text order. */
static const char *const vmstat_keys[] = {
	"nr_free_pages", "nr_free_pages_blocks", "nr_zone_inactive_anon",
	"nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
	"nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock",
	"nr_zspages", "nr_free_cma", "numa_hit", "numa_miss", "numa_foreign",
	"numa_interleave", "numa_local", "numa_other", "nr_inactive_anon",
	"nr_active_anon", "nr_inactive_file", "nr_active_file",
	"nr_unevictable", "nr_slab_reclaimable", "nr_slab_unreclaimable",
	"nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
	"workingset_refault_anon", "workingset_refault_file",
	"workingset_activate_anon", "workingset_activate_file",
	"workingset_restore_anon", "workingset_restore_file",
	"workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages",
	"nr_dirty", "nr_writeback", "nr_shmem", "nr_shmem_hugepages",
	"nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped",
	"nr_anon_transparent_hugepages", "nr_vmscan_write",
	"nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written",
	"nr_throttled_written", "nr_kernel_misc_reclaimable",
	"nr_foll_pin_acquired", "nr_foll_pin_released", "nr_kernel_stack",
	"nr_page_table_pages", "nr_sec_page_table_pages", "nr_iommu_pages",
	"nr_swapcached", "pgpromote_success", "pgpromote_candidate",
	"pgpromote_candidate_nrl", "pgdemote_kswapd", "pgdemote_direct",
	"pgdemote_khugepaged", "pgdemote_proactive", "nr_hugetlb",
	"nr_balloon_pages", "nr_kernel_file_pages", "nr_dirty_threshold",
	"nr_dirty_background_threshold", "nr_memmap_pages",
	"nr_memmap_boot_pages", "pgpgin", "pgpgout", "pswpin", "pswpout",
	"pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable",
	"pgalloc_device", "allocstall_dma", "allocstall_dma32",
	"allocstall_normal", "allocstall_movable", "allocstall_device",
	"pgskip_dma", "pgskip_dma32", "pgskip_normal", "pgskip_movable",
	"pgskip_device", "pgfree", "pgactivate", "pgdeactivate", "pglazyfree",
	"pgfault", "pgmajfault", "pglazyfreed", "pgrefill", "pgreuse",
	"pgsteal_kswapd", "pgsteal_direct", "pgsteal_khugepaged",
	"pgsteal_proactive", "pgscan_kswapd", "pgscan_direct",
	"pgscan_khugepaged", "pgscan_proactive", "pgscan_direct_throttle",
	"pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
	"zone_reclaim_success", "zone_reclaim_failed", "pginodesteal",
	"slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly",
	"kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated",
	"drop_pagecache", "drop_slab", "oom_kill", "numa_pte_updates",
	"numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local",
	"numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail",
	"thp_migration_success", "thp_migration_fail", "thp_migration_split",
	"compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
	"compact_stall", "compact_fail", "compact_success",
	"compact_daemon_wake", "compact_daemon_migrate_scanned",
	"compact_daemon_free_scanned", "htlb_buddy_alloc_success",
	"htlb_buddy_alloc_fail", "unevictable_pgs_culled",
	"unevictable_pgs_scanned", "unevictable_pgs_rescued",
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked",
	"unevictable_pgs_cleared", "unevictable_pgs_stranded",
	"thp_fault_alloc", "thp_fault_fallback", "thp_fault_fallback_charge",
	"thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_file_alloc",
	"thp_file_fallback", "thp_file_fallback_charge", "thp_file_mapped",
	"thp_split_page", "thp_split_page_failed", "thp_deferred_split_page",
	"thp_underused_split_page", "thp_split_pmd", "thp_scan_exceed_none_pte",
	"thp_scan_exceed_swap_pte", "thp_scan_exceed_share_pte",
	"thp_split_pud", "thp_zero_page_alloc", "thp_zero_page_alloc_failed",
	"thp_swpout", "thp_swpout_fallback", "balloon_inflate",
	"balloon_deflate", "balloon_migrate", "swap_ra", "swap_ra_hit",
	"swpin_zero", "swpout_zero", "ksm_swpin_copy", "cow_ksm", "zswpin",
	"zswpout", "zswpwb", "direct_map_level2_splits",
	"direct_map_level3_splits", "direct_map_level2_collapses",
	"direct_map_level3_collapses", "nr_unstable",
};

/* The value of a Linux key: a gauge from the frame table, else the
 * counter of that name, else 0 (what the lab does not model). */
static uint64_t
vmstat_value(const struct vm_machine *m, const struct vm_frame_totals *c,
	     const char *key)
{
	const struct {
		const char *name;
		uint64_t v;
	} g[] = {
		{"nr_free_pages", m->phys.nfree},
		{"nr_zone_inactive_anon", c->inactive_anon},
		{"nr_zone_active_anon", c->active_anon},
		{"nr_zone_inactive_file", c->inactive_file},
		{"nr_zone_active_file", c->active_file},
		{"nr_zone_unevictable", c->unevictable},
		{"nr_zone_write_pending", c->file_dirty},
		{"nr_inactive_anon", c->inactive_anon},
		{"nr_active_anon", c->active_anon},
		{"nr_inactive_file", c->inactive_file},
		{"nr_active_file", c->active_file},
		{"nr_unevictable", c->unevictable},
		{"nr_anon_pages", c->anon_mapped},
		{"nr_mapped", c->file_mapped},
		{"nr_file_pages", c->file + c->shmem},
		{"nr_dirty", c->file_dirty},
		{"nr_shmem", c->shmem},
		{"nr_page_table_pages", m->phys.count[VM_FRAME_PT]},
		{"nr_swapcached", c->swapcached},
		{"nr_anon_transparent_hugepages",
		 c->anon_thp >> VM_HUGE_2M_ORDER},
		{"nr_hugetlb", c->hugetlb},
	};
	int i;

	for (size_t j = 0; j < sizeof(g) / sizeof(g[0]); j++)
		if (strcmp(g[j].name, key) == 0)
			return g[j].v;
	i = vm_stat_lookup(key);
	return i >= 0 ? m->stats.v[i] : 0;
}

static bool
vmstat_is_linux(const char *name)
{
	for (size_t i = 0; i < sizeof(vmstat_keys) / sizeof(vmstat_keys[0]);
	     i++)
		if (strcmp(vmstat_keys[i], name) == 0)
			return true;
	return false;
}

/* The lab's own gauges after the counters: the simulated clock (the
 * effective access time is clock_ns / accesses) and what the swap store
 * costs on disk. */
static void
put_vmstat_lab(struct sbuf *sb, struct vm_machine *m)
{
	struct vm_swap_info si = { 0 };

	if (m->swap)
		vm_pager_swap_info(m, &si);
	sbuf_printf(sb, "clock_ns %" PRIu64 "\n", m->clock);
	sbuf_printf(sb, "swap_stored %" PRIu64 "\n", si.stored);
	sbuf_printf(sb, "swap_disk_bytes %" PRIu64 "\n", si.disk_bytes);
}

int
fmt_vmstat(struct vm_machine *m, struct sbuf *sb)
{
	struct vm_frame_totals c;

	vm_frame_totals(m, &c);
	for (size_t i = 0; i < sizeof(vmstat_keys) / sizeof(vmstat_keys[0]);
	     i++)
		sbuf_printf(sb, "%s %" PRIu64 "\n", vmstat_keys[i],
			    vmstat_value(m, &c, vmstat_keys[i]));
	for (unsigned i = 0; i < VM_STAT_NR; i++)
		if (!vmstat_is_linux(vm_stat_name(i)))
			sbuf_printf(sb, "%s %" PRIu64 "\n", vm_stat_name(i),
				    m->stats.v[i]);
	put_vmstat_lab(sb, m);
	return sb->err;
}

/* ---- swaps, uptime ------------------------------------------------- */

int
fmt_swaps(struct vm_machine *m, struct sbuf *sb)
{
	const char *dir = m->state_dir ? m->state_dir : ".";
	size_t at, dlen = strlen(dir), len;
	uint64_t total, used, size;

	sbuf_printf(sb, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\t"
			"Priority\n");
	if (!m->swap)
		return sb->err;
	swap_usage(m, &total, &used);
	at = sb->len;
	put_escaped(sb, dir, " \t\n\\");
	sbuf_printf(sb, "%s%s", dlen && dir[dlen - 1] == '/' ? "" : "/",
		    VM_SWAP_FILE);
	len = sb->len - at;
	size = PG_KB(total);
	used = PG_KB(used);
	sbuf_printf(sb, "%*s%s\t%" PRIu64 "\t%s%" PRIu64 "\t%s%d\n",
		    len < SWAPS_NAME_COL ? (int)(SWAPS_NAME_COL - len) : 1, " ",
		    "file\t", size, size < 10000000 ? "\t" : "", used,
		    used < 10000000 ? "\t" : "", SWAP_PRIO);
	return sb->err;
}

int
fmt_uptime(struct vm_machine *m, struct sbuf *sb)
{
	uint64_t cs = m->clock / NS_PER_TICK; /* USER_HZ is 100 */

	sbuf_printf(sb, "%" PRIu64 ".%02" PRIu64 " 0.00\n", cs / 100, cs % 100);
	return sb->err;
}

/* ---- pagemap ------------------------------------------------------- */

struct pagemap_ctx {
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t first, end; /* virtual page numbers, [first, end) */
	uint64_t *out;
};

/* Bits 55..63 of a present entry mapping frame pfn at va. */
static uint64_t
pagemap_flags(struct pagemap_ctx *c, uint64_t va, uint64_t pfn)
{
	uint64_t e = FMT_PM_PRESENT;
	const struct vm_frame *f;
	const struct vm_vma *a;

	if (pfn >= c->m->phys.nframes)
		return e;
	f = vm_phys_frame(&c->m->phys, pfn);
	a = vm_vma_find(&c->p->vmas, va);
	if (f->use == VM_FRAME_FILE || (a && vma_shared_anon(a)))
		e |= FMT_PM_FILE;
	if (vm_frame_mapcount(&c->m->phys, pfn) == 1)
		e |= FMT_PM_EXCLUSIVE;
	return e;
}

/* vm_mm_each_pte() visitor: writes the entries a leaf covers. */
static int
pagemap_pte(void *arg, uint64_t va, uint64_t pte, int level)
{
	struct pagemap_ctx *c = arg;
	uint64_t vpn = va >> VM_PAGE_SHIFT, pfn = VM_PTE2PFN(pte);
	uint64_t lo = vpn > c->first ? vpn : c->first;
	uint64_t hi = vpn + (VM_LEVEL_SIZE(level) >> VM_PAGE_SHIFT);
	uint64_t e;

	if (!(pte & VM_PTE_P)) {
		if (level == 0 && vpn >= c->first && vpn < c->end)
			c->out[vpn - c->first] =
				FMT_PM_SWAP |
				((VM_SWP_TYPE(pte) |
				  VM_SWP_SLOT(pte) << FMT_PM_SWAP_TYPE_BITS) &
				 FMT_PM_PFN_MASK);
		return 0;
	}
	e = pagemap_flags(c, va, pfn);
	if (hi > c->end)
		hi = c->end;
	for (uint64_t v = lo; v < hi; v++)
		c->out[v - c->first] = e | ((pfn + v - vpn) & FMT_PM_PFN_MASK);
	return 0;
}

uint64_t
fmt_pagemap_entries(const struct vm_machine *m)
{
	return vm_user_top(m) >> VM_PAGE_SHIFT;
}

int
fmt_pagemap(struct vm_machine *m, struct vm_proc *p, uint64_t first_vpn,
	    uint64_t n, uint64_t *out)
{
	uint64_t top = fmt_pagemap_entries(m);
	struct pagemap_ctx c = {.m = m, .p = p, .first = first_vpn, .out = out};

	memset(out, 0, n * sizeof(*out));
	if (is_zombie(p) || n == 0 || first_vpn >= top)
		return 0;
	c.end = n > top - first_vpn ? top : first_vpn + n;
	vm_mm_each_pte(m, p, first_vpn << VM_PAGE_SHIFT, c.end << VM_PAGE_SHIFT,
		       pagemap_pte, &c);
	for (uint64_t i = 0; i < c.end - first_vpn; i++)
		out[i] = htole64(out[i]);
	return 0;
}

/* ---- kpageflags, kpagecount ---------------------------------------- */

/* The flags of a data frame: Linux's bits for the census's words. */
static uint64_t
data_flags(const struct vm_frame_info *fi)
{
	uint64_t u = BIT(FMT_KPF_UPTODATE);

	if (fi->mapcount)
		u |= BIT(FMT_KPF_MMAP);
	if (fi->use == VM_FRAME_ANON) {
		if (!fi->hugetlb) /* hugetlb folios are not swap-backed */
			u |= BIT(FMT_KPF_SWAPBACKED);
		if (!fi->shmem)
			u |= BIT(FMT_KPF_ANON);
	}
	if (fi->lru && !fi->hugetlb)
		u |= BIT(FMT_KPF_LRU);
	if (fi->active)
		u |= BIT(FMT_KPF_ACTIVE);
	if (fi->swapcache)
		u |= BIT(FMT_KPF_SWAPCACHE);
	if (fi->pinned)
		u |= BIT(FMT_KPF_UNEVICTABLE);
	if (fi->referenced)
		u |= BIT(FMT_KPF_REFERENCED);
	if (fi->dirty)
		u |= BIT(FMT_KPF_DIRTY);
	if (fi->compound == VM_COMPOUND_HEAD)
		u |= BIT(FMT_KPF_COMPOUND_HEAD);
	if (fi->compound == VM_COMPOUND_TAIL)
		u |= BIT(FMT_KPF_COMPOUND_TAIL);
	if (fi->compound != VM_COMPOUND_NONE)
		u |= BIT(fi->hugetlb ? FMT_KPF_HUGE : FMT_KPF_THP);
	return u;
}

uint64_t
fmt_kpageflags(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame_info fi;

	if (vm_frame_census(m, pfn, &fi))
		return BIT(FMT_KPF_NOPAGE);
	switch (fi.use) {
	case VM_FRAME_FREE:
		return BIT(FMT_KPF_BUDDY);
	case VM_FRAME_PT:
		return BIT(FMT_KPF_PGTABLE);
	case VM_FRAME_KERNEL:
		return BIT(FMT_KPF_RESERVED);
	default:
		return data_flags(&fi);
	}
}

uint64_t
fmt_kpagecount(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame_info fi;

	if (vm_frame_census(m, pfn, &fi))
		return 0;
	if (fi.use != VM_FRAME_ANON && fi.use != VM_FRAME_FILE)
		return 0;
	return fi.mapcount;
}

void
fmt_kpageflags_fill(struct vm_machine *m, uint64_t first_pfn, uint64_t n,
		    uint64_t *out)
{
	for (uint64_t i = 0; i < n; i++)
		out[i] = htole64(fmt_kpageflags(m, first_pfn + i));
}

void
fmt_kpagecount_fill(struct vm_machine *m, uint64_t first_pfn, uint64_t n,
		    uint64_t *out)
{
	for (uint64_t i = 0; i < n; i++)
		out[i] = htole64(fmt_kpagecount(m, first_pfn + i));
}

/*
 * phys/buddyinfo, /proc/buddyinfo's line for the one zone: the free
 * blocks of each order, "%6lu " apiece.  Linux's orders stop at 10 (4
 * MiB); the lab's go on to 18 (1 GiB), so that a 1 GiB page has a block.
 */
int
fmt_buddyinfo(struct vm_machine *m, struct sbuf *sb)
{
	sbuf_printf(sb, "Node 0, zone %8s ", "Normal");
	for (unsigned k = 0; k < VM_BUDDY_ORDERS; k++)
		sbuf_printf(sb, "%6" PRIu64 " ", vm_phys_free_blocks(&m->phys, k));
	sbuf_put(sb, "\n", 1);
	return 0;
}
