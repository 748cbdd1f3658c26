/*
 * exec.c - the ctl executor and trace replay.
 *
 * Case table of vm_ctl_exec (scope was checked by the parser):
 *
 *   spawn NAME           new process, pid in res
 *   kill PID             the process is reaped: its directory goes
 *   drop_caches          drops clean page-cache pages no one maps
 *   reset                every process reaped, counters and clock zeroed
 *   hibernate            -EOPNOTSUPP
 *   mmap                 anonymous or file= (a path under files/);
 *                        huge= for private anonymous memory (huge.h)
 *   munmap mprotect      as mm.h
 *   msync                writes the range's dirty file pages back; the
 *                        range must be mapped (-ENOMEM, as msync(2))
 *   madvise              as mm.h
 *   fork                 the child's pid in res (and in last_pid)
 *   touch                the process's own accesses; a violation kills it
 *   touch ... kernel     supervisor-mode accesses: a refusal is -EFAULT
 *   exit                 the process is reaped
 *   exec PATH            loads the ELF file files/PATH (elf.h); a
 *                        refused file leaves the process as it was
 *
 * In steps (vm_ctl_begin, vm_ctl_step): mmap ... populate maps at once
 * and populates in slices (vm_mm_populate); madvise and touch do all
 * their work in slices, from the first.  vm_ctl_exec is vm_ctl_begin and
 * one step over the whole range.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmlab/elf.h"
#include "vmlab/exec.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/pagecache.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"

static int
fail(char *err, size_t errlen, int rc, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return rc;
}

static int
exec_errno(int rc, char *err, size_t errlen, const char *op)
{
	if (rc)
		snprintf(err, errlen, "%s: %s", op, strerror(-rc));
	return rc;
}

static void
machine_reset(struct vm_machine *m)
{
	while (m->procs)
		vm_proc_reap(m, m->procs);
	vm_tlb_flush_all(&m->cpu.tlb);
	memset(&m->stats, 0, sizeof(m->stats));
	m->clock = 0;
	m->clock_sys = 0;
	m->cpu.ctxt = 0;
}

static int
exec_global(struct vm_machine *m, const struct vm_ctl_cmd *c,
	    struct vm_ctl_result *res, char *err, size_t errlen)
{
	struct vm_proc *p;
	int rc;

	switch (c->op) {
	case VM_CTL_SPAWN:
		rc = vm_proc_spawn(m, c->name[0] ? c->name : NULL, &p);
		if (rc == 0)
			res->pid = p->pid;
		return exec_errno(rc, err, errlen, "spawn");
	case VM_CTL_KILL:
		p = vm_machine_proc(m, (int)c->pid);
		if (!p)
			return fail(err, errlen, -ENOENT, "kill: no process %s",
				    "with that pid");
		vm_proc_reap(m, p);
		return 0;
	case VM_CTL_DROP_CACHES:
		vm_log(&m->log, VM_LOG_INFO, "drop_caches: %llu page-cache "
		       "pages dropped",
		       (unsigned long long)vm_pagecache_drop(m));
		return 0;
	case VM_CTL_RESET:
		machine_reset(m);
		return 0;
	default:
		return fail(err, errlen, -EOPNOTSUPP, "%s: not supported by "
			    "this machine yet", vm_ctl_op_name(c->op));
	}
}

/* Why a file= path was refused, in words. */
static const char *
file_refusal(const char *path, int rc)
{
	if (rc == -EINVAL && path[0] == '/')
		return "a path inside files/ is relative, not absolute";
	if (rc == -EACCES && (!strncmp(path, "..", 2) || strstr(path, "/..")))
		return "'..' may not leave files/";
	if (rc == -ELOOP)
		return "a symlink in files/ is never followed";
	if (rc == -ENODEV)
		return "not a regular file";
	return strerror(-rc);
}

