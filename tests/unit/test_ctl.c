/*
 * test_ctl.c - the ctl command language (ctl.h).
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/ctl.h"

Suite *suite_ctl(void);

#define G VM_CTL_GLOBAL
#define P VM_CTL_PROC
#define ANY (VM_CTL_GLOBAL | VM_CTL_PROC)

static struct vm_ctl_cmd cmd;
static char err[256];

/* Parses the NUL-terminated line s, which must succeed. */
static void
ok(const char *s, int scope)
{
	int rc = vm_ctl_parse(s, strlen(s), scope, &cmd, err, sizeof(err));

	ck_assert_msg(rc == 0, "'%s': rc %d (%s)", s, rc, err);
	ck_assert_msg(err[0] == '\0', "'%s': err '%s' on success", s, err);
}

/* Parses the len bytes at s, which must fail with the message want. */
static void
bad_n(const char *s, size_t len, int scope, const char *want)
{
	static const struct vm_ctl_cmd zero;
	int rc;

	memset(&cmd, 0x5a, sizeof(cmd));
	rc = vm_ctl_parse(s, len, scope, &cmd, err, sizeof(err));
	ck_assert_msg(rc == -EINVAL, "'%s': rc %d, want -EINVAL", s, rc);
	ck_assert_msg(strcmp(err, want) == 0, "'%s': err '%s', want '%s'", s,
		      err, want);
	ck_assert_msg(memcmp(&cmd, &zero, sizeof(cmd)) == 0,
		      "'%s': cmd not zeroed on failure", s);
}

static void
bad(const char *s, int scope, const char *want)
{
	bad_n(s, strlen(s), scope, want);
}

START_TEST(test_ctl_spawn)
{
	ok("spawn", G);
	ck_assert_int_eq(cmd.op, VM_CTL_SPAWN);
	ck_assert_str_eq(cmd.name, "");
	ok("spawn worker", G);
	ck_assert_int_eq(cmd.op, VM_CTL_SPAWN);
	ck_assert_str_eq(cmd.name, "worker");
	ok("  spawn\tsh   # the shell", G);
	ck_assert_str_eq(cmd.name, "sh");
	ok("spawn 123456789012345", G);
	ck_assert_str_eq(cmd.name, "123456789012345");
	ok("spawn caf\xc3\xa9", G);
	ck_assert_str_eq(cmd.name, "caf\xc3\xa9");
}
END_TEST

START_TEST(test_ctl_kill)
{
	ok("kill 42", G);
	ck_assert_int_eq(cmd.op, VM_CTL_KILL);
	ck_assert_uint_eq(cmd.pid, 42);
	ok("kill 1", G);
	ck_assert_uint_eq(cmd.pid, 1);
}
END_TEST

START_TEST(test_ctl_global_plain)
{
	ok("drop_caches", G);
	ck_assert_int_eq(cmd.op, VM_CTL_DROP_CACHES);
	ok("hibernate", G);
	ck_assert_int_eq(cmd.op, VM_CTL_HIBERNATE);
	ok("reset", G);
	ck_assert_int_eq(cmd.op, VM_CTL_RESET);
	ok("reset # start over", G);
	ck_assert_int_eq(cmd.op, VM_CTL_RESET);
}
END_TEST

START_TEST(test_ctl_mmap_anon)
{
	ok("mmap 0x10000 8K rw-", P);
	ck_assert_int_eq(cmd.op, VM_CTL_MMAP);
	ck_assert_uint_eq(cmd.addr, 0x10000);
	ck_assert_uint_eq(cmd.len, 8192);
	ck_assert_uint_eq(cmd.prot, VM_PROT_READ | VM_PROT_WRITE);
	ck_assert_uint_eq(cmd.flags, 0);
	ck_assert_uint_eq(cmd.offset, 0);
	ck_assert_uint_eq(cmd.huge, 0);
	ck_assert_str_eq(cmd.path, "");
	ok("mmap 65536 4096 none anon private", P);
	ck_assert_uint_eq(cmd.addr, 65536);
	ck_assert_uint_eq(cmd.len, 4096);
	ck_assert_uint_eq(cmd.prot, 0);
	ck_assert_uint_eq(cmd.flags, 0);
	ok("mmap 0x20000 4K rw anon shared", P);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_SHARED);
}
END_TEST

