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
 * A failing line stops its write: the lines before it stay done, the
 * ones after it and the line waiting are dropped, and the write fails
 * with the line's errno.  Once a line ends the process (exit, or a touch
 * that killed it), the later lines of the same run find no process.
 */
#ifndef VMLAB_SESSION_H
#define VMLAB_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmlab/ctl.h"

struct vm_machine;

/* The longest ctl line: a path and the words around it. */
#define VM_CTL_LINE_MAX (VM_CTL_PATH_MAX + 256)

struct vm_ctl_session {
	int scope;		/* VM_CTL_GLOBAL or VM_CTL_PROC */
	int pid;		/* VM_CTL_PROC: whose commands these are */
	uint64_t lines;		/* lines taken so far, for messages */
	char *carry;		/* a last line still without newline */
	size_t clen, ccap;	/* its length, the buffer's size */
};

/* Starts an empty session for a ctl file of scope (pid for VM_CTL_PROC).
 * Allocates nothing. */
void vm_ctl_session_init(struct vm_ctl_session *s, int scope, int pid);

/*
 * Takes one write of len bytes: runs the lines it completes, keeps a last
 * line with no newline for later.  The process of a VM_CTL_PROC session
 * is looked up by pid at each run.  Returns len, or -errno: the first
 * failing line's (see vm_ctl_exec(); its line is logged), -ESRCH when the
 * process is gone (reaped), -EINVAL for a line longer than
 * VM_CTL_LINE_MAX, -ENOMEM.  On failure the waiting line is dropped.
 */
ssize_t vm_ctl_session_write(struct vm_machine *m, struct vm_ctl_session *s,
			     const char *buf, size_t len);

/*
 * Runs the line left waiting without its newline, if any, as at the close
 * of the file: 0 or that line's -errno.  The session stays usable (the
 * file may have been shared, and a later write starts a new line).
 */
int vm_ctl_session_close(struct vm_machine *m, struct vm_ctl_session *s);

/* Frees what the session holds; s may then be initialised again. */
void vm_ctl_session_fini(struct vm_ctl_session *s);

#endif /* VMLAB_SESSION_H */