/* mmap: the mapping at once; a populate is left to the job's steps. */
static int
exec_mmap(struct vm_machine *m, struct vm_proc *p, const struct vm_ctl_cmd *c,
	  struct vm_ctl_job *job, struct vm_ctl_result *res, char *err,
	  size_t errlen)
{
	struct vm_mmap_req r = { .addr = c->addr, .len = c->len,
				 .prot = c->prot, .offset = c->offset };
	int rc;

	if (c->huge == VM_LEVEL_SIZE(1))
		r.vma_flags |= VM_VMA_HUGE_2M;
	else if (c->huge == VM_LEVEL_SIZE(2))
		r.vma_flags |= VM_VMA_HUGE_1G;
	else if (c->huge)
		return fail(err, errlen, -EINVAL, "mmap: %s",
			    "huge pages are 2M or 1G");
	if (c->huge && (c->flags & (VM_CTL_MAP_SHARED | VM_CTL_MAP_FILE)))
		return fail(err, errlen, -EINVAL, "mmap: %s",
			    "huge pages are for private anonymous memory");
	if (!(c->flags & VM_CTL_MAP_AUTO))
		r.flags |= VM_MAP_FIXED;
	if (c->flags & VM_CTL_MAP_SHARED)
		r.flags |= VM_MAP_SHARED;
	if (c->flags & VM_CTL_MAP_FILE) {
		rc = vm_file_open(m, c->path, &r.file);
		if (rc) {
			snprintf(err, errlen, "mmap: file=%.200s: %s", c->path,
				 file_refusal(c->path, rc));
			return rc;
		}
	}
	rc = vm_mmap(m, p, &r, &res->addr);
	if (r.file)
		vm_file_put(r.file); /* the region holds its own reference */
	if (rc == 0 && (c->flags & VM_CTL_MAP_POPULATE)) {
		job->kind = VM_JOB_POPULATE;
		job->start = res->addr;
		job->len = (c->len + VM_PAGE_SIZE - 1) & VM_PAGE_MASK;
	}
	return exec_errno(rc, err, errlen, "mmap");
}

/* madvise and touch: checked now, done in the job's steps. */
static int
exec_ranged(struct vm_machine *m, const struct vm_ctl_cmd *c,
	    struct vm_ctl_job *job, char *err, size_t errlen)
{
	static const int advice[] = {
		[VM_CTL_MADV_DONTNEED] = VM_ADV_DONTNEED,
		[VM_CTL_MADV_WILLNEED] = VM_ADV_WILLNEED,
		[VM_CTL_MADV_PAGEOUT] = VM_ADV_PAGEOUT,
	};
	uint64_t len = c->len;

	job->start = c->addr;
	if (c->op == VM_CTL_TOUCH) {
		job->kind = (c->flags & VM_CTL_TOUCH_KERNEL)
				    ? VM_JOB_TOUCH_KERNEL
				    : VM_JOB_TOUCH;
		job->arg = (int)c->access;
		job->len = len;
		return 0;
	}
	if (vm_mm_range(m, c->addr, &len))
		return exec_errno(-EINVAL, err, errlen, "madvise");
	job->kind = VM_JOB_MADVISE;
	job->arg = advice[c->advice];
	job->len = len;
	return 0;
}

/* fork: the child's pid goes to res and to the log. */
static int
exec_fork(struct vm_machine *m, struct vm_proc *p, struct vm_ctl_result *res,
	  char *err, size_t errlen)
{
	struct vm_proc *child;
	int rc = vm_proc_fork(m, p, &child);

	if (rc)
		return exec_errno(rc, err, errlen, "fork");
	res->pid = child->pid;
	vm_log(&m->log, VM_LOG_INFO, "pid %d: fork: child pid %d", p->pid,
	       child->pid);
	return 0;
}

