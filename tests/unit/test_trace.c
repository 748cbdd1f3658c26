/*
 * test_trace.c - the streaming trace parser (trace.h).
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/trace.h"

Suite *suite_trace(void);

#define MAXREC 256

/* What the callback saw. */
struct sink {
	struct vm_trace_rec rec[MAXREC];
	size_t n;
	size_t stop_at; /* return stop_rc on this record (1-based) */
	int stop_rc;
};

static struct vm_trace_parser tp;
static struct sink sink;

static int
sink_cb(void *ctx, const struct vm_trace_rec *rec)
{
	struct sink *s = ctx;

	ck_assert_uint_lt(s->n, MAXREC);
	s->rec[s->n++] = *rec;
	if (s->stop_at && s->n == s->stop_at)
		return s->stop_rc;
	return 0;
}

static void
reset(unsigned flags)
{
	memset(&sink, 0, sizeof(sink));
	vm_trace_init(&tp, flags);
}

/* Feeds the whole NUL-terminated text, then finishes; returns the rc. */
static int
feed_all(const char *text, unsigned flags)
{
	int rc;

	reset(flags);
	rc = vm_trace_feed(&tp, text, strlen(text), sink_cb, &sink);
	if (rc)
		return rc;
	return vm_trace_finish(&tp, sink_cb, &sink);
}

static void
check_rec(size_t i, unsigned access, uint64_t addr, uint32_t size, uint32_t pid,
	  uint64_t lineno)
{
	const struct vm_trace_rec *r = &sink.rec[i];

	ck_assert_msg(i < sink.n, "record %zu missing (%zu seen)", i, sink.n);
	ck_assert_msg(r->access == access, "rec %zu: access %u, want %u", i,
		      r->access, access);
	ck_assert_msg(r->addr == addr, "rec %zu: addr %#llx, want %#llx", i,
		      (unsigned long long)r->addr, (unsigned long long)addr);
	ck_assert_msg(r->size == size, "rec %zu: size %u, want %u", i, r->size,
		      size);
	ck_assert_msg(r->pid == pid, "rec %zu: pid %u, want %u", i, r->pid,
		      pid);
	ck_assert_msg(r->lineno == lineno, "rec %zu: line %llu, want %llu", i,
		      (unsigned long long)r->lineno,
		      (unsigned long long)lineno);
}

/* The text must fail on line lineno with message msg. */
static void
check_bad(const char *text, unsigned flags, uint64_t lineno, const char *msg)
{
	uint64_t l = 0;
	const char *why;

	ck_assert_msg(feed_all(text, flags) == -EINVAL, "'%s' parsed", text);
	why = vm_trace_error(&tp, &l);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strcmp(why, msg) == 0, "'%s': error '%s', want '%s'",
		      text, why, msg);
	ck_assert_msg(l == lineno, "'%s': line %llu, want %llu", text,
		      (unsigned long long)l, (unsigned long long)lineno);
}

static const char lackey_sample[] =
	"==12345== Lackey, an example Valgrind tool\n"
	"==12345== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas "
	"Nethercote.\n"
	"==12345== Command: ./a.out\n"
	"==12345== \n"
	"I  0400d7d4,8\n"
	" S 7ff000398,8\n"
	"I  0400d7dc,4\n"
	" L 04222cac,4\n"
	" M 0421fe30,4\n"
	"I  04016c3a,0\n"
	"==12345== \n"
	"==12345== Counted 1 call to main()\n";

