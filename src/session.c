/*
 * session.c - ctl lines across writes: assembly, numbering, running, the
 * steps of long commands, and the log lines of session.h.
 *
 * Case table of one write (carry: the line waiting from earlier writes):
 *
 *   carry, and the write has a newline -> carry + head of the write up to
 *                                         its first newline runs first
 *   the write's complete lines         -> run in order, stop at a failure
 *   a tail without newline             -> appended to the carry, unless
 *                                         that makes it longer than
 *                                         VM_CTL_LINE_MAX (-EINVAL once
 *                                         the lines have run)
 *   any failure, or a cancel           -> the carry is dropped
 *
 * The lines to run are copied into work (carry first), so that a write
 * in steps can go on after its caller's buffer is gone; the tail goes to
 * the carry at once.  A write finds its process by pid before it runs
 * anything (none: -ESRCH, unlogged) and again before each line; a line
 * that ends the process leaves the rest of that write without one ("the
 * process is gone").  A line in steps (s->job) is the one at s->line; a
 * step that leaves work undone returns -EINPROGRESS with everything in s.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/exec.h"
#include "vmlab/machine.h"
#include "vmlab/mmu.h"
#include "vmlab/proc.h"
#include "vmlab/session.h"

void
vm_ctl_session_init(struct vm_ctl_session *s, int scope, int pid)
{
	memset(s, 0, sizeof(*s));
	s->scope = scope;
	s->pid = pid;
}

void
vm_ctl_session_fini(struct vm_ctl_session *s)
{
	free(s->carry);
	free(s->work);
	memset(s, 0, sizeof(*s));
}

/* Appends len bytes to the buffer *b of length *n and size *cap: 0 or
 * -ENOMEM (nothing changed). */
static int
buf_put(char **b, size_t *n, size_t *cap, const char *src, size_t len)
{
	if (len == 0)
		return 0;
	if (*n + len > *cap) {
		size_t c = *cap ? *cap : 256;
		char *nb;

		while (c < *n + len)
			c *= 2;
		nb = realloc(*b, c);
		if (!nb)
			return -ENOMEM;
		*b = nb;
		*cap = c;
	}
	memcpy(*b + *n, src, len);
	*n += len;
	return 0;
}

static int
carry_put(struct vm_ctl_session *s, const char *buf, size_t len)
{
	return buf_put(&s->carry, &s->clen, &s->ccap, buf, len);
}

/* The log lines of a command that succeeded and left something to know. */
static void
log_result(struct vm_machine *m, const struct vm_ctl_session *s)
{
	const struct vm_ctl_cmd *cmd = &s->cmd;

	if (cmd->op == VM_CTL_SPAWN)
		vm_log(&m->log, VM_LOG_INFO, "spawn: pid %d (%s)", s->res.pid,
		       cmd->name[0] ? cmd->name : "proc");
	if (cmd->op == VM_CTL_MMAP && (cmd->flags & VM_CTL_MAP_AUTO))
		vm_log(&m->log, VM_LOG_INFO,
		       "pid %d: mmap auto: 0x%" PRIx64 "-0x%" PRIx64, s->pid,
		       s->res.addr,
		       s->res.addr + ((cmd->len + 4095) & ~(uint64_t)4095));
}

/* Logs the line in s->line as failed (or stopped) for reason why. */
static void
log_line(struct vm_machine *m, const struct vm_ctl_session *s,
	 const char *why)
{
	char who[24] = "";
	size_t len = s->linelen;

	if (s->scope == VM_CTL_PROC)
		snprintf(who, sizeof(who), "pid %d ", s->pid);
	vm_log(&m->log, VM_LOG_WARN, "%sctl: line %" PRIu64 " '%.*s': %s",
	       who, s->lines, (int)(len > 80 ? 80 : len), s->work + s->line,
	       why);
}

/* The line in s->line is done: its log lines; does it end the process? */
static void
line_done(struct vm_machine *m, struct vm_ctl_session *s)
{
	struct vm_proc *p = vm_machine_proc(m, s->pid);

	log_result(m, s);
	if (s->cmd.op == VM_CTL_EXIT ||
	    (s->cmd.op == VM_CTL_TOUCH && p && p->state == VM_PROC_ZOMBIE))
		s->gone = true;
}

/* Runs the next step of the line in steps: 0 when the line is done,
 * -EINPROGRESS when steps remain, -errno (logged) when it failed. */
static int
line_step(struct vm_machine *m, struct vm_ctl_session *s)
{
	char err[256];
	int rc;

	do {
		rc = vm_ctl_step(m, &s->job, s->step, err, sizeof(err));
		if (rc) {
			log_line(m, s, err);
			return rc;
		}
	} while (vm_ctl_job_more(&s->job) && !s->step);
	if (vm_ctl_job_more(&s->job))
		return -EINPROGRESS;
	line_done(m, s);
	return 0;
}

/* Parses and begins the line of len bytes at offset off of work:
 * 0, -EINPROGRESS or -errno (logged), as line_step. */
