/* Build: clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -I. tests/fuzz/fuzz_trace.c src/trace.c src/parse.c -o fuzz_trace */
/*
 * fuzz_trace.c - libFuzzer entry point over vm_trace_feed().
 *
 * Byte 0 picks the flags, byte 1 seeds the chunking; the rest is a trace.
 * Three oracles, each on the same text:
 *  1. fed whole vs fed in pseudo-random chunks (1 byte up to 8 KiB): the
 *     same records, the same result, the same error and error line;
 *  2. with no flags, fed whole vs cut at '\n' and parsed one line at a time
 *     with vm_trace_parse_line(): the same records up to the first bad
 *     line, and the stream fails exactly at that line;
 *  3. every record keeps its promises (access, size, no wrap past 2^64).
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

/* The outcome of one run over the text. */
struct run {
	uint64_t hash;
	uint64_t nrec;
	uint64_t errline;
	int rc;
	char err[VM_TRACE_ERR_MAX];
};

static void
hash_rec(struct run *r, const struct vm_trace_rec *rec)
{
	const unsigned char *p = (const unsigned char *)rec;
	size_t i;

	for (i = 0; i < sizeof(*rec); i++)
		r->hash = (r->hash ^ p[i]) * 0x100000001b3ULL;
	r->nrec++;
}

static int
rec_cb(void *ctx, const struct vm_trace_rec *rec)
{
	CHECK(rec->access == VM_TRACE_R || rec->access == VM_TRACE_W ||
	      rec->access == VM_TRACE_X || rec->access == VM_TRACE_M);
	CHECK(rec->size >= 1 && rec->size <= VM_TRACE_SIZE_MAX);
	CHECK(rec->size - 1 <= UINT64_MAX - rec->addr);
	CHECK(rec->lineno >= 1);
	CHECK(rec->format >= VM_TRACE_FMT_LACKEY &&
	      rec->format <= VM_TRACE_FMT_MULTI);
	CHECK((rec->pid != 0) == (rec->format == VM_TRACE_FMT_MULTI));
	hash_rec(ctx, rec);
	return 0;
}

static void
run_end(struct vm_trace_parser *tp, struct run *r, int rc)
{
	const char *why;

	if (rc == 0)
		rc = vm_trace_finish(tp, rec_cb, r);
	r->rc = rc;
	CHECK(rc == 0 || rc == -EINVAL);
	why = vm_trace_error(tp, &r->errline);
	CHECK((why != NULL) == (rc != 0));
	if (why)
		strcpy(r->err, why);
	CHECK(tp->nrec == r->nrec);
}

static void
run_whole(const char *s, size_t len, unsigned flags, struct run *r)
{
	static struct vm_trace_parser tp;

	memset(r, 0, sizeof(*r));
	vm_trace_init(&tp, flags);
	run_end(&tp, r, vm_trace_feed(&tp, s, len, rec_cb, r));
}

static void
run_chunked(const char *s, size_t len, unsigned flags, unsigned seed,
	    struct run *r)
{
	static struct vm_trace_parser tp;
	uint32_t x = seed * 2654435761u + 1;
	size_t off = 0, n;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	vm_trace_init(&tp, flags);
	while (off < len && rc == 0) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = x & 0x100 ? 1 + (x >> 9) % 8192 : 1 + (x >> 9) % 24;
		if (n > len - off)
			n = len - off;
		rc = vm_trace_feed(&tp, s + off, n, rec_cb, r);
		off += n;
	}
	run_end(&tp, r, rc);
}

/* Oracle 2: line by line with vm_trace_parse_line(), against whole. */
static void
check_by_line(const char *s, size_t len, const struct run *whole)
{
	struct run r = {0};
	struct vm_trace_rec rec;
	const char *p = s, *end = s + len, *nl;
	uint64_t line = 0;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		line++;
		if (n > VM_TRACE_LINE_MAX || vm_trace_parse_line(p, n, &rec)) {
			CHECK(whole->rc == -EINVAL && whole->errline == line);
			CHECK(whole->nrec == r.nrec && whole->hash == r.hash);
			return;
		}
		if (rec.access) {
			rec.lineno = line;
			hash_rec(&r, &rec);
		}
		p = nl ? nl + 1 : end;
	}
	CHECK(whole->rc == 0);
	CHECK(whole->nrec == r.nrec && whole->hash == r.hash);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, chunked;
	const char *s;
	unsigned flags;
	size_t len;

	if (size < 2)
		return 0;
	flags = data[0] & 7;
	s = (const char *)data + 2;
	len = size - 2;
	run_whole(s, len, flags, &whole);
	run_chunked(s, len, flags, data[1], &chunked);
	CHECK(whole.rc == chunked.rc && whole.nrec == chunked.nrec);
	CHECK(whole.hash == chunked.hash && whole.errline == chunked.errline);
	CHECK(strcmp(whole.err, chunked.err) == 0);
	if (flags) {
		run_whole(s, len, 0, &whole);
	}
	check_by_line(s, len, &whole);
	return 0;
}