START_TEST(test_trace_lackey_sample)
{
	ck_assert_int_eq(feed_all(lackey_sample, 0), 0);
	ck_assert_uint_eq(sink.n, 6);
	check_rec(0, VM_TRACE_X, 0x400d7d4, 8, 0, 5);
	check_rec(1, VM_TRACE_W, 0x7ff000398, 8, 0, 6);
	check_rec(2, VM_TRACE_X, 0x400d7dc, 4, 0, 7);
	check_rec(3, VM_TRACE_R, 0x4222cac, 4, 0, 8);
	check_rec(4, VM_TRACE_M, 0x421fe30, 4, 0, 9);
	check_rec(5, VM_TRACE_X, 0x4016c3a, 1, 0, 10);
	ck_assert_uint_eq(sink.rec[0].format, VM_TRACE_FMT_LACKEY);
	ck_assert_uint_eq(sink.rec[4].flags, 0);
	ck_assert_uint_eq(tp.lineno, 12);
	ck_assert_uint_eq(tp.nrec, 6);
	ck_assert_ptr_null(vm_trace_error(&tp, NULL));
}
END_TEST

START_TEST(test_trace_lackey_split_m)
{
	ck_assert_int_eq(feed_all(" M 0421fe30,4\n L 10,1\n", VM_TRACE_SPLIT_M),
			 0);
	ck_assert_uint_eq(sink.n, 3);
	check_rec(0, VM_TRACE_R, 0x421fe30, 4, 0, 1);
	check_rec(1, VM_TRACE_W, 0x421fe30, 4, 0, 1);
	check_rec(2, VM_TRACE_R, 0x10, 1, 0, 2);
	ck_assert_uint_eq(sink.rec[0].flags, VM_TRACE_REC_MODIFY);
	ck_assert_uint_eq(sink.rec[1].flags, VM_TRACE_REC_MODIFY);
	ck_assert_uint_eq(sink.rec[2].flags, 0);
	ck_assert_uint_eq(tp.nrec, 3);
}
END_TEST

START_TEST(test_trace_lackey_no_instr)
{
	ck_assert_int_eq(feed_all(lackey_sample, VM_TRACE_NO_INSTR), 0);
	ck_assert_uint_eq(sink.n, 3);
	check_rec(0, VM_TRACE_W, 0x7ff000398, 8, 0, 6);
	check_rec(1, VM_TRACE_R, 0x4222cac, 4, 0, 8);
	check_rec(2, VM_TRACE_M, 0x421fe30, 4, 0, 9);
	ck_assert_int_eq(feed_all("x 0x1000\nr 0x2000\n", VM_TRACE_NO_INSTR),
			 0);
	ck_assert_uint_eq(sink.n, 1);
	check_rec(0, VM_TRACE_R, 0x2000, 1, 0, 2);
}
END_TEST

START_TEST(test_trace_lackey_lenient)
{
	ck_assert_int_eq(feed_all("L 0x10,4\n\tS\t20,2\nI 0400D7D4,3   # c\n"
				  "  I  30,1\n",
				  0),
			 0);
	ck_assert_uint_eq(sink.n, 4);
	check_rec(0, VM_TRACE_R, 0x10, 4, 0, 1);
	check_rec(1, VM_TRACE_W, 0x20, 2, 0, 2);
	check_rec(2, VM_TRACE_X, 0x400d7d4, 3, 0, 3);
	check_rec(3, VM_TRACE_X, 0x30, 1, 0, 4);
}
END_TEST

START_TEST(test_trace_simple)
{
	ck_assert_int_eq(feed_all("r 0x1000\n"
				  "w 4096 8\n"
				  "x 0x400000 4K\n"
				  "R 0x10\n"
				  "W 0x10 2   # two bytes\n"
				  "X 1M\n"
				  "  r\t0x20\t4\n",
				  0),
			 0);
	ck_assert_uint_eq(sink.n, 7);
	check_rec(0, VM_TRACE_R, 0x1000, 1, 0, 1);
	check_rec(1, VM_TRACE_W, 4096, 8, 0, 2);
	check_rec(2, VM_TRACE_X, 0x400000, 4096, 0, 3);
	check_rec(3, VM_TRACE_R, 0x10, 1, 0, 4);
	check_rec(4, VM_TRACE_W, 0x10, 2, 0, 5);
	check_rec(5, VM_TRACE_X, 1 << 20, 1, 0, 6);
	check_rec(6, VM_TRACE_R, 0x20, 4, 0, 7);
	ck_assert_uint_eq(sink.rec[0].format, VM_TRACE_FMT_SIMPLE);
}
END_TEST