static int
exec_proc(struct vm_machine *m, struct vm_proc *p, const struct vm_ctl_cmd *c,
	  struct vm_ctl_job *job, struct vm_ctl_result *res, char *err,
	  size_t errlen)
{
	if (p->state == VM_PROC_ZOMBIE && c->op != VM_CTL_EXIT)
		return fail(err, errlen, -ESRCH, "%s: the process is dead",
			    vm_ctl_op_name(c->op));
	job->pid = p->pid;
	switch (c->op) {
	case VM_CTL_MMAP:
		return exec_mmap(m, p, c, job, res, err, errlen);
	case VM_CTL_MUNMAP:
		return exec_errno(vm_munmap(m, p, c->addr, c->len), err, errlen,
				  "munmap");
	case VM_CTL_MPROTECT:
		return exec_errno(vm_mprotect(m, p, c->addr, c->len, c->prot),
				  err, errlen, "mprotect");
	case VM_CTL_MSYNC:
		return exec_errno(vm_msync(m, p, c->addr, c->len), err, errlen,
				  "msync");
	case VM_CTL_FORK:
		return exec_fork(m, p, res, err, errlen);
	case VM_CTL_MADVISE:
	case VM_CTL_TOUCH:
		return exec_ranged(m, c, job, err, errlen);
	case VM_CTL_EXIT:
		vm_proc_reap(m, p);
		return 0;
	case VM_CTL_EXEC:
		return vm_elf_exec(m, p, c->path, err, errlen);
	default:
		return fail(err, errlen, -EOPNOTSUPP, "%s: not supported by "
			    "this machine yet", vm_ctl_op_name(c->op));
	}
}

int
vm_ctl_begin(struct vm_machine *m, struct vm_proc *p,
	     const struct vm_ctl_cmd *cmd, struct vm_ctl_job *job,
	     struct vm_ctl_result *res, char *err, size_t errlen)
{
	struct vm_ctl_result local;
	int rc;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	memset(job, 0, sizeof(*job));
	if (errlen)
		err[0] = '\0';
	if (cmd->op == VM_CTL_NONE)
		return 0;
	if (cmd->op <= VM_CTL_RESET)
		return exec_global(m, cmd, res, err, errlen);
	if (!p)
		return fail(err, errlen, -EINVAL, "%s: a process command",
			    vm_ctl_op_name(cmd->op));
	rc = exec_proc(m, p, cmd, job, res, err, errlen);
	if (rc)
		memset(job, 0, sizeof(*job));
	return rc;
}

/* The bytes of job's next slice: up to the end of the pages-th page from
 * where it starts (a touch may start inside a page), or what remains. */
static uint64_t
step_bytes(const struct vm_ctl_job *job, uint64_t pages)
{
	uint64_t left = job->len - job->done;
	uint64_t at = job->start + job->done, room;

	if (pages == 0 || pages > (UINT64_MAX >> VM_PAGE_SHIFT) - 1)
		return left;
	room = (pages << VM_PAGE_SHIFT) - (at & ~VM_PAGE_MASK);
	return room < left ? room : left;
}

/* A job on regions (populate, madvise) has nothing to do in a hole: its
 * next step starts at the next region, or the job is done.  A touch
 * goes through holes, which kill its process. */
static void
step_skip_hole(const struct vm_proc *p, struct vm_ctl_job *job)
{
	const struct vm_vma *a;

	if (job->kind != VM_JOB_POPULATE && job->kind != VM_JOB_MADVISE)
		return;
	a = vm_vma_next(&p->vmas, job->start + job->done);
	if (!a || a->start >= job->start + job->len)
		job->done = job->len;
	else if (a->start > job->start + job->done)
		job->done = a->start - job->start;
}

/* One slice [at, at + n) of job for p: 0 or -errno. */
static int
step_slice(struct vm_machine *m, struct vm_proc *p, struct vm_ctl_job *job,
	   uint64_t at, uint64_t n)
{
	switch (job->kind) {
	case VM_JOB_POPULATE:
		return vm_mm_populate(m, p, at, at + n, VM_POPULATE_MAP);
	case VM_JOB_MADVISE:
		return vm_madvise(m, p, at, n, job->arg);
	case VM_JOB_TOUCH:
		return vm_touch(m, p, at, n, job->arg);
	case VM_JOB_TOUCH_KERNEL:
		return vm_touch_kernel(m, p, at, n, job->arg);
	default:
		return -EINVAL;
	}
}

