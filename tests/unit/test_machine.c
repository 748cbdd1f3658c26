/*
 * test_machine.c - machine building, processes, mmap and its bad input.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib.h"
#include "vmlab/log.h"
#include "vmlab/session.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)

START_TEST(test_machine_kernel_half)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *a = t_spawn(m), *b = t_spawn(m);
	uint64_t pa, pb;

	/* 4 kernel pages + 3 shared tables (PDPT, PD, PT) */
	ck_assert_uint_eq(m->phys.count[VM_FRAME_KERNEL], 4 + 3);
	ck_assert_int_eq(vm_access(m, a, VM_KERNEL_BASE + 4096 * 3 + 5,
				   VM_ACC_R, VM_MODE_SUPER, 0, &pa, NULL), 0);
	ck_assert_int_eq(vm_access(m, b, VM_KERNEL_BASE + 4096 * 3 + 5,
				   VM_ACC_R, VM_MODE_SUPER, 0, &pb, NULL), 0);
	ck_assert_uint_eq(pa, pb);
	ck_assert_uint_eq(pa, (m->kernel_pfn[3] << 12) + 5);
	/* the leaf is global, supervisor, RW, NX */
	ck_assert_uint_eq(t_pte(m, a, VM_KERNEL_BASE + 4096 * 3) & 0xfff &
				  ~(uint64_t)(VM_PTE_A | VM_PTE_D),
			  VM_PTE_P | VM_PTE_RW | VM_PTE_G);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_machine_pids_in_order)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *a = t_spawn(m), *b = t_spawn(m), *c;

	ck_assert_int_eq(a->pid, 1);
	ck_assert_int_eq(b->pid, 2);
	vm_proc_reap(m, a);
	c = t_spawn(m);
	ck_assert_int_eq(c->pid, 3);
	ck_assert_int_eq(m->last_pid, 3);
	ck_assert_ptr_eq(vm_machine_proc(m, 2), b);
	ck_assert_ptr_null(vm_machine_proc(m, 1));
	ck_assert_int_eq(vm_proc_spawn(m, "a-very-long-process-name", &c), 0);
	ck_assert_str_eq(c->comm, "a-very-long-pro");
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_machine_exit_frees_all)
{
	struct vm_machine *m = t_machine(256);
	uint64_t free0 = m->phys.nfree;
	struct vm_proc *p = t_spawn(m);
	uint64_t at;
	struct vm_mmap_req r = { .len = 64 * 4096, .prot = RW };

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(at, VM_MMAP_BASE - 64 * 4096);
	ck_assert_int_eq(vm_touch(m, p, at, 64 * 4096, VM_ACC_W), 0);
	ck_assert_int_eq(vm_touch(m, p, 0x1000000, 1, VM_ACC_R), -EFAULT);
	/* killed by the bad access: everything it had is free again */
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_uint_eq(m->phys.nfree, free0);
	ck_assert_uint_eq(m->user_pages, 0);
	ck_assert_uint_eq(p->pt_pages, 0);
	ck_assert_uint_eq(p->rss_anon, 0);
	/* its counters stay for status */
	ck_assert_uint_eq(p->stats.v[VM_STAT_pgfault], 64);
	vm_proc_reap(m, p);
	ck_assert_uint_eq(m->phys.nfree, free0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_machine_mmap_bad_args)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t at = 0;
	struct vm_mmap_req r = { .addr = 0x10000, .len = 4096, .prot = RW,
				 .flags = VM_MAP_FIXED };

	r.len = 0;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EINVAL);
	r.len = 4096;
	r.addr = 0x10001;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EINVAL);
	r.addr = 0x1000; /* below the lowest mappable address */
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EINVAL);
	r.addr = 0x00007ffffffff000ull;
	r.len = 8192; /* runs past the top of user memory: ENOMEM, as Linux */
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -ENOMEM);
	r.len = 4096; /* the last page below 2^47 is past TASK_SIZE */
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -ENOMEM);
	r.addr = 0x0000800000000000ull;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -ENOMEM);
	r.addr = 0x20000;
	r.len = UINT64_MAX - 100; /* rounding would overflow */
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EINVAL);
	r.len = 4096;
	r.prot = 8;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EINVAL);
	r.prot = RW;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	r.flags = VM_MAP_FIXED_NOREPLACE;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EEXIST);
	ck_assert_int_eq(vm_munmap(m, p, 0x20001, 4096), -EINVAL);
	ck_assert_int_eq(vm_munmap(m, p, 0x20000, 0), -EINVAL);
	ck_assert_int_eq(vm_mprotect(m, p, 0x20000, 4096, 9), -EINVAL);
	ck_assert_int_eq(vm_madvise(m, p, 0x20000, 4096, 42), -EINVAL);
	/* the one good mapping is all there is, besides the stack */
	ck_assert_uint_eq(p->vmas.n, 2);
	ck_assert_uint_eq(p->vmas.v[0].start, 0x20000);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_machine_madvise)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t v = 0;

	t_map(m, p, 0x20000, 4 * 4096, RW);
	ck_assert_int_eq(vm_store(m, p, 0x20000, 8, 77), 0);
	ck_assert_int_eq(vm_madvise(m, p, 0x20000, 4 * 4096, VM_ADV_WILLNEED),
			 0);
	ck_assert_uint_eq(p->rss_anon, 4);
	ck_assert_int_eq(vm_madvise(m, p, 0x20000, 4096, VM_ADV_DONTNEED), 0);
	ck_assert_uint_eq(p->rss_anon, 3);
	/* an execute-only region is populated too */
	{
		struct vm_mmap_req r = { .addr = 0x40000, .len = 8192,
					 .prot = VM_PROT_EXEC,
					 .flags = VM_MAP_FIXED |
						  VM_MAP_POPULATE };
		uint64_t at;

		ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
		ck_assert_uint_eq(p->rss_anon, 5);
		ck_assert_int_eq(vm_madvise(m, p, 0x40000, 8192,
					    VM_ADV_WILLNEED), 0);
	}
	ck_assert_int_eq(vm_load(m, p, 0x20000, 8, &v), 0);
	ck_assert_uint_eq(v, 0);
	vm_machine_destroy(m);
}
END_TEST