START_TEST(test_ctl_mmap_auto)
{
	ok("mmap auto 4K r", P);
	ck_assert_int_eq(cmd.op, VM_CTL_MMAP);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_AUTO);
	ck_assert_uint_eq(cmd.addr, 0);
	ck_assert_uint_eq(cmd.len, 4096);
	ck_assert_uint_eq(cmd.prot, VM_PROT_READ);
}
END_TEST

START_TEST(test_ctl_mmap_file)
{
	ok("mmap auto 1M r-x file=lib.so@0x2000 shared populate", P);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_AUTO | VM_CTL_MAP_FILE |
					     VM_CTL_MAP_SHARED |
					     VM_CTL_MAP_POPULATE);
	ck_assert_str_eq(cmd.path, "lib.so");
	ck_assert_uint_eq(cmd.offset, 0x2000);
	ck_assert_uint_eq(cmd.len, 1 << 20);
	ck_assert_uint_eq(cmd.prot, VM_PROT_READ | VM_PROT_EXEC);
	ok("mmap 0x400000 8K r file=data/x.bin", P);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_FILE);
	ck_assert_str_eq(cmd.path, "data/x.bin");
	ck_assert_uint_eq(cmd.offset, 0);
	ok("mmap 0x400000 8K r file=x@4K private", P);
	ck_assert_str_eq(cmd.path, "x");
	ck_assert_uint_eq(cmd.offset, 4096);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_FILE);
}
END_TEST

START_TEST(test_ctl_mmap_file_at_sign)
{
	ok("mmap auto 4K r file=a@b@0", P);
	ck_assert_str_eq(cmd.path, "a@b");
	ck_assert_uint_eq(cmd.offset, 0);
	ok("mmap auto 4K r file=user@host/f@8K", P);
	ck_assert_str_eq(cmd.path, "user@host/f");
	ck_assert_uint_eq(cmd.offset, 8192);
	ok("mmap auto 4K r file=/abs#x", P);
	ck_assert_str_eq(cmd.path, "/abs#x");
}
END_TEST

START_TEST(test_ctl_mmap_huge)
{
	ok("mmap 0x200000 2M rw huge=2M", P);
	ck_assert_uint_eq(cmd.huge, 2 << 20);
	ok("mmap 0x40000000 1G rw huge=1G", P);
	ck_assert_uint_eq(cmd.huge, 1 << 30);
	ok("mmap auto 2M rw huge=0x200000", P);
	ck_assert_uint_eq(cmd.huge, 2 << 20);
	ok("mmap auto 2M rw huge=2097152", P);
	ck_assert_uint_eq(cmd.huge, 2 << 20);
	ok("mmap auto 2M rw huge=1024M", P);
	ck_assert_uint_eq(cmd.huge, 1 << 30);
	ok("mmap auto 2M rw huge=2MiB", P);
	ck_assert_uint_eq(cmd.huge, 2 << 20);
}
END_TEST

START_TEST(test_ctl_mmap_any_order)
{
	ok("mmap 0x400000 2M rwx populate huge=2M private anon", P);
	ck_assert_uint_eq(cmd.addr, 0x400000);
	ck_assert_uint_eq(cmd.len, 2 << 20);
	ck_assert_uint_eq(cmd.prot, 7);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_POPULATE);
	ck_assert_uint_eq(cmd.huge, 2 << 20);
	ok("mmap auto 4K rw shared file=f@0x1000", P);
	ck_assert_uint_eq(cmd.flags, VM_CTL_MAP_AUTO | VM_CTL_MAP_SHARED |
					     VM_CTL_MAP_FILE);
	ck_assert_str_eq(cmd.path, "f");
	ck_assert_uint_eq(cmd.offset, 0x1000);
}
END_TEST