START_TEST(test_trace_multi)
{
	ck_assert_int_eq(feed_all("12 r 0x1000\n"
				  "3\tw 0x2000 8\n"
				  "7 x 4096 # c\n"
				  "r 0x10\n",
				  0),
			 0);
	ck_assert_uint_eq(sink.n, 4);
	check_rec(0, VM_TRACE_R, 0x1000, 1, 12, 1);
	check_rec(1, VM_TRACE_W, 0x2000, 8, 3, 2);
	check_rec(2, VM_TRACE_X, 4096, 1, 7, 3);
	check_rec(3, VM_TRACE_R, 0x10, 1, 0, 4);
	ck_assert_uint_eq(sink.rec[0].format, VM_TRACE_FMT_MULTI);
	ck_assert_uint_eq(sink.rec[3].format, VM_TRACE_FMT_SIMPLE);
}
END_TEST

START_TEST(test_trace_blank_and_comments)
{
	ck_assert_int_eq(feed_all("\n"
				  "   \n"
				  "# a comment\n"
				  "  # indented\n"
				  "--1234-- verbose\n"
				  "==1== msg\n"
				  "r 0x10 # after\n"
				  "\t\n",
				  0),
			 0);
	ck_assert_uint_eq(sink.n, 1);
	check_rec(0, VM_TRACE_R, 0x10, 1, 0, 7);
	ck_assert_uint_eq(tp.lineno, 8);
}
END_TEST

START_TEST(test_trace_crlf)
{
	ck_assert_int_eq(feed_all("I  0400d7d4,8\r\n"
				  "r 0x10 4\r\n"
				  "2 w 0x20\r\n"
				  "\r\n"
				  " L 10,2\r",
				  0),
			 0);
	ck_assert_uint_eq(sink.n, 4);
	check_rec(0, VM_TRACE_X, 0x400d7d4, 8, 0, 1);
	check_rec(1, VM_TRACE_R, 0x10, 4, 0, 2);
	check_rec(2, VM_TRACE_W, 0x20, 1, 2, 3);
	check_rec(3, VM_TRACE_R, 0x10, 2, 0, 5);
}
END_TEST

START_TEST(test_trace_finish_last_line)
{
	reset(0);
	ck_assert_int_eq(
		vm_trace_feed(&tp, "r 0x10\nw 0x2", 12, sink_cb, &sink), 0);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(vm_trace_feed(&tp, "0", 1, sink_cb, &sink), 0);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink), 0);
	ck_assert_uint_eq(sink.n, 2);
	check_rec(1, VM_TRACE_W, 0x20, 1, 0, 2);
	/* nothing left */
	ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink), 0);
	ck_assert_uint_eq(sink.n, 2);
}
END_TEST

/* Records of text fed whole, to compare with other chunkings. */
static struct vm_trace_rec whole[MAXREC];
static size_t nwhole;

static void
take_whole(const char *text, unsigned flags)
{
	ck_assert_int_eq(feed_all(text, flags), 0);
	memcpy(whole, sink.rec, sizeof(whole));
	nwhole = sink.n;
}

static void
check_same_as_whole(size_t cut)
{
	ck_assert_msg(sink.n == nwhole, "cut %zu: %zu records, want %zu", cut,
		      sink.n, nwhole);
	ck_assert_msg(memcmp(sink.rec, whole, nwhole * sizeof(whole[0])) == 0,
		      "cut %zu: records differ", cut);
}

static const char mixed[] = "==7== Lackey\n"
			    "I  0400d7d4,8\n"
			    " S 7ff000398,8\n"
			    " M 0421fe30,4\n"
			    "\n"
			    "# comment\r\n"
			    "r 0x1000 4K\n"
			    "12 w 0x2000 8\n"
			    "x 16\n"
			    " L 04222cac,4";

