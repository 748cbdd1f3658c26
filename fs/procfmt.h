/*
 * procfmt.h - the /proc formats of the observation files.
 *
 * Pure renderers: each one reads the machine and writes Linux's format,
 * text into a struct sbuf or 8-byte entries into an array.  None of them
 * changes simulated state: no A or D bit, no TLB entry or LRU stamp, no
 * counter, no clock tick.  They know nothing of FUSE; fs/vmlabfs.c calls
 * them under the machine lock and serves the bytes.
 *
 * Text renderers append to sb and return 0, or sb->err (-ENOMEM) when
 * an append failed.  What each file holds, and where it differs from
 * Linux, is written at the top of procfmt.c.
 */
#ifndef VMLABFS_PROCFMT_H
#define VMLABFS_PROCFMT_H

#include <stdint.h>

#include "sbuf.h"

struct vm_machine;
struct vm_proc;
struct vm_vma;

/* Bytes of one pagemap, kpageflags or kpagecount entry. */
#define FMT_ENTRY_SIZE 8
#define FMT_PATH_MAX 4096

/* kernel-page-flags.h bits (uapi 0..26, kernel-internal 32..) */
#define FMT_KPF_REFERENCED 2
#define FMT_KPF_UPTODATE 3
#define FMT_KPF_DIRTY 4
#define FMT_KPF_LRU 5
#define FMT_KPF_ACTIVE 6
#define FMT_KPF_BUDDY 10
#define FMT_KPF_MMAP 11
#define FMT_KPF_ANON 12
#define FMT_KPF_SWAPCACHE 13
#define FMT_KPF_SWAPBACKED 14
#define FMT_KPF_COMPOUND_HEAD 15
#define FMT_KPF_COMPOUND_TAIL 16
#define FMT_KPF_HUGE 17
#define FMT_KPF_UNEVICTABLE 18
#define FMT_KPF_NOPAGE 20
#define FMT_KPF_THP 22
#define FMT_KPF_PGTABLE 26
#define FMT_KPF_RESERVED 32

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define FMT_PM_PFN_MASK ((UINT64_C(1) << 55) - 1)
#define FMT_PM_SWAP_TYPE_BITS 5
#define FMT_PM_SOFT_DIRTY (UINT64_C(1) << 55)
#define FMT_PM_EXCLUSIVE (UINT64_C(1) << 56)
#define FMT_PM_FILE (UINT64_C(1) << 61)
#define FMT_PM_SWAP (UINT64_C(1) << 62)
#define FMT_PM_PRESENT (UINT64_C(1) << 63)

/* What maps shows for a file-backed region. */
struct fmt_file_id {
	unsigned major, minor; /* device of the backing file */
	uint64_t ino;
	char path[FMT_PATH_MAX]; /* absolute path, NUL-terminated */
};

/*
 * Fills id for a VM_VMA_FILE region; returns 0, or non-zero when the
 * region has no name to show (it is then shown like anonymous memory).
 * Called under the machine lock; must not change the machine.
 */
typedef int fmt_file_fn(const struct vm_vma *vma, struct fmt_file_id *id);

/*
 * Sets the function that names file-backed regions in maps and smaps
 * (NULL: none, file regions show 00:00 0 and no name).  Process-wide;
 * set it once before serving.
 */
void fmt_set_file_hook(fmt_file_fn *fn);

/* "R (running)", "S (sleeping)", "Z (zombie)", ... as status shows it. */
const char *fmt_state_name(int state);

/*
 * /proc/PID/maps: one line per region, in address order.  A zombie has
 * no regions and renders nothing.  0 or -ENOMEM.
 */
int fmt_maps(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/*
 * /proc/PID/smaps: each maps line followed by the same 23 keys in
 * Linux's order and a VmFlags line.  Walks every PTE of every region:
 * O(resident + swapped pages + tables).  0 or -ENOMEM.
 */
int fmt_smaps(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/*
 * /proc/PID/smaps_rollup: one [rollup] header spanning the regions and
 * the sums of smaps.  0, -ENOMEM, -ESRCH for a zombie (as Linux).
 */
int fmt_smaps_rollup(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/*
 * /proc/PID/status: Linux's keys in Linux's order; a zombie has no Vm*
 * lines.  Walks the PTEs of shared anonymous regions (RssShmem).
 * 0 or -ENOMEM.
 */
int fmt_status(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/* /proc/PID/stat: the 52 fields on one line.  0 or -ENOMEM. */
int fmt_stat(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/* /proc/PID/statm: seven numbers in pages.  0 or -ENOMEM. */
int fmt_statm(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/*
 * /proc/PID/cmdline: the name and a NUL (processes here have no argv);
 * empty for a zombie, as Linux once the mm is gone.  0 or -ENOMEM.
 */
int fmt_cmdline(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/*
 * /proc/meminfo.  Scans the frame table once: O(frames), plus the
 * reverse maps of file and shared pages.  0 or -ENOMEM.
 */
int fmt_meminfo(struct vm_machine *m, struct sbuf *sb);

/*
 * /proc/vmstat: Linux-named gauges (nr_*), then every counter of
 * VM_STAT_LIST, one "name value" line each.  O(frames).  0 or -ENOMEM.
 */
int fmt_vmstat(struct vm_machine *m, struct sbuf *sb);

/*
 * /proc/swaps: the header, and one line for DIR/swap.mdb when the
 * machine has swap.  0 or -ENOMEM.
 */
int fmt_swaps(struct vm_machine *m, struct sbuf *sb);

/* phys/buddyinfo: free blocks by order, as /proc/buddyinfo. */
int fmt_buddyinfo(struct vm_machine *m, struct sbuf *sb);

/* /proc/uptime from the simulated clock.  0 or -ENOMEM. */
int fmt_uptime(struct vm_machine *m, struct sbuf *sb);

/*
 * Entries in p's pagemap: one per page of the user half; a read at or
 * past this index is at end of file.
 */
uint64_t fmt_pagemap_entries(const struct vm_machine *m);

/*
 * Fills out[0..n) with p's pagemap entries for virtual pages
 * first_vpn .. first_vpn + n - 1, each stored little endian.  Pages
 * with neither a present nor a swap entry, pages past the user half and
 * all pages of a zombie read as 0.  Costs O(n) for the zeroing plus the
 * entries and tables that exist in the range, so a sparse range is
 * cheap.  Returns 0.
 */
int fmt_pagemap(struct vm_machine *m, struct vm_proc *p, uint64_t first_vpn,
		uint64_t n, uint64_t *out);

/*
 * The kpageflags word of frame pfn (host byte order): FMT_KPF_NOPAGE
 * past the last frame.  O(mapcount) page walks.
 */
uint64_t fmt_kpageflags(struct vm_machine *m, uint64_t pfn);

/* The kpagecount word of frame pfn (host byte order): its mapcount. */
uint64_t fmt_kpagecount(struct vm_machine *m, uint64_t pfn);

/* Fill out[0..n) with the entries of frames first_pfn.., little endian:
 * the bodies of kpageflags and kpagecount reads. */
void fmt_kpageflags_fill(struct vm_machine *m, uint64_t first_pfn, uint64_t n,
			 uint64_t *out);
void fmt_kpagecount_fill(struct vm_machine *m, uint64_t first_pfn, uint64_t n,
			 uint64_t *out);

#endif /* VMLABFS_PROCFMT_H */
