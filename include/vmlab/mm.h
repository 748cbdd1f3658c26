/*
 * mm.h - changing an address space: mmap, munmap, mprotect, madvise.
 *
 * These keep three things in step: the regions (vma.c), the PTEs and
 * frames they cover, and the TLB (every PTE changed is shot down).  All
 * addresses and lengths are checked here: unaligned addresses, zero or
 * overflowing lengths and addresses outside user memory are -EINVAL;
 * mmap alone, as Linux's, answers -ENOMEM for a range past the top.
 */
#ifndef VMLAB_MM_H
#define VMLAB_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm_machine;
struct vm_proc;
struct vm_file;

/* The user half of the page tables: 2^47 with 4 levels, 2^56 with 5. */
uint64_t vm_user_half(const struct vm_machine *m);

/*
 * Top of user memory, Linux's TASK_SIZE: one page below the user half
 * (0x7ffffffff000 with 4 levels), so that no user mapping ends at the
 * canonical hole.  Nothing maps, faults or is listed in pagemap at or
 * above it.
 */
uint64_t vm_user_top(const struct vm_machine *m);

enum vm_mmap_flags {
	VM_MAP_SHARED = 1 << 0,
	VM_MAP_FIXED = 1 << 1,	   /* addr is where to map, replacing */
	VM_MAP_POPULATE = 1 << 2,  /* fault every page in now */
	VM_MAP_FIXED_NOREPLACE = 1 << 3,
};

/* One mmap request; zero-initialise and fill what applies. */
struct vm_mmap_req {
	uint64_t addr;		/* with VM_MAP_FIXED(_NOREPLACE) */
	uint64_t len;		/* bytes, rounded up to pages */
	unsigned prot;		/* enum vm_prot */
	unsigned flags;		/* enum vm_mmap_flags */
	unsigned vma_flags;	/* extra region flags (VM_VMA_STACK, ...) */
	struct vm_file *file;	/* NULL: anonymous */
	uint64_t offset;	/* file offset, page aligned */
};

/*
 * Maps a region as r asks.  Without a FIXED flag, addr is ignored and the
 * highest free gap below VM_MMAP_BASE is taken.  A file region (r->file)
 * takes a reference on the file and maps its pages from r->offset (page
 * aligned) on; the file need not be that long: pages wholly past its end
 * fault with SIGBUS (populating stops there).  Returns 0 with *out the start; -EINVAL (bad length,
 * address, offset, prot or flags), -EACCES (a shared writable mapping of
 * a file the host lets us only read), -ENOMEM (no gap; or populate ran out
 * of memory: the mapping stays, like MAP_POPULATE), -EEXIST
 * (FIXED_NOREPLACE over a mapping).
 */
int vm_mmap(struct vm_machine *m, struct vm_proc *p,
	    const struct vm_mmap_req *r, uint64_t *out);

/*
 * Checks a user range: addr page aligned, len not 0, [addr, addr + len)
 * below TASK_SIZE (vm_user_top).  Rounds *len up to whole pages.  0,
 * -EINVAL (unaligned, zero or overflowing length) or -ENOMEM (past the
 * top of user memory, as Linux's mmap says).
 */
int vm_mm_range(const struct vm_machine *m, uint64_t addr, uint64_t *len);

enum vm_populate_how {
	VM_POPULATE_MAP = 1,	/* MAP_POPULATE: a write where writable */
	VM_POPULATE_WILLNEED,	/* WILLNEED: a private file page is read */
};

/*
 * Faults in every page of the regions in [start, end) (page aligned),
 * region by region as they are now, with an access the region's
 * protection allows (how says which); holes and PROT_NONE regions are
 * passed over, and a file region stops at the file's end.  Pages already
 * present are left alone.  The work is O(pages of the range): a caller
 * that must stay short cuts the range in slices (a slice of a range is
 * populated as the range would be).  0, -ESRCH (a zombie), -ENOMEM
 * (memory and swap ran out, or the OOM killer took p: the pages faulted
 * so far stay).
 */
int vm_mm_populate(struct vm_machine *m, struct vm_proc *p, uint64_t start,
		   uint64_t end, int how);

/* The leaf PTE bits a region's prot gives a page: US unless PROT_NONE,
 * RW with write, NX without exec. */