START_TEST(test_trace_split_every_position)
{
	size_t len = strlen(mixed), cut;

	take_whole(mixed, VM_TRACE_SPLIT_M);
	ck_assert_uint_eq(nwhole, 8);
	for (cut = 0; cut <= len; cut++) {
		reset(VM_TRACE_SPLIT_M);
		ck_assert_int_eq(vm_trace_feed(&tp, mixed, cut, sink_cb, &sink),
				 0);
		ck_assert_int_eq(vm_trace_feed(&tp, mixed + cut, len - cut,
					       sink_cb, &sink),
				 0);
		ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink), 0);
		check_same_as_whole(cut);
		ck_assert_uint_eq(tp.lineno, 10);
	}
}
END_TEST

START_TEST(test_trace_split_three_ways)
{
	size_t len = strlen(mixed), a, b;

	take_whole(mixed, 0);
	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b++) {
			reset(0);
			vm_trace_feed(&tp, mixed, a, sink_cb, &sink);
			vm_trace_feed(&tp, mixed + a, b - a, sink_cb, &sink);
			vm_trace_feed(&tp, mixed + b, len - b, sink_cb, &sink);
			ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink),
					 0);
			check_same_as_whole(a * 1000 + b);
		}
	}
}
END_TEST

START_TEST(test_trace_byte_by_byte)
{
	size_t len = strlen(lackey_sample), i;

	take_whole(lackey_sample, 0);
	reset(0);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(vm_trace_feed(&tp, lackey_sample + i, 1,
					       sink_cb, &sink),
				 0);
	ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink), 0);
	check_same_as_whole(0);
}
END_TEST

START_TEST(test_trace_error_split_every_position)
{
	static const char text[] = "r 0x10\nw 0x20\nr 0xzz\nw 0x30\n";
	size_t len = strlen(text), cut;
	uint64_t l;
	int rc;

	for (cut = 0; cut <= len; cut++) {
		reset(0);
		rc = vm_trace_feed(&tp, text, cut, sink_cb, &sink);
		if (rc == 0)
			rc = vm_trace_feed(&tp, text + cut, len - cut, sink_cb,
					   &sink);
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_uint_eq(sink.n, 2);
		ck_assert_str_eq(vm_trace_error(&tp, &l), "bad address '0xzz'");
		ck_assert_uint_eq(l, 3);
	}
}
END_TEST

START_TEST(test_trace_parse_line)
{
	struct vm_trace_rec r;

	ck_assert_int_eq(vm_trace_parse_line(" M 0421fe30,4", 13, &r), 0);
	ck_assert_uint_eq(r.access, VM_TRACE_M);
	ck_assert_uint_eq(r.addr, 0x421fe30);
	ck_assert_uint_eq(r.size, 4);
	ck_assert_uint_eq(r.lineno, 0);
	ck_assert_uint_eq(r.format, VM_TRACE_FMT_LACKEY);
	ck_assert_int_eq(vm_trace_parse_line("5 w 0x20 2\n", 11, &r), 0);
	ck_assert_uint_eq(r.access, VM_TRACE_W);
	ck_assert_uint_eq(r.pid, 5);
	ck_assert_uint_eq(r.size, 2);
	ck_assert_int_eq(vm_trace_parse_line("r 0x10", 6, &r), 0);
	ck_assert_uint_eq(r.access, VM_TRACE_R);
	ck_assert_uint_eq(r.pid, 0);
	ck_assert_int_eq(vm_trace_parse_line("==1== hi", 8, &r), 0);
	ck_assert_uint_eq(r.access, 0);
	ck_assert_int_eq(vm_trace_parse_line("", 0, &r), 0);
	ck_assert_uint_eq(r.access, 0);
	ck_assert_int_eq(vm_trace_parse_line(NULL, 0, &r), 0);
	ck_assert_int_eq(vm_trace_parse_line("# x", 3, &r), 0);
	ck_assert_uint_eq(r.access, 0);
	/* only len bytes count */
	ck_assert_int_eq(vm_trace_parse_line("r 0x10zz", 6, &r), 0);
	ck_assert_uint_eq(r.addr, 0x10);
}
END_TEST

