/*
 * ctl.h - the ctl command language: one line of text in, one command out.
 *
 * The parser knows the words and their ranges, not the machine: it does not
 * check page alignment, that a pid exists or that a file can be opened.
 * Those checks, and the effect of each command, belong to the executor.
 *
 * Global commands (the root ctl file):
 *	spawn [NAME]			NAME: 1..15 printable bytes, else EINVAL
 *	kill PID			PID: decimal, 1..VM_PARSE_PID_MAX
 *	drop_caches | hibernate | reset
 *
 * Process commands (PID/ctl):
 *	mmap ADDR|auto LEN PROT [anon | file=PATH[@OFF]] [shared | private]
 *	     [huge=2M|1G] [populate]
 *	munmap ADDR LEN
 *	mprotect ADDR LEN PROT
 *	msync ADDR LEN
 *	madvise ADDR LEN dontneed|willneed|pageout
 *	fork
 *	exec PATH
 *	touch ADDR [LEN] r|w|x [kernel]	LEN defaults to 1; kernel: the
 *					access is made in supervisor mode
 *	exit
 *
 * Words are separated by blanks; a word starting with '#' begins a comment.
 * Numbers and PROT follow parse.h.  LEN is never 0 and ADDR + LEN may
 * reach but not pass 2^64; for a file mapping OFF + LEN may not pass 2^64
 * either.  mmap options may come in any order, each at most once; "anon"
 * and "file=", "shared" and "private" exclude each other; the defaults are
 * anon and private.  huge= takes any number equal to 2 MiB or 1 GiB.
 * In file=PATH@OFF the offset follows the LAST '@', and must be a number:
 * a path containing '@' is written with an explicit offset ("a@b@0").
 * PATH is 1..VM_CTL_PATH_MAX-1 bytes with no control characters; it is kept
 * as written, and resolving it inside files/ is the executor's job.
 */
#ifndef VMLAB_CTL_H
#define VMLAB_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "vmlab/parse.h"

/* Scopes: which file the line was written to.  OR them to accept both. */
#define VM_CTL_GLOBAL 1
#define VM_CTL_PROC 2

#define VM_CTL_NAME_MAX 15   /* bytes in a process name, like Linux comm */
#define VM_CTL_PATH_MAX 4096 /* bytes in path[], with the NUL */

enum vm_ctl_op {
	VM_CTL_NONE = 0, /* blank or comment-only line: nothing to do */
	/* global */
	VM_CTL_SPAWN,
	VM_CTL_KILL,
	VM_CTL_DROP_CACHES,
	VM_CTL_HIBERNATE,
	VM_CTL_RESET,
	/* per process */
	VM_CTL_MMAP,
	VM_CTL_MUNMAP,
	VM_CTL_MPROTECT,
	VM_CTL_MSYNC,
	VM_CTL_MADVISE,
	VM_CTL_FORK,
	VM_CTL_EXEC,
	VM_CTL_TOUCH,
	VM_CTL_EXIT,
	VM_CTL_NR_OPS
};

/* mmap flags; no FILE means anonymous, no SHARED means private. */
#define VM_CTL_MAP_AUTO (1u << 0) /* ADDR was "auto"; addr is 0 */
#define VM_CTL_MAP_FILE (1u << 1) /* file=: path and offset set */
#define VM_CTL_MAP_SHARED (1u << 2)
#define VM_CTL_MAP_POPULATE (1u << 3)
/* touch flags */
#define VM_CTL_TOUCH_KERNEL (1u << 4) /* a supervisor-mode access */

enum vm_ctl_advice {
	VM_CTL_MADV_DONTNEED = 1,
	VM_CTL_MADV_WILLNEED,
	VM_CTL_MADV_PAGEOUT,
};

/*
 * One parsed command.  vm_ctl_parse() zeroes it first, so a field a command
 * does not use is 0 (or "").  Fields by op:
 *	SPAWN		name ("" when none was given)
 *	KILL		pid
 *	MMAP		addr, len, prot, flags, path + offset (MAP_FILE), huge
 *	MUNMAP MSYNC	addr, len
 *	MPROTECT	addr, len, prot
 *	MADVISE		addr, len, advice
 *	EXEC		path
 *	TOUCH		addr, len, access (one VM_PROT_* bit)
 * The struct owns nothing: copy it, drop it, no free needed.
 */
struct vm_ctl_cmd {
	int op;		/* enum vm_ctl_op */
	unsigned flags; /* VM_CTL_MAP_*, VM_CTL_TOUCH_* */
	uint64_t addr;
	uint64_t len;
	uint64_t offset; /* file offset of a file mapping */
	uint64_t huge;	 /* 0, 2 MiB or 1 GiB */
	unsigned prot;	 /* VM_PROT_* mask */
	unsigned access; /* touch: one VM_PROT_* bit */
	int advice;	 /* enum vm_ctl_advice */
	uint32_t pid;
	char name[VM_CTL_NAME_MAX + 1];
	char path[VM_CTL_PATH_MAX];
};

/*
 * Parses one line of len bytes (a trailing "\n" or "\r\n" is allowed; any
 * other line break inside is an error) written to a file of the given
 * scope (VM_CTL_GLOBAL, VM_CTL_PROC or both OR'd).
 * Returns 0 with *cmd filled (op VM_CTL_NONE for a blank or comment-only
 * line), or -EINVAL with *cmd zeroed and, when errlen > 0, err holding a
 * one-line reason that quotes the offending word ("unknown command
 * 'mmapp'", "bad length '12Q'", "'spawn' is a global command").  err is
 * always NUL-terminated when errlen > 0 ("" on success); err may be NULL
 * when errlen is 0.  Words are quoted with control bytes shown as '?' and
 * cut to 40 bytes.  O(len); no allocation.
 */
int vm_ctl_parse(const char *line, size_t len, int scope,
		 struct vm_ctl_cmd *cmd, char *err, size_t errlen);

/*
 * Line splitter for a write buffer: *pos walks from the buffer start to
 * end.  Returns the start of the next line and stores its length in
 * *linelen, without the '\n' and a '\r' before it; advances *pos past the
 * '\n'.  A last line with no '\n' is returned too.  Returns NULL (and
 * leaves *linelen alone) when *pos == end.  Each call is O(line length).
 */
const char *vm_ctl_next_line(const char **pos, const char *end,
			     size_t *linelen);

/*
 * Returns the command word of op ("mmap", "drop_caches", ...), "none" for
 * VM_CTL_NONE and "unknown" for a value outside enum vm_ctl_op.  The string
 * is static.
 */
const char *vm_ctl_op_name(int op);

/*
 * Writes cmd back as a canonical ctl line (hex numbers, "rw-" prot, every
 * mmap option spelled out, no newline) into buf, NUL-terminated.  Parsing
 * the result gives the same command.  Returns the length written (without
 * the NUL), -ENOSPC if buflen is too small (buf then holds a cut line), or
 * -EINVAL if cmd->op is not a command.  VM_CTL_PATH_MAX + 160 bytes are
 * always enough.
 */
int vm_ctl_format(const struct vm_ctl_cmd *cmd, char *buf, size_t buflen);

#endif /* VMLAB_CTL_H */
