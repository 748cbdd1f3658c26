/*
 * session.h - a ctl file held open: the lines of successive writes,
 * assembled, run in order and reported.
 *
 * A front end keeps one session per open ctl file (the machine's, or a
 * process's) and hands it every write.  Lines may be cut anywhere
 * between writes: the complete lines of a write run at once, a last line
 * with no newline waits for the next write (cat writes in chunks) or for
 * vm_ctl_session_close().  Lines are numbered across the session's writes
 * so that a message names the line a user wrote.
 *
 * Log lines (through the machine's log):
 *
 *   pid N ctl: line K 'TEXT': REASON    a line failed (TEXT cut to 80
 *   ctl: line K 'TEXT': REASON          bytes); the global ctl has no pid
 *   ctl: line K is longer than B bytes  a line grew past VM_CTL_LINE_MAX
 *   spawn: pid N (NAME)                 spawn succeeded
 *   pid N: mmap auto: 0xSTART-0xEND     where mmap auto put a region
 *
 *   pid N ctl: line K 'TEXT': interrupted: D of T pages done
 *     (0xA-0xB)                         a command stopped part way
 *
 * A failing line stops its write: the lines before it stay done, the
 * ones after it and the line waiting are dropped, and the write fails
 * with the line's errno.  Once a line ends the process (exit, or a touch
 * that killed it), the later lines of the same write find no process.
 *
 * Writes in steps.  With a step size (s->step pages, 0 by default: no
 * limit), a command whose work grows with its length (see vm_ctl_step()
 * in exec.h) does at most that many pages before the write (or close)
 * returns -EINPROGRESS: the caller may then let go of the machine, and
 * calls vm_ctl_session_resume() to go on, as often as it returns
 * -EINPROGRESS, or vm_ctl_session_cancel() to stop there.  Between
 * those calls the session is busy: a write or close fails with -EBUSY.
 * The text of the write is copied: buf need not outlive the call.  A
 * cancelled command keeps what it did (the pages faulted, the mapping
 * made), and the log says how far it got; the lines after it and the
 * line waiting are dropped, as after a failing line.
 */
#ifndef VMLAB_SESSION_H
#define VMLAB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmlab/ctl.h"
#include "vmlab/exec.h"

struct vm_machine;

/* The longest ctl line: a path and the words around it. */
#define VM_CTL_LINE_MAX (VM_CTL_PATH_MAX + 256)

struct vm_ctl_session {
	int scope;		/* VM_CTL_GLOBAL or VM_CTL_PROC */
	int pid;		/* VM_CTL_PROC: whose commands these are */
	uint64_t step;		/* pages a step may do; 0: no limit */
	uint64_t lines;		/* lines taken so far, for messages */
	char *carry;		/* a last line still without newline */
	size_t clen, ccap;	/* its length, the buffer's size */
	/* the write being run (busy from write or close to its end) */
	bool busy;
	bool gone;		/* a line ended the process */
	bool too_long;		/* the write's tail is a line too long */
	ssize_t ret;		/* what the write returns once done */
	char *work;		/* its complete lines, copied */
	size_t wlen, wpos, wcap; /* their length, the next line, the size */
	size_t line, linelen;	/* the line in steps: offset in work */
	struct vm_ctl_cmd cmd;	/* its command, result and job */
	struct vm_ctl_result res;
	struct vm_ctl_job job;
};

/* Starts an empty session for a ctl file of scope (pid for VM_CTL_PROC).
 * Allocates nothing. */
void vm_ctl_session_init(struct vm_ctl_session *s, int scope, int pid);

/*
 * Takes one write of len bytes: runs the lines it completes, keeps a last
 * line with no newline for later.  The process of a VM_CTL_PROC session
 * is looked up by pid before each line.  Returns len, or -errno: the
 * first failing line's (see vm_ctl_exec(); its line is logged), -ESRCH
 * when the process is gone (reaped), -EINVAL for a line longer than
 * VM_CTL_LINE_MAX, -ENOMEM, -EBUSY (a write is in steps); or
 * -EINPROGRESS after a step (see above).  On failure the waiting line is
 * dropped.
 */
ssize_t vm_ctl_session_write(struct vm_machine *m, struct vm_ctl_session *s,
			     const char *buf, size_t len);

/*
 * Runs the line left waiting without its newline, if any, as at the close
 * of the file: 0 or that line's -errno, -EBUSY, or -EINPROGRESS as a
 * write.  The session stays usable (the file may have been shared, and a
 * later write starts a new line).
 */
int vm_ctl_session_close(struct vm_machine *m, struct vm_ctl_session *s);

/*
 * Goes on with the write or close that returned -EINPROGRESS: returns
 * what that call would have (len, 0, -errno), or -EINPROGRESS again
 * after the next step.  -EINVAL when nothing is in steps.
 */
ssize_t vm_ctl_session_resume(struct vm_machine *m, struct vm_ctl_session *s);

/*
 * Stops the write or close that returned -EINPROGRESS: the command in
 * steps keeps what it did, the log says how far it got, the rest of the
 * write and the line waiting are dropped.  Returns -EINTR (0 when
 * nothing was in steps).
 */
int vm_ctl_session_cancel(struct vm_machine *m, struct vm_ctl_session *s);

/* Frees what the session holds (a write in steps is dropped, unlogged);
 * s may then be initialised again. */
void vm_ctl_session_fini(struct vm_ctl_session *s);

#endif /* VMLAB_SESSION_H */
