/*
 * test_parse.c - numbers, protections, pids and words (parse.h).
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vmlab/parse.h"

Suite *suite_parse(void);

/* Parses s and checks the result and, on success, the value. */
static void
check_u64(const char *s, int want_rc, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int rc = vm_parse_u64(s, &v);

	ck_assert_msg(rc == want_rc, "'%s': rc %d, want %d", s, rc, want_rc);
	if (want_rc == 0)
		ck_assert_msg(v == want, "'%s': %llu, want %llu", s,
			      (unsigned long long)v, (unsigned long long)want);
	else
		ck_assert_msg(v == 0xdeadbeef, "'%s': out written on error", s);
}

static void
check_prot(const char *s, int want_rc, unsigned want)
{
	unsigned prot = 99;
	int rc = vm_parse_prot(s, &prot);

	ck_assert_msg(rc == want_rc, "'%s': rc %d, want %d", s, rc, want_rc);
	ck_assert_msg(prot == (want_rc ? 99u : want), "'%s': prot %u", s, prot);
}

START_TEST(test_parse_decimal)
{
	check_u64("0", 0, 0);
	check_u64("1", 0, 1);
	check_u64("4096", 0, 4096);
	check_u64("010", 0, 10);
	check_u64("123456789", 0, 123456789);
}
END_TEST

START_TEST(test_parse_hex)
{
	check_u64("0x0", 0, 0);
	check_u64("0x1000", 0, 4096);
	check_u64("0X1000", 0, 4096);
	check_u64("0xdeadBEEF", 0, 0xdeadbeef);
	check_u64("0x7fffffffffff", 0, 0x7fffffffffffULL);
	check_u64("0x1b", 0, 0x1b);
	check_u64("0x000000000000000000001", 0, 1);
}
END_TEST

START_TEST(test_parse_suffixes)
{
	check_u64("1K", 0, 1024);
	check_u64("1k", 0, 1024);
	check_u64("4K", 0, 4096);
	check_u64("4KiB", 0, 4096);
	check_u64("4kib", 0, 4096);
	check_u64("2M", 0, 2ULL << 20);
	check_u64("2MiB", 0, 2ULL << 20);
	check_u64("1G", 0, 1ULL << 30);
	check_u64("3g", 0, 3ULL << 30);
	check_u64("1T", 0, 1ULL << 40);
	check_u64("0x10K", 0, 0x4000);
	check_u64("0x1M", 0, 0x100000);
	check_u64("0x1g", 0, 1ULL << 30);
	check_u64("0K", 0, 0);
}
END_TEST