static const char *const job_names[] = {
	[VM_JOB_POPULATE] = "mmap", [VM_JOB_MADVISE] = "madvise",
	[VM_JOB_TOUCH] = "touch", [VM_JOB_TOUCH_KERNEL] = "touch kernel",
};

int
vm_ctl_step(struct vm_machine *m, struct vm_ctl_job *job, uint64_t pages,
	    char *err, size_t errlen)
{
	struct vm_proc *p = vm_machine_proc(m, job->pid);
	uint64_t n;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (!vm_ctl_job_more(job) || job->kind <= VM_JOB_NONE ||
	    job->kind > VM_JOB_TOUCH_KERNEL)
		return 0;
	if (!p || p->state == VM_PROC_ZOMBIE) {
		job->len = job->done;
		return fail(err, errlen, -ESRCH, "%s", !p
			    ? "the process is gone" : "the process is dead");
	}
	step_skip_hole(p, job);
	if (!vm_ctl_job_more(job))
		return 0;
	n = step_bytes(job, pages);
	rc = step_slice(m, p, job, job->start + job->done, n);
	if (rc == -EFAULT && job->kind == VM_JOB_TOUCH) {
		rc = 0; /* the process died of it: see its status */
		n = job->len - job->done;
	}
	if (rc) {
		job->len = job->done;
		return exec_errno(rc, err, errlen, job_names[job->kind]);
	}
	job->done += n;
	return 0;
}

int
vm_ctl_exec(struct vm_machine *m, struct vm_proc *p,
	    const struct vm_ctl_cmd *cmd, struct vm_ctl_result *res, char *err,
	    size_t errlen)
{
	struct vm_ctl_job job;
	int rc = vm_ctl_begin(m, p, cmd, &job, res, err, errlen);

	if (rc == 0 && vm_ctl_job_more(&job))
		rc = vm_ctl_step(m, &job, 0, err, errlen);
	return rc;
}

/* Maps the page of va on demand: anonymous, rwx, private. */
static int
replay_map(struct vm_replay *r, struct vm_proc *p, uint64_t va)
{
	struct vm_mmap_req req = {
		.addr = va & VM_PAGE_MASK, .len = VM_PAGE_SIZE,
		.prot = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC,
		.flags = VM_MAP_FIXED_NOREPLACE,
	};
	uint64_t at;
	int rc;

	if (va < VM_MMAP_MIN || va >= vm_user_top(r->m))
		return 0; /* left unmapped: the access faults */
	rc = vm_mmap(r->m, p, &req, &at);
	if (rc == 0)
		r->mapped++;
	return rc == -EEXIST ? 0 : rc;
}

int
vm_replay_rec(struct vm_replay *r, const struct vm_trace_rec *rec)
{
	struct vm_proc *p = rec->pid ? vm_machine_proc(r->m, (int)rec->pid)
				     : r->p;
	int access = (rec->access & VM_ACC_W) ? VM_ACC_W : rec->access;
	uint64_t last = rec->addr + (rec->size ? rec->size - 1 : 0);
	int rc;

	if (!p)
		return -ENOENT;
	if (p->state == VM_PROC_ZOMBIE)
		return -ESRCH;
	if (last < rec->addr)
		last = UINT64_MAX;
	if (!(r->flags & VM_REPLAY_STRICT)) {
		for (uint64_t pg = rec->addr & VM_PAGE_MASK;;
		     pg += VM_PAGE_SIZE) {
			if (!vm_vma_find(&p->vmas, pg)) {
				rc = replay_map(r, p, pg);
				if (rc)
					return rc;
			}
			if (pg == (last & VM_PAGE_MASK))
				break;
		}
	}
	r->records++;
	return vm_access_bytes(r->m, p, rec->addr, last - rec->addr + 1,
			       access);
}
