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

/*
 * A command in steps.  The commands whose work grows with their length
 * (mmap ... populate, madvise, touch over a range) can be carried out a
 * slice at a time, so that a front end may let go of the machine between
 * slices and stop a command part way: vm_ctl_begin() does what is done
 * at once (the checks, and the mapping of an mmap) and leaves the rest in
 * the job; each vm_ctl_step() does the next slice of the range, at most a
 * given number of pages.  Steps remain while done < len.
 *
 * Between two steps anything may happen to the machine.  A step finds
 * the process again by its pid (pids are never reused) and works on the
 * regions as they are then: populate and willneed fault in the pages of
 * the regions found in the slice, each with the rights of its region now
 * (holes and PROT_NONE passed over); dontneed and pageout act on what is
 * there; touch accesses every page of the slice, as the process would,
 * so a page unmapped meanwhile kills it.  A slice done whole is the same
 * as that part of the command done at once.
 */
enum vm_ctl_job_kind {
	VM_JOB_NONE = 0,	/* no steps: the command was done at once */
	VM_JOB_POPULATE,	/* mmap ... populate */
	VM_JOB_MADVISE,		/* madvise: advice in arg */
	VM_JOB_TOUCH,		/* touch: access in arg */
	VM_JOB_TOUCH_KERNEL,	/* touch ... kernel */
};

struct vm_ctl_job {
	int kind;		/* enum vm_ctl_job_kind */
	int pid;		/* whose command it is */
	int arg;		/* enum vm_advice, or enum vm_access */
	uint64_t start;		/* the range the steps cover */
	uint64_t len;		/* its bytes (a touch's: not page aligned) */
	uint64_t done;		/* bytes of it done so far */
};

/* True while steps remain. */
static inline int
vm_ctl_job_more(const struct vm_ctl_job *job)
{
	return job->done < job->len;
}

/*
 * vm_ctl_exec() without the long part: carries out cmd as vm_ctl_exec()
 * would, except that the work over the range of a command of the list
 * above is left in *job (vm_ctl_job_more() is then true) for
 * vm_ctl_step().  Returns 0 or -errno as vm_ctl_exec(); on failure, and
 * for every other command, job has no steps.
 */
int vm_ctl_begin(struct vm_machine *m, struct vm_proc *p,
		 const struct vm_ctl_cmd *cmd, struct vm_ctl_job *job,
		 struct vm_ctl_result *res, char *err, size_t errlen);

/*
 * Does the next slice of job: at most pages pages of its range (0: all
 * that remain), and moves job->done past it; a populate or madvise first
 * passes over a hole in the regions (to the next region, or to the end).
 * O(pages) faults or evictions.  Returns 0, or -errno with err holding the reason, as
 * vm_ctl_exec() gives them, and then the job is over (len is cut to
 * done, which stays where the failing slice began): -ESRCH when the
 * process is gone or dead (a touch that kills its own process is not a
 * failure: the job ends with 0), -ENOMEM, -EFAULT (touch ... kernel
 * refused).
 */
int vm_ctl_step(struct vm_machine *m, struct vm_ctl_job *job, uint64_t pages,
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