START_TEST(test_trace_cb_stop)
{
	uint64_t l = 99;
	int rc;

	reset(0);
	sink.stop_at = 2;
	sink.stop_rc = 7;
	rc = vm_trace_feed(&tp, "r 1\nr 2\nr 3\n", 12, sink_cb, &sink);
	ck_assert_int_eq(rc, 7);
	ck_assert_uint_eq(sink.n, 2);
	ck_assert_ptr_null(vm_trace_error(&tp, &l));
	ck_assert_uint_eq(l, 99);
	/* sticky */
	ck_assert_int_eq(vm_trace_feed(&tp, "r 4\n", 4, sink_cb, &sink), 7);
	ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink), 7);
	ck_assert_uint_eq(sink.n, 2);
	/* a stop between the halves of a split M */
	reset(VM_TRACE_SPLIT_M);
	sink.stop_at = 1;
	sink.stop_rc = -EFAULT;
	ck_assert_int_eq(vm_trace_feed(&tp, " M 10,1\n", 8, sink_cb, &sink),
			 -EFAULT);
	ck_assert_uint_eq(sink.n, 1);
	/* init restarts */
	reset(0);
	ck_assert_int_eq(vm_trace_feed(&tp, "r 4\n", 4, sink_cb, &sink), 0);
	ck_assert_uint_eq(sink.n, 1);
}
END_TEST

START_TEST(test_trace_null_cb)
{
	vm_trace_init(&tp, 0);
	ck_assert_int_eq(vm_trace_feed(&tp, lackey_sample,
				       strlen(lackey_sample), NULL, NULL),
			 0);
	ck_assert_int_eq(vm_trace_finish(&tp, NULL, NULL), 0);
	ck_assert_uint_eq(tp.nrec, 6);
	ck_assert_int_eq(vm_trace_feed(&tp, NULL, 0, NULL, NULL), 0);
}
END_TEST

START_TEST(test_trace_limits_address)
{
	ck_assert_int_eq(feed_all(" L ffffffffffffffff,1\n"
				  " L 0000000000000000000001,4\n"
				  "r 0xffffffffffffffff\n"
				  "r 0xfffffffffffff000 4K\n"
				  "w 18446744073709551615 1\n",
				  0),
			 0);
	ck_assert_uint_eq(sink.n, 5);
	check_rec(0, VM_TRACE_R, UINT64_MAX, 1, 0, 1);
	check_rec(1, VM_TRACE_R, 1, 4, 0, 2);
	check_rec(3, VM_TRACE_R, 0xfffffffffffff000ULL, 4096, 0, 4);
	check_bad(" L ffffffffffffffff,2\n", 0, 1, "access runs past 2^64 '2'");
	check_bad(" L 10000000000000000,1\n", 0, 1,
		  "address out of range '10000000000000000,1'");
	check_bad("r 0xfffffffffffff001 4K\n", 0, 1,
		  "access runs past 2^64 '4K'");
	check_bad("r 0x10000000000000000\n", 0, 1,
		  "address out of range '0x10000000000000000'");
}
END_TEST

START_TEST(test_trace_limits_size)
{
	ck_assert_int_eq(feed_all("r 0 1G\n L 0,1073741824\n", 0), 0);
	check_rec(0, VM_TRACE_R, 0, VM_TRACE_SIZE_MAX, 0, 1);
	check_rec(1, VM_TRACE_R, 0, VM_TRACE_SIZE_MAX, 0, 2);
	check_bad("r 0 0x40000001\n", 0, 1, "size out of range '0x40000001'");
	check_bad(" L 0,1073741825\n", 0, 1, "size out of range '1073741825'");
	check_bad(" L 0,99999999999999999999999\n", 0, 1,
		  "size out of range '99999999999999999999999'");
	check_bad("r 0 99999999999999999999999\n", 0, 1,
		  "size out of range '99999999999999999999999'");
}
END_TEST