START_TEST(test_ctl_range_commands)
{
	ok("munmap 0x10000 8K", P);
	ck_assert_int_eq(cmd.op, VM_CTL_MUNMAP);
	ck_assert_uint_eq(cmd.addr, 0x10000);
	ck_assert_uint_eq(cmd.len, 8192);
	ok("msync 0x10000 0x3000", P);
	ck_assert_int_eq(cmd.op, VM_CTL_MSYNC);
	ck_assert_uint_eq(cmd.addr, 0x10000);
	ck_assert_uint_eq(cmd.len, 0x3000);
	ok("mprotect 0x10000 4K r--", P);
	ck_assert_int_eq(cmd.op, VM_CTL_MPROTECT);
	ck_assert_uint_eq(cmd.addr, 0x10000);
	ck_assert_uint_eq(cmd.len, 4096);
	ck_assert_uint_eq(cmd.prot, VM_PROT_READ);
	ok("mprotect 0x10000 4K none", P);
	ck_assert_uint_eq(cmd.prot, 0);
}
END_TEST

START_TEST(test_ctl_madvise)
{
	ok("madvise 0x10000 4K dontneed", P);
	ck_assert_int_eq(cmd.op, VM_CTL_MADVISE);
	ck_assert_uint_eq(cmd.addr, 0x10000);
	ck_assert_uint_eq(cmd.len, 4096);
	ck_assert_int_eq(cmd.advice, VM_CTL_MADV_DONTNEED);
	ok("madvise 0x10000 4K willneed", P);
	ck_assert_int_eq(cmd.advice, VM_CTL_MADV_WILLNEED);
	ok("madvise 0x10000 4K pageout", P);
	ck_assert_int_eq(cmd.advice, VM_CTL_MADV_PAGEOUT);
}
END_TEST

START_TEST(test_ctl_process_plain)
{
	ok("fork", P);
	ck_assert_int_eq(cmd.op, VM_CTL_FORK);
	ok("exit", P);
	ck_assert_int_eq(cmd.op, VM_CTL_EXIT);
	ok("exec bin/hello", P);
	ck_assert_int_eq(cmd.op, VM_CTL_EXEC);
	ck_assert_str_eq(cmd.path, "bin/hello");
}
END_TEST

START_TEST(test_ctl_touch)
{
	ok("touch 0x1000 r", P);
	ck_assert_int_eq(cmd.op, VM_CTL_TOUCH);
	ck_assert_uint_eq(cmd.addr, 0x1000);
	ck_assert_uint_eq(cmd.len, 1);
	ck_assert_uint_eq(cmd.access, VM_PROT_READ);
	ok("touch 0x1000 8K w", P);
	ck_assert_uint_eq(cmd.len, 8192);
	ck_assert_uint_eq(cmd.access, VM_PROT_WRITE);
	ok("touch 4096 x", P);
	ck_assert_uint_eq(cmd.addr, 4096);
	ck_assert_uint_eq(cmd.len, 1);
	ck_assert_uint_eq(cmd.access, VM_PROT_EXEC);
	ok("touch 0xffff800000000000 w", P);
	ck_assert_uint_eq(cmd.addr, 0xffff800000000000ULL);
	ck_assert_uint_eq(cmd.flags, 0);
	/* a supervisor-mode touch, with or without a length */
	ok("touch 0xffffffff80000000 r kernel", P);
	ck_assert_uint_eq(cmd.flags, VM_CTL_TOUCH_KERNEL);
	ck_assert_uint_eq(cmd.len, 1);
	ok("touch 0xffffffff80000000 8K w kernel # the kernel's own", P);
	ck_assert_uint_eq(cmd.flags, VM_CTL_TOUCH_KERNEL);
	ck_assert_uint_eq(cmd.len, 8192);
	ck_assert_uint_eq(cmd.access, VM_PROT_WRITE);
	bad("touch 0x1000 r kernal", P, "unexpected word 'kernal'");
	bad("touch 0x1000 r kernel kernel", P, "unexpected word 'kernel'");
}
END_TEST

