/*
 * proc.h - simulated processes.
 *
 * A process is an address space (a root table, its regions), an ASID, and
 * its counters.  Every address space shares the kernel half: the root's
 * last entry points at the machine's kernel table, supervisor-only, whose
 * pages are global.  A process killed by a bad access keeps its entry as a
 * zombie (state 'Z', its memory freed) until it is reaped by kill or exit.
 */
#ifndef VMLAB_PROC_H
#define VMLAB_PROC_H

#include <stdint.h>

#include "vmlab/stats.h"
#include "vmlab/vma.h"

struct vm_machine;

#define VM_COMM_LEN 16
/* The last pid a machine hands out (pids are never reused: see proc.c). */
#define VM_PID_MAX 0x7fffffff
#define VM_STACK_TOP 0x7ffffffff000ull
#define VM_STACK_SIZE (132ull * 1024)
#define VM_MMAP_BASE 0x7f0000000000ull /* top-down mmap search starts here */
#define VM_MMAP_MIN 0x10000ull	       /* lowest address a mapping takes */

enum vm_proc_state {
	VM_PROC_RUNNING = 'R',
	VM_PROC_SLEEPING = 'S',
	VM_PROC_ZOMBIE = 'Z',
};

/* The image exec loaded (elf.h), as Linux's mm fields; all 0 before an
 * exec. */
struct vm_proc_layout {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk;	/* where brk starts: the end of the image */
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t entry;		/* AT_ENTRY */
};

struct vm_proc {
	int pid, ppid;
	char comm[VM_COMM_LEN];
	int state;		/* enum vm_proc_state */
	int exit_signal;	/* 11 when killed by a bad access, 9 by OOM */
	unsigned asid;
	uint64_t cr3;		/* PFN of the root table */
	struct vm_vmas vmas;
	struct vm_stats stats;
	uint64_t rss_anon;	/* resident anonymous pages */
	uint64_t rss_file;	/* resident file pages mapped */
	uint64_t swapents;	/* PTEs holding a swap entry */
	uint64_t pt_pages;	/* page-table frames, root included */
	uint64_t charged;	/* data frames charged to it (memcg style) */
	uint64_t limit;		/* charged frames allowed, 0 = no limit */
	uint64_t start_time;	/* simulated clock at spawn */
	uint64_t start_stack;	/* top of the initial stack */
	uint64_t cpu_ns;	/* simulated time of its accesses, faults
				   and the I/O they waited for */
	uint64_t cpu_sys_ns;	/* ... of which in faults and I/O */
	struct vm_proc_layout layout; /* what exec loaded: stat shows it */
	uint32_t family;	/* its family's number in the reverse map */
	struct vm_proc *family_next; /* the next member (phys.h) */
	struct vm_proc *next;
};

/*
 * Creates a process named comm (NULL: "proc"; longer names are cut to 15
 * bytes) with the next pid: a root table sharing the kernel half and an
 * empty [stack] region below VM_STACK_TOP.  Returns 0 with *out set,
 * -ENOMEM (no frame), -EAGAIN (no ASID left with ASIDs on, or the last
 * pid, VM_PID_MAX, already handed out).
 */
int vm_proc_spawn(struct vm_machine *m, const char *comm,
		  struct vm_proc **out);

/*
 * Forks parent: the child (the next pid, parent's name, its pid as ppid)
 * gets a copy of parent's regions and page tables, its private pages
 * shared copy-on-write, its shared pages shared, its swapped pages shared
 * by slot.  Counts fork.  Returns 0 with *out the child; -ESRCH (parent
 * is a zombie), -ENOMEM (no frame for the child's tables; nothing of the
 * child is left, the parent's pages may stay write-protected), -EAGAIN
 * (no ASID or no pid left).
 */
int vm_proc_fork(struct vm_machine *m, struct vm_proc *parent,
		 struct vm_proc **out);

/*
 * Frees p's whole address space (pages, swap slots, page tables, root),
 * flushes its TLB entries and makes it a zombie with the given signal
 * (0 for a normal exit).  Idempotent on a zombie.
 */
void vm_proc_kill(struct vm_machine *m, struct vm_proc *p, int sig);

/*
 * Drops p's whole address space for an exec: every page, swap slot and
 * user page table is freed, its TLB entries flushed and its regions
 * removed; p keeps its pid, root table, ASID, counters and limit, and
 * starts a family of its own in the reverse map.  Returns 0, -ESRCH for
 * a zombie, or -ENOMEM (no family number: p is left with no address
 * space and must be killed).
 */
int vm_proc_drop_mm(struct vm_machine *m, struct vm_proc *p);

/* Removes a process (zombie or not) from the machine and frees it. */
void vm_proc_reap(struct vm_machine *m, struct vm_proc *p);

/*
 * Sets the most data frames p may have charged to it (0: no limit), as
 * writing a cgroup's memory.max: while more are charged, p's own pages
 * are evicted (vm_reclaim_one() for p), O(pages over the limit)
 * evictions.  When eviction cannot get there (dirty pages and no swap
 * or swap full), p is OOM-killed: the log says "Memory cgroup out of
 * memory: Killed process ...", oom_kill is counted, p becomes a zombie
 * with signal 9, and 0 is returned.  Returns 0, -ESRCH for a zombie (no
 * change), -EINVAL for more pages than the machine has frames (no change:
 * such a limit could never bind, and in bytes it can pass 2^64), or -EIO
 * when swap failed (the limit is set, some pages may have gone).
 */
int vm_proc_set_limit(struct vm_machine *m, struct vm_proc *p,
		      uint64_t pages);

/* The process's resident set in pages (anon + file). */
static inline uint64_t
vm_proc_rss(const struct vm_proc *p)
{
	return p->rss_anon + p->rss_file;
}

#endif /* VMLAB_PROC_H */