uint64_t vm_prot_pte(unsigned prot);

/*
 * Clears every PTE of p in [start, end): frees the anonymous frames no one
 * else maps (page-cache frames stay cached, dirty if the PTE was), drops
 * swap slots, and, with prune, frees tables left empty.
 * With flush, each page's TLB entry is shot down; without, the caller
 * flushes p's whole ASID.  Returns the number of entries cleared.
 */
uint64_t vm_mm_zap(struct vm_machine *m, struct vm_proc *p, uint64_t start,
		   uint64_t end, bool prune, bool flush);

/* Unmaps [addr, addr + len): frees pages and swap slots, prunes tables.
 * Unmapped holes inside the range are fine. 0 or -EINVAL. */
int vm_munmap(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	      uint64_t len);

/* Changes protections of a fully mapped range; PTEs follow. 0, -EINVAL,
 * -ENOMEM (a hole in the range), -EACCES (write asked of a shared region
 * of a file the host lets us only read). */
int vm_mprotect(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
		uint64_t len, unsigned prot);

/*
 * msync(2) with MS_SYNC: every dirty page-cache page of the file ranges
 * the shared file regions of [addr, addr + len) map is written back and
 * made clean, whoever dirtied it (a store through any mapping, write(2)),
 * and the host file is synced, as Linux's vfs_fsync_range.  Private and
 * anonymous regions are left alone.  0, -EINVAL, -ENOMEM (a hole in the range, as
 * msync(2) says), -EIO (a write-back failed).
 */
int vm_msync(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	     uint64_t len);

enum vm_advice {
	VM_ADV_DONTNEED = 1,
	VM_ADV_WILLNEED,
	VM_ADV_PAGEOUT,
};

/* madvise(2): DONTNEED drops pages (next touch sees zeros), WILLNEED
 * faults them in (up to a file's end; a private file page for reading,
 * so it is not copied), PAGEOUT reclaims them now. 0, -EINVAL,
 * -ENOMEM. */
int vm_madvise(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	       uint64_t len, int advice);

/* What /proc/PID/clear_refs clears: Linux's enum clear_refs_types. */
enum vm_clear_refs {
	VM_CLEAR_REFS_ALL = 1,	/* accessed bits of every region */
	VM_CLEAR_REFS_ANON,	/* ... of regions without an object */
	VM_CLEAR_REFS_MAPPED,	/* ... of file and shared anonymous ones */
	VM_CLEAR_REFS_SOFT_DIRTY, /* no soft-dirty bits kept: nothing */
	VM_CLEAR_REFS_MM_HIWATER_RSS, /* VmHWM is VmRSS: nothing */
};

/*
 * Clears the accessed state of p's pages as clear_refs_write() does:
 * the A bit of every present leaf PTE of the regions what selects (each
 * one shot down in the TLB, so that the next access sets it again) and
 * the referenced flag of its frame.  Types 4 and 5 are accepted and
 * change nothing.  O(PTEs of the regions).  0, or -EINVAL for a type
 * outside 1..5; a zombie has nothing to clear (0).
 */
int vm_clear_refs(struct vm_machine *m, struct vm_proc *p, int what);

/*
 * A write of len bytes to PID/clear_refs: as Linux, at most the first 12
 * bytes count; blanks around the number are stripped, and the rest must
 * be a decimal int with an optional sign.  Then vm_clear_refs().  0,
 * -EINVAL (not a number, or not 1..5; logged), -ERANGE (past an int).
 */
int vm_clear_refs_write(struct vm_machine *m, struct vm_proc *p,
			const char *buf, size_t len);

/*
 * Visits the present and swapped leaf PTEs of p in [start, end), in
 * address order, without changing anything: fn(ctx, va, pte, level) where
 * level is 0 for 4 KiB entries.  Used by observers (pagemap, smaps) and by
 * unmapping.  Stops at the first non-zero return of fn and returns it.
 */
int vm_mm_each_pte(struct vm_machine *m, struct vm_proc *p, uint64_t start,
		   uint64_t end,
		   int (*fn)(void *ctx, uint64_t va, uint64_t pte, int level),
		   void *ctx);

#endif /* VMLAB_MM_H */