START_TEST(test_ctl_blank_and_comment)
{
	static const char *const lines[] = {
		"",	     " ",	 "\t \t", "\n",	    "\r\n",
		"# comment", "   # x\n", "#",	  "#spawn",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ok(lines[i], G);
		ck_assert_int_eq(cmd.op, VM_CTL_NONE);
		ok(lines[i], P);
		ck_assert_int_eq(cmd.op, VM_CTL_NONE);
	}
	ck_assert_int_eq(vm_ctl_parse(NULL, 0, G, &cmd, NULL, 0), 0);
	ck_assert_int_eq(cmd.op, VM_CTL_NONE);
}
END_TEST

START_TEST(test_ctl_line_endings)
{
	ok("fork\n", P);
	ck_assert_int_eq(cmd.op, VM_CTL_FORK);
	ok("fork\r\n", P);
	ck_assert_int_eq(cmd.op, VM_CTL_FORK);
	ok("mmap auto 4K rw\r\n", P);
	ck_assert_uint_eq(cmd.prot, VM_PROT_READ | VM_PROT_WRITE);
	ok("exec a.out\r\n", P);
	ck_assert_str_eq(cmd.path, "a.out");
	/* only the bytes given count */
	ck_assert_int_eq(vm_ctl_parse("forkexit", 4, P, &cmd, err, sizeof(err)),
			 0);
	ck_assert_int_eq(cmd.op, VM_CTL_FORK);
}
END_TEST

START_TEST(test_ctl_any_scope)
{
	ok("spawn", ANY);
	ck_assert_int_eq(cmd.op, VM_CTL_SPAWN);
	ok("mmap auto 4K rw", ANY);
	ck_assert_int_eq(cmd.op, VM_CTL_MMAP);
}
END_TEST

START_TEST(test_ctl_op_names)
{
	static const char *const names[VM_CTL_NR_OPS] = {
		"none",	   "spawn", "kill",   "drop_caches", "hibernate",
		"reset",   "mmap",  "munmap", "mprotect",    "msync",
		"madvise", "fork",  "exec",   "touch",	     "exit",
	};
	int op;

	for (op = 0; op < VM_CTL_NR_OPS; op++)
		ck_assert_str_eq(vm_ctl_op_name(op), names[op]);
	ck_assert_str_eq(vm_ctl_op_name(-1), "unknown");
	ck_assert_str_eq(vm_ctl_op_name(VM_CTL_NR_OPS), "unknown");
}
END_TEST

START_TEST(test_ctl_next_line)
{
	static const char buf[] = "spawn a\nkill 2\r\n\n  # c\nfork";
	const char *pos = buf, *end = buf + sizeof(buf) - 1, *l;
	static const char *const want[] = {
		"spawn a", "kill 2", "", "  # c", "fork",
	};
	size_t i, n;

	for (i = 0; i < 5; i++) {
		l = vm_ctl_next_line(&pos, end, &n);
		ck_assert_ptr_nonnull(l);
		ck_assert_uint_eq(n, strlen(want[i]));
		ck_assert(memcmp(l, want[i], n) == 0);
	}
	ck_assert_ptr_null(vm_ctl_next_line(&pos, end, &n));
	ck_assert_ptr_eq(pos, end);

	pos = "x\n";
	end = pos + 2;
	l = vm_ctl_next_line(&pos, end, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(vm_ctl_next_line(&pos, end, &n));
	pos = end = buf;
	ck_assert_ptr_null(vm_ctl_next_line(&pos, end, &n));
}
END_TEST

/* Lines whose canonical form is given: parse, format, compare, reparse. */
START_TEST(test_ctl_format_canonical)
{
	static const char *const pairs[][2] = {
		{"spawn", "spawn"},
		{"spawn  web", "spawn web"},
		{"kill 7", "kill 7"},
		{"drop_caches", "drop_caches"},
		{"hibernate", "hibernate"},
		{"reset", "reset"},
		{"mmap auto 4K rw", "mmap auto 0x1000 rw- anon private"},
		{"mmap 0x10000 8K r-x file=a@b@4K shared huge=2M populate",
		 "mmap 0x10000 0x2000 r-x file=a@b@0x1000 shared huge=2M "
		 "populate"},
		{"mmap 0 1G none huge=1G", "mmap 0x0 0x40000000 --- anon "
					   "private huge=1G"},
		{"munmap 4096 4096", "munmap 0x1000 0x1000"},
		{"mprotect 0x1000 4K wx", "mprotect 0x1000 0x1000 -wx"},
		{"msync 0x1000 4K", "msync 0x1000 0x1000"},
		{"madvise 0x1000 4K pageout", "madvise 0x1000 0x1000 pageout"},
		{"fork", "fork"},
		{"exec bin/sh", "exec bin/sh"},
		{"touch 0x1000 w", "touch 0x1000 0x1 w"},
		{"touch 0x1000 2 x", "touch 0x1000 0x2 x"},
		{"touch 0x1000 r kernel", "touch 0x1000 0x1 r kernel"},
		{"exit", "exit"},
	};
	struct vm_ctl_cmd first;
	char out[VM_CTL_PATH_MAX + 160];
	size_t i;
	int n;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ok(pairs[i][0], ANY);
		first = cmd;
		n = vm_ctl_format(&first, out, sizeof(out));
		ck_assert_int_eq(n, (int)strlen(pairs[i][1]));
		ck_assert_str_eq(out, pairs[i][1]);
		ok(out, ANY);
		ck_assert(memcmp(&cmd, &first, sizeof(cmd)) == 0);
	}
}
END_TEST

