/*
 * session.c - ctl lines across writes: assembly, numbering, running and
 * the log lines of session.h.
 *
 * Case table of one write (carry: the line waiting from earlier writes):
 *
 *   carry, and the write has a newline -> carry + head of the write up to
 *                                         its first newline runs first
 *   the write's complete lines         -> run in order, stop at a failure
 *   a tail without newline             -> appended to the carry, unless
 *                                         that makes it longer than
 *                                         VM_CTL_LINE_MAX (-EINVAL)
 *   any failure                        -> the carry is dropped
 *
 * A run looks its process up once, by pid; a line that ends the process
 * leaves the rest of that run without one ("the process is gone").
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/exec.h"
#include "vmlab/machine.h"
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
	memset(s, 0, sizeof(*s));
}

/* Appends to the waiting line: 0 or -ENOMEM. */
static int
carry_put(struct vm_ctl_session *s, const char *buf, size_t len)
{
	if (s->clen + len > s->ccap) {
		size_t cap = s->ccap ? s->ccap : 256;
		char *c;

		while (cap < s->clen + len)
			cap *= 2;
		c = realloc(s->carry, cap);
		if (!c)
			return -ENOMEM;
		s->carry = c;
		s->ccap = cap;
	}
	memcpy(s->carry + s->clen, buf, len);
	s->clen += len;
	return 0;
}

/* The log lines of a command that succeeded and left something to know. */
static void
log_result(struct vm_machine *m, const struct vm_proc *p,
	   const struct vm_ctl_cmd *cmd, const struct vm_ctl_result *res)
{
	if (cmd->op == VM_CTL_SPAWN)
		vm_log(&m->log, VM_LOG_INFO, "spawn: pid %d (%s)", res->pid,
		       cmd->name[0] ? cmd->name : "proc");
	if (cmd->op == VM_CTL_MMAP && (cmd->flags & VM_CTL_MAP_AUTO))
		vm_log(&m->log, VM_LOG_INFO,
		       "pid %d: mmap auto: 0x%" PRIx64 "-0x%" PRIx64, p->pid,
		       res->addr,
		       res->addr + ((cmd->len + 4095) & ~(uint64_t)4095));
}

/*
 * Runs one line of len bytes for *pp (NULL for the global ctl, or once
 * the process has ended).  Returns 0, or -errno with the line logged.
 * Sets *pp to NULL when the line ended the process.
 */
static int
run_line(struct vm_machine *m, struct vm_ctl_session *s, struct vm_proc **pp,
	 const char *line, size_t len)
{
	struct vm_ctl_cmd cmd;
	struct vm_ctl_result res;
	char err[256], who[24] = "";
	int rc = -ESRCH;

	s->lines++;
	snprintf(err, sizeof(err), "the process is gone");
	if (s->scope == VM_CTL_GLOBAL || *pp)
		rc = vm_ctl_parse(line, len, s->scope, &cmd, err, sizeof(err));
	if (rc == 0)
		rc = vm_ctl_exec(m, *pp, &cmd, &res, err, sizeof(err));
	if (rc) {
		if (s->scope == VM_CTL_PROC)
			snprintf(who, sizeof(who), "pid %d ", s->pid);
		vm_log(&m->log, VM_LOG_WARN, "%sctl: line %" PRIu64
		       " '%.*s': %s", who, s->lines, (int)(len > 80 ? 80 : len),
		       line, err);
		return rc;
	}
	log_result(m, *pp, &cmd, &res);
	if (cmd.op == VM_CTL_EXIT ||
	    (cmd.op == VM_CTL_TOUCH && (*pp)->state == VM_PROC_ZOMBIE))
		*pp = NULL;
	return 0;
}

/* Runs the lines in [buf, buf + size): 0, or the first failure's -errno
 * (the lines before it stay done, the ones after are not run). */
static int
run_lines(struct vm_machine *m, struct vm_ctl_session *s, const char *buf,
	  size_t size)
{
	const char *pos = buf, *end = buf + size, *line;
	struct vm_proc *p = NULL;
	size_t len;

	if (s->scope == VM_CTL_PROC) {
		p = vm_machine_proc(m, s->pid);
		if (!p)
			return -ESRCH;
	}
	for (line = vm_ctl_next_line(&pos, end, &len); line;
	     line = vm_ctl_next_line(&pos, end, &len)) {
		int rc = run_line(m, s, &p, line, len);

		if (rc)
			return rc;
	}
	return 0;
}

/* Runs the waiting line completed by the head of a write, up to and
 * including its first newline at nl.  0 or -errno. */
static int
run_carry(struct vm_machine *m, struct vm_ctl_session *s, const char *buf,
	  const char *nl)
{
	int rc = carry_put(s, buf, (size_t)(nl - buf) + 1);

	if (rc == 0)
		rc = run_lines(m, s, s->carry, s->clen);
	s->clen = 0;
	return rc;
}

ssize_t
vm_ctl_session_write(struct vm_machine *m, struct vm_ctl_session *s,
		     const char *buf, size_t len)
{
	const char *last = memrchr(buf, '\n', len), *p = buf;
	size_t rest = last ? len - (size_t)(last - buf) - 1 : len;
	int rc = 0;

	if (s->clen && last) {
		const char *nl = memchr(buf, '\n', len);

		rc = run_carry(m, s, buf, nl);
		p = nl + 1;
	}
	if (rc == 0 && last && p <= last)
		rc = run_lines(m, s, p, (size_t)(last - p) + 1);
	if (rc == 0 && rest && s->clen + rest > VM_CTL_LINE_MAX) {
		vm_log(&m->log, VM_LOG_WARN,
		       "ctl: line %" PRIu64 " is longer than %d bytes",
		       s->lines + 1, VM_CTL_LINE_MAX);
		rc = -EINVAL;
	}
	if (rc == 0 && rest)
		rc = carry_put(s, buf + len - rest, rest);
	if (rc) {
		s->clen = 0;
		return rc;
	}
	return (ssize_t)len;
}

int
vm_ctl_session_close(struct vm_machine *m, struct vm_ctl_session *s)
{
	int rc = 0;

	if (s->clen) {
		rc = run_lines(m, s, s->carry, s->clen);
		s->clen = 0;
	}
	return rc;
}