/* clear_refs: types 1..3 clear the A bits of the regions they select
 * (and the TLB, so the next access sets the bit again); 4 and 5 are
 * accepted and change nothing; anything else is EINVAL. */
START_TEST(test_machine_clear_refs)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .addr = 0x20000000, .len = 4096, .prot = RW,
				 .flags = VM_MAP_FIXED | VM_MAP_SHARED };
	uint64_t at;

	t_map(m, p, 0x10000000, 2 * 4096, RW);
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_int_eq(vm_touch(m, p, 0x10000000, 2 * 4096, VM_ACC_W), 0);
	ck_assert_int_eq(vm_touch(m, p, 0x20000000, 1, VM_ACC_W), 0);
	ck_assert(t_pte(m, p, 0x10000000) & VM_PTE_A);
	ck_assert(t_pte(m, p, 0x20000000) & VM_PTE_A);
	/* 3: file-backed and shared anonymous regions only */
	ck_assert_int_eq(vm_clear_refs_write(m, p, "3\n", 2), 0);
	ck_assert(t_pte(m, p, 0x10000000) & VM_PTE_A);
	ck_assert(!(t_pte(m, p, 0x20000000) & VM_PTE_A));
	/* 2: private anonymous ones; D stays */
	ck_assert_int_eq(vm_clear_refs_write(m, p, " +2 ", 4), 0);
	ck_assert(!(t_pte(m, p, 0x10000000) & VM_PTE_A));
	ck_assert(t_pte(m, p, 0x10000000) & VM_PTE_D);
	/* the TLB entry went too: a read sets A again */
	ck_assert_int_eq(vm_touch(m, p, 0x10000000, 1, VM_ACC_R), 0);
	ck_assert(t_pte(m, p, 0x10000000) & VM_PTE_A);
	ck_assert_int_eq(vm_clear_refs(m, p, VM_CLEAR_REFS_ALL), 0);
	ck_assert(!(t_pte(m, p, 0x10000000) & VM_PTE_A));
	ck_assert_int_eq(vm_touch(m, p, 0x10000000, 1, VM_ACC_R), 0);
	/* 4 and 5 change nothing */
	ck_assert_int_eq(vm_clear_refs_write(m, p, "4", 1), 0);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "05", 2), 0);
	ck_assert(t_pte(m, p, 0x10000000) & VM_PTE_A);
	/* refused, as Linux: out of range, not decimal, junk, overflow */
	ck_assert_int_eq(vm_clear_refs_write(m, p, "0", 1), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "6", 1), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "-1", 2), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "0x4", 3), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "1 2", 3), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "1x", 2), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "", 0), -EINVAL);
	ck_assert_int_eq(vm_clear_refs_write(m, p, "99999999999", 11),
			 -ERANGE);
	ck_assert_ptr_nonnull(strstr(t_log_last, "clear_refs"));
	/* only the first 12 bytes count */
	ck_assert_int_eq(vm_clear_refs_write(m, p, "1           junk", 16), 0);
	ck_assert(!(t_pte(m, p, 0x10000000) & VM_PTE_A));
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_machine_asid_exhaustion)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;

	vm_config_default(&c);
	c.frames = 8192;
	m = t_machine_cfg(&c);
	for (int i = 0; i < VM_TLB_ASID_MAX; i++)
		ck_assert_int_eq(vm_proc_spawn(m, NULL, &p), 0);
	ck_assert_int_eq(vm_proc_spawn(m, NULL, &p), -EAGAIN);
	ck_assert_ptr_null(p);
	/* a death frees its ASID */
	vm_proc_reap(m, vm_machine_proc(m, 7));
	ck_assert_int_eq(vm_proc_spawn(m, NULL, &p), 0);
	ck_assert_uint_eq(p->asid, 7);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_machine_out_of_frames)
{
	struct vm_machine *m = t_machine(32);
	struct vm_proc *p = t_spawn(m);
	uint64_t free0, at;
	struct vm_mmap_req r = { .len = 64 * 4096, .prot = RW };

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	free0 = m->phys.nfree;
	/* no swap: reading drops clean zero pages, but written ones stay;
	 * when nothing can go, the OOM killer takes the process */
	ck_assert_int_eq(vm_touch(m, p, at, 64 * 4096, VM_ACC_W), -ENOMEM);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 9);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 1);
	ck_assert_ptr_nonnull(strstr(t_log_last, "Out of memory: Killed "
					       "process 1 (test)"));
	ck_assert_uint_eq(m->phys.nfree, free0 + 1);
	vm_machine_destroy(m);
}
END_TEST