START_TEST(test_trace_limits_pid)
{
	ck_assert_int_eq(feed_all("2147483647 r 0\n", 0), 0);
	check_rec(0, VM_TRACE_R, 0, 1, 2147483647u, 1);
	check_bad("2147483648 r 0\n", 0, 1, "pid out of range '2147483648'");
}
END_TEST

/* Builds a line of exactly n bytes (no '\n') that holds one record. */
static char *
long_line(size_t n)
{
	char *s = malloc(n + 2);

	ck_assert_ptr_nonnull(s);
	memset(s, ' ', n);
	memcpy(s, "r 0x10 #", 8);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

START_TEST(test_trace_limits_line_length)
{
	char *ok = long_line(VM_TRACE_LINE_MAX);
	char *big = long_line(VM_TRACE_LINE_MAX + 1);
	size_t cut;

	ck_assert_int_eq(feed_all(ok, 0), 0);
	ck_assert_uint_eq(sink.n, 1);
	check_bad(big, 0, 1, "line longer than 4096 bytes");
	/* the same, cut in two: kept part, then completed */
	for (cut = 1; cut <= VM_TRACE_LINE_MAX + 1; cut += 1000) {
		reset(0);
		ck_assert_int_eq(vm_trace_feed(&tp, ok, cut, sink_cb, &sink),
				 0);
		ck_assert_int_eq(vm_trace_feed(&tp, ok + cut, strlen(ok) - cut,
					       sink_cb, &sink),
				 0);
		ck_assert_uint_eq(sink.n, 1);
		reset(0);
		vm_trace_feed(&tp, "r 1\n", 4, sink_cb, &sink);
		vm_trace_feed(&tp, big, cut, sink_cb, &sink);
		ck_assert_int_eq(vm_trace_feed(&tp, big + cut,
					       strlen(big) - cut, sink_cb,
					       &sink),
				 -EINVAL);
		ck_assert_str_eq(vm_trace_error(&tp, NULL),
				 "line longer than 4096 bytes");
		ck_assert_uint_eq(tp.err_lineno, 2);
	}
	/* an overlong unterminated tail fails at once */
	reset(0);
	ck_assert_int_eq(
		vm_trace_feed(&tp, big, VM_TRACE_LINE_MAX + 1, sink_cb, &sink),
		-EINVAL);
	free(ok);
	free(big);
}
END_TEST

START_TEST(test_trace_errors_lines)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{"Q 1234", "unrecognised line 'Q'"},
		{"L0400,4", "unrecognised line 'L0400,4'"},
		{"I", "unrecognised line 'I'"},
		{"=", "unrecognised line '='"},
		{"-x", "unrecognised line '-x'"},
		{"\x01r 0", "unrecognised line '?r'"},
		{" L 0400d7d4", "bad lackey address,size '0400d7d4'"},
		{" L 04zz,4", "bad lackey address,size '04zz,4'"},
		{" L ,4", "bad lackey address,size ',4'"},
		{" L", "unrecognised line 'L'"},
		{" L ", "bad lackey address,size ''"},
		{" L 10 ,4", "bad lackey address,size '10'"},
		{" L 10,", "bad size ''"},
		{" L 10,4x", "bad size '4x'"},
		{" L 10,-4", "bad size '-4'"},
		{" L 10,4 5", "unexpected word '5'"},
		{" L 10,4#c", "bad size '4#c'"},
		{"r", "missing address"},
		{"r ", "missing address"},
		{"r # c", "missing address"},
		{"r zz", "bad address 'zz'"},
		{"r 12Q", "bad address '12Q'"},
		{"r 0x10 0", "zero size '0'"},
		{"r 0x10 4 extra", "unexpected word 'extra'"},
		{"r 0x10 four", "bad size 'four'"},
		{"rw 0x10", "bad access (r, w or x) 'rw'"},
		{"12 q 0x10", "bad access (r, w or x) 'q'"},
		{"12", "bad access (r, w or x)"},
		{"12 L 10,4", "bad access (r, w or x) 'L'"},
		{"0 r 0x10", "bad pid '0'"},
		{"1x r 0x10", "bad pid '1x'"},
		{"12 r", "missing address"},
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "r 1\n%s\nr 2\n", cases[i].line);
		check_bad(buf, 0, 2, cases[i].msg);
		ck_assert_uint_eq(sink.n, 1);
		check_bad(buf + 4, 0, 1, cases[i].msg);
		ck_assert_int_eq(vm_trace_parse_line(cases[i].line,
						     strlen(cases[i].line),
						     &sink.rec[0]),
				 -EINVAL);
		ck_assert_uint_eq(sink.rec[0].access, 0);
	}
}
END_TEST

