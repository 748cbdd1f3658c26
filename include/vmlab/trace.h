/*
 * trace.h - streaming parser for memory-access traces.
 *
 * Three line formats, recognised line by line from the first non-blank
 * byte, so one stream may mix them:
 *
 *	I L S M		valgrind lackey: "I  0400d7d4,8", " L 04222cac,4",
 *			" S 7ff000398,8", " M 0421fe30,4".  ADDR is hex (an
 *			optional 0x is allowed), SIZE decimal, no blanks around
 *			the comma.  Leading blanks are optional.
 *	r w x R W X	simple: "r ADDR [SIZE]"; ADDR and SIZE are numbers as
 *			in parse.h (decimal or 0x hex, K/M/G/T suffix); SIZE
 *			defaults to 1.
 *	0-9		multi-process: "PID r ADDR [SIZE]", PID decimal,
 *			1..VM_PARSE_PID_MAX, then a simple line.
 *	==  --		valgrind's own messages ("==1234== ..."): skipped.
 *	#		comment line: skipped.  Blank lines are skipped too.
 *
 * Anything else is an error.  The letter is followed by at least one
 * blank.  After the last field, blanks and a "#" comment may follow.
 * Blanks are space, tab, CR, VT and FF, so CRLF files parse as LF files.
 * SIZE is 1..VM_TRACE_SIZE_MAX, except that a lackey size of 0 (what
 * valgrind prints for an instruction it could not decode) is read as 1.
 * ADDR + SIZE may reach but not pass 2^64.
 *
 * Lackey "M" is a load then a store of the same bytes.  It is delivered as
 * ONE record with access VM_TRACE_M (= R | W): an MMU model should treat
 * it as a write (x86 reports a fault on a read-modify-write as a write
 * fault) and counters may count it as a load and a store.  With
 * VM_TRACE_SPLIT_M it is delivered as two records, an R then a W, both
 * flagged VM_TRACE_REC_MODIFY.
 */
#ifndef VMLAB_TRACE_H
#define VMLAB_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "vmlab/parse.h"

/* Access kinds: the same bits as the protections they need. */
#define VM_TRACE_R VM_PROT_READ
#define VM_TRACE_W VM_PROT_WRITE
#define VM_TRACE_X VM_PROT_EXEC
#define VM_TRACE_M (VM_TRACE_R | VM_TRACE_W) /* lackey modify */

/* vm_trace_init() flags */
#define VM_TRACE_SPLIT_M (1u << 0)  /* M as two records, R then W */
#define VM_TRACE_NO_INSTR (1u << 1) /* drop X records (lackey I) */
#define VM_TRACE_NO_PID (1u << 2)   /* refuse PID-prefixed lines */

/* vm_trace_rec.format */
#define VM_TRACE_FMT_LACKEY 1
#define VM_TRACE_FMT_SIMPLE 2
#define VM_TRACE_FMT_MULTI 3

/* vm_trace_rec.flags */
#define VM_TRACE_REC_MODIFY (1u << 0) /* one half of a split M */

#define VM_TRACE_LINE_MAX 4096 /* bytes in a line, without the '\n' */
#define VM_TRACE_SIZE_MAX (1u << 30)
#define VM_TRACE_ERR_MAX 128

struct vm_trace_rec {
	uint64_t addr;
	uint64_t lineno; /* 1-based line in the stream, 0 if none */
	uint32_t size;	 /* bytes, 1..VM_TRACE_SIZE_MAX */
	uint32_t pid;	 /* 0: the line named no pid */
	uint8_t access;	 /* VM_TRACE_R, _W, _X or _M; 0: no record */
	uint8_t format;	 /* VM_TRACE_FMT_* */
	uint16_t flags;	 /* VM_TRACE_REC_* */
};

/*
 * Called for each record, in stream order.  rec is valid only during the
 * call.  Returning non-zero stops the feed; the value is passed back.
 */
typedef int vm_trace_cb(void *ctx, const struct vm_trace_rec *rec);

/*
 * Parser state; the caller allocates it (about 4.3 KiB) and must not touch
 * its fields.  lineno and nrec may be read: lines completed and records
 * delivered so far.
 */
struct vm_trace_parser {
	unsigned flags;
	int status; /* 0, or the sticky result of a stop/error */
	uint64_t lineno;
	uint64_t nrec;
	uint64_t err_lineno;
	size_t carry_len; /* bytes of a partial line kept in carry[] */
	char errmsg[VM_TRACE_ERR_MAX];
	char carry[VM_TRACE_LINE_MAX];
};

/* Starts a new stream: no partial line, line 0, no error.  Cannot fail. */
void vm_trace_init(struct vm_trace_parser *tp, unsigned flags);

/*
 * Feeds len bytes of the stream, cut anywhere.  Calls cb for every record
 * on a line that ends in this chunk, and keeps the unterminated tail (at
 * most VM_TRACE_LINE_MAX bytes) for the next call.  Returns 0; or
 * -EINVAL on a bad line or a line longer than VM_TRACE_LINE_MAX, with
 * every record before that line delivered and the reason kept for
 * vm_trace_error(); or the non-zero value cb returned.  Either failure is
 * sticky: later feed and finish calls return it again without reading,
 * until vm_trace_init().  cb may be NULL: the stream is then only checked
 * and counted.  O(len) and no allocation; cb runs on the caller's thread.
 */
int vm_trace_feed(struct vm_trace_parser *tp, const char *buf, size_t len,
		  vm_trace_cb *cb, void *ctx);

/*
 * Ends the stream: parses a kept unterminated last line, if any, as
 * vm_trace_feed() would.  Returns as vm_trace_feed().  Afterwards the
 * parser holds no partial line; call vm_trace_init() before another stream.
 */
int vm_trace_finish(struct vm_trace_parser *tp, vm_trace_cb *cb, void *ctx);

/*
 * Returns the reason the parser failed ("bad address '0x12zz'"), and
 * stores the 1-based number of the bad line in *lineno if lineno is not
 * NULL; returns NULL, storing nothing, when no line has failed (a stop by
 * cb is not a failure).  The string lives in tp.
 */
const char *vm_trace_error(const struct vm_trace_parser *tp, uint64_t *lineno);

/*
 * Parses one line (a trailing "\n" is allowed) with no flags: an M line
 * gives one VM_TRACE_M record.  Returns 0 with *rec filled (access 0 when
 * the line holds no record: blank, comment, valgrind message), or -EINVAL
 * with *rec zeroed.  rec->lineno is 0.
 */
int vm_trace_parse_line(const char *line, size_t len, struct vm_trace_rec *rec);

#endif /* VMLAB_TRACE_H */