START_TEST(test_ctl_limits_top_of_space)
{
	ok("touch 0xffffffffffffffff r", P);
	ck_assert_uint_eq(cmd.addr, UINT64_MAX);
	ok("touch 0xfffffffffffff000 4K w", P);
	ok("munmap 0 0xffffffffffffffff", P);
	ck_assert_uint_eq(cmd.len, UINT64_MAX);
	ok("mmap auto 0xffffffffffffffff rw", P);
	ok("mmap auto 8K r file=f@0xffffffffffffe000", P);
	ck_assert_uint_eq(cmd.offset, 0xffffffffffffe000ULL);
	bad("touch 0xfffffffffffff001 4K r", P,
	    "length '4K' runs past the end of the address space");
	ok("munmap 1 0xffffffffffffffff", P);
	bad("munmap 2 0xffffffffffffffff", P,
	    "length '0xffffffffffffffff' runs past the end of the address "
	    "space");
	bad("mmap 0xffffffffffffffff 2 rw", P,
	    "length '2' runs past the end of the address space");
	bad("mmap auto 8K r file=f@0xfffffffffffff000", P,
	    "file offset in 'file=f@0xfffffffffffff000' runs past 2^64 with "
	    "this length");
}
END_TEST

START_TEST(test_ctl_limits_numbers)
{
	bad("munmap 0x10000000000000000 4K", P,
	    "address '0x10000000000000000' out of range");
	bad("munmap 0 18446744073709551616", P,
	    "length '18446744073709551616' out of range");
	bad("mmap auto 4K r file=f@16777216T", P,
	    "file offset '16777216T' out of range");
	ok("kill 2147483647", G);
	ck_assert_uint_eq(cmd.pid, 2147483647u);
	bad("kill 2147483648", G, "pid '2147483648' out of range");
}
END_TEST

START_TEST(test_ctl_limits_name)
{
	ok("spawn abcdefghijklmno", G);
	ck_assert_str_eq(cmd.name, "abcdefghijklmno");
	bad("spawn abcdefghijklmnop", G,
	    "name too long 'abcdefghijklmnop' (15 bytes at most)");
}
END_TEST

START_TEST(test_ctl_limits_path)
{
	char *line = malloc(VM_CTL_PATH_MAX + 64);
	char want[80];
	char *p;

	ck_assert_ptr_nonnull(line);
	strcpy(line, "exec ");
	p = line + 5;
	memset(p, 'p', VM_CTL_PATH_MAX - 1);
	p[VM_CTL_PATH_MAX - 1] = '\0';
	ok(line, P);
	ck_assert_uint_eq(strlen(cmd.path), VM_CTL_PATH_MAX - 1);
	strcat(line, "q");
	snprintf(want, sizeof(want), "path too long '%.40s...'", p);
	bad(line, P, want);

	strcpy(line, "mmap auto 4K r file=");
	p = line + strlen(line);
	memset(p, 'p', VM_CTL_PATH_MAX - 1);
	strcpy(p + VM_CTL_PATH_MAX - 1, "@4K");
	ok(line, P);
	ck_assert_uint_eq(strlen(cmd.path), VM_CTL_PATH_MAX - 1);
	ck_assert_uint_eq(cmd.offset, 4096);
	strcpy(p + VM_CTL_PATH_MAX - 1, "p@4K");
	snprintf(want, sizeof(want), "path too long '%.40s...'", p - 5);
	bad(line, P, want);
	free(line);
}
END_TEST

