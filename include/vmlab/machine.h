/*
 * machine.h - the simulated machine: its configuration, its CPU, its
 * memory, its processes, its counters and its clock.
 *
 * One struct vm_machine is one lab.  It is not thread-safe: a front end
 * that serves several threads holds one lock around every call (the
 * machine lock).  Everything the machine owns is reached from here; no
 * module keeps global state.
 *
 * The simulated clock advances by a configurable cost per event (a TLB
 * hit, a memory reference of a page walk, a minor fault, a major fault, a
 * page written to swap), so effective access time is a number the lab
 * reports, not only a count.
 */
#ifndef VMLAB_MACHINE_H
#define VMLAB_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmlab/config.h"
#include "vmlab/log.h"
#include "vmlab/pager.h"
#include "vmlab/phys.h"
#include "vmlab/stats.h"
#include "vmlab/tlb.h"

struct vm_proc;
struct vm_swap;
struct vm_file;
struct vm_policy_ops;

#define VM_FRAMES_MIN 16
#define VM_FRAMES_MAX (1ull << 26) /* 256 GiB of simulated memory */
#define VM_KERNEL_BASE 0xffffffff80000000ull
#define VM_KERNEL_PAGES_MAX 512

struct vm_config {
	uint64_t frames;	/* physical frames */
	unsigned levels;	/* 4 (48-bit) or 5 (57-bit) */
	unsigned tlb_entries;
	unsigned tlb_ways;
	bool asid;		/* tag TLB entries, else flush at switch */
	unsigned kernel_pages;	/* pages mapped at VM_KERNEL_BASE */
	/* simulated clock, nanoseconds per event */
	uint64_t cost_tlb_hit;
	uint64_t cost_mem_ref;
	uint64_t cost_minor_fault;
	uint64_t cost_major_fault;
	uint64_t cost_swap_out;
	/* reclaim */
	char policy[16];	/* replacement policy name */
	uint64_t user_limit;	/* resident user pages, 0 = no limit */
	uint64_t seed;		/* for Random and synthetic traces */
	uint64_t aging_period;	/* accesses between Aging samples */
	uint64_t ws_tau;	/* WSClock window, in accesses */
	bool strict;		/* trace replay maps nothing on demand */
	/* swap: pages, 0 = none; the LMDB store lives in state_dir */
	uint64_t swap_pages;
	uint64_t swap_mapsize;	/* 0 = computed */
	const char *state_dir;
	/* files/: the backing directory file mappings open names in, or
	 * NULL for none (file= mappings then fail with -ENOENT) */
	const char *files_dir;
};

/* The CPU: its TLB and what runs on it. */
struct vm_cpu {
	struct vm_tlb tlb;
	struct vm_proc *cur;
	unsigned asid;	/* tag in use: cur's ASID, or 0 with ASIDs off */
	uint64_t ctxt;	/* switches to another process (/proc/stat ctxt) */
};

struct vm_machine {
	struct vm_config cfg;
	struct vm_phys phys;
	struct vm_cpu cpu;
	struct vm_stats stats;
	uint64_t clock;		/* simulated ns */
	uint64_t clock_sys;	/* of clock: ns in faults, swap and file I/O */
	unsigned va_bits;	/* 48 or 57: canonical addresses */
	struct vm_log log;
	/* kernel half: tables shared by every address space */
	uint64_t kernel_top;	/* PFN of the table under the root's entry 511 */
	uint64_t kernel_pfn[VM_KERNEL_PAGES_MAX];
	/* processes, in pid order */
	struct vm_proc *procs;
	int last_pid;
	uint8_t asid_used[VM_TLB_ASID_MAX + 1];
	/* reclaim */
	const struct vm_policy_ops *pol;
	void *pol_state;
	uint64_t user_pages;	/* resident user data frames */
	struct vm_pager pager;	/* where pages live: the page index */
	struct vm_swap *swap;	/* the swap store; only pager.c uses it */
	struct vm_file *files;	/* the page cache's file objects */
	uint64_t shmem_ino;	/* the last inode number of a shmem object */
	int files_fd;		/* cfg.files_dir opened, or -1 */
	char *state_dir;	/* owned copy of cfg.state_dir, or NULL */
	char *files_dir;	/* owned copy of cfg.files_dir, or NULL */
	/* OPT's view of the future, given by a trace replay */
	uint64_t (*next_use)(void *ctx, struct vm_proc *p, uint64_t va);
	void *next_use_ctx;
};

/*
 * Builds a machine: maps the frames, builds the kernel half, opens the
 * swap store when swap_pages > 0.  log may be NULL.  Returns 0 with *out
 * set, -EINVAL for a bad config, -ENOMEM, or the swap store's error.
 */
int vm_machine_create(const struct vm_config *c, const struct vm_log *log,
		      struct vm_machine **out);

/* Ends every process and frees everything.  m may be NULL. */
void vm_machine_destroy(struct vm_machine *m);

/* The process with pid, or NULL. */
struct vm_proc *vm_machine_proc(struct vm_machine *m, int pid);

/*
 * Charges ns of system time: the clock moves, and the part of it spent
 * in the fault handler and in swap or file I/O (the system time of
 * /proc/stat) with it.  The rest of the clock is user time: accesses.
 */
static inline void
vm_clock_sys(struct vm_machine *m, uint64_t ns)
{
	m->clock += ns;
	m->clock_sys += ns;
}

/* Counts an event in the machine and, when p is not NULL, in p. */
void vm_count(struct vm_machine *m, struct vm_proc *p, enum vm_stat s,
	      uint64_t n);

#endif /* VMLAB_MACHINE_H */
