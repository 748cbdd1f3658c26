/*
 * sysfmt.c - Linux's /proc formats for the machine's one CPU and for its
 * processes seen as tasks, rendered from the simulated machine.
 *
 * Rule: observation only, as procfmt.c.  Nothing here moves a counter,
 * the clock or a bit; the caller holds the machine lock.
 *
 * The formats, and the kernel code they copy (fs/proc/stat.c,
 * arch/x86/kernel/cpu/proc.c, fs/proc/loadavg.c, fs/proc/base.c,
 * mm/oom_kill.c):
 *
 *   self     the pid of the process on the simulated CPU: the last one
 *            that made an access (the lab's "current").  Before any
 *            access, or once that process has exited, the newest live
 *            process; with none alive, the newest zombie.
 *   stat     "cpu  " and "cpu0 " with ten fields in USER_HZ (100) ticks:
 *            user = the clock's nanoseconds outside the fault handler and
 *            swap or file I/O (TLB lookups, walks, memory references),
 *            system = the nanoseconds in them (m->clock_sys); nice, idle,
 *            iowait, irq, softirq, steal, guest 0: the CPU is never idle,
 *            it runs only when there is work.  intr 0 (the lab has no
 *            devices and no timer), ctxt = switches of the CPU from one
 *            process to another, btime = the wall-clock second the lab
 *            was mounted, processes = pids handed out (spawn and fork),
 *            procs_running = processes in state R, procs_blocked 0,
 *            softirq 0 with its ten kinds.
 *   cpuinfo  show_cpuinfo(): one processor; vendor "vmlab", family 6,
 *            model 0; "cpu MHz 1000.000" (the clock counts nanoseconds,
 *            one a cycle); flags of the x86-64 paging features the lab
 *            has (pse pae pge pat nx pdpe1gb lm, pcid with ASIDs, la57
 *            with 5 levels); "TLB size" = the TLB's entries, the line
 *            AMD's CPUs print; address sizes: physical = the bits that
 *            address the lab's memory, virtual = 48 or 57.
 *   loadavg  "%lu.%02lu %lu.%02lu %lu.%02lu %u/%d %d": the lab keeps no
 *            history, so all three averages are the number of runnable
 *            processes now; then running/all processes and the last pid.
 *   comm     the name and a newline.
 *   oom_score  proc_oom_score(): (1000 + badness * 1000 / totalpages)
 *            * 2 / 3, badness = rss + swap entries + page-table pages
 *            (what the lab's OOM killer weighs; oom_score_adj is always
 *            0), totalpages = frames + swap slots; 0 for a zombie.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "vmlab/machine.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/swap.h"

#include "sysfmt.h"

#define USER_HZ 100
#define NS_PER_TICK (UINT64_C(1000000000) / USER_HZ)
#define SOFTIRQ_KINDS 10

static bool
alive(const struct vm_proc *p)
{
	return p->state != VM_PROC_ZOMBIE;
}

struct vm_proc *
fmt_self(struct vm_machine *m)
{
	struct vm_proc *live = NULL, *any = NULL;

	if (m->cpu.cur)
		return m->cpu.cur;
	for (struct vm_proc *p = m->procs; p; p = p->next) {
		any = p;
		if (alive(p))
			live = p;
	}
	return live ? live : any;
}

/* Processes in state R, and all of them. */
static void
count_procs(const struct vm_machine *m, unsigned *running, unsigned *all)
{
	*running = *all = 0;
	for (const struct vm_proc *p = m->procs; p; p = p->next) {
		(*all)++;
		if (p->state == VM_PROC_RUNNING)
			(*running)++;
	}
}

int
fmt_cpu_stat(struct vm_machine *m, uint64_t btime, struct sbuf *sb)
{
	uint64_t sys = m->clock_sys / NS_PER_TICK;
	uint64_t user = (m->clock - m->clock_sys) / NS_PER_TICK;
	unsigned running, all;

	count_procs(m, &running, &all);
	sbuf_printf(sb, "cpu  %" PRIu64 " 0 %" PRIu64 " 0 0 0 0 0 0 0\n",
		    user, sys);
	sbuf_printf(sb, "cpu0 %" PRIu64 " 0 %" PRIu64 " 0 0 0 0 0 0 0\n",
		    user, sys);
	sbuf_printf(sb, "intr 0\nctxt %" PRIu64 "\nbtime %" PRIu64
		    "\nprocesses %d\nprocs_running %u\nprocs_blocked 0\n"
		    "softirq 0", m->cpu.ctxt, btime, m->last_pid, running);
	for (int i = 0; i < SOFTIRQ_KINDS; i++)
		sbuf_put(sb, " 0", 2);
	sbuf_put(sb, "\n", 1);
	return sb->err;
}

/* Bits that address n bytes: the position of the highest bit of n - 1,
 * plus one. */
static unsigned
addr_bits(uint64_t n)
{
	unsigned b = 0;

	for (n -= 1; n; n >>= 1)
		b++;
	return b;
}

int
fmt_cpuinfo(struct vm_machine *m, struct sbuf *sb)
{
	sbuf_printf(sb, "processor\t: 0\nvendor_id\t: vmlab\n"
		    "cpu family\t: 6\nmodel\t\t: 0\n"
		    "model name\t: vmlab simulated x86-64, TLB %u entries "
		    "%u-way\nstepping\t: 0\ncpu MHz\t\t: 1000.000\n",
		    m->cfg.tlb_entries, m->cfg.tlb_ways);
	sbuf_printf(sb, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\n"
		    "cpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
		    "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\n"
		    "wp\t\t: yes\n");
	sbuf_printf(sb, "flags\t\t: fpu pse pae pge pat nx pdpe1gb lm%s%s\n",
		    m->cfg.asid ? " pcid" : "",
		    m->cfg.levels == 5 ? " la57" : "");
	sbuf_printf(sb, "bugs\t\t:\nbogomips\t: 2000.00\n"
		    "TLB size\t: %u 4K pages\nclflush size\t: 64\n"
		    "cache_alignment\t: 64\n"
		    "address sizes\t: %u bits physical, %u bits virtual\n"
		    "power management:\n\n",
		    m->cfg.tlb_entries,
		    addr_bits(m->phys.nframes << VM_PAGE_SHIFT), m->va_bits);
	return sb->err;
}

int
fmt_loadavg(struct vm_machine *m, struct sbuf *sb)
{
	unsigned running, all;

	count_procs(m, &running, &all);
	sbuf_printf(sb, "%u.00 %u.00 %u.00 %u/%u %d\n", running, running,
		    running, running, all, m->last_pid);
	return sb->err;
}

int
fmt_comm(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	(void)m;
	sbuf_put(sb, p->comm, strnlen(p->comm, VM_COMM_LEN));
	sbuf_put(sb, "\n", 1);
	return sb->err;
}

int
fmt_oom_score(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb)
{
	struct vm_swap_info si = { 0 };
	uint64_t total, badness, points = 0;

	if (m->swap)
		vm_pager_swap_info(m, &si);
	total = m->phys.nframes + si.nslots;
	if (alive(p)) {
		badness = vm_proc_rss(p) + p->swapents + p->pt_pages;
		points = (1000 + badness * 1000 / total) * 2 / 3;
	}
	sbuf_printf(sb, "%" PRIu64 "\n", points);
	return sb->err;
}