START_TEST(test_ctl_limits_err_buffer)
{
	char small[8];
	int rc;

	rc = vm_ctl_parse("mmapp", 5, P, &cmd, small, sizeof(small));
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_str_eq(small, "unknown");
	rc = vm_ctl_parse("mmapp", 5, P, &cmd, NULL, 0);
	ck_assert_int_eq(rc, -EINVAL);
	rc = vm_ctl_parse("fork", 4, P, &cmd, small, 1);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(small, "");
}
END_TEST

START_TEST(test_ctl_limits_quote)
{
	char line[200];

	memset(line, 'z', 100);
	line[100] = '\0';
	bad(line, P,
	    "unknown command "
	    "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'");
	bad("mmap\x01", P, "unknown command 'mmap?'");
	bad_n("mmap\0x 4K rw", 11, P, "unknown command 'mmap?x'");
	bad("spawn a\x7f"
	    "b",
	    G, "control character in name 'a?b'");
}
END_TEST

START_TEST(test_ctl_limits_format_space)
{
	static const char want[] = "mmap 0x10000 0x2000 r-x "
				   "file=lib@0x1000 shared";
	char out[64];
	int n;

	ok("mmap 0x10000 8K r-x file=lib@4K shared", P);
	ck_assert_int_eq(vm_ctl_format(&cmd, out, 10), -ENOSPC);
	ck_assert_uint_eq(strlen(out), 9);
	ck_assert_int_eq(vm_ctl_format(&cmd, out, 0), -ENOSPC);
	n = (int)strlen(want);
	ck_assert_int_eq(vm_ctl_format(&cmd, out, sizeof(out)), n);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(vm_ctl_format(&cmd, out, (size_t)n + 1), n);
	ck_assert_int_eq(vm_ctl_format(&cmd, out, (size_t)n), -ENOSPC);
	cmd.op = VM_CTL_NONE;
	ck_assert_int_eq(vm_ctl_format(&cmd, out, sizeof(out)), -EINVAL);
	cmd.op = VM_CTL_NR_OPS;
	ck_assert_int_eq(vm_ctl_format(&cmd, out, sizeof(out)), -EINVAL);
}
END_TEST

START_TEST(test_ctl_errors_command)
{
	bad("mmapp 0 4K rw", P, "unknown command 'mmapp'");
	bad("MMAP auto 4K rw", P, "unknown command 'MMAP'");
	bad("frok", P, "unknown command 'frok'");
	bad("fork\nexit", P, "line break inside line");
	bad("fork\n\n", P, "line break inside line");
}
END_TEST

START_TEST(test_ctl_errors_scope)
{
	bad("spawn", P, "'spawn' is a global command");
	bad("kill 3", P, "'kill' is a global command");
	bad("drop_caches", P, "'drop_caches' is a global command");
	bad("hibernate", P, "'hibernate' is a global command");
	bad("reset", P, "'reset' is a global command");
	bad("mmap auto 4K rw", G, "'mmap' is a process command");
	bad("munmap 0 4K", G, "'munmap' is a process command");
	bad("mprotect 0 4K r", G, "'mprotect' is a process command");
	bad("msync 0 4K", G, "'msync' is a process command");
	bad("madvise 0 4K pageout", G, "'madvise' is a process command");
	bad("fork", G, "'fork' is a process command");
	bad("exec x", G, "'exec' is a process command");
	bad("touch 0 r", G, "'touch' is a process command");
	bad("exit", G, "'exit' is a process command");
}
END_TEST