START_TEST(test_parse_u64n_bounded)
{
	uint64_t v = 0;

	/* only the first len bytes count */
	ck_assert_int_eq(vm_parse_u64n("4096xyz", 4, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(vm_parse_u64n("4Kz", 2, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(vm_parse_u64n("0x10", 2, &v), -EINVAL);
	ck_assert_int_eq(vm_parse_u64n("1", 0, &v), -EINVAL);
}
END_TEST

START_TEST(test_parse_prot_forms)
{
	check_prot("---", 0, 0);
	check_prot("none", 0, 0);
	check_prot("r--", 0, VM_PROT_READ);
	check_prot("rw-", 0, VM_PROT_READ | VM_PROT_WRITE);
	check_prot("r-x", 0, VM_PROT_READ | VM_PROT_EXEC);
	check_prot("rwx", 0, VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC);
	check_prot("-w-", 0, VM_PROT_WRITE);
	check_prot("--x", 0, VM_PROT_EXEC);
	check_prot("-wx", 0, VM_PROT_WRITE | VM_PROT_EXEC);
	check_prot("r", 0, VM_PROT_READ);
	check_prot("w", 0, VM_PROT_WRITE);
	check_prot("x", 0, VM_PROT_EXEC);
	check_prot("rw", 0, VM_PROT_READ | VM_PROT_WRITE);
	check_prot("rx", 0, VM_PROT_READ | VM_PROT_EXEC);
	check_prot("wx", 0, VM_PROT_WRITE | VM_PROT_EXEC);
}
END_TEST

START_TEST(test_parse_prot_bits)
{
	ck_assert_uint_eq(VM_PROT_READ, 1);
	ck_assert_uint_eq(VM_PROT_WRITE, 2);
	ck_assert_uint_eq(VM_PROT_EXEC, 4);
}
END_TEST

START_TEST(test_parse_pid)
{
	uint32_t pid = 0;

	ck_assert_int_eq(vm_parse_pid("1", 1, &pid), 0);
	ck_assert_uint_eq(pid, 1);
	ck_assert_int_eq(vm_parse_pid("4194304", 7, &pid), 0);
	ck_assert_uint_eq(pid, 4194304);
	ck_assert_int_eq(vm_parse_pid("0012", 4, &pid), 0);
	ck_assert_uint_eq(pid, 12);
}
END_TEST

/* Splits s and compares the words with want[] (NULL-terminated). */
static void
check_words(const char *s, const char *const *want)
{
	struct vm_parse_lex lx;
	struct vm_parse_word w;
	size_t i = 0;

	vm_parse_lex_init(&lx, s, strlen(s));
	while (vm_parse_lex_next(&lx, &w)) {
		ck_assert_msg(want[i] != NULL, "'%s': extra word", s);
		ck_assert_msg(vm_parse_word_is(&w, want[i]),
			      "'%s': word %zu is '%.*s', want '%s'", s, i,
			      (int)w.len, w.s, want[i]);
		i++;
	}
	ck_assert_msg(want[i] == NULL, "'%s': missing '%s'", s, want[i]);
	ck_assert_int_eq(vm_parse_lex_next(&lx, &w), 0);
}

START_TEST(test_parse_words)
{
	static const char *const w1[] = {"mmap", "auto", "4K", "rw-", NULL};
	static const char *const w2[] = {"a", "b#c", NULL};
	static const char *const none[] = {NULL};

	check_words("mmap auto 4K rw-", w1);
	check_words("  \tmmap\t auto  4K   rw-  \r\n", w1);
	check_words("mmap auto 4K rw- # a comment", w1);
	check_words("mmap auto 4K rw- #comment", w1);
	check_words("a b#c", w2);
	check_words("", none);
	check_words("   \t ", none);
	check_words("# only a comment", none);
	check_words("#", none);
}
END_TEST

START_TEST(test_parse_word_is)
{
	struct vm_parse_word w = {"spawned", 5};

	ck_assert(vm_parse_word_is(&w, "spawn"));
	ck_assert(!vm_parse_word_is(&w, "spawne"));
	ck_assert(!vm_parse_word_is(&w, "spaw"));
}
END_TEST

START_TEST(test_parse_limits_u64)
{
	check_u64("18446744073709551615", 0, UINT64_MAX);
	check_u64("0xffffffffffffffff", 0, UINT64_MAX);
	check_u64("0xFFFFFFFFFFFFFFFF", 0, UINT64_MAX);
	check_u64("16777215T", 0, 16777215ULL << 40);
	check_u64("0xfffffffffffffK", 0, 0xfffffffffffffULL << 10);
	check_u64("17179869183G", 0, 17179869183ULL << 30);
}
END_TEST

START_TEST(test_parse_limits_overflow)
{
	check_u64("18446744073709551616", -ERANGE, 0);
	check_u64("99999999999999999999", -ERANGE, 0);
	check_u64("0x10000000000000000", -ERANGE, 0);
	check_u64("0x1ffffffffffffffff", -ERANGE, 0);
	check_u64("16777216T", -ERANGE, 0);
	check_u64("17179869184G", -ERANGE, 0);
	check_u64("0x40000000000000K", -ERANGE, 0);
	check_u64("0x3fffffffffffffK", 0, 0x3fffffffffffffULL << 10);
	check_u64("18014398509481984K", -ERANGE, 0);
	/* syntax is checked before range */
	check_u64("99999999999999999999Q", -EINVAL, 0);
}
END_TEST

START_TEST(test_parse_limits_pid)
{
	uint32_t pid = 7;

	ck_assert_int_eq(vm_parse_pid("2147483647", 10, &pid), 0);
	ck_assert_uint_eq(pid, 2147483647u);
	ck_assert_int_eq(vm_parse_pid("2147483648", 10, &pid), -ERANGE);
	ck_assert_int_eq(vm_parse_pid("99999999999999999999999", 23, &pid),
			 -ERANGE);
	ck_assert_uint_eq(pid, 2147483647u);
}
END_TEST

START_TEST(test_parse_limits_long_word)
{
	char buf[5000];
	struct vm_parse_lex lx;
	struct vm_parse_word w;

	memset(buf, 'a', sizeof(buf));
	vm_parse_lex_init(&lx, buf, sizeof(buf));
	ck_assert_int_eq(vm_parse_lex_next(&lx, &w), 1);
	ck_assert_uint_eq(w.len, sizeof(buf));
	ck_assert_int_eq(vm_parse_lex_next(&lx, &w), 0);
}
END_TEST

START_TEST(test_parse_errors_u64)
{
	static const char *const bad[] = {
		"",	 " 1",	"1 ",	 "-1",	   "+1",    "0x",   "0X",
		"x10",	 "1KB", "1kb",	 "1Ki",	   "1KiBB", "1B",   "1P",
		"1E",	 "1.5", "1_000", "0x1h",   "0xK",   "K",    "1KK",
		"0b101", "1e3", "12Q",	 "0x12zz", "1,2",   "\xff", "1K ",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_u64(bad[i], -EINVAL, 0);
}
END_TEST

START_TEST(test_parse_errors_u64_nul)
{
	uint64_t v = 5;

	ck_assert_int_eq(vm_parse_u64n("12\0"
				       "3",
				       4, &v),
			 -EINVAL);
	ck_assert_uint_eq(v, 5);
}
END_TEST

START_TEST(test_parse_errors_prot)
{
	static const char *const bad[] = {
		"",    "-",    "--",   "----", "rw-p", "rwxp", "wr",	"xr",
		"rr",  "rwxx", "RW-",  "R",    "NONE", "None", "nonee", "w-r",
		"x--", "r-w",  "rw -", "q",    "rwq",  "r-",   "-x",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_prot(bad[i], -EINVAL, 0);
}
END_TEST

START_TEST(test_parse_errors_pid)
{
	uint32_t pid = 3;

	ck_assert_int_eq(vm_parse_pid("0", 1, &pid), -EINVAL);
	ck_assert_int_eq(vm_parse_pid("", 0, &pid), -EINVAL);
	ck_assert_int_eq(vm_parse_pid("0x10", 4, &pid), -EINVAL);
	ck_assert_int_eq(vm_parse_pid("4K", 2, &pid), -EINVAL);
	ck_assert_int_eq(vm_parse_pid("-1", 2, &pid), -EINVAL);
	ck_assert_int_eq(vm_parse_pid("1 ", 2, &pid), -EINVAL);
	ck_assert_uint_eq(pid, 3);
}
END_TEST

Suite *
suite_parse(void)
{
	Suite *s = suite_create("parse");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_parse_decimal);
	tcase_add_test(tc, test_parse_hex);
	tcase_add_test(tc, test_parse_suffixes);
	tcase_add_test(tc, test_parse_u64n_bounded);
	tcase_add_test(tc, test_parse_prot_forms);
	tcase_add_test(tc, test_parse_prot_bits);
	tcase_add_test(tc, test_parse_pid);
	tcase_add_test(tc, test_parse_words);
	tcase_add_test(tc, test_parse_word_is);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_parse_limits_u64);
	tcase_add_test(tc, test_parse_limits_overflow);
	tcase_add_test(tc, test_parse_limits_pid);
	tcase_add_test(tc, test_parse_limits_long_word);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_parse_errors_u64);
	tcase_add_test(tc, test_parse_errors_u64_nul);
	tcase_add_test(tc, test_parse_errors_prot);
	tcase_add_test(tc, test_parse_errors_pid);
	suite_add_tcase(s, tc);

	return s;
}