static int
line_run(struct vm_machine *m, struct vm_ctl_session *s, size_t off,
	 size_t len)
{
	struct vm_proc *p = NULL;
	char err[256];
	int rc = -ESRCH;

	s->lines++;
	s->line = off;
	s->linelen = len;
	if (s->scope == VM_CTL_PROC && !s->gone)
		p = vm_machine_proc(m, s->pid);
	snprintf(err, sizeof(err), "the process is gone");
	if (s->scope == VM_CTL_GLOBAL || p)
		rc = vm_ctl_parse(s->work + off, len, s->scope, &s->cmd, err,
				  sizeof(err));
	if (rc == 0)
		rc = vm_ctl_begin(m, p, &s->cmd, &s->job, &s->res, err,
				  sizeof(err));
	if (rc) {
		log_line(m, s, err);
		return rc;
	}
	return line_step(m, s);
}

/* Ends the write of s with rc: what the caller returns. */
static ssize_t
run_end(struct vm_ctl_session *s, ssize_t rc)
{
	s->busy = false;
	memset(&s->job, 0, sizeof(s->job));
	s->wlen = s->wpos = 0;
	if (rc < 0)
		s->clen = 0;
	return rc;
}

/* Runs (or goes on with) the lines in work, then checks the tail. */
static ssize_t
run(struct vm_machine *m, struct vm_ctl_session *s)
{
	const char *base = s->work, *pos, *end = s->work + s->wlen, *line;
	size_t len;
	int rc = 0;

	if (vm_ctl_job_more(&s->job))
		rc = line_step(m, s);
	pos = base + s->wpos;
	while (rc == 0 && (line = vm_ctl_next_line(&pos, end, &len))) {
		s->wpos = (size_t)(pos - base);
		rc = line_run(m, s, (size_t)(line - base), len);
	}
	if (rc == -EINPROGRESS)
		return rc;
	if (rc)
		return run_end(s, rc);
	if (s->too_long) {
		vm_log(&m->log, VM_LOG_WARN,
		       "ctl: line %" PRIu64 " is longer than %d bytes",
		       s->lines + 1, VM_CTL_LINE_MAX);
		return run_end(s, -EINVAL);
	}
	return run_end(s, s->ret);
}

/* Starts a run of the complete lines now in work: a process session
 * whose process is gone fails at once, unlogged. */
static ssize_t
run_start(struct vm_machine *m, struct vm_ctl_session *s, ssize_t ret)
{
	s->busy = true;
	s->gone = false;
	s->ret = ret;
	s->wpos = 0;
	memset(&s->job, 0, sizeof(s->job));
	if (s->wlen && s->scope == VM_CTL_PROC && !vm_machine_proc(m, s->pid))
		return run_end(s, -ESRCH);
	return run(m, s);
}

ssize_t
vm_ctl_session_write(struct vm_machine *m, struct vm_ctl_session *s,
		     const char *buf, size_t len)
{
	const char *last = memrchr(buf, '\n', len);
	size_t head = last ? (size_t)(last - buf) + 1 : 0, rest = len - head;
	int rc = 0;

	if (s->busy)
		return -EBUSY;
	s->wlen = 0;
	s->too_long = false;
	if (head) {
		rc = buf_put(&s->work, &s->wlen, &s->wcap, s->carry, s->clen);
		if (rc == 0)
			rc = buf_put(&s->work, &s->wlen, &s->wcap, buf, head);
		if (rc == 0)
			s->clen = 0;
	}
	if (rc == 0 && rest && s->clen + rest > VM_CTL_LINE_MAX)
		s->too_long = true;
	else if (rc == 0 && rest)
		rc = carry_put(s, buf + head, rest);
	if (rc) {
		s->clen = 0;
		return rc;
	}
	return run_start(m, s, (ssize_t)len);
}

int
vm_ctl_session_close(struct vm_machine *m, struct vm_ctl_session *s)
{
	int rc;

	if (s->busy)
		return -EBUSY;
	if (!s->clen)
		return 0;
	s->wlen = 0;
	s->too_long = false;
	rc = buf_put(&s->work, &s->wlen, &s->wcap, s->carry, s->clen);
	s->clen = 0;
	if (rc)
		return rc;
	return (int)run_start(m, s, 0);
}

ssize_t
vm_ctl_session_resume(struct vm_machine *m, struct vm_ctl_session *s)
{
	if (!s->busy)
		return -EINVAL;
	return run(m, s);
}

int
vm_ctl_session_cancel(struct vm_machine *m, struct vm_ctl_session *s)
{
	const struct vm_ctl_job *j = &s->job;
	char why[160];
	uint64_t done, total;

	if (!s->busy)
		return 0;
	if (vm_ctl_job_more(j)) {
		total = vm_mem_pages(j->start, j->len);
		done = j->done ? vm_mem_pages(j->start, j->done) : 0;
		snprintf(why, sizeof(why), "interrupted: %" PRIu64 " of %"
			 PRIu64 " pages done (0x%" PRIx64 "-0x%" PRIx64 ")",
			 done, total, j->start, j->start + j->done);
		log_line(m, s, why);
	}
	return (int)run_end(s, -EINTR);
}
