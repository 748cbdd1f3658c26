/*
 * test_session.c - ctl sessions: lines cut between writes, numbering
 * across writes, a failing line that stops its write and drops what
 * waits, the last line run at close, and the log lines.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib.h"
#include "vmlab/session.h"

Suite *suite_session(void);

#define BASE 0x10000000ull

/* Writes a string to a session. */
static ssize_t
put(struct vm_machine *m, struct vm_ctl_session *s, const char *text)
{
	return vm_ctl_session_write(m, s, text, strlen(text));
}

static struct vm_vma *
region(struct vm_proc *p, uint64_t va)
{
	return vm_vma_find(&p->vmas, va);
}

START_TEST(test_session_line_across_writes)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_session s;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	ck_assert_int_eq(put(m, &s, "mmap 0x10000000 4K"), 18);
	ck_assert_ptr_null(region(p, BASE));
	ck_assert_uint_eq(s.lines, 0);
	ck_assert_int_eq(put(m, &s, " rw-\nmmap 0x2000"), 16);
	ck_assert_ptr_nonnull(region(p, BASE));
	ck_assert_ptr_null(region(p, 0x20000000));
	ck_assert_uint_eq(s.lines, 1);
	ck_assert_int_eq(put(m, &s, "0000 8K r--\n"), 12);
	ck_assert_ptr_nonnull(region(p, 0x20001000));
	ck_assert_uint_eq(s.lines, 2);
	ck_assert_uint_eq(s.clen, 0);
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_session_failure_stops_and_drops)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_session s;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	ck_assert_int_eq(put(m, &s, "mmap 0x10000000 4K rw-\nbogus\n"
				    "mmap 0x20000000 4K rw-\nmmap 0x3000"),
			 -EINVAL);
	ck_assert_str_eq(t_log_last,
			 "pid 1 ctl: line 2 'bogus': unknown command 'bogus'");
	ck_assert_ptr_nonnull(region(p, BASE));
	ck_assert_ptr_null(region(p, 0x20000000));
	ck_assert_uint_eq(s.clen, 0);
	/* the dropped tail does not join the next write's line */
	ck_assert_int_eq(put(m, &s, "0000 4K rw-\n"), -EINVAL);
	ck_assert_str_eq(t_log_last, "pid 1 ctl: line 3 '0000 4K rw-': "
				     "unknown command '0000'");
	ck_assert_ptr_null(region(p, 0x30000000));
	/* a waiting line is dropped when the line it completes fails */
	ck_assert_int_eq(put(m, &s, "mmap 0x40000000 4K rw-\nmm"), 25);
	ck_assert_int_eq(put(m, &s, "ap 0x50000000 4K rwz\nmmap 0x60000000"),
			 -EINVAL);
	ck_assert_str_eq(t_log_last, "pid 1 ctl: line 5 'mmap 0x50000000 4K "
				     "rwz': bad protection 'rwz'");
	ck_assert_uint_eq(s.clen, 0);
	ck_assert_int_eq(vm_ctl_session_close(m, &s), 0);
	ck_assert_ptr_nonnull(region(p, 0x40000000));
	ck_assert_ptr_null(region(p, 0x60000000));
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_session_numbering)
{
	struct vm_machine *m = t_machine(64);
	struct vm_ctl_session s;

	vm_ctl_session_init(&s, VM_CTL_GLOBAL, 0);
	ck_assert_int_eq(put(m, &s, "spawn a\n# a comment\n"), 20);
	ck_assert_str_eq(t_log_last, "spawn: pid 1 (a)");
	ck_assert_int_eq(put(m, &s, "\nspawn\n"), 7);
	ck_assert_str_eq(t_log_last, "spawn: pid 2 (proc)");
	ck_assert_int_eq(put(m, &s, "frobnicate\n"), -EINVAL);
	ck_assert_str_eq(t_log_last, "ctl: line 5 'frobnicate': unknown "
				     "command 'frobnicate'");
	ck_assert_int_eq(put(m, &s, "kill 99\n"), -ENOENT);
	ck_assert_ptr_nonnull(strstr(t_log_last, "ctl: line 6 'kill 99': "));
	ck_assert_uint_eq(s.lines, 6);
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_session_close_runs_last_line)
{
	struct vm_machine *m = t_machine(64);
	struct vm_ctl_session s;
	unsigned logged;

	vm_ctl_session_init(&s, VM_CTL_GLOBAL, 0);
	ck_assert_int_eq(put(m, &s, "spawn tail"), 10);
	ck_assert_int_eq(m->last_pid, 0);
	ck_assert_int_eq(vm_ctl_session_close(m, &s), 0);
	ck_assert_int_eq(m->last_pid, 1);
	ck_assert_str_eq(t_log_last, "spawn: pid 1 (tail)");
	logged = t_log_count;
	ck_assert_int_eq(vm_ctl_session_close(m, &s), 0);
	ck_assert_uint_eq(t_log_count, logged);
	/* still usable after a close */
	ck_assert_int_eq(put(m, &s, "bad"), 3);
	ck_assert_int_eq(vm_ctl_session_close(m, &s), -EINVAL);
	ck_assert_str_eq(t_log_last, "ctl: line 2 'bad': unknown command "
				     "'bad'");
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_session_mmap_auto_log)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_session s;
	char want[80];
	struct vm_vma *a;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	ck_assert_int_eq(put(m, &s, "mmap auto 10K rw-\n"), 18);
	a = &p->vmas.v[0];
	ck_assert_uint_eq(a->end - a->start, 12288);
	snprintf(want, sizeof(want), "pid 1: mmap auto: 0x%llx-0x%llx",
		 (unsigned long long)a->start, (unsigned long long)a->end);
	ck_assert_str_eq(t_log_last, want);
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_session_line_too_long)
{
	struct vm_machine *m = t_machine(64);
	struct vm_ctl_session s;
	static char buf[VM_CTL_LINE_MAX + 1];

	vm_ctl_session_init(&s, VM_CTL_GLOBAL, 0);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(vm_ctl_session_write(m, &s, buf, VM_CTL_LINE_MAX),
			 VM_CTL_LINE_MAX);
	ck_assert_int_eq(vm_ctl_session_write(m, &s, buf, 1), -EINVAL);
	ck_assert_str_eq(t_log_last, "ctl: line 1 is longer than 4352 bytes");
	ck_assert_uint_eq(s.clen, 0);
	ck_assert_int_eq(put(m, &s, "spawn\n"), 6);
	ck_assert_int_eq(m->last_pid, 1);
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

/* After exit or a killing touch the rest of the write finds no process;
 * a reaped process's session fails with ESRCH. */
START_TEST(test_session_process_gone)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct vm_ctl_session s, t;
	unsigned logged;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	ck_assert_int_eq(put(m, &s, "touch 0x90000000 1 r\n"
				    "touch 0x90000000 1 r\n"), -ESRCH);
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_str_eq(t_log_last, "pid 1 ctl: line 2 'touch 0x90000000 1 "
				     "r': the process is gone");
	/* a later write finds the zombie: the executor refuses */
	ck_assert_int_eq(put(m, &s, "touch 0x90000000 1 r\n"), -ESRCH);
	ck_assert_ptr_nonnull(strstr(t_log_last, "pid 1 ctl: line 3 "));
	vm_ctl_session_init(&t, VM_CTL_PROC, q->pid);
	ck_assert_int_eq(put(m, &t, "exit\nfork\n"), -ESRCH);
	ck_assert_str_eq(t_log_last,
			 "pid 2 ctl: line 2 'fork': the process is gone");
	ck_assert_ptr_null(vm_machine_proc(m, 2));
	logged = t_log_count;
	ck_assert_int_eq(put(m, &t, "exit\n"), -ESRCH);
	ck_assert_int_eq(vm_ctl_session_close(m, &t), 0);
	ck_assert_uint_eq(t_log_count, logged);
	vm_ctl_session_fini(&s);
	vm_ctl_session_fini(&t);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_session(void)
{
	Suite *s = suite_create("session");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_session_line_across_writes);
	tcase_add_test(core, test_session_numbering);
	tcase_add_test(core, test_session_close_runs_last_line);
	tcase_add_test(core, test_session_mmap_auto_log);
	tcase_add_test(limits, test_session_line_too_long);
	tcase_add_test(errors, test_session_failure_stops_and_drops);
	tcase_add_test(errors, test_session_process_gone);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}
