/*
 * stats.h - every counter of the machine, in one struct, exposed by name.
 *
 * The same struct counts for the whole machine and for each process; a
 * counter that has no meaning per process (pswpout of a process is still
 * "pages of this process written to swap") simply stays 0 where it cannot
 * move.  Names follow /proc/vmstat where Linux has the counter; the rest are
 * the lab's own (tlb_hit, walk_refs, ...).  Adding a counter is one line in
 * VM_STAT_LIST: the enum, the names table and every front end follow.
 */
#ifndef VMLAB_STATS_H
#define VMLAB_STATS_H

#include <stdint.h>

#define VM_STAT_LIST(X)                                                       \
	X(accesses)      /* memory accesses by simulated code */             \
	X(tlb_hit)                                                            \
	X(tlb_miss)                                                           \
	X(tlb_flush)     /* TLB entries invalidated */                        \
	X(tlb_shootdown) /* invalidations caused by unmap/evict/protect */    \
	X(walk_refs)     /* memory references made by page walks */           \
	X(pgfault)       /* all page faults handled (minor + major) */        \
	X(pgmajfault)    /* faults that read from swap or a file */           \
	X(demand_zero)   /* pages zero-filled on first touch */               \
	X(prot_fault)    /* accesses refused: protection, no VMA, kernel */   \
	X(segv)          /* processes killed by a bad access */               \
	X(sigbus)        /* ... by an access past the end of a mapped file */ \
	X(pgalloc_normal) /* frames allocated (one zone: all Normal) */       \
	X(pgfree)        /* frames freed */                                   \
	X(pt_alloc)      /* page-table pages allocated */                     \
	X(pt_free)       /* page-table pages freed */                         \
	X(cow_break)     /* writes to a COW page that copied it */            \
	X(cow_reuse)     /* ... that found it unshared: write access back */  \
	X(thp_fault_alloc) /* 2 MiB pages mapped whole by a fault */        \
	X(thp_fault_fallback) /* ... that found no free 2 MiB block */      \
	X(thp_split_pmd) /* huge entries split into a table of 4 KiB ones */ \
	X(thp_split_page) /* huge pages split into 512 pages */            \
	X(pgpgin)        /* KiB read from files and swap, as Linux counts */  \
	X(pgpgout)       /* KiB written to files and swap */                  \
	X(pswpin)        /* pages read from swap */                           \
	X(pswpout)       /* pages written to swap */                          \
	X(swap_clean)    /* evictions that reused an up-to-date swap copy */  \
	X(pgscan_direct) /* frames looked at by reclaim */                    \
	X(pgsteal_direct) /* frames reclaimed */                              \
	X(pgscan_anon)                                                        \
	X(pgsteal_anon)                                                       \
	X(pgscan_file)                                                        \
	X(pgsteal_file)                                                       \
	X(pgactivate)                                                         \
	X(pgdeactivate)                                                       \
	X(oom_kill)                                                           \
	X(fork)          /* processes forked */

enum vm_stat {
#define VM_STAT_ENUM(name) VM_STAT_##name,
	VM_STAT_LIST(VM_STAT_ENUM)
#undef VM_STAT_ENUM
	VM_STAT_NR
};

struct vm_stats {
	uint64_t v[VM_STAT_NR];
};

/* The counter's name, e.g. "tlb_hit"; NULL when i is out of range. */
const char *vm_stat_name(unsigned i);

/* The index of the counter called name, or -ENOENT. */
int vm_stat_lookup(const char *name);

#endif /* VMLAB_STATS_H */