/* A line that quotes what a user wrote carries no control byte: ESC and
 * BEL would reach a terminal that shows the log (tail -f). */
START_TEST(test_machine_log_no_control_bytes)
{
	struct vm_machine *m = t_machine(64);
	struct vm_ctl_session s;
	const char *line = "x\033]0;pwned\007\n";

	vm_ctl_session_init(&s, VM_CTL_GLOBAL, 0);
	ck_assert_int_eq(vm_ctl_session_write(m, &s, line, strlen(line)),
			 -EINVAL);
	ck_assert_str_eq(t_log_last, "ctl: line 1 'x?]0;pwned?': unknown "
				     "command 'x?]0;pwned?'");
	vm_log(&m->log, VM_LOG_INFO, "tab\there, del\177, \303\251 kept");
	ck_assert_str_eq(t_log_last, "tab?here, del?, \303\251 kept");
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

/* pids never wrap into negative numbers: past the last one, spawn and
 * fork fail with EAGAIN and change nothing. */
START_TEST(test_machine_pid_max)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p, *c;

	m->last_pid = VM_PID_MAX - 1;
	ck_assert_int_eq(vm_proc_spawn(m, NULL, &p), 0);
	ck_assert_int_eq(p->pid, VM_PID_MAX);
	ck_assert_int_eq(vm_proc_spawn(m, NULL, &c), -EAGAIN);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), -EAGAIN);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(m->last_pid, VM_PID_MAX);
	ck_assert_ptr_eq(vm_machine_proc(m, VM_PID_MAX), p);
	ck_assert_ptr_null(m->procs->next);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_machine(void)
{
	Suite *s = suite_create("machine");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_machine_kernel_half);
	tcase_add_test(core, test_machine_pids_in_order);
	tcase_add_test(core, test_machine_exit_frees_all);
	tcase_add_test(core, test_machine_madvise);
	tcase_add_test(core, test_machine_clear_refs);
	tcase_add_test(limits, test_machine_asid_exhaustion);
	tcase_add_test(limits, test_machine_out_of_frames);
	tcase_add_test(limits, test_machine_pid_max);
	tcase_add_test(errors, test_machine_mmap_bad_args);
	tcase_add_test(errors, test_machine_log_no_control_bytes);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}
