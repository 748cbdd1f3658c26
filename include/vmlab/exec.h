/*
 * exec.h - carrying out ctl commands and replaying traces on a machine.
 *
 * The one executor of the ctl language for every front end: the mounted
 * tree's ctl files and the offline CLI both parse with ctl.h and call
 * vm_ctl_exec().  Trace records (trace.h) are replayed with
 * vm_replay_rec() as the process's own user-mode accesses.
 */
#ifndef VMLAB_EXEC_H
#define VMLAB_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "vmlab/ctl.h"
#include "vmlab/trace.h"

struct vm_machine;
struct vm_proc;

/* What a command left for the caller to know. */
struct vm_ctl_result {
	int pid;	/* spawn: the new process */
	uint64_t addr;	/* mmap: where it went */
};

/*
 * Carries out cmd, a global command when p is NULL, else one of p's.
 * Returns 0, or -errno with err holding a short reason: -EINVAL (bad
 * alignment or range), -ENOENT (no such pid), -ENOMEM (out of memory and
 * swap, or no room for a mapping), -EEXIST, -ESRCH (p is a zombie),
 * -EOPNOTSUPP (a command of a feature this machine does not have yet:
 * huge pages, hibernate), exec's errors (elf.h), -EFAULT (a touch
 * ... kernel refused: the process lives on).  A touch that kills its
 * process succeeds: the death shows in the process's state and log.
 */
int vm_ctl_exec(struct vm_machine *m, struct vm_proc *p,
		const struct vm_ctl_cmd *cmd, struct vm_ctl_result *res,
		char *err, size_t errlen);

enum vm_replay_flags {
	VM_REPLAY_STRICT = 1, /* no on-demand mapping: unmapped is a fault */
};

struct vm_replay {
	struct vm_machine *m;
	struct vm_proc *p;	/* for records that name no pid */
	unsigned flags;
	uint64_t records;	/* replayed */
	uint64_t mapped;	/* pages mapped on demand */
};

/*
 * Replays one record as the process's own access (a modify is a write),
 * touching every page of [addr, addr + size).  Without VM_REPLAY_STRICT an
 * address in no region first gets an anonymous rwx mapping of its page,
 * as trace replay of lackey output needs.  Returns 0; -ENOENT (the
 * record's pid does not exist), -ESRCH (the process is dead: an earlier
 * record killed it), -EFAULT (this record killed it), -ENOMEM.
 */
int vm_replay_rec(struct vm_replay *r, const struct vm_trace_rec *rec);

#endif /* VMLAB_EXEC_H */