START_TEST(test_ctl_errors_usage)
{
	static const char mmap_usage[] =
		"usage: mmap ADDR|auto LEN PROT "
		"[anon | file=PATH[@OFF]] [shared | private] [huge=2M|1G] "
		"[populate]";

	bad("kill", G, "usage: kill PID");
	bad("mmap", P, mmap_usage);
	bad("mmap auto", P, mmap_usage);
	bad("mmap auto 4K", P, mmap_usage);
	bad("mmap auto 4K # rw", P, mmap_usage);
	bad("munmap", P, "usage: munmap ADDR LEN");
	bad("munmap 0x1000", P, "usage: munmap ADDR LEN");
	bad("msync 0x1000", P, "usage: msync ADDR LEN");
	bad("mprotect 0 4K", P, "usage: mprotect ADDR LEN PROT");
	bad("madvise 0 4K", P,
	    "usage: madvise ADDR LEN dontneed|willneed|pageout");
	bad("exec", P, "usage: exec PATH");
	bad("exec #x", P, "usage: exec PATH");
	bad("touch", P, "usage: touch ADDR [LEN] r|w|x [kernel]");
	bad("touch 0x1000", P, "usage: touch ADDR [LEN] r|w|x [kernel]");
	bad("touch 0x1000 4K", P, "usage: touch ADDR [LEN] r|w|x [kernel]");
	bad("touch 0x1000 99999999999999999999", P,
	    "usage: touch ADDR [LEN] r|w|x [kernel]");
}
END_TEST

START_TEST(test_ctl_errors_values)
{
	bad("munmap 0x1000 12Q", P, "bad length '12Q'");
	bad("munmap zz 4K", P, "bad address 'zz'");
	bad("munmap auto 4K", P, "bad address 'auto'");
	bad("munmap 0x1000 0", P, "bad length '0': must be > 0");
	bad("mmap auto 0 rw", P, "bad length '0': must be > 0");
	bad("mmap auto -4K rw", P, "bad length '-4K'");
	bad("mmap 0x1000 4K rwq", P, "bad protection 'rwq'");
	bad("mmap 0x1000 4K rw-p", P, "bad protection 'rw-p'");
	bad("mprotect 0x1000 4K 7", P, "bad protection '7'");
	bad("madvise 0 4K free", P,
	    "bad advice 'free' (dontneed, willneed or pageout)");
	bad("touch 0x1000 q", P, "bad access 'q' (r, w or x)");
	bad("touch 0x1000 read", P, "bad access 'read' (r, w or x)");
	bad("touch 0x1000 4K q", P, "bad access 'q' (r, w or x)");
	bad("touch 0x1000 4K rw", P, "bad access 'rw' (r, w or x)");
	bad("touch 0x1000 zz w", P, "bad length 'zz'");
	bad("touch 0x1000 0 w", P, "bad length '0': must be > 0");
	bad("touch nowhere r", P, "bad address 'nowhere'");
}
END_TEST

START_TEST(test_ctl_errors_extra_words)
{
	bad("fork now", P, "unexpected word 'now'");
	bad("exit 0", P, "unexpected word '0'");
	bad("drop_caches 3", G, "unexpected word '3'");
	bad("spawn a b", G, "unexpected word 'b'");
	bad("kill 1 2", G, "unexpected word '2'");
	bad("munmap 0 4K x", P, "unexpected word 'x'");
	bad("mprotect 0 4K r w", P, "unexpected word 'w'");
	bad("madvise 0 4K pageout now", P, "unexpected word 'now'");
	bad("exec a b", P, "unexpected word 'b'");
	bad("touch 0 r r", P, "unexpected word 'r'");
	bad("touch 0 1 r r", P, "unexpected word 'r'");
}
END_TEST