START_TEST(test_trace_errors_no_pid)
{
	check_bad("r 1\n12 r 0x10\n", VM_TRACE_NO_PID, 2,
		  "pid-prefixed line in a one-process trace '12'");
	ck_assert_uint_eq(sink.n, 1);
}
END_TEST

START_TEST(test_trace_errors_sticky)
{
	uint64_t l;

	check_bad("r 1\nr 2\nbad\nr 3\n", 0, 3, "unrecognised line 'bad'");
	ck_assert_uint_eq(sink.n, 2);
	ck_assert_int_eq(vm_trace_feed(&tp, "r 4\n", 4, sink_cb, &sink),
			 -EINVAL);
	ck_assert_int_eq(vm_trace_finish(&tp, sink_cb, &sink), -EINVAL);
	ck_assert_uint_eq(sink.n, 2);
	ck_assert_str_eq(vm_trace_error(&tp, &l), "unrecognised line 'bad'");
	ck_assert_uint_eq(l, 3);
}
END_TEST

START_TEST(test_trace_errors_nul_and_quote)
{
	static const char nul[] = "r 0x1\0"
				  "0\n";
	char line[120];

	reset(0);
	ck_assert_int_eq(
		vm_trace_feed(&tp, nul, sizeof(nul) - 1, sink_cb, &sink),
		-EINVAL);
	ck_assert_str_eq(vm_trace_error(&tp, NULL), "bad address '0x1?0'");
	memset(line, 'z', sizeof(line));
	memcpy(line, "r ", 2);
	line[sizeof(line) - 1] = '\0';
	check_bad(line, 0, 1,
		  "bad address "
		  "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'");
}
END_TEST

Suite *
suite_trace(void)
{
	Suite *s = suite_create("trace");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_trace_lackey_sample);
	tcase_add_test(tc, test_trace_lackey_split_m);
	tcase_add_test(tc, test_trace_lackey_no_instr);
	tcase_add_test(tc, test_trace_lackey_lenient);
	tcase_add_test(tc, test_trace_simple);
	tcase_add_test(tc, test_trace_multi);
	tcase_add_test(tc, test_trace_blank_and_comments);
	tcase_add_test(tc, test_trace_crlf);
	tcase_add_test(tc, test_trace_finish_last_line);
	tcase_add_test(tc, test_trace_split_every_position);
	tcase_add_test(tc, test_trace_split_three_ways);
	tcase_add_test(tc, test_trace_byte_by_byte);
	tcase_add_test(tc, test_trace_error_split_every_position);
	tcase_add_test(tc, test_trace_parse_line);
	tcase_add_test(tc, test_trace_cb_stop);
	tcase_add_test(tc, test_trace_null_cb);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_trace_limits_address);
	tcase_add_test(tc, test_trace_limits_size);
	tcase_add_test(tc, test_trace_limits_pid);
	tcase_add_test(tc, test_trace_limits_line_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_trace_errors_lines);
	tcase_add_test(tc, test_trace_errors_no_pid);
	tcase_add_test(tc, test_trace_errors_sticky);
	tcase_add_test(tc, test_trace_errors_nul_and_quote);
	suite_add_tcase(s, tc);

	return s;
}
