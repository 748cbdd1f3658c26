/*
 * trace.c - streaming parser for lackey, simple and multi-process traces
 * (formats in trace.h).
 *
 * Design: vm_trace_feed() finds each '\n' with memchr() and parses the
 * line in place; only a line cut by the end of a chunk is copied, into
 * tp->carry, and completed by the next chunk.  So a record is parsed the
 * same way whatever the chunking, and a chunk costs one pass plus the
 * copy of at most one partial line.  The hot path (trace_parse() and
 * below) uses a hex table and hand-written loops: no sscanf, no strtoull,
 * no allocation, no locale.
 *
 * Line cases, by first non-blank byte:
 *
 *	(none)		blank line		-> skipped
 *	'#'		comment			-> skipped
 *	"==" "--"	valgrind message	-> skipped
 *	I L S M		lackey			-> X, R, W, R|W
 *	r w x R W X	simple			-> R, W, X
 *	0-9		multi-process		-> pid + simple
 *	other		-> EINVAL "unrecognised line 'w'"
 *
 * State machine: status 0 is running; a bad line or a callback's non-zero
 * return is stored in status and returned by every later call (sticky)
 * until vm_trace_init().  lineno counts completed lines; a failure names
 * line lineno (or lineno + 1 for an overlong partial line).
 *
 * Thread rules: none inside; one parser must not be fed from two threads
 * at once, and cb must not feed the parser that called it.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmlab/trace.h"

#define TRACE_QUOTE_MAX 40

/* Hex digit value + 1, 0 for a non-digit. */
#define H(c, v) [c] = (v) + 1
static const uint8_t trace_hex[256] = {
	H('0', 0),  H('1', 1),	H('2', 2),  H('3', 3),	H('4', 4),  H('5', 5),
	H('6', 6),  H('7', 7),	H('8', 8),  H('9', 9),	H('a', 10), H('b', 11),
	H('c', 12), H('d', 13), H('e', 14), H('f', 15), H('A', 10), H('B', 11),
	H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H

/* Why a line failed: a reason and where the offending word starts. */
struct trace_why {
	const char *reason;
	const char *at; /* NULL: the reason needs no word */
};

static inline int
trace_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline const char *
trace_skip(const char *p, const char *end)
{
	while (p < end && trace_blank((unsigned char)*p))
		p++;
	return p;
}

static inline const char *
trace_word_end(const char *p, const char *end)
{
	while (p < end && !trace_blank((unsigned char)*p))
		p++;
	return p;
}

static int
trace_bad(struct trace_why *why, const char *reason, const char *at)
{
	why->reason = reason;
	why->at = at;
	return -EINVAL;
}

/*
 * Checks what follows the last field at p: end of line, or blanks and
 * then end of line or a comment.  field names the field on failure.
 */
static inline int
trace_tail(const char *p, const char *end, const char *field,
	   const char *fstart, struct trace_why *why)
{
	if (p < end && !trace_blank((unsigned char)*p))
		return trace_bad(why, field, fstart);
	p = trace_skip(p, end);
	if (p < end && *p != '#')
		return trace_bad(why, "unexpected word", p);
	return 0;
}

/* Checks 1 <= size and that [addr, addr + size) does not pass 2^64. */
static inline int
trace_range(uint64_t addr, uint64_t size, const char *sz, struct trace_why *why)
{
	if (size > VM_TRACE_SIZE_MAX)
		return trace_bad(why, "size out of range", sz);
	if (size - 1 > UINT64_MAX - addr)
		return trace_bad(why, "access runs past 2^64", sz);
	return 0;
}

/* Reads lackey "ADDR,SIZE" at p (the blanks after the letter skipped). */
static int
trace_lackey_fields(const char *p, const char *end, struct vm_trace_rec *rec,
		    struct trace_why *why)
{
	const char *w = p, *digits;
	uint64_t addr = 0, size = 0;
	unsigned d;

	if (end - p > 2 && p[0] == '0' && (p[1] | 0x20) == 'x')
		p += 2;
	for (digits = p; p < end; p++) {
		d = trace_hex[(uint8_t)*p];
		if (!d)
			break;
		if (addr >> 60)
			return trace_bad(why, "address out of range", w);
		addr = addr << 4 | (d - 1);
	}
	if (p == digits || p == end || *p != ',')
		return trace_bad(why, "bad lackey address,size", w);
	for (digits = ++p; p < end && *p >= '0' && *p <= '9'; p++) {
		size = size * 10 + (unsigned)(*p - '0');
		if (size > VM_TRACE_SIZE_MAX)
			return trace_bad(why, "size out of range", digits);
	}
	if (p == digits)
		return trace_bad(why, "bad size", digits);
	size += size == 0;
	rec->addr = addr;
	rec->size = (uint32_t)size;
	if (trace_range(addr, size, digits, why))
		return -EINVAL;
	return trace_tail(p, end, "bad size", digits, why);
}

/* Parses a lackey line; p is at its letter. */
static int
trace_lackey(const char *p, const char *end, struct vm_trace_rec *rec,
	     struct trace_why *why)
{
	static const uint8_t kind[] = {
		['I'] = VM_TRACE_X,
		['L'] = VM_TRACE_R,
		['S'] = VM_TRACE_W,
		['M'] = VM_TRACE_M,
	};
	const char *letter = p++;

	if (p == end || !trace_blank((unsigned char)*p))
		return trace_bad(why, "unrecognised line", letter);
	rec->access = kind[(uint8_t)*letter];
	rec->format = VM_TRACE_FMT_LACKEY;
	rec->pid = 0;
	return trace_lackey_fields(trace_skip(p, end), end, rec, why);
}

/* Parses a number word at p as vm_parse_u64n() does; what names it. */
static int
trace_num(const char *p, const char *e, uint64_t *v, int is_size,
	  struct trace_why *why)
{
	int rc = vm_parse_u64n(p, (size_t)(e - p), v);

	if (rc == -ERANGE)
		return trace_bad(why,
				 is_size ? "size out of range"
					 : "address out of range",
				 p);
	if (rc)
		return trace_bad(why, is_size ? "bad size" : "bad address", p);
	if (is_size && *v == 0)
		return trace_bad(why, "zero size", p);
	return 0;
}

/* Parses "r|w|x ADDR [SIZE]"; p is at the letter. */
static int
trace_simple(const char *p, const char *end, struct vm_trace_rec *rec,
	     struct trace_why *why)
{
	static const uint8_t kind[] = {
		['r'] = VM_TRACE_R,
		['w'] = VM_TRACE_W,
		['x'] = VM_TRACE_X,
	};
	const char *letter = p++, *w, *e;
	uint64_t addr, size = 1;

	if (p < end && !trace_blank((unsigned char)*p))
		return trace_bad(why, "bad access (r, w or x)", letter);
	w = trace_skip(p, end);
	e = trace_word_end(w, end);
	if (w == e || *w == '#')
		return trace_bad(why, "missing address", NULL);
	if (trace_num(w, e, &addr, 0, why))
		return -EINVAL;
	p = trace_skip(e, end);
	if (p < end && *p != '#') {
		w = p;
		p = trace_word_end(w, end);
		if (trace_num(w, p, &size, 1, why) ||
		    trace_range(addr, size, w, why) ||
		    trace_tail(p, end, "bad size", w, why))
			return -EINVAL;
	}
	rec->addr = addr;
	rec->size = (uint32_t)size;
	rec->access = kind[(uint8_t)(*letter | 0x20)];
	rec->format = VM_TRACE_FMT_SIMPLE;
	return 0;
}

/* Parses "PID r|w|x ADDR [SIZE]"; p is at the first digit. */
static int
trace_multi(const char *p, const char *end, unsigned flags,
	    struct vm_trace_rec *rec, struct trace_why *why)
{
	const char *e = trace_word_end(p, end);
	int rc;

	if (flags & VM_TRACE_NO_PID)
		return trace_bad(why,
				 "pid-prefixed line in a one-process trace", p);
	rc = vm_parse_pid(p, (size_t)(e - p), &rec->pid);
	if (rc)
		return trace_bad(
			why, rc == -ERANGE ? "pid out of range" : "bad pid", p);
	p = trace_skip(e, end);
	if (p == end || !memchr("rwxRWX", *p, 6))
		return trace_bad(why, "bad access (r, w or x)",
				 p == end ? NULL : p);
	rc = trace_simple(p, end, rec, why);
	rec->format = VM_TRACE_FMT_MULTI;
	return rc;
}

/*
 * Parses the line [p, end) (no '\n').  Returns 0 with *rec filled, access
 * 0 for a line with no record; or -EINVAL with *why set.
 */
static int
trace_parse(const char *p, const char *end, unsigned flags,
	    struct vm_trace_rec *rec, struct trace_why *why)
{
	rec->flags = 0;
	rec->pid = 0;
	rec->access = 0;
	p = trace_skip(p, end);
	if (p == end)
		return 0;
	switch (*p) {
	case 'I':
	case 'L':
	case 'S':
	case 'M':
		return trace_lackey(p, end, rec, why);
	case 'r':
	case 'w':
	case 'x':
	case 'R':
	case 'W':
	case 'X':
		return trace_simple(p, end, rec, why);
	case '#':
		return 0;
	case '=':
	case '-':
		if (end - p >= 2 && p[1] == p[0])
			return 0;
		break;
	default:
		if (*p >= '0' && *p <= '9')
			return trace_multi(p, end, flags, rec, why);
	}
	return trace_bad(why, "unrecognised line", p);
}

/* Copies the word at p (up to a blank or end) into dst, made printable. */
static void
trace_quote(char *dst, const char *p, const char *end)
{
	const char *e = trace_word_end(p, end);
	size_t i, n = (size_t)(e - p);
	unsigned char ch;

	if (n > TRACE_QUOTE_MAX)
		n = TRACE_QUOTE_MAX;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)p[i];
		dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (p + n < e) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* Records a failure of line lineno; the line ends at end. */
static int
trace_fail(struct vm_trace_parser *tp, uint64_t lineno,
	   const struct trace_why *why, const char *end)
{
	char q[TRACE_QUOTE_MAX + 4];

	if (why->at) {
		trace_quote(q, why->at, end);
		snprintf(tp->errmsg, sizeof(tp->errmsg), "%s '%s'", why->reason,
			 q);
	} else {
		snprintf(tp->errmsg, sizeof(tp->errmsg), "%s", why->reason);
	}
	tp->err_lineno = lineno;
	tp->status = -EINVAL;
	return -EINVAL;
}

static int
trace_call(struct vm_trace_parser *tp, const struct vm_trace_rec *rec,
	   vm_trace_cb *cb, void *ctx)
{
	int rc;

	tp->nrec++;
	if (!cb)
		return 0;
	rc = cb(ctx, rec);
	if (rc)
		tp->status = rc;
	return rc;
}

/* Hands the record(s) of one line to cb, as the flags ask. */
static int
trace_deliver(struct vm_trace_parser *tp, struct vm_trace_rec *rec,
	      vm_trace_cb *cb, void *ctx)
{
	int rc;

	if (rec->access == 0)
		return 0;
	if (rec->access == VM_TRACE_X && (tp->flags & VM_TRACE_NO_INSTR))
		return 0;
	if (rec->access == VM_TRACE_M && (tp->flags & VM_TRACE_SPLIT_M)) {
		rec->access = VM_TRACE_R;
		rec->flags = VM_TRACE_REC_MODIFY;
		rc = trace_call(tp, rec, cb, ctx);
		if (rc)
			return rc;
		rec->access = VM_TRACE_W;
	}
	return trace_call(tp, rec, cb, ctx);
}

/* Parses and delivers one complete line [p, end). */
static int
trace_line(struct vm_trace_parser *tp, const char *p, const char *end,
	   vm_trace_cb *cb, void *ctx)
{
	struct vm_trace_rec rec;
	struct trace_why why;

	tp->lineno++;
	if (end - p > VM_TRACE_LINE_MAX) {
		why.reason = "line longer than 4096 bytes";
		why.at = NULL;
		return trace_fail(tp, tp->lineno, &why, end);
	}
	memset(&rec, 0, sizeof(rec)); /* padding too: records compare */
	if (trace_parse(p, end, tp->flags, &rec, &why))
		return trace_fail(tp, tp->lineno, &why, end);
	rec.lineno = tp->lineno;
	return trace_deliver(tp, &rec, cb, ctx);
}

/* Keeps the n-byte unterminated tail at p, after what is kept already. */
static int
trace_keep(struct vm_trace_parser *tp, const char *p, size_t n)
{
	struct trace_why why = {"line longer than 4096 bytes", NULL};

	if (n > VM_TRACE_LINE_MAX - tp->carry_len)
		return trace_fail(tp, tp->lineno + 1, &why, p);
	memcpy(tp->carry + tp->carry_len, p, n);
	tp->carry_len += n;
	return 0;
}

/* Completes the kept partial line from the chunk at *pp. */
static int
trace_carry(struct vm_trace_parser *tp, const char **pp, const char *end,
	    vm_trace_cb *cb, void *ctx)
{
	const char *p = *pp, *nl;
	size_t n;
	int rc;

	nl = memchr(p, '\n', (size_t)(end - p));
	rc = trace_keep(tp, p, (size_t)((nl ? nl : end) - p));
	if (rc)
		return rc;
	*pp = nl ? nl + 1 : end;
	if (!nl)
		return 0;
	n = tp->carry_len;
	tp->carry_len = 0;
	return trace_line(tp, tp->carry, tp->carry + n, cb, ctx);
}

void
vm_trace_init(struct vm_trace_parser *tp, unsigned flags)
{
	tp->flags = flags;
	tp->status = 0;
	tp->lineno = 0;
	tp->nrec = 0;
	tp->err_lineno = 0;
	tp->carry_len = 0;
	tp->errmsg[0] = '\0';
}

int
vm_trace_feed(struct vm_trace_parser *tp, const char *buf, size_t len,
	      vm_trace_cb *cb, void *ctx)
{
	const char *p = buf, *end, *nl;
	int rc;

	if (tp->status)
		return tp->status;
	if (len == 0)
		return 0;
	end = buf + len;
	if (tp->carry_len) {
		rc = trace_carry(tp, &p, end, cb, ctx);
		if (rc)
			return rc;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return trace_keep(tp, p, (size_t)(end - p));
		rc = trace_line(tp, p, nl, cb, ctx);
		if (rc)
			return rc;
		p = nl + 1;
	}
	return 0;
}

int
vm_trace_finish(struct vm_trace_parser *tp, vm_trace_cb *cb, void *ctx)
{
	size_t n = tp->carry_len;

	if (tp->status)
		return tp->status;
	if (n == 0)
		return 0;
	tp->carry_len = 0;
	return trace_line(tp, tp->carry, tp->carry + n, cb, ctx);
}

const char *
vm_trace_error(const struct vm_trace_parser *tp, uint64_t *lineno)
{
	if (!tp->errmsg[0])
		return NULL;
	if (lineno)
		*lineno = tp->err_lineno;
	return tp->errmsg;
}

int
vm_trace_parse_line(const char *line, size_t len, struct vm_trace_rec *rec)
{
	struct trace_why why;

	if (len && line[len - 1] == '\n')
		len--;
	memset(rec, 0, sizeof(*rec));
	if (len == 0)
		return 0;
	if (memchr(line, '\n', len) ||
	    trace_parse(line, line + len, 0, rec, &why)) {
		memset(rec, 0, sizeof(*rec));
		return -EINVAL;
	}
	return 0;
}