START_TEST(test_ctl_errors_mmap_options)
{
	bad("mmap auto 4K rw privat", P, "unknown mmap option 'privat'");
	bad("mmap auto 4K rw file", P, "unknown mmap option 'file'");
	bad("mmap auto 4K rw huge", P, "unknown mmap option 'huge'");
	bad("mmap auto 4K rw shared shared", P, "duplicate option 'shared'");
	bad("mmap auto 4K rw populate populate", P,
	    "duplicate option 'populate'");
	bad("mmap auto 4K rw shared private", P,
	    "'private' conflicts with 'shared'");
	bad("mmap auto 4K rw anon file=x", P, "'file=x' conflicts with 'anon'");
	bad("mmap auto 4K rw file=x anon", P, "'anon' conflicts with 'file=x'");
	bad("mmap auto 4K rw file=x file=y", P,
	    "'file=y' conflicts with 'file=x'");
	bad("mmap auto 2M rw huge=2M huge=1G", P,
	    "'huge=1G' conflicts with 'huge=2M'");
	bad("mmap auto 4M rw huge=4M", P,
	    "bad huge page size 'huge=4M' (2M or 1G)");
	bad("mmap auto 4M rw huge=", P,
	    "bad huge page size 'huge=' (2M or 1G)");
	bad("mmap auto 4M rw huge=4K", P,
	    "bad huge page size 'huge=4K' (2M or 1G)");
	bad("mmap auto 4K rw file=", P, "empty path in 'file='");
	bad("mmap auto 4K rw file=@0", P, "empty path in 'file=@0'");
	bad("mmap auto 4K rw file=x@", P, "bad file offset ''");
	bad("mmap auto 4K rw file=x@zz", P, "bad file offset 'zz'");
	bad("mmap auto 4K rw file=a@b", P, "bad file offset 'b'");
	bad("mmap auto 4K rw file=a\x01"
	    "b",
	    P, "control character in path 'file=a?b'");
}
END_TEST

START_TEST(test_ctl_errors_names_paths_pids)
{
	bad("spawn a\x01", G, "control character in name 'a?'");
	bad("exec a\x1b"
	    "b",
	    P, "control character in path 'a?b'");
	bad_n("exec a\0b", 8, P, "control character in path 'a?b'");
	bad("kill 0", G, "bad pid '0'");
	bad("kill -1", G, "bad pid '-1'");
	bad("kill 0x10", G, "bad pid '0x10'");
	bad("kill 4K", G, "bad pid '4K'");
	bad("kill init", G, "bad pid 'init'");
}
END_TEST

Suite *
suite_ctl(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_ctl_spawn);
	tcase_add_test(tc, test_ctl_kill);
	tcase_add_test(tc, test_ctl_global_plain);
	tcase_add_test(tc, test_ctl_mmap_anon);
	tcase_add_test(tc, test_ctl_mmap_auto);
	tcase_add_test(tc, test_ctl_mmap_file);
	tcase_add_test(tc, test_ctl_mmap_file_at_sign);
	tcase_add_test(tc, test_ctl_mmap_huge);
	tcase_add_test(tc, test_ctl_mmap_any_order);
	tcase_add_test(tc, test_ctl_range_commands);
	tcase_add_test(tc, test_ctl_madvise);
	tcase_add_test(tc, test_ctl_process_plain);
	tcase_add_test(tc, test_ctl_touch);
	tcase_add_test(tc, test_ctl_blank_and_comment);
	tcase_add_test(tc, test_ctl_line_endings);
	tcase_add_test(tc, test_ctl_any_scope);
	tcase_add_test(tc, test_ctl_op_names);
	tcase_add_test(tc, test_ctl_next_line);
	tcase_add_test(tc, test_ctl_format_canonical);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_ctl_limits_top_of_space);
	tcase_add_test(tc, test_ctl_limits_numbers);
	tcase_add_test(tc, test_ctl_limits_name);
	tcase_add_test(tc, test_ctl_limits_path);
	tcase_add_test(tc, test_ctl_limits_err_buffer);
	tcase_add_test(tc, test_ctl_limits_quote);
	tcase_add_test(tc, test_ctl_limits_format_space);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_ctl_errors_command);
	tcase_add_test(tc, test_ctl_errors_scope);
	tcase_add_test(tc, test_ctl_errors_usage);
	tcase_add_test(tc, test_ctl_errors_values);
	tcase_add_test(tc, test_ctl_errors_extra_words);
	tcase_add_test(tc, test_ctl_errors_mmap_options);
	tcase_add_test(tc, test_ctl_errors_names_paths_pids);
	suite_add_tcase(s, tc);

	return s;
}
