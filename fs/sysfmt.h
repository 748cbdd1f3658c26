/*
 * sysfmt.h - the /proc formats of the machine's CPU and its processes as
 * tasks: what procps (ps, top, vmstat) and psutil read besides memory.
 *
 * Pure renderers, as procfmt.h's: they read the machine and write
 * Linux's format into a struct sbuf, change nothing, and return 0 or
 * sb->err (-ENOMEM).  What each file holds, and where it differs from
 * Linux, is written at the top of sysfmt.c.
 */
#ifndef VMLABFS_SYSFMT_H
#define VMLABFS_SYSFMT_H

#include <stdint.h>

#include "sbuf.h"

struct vm_machine;
struct vm_proc;

/*
 * The process /proc/self names: the one on the simulated CPU (the last
 * to make an access), else the newest process, alive or zombie.  NULL
 * when the machine has no process.
 */
struct vm_proc *fmt_self(struct vm_machine *m);

/*
 * /proc/stat: cpu and cpu0 lines (user = the clock's time in accesses,
 * system = its time in faults and swap or file I/O, in USER_HZ ticks),
 * intr, ctxt, btime (given: the wall-clock second the machine was
 * built), processes, procs_running, procs_blocked, softirq.  O(procs).
 */
int fmt_cpu_stat(struct vm_machine *m, uint64_t btime, struct sbuf *sb);

/* /proc/cpuinfo: one x86-64 CPU with the lab's TLB and address sizes. */
int fmt_cpuinfo(struct vm_machine *m, struct sbuf *sb);

/* /proc/loadavg: runnable processes, running/all, the last pid. */
int fmt_loadavg(struct vm_machine *m, struct sbuf *sb);

/* /proc/PID/comm: the name and a newline. */
int fmt_comm(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

/* /proc/PID/oom_score: Linux's badness of p, scaled as Linux's
 * proc_oom_score() (about 666 for a small process), 0 for a zombie. */
int fmt_oom_score(struct vm_machine *m, struct vm_proc *p, struct sbuf *sb);

#endif /* VMLABFS_SYSFMT_H */
